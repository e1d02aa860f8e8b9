"""Drawing an AutoLRS run: the schedule found, the candidates, and the forecasts.

Like every plot in gluon-lr it takes ``ax=None``, returns the Axes it drew on,
and calls ``plt.show()`` only when it created the figure itself.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

import numpy as np

from .._validate import as_bool
from ..plotting import axes_to_draw_on, show_if_created
from .record import Stage

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_autolrs"]


def _checked_stages(stages: Any) -> Tuple[Stage, ...]:
    checked = tuple(stages) if isinstance(stages, (list, tuple)) else None
    if not checked or not all(isinstance(stage, Stage) for stage in checked):
        raise TypeError("stages must be a non-empty sequence of Stage records (AutoLRS.stages)")
    return checked


def plot_autolrs(stages: Sequence[Stage], ax: Optional[Axes] = None,
                 show: bool = True) -> Axes:
    """Draw the learning rate of every training step and what each stage forecast.

    On ``ax``, against the training step (the steps of
    :meth:`AutoLRS.schedule`, search excluded): the schedule as a step line
    on a logarithmic axis, and each stage's candidates as points at the
    stage's first step. On a twin axis: the training losses, and for each
    stage the chosen candidate's fitted curve over the stage's training
    steps, up to the forecast at its horizon (a validation loss in stages
    scored on validation).

    Parameters
    ----------
    stages : sequence of Stage
        E.g. :attr:`AutoLRS.stages`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    show : bool, default True
        Call ``plt.show()``, but only if this function created the figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the schedule (the losses are on its twin).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gluon_lr.trial import Trial
    >>> tried = (Trial(0.1, (2.0, 1.8, 1.7), 1.5, 1.5),
    ...          Trial(1.0, (2.0, 9.0, float("nan")), float("inf"), float("inf")))
    >>> stage = Stage(index=0, first_step=0, tau_prime=3, tau=4, scored_on="train", seed=1,
    ...               candidates=tried, lr=0.1, train_losses=(2.0, 1.8, 1.7, 1.6))
    >>> ax = plot_autolrs([stage], show=False)
    >>> ax.lines[0].get_xydata().tolist()
    [[1.0, 0.1], [2.0, 0.1], [3.0, 0.1], [4.0, 0.1]]
    """
    checked = _checked_stages(stages)
    as_bool("show", show)
    ax, created = axes_to_draw_on(ax, (9, 5), show)
    losses_ax = ax.twinx()
    offset = 0
    steps: List[int] = []
    lrs: List[float] = []
    tried: List[Tuple[int, float]] = []
    losses: List[float] = []
    for stage in checked:
        steps.extend(range(offset + 1, offset + stage.train_steps + 1))
        lrs.extend([stage.lr] * stage.train_steps)
        losses.extend(stage.train_losses)
        tried.extend((offset + 1, candidate.lr) for candidate in stage.candidates)
        chosen = stage.chosen
        if chosen is not None and chosen.fit is not None and math.isfinite(chosen.forecast):
            horizon = np.arange(1, stage.tau + 1)
            losses_ax.plot(offset + horizon, chosen.fit.predict(horizon), color="tab:orange",
                           linestyle="--", label="forecast" if not offset else None)
        offset += stage.train_steps
    ax.step(steps, lrs, where="post", color="tab:blue", label="learning rate")
    if tried:
        ax.scatter([step for step, _ in tried], [lr for _, lr in tried], s=12, color="tab:blue",
                   alpha=0.4, label="candidates")
    ax.set_yscale("log")
    ax.set_xlabel("Training step (search excluded)")
    ax.set_ylabel("Learning Rate")
    shown = [loss for loss in losses if math.isfinite(loss)]
    losses_ax.plot(steps, losses, color="tab:gray", linewidth=0.8, label="training loss")
    if shown and min(shown) > 0:
        losses_ax.set_yscale("log")
    losses_ax.set_ylabel("Loss")
    handles = [h for a in (ax, losses_ax) for h in a.get_legend_handles_labels()[0]]
    ax.legend(handles=handles, loc="upper right")
    show_if_created(created, show)
    return ax
