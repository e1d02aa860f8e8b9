"""A CIFAR-10 RecordIO decoded once into one uint8 array on disk, memory-mapped ever after.

Decoding the 60,000 JPEGs takes seconds (``bench/results/loader.txt``);
reading them from the array costs an index. :func:`cached_split`
returns the images and labels of a ``.rec`` from the cache folder
(:mod:`.cachedir`), building them there first when they are missing, stale
or damaged: the cache is checked on every load and rebuilt, never trusted.

Layout, in the cache folder, per ``.rec`` file (told apart by its real path)::

    cifar10-<name>-<slot>.npy   the records in .idx order, a NumPy .npy of
                                (label int32, image uint8 (32, 32, 3)) structs
    cifar10-<name>-<slot>.json  manifest: the key, the source, the decoder, and
                                the .npy's size and CRC-32
    cifar10-<name>-<slot>.lock  empty; locked while a process builds

``<name>`` is the ``.rec``'s stem (``train``, ``test``); ``<slot>`` the first
16 hex digits of the SHA-256 of its real path, so one source has one slot and
a rebuild replaces the files in it. The images are the pixels
:func:`~.readers.decode_jpeg` gives; the labels are ``numpy.int32(label)``, as
:class:`~.transforms.LabelledTransform` casts them.

The key (:func:`source_key`) is the SHA-256 of: this layout's version; the
size and ``mtime_ns`` of the ``.rec`` and the ``.idx``; the SHA-256 of the
whole ``.idx`` and of 16 evenly spaced 4 KiB blocks of the ``.rec`` (the
first and last included); and the versions of Pillow and libjpeg-turbo
(another decoder might give other pixels). It reads only the ``.idx`` and
those blocks, not the whole ``.rec``.

A load is valid only if the manifest parses and holds the same layout version
and key, the ``.npy`` has the manifest's size and CRC-32 (of the whole file),
and its header gives the expected dtype, C order and ``(count,)`` shape with
the data filling the file exactly. A
stale cache (another key) is rebuilt silently; a damaged one with a
``RuntimeWarning``.

Builds write a temporary file in the cache folder, flush it to disk and
``os.replace`` it into place, the ``.npy`` before its manifest, so no reader
ever sees a partial file. A build holds an exclusive ``flock`` on the
``.lock`` file, so a second process waits and then loads the first one's
cache instead of decoding again; where locks are unavailable, simultaneous
builds write identical files and the last rename wins. The temporary file of
a build that was killed is deleted by the next build (:func:`remove_orphans`).
"""
from __future__ import annotations

import hashlib
import json
import mmap
import os
import pathlib
import secrets
import warnings
import zlib
from types import ModuleType
from typing import IO, Any, Dict, Optional, Tuple, Union

import numpy as np
from numpy.typing import NDArray
import PIL
from PIL import features

from .readers import RecordDataset

fcntl: Optional[ModuleType]
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["LAYOUT_VERSION", "RECORD_DTYPE", "IMAGE_SHAPE", "CacheNotWritableError",
           "CachedSplit", "source_key", "cache_paths", "cached_split", "load", "build",
           "remove_orphans"]

#: Version of the layout; a change makes every older cache stale.
LAYOUT_VERSION = 1
IMAGE_SHAPE = (32, 32, 3)
#: One record of the ``.npy``: 4 + 3072 = 3076 bytes.
RECORD_DTYPE = np.dtype([("label", "<i4"), ("image", "u1", IMAGE_SHAPE)])
_BLOCKS, _BLOCK_BYTES = 16, 4096

_PathLike = Union[str, "os.PathLike[str]"]
#: What :func:`load` returns: the records, or None and why not.
_Loaded = Tuple[Optional[NDArray[Any]], Optional[str]]


class CacheNotWritableError(OSError):
    """The cache had to be built but its folder could not be written; the message says why."""


