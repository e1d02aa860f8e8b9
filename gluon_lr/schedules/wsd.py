"""Warmup-Stable-Decay (WSD): warm-up, a constant stretch and a cool-down, joined.

MiniCPM (Hu et al. 2024) trains at a constant rate after the warm-up and
decays only at the end, so that a run can be extended from any checkpoint of
the stable stretch; Hägele et al. (2024) found a ``1 - sqrt`` cool-down best.
Linear decay to zero after a warm-up is the same schedule with no stable
stretch and a linear cool-down.

The schedule is composed, as optax joins schedules: a
:class:`~gluon_lr.schedules.LinearWarmUp` of a
:class:`~gluon_lr.schedules.CoolDown` of a
:class:`~gluon_lr.schedules.ConstantSchedule`.
"""
from __future__ import annotations

from typing import Optional

from .._validate import as_lr, check_order
from .base import Schedule, as_steps
from .modifiers import CoolDown, LinearWarmUp
from .shapes import ConstantSchedule

__all__ = ["warmup_stable_decay"]


def warmup_stable_decay(max_lr: float, total_steps: int, *, warmup: int = 0,
                        cooldown: int = 0, shape: str = "1-sqrt", min_lr: float = 0.0,
                        start_lr: Optional[float] = None) -> Schedule:
    """The WSD schedule over ``total_steps`` updates.

    With ``T = total_steps``, ``W = warmup``, ``C = cooldown``, ``s =
    start_lr``, ``m = min_lr``, ``M = max_lr`` and ``u = (t - (T - C)) / C``::

        lr(t) = s + t (M - s) / W    for 0 <= t <= W
        lr(t) = M                    for W < t <= T - C
        lr(t) = m + (M - m) h(u)     for T - C < t <= T
        lr(t) = m                    for t > T

    where ``h(u)`` is ``1 - u`` (``'linear'``), ``(1 + cos(pi u)) / 2``
    (``'cosine'``) or ``1 - sqrt(u)`` (``'1-sqrt'``); see
    :class:`~gluon_lr.schedules.CoolDown`.

    Parameters
    ----------
    max_lr : float
        ``M``, the rate of the stable stretch, > 0 and in float32's range.
    total_steps : int
        ``T``, updates the schedule covers, in ``[1, 2**53]``.
    warmup : int, default 0
        ``W``, updates of linear warm-up, ``>= 0``.
    cooldown : int, default 0
        ``C``, updates of cool-down, ``>= 0``, with ``W + C <= T``.
    shape : {'1-sqrt', 'cosine', 'linear'}, default '1-sqrt'
        The cool-down's shape.
    min_lr : float, default 0
        ``m``, the rate at the end of the cool-down and afterwards, ``<= max_lr``.
    start_lr : float, optional
        ``s``, the rate at ``t = 0`` of the warm-up, ``<= max_lr``; defaults to
        ``min_lr``.

    Returns
    -------
    Schedule

    Raises
    ------
    ValueError
        For ``warmup + cooldown > total_steps``, a rate out of range or out of
        order, or an unknown shape.

    Examples
    --------
    >>> s = warmup_stable_decay(1.0, 100, warmup=10, cooldown=20)
    >>> s(5), s(10), s(80), s(85), s(100), s(101)
    (0.5, 1.0, 1.0, 0.5, 0.0, 0.0)

    Linear decay to zero after the warm-up: no stable stretch.

    >>> s = warmup_stable_decay(1.0, 100, warmup=20, cooldown=80, shape="linear")
    >>> s(20), s(60), s(100)
    (1.0, 0.5, 0.0)
    """
    max_lr = as_lr("max_lr", max_lr, allow_zero=False)
    total_steps = as_steps("total_steps", total_steps, 1)
    warmup = as_steps("warmup", warmup, 0)
    cooldown = as_steps("cooldown", cooldown, 0)
    if warmup + cooldown > total_steps:
        raise ValueError("warmup + cooldown must be at most total_steps = {}, got {} + {}".format(
            total_steps, warmup, cooldown))
    min_lr = as_lr("min_lr", min_lr)
    check_order("min_lr", min_lr, "max_lr", max_lr)
    start_lr = min_lr if start_lr is None else as_lr("start_lr", start_lr)
    check_order("start_lr", start_lr, "max_lr", max_lr)
    decay = CoolDown(ConstantSchedule(max_lr), finish_lr=min_lr,
                     start_idx=total_steps - cooldown - warmup, length=cooldown, shape=shape)
    return LinearWarmUp(decay, start_lr=start_lr, length=warmup) if warmup else decay
