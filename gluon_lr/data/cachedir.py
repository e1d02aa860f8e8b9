"""Where gluon-lr keeps decoded data: ``cache_dir``, ``$GLUON_LR_CACHE_DIR`` or the user's cache.

Never the data folder, which may be read-only or shared. Everything in the
cache folder can be deleted at any time; it is rebuilt when next needed.
"""
from __future__ import annotations

import os
import pathlib
from typing import Optional, Union

__all__ = ["CACHE_ENV_VAR", "default_cache_dir", "cache_folder"]

#: Environment variable naming the cache folder.
CACHE_ENV_VAR = "GLUON_LR_CACHE_DIR"


def default_cache_dir() -> pathlib.Path:
    """Return the cache folder used when ``cache_dir`` is None.

    ``$GLUON_LR_CACHE_DIR`` when set (and not empty), else
    ``$XDG_CACHE_HOME/gluon-lr`` when ``XDG_CACHE_HOME`` is an absolute path,
    else ``~/.cache/gluon-lr``. Nothing is created.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"GLUON_LR_CACHE_DIR": "",
    ...                                   "XDG_CACHE_HOME": "/var/cache/me"}):
    ...     print(default_cache_dir())
    /var/cache/me/gluon-lr
    >>> with mock.patch.dict(os.environ, {"GLUON_LR_CACHE_DIR": "~/elsewhere"}):
    ...     default_cache_dir() == pathlib.Path.home() / "elsewhere"
    True
    """
    named = os.environ.get(CACHE_ENV_VAR)
    if named:
        return pathlib.Path(named).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = pathlib.Path(xdg) if xdg and os.path.isabs(xdg) else pathlib.Path.home() / ".cache"
    return base / "gluon-lr"


def cache_folder(cache_dir: Union[str, "os.PathLike[str]", None, bool]) -> Optional[pathlib.Path]:
    """Return the folder ``cache_dir`` names, or ``None`` for no cache.

    Parameters
    ----------
    cache_dir : str, os.PathLike, None or False
        A folder; ``None`` for :func:`default_cache_dir`; ``False`` for none.

    Returns
    -------
    pathlib.Path or None

    Raises
    ------
    TypeError
        If ``cache_dir`` is anything else (``True`` included).

    Examples
    --------
    >>> cache_folder(False) is None, cache_folder("/tmp/c") == pathlib.Path("/tmp/c")
    (True, True)
    >>> cache_folder(True)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    TypeError: cache_dir must be a path (str or os.PathLike), None (the default cache)
    or False (no cache); got True
    """
    if cache_dir is False:
        return None
    if cache_dir is None:
        return default_cache_dir()
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError("cache_dir must be a path (str or os.PathLike), None (the default "
                        "cache) or False (no cache); got {!r}".format(cache_dir))
    return pathlib.Path(cache_dir).expanduser()
