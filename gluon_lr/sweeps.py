"""The learning-rate finder's sweeps: the rate of every step, and where the sweep ends.

A sweep is one object, chosen once, as pytorch-lr-finder's ``ExponentialLR`` /
``LinearLR`` and fastai's ``SchedExp`` are. It is a schedule of the finder's
1-based step (``sweep(step)`` is the rate of that optimizer step), and it
knows its own caps: it never tries a rate above ``lr_end`` (nor above
float32's largest value, MXNet's limit) and never runs more than ``max_iter``
steps. :meth:`LRFinder.find <gluon_lr.LRFinder.find>` takes one as
``sweep=``, or builds one from the tutorial's arguments with :func:`build_sweep`;
without either it sweeps :data:`DEFAULT_SWEEP`, as ``gluon-lr find`` does.

- :class:`ExponentialSweep`: ``lr_start * m ** (step - 1)``, the tutorial's
  sweep, or ``num_points`` log-spaced points from ``lr_start`` to ``lr_end``.
- :class:`LinearSweep`: DeepSpeed's range test,
  :class:`~gluon_lr.schedules.LRRangeTest`.
"""
import abc
import math
from typing import Any, ClassVar, Dict, List, Optional

from ._validate import FLOAT32_MAX, as_bool, as_choice, as_int, as_lr, as_number
from .schedules import LRRangeTest
from .schedules.base import MAX_STEPS

__all__ = ["Sweep", "ExponentialSweep", "LinearSweep", "build_sweep", "SWEEP_MODES",
           "DEFAULT_SWEEP"]

#: The ``mode`` names :func:`build_sweep` accepts.
SWEEP_MODES = ("exponential", "linear")
# Relative slack when comparing a swept learning rate with lr_end, so that a
# geometric grid built to end at lr_end reaches it despite rounding.
_LR_END_SLACK = 1e-9
_NUM_POINTS_RULE = ("num_points needs mode='exponential' and lr_end, and replaces "
                    "lr_multiplier (leave it at its default)")
#: The tutorial's multiplier, ``find``'s default.
TUTORIAL_MULTIPLIER = 1.1


class Sweep(abc.ABC):
    """A finder's sweep: the rate of each 1-based step, and the caps that end it.

    Subclasses define :meth:`lr` for one step and :meth:`_estimated_points`,
    a closed-form guess of how many steps stay within ``lr_end``.

    Parameters
    ----------
    lr_start : float
        The rate of step 1, in float32's range (``> 0``).
    lr_end : float or None
        Never try a rate above this (``>= lr_start``); rates never exceed
        float32's largest value in any case.
    max_iter : int or None
        Never run more steps than this (``>= 1``).
    """

    #: The sweep's name in :func:`build_sweep` and :meth:`describe`.
    mode: ClassVar[str]

    def __init__(self, lr_start: float, lr_end: Optional[float], max_iter: Optional[int]):
        self.lr_start = as_lr("lr_start", lr_start, allow_zero=False)
        if lr_end is not None:
            as_lr("lr_end", lr_end, allow_zero=False)
            lr_end = as_number("lr_end", lr_end, low=self.lr_start)
        self.lr_end = lr_end
        self.max_iter = None if max_iter is None else as_int("max_iter", max_iter, 1)
        self._cap = min(FLOAT32_MAX, math.inf if lr_end is None
                        else lr_end * (1 + _LR_END_SLACK))

    @abc.abstractmethod
    def lr(self, step: int) -> float:
        """The learning rate of 1-based step ``step``."""

    @abc.abstractmethod
    def _estimated_points(self) -> int:
        """Steps whose rate stays within ``lr_end``, from a closed form (may be off by one)."""

    def __call__(self, step: int) -> float:
        """The rate of 1-based step ``step``: a sweep is a schedule for :meth:`Learner.run`."""
        return self.lr(step)

    def _beyond_cap(self, step: int) -> bool:
        try:
            return self.lr(step) > self._cap
        except ValueError:  # a schedule refuses a value beyond float32's range: past any cap
            return True

    def end_reason(self, step: int) -> Optional[str]:
        """Why the sweep ends after ``step``, or None if it goes on.

        ``'max_iter'`` when ``step`` reaches ``max_iter``; ``'lr_end'`` when
        the next rate would pass ``lr_end`` or float32's largest value.
        """
        if self.max_iter is not None and step >= self.max_iter:
            return "max_iter"
        if self._beyond_cap(step + 1):
            return "lr_end"
        return None

    @property
    def num_points(self) -> Optional[int]:
        """How many steps the sweep runs unless its stopping rule ends it first.

        ``None`` when neither ``lr_end`` nor ``max_iter`` caps it (it then
        still ends below float32's largest rate).
        """
        if self.lr_end is None:
            return self.max_iter
        # Checked against the rates themselves near the estimate, so that it is where
        # end_reason() ends the sweep; at most max_iter or 2**53 steps are ever evaluated.
        points = min(max(1, self._estimated_points()), MAX_STEPS,
                     MAX_STEPS if self.max_iter is None else self.max_iter)
        while points > 1 and self._beyond_cap(points):
            points -= 1
        while (self.max_iter is None or points < self.max_iter) and \
                not self._beyond_cap(points + 1):
            points += 1
        return points

    def lrs(self) -> List[float]:
        """The rates of every step, in order; only for a sweep with ``num_points``."""
        count = self.num_points
        if count is None:
            raise ValueError("the sweep has neither lr_end nor max_iter: its rates go on "
                             "until float32's largest value")
        return [self.lr(step) for step in range(1, count + 1)]

    def describe(self) -> Dict[str, Any]:
        """The sweep's settings as plain values, e.g. for a summary file."""
        return {"lr_start": self.lr_start, "lr_end": self.lr_end, "max_iter": self.max_iter,
                "mode": self.mode}

    def __repr__(self) -> str:
        settings = dict(self.describe())
        del settings["mode"]
        return "{}({})".format(type(self).__name__, ", ".join(
            "{}={!r}".format(key, value) for key, value in settings.items()))


