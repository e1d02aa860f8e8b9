"""Evaluate a Schedule-Free network at its average ``x``, then train on at ``y``."""
from __future__ import annotations

import contextlib
import itertools
import warnings
from typing import Any, Iterable, Iterator, Optional

import mxnet as mx

from .._validate import as_int
from ..mxnet_internals import trainer_devices, trainer_params, trainer_updaters
from ..state import TrainingState
from .schedulefree import ScheduleFree

__all__ = ["evaluation_weights"]


def has_batchnorm(net: Any) -> bool:
    """Whether ``net`` has BatchNorm layers (parameters named ``...running_mean``)."""
    return any(name.endswith("running_mean") for name in net.collect_params())


def _swap_in_x(trainer: Any) -> None:
    """Copy each weight's ``x`` into the parameter, on every device that has one."""
    params = trainer_params(trainer)
    for device_index, updater in enumerate(trainer_updaters(trainer)):
        for index, state in updater.states.items():
            target = params[index].list_data()[device_index]
            # the updater keeps MXNet's classic arrays, Gluon 2.0's parameters are numpy ones
            target[:] = state[1].as_np_ndarray() if isinstance(target, mx.np.ndarray) \
                else state[1]


def _recompute_batchnorm(net: Any, trainer: Any, batches: Iterable[Any]) -> None:
    """Forward and backward passes in training mode: BatchNorm's running statistics
    move in MXNet's backward pass, towards those of the current weights."""
    devices = trainer_devices(trainer)
    for batch in batches:
        data = batch[0] if isinstance(batch, (list, tuple)) else batch
        parts = [data.to_device(devices[0])] if len(devices) == 1 else \
            mx.gluon.utils.split_and_load(data, devices, even_split=False)
        with mx.autograd.record():
            outputs = [net(part) for part in parts]
        mx.autograd.backward([out[0] if isinstance(out, (list, tuple)) else out
                              for out in outputs])


@contextlib.contextmanager
def evaluation_weights(net: mx.gluon.Block, trainer: mx.gluon.Trainer,
                       batches: Optional[Iterable[Any]] = None,
                       num_batches: int = 50) -> Iterator[None]:
    """Put a Schedule-Free optimizer's ``x`` into ``net`` for the block, then put all back.

    Schedule-Free optimizers take gradients at ``y`` and keep the point to
    evaluate, ``x``, in their state (see :mod:`.schedulefree`). On entry,
    every trained parameter gets its ``x``. BatchNorm's running statistics
    were gathered at ``y``; given ``batches`` (training data), the first
    ``num_batches`` of them run forward and backward in training mode at
    ``x`` so that the statistics belong to ``x`` (schedulefree issues 11 and
    60). MXNet blends each batch in with the layer's momentum (0.9 by
    default): after 50 batches, ``y``'s statistics weigh ``0.9**50``, 0.5 %.
    On exit, whatever ends the block, everything is restored bit for bit
    (weights at ``y``, BatchNorm statistics, gradients and optimizer state),
    as a :class:`~gluon_lr.TrainingState` restores it: training resumes as
    if nothing had happened.

    Parameters
    ----------
    net : mx.gluon.Block
        The network the trainer trains.
    trainer : mx.gluon.Trainer
        Its trainer, with a Schedule-Free optimizer (``'sgd_schedulefree'``,
        ``'adamw_schedulefree'``) that updates on the devices.
    batches : iterable, optional
        ``(data, label)`` batches or data arrays, e.g. ``learner.peek_batches(50)``,
        which leaves the batches to train on next unchanged. ``None``: the
        statistics stay ``y``'s (a ``UserWarning`` if ``net`` has BatchNorm).
    num_batches : int, default 50
        At most this many of ``batches`` are used, ``>= 1``.

    Raises
    ------
    TypeError
        If the trainer's optimizer is not Schedule-Free.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.Dense(1, in_units=1, use_bias=False)
    >>> net.initialize(mx.init.One())
    >>> trainer = mx.gluon.Trainer(net.collect_params(), "sgd_schedulefree",
    ...                            {"learning_rate": 0.5, "momentum": 0.5})
    >>> for _ in range(2):
    ...     with mx.autograd.record():
    ...         loss = (net(mx.np.ones((1, 1))) ** 2) / 2
    ...     loss.backward()
    ...     trainer.step(1)
    >>> with evaluation_weights(net, trainer):
    ...     print(net.weight.data().item())
    0.375
    >>> net.weight.data().item()
    0.3125
    """
    if not isinstance(getattr(trainer, "optimizer", None), ScheduleFree):
        raise TypeError("evaluation_weights needs a trainer with a Schedule-Free optimizer "
                        "('sgd_schedulefree' or 'adamw_schedulefree'); got {!r}".format(
                            getattr(trainer, "optimizer", trainer)))
    num_batches = as_int("num_batches", num_batches, 1)
    if batches is None and has_batchnorm(net):
        warnings.warn("net has BatchNorm layers whose statistics belong to y, not to x: pass "
                      "batches to recompute them for evaluation", UserWarning, stacklevel=3)
    saved = TrainingState(net, trainer)
    try:
        _swap_in_x(trainer)
        if batches is not None:
            _recompute_batchnorm(net, trainer, itertools.islice(batches, num_batches))
        yield
    finally:
        saved.restore()
