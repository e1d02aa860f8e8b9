"""A :class:`~gluon_lr.Learner` for one worker of a ``dist_sync`` cluster.

Every worker builds a :class:`DistributedLearner` over its own batches
(e.g. :func:`gluon_lr.distributed.sharded_loader`) and runs the same code.
Each :meth:`~gluon_lr.Learner.iteration` then

1. trains on the worker's batch; the Trainer sums the gradients of all
   workers on the kvstore's servers and steps with the *global* batch size
   (this worker's samples times the number of workers), so that every worker
   applies the same update to the same weights;
2. makes one collective round (:func:`~gluon_lr.distributed.allreduce_sum`
   on key :data:`LEARNER_KEY`) carrying the worker's loss sum, its sample
   count, its learning rate and the running statistics of its BatchNorm
   layers, and returns the loss averaged over every sample of every worker.

So every value gluon-lr decides on is the same on every worker: the
finder's stop rule, its NaN stop and suggestion, confirm's and compare's
choices, AutoLRS's proposals (all computed from these losses), and a NaN or
infinite loss on one worker is NaN on all, so that :meth:`Learner.run` stops
every worker after the same step. Every worker therefore pushes the same keys
equally often, which ``dist_sync`` needs (a worker that stopped alone would
leave the others blocked).

State
    Weights are identical on every worker (the Trainer updates them
    locally, ``update_on_kvstore=False``, from the same summed gradients,
    starting from rank 0's: see :func:`~gluon_lr.distributed.broadcast_parameters`,
    done at construction). BatchNorm running means and variances, which each
    worker would otherwise estimate from its own batches only, are averaged
    over workers (and devices) in the same round, after every iteration: the
    running mean is then the one a single process would keep for the global
    batch; the variance is the mean of the workers' variances. Snapshots
    (:meth:`~gluon_lr.Learner.snapshot`, :meth:`~gluon_lr.Learner.trial`)
    stay local: each worker restores its own copy, and the copies are equal.

Checks
    The round also checks that every worker trained on as many samples (the
    step's gradient scale assumes it) and at the same learning rate (within
    a relative 1e-6); a worker that sees otherwise raises, which ends it at
    once under :func:`~gluon_lr.distributed.fail_fast` (or the excepthook
    :func:`~gluon_lr.distributed.create_kvstore` installs), and the launcher
    then stops the rest.

Not averaged
    Anything a worker computes outside :meth:`iteration`: a validation loss
    (``confirm(score='validation')``, AutoLRS's ``val_data``) or a test
    accuracy is computed on that worker alone. With identical weights and
    statistics and the same data it is the same number on every worker of
    identical machines; give every worker the same ``val_data``.
"""
from __future__ import annotations

import math
import weakref
from typing import Any, Iterable, List, Sequence, Set

import mxnet as mx
import numpy as np
from numpy.typing import NDArray

from .._validate import as_bool
from ..learner import Batch, Learner
from ..mxnet_internals import param_has_data
from .collective import NUM_KEYS, allreduce_sum
from .trainer import broadcast_parameters

__all__ = ["DistributedLearner", "LEARNER_KEY", "batchnorm_statistics"]

#: The collective key (see :mod:`gluon_lr.distributed.collective`) of the learner's round;
#: use other keys for collectives of your own.
LEARNER_KEY = NUM_KEYS - 2
# The kvstores a DistributedLearner's Trainer uses: a second Trainer on one kvstore would
# initialize the keys 0, 1, ... again, which a 'dist_sync' kvstore waits on for ever.
_TAKEN: weakref.WeakSet[Any] = weakref.WeakSet()
# Learning rates of the workers may differ by this much (relative) before it is an error:
# they travel as float32 and are summed.
_LR_TOLERANCE = 1e-6


