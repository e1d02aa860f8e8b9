"""A worker's kvstore, and its rank reported to the launcher (see :mod:`gluon_lr.launch.rank`).

Outside the launcher :data:`~gluon_lr.launch.rank.RANK_FILE_ENV` is unset and
reporting does nothing.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from .._validate import as_int
from ..launch.rank import RANK_FILE_ENV, write_rank
from .failfast import install_excepthook

__all__ = ["report_rank", "create_kvstore"]


def report_rank(kv: Any, path: Optional[str] = None) -> bool:
    """Write ``kv.rank`` and ``kv.num_workers`` for the launcher to read.

    Parameters
    ----------
    kv : mxnet.kvstore.KVStore
        Anything with integer ``rank`` and ``num_workers`` attributes.
    path : str, optional
        Where to write; defaults to the file named by ``GLUON_LR_RANK_FILE``.

    Returns
    -------
    bool
        ``True`` if the rank was written, ``False`` when there is no file to
        write to (not started by the launcher).

    Examples
    --------
    >>> import os, tempfile, types
    >>> from gluon_lr.launch.rank import read_rank
    >>> kv = types.SimpleNamespace(rank=1, num_workers=2)
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "worker-0.rank")
    >>> report_rank(kv, path), read_rank(path)
    (True, (1, 2))
    >>> folder.cleanup()
    """
    path = os.environ.get(RANK_FILE_ENV) if path is None else path
    if not path:
        return False
    workers = as_int("kv.num_workers", kv.num_workers, 1)
    rank = as_int("kv.rank", kv.rank, 0)
    if rank >= workers:
        raise ValueError("kv.rank must be an int in [0, {}], got {!r}".format(workers - 1, rank))
    write_rank(path, rank, workers)
    return True


def create_kvstore(name: str = "dist_sync") -> Any:
    """``mx.kv.create(name)``, with the rank reported to the launcher.

    Call it once per worker, where ``mx.kv.create`` would be called (and
    hand the result to ``gluon.Trainer(..., kvstore=kv)``). It also installs
    :func:`~gluon_lr.distributed.failfast.install_excepthook`, so that an
    uncaught exception ends the worker at once instead of hanging in the
    kvstore's exit barrier.
    """
    import mxnet as mx
    kv = mx.kv.create(name)
    install_excepthook()
    report_rank(kv)
    return kv
