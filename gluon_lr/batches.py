"""What a :class:`~gluon_lr.Learner` trains on: a loader's batch as ``(inputs, targets)``.

A batch is ``(data, label)`` by default. ``batch_fn`` maps any other batch
(a dict, several inputs, several targets, a triplet) to ``(inputs, targets)``,
each one array or a tuple of arrays. The Learner then computes
``loss_fn(net(*inputs), *targets)`` on every device's part of the batch, and
counts the batch's samples along axis 0 of the first input.

The checks here raise before any training, with the argument to fix
(``data_loader``, ``batch_fn``, ``net`` or ``loss_fn``) named in the message.
"""
from __future__ import annotations

import collections.abc
import warnings
from typing import Any, Callable, Optional, Tuple

import mxnet as mx
import numpy as np

__all__ = ["BatchFn", "Arrays", "split_batch", "warn_extra_items", "check_output",
           "check_loss_fn"]

#: ``batch_fn(batch) -> (inputs, targets)``; each an array or a tuple of arrays.
BatchFn = Callable[[Any], Tuple[Any, Any]]
#: The arrays of one batch's inputs or targets, in order.
Arrays = Tuple[Any, ...]

_TO_MXNET = ("convert them with mx.np.array, e.g. [(mx.np.array(x), mx.np.array(y)) for x, y "
             "in batches], or serve them with mx.gluon.data.DataLoader("
             "mx.gluon.data.ArrayDataset(X, y), batch_size=...)")


def _default_split(batch: Any) -> Tuple[Any, Any]:
    if isinstance(batch, collections.abc.Mapping):
        keys = ", ".join(repr(key) for key in batch)
        raise TypeError("data_loader yields dict batches (keys {}), and the Learner cannot "
                        "tell inputs from targets: pass batch_fn=lambda batch: (inputs, "
                        "targets), e.g. batch_fn=lambda b: (b['x'], b['y'])".format(keys))
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError("data_loader must yield (data, label) batches, or pass batch_fn= "
                        "mapping a batch to (inputs, targets); got {}".format(
                            _describe(batch)))
    return batch[0], batch[1]


