"""Images and labels held in arrays (in memory or memory-mapped), transformed per item or per batch.

The official binary files and the decoded RecordIO cache (:mod:`.cache`) both
give all their images as one uint8 array, so an item costs an index and the
transform, and a whole batch can be made at once (:meth:`ImageArrayDataset.batch`,
used by gluon-lr's loaders, see :mod:`.batches`).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from mxnet.gluon.data import Dataset

from .._validate import as_callable

__all__ = ["ImageArrayDataset"]


class ImageArrayDataset(Dataset):
    """Items ``(image_fn(images[i]), labels[i])`` of two arrays; ``batch`` makes many at once.

    Parameters
    ----------
    images : numpy.ndarray
        ``(N, H, W, C)`` images, e.g. uint8; a memory map is read, never copied.
    labels : numpy.ndarray
        ``(N,)`` labels; an item's label is ``labels[i]`` as it is (e.g. ``numpy.int32``).
    image_fn : callable, optional
        ``image -> image``, e.g. :func:`~.transforms.image_transform`'s result;
        ``None`` gives the images as they are. If it has a ``batch`` method
        (``images -> batch``), :meth:`batch` calls it once per batch, else it
        calls ``image_fn`` on each image and stacks the results.
    indices : sequence of int, optional
        The items, as positions in ``images`` (default: all, in order); this is
        how :meth:`sample` (and so :func:`~.subsets.subset`) keeps a view.

    Raises
    ------
    TypeError
        If ``image_fn`` is neither callable nor None.
    ValueError
        If ``images`` is not 4-D, ``labels`` not 1-D of the same length, or
        ``indices`` not 1-D.
    IndexError
        If an index is outside ``[-N, N)``.

    Examples
    --------
    >>> images = np.arange(4 * 2 * 2 * 1, dtype=np.uint8).reshape(4, 2, 2, 1)
    >>> dataset = ImageArrayDataset(images, np.arange(4, dtype=np.int32), lambda x: x * 2)
    >>> image, label = dataset[3]
    >>> image.ravel().tolist(), label, type(label).__name__
    ([24, 26, 28, 30], 3, 'int32')
    >>> batch, labels = dataset.batch([3, 0])
    >>> batch.shape, labels.tolist()
    ((2, 2, 2, 1), [3, 0])
    >>> view = dataset.sample([2, 1])
    >>> type(view).__name__, len(view), view[1][1], view.batch([1, 0])[1].tolist()
    ('ImageArrayDataset', 2, 1, [1, 2])
    """

    def __init__(self, images: ArrayLike, labels: ArrayLike,
                 image_fn: Optional[Callable[[Any], Any]] = None, *,
                 indices: Optional[Sequence[int]] = None) -> None:
        image_array, label_array = np.asarray(images), np.asarray(labels)
        if image_array.ndim != 4:
            raise ValueError("images must be an array (N, H, W, C), got shape {}".format(
                image_array.shape))
        if label_array.shape != image_array.shape[:1]:
            raise ValueError("labels must be an array ({},) (one per image), got shape "
                             "{}".format(len(image_array), label_array.shape))
        if image_fn is not None:
            as_callable("image_fn", image_fn, "image -> image")
        positions: Optional[NDArray[np.intp]] = None
        if indices is not None:
            positions = np.asarray(indices, dtype=np.intp)
            if positions.ndim != 1:
                raise ValueError("indices must be 1-D, got shape {}".format(positions.shape))
            positions = np.arange(len(image_array))[positions]  # IndexError when out of range
        self._images, self._labels = image_array, label_array
        self._image_fn, self._indices = image_fn, positions
        self._batch_fn = getattr(image_fn, "batch", None)

    def __getitem__(self, idx: int) -> Tuple[Any, Any]:
        position = idx if self._indices is None else self._indices[idx]
        image = self._images[position]
        return (image if self._image_fn is None else self._image_fn(image)), \
            self._labels[position]

    def __len__(self) -> int:
        return len(self._images) if self._indices is None else len(self._indices)

    def batch(self, indices: Sequence[int]) -> Tuple[NDArray[Any], NDArray[Any]]:
        """Return the items at ``indices`` as two arrays: stacked images and labels.

        The same values as stacking ``self[i]`` for ``i`` in ``indices``, in
        that order; with the batch-aware transform of
        :func:`~.transforms.image_transform`, random draws included.

        Parameters
        ----------
        indices : sequence of int

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Images ``(n, ...)`` and labels ``(n,)``.
        """
        positions = np.asarray(indices, dtype=np.intp)
        if self._indices is not None:
            positions = self._indices[positions]
        images = self._images[positions]
        if self._batch_fn is not None:
            images = self._batch_fn(images)
        elif self._image_fn is not None:
            images = np.asarray([self._image_fn(image) for image in images])
        return images, self._labels[positions]

    def sample(self, sampler: Iterable[int]) -> ImageArrayDataset:
        """Return the items ``sampler`` lists, as an :class:`ImageArrayDataset` on the same arrays.

        Like ``Dataset.sample``, whose items are ``self[i]`` for ``i`` in
        ``sampler``, but keeps :meth:`batch`. The transform is shared.
        """
        chosen = np.asarray(list(sampler), dtype=np.intp)
        positions = np.arange(len(self))[chosen] if self._indices is None else \
            self._indices[np.arange(len(self))[chosen]]
        return ImageArrayDataset(self._images, self._labels, self._image_fn, indices=positions)
