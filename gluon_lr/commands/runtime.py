"""Where a ``gluon-lr`` command runs: what makes its learner and loaders, who writes files.

A command's ``run(args, runtime)`` takes every learner and every training
loader from its runtime, so that being distributed is a property of the run,
not a second code path: :class:`Runtime` is one process;
:class:`gluon_lr.distributed.runtime.DistributedRuntime` is one worker of a
``dist_sync`` cluster (its share of every batch, a
:class:`~gluon_lr.distributed.DistributedLearner`, and files from rank 0 only).
"""
from __future__ import annotations

from typing import Any, Dict

from ..data import WatchedDataLoader, continuous_loader
from ..learner import Learner
from ..recipes import cifar10_learner

__all__ = ["Runtime"]


class Runtime:
    """One process: a plain :class:`~gluon_lr.Learner` over every batch; it writes the files.

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> runtime = Runtime()
    >>> runtime.writes_files, runtime.describe(batch_size=128)
    (True, {})
    >>> batches = iter(runtime.loader(SimpleDataset(list(range(4))), 2, seed=0, num_workers=0))
    >>> len(next(batches))
    2
    """

    @property
    def writes_files(self) -> bool:
        """Whether this process writes the output files and shows progress bars."""
        return True

    def loader(self, dataset: Any, batch_size: int, seed: int,
               num_workers: int = 2) -> WatchedDataLoader:
        """Endless seeded batches of ``dataset`` (:func:`gluon_lr.data.continuous_loader`)."""
        return continuous_loader(dataset, batch_size=batch_size, seed=seed,
                                 num_workers=num_workers)

    def learner_keywords(self) -> Dict[str, Any]:
        """The Learner class and its extra keywords, for :meth:`learner`."""
        return {"learner_class": Learner}

    def learner(self, train_set: Any, *, batch_size: int = 128, seed: int = 0,
                num_workers: int = 2, **options: Any) -> Learner:
        """:func:`gluon_lr.recipes.cifar10_learner` over :meth:`loader`'s batches.

        ``options`` are the recipe's other keywords (``model``, ``device``,
        ``hybridize``, ``optimizer``, ``optimizer_params``).
        """
        return cifar10_learner(
            train_set, batch_size=batch_size, seed=seed, num_workers=num_workers,
            loader=self.loader(train_set, batch_size, seed, num_workers),
            **self.learner_keywords(), **options)

    def describe(self, batch_size: int) -> Dict[str, Any]:
        """What a summary file records about the run's processes (nothing for one process)."""
        return {}