def _describe(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "a {} of {} items".format(type(value).__name__, len(value))
    return "a {}.{}".format(type(value).__module__, type(value).__qualname__)


def _arrays(source: str, role: str, value: Any) -> Arrays:
    arrays = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    for index, array in enumerate(arrays):
        if isinstance(array, mx.np.ndarray):
            continue
        where = "{} gave {} as {}[{}]".format(source, _describe(array), role, index)
        if isinstance(array, np.ndarray):
            raise TypeError("{}; the Learner trains on MXNet arrays (mx.np.ndarray): "
                            "{}".format(where, _TO_MXNET))
        raise TypeError("{}; expected an mx.np.ndarray".format(where))
    return arrays


def split_batch(batch: Any, batch_fn: Optional[BatchFn] = None) -> Tuple[Arrays, Arrays]:
    """Return a batch's ``(inputs, targets)`` as two tuples of MXNet arrays.

    Parameters
    ----------
    batch : object
        One item of the loader.
    batch_fn : callable, optional
        ``batch_fn(batch) -> (inputs, targets)``. Without it the batch must be
        ``(data, label, ...)``: ``data`` (an array, or a tuple of arrays for
        several inputs) and ``label`` are used, further items are not.

    Returns
    -------
    inputs, targets : tuple of mx.np.ndarray
        At least one input; targets may be empty (a loss of the outputs alone).
        Every array has the batch on axis 0, with as many rows as ``inputs[0]``.

    Raises
    ------
    TypeError
        For a dict batch without ``batch_fn``, a batch that is not a pair, a
        ``batch_fn`` that does not return a pair, or an item that is not an
        ``mx.np.ndarray`` (a NumPy array is named as such, with the fix).
    ValueError
        For no inputs, or arrays whose axis 0 differ in length.

    Examples
    --------
    >>> import mxnet as mx
    >>> batch = {"image": mx.np.ones((4, 3)), "meta": mx.np.zeros((4, 2)),
    ...          "label": mx.np.zeros((4,))}
    >>> inputs, targets = split_batch(batch, lambda b: ((b["image"], b["meta"]), b["label"]))
    >>> [x.shape for x in inputs], [y.shape for y in targets]
    ([(4, 3), (4, 2)], [(4,)])
    """
    if batch_fn is None:
        source = "data_loader"
        inputs, targets = _default_split(batch)
    else:
        source = "batch_fn"
        pair = batch_fn(batch)
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError("batch_fn must return (inputs, targets), each an array or a tuple "
                            "of arrays; got {}".format(_describe(pair)))
        inputs, targets = pair
    input_arrays = _arrays(source, "inputs", inputs)
    target_arrays = _arrays(source, "targets", targets)
    if not input_arrays:
        raise ValueError("{} gave no inputs: the network needs at least one array".format(
            source))
    _check_batch_axis(source, input_arrays, target_arrays)
    return input_arrays, target_arrays


def _check_batch_axis(source: str, inputs: Arrays, targets: Arrays) -> None:
    """Every array must split along axis 0 like the first input, for several devices."""
    rows = inputs[0].shape[0] if inputs[0].ndim else None
    for role, arrays in (("inputs", inputs), ("targets", targets)):
        for index, array in enumerate(arrays):
            if rows is None or not array.ndim or array.shape[0] != rows:
                raise ValueError(
                    "{} gave {}[{}] of shape {} beside inputs[0] of shape {}: every input and "
                    "target must hold the batch on axis 0".format(
                        source, role, index, array.shape, inputs[0].shape))


def warn_extra_items(batch: Any, batch_fn: Optional[BatchFn]) -> None:
    """Warn when a ``(data, label, extra, ...)`` batch would lose its extra items.

    The Learner does not guess what a third item is (a sample weight, an
    index, a mask, a length): passing it to the loss as a weight when it is
    something else would change the loss silently. The warning names the
    ``batch_fn`` that hands it to ``loss_fn`` (a Gluon loss's third argument
    is ``sample_weight``).

    Examples
    --------
    >>> import mxnet as mx
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_extra_items((mx.np.ones((2, 1)), mx.np.zeros(2), mx.np.ones(2)), None)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    data_loader yields batches of 3 items; the Learner trains on (data, label) and ignores ...
    """
    if batch_fn is not None or not isinstance(batch, (tuple, list)) or len(batch) <= 2:
        return
    warnings.warn(
        "data_loader yields batches of {} items; the Learner trains on (data, label) and "
        "ignores the rest. To give a sample weight to the loss (a Gluon loss's third "
        "argument), pass batch_fn=lambda batch: (batch[0], (batch[1], batch[2])); to use "
        "(data, label) only, batch_fn=lambda batch: (batch[0], batch[1])".format(
            len(batch)), UserWarning, stacklevel=3)


def check_loss_fn(loss_fn: Any) -> None:
    """Refuse a loss class given where an instance belongs (``L2Loss`` for ``L2Loss()``).

    Examples
    --------
    >>> import mxnet as mx
    >>> check_loss_fn(mx.gluon.loss.L2Loss)
    Traceback (most recent call last):
    ...
    TypeError: loss_fn must be a loss object such as mx.gluon.loss.L2Loss(), not the class L2Loss: add the brackets
    """
    if isinstance(loss_fn, type):
        raise TypeError("loss_fn must be a loss object such as mx.gluon.loss.L2Loss(), not "
                        "the class {}: add the brackets".format(loss_fn.__name__))


def check_output(output: Any, loss_fn: Any, default_loss: bool) -> None:
    """Check a network's first output against the loss it goes to.

    Raises ``TypeError`` naming ``net`` for a tuple output (such as
    ``(out, hidden)``) given to a Gluon ``Loss``, which takes one prediction
    array. Warns when ``default_loss`` (``SoftmaxCrossEntropyLoss``, chosen
    because no ``loss_fn`` was given) meets one output per sample: softmax
    over one value is 1, so that loss is 0 whatever the weights.
    """
    if isinstance(output, (tuple, list)):
        if isinstance(loss_fn, mx.gluon.loss.Loss):
            raise TypeError(
                "net returned {} (such as (output, hidden)), but loss_fn, a Gluon Loss, "
                "takes one prediction array: make net return the prediction alone (e.g. a "
                "Block whose forward returns the wrapped net's output[0]), or pass a loss_fn "
                "that takes the tuple: loss_fn(outputs, *targets)".format(_describe(output)))
        return
    shape = getattr(output, "shape", None)
    if default_loss and shape is not None and (len(shape) <= 1 or shape[-1] == 1):
        warnings.warn(
            "net gives one output per sample (shape {}), but loss_fn is the default "
            "SoftmaxCrossEntropyLoss, a classifier's loss, which is 0 for one output: for a "
            "regression pass loss_fn=mx.gluon.loss.L2Loss()".format(shape),
            UserWarning, stacklevel=3)
