"""Download the official CIFAR-10 binary files through MXNet's own ``CIFAR10``."""
from __future__ import annotations

import pathlib
import socket
import tarfile
import urllib.parse

from mxnet.gluon.data.vision import CIFAR10

from ..mxnet_internals import gluon_repo_file_url
from .locate import not_found

__all__ = ["download"]

# Seconds to wait for the download server to accept a connection. MXNet's own
# download uses requests without a timeout and retries five times, so an
# unreachable (rather than unresolvable) host could otherwise hang for minutes.
_CONNECT_TIMEOUT = 10.0


def download(root: pathlib.Path) -> None:
    """Fill ``root`` with the binary files, as MXNet's ``CIFAR10`` downloads them.

    The archive comes from the Gluon repository (``$MXNET_GLUON_REPO`` when
    set) and unpacks into ``root``. The server must accept a connection within
    10 seconds.

    Parameters
    ----------
    root : pathlib.Path
        Folder to download into; MXNet creates it.

    Raises
    ------
    DataNotFoundError
        If the server is unreachable or the download or unpacking fails; the
        message is one line.
    """
    url = urllib.parse.urlsplit(gluon_repo_file_url("gluon/dataset/cifar10",
                                                    "cifar-10-binary.tar.gz"))
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=_CONNECT_TIMEOUT).close()
        CIFAR10(root=str(root), train=False)
    except (OSError, RuntimeError, UserWarning, tarfile.TarError) as err:
        raise not_found("downloading into {} failed ({}: {})".format(
            root, type(err).__name__, " ".join(str(err).split()))) from err