def batchnorm_statistics(net: Any) -> List[Any]:
    """The running mean and variance Parameters of every BatchNorm layer of ``net``.

    ``BatchNorm``, its ``SyncBatchNorm`` subclass and ``BatchNormReLU``; each
    Parameter once, in the order ``net.apply`` visits the layers.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.HybridSequential()
    >>> net.add(mx.gluon.nn.Dense(4), mx.gluon.nn.BatchNorm())
    >>> [param.name for param in batchnorm_statistics(net)]
    ['running_mean', 'running_var']
    """
    found: List[Any] = []
    seen: Set[int] = set()

    def visit(block: Any) -> None:
        if isinstance(block, (mx.gluon.nn.BatchNorm, mx.gluon.nn.BatchNormReLU)):
            for param in (block.running_mean, block.running_var):
                if id(param) not in seen:
                    seen.add(id(param))
                    found.append(param)

    net.apply(visit)
    return found


def _plain_layout(net: Any) -> None:
    """Give every parameter fresh arrays in MXNet's plain layout, with the same values.

    A forward pass in inference mode (:meth:`~gluon_lr.Learner.initialize_parameters`,
    an evaluation) lets oneDNN reorder convolution weights in place into its
    own layout, and the ``dist`` kvstore cannot send such an array: the first
    broadcast then fails on rank 0 ("We can't generate TBlob for oneDNN data")
    and the server aborts. ``Parameter.reset_device`` copies the values into
    new plain arrays (it averages replicas, which are identical; for more than
    two devices that may round, and the broadcast then sets rank 0's values
    everywhere).
    """
    for param in net.collect_params().values():
        if param_has_data(param):
            param.reset_device(param.list_device())


def _checked_kvstore(kvstore: Any) -> Any:
    for attr in ("type", "rank", "num_workers", "init", "pushpull"):
        if not hasattr(kvstore, attr):
            raise TypeError("kvstore must be an mxnet KVStore, made once per process with "
                            "gluon_lr.distributed.create_kvstore() (a second 'dist_sync' "
                            "kvstore in one process waits for ever); got {!r}".format(kvstore))
    if "async" in kvstore.type:
        raise ValueError("kvstore must be synchronous ('dist_sync', or 'local'/'device' for "
                         "one worker): with {!r} workers would step on different weights and "
                         "the Trainer would update on the servers".format(kvstore.type))
    return kvstore


