"""Confirmed suggestions: short trials from the exact snapshot choose the learning rate.

The MXNet tutorial does not trust its own reading of the finder's plot: it
confirms the learning rate by training 300 iterations at 0.05, 0.5 and 0.005
from saved parameters. This module automates that confirmation and makes it
cheap:

1. **Candidates** come from the finder's curve (:func:`default_candidates`): the
   suggestion, its neighbours on a log grid and the other rules' suggestions,
   all in a window below the curve's lowest point and clear of divergence.
2. **Trials.** Each candidate trains ``steps`` iterations from the same
   snapshot (:meth:`Learner.trial`) on the same batches: they are drawn once
   with :meth:`Learner.peek_batches` and replayed for every candidate
   (:meth:`Learner.replay`), so this holds for any loader, seeded or not. The
   cost in memory is those batches: ``steps`` batches of the loader's size
   (``steps * 128 * 3 * 32 * 32 * 4`` bytes, 1.5 MB a batch, for CIFAR-10 at
   batch 128). Afterwards training continues on exactly those batches, as if
   no trial had run.
3. **Score** (lower is better). ``'forecast'``: the loss at ``horizon`` forecast
   by an exponential fit of the trial's losses (:mod:`gluon_lr.forecast`),
   outliers dropped. ``'mean'``: the mean of the trial's last ``tail`` losses.
   ``'validation'``: the mean loss on ``val_data`` after the trial. A trial
   that meets a NaN or infinite loss, or a loss above ``DIVERGED`` times its
   first (even one it recovers from: its curve says nothing about the long
   run), scores ``inf``.

The state is restored exactly at the end, whether the trials finish, fail or
are interrupted.
"""
import dataclasses
import math
import statistics

import mxnet as mx

from ._validate import as_bool, as_choice, as_int, as_lr, as_number
from .callbacks import ProgressBar
from .forecast import forecast_loss
from .suggest import (DEFAULT_RULE, SUGGESTION_METHODS, divergence_edge, falling_region,
                      suggest_lr)

__all__ = ["Trial", "Confirmation", "default_candidates", "confirm_learning_rate", "SCORES",
           "DIVERGED"]

#: The scoring rules :func:`confirm_learning_rate` accepts.
SCORES = ("forecast", "mean", "validation")
#: A trial whose loss rises above this multiple of its first loss has diverged.
DIVERGED = 4.0
# Two candidates closer than this ratio are one candidate.
_SAME_LR = 1.05


@dataclasses.dataclass(frozen=True)
class Trial:
    """One candidate's trial: its losses, the forecast and the score."""

    lr: float
    losses: tuple
    forecast: float
    score: float


@dataclasses.dataclass(frozen=True)
class Confirmation:
    """The outcome of :func:`confirm_learning_rate`.

    Attributes
    ----------
    lr : float
        The confirmed learning rate: the candidate with the lowest score.
    trials : tuple of Trial
        One per candidate, in the order tried.
    steps_spent : int
        Training iterations the trials took, all told.
    """

    lr: float
    trials: tuple
    steps_spent: int

    def table(self):
        """The trials as rows ``{'lr', 'final_loss', 'forecast', 'score', 'chosen'}``."""
        return [{"lr": t.lr, "final_loss": t.losses[-1], "forecast": t.forecast,
                 "score": t.score, "chosen": t.lr == self.lr} for t in self.trials]


def _unique(lrs):
    """Sorted learning rates with near-duplicates (within 5 %) merged into the first."""
    kept = []
    for lr in sorted(lrs):
        if not kept or lr > kept[-1] * _SAME_LR:
            kept.append(lr)
    return kept


