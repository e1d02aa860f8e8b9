"""Epoch-based training on a Learner, with a per-epoch history."""
import statistics

from ._validate import as_int

__all__ = ["train_epochs"]


def train_epochs(learner, epochs, iterations_per_epoch, evaluate=None, on_iteration=None):
    """Train ``epochs`` x ``iterations_per_epoch`` steps and record each epoch.

    The learning rate (and momentum) come from the Learner's optimizer, e.g.
    its ``lr_scheduler``; see :meth:`Learner.iteration`.

    Parameters
    ----------
    learner : Learner
    epochs, iterations_per_epoch : int
        Both >= 1.
    evaluate : callable, optional
        ``learner -> float`` after each epoch, e.g. test accuracy.
    on_iteration : callable, optional
        ``(epoch, loss) -> None`` after every step, e.g. to update a bar.

    Returns
    -------
    list of dict
        Per epoch: ``epoch``, ``train_loss`` (mean batch loss), ``lr`` (the
        last step's learning rate), ``momentum`` (or ``beta1``, or None),
        and ``test_accuracy`` (None without ``evaluate``).
    """
    as_int("epochs", epochs, 1)
    as_int("iterations_per_epoch", iterations_per_epoch, 1)
    optimizer = learner.trainer.optimizer
    history = []
    for epoch in range(1, epochs + 1):
        losses = []
        for _ in range(iterations_per_epoch):
            losses.append(learner.iteration())
            if on_iteration is not None:
                on_iteration(epoch, losses[-1])
        history.append({
            "epoch": epoch, "train_loss": statistics.fmean(losses),
            "lr": optimizer.learning_rate,
            "momentum": getattr(optimizer, "beta1", getattr(optimizer, "momentum", None)),
            "test_accuracy": None if evaluate is None else evaluate(learner)})
    return history
