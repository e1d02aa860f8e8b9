"""gluon-lr: learning-rate finder and schedules for Apache MXNet Gluon 2.0.

The "Learning Rate Finder" tutorial's names come first; they keep the
tutorial's signatures.
"""
from .sampler import ContinuousBatchSampler
from .learner import Learner
from .finder import LRFinder
from .stopping import LRFinderStoppingCriteria
from .state import TrainingState
from .suggest import suggest_lr
from .devices import default_device, resolve_devices
from .plotting import plot_comparison, plot_finder, plot_schedule
from .schedules import (Schedule, TriangularSchedule, CosineAnnealingSchedule, LinearWarmUp,
                        LinearCoolDown, OneCycleSchedule, CyclicalSchedule, LRRangeTest,
                        OneCycle, OneCycleLR, CyclicLR)
from .momentum import sync_momentum
from .data import DataNotFoundError, cifar10, cifar10_splits, subset

__version__ = "0.1.0"
