"""Endless batches for one worker: its share of every global batch, seeded.

:class:`ShardedContinuousBatchSampler` cuts the global batch stream of a
single process into ``workers`` equal, disjoint parts. The global stream
is exactly the one of :func:`gluon_lr.data.continuous_loader` (a
:class:`~gluon_lr.ContinuousBatchSampler` over a
:class:`~gluon_lr.sampler.SeededRandomSampler` of ``length`` with ``seed``):
pass after pass, each a new permutation drawn from one
``numpy.random.RandomState(seed)``, a batch that a pass leaves short being
completed from the next pass. Global batch ``k`` holds
``batch_size * workers`` indices; worker ``rank`` gets the ``rank``-th
block of ``batch_size`` of them.

So

- within a pass every index goes to exactly one worker (the shards are
  disjoint), and over all workers each pass is seen once;
- every worker gets one full batch per step, forever: all see the same
  number of batches of the same size, as a ``dist_sync`` step needs;
- the workers together train on the same global batches as one process with
  ``batch_size * workers`` (``gluon-lr find --workers N`` sees the same
  images per step as ``gluon-lr find``), and ``workers=1`` *is* the
  single-process sampler.

A worker draws the whole permutation of each pass (``length`` integers) and
keeps its block of each global batch: it needs access to every item, as each
pass gives it different ones.
"""
from __future__ import annotations

from typing import Iterator, List

import numpy as np

from .._validate import as_int

__all__ = ["ShardedContinuousBatchSampler"]

_MAX_SEED = 2 ** 32 - 1  # numpy.random.RandomState's largest seed


class ShardedContinuousBatchSampler:
    """Worker ``rank``'s part of every global batch, endlessly (see the module notes).

    Use it as ``DataLoader(dataset, batch_sampler=...)`` (or through
    :func:`gluon_lr.distributed.sharded_loader`).

    Parameters
    ----------
    length : int
        Items in the dataset, at least 1.
    batch_size : int
        Indices per batch *of this worker*, at least 1; the global batch is
        ``batch_size * workers``.
    rank : int
        This worker's rank, in ``[0, workers - 1]`` (``kv.rank``).
    workers : int
        Number of workers, at least 1 (``kv.num_workers``).
    seed : int
        Seed of the order, in ``[0, 2**32 - 1]``; the same on every worker.

    Attributes
    ----------
    global_batch_size : int
        ``batch_size * workers``.

    Examples
    --------
    >>> shards = [iter(ShardedContinuousBatchSampler(5, 2, rank, 2, seed=0))
    ...           for rank in (0, 1)]
    >>> [(next(shards[0]), next(shards[1])) for _ in range(2)]
    [([2, 0], [1, 3]), ([4, 0], [2, 1])]
    >>> from gluon_lr import ContinuousBatchSampler
    >>> from gluon_lr.sampler import SeededRandomSampler
    >>> whole = iter(ContinuousBatchSampler(SeededRandomSampler(5, seed=0), batch_size=4))
    >>> [next(whole) for _ in range(2)]
    [[2, 0, 1, 3], [4, 0, 2, 1]]
    """

    def __init__(self, length: int, batch_size: int, rank: int, workers: int,
                 seed: int) -> None:
        self._length = as_int("length", length, 1)
        self._batch_size = as_int("batch_size", batch_size, 1)
        self._workers = as_int("workers", workers, 1)
        self._rank = as_int("rank", rank, 0)
        if self._rank >= self._workers:
            raise ValueError("rank must be an int in [0, {}] (workers - 1), got {!r}".format(
                self._workers - 1, rank))
        if as_int("seed", seed, 0) > _MAX_SEED:
            raise ValueError("seed must be an int in [0, {}], got {!r}".format(_MAX_SEED, seed))
        self._seed = seed

    @property
    def global_batch_size(self) -> int:
        """Indices per global batch, over all workers."""
        return self._batch_size * self._workers

    def __iter__(self) -> Iterator[List[int]]:
        rng = np.random.RandomState(self._seed)
        size = self.global_batch_size
        low = self._rank * self._batch_size
        high = low + self._batch_size
        stream = np.empty(0, dtype=np.int64)
        while True:
            stream = np.concatenate([stream, rng.permutation(self._length)])
            full = len(stream) // size
            for start in range(0, full * size, size):
                yield stream[start + low:start + high].tolist()
            stream = stream[full * size:]

    def __repr__(self) -> str:
        return "ShardedContinuousBatchSampler(length={}, batch_size={}, rank={}, " \
               "workers={}, seed={})".format(self._length, self._batch_size, self._rank,
                                             self._workers, self._seed)
