"""Samplers: endless batches for iteration-based training, seeded passes, fixed indices."""
from __future__ import annotations

from typing import Iterable, Iterator, List, Sequence, Sized

import numpy as np
from mxnet.gluon.data import Sampler

from ._validate import as_int

__all__ = ["ContinuousBatchSampler", "SeededRandomSampler", "IndexSampler"]

_MAX_SEED = 2 ** 32 - 1  # numpy.random.RandomState's largest seed


class ContinuousBatchSampler:
    """Yield batches of indices from ``sampler`` forever, pass after pass.

    This is the "Learning Rate Finder" tutorial's sampler: a batch that is
    still short when a pass over ``sampler`` ends is completed from the next
    pass, and every pass iterates ``sampler`` afresh, so a
    ``mx.gluon.data.RandomSampler`` gives a new permutation each time. Use it
    as ``DataLoader(dataset, batch_sampler=ContinuousBatchSampler(...))`` with
    any ``num_workers``.

    Parameters
    ----------
    sampler : iterable of int
        Gives the indices of one pass, e.g. ``mx.gluon.data.RandomSampler(n)``.
    batch_size : int
        Indices per batch, at least 1.

    Raises
    ------
    ValueError
        If ``batch_size < 1``, or if ``sampler`` is empty (checked with
        ``len()`` when it has one, otherwise when a pass yields nothing).

    Examples
    --------
    >>> from mxnet.gluon.data import SequentialSampler
    >>> batches = iter(ContinuousBatchSampler(SequentialSampler(5), batch_size=2))
    >>> [next(batches) for _ in range(4)]
    [[0, 1], [2, 3], [4, 0], [1, 2]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int) -> None:
        batch_size = as_int("batch_size", batch_size, 1)
        if not hasattr(sampler, "__iter__"):
            raise TypeError("sampler must be an iterable of indices; got {!r}".format(sampler))
        if isinstance(sampler, Sized) and len(sampler) == 0:
            raise ValueError("sampler is empty: it must yield at least one index")
        self._sampler = sampler
        self._batch_size = batch_size

    def __iter__(self) -> Iterator[List[int]]:
        batch: List[int] = []
        while True:
            yielded_any = False
            for index in self._sampler:
                yielded_any = True
                batch.append(index)
                if len(batch) == self._batch_size:
                    yield batch
                    batch = []
            if not yielded_any:
                raise ValueError("sampler is empty: a pass yielded no index")


class SeededRandomSampler:
    """Like ``mx.gluon.data.RandomSampler``, but with its own seeded generator.

    Each pass is a new permutation of ``range(length)``, drawn from a
    ``numpy.random.RandomState(seed)`` owned by this sampler, so two samplers
    with the same seed give the same sequence of passes whatever else uses
    NumPy's global generator. ``gluon-lr compare`` relies on this to show
    every learning rate the same batches.

    Parameters
    ----------
    length : int
        Number of indices, at least 1.
    seed : int
        Seed of the sampler's generator, in ``[0, 2**32 - 1]``.

    Raises
    ------
    TypeError
        If ``length`` or ``seed`` is not an int.
    ValueError
        If ``length < 1`` or ``seed`` is out of its range.

    Examples
    --------
    >>> a, b = SeededRandomSampler(5, seed=1), SeededRandomSampler(5, seed=1)
    >>> list(a) == list(b) and list(a) == list(b)
    True
    """

    def __init__(self, length: int, seed: int) -> None:
        self._length = as_int("length", length, 1)
        if as_int("seed", seed, 0) > _MAX_SEED:
            raise ValueError("seed must be an int in [0, {}], got {!r}".format(_MAX_SEED, seed))
        self._rng = np.random.RandomState(seed)

    def __iter__(self) -> Iterator[int]:
        return iter(self._rng.permutation(self._length).tolist())

    def __len__(self) -> int:
        return self._length


class IndexSampler(Sampler):
    """Yield the given indices, in their order, on every pass.

    With ``Dataset.sample`` it makes a view of chosen items, as
    :func:`gluon_lr.data.subset` does.

    Parameters
    ----------
    indices : sequence of int
        Indices, each >= 0; repeats are kept.

    Raises
    ------
    TypeError
        If ``indices`` is not a one-dimensional sequence of ints.
    ValueError
        If an index is negative.

    Examples
    --------
    >>> sampler = IndexSampler([4, 0, 2])
    >>> list(sampler), list(sampler), len(sampler)
    ([4, 0, 2], [4, 0, 2], 3)
    >>> from mxnet.gluon.data import SimpleDataset
    >>> list(SimpleDataset(list("abcde")).sample(IndexSampler([1, 3])))
    ['b', 'd']
    """

    def __init__(self, indices: Sequence[int]) -> None:
        array = np.asarray(indices)
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise TypeError("indices must be a sequence of ints >= 0, got {!r}".format(indices))
        if array.size and array.min() < 0:
            raise ValueError("indices must be a sequence of ints >= 0, got {} at position "
                             "{}".format(array.min(), int(np.argmin(array))))
        self._indices: List[int] = array.tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices)

    def __len__(self) -> int:
        return len(self._indices)
