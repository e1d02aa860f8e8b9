"""Where CIFAR-10's files are: a named folder, ``$GLUON_LR_CIFAR10_DIR`` or the download root.

This module finds files and names them; it reads none (see :mod:`.readers`)
and downloads nothing (see :mod:`.download`).
"""
from __future__ import annotations

import os
import pathlib
from typing import NamedTuple, Optional, Tuple, Union

import mxnet as mx

__all__ = ["DataNotFoundError", "ENV_VAR", "BINARY_SUBDIR", "SplitFiles", "not_found",
           "given_folder", "find_split", "download_root"]

#: Environment variable naming a folder with local CIFAR-10 files.
ENV_VAR = "GLUON_LR_CIFAR10_DIR"
#: Folder the official binary archive unpacks to.
BINARY_SUBDIR = "cifar-10-batches-bin"
_BINARIES = {True: tuple("data_batch_{}.bin".format(i) for i in range(1, 6)),
             False: ("test_batch.bin",)}


class SplitFiles(NamedTuple):
    """The files of one split.

    ``format`` is ``'binary'`` (``paths`` are the official batch files, in
    order) or ``'recordio'`` (``paths`` is the ``.rec``).
    """

    format: str
    paths: Tuple[pathlib.Path, ...]


class DataNotFoundError(FileNotFoundError):
    """CIFAR-10 is neither in a given folder nor downloadable; the message says what to do."""


def not_found(reason: str) -> DataNotFoundError:
    """Return a :class:`DataNotFoundError` for ``reason``, with a one-line hint.

    Examples
    --------
    >>> str(not_found("no network")).startswith("CIFAR-10 not found: no network. Point at")
    True
    """
    return DataNotFoundError(
        "CIFAR-10 not found: {}. Point at local files with --data-dir DIR or {}=DIR, where DIR "
        "holds data_batch_1.bin ... data_batch_5.bin and test_batch.bin (or {}/ with them) "
        "or train.rec/train.idx and test.rec/test.idx".format(reason, ENV_VAR, BINARY_SUBDIR))


def given_folder(data_dir: Union[str, "os.PathLike[str]", None]
                 ) -> Optional[Tuple[str, pathlib.Path]]:
    """Return ``(origin, folder)`` for the folder the user named, or ``None`` for none.

    ``data_dir`` wins; when it is ``None``, a non-empty ``$GLUON_LR_CIFAR10_DIR``
    is used. ``origin`` (``'data_dir'`` or the variable's name) is for messages.

    Raises
    ------
    TypeError
        If ``data_dir`` is not a path (str or os.PathLike) or None.

    Examples
    --------
    >>> given_folder("~/cifar")[0], given_folder("~/cifar")[1] == pathlib.Path.home() / "cifar"
    ('data_dir', True)
    """
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError("data_dir must be a path (str or os.PathLike) or None; got {!r}".format(
            data_dir))
    if data_dir is not None:
        return "data_dir", pathlib.Path(data_dir).expanduser()
    from_env = os.environ.get(ENV_VAR) or None
    return None if from_env is None else (ENV_VAR, pathlib.Path(from_env).expanduser())


def find_split(folder: Union[str, "os.PathLike[str]"], train: bool) -> Optional[SplitFiles]:
    """Return the :class:`SplitFiles` of one split in ``folder``, or ``None``.

    The official binary files come first, directly in ``folder`` or in its
    ``cifar-10-batches-bin/``; then ``train.rec``/``test.rec`` with their ``.idx``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = pathlib.Path(tmp)
    ...     for name in ("test.rec", "test.idx"):
    ...         _ = (folder / name).write_bytes(b"")
    ...     found = find_split(folder, train=False)
    ...     found.format, found.paths == (folder / "test.rec",), find_split(folder, train=True)
    ('recordio', True, None)
    """
    folder = pathlib.Path(folder)
    for candidate in (folder, folder / BINARY_SUBDIR):
        paths = tuple(candidate / name for name in _BINARIES[train])
        if all(path.is_file() for path in paths):
            return SplitFiles("binary", paths)
    record = folder / ("train.rec" if train else "test.rec")
    if record.is_file() and record.with_suffix(".idx").is_file():
        return SplitFiles("recordio", (record,))
    return None


def download_root() -> pathlib.Path:
    """Return the folder downloads land in.

    In a source checkout this is the project's ``data/cifar10`` (git-ignored);
    an installed package uses MXNet's default, ``$MXNET_HOME/datasets/cifar10``
    (``~/.mxnet/datasets/cifar10``).

    Returns
    -------
    pathlib.Path
    """
    checkout = pathlib.Path(__file__).resolve().parents[2]
    if (checkout / "setup.py").is_file() and (checkout / "data").is_dir():
        return checkout / "data" / "cifar10"
    return pathlib.Path(mx.base.data_dir()) / "datasets" / "cifar10"
