"""Shapes: a small synthetic 10-class image task, made in memory from a seed.

A second image task that needs no download, for benchmarks, tests and notebooks:
32x32 RGB images of one geometric shape each on a noisy background. The class
is the shape (disc, square, triangle, cross, diamond) and whether it is filled
or only outlined, so 10 classes; position, size and colours are random. Items
are ``(numpy.float32 (3, 32, 32) image, numpy.int32 label)``, like
:func:`gluon_lr.data.cifar10`'s, with pixels scaled to zero mean and unit
variance over the whole set.
"""
from __future__ import annotations

import mxnet as mx
import numpy as np
from numpy.typing import NDArray

from .._validate import as_int

__all__ = ["SHAPE_CLASSES", "shapes_dataset"]

#: Class names, in label order.
SHAPE_CLASSES = tuple("{} {}".format(fill, shape) for fill in ("filled", "outlined")
                      for shape in ("disc", "square", "triangle", "cross", "diamond"))
_SIZE = 32
_OUTLINE = 1.5  # outline width in pixels


def _distance(kind: int, x: NDArray[np.float64], y: NDArray[np.float64],
              radius: float) -> NDArray[np.float64]:
    """A signed-distance-like field of shape ``kind`` centred at 0: < 0 inside."""
    if kind == 0:  # disc
        return np.hypot(x, y) - radius
    if kind == 1:  # square
        return np.maximum(np.abs(x), np.abs(y)) - radius
    if kind == 2:  # triangle, its point at the bottom of the image
        return np.maximum(np.abs(x) * 0.866 + y * 0.5, -y) - radius * 0.5
    if kind == 3:  # cross
        return np.minimum(np.maximum(np.abs(x) - radius * 0.35, np.abs(y) - radius),
                          np.maximum(np.abs(y) - radius * 0.35, np.abs(x) - radius))
    diamond: NDArray[np.float64] = (np.abs(x) + np.abs(y)) / 1.4142 - radius * 0.75
    return diamond


def _image(rng: np.random.Generator, label: int, grid_x: NDArray[np.float64],
           grid_y: NDArray[np.float64]) -> NDArray[np.float32]:
    kind, outlined = label % 5, label >= 5
    radius = rng.uniform(6.0, 11.0)
    cx, cy = rng.uniform(radius + 1, _SIZE - radius - 1, size=2)
    field = _distance(kind, grid_x - cx, grid_y - cy, radius)
    mask = (np.abs(field) <= _OUTLINE) if outlined else (field <= 0)
    background = rng.uniform(0.0, 1.0, size=3)
    # the shape differs from the background by 0.6 in a random colour direction
    direction = rng.normal(size=3)
    foreground = background + 0.6 * direction / np.linalg.norm(direction)
    image: NDArray[np.float64] = np.where(mask[..., None], foreground, background)
    image = image + rng.normal(0.0, 0.1, size=image.shape)
    return image.transpose(2, 0, 1).astype(np.float32)


def shapes_dataset(n: int, seed: int = 0) -> mx.gluon.data.ArrayDataset:
    """Return ``n`` shape images with balanced labels, drawn from ``seed``.

    Parameters
    ----------
    n : int
        Number of images, at least 10.
    seed : int, default 0
        The same seed gives the same images.

    Returns
    -------
    mx.gluon.data.ArrayDataset
        Items ``(numpy.float32 (3, 32, 32), numpy.int32)``.

    Examples
    --------
    >>> data = shapes_dataset(20, seed=1)
    >>> image, label = data[3]
    >>> len(data), image.shape, image.dtype, label.dtype, int(label)
    (20, (3, 32, 32), dtype('float32'), dtype('int32'), 6)
    """
    n = as_int("n", n, 10)
    seed = as_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % len(SHAPE_CLASSES)).astype(np.int32)
    rng.shuffle(labels)
    grid_y, grid_x = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float64) + 0.5
    images = np.stack([_image(rng, int(label), grid_x, grid_y) for label in labels])
    images = (images - images.mean()) / images.std()
    return mx.gluon.data.ArrayDataset(images.astype(np.float32), labels)
