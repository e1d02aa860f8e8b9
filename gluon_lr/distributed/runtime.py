"""A ``gluon-lr`` command's runtime on one ``dist_sync`` worker.

``batch_size`` stays the *global* batch: each worker trains on
``batch_size / kv.num_workers`` images per step (its block of every global
batch), so a command's arithmetic (batches per epoch, schedule lengths) and
its learning rates mean what they mean in one process. Every decision taken
on losses is the same on every worker (the
:class:`~gluon_lr.distributed.DistributedLearner` averages them).
"""
from __future__ import annotations

import os
from typing import Any, Dict

from ..commands.runtime import Runtime
from ..data import WatchedDataLoader
from .data import sharded_loader
from .learner import DistributedLearner

__all__ = ["DistributedRuntime"]


class DistributedRuntime(Runtime):
    """The runtime of the worker of ``kv``: sharded loaders, a DistributedLearner.

    Only rank 0 writes files and shows progress. :meth:`learner` is collective:
    every worker calls it at the same point (the learner copies rank 0's
    parameters to all).

    Parameters
    ----------
    kv : mxnet.kvstore.KVStore
        The cluster's ``dist_sync`` kvstore.
    """

    def __init__(self, kv: Any) -> None:
        self.kv = kv

    @property
    def writes_files(self) -> bool:
        return bool(self.kv.rank == 0)

    def loader(self, dataset: Any, batch_size: int, seed: int,
               num_workers: int = 2) -> WatchedDataLoader:
        """This worker's block of each global batch of ``batch_size`` (:func:`sharded_loader`)."""
        return sharded_loader(dataset, batch_size, seed, self.kv.rank, self.kv.num_workers,
                              num_workers=num_workers)

    def learner_keywords(self) -> Dict[str, Any]:
        return {"learner_class": DistributedLearner, "kvstore": self.kv}

    def describe(self, batch_size: int) -> Dict[str, Any]:
        """The cluster's shape, for the ``distributed`` entry of summary files."""
        return {"distributed": {
            "workers": self.kv.num_workers,
            "servers": int(os.environ.get("DMLC_NUM_SERVER", "0")),
            "kvstore": self.kv.type, "global_batch_size": batch_size,
            "worker_batch_size": batch_size // self.kv.num_workers}}
