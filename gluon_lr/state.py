"""In-memory snapshots of everything a training step changes.

A :class:`TrainingState` holds copies of

- every parameter of the network on every device, including those with
  ``grad_req='null'`` such as BatchNorm running statistics (and the gradient
  buffers of parameters with ``grad_req='add'``, which accumulate);
- every parameter's ``lr_mult`` (its per-layer rate, read by the optimizer at
  every step);
- the optimizer states (momentum and the like) of every updater;
- the optimizer's own attributes: learning rate, momentum or ``beta1``,
  ``num_update`` and the per-index update counts;
- the attached ``lr_scheduler`` (which object it is, and its attributes:
  MXNet's Factor and MultiFactor schedulers change as they are called).

Restoring copies the values back into the *same* arrays and objects, so
hybridized graphs, the Trainer and any references the user holds stay valid.
Nothing touches the disk. The snapshot can be restored any number of times.

Not covered: MXNet's global random number generator (used by dropout and random
augmentation) and the position of the data iterator; MXNet 2.0 offers no way to
read the former.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import mxnet as mx
from mxnet.ndarray import NDArray
from mxnet import numpy as mnp

from .mxnet_internals import param_has_data, trainer_devices, trainer_params, \
    trainer_updaters, updates_on_kvstore

__all__ = ["TrainingState"]

# Attributes of an Optimizer that are not copied with the others: references to the
# parameters, and the scheduler, which is restored in place (users hold references to it).
_OPTIMIZER_REFERENCES = ("param_dict", "lr_scheduler")


def _copy_arrays(value: Any, device: Any = None) -> Any:
    """Copy an optimizer state: arrays (onto ``device``, or where they are), and
    dicts, tuples or lists of them."""
    if isinstance(value, (NDArray, mnp.ndarray)):
        return value.copy() if device is None else value.copyto(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_copy_arrays(item, device) for item in value)
    if isinstance(value, dict):
        return {key: _copy_arrays(item, device) for key, item in value.items()}
    return copy.deepcopy(value)


def _copies(arrays: Sequence[Any], device: Any, every_replica: bool) -> List[Any]:
    """Copies of a parameter's per-device arrays: each beside itself, or on ``device``.

    On ``device`` one copy stands for all replicas, except with
    ``every_replica``: statistics such as BatchNorm's running mean are not
    synchronised by the Trainer and differ between replicas.
    """
    if device is None:
        return [array.copy() for array in arrays]
    return [array.copyto(device) for array in (arrays if every_replica else arrays[:1])]


def _write_back(saved: Sequence[Any], live: Sequence[Any]) -> None:
    """Copy saved arrays into the live ones: one each, or one into all."""
    for index, target in enumerate(live):
        saved[index if len(saved) == len(live) else 0].copyto(target)


def _unique_params(net: Any, trainer: Any) -> List[Any]:
    params: List[Any] = []
    seen: Set[int] = set()
    for param in list(net.collect_params().values()) + trainer_params(trainer):
        if id(param) not in seen:
            seen.add(id(param))
            params.append(param)
    return params


def _check_supported(net: Any, trainer: Any) -> None:
    if not isinstance(net, mx.gluon.Block):
        raise TypeError("net must be an mx.gluon.Block; got {!r}".format(net))
    if not isinstance(trainer, mx.gluon.Trainer):
        raise TypeError("trainer must be an mx.gluon.Trainer; got {!r}".format(trainer))
    if updates_on_kvstore(trainer):
        raise ValueError(
            "TrainingState cannot snapshot a Trainer with update_on_kvstore=True: its optimizer "
            "states and weights live inside the kvstore. Create the Trainer with "
            "update_on_kvstore=False (the Learner does this for you).")


class TrainingState:
    """A restorable, in-memory copy of a network's and a Trainer's state.

    Parameters
    ----------
    net : mx.gluon.Block
        The network whose parameters are copied.
    trainer : mx.gluon.Trainer
        The trainer whose optimizer and updaters are copied.
    device : mx.device.Device, optional
        Keep the copies on this device (e.g. ``mx.cpu()``) instead of beside
        each data-parallel replica, and only one for all replicas where the
        Trainer keeps them identical: the trained parameters and the optimizer
        states. Parameters it does not train (``grad_req='null'``, such as
        BatchNorm's running statistics, which each replica computes from its
        own part of the batch) and accumulated gradients are kept per replica.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.Dense(1, in_units=2)
    >>> net.initialize()
    >>> trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    >>> state = TrainingState(net, trainer)
    >>> trainer.set_learning_rate(0.5)
    >>> state.restore()
    >>> trainer.learning_rate
    0.1
    """

    def __init__(self, net: Any, trainer: Any, device: Any = None) -> None:
        _check_supported(net, trainer)
        if device is not None and not isinstance(device, mx.device.Device):
            raise TypeError("device must be an mx.device.Device or None; got {!r}".format(device))
        # A graph hybridized with static_alloc writes BatchNorm's running statistics
        # without telling MXNet's engine, so a copy could read them one step stale.
        mx.npx.waitall()
        self._trainer = trainer
        self._optimizer = trainer.optimizer
        self._params: List[Tuple[Any, List[Any], Optional[List[Any]]]] = []
        params = _unique_params(net, trainer)
        self._lr_mults = [(param, param.lr_mult) for param in params]
        for param in params:
            if not param_has_data(param):
                continue  # not initialized yet: nothing to save
            grads = None
            if param.grad_req == "add":
                grads = _copies(param.list_grad(), device, every_replica=True)
            self._params.append((param, _copies(param.list_data(), device,
                                                every_replica=param.grad_req == "null"), grads))
        updaters = trainer_updaters(trainer)
        if device is not None:
            updaters = updaters[:1]  # the replicas' updaters hold identical states
        self._updaters: List[Tuple[Any, Dict[Any, Any]]] = [
            (_copy_arrays(updater.states, device), dict(updater.states_synced))
            for updater in updaters]
        self._device = device
        self._optimizer_vars = copy.deepcopy(
            {k: v for k, v in vars(self._optimizer).items() if k not in _OPTIMIZER_REFERENCES})
        self._scheduler = self._optimizer.lr_scheduler
        self._scheduler_vars = copy.deepcopy(vars(self._scheduler)) \
            if hasattr(self._scheduler, "__dict__") else None

    @property
    def trainer(self) -> Any:
        """The Trainer this snapshot restores into."""
        return self._trainer

    def restore(self) -> None:
        """Write the saved values back into the captured objects, in place.

        Raises
        ------
        RuntimeError
            If the Trainer's optimizer object was replaced since the snapshot
            (``Trainer.load_states`` does that).
        """
        if self._trainer.optimizer is not self._optimizer:
            raise RuntimeError("the Trainer's optimizer was replaced after the snapshot "
                               "(e.g. by Trainer.load_states); cannot restore into it")
        mx.npx.waitall()  # no untracked write of a static graph may land after the copy
        for param, lr_mult in self._lr_mults:
            param.lr_mult = lr_mult
        for param, datas, grads in self._params:
            _write_back(datas, param.list_data())
            if grads is not None:
                _write_back(grads, param.list_grad())
        updaters = trainer_updaters(self._trainer)
        devices = trainer_devices(self._trainer)
        for index, updater in enumerate(updaters):
            states, synced = self._updaters[0 if self._device is not None else index]
            updater.states = _copy_arrays(
                states, None if self._device is None else devices[index])
            updater.states_synced = dict(synced)
        live_vars = vars(self._optimizer)
        for key in [k for k in live_vars if k not in _OPTIMIZER_REFERENCES]:
            if key not in self._optimizer_vars:
                del live_vars[key]
        live_vars.update(copy.deepcopy(self._optimizer_vars))
        self._optimizer.lr_scheduler = self._scheduler
        if self._scheduler_vars is not None:
            vars(self._scheduler).clear()
            vars(self._scheduler).update(copy.deepcopy(self._scheduler_vars))
