"""The loaders gluon-lr trains and evaluates with: endless seeded batches, and one pass.

Both make their batches on ``num_workers`` worker threads by default. Items
cost no MXNet operator (see :mod:`gluon_lr.data`). Images held in an array
(the official binary files, the decoded RecordIO cache) are made a whole
batch at a time (:mod:`.batches`), far faster than decoding every JPEG
(``bench/bench_loader.py``; its figures are in ``bench/results/loader.txt``
and the README). Each batch reaches MXNet without a copy
(:func:`~.batches.to_mxnet`). Threads need no forks, shared memory or
pickling, and on a few cores they keep up with worker processes
(``bench/bench_pipeline.py``, ``bench/results/pipeline.txt``). They share
the GIL, though: two threads decode no faster than one. With
``thread_pool=False`` the workers are processes, watched by
:class:`~.workers.WatchedDataLoader`: one that dies raises
:class:`~.workers.WorkerDiedError` at once instead of stalling until
``DataLoader``'s timeout (120 s by default).
"""
from __future__ import annotations

import mxnet as mx

from .._validate import as_bool, as_int
from ..sampler import ContinuousBatchSampler, SeededRandomSampler
from .workers import WatchedDataLoader

__all__ = ["continuous_loader", "finite_loader"]


def continuous_loader(dataset: mx.gluon.data.Dataset, batch_size: int, seed: int,
                      num_workers: int = 2, *, thread_pool: bool = True) -> WatchedDataLoader:
    """Return endless batches of ``dataset`` in an order fixed by ``seed``.

    The "Learning Rate Finder" tutorial's loader: a
    :class:`~gluon_lr.ContinuousBatchSampler` over a
    :class:`~gluon_lr.sampler.SeededRandomSampler`, so every pass is a new
    permutation, a batch that a pass leaves short is completed from the next
    one, and two loaders with the same seed give the same batches.

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
        At least one item.
    batch_size : int
        Items per batch, >= 1.
    seed : int
        Seed of the order, in ``[0, 2**32 - 1]``.
    num_workers : int, default 2
        Workers making batches, >= 0 (0: in the calling thread).
    thread_pool : bool, default True
        Workers are threads; ``False`` makes them processes.

    Returns
    -------
    WatchedDataLoader
        Iterating it never ends.

    Raises
    ------
    TypeError, ValueError
        If an argument is of the wrong type or out of its range, or
        ``dataset`` is empty.

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> batches = iter(continuous_loader(SimpleDataset(list(range(5))), 2, seed=0,
    ...                                  num_workers=0))
    >>> [next(batches).asnumpy().tolist() for _ in range(3)]
    [[2, 0], [1, 3], [4, 0]]
    """
    batch_size = as_int("batch_size", batch_size, 1)
    num_workers = as_int("num_workers", num_workers, 0)
    as_bool("thread_pool", thread_pool)
    if len(dataset) == 0:
        raise ValueError("dataset must hold at least one item, got an empty one")
    sampler = ContinuousBatchSampler(SeededRandomSampler(len(dataset), seed=seed), batch_size)
    return WatchedDataLoader(dataset, batch_sampler=sampler, num_workers=num_workers,
                             thread_pool=thread_pool)


def finite_loader(dataset: mx.gluon.data.Dataset, batch_size: int, num_workers: int = 2, *,
                  thread_pool: bool = True) -> WatchedDataLoader:
    """Return one pass over ``dataset`` in order, e.g. over the test set.

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
    batch_size : int
        Items per batch, >= 1; the last batch holds the rest.
    num_workers : int, default 2
        Workers making batches, >= 0 (0: in the calling thread).
    thread_pool : bool, default True
        Workers are threads; ``False`` makes them processes.

    Returns
    -------
    WatchedDataLoader
        Every ``iter()`` is a new pass.

    Raises
    ------
    TypeError, ValueError
        If an argument is of the wrong type or out of its range.

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> loader = finite_loader(SimpleDataset(list(range(5))), 2, num_workers=0)
    >>> [batch.asnumpy().tolist() for batch in loader], len(loader)
    ([[0, 1], [2, 3], [4]], 3)
    """
    batch_size = as_int("batch_size", batch_size, 1)
    num_workers = as_int("num_workers", num_workers, 0)
    as_bool("thread_pool", thread_pool)
    return WatchedDataLoader(dataset, batch_size=batch_size, shuffle=False,
                             num_workers=num_workers, thread_pool=thread_pool)
