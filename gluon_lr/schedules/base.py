"""The schedule protocol shared by every gluon-lr schedule.

Iterations
----------
A schedule maps the update number ``t`` to a learning rate. ``t`` is exactly
what MXNet's ``Optimizer`` passes to its ``lr_scheduler``: ``t = 1`` for the
first update, ``t = optimizer.num_update`` in general, and ``t = 0`` when
``Trainer.learning_rate`` is read before training. This is the 1-based
convention of the MXNet tutorials and of ``mx.lr_scheduler``.

Iterations, lengths and step counts are ints up to :data:`MAX_STEPS` (``2**53``,
the range in which float64 holds every integer exactly, far beyond any
training run), so that no schedule's arithmetic can overflow.

Schedules ported from DeepSpeed and PyTorch count *completed* steps instead
(their step counter is ``k = t - 1``); :class:`StepCountSchedule` does that
translation, so the ``t``-th Gluon update uses the value DeepSpeed or PyTorch
use for their ``t``-th optimizer step, and ``t = 0`` reports the value their
constructors set before training.

Values
------
A schedule returns what an MXNet optimizer can hold: optimizers keep the
learning rate (and momentum) in float32 and reject anything else with "Out of
range value for lr". Values of magnitude below float32's smallest normal number
(e.g. after many decays) are returned as ``0.0``; a value beyond float32's
range (e.g. a range test run far past any usable rate) raises a ``ValueError``
that names the schedule and the iteration.

The contract in one line is :data:`ScheduleFn`, ``Callable[[int], float]``:
every gluon-lr schedule, a plain function of ``t`` and MXNet's
``mx.lr_scheduler`` objects fit it, and the wrappers take any of them.

Purity
------
Calling a schedule never changes what it returns: ``s(t)`` depends on ``t``
alone. Wrappers evaluate their children at re-based iterations and never
mutate them; MXNet's stateful schedulers are evaluated on private copies (see
:func:`pure`).

``base_lr``
-----------
MXNet's ``Optimizer(learning_rate=x, lr_scheduler=s)`` assigns
``s.base_lr = x`` whenever the two differ, and MXNet 2.0's optimizers always
pass a learning rate (``SGD`` defaults to 0.1, ``Adam`` to 0.001) even when the
user gave none. A gluon-lr schedule already states its learning rates, so
silently rescaling it to an optimizer default would be harmful: ``base_lr``
reads the schedule's reference learning rate (its value at ``t = 0``, or the
rate reached after a warm-up) and assigning a different value leaves the
schedule unchanged and emits a ``UserWarning`` that says so. Pass
``learning_rate=None`` or ``learning_rate=s.base_lr`` to the optimizer to
avoid the warning.
"""
from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any, Callable, Optional, Tuple

import mxnet as mx

from .._validate import (FLOAT32_MAX, FLOAT32_TINY, as_callable, as_int, as_lr, as_number,
                         check_order)

__all__ = ["ScheduleFn", "Schedule", "StepCountSchedule", "pure", "triangle", "as_steps",
           "as_rate", "lr_range", "momentum_range", "MAX_STEPS"]

ScheduleFn = Callable[[int], float]
"""A schedule: the update number ``t`` (1 for the first update) to a learning rate."""

MAX_STEPS = 2 ** 53
"""Largest iteration, length or step count a schedule accepts."""


def as_steps(name: str, value: object, minimum: int) -> int:
    """Return an iteration, length or step count: an int in ``[minimum, MAX_STEPS]``.

    Examples
    --------
    >>> as_steps("length", 10, 1)
    10
    >>> as_steps("length", 10 ** 16, 1)
    Traceback (most recent call last):
    ...
    ValueError: length must be an int in [1, 2**53], got 10000000000000000
    """
    value = as_int(name, value, minimum)
    if value > MAX_STEPS:
        raise ValueError("{} must be an int in [{}, 2**53], got {!r}".format(name, minimum, value))
    return value


