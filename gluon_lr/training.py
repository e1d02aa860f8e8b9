"""Epoch-based training on a Learner: a per-epoch history and, as a callback, a per-step log."""
import math
import statistics
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from ._validate import as_callable, as_int
from .callbacks import chain

if TYPE_CHECKING:
    from .learner import Learner, StepCallback

__all__ = ["train_epochs", "TrainingDiverged", "StepLog", "current_momentum"]


class TrainingDiverged(FloatingPointError):
    """A training loss became NaN or infinite; the history up to it is in ``history``."""

    def __init__(self, message: str, history: List[Dict[str, Any]]) -> None:
        super().__init__(message)
        self.history = history


def current_momentum(learner: "Learner") -> Optional[float]:
    """The optimizer's momentum (``beta1`` for Adam-family optimizers), or None if it has none.

    The optimizer is read from the Trainer at each call: ``Trainer.load_states``
    replaces it.
    """
    optimizer = learner.trainer.optimizer
    value = getattr(optimizer, "beta1", getattr(optimizer, "momentum", None))
    return None if value is None else float(value)


class StepLog:
    """A ``(step, lr, loss)`` callback that records every optimizer step it sees.

    Pass it to :meth:`Learner.run` (or :func:`train_epochs`): each call adds a
    row ``{'step', 'lr', 'momentum', 'loss'}`` to :attr:`rows`, where
    ``step`` counts every step it has seen, 1-based, across runs and epochs,
    and ``momentum`` is the optimizer's (see :func:`current_momentum`) at
    that step. It never asks to stop.

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluon_lr import Learner
    >>> batches = [(mx.np.ones((4, 3)), mx.np.zeros((4,)))] * 2
    >>> learner = Learner(mx.gluon.nn.Dense(2), batches, mx.cpu(),
    ...                   optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    >>> log = StepLog(learner)
    >>> _ = learner.run(2, callback=log)
    >>> _ = learner.run(1, lr=0.05, callback=log)
    >>> [(row["step"], row["lr"], row["momentum"]) for row in log.rows]
    [(1, 0.1, 0.9), (2, 0.1, 0.9), (3, 0.05, 0.9)]
    """

    def __init__(self, learner: "Learner") -> None:
        self.learner = learner
        self.rows: List[Dict[str, Any]] = []

    def __call__(self, step: int, lr: float, loss: float) -> bool:
        self.rows.append({"step": len(self.rows) + 1, "lr": lr,
                          "momentum": current_momentum(self.learner), "loss": loss})
        return False


def train_epochs(learner: "Learner", epochs: int, iterations_per_epoch: int,
                 evaluate: Optional[Callable[[Any], float]] = None,
                 callback: Optional["StepCallback"] = None
                 ) -> List[Dict[str, Any]]:
    """Train ``epochs`` x ``iterations_per_epoch`` optimizer steps and record each epoch.

    The learning rate (and momentum) come from the Learner's optimizer, e.g.
    its ``lr_scheduler``; see :meth:`Learner.run`.

    Parameters
    ----------
    learner : Learner
    epochs, iterations_per_epoch : int
        Both >= 1; ``iterations_per_epoch`` counts optimizer steps
        (``accumulate`` loader batches each).
    evaluate : callable, optional
        ``learner -> float`` after each epoch, e.g. test accuracy.
    callback : callable, optional
        ``(step, lr, loss) -> stop?`` after every step (see :meth:`Learner.run`);
        ``step`` counts within the epoch. Stopping ends the epoch early.

    Returns
    -------
    list of dict
        Per epoch: ``epoch``, ``train_loss`` (mean batch loss), ``lr_last``
        and ``lr_peak`` (the epoch's last and highest learning rate),
        ``momentum_last`` (the last step's momentum or ``beta1``, or None),
        and ``test_accuracy`` (None without ``evaluate``).

    Raises
    ------
    TrainingDiverged
        When a batch loss is NaN or infinite; training stops there.
    """
    as_int("epochs", epochs, 1)
    as_int("iterations_per_epoch", iterations_per_epoch, 1)
    if evaluate is not None:
        as_callable("evaluate", evaluate, "learner -> float")
    history: List[Dict[str, Any]] = []
    for epoch in range(1, epochs + 1):
        log = StepLog(learner)
        losses = learner.run(iterations_per_epoch, callback=chain(log, callback))
        if not math.isfinite(losses[-1]):
            raise TrainingDiverged("training diverged: the loss was {} at step {} of epoch {}"
                                   .format(losses[-1], len(losses), epoch), history)
        history.append({
            "epoch": epoch, "train_loss": statistics.fmean(losses),
            "lr_last": log.rows[-1]["lr"], "lr_peak": max(row["lr"] for row in log.rows),
            "momentum_last": log.rows[-1]["momentum"],
            "test_accuracy": None if evaluate is None else evaluate(learner)})
    return history
