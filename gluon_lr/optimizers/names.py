"""Checks of the optimizer arguments a Learner passes on to ``mx.gluon.Trainer``.

MXNet reports a bad optimizer argument late or obscurely: ``optimizer=42`` fails
with ``AttributeError: 'int' object has no attribute 'lower'``, an unknown keyword
with ``object.__init__() takes exactly one argument``, and a negative learning
rate is accepted. These checks name the argument and what it accepts.
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, Optional, Set, Tuple, Union

import mxnet as mx

from .._validate import as_lr, as_number

__all__ = ["checked_optimizer", "optimizer_keywords", "optimizer_name"]

#: Checked ranges of common hyper-parameters: (low, high, high_open).
_RANGES: Dict[str, Tuple[float, Optional[float], bool]] = {
    "momentum": (0.0, 1.0, True), "beta1": (0.0, 1.0, True), "beta2": (0.0, 1.0, True),
    "wd": (0.0, None, False)}


def optimizer_keywords(optimizer_class: type) -> Set[str]:
    """The keyword arguments ``optimizer_class`` and its bases accept.

    Examples
    --------
    >>> import mxnet as mx
    >>> {"learning_rate", "momentum", "wd"} <= optimizer_keywords(mx.optimizer.SGD)
    True
    """
    names: Set[str] = set()
    for cls in inspect.getmro(optimizer_class):
        if not issubclass(cls, mx.optimizer.Optimizer):
            continue
        for name, parameter in inspect.signature(cls).parameters.items():  # without self
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                names.add(name)
    return names


def optimizer_name(learner: Any) -> Optional[str]:
    """The registered name of the learner's optimizer (``'sgd'``, ``'adam'``, ...).

    The name MXNet's registry gives the optimizer's class; the class's own
    name in lower case when it is not registered, and None when the learner
    has no trainer.

    Examples
    --------
    >>> from gluon_lr import Learner
    >>> net = mx.gluon.nn.Dense(1, in_units=2)
    >>> optimizer_name(Learner(net, [(mx.np.ones((1, 2)), mx.np.ones((1, 1)))], mx.cpu(),
    ...                        optimizer="adam"))
    'adam'
    """
    trainer = getattr(learner, "trainer", None)
    if trainer is None:
        return None
    kind = type(trainer.optimizer)
    return next((name for name, cls in mx.optimizer.Optimizer.opt_registry.items()
                 if cls is kind), kind.__name__.lower())


def _optimizer_class(name: str) -> type:
    registry = mx.optimizer.Optimizer.opt_registry
    if name.lower() not in registry:
        raise ValueError("optimizer must be one of MXNet's optimizers ({}) or an "
                         "mx.optimizer.Optimizer; got {!r}".format(", ".join(sorted(registry)),
                                                                   name))
    found: type = registry[name.lower()]
    return found


def checked_optimizer(
        optimizer: Union[str, mx.optimizer.Optimizer], optimizer_params: Optional[Dict[str, Any]]
) -> Tuple[Union[str, mx.optimizer.Optimizer], Optional[Dict[str, Any]]]:
    """Return ``(optimizer, optimizer_params)`` ready for ``mx.gluon.Trainer``, or raise.

    Parameters
    ----------
    optimizer : str or mx.optimizer.Optimizer
        A registered name (``'sgd'``, ``'adam'``, ...) or an optimizer object.
    optimizer_params : dict or None
        Keyword arguments of the named optimizer; ``None`` gives
        ``{'learning_rate': 0.001}`` (the tutorial's default). Must be ``None``
        with an optimizer object.

    Raises
    ------
    TypeError
        For an optimizer that is neither, parameters that are not a dict,
        parameters with an optimizer object, or a keyword the optimizer does not
        take.
    ValueError
        For an unknown optimizer name, a learning rate outside ``[0, float32
        max]``, ``momentum``, ``beta1`` or ``beta2`` outside ``[0, 1)`` or a
        negative ``wd``.

    Examples
    --------
    >>> checked_optimizer("sgd", None)
    ('sgd', {'learning_rate': 0.001})
    >>> checked_optimizer("sgd", {"learning_rate": -1})
    Traceback (most recent call last):
    ...
    ValueError: optimizer_params['learning_rate'] must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got -1.0
    """
    if isinstance(optimizer, mx.optimizer.Optimizer):
        if optimizer_params is not None:
            raise TypeError("optimizer_params must be None when optimizer is an "
                            "mx.optimizer.Optimizer object (set them on the object)")
        return optimizer, None
    if not isinstance(optimizer, str):
        raise TypeError("optimizer must be a name such as 'sgd' or 'adam', or an "
                        "mx.optimizer.Optimizer; got {!r}".format(optimizer))
    accepted = optimizer_keywords(_optimizer_class(optimizer))
    if optimizer_params is None:
        return optimizer, {"learning_rate": 0.001}
    if not isinstance(optimizer_params, dict):
        raise TypeError("optimizer_params must be a dict of {!r}'s keyword arguments; "
                        "got {!r}".format(optimizer, optimizer_params))
    unknown = sorted(set(optimizer_params) - accepted)
    if unknown:
        raise TypeError("optimizer_params has {} that {!r} does not take; it accepts {}".format(
            ", ".join(map(repr, unknown)), optimizer, ", ".join(sorted(accepted))))
    params = dict(optimizer_params)
    for name, value in params.items():
        label = "optimizer_params[{!r}]".format(name)
        if name == "learning_rate" and value is not None:
            params[name] = as_lr(label, value)
        elif name in _RANGES:
            low, high, high_open = _RANGES[name]
            params[name] = as_number(label, value, low=low, high=high, high_open=high_open)
    return optimizer, params
