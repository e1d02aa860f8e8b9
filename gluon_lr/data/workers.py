"""A ``DataLoader`` that notices at once when one of its worker processes dies.

With worker processes, MXNet 2.0.0b1's ``DataLoader`` runs a
``multiprocessing.Pool``. A worker that dies (killed, out of memory) is
replaced silently and its batch is lost, so the next batch waits for the
loader's timeout (120 s) and then raises a timeout naming slow transforms or
shared memory. Worse, a worker killed while it waited for work holds the task
queue's lock for good, so terminating the pool (on any error, when the loader
is collected, at exit) blocks forever.

:class:`WatchedDataLoader` waits for each batch in short slices and checks
the workers between them: a death raises :class:`WorkerDiedError` within a
fraction of a second, its pool is stopped without blocking, and the next
``iter()`` starts fresh workers. Threads and ``num_workers=0`` are not watched
(a thread cannot die alone); the loader then behaves as MXNet's.

The ``DataLoader`` is built through :func:`~.batches.loader_arguments`: an
:class:`~.arrays.ImageArrayDataset` is loaded a whole batch at a time, with
the same batches.
"""
from __future__ import annotations

import atexit
import multiprocessing
import signal
import time
import weakref
from multiprocessing.pool import ThreadPool
from typing import Any, Dict, Iterator, List, Optional, Tuple

import mxnet as mx

from .._validate import as_number
from ..mxnet_internals import (loader_worker_pool, next_process_batch, pool_processes,
                               terminate_pool)
from .batches import loader_arguments

__all__ = ["WorkerDiedError", "WatchedDataLoader"]

# Seconds to keep looking for the dead worker after reading a batch failed the
# way it fails when the worker that made it is gone.
_DEATH_GRACE = 1.0


class WorkerDiedError(RuntimeError):
    """A ``DataLoader`` worker process died; the message names it and the cause.

    Parameters
    ----------
    pid : int
        The worker's process id.
    exitcode : int
        Its exit code; ``-N`` means it was killed by signal ``N``.

    Examples
    --------
    >>> error = WorkerDiedError(4321, -9)
    >>> print(error)  # doctest: +NORMALIZE_WHITESPACE
    DataLoader worker process 4321 died (signal 9, SIGKILL); its batches are lost and
    the loader starts new workers at its next iter()
    >>> error.pid, error.exitcode
    (4321, -9)
    """

    def __init__(self, pid: int, exitcode: int) -> None:
        self.pid, self.exitcode = pid, exitcode
        super().__init__("DataLoader worker process {} died ({}); its batches are lost and the "
                         "loader starts new workers at its next iter()".format(
                             pid, _cause(exitcode)))

    def __reduce__(self) -> Tuple[type, Tuple[int, int]]:
        return type(self), (self.pid, self.exitcode)


def _cause(exitcode: int) -> str:
    if exitcode >= 0:
        return "exit code {}".format(exitcode)
    try:
        return "signal {}, {}".format(-exitcode, signal.Signals(-exitcode).name)
    except ValueError:
        return "signal {}".format(-exitcode)


