"""Decisions every worker agrees on: sums, means and "did anyone ..." over a kvstore.

.. warning::
   **Every worker must call these functions equally often, in the same order,
   with the same keys and lengths.** Each call is one collective round on
   the kvstore: a worker that skips a call (say, it stops on a NaN loss the
   others did not see) leaves the others blocked in theirs for ever. Decide
   together instead: ``if agree_any(kv, math.isnan(loss)): stop()`` on every
   worker.

Keys
    The helpers use the kvstore keys ``KEY_BASE`` to ``KEY_BASE + NUM_KEYS -
    1`` (200000 to 201023). A ``gluon.Trainer`` uses the keys 0, 1, 2, ... (one
    per parameter), so a model would need 200000 parameter arrays to collide.
    The range stays below 215329 because the ``dist`` kvstore picks a key's
    server with ``key * 9973`` in 32-bit ints. The functions take a ``key``
    from 0 to ``NUM_KEYS - 2``; key ``NUM_KEYS - 1`` is :func:`agree_any`'s
    and :func:`agree_all`'s. Keys must be ints: a kvstore fails when int and
    str keys are mixed, so it must not see string keys either.

Requirements
    The kvstore must sum what workers push: a ``Trainer`` that updates on
    the kvstore (``update_on_kvstore=True``, the default for ``dist_sync``)
    installs its optimizer on the servers, which then apply it to these keys
    too. Create the Trainer with ``update_on_kvstore=False``. Each round
    carries a check value, and a round that did not come back as a plain sum
    raises ``RuntimeError``.

Precision
    Values travel as float32 (the ``dist`` kvstore reduces float64 pushes
    in float32 as well); results are float64 arrays of those float32 sums.

``kv=None`` stands for a single process: the values come back unchanged.
A ``'local'`` or ``'device'`` kvstore works too (one worker).
"""
from __future__ import annotations

import weakref
from typing import Any, Dict, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_bool, as_int

__all__ = ["KEY_BASE", "NUM_KEYS", "allreduce_sum", "allreduce_mean", "agree_any",
           "agree_all"]

#: First kvstore key used by the helpers.
KEY_BASE = 200000
#: Number of reserved kvstore keys, ``KEY_BASE`` .. ``KEY_BASE + NUM_KEYS - 1``.
NUM_KEYS = 1024
_AGREE_KEY = NUM_KEYS - 1

# kvstore -> {kvstore key: float32 buffer}; a key's length is fixed at its first use.
_BUFFERS: weakref.WeakKeyDictionary[Any, Dict[int, Any]] = weakref.WeakKeyDictionary()


def _as_values(values: ArrayLike) -> NDArray[np.float64]:
    if hasattr(values, "asnumpy"):  # an MXNet array
        values = values.asnumpy()
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 1 or array.size == 0 or isinstance(values, (str, bytes)):
        raise TypeError("values must be a non-empty 1-D sequence of real numbers, got {!r}".format(
            values))
    return array


def _as_key(key: int) -> int:
    key = as_int("key", key, 0)
    if key > NUM_KEYS - 2:
        raise ValueError("key must be an int in [0, {}], got {!r}".format(NUM_KEYS - 2, key))
    return key


def _check_kv(kv: Any) -> Any:
    for attr in ("init", "pushpull", "num_workers"):
        if not hasattr(kv, attr):
            raise TypeError("kv must be None or an mxnet KVStore (with init, pushpull and "
                            "num_workers), got {!r}".format(kv))
    return kv


