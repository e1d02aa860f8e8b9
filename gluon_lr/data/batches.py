"""How gluon-lr's loaders hand a dataset to MXNet's ``DataLoader``: whole batches when they can.

``DataLoader`` asks its dataset for one item at a time and then stacks them
(its ``batchify_fn``). For an :class:`~.arrays.ImageArrayDataset` that costs
far more than the work: a Python call, a transform and a small array per
image. :func:`loader_arguments` instead gives ``DataLoader`` a dataset whose
items cost nothing (the index itself) and a ``batchify_fn`` that makes the
whole batch with one :meth:`~.arrays.ImageArrayDataset.batch` call, in the
worker that would have made it. The batches are the same: the same arrays,
types and order, augmentation bit-identical image by image with the same
random draws (see :func:`~.transforms.image_transform`). Without workers the
draws follow the batch order exactly as item by item. Worker threads share
one generator, so which batch gets which draws depends on their timing, as
it did item by item (where single draws interleaved; now a batch takes its
draws in one piece); worker processes each own a generator seeded with their
process id.

With worker threads, batches are stacked in ordinary memory: shared memory,
which ``DataLoader`` uses by default whenever it has workers, is only needed
to pass batches between processes and costs several milliseconds per batch.
"""
from mxnet.gluon.data import Dataset
from mxnet.gluon.data.batchify import Stack

from .arrays import ImageArrayDataset

__all__ = ["loader_arguments", "BatchIndices", "StackBatch"]


class BatchIndices(Dataset):
    """Items ``(dataset, index)``: the index of an item, and where to make it.

    In a worker process ``dataset`` is that worker's copy (with its own
    augmentation generator), as for ``DataLoader``'s own items.
    """

    def __init__(self, dataset):
        self._dataset = dataset

    def __getitem__(self, idx):
        return self._dataset, idx

    def __len__(self):
        return len(self._dataset)


class StackBatch:
    """``batchify_fn`` for :class:`BatchIndices` items: ``[images, labels]`` of one ``batch`` call.

    Parameters
    ----------
    shared_memory : bool
        Make the arrays in shared memory, to pass them from worker processes.

    Examples
    --------
    >>> import numpy as np
    >>> data = ImageArrayDataset(np.zeros((3, 1, 1, 1), np.uint8), np.arange(3, dtype=np.int32))
    >>> images, labels = StackBatch(False)([BatchIndices(data)[i] for i in (2, 0)])
    >>> type(images).__name__, images.shape, labels.tolist(), labels.dtype
    ('ndarray', (2, 1, 1, 1), [2, 0], dtype('int32'))
    """

    def __init__(self, shared_memory):
        self._stack = Stack(use_shared_mem=shared_memory)

    def __call__(self, items):
        images, labels = items[0][0].batch([idx for _, idx in items])
        return [self._stack(images), self._stack(labels)]


def loader_arguments(dataset, options):
    """Return ``(dataset, options)`` to build ``mx.gluon.data.DataLoader(dataset, **options)`` with.

    An :class:`~.arrays.ImageArrayDataset` is loaded a batch at a time
    (:class:`BatchIndices`, :class:`StackBatch`); other datasets item by item,
    as ``DataLoader`` does, stacked in ordinary memory on worker threads.
    A ``batchify_fn`` in ``options`` is kept, with the dataset as it is.

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
    options : dict
        ``DataLoader``'s other arguments; not changed.

    Returns
    -------
    (mx.gluon.data.Dataset, dict)

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> loader_arguments(SimpleDataset([1]), {"num_workers": 0})[1]
    {'num_workers': 0}
    >>> sorted(loader_arguments(SimpleDataset([1]), {"num_workers": 2, "thread_pool": True})[1])
    ['batchify_fn', 'num_workers', 'thread_pool']
    """
    if options.get("batchify_fn") is not None:
        return dataset, options
    workers = options.get("num_workers", 0) > 0
    threads = workers and options.get("thread_pool", False)
    if isinstance(dataset, ImageArrayDataset):
        return BatchIndices(dataset), dict(options, batchify_fn=StackBatch(workers and not threads))
    if threads:
        return dataset, dict(options, batchify_fn=Stack())
    return dataset, options
