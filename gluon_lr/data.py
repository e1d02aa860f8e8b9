"""CIFAR-10 with the "Learning Rate Finder" tutorial's transforms, from local files or a download.

Where the data comes from, in this order:

1. ``data_dir`` or, when that is ``None``, the environment variable
   ``GLUON_LR_CIFAR10_DIR``: a folder holding the official binary files
   (``data_batch_1.bin`` ... ``data_batch_5.bin``, ``test_batch.bin``, directly
   or in ``cifar-10-batches-bin/``) or RecordIO files (``train.rec``/``train.idx``,
   ``test.rec``/``test.idx``). A folder given this way that does not hold the
   split fails at once with :class:`DataNotFoundError`; nothing is downloaded.
2. :func:`download_root`: files already there are read, otherwise MXNet's own
   ``CIFAR10`` download fills it.
3. If that fails too, :class:`DataNotFoundError` says how to point at local files.

Items are ``(image, label)``: a ``numpy.float32`` ``(3, 32, 32)`` image, normalised
with the tutorial's mean and std, and a ``numpy.int32`` class index (0 airplane ... 9
truck), the label type of MXNet's ``CIFAR10``; the RecordIO's float labels are cast to
it. The ``DataLoader``'s default batchify stacks them into ``mx.np`` arrays.

Items are made without MXNet operators, which cost more per image than the work
itself: JPEGs are decoded by Pillow (the same pixels as ``mx.image.imdecode`` on
every record of the CIFAR-10 RecordIO), and the transform is NumPy float32 giving
exactly the values of MXNet's ``ToTensor`` and ``Normalize``.
"""
import io
import numbers
import os
import pathlib
import socket
import tarfile
import threading
import urllib.parse

import mxnet as mx
import numpy as np
from mxnet.gluon.data import RecordFileDataset, Sampler
from mxnet.gluon.data.vision import CIFAR10
from PIL import Image

from ._validate import as_bool, as_int

__all__ = ["DataNotFoundError", "ENV_VAR", "MEAN", "STD", "cifar10", "cifar10_splits",
           "decode_jpeg", "download_root", "image_transform", "subset"]

#: Per-channel (R, G, B) mean and standard deviation of the tutorial's ``Normalize``.
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2023, 0.1994, 0.2010)
#: Environment variable naming a folder with local CIFAR-10 files.
ENV_VAR = "GLUON_LR_CIFAR10_DIR"

_BINARY_SUBDIR = "cifar-10-batches-bin"
_TRAIN_BINARIES = tuple("data_batch_{}.bin".format(i) for i in range(1, 6))
_TEST_BINARIES = ("test_batch.bin",)
# Seconds to wait for the download server to accept a connection. MXNet's own
# download uses requests without a timeout and retries five times, so an
# unreachable (rather than unresolvable) host could otherwise hang for minutes.
_CONNECT_TIMEOUT = 10.0


class DataNotFoundError(FileNotFoundError):
    """CIFAR-10 is neither in a given folder nor downloadable; the message says what to do."""


def _not_found(reason):
    return DataNotFoundError(
        "CIFAR-10 not found: {}. Point at local files with --data-dir DIR or {}=DIR, where DIR "
        "holds data_batch_1.bin ... data_batch_5.bin and test_batch.bin (or {}/ with them) "
        "or train.rec/train.idx and test.rec/test.idx".format(reason, ENV_VAR, _BINARY_SUBDIR))


