"""Schedule modifiers: those of MXNet's "Advanced Learning Rate Schedules" tutorial,
and :class:`CoolDown`, its linear cool-down with cosine and 1-sqrt shapes too.

Each wrapper evaluates its child at a re-based iteration and never mutates it.
Children may be gluon-lr schedules, plain callables, or MXNet's stateful
``mx.lr_scheduler`` objects (evaluated on a private replaying copy, see
:func:`gluon_lr.schedules.base.pure`). A child's momentum schedule, if it has
one, is re-based the same way as its learning rate.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional, Tuple

from .._validate import as_callable, as_choice, as_lr, as_number
from .base import MAX_STEPS, Schedule, ScheduleFn, as_rate, as_steps, lr_range, pure
from .shapes import TriangularSchedule

__all__ = ["LinearWarmUp", "CoolDown", "COOLDOWN_SHAPES", "LinearCoolDown", "OneCycleSchedule",
           "CyclicalSchedule"]


def _momentum_of(schedule: ScheduleFn, t: int) -> Optional[float]:
    """``schedule.momentum(t)`` if the schedule defines momentum, else None."""
    momentum = getattr(schedule, "momentum", None)
    value: Optional[float] = momentum(t) if callable(momentum) else None
    return value


def _child_lr(name: str, schedule: ScheduleFn, t: int) -> float:
    """``schedule(t)``, checked to be a learning rate, with ``name`` in the message."""
    return as_rate("{}({})".format(name, t), schedule(t))


def _line(t: int, length: int, start: float, finish: float) -> float:
    """The value ``t`` steps into a straight line from ``start`` to ``finish``."""
    return t * (finish - start) / length + start


class LinearWarmUp(Schedule):
    """Rise linearly from ``start_lr`` to ``schedule``'s initial rate, then follow it.

    Iterations ``0 .. length`` climb from ``start_lr`` to ``schedule(0)``;
    iteration ``t > length`` uses ``schedule(t - length)``.
    ``base_lr`` is the rate reached after the warm-up (as in
    ``mx.lr_scheduler``'s own warm-up).

    Parameters
    ----------
    schedule : callable
        The schedule to warm up (a gluon-lr schedule, a function, or an
        ``mx.lr_scheduler`` object, which is copied, never mutated).
    start_lr : float
        Learning rate at iteration 0: 0 or in float32's range.
    length : int
        Number of warm-up iterations, in ``[1, 2**53]``.

    Examples
    --------
    >>> import mxnet as mx
    >>> steps = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    >>> steps.base_lr = 1
    >>> s = LinearWarmUp(steps, start_lr=0, length=250)
    >>> s(125), s(250), s(500), s(501), s(1151)
    (0.5, 1.0, 1.0, 0.5, 0.125)
    """

    def __init__(self, schedule: ScheduleFn, start_lr: float, length: int) -> None:
        self._child = pure(schedule)
        self.start_lr = as_lr("start_lr", start_lr)
        self.length = as_steps("length", length, 1)
        self.finish_lr = _child_lr("schedule", self._child, 0)

    def _lr(self, t: int) -> float:
        if t <= self.length:
            return _line(t, self.length, self.start_lr, self.finish_lr)
        return self._child(t - self.length)

    def _momentum(self, t: int) -> Optional[float]:
        return _momentum_of(self._child, max(t - self.length, 0))

    def _reference_lr(self) -> float:
        return self.finish_lr


#: The shapes of :class:`CoolDown`.
COOLDOWN_SHAPES = ("linear", "cosine", "1-sqrt")


def _fall(shape: str, k: int, length: int, start: float, finish: float) -> float:
    """The value ``k`` steps into a fall of ``length`` steps from ``start`` to ``finish``.

    Examples
    --------
    >>> [_fall(shape, 1, 4, 1.0, 0.0) for shape in COOLDOWN_SHAPES]
    [0.75, 0.8535533905932737, 0.5]
    """
    if shape == "linear":
        return _line(k, length, start, finish)
    u = k / length
    still = (1 + math.cos(math.pi * u)) / 2 if shape == "cosine" else 1 - math.sqrt(u)
    return finish + (start - finish) * still


class CoolDown(Schedule):
    """Follow ``schedule`` up to ``start_idx``, then fall to ``finish_lr`` in a given shape.

    With ``s0 = schedule(start_idx)``, ``f = finish_lr``, ``L = length`` and
    ``u = (t - start_idx) / L``::

        lr(t) = schedule(t)          for t <= start_idx
        lr(t) = f + (s0 - f) * h(u)  for start_idx < t <= start_idx + L
        lr(t) = f                    afterwards

    with ``h(u) = 1 - u`` (``'linear'``), ``(1 + cos(pi u)) / 2``
    (``'cosine'``) or ``1 - sqrt(u)`` (``'1-sqrt'``, Hägele et al. 2024), so
    the cosine and 1-sqrt falls end at exactly ``f``. The linear fall is the
    tutorial's line ``(t - start_idx) (f - s0) / L + s0``, which can end a
    rounding error away from ``f`` (see :mod:`.base`).

    Parameters
    ----------
    schedule : callable
        The schedule to cool down (copied if it is an ``mx.lr_scheduler`` object).
    finish_lr : float
        Learning rate at the end of the cool-down and afterwards: 0 or in
        float32's range.
    start_idx : int
        Last iteration taken from ``schedule``, in ``[0, 2**53]``.
    length : int
        Number of cool-down iterations, in ``[0, 2**53]``.
    shape : {'linear', 'cosine', '1-sqrt'}, default 'linear'

    Examples
    --------
    >>> s = CoolDown(lambda t: 1.0, finish_lr=0.0, start_idx=100, length=100, shape="1-sqrt")
    >>> s(100), s(125), s(200), s(300)
    (1.0, 0.5, 0.0, 0.0)
    """

    def __init__(self, schedule: ScheduleFn, finish_lr: float, start_idx: int,
                 length: int, shape: str = "linear") -> None:
        self._child = pure(schedule)
        self.finish_lr = as_lr("finish_lr", finish_lr)
        self.start_idx = as_steps("start_idx", start_idx, 0)
        self.length = as_steps("length", length, 0)
        self.shape = as_choice("shape", shape, COOLDOWN_SHAPES)
        self.finish_idx = self.start_idx + self.length
        self.start_lr = _child_lr("schedule", self._child, self.start_idx)

    def _lr(self, t: int) -> float:
        if t <= self.start_idx:
            return self._child(t)
        if t > self.finish_idx:
            return self.finish_lr
        return _fall(self.shape, t - self.start_idx, self.length, self.start_lr, self.finish_lr)

    def _momentum(self, t: int) -> Optional[float]:
        return _momentum_of(self._child, min(t, self.start_idx))


class LinearCoolDown(CoolDown):
    """The tutorial's cool-down: :class:`CoolDown` with the ``'linear'`` shape.

    Follow ``schedule`` up to ``start_idx``, then fall linearly from
    ``schedule(start_idx)`` to ``finish_lr`` in ``length`` iterations; the
    rate then stays at ``finish_lr``. The parameters are :class:`CoolDown`'s
    but ``shape``.

    Examples
    --------
    >>> import mxnet as mx
    >>> steps = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    >>> steps.base_lr = 1
    >>> s = LinearCoolDown(steps, finish_lr=0.001, start_idx=1000, length=500)
    >>> s(1000), round(s(1250), 6), round(s(1500), 6), s(2000)
    (0.125, 0.063, 0.001, 0.001)
    """

    def __init__(self, schedule: ScheduleFn, finish_lr: float, start_idx: int,
                 length: int) -> None:
        super().__init__(schedule, finish_lr, start_idx, length, shape="linear")


class OneCycleSchedule(LinearCoolDown):
    """The tutorial's 1-Cycle: one symmetric triangle, then an optional cool-down.

    Parameters
    ----------
    start_lr, max_lr : float
        Bounds of the triangular cycle, ``0 <= start_lr <= max_lr``, each 0 or
        in float32's range.
    cycle_length : int
        Iterations of the triangle (twice Smith's "stepsize"), in ``[1, 2**53]``.
    cooldown_length : int, default 0
        Iterations of the linear cool-down after the cycle, in ``[0, 2**53]``.
    finish_lr : float, optional
        Rate at the end of the cool-down (0 or in float32's range); required
        exactly when ``cooldown_length > 0``. Without a cool-down the rate
        stays at ``start_lr``.

    Raises
    ------
    ValueError
        With the tutorial's messages when ``cooldown_length`` and ``finish_lr``
        are not given together; for an argument out of range.
    TypeError
        For an argument of the wrong type. Messages name this class's
        parameters (``start_lr``, ``cooldown_length``), not those of the
        :class:`TriangularSchedule` and :class:`LinearCoolDown` it is made of.

    Examples
    --------
    >>> s = OneCycleSchedule(start_lr=0.1, max_lr=0.5, cycle_length=500,
    ...                      cooldown_length=750, finish_lr=0.001)
    >>> s(0), s(250), s(500), round(s(1250), 6), s(2000)
    (0.1, 0.5, 0.1, 0.001, 0.001)
    """

    def __init__(self, start_lr: float, max_lr: float, cycle_length: int,
                 cooldown_length: int = 0, finish_lr: Optional[float] = None) -> None:
        cooldown_length = as_steps("cooldown_length", cooldown_length, 0)
        if (cooldown_length > 0) and (finish_lr is None):
            raise ValueError("Must specify finish_lr when using cooldown_length > 0.")
        if (cooldown_length == 0) and (finish_lr is not None):
            raise ValueError("Must specify cooldown_length > 0 when using finish_lr.")
        start_lr, max_lr = lr_range("start_lr", start_lr, "max_lr", max_lr)
        cycle_length = as_steps("cycle_length", cycle_length, 1)
        finish_lr = start_lr if finish_lr is None else as_lr("finish_lr", finish_lr)
        cycle = TriangularSchedule(min_lr=start_lr, max_lr=max_lr, cycle_length=cycle_length)
        super().__init__(cycle, finish_lr=finish_lr, start_idx=cycle_length,
                         length=cooldown_length)


class CyclicalSchedule(Schedule):
    """Repeat a cycle-shaped schedule forever, optionally stretching and shrinking it.

    Cycle ``i`` (from 0) lasts ``L_i`` iterations with ``L_0 = cycle_length`` and
    ``L_{i+1} = ceil(L_i * cycle_length_decay)``; inside it, iteration ``t`` uses
    ``schedule_class(cycle_length=L_i, **kwargs)(t - start_i)`` times
    ``cycle_magnitude_decay ** i``. With ``CosineAnnealingSchedule``,
    ``cycle_length_decay=2`` and ``cycle_magnitude_decay=0.5`` this is SGDR.

    A cycle that would last more than ``2**53`` iterations (the largest
    iteration, see :mod:`.base`) lasts ``2**53``: it is the last cycle and
    never ends. So a huge ``cycle_length_decay`` (even ``1e308``, where ``L_1``
    would overflow a float) means the first cycle, then one endless cycle.

    Parameters
    ----------
    schedule_class : type
        Called as ``schedule_class(cycle_length=..., **kwargs)``, e.g.
        ``TriangularSchedule`` or ``CosineAnnealingSchedule``; its instances
        map an iteration to a learning rate.
    cycle_length : int
        Length of the first cycle, in ``[1, 2**53]``.
    cycle_length_decay : float, default 1
        Factor applied to the cycle length after each cycle, ``> 0``.
    cycle_magnitude_decay : float, default 1
        Factor applied to the learning rates after each cycle, ``> 0``. Above 1
        the rates grow without bound, and calling the schedule raises
        ``ValueError`` once they leave float32's range.
    **kwargs
        Passed to ``schedule_class``.

    Examples
    --------
    >>> from gluon_lr.schedules import TriangularSchedule
    >>> s = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=2, cycle_length=500)
    >>> s(250), s(500), s(750)
    (2.0, 0.5, 2.0)

    A first cycle of 10 iterations, then an endless one:

    >>> s = CyclicalSchedule(TriangularSchedule, min_lr=0, max_lr=1, cycle_length=10,
    ...                      cycle_length_decay=1e308)
    >>> s(5), s(25) == 15 / 2 ** 52, s(10 ** 15) == (10 ** 15 - 10) / 2 ** 52
    (1.0, True, True)
    """

    def __init__(self, schedule_class: Callable[..., ScheduleFn], cycle_length: int,
                 cycle_length_decay: float = 1, cycle_magnitude_decay: float = 1,
                 **kwargs: Any) -> None:
        self.schedule_class = as_callable("schedule_class", schedule_class,
                                          "a schedule class taking cycle_length")
        self.length = as_steps("cycle_length", cycle_length, 1)
        self.length_decay = as_number("cycle_length_decay", cycle_length_decay,
                                      low=0, low_open=True)
        self.magnitude_decay = as_number("cycle_magnitude_decay", cycle_magnitude_decay,
                                         low=0, low_open=True)
        self.kwargs = dict(kwargs)
        self._lr(0)  # fail early on bad kwargs, or on instances that are no schedules

    def _locate(self, t: int) -> Tuple[int, int, int]:
        """Return ``(cycle index, cycle length, offset in the cycle)`` of iteration ``t``."""
        index, length, start = 0, self.length, 0
        while t - start >= length:
            start, index = start + length, index + 1
            grown = length * self.length_decay
            following = MAX_STEPS if grown >= MAX_STEPS else math.ceil(grown)
            if following == length:  # every later cycle is as long: jump to t's
                skipped = (t - start) // length
                start, index = start + skipped * length, index + skipped
            length = following
        return index, length, t - start

    def _cycle(self, t: int) -> Tuple[int, ScheduleFn, int, str]:
        """``(cycle index, cycle schedule, offset in the cycle, name for messages)`` of ``t``."""
        index, length, offset = self._locate(t)
        name = "schedule_class(cycle_length={})".format(length)
        schedule = as_callable(name, self.schedule_class(cycle_length=length, **self.kwargs),
                               "iteration -> learning rate")
        return index, schedule, offset, name

    def _lr(self, t: int) -> float:
        index, schedule, offset, name = self._cycle(t)
        lr = _child_lr(name, schedule, offset)
        try:
            return lr * self.magnitude_decay ** index
        except OverflowError:  # growing cycles, long past float32's range: __call__ reports it
            return math.inf if lr else 0.0

    def _momentum(self, t: int) -> Optional[float]:
        _, schedule, offset, _ = self._cycle(t)
        return _momentum_of(schedule, offset)
