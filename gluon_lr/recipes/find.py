"""The finder as ``gluon-lr find`` runs it: a sweep, a suggestion and a summary."""
import time

from ..finder import LRFinder
from ..suggest import DEFAULT_RULE, SUGGESTION_METHODS

__all__ = ["DEFAULT_SWEEP", "find_learning_rate"]

#: ``gluon-lr find``'s sweep: 75 log-spaced points over 1e-5 .. 10, early stop. fastai's
#: density (100 points over 1e-7 .. 10, a factor 1.2 a step) without its first two decades:
#: on every CIFAR-10 sweep in ``bench/results`` the smoothed loss first fell 3 % at 6.5e-4 or
#: later, and those 25 steps were a quarter of the sweep's time.
DEFAULT_SWEEP = {"lr_start": 1e-5, "lr_end": 10.0, "num_points": 75}


def _sweep_description(lr_start, lr_end, num_points, lr_multiplier, max_iter, mode, step_size,
                       step_rate, staircase, smoothing):
    """The sweep as the summary records it: the multiplier and cap that were used."""
    sweep = {"lr_start": lr_start, "lr_end": lr_end, "max_iter": max_iter, "mode": mode,
             "smoothing": smoothing}
    if mode == "linear":
        sweep.update(step_size=step_size, step_rate=step_rate, staircase=staircase)
    elif lr_multiplier is not None:
        sweep["lr_multiplier"] = lr_multiplier
    else:
        sweep["lr_multiplier"] = (lr_end / lr_start) ** (1 / (num_points - 1))
        sweep["max_iter"] = num_points if max_iter is None else min(max_iter, num_points)
    return sweep


def find_learning_rate(learner, *, lr_start=DEFAULT_SWEEP["lr_start"],
                       lr_end=DEFAULT_SWEEP["lr_end"], num_points=DEFAULT_SWEEP["num_points"],
                       lr_multiplier=None, max_iter=1000, mode="exponential", step_size=None,
                       step_rate=None, staircase=False, smoothing=0.3, method=DEFAULT_RULE,
                       confirm=False, confirm_budget=None, progress=True):
    """Run :meth:`LRFinder.find` and suggest a learning rate.

    Parameters
    ----------
    learner : Learner
    lr_start, lr_end : float
        The sweep's bounds (default 1e-5 and 10).
    num_points : int, default 75
        Log-spaced points over ``lr_start .. lr_end``; ignored when
        ``lr_multiplier`` is given or in linear mode.
    lr_multiplier : float, optional
        The tutorial's sweep: multiply the learning rate by this each step.
    max_iter, mode, step_size, step_rate, staircase, smoothing, progress
        As for :meth:`LRFinder.find`.
    method : {'lowest', 'steepest', 'valley', 'minimum'}, default 'lowest'
        The suggestion rule.
    confirm : bool, default False
        Confirm the suggestion with :meth:`LRFinder.confirm` (default candidates
        and scoring) after the sweep.
    confirm_budget : int, optional
        Iterations for all confirmation trials; default 4 times the sweep's.

    Returns
    -------
    (LRFinder, dict)
        The finder, holding the sweep, and a summary: ``suggested_lr``,
        ``method``, ``iterations``, ``seconds``, ``first_lr``, ``last_lr``,
        ``stopped_by`` and ``sweep``; with ``confirm``, also ``confirmed_lr``,
        ``confirm_steps`` (iterations spent), ``confirm_seconds`` and ``trials``.
    """
    if method not in SUGGESTION_METHODS:
        raise ValueError("method must be one of {}, got {!r}".format(
            ", ".join(sorted(SUGGESTION_METHODS)), method))
    options = {"lr_start": lr_start, "smoothing": smoothing, "lr_end": lr_end,
               "max_iter": max_iter, "mode": mode, "progress": progress}
    if mode == "linear":
        options.update(step_size=step_size, step_rate=step_rate, staircase=staircase)
    elif lr_multiplier is not None:
        options["lr_multiplier"] = lr_multiplier
    else:
        options["num_points"] = num_points
    finder = LRFinder(learner)
    started = time.perf_counter()
    results = finder.find(**options)
    seconds = time.perf_counter() - started
    summary = {"suggested_lr": finder.suggest(method), "method": method,
               "iterations": len(results), "seconds": round(seconds, 2),
               "first_lr": results[0][0], "last_lr": results[-1][0],
               "stopped_by": finder.stop_reason,
               "sweep": _sweep_description(lr_start, lr_end, num_points, lr_multiplier,
                                           max_iter, mode, step_size, step_rate, staircase,
                                           smoothing)}
    if confirm:
        started = time.perf_counter()
        summary["confirmed_lr"] = finder.confirm(budget=confirm_budget,
                                                 progress=progress)
        summary.update(confirm_steps=finder.confirmation.steps_spent,
                       confirm_seconds=round(time.perf_counter() - started, 2),
                       trials=finder.confirmation.table())
    return finder, summary
