"""CIFAR-10 splits with the tutorial's transforms: find the files, download if needed, read."""
from .._validate import as_bool
from . import locate
from .download import download
from .locate import find_split, given_folder, not_found
from .readers import BinaryDataset, RecordDataset
from .transforms import LabelledTransform, image_transform

__all__ = ["cifar10", "cifar10_splits"]


def cifar10(data_dir=None, train=True, augment=False, seed=None):
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

    Returns
    -------
    mx.gluon.data.Dataset
        Items ``(numpy.float32 (3, 32, 32) image, numpy.int32 label)``,
        transformed lazily, i.e. in the ``DataLoader``'s workers.

    Raises
    ------
    DataNotFoundError
        If the named folder lacks the split, or nothing is named and the
        download fails.
    TypeError
        If ``data_dir`` is not a path, ``train``/``augment`` not a bool or
        ``seed`` not an int >= 0 or None.

    Examples
    --------
    >>> test = cifar10("../shared/data/cifar10", train=False)  # doctest: +SKIP
    >>> len(test), test[0][0].shape, test[0][1].dtype  # doctest: +SKIP
    (10000, (3, 32, 32), dtype('int32'))
    """
    given = given_folder(data_dir)
    as_bool("train", train)
    transform = image_transform(augment, seed)
    return _raw_split(given, train).transform(LabelledTransform(transform))


def cifar10_splits(data_dir=None, augment=False, seed=None):
    """Return ``(train, test)`` from :func:`cifar10`; ``augment`` and ``seed`` apply to train.

    Examples
    --------
    >>> train, test = cifar10_splits("../shared/data/cifar10")  # doctest: +SKIP
    >>> len(train), len(test)  # doctest: +SKIP
    (50000, 10000)
    """
    return cifar10(data_dir, True, augment, seed), cifar10(data_dir, False)


def _raw_split(given, train):
    """The untransformed split: from the named folder only, else the download root.

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
        return _read(files)
    root = locate.download_root()
    files = find_split(root, train)
    if files is None:
        download(root)
        files = find_split(root, train)
        if files is None:
            raise not_found("the download into {} holds no {} split".format(root, split))
    return _read(files)


def _read(files):
    if files.format == "binary":
        return BinaryDataset(files.paths)
    return RecordDataset(str(files.paths[0]))
