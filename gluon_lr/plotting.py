"""Plots for finder results and schedules.

Every function takes ``ax=None`` and returns the Axes it drew on. When it is
given an Axes it only draws; when it creates the figure itself and ``show`` is
true, it calls ``plt.show()`` (a no-op under a non-interactive backend).
"""
from __future__ import annotations

import math
import numbers
from typing import (TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np

from ._validate import as_bool, as_callable, as_int, as_lr
from .forecast import MIN_POINTS, ExponentialFit, fit_exponential
from .suggest import as_curve

if TYPE_CHECKING:  # matplotlib loads when a plot is drawn, not with gluon_lr
    from matplotlib.axes import Axes

    from .schedules.base import ScheduleFn

__all__ = ["plot_finder", "plot_schedule", "plot_comparison", "plot_accuracy_curves",
           "plot_trials",
           "plot_rate_and_momentum", "plot_steps", "plot_epochs"]


def axes_to_draw_on(ax: Optional[Axes], figsize: Optional[Tuple[float, float]],
                    show: bool) -> Tuple[Axes, bool]:
    """Return ``(ax, created)``: the caller's Axes, or a new figure's (arguments checked)."""
    as_bool("show", show)
    if ax is not None:
        from matplotlib.axes import Axes
        if not isinstance(ax, Axes):
            raise TypeError("ax must be a matplotlib Axes or None, got {!r}".format(ax))
        return ax, False
    import matplotlib.pyplot as plt
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax, True


def _curve_pair(name: str, curve: object) -> Tuple[List[float], List[float]]:
    """The checked ``(lrs, losses)`` pair of ``plot_finder``'s ``smoothed`` or ``beside``."""
    if not isinstance(curve, (tuple, list)) or len(curve) != 2:
        raise TypeError("{} must be a pair (lrs, losses), got {!r}".format(name, curve))
    try:
        checked: Tuple[List[float], List[float]] = as_curve(*curve)
        return checked
    except (TypeError, ValueError) as error:
        raise type(error)("{}: {}".format(name, error)) from None


def show_if_created(created: bool, show: bool) -> None:
    """``plt.show()`` if the plot made its own figure and ``show`` asks for it."""
    if created and show:
        import matplotlib.pyplot as plt
        plt.show()


def plot_finder(lrs: Sequence[float], losses: Sequence[float], suggestion: Optional[float] = None,
                ax: Optional[Axes] = None, show: bool = True,
                smoothed: Optional[Tuple[Sequence[float], Sequence[float]]] = None,
                label: str = "loss of one step",
                beside: Optional[Tuple[Sequence[float], Sequence[float], str]] = None) -> Axes:
    """Draw the tutorial's log-log scatter of loss against learning rate.

    The axis limits follow the "Learning Rate Finder" tutorial: x from the first
    to the last learning rate, y from 0.8 times the lowest loss to 4 times the
    first loss. Non-finite losses are left out of the limits (and of the plot).

    Parameters
    ----------
    lrs : sequence of float
        Learning rates, in sweep order, each 0 or in float32's range (points
        at 0 are not drawn on the logarithmic axis).
    losses : sequence of float
        The loss recorded at each learning rate (NaN and inf allowed), as many
        as ``lrs``.
    suggestion : float, optional
        A learning rate to mark with a vertical line, in float32's range.
    ax : matplotlib.axes.Axes, optional
        Where to draw. A new 10x6 inch figure is made when omitted.
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.
    smoothed : tuple of (lrs, losses), optional
        A smoothed curve to draw as a line over the points.
    label : str, default 'loss of one step'
        The points' legend entry.
    beside : tuple of (lrs, losses, label), optional
        Another curve, drawn as a thin line with markers and its own legend
        entry (the finder's validation losses beside its training losses);
        the y limits widen to hold its finite points.

    Tick labels are plain numbers (``2``, ``3``, ``0.01``), and the legend
    names the points, the curve and the suggestion. A suggestion outside the
    swept rates is drawn at the edge of the plot, dotted, and its label says
    on which side it lies.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError, ValueError
        For an argument of the wrong type or out of range, naming it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_finder([0.01, 0.1, 1.0], [2.0, 1.0, float("nan")], suggestion=0.1, show=False)
    >>> len(ax.collections[0].get_offsets()), ax.get_xlim()
    (2, (0.01, 1.0))
    >>> plot_finder([0.01, 0.1], [2.0], show=False)
    Traceback (most recent call last):
    ...
    ValueError: lrs and losses must have the same length; got 2 and 1
    """
    lrs, losses = as_curve(lrs, losses)
    if suggestion is not None:
        suggestion = as_lr("suggestion", suggestion, allow_zero=False)
    if smoothed is not None:
        smoothed = _curve_pair("smoothed", smoothed)
    if not isinstance(label, str):
        raise TypeError("label must be a str, got {!r}".format(label))
    points = _drawable(lrs, losses)
    others = [] if beside is None else _drawable(*_beside(beside)[:2])
    ax, created = axes_to_draw_on(ax, (10, 6), show)
    if points:
        xs, ys = zip(*points)
        ax.scatter(xs, ys, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        if 0 < lrs[0] < lrs[-1]:
            ax.set_xlim(lrs[0], lrs[-1])
        ax.set_ylim(min(ys + tuple(y for _, y in others)) * 0.8,
                    max([ys[0]] + [y for _, y in others[:1]]) * 4)
        _plain_log_labels(ax)
    if beside is not None and others:
        ax.plot(*zip(*others), color="tab:green", marker=".", linewidth=1, label=beside[2])
    if smoothed is not None:
        ax.plot(smoothed[0], smoothed[1], color="tab:orange", label="smoothed")
    if suggestion is not None:
        _mark_suggestion(ax, suggestion, bool(points))
    if points or suggestion is not None or smoothed is not None or others:
        ax.legend()
    ax.set_xlabel("Learning Rate")
    ax.set_ylabel("Loss")
    show_if_created(created, show)
    return ax


def _drawable(lrs: Sequence[float], losses: Sequence[float]) -> List[Tuple[float, float]]:
    """The points a log-log plot can draw: a positive rate and a finite, positive loss."""
    return [(lr, loss) for lr, loss in zip(lrs, losses)
            if lr > 0 and math.isfinite(loss) and loss > 0]


def _beside(beside: object) -> Tuple[List[float], List[float], str]:
    """The checked ``(lrs, losses, label)`` of ``plot_finder``'s ``beside``."""
    if not isinstance(beside, (tuple, list)) or len(beside) != 3 or \
            not isinstance(beside[2], str):
        raise TypeError("beside must be a triple (lrs, losses, label), got {!r}".format(beside))
    lrs, losses = _curve_pair("beside", tuple(beside[:2]))
    return lrs, losses, beside[2]


def _plain_log_labels(ax: Axes) -> None:
    """Label log axes with plain numbers: ``3`` where matplotlib writes 3x10^0."""
    from matplotlib.ticker import LogFormatter
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(LogFormatter())
    ax.yaxis.set_minor_formatter(LogFormatter(minor_thresholds=(2, 0.5)))


def _mark_suggestion(ax: Axes, suggestion: float, clipped: bool) -> None:
    """A dashed line at ``suggestion``; dotted at the plot's edge when it lies outside."""
    label = "suggested lr = {:.3g}".format(suggestion)
    low, high = ax.get_xlim()
    if clipped and not low <= suggestion <= high:
        side = "left" if suggestion < low else "right"
        ax.axvline(low if side == "left" else high, color="tab:red", linestyle=":",
                   linewidth=3, label="{} ({} of the plot)".format(label, side))
    else:
        ax.axvline(suggestion, color="tab:red", linestyle="--", label=label)


def plot_schedule(schedule_fn: ScheduleFn, iterations: int = 1500,
                  ax: Optional[Axes] = None, show: bool = True) -> Axes:
    """Draw the tutorials' scatter of a schedule over 1-based iterations.

    Parameters
    ----------
    schedule_fn : callable
        Maps an iteration (int) to a learning rate (a number).
    iterations : int, default 1500
        Plot iterations ``1 .. iterations``.
    ax : matplotlib.axes.Axes, optional
        Where to draw. A new figure is made when omitted.
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError, ValueError
        For an argument of the wrong type or out of range, or a value of
        ``schedule_fn`` that is not a number, naming it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gluon_lr import TriangularSchedule, plot_schedule
    >>> ax = plot_schedule(TriangularSchedule(1, 2, 500), iterations=10, show=False)
    >>> len(ax.collections[0].get_offsets())
    10
    >>> plot_schedule(42)
    Traceback (most recent call last):
    ...
    TypeError: schedule_fn must be callable (iteration -> learning rate), got 42
    """
    as_callable("schedule_fn", schedule_fn, "iteration -> learning rate")
    as_int("iterations", iterations, 1)
    steps = list(range(1, iterations + 1))
    lrs = [schedule_fn(i) for i in steps]
    for step, lr in zip(steps, lrs):
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError("schedule_fn must return a number (a learning rate), got {!r} for "
                            "iteration {}".format(lr, step))
    ax, created = axes_to_draw_on(ax, None, show)
    ax.scatter(steps, lrs)
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Learning Rate")
    show_if_created(created, show)
    return ax


def plot_comparison(runs: Sequence[Dict[str, Any]], ax: Optional[Axes] = None,
                    show: bool = True) -> Axes:
    """Draw the loss curves of runs from one start, one line per learning rate.

    Parameters
    ----------
    runs : list of dict
        Each with ``'lr'`` and ``'losses'``, as
        :func:`gluon_lr.comparison.compare_learning_rates` returns them.
    ax : matplotlib.axes.Axes, optional
        Where to draw. A new figure is made when omitted.
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_comparison([{"lr": 0.1, "losses": [2.0, 1.5]},
    ...                       {"lr": 0.5, "losses": [2.0, 1.8]}], show=False)
    >>> [line.get_label() for line in ax.get_lines()]
    ['lr = 0.1', 'lr = 0.5']
    """
    if not isinstance(runs, (list, tuple)) or not all(
            isinstance(run, dict) and "lr" in run and "losses" in run for run in runs):
        raise TypeError("runs must be a list of dicts with 'lr' and 'losses', got {!r}".format(
            runs))
    ax, created = axes_to_draw_on(ax, (8, 5), show)
    for run in runs:
        ax.plot(range(len(run["losses"])), run["losses"], label="lr = {:g}".format(run["lr"]),
                linewidth=1)
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Training loss (batch)")
    if runs:
        ax.legend()
    show_if_created(created, show)
    return ax


def plot_accuracy_curves(curves: Mapping[str, Sequence[Tuple[int, float]]],
                         target: Optional[float] = None, ax: Optional[Axes] = None,
                         show: bool = True) -> Axes:
    """Draw test accuracy against optimizer steps, one line per run.

    Parameters
    ----------
    curves : dict
        ``{label: [(step, accuracy), ...]}``, e.g. the evaluations of the arms
        of ``bench/bench_training.py``.
    target : float, optional
        An accuracy to mark with a dotted horizontal line (e.g. the tuned
        baseline's final accuracy).
    ax : matplotlib.axes.Axes, optional
        Where to draw. A new figure is made when omitted.
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_accuracy_curves({"cosine": [(100, 0.5), (200, 0.7)],
    ...                            "one-cycle": [(100, 0.4), (200, 0.72)]},
    ...                           target=0.7, show=False)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['cosine', 'one-cycle']
    """
    if not isinstance(curves, Mapping) or not all(
            isinstance(points, (list, tuple)) and all(len(p) == 2 for p in points)
            for points in curves.values()):
        raise TypeError("curves must be a dict of label -> [(step, accuracy), ...], got "
                        "{!r}".format(curves))
    ax, created = axes_to_draw_on(ax, (8, 5), show)
    for label, points in curves.items():
        ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=label)
    if target is not None:
        ax.axhline(target, color="grey", linestyle=":", linewidth=1,
                   label="target {:.4f}".format(target))
    ax.set_xlabel("Optimizer step")
    ax.set_ylabel("Test accuracy")
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(fontsize=8, loc="lower right")
    show_if_created(created, show)
    return ax


def trial_fit(trial: Any, horizon: int) -> Optional[ExponentialFit]:
    """The curve behind a trial's forecast: its ``fit``, or confirm's fit redone; else None.

    :func:`gluon_lr.confirm.confirm_learning_rate` does not keep its fit: it
    fits the second half of the losses at steps ``half + 1 .. n`` with the
    floor at 0. That fit is redone here, and kept only when it gives the
    trial's forecast at ``horizon`` (a confirmation with another floor gives
    None). A diverged trial has no curve.
    """
    fit: Optional[ExponentialFit] = getattr(trial, "fit", None)
    if fit is None and math.isfinite(trial.forecast) and len(trial.losses) >= 2 * MIN_POINTS:
        half = len(trial.losses) // 2
        fit = fit_exponential(trial.losses[half:], range(half + 1, len(trial.losses) + 1))
    if fit is None or fit.diverged or fit.forecast(horizon) != trial.forecast:
        return None
    return fit


def plot_trials(confirmation: Any, ax: Optional[Axes] = None, show: bool = True) -> Axes:
    """Draw a confirmation's trials: losses, fitted forecasts out to the horizon, the chosen one.

    Each trial's batch losses are a line against its 1-based step; its
    fitted curve (:func:`trial_fit`) is dotted in the same colour from the
    fitted window out to the horizon, where a marker shows the forecast
    (a star for the chosen trial, which is also drawn bold). A dotted
    vertical line marks the horizon. The step axis is logarithmic, so short
    trials and a far horizon share it.

    Parameters
    ----------
    confirmation : gluon_lr.confirm.Confirmation
    ax : matplotlib.axes.Axes, optional
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gluon_lr.confirm import Confirmation
    >>> from gluon_lr.trial import Trial
    >>> losses = tuple(1.0 + math.exp(-0.2 * k) for k in range(12))
    >>> half = fit_exponential(losses[6:], range(7, 13)).forecast(100)
    >>> trial = Trial(lr=0.1, losses=losses, forecast=half, score=half)
    >>> ax = plot_trials(Confirmation(lr=0.1, trials=(trial,), steps_spent=12, horizon=100),
    ...                  show=False)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['lr = 0.1 (chosen): forecast 1.000', '_forecast']
    """
    if not hasattr(confirmation, "trials") or not hasattr(confirmation, "lr"):
        raise TypeError("confirmation must come from LRFinder.confirm() or "
                        "confirm_learning_rate(), got {!r}".format(confirmation))
    horizon = int(getattr(confirmation, "horizon", 300))
    ax, created = axes_to_draw_on(ax, (8, 5), show)
    for trial in confirmation.trials:
        chosen = trial.lr == confirmation.lr
        steps = range(1, len(trial.losses) + 1)
        (line,) = ax.plot(steps, trial.losses, linewidth=2.5 if chosen else 1,
                          label="lr = {:.3g}{}: forecast {:.3f}".format(
                              trial.lr, " (chosen)" if chosen else "", trial.forecast))
        fit = trial_fit(trial, horizon)
        if fit is not None:
            ts = np.geomspace(fit.t0, max(horizon, fit.t1), 200)
            ax.plot(ts, [fit.forecast(t) for t in ts], color=line.get_color(), linestyle=":",
                    linewidth=2 if chosen else 1, label="_forecast")
        if math.isfinite(trial.forecast):
            ax.plot([horizon], [trial.forecast], color=line.get_color(),
                    marker="*" if chosen else "o", markersize=14 if chosen else 6,
                    linestyle="none", label="_forecast point")
    ax.axvline(horizon, color="grey", linestyle="--", linewidth=1,
               label="horizon: step {} (dotted: fitted forecasts)".format(horizon))
    ax.set_xscale("log")
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    ax.xaxis.set_major_formatter(ScalarFormatter())  # 1, 10, 100 rather than 10^0 ...
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Trial step (log scale)")
    ax.set_ylabel("Training loss (batch)")
    ax.set_title("Confirmation trials and their forecasts")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    show_if_created(created, show)
    return ax


class _Series(NamedTuple):
    """One line of :func:`_lines_on_two_axes`: its values, name, axis label, colour, width."""

    values: Sequence[float]
    name: str
    ylabel: str
    color: str
    linewidth: float = 1.5


def _lines_on_two_axes(ax: Axes, xs: Sequence[float], left: _Series,
                       right: Optional[_Series]) -> None:
    """``left`` on ``ax`` and ``right`` on its twin, against step, with one legend for both.

    The legend sits below the Axes, off the lines, and says which axis each
    line reads on.
    """
    ax.plot(xs, left.values, color=left.color, linewidth=left.linewidth,
            label="{} (left axis)".format(left.name))
    ax.set_xlabel("Step")
    ax.set_ylabel(left.ylabel)
    handles, labels = ax.get_legend_handles_labels()
    if right is not None:
        twin = ax.twinx()
        twin.plot(xs, right.values, color=right.color, linewidth=right.linewidth,
                  label="{} (right axis)".format(right.name))
        twin.set_ylabel(right.ylabel)
        twin_handles, twin_labels = twin.get_legend_handles_labels()
        handles, labels = handles + twin_handles, labels + twin_labels
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14),
              ncol=len(labels))


