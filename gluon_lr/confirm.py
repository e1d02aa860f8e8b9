"""Confirmed suggestions: short trials from the exact snapshot choose the learning rate.

The MXNet tutorial does not trust its own reading of the finder's plot: it
confirms the learning rate by training 300 iterations at 0.05, 0.5 and 0.005
from saved parameters. This module automates that confirmation and makes it
cheap:

1. **Candidates** come from the finder's curve (:func:`default_candidates`):
   learning rates on a log grid below the divergence edge, the rules'
   suggestions among them.
2. **Successive halving.** Every candidate trains from the same snapshot
   (:meth:`Learner.trial`) on the same batches: they are drawn once with
   :meth:`Learner.peek_batches` and replayed (:meth:`Learner.replay`), so
   this holds for any loader, seeded or not. After each round the better
   half (rounded up) goes on from its own state, so the finalists train
   longest; every round spends an equal share of ``budget``. An
   incumbent (the rate being checked, such as the rule's suggestion) is
   never dropped, and a challenger replaces it only when it scores lower by
   more than a margin: short trials favour fast starters, and the suite
   (``bench/bench_suggest.py``) showed them dropping the better rate after
   a first round of 6 to 13 steps. The cost in
   memory is the batches of the longest run and one snapshot per survivor.
   Afterwards training continues on exactly those batches, as if no trial
   had run.
3. **Score** (lower is better), of a candidate's losses from its first step
   on. ``'forecast'``: the loss at ``horizon`` forecast by an exponential fit
   of the second half of the losses (:mod:`gluon_lr.forecast`) that respects
   the loss's ``floor`` and extrapolates only a curve that has bent.
   ``'mean'``: the mean of the last ``tail`` losses. ``'validation'``: the
   mean loss on ``val_data``. A trial
   that meets a NaN or infinite loss, or a loss above ``DIVERGED`` times its
   first (even one it recovers from: its curve says nothing about the long
   run), scores ``inf``.

The state is restored exactly at the end, whether the trials finish, fail or
are interrupted.
"""
import dataclasses
import math
import statistics
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, cast

import mxnet as mx

from ._validate import as_bool, as_choice, as_int, as_lr, as_number
from .callbacks import Callback, ProgressBar, chain
from .forecast import forecast_loss
from .suggest import SUGGESTION_METHODS, as_curve, divergence_edge, suggest_lr
from .trial import Trial

__all__ = ["Trial", "Confirmation", "default_candidates", "affordable", "confirm_learning_rate",
           "halving_rounds", "SCORES", "DIVERGED", "MIN_ROUND_STEPS", "INCUMBENT_MARGIN"]

#: The scoring rules :func:`confirm_learning_rate` accepts.
SCORES = ("forecast", "mean", "validation")
#: The fewest steps a candidate trains in the first round (twice the points a fit needs).
MIN_ROUND_STEPS = 6
#: How much lower (relative) a challenger must score to replace the incumbent.
INCUMBENT_MARGIN = 0.05
#: A trial whose loss rises above this multiple of its first loss has diverged.
DIVERGED = 4.0
# Two candidates closer than this ratio are one candidate.
_SAME_LR = 1.05


@dataclasses.dataclass(frozen=True)
class Confirmation:
    """The outcome of :func:`confirm_learning_rate`.

    Attributes
    ----------
    lr : float
        The confirmed learning rate: the best-scored candidate of the last
        round, or the incumbent unless that candidate beats it by the margin.
    trials : tuple of Trial
        One per candidate, in the order given.
    steps_spent : int
        Optimizer steps the trials took, all told.
    horizon : int
        The step whose loss ``'forecast'`` scores.
    """

    lr: float
    trials: Tuple[Trial, ...] = dataclasses.field(repr=False)
    steps_spent: int
    horizon: int = 300

    def __repr__(self) -> str:
        return "Confirmation(lr={:.6g}, {} trials, steps_spent={}, horizon={})".format(
            self.lr, len(self.trials), self.steps_spent, self.horizon)

    def table(self) -> List[Dict[str, Any]]:
        """The trials as rows ``{'lr', 'steps', 'final_loss', 'forecast', 'score', 'chosen'}``."""
        return [{"lr": t.lr, "steps": len(t.losses), "final_loss": t.losses[-1],
                 "forecast": t.forecast, "score": t.score, "chosen": t.lr == self.lr}
                for t in self.trials]


