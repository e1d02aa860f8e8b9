"""Batch samplers for iteration-based training: endless, and seeded for repeatable runs."""
import numpy as np

from ._validate import as_int

__all__ = ["ContinuousBatchSampler", "SeededRandomSampler"]


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

    def __init__(self, sampler, batch_size):
        batch_size = as_int("batch_size", batch_size, 1)
        if not hasattr(sampler, "__iter__"):
            raise TypeError("sampler must be an iterable of indices; got {!r}".format(sampler))
        if hasattr(sampler, "__len__") and len(sampler) == 0:
            raise ValueError("sampler is empty: it must yield at least one index")
        self._sampler = sampler
        self._batch_size = batch_size

    def __iter__(self):
        batch = []
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
        Seed of the sampler's generator.

    Examples
    --------
    >>> a, b = SeededRandomSampler(5, seed=1), SeededRandomSampler(5, seed=1)
    >>> list(a) == list(b) and list(a) == list(b)
    True
    """

    def __init__(self, length, seed):
        self._length = as_int("length", length, 1)
        self._rng = np.random.RandomState(seed)

    def __iter__(self):
        return iter(self._rng.permutation(self._length).tolist())

    def __len__(self):
        return self._length
