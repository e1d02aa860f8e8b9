"""Run gluon-lr on MXNet's ``dist_sync`` kvstore: what a worker imports.

Starting the workers is :mod:`gluon_lr.launch`'s job (MXNet's
``dmlc_tracker`` underneath): ``python -m gluon_lr.distributed -n 2 --
python train.py``, or ``gluon-lr COMMAND --workers 2``. A worker uses:

* :func:`create_kvstore` / :func:`report_rank`: tell the launcher its rank.
* :func:`fail_fast`: a failing worker exits at once (otherwise it hangs in
  the kvstore's exit barrier, waiting for the others); :func:`finish_worker`:
  a successful one waits for the others first (otherwise it may hang at exit).
* :func:`broadcast_parameters`: rank 0's parameters on every worker before
  the first step (a Trainer's first step on ``dist_sync`` races otherwise).
* :class:`DistributedLearner`: a Learner whose iterations are steps of all
  workers, with the loss averaged over them, so that every decision taken on
  losses is the same on every worker.
* :class:`ShardedContinuousBatchSampler` and :func:`sharded_loader`: each
  worker's part of the global batches.
* :func:`allreduce_sum`, :func:`allreduce_mean`, :func:`agree_any` and
  :func:`agree_all`: values and decisions every worker agrees on. They are
  collective: every worker must call them equally often.
* :class:`~gluon_lr.distributed.runtime.DistributedRuntime`: a ``gluon-lr``
  command's learner and loaders on a worker (:mod:`gluon_lr.distributed.worker`
  runs the commands with it).

Importing this package does not import MXNet (the names that need it load
on first use), so that a worker can still set MXNet's thread count.
"""
from __future__ import annotations

import importlib
from typing import Any, List

from .collective import KEY_BASE, NUM_KEYS, agree_all, agree_any, allreduce_mean, allreduce_sum
from .data import sharded_loader, worker_batch_size
from .failfast import fail_fast, install_excepthook
from .finish import finish_worker
from .rank import create_kvstore, report_rank
from .sampler import ShardedContinuousBatchSampler

# Names whose modules import MXNet: loaded on first use.
_LAZY = {"broadcast_parameters": "trainer", "DistributedLearner": "learner",
         "LEARNER_KEY": "learner", "batchnorm_statistics": "learner",
         "DistributedRuntime": "runtime"}

__all__ = ["create_kvstore", "report_rank", "fail_fast", "install_excepthook", "finish_worker",
           "allreduce_sum", "allreduce_mean", "agree_any", "agree_all", "KEY_BASE", "NUM_KEYS",
           "broadcast_parameters", "DistributedLearner", "LEARNER_KEY", "batchnorm_statistics",
           "ShardedContinuousBatchSampler", "sharded_loader", "worker_batch_size",
           "DistributedRuntime"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
    value = getattr(importlib.import_module("." + _LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(list(globals()) + list(_LAZY))