def as_rate(name: str, value: object) -> float:
    """Return a computed learning rate or momentum as the float an optimizer accepts.

    Magnitudes below float32's smallest normal number become ``0.0`` (MXNet
    rejects them); non-numbers raise ``TypeError`` and values that are not
    finite or beyond float32's range raise ``ValueError``, naming ``name``.
    The sign is kept: the tutorial's linear cool-down to 0 can end a rounding
    error below it (``-1.4e-17``), which MXNet accepts.

    Examples
    --------
    >>> as_rate("s(5)", 0.5), as_rate("s(5)", 1e-40)
    (0.5, 0.0)
    >>> as_rate("s(5)", 1e300)
    Traceback (most recent call last):
    ...
    ValueError: s(5) must be a finite number of magnitude <= 3.4028235e+38 (float32), got 1e+300
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{} must be a number (a learning rate), got {!r}".format(name, value))
    value = float(value)
    if abs(value) < FLOAT32_TINY:
        return 0.0
    if not abs(value) <= FLOAT32_MAX:
        raise ValueError("{} must be a finite number of magnitude <= {:.8g} (float32), "
                         "got {!r}".format(name, FLOAT32_MAX, value))
    return value


def lr_range(low_name: str, low: float, high_name: str, high: float) -> Tuple[float, float]:
    """Return two learning rates checked with ``as_lr`` and ``low <= high``."""
    low, high = as_lr(low_name, low), as_lr(high_name, high)
    check_order(low_name, low, high_name, high)
    return low, high


def momentum_range(low_name: str, low: float, high_name: str,
                   high: float) -> Tuple[float, float]:
    """Return two momenta in ``[0, 1)`` with ``low <= high``."""
    low = as_number(low_name, low, low=0, high=1, high_open=True)
    high = as_number(high_name, high, low=0, high=1, high_open=True)
    check_order(low_name, low, high_name, high)
    return low, high


class Schedule:
    """Base class: a pure map from the update number to a learning rate.

    Subclasses implement ``_lr(t)`` (and, if they drive momentum,
    ``_momentum(t)``); this class validates ``t``, returns floats and provides
    MXNet's ``LRScheduler`` protocol (``__call__(num_update)`` and ``base_lr``).

    Examples
    --------
    >>> class Constant(Schedule):
    ...     def _lr(self, t):
    ...         return 0.5
    >>> Constant()(10), Constant().base_lr, Constant().momentum(10) is None
    (0.5, 0.5, True)
    """

    def __call__(self, num_update: int) -> float:
        """Return the learning rate of update ``num_update`` (an int in ``[0, 2**53]``)."""
        t = as_steps("iteration", num_update, 0)
        return as_rate("{}({})".format(type(self).__name__, t), self._lr(t))

    def momentum(self, num_update: int) -> Optional[float]:
        """Return the momentum of update ``num_update``, or None if not scheduled."""
        t = as_steps("iteration", num_update, 0)
        value = self._momentum(t)
        return None if value is None else as_rate(
            "{}.momentum({})".format(type(self).__name__, t), value)

    def _lr(self, t: int) -> float:
        raise NotImplementedError("{} must implement _lr(t)".format(type(self).__name__))

    def _momentum(self, t: int) -> Optional[float]:  # pylint: disable=unused-argument
        return None

    def _reference_lr(self) -> float:
        """The learning rate that ``base_lr`` reports: the value at ``t = 0``."""
        return self._lr(0)

    @property
    def base_lr(self) -> float:
        """The schedule's reference learning rate (read-only, see the module notes)."""
        return as_rate("{}.base_lr".format(type(self).__name__), self._reference_lr())

    @base_lr.setter
    def base_lr(self, value: float) -> None:
        if value == self.base_lr:
            return
        warnings.warn(
            "{} keeps its own learning rates: base_lr stays {!r} and the requested "
            "{!r} (the optimizer's learning_rate, possibly its default) is ignored. "
            "Pass learning_rate=None or learning_rate=schedule.base_lr to the "
            "optimizer, or build the schedule with the rates you want.".format(
                type(self).__name__, self.base_lr, value),
            UserWarning, stacklevel=2)


