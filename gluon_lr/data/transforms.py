"""The tutorial's image transform in NumPy, with augmentation seeded per worker process.

The transform gives exactly the values of MXNet's ``ToTensor`` and
``Normalize`` (the same float32 operations in the same order) without an MXNet
operator per image, which would cost more than the work itself. Its ``batch``
method transforms a whole batch at once with the same values and the same
random draws as one image after another.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Optional, Tuple

import numpy as np
from numpy.typing import NDArray
from numpy.lib.stride_tricks import sliding_window_view

from .._validate import as_bool, as_callable, as_int

__all__ = ["MEAN", "STD", "image_transform", "LabelledTransform"]

#: Per-channel (R, G, B) mean and standard deviation of the tutorial's ``Normalize``.
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2023, 0.1994, 0.2010)

_CROP, _PAD = 32, 4
_MEAN_CHW = np.array(MEAN, dtype=np.float32).reshape(3, 1, 1)
_STD_CHW = np.array(STD, dtype=np.float32).reshape(3, 1, 1)


def image_transform(augment: bool = False, seed: Optional[int] = None) -> _TutorialTransform:
    """Return the tutorial's image transform: ``ToTensor`` then ``Normalize(MEAN, STD)``.

    Written in NumPy float32 as ``(image / 255 - mean) / std``, which gives
    exactly MXNet's ``ToTensor`` + ``Normalize`` values (the same float32
    operations in the same order).

    Parameters
    ----------
    augment : bool, default False
        Put a random 32x32 crop of the image zero-padded by 4 pixels and a random
        horizontal flip (probability 1/2) first, for training runs, like MXNet's
        ``RandomCrop(32, pad=4)`` and ``RandomFlipLeftRight()``.
    seed : int, optional
        Seed of the augmentation's random draws. ``None`` draws one from NumPy's
        global generator, so ``numpy.random.seed`` fixes it. Draws made in the
        process that built the transform follow the seed; every other process
        (a ``DataLoader`` worker) mixes its process id into the seed, so forked
        workers never repeat each other's crops and flips.

    Returns
    -------
    callable
        Maps a ``(32, 32, 3)`` uint8 image (NumPy or ``mx.np``) to a
        ``(3, 32, 32)`` ``numpy.float32`` one. It can be pickled. Its method
        ``batch(images)`` maps ``(N, 32, 32, 3)`` to ``(N, 3, 32, 32)``,
        bit-identical to calling it on ``images[0]``, ``images[1]``, ... in turn.

    Notes
    -----
    Each augmented image takes one draw, ``integers(9 * 9 * 2)``, of the
    generator: ``top, rest = divmod(draw, 18)`` and ``left, flip = divmod(rest,
    2)`` place the crop in the padded image and pick the flip. ``batch`` takes
    the draws of its ``N`` images at once, ``integers(162, size=N)``, which is
    the same stream as ``N`` single draws: image ``k`` of the batch gets the
    draw the ``k``-th call would have got.

    Raises
    ------
    TypeError
        If ``augment`` is not a bool or ``seed`` not an int or None.
    ValueError
        If ``seed < 0``.

    Examples
    --------
    >>> import numpy as np
    >>> out = image_transform()(np.full((32, 32, 3), 255, dtype=np.uint8))
    >>> out.shape, out.dtype, round(float(out[0, 0, 0]), 4)  # (1 - 0.4914) / 0.2023
    ((3, 32, 32), dtype('float32'), 2.5141)
    >>> images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> one_by_one, whole = image_transform(True, seed=3), image_transform(True, seed=3)
    >>> batch = whole.batch(images)
    >>> batch.shape, bool((batch == np.stack([one_by_one(image) for image in images])).all())
    ((4, 3, 32, 32), True)
    """
    as_bool("augment", augment)
    if seed is not None:
        as_int("seed", seed, 0)
    return _TutorialTransform(augment, seed)


class _TutorialTransform:
    """``image_transform``'s callable; picklable, for worker processes."""

    def __init__(self, augment: bool, seed: Optional[int]) -> None:
        self._augment = augment
        if augment:
            self._entropy = int(np.random.randint(2 ** 31)) if seed is None else int(seed)
            self._pid = os.getpid()
            self._rng = np.random.default_rng(self._entropy)

    def _generator(self) -> np.random.Generator:
        """This process's generator: the seed's own here, the seed and pid's in a worker."""
        pid = os.getpid()
        if pid != self._pid:
            self._pid = pid
            self._rng = np.random.default_rng([self._entropy, pid])
        return self._rng

    def _crop_and_flip(self, hwc: NDArray[Any]) -> NDArray[Any]:
        height, width = hwc.shape[:2]
        padded = np.zeros((height + 2 * _PAD, width + 2 * _PAD, hwc.shape[2]), dtype=hwc.dtype)
        padded[_PAD:_PAD + height, _PAD:_PAD + width] = hwc
        # one draw picks the top, left and flip uniformly (cheaper than three)
        lefts = width + 2 * _PAD - _CROP + 1
        top, rest = divmod(int(self._generator().integers(
            (height + 2 * _PAD - _CROP + 1) * lefts * 2)), lefts * 2)
        left, flip = divmod(rest, 2)
        crop = padded[top:top + _CROP, left:left + _CROP]
        return crop[:, ::-1] if flip else crop

    def _crops_and_flips(self, nhwc: NDArray[Any]) -> NDArray[Any]:
        """``_crop_and_flip`` of every image, from one call of the generator: (N, C, 32, 32)."""
        count, height, width, channels = nhwc.shape
        lefts = width + 2 * _PAD - _CROP + 1
        draws = self._generator().integers(
            (height + 2 * _PAD - _CROP + 1) * lefts * 2, size=count)
        top, rest = np.divmod(draws, lefts * 2)
        left, flip = np.divmod(rest, 2)
        # The padded images [0] and their mirror images [1], channels first: a flipped crop
        # at ``left`` is the mirror's crop at ``lefts - 1 - left``.
        chw = nhwc.transpose(0, 3, 1, 2)
        padded = np.zeros((2, count, channels, height + 2 * _PAD, width + 2 * _PAD), nhwc.dtype)
        padded[0, ..., _PAD:_PAD + height, _PAD:_PAD + width] = chw
        padded[1, ..., _PAD:_PAD + height, _PAD:_PAD + width] = chw[..., ::-1]
        # every 32x32 window: (2, N, C, tops, lefts, 32, 32); the crops: (N, C, 32, 32)
        # numpy 1.23's stubs take one axis only; the function takes a tuple
        windows: NDArray[Any] = sliding_window_view(  # type: ignore[call-overload]
            padded, (_CROP, _CROP), axis=(3, 4))
        return windows[flip, np.arange(count), :, top, np.where(flip, lefts - 1 - left, left)]

    def __call__(self, image: Any) -> NDArray[np.float32]:
        hwc = image.asnumpy() if hasattr(image, "asnumpy") else np.asarray(image)
        if self._augment:
            hwc = self._crop_and_flip(hwc)
        return _normalise(hwc.transpose(2, 0, 1).astype(np.float32))

    def batch(self, images: Any) -> NDArray[np.float32]:
        """Transform ``(N, H, W, C)`` images into ``(N, C, 32, 32)`` float32 (C order).

        Bit-identical to ``numpy.stack([self(image) for image in images])``,
        random draws included (see :func:`image_transform`).
        """
        nhwc = images.asnumpy() if hasattr(images, "asnumpy") else np.asarray(images)
        if nhwc.ndim != 4:
            raise ValueError("images must be a batch (N, H, W, C), got shape {}".format(
                nhwc.shape))
        nchw = self._crops_and_flips(nhwc) if self._augment else nhwc.transpose(0, 3, 1, 2)
        return _normalise(nchw.astype(np.float32, order="C"))


def _normalise(chw: NDArray[np.float32]) -> NDArray[np.float32]:
    """``(x / 255 - mean) / std`` in place on float32 ``(..., C, H, W)``: ToTensor, Normalize."""
    chw /= np.float32(255)
    chw -= _MEAN_CHW
    chw /= _STD_CHW
    return chw


class LabelledTransform:
    """An item transform: ``image_fn`` on the image, the label cast to ``numpy.int32``.

    MXNet's ``CIFAR10`` labels are ``numpy.int32``; the RecordIO's are floats,
    so both formats give the same batches. Picklable, for worker processes.

    Parameters
    ----------
    image_fn : callable
        ``image -> image``, e.g. :func:`image_transform`'s result.

    Raises
    ------
    TypeError
        If ``image_fn`` is not callable.

    Examples
    --------
    >>> image, label = LabelledTransform(lambda image: image * 2)(3, 7.0)
    >>> image, label, type(label).__name__
    (6, 7, 'int32')
    """

    def __init__(self, image_fn: Callable[[Any], Any]) -> None:
        self._image_fn = as_callable("image_fn", image_fn, "image -> image")

    def __call__(self, image: Any, label: Any) -> Tuple[Any, np.int32]:
        return self._image_fn(image), np.int32(label)