def plot_rate_and_momentum(steps: Sequence[float], lrs: Sequence[float],
                           momenta: Optional[Sequence[Optional[float]]] = None,
                           ax: Optional[Axes] = None, show: bool = True) -> Axes:
    """Draw a learning rate (left axis) and, when given, momentum (right axis) as lines.

    One legend names both lines and their axes. ``momenta`` holding only
    None (a schedule without momentum) draws the rate alone.

    Returns
    -------
    matplotlib.axes.Axes
        The rate's Axes; the momentum's is its twin.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_rate_and_momentum([1, 2, 3], [0.1, 0.2, 0.1], [0.9, 0.85, 0.9], show=False)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['learning rate (left axis)', 'momentum (right axis)']
    """
    if len(steps) != len(lrs) or momenta is not None and len(momenta) != len(steps):
        raise ValueError("steps, lrs and momenta must have the same length; got {}, {} and "
                         "{}".format(len(steps), len(lrs), None if momenta is None
                                     else len(momenta)))
    ax, created = axes_to_draw_on(ax, (8, 4), show)
    right = None
    if momenta is not None and any(m is not None for m in momenta):
        right = _Series([math.nan if m is None else m for m in momenta], "momentum",
                        "Momentum", "tab:orange")
    _lines_on_two_axes(ax, steps, _Series(lrs, "learning rate", "Learning rate", "tab:blue"),
                       right)
    show_if_created(created, show)
    return ax


