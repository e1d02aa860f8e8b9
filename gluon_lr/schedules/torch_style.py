"""PyTorch's ``OneCycleLR`` and ``CyclicLR`` as pure gluon-lr schedules.

Formulas, signatures and defaults follow ``torch.optim.lr_scheduler`` with
``k`` = completed optimizer steps (PyTorch's ``last_epoch``), so update ``t``
of a Gluon ``Trainer`` gets the value PyTorch uses for its ``t``-th step (see
:class:`~gluon_lr.schedules.base.StepCountSchedule`). Momentum is exposed by
``momentum(t)`` and reaches the optimizer through
:func:`gluon_lr.momentum.sync_momentum`.

Deviations from PyTorch:

* Past the end of ``OneCycleLR`` (``t > total_steps``) the final learning rate
  and momentum are held, where PyTorch extrapolates one extra step and then
  raises "Tried to step N times".
* A phase of zero length (e.g. ``pct_start * total_steps == 1``) ends at its
  target value instead of dividing by zero.
* ``pct_start`` must lie in ``(0, 1)``, and below 0.5 with ``three_phase``
  (otherwise the third phase would never start); ``CyclicLR``'s ``gamma`` must
  lie in ``(0, 1]``; learning-rate and momentum bounds must be ordered.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Tuple

from .._validate import as_bool, as_choice, as_lr, as_number
from .base import StepCountSchedule, as_rate, as_steps, lr_range, momentum_range, triangle

__all__ = ["OneCycleLR", "CyclicLR"]

_ANNEALERS: Dict[str, Callable[[float, float, float], float]] = {
    "cos": lambda start, end, pct: end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1),
    "linear": lambda start, end, pct: (end - start) * pct + start,
}
_MODES = ("triangular", "triangular2", "exp_range")
#: One phase of OneCycleLR: its last step, (lr at its start, at its end), (momentum, likewise).
_Phase = Tuple[float, Tuple[float, float], Tuple[float, float]]


def _momentum_bounds(cycle_momentum: bool, base_momentum: float,
                     max_momentum: float) -> Tuple[bool, float, float]:
    """Validate the momentum arguments shared by both schedules."""
    return (as_bool("cycle_momentum", cycle_momentum),) + momentum_range(
        "base_momentum", base_momentum, "max_momentum", max_momentum)


class OneCycleLR(StepCountSchedule):
    """PyTorch's 1cycle policy (the fastai recipe): LR up then down, momentum inverse.

    The learning rate starts at ``max_lr / div_factor``, reaches ``max_lr`` after
    ``pct_start * total_steps - 1`` steps and anneals to
    ``max_lr / div_factor / final_div_factor`` at step ``total_steps - 1``
    (update ``t = total_steps``), then stays there. Momentum moves from
    ``max_momentum`` to ``base_momentum`` and back. With ``three_phase`` the
    rate returns to the initial value symmetrically, then anneals to the
    minimum while momentum stays at ``max_momentum``.

    Parameters
    ----------
    max_lr : float
        Peak learning rate, in float32's range (``> 0``).
    total_steps : int
        Number of steps in the cycle, in ``[1, 2**53]``.
    pct_start : float, default 0.3
        Fraction of the cycle spent increasing, in ``(0, 1)``.
    anneal_strategy : {'cos', 'linear'}, default 'cos'
    div_factor : float, default 25.0
        ``initial_lr = max_lr / div_factor``, ``> 0``; ``initial_lr`` must be
        within float32's range (smaller magnitudes count as 0).
    final_div_factor : float, default 1e4
        ``min_lr = initial_lr / final_div_factor``, ``> 0``; the same holds for
        ``min_lr``.
    three_phase : bool, default False
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float, default 0.85 and 0.95

    Examples
    --------
    >>> s = OneCycleLR(max_lr=1.0, total_steps=10, anneal_strategy='linear')
    >>> s(1), s(3), round(s(10), 12), round(s(11), 12), s.momentum(3)
    (0.04, 1.0, 4e-06, 4e-06, 0.85)
    """

    def __init__(self, max_lr: float, total_steps: int, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95) -> None:
        self.max_lr = as_lr("max_lr", max_lr, allow_zero=False)
        self.total_steps = as_steps("total_steps", total_steps, 1)
        self.pct_start = as_number("pct_start", pct_start, low=0, high=1,
                                   low_open=True, high_open=True)
        self.anneal_strategy = as_choice("anneal_strategy", anneal_strategy, tuple(_ANNEALERS))
        div_factor = as_number("div_factor", div_factor, low=0, low_open=True)
        final_div_factor = as_number("final_div_factor", final_div_factor, low=0, low_open=True)
        self.three_phase = as_bool("three_phase", three_phase)
        if self.three_phase and self.pct_start >= 0.5:
            raise ValueError("pct_start must be in (0, 0.5) when three_phase=True, got {!r}".format(
                self.pct_start))
        self.cycle_momentum, low_mom, high_mom = _momentum_bounds(
            cycle_momentum, base_momentum, max_momentum)
        self.initial_lr = as_rate("max_lr / div_factor", self.max_lr / div_factor)
        self.min_lr = as_rate("max_lr / div_factor / final_div_factor",
                              self.initial_lr / final_div_factor)
        self._phases = self._build_phases(low_mom, high_mom)

    def _build_phases(self, low_mom: float, high_mom: float) -> List[_Phase]:
        """Return ``(end_step, (lr_start, lr_end), (mom_start, mom_end))`` per phase."""
        peak = float(self.pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if self.three_phase:
            return [(peak, (self.initial_lr, self.max_lr), (high_mom, low_mom)),
                    (float(2 * self.pct_start * self.total_steps) - 2,
                     (self.max_lr, self.initial_lr), (low_mom, high_mom)),
                    (last, (self.initial_lr, self.min_lr), (high_mom, high_mom))]
        return [(peak, (self.initial_lr, self.max_lr), (high_mom, low_mom)),
                (last, (self.max_lr, self.min_lr), (low_mom, high_mom))]

    def _anneal(self, k: int, which: int) -> float:
        """Anneal learning rate (``which=1``) or momentum (``which=2``) at step ``k``."""
        k = min(k, self.total_steps - 1)
        start = 0.0
        for phase in self._phases[:-1]:
            if k <= phase[0]:
                break
            start = phase[0]
        else:
            phase = self._phases[-1]
        end, (first, last) = phase[0], phase[1] if which == 1 else phase[2]
        pct = (k - start) / (end - start) if end > start else 1.0
        return _ANNEALERS[self.anneal_strategy](first, last, pct)

    def _lr_at(self, k: int) -> float:
        return self._anneal(k, 1)

    def _momentum_at(self, k: int) -> Optional[float]:
        return self._anneal(k, 2) if self.cycle_momentum else None


class CyclicLR(StepCountSchedule):
    """PyTorch's cyclical learning rate (Smith 2015), with inverse momentum.

    After ``k`` steps the height on the triangle wave (up over
    ``step_size_up`` steps, down over ``step_size_down``) is ``h``, and

    * ``lr = base_lr + (max_lr - base_lr) * h * f``
    * ``momentum = max_momentum - (max_momentum - base_momentum) * h * f``

    with ``f = 1`` ('triangular'), ``f = 1 / 2 ** (cycle - 1)`` with
    ``cycle = 1 + k // (step_size_up + step_size_down)`` ('triangular2'), or
    ``f = gamma ** k`` ('exp_range'). The cycle repeats forever.

    Parameters
    ----------
    base_lr, max_lr : float
        Learning-rate bounds, ``0 <= base_lr <= max_lr``, each 0 or in
        float32's range. ``base_lr`` is also the schedule's MXNet ``base_lr``
        (its value before training).
    step_size_up : int, default 2000
        In ``[1, 2**53]``.
    step_size_down : int, optional
        Defaults to ``step_size_up``.
    mode : {'triangular', 'triangular2', 'exp_range'}, default 'triangular'
    gamma : float, default 1.0
        Decay of 'exp_range', in ``(0, 1]``.
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float, default 0.8 and 0.9

    Examples
    --------
    >>> s = CyclicLR(base_lr=0.1, max_lr=1.0, step_size_up=2)
    >>> [round(s(t), 4) for t in range(1, 6)], s.momentum(3)
    ([0.1, 0.55, 1.0, 0.55, 0.1], 0.8)
    """

    def __init__(self, base_lr: float, max_lr: float, step_size_up: int = 2000,
                 step_size_down: Optional[int] = None, mode: str = "triangular",
                 gamma: float = 1.0, cycle_momentum: bool = True, base_momentum: float = 0.8,
                 max_momentum: float = 0.9) -> None:
        self.min_lr, self.max_lr = lr_range("base_lr", base_lr, "max_lr", max_lr)
        self.step_size_up = as_steps("step_size_up", step_size_up, 1)
        self.step_size_down = as_steps(
            "step_size_down", self.step_size_up if step_size_down is None else step_size_down, 1)
        self.mode = as_choice("mode", mode, _MODES)
        self.gamma = as_number("gamma", gamma, low=0, high=1, low_open=True)
        self.cycle_momentum, self.base_momentum, self.max_momentum = _momentum_bounds(
            cycle_momentum, base_momentum, max_momentum)

    def _height(self, k: int) -> float:
        """Scaled wave height ``h * f`` after ``k`` steps."""
        wave = triangle(k, self.step_size_up, self.step_size_down)
        if self.mode == "triangular2":
            cycle = 1 + k // (self.step_size_up + self.step_size_down)
            return wave * 0.5 ** (cycle - 1)  # 2.0 ** (cycle - 1) would overflow
        if self.mode == "exp_range":
            return wave * self.gamma ** k
        return wave

    def _lr_at(self, k: int) -> float:
        return self.min_lr + (self.max_lr - self.min_lr) * self._height(k)

    def _momentum_at(self, k: int) -> Optional[float]:
        if not self.cycle_momentum:
            return None
        return self.max_momentum - (self.max_momentum - self.base_momentum) * self._height(k)
