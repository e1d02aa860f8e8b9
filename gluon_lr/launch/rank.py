"""How a worker tells the launcher its kvstore rank: a file of its own.

ps-lite assigns ranks when the workers meet at the scheduler, so a worker's
rank (``kv.rank``) need not match the order in which it was started. Each
worker's node (:mod:`gluon_lr.launch.node`) therefore names a file in the
environment variable :data:`RANK_FILE_ENV`; the worker writes
``"<rank> <workers>"`` there once its kvstore exists
(:func:`gluon_lr.distributed.report_rank`), and the node passes it on to the
launcher, which streams the output of the worker with rank 0.
"""
from __future__ import annotations

import os
from typing import Optional, Tuple

__all__ = ["RANK_FILE_ENV", "write_rank", "read_rank"]

#: Environment variable naming the file a worker writes its rank to.
RANK_FILE_ENV = "GLUON_LR_RANK_FILE"


def write_rank(path: str, rank: int, workers: int) -> None:
    """Write ``"<rank> <workers>"`` to ``path`` at once (never half a line).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "rank")
    >>> write_rank(path, 1, 2)
    >>> read_rank(path)
    (1, 2)
    >>> folder.cleanup()
    """
    partial = path + ".partial"
    with open(partial, "w") as handle:
        handle.write("{} {}\n".format(rank, workers))
    os.replace(partial, path)


def read_rank(path: str) -> Optional[Tuple[int, int]]:
    """``(rank, workers)`` as written by :func:`write_rank`, or ``None`` if not (yet).

    Examples
    --------
    >>> read_rank("/nonexistent/worker-0.rank") is None
    True
    """
    try:
        with open(path) as handle:
            fields = handle.read().split()
    except OSError:
        return None
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        return None
    return int(fields[0]), int(fields[1])
