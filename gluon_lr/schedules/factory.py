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
from .modifiers import COOLDOWN_SHAPES, CyclicalSchedule, LinearWarmUp
from .shapes import ConstantSchedule, CosineAnnealingSchedule, TriangularSchedule
from .torch_style import OneCycleLR
from .wsd import warmup_stable_decay

__all__ = ["SCHEDULE_NAMES", "ConstantSchedule", "create_schedule", "needs_max_lr"]

#: The names :func:`create_schedule` knows.
SCHEDULE_NAMES = ("constant", "onecycle", "cyclical", "cosine", "wsd", "linear")


def needs_max_lr(name: str) -> bool:
    """Whether the schedule ``name`` peaks at a ``max_lr`` (all but ``'constant'``)."""
    return as_choice("name", name, SCHEDULE_NAMES) != "constant"


def create_schedule(name: str, *, total_steps: int, lr: float = 0.05,
                    max_lr: Optional[float] = None, min_lr: Optional[float] = None,
                    cycles: int = 2, warmup: int = 0, pct_start: float = 0.3,
                    cooldown_fraction: float = 0.2, cooldown_shape: str = "1-sqrt") -> Schedule:
    """Build the schedule ``name`` over ``total_steps`` updates.

    Parameters
    ----------
    name : {'constant', 'onecycle', 'cyclical', 'cosine', 'wsd', 'linear'}
        ``'constant'``: ``lr`` throughout. ``'onecycle'``: PyTorch's
        :class:`OneCycleLR` (cosine, with momentum). ``'cyclical'``: ``cycles``
        triangular cycles between ``min_lr`` and ``max_lr``. ``'cosine'``:
        cosine decay from ``max_lr`` to ``min_lr``, after ``warmup`` linear
        warm-up updates from ``min_lr``. ``'wsd'``: after the warm-up,
        ``max_lr`` until the last ``round(cooldown_fraction * total_steps)``
        updates, which cool down to ``min_lr`` in ``cooldown_shape``
        (:func:`warmup_stable_decay`). ``'linear'``: after the warm-up, a
        straight line from ``max_lr`` down to ``min_lr`` at ``total_steps``
        (linear decay to zero by default).
    total_steps : int
        Updates the schedule covers, >= 1.
    lr : float, default 0.05
        ``'constant'`` only (the tutorial's pick).
    max_lr : float
        The peak; required by all but ``'constant'``.
    min_lr : float, optional
        ``'cyclical'``: default ``max_lr / 10``; ``'cosine'``: default
        ``max_lr / 100``; a default below float32's range is 0. ``'wsd'``,
        ``'linear'``: default 0.
    cycles : int, default 2
        ``'cyclical'`` only.
    warmup : int, default 0
        ``'cosine'``, ``'wsd'`` and ``'linear'``: warm-up updates from
        ``min_lr``, ``0 <= warmup < total_steps``.
    pct_start : float, default 0.3
        ``'onecycle'`` only: the fraction of updates spent rising, in (0, 1).
    cooldown_fraction : float, default 0.2
        ``'wsd'`` only: the fraction of ``total_steps`` spent cooling down, in
        ``[0, 1]``; with the warm-up at most ``total_steps``. 0.2 is Hägele et
        al.'s (2024) choice.
    cooldown_shape : {'1-sqrt', 'cosine', 'linear'}, default '1-sqrt'
        ``'wsd'`` only: the cool-down's shape.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> schedule = create_schedule("cosine", total_steps=100, max_lr=0.1)
    >>> round(schedule(1), 6), round(schedule(100), 6)
    (0.099976, 0.001)
    >>> schedule = create_schedule("wsd", total_steps=100, max_lr=0.1)
    >>> schedule(80), schedule(85), schedule(100)
    (0.1, 0.05, 0.0)
    """
    as_choice("name", name, SCHEDULE_NAMES)
    total_steps = as_int("total_steps", total_steps, 1)
    as_int("cycles", cycles, 1)
    as_int("warmup", warmup, 0)
    as_number("pct_start", pct_start, low=0, high=1, low_open=True, high_open=True)
    cooldown_fraction = as_number("cooldown_fraction", cooldown_fraction, low=0, high=1)
    as_choice("cooldown_shape", cooldown_shape, COOLDOWN_SHAPES)
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
    if name in ("wsd", "linear"):
        return _decay(name, total_steps, max_lr, 0.0 if min_lr is None else min_lr, warmup,
                      cooldown_fraction, cooldown_shape)
    low = as_rate("max_lr / 100", max_lr / 100) if min_lr is None else min_lr
    cosine = CosineAnnealingSchedule(min_lr=low, max_lr=max_lr,
                                     cycle_length=total_steps - warmup)
    return LinearWarmUp(cosine, start_lr=low, length=warmup) if warmup else cosine


def _decay(name: str, total_steps: int, max_lr: float, min_lr: float, warmup: int,
           cooldown_fraction: float, cooldown_shape: str) -> Schedule:
    """``'wsd'`` or ``'linear'`` (WSD with all updates after the warm-up cooling down)."""
    if name == "linear":
        return warmup_stable_decay(max_lr, total_steps, warmup=warmup,
                                   cooldown=total_steps - warmup, shape="linear", min_lr=min_lr)
    cooldown = round(cooldown_fraction * total_steps)
    if warmup + cooldown > total_steps:
        raise ValueError("warmup + round(cooldown_fraction * total_steps) must be at most "
                         "total_steps = {}, got {} + {}".format(total_steps, warmup, cooldown))
    return warmup_stable_decay(max_lr, total_steps, warmup=warmup, cooldown=cooldown,
                               shape=cooldown_shape, min_lr=min_lr)
