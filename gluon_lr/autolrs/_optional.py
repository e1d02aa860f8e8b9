"""The optional scikit-learn dependency of :mod:`gluon_lr.autolrs`.

``import gluon_lr.autolrs`` works without scikit-learn; only building a search
imports it, through :func:`require_sklearn`, so that a missing install is
reported once, at the boundary, with the command that fixes it.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, ContextManager, List, cast

__all__ = ["INSTALL_HINT", "require_sklearn", "single_blas_thread"]

#: The install command named by every missing-dependency error of AutoLRS.
INSTALL_HINT = 'pip install "gluon-lr[auto]"'

_CONTROLLER: List[Any] = []


def require_sklearn(feature: str) -> ModuleType:
    """Return ``sklearn.gaussian_process``, or raise ``ImportError`` saying how to install it.

    Parameters
    ----------
    feature : str
        What needs scikit-learn, named in the error message.

    Returns
    -------
    module
        ``sklearn.gaussian_process`` (``GaussianProcessRegressor`` and
        ``kernels``).

    Raises
    ------
    ImportError
        If scikit-learn (or SciPy, which it needs) cannot be imported; the
        message names ``feature`` and the ``gluon-lr[auto]`` extra.

    Examples
    --------
    >>> require_sklearn("LRSearch").GaussianProcessRegressor.__name__
    'GaussianProcessRegressor'
    """
    try:
        return importlib.import_module("sklearn.gaussian_process")
    except ImportError as error:
        raise ImportError("{} needs scikit-learn and SciPy, which are not installed: {} "
                          "({})".format(feature, INSTALL_HINT, error)) from error


def single_blas_thread() -> ContextManager[Any]:
    """Return a context manager that runs NumPy's and SciPy's BLAS on one thread.

    The GP of a search works on matrices of a few rows, where a multi-threaded
    BLAS only spins: on a shared two-core machine one proposal took about 270 ms
    of CPU with OpenBLAS's two threads against 55 ms with one. One thread also
    keeps the floating-point results independent of the machine's core count.
    Uses ``threadpoolctl``, a scikit-learn dependency; call
    :func:`require_sklearn` first.

    Examples
    --------
    >>> with single_blas_thread():
    ...     pass
    """
    if not _CONTROLLER:
        _CONTROLLER.append(importlib.import_module("threadpoolctl").ThreadpoolController())
    return cast(ContextManager[Any], _CONTROLLER[0].limit(limits=1, user_api="blas"))