class CachedSplit:
    """The arrays of one cached ``.rec``, read-only and memory-mapped.

    Attributes
    ----------
    images : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8, in record order.
    labels : numpy.ndarray
        ``(N,)`` int32.
    path : pathlib.Path
        The ``.npy`` file.
    built : bool
        Whether this call decoded the records (else it loaded a cache).
    """

    def __init__(self, records: NDArray[Any], path: pathlib.Path, built: bool) -> None:
        self.images, self.labels = records["image"], records["label"]
        self.path, self.built = path, built


def source_key(rec: _PathLike) -> Tuple[str, Dict[str, Any], Dict[str, str]]:
    """Return ``(key, source, decoder)`` for a ``.rec`` and the ``.idx`` next to it.

    ``key`` is a hex SHA-256 of the layout version, ``source`` and ``decoder``
    (dicts, which the manifest also holds).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     rec = pathlib.Path(tmp, "a.rec")
    ...     _ = rec.write_bytes(b"x" * 10), rec.with_suffix(".idx").write_bytes(b"0\\t0\\n")
    ...     key, source, decoder = source_key(rec)
    ...     _ = rec.write_bytes(b"y" * 10)  # same size, other bytes
    ...     len(key), source["rec_bytes"], key == source_key(rec)[0]
    (64, 10, False)
    """
    rec = pathlib.Path(rec)
    idx = rec.with_suffix(".idx")
    rec_stat, idx_stat = rec.stat(), idx.stat()
    blocks = hashlib.sha256()
    with open(rec, "rb") as handle:
        last = max(rec_stat.st_size - _BLOCK_BYTES, 0)
        for offset in sorted({last * k // (_BLOCKS - 1) for k in range(_BLOCKS)}):
            handle.seek(offset)
            blocks.update(handle.read(_BLOCK_BYTES))
    source = {"rec": os.path.realpath(rec), "rec_bytes": rec_stat.st_size,
              "rec_mtime_ns": rec_stat.st_mtime_ns, "idx_bytes": idx_stat.st_size,
              "idx_mtime_ns": idx_stat.st_mtime_ns,
              "idx_sha256": hashlib.sha256(idx.read_bytes()).hexdigest(),
              "rec_blocks_sha256": blocks.hexdigest()}
    decoder = {"pillow": PIL.__version__, "libjpeg": _version("jpg"),
               "libjpeg_turbo": _version("libjpeg_turbo")}
    keyed = dict(source, rec=None)  # the path picks the slot, not the key
    key = hashlib.sha256(json.dumps({"layout": LAYOUT_VERSION, "source": keyed,
                                     "decoder": decoder}, sort_keys=True).encode()).hexdigest()
    return key, source, decoder


def _version(feature: str) -> str:
    """Pillow's version string of a library it uses, or ``''``."""
    try:
        return features.version(feature) or ""
    except ValueError:  # a Pillow that does not know the feature
        return ""


def cache_paths(rec: _PathLike,
                folder: _PathLike) -> Tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """Return ``(npy, manifest, lock)``: the cache files of ``rec`` in ``folder``.

    Examples
    --------
    >>> npy, manifest, lock = cache_paths("/data/cifar/train.rec", "/cache")
    >>> npy.name.startswith("cifar10-train-"), npy.suffix, manifest.suffix, lock.suffix
    (True, '.npy', '.json', '.lock')
    """
    rec = pathlib.Path(rec)
    slot = hashlib.sha256(os.path.realpath(rec).encode()).hexdigest()[:16]
    stem = pathlib.Path(folder) / "cifar10-{}-{}".format(rec.stem, slot)
    return stem.with_suffix(".npy"), stem.with_suffix(".json"), stem.with_suffix(".lock")


def cached_split(rec: _PathLike, folder: _PathLike) -> CachedSplit:
    """Return the :class:`CachedSplit` of ``rec``, building its cache in ``folder`` if needed.

    Parameters
    ----------
    rec : str or os.PathLike
        A CIFAR-10 ``.rec`` with its ``.idx`` next to it.
    folder : str or os.PathLike
        The cache folder; created when a build needs it.

    Returns
    -------
    CachedSplit

    Raises
    ------
    CacheNotWritableError
        If the cache must be built and ``folder`` cannot be written (read-only,
        full, a file in the way, ...).
    OSError
        If the source cannot be read.
    ValueError
        If a record does not decode to a 32x32 RGB image or has no scalar label.
    """
    key, source, decoder = source_key(rec)
    npy, manifest, lock = cache_paths(rec, folder)
    records, problem = load(npy, manifest, key)
    if records is not None:
        return CachedSplit(records, npy, built=False)
    try:
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
        with _locked(lock):
            records, problem = load(npy, manifest, key)  # another process may have built it
            if records is not None:
                return CachedSplit(records, npy, built=False)
            if problem is not None and problem.startswith("damaged"):
                warnings.warn("the CIFAR-10 cache {} is {}; rebuilding it".format(
                    npy, problem), RuntimeWarning, stacklevel=2)
            remove_orphans(npy, manifest)
            build(rec, npy, manifest, key, source, decoder)
    except OSError as err:
        raise CacheNotWritableError("cannot build the CIFAR-10 cache in {} ({}: {})".format(
            folder, type(err).__name__, err)) from err
    records, problem = load(npy, manifest, key)
    if records is None:
        raise CacheNotWritableError(
            "the CIFAR-10 cache {} just built fails its check ({}); is another program "
            "writing to {}?".format(npy, problem, folder))
    return CachedSplit(records, npy, built=True)


def load(npy: pathlib.Path, manifest: pathlib.Path, key: str) -> _Loaded:
    """Return ``(records, None)`` from a valid cache, else ``(None, problem)``.

    ``records`` is a read-only structured array of :data:`RECORD_DTYPE` mapped
    from ``npy``. ``problem`` says why not: ``'missing ...'``, ``'stale ...'``
    (made from other source files or by another decoder or layout) or
    ``'damaged ...'``.
    """
    try:
        with open(manifest, "rb") as handle:
            facts = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        return None, "missing (no manifest)"
    except (OSError, ValueError) as err:
        return None, "damaged (manifest unreadable: {})".format(type(err).__name__)
    if not isinstance(facts, dict):
        return None, "damaged (manifest not a JSON object)"
    if facts.get("layout") != LAYOUT_VERSION or facts.get("key") != key:
        return None, "stale (made from other files, or by another decoder or layout)"
    if not isinstance(facts.get("array"), dict):
        return None, "damaged (manifest describes no array)"
    try:
        with open(npy, "rb") as handle:
            return _mapped(handle, facts["array"])
    except FileNotFoundError:
        return None, "missing (no array file)"
    except OSError as err:
        return None, "damaged (array unreadable: {})".format(err)


def _mapped(handle: IO[bytes], expected: Dict[str, Any]) -> _Loaded:
    """The records of an open ``.npy`` if it is the file ``expected`` describes."""
    size = os.fstat(handle.fileno()).st_size
    if size != expected.get("bytes") or size == 0:
        return None, "damaged (array file has {} bytes, expected {})".format(
            size, expected.get("bytes"))
    mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    crc = zlib.crc32(mapping)
    if crc != expected.get("crc32"):
        return None, "damaged (CRC-32 {:08x}, expected {})".format(crc, expected.get("crc32"))
    try:
        version = np.lib.format.read_magic(handle)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, fortran_order, dtype = read_header(handle)
    except (ValueError, KeyError, SyntaxError) as err:
        return None, "damaged (not a .npy header: {})".format(type(err).__name__)
    count: Any = expected.get("count")  # checked against the header below
    if (shape, fortran_order, dtype) != ((count,), False, RECORD_DTYPE) or \
            handle.tell() + count * RECORD_DTYPE.itemsize != size:
        return None, "damaged (header {} {}, expected ({},) {})".format(
            shape, dtype, count, RECORD_DTYPE)
    return np.frombuffer(mapping, RECORD_DTYPE, count, handle.tell()), None


def build(rec: _PathLike, npy: pathlib.Path, manifest: pathlib.Path, key: str,
          source: Dict[str, Any], decoder: Dict[str, str]) -> None:
    """Decode every record of ``rec`` into ``npy`` and describe it in ``manifest``.

    Both files are written to temporary files next to them, flushed to disk and
    renamed into place (``os.replace``), the array first.
    """
    reader = RecordDataset(os.fspath(rec))
    count = len(reader)
    if count == 0:
        raise ValueError("cannot cache {}: it holds no records".format(rec))
    temporary = _temporary_file(npy)
    try:
        array = np.lib.format.open_memmap(temporary, mode="w+", dtype=RECORD_DTYPE,
                                          shape=(count,))
        images, labels = array["image"], array["label"]
        for position in range(count):
            image, label = reader[position]
            if image.shape != IMAGE_SHAPE or np.ndim(label) != 0:
                raise ValueError(
                    "cannot cache {}: record {} decodes to an image of shape {} with label {!r}, "
                    "not a {} image with one label; pass cache_dir=False to read it "
                    "uncached".format(rec, position, image.shape, label, IMAGE_SHAPE))
            images[position], labels[position] = image, np.int32(label)
        array.flush()
        del images, labels, array
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
            size = os.fstat(written.fileno()).st_size
            with mmap.mmap(written.fileno(), 0, access=mmap.ACCESS_READ) as mapping:
                crc = zlib.crc32(mapping)
        os.replace(temporary, npy)
    except BaseException:
        _remove(temporary)
        raise
    facts = {"layout": LAYOUT_VERSION, "key": key,
             "what": "CIFAR-10 records of {} decoded by gluon-lr; safe to delete".format(
                 source["rec"]),
             "source": source, "decoder": decoder,
             "array": {"file": npy.name, "count": count, "bytes": size, "crc32": crc,
                       "dtype": str(RECORD_DTYPE)}}
    _write_replace(manifest, json.dumps(facts, indent=1).encode("utf-8"))
    _sync_folder(npy.parent)


def _write_replace(path: pathlib.Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file and ``os.replace``."""
    temporary = _temporary_file(path)
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def _temporary_file(path: pathlib.Path) -> pathlib.Path:
    """Create an empty, new ``.<name>.<pid>.<random>.tmp`` next to ``path``; return its path.

    Unlike ``tempfile.mkstemp`` (mode 0600), the umask sets its mode, so a
    shared cache folder stays readable by whom its owner lets read it.
    """
    while True:
        temporary = path.with_name(".{}.{}.{}.tmp".format(path.name, os.getpid(),
                                                          secrets.token_hex(4)))
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return temporary
        except FileExistsError:
            continue


def remove_orphans(*paths: pathlib.Path) -> None:
    """Delete the temporary files of ``paths`` left by builds whose process is gone.

    A build that was killed (``SIGKILL``, out of memory, power loss) leaves its
    ``.<name>.<pid>.<random>.tmp``; one whose process id is no live process
    of this machine is deleted. Others are left alone: they may belong to a
    build in progress.
    """
    for path in paths:
        prefix = "." + path.name + "."
        for orphan in path.parent.iterdir():
            name = orphan.name
            if name.startswith(prefix) and name.endswith(".tmp"):
                pid = name[len(prefix):].split(".")[0]
                if pid.isdigit() and not _alive(int(pid)):
                    _remove(orphan)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or not ours to judge
    return True


def _remove(path: _PathLike) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _sync_folder(folder: pathlib.Path) -> None:
    """Flush the folder's entries (the renames) to disk where the system allows it."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


class _locked:
    """An exclusive ``flock`` on ``path`` (created) for the ``with`` block; none if unsupported."""

    def __init__(self, path: pathlib.Path) -> None:
        self._path: pathlib.Path = path
        self._handle: Optional[int] = None

    def __enter__(self) -> _locked:
        if fcntl is None:
            return self
        self._handle = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX)
        except OSError:  # e.g. a file system without locks: builds may then overlap
            os.close(self._handle)
            self._handle = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            os.close(self._handle)  # releases the lock
            self._handle = None