def _unique(lrs: Iterable[float]) -> List[float]:
    """Sorted learning rates with near-duplicates (within 5 %) merged into the first."""
    kept: List[float] = []
    for lr in sorted(lrs):
        if not kept or lr > kept[-1] * _SAME_LR:
            kept.append(lr)
    return kept


def default_candidates(lrs: Sequence[float], losses: Sequence[float], spacing: float = 2.0,
                       span: float = 32.0) -> List[float]:
    """The learning rates worth a trial, read off a finder curve.

    A log grid of ratio ``spacing`` from the window's top down to its
    bottom, the top over ``span``, and the rules' suggestions inside the
    window, near-duplicates (within 5 %) merged. The window's top is the
    divergence edge (:func:`gluon_lr.suggest.divergence_edge`), or the
    sweep's last finite rate when the loss never rises past its lowest
    point. The best rate for a longer run lies below the edge by a factor
    that depends on the network and the optimizer; the default window is
    wide enough for every task of ``bench/bench_suggest.py`` (RESULTS.md).

    Parameters
    ----------
    lrs, losses : sequence of float
        The sweep.
    spacing : float > 1, default 2
    span : float >= 1, default 32

    Returns
    -------
    list of float
        In increasing order; empty when no loss is finite.

    Examples
    --------
    >>> lrs = [10 ** (k / 10 - 4) for k in range(41)]            # 1e-4 .. 1
    >>> losses = [2.5 - 0.03 * k if k < 35 else 2.5 for k in range(41)]
    >>> [round(lr, 5) for lr in default_candidates(lrs, losses)]
    [0.00624, 0.01247, 0.02494, 0.04988, 0.09976, 0.19953]
    """
    as_number("spacing", spacing, low=1, low_open=True)
    as_number("span", span, low=1)
    lrs, losses = as_curve(lrs, losses)
    finite = [lr for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    if not finite:
        return []
    top = divergence_edge(lrs, losses) or finite[-1]
    steps = int(math.floor(math.log(span) / math.log(spacing) + 1e-9))
    picks = [top / spacing ** k for k in range(steps + 1)]
    picks += [value for value in (suggest_lr(lrs, losses, rule) for rule in SUGGESTION_METHODS)
              if value is not None]
    bottom = top / spacing ** steps
    return _unique(lr for lr in picks if bottom * (1 - 1e-12) <= lr <= top * (1 + 1e-12))


def halving_rounds(candidates: int, budget: int) -> List[int]:
    """The steps each survivor trains in each round of successive halving: a list, one per round.

    ``n`` candidates go down to ``ceil(n / 2)`` after each round until one is
    left, so there are ``ceil(log2(n))`` rounds (one when ``n`` is 1). Each
    round spends an equal share of ``budget`` optimizer steps, split equally
    among that round's candidates (rounded down).

    Examples
    --------
    >>> halving_rounds(6, 240)   # 6, 3 and 2 candidates, 80 steps a round
    [13, 26, 40]
    >>> halving_rounds(1, 50)
    [50]
    """
    counts = _counts(as_int("candidates", candidates, 1))
    budget = as_int("budget", budget, 1)
    return [budget // len(counts) // n for n in counts]


def affordable(candidates: Sequence[float], budget: int,
               keep: Optional[float] = None) -> List[float]:
    """The most of ``candidates`` that ``budget`` gives a first round, spread evenly.

    All of them when the budget gives each ``MIN_ROUND_STEPS`` steps in the
    first round of :func:`halving_rounds`; otherwise the largest number that
    it does, the first and the last among them, the rest at evenly spaced
    places in between; an empty list when not even one fits. ``keep`` (one
    of ``candidates``, e.g. the incumbent of :func:`confirm_learning_rate`)
    stays in the list: it takes the place of the pick nearest to it.

    Examples
    --------
    >>> affordable([1, 2, 3, 4, 5, 6, 7], 1000)
    [1, 2, 3, 4, 5, 6, 7]
    >>> affordable([1, 2, 3, 4, 5, 6, 7], 40)        # 3 candidates need 36 steps, 4 need 48
    [1, 4, 7]
    >>> affordable([1, 2, 3, 4, 5, 6, 7], 40, keep=3)
    [1, 3, 7]
    """
    budget = as_int("budget", budget, 0)
    if keep is not None and keep not in candidates:
        raise ValueError("keep must be one of candidates, got {!r}".format(keep))
    count = len(candidates)
    while count > 0 and halving_rounds(count, max(budget, 1))[0] < MIN_ROUND_STEPS:
        count -= 1
    if count >= len(candidates):
        return list(candidates)
    if count <= 1:
        return [keep] if count == 1 and keep is not None else list(candidates[:count])
    picks = [candidates[round(i * (len(candidates) - 1) / (count - 1))] for i in range(count)]
    if keep is not None and keep not in picks:
        nearest = min(range(count), key=lambda i: abs(math.log(picks[i] / keep)))
        picks[nearest] = keep
    return picks


def _counts(candidates: int) -> List[int]:
    """How many candidates train in each round: ``n``, ``ceil(n / 2)``, ... down to 2 (or [1])."""
    counts = [candidates]
    while counts[-1] > 2:
        counts.append(math.ceil(counts[-1] / 2))
    return counts


def _checked_candidates(candidates: Sequence[float]) -> List[float]:
    """The candidates as floats: at least one, each a rate in float32's range, all distinct."""
    if not candidates:
        raise ValueError("candidates must list at least one learning rate")
    lrs = [as_lr("each of candidates", lr, allow_zero=False) for lr in candidates]
    if len(set(lrs)) < len(lrs):
        raise ValueError("candidates must be distinct learning rates, got {!r}".format(
            list(candidates)))
    return lrs


def _survivors(alive: List[float], scores: Dict[float, float],
               incumbent: Optional[float]) -> List[float]:
    """The better half (rounded up) of ``alive`` by score; the incumbent always among them."""
    ranked = sorted(alive, key=lambda lr: scores[lr])
    keep = math.ceil(len(alive) / 2)
    if incumbent is None or incumbent not in alive:
        return ranked[:keep]
    return [incumbent] + [lr for lr in ranked if lr != incumbent][:keep - 1]


def _halve(learner: Any, lrs: List[float], rounds: List[int],
           scored: Callable[[List[float]], Tuple[float, float]], progress: bool,
           incumbent: Optional[float] = None, callback: Optional[Callback] = None
           ) -> Tuple[Dict[float, List[float]], Dict[float, Tuple[float, float, int]], int]:
    """Successive halving: every candidate's losses, ``(forecast, score, rounds)`` and the
    steps spent. The incumbent survives every round. The learner is restored to its
    state at the call on the way out."""
    batches = learner.peek_batches(sum(rounds))
    per_step = len(batches) // sum(rounds)  # loader batches an optimizer step takes
    losses: Dict[float, List[float]] = {lr: [] for lr in lrs}
    results: Dict[float, Tuple[float, float, int]] = {}
    states: Dict[float, Any] = {}
    alive, spent, done = list(lrs), 0, 0
    total = sum(steps * n for steps, n in zip(rounds, _counts(len(lrs))))
    with ProgressBar(total, "confirm", enabled=progress) as bar, learner.trial() as start:
        for index, steps in enumerate(rounds):
            window = batches[done * per_step:(done + steps) * per_step]
            for lr in alive:
                learner.restore(states.get(lr, start))
                with learner.replay(window):
                    run = learner.run(steps, lr=lr, callback=chain(bar, callback))
                losses[lr] += run
                spent += len(run)
                if index + 1 < len(rounds):
                    states[lr] = learner.snapshot()
                results[lr] = scored(losses[lr]) + (index + 1,)
            done += steps
            alive = _survivors(alive, {lr: results[lr][1] for lr in alive}, incumbent)
            states = {lr: states[lr] for lr in alive if lr in states}
    return losses, results, spent


def _diverged(losses: Sequence[float]) -> bool:
    return not all(math.isfinite(loss) and loss <= DIVERGED * losses[0] for loss in losses)


def _score(learner: Any, losses: Sequence[float], score: str, horizon: int, tail: int,
           val_data: Optional[Iterable[Any]], floor: Optional[float]) -> Tuple[float, float]:
    """``(forecast, score)`` of one candidate's losses from its first step.

    The forecast fits the second half of the losses: where the loss falls
    by decades early on, a fit of the whole series spends itself on the
    first steps and misses the level the candidate is heading for.
    """
    if _diverged(losses):
        return math.inf, math.inf
    half = len(losses) // 2
    forecast = forecast_loss(losses[half:], horizon, list(range(half + 1, len(losses) + 1)),
                             floor=floor)
    if score == "forecast":
        return forecast, forecast
    if score == "mean":
        return forecast, statistics.fmean(losses[-tail:])
    return forecast, cast(float, learner.evaluate_loss(val_data))


def confirm_learning_rate(learner: Any, candidates: Sequence[float], *, budget: int,
                          horizon: int = 300, score: str = "forecast", tail: int = 10,
                          val_data: Optional[Iterable[Any]] = None,
                          floor: Optional[float] = 0.0, incumbent: Optional[float] = None,
                          margin: float = INCUMBENT_MARGIN, callback: Optional[Callback] = None,
                          progress: bool = True) -> Confirmation:
    """Choose among ``candidates`` by successive halving from one snapshot.

    With an ``incumbent`` (the rate being checked, e.g. a rule's suggestion)
    the trials test it: it survives every round, and the best other
    finalist replaces it only when it scores lower by more than
    ``margin`` times the incumbent's score (or the incumbent diverged).

    Parameters
    ----------
    learner : Learner
    candidates : sequence of float
        Learning rates to try (at least one), in float32's range.
    budget : int
        Optimizer steps for all trials together; every candidate must train
        at least ``MIN_ROUND_STEPS`` (6) in the first round (see
        :func:`halving_rounds`), so that the second half of its losses can
        be fitted.
    horizon : int, default 300
        ``'forecast'``: the step, counted from the snapshot, whose loss is forecast.
    score : {'forecast', 'mean', 'validation'}
        See the module notes.
    tail : int, default 10
        ``'mean'``: how many last losses are averaged.
    val_data : iterable of (data, label), optional
        Required for ``'validation'``: a finite loader.
    floor : float or None, default 0.0
        The lowest loss the loss function can reach, for the forecast (see
        :func:`gluon_lr.forecast.fit_exponential`).
    incumbent : float, optional
        One of ``candidates``: the rate kept unless another clearly beats it.
    margin : float in [0, 1), default INCUMBENT_MARGIN
        How much lower, relative to the incumbent's score, a challenger's
        score must be to replace it.
    callback : callable, optional
        ``(step, lr, loss) -> stop?`` after every trial step, beside the
        progress bar; ``step`` restarts at 1 in every round, and ``lr`` is the
        trial's. A true value ends that trial's round early.
    progress : bool, default True
        Show one bar over all trials.

    Returns
    -------
    Confirmation
    """
    lrs = _checked_candidates(candidates)
    budget = as_int("budget", budget, 1)
    horizon = as_int("horizon", horizon, 1)
    as_choice("score", score, SCORES)
    tail = as_int("tail", tail, 1)
    floor = None if floor is None else as_number("floor", floor)
    as_bool("progress", progress)
    if incumbent is not None and incumbent not in lrs:
        raise ValueError("incumbent must be one of candidates {!r}, got {!r}".format(
            lrs, incumbent))
    margin = as_number("margin", margin, low=0, high=1, high_open=True)
    if score == "validation" and val_data is None:
        raise ValueError("score='validation' needs val_data")
    if val_data is not None and not hasattr(val_data, "__iter__"):
        raise TypeError("val_data must be an iterable of (data, label) batches, got {!r}".format(
            val_data))
    rounds = halving_rounds(len(lrs), budget)
    if rounds[0] < MIN_ROUND_STEPS:
        raise ValueError("budget must give each of the {} candidates {} steps in the first of "
                         "{} rounds: at least {}, got {}".format(
                             len(lrs), MIN_ROUND_STEPS, len(rounds),
                             MIN_ROUND_STEPS * len(lrs) * len(rounds), budget))

    def scored(losses: List[float]) -> Tuple[float, float]:
        with mx.autograd.predict_mode():
            return _score(learner, losses, score, horizon, tail, val_data, floor)

    losses, results, spent = _halve(learner, lrs, rounds, scored, progress, incumbent, callback)
    trials = tuple(Trial(lr=lr, losses=tuple(losses[lr]), forecast=results[lr][0],
                         score=results[lr][1], rounds=results[lr][2]) for lr in lrs)
    finalists = [t for t in trials if t.rounds == len(rounds) and math.isfinite(t.score)]
    if not finalists:
        raise FloatingPointError("every candidate diverged: lower the candidates")
    best = min(finalists, key=lambda t: t.score)
    held = next((t for t in finalists if t.lr == incumbent), None)
    if held is not None and not best.score < held.score - margin * abs(held.score):
        best = held
    return Confirmation(lr=best.lr, trials=trials, steps_spent=spent, horizon=horizon)

