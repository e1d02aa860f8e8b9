"""Raw CIFAR-10 items ``(HWC uint8 image, label)`` from the official binary files or a RecordIO.

Neither reader uses an MXNet operator per item: the binary files become one
NumPy array, and JPEGs are decoded by Pillow.
"""
from __future__ import annotations

import io
import os
import threading
from typing import Any, Dict, Sequence, Tuple, Union

import mxnet as mx
import numpy as np
from numpy.typing import NDArray
from mxnet.gluon.data import Dataset, RecordFileDataset
from PIL import Image

__all__ = ["BinaryDataset", "RecordDataset", "decode_jpeg", "RECORD_BYTES"]

_SIDE, _CHANNELS = 32, 3
#: Bytes per record of the official binary format: one label byte, then the
#: red, green and blue 32x32 planes, each row-major.
RECORD_BYTES = 1 + _CHANNELS * _SIDE * _SIDE


class BinaryDataset(Dataset):
    """The records of official CIFAR-10 binary files, in file order, held in memory.

    The files are read as they are: nothing is downloaded and no checksum is
    compared, so a folder the user names is read, not replaced.

    Parameters
    ----------
    paths : sequence of str or os.PathLike
        The batch files, e.g. ``data_batch_1.bin`` ... ``data_batch_5.bin``.

    Raises
    ------
    ValueError
        If ``paths`` is empty or a file's size is not a multiple of 3073 bytes.

    Attributes
    ----------
    images : numpy.ndarray
        All images, ``(N, 32, 32, 3)`` uint8 (RGB), C-contiguous.
    labels : numpy.ndarray
        All labels, ``(N,)`` int32.

    Notes
    -----
    Items are ``(image, label)``: a ``(32, 32, 3)`` uint8 NumPy
    array (RGB) and a ``numpy.int32``, as MXNet's ``CIFAR10`` gives them.

    Examples
    --------
    >>> import os, tempfile
    >>> record = bytes([7]) + bytes(range(256)) * 12  # label 7, then 3 x 1024 pixels
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "test_batch.bin")
    ...     with open(path, "wb") as out:
    ...         _ = out.write(record * 2)
    ...     dataset = BinaryDataset([path])
    >>> image, label = dataset[1]
    >>> len(dataset), image.shape, image.dtype, label, type(label).__name__
    (2, (32, 32, 3), dtype('uint8'), 7, 'int32')
    >>> image[0, :2].tolist()  # (R, G, B) of the first two pixels
    [[0, 0, 0], [1, 1, 1]]
    """

    def __init__(self, paths: Sequence[Union[str, "os.PathLike[str]"]]) -> None:
        names = [os.fspath(path) for path in paths]
        if not names:
            raise ValueError("paths must name at least one CIFAR-10 binary file")
        images, labels = zip(*(_read_binary(name) for name in names))
        self.images = np.concatenate(images)
        self.labels = np.concatenate(labels)

    def __getitem__(self, idx: int) -> Tuple[NDArray[np.uint8], np.int32]:
        return self.images[idx], self.labels[idx]

    def __len__(self) -> int:
        return len(self.labels)


def _read_binary(path: str) -> Tuple[NDArray[np.uint8], NDArray[np.int32]]:
    """Return ``(images, labels)`` of one file: (N, 32, 32, 3) uint8 (a view) and int32."""
    with open(path, "rb") as handle:
        raw = np.frombuffer(handle.read(), dtype=np.uint8)
    if raw.size % RECORD_BYTES:
        raise ValueError("{} is not a CIFAR-10 binary file: its size, {} bytes, is not a "
                         "multiple of {} (a label byte and 3x32x32 pixels)".format(
                             path, raw.size, RECORD_BYTES))
    records = raw.reshape(-1, RECORD_BYTES)
    images = records[:, 1:].reshape(-1, _CHANNELS, _SIDE, _SIDE).transpose(0, 2, 3, 1)
    return images, records[:, 0].astype(np.int32)


def decode_jpeg(data: bytes) -> NDArray[np.uint8]:
    """Decode JPEG bytes to an ``(H, W, 3)`` uint8 RGB array with Pillow.

    On the CIFAR-10 RecordIO this gives the same pixels as
    ``mx.image.imdecode(data)`` (checked on all 60,000 records), with no
    MXNet operator per image.

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
    image: Image.Image = Image.open(io.BytesIO(data))
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image)


class RecordDataset(Dataset):
    """Items ``(HWC uint8 image, float label)`` of an image RecordIO, like ``ImageRecordDataset``.

    Each record is ``mx.recordio.pack(header, jpeg_bytes)``; the JPEG is
    decoded by :func:`decode_jpeg`.

    Safe with ``DataLoader(thread_pool=True)``: the reader seeks and reads one
    shared file handle, so threads reading at once would get each other's bytes;
    a lock covers the seek and read, and decoding stays parallel. Worker
    processes reopen the file (MXNet's reader notices the new process).

    Parameters
    ----------
    filename : str
        The ``.rec`` file; its ``.idx`` must lie next to it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("RGB", (32, 32), (255, 255, 255)).save(buffer, format="JPEG", quality=100)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     rec = os.path.join(tmp, "test.rec")
    ...     writer = mx.recordio.MXIndexedRecordIO(os.path.join(tmp, "test.idx"), rec, "w")
    ...     writer.write_idx(0, mx.recordio.pack(mx.recordio.IRHeader(0, 9.0, 0, 0),
    ...                                          buffer.getvalue()))
    ...     writer.close()
    ...     image, label = RecordDataset(rec)[0]
    >>> image.shape, image.dtype, image[0, 0].tolist(), label
    ((32, 32, 3), dtype('uint8'), [255, 255, 255], 9.0)
    """

    def __init__(self, filename: str) -> None:
        self._records = RecordFileDataset(filename)
        self._lock = threading.Lock()

    def __getitem__(self, idx: int) -> Tuple[NDArray[np.uint8], Any]:
        with self._lock:
            record = self._records[idx]
        header, image = mx.recordio.unpack(record)
        return decode_jpeg(image), header.label

    def __len__(self) -> int:
        return len(self._records)

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
