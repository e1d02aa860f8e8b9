"""Run gluon-lr on MXNet's ``dist_sync`` kvstore.

* :func:`launch` starts a local cluster (scheduler, servers, workers) on
  127.0.0.1 and streams the output of the worker with rank 0;
  ``python -m gluon_lr.distributed -n 2 -- python train.py`` does it from a shell.
* :func:`create_kvstore` / :func:`report_rank`: a worker tells the launcher
  its rank.
* :func:`fail_fast`: a failing worker exits at once (otherwise it hangs in
  the kvstore's exit barrier, waiting for the others).
* :func:`broadcast_parameters`: rank 0's parameters on every worker before
  the first step (a Trainer's first step on ``dist_sync`` races otherwise).
* :func:`allreduce_sum`, :func:`allreduce_mean`, :func:`agree_any` and
  :func:`agree_all`: values and decisions every worker agrees on. They are
  collective: every worker must call them equally often.
"""
from .collective import KEY_BASE, NUM_KEYS, agree_all, agree_any, allreduce_mean, allreduce_sum
from .failfast import fail_fast, install_excepthook
from .launch import Launcher, launch
from .rank import RANK_FILE_ENV, create_kvstore, read_rank, report_rank
from .trainer import broadcast_parameters

__all__ = ["launch", "Launcher", "create_kvstore", "report_rank", "read_rank", "RANK_FILE_ENV",
           "fail_fast", "install_excepthook", "allreduce_sum", "allreduce_mean", "agree_any",
           "agree_all", "KEY_BASE", "NUM_KEYS", "broadcast_parameters"]
