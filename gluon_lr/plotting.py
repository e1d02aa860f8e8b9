"""Plots for finder results and schedules.

Every function takes ``ax=None`` and returns the Axes it drew on. When it is
given an Axes it only draws; when it creates the figure itself and ``show`` is
true, it calls ``plt.show()`` (a no-op under a non-interactive backend).
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ._validate import as_bool, as_callable, as_int, as_lr
from .suggest import as_curve

if TYPE_CHECKING:  # matplotlib loads when a plot is drawn, not with gluon_lr
    from matplotlib.axes import Axes

    from .schedules.base import ScheduleFn

__all__ = ["plot_finder", "plot_schedule", "plot_comparison", "plot_trials"]


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


def plot_trials(confirmation: Any, ax: Optional[Axes] = None, show: bool = True) -> Axes:
    """Draw the loss curves of a confirmation's trials; the chosen one bold.

    The legend gives each trial's forecast loss.

    Parameters
    ----------
    confirmation : gluon_lr.confirm.Confirmation
    ax : matplotlib.axes.Axes, optional
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not hasattr(confirmation, "trials") or not hasattr(confirmation, "lr"):
        raise TypeError("confirmation must come from LRFinder.confirm() or "
                        "confirm_learning_rate(), got {!r}".format(confirmation))
    ax, created = axes_to_draw_on(ax, (8, 5), show)
    for trial in confirmation.trials:
        chosen = trial.lr == confirmation.lr
        ax.plot(range(len(trial.losses)), trial.losses, linewidth=2.5 if chosen else 1,
                label="lr = {:.3g}{}: forecast {:.3f}".format(
                    trial.lr, " (chosen)" if chosen else "", trial.forecast))
    ax.set_xlabel("Trial iteration")
    ax.set_ylabel("Training loss (batch)")
    ax.set_title("Confirmation trials")
    ax.legend(fontsize="small")
    show_if_created(created, show)
    return ax