class ExponentialSweep(Sweep):
    """The tutorial's sweep: each step's rate is the previous one times ``lr_multiplier``.

    The rate of step ``k`` is ``lr_start * m * m * ...`` with ``k - 1``
    multiplications, as the tutorial's loop computes it (repeated products,
    not ``lr_start * m ** (k - 1)``, which rounds differently).

    Parameters
    ----------
    lr_start : float, default 1e-6
        The first rate.
    lr_multiplier : float, default 1.1
        ``m > 1``. With ``num_points`` it must stay at its default.
    lr_end : float or None, default 10.0
    max_iter : int or None, default 1000
        See :class:`Sweep`.
    num_points : int, optional
        Instead of ``lr_multiplier``: this many log-spaced points (``>= 2``)
        from ``lr_start`` to ``lr_end``, so ``m = (lr_end / lr_start) **
        (1 / (num_points - 1))`` and ``max_iter`` becomes at most ``num_points``.

    Examples
    --------
    >>> sweep = ExponentialSweep(1e-3, 2.0, lr_end=0.01)
    >>> sweep
    ExponentialSweep(lr_start=0.001, lr_end=0.01, max_iter=1000, lr_multiplier=2.0)
    >>> sweep.num_points, sweep.lrs(), sweep.end_reason(4)
    (4, [0.001, 0.002, 0.004, 0.008], 'lr_end')
    >>> ExponentialSweep(1e-4, lr_end=1.0, num_points=5).lrs()
    [0.0001, 0.001, 0.01, 0.1, 1.0]
    """

    mode = "exponential"

    def __init__(self, lr_start: float = 1e-6, lr_multiplier: float = TUTORIAL_MULTIPLIER, *,
                 lr_end: Optional[float] = 10.0, max_iter: Optional[int] = 1000,
                 num_points: Optional[int] = None):
        super().__init__(lr_start, lr_end, max_iter)
        lr_multiplier = as_number("lr_multiplier", lr_multiplier, low=1, low_open=True)
        if num_points is not None:
            num_points = as_int("num_points", num_points, 2)
            if lr_end is None or lr_multiplier != TUTORIAL_MULTIPLIER:
                raise ValueError(_NUM_POINTS_RULE)
            lr_multiplier = (lr_end / self.lr_start) ** (1 / (num_points - 1))
            self.max_iter = num_points if self.max_iter is None \
                else min(self.max_iter, num_points)
        self.lr_multiplier = lr_multiplier
        self._last = (1, self.lr_start)  # the last (step, rate) computed: steps come in order

    def lr(self, step: int) -> float:
        """The rate of 1-based step ``step``: ``step - 1`` multiplications of ``lr_start``."""
        step = as_int("step", step, 1)
        done, rate = self._last if step >= self._last[0] else (1, self.lr_start)
        for _ in range(step - done):
            rate *= self.lr_multiplier
        self._last = (step, rate)
        return rate

    def _estimated_points(self) -> int:
        return int(math.floor(math.log(self._cap / self.lr_start) /
                              math.log(self.lr_multiplier) + 1e-9)) + 1

    def describe(self) -> Dict[str, Any]:
        return dict(super().describe(), lr_multiplier=self.lr_multiplier)


