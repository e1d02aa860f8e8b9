"""DeepSpeed's ``LRRangeTest`` and ``OneCycle`` schedules, with its parameter names.

The formulas and defaults are DeepSpeed's (``deepspeed/runtime/lr_schedules.py``)
with ``k`` = completed optimizer steps (DeepSpeed's ``last_batch_iteration + 1``),
so update ``t`` of a Gluon ``Trainer`` gets the value DeepSpeed uses for its
``t``-th step (see :class:`~gluon_lr.schedules.base.StepCountSchedule`).

Deviations from DeepSpeed, all fixing defects:

* Stair counts are honoured (several DeepSpeed releases ignore
  ``cycle_first_stair_count``/``cycle_second_stair_count``): a half cycle of
  ``S`` steps with ``n`` stairs moves in ``n`` flat steps, the value at cycle
  position ``c`` being ``floor(c * n / S) / n`` on the way up and the mirror
  image on the way down.
* Decayed momentum ``cycle_max_mom * (1 + decay_mom_rate * k' / decay_step_size)``
  grows without bound in DeepSpeed and passes 1 (a diverging optimizer); here it
  is capped at ``max(cycle_max_mom, MAX_DECAYED_MOMENTUM)``.
* DeepSpeed writes ``betas = (momentum, 0.99)``, overwriting Adam's ``beta2``;
  these schedules only produce a momentum value and
  :func:`gluon_lr.momentum.sync_momentum` sets ``beta1`` alone.
* DeepSpeed's constructor puts ``cycle_min_mom`` on the optimizer for the first
  step although its formula gives ``cycle_max_mom`` at the cycle start (where
  the learning rate is lowest); here the first step uses the formula too.
* Older DeepSpeed releases multiply by the decay factor in ``OneCycle``'s decay
  phase (the learning rate grows) and divide by zero with the default
  ``decay_step_size=0``; the current formula, ``cycle_min_lr / (1 +
  decay_lr_rate * k' / decay_step_size)`` with no decay when
  ``decay_step_size`` or ``decay_lr_rate`` is 0, is used.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type, Union

from .._validate import as_bool, as_choice, as_lr, as_number
from .base import StepCountSchedule, as_steps, lr_range, momentum_range, triangle

__all__ = ["LRRangeTest", "OneCycle", "from_config", "MAX_DECAYED_MOMENTUM"]

MAX_DECAYED_MOMENTUM = 0.999
"""Upper bound for ``OneCycle``'s decayed momentum (unless ``cycle_max_mom`` is higher)."""


class LRRangeTest(StepCountSchedule):
    """DeepSpeed's learning-rate range test: a linear (or staircase) increase.

    After ``k`` completed steps the rate is
    ``lr_range_test_min_lr * (1 + lr_range_test_step_rate * u)`` with
    ``u = k / lr_range_test_step_size``, floored when ``lr_range_test_staircase``.

    Parameters
    ----------
    lr_range_test_min_lr : float, default 1e-3
        Learning rate of the first step, in float32's range (``> 0``).
    lr_range_test_step_size : int, default 2000
        Steps per unit of increase, in ``[1, 2**53]``.
    lr_range_test_step_rate : float, default 1.0
        Increase per unit, ``>= 0``.
    lr_range_test_staircase : bool, default False
        Change the rate only every ``lr_range_test_step_size`` steps.

    Examples
    --------
    The configuration of DeepSpeed's LRRT tutorial:

    >>> s = LRRangeTest(lr_range_test_min_lr=0.0001, lr_range_test_step_size=200,
    ...                 lr_range_test_step_rate=5, lr_range_test_staircase=False)
    >>> [round(s(t), 10) for t in (1, 2, 201)]
    [0.0001, 0.0001025, 0.0006]
    """

    def __init__(self, lr_range_test_min_lr: float = 1e-3, lr_range_test_step_size: int = 2000,
                 lr_range_test_step_rate: float = 1.0,
                 lr_range_test_staircase: bool = False) -> None:
        self.min_lr = as_lr("lr_range_test_min_lr", lr_range_test_min_lr, allow_zero=False)
        self.step_size = as_steps("lr_range_test_step_size", lr_range_test_step_size, 1)
        self.step_rate = as_number("lr_range_test_step_rate", lr_range_test_step_rate, low=0)
        self.staircase = as_bool("lr_range_test_staircase", lr_range_test_staircase)

    def _lr_at(self, k: int) -> float:
        units = k // self.step_size if self.staircase else k / self.step_size
        return self.min_lr * (1 + self.step_rate * units)


