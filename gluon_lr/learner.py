"""The tutorial's ``Learner``: one batch, one training step, per ``iteration()``.

Everything in gluon-lr that trains (the finder, comparisons, confirmed
suggestions, AutoLRS and epoch training) goes through two primitives built on
``iteration()``: :meth:`Learner.trial`, which restores the state exactly when it
ends, and :meth:`Learner.run`, which runs a number of steps at a fixed learning
rate, a schedule, or the optimizer's own ``lr_scheduler``, and reports every
step to one callback shape, ``callback(step, lr, loss) -> stop?``.
"""
from __future__ import annotations

import collections
import collections.abc
import contextlib
import math
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, \
    Tuple, Union, cast

import mxnet as mx
from mxnet import autograd
from mxnet.gluon.utils import split_and_load

from ._validate import as_bool, as_callable, as_int, as_lr
from .batches import Arrays, BatchFn, check_loss_fn, check_output, split_batch, \
    warn_extra_items
from .devices import resolve_devices
from .layer_rates import LrMult, apply_lr_mult
from .momentum import sync_momentum
from .mxnet_internals import param_has_data, param_is_deferred, updates_on_kvstore
from .optimizers import ScheduleFree, checked_optimizer, evaluation_weights
from .optimizers.evaluation import has_batchnorm
from .state import TrainingState

__all__ = ["Learner", "Batch", "StepCallback", "Rate"]

#: One loader item: ``(data, label)``, or anything a ``batch_fn`` maps to ``(inputs, targets)``.
Batch = Any
#: The callback shape of every training loop: ``callback(step, lr, loss) -> stop?``.
StepCallback = Callable[[int, float, float], Any]
#: What :meth:`Learner.run` trains at: the optimizer's own rate (None), a fixed
#: rate, or a schedule of the run's 1-based step.
Rate = Union[None, float, Callable[[int], float]]


def _checked_loader(data_loader: Any) -> Iterable[Batch]:
    if not hasattr(data_loader, "__iter__"):
        raise TypeError("data_loader must be iterable (e.g. an mx.gluon.data.DataLoader); "
                        "got {!r}".format(type(data_loader)))
    return cast(Iterable[Batch], data_loader)


def _checked_batch_fn(batch_fn: Optional[BatchFn]) -> Optional[BatchFn]:
    if batch_fn is None:
        return None
    return as_callable("batch_fn", batch_fn, "batch -> (inputs, targets)")


def _is_uninitialized(param: Any) -> bool:
    return not param_has_data(param) and not param_is_deferred(param)


def _checked_hybridize(hybridize: Any) -> Union[bool, Dict[str, Any]]:
    if isinstance(hybridize, dict):
        return hybridize
    return as_bool("hybridize", hybridize)


def _checked_loss_fn(loss_fn: Optional[Callable[..., Any]]) -> Callable[..., Any]:
    if loss_fn is None:
        return cast(Callable[..., Any], mx.gluon.loss.SoftmaxCrossEntropyLoss())
    check_loss_fn(loss_fn)
    return as_callable("loss_fn", loss_fn, "an mx.gluon.loss.Loss or (output, *targets) -> "
                       "per-sample losses")


def _checked_net(net: Any) -> mx.gluon.Block:
    if not isinstance(net, mx.gluon.Block):
        raise TypeError("net must be an mx.gluon.Block; got {!r}".format(type(net)))
    if not net.collect_params():
        raise ValueError("net has no parameters to train: give the Learner a network with "
                         "layers such as mx.gluon.nn.Dense (define them in __init__ so that "
                         "Gluon registers them); got {!r}".format(type(net)))
    return net


def _checked_initializer(initializer: Any) -> Any:
    if initializer is None:
        return mx.init.Xavier()
    if not isinstance(initializer, mx.init.Initializer):
        raise TypeError("initializer must be an mx.init.Initializer such as mx.init.Xavier(), "
                        "or None; got {!r}".format(initializer))
    return initializer


