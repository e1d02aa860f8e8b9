"""Learning-rate (and momentum) schedules for Gluon.

Three families, all pure functions of MXNet's 1-based update number ``t`` that
can be passed as an optimizer's ``lr_scheduler`` (see :mod:`.base` for the
iteration convention and ``base_lr``):

* MXNet's "Advanced Learning Rate Schedules" tutorial: :class:`TriangularSchedule`,
  :class:`CosineAnnealingSchedule`, :class:`LinearWarmUp`, :class:`LinearCoolDown`,
  :class:`OneCycleSchedule`, :class:`CyclicalSchedule`.
* DeepSpeed: :class:`LRRangeTest`, :class:`OneCycle`, :func:`from_config`.
* PyTorch: :class:`OneCycleLR`, :class:`CyclicLR`.
* Long runs: :func:`warmup_stable_decay` (WSD, with a linear, cosine or 1-sqrt
  :class:`CoolDown`; linear decay to zero is WSD without the stable stretch).

Every one fits :data:`ScheduleFn`, ``Callable[[int], float]``, the contract in
one line. Schedules that drive momentum expose ``momentum(t)``; apply it with
:func:`gluon_lr.momentum.sync_momentum`.
"""
from .base import Schedule, ScheduleFn, StepCountSchedule
from .deepspeed import LRRangeTest, OneCycle, from_config
from .modifiers import (COOLDOWN_SHAPES, CoolDown, CyclicalSchedule, LinearCoolDown, LinearWarmUp,
                        OneCycleSchedule)
from .shapes import ConstantSchedule, CosineAnnealingSchedule, TriangularSchedule
from .torch_style import CyclicLR, OneCycleLR
from .wsd import warmup_stable_decay
from .factory import SCHEDULE_NAMES, create_schedule, needs_max_lr

__all__ = [
    "ScheduleFn", "Schedule", "StepCountSchedule",
    "TriangularSchedule", "CosineAnnealingSchedule",
    "LinearWarmUp", "LinearCoolDown", "OneCycleSchedule", "CyclicalSchedule",
    "CoolDown", "COOLDOWN_SHAPES", "warmup_stable_decay",
    "LRRangeTest", "OneCycle", "from_config",
    "OneCycleLR", "CyclicLR",
    "SCHEDULE_NAMES", "ConstantSchedule", "create_schedule", "needs_max_lr",
]