class StepCountSchedule(Schedule):
    """Base for schedules ported from libraries that count completed steps.

    Subclasses implement ``_lr_at(k)`` (and optionally ``_momentum_at(k)``)
    with ``k`` the number of optimizer steps already taken, as in DeepSpeed's
    ``last_batch_iteration + 1`` and PyTorch's ``last_epoch``. Update ``t``
    uses ``k = t - 1``; ``t = 0`` (before training) reports the same value as
    the first update.
    """

    def _lr(self, t: int) -> float:
        return self._lr_at(max(t - 1, 0))

    def _momentum(self, t: int) -> Optional[float]:
        return self._momentum_at(max(t - 1, 0))

    def _lr_at(self, k: int) -> float:
        raise NotImplementedError("{} must implement _lr_at(k)".format(type(self).__name__))

    def _momentum_at(self, k: int) -> Optional[float]:  # pylint: disable=unused-argument
        return None


class _Replayed:
    """A pure view of one of MXNet's stateful ``LRScheduler`` objects.

    MXNet's schedulers update ``base_lr`` and counters as they are called and
    assume increasing ``num_update`` (PolyScheduler even returns its last
    computed value past ``max_update``). This view snapshots the scheduler,
    then replays every update number in order on a private copy, restarting
    from the snapshot when asked for an earlier one. The result is the value
    an optimizer would have seen at that update, whatever the call order, and
    the caller's scheduler is never touched.
    """

    def __init__(self, scheduler: Any) -> None:
        self._snapshot = copy.deepcopy(scheduler)
        self._running: Any = None
        self._last = -1
        self._value = 0.0

    def __call__(self, t: int) -> float:
        if self._running is None or t < self._last:
            self._running = copy.deepcopy(self._snapshot)
            self._last = -1
        while self._last < t:
            self._last += 1
            self._value = self._running(self._last)
        return self._value


def pure(schedule: ScheduleFn) -> ScheduleFn:
    """Return a callable that gives ``schedule``'s values without mutating it.

    MXNet's ``mx.lr_scheduler.LRScheduler`` instances are stateful, so they are
    wrapped in a replaying copy; anything else (gluon-lr schedules, plain
    functions) is assumed pure and returned as is.

    Examples
    --------
    >>> import mxnet as mx
    >>> s = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    >>> f = pure(s)
    >>> f(5), f(1), s.base_lr
    (0.25, 1.0, 1.0)
    """
    as_callable("schedule", schedule, "iteration -> learning rate")
    if isinstance(schedule, mx.lr_scheduler.LRScheduler):
        return _Replayed(schedule)
    return schedule



def _stair(position: int, size: int, stairs: int) -> float:
    """``position / size``, rounded down to a multiple of ``1 / stairs`` if ``stairs``."""
    if stairs == 0:
        return position / size
    return (position * stairs // size) / stairs


def triangle(k: int, up: int, down: int, up_stairs: int = 0, down_stairs: int = 0) -> float:
    """Height in ``[0, 1]`` of step ``k`` on a repeating triangle wave.

    The wave rises linearly from 0 to 1 over ``up`` steps, falls back over
    ``down`` steps and repeats: the shape of PyTorch's ``CyclicLR`` and of
    DeepSpeed's ``OneCycle`` cycle. A non-zero stair count makes that half
    move in that many flat stairs: ``floor(c * stairs / up) / stairs`` at
    position ``c`` going up, and the mirror image coming down.

    Examples
    --------
    >>> [triangle(k, 2, 2) for k in range(6)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]
    >>> [triangle(k, 4, 4, 2, 2) for k in range(9)]
    [0.0, 0.0, 0.5, 0.5, 1.0, 0.5, 0.5, 0.0, 0.0]
    """
    position = k % (up + down)
    if position <= up:
        return _stair(position, up, up_stairs)
    return _stair(up + down - position, down, down_stairs)