def default_candidates(lrs, losses, method=DEFAULT_RULE, neighbours=1, spacing=2.0, span=16.0):
    """The learning rates worth a trial, read off a finder curve.

    They are the ``method`` rule's suggestion, its ``neighbours`` nearest
    neighbours on each side on a log grid of ratio ``spacing``, the other
    rules' suggestions and the window's top, all inside a window, near-duplicates
    (within 5 %) merged. The window's top is the lowest point of the smoothed
    curve (the upper end of :func:`gluon_lr.suggest.falling_region`), but at
    most the divergence edge (:func:`gluon_lr.suggest.divergence_edge`) over
    ``spacing``. Its bottom is where the falling region starts or the top over
    ``span``, whichever is lower: a sweep that hardly falls has a falling
    region too narrow to choose in (one of the plain CNN's in
    ``bench/bench_suggest.py`` spanned 0.20 to 0.29 and left a single
    candidate).

    A sweep of one step per rate can show no fall at all: a network that
    learns slowly keeps its starting loss until the rates diverge. Then the
    curve says only where training breaks down, the *edge*, and the
    candidates are the edge divided by ``spacing`` 1 to ``2 * neighbours + 1``
    times (the largest stable rates usually train fastest).

    Returns
    -------
    list of float
        In increasing order; empty when neither a fall nor an edge shows.

    Examples
    --------
    >>> lrs = [10 ** (k / 10 - 4) for k in range(41)]            # 1e-4 .. 1
    >>> losses = [2.5 - 0.03 * k if k < 35 else 2.5 for k in range(41)]
    >>> [round(lr, 5) for lr in default_candidates(lrs, losses)]
    [0.00631, 0.02512, 0.0628, 0.12559, 0.19953, 0.25119]
    """
    as_choice("method", method, tuple(SUGGESTION_METHODS))
    as_int("neighbours", neighbours, 0)
    as_number("spacing", spacing, low=1, low_open=True)
    as_number("span", span, low=1)
    region = falling_region(lrs, losses)
    edge = divergence_edge(lrs, losses)
    if region is None:
        if edge is None:
            return []
        return _unique(edge / spacing ** k for k in range(1, 2 * neighbours + 2)
                       if edge / spacing ** k >= lrs[0])
    top = region[1] if edge is None else min(region[1], edge / spacing)
    bottom = min(region[0], top / span)
    picks = [top]
    for rule in SUGGESTION_METHODS:
        value = suggest_lr(lrs, losses, rule)
        if value is not None:
            picks.append(value)
            if rule == method:
                picks.extend(value * spacing ** k for k in range(-neighbours, neighbours + 1))
    return _unique(lr for lr in picks if bottom <= lr <= top * (1 + 1e-12))


def validation_loss(learner, val_data):
    """The mean per-sample loss over ``val_data`` in inference mode."""
    mx.npx.waitall()  # a static_alloc graph's last BatchNorm writes are not tracked
    total, count = 0.0, 0
    for data, label in val_data:
        output = learner.net(data.to_device(learner.devices[0]))
        losses = learner.loss_fn(output, label.to_device(learner.devices[0]))
        total += float(losses.sum().item())
        count += data.shape[0]
    if count == 0:
        raise ValueError("val_data yields no samples")
    return total / count


def _score(learner, losses, score, horizon, tail, val_data):
    """``(forecast, score)`` of one trial's losses."""
    if not all(math.isfinite(loss) and loss <= DIVERGED * losses[0] for loss in losses):
        return math.inf, math.inf
    forecast = forecast_loss(losses, horizon - 1)
    if score == "forecast":
        return forecast, forecast
    if score == "mean":
        return forecast, statistics.fmean(losses[-tail:])
    return forecast, validation_loss(learner, val_data)


def confirm_learning_rate(learner, candidates, *, steps, horizon=300, score="forecast",
                          tail=10, val_data=None, progress=True):
    """Train each candidate ``steps`` iterations from one snapshot and pick the best.

    Parameters
    ----------
    learner : Learner
    candidates : sequence of float
        Learning rates to try (at least one), in float32's range.
    steps : int
        Iterations per trial, at least 3 (an exponential fit needs three points).
    horizon : int, default 300
        ``'forecast'``: the iteration whose loss is forecast (>= ``steps``).
    score : {'forecast', 'mean', 'validation'}
        See the module notes.
    tail : int, default 10
        ``'mean'``: how many last losses are averaged.
    val_data : iterable of (data, label), optional
        Required for ``'validation'``: a finite loader.
    progress : bool, default True
        Show one bar over all trials.

    Returns
    -------
    Confirmation
    """
    if not candidates:
        raise ValueError("candidates must list at least one learning rate")
    lrs = [as_lr("each of candidates", lr, allow_zero=False) for lr in candidates]
    steps = as_int("steps", steps, 3)
    horizon = as_int("horizon", horizon, steps)
    as_choice("score", score, SCORES)
    tail = as_int("tail", tail, 1)
    as_bool("progress", progress)
    if score == "validation" and val_data is None:
        raise ValueError("score='validation' needs val_data")
    if val_data is not None and not hasattr(val_data, "__iter__"):
        raise TypeError("val_data must be an iterable of (data, label) batches, got {!r}".format(
            val_data))
    batches = learner.peek_batches(steps)
    trials, spent = [], 0
    with ProgressBar(len(lrs) * steps, "confirm", enabled=progress) as bar, \
            learner.trial() as start:
        for lr in lrs:
            learner.restore(start)
            with learner.replay(batches):
                losses = learner.run(steps, lr=lr, callback=bar)
            spent += len(losses)
            with mx.autograd.predict_mode():
                forecast, value = _score(learner, losses, score, horizon, tail, val_data)
            trials.append(Trial(lr=lr, losses=tuple(losses), forecast=forecast, score=value))
    finite = [t for t in trials if math.isfinite(t.score)]
    if not finite:
        raise FloatingPointError("every candidate diverged: lower the candidates")
    best = min(finite, key=lambda t: t.score)
    return Confirmation(lr=best.lr, trials=tuple(trials), steps_spent=spent)