def _sum(kv: Any, slot: int, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """One round: push ``values`` and a check value 1 on every worker, pull the sums."""
    if kv is None:
        return values.copy()
    import mxnet as mx
    _check_kv(kv)
    key = KEY_BASE + slot
    size = values.size + 1
    buffers = _BUFFERS.setdefault(kv, {})
    buf = buffers.get(key)
    if buf is None:
        buf = mx.np.zeros((size,), dtype="float32", device=mx.cpu())
        kv.init(key, buf)  # collective too: every worker does it on first use
        buffers[key] = buf
    elif buf.shape[0] != size:
        raise ValueError("values must have {} elements for key {} (its length on first use), "
                         "got {}".format(buf.shape[0] - 1, slot, values.size))
    send = mx.np.array(np.append(values, 1.0), dtype="float32", device=mx.cpu())
    kv.pushpull(key, send, out=buf)  # on CPU pushpull also overwrites `send`
    result: NDArray[np.float64] = buf.asnumpy().astype(np.float64)
    workers = kv.num_workers
    if result[-1] != workers:
        raise RuntimeError(
            "kvstore key {} did not return the sum over the {} worker(s) (its check value is "
            "{!r}, not {}): does a Trainer update on this kvstore? Create the Trainer with "
            "update_on_kvstore=False".format(key, workers, float(result[-1]), workers))
    return result[:-1]


def allreduce_sum(kv: Any, key: int, values: ArrayLike) -> NDArray[np.float64]:
    """The element-wise sum of ``values`` over all workers.

    Collective: every worker must make the same call (see the module notes).

    Parameters
    ----------
    kv : mxnet.kvstore.KVStore or None
    key : int
        0 to ``NUM_KEYS - 2``; the same length of ``values`` on every use.
    values : sequence of float
        A non-empty 1-D vector; NaN and infinities are summed like numbers.

    Returns
    -------
    numpy.ndarray of float64

    Examples
    --------
    >>> import mxnet as mx
    >>> allreduce_sum(mx.kv.create("local"), 0, [1.5, -2.0]).tolist()
    [1.5, -2.0]
    """
    return _sum(kv, _as_key(key), _as_values(values))


def allreduce_mean(kv: Any, key: int, values: ArrayLike) -> NDArray[np.float64]:
    """The element-wise mean of ``values`` over all workers.

    Collective: every worker must make the same call (see the module notes).
    A NaN on any worker makes that element NaN on every worker.

    Parameters
    ----------
    kv : mxnet.kvstore.KVStore or None
    key : int
        0 to ``NUM_KEYS - 2``; the same length of ``values`` on every use.
    values : sequence of float
        A non-empty 1-D vector.

    Returns
    -------
    numpy.ndarray of float64

    Examples
    --------
    >>> allreduce_mean(None, 0, [0.25, float("nan")]).tolist()
    [0.25, nan]
    """
    total = _sum(kv, _as_key(key), _as_values(values))
    return total / (1 if kv is None else kv.num_workers)


def _as_flag(flag: Union[bool, np.bool_]) -> bool:
    if isinstance(flag, np.bool_):
        flag = bool(flag)
    return as_bool("flag", flag)


def agree_any(kv: Any, flag: Union[bool, np.bool_]) -> bool:
    """Whether ``flag`` is ``True`` on at least one worker; the same answer on all.

    Collective: every worker must make the same call (see the module notes),
    e.g. ``if agree_any(kv, not math.isfinite(loss)): break`` on all of them.

    Parameters
    ----------
    kv : mxnet.kvstore.KVStore or None
    flag : bool
        ``numpy.bool_`` is accepted too.

    Returns
    -------
    bool

    Examples
    --------
    >>> agree_any(None, True), agree_any(None, False)
    (True, False)
    """
    flag = _as_flag(flag)
    return bool(_sum(kv, _AGREE_KEY, np.array([float(flag)]))[0] > 0)


def agree_all(kv: Any, flag: Union[bool, np.bool_]) -> bool:
    """Whether ``flag`` is ``True`` on every worker; the same answer on all.

    Collective: every worker must make the same call (see the module notes).
    Shares its key with :func:`agree_any`.

    Examples
    --------
    >>> agree_all(None, True), agree_all(None, False)
    (True, False)
    """
    flag = _as_flag(flag)
    return not bool(_sum(kv, _AGREE_KEY, np.array([float(not flag)]))[0] > 0)
