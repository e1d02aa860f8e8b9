"""Momentum scheduling for Gluon: apply a schedule's ``momentum(t)`` to the optimizer.

MXNet's optimizers read their momentum attribute on every update, so setting it
right before ``trainer.step()`` is all a schedule needs. SGD, NAG and the other
momentum optimizers use ``momentum``; Adam-family optimizers and Prodigy use
``beta1`` (``beta2`` is never touched). A momentum schedule does not apply to
the Schedule-Free optimizers: their ``momentum`` (SGD) or ``beta1`` (AdamW) is
the fixed interpolation between the averaged and the stepped weights, and they
replace the schedule.
"""
from __future__ import annotations

from typing import Any, Optional, Union

import mxnet as mx

from .optimizers import ScheduleFree

__all__ = ["sync_momentum"]


def _optimizer_of(trainer_or_optimizer: object) -> mx.optimizer.Optimizer:
    if isinstance(trainer_or_optimizer, mx.gluon.Trainer):
        return trainer_or_optimizer.optimizer
    if isinstance(trainer_or_optimizer, mx.optimizer.Optimizer):
        return trainer_or_optimizer
    raise TypeError("trainer_or_optimizer must be a gluon.Trainer or an mx.optimizer.Optimizer, "
                    "got {!r}".format(trainer_or_optimizer))


def _momentum_attribute(optimizer: mx.optimizer.Optimizer) -> str:
    if isinstance(optimizer, ScheduleFree):
        raise TypeError(
            "{} takes no momentum schedule: its {!r} is the interpolation between the averaged "
            "and the stepped weights, not momentum; build the schedule with "
            "cycle_momentum=False".format(type(optimizer).__name__,
                                          optimizer.interpolation_name))
    for name in ("beta1", "momentum"):
        if hasattr(optimizer, name):
            return name
    raise TypeError(
        "{} has neither 'momentum' nor 'beta1', so the schedule's momentum cannot be applied; "
        "use SGD/NAG (momentum) or an Adam-family optimizer (beta1), or build the schedule "
        "with cycle_momentum=False".format(type(optimizer).__name__))


def sync_momentum(trainer_or_optimizer: Union[mx.gluon.Trainer, mx.optimizer.Optimizer],
                  schedule: Optional[Any] = None) -> Optional[float]:
    """Set the optimizer's momentum for its upcoming update from ``schedule``.

    Call it right before every ``trainer.step()``, including the first. The
    upcoming update is ``t = optimizer.num_update + 1``, the same number MXNet
    passes to the ``lr_scheduler`` during that step, so learning rate and
    momentum stay in lockstep.

    Parameters
    ----------
    trainer_or_optimizer : mxnet.gluon.Trainer or mxnet.optimizer.Optimizer
    schedule : callable, optional
        Defaults to the optimizer's ``lr_scheduler``. Schedules without a
        ``momentum(t)`` method, or whose ``momentum(t)`` is None (e.g.
        ``cycle_momentum=False``), leave the optimizer unchanged.

    Returns
    -------
    float or None
        The momentum that was set, or None if the schedule has none.

    Raises
    ------
    TypeError
        If the optimizer has neither ``momentum`` nor ``beta1``, or is
        Schedule-Free, while the schedule defines momentum.
    ValueError
        If no schedule is given and the optimizer has no ``lr_scheduler``, or
        if an SGD-style optimizer already stepped with ``momentum=0`` (it then
        has no momentum state to drive; create it with ``momentum > 0`` or
        sync before the first step).

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluon_lr.schedules import OneCycleLR
    >>> schedule = OneCycleLR(max_lr=0.1, total_steps=100)
    >>> sgd = mx.optimizer.SGD(learning_rate=None, lr_scheduler=schedule, momentum=0.9)
    >>> sync_momentum(sgd), sgd.momentum
    (0.95, 0.95)
    """
    optimizer = _optimizer_of(trainer_or_optimizer)
    if schedule is None:
        schedule = optimizer.lr_scheduler
        if schedule is None:
            raise ValueError("no schedule given and the optimizer has no lr_scheduler")
    momentum_of = getattr(schedule, "momentum", None)
    if not callable(momentum_of):
        return None
    value: Optional[float] = momentum_of(optimizer.num_update + 1)
    if value is None:
        return None
    name = _momentum_attribute(optimizer)
    if name == "momentum" and optimizer.momentum == 0 and optimizer.num_update > 0:
        raise ValueError(
            "{} already stepped with momentum=0 and holds no momentum state; create it with "
            "momentum > 0 or call sync_momentum before the first step".format(
                type(optimizer).__name__))
    setattr(optimizer, name, value)
    return value