class LinearSweep(Sweep):
    """DeepSpeed's LR range test as a sweep: ``lr_start * (1 + step_rate * u)``.

    ``u = (k - 1) / step_size`` at 1-based step ``k``, floored when
    ``staircase`` (:class:`~gluon_lr.schedules.LRRangeTest`).

    Parameters
    ----------
    lr_start : float
        The first rate (DeepSpeed's ``lr_range_test_min_lr``).
    step_size : int, default 1
        Steps per unit of increase (``>= 1``).
    step_rate : float, default 1.0
        Increase per unit (``> 0``).
    staircase : bool, default False
        Change the rate only every ``step_size`` steps.
    lr_end : float or None, default 10.0
    max_iter : int or None, default 1000
        See :class:`Sweep`.

    Examples
    --------
    >>> sweep = LinearSweep(1.0, step_size=2, lr_end=3.0)
    >>> sweep
    LinearSweep(lr_start=1.0, lr_end=3.0, max_iter=1000, step_size=2, step_rate=1.0, \
staircase=False)
    >>> sweep.num_points, sweep.lrs()
    (5, [1.0, 1.5, 2.0, 2.5, 3.0])
    """

    mode = "linear"

    def __init__(self, lr_start: float, step_size: int = 1, step_rate: float = 1.0,
                 staircase: bool = False, *, lr_end: Optional[float] = 10.0,
                 max_iter: Optional[int] = 1000):
        super().__init__(lr_start, lr_end, max_iter)
        as_number("step_rate", step_rate, low=0, low_open=True)
        as_bool("staircase", staircase)
        self._test = LRRangeTest(lr_range_test_min_lr=self.lr_start,
                                 lr_range_test_step_size=as_int("step_size", step_size, 1),
                                 lr_range_test_step_rate=step_rate,
                                 lr_range_test_staircase=staircase)
        self.step_size, self.step_rate = self._test.step_size, self._test.step_rate
        self.staircase = self._test.staircase

    def lr(self, step: int) -> float:
        """The rate of 1-based step ``step`` (DeepSpeed's after ``step - 1`` completed steps)."""
        return self._test(as_int("step", step, 1))

    def _estimated_points(self) -> int:
        units = (self._cap / self.lr_start - 1) / self.step_rate
        if self.staircase:
            return self.step_size * (int(units) + 1)
        return int(self.step_size * units) + 1

    def describe(self) -> Dict[str, Any]:
        return dict(super().describe(), step_size=self.step_size, step_rate=self.step_rate,
                    staircase=self.staircase)


#: The default sweep of :meth:`LRFinder.find <gluon_lr.LRFinder.find>` and ``gluon-lr find``:
#: 75 log-spaced points over 1e-5 .. 10, early stop. fastai's density (100 points over
#: 1e-7 .. 10, a factor 1.2 a step) without its first two decades: on every CIFAR-10 sweep in
#: ``bench/results`` the smoothed loss first fell 3 % at 6.5e-4 or later, and those 25 steps
#: were a quarter of the sweep's time.
DEFAULT_SWEEP = ExponentialSweep(1e-5, lr_end=10.0, num_points=75)


def build_sweep(lr_start: float = 1e-6, lr_multiplier: float = TUTORIAL_MULTIPLIER, *,
                lr_end: Optional[float] = 10.0, max_iter: Optional[int] = 1000,
                num_points: Optional[int] = None, mode: str = "exponential",
                step_size: Optional[int] = None, step_rate: Optional[float] = None,
                staircase: bool = False) -> Sweep:
    """The sweep that :meth:`LRFinder.find <gluon_lr.LRFinder.find>`'s arguments describe.

    ``mode='exponential'`` gives an :class:`ExponentialSweep` (``step_size``,
    ``step_rate`` and ``staircase`` are refused); ``mode='linear'`` a
    :class:`LinearSweep` (``step_size`` defaulting to 1, ``step_rate`` to 1.0;
    ``num_points`` is refused, ``lr_multiplier`` ignored).

    Examples
    --------
    >>> sweep = build_sweep(lr_start=1e-3, lr_end=1.0, num_points=4)
    >>> type(sweep).__name__, sweep.max_iter, round(sweep.lr_multiplier, 12)
    ('ExponentialSweep', 4, 10.0)
    >>> build_sweep(lr_start=0.01, mode="linear", step_rate=2.0).lr(3)
    0.05
    """
    as_choice("mode", mode, SWEEP_MODES)
    if mode == "linear":
        if num_points is not None:
            raise ValueError(_NUM_POINTS_RULE)
        return LinearSweep(lr_start, 1 if step_size is None else step_size,
                           1.0 if step_rate is None else step_rate, staircase,
                           lr_end=lr_end, max_iter=max_iter)
    if step_size is not None or step_rate is not None or staircase is not False:
        raise ValueError("step_size, step_rate and staircase apply to mode='linear' only")
    return ExponentialSweep(lr_start, lr_multiplier, lr_end=lr_end, max_iter=max_iter,
                            num_points=num_points)
