"""A worker's loader: its share of the batches of :func:`gluon_lr.data.continuous_loader`."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .._validate import as_bool, as_int
from ..commands import TRAINING
from .sampler import ShardedContinuousBatchSampler

if TYPE_CHECKING:
    from ..data import WatchedDataLoader

__all__ = ["worker_batch_size", "check_command", "sharded_loader"]


def worker_batch_size(global_batch_size: int, workers: int) -> int:
    """Each worker's batch: ``global_batch_size / workers``, which must be a whole number.

    Raises
    ------
    ValueError
        If ``global_batch_size`` is not a multiple of ``workers``.

    Examples
    --------
    >>> worker_batch_size(128, 2)
    64
    >>> worker_batch_size(100, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be a multiple of the number of workers (3) so that ... got 100
    """
    global_batch_size = as_int("batch_size", global_batch_size, 1)
    workers = as_int("workers", workers, 1)
    if global_batch_size % workers:
        raise ValueError("batch_size must be a multiple of the number of workers ({}) so that "
                         "every worker trains on as many samples per step, got {}".format(
                             workers, global_batch_size))
    return global_batch_size // workers


def check_command(args: argparse.Namespace, workers: int) -> None:
    """Raise ``ValueError`` unless the parsed ``gluon-lr`` command can run on ``workers`` workers.

    Only the commands that train can, and their global ``args.batch_size``
    must divide evenly among the workers (:func:`worker_batch_size`).

    Examples
    --------
    >>> import argparse
    >>> check_command(argparse.Namespace(command="find", batch_size=128), 2)
    >>> check_command(argparse.Namespace(command="schedule"), 2)
    Traceback (most recent call last):
    ...
    ValueError: only find, compare, train can run on several workers
    """
    if args.command not in TRAINING:
        raise ValueError("only {} can run on several workers".format(", ".join(TRAINING)))
    try:
        worker_batch_size(args.batch_size, workers)
    except ValueError:
        raise ValueError("batch_size {} must be a multiple of the {} workers (each trains on "
                         "batch-size / workers images per step)".format(args.batch_size,
                                                                       workers)) from None


def sharded_loader(dataset: Any, batch_size: int, seed: int, rank: int, workers: int,
                   num_workers: int = 2, *, thread_pool: bool = True) -> WatchedDataLoader:
    """Worker ``rank``'s endless batches: its block of each global batch of ``batch_size``.

    Together the ``workers`` loaders give exactly the batches of
    ``continuous_loader(dataset, batch_size, seed)``, each cut into
    ``workers`` equal parts (see
    :class:`~gluon_lr.distributed.sampler.ShardedContinuousBatchSampler`).

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
        At least one item; the same on every worker.
    batch_size : int
        The *global* batch size, a multiple of ``workers``.
    seed : int
        Seed of the order, in ``[0, 2**32 - 1]``; the same on every worker.
    rank, workers : int
        This worker's rank and the number of workers (``kv.rank``, ``kv.num_workers``).
    num_workers : int, default 2
        Loader workers making batches, >= 0 (0: in the calling thread).
    thread_pool : bool, default True
        Loader workers are threads; ``False`` makes them processes.

    Returns
    -------
    gluon_lr.data.WatchedDataLoader

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> loaders = [iter(sharded_loader(SimpleDataset(list(range(5))), 4, seed=0, rank=rank,
    ...                                workers=2, num_workers=0)) for rank in (0, 1)]
    >>> [next(loader).asnumpy().tolist() for loader in loaders]
    [[2, 0], [1, 3]]
    """
    from ..data import WatchedDataLoader

    per_worker = worker_batch_size(batch_size, workers)
    num_workers = as_int("num_workers", num_workers, 0)
    as_bool("thread_pool", thread_pool)
    if len(dataset) == 0:
        raise ValueError("dataset must hold at least one item, got an empty one")
    sampler = ShardedContinuousBatchSampler(len(dataset), per_worker, rank, workers, seed)
    return WatchedDataLoader(dataset, batch_sampler=sampler, num_workers=num_workers,
                             thread_pool=thread_pool)
