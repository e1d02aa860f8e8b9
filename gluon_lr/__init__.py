"""gluon-lr: learning-rate finder and schedules for Apache MXNet Gluon 2.0.

The "Learning Rate Finder" tutorial's names come first; they keep the
tutorial's signatures. Importing ``gluon_lr`` neither imports MXNet nor changes
any setting: each name below loads its module on first use, so that
:func:`configure_threads` can still set MXNet's thread count.
"""
import importlib
from typing import Any, List

__version__ = "0.1.0"

_EXPORTS = {
    "ContinuousBatchSampler": "sampler", "Learner": "learner", "LRFinder": "finder",
    "LRFinderStoppingCriteria": "stopping", "MedianStartStopping": "stopping",
    "TrainingState": "state", "suggest_lr": "suggest",
    "default_device": "devices", "resolve_devices": "devices",
    "plot_comparison": "plotting", "plot_finder": "plotting", "plot_schedule": "plotting",
    "plot_trials": "plotting",
    "Schedule": "schedules", "TriangularSchedule": "schedules",
    "CosineAnnealingSchedule": "schedules", "LinearWarmUp": "schedules",
    "LinearCoolDown": "schedules", "OneCycleSchedule": "schedules",
    "CyclicalSchedule": "schedules", "LRRangeTest": "schedules", "OneCycle": "schedules",
    "OneCycleLR": "schedules", "CyclicLR": "schedules", "create_schedule": "schedules",
    "sync_momentum": "momentum", "DataNotFoundError": "data", "cifar10": "data",
    "cifar10_splits": "data", "subset": "data", "configure_threads": "threads",
    "AutoLRS": "autolrs", "Sweep": "sweeps", "ExponentialSweep": "sweeps",
    "LinearSweep": "sweeps", "build_sweep": "sweeps", "DEFAULT_SWEEP": "sweeps",
    "TensorBoardLogger": "tensorboard",
    "split_batch": "batches", "set_lr_mult": "layer_rates",
    "discriminative_lr_mult": "layer_rates", "lr_mult_summary": "layer_rates",
    "evaluation_weights": "optimizers", "warmup_stable_decay": "schedules",
    "CoolDown": "schedules",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError("module 'gluon_lr' has no attribute {!r}".format(name))
    value = getattr(importlib.import_module("." + _EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(list(globals()) + __all__)
