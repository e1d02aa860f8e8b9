"""The cycle shapes of MXNet's "Advanced Learning Rate Schedules" tutorial, and a constant.

The cycles take the tutorial's signatures and 1-based iterations and, like the
tutorial, stay at ``min_lr`` after ``cycle_length``.
"""
from __future__ import annotations

import math
from typing import Tuple

from .._validate import as_lr, as_number
from .base import Schedule, as_steps, lr_range

__all__ = ["ConstantSchedule", "TriangularSchedule", "CosineAnnealingSchedule"]


class ConstantSchedule(Schedule):
    """The same learning rate at every update.

    Examples
    --------
    >>> ConstantSchedule(0.05)(1), ConstantSchedule(0.05)(1000)
    (0.05, 0.05)
    """

    def __init__(self, lr: float) -> None:
        self.lr = as_lr("lr", lr, allow_zero=False)

    def _lr(self, t: int) -> float:
        return self.lr


def _check_bounds(min_lr: float, max_lr: float, cycle_length: int) -> Tuple[float, float, int]:
    """Validate the arguments shared by the shapes; return them as numbers."""
    return lr_range("min_lr", min_lr, "max_lr", max_lr) + (
        as_steps("cycle_length", cycle_length, 1),)


class TriangularSchedule(Schedule):
    """Linear rise from ``min_lr`` to ``max_lr``, then linear fall back.

    The rise takes ``cycle_length * inc_fraction`` iterations (``inc_fraction``
    other than 0.5 gives the "slanted" triangle); after ``cycle_length`` the
    rate stays at ``min_lr``.

    Parameters
    ----------
    min_lr, max_lr : float
        Lower and upper bound, ``0 <= min_lr <= max_lr``, each 0 or in
        float32's range (see :func:`gluon_lr._validate.as_lr`).
    cycle_length : int
        Iterations from start to finish, in ``[1, 2**53]``.
    inc_fraction : float, default 0.5
        Fraction of the cycle spent increasing, in ``(0, 1]``.

    Examples
    --------
    >>> s = TriangularSchedule(min_lr=1, max_lr=2, cycle_length=1000, inc_fraction=0.2)
    >>> s(0), s(100), s(200), s(600), s(1000), s(1001)
    (1.0, 1.5, 2.0, 1.5, 1.0, 1.0)
    """

    def __init__(self, min_lr: float, max_lr: float, cycle_length: int,
                 inc_fraction: float = 0.5) -> None:
        self.min_lr, self.max_lr, self.cycle_length = _check_bounds(min_lr, max_lr, cycle_length)
        self.inc_fraction = as_number("inc_fraction", inc_fraction, low=0, high=1, low_open=True)

    def _lr(self, t: int) -> float:
        rise = self.cycle_length * self.inc_fraction
        if t <= rise:
            unit = t / rise
        elif t <= self.cycle_length:
            unit = (self.cycle_length - t) / (self.cycle_length * (1 - self.inc_fraction))
        else:
            unit = 0.0
        return unit * (self.max_lr - self.min_lr) + self.min_lr


class CosineAnnealingSchedule(Schedule):
    """Half a cosine from ``max_lr`` down to ``min_lr`` over ``cycle_length``.

    Parameters
    ----------
    min_lr, max_lr : float
        Lower and upper bound, ``0 <= min_lr <= max_lr``, each 0 or in
        float32's range.
    cycle_length : int
        Iterations from ``max_lr`` to ``min_lr``, in ``[1, 2**53]``; afterwards the rate
        stays at ``min_lr``.

    Examples
    --------
    >>> s = CosineAnnealingSchedule(min_lr=1, max_lr=2, cycle_length=1000)
    >>> s(0), s(500), s(1000), s(1500)
    (2.0, 1.5, 1.0, 1.0)
    """

    def __init__(self, min_lr: float, max_lr: float, cycle_length: int) -> None:
        self.min_lr, self.max_lr, self.cycle_length = _check_bounds(min_lr, max_lr, cycle_length)

    def _lr(self, t: int) -> float:
        if t > self.cycle_length:
            return self.min_lr
        unit = (1 + math.cos(t * math.pi / self.cycle_length)) / 2
        return unit * (self.max_lr - self.min_lr) + self.min_lr