def plot_steps(steps: Sequence[Dict[str, Any]], ax: Optional[Axes] = None,
               show: bool = True) -> Axes:
    """Draw a training run's loss (left axis) and learning rate (right axis) against step.

    Parameters
    ----------
    steps : list of dict
        Rows with ``'step'``, ``'lr'`` and ``'loss'``, as
        :class:`gluon_lr.training.StepLog` records them.

    Returns
    -------
    matplotlib.axes.Axes
        The loss's Axes; the rate's is its twin.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_steps([{"step": 1, "lr": 0.1, "loss": 2.3}, {"step": 2, "lr": 0.2,
    ...                  "loss": 2.1}], show=False)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['loss (left axis)', 'learning rate (right axis)']
    """
    if not isinstance(steps, (list, tuple)) or not all(
            isinstance(row, dict) and {"step", "lr", "loss"} <= set(row) for row in steps):
        raise TypeError("steps must be a list of dicts with 'step', 'lr' and 'loss', got "
                        "{!r}".format(steps))
    ax, created = axes_to_draw_on(ax, (10, 5), show)
    _lines_on_two_axes(ax, [row["step"] for row in steps],
                       _Series([row["loss"] for row in steps], "loss", "Training loss (batch)",
                               "tab:blue", 0.8),
                       _Series([row["lr"] for row in steps], "learning rate", "Learning rate",
                               "tab:red"))
    show_if_created(created, show)
    return ax


