"""Epoch training with a schedule, and the peak learning rate a finder run suggested."""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from .._validate import as_int, as_lr
from ..callbacks import ProgressBar, chain
from ..autolrs.budget import SEARCH_SPAN, fitted_lengths, search_range
from ..training import train_epochs
from .cifar10 import evaluate_accuracy

if TYPE_CHECKING:
    from ..autolrs import AutoLRS, Stage
    from ..finder import LRFinder
    from ..learner import Learner, StepCallback

__all__ = ["train_with_schedule", "suggested_lr_from_summary", "batches_per_epoch",
           "autolrs_range", "train_with_autolrs"]


def suggested_lr_from_summary(path: str) -> Tuple[Optional[float], str]:
    """The learning rate a ``gluon-lr find`` ``summary.json`` suggests.

    A confirmed learning rate (``confirmed_lr``) is preferred to the rule's
    ``suggested_lr``.

    Returns
    -------
    (float or None, str)
        The learning rate (None if the finder gave none) and the key it came from.

    Raises
    ------
    ValueError
        If the file is not JSON, not an object, or holds a value that is not a
        learning rate.
    """
    with open(path) as handle:
        try:
            summary = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError("finder summary {} is not JSON ({})".format(path, error)) from None
    if not isinstance(summary, dict):
        raise ValueError("finder summary {} must be a JSON object with 'suggested_lr' (as "
                         "'gluon-lr find' writes it); got a {}".format(path,
                                                                      type(summary).__name__))
    for key in ("confirmed_lr", "suggested_lr"):
        value = summary.get(key)
        if value is not None:
            return as_lr("{}'s {}".format(path, key), value, allow_zero=False), key
    return None, "suggested_lr"


def train_with_schedule(learner: Learner, *, epochs: int, iterations_per_epoch: int,
                        schedule: Optional[Callable[[int], float]] = None, test_set: Any = None,
                        batch_size: int = 128, num_workers: int = 2, progress: bool = True,
                        callback: Optional[StepCallback] = None) -> List[Dict[str, Any]]:
    """Train epochs with ``schedule`` as the optimizer's ``lr_scheduler``.

    Parameters
    ----------
    learner : Learner
    epochs, iterations_per_epoch : int
    schedule : callable, optional
        A schedule of the update number (e.g. from
        :func:`gluon_lr.schedules.create_schedule`); ``None`` keeps the
        optimizer's learning rate.
    test_set : Dataset, optional
        Scored after every epoch.
    callback : callable, optional
        ``(step, lr, loss) -> stop?`` after every step, e.g. a
        :class:`gluon_lr.training.StepLog` for a per-step record.

    Returns
    -------
    list of dict
        The per-epoch history of :func:`gluon_lr.training.train_epochs`.
    """
    total = as_int("epochs", epochs, 1) * as_int("iterations_per_epoch", iterations_per_epoch, 1)
    if schedule is not None:
        learner.trainer.optimizer.lr_scheduler = schedule

    def evaluate(lrn: Learner) -> float:
        return evaluate_accuracy(lrn, test_set, batch_size=batch_size, num_workers=num_workers)

    with ProgressBar(total, "train", enabled=progress) as bar:
        return train_epochs(learner, epochs, iterations_per_epoch,
                            evaluate=None if test_set is None else evaluate,
                            callback=chain(bar, callback))


def batches_per_epoch(dataset_size: int, batch_size: int) -> int:
    """Batches in one pass over ``dataset_size`` items, the last one partial."""
    return math.ceil(dataset_size / batch_size)


def autolrs_range(finder: LRFinder, span: float = SEARCH_SPAN) -> Tuple[float, float]:
    """``(min_lr, max_lr)`` for AutoLRS from a finder sweep.

    The sweep's falling region, clipped to at most ``span`` below its top
    (:func:`gluon_lr.autolrs.budget.search_range`).

    Raises
    ------
    ValueError
        When the sweep's smoothed loss never falls.
    """
    return search_range(finder.lrs, finder.losses, span)


def train_with_autolrs(learner: Learner, *, total_steps: int, min_lr: float, max_lr: float,
                       tau: Optional[int] = None, k: int = 10, tau_max: Optional[int] = None,
                       seed: int = 0, progress: bool = True,
                       stage_callback: Optional[Callable[[Stage], Any]] = None) -> AutoLRS:
    """Train ``total_steps`` optimizer steps, search included, with AutoLRS.

    Parameters
    ----------
    learner : Learner
    total_steps : int
        Every optimizer step, candidates' trials included.
    min_lr, max_lr : float
        The searched interval (e.g. from :func:`autolrs_range`).
    tau : int, optional
        Training steps of the first stage, with ``tau' = tau // k``. Default:
        the lengths :func:`gluon_lr.autolrs.fitted_lengths` fits to
        ``total_steps`` (the paper's proportions, at least 6 stages, trials of
        at least 20 steps; it raises ``ValueError`` below
        ``6 * (k + 10) * 20`` steps, where ``tau`` must be given).
    k : int, default 10
        Candidates per stage.
    tau_max : int, optional
        Stages double while ``tau < tau_max``; default the fitted one, or
        ``8 * tau`` (the paper's 8000 for 1000) with ``tau`` given.
    stage_callback : callable, optional
        ``stage -> stop?`` after every stage (:meth:`AutoLRS.run
        <gluon_lr.autolrs.AutoLRS.run>`), e.g. a TensorBoardLogger's ``stage``.

    Returns
    -------
    gluon_lr.autolrs.AutoLRS
        With the stages it ran and the schedule it found.
    """
    from ..autolrs import AutoLRS
    total_steps = as_int("total_steps", total_steps, 1)
    k = as_int("k", k, 2)
    if tau is None:
        lengths = fitted_lengths(total_steps, k)
        tau, tau_prime = lengths.tau, lengths.tau_prime
        tau_max = lengths.tau_max if tau_max is None else tau_max
    else:
        tau_prime = None
        tau_max = 8 * as_int("tau", tau, 1) if tau_max is None else tau_max
    autolrs = AutoLRS(learner, min_lr, max_lr, tau=tau, k=k, tau_max=tau_max, seed=seed,
                      progress=progress, tau_prime=tau_prime)
    autolrs.run(total_steps, stage_callback=stage_callback)
    return autolrs
