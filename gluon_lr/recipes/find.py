"""The finder as ``gluon-lr find`` runs it: a sweep, a suggestion and a summary."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Tuple

from ..finder import LRFinder
from ..suggest import DEFAULT_RULE, SUGGESTION_METHODS
from ..sweeps import DEFAULT_SWEEP, Sweep

if TYPE_CHECKING:
    from ..learner import Learner, StepCallback

__all__ = ["DEFAULT_SWEEP", "find_learning_rate"]


def find_learning_rate(learner: Learner, *, sweep: Sweep = DEFAULT_SWEEP, smoothing: float = 0.3,
                       method: str = DEFAULT_RULE, confirm: bool = False,
                       confirm_budget: Optional[int] = None,
                       val_data: Optional[Iterable[Any]] = None,
                       callback: Optional[StepCallback] = None,
                       confirm_callback: Optional[StepCallback] = None,
                       progress: bool = True) -> Tuple[LRFinder, Dict[str, Any]]:
    """Run :meth:`LRFinder.find` and suggest a learning rate.

    Parameters
    ----------
    learner : Learner
    sweep : Sweep, default DEFAULT_SWEEP
        The rates to try (75 log-spaced points over 1e-5 .. 10).
    smoothing, progress
        As for :meth:`LRFinder.find`.
    method : {'lowest', 'steepest', 'valley', 'minimum'}, default 'lowest'
        The suggestion rule.
    confirm : bool, default False
        Confirm the suggestion with :meth:`LRFinder.confirm` (default candidates
        and scoring) after the sweep.
    confirm_budget : int, optional
        Optimizer steps for all confirmation trials; default 4 times the sweep's.
    val_data : iterable of batches, optional
        A finite validation loader, measured at every step of the sweep
        (:meth:`LRFinder.find`'s ``val_data``); the summary then also has
        ``suggested_lr_val``, the rule read off the validation curve.
    callback, confirm_callback : callable, optional
        ``(step, lr, loss) -> stop?`` for the sweep's steps and for the
        confirmation trials' steps, e.g. :class:`gluon_lr.TensorBoardLogger` instances.

    Returns
    -------
    (LRFinder, dict)
        The finder, holding the sweep, and a summary: ``suggested_lr``,
        ``method``, ``iterations``, ``seconds``, ``first_lr``, ``last_lr``,
        ``stopped_by`` and ``sweep`` (:meth:`Sweep.describe` and ``smoothing``);
        with ``confirm``, also ``confirmed_lr``, ``confirm_steps`` (steps
        spent), ``confirm_seconds`` and ``trials``.
    """
    if method not in SUGGESTION_METHODS:
        raise ValueError("method must be one of {}, got {!r}".format(
            ", ".join(sorted(SUGGESTION_METHODS)), method))
    finder = LRFinder(learner)
    started = time.perf_counter()
    results = finder.find(sweep=sweep, smoothing=smoothing, val_data=val_data,
                          callback=callback, progress=progress)
    seconds = time.perf_counter() - started
    summary: Dict[str, Any] = {"suggested_lr": finder.suggest(method), "method": method,
               "iterations": len(results), "seconds": round(seconds, 2),
               "first_lr": results[0][0], "last_lr": results[-1][0],
               "stopped_by": finder.stop_reason,
               "sweep": dict(sweep.describe(), smoothing=smoothing)}
    if val_data is not None:
        summary["suggested_lr_val"] = finder.suggest(method, curve="val")
    if confirm:
        started = time.perf_counter()
        summary["confirmed_lr"] = finder.confirm(budget=confirm_budget,
                                                 callback=confirm_callback, progress=progress)
        confirmation = finder.confirmation
        assert confirmation is not None  # confirm() records it
        summary.update(confirm_steps=confirmation.steps_spent,
                       confirm_seconds=round(time.perf_counter() - started, 2),
                       trials=confirmation.table())
    return finder, summary
