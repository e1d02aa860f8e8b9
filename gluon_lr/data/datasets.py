"""CIFAR-10 splits with the tutorial's transforms: find the files, download if needed, read.

The official binary files are read into one array; a RecordIO is read from
its decoded cache (:mod:`.cache`), or JPEG by JPEG with ``cache_dir=False``.
Both arrays give an :class:`~.arrays.ImageArrayDataset`, which gluon-lr's
loaders read a batch at a time.
"""
from __future__ import annotations

import os
import pathlib
import warnings
from typing import Optional, Tuple, Union

import mxnet as mx

from .._validate import as_bool
from . import locate
from .arrays import ImageArrayDataset
from .cache import CacheNotWritableError, cached_split
from .cachedir import CACHE_ENV_VAR, cache_folder
from .download import download
from .locate import SplitFiles, find_split, given_folder, not_found
from .readers import BinaryDataset, RecordDataset
from .transforms import LabelledTransform, image_transform

__all__ = ["cifar10", "cifar10_splits"]

_Folder = Union[str, "os.PathLike[str]", None]


def cifar10(data_dir: _Folder = None, train: bool = True, augment: bool = False,
            seed: Optional[int] = None, *,
            cache_dir: Union[_Folder, bool] = None) -> mx.gluon.data.Dataset:
    """Return one CIFAR-10 split with the tutorial's transforms.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder with the official binary files or the RecordIO files. ``None``
        uses ``GLUON_LR_CIFAR10_DIR`` if set, else :func:`~.locate.download_root`,
        downloading there when needed.
    train : bool, default True
        The 50,000 training images, or else the 10,000 test images.
    augment : bool, default False
        Random crop and flip before normalising (see :func:`~.transforms.image_transform`).
    seed : int, optional
        Seed of the augmentation (see :func:`~.transforms.image_transform`).
    cache_dir : str, os.PathLike, None or False, default None
        Where a RecordIO's decoded images are kept (:mod:`.cache`): the first
        call decodes the split's JPEGs once into this folder (154 MB for the
        training set), later calls check and memory-map them. ``None`` uses
        ``$GLUON_LR_CACHE_DIR`` or else the user's cache folder
        (``$XDG_CACHE_HOME/gluon-lr`` or ``~/.cache/gluon-lr``), never the
        data folder; ``False`` decodes every JPEG when its item is read. A
        folder that cannot be written gives a ``RuntimeWarning`` and the
        uncached reading. The official binary files need no cache.

    Returns
    -------
    mx.gluon.data.Dataset
        Items ``(numpy.float32 (3, 32, 32) image, numpy.int32 label)``,
        transformed lazily, i.e. in the ``DataLoader``'s workers. From the
        binary files or the cache it is an :class:`~.arrays.ImageArrayDataset`:
        an item costs no decode, and gluon-lr's loaders make whole batches at
        once, with the same values. The same pixels and transform either way.

    Raises
    ------
    DataNotFoundError
        If the named folder lacks the split, or nothing is named and the
        download fails.
    TypeError
        If ``data_dir`` is not a path, ``train``/``augment`` not a bool,
        ``seed`` not an int >= 0 or None, or ``cache_dir`` not a path, None or
        False.

    Examples
    --------
    >>> test = cifar10("../shared/data/cifar10", train=False)  # doctest: +SKIP
    >>> len(test), test[0][0].shape, test[0][1].dtype  # doctest: +SKIP
    (10000, (3, 32, 32), dtype('int32'))
    """
    given = given_folder(data_dir)
    as_bool("train", train)
    transform = image_transform(augment, seed)
    folder = cache_folder(cache_dir)
    files = _split_files(given, train)
    if files.format == "binary":
        raw = BinaryDataset(files.paths)
        return ImageArrayDataset(raw.images, raw.labels, transform)
    rec = files.paths[0]
    if folder is not None:
        try:
            cached = cached_split(rec, folder)
        except CacheNotWritableError as err:
            warnings.warn("{}; decoding each JPEG when its item is read instead. Name a "
                          "writable folder with cache_dir= or {}, or pass cache_dir=False "
                          "to silence this".format(err, CACHE_ENV_VAR), RuntimeWarning,
                          stacklevel=2)
        else:
            return ImageArrayDataset(cached.images, cached.labels, transform)
    return RecordDataset(str(rec)).transform(LabelledTransform(transform))


def cifar10_splits(data_dir: _Folder = None, augment: bool = False, seed: Optional[int] = None,
                   *, cache_dir: Union[_Folder, bool] = None
                   ) -> Tuple[mx.gluon.data.Dataset, mx.gluon.data.Dataset]:
    """Return ``(train, test)`` from :func:`cifar10`; ``augment`` and ``seed`` apply to train.

    Examples
    --------
    >>> train, test = cifar10_splits("../shared/data/cifar10")  # doctest: +SKIP
    >>> len(train), len(test)  # doctest: +SKIP
    (50000, 10000)
    """
    return (cifar10(data_dir, True, augment, seed, cache_dir=cache_dir),
            cifar10(data_dir, False, cache_dir=cache_dir))


def _split_files(given: Optional[Tuple[str, pathlib.Path]], train: bool) -> SplitFiles:
    """The split's :class:`~.locate.SplitFiles`: in the named folder only, else the download root.

    A named folder that lacks the split fails at once; nothing is downloaded.
    """
    split = "train" if train else "test"
    if given is not None:
        origin, folder = given
        if not folder.is_dir():
            raise not_found("{} {} is not a directory".format(origin, folder))
        files = find_split(folder, train)
        if files is None:
            raise not_found("{} {} holds no {} split in either format".format(
                origin, folder, split))
        return files
    root = locate.download_root()
    files = find_split(root, train)
    if files is None:
        download(root)
        files = find_split(root, train)
        if files is None:
            raise not_found("the download into {} holds no {} split".format(root, split))
    return files