class OneCycle(StepCountSchedule):
    """DeepSpeed's 1-Cycle: one learning-rate/momentum cycle, then decay.

    For ``k <= cycle_first_step_size + cycle_second_step_size`` completed steps
    the learning rate climbs from ``cycle_min_lr`` to ``cycle_max_lr`` and back
    (momentum moves inversely between ``cycle_max_mom`` and ``cycle_min_mom``).
    Afterwards, ``k'`` steps into the decay phase, the learning rate is
    ``cycle_min_lr / (1 + decay_lr_rate * k' / decay_step_size)`` and the
    momentum ``cycle_max_mom * (1 + decay_mom_rate * k' / decay_step_size)``
    (capped below 1, see the module notes).

    Parameters
    ----------
    cycle_min_lr, cycle_max_lr : float
        Learning-rate bounds of the cycle, ``0 <= cycle_min_lr <= cycle_max_lr``,
        each 0 or in float32's range.
    cycle_first_step_size : int, default 2000
        Steps of the increasing half, in ``[1, 2**53]``.
    cycle_first_stair_count : int, default 0
        Stairs in the increasing half (0: continuous), in ``[0, 2**53]``.
    cycle_second_step_size : int, optional
        Steps of the decreasing half; defaults to ``cycle_first_step_size``.
    cycle_second_stair_count : int, optional
        Stairs in the decreasing half; defaults to ``cycle_first_stair_count``.
    decay_step_size : int, default 0
        Steps per unit of post-cycle decay (0: no decay), in ``[0, 2**53]``.
    decay_lr_rate : float, default 0.0
        Post-cycle learning-rate decay rate, ``>= 0``.
    cycle_momentum : bool, default True
        Schedule momentum too (exposed by :meth:`momentum`).
    cycle_min_mom, cycle_max_mom : float, default 0.8 and 0.9
        Momentum bounds, ``0 <= cycle_min_mom <= cycle_max_mom < 1``.
    decay_mom_rate : float, default 0.0
        Post-cycle momentum growth rate, ``>= 0``.

    Examples
    --------
    >>> s = OneCycle(0.0001, 0.0010, cycle_first_step_size=1000)
    >>> s(1), s(1001), s(2001), s.momentum(1), s.momentum(1001)
    (0.0001, 0.001, 0.0001, 0.9, 0.8)
    """

    def __init__(self, cycle_min_lr: float, cycle_max_lr: float, *,
                 cycle_first_step_size: int = 2000, cycle_first_stair_count: int = 0,
                 cycle_second_step_size: Optional[int] = None,
                 cycle_second_stair_count: Optional[int] = None, decay_step_size: int = 0,
                 decay_lr_rate: float = 0.0, cycle_momentum: bool = True,
                 cycle_min_mom: float = 0.8, cycle_max_mom: float = 0.9,
                 decay_mom_rate: float = 0.0) -> None:
        self.min_lr, self.max_lr = lr_range("cycle_min_lr", cycle_min_lr,
                                            "cycle_max_lr", cycle_max_lr)
        self.first_step_size = as_steps("cycle_first_step_size", cycle_first_step_size, 1)
        self.first_stair_count = as_steps("cycle_first_stair_count", cycle_first_stair_count, 0)
        self.second_step_size = as_steps(
            "cycle_second_step_size",
            self.first_step_size if cycle_second_step_size is None else cycle_second_step_size, 1)
        self.second_stair_count = as_steps(
            "cycle_second_stair_count",
            self.first_stair_count if cycle_second_stair_count is None
            else cycle_second_stair_count, 0)
        self.decay_step_size = as_steps("decay_step_size", decay_step_size, 0)
        self.decay_lr_rate = as_number("decay_lr_rate", decay_lr_rate, low=0)
        self.cycle_momentum = as_bool("cycle_momentum", cycle_momentum)
        self.min_mom, self.max_mom = momentum_range("cycle_min_mom", cycle_min_mom,
                                                    "cycle_max_mom", cycle_max_mom)
        self.decay_mom_rate = as_number("decay_mom_rate", decay_mom_rate, low=0)
        self.total_size = self.first_step_size + self.second_step_size

    def _cycle_scale(self, k: int) -> float:
        """Height in ``[0, 1]`` of the cycle after ``k`` steps, with stairs."""
        return triangle(k, self.first_step_size, self.second_step_size,
                        self.first_stair_count, self.second_stair_count)

    def _decay_units(self, k: int) -> float:
        """Decay units after ``k`` steps (0 inside the cycle or without decay)."""
        if k <= self.total_size or self.decay_step_size == 0:
            return 0.0
        return (k - self.total_size) / self.decay_step_size

    def _lr_at(self, k: int) -> float:
        if k <= self.total_size:
            return self.min_lr + (self.max_lr - self.min_lr) * self._cycle_scale(k)
        return self.min_lr / (1 + self.decay_lr_rate * self._decay_units(k))

    def _momentum_at(self, k: int) -> Optional[float]:
        if not self.cycle_momentum:
            return None
        if k <= self.total_size:
            return self.max_mom - (self.max_mom - self.min_mom) * self._cycle_scale(k)
        decayed = self.max_mom * (1 + self.decay_mom_rate * self._decay_units(k))
        return min(decayed, max(self.max_mom, MAX_DECAYED_MOMENTUM))



