"""How a worker tells the launcher its kvstore rank.

ps-lite assigns ranks when the workers meet at the scheduler, so a worker's
rank (``kv.rank``) need not match the order in which the launcher started it.
The launcher therefore gives each worker a file of its own, named in the
environment variable :data:`RANK_FILE_ENV`; the worker writes
``"<rank> <num_workers>"`` there once its kvstore exists
(:func:`report_rank`, or :func:`create_kvstore` which does both). The
launcher watches these files and streams the output of the worker that
reported rank 0.

Outside the launcher the variable is unset and reporting does nothing.
"""
import os

from .._validate import as_int
from .failfast import install_excepthook

__all__ = ["RANK_FILE_ENV", "report_rank", "read_rank", "create_kvstore"]

#: Environment variable naming the file a worker writes its rank to.
RANK_FILE_ENV = "GLUON_LR_RANK_FILE"


def report_rank(kv, path=None):
    """Write ``kv.rank`` and ``kv.num_workers`` for the launcher to read.

    Parameters
    ----------
    kv : mxnet.kvstore.KVStore
        Anything with integer ``rank`` and ``num_workers`` attributes.
    path : str, optional
        Where to write; defaults to the file named by :data:`RANK_FILE_ENV`.

    Returns
    -------
    bool
        ``True`` if the rank was written, ``False`` when there is no file to
        write to (not started by the launcher).

    Examples
    --------
    >>> import os, tempfile, types
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
    num_workers = as_int("kv.num_workers", kv.num_workers, 1)
    rank = as_int("kv.rank", kv.rank, 0)
    if rank >= num_workers:
        raise ValueError("kv.rank must be an int in [0, {}], got {!r}".format(
            num_workers - 1, rank))
    partial = path + ".partial"
    with open(partial, "w") as handle:
        handle.write("{} {}\n".format(rank, num_workers))
    os.replace(partial, path)  # the launcher never sees half a line
    return True


def read_rank(path):
    """``(rank, num_workers)`` as written by :func:`report_rank`, or ``None`` if not (yet).

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


def create_kvstore(name="dist_sync"):
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
