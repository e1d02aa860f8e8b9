"""Schedules by name, with explicit keywords: the factory behind ``gluon-lr train``.

As timm's ``create_scheduler``, one function turns a name and a few numbers into
a schedule over a known number of updates. The names are the ones the command
line offers; a DeepSpeed ``"scheduler"`` block goes through :func:`from_config`.
"""
from __future__ import annotations

import math
from typing import Optional

from .._validate import as_choice, as_int, as_lr, as_number, check_order
from .base import Schedule, as_rate
from .modifiers import CyclicalSchedule, LinearWarmUp
from .shapes import CosineAnnealingSchedule, TriangularSchedule
from .torch_style import OneCycleLR

__all__ = ["SCHEDULE_NAMES", "ConstantSchedule", "create_schedule", "needs_max_lr"]

#: The names :func:`create_schedule` knows.
SCHEDULE_NAMES = ("constant", "onecycle", "cyclical", "cosine")


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


def needs_max_lr(name: str) -> bool:
    """Whether the schedule ``name`` peaks at a ``max_lr`` (all but ``'constant'``)."""
    return as_choice("name", name, SCHEDULE_NAMES) != "constant"


def create_schedule(name: str, *, total_steps: int, lr: float = 0.05,
                    max_lr: Optional[float] = None, min_lr: Optional[float] = None,
                    cycles: int = 2, warmup: int = 0, pct_start: float = 0.3) -> Schedule:
    """Build the schedule ``name`` over ``total_steps`` updates.

    Parameters
    ----------
    name : {'constant', 'onecycle', 'cyclical', 'cosine'}
        ``'constant'``: ``lr`` throughout. ``'onecycle'``: PyTorch's
        :class:`OneCycleLR` (cosine, with momentum). ``'cyclical'``: ``cycles``
        triangular cycles between ``min_lr`` and ``max_lr``. ``'cosine'``:
        cosine decay from ``max_lr`` to ``min_lr``, after ``warmup`` linear
        warm-up updates from ``min_lr``.
    total_steps : int
        Updates the schedule covers, >= 1.
    lr : float, default 0.05
        ``'constant'`` only (the tutorial's pick).
    max_lr : float
        The peak; required by all but ``'constant'``.
    min_lr : float, optional
        ``'cyclical'``: default ``max_lr / 10``; ``'cosine'``: default
        ``max_lr / 100``; a default below float32's range is 0.
    cycles : int, default 2
        ``'cyclical'`` only.
    warmup : int, default 0
        ``'cosine'`` only: warm-up updates, ``0 <= warmup < total_steps``.
    pct_start : float, default 0.3
        ``'onecycle'`` only: the fraction of updates spent rising, in (0, 1).

    Returns
    -------
    Schedule

    Examples
    --------
    >>> schedule = create_schedule("cosine", total_steps=100, max_lr=0.1)
    >>> round(schedule(1), 6), round(schedule(100), 6)
    (0.099976, 0.001)
    """
    as_choice("name", name, SCHEDULE_NAMES)
    total_steps = as_int("total_steps", total_steps, 1)
    as_int("cycles", cycles, 1)
    as_int("warmup", warmup, 0)
    as_number("pct_start", pct_start, low=0, high=1, low_open=True, high_open=True)
    if name == "constant":
        return ConstantSchedule(lr)
    if max_lr is None:
        raise ValueError("max_lr is required for the {!r} schedule".format(name))
    max_lr = as_lr("max_lr", max_lr, allow_zero=False)
    if min_lr is not None:
        min_lr = as_lr("min_lr", min_lr)
        check_order("min_lr", min_lr, "max_lr", max_lr)
    if name == "onecycle":
        return OneCycleLR(max_lr=max_lr, total_steps=total_steps, pct_start=pct_start)
    if name == "cyclical":
        low = as_rate("max_lr / 10", max_lr / 10) if min_lr is None else min_lr
        return CyclicalSchedule(TriangularSchedule, min_lr=low, max_lr=max_lr,
                                cycle_length=math.ceil(total_steps / cycles))
    if warmup >= total_steps:
        raise ValueError("warmup must be an int in [0, total_steps) = [0, {}), got {}".format(
            total_steps, warmup))
    low = as_rate("max_lr / 100", max_lr / 100) if min_lr is None else min_lr
    cosine = CosineAnnealingSchedule(min_lr=low, max_lr=max_lr,
                                     cycle_length=total_steps - warmup)
    return LinearWarmUp(cosine, start_lr=low, length=warmup) if warmup else cosine
