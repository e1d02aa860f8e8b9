"""Every access gluon-lr makes to a private MXNet attribute, each with its reason.

MXNet is frozen at 2.0.0b1, so these attributes will not move; still, code that
reaches past MXNet's public API belongs in one place where it can be found and
checked. Nothing else in ``gluon_lr`` reads or writes an attribute of an MXNet
object whose name starts with an underscore.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Tuple, cast

import mxnet as mx

__all__ = ["param_has_data", "param_is_deferred", "trainer_params", "trainer_updaters",
           "trainer_devices", "trainer_kvstore_settings", "updates_on_kvstore",
           "index_update_count", "gluon_repo_file_url", "loader_worker_pool", "pool_processes",
           "next_process_batch", "terminate_pool"]


# -- parameters ----------------------------------------------------------------------------

def param_has_data(param: Any) -> bool:
    """Whether ``param`` holds arrays.

    Reason: ``Parameter.data()`` raises for an uninitialized parameter and for
    one whose initialization is deferred; ``_data`` tells them apart cheaply.
    """
    return param._data is not None


def param_is_deferred(param: Any) -> bool:
    """Whether ``param`` waits for its first forward pass to learn its shape.

    Reason: Gluon exposes no public flag for deferred initialization.
    """
    return bool(param._deferred_init)


# -- the Trainer ---------------------------------------------------------------------------

def trainer_params(trainer: Any) -> List[Any]:
    """The Parameters ``trainer`` updates, in its own order.

    Reason: ``Trainer`` keeps them in ``_params`` and has no public accessor;
    a snapshot must cover them even when they are not in the network.
    """
    return list(trainer._params)


def trainer_updaters(trainer: Any) -> List[Any]:
    """The Trainer's per-device ``Updater`` objects, which hold the optimizer states.

    Reason: optimizer states (momentum and the like) live only there;
    ``Trainer.save_states`` would write them to a file.
    """
    return list(trainer._updaters)


def trainer_devices(trainer: Any) -> List[Any]:
    """The devices ``trainer``'s parameters live on.

    Reason: ``Trainer`` records them in ``_devices`` at construction and
    decides its kvstore from their number.
    """
    return list(trainer._devices)


def trainer_kvstore_settings(trainer: Any) -> Tuple[Any, Any]:
    """``(kvstore, update_on_kvstore)`` as given to the Trainer's constructor.

    Reason: ``Trainer`` keeps the constructor's arguments in ``_kvstore_params``
    until its first step creates the kvstore.
    """
    settings = trainer._kvstore_params
    return settings["kvstore"], settings["update_on_kvstore"]


def updates_on_kvstore(trainer: Any) -> bool:
    """Whether ``trainer`` updates (or will update) its weights inside the kvstore.

    After the first step this is what the Trainer decided. Before it, this
    resolves the constructor's ``update_on_kvstore`` the way
    ``Trainer._init_kvstore`` will, for dense weights and gradients:

    - an explicit ``True`` or ``False`` is kept;
    - no kvstore, or a string kvstore on one device that is not ``dist_*``,
      means no kvstore at all, so ``False``;
    - ``dist_*async`` always updates on the kvstore;
    - otherwise the environment variable ``MXNET_UPDATE_ON_KVSTORE`` (default
      ``1``) decides, provided the kvstore can run an optimizer; a ``'local'``
      kvstore with a parameter over 16M elements does not.

    Reason: the first step turns ``update_on_kvstore=None`` into ``True`` for
    several devices or a ``dist`` kvstore, and the optimizer states then move
    into the kvstore where no snapshot can reach them. The decision must be
    known before that step, and it is stored in ``_kv_initialized`` and
    ``_update_on_kvstore``.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.Dense(1, in_units=2)
    >>> net.initialize(device=[mx.cpu(0), mx.cpu(1)])
    >>> updates_on_kvstore(mx.gluon.Trainer(net.collect_params(), "sgd"))
    True
    >>> updates_on_kvstore(mx.gluon.Trainer(net.collect_params(), "sgd",
    ...                                     update_on_kvstore=False))
    False
    """
    if trainer._kv_initialized:
        return bool(trainer._update_on_kvstore)
    kvstore, explicit = trainer_kvstore_settings(trainer)
    if explicit is not None:
        return bool(explicit)
    if kvstore is None:
        return False
    if isinstance(kvstore, str):
        if len(trainer_devices(trainer)) == 1 and "dist" not in kvstore:
            return False
        kind = kvstore
        # MXNet's own KVStore runs optimizers except its P3 variant; Horovod and BytePS do not
        capable = kvstore.split("_")[0] in ("local", "device", "dist", "nccl") \
            and "p3" not in kvstore
    else:
        kind = kvstore.type
        capable = kvstore.is_capable(mx.kvstore.KVStoreBase.OPTIMIZER)
    if "dist" in kind and "async" in kind:
        return True
    decision = bool(int(os.getenv("MXNET_UPDATE_ON_KVSTORE", "1"))) and capable
    if kind == "local" and decision:
        largest = max((p.data(trainer_devices(trainer)[0]).size for p in trainer_params(trainer)
                       if param_has_data(p)), default=0)
        decision = largest <= 1024 * 1024 * 16
    return decision


# -- the Optimizer -------------------------------------------------------------------------

def index_update_count(optimizer: Any) -> Dict[int, int]:
    """The optimizer's per-parameter update counts, ``{index: count}``.

    Reason: ``Optimizer`` derives ``num_update`` from these counts and has no
    public view of them; tests read them to check a restore.
    """
    return cast(Dict[int, int], optimizer._index_update_count)


# -- data loading --------------------------------------------------------------------------

def gluon_repo_file_url(namespace: str, filename: str) -> str:
    """The URL of ``filename`` in the Gluon repository, ``$MXNET_GLUON_REPO`` if set.

    Reason: ``mx.gluon.utils`` builds it in ``_get_repo_file_url`` only; the
    CIFAR-10 download checks the server that MXNet's own ``CIFAR10`` will use.
    """
    return cast(str, mx.gluon.utils._get_repo_file_url(namespace, filename))


def loader_worker_pool(loader: Any) -> Any:
    """The pool of ``loader``'s workers (a ``ThreadPool`` for threads), or None without one.

    Reason: ``DataLoader`` keeps it in ``_worker_pool`` and has no accessor; it
    is None for ``num_workers=0`` and for MXNet's C++ loader.
    """
    return loader._worker_pool


def pool_processes(pool: Any) -> List[Any]:
    """The worker processes of ``multiprocessing.Pool`` ``pool`` now.

    Reason: ``Pool`` lists them in ``_pool`` only, and silently replaces a
    dead one there; a dead worker's task is lost without a trace.
    """
    return list(pool._pool)


def next_process_batch(data_iter: Any, wait: Callable[[Any], None]) -> Any:
    """``next(data_iter)`` for a DataLoader iterator on worker processes, waiting by ``wait``.

    ``wait(result)`` gets the batch's ``multiprocessing`` ``AsyncResult`` and
    returns once it is ready, or raises (the batch then stays pending).

    Reason: ``_MultiWorkerIter.__next__`` waits in one ``get(timeout)`` (120 s
    by default), so a batch lost with a killed worker blocks that long, and on
    any error it calls ``Pool.terminate``, which blocks for good when the killed
    worker held a queue lock (see :func:`terminate_pool`). This is its body for
    worker processes (``_push_next``, ``_rcvd_idx``, ``_sent_idx``,
    ``_data_buffer``, ``_pin_memory``), with the wait handed over and no terminate.
    """
    import pickle
    from mxnet.gluon.data import dataloader

    if data_iter._dataset is not None:
        raise TypeError("next_process_batch needs an iterator on worker processes, "
                        "not on threads")
    data_iter._push_next()
    if data_iter._rcvd_idx == data_iter._sent_idx:
        raise StopIteration
    result = data_iter._data_buffer[data_iter._rcvd_idx]
    wait(result)
    del data_iter._data_buffer[data_iter._rcvd_idx]
    batch = pickle.loads(result.get(0))
    if data_iter._pin_memory:
        batch = dataloader._as_in_context(batch, mx.cpu_pinned(data_iter._pin_device_id))
    data_iter._rcvd_idx += 1
    return batch


def terminate_pool(pool: Any, timeout: float = 10.0) -> bool:
    """Terminate ``multiprocessing.Pool`` ``pool``, also after a worker was killed.

    Returns True if the pool ended within about ``timeout`` seconds.

    Reason: ``Pool.terminate`` takes the task queue's read lock
    (``_inqueue._rlock``) and writes under the result queue's write lock
    (``_outqueue._wlock``). An idle worker waits for tasks holding that read
    lock, so a worker killed then (or while sending a result) leaves a lock
    taken for good, and ``terminate`` (MXNet's on a loader error, in
    ``DataLoader.__del__``, and multiprocessing's at exit) blocks forever. Here
    ``terminate`` runs in a thread. If it has not ended shortly after it
    stopped the pool replacing workers (``_worker_handler``), the workers
    (``_pool``) are killed, so a lock still taken is a dead worker's, and is
    released.
    """
    import multiprocessing.connection
    import threading

    closer = threading.Thread(target=pool.terminate, name="gluon-lr-terminate-pool",
                              daemon=True)
    closer.start()
    pool._worker_handler.join(timeout)
    closer.join(0.2)  # a healthy pool ends in milliseconds
    if not closer.is_alive():
        return True
    workers = list(pool._pool)
    for worker in workers:
        if worker.exitcode is None:
            worker.kill()
    multiprocessing.connection.wait([worker.sentinel for worker in workers], timeout)
    for lock in (pool._inqueue._rlock, pool._outqueue._wlock):
        if lock.acquire(timeout=0.2):  # free, or briefly held by one of our threads
            lock.release()
            continue
        try:
            lock.release()  # held by a dead worker
        except ValueError:  # its holder released it meanwhile
            pass
    closer.join(timeout)
    return not closer.is_alive()