def plot_epochs(history: Sequence[Dict[str, Any]], ax: Optional[Axes] = None,
                show: bool = True) -> Axes:
    """Draw the test accuracy after each epoch (epochs without one are left out).

    Parameters
    ----------
    history : list of dict
        Rows with ``'epoch'`` and ``'test_accuracy'`` (a number or None), as
        :func:`gluon_lr.training.train_epochs` returns them.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_epochs([{"epoch": 1, "test_accuracy": 0.4},
    ...                   {"epoch": 2, "test_accuracy": 0.5}], show=False)
    >>> ax.get_lines()[0].get_ydata().tolist()
    [0.4, 0.5]
    """
    if not isinstance(history, (list, tuple)) or not all(
            isinstance(row, dict) and {"epoch", "test_accuracy"} <= set(row) for row in history):
        raise TypeError("history must be a list of dicts with 'epoch' and 'test_accuracy', got "
                        "{!r}".format(history))
    scored = [(row["epoch"], row["test_accuracy"]) for row in history
              if row["test_accuracy"] is not None]
    ax, created = axes_to_draw_on(ax, (6, 5), show)
    if scored:
        epochs, accuracies = zip(*scored)
        ax.plot(epochs, accuracies, marker="o", color="tab:green", label="test accuracy")
        for epoch, accuracy in scored:
            ax.annotate("{:.3f}".format(accuracy), (epoch, accuracy),
                        textcoords="offset points", xytext=(0, 8), ha="center")
        ax.set_xticks(list(epochs))
        ax.legend(loc="lower right")
    ax.set_ylim(0.0, 1.0)  # the whole range: a change of a point reads as what it is
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Test accuracy")
    ax.set_title("Test accuracy per epoch")
    show_if_created(created, show)
    return ax