def image_transform(augment=False, seed=None):
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
        ``(3, 32, 32)`` ``numpy.float32`` one.

    Examples
    --------
    >>> import numpy as np
    >>> out = image_transform()(np.full((32, 32, 3), 255, dtype=np.uint8))
    >>> out.shape, out.dtype, round(float(out[0, 0, 0]), 4)  # (1 - 0.4914) / 0.2023
    ((3, 32, 32), dtype('float32'), 2.5141)
    """
    as_bool("augment", augment)
    if seed is not None:
        as_int("seed", seed, 0)
    return _TutorialTransform(augment, seed)


_CROP, _PAD = 32, 4
_MEAN_CHW = np.array(MEAN, dtype=np.float32).reshape(3, 1, 1)
_STD_CHW = np.array(STD, dtype=np.float32).reshape(3, 1, 1)


class _TutorialTransform:
    """``image_transform``'s callable; picklable, for worker processes."""

    def __init__(self, augment, seed):
        self._augment = augment
        if augment:
            self._entropy = int(np.random.randint(2 ** 31)) if seed is None else int(seed)
            self._pid = os.getpid()
            self._rng = np.random.default_rng(self._entropy)

    def _generator(self):
        """This process's generator: the seed's own here, the seed and pid's in a worker."""
        pid = os.getpid()
        if pid != self._pid:
            self._pid = pid
            self._rng = np.random.default_rng([self._entropy, pid])
        return self._rng

    def _crop_and_flip(self, hwc):
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

    def __call__(self, image):
        hwc = image.asnumpy() if hasattr(image, "asnumpy") else np.asarray(image)
        if self._augment:
            hwc = self._crop_and_flip(hwc)
        chw = hwc.transpose(2, 0, 1).astype(np.float32)
        chw /= np.float32(255)
        chw -= _MEAN_CHW
        chw /= _STD_CHW
        return chw


class _ImageAndLabel:
    """Transform the image, cast the label to ``numpy.int32``; picklable for worker processes."""

    def __init__(self, image_fn):
        self._image_fn = image_fn

    def __call__(self, image, label):
        return self._image_fn(image), np.int32(label)


class _LocalCIFAR10(CIFAR10):
    """MXNet's ``CIFAR10`` reading the binary files of one split as they are, into NumPy.

    ``CIFAR10`` itself downloads whenever one of all six files is missing or its
    SHA-1 differs from the official release's; this reader never does, so a folder
    the user names is read, not replaced. The images stay a NumPy array, so an
    item costs no MXNet operator.
    """

    def _get_data(self):
        files = self._train_data if self._train else self._test_data
        images, labels = zip(*(self._read_batch(os.path.join(self._root, name))
                               for name, _ in files))
        self._data = np.concatenate(images)
        self._label = np.concatenate(labels)


def decode_jpeg(data):
    """Decode JPEG bytes to an ``(H, W, 3)`` uint8 RGB array with Pillow.

    On the CIFAR-10 RecordIO this gives the same pixels as
    ``mx.image.imdecode(data)`` (checked on all 60,000 records) at about a
    third of its cost per image.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("RGB", (4, 2), (255, 0, 0)).save(buffer, format="JPEG", quality=100)
    >>> image = decode_jpeg(buffer.getvalue())
    >>> image.shape, image.dtype
    ((2, 4, 3), dtype('uint8'))
    """
    image = Image.open(io.BytesIO(data))
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image)


class _RecordDataset(RecordFileDataset):
    """Items ``(HWC uint8 image, float label)`` of an image RecordIO, like ``ImageRecordDataset``.

    Safe with ``DataLoader(thread_pool=True)``: the reader seeks and reads one
    shared file handle, so threads reading at once would get each other's bytes;
    a lock covers the seek and read, and decoding (:func:`decode_jpeg`) stays
    parallel.
    """

    def __init__(self, filename):
        super().__init__(filename)
        self._lock = threading.Lock()

    def __getitem__(self, idx):
        with self._lock:
            record = super().__getitem__(idx)
        header, image = mx.recordio.unpack(record)
        return decode_jpeg(image), header.label

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _read_local(folder, train):
    """Return the raw split from ``folder`` (binary first, then RecordIO), or None."""
    binaries = _TRAIN_BINARIES if train else _TEST_BINARIES
    for candidate in (folder, folder / _BINARY_SUBDIR):
        if all((candidate / name).is_file() for name in binaries):
            return _LocalCIFAR10(root=str(candidate), train=train)
    record = folder / ("train.rec" if train else "test.rec")
    if record.is_file() and record.with_suffix(".idx").is_file():
        return _RecordDataset(str(record))
    return None


