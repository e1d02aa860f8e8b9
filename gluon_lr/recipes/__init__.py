"""Ready-made workflows as plain functions with explicit keywords.

The ``gluon-lr`` commands, the benchmarks and the notebooks all call these; none
of them goes through a command line. Each takes a :class:`~gluon_lr.Learner`
(or builds one) and returns results; writing files is left to the caller.
"""
from .cifar10 import (cifar10_datasets, cifar10_learner, evaluate_accuracy, load_datasets,
                      seed_everything)
from .compare import DEFAULT_COMPARE_LRS, compare_from_one_start, summarize_comparison
from .find import DEFAULT_SWEEP, find_learning_rate
from .train import (autolrs_range, batches_per_epoch, suggested_lr_from_summary,
                    train_with_autolrs, train_with_schedule)

__all__ = ["cifar10_datasets", "cifar10_learner", "evaluate_accuracy", "seed_everything",
           "load_datasets",
           "DEFAULT_COMPARE_LRS", "compare_from_one_start", "summarize_comparison",
           "DEFAULT_SWEEP", "find_learning_rate", "batches_per_epoch", "suggested_lr_from_summary",
           "train_with_schedule", "autolrs_range", "train_with_autolrs"]
