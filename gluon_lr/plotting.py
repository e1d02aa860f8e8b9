"""Plots for finder results and schedules.

Every function takes ``ax=None`` and returns the Axes it drew on. When it is
given an Axes it only draws; when it creates the figure itself and ``show`` is
true, it calls ``plt.show()`` (a no-op under a non-interactive backend).
"""
import math

from ._validate import as_int

__all__ = ["plot_finder", "plot_schedule"]


def _new_axes(ax, figsize):
    """Return ``(ax, created)``: the caller's Axes, or a new figure's."""
    if ax is not None:
        return ax, False
    import matplotlib.pyplot as plt
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax, True


def _show_if_created(created, show):
    if created and show:
        import matplotlib.pyplot as plt
        plt.show()


def plot_finder(lrs, losses, suggestion=None, ax=None, show=True, smoothed=None):
    """Draw the tutorial's log-log scatter of loss against learning rate.

    The axis limits follow the "Learning Rate Finder" tutorial: x from the first
    to the last learning rate, y from 0.8 times the lowest loss to 4 times the
    first loss. Non-finite losses are left out of the limits (and of the plot).

    Parameters
    ----------
    lrs : sequence of float
        Learning rates, in sweep order.
    losses : sequence of float
        The loss recorded at each learning rate.
    suggestion : float, optional
        A learning rate to mark with a vertical line.
    ax : matplotlib.axes.Axes, optional
        Where to draw. A new 6x8 inch figure is made when omitted.
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.
    smoothed : tuple of (lrs, losses), optional
        A smoothed curve to draw as a line over the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    points = [(lr, loss) for lr, loss in zip(lrs, losses)
              if math.isfinite(loss) and loss > 0]
    ax, created = _new_axes(ax, (6, 8))
    if points:
        xs, ys = zip(*points)
        ax.scatter(xs, ys)
        ax.set_xscale("log")
        ax.set_yscale("log")
        if lrs[0] < lrs[-1]:
            ax.set_xlim([lrs[0], lrs[-1]])
        ax.set_ylim([min(ys) * 0.8, ys[0] * 4])
    if smoothed is not None:
        ax.plot(smoothed[0], smoothed[1], color="tab:orange", label="smoothed")
    if suggestion is not None:
        ax.axvline(suggestion, color="tab:red", linestyle="--",
                   label="suggested lr = {:.3g}".format(suggestion))
    if suggestion is not None or smoothed is not None:
        ax.legend()
    ax.set_xlabel("Learning Rate")
    ax.set_ylabel("Loss")
    _show_if_created(created, show)
    return ax


def plot_schedule(schedule_fn, iterations=1500, ax=None, show=True):
    """Draw the tutorials' scatter of a schedule over 1-based iterations.

    Parameters
    ----------
    schedule_fn : callable
        Maps an iteration (int) to a learning rate (float).
    iterations : int, default 1500
        Plot iterations ``1 .. iterations``.
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
    >>> from gluon_lr import TriangularSchedule, plot_schedule
    >>> ax = plot_schedule(TriangularSchedule(1, 2, 500), iterations=10, show=False)
    >>> len(ax.collections[0].get_offsets())
    10
    """
    as_int("iterations", iterations, 1)
    steps = list(range(1, iterations + 1))
    ax, created = _new_axes(ax, None)
    ax.scatter(steps, [schedule_fn(i) for i in steps])
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Learning Rate")
    _show_if_created(created, show)
    return ax