_TYPES: Dict[str, Union[Type[LRRangeTest], Type[OneCycle]]] = {"LRRangeTest": LRRangeTest,
                                                               "OneCycle": OneCycle}
_BLOCK = "a scheduler block (a dict with 'type' and optional 'params' keys)"
_PARAMS = {
    "LRRangeTest": ("lr_range_test_min_lr", "lr_range_test_step_size",
                    "lr_range_test_step_rate", "lr_range_test_staircase"),
    "OneCycle": ("cycle_min_lr", "cycle_max_lr", "cycle_first_step_size",
                 "cycle_first_stair_count", "cycle_second_step_size",
                 "cycle_second_stair_count", "decay_step_size", "decay_lr_rate",
                 "cycle_momentum", "cycle_min_mom", "cycle_max_mom", "decay_mom_rate"),
}


def _parse(text: str) -> Any:
    """Parse JSON text; also accept a pasted ``"scheduler": {...},`` fragment."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fragment = "{" + text.strip().rstrip(",") + "}"
        try:
            return json.loads(fragment)
        except json.JSONDecodeError:
            raise ValueError("config is not valid JSON: {}".format(error)) from None


def from_config(config: Union[Dict[str, Any], str]) -> Union[LRRangeTest, OneCycle]:
    """Build a schedule from a DeepSpeed ``"scheduler"`` block.

    Parameters
    ----------
    config : dict or str
        ``{"type": "LRRangeTest" | "OneCycle", "params": {...}}``, the same
        wrapped as ``{"scheduler": {...}}`` (a whole DeepSpeed config, whose
        other sections are ignored), or JSON text of either, including the
        ``"scheduler": {...}`` fragments printed in DeepSpeed's tutorials.

    Returns
    -------
    LRRangeTest or OneCycle

    Raises
    ------
    ValueError
        For invalid JSON, an unknown type, an unknown or missing key, or a
        parameter out of range (the message names the block or the parameter).
    TypeError
        If ``config`` is neither a dict nor JSON text, if the block or its
        ``params`` is not a dict, or if a parameter has the wrong type.

    Examples
    --------
    >>> s = from_config('''"scheduler": {"type": "LRRangeTest", "params": {
    ...     "lr_range_test_min_lr": 0.0001, "lr_range_test_step_size": 200,
    ...     "lr_range_test_step_rate": 5, "lr_range_test_staircase": false}}''')
    >>> type(s).__name__, s(1)
    ('LRRangeTest', 0.0001)
    >>> from_config({"scheduler": None})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: config['scheduler'] must be a scheduler block (a dict with ...), got None
    """
    if isinstance(config, str):
        config = _parse(config)
    if not isinstance(config, dict):
        raise TypeError("config must be a dict or JSON text of one, got {!r}".format(config))
    name = "config"
    if "scheduler" in config:
        config, name = config["scheduler"], "config['scheduler']"
    if not isinstance(config, dict):
        raise TypeError("{} must be {}, got {!r}".format(name, _BLOCK, config))
    keys = sorted(config, key=str)
    if set(keys) - {"type", "params"} or "type" not in config:
        raise ValueError("{} must be {}; got the keys {}".format(name, _BLOCK, keys))
    kind = as_choice(name + "['type']", config["type"], tuple(_TYPES))
    params = config.get("params", {})
    if not isinstance(params, dict):
        raise TypeError("{}['params'] must be a dict, got {!r}".format(name, params))
    unknown = sorted(set(params) - set(_PARAMS[kind]), key=str)
    if unknown:
        raise ValueError("unknown {} parameter(s) {}; accepted: {}".format(
            kind, unknown, ", ".join(_PARAMS[kind])))
    if kind == "OneCycle":
        missing = [key for key in ("cycle_min_lr", "cycle_max_lr") if key not in params]
        if missing:
            raise ValueError("OneCycle needs parameter(s) {}".format(missing))
    return _TYPES[kind](**params)
