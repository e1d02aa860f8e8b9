"""The ps-lite cluster's roles: one scheduler, servers and workers on 127.0.0.1.

MXNet's ``dist_sync`` kvstore reads its place in the cluster from ``DMLC_*``
environment variables when ``mxnet`` is imported (scheduler and servers then
serve until the workers finish) or when a worker calls
``mx.kv.create('dist_sync')``.
"""
import socket
import sys

from .._validate import as_choice, as_int

__all__ = ["HOST", "ROLES", "free_port", "role_environment", "SERVE_COMMAND"]

#: Every process of a local cluster binds and connects on loopback only.
HOST = "127.0.0.1"

ROLES = ("scheduler", "server", "worker")

#: What the scheduler and the servers run: importing MXNet with ``DMLC_ROLE``
#: set to ``scheduler`` or ``server`` serves until the workers are done.
SERVE_COMMAND = [sys.executable, "-c", "import mxnet"]


def free_port():
    """Return a TCP port on :data:`HOST` that was free a moment ago.

    The operating system picks it (bind to port 0); another program may still
    take it before the scheduler binds, which then fails and is reported.

    Examples
    --------
    >>> 1024 <= free_port() <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def role_environment(role, port, workers, servers):
    """The ``DMLC_*`` variables for one process of a local cluster.

    Parameters
    ----------
    role : {'scheduler', 'server', 'worker'}
    port : int
        The scheduler's port on :data:`HOST`.
    workers, servers : int
        How many workers and servers the cluster has (each >= 1).

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> for name, value in sorted(role_environment("worker", 9123, 2, 1).items()):
    ...     print(name, value)
    DMLC_NODE_HOST 127.0.0.1
    DMLC_NUM_SERVER 1
    DMLC_NUM_WORKER 2
    DMLC_PS_ROOT_PORT 9123
    DMLC_PS_ROOT_URI 127.0.0.1
    DMLC_ROLE worker
    """
    as_choice("role", role, ROLES)
    port = as_int("port", port, 1)
    if port > 65535:
        raise ValueError("port must be an int in [1, 65535], got {!r}".format(port))
    return {
        "DMLC_ROLE": role,
        "DMLC_PS_ROOT_URI": HOST,
        "DMLC_PS_ROOT_PORT": str(port),
        "DMLC_NUM_SERVER": str(as_int("servers", servers, 1)),
        "DMLC_NUM_WORKER": str(as_int("workers", workers, 1)),
        "DMLC_NODE_HOST": HOST,
    }
