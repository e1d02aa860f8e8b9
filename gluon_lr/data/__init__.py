"""CIFAR-10 with the "Learning Rate Finder" tutorial's transforms, and the loaders to train on it.

Where the data comes from, in this order (:mod:`.locate`):

1. ``data_dir`` or, when that is ``None``, the environment variable
   ``GLUON_LR_CIFAR10_DIR``: a folder holding the official binary files
   (``data_batch_1.bin`` ... ``data_batch_5.bin``, ``test_batch.bin``, directly
   or in ``cifar-10-batches-bin/``) or RecordIO files (``train.rec``/``train.idx``,
   ``test.rec``/``test.idx``). A folder given this way that does not hold the
   split fails at once with :class:`DataNotFoundError`; nothing is downloaded.
2. :func:`download_root`: files already there are read, otherwise MXNet's own
   ``CIFAR10`` download fills it (:mod:`.download`).
3. If that fails too, :class:`DataNotFoundError` says how to point at local files.

Items are ``(image, label)``: a ``numpy.float32`` ``(3, 32, 32)`` image, normalised
with the tutorial's mean and std, and a ``numpy.int32`` class index (0 airplane ... 9
truck), the label type of MXNet's ``CIFAR10``; the RecordIO's float labels are cast to
it. gluon-lr's loaders stack them into ``mx.np`` arrays.

Items are made without MXNet operators, which cost more per image than the work
itself: the binary files are read into one NumPy array and JPEGs are decoded by
Pillow (the same pixels as ``mx.image.imdecode`` on every record of the CIFAR-10
RecordIO) (:mod:`.readers`), and the transform is NumPy float32 giving exactly
the values of MXNet's ``ToTensor`` and ``Normalize`` (:mod:`.transforms`).
A RecordIO's JPEGs are decoded once into a uint8 array kept in a cache folder
(``cache_dir=``, ``$GLUON_LR_CACHE_DIR`` or ``~/.cache/gluon-lr``) and
memory-mapped by later runs (:mod:`.cache`). Images held in an array
(:class:`ImageArrayDataset`) are loaded a whole batch at a time by gluon-lr's
loaders (:mod:`.batches`), with the same values as item by item. Batches reach
MXNet without a copy (:func:`to_mxnet`; :class:`NumpyStack` is the
``batchify_fn`` that does it for any dataset in a ``DataLoader`` on worker
threads or none).

Modules: :mod:`.locate` (where the files are), :mod:`.download`,
:mod:`.readers` (raw items of either format), :mod:`.cachedir` (where the
cache is), :mod:`.cache` (the decoded RecordIO), :mod:`.transforms`,
:mod:`.arrays` (:class:`ImageArrayDataset`), :mod:`.datasets`
(:func:`cifar10`, :func:`cifar10_splits`), :mod:`.subsets` (:func:`subset`),
:mod:`.loaders` (:func:`continuous_loader`, :func:`finite_loader`),
:mod:`.batches` (whole batches for the ``DataLoader``) and :mod:`.workers`
(:class:`WatchedDataLoader`).
"""
from .arrays import ImageArrayDataset
from .batches import NumpyStack, to_mxnet
from .cachedir import CACHE_ENV_VAR, default_cache_dir
from .datasets import cifar10, cifar10_splits
from .loaders import continuous_loader, finite_loader
from .locate import ENV_VAR, DataNotFoundError, download_root
from .readers import decode_jpeg
from .subsets import subset
from .transforms import MEAN, STD, image_transform
from .workers import WatchedDataLoader, WorkerDiedError

__all__ = ["DataNotFoundError", "ENV_VAR", "MEAN", "STD", "cifar10", "cifar10_splits",
           "decode_jpeg", "download_root", "image_transform", "subset",
           "continuous_loader", "finite_loader", "WatchedDataLoader", "WorkerDiedError",
           "CACHE_ENV_VAR", "default_cache_dir", "ImageArrayDataset", "NumpyStack",
           "to_mxnet"]