class DistributedLearner(Learner):
    """A :class:`~gluon_lr.Learner` whose every iteration is one step of all workers.

    See the module notes. Build it on every worker, with the same network,
    optimizer and options, over that worker's batches; then use it like a
    Learner (:class:`~gluon_lr.LRFinder`, :meth:`~gluon_lr.LRFinder.confirm`,
    :func:`~gluon_lr.comparison.compare_learning_rates`, schedules,
    :class:`~gluon_lr.AutoLRS`), making the same calls on every worker.

    Construction is collective: it finishes deferred parameter shapes with
    one batch in inference mode (:meth:`~gluon_lr.Learner.initialize_parameters`;
    the batch is kept for the first iteration) and copies rank 0's parameters
    to every worker.

    Parameters
    ----------
    net, data_loader, device
        As for :class:`~gluon_lr.Learner`; ``data_loader`` gives this worker's
        batches, all of one size on every worker (see
        :func:`~gluon_lr.distributed.sharded_loader`).
    kvstore : mxnet.kvstore.KVStore
        The cluster's kvstore, from :func:`~gluon_lr.distributed.create_kvstore`
        (once per process: a second ``'dist_sync'`` kvstore waits for ever).
        It serves one DistributedLearner: the Trainer's parameters take its
        keys 0, 1, ..., and a second Trainer would initialize them again
        (which waits for ever on ``'dist_sync'``), so a second learner on
        it is refused. The learner's round uses key :data:`LEARNER_KEY`.
        A ``'local'`` or ``'device'`` KVStore object makes a one-worker learner.
    sync_statistics : bool, default True
        Average BatchNorm running statistics after every iteration. With
        ``False`` each worker keeps statistics of its own batches, so anything
        computed in inference mode (test accuracy, a validation score) differs
        between workers; a choice made on it would differ too and leave the
        workers waiting on each other for ever.
    **options
        ``loss_fn``, ``batch_fn``, ``lr_mult``, ``optimizer``,
        ``optimizer_params``, ``initializer``, ``hybridize``, ``accumulate``,
        ``snapshot_device``: as for
        :class:`~gluon_lr.Learner`. A ready ``trainer`` is not accepted (the
        learner builds its Trainer on ``kvstore`` with
        ``update_on_kvstore=False``).

    Attributes
    ----------
    kv : mxnet.kvstore.KVStore
    rank, workers : int
        ``kv.rank`` and ``kv.num_workers``.

    Examples
    --------
    One worker, on a ``'local'`` kvstore:

    >>> import mxnet as mx
    >>> batches = [(mx.np.ones((4, 3)), mx.np.zeros((4,)))]
    >>> learner = DistributedLearner(mx.gluon.nn.Dense(2, in_units=3), batches, mx.cpu(),
    ...                              kvstore=mx.kv.create("local"))
    >>> learner.rank, learner.workers, isinstance(learner.iteration(lr=0.1), float)
    (0, 1, True)
    """

    def __init__(self, net: Any, data_loader: Iterable[Batch], device: Any = None, *,
                 kvstore: Any, sync_statistics: bool = True, **options: Any) -> None:
        if "trainer" in options:
            raise TypeError("DistributedLearner builds its own Trainer on the kvstore: pass "
                            "optimizer= and optimizer_params= instead of trainer=")
        self.sync_statistics = as_bool("sync_statistics", sync_statistics)
        self.kv = _checked_kvstore(kvstore)
        self.rank = int(self.kv.rank)
        self.workers = int(self.kv.num_workers)
        if self.kv in _TAKEN:
            raise ValueError("kvstore already serves a DistributedLearner: one per kvstore, "
                             "and one 'dist_sync' kvstore per process (reuse the learner: "
                             "trial(), restore() and set_data_loader() start over)")
        super().__init__(net, data_loader, device, kvstore=self.kv, **options)
        _TAKEN.add(self.kv)
        self.initialize_parameters()
        self._statistics = batchnorm_statistics(net) if self.sync_statistics else []
        _plain_layout(net)
        broadcast_parameters(self.trainer)

    def _step_batch_size(self, samples: int) -> int:
        """The global batch: every worker trains on ``samples``."""
        return samples * self.workers

    def _mean_loss(self, losses: Sequence[Any], samples: int) -> float:
        """The loss averaged over all workers' samples; the iteration's collective round."""
        local = sum(loss.sum().item() for loss in losses)
        lr = self.trainer.learning_rate
        statistics = self._local_statistics()
        totals = allreduce_sum(self.kv, LEARNER_KEY, np.concatenate(
            [[local, samples, lr], statistics]))
        self._check_agreement(totals[1], samples, totals[2], lr)
        if statistics.size:
            self._write_statistics(totals[3:] / (self.workers * len(self.devices)))
        return float(totals[0] / totals[1])

    def _local_statistics(self) -> NDArray[np.float64]:
        """This worker's BatchNorm statistics, summed over its devices, as one float64 vector."""
        if not self._statistics:
            return np.zeros(0)
        parts: List[NDArray[np.float64]] = []
        for param in self._statistics:
            arrays = param.list_data()
            total = arrays[0].asnumpy().astype(np.float64)
            for array in arrays[1:]:
                total += array.asnumpy()
            parts.append(total.ravel())
        return np.concatenate(parts)

    def _write_statistics(self, values: NDArray[np.float64]) -> None:
        offset = 0
        for param in self._statistics:
            arrays = param.list_data()
            size = arrays[0].size
            mean = values[offset:offset + size].reshape(arrays[0].shape)
            offset += size
            for array in arrays:
                array[:] = mx.np.array(mean, dtype=array.dtype, device=array.device)

    def _check_agreement(self, total_samples: float, samples: int, total_lr: float,
                         lr: float) -> None:
        if total_samples != samples * self.workers:
            raise ValueError(
                "workers trained on different numbers of samples in one step (this worker "
                "{}, all {} together {:g}): give every worker batches of one size, e.g. with "
                "gluon_lr.distributed.sharded_loader".format(samples, self.workers,
                                                              total_samples))
        mean_lr = total_lr / self.workers
        if not math.isclose(mean_lr, float(np.float32(lr)), rel_tol=_LR_TOLERANCE,
                            abs_tol=0.0):
            raise RuntimeError(
                "workers stepped at different learning rates (this worker {!r}, the mean over "
                "all {!r}): every worker must make the same calls with the same values".format(
                    lr, mean_lr))
