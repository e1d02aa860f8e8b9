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
one generator, and a batch takes its draws from it in one piece, so which
batch gets which draws depends on the threads' timing; worker processes each
own a generator seeded with their process id.

With worker threads, batches are stacked in ordinary memory: shared memory,
which ``DataLoader`` uses by default whenever it has workers, is only needed
to pass batches between processes and costs several milliseconds per batch.

With worker threads or none, a NumPy batch becomes an ``mx.np`` array without
a copy (:func:`to_mxnet`). MXNet's own ``mx.np.array(batch)`` copies it with
an OpenMP loop in the calling thread once it has 200,000 elements or more
(``MXNET_CPU_PARALLEL_SIZE``; a CIFAR-10 batch of 128 has 393,216). That thread
then keeps OpenMP threads of its own, libgomp manages more threads than there
are cores, and it stops letting waiting threads spin (``do_spin`` in its
``wait.h``): every operator of the model then waits for its threads to wake
(``bench/bench_handover.py`` measures it; its output is in
``bench/results/handover.txt``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import mxnet as mx
import numpy as np
from numpy.typing import NDArray
from mxnet.gluon.data import Dataset
from mxnet.gluon.data.batchify import Stack

from .arrays import ImageArrayDataset

__all__ = ["loader_arguments", "to_mxnet", "BatchIndices", "StackBatch", "NumpyStack"]

#: NumPy types MXNet 2.0 takes over without a copy (``mxnet.dlpack.DLDataType.TYPE_MAP``,
#: less ``bool``, which it declares 1 bit wide).
_ZERO_COPY_TYPES = frozenset(np.dtype(name) for name in (
    "int32", "int64", "uint8", "uint32", "uint64", "float16", "float32", "float64"))


def to_mxnet(array: NDArray[Any]) -> mx.np.ndarray:
    """Return the NumPy ``array``, made for this batch alone, as an ``mx.np`` array on the CPU.

    The ``mx.np`` array reads ``array``'s memory (``mx.npx.from_numpy``), which
    becomes read-only; a non-contiguous ``array`` is first copied by NumPy.
    Taking it over runs no OpenMP loop in the calling thread (see the
    module's text). MXNet
    frees the memory through a Python callback, from whichever thread drops
    the array last (often one of its engine's). Types MXNet cannot take over
    (``bool``, ``int8``, ...) are copied by ``mx.np.array``.

    Examples
    --------
    >>> batch = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> out = to_mxnet(batch)
    >>> type(out).__name__, out.dtype, out.sum().item(), batch.flags.writeable
    ('ndarray', dtype('float32'), 15.0, False)
    """
    if array.dtype in _ZERO_COPY_TYPES and array.ndim > 0:
        return mx.npx.from_numpy(np.ascontiguousarray(array), zero_copy=True)
    return mx.np.array(array, dtype=array.dtype)


class BatchIndices(Dataset):
    """Items ``(dataset, index)``: the index of an item, and where to make it.

    In a worker process ``dataset`` is that worker's copy (with its own
    augmentation generator), as for ``DataLoader``'s own items.
    """

    def __init__(self, dataset: ImageArrayDataset) -> None:
        self._dataset = dataset

    def __getitem__(self, idx: int) -> Tuple[ImageArrayDataset, int]:
        return self._dataset, idx

    def __len__(self) -> int:
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

    def __init__(self, shared_memory: bool) -> None:
        self._stack = Stack(use_shared_mem=True).__call__ if shared_memory else to_mxnet

    def __call__(self, items: Sequence[Tuple[ImageArrayDataset, int]]) -> List[mx.np.ndarray]:
        images, labels = items[0][0].batch([idx for _, idx in items])
        return [self._stack(images), self._stack(labels)]


class NumpyStack:
    """``batchify_fn`` that stacks items like MXNet's ``Stack`` and hands NumPy batches over uncopied.

    ``mx.np`` items are stacked by MXNet; tuples and lists are stacked
    field by field; anything else goes through ``numpy.asarray`` and
    :func:`to_mxnet`, in ordinary memory (for worker threads or none).

    Examples
    --------
    >>> images, labels = NumpyStack()([(np.ones((2, 2)), 3), (np.zeros((2, 2)), 1)])
    >>> images.shape, images.dtype, labels.tolist()
    ((2, 2, 2), dtype('float64'), [3, 1])
    """

    def __call__(self, data: Sequence[Any]) -> Any:
        if isinstance(data[0], mx.np.ndarray):
            return mx.np.stack(data)
        if isinstance(data[0], (tuple, list)):
            return [self(field) for field in zip(*data)]
        return to_mxnet(np.asarray(data))


def loader_arguments(dataset: mx.gluon.data.Dataset, options: Dict[str, Any]
                     ) -> Tuple[mx.gluon.data.Dataset, Dict[str, Any]]:
    """Return ``(dataset, options)`` to build ``mx.gluon.data.DataLoader(dataset, **options)`` with.

    An :class:`~.arrays.ImageArrayDataset` is loaded a batch at a time
    (:class:`BatchIndices`, :class:`StackBatch`); other datasets item by item,
    as ``DataLoader`` does, stacked by :class:`NumpyStack` on worker threads
    or none, and by ``DataLoader`` itself (in shared memory) on worker
    processes. A ``batchify_fn`` in ``options`` is kept, with the dataset as it is.

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
    >>> sorted(loader_arguments(SimpleDataset([1]), {"num_workers": 0})[1])
    ['batchify_fn', 'num_workers']
    >>> loader_arguments(SimpleDataset([1]), {"num_workers": 2})[1]
    {'num_workers': 2}
    """
    if options.get("batchify_fn") is not None:
        return dataset, options
    processes = options.get("num_workers", 0) > 0 and not options.get("thread_pool", False)
    if isinstance(dataset, ImageArrayDataset):
        return BatchIndices(dataset), dict(options, batchify_fn=StackBatch(processes))
    if processes:
        return dataset, options
    return dataset, dict(options, batchify_fn=NumpyStack())