@contextlib.contextmanager
def _scheduler_set_aside(optimizer: Any) -> Iterator[None]:
    """Take the optimizer's ``lr_scheduler`` off inside the block; put it back after.

    The optimizer's own rate goes back too: MXNet ignores it while a scheduler
    is attached, and with it back every attribute is as before the block.
    """
    scheduler, lr = optimizer.lr_scheduler, optimizer.lr
    if scheduler is None:
        yield
        return
    optimizer.lr_scheduler = None
    try:
        yield
    finally:
        optimizer.lr_scheduler, optimizer.lr = scheduler, lr


class Learner:
    """Train a Gluon network one batch at a time, at a learning rate per call.

    This is the "Learning Rate Finder" tutorial's ``Learner`` made robust: the
    same constructor and :meth:`iteration`, a :meth:`close` that works on
    MXNet 2.0, exact in-memory :meth:`snapshot` / :meth:`restore`, and several
    devices for data-parallel training.

    Parameters
    ----------
    net : mx.gluon.Block
        The network. Parameters that are not initialized yet are initialized
        with ``initializer``; initialized ones keep their values and are moved
        to ``device`` if they live elsewhere. It is called as ``net(*inputs)``
        and must return one array for a Gluon ``Loss``.
    data_loader : iterable
        Yields ``(data, label)`` batches of ``mx.np.ndarray`` (``data`` may be
        a tuple of arrays, for several inputs), or any batches ``batch_fn``
        understands; e.g. a ``DataLoader`` with a
        :class:`~gluon_lr.ContinuousBatchSampler`. A finite loader is simply
        iterated again when it runs out; a one-pass iterator (a generator)
        cannot be, and raises ValueError when it runs out.
    device : mx.device.Device, str or list, optional
        Where to train: one device, or a list for data parallelism (each batch
        is split across them). Defaults to ``mx.gpu()`` if present, else
        ``mx.cpu()``. Strings such as ``'cpu'`` or ``'gpu:1'`` are accepted.
    loss_fn : mx.gluon.loss.Loss or callable, optional
        Per-sample losses of ``loss_fn(output, *targets)``. Defaults to
        ``SoftmaxCrossEntropyLoss()``, a classifier's loss: pass e.g.
        ``mx.gluon.loss.L2Loss()`` for a regression.
    batch_fn : callable, optional
        ``batch_fn(batch) -> (inputs, targets)`` for batches that are not
        ``(data, label)``: dicts, several inputs (a tuple, given to the network
        as ``net(*inputs)``), several targets (a tuple, given to the loss as
        ``loss_fn(output, *targets)``) or none. The batch size is axis 0 of
        the first input, and several devices each get a part of every array.
        See :func:`~gluon_lr.batches.split_batch`.
    optimizer : str or mx.optimizer.Optimizer, default 'sgd'
        Used to build the Trainer when ``trainer`` is not given: a name MXNet
        registers (``'sgd'``, ``'adam'``, ...) or an optimizer object.
    optimizer_params : dict, optional
        Keyword arguments of the named optimizer; defaults to
        ``{'learning_rate': 0.001}``. Unknown names and out-of-range values
        (``learning_rate``, ``momentum``, ``beta1``, ``beta2``, ``wd``) are
        refused here rather than deep inside MXNet.
    trainer : mx.gluon.Trainer, optional
        A ready Trainer over ``net``'s parameters; excludes ``optimizer`` and
        ``optimizer_params``. It must not update on the kvstore, which MXNet
        does by default for several devices or a ``dist`` kvstore: create it
        with ``update_on_kvstore=False``.
    initializer : mx.init.Initializer, optional
        Defaults to ``mx.init.Xavier()``.
    hybridize : bool or dict, default False
        Hybridize the network (a dict is passed to ``net.hybridize``).
    kvstore : str, default 'device'
        The Trainer's kvstore for several devices. The Learner's Trainer always
        updates on the devices (``update_on_kvstore=False``), which keeps every
        piece of state where :meth:`snapshot` can reach it.
    accumulate : int, default 1
        Batches per optimizer step: large batches in small memory. Gradients
        of ``accumulate`` loader batches add up (``grad_req='add'``) and one
        step normalises them by the summed batch size. Every count in gluon-lr
        (the finder's sweep, trial and stage lengths, :meth:`peek_batches`,
        schedules' updates) is in optimizer steps; this is the one place that
        turns steps into loader batches. BatchNorm still sees each loader
        batch on its own.
    snapshot_device : Device or str, optional
        Keep :meth:`snapshot` copies on this device (e.g. ``'cpu'``): on a GPU
        the finder then needs no second copy of the model in device memory.
        The trained parameters and optimizer states, identical on every
        data-parallel replica, are kept once rather than once per device;
        BatchNorm statistics, which differ per replica, are kept per replica.
        Restore stays exact. ``None`` keeps a copy beside each replica.
    lr_mult : dict or (float, float), optional
        Per-layer rates: ``{pattern: multiplier}`` sets ``Parameter.lr_mult``
        of the parameters whose names match each regular expression (as
        ``net.collect_params(pattern)`` selects them,
        :func:`~gluon_lr.layer_rates.set_lr_mult`); a pair ``(lo, hi)`` spreads
        multipliers geometrically from ``lo / hi`` on the first top-level block
        to 1 on the last (:func:`~gluon_lr.layer_rates.discriminative_lr_mult`).
        Each parameter trains at the base rate (the one :meth:`run`, schedules
        and the finder set) times its multiplier; snapshots restore them.
    ctx : mx.device.Device, optional
        MXNet 1.x name of ``device``, accepted for the 1.x tutorial's code.

    Raises
    ------
    TypeError, ValueError
        Before any training, naming the argument: a net without parameters,
        a loss class instead of an instance, dict batches without
        ``batch_fn``, NumPy arrays in a batch, a tuple output given to a Gluon
        ``Loss``. Each batch is checked before it is trained on, and the
        network's output at its first forward pass, before any backward pass
        or step.

    Warns
    -----
    UserWarning
        For ``(data, label, extra)`` batches without ``batch_fn`` (the extra
        items are not used), and for a network with one output per sample
        under the default ``SoftmaxCrossEntropyLoss``.

    Attributes
    ----------
    iteration_loss : float or None
        The mean loss of the last batch.
    iteration_lr : float or None
        The learning rate of the last batch's step.

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluon_lr import ContinuousBatchSampler
    >>> data = mx.gluon.data.ArrayDataset(mx.np.ones((8, 3)), mx.np.zeros((8,)))
    >>> sampler = ContinuousBatchSampler(mx.gluon.data.SequentialSampler(8), batch_size=4)
    >>> loader = mx.gluon.data.DataLoader(data, batch_sampler=sampler)
    >>> with Learner(mx.gluon.nn.Dense(2), loader, mx.cpu()) as learner:
    ...     loss = learner.iteration(lr=0.1)
    >>> isinstance(loss, float)
    True
    """

    def __init__(self, net: mx.gluon.Block, data_loader: Iterable[Batch], device: Any = None, *,
                 loss_fn: Optional[Callable[..., Any]] = None, batch_fn: Optional[BatchFn] = None,
                 lr_mult: Optional[LrMult] = None,
                 optimizer: Union[str, mx.optimizer.Optimizer] = "sgd",
                 optimizer_params: Optional[Dict[str, Any]] = None,
                 trainer: Optional[mx.gluon.Trainer] = None,
                 initializer: Optional[mx.init.Initializer] = None,
                 hybridize: Union[bool, Dict[str, Any]] = False, kvstore: Any = "device",
                 accumulate: int = 1, snapshot_device: Any = None, ctx: Any = None) -> None:
        if ctx is not None:
            if device is not None:
                raise TypeError("pass device or its MXNet 1.x name ctx, not both")
            device = ctx
        self.net = _checked_net(net)
        self.data_loader = _checked_loader(data_loader)
        self.devices = resolve_devices(device)
        self.device = self.devices[0] if len(self.devices) == 1 else list(self.devices)
        self.loss_fn = _checked_loss_fn(loss_fn)
        self.batch_fn = _checked_batch_fn(batch_fn)
        # the default loss is a classifier's: a one-output net under it is a likely mistake
        self._default_loss = loss_fn is None
        self.accumulate = as_int("accumulate", accumulate, 1)
        self.snapshot_device = None if snapshot_device is None \
            else resolve_devices(snapshot_device)[0]
        hybridize = _checked_hybridize(hybridize)
        initializer = _checked_initializer(initializer)
        if trainer is None:
            optimizer, optimizer_params = checked_optimizer(optimizer, optimizer_params)
        apply_lr_mult(net, lr_mult)
        self._initialize(initializer)
        if self.accumulate > 1:
            self._accumulate_gradients()
        if hybridize is not False:
            net.hybridize(**(hybridize if isinstance(hybridize, dict) else {}))
        self.trainer = self._make_trainer(trainer, optimizer, optimizer_params, kvstore)
        self.iteration_loss: Optional[float] = None
        self.iteration_lr: Optional[float] = None
        self._data_iter: Optional[Iterator[Batch]] = None
        # batches drawn ahead, served before the loader's
        self._pending: Deque[Batch] = collections.deque()
        # the loader's first batch and the net's first output are checked once
        self._batch_checked = self._output_checked = False
        self._closed = False

    @property
    def ctx(self) -> Any:
        """MXNet 1.x name of :attr:`device`."""
        return self.device

    def _initialize(self, initializer: Any) -> None:
        for param in self.net.collect_params().values():
            if _is_uninitialized(param):
                param.initialize(init=None, device=self.devices, default_init=initializer)
            elif list(param.list_device()) != self.devices:
                param.reset_device(self.devices)

    def _accumulate_gradients(self) -> None:
        """Gradients add up over a step's batches: ``grad_req='add'``, zeroed after each step."""
        for param in self.net.collect_params().values():
            if param.grad_req == "write":
                param.grad_req = "add"
        if all(param_has_data(p) for p in self.net.collect_params().values()):
            self.net.zero_grad()

    def _make_trainer(self, trainer: Any, optimizer: Any,
                      optimizer_params: Optional[Dict[str, Any]], kvstore: Any) -> Any:
        if trainer is not None:
            if optimizer != "sgd" or optimizer_params is not None:
                raise TypeError("pass either trainer or optimizer/optimizer_params, not both")
            if not isinstance(trainer, mx.gluon.Trainer):
                raise TypeError("trainer must be an mx.gluon.Trainer; got {!r}".format(
                    type(trainer)))
            if updates_on_kvstore(trainer):
                raise ValueError(
                    "trainer must not update on the kvstore: its optimizer states would live "
                    "inside the kvstore, where no snapshot can restore them (MXNet turns this "
                    "on at the first step for several devices or a dist kvstore unless told "
                    "otherwise). Create it with mx.gluon.Trainer(params, optimizer, "
                    "optimizer_params, update_on_kvstore=False), or pass optimizer= and "
                    "optimizer_params= to the Learner instead")
            return trainer
        return mx.gluon.Trainer(self.net.collect_params(), optimizer, optimizer_params,
                                kvstore=kvstore, update_on_kvstore=False)

    # -- training -------------------------------------------------------------------------

    def _set_learning_rate(self, lr: float) -> None:
        lr = as_lr("lr", lr)
        optimizer = self.trainer.optimizer
        if optimizer.lr_scheduler is not None:
            raise ValueError("lr cannot be set: the optimizer's lr_scheduler decides the "
                             "learning rate. Call iteration() without lr, or run(steps, lr=...), "
                             "which sets the scheduler aside for the run")
        if lr != optimizer.lr:
            self.trainer.set_learning_rate(lr)

    def set_data_loader(self, data_loader: Iterable[Batch]) -> None:
        """Train on ``data_loader`` from the next :meth:`iteration` on.

        The current iterator is released as by :meth:`close`, and any batch
        held back by :meth:`initialize_parameters` is dropped.
        """
        data_loader = _checked_loader(data_loader)
        self._release_iterator()
        self._pending.clear()
        self.data_loader = data_loader
        self._batch_checked = False

    def _next_batch(self) -> Batch:
        if self._pending:
            return self._pending.popleft()
        return self._read_loader()

    def _read_loader(self) -> Batch:
        if self._data_iter is None:
            self._data_iter = iter(self.data_loader)
        try:
            return next(self._data_iter)
        except StopIteration:
            pass
        # A finite loader ran out: start its next pass.
        self._data_iter = iter(self.data_loader)
        try:
            return next(self._data_iter)
        except StopIteration:
            pass
        if isinstance(self.data_loader, collections.abc.Iterator):
            raise ValueError(
                "data_loader is a one-pass iterator (such as a generator) and has run out: the "
                "Learner starts a loader's next pass when it runs out, which an iterator "
                "cannot do. Pass a list of batches, or an mx.gluon.data.DataLoader (with "
                "batch_sampler=gluon_lr.ContinuousBatchSampler(...) for endless batches)")
        raise ValueError("data_loader yields no batches (is the dataset empty?)")

    def _draw_ahead(self, count: int) -> List[Batch]:
        """The next ``count`` loader batches, drawn now and kept to be trained on next."""
        if self._closed:
            raise RuntimeError("this Learner is closed")
        while len(self._pending) < count:
            self._pending.append(self._read_loader())
        return list(self._pending)[:count]

    def peek_batches(self, steps: int) -> List[Batch]:
        """Return the batches of the next ``steps`` optimizer steps without consuming them.

        That is ``steps * accumulate`` loader batches, in order. They are drawn
        from the loader now and kept: the next steps train on exactly these.
        With :meth:`replay` they let several trials see the same batches from
        any loader, seeded or not, at the memory cost of holding them.

        Examples
        --------
        >>> import mxnet as mx
        >>> batches = [(mx.np.full((2, 3), float(i)), mx.np.zeros((2,))) for i in range(3)]
        >>> learner = Learner(mx.gluon.nn.Dense(2, in_units=3), batches, mx.cpu())
        >>> [b[0][0, 0].item() for b in learner.peek_batches(2)]
        [0.0, 1.0]
        >>> loss = learner.iteration(lr=0.0)  # trains on batch 0, as if never peeked
        >>> [b[0][0, 0].item() for b in learner.peek_batches(2)]
        [1.0, 2.0]
        """
        return self._draw_ahead(as_int("steps", steps, 1) * self.accumulate)

    @contextlib.contextmanager
    def replay(self, batches: Sequence[Batch]) -> Iterator[None]:
        """Train on ``batches`` inside the block, in order and again from the start when used up.

        The loader, its position and any peeked batches are set aside and
        come back unchanged when the block ends.

        Parameters
        ----------
        batches : list
            Loader batches making whole optimizer steps: a multiple of
            ``accumulate`` batches, e.g. from :meth:`peek_batches`, so that
            every pass over them is the same steps.
        """
        if not isinstance(batches, (list, tuple)) or not batches:
            raise TypeError("batches must be a non-empty list of (data, label) batches, "
                            "e.g. from peek_batches(); got {!r}".format(type(batches)))
        if len(batches) % self.accumulate:
            raise ValueError("batches must hold whole optimizer steps: a multiple of "
                             "accumulate={} batches, got {}".format(self.accumulate,
                                                                    len(batches)))
        saved = (self.data_loader, self._data_iter, self._pending)
        self.data_loader, self._data_iter, self._pending = list(batches), None, \
            collections.deque()
        try:
            yield
        finally:
            self.data_loader, self._data_iter, self._pending = saved

    def _split(self, batch: Batch) -> Tuple[Arrays, Arrays]:
        """A batch's ``(inputs, targets)``; the loader's first batch is checked for extra items."""
        if not self._batch_checked:
            warn_extra_items(batch, self.batch_fn)
            self._batch_checked = True
        return split_batch(batch, self.batch_fn)

    def _to_devices(self, arrays: Arrays) -> List[Arrays]:
        """Every device's part of the arrays: one tuple per device, each array split on axis 0."""
        if len(self.devices) == 1:
            return [tuple(array.to_device(self.devices[0]) for array in arrays)]
        parts = [split_and_load(array, self.devices, even_split=False) for array in arrays]
        return [tuple(part[index] for part in parts) for index in range(len(self.devices))]

    def _forward(self, inputs: Arrays) -> Any:
        """``net(*inputs)``, its first output checked against ``loss_fn``."""
        output = self.net(*inputs)
        if not self._output_checked:
            check_output(output, self.loss_fn, self._default_loss)
            self._output_checked = True
        return output

    def initialize_parameters(self) -> None:
        """Finish deferred parameter initialization without changing any state.

        Gluon creates parameters with unknown shapes at the first forward pass.
        The tutorial's finder ran ``iteration(take_step=False)`` for that, which
        moves BatchNorm statistics. This runs the first batch forward in
        inference mode instead (nothing recorded, no statistics updated) and
        keeps that batch for the next :meth:`iteration`, so no batch is skipped.
        Does nothing when every parameter already has its shape.
        """
        if self._closed:
            raise RuntimeError("this Learner is closed")
        if not any(param_is_deferred(p) for p in self.net.collect_params().values()):
            return
        inputs = self._split(self._draw_ahead(1)[0])[0]
        with autograd.pause(train_mode=False):
            self._forward(self._to_devices(inputs)[0])

    def iteration(self, lr: Optional[float] = None, take_step: bool = True) -> float:
        """Train on the next batch (``accumulate`` batches) and return the mean loss.

        Parameters
        ----------
        lr : float, optional
            Learning rate for this step; ``None`` keeps the current one.
            ``0.0`` is honoured (the tutorial's ``if lr:`` ignored it).
        take_step : bool, default True
            Update the parameters. With ``False`` the forward and backward
            passes still run (in training mode, so BatchNorm statistics move).
            When the optimizer has an ``lr_scheduler`` that defines
            ``momentum(t)`` (e.g. :class:`~gluon_lr.schedules.OneCycleLR`), the
            step's momentum (or ``beta1``) is set from it first, through
            :func:`~gluon_lr.momentum.sync_momentum`.

        Returns
        -------
        float
            The batch's mean loss (over all ``accumulate`` batches), also stored
            in :attr:`iteration_loss`.
        """
        if self._closed:
            raise RuntimeError("this Learner is closed")
        as_bool("take_step", take_step)
        if lr is not None:
            self._set_learning_rate(lr)
        batch_losses, samples = [], 0
        for _ in range(self.accumulate):
            inputs, targets = self._split(self._next_batch())
            shards = zip(self._to_devices(inputs), self._to_devices(targets))
            with autograd.record():
                losses = [self.loss_fn(self._forward(xs), *ys) for xs, ys in shards]
            autograd.backward(losses)
            batch_losses.extend(losses)
            samples += inputs[0].shape[0]
        if take_step:
            if self.trainer.optimizer.lr_scheduler is not None:
                sync_momentum(self.trainer)
            self.trainer.step(self._step_batch_size(samples))
        if self.accumulate > 1:
            self.net.zero_grad()
        self.iteration_lr = self.trainer.learning_rate
        self.iteration_loss = loss = self._mean_loss(batch_losses, samples)
        return loss

    def _step_batch_size(self, samples: int) -> int:
        """The batch size ``trainer.step`` normalises the summed gradients by."""
        return samples

    def _mean_loss(self, losses: Sequence[Any], samples: int) -> float:
        """The mean per-sample loss of one step's loss arrays (the tutorial's for one array)."""
        if len(losses) == 1:
            return cast(float, mx.np.mean(losses[0]).item())
        return cast(float, sum(loss.sum().item() for loss in losses) / samples)

    def evaluate_loss(self, data_loader: Iterable[Batch]) -> float:
        """The mean per-sample loss over a finite loader, in inference mode.

        The batches are read as training batches are (``batch_fn``, several
        inputs and targets, split over the devices), from a new pass over
        ``data_loader`` at every call; nothing is trained or recorded, and
        BatchNorm uses its running statistics. The weights are those of
        :meth:`evaluation_weights` (a Schedule-Free optimizer's ``x``).

        Parameters
        ----------
        data_loader : iterable
            A finite loader that can be iterated again and again (a list of
            batches, a ``DataLoader``), such as a validation set.

        Examples
        --------
        >>> import mxnet as mx
        >>> net = mx.gluon.nn.Dense(1, in_units=1, use_bias=False)
        >>> net.initialize(mx.init.One())
        >>> batches = [{"x": mx.np.array([[1.0], [2.0]]), "y": mx.np.array([[0.0], [0.0]])}]
        >>> learner = Learner(net, batches, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
        ...                   batch_fn=lambda b: (b["x"], b["y"]))
        >>> learner.evaluate_loss(batches)  # (0.5 * 1 + 0.5 * 4) / 2
        1.25
        """
        if isinstance(_checked_loader(data_loader), collections.abc.Iterator):
            raise TypeError("data_loader must be iterable again and again (a list of batches "
                            "or a DataLoader), not a one-pass iterator; got {!r}".format(
                                type(data_loader)))
        mx.npx.waitall()  # a static_alloc graph's last BatchNorm writes are not tracked
        total, samples = 0.0, 0
        with self.evaluation_weights(), autograd.pause(train_mode=False):
            for batch in data_loader:
                inputs, targets = split_batch(batch, self.batch_fn)
                for xs, ys in zip(self._to_devices(inputs), self._to_devices(targets)):
                    total += self.loss_fn(self._forward(xs), *ys).sum().item()
                samples += inputs[0].shape[0]
        if not samples:
            raise ValueError("data_loader yields no samples to measure the loss on")
        return total / samples

    def run(self, steps: int, lr: Rate = None,
            callback: Optional[StepCallback] = None) -> List[float]:
        """Train ``steps`` optimizer steps and return their losses.

        Parameters
        ----------
        steps : int
            Optimizer steps to run, at least 1.
        lr : None, float or callable, optional
            ``None`` leaves the learning rate to the optimizer (its current
            rate, or its ``lr_scheduler``); a float trains every step at that
            rate; a callable is a schedule ``lr(step) -> float`` over this run's
            steps ``1 .. steps``, so any gluon-lr schedule re-based to start here.
            With a float or a callable, an attached ``lr_scheduler`` is set
            aside for the run and put back unchanged, with the optimizer's
            own rate, however the run ends. This is the one place in gluon-lr
            that detaches a scheduler. The optimizer's update count has
            advanced by the run's steps, and the scheduler reads it from there.
        callback : callable, optional
            ``callback(step, lr, loss) -> stop?`` after every step, with the
            1-based step of this run, the step's learning rate and its loss. A
            true return value ends the run after that step.

        Returns
        -------
        list of float
            One loss per step taken. A NaN or infinite loss ends the run: it is
            the last loss returned.

        Examples
        --------
        >>> import mxnet as mx
        >>> batches = [(mx.np.ones((4, 3)), mx.np.zeros((4,)))] * 3
        >>> learner = Learner(mx.gluon.nn.Dense(2), batches, mx.cpu())
        >>> seen = []
        >>> losses = learner.run(3, lr=lambda step: 0.1 * step,
        ...                      callback=lambda step, lr, loss: seen.append((step, lr)))
        >>> len(losses), seen
        (3, [(1, 0.1), (2, 0.2), (3, 0.30000000000000004)])
        """
        steps = as_int("steps", steps, 1)
        schedule = lr if callable(lr) else None
        fixed = None if schedule is not None or lr is None else as_lr("lr", lr)
        if callback is not None:
            as_callable("callback", callback, "(step, lr, loss) -> stop?")
        losses = []
        with _scheduler_set_aside(self.trainer.optimizer) if lr is not None \
                else contextlib.nullcontext():
            for step in range(1, steps + 1):
                loss = self.iteration(schedule(step) if schedule is not None else fixed)
                losses.append(loss)
                stop = callback is not None and callback(
                    step, cast(float, self.iteration_lr), loss)
                if stop or not math.isfinite(loss):
                    break
        return losses

    @contextlib.contextmanager
    def trial(self) -> Iterator[TrainingState]:
        """Snapshot on entry and restore exactly on exit, whatever ends the block.

        Deferred parameter shapes are resolved first (see
        :meth:`initialize_parameters`), so the snapshot covers every parameter.
        The state is restored on a normal exit, an exception and a
        ``KeyboardInterrupt`` alike.

        Yields
        ------
        TrainingState
            The snapshot; :meth:`restore` it to start over inside the block.

        Examples
        --------
        >>> import mxnet as mx
        >>> batches = [(mx.np.ones((4, 3)), mx.np.zeros((4,)))]
        >>> learner = Learner(mx.gluon.nn.Dense(2), batches, mx.cpu())
        >>> learner.initialize_parameters()
        >>> before = learner.net.weight.data().asnumpy()
        >>> with learner.trial():
        ...     losses = learner.run(5, lr=1.0)
        >>> bool((learner.net.weight.data().asnumpy() == before).all())
        True
        """
        self.initialize_parameters()
        snapshot = self.snapshot()
        try:
            yield snapshot
        finally:
            self.restore(snapshot)

    @contextlib.contextmanager
    def evaluation_weights(self, num_batches: int = 50) -> Iterator[None]:
        """Inside the block the network holds the weights to evaluate; on exit, the trained ones.

        For a Schedule-Free optimizer (``'sgd_schedulefree'``,
        ``'adamw_schedulefree'``) those are its average ``x``, swapped in by
        :func:`gluon_lr.optimizers.evaluation_weights`, with BatchNorm's running
        statistics recomputed on the next ``num_batches`` training steps'
        batches (:meth:`peek_batches`: training still takes them next). On
        exit everything is restored bit for bit. For any other optimizer the
        weights are the trained ones and the block changes nothing.
        :meth:`evaluate_loss` and :func:`gluon_lr.recipes.evaluate_accuracy`
        measure inside it.

        Parameters
        ----------
        num_batches : int, default 50
            Steps' batches for BatchNorm's statistics, ``>= 1``; only a
            Schedule-Free optimizer on a network with BatchNorm uses them.

        Examples
        --------
        >>> import mxnet as mx
        >>> net = mx.gluon.nn.Dense(1, in_units=1, use_bias=False)
        >>> net.initialize(mx.init.One())
        >>> batches = [(mx.np.ones((1, 1)), mx.np.zeros((1, 1)))]
        >>> learner = Learner(net, batches, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
        ...                   optimizer="sgd_schedulefree",
        ...                   optimizer_params={"learning_rate": 0.5, "momentum": 0.5})
        >>> losses = learner.run(2)
        >>> with learner.evaluation_weights():
        ...     print(net.weight.data().item())
        0.375
        >>> net.weight.data().item()
        0.3125
        """
        as_int("num_batches", num_batches, 1)
        if not isinstance(self.trainer.optimizer, ScheduleFree):
            yield
            return
        batches = self.peek_batches(num_batches) if has_batchnorm(self.net) else None
        with evaluation_weights(self.net, self.trainer, batches,
                                num_batches=num_batches * self.accumulate):
            yield

    # -- state ----------------------------------------------------------------------------

    def snapshot(self) -> TrainingState:
        """Copy the network's and the Trainer's state in memory.

        Returns
        -------
        TrainingState
            Pass it to :meth:`restore`, as often as needed.
        """
        return TrainingState(self.net, self.trainer, device=self.snapshot_device)

    def restore(self, snapshot: TrainingState) -> None:
        """Put back the state captured by :meth:`snapshot`, bit for bit."""
        if not isinstance(snapshot, TrainingState):
            raise TypeError("snapshot must come from Learner.snapshot(); got {!r}".format(
                type(snapshot)))
        if snapshot.trainer is not self.trainer:
            raise ValueError("snapshot was taken from another Learner's trainer")
        snapshot.restore()

    # -- clean-up -------------------------------------------------------------------------

    def close(self) -> None:
        """Release the data iterator; safe to call more than once.

        On MXNet 2.0 a ``DataLoader`` iterator has no ``shutdown()`` (the
        tutorial's ``close`` raised AttributeError): a ``num_workers=0`` loader
        gives a generator, which is closed; a multi-worker iterator is dropped,
        and its worker pool stays with the ``DataLoader``, which other Learners
        may still use. An MXNet 1.x iterator's ``shutdown()`` is called.
        """
        if self._closed:
            return
        self._closed = True
        self._release_iterator()

    def _release_iterator(self) -> None:
        data_iter, self._data_iter = self._data_iter, None
        for name in ("shutdown", "close"):
            method = getattr(data_iter, name, None)
            if callable(method):
                method()
                break

    def __enter__(self) -> "Learner":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
