"""An endless batch sampler for iteration-based training."""
import numbers

__all__ = ["ContinuousBatchSampler"]


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
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError("batch_size must be an int >= 1; got {!r}".format(batch_size))
        if batch_size < 1:
            raise ValueError("batch_size must be an int >= 1; got {}".format(batch_size))
        if not hasattr(sampler, "__iter__"):
            raise TypeError("sampler must be an iterable of indices; got {!r}".format(sampler))
        if hasattr(sampler, "__len__") and len(sampler) == 0:
            raise ValueError("sampler is empty: it must yield at least one index")
        self._sampler = sampler
        self._batch_size = int(batch_size)

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
