"""Epoch-based training on a Learner, with a per-epoch history."""
import math
import statistics
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from ._validate import as_callable, as_int

if TYPE_CHECKING:
    from .learner import Learner, StepCallback

__all__ = ["train_epochs", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """A training loss became NaN or infinite; the history up to it is in ``history``."""

    def __init__(self, message: str, history: List[Dict[str, Any]]) -> None:
        super().__init__(message)
        self.history = history


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
        Per epoch: ``epoch``, ``train_loss`` (mean batch loss), ``lr`` (the
        last step's learning rate), ``momentum`` (or ``beta1``, or None),
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
    optimizer = learner.trainer.optimizer
    history: List[Dict[str, Any]] = []
    for epoch in range(1, epochs + 1):
        losses = learner.run(iterations_per_epoch, callback=callback)
        if not math.isfinite(losses[-1]):
            raise TrainingDiverged("training diverged: the loss was {} at step {} of epoch {}"
                                   .format(losses[-1], len(losses), epoch), history)
        history.append({
            "epoch": epoch, "train_loss": statistics.fmean(losses),
            "lr": optimizer.learning_rate,
            "momentum": getattr(optimizer, "beta1", getattr(optimizer, "momentum", None)),
            "test_accuracy": None if evaluate is None else evaluate(learner)})
    return history
