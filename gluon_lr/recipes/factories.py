"""Your own network and data by name: ``'module:attr'`` factories, as uvicorn names its app.

The contract
    ``make_net()``, called with no arguments, returns an ``mx.gluon.Block``
    (initialized or not) whose output holds one score per class for
    softmax cross-entropy, the workflows' loss. ``make_dataset()``, called
    with no arguments, returns ``(train, test)``: two
    ``mx.gluon.data.Dataset`` of ``(data, label)`` samples with integer
    class labels (e.g. ``ArrayDataset(X, y)``); the test set scores
    ``compare`` and ``train``.

The module is imported with the current directory on ``sys.path``, as
uvicorn does, so ``mypkg.models:make_net`` finds ``./mypkg/models.py``.
A spec that cannot be imported, an attribute that is not callable and a
result of the wrong type are a ``ValueError`` or ``TypeError`` naming the
argument (``model`` or ``dataset``); an exception raised by the factory
itself is the user's own and propagates unchanged.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import Any, Callable, Optional, Tuple

import mxnet as mx

from ..models import build_model

__all__ = ["is_factory", "load_factory", "make_network", "make_datasets"]


def is_factory(spec: str) -> bool:
    """Whether ``spec`` names a factory (``'module:attr'``) rather than a built-in name.

    Examples
    --------
    >>> is_factory("mypkg.models:make_net"), is_factory("resnet18_v2")
    (True, False)
    """
    return ":" in spec


def _import(module_name: str) -> Any:
    """Import ``module_name`` with the current directory on ``sys.path`` (as uvicorn)."""
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    return importlib.import_module(module_name)


def load_factory(name: str, spec: str) -> Callable[[], Any]:
    """The callable ``spec`` (``'module:attr'``, ``attr`` may be dotted) names.

    Parameters
    ----------
    name : str
        The argument ``spec`` came from, for messages (``'model'``, ``'dataset'``).
    spec : str

    Raises
    ------
    ValueError
        For a malformed spec, a module that cannot be imported, or a missing attribute.
    TypeError
        When the attribute is not callable.

    Examples
    --------
    >>> load_factory("model", "os.path:join") is os.path.join
    True
    >>> load_factory("model", "os.path:sep")
    Traceback (most recent call last):
    ...
    TypeError: model 'os.path:sep' must name a callable (a factory), got the str '/'
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr or ":" in attr:
        raise ValueError("{} must be 'module:attr' (e.g. 'mypkg.models:make_net'), got "
                         "{!r}".format(name, spec))
    try:
        target: Any = _import(module_name)
    except (ImportError, SyntaxError) as error:
        raise ValueError("{} {!r}: cannot import {} ({}: {})".format(
            name, spec, module_name, type(error).__name__, error)) from None
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ValueError("{} {!r}: {} has no attribute {!r}".format(
                name, spec, module_name, attr))
        target = getattr(target, part)
    if not callable(target):
        raise TypeError("{} {!r} must name a callable (a factory), got the {} {!r}".format(
            name, spec, type(target).__name__, target))
    factory: Callable[[], Any] = target
    return factory


def make_network(model: str, classes: int = 10) -> mx.gluon.Block:
    """The network ``model`` names: a built-in name or a ``'module:attr'`` factory.

    Built-in names go to :func:`gluon_lr.models.build_model` with ``classes``;
    a factory is called with no arguments and must return an ``mx.gluon.Block``.

    Raises
    ------
    ValueError, TypeError
        For an unknown name, a factory that cannot be loaded, or a result that
        is not a Block.
    """
    if not is_factory(model):
        return build_model(model, classes=classes)
    net = load_factory("model", model)()
    if not isinstance(net, mx.gluon.Block):
        raise TypeError("model {!r} must return an mx.gluon.Block, got {!r}".format(
            model, type(net).__name__))
    return net


def _dataset(spec: str, which: str, value: Any) -> Any:
    if not isinstance(value, mx.gluon.data.Dataset):
        raise TypeError("dataset {!r} must return (train, test), two mx.gluon.data.Dataset "
                        "(e.g. ArrayDataset(X, y)); its {} set is a {}".format(
                            spec, which, type(value).__name__))
    if len(value) == 0:
        raise ValueError("dataset {!r}: its {} set is empty".format(spec, which))
    return value


def make_datasets(spec: str) -> Tuple[Any, Any]:
    """``(train, test)`` from the ``'module:attr'`` factory ``spec``, checked.

    Raises
    ------
    ValueError, TypeError
        For a factory that cannot be loaded, a result that is not a pair of
        Gluon datasets, or an empty one.
    """
    pair: Optional[Any] = load_factory("dataset", spec)()
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError("dataset {!r} must return (train, test), two mx.gluon.data.Dataset; "
                        "got {!r}".format(spec, type(pair).__name__))
    return _dataset(spec, "train", pair[0]), _dataset(spec, "test", pair[1])