def download_root():
    """Return the folder downloads land in.

    In a source checkout this is the project's ``data/cifar10`` (git-ignored);
    an installed package uses MXNet's default, ``$MXNET_HOME/datasets/cifar10``
    (``~/.mxnet/datasets/cifar10``).

    Returns
    -------
    pathlib.Path
    """
    checkout = pathlib.Path(__file__).resolve().parent.parent
    if (checkout / "setup.py").is_file() and (checkout / "data").is_dir():
        return checkout / "data" / "cifar10"
    return pathlib.Path(mx.base.data_dir()) / "datasets" / "cifar10"


def _download(root):
    """Fill ``root`` with the binary files through MXNet's own ``CIFAR10`` download."""
    url = urllib.parse.urlsplit(
        mx.gluon.utils._get_repo_file_url("gluon/dataset/cifar10", "cifar-10-binary.tar.gz"))
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=_CONNECT_TIMEOUT).close()
        CIFAR10(root=str(root), train=False)
    except (OSError, RuntimeError, UserWarning, tarfile.TarError) as err:
        raise _not_found("downloading into {} failed ({}: {})".format(
            root, type(err).__name__, " ".join(str(err).split()))) from err


def _raw_split(data_dir, train):
    """Return the untransformed split, following the order in the module docstring."""
    split = "train" if train else "test"
    origin = "data_dir" if data_dir is not None else ENV_VAR
    given = data_dir if data_dir is not None else os.environ.get(ENV_VAR) or None
    if given is not None:
        folder = pathlib.Path(given).expanduser()
        if not folder.is_dir():
            raise _not_found("{} {} is not a directory".format(origin, folder))
        raw = _read_local(folder, train)
        if raw is None:
            raise _not_found("{} {} holds no {} split in either format".format(
                origin, folder, split))
        return raw
    root = download_root()
    raw = _read_local(root, train)
    if raw is None:
        _download(root)
        raw = _read_local(root, train)
    return raw


def cifar10(data_dir=None, train=True, augment=False, seed=None):
    """Return one CIFAR-10 split with the tutorial's transforms.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder with the official binary files or the RecordIO files. ``None``
        uses ``GLUON_LR_CIFAR10_DIR`` if set, else :func:`download_root`,
        downloading there when needed.
    train : bool, default True
        The 50,000 training images, or else the 10,000 test images.
    augment : bool, default False
        Random crop and flip before normalising (see :func:`image_transform`).
    seed : int, optional
        Seed of the augmentation (see :func:`image_transform`).

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
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError("data_dir must be a path (str or os.PathLike) or None; got {!r}".format(
            data_dir))
    as_bool("train", train)
    transform = image_transform(augment, seed)
    return _raw_split(data_dir, train).transform(_ImageAndLabel(transform))


def cifar10_splits(data_dir=None, augment=False, seed=None):
    """Return ``(train, test)`` from :func:`cifar10`; ``augment`` and ``seed`` apply to train.

    Examples
    --------
    >>> train, test = cifar10_splits("../shared/data/cifar10")  # doctest: +SKIP
    >>> len(train), len(test)  # doctest: +SKIP
    (50000, 10000)
    """
    return cifar10(data_dir, True, augment, seed), cifar10(data_dir, False)


class _IndexSampler(Sampler):
    def __init__(self, indices):
        self._indices = indices

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


def subset(dataset, n, seed=0):
    """Return ``n`` items of ``dataset`` drawn at random without replacement.

    The CIFAR-10 RecordIO is sorted by class, so its first items are all
    airplanes; this gives a small slice with every class instead.

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
    n : int
        Items to keep, 1 <= n <= len(dataset).
    seed : int, default 0
        Seed of the draw: the same seed gives the same items.

    Returns
    -------
    mx.gluon.data.Dataset
        The drawn items, in increasing index order.

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> list(subset(SimpleDataset(list("abcdefgh")), 3, seed=1)) == list(
    ...     subset(SimpleDataset(list("abcdefgh")), 3, seed=1))
    True
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError("n must be an int; got {!r}".format(n))
    as_int("seed", seed, 0)
    if not 1 <= n <= len(dataset):
        raise ValueError("n must be in [1, len(dataset)] = [1, {}]; got {}".format(
            len(dataset), n))
    indices = np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))
    return dataset.sample(_IndexSampler(indices.tolist()))
