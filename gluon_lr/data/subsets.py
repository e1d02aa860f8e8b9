"""A seeded random slice of a dataset."""
from __future__ import annotations

import mxnet as mx
import numpy as np

from .._validate import as_int
from ..sampler import IndexSampler

__all__ = ["subset"]


def subset(dataset: mx.gluon.data.Dataset, n: int, seed: int = 0) -> mx.gluon.data.Dataset:
    """Return ``n`` items of ``dataset`` drawn at random without replacement.

    The CIFAR-10 RecordIO is sorted by class, so its first items are all
    airplanes; this gives a small slice with every class instead.

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
    n : int
        Items to keep, 1 <= n <= len(dataset).
    seed : int, default 0
        Seed of the draw (an int >= 0): the same seed gives the same items.

    Returns
    -------
    mx.gluon.data.Dataset
        The drawn items, in increasing index order.

    Raises
    ------
    TypeError
        If ``n`` or ``seed`` is not an int.
    ValueError
        If ``n`` is outside ``[1, len(dataset)]`` or ``seed < 0``.

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> list(subset(SimpleDataset(list("abcdefgh")), 3, seed=1))
    ['c', 'd', 'g']
    >>> subset(SimpleDataset(list("abcdefgh")), 9)
    Traceback (most recent call last):
    ...
    ValueError: n must be an int in [1, 8] (len(dataset)), got 9
    """
    n = as_int("n", n, 1)
    seed = as_int("seed", seed, 0)
    if n > len(dataset):
        raise ValueError("n must be an int in [1, {}] (len(dataset)), got {}".format(
            len(dataset), n))
    indices = np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))
    return dataset.sample(IndexSampler(indices.tolist()))
