"""The tutorial's comparison on a dataset: one start, the same batches, several LRs."""
from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from ..callbacks import ProgressBar, chain
from ..comparison import compare_learning_rates
from ..data import continuous_loader
from .cifar10 import evaluate_accuracy

if TYPE_CHECKING:
    from ..learner import Learner, StepCallback

__all__ = ["DEFAULT_COMPARE_LRS", "compare_from_one_start", "summarize_comparison"]

#: The tutorial's learning rates: its pick, ten times it, a tenth of it.
DEFAULT_COMPARE_LRS = (0.05, 0.5, 0.005)


def compare_from_one_start(learner: Learner, train_set: Any, test_set: Any = None, *,
                           lrs: Sequence[float] = DEFAULT_COMPARE_LRS, iterations: int = 300,
                           batch_size: int = 128, seed: int = 0, num_workers: int = 2,
                           progress: bool = True, callback: Optional[StepCallback] = None,
                           make_loader: Callable[[Any, int, int, int], Iterable[Any]]
                           = continuous_loader) -> List[Dict[str, Any]]:
    """Train ``iterations`` steps at each of ``lrs`` from the learner's current state.

    Every run sees the same batches of ``train_set`` (a loader seeded with
    ``seed``) and is scored on ``test_set`` when given. The learner is left as
    it was.

    ``callback(step, lr, loss) -> stop?`` sees every step beside the progress
    bar (e.g. a :class:`gluon_lr.TensorBoardLogger` with ``per_rate=True``).

    ``make_loader(dataset, batch_size, seed, num_workers)`` makes each run's
    loader: by default :func:`gluon_lr.data.continuous_loader`; a
    ``gluon-lr`` command passes its runtime's ``loader`` (a worker's share of
    the batches on a ``dist_sync`` worker).

    Returns
    -------
    list of dict
        ``{'lr', 'losses', 'evaluation'}`` per learning rate (see
        :func:`gluon_lr.comparison.compare_learning_rates`).
    """
    def loader() -> Iterable[Any]:
        return make_loader(train_set, batch_size, seed, num_workers)

    def evaluate(lrn: Learner) -> float:
        return evaluate_accuracy(lrn, test_set, batch_size=batch_size, num_workers=num_workers)

    with ProgressBar(len(lrs) * iterations, "compare", enabled=progress) as bar:
        return compare_learning_rates(learner, list(lrs), iterations, loader,
                                      evaluate=None if test_set is None else evaluate,
                                      callback=chain(bar, callback))


def summarize_comparison(runs: Iterable[Mapping[str, Any]],
                         tail: int = 20) -> List[Dict[str, Any]]:
    """Rows of first, final and mean-of-last-``tail`` loss and the evaluation per LR."""
    return [{"lr": run["lr"], "first_loss": run["losses"][0], "final_loss": run["losses"][-1],
             "mean_last_{}".format(tail): statistics.fmean(run["losses"][-tail:]),
             "test_accuracy": run["evaluation"]} for run in runs]
