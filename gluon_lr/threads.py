"""How many threads MXNet's operators use: every core this process may run on, unless told.

MXNet 2.0 reads ``OMP_NUM_THREADS`` (or ``MXNET_OMP_MAX_THREADS``) once, when the
library loads, and otherwise takes half the processor count to allow for
hyper-threading (``src/engine/openmp.cc``): one thread on a 2-core machine,
which leaves the other core idle during every operator. So the
setting must be made before ``import mxnet``; importing ``gluon_lr`` does not
import MXNet (its names load on first use) and changes nothing.
:func:`configure_threads` is what ``gluon-lr`` calls first, and what a script
or notebook calls before touching MXNet. A value the user set in the
environment is always kept.
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Optional

from ._validate import as_int

__all__ = ["ENV_VARS", "available_cores", "plan_threads", "configure_threads"]

#: The variables MXNet reads for its operator threads; a user's setting of either wins.
ENV_VARS = ("OMP_NUM_THREADS", "MXNET_OMP_MAX_THREADS")


def available_cores() -> int:
    """The number of cores this process may run on (its CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_threads(threads: Optional[int] = None, loader_processes: int = 0) -> int:
    """MXNet's operator threads: ``threads``, else the cores left by loader processes.

    Loader *processes* (``DataLoader(num_workers=n, thread_pool=False)``) each
    need a core of their own. Loader *threads* (gluon-lr's default) run inside
    this process between the model's operators and are not subtracted.

    Examples
    --------
    >>> plan_threads(3)
    3
    >>> plan_threads(loader_processes=10**6)
    1
    """
    if threads is not None:
        return as_int("threads", threads, 1)
    as_int("loader_processes", loader_processes, 0)
    return max(1, available_cores() - loader_processes)


def configure_threads(threads: Optional[int] = None, loader_processes: int = 0,
                      warn: bool = True) -> Optional[int]:
    """Give MXNet ``plan_threads(threads, loader_processes)`` operator threads.

    Call it before MXNet is imported. It sets ``OMP_NUM_THREADS`` unless the
    user set it or ``MXNET_OMP_MAX_THREADS`` (then nothing changes). When MXNet
    is already loaded the setting can no longer take effect: nothing changes,
    with a warning if ``warn``.

    Returns
    -------
    int or None
        The number of threads set, or None when nothing was changed.
    """
    count = plan_threads(threads, loader_processes)
    if any(os.environ.get(name) for name in ENV_VARS):
        return None
    if "mxnet" in sys.modules:
        if not warn:
            return None
        warnings.warn("MXNet is already imported, so its thread count (half the cores unless "
                      "set) cannot change now: call gluon_lr.configure_threads() before "
                      "importing mxnet, or set OMP_NUM_THREADS", RuntimeWarning, stacklevel=2)
        return None
    os.environ["OMP_NUM_THREADS"] = str(count)
    return count