class WatchedDataLoader:
    """``mx.gluon.data.DataLoader`` that raises :class:`WorkerDiedError` when a worker dies.

    It builds ``mx.gluon.data.DataLoader(dataset, **options)`` (through
    :func:`~.batches.loader_arguments`, so an
    :class:`~.arrays.ImageArrayDataset` is loaded a batch at a time) and yields
    the same batches in the same order. With worker processes
    (``num_workers > 0``, ``thread_pool=False``) it waits for each batch in
    slices of ``poll_interval`` seconds and checks the workers between them and
    before handing a batch over. When one has died, or a batch failed or took
    longer than the ``timeout`` option (default 120 s), it stops all the
    workers (without blocking, even when the dead one held a queue lock) and
    raises; the next ``iter()`` starts new workers, and older iterators raise
    ``RuntimeError``. With worker threads or none, ``iter()`` gives MXNet's own
    iterator.

    Parameters
    ----------
    dataset : mx.gluon.data.Dataset
    poll_interval : float, default 0.1
        Seconds between two checks of the workers while a batch is awaited, > 0.
    **options
        ``DataLoader``'s other arguments (``batch_size``, ``batch_sampler``,
        ``num_workers``, ``thread_pool``, ...).

    Raises
    ------
    TypeError, ValueError
        If ``poll_interval`` is not a number > 0; ``DataLoader`` checks the rest.

    Examples
    --------
    >>> from mxnet.gluon.data import SimpleDataset
    >>> loader = WatchedDataLoader(SimpleDataset(list(range(6))), batch_size=4, num_workers=1)
    >>> [batch.asnumpy().tolist() for batch in loader]
    [[0, 1, 2, 3], [4, 5]]
    >>> loader.close()
    """

    def __init__(self, dataset: mx.gluon.data.Dataset, *, poll_interval: float = 0.1,
                 **options: Any) -> None:
        self._poll_interval = as_number("poll_interval", poll_interval, low=0, low_open=True)
        self._dataset, self._options = dataset, options
        self._generation = 0  # counts stops: iterators of an earlier generation are void
        self._start()
        _OPEN.add(self)

    def _start(self) -> None:
        dataset, options = loader_arguments(self._dataset, self._options)
        self._loader = mx.gluon.data.DataLoader(dataset, **options)
        pool = loader_worker_pool(self._loader)
        self._pool = pool
        # the processes seen so far, by pid; None when there are none to watch
        self._processes: Optional[Dict[int, Any]] = (
            None if pool is None or isinstance(pool, ThreadPool) else {})
        self._stopped = False
        self._find_dead()  # records the workers

    def __iter__(self) -> Iterator[Any]:
        if self._stopped:
            self._start()
        if self._processes is None:
            return iter(self._loader)
        self.check_workers()
        return _WatchedIterator(self, iter(self._loader))

    def __len__(self) -> int:
        return len(self._loader)

    @property
    def options(self) -> Dict[str, Any]:
        """The ``DataLoader`` arguments after ``dataset``, as a new dict."""
        return dict(self._options)

    def worker_pids(self) -> List[int]:
        """The process ids of the current worker processes; empty for threads or none."""
        if self._processes is None or self._stopped:
            return []
        return [process.pid for process in pool_processes(self._pool)]

    def check_workers(self) -> None:
        """Raise :class:`WorkerDiedError`, stopping the workers, if one has died.

        A no-op for threads or ``num_workers=0``.
        """
        dead = self._find_dead()
        if dead is not None:
            self.close()
            raise WorkerDiedError(*dead)

    def close(self) -> None:
        """Stop the worker processes now; the next ``iter()`` starts new ones.

        Safe to call more than once; iterators made before it raise
        ``RuntimeError``. It also runs when the loader is collected (its
        iterators keep it alive) and at exit, before ``multiprocessing``'s own
        clean-up, which would block on a pool with a dead worker. Worker
        threads are left to the ``DataLoader``, which ends them once it and its
        iterators are collected, so without worker processes this does nothing.
        """
        if self._processes is None or self._stopped:
            return
        self._stopped = True
        self._generation += 1
        terminate_pool(self._pool)  # a worker may have died unnoticed

    def __del__(self) -> None:
        if hasattr(self, "_processes"):  # not when __init__ failed
            self.close()

    def _find_dead(self) -> Optional[Tuple[int, int]]:
        """``(pid, exitcode)`` of a worker process that has died since the start, or None."""
        if self._processes is None or self._stopped:
            return None
        for process in pool_processes(self._pool):
            self._processes.setdefault(process.pid, process)
        for pid, process in self._processes.items():
            exitcode = process.exitcode
            if exitcode is not None:
                return pid, exitcode
        return None

    def _wait(self, result: Any) -> None:
        """Return once ``result`` (a batch's AsyncResult) is ready, while no worker has died.

        Like ``DataLoader``, give up after its ``timeout`` (default 120 s).
        """
        timeout = self._options.get("timeout", 120)
        deadline = time.monotonic() + timeout
        while not result.ready():
            self.check_workers()
            if time.monotonic() >= deadline:
                raise multiprocessing.TimeoutError(
                    "no DataLoader batch within timeout = {} s; every worker process is "
                    "alive".format(timeout))
            result.wait(min(self._poll_interval, max(deadline - time.monotonic(), 0)))
        self.check_workers()

    def _dead_after_failure(self) -> Optional[Tuple[int, int]]:
        """Look for a dead worker a little while: one that is dying shows up soon."""
        deadline = time.monotonic() + _DEATH_GRACE
        while True:
            dead = self._find_dead()
            if dead is not None or time.monotonic() >= deadline:
                return dead
            time.sleep(0.02)


class _WatchedIterator:
    """Iterator of a :class:`WatchedDataLoader` on worker processes."""

    def __init__(self, owner: WatchedDataLoader, data_iter: Iterator[Any]) -> None:
        self._owner, self._data_iter = owner, data_iter
        self._generation = owner._generation

    def __iter__(self) -> _WatchedIterator:
        return self

    def __next__(self) -> Any:
        owner = self._owner
        if owner._generation != self._generation:
            raise RuntimeError("this DataLoader iterator's worker processes were stopped (after "
                               "an error, or by close()); call iter() on the loader again")
        try:
            return next_process_batch(self._data_iter, owner._wait)
        except (StopIteration, WorkerDiedError):
            raise
        except (OSError, EOFError) as error:  # reading a batch from a dead worker fails so
            dead = owner._dead_after_failure()
            owner.close()
            if dead is not None:
                raise WorkerDiedError(*dead) from error
            raise
        except Exception:
            owner.close()
            raise


_OPEN: weakref.WeakSet[WatchedDataLoader] = weakref.WeakSet()


@atexit.register
def _close_open_loaders() -> None:
    """Stop every loader's workers before multiprocessing's own exit handler would block."""
    for loader in list(_OPEN):
        loader.close()
