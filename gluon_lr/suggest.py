"""Rules that read a learning rate off a finder's curve.

Every rule is a function ``(lrs, losses, **options) -> float or None`` over the
raw points of a sweep in order (non-finite losses included); it prepares its
own curve and returns ``None``, with a RuntimeWarning, when it has too few
points to work with. :func:`suggest_lr` picks a rule by name and passes the
options on, the same way for every rule.

- :func:`lowest` (the default, :data:`DEFAULT_RULE`) reads the centred curve
  (:func:`smoothed_curve`): the finite points, smoothed without lag by
  :func:`smooth_centred`. The finder's plot, :func:`falling_region` and
  :func:`divergence_edge` read the same curve. Where the best rate lies
  relative to the lowest point depends on the optimizer; the finder passes
  :func:`lowest_options` for its learner's.
- :func:`steepest` (pytorch-lr-finder's rule) and :func:`minimum` read the
  finite points smoothed by pytorch-lr-finder's running mean
  (:func:`smooth`, weight 0.95: each new loss weighs 5 %), as that library does.
- :func:`valley` is fastai's ``lr_find`` suggestion and reads fastai's curve
  (:func:`valley_curve`): its debiased running mean (weight ``beta``, 0.98),
  its trimming (the first ``num_it // 10`` and the last 5 points) and its cut
  where the smoothed loss stops being finite.

A running mean lags: it carries every feature of the curve towards higher
rates, by about ``smoothing / (1 - smoothing)`` points (19 at 0.95). The
centred smoother runs the same mean forwards and then backwards, so the two
lags cancel and the lowest point stays where the losses are lowest.
"""
from __future__ import annotations

import bisect
import inspect
import math
import numbers
import statistics
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._validate import FLOAT32_MAX, FLOAT32_TINY, as_choice, as_int, as_lr, as_number
from .stopping import update_running_mean

__all__ = ["as_curve", "smooth", "smooth_centred", "smooth_debiased", "smoothed_curve",
           "valley_curve", "lowest", "lowest_options", "ADAPTIVE_OPTIMIZERS", "steepest",
           "valley", "minimum", "suggest_lr", "rule_options",
           "falling_region", "divergence_edge", "EDGE_RISE", "SUGGESTION_METHODS",
           "DEFAULT_RULE", "SUGGESTION_WIDTH", "RUNNING_MEAN_SMOOTHING", "VALLEY_BETA",
           "VALLEY_SKIP_END"]

#: The reach of the centred smoother of the default rule and the plot, in decades of
#: learning rate: each pass weighs a point ``exp(-d / width)`` that is ``d`` decades away.
SUGGESTION_WIDTH = 0.3

#: pytorch-lr-finder's running-mean weight (``smooth_f=0.05``), for 'steepest' and 'minimum'.
RUNNING_MEAN_SMOOTHING = 0.95

# A fall is measured from the median of this many first finite losses, and counts from
# this fraction below it (falling_region's default drop).
_START_POINTS = 5
_FALL = 0.03

#: A curve: its learning rates and losses, as lists of the same length.
Curve = Tuple[List[float], List[float]]

#: The divergence edge is where the smoothed loss first rises this fraction above its lowest.
EDGE_RISE = 0.1

#: fastai's ``Recorder`` smooths the losses with ``AvgSmoothLoss(beta=0.98)``.
VALLEY_BETA = 0.98

#: fastai's ``Learner.lr_find`` drops the last 5 recorded points before suggesting.
VALLEY_SKIP_END = 5


# -- input checks ------------------------------------------------------------------------------

def _as_sequence(name: str, values: Any, what: str) -> List[Any]:
    """``values`` as a list, or a TypeError saying that ``name`` must be a sequence of ``what``."""
    if values is None or isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError("{} must be a sequence of {}, got {!r}".format(name, what, values))
    return list(values)


def _as_lrs(lrs: Any) -> List[float]:
    """The learning rates as a list of floats, each 0 or a float32-representable number."""
    what = "learning rates (0 or numbers in [{:.8g}, {:.8g}])".format(FLOAT32_TINY, FLOAT32_MAX)
    return [as_lr("lrs[{}]".format(i), lr) for i, lr in enumerate(_as_sequence("lrs", lrs, what))]


def _as_losses(losses: Any) -> List[float]:
    """The losses as a list of floats; NaN and infinities are allowed (a diverged sweep)."""
    values = _as_sequence("losses", losses, "numbers (NaN and inf allowed)")
    for i, loss in enumerate(values):
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            raise TypeError("losses[{}] must be a number (NaN and inf allowed), got {!r}".format(
                i, loss))
    return [float(loss) for loss in values]


def as_curve(lrs: Sequence[float], losses: Sequence[float]) -> Curve:
    """Return checked ``(lrs, losses)`` lists of the same length, or raise.

    Learning rates must be in float32's range; losses may be NaN or infinite.
    """
    lrs, losses = _as_lrs(lrs), _as_losses(losses)
    if len(lrs) != len(losses):
        raise ValueError("lrs and losses must have the same length; got {} and {}".format(
            len(lrs), len(losses)))
    return lrs, losses


def _finite(lrs: List[float], losses: List[float]) -> Curve:
    """The points whose loss is finite, as ``(lrs, losses)`` lists."""
    kept = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    return [lr for lr, _ in kept], [loss for _, loss in kept]


def _warn(message: str) -> None:
    """Warn at the first caller outside this module (the rules call each other)."""
    frame, level = inspect.currentframe(), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, RuntimeWarning, stacklevel=level)


def _too_few(rule: str, needed: str, have: int) -> None:
    _warn("cannot suggest a learning rate with the {!r} rule: it needs at least {}, "
          "got {}".format(rule, needed, have))


# -- curves ------------------------------------------------------------------------------------

def smooth(losses: Sequence[float], smoothing: float) -> List[float]:
    """The finder's running mean: ``m_1 = l_1``, ``m_k = (1 - s) * l_k + s * m_{k-1}``.

    Parameters
    ----------
    losses : sequence of float
    smoothing : float in [0, 1)
        ``s``, the weight of the previous mean; 0 returns the losses.

    Examples
    --------
    >>> smooth([1.0, 3.0, 3.0], 0.5)
    [1.0, 2.0, 2.5]
    """
    losses = _as_losses(losses)
    as_number("smoothing", smoothing, low=0, high=1, high_open=True)
    smoothed, running = [], None
    for loss in losses:
        running = update_running_mean(running, loss, smoothing)
        smoothed.append(running)
    return smoothed


def smooth_centred(losses: Sequence[float], smoothing: float) -> List[float]:
    """Zero-phase smoothing: the running mean of :func:`smooth`, forwards and then backwards.

    The forward pass lags features towards later points and the backward
    pass, run over its result from the last point, lags them back by as
    much, so a valley's lowest point stays where it is. When every loss is
    positive the mean runs over ``log(loss)`` (and the result is
    exponentiated): losses that span decades, as a regression's do, weigh by
    ratio, and one huge loss at a blow-up does not swamp its neighbours.

    Parameters
    ----------
    losses : sequence of float
        Finite numbers.
    smoothing : float in [0, 1)
        Weight of the previous mean in each pass; 0 returns the losses.

    Examples
    --------
    With a zero among the losses, on the losses: forward 0, 2, 1; backward 1, 1.5, 0.75.

    >>> smooth_centred([0.0, 4.0, 0.0], 0.5)
    [0.75, 1.5, 1.0]

    All positive, on their logarithms: ``4 ** (3/16), 4 ** (3/8), 4 ** (1/4)``.

    >>> [round(v, 6) for v in smooth_centred([1.0, 4.0, 1.0], 0.5)]
    [1.29684, 1.681793, 1.414214]
    """
    values = _as_losses(losses)
    smoothing = as_number("smoothing", smoothing, low=0, high=1, high_open=True)
    if smoothing == 0:
        return values
    logarithmic = bool(values) and min(values) > 0
    if logarithmic:
        values = [math.log(value) for value in values]
    smoothed = smooth(smooth(values, smoothing)[::-1], smoothing)[::-1]
    return [math.exp(value) for value in smoothed] if logarithmic else smoothed


def smooth_debiased(losses: Sequence[float], beta: float = VALLEY_BETA) -> List[float]:
    """fastai's smoothed loss (``AvgSmoothLoss``): a running mean corrected for its zero start.

    ``v_0 = 0``, ``v_k = beta * v_{k-1} + (1 - beta) * l_k`` and the k-th value
    is ``v_k / (1 - beta ** k)``. A NaN loss makes every later value NaN.

    Parameters
    ----------
    losses : sequence of float
    beta : float in [0, 1), default 0.98
        Weight of the previous mean; 0 returns the losses.

    Examples
    --------
    >>> smooth_debiased([4.0, 1.0], beta=0.5)  # 2 / 0.5 and (1 + 0.5) / 0.75
    [4.0, 2.0]
    """
    losses = _as_losses(losses)
    beta = as_number("beta", beta, low=0, high=1, high_open=True)
    smoothed, running = [], 0.0
    for count, loss in enumerate(losses, start=1):
        running = beta * running + (1 - beta) * loss
        smoothed.append(running / (1 - beta ** count))
    return smoothed


def smoothed_curve(lrs: Sequence[float], losses: Sequence[float],
                   width: float = SUGGESTION_WIDTH) -> Curve:
    """The finite points of a curve, centred-smoothed over ``width`` decades: ``(lrs, losses)``.

    :func:`smooth_centred` with the weight ``exp(-step / width)``, where
    ``step`` is the median spacing of the points in decades of learning rate
    (``log10`` of the sweep's multiplier on an exponential sweep), so that
    sweeps of any density are smoothed over the same range of rates. This is
    the curve :func:`lowest`, :func:`falling_region`, :func:`divergence_edge`
    and the finder's plot read.

    Parameters
    ----------
    lrs, losses : sequence of float
    width : float >= 0, default 0.3
        In decades; 0 keeps the losses as they are.

    Examples
    --------
    The finite points lie two decades apart; over a width of two decades each
    pass weighs the previous mean ``exp(-1)``:

    >>> xs, ys = smoothed_curve([0.01, 0.1, 1.0], [4.0, float("nan"), 1.0], width=2.0)
    >>> xs, ys == smooth_centred([4.0, 1.0], math.exp(-1))
    ([0.01, 1.0], True)
    """
    width = as_number("width", width, low=0)
    lrs, losses = _finite(*as_curve(lrs, losses))
    positive = [lr for lr in lrs if lr > 0]
    steps = np.abs(np.diff(np.log10(positive))) if len(positive) > 1 else []
    step = float(np.median(steps)) if len(steps) else 0.0
    weight = math.exp(-step / width) if width > 0 and step > 0 else 0.0
    return lrs, smooth_centred(losses, weight)


def _running_mean_curve(lrs: Sequence[float], losses: Sequence[float],
                        smoothing: float) -> Curve:
    """The finite points of a curve, their losses smoothed by :func:`smooth` (it lags)."""
    lrs, losses = _finite(*as_curve(lrs, losses))
    return lrs, smooth(losses, smoothing)


def _check_num_it(num_it: Optional[int], points: int) -> int:
    """``num_it``, or the number of points when it is None; never fewer than the points."""
    if num_it is None:
        return points
    return as_int("num_it", num_it, max(1, points))


def valley_curve(lrs: Sequence[float], losses: Sequence[float], beta: float = VALLEY_BETA,
                 num_it: Optional[int] = None) -> Curve:
    """The curve fastai's valley rule reads: ``(lrs, smoothed losses)``.

    As fastai's ``Learner.lr_find``: the losses are smoothed over the whole
    sweep (:func:`smooth_debiased`), the first ``num_it // 10`` and the last 5
    points are dropped, and the rest is cut at the first non-finite smoothed
    loss. (fastai cuts at the first NaN only; a smoothed ``+inf`` is followed
    by ``inf`` or NaN alone and cannot be in a decreasing run, so the two cuts
    differ only for losses of ``-inf``.)

    Parameters
    ----------
    lrs, losses : sequence of float
        The raw sweep, in order (non-finite losses included).
    beta : float in [0, 1), default 0.98
        See :func:`smooth_debiased`.
    num_it : int or None, default None
        The number of iterations the sweep was *planned* for: fastai's
        ``lr_find(num_it=100)``, which the recorded curve falls short of when
        the sweep stops early. ``None`` takes the number of points. It must be
        at least the number of points.

    Examples
    --------
    Dropping ``20 // 10 = 2`` points and the last 5 of 12 (``beta=0`` keeps the raw losses):

    >>> valley_curve(list(range(1, 13)), [12.0 - k for k in range(12)], beta=0, num_it=20)
    ([3.0, 4.0, 5.0, 6.0, 7.0], [10.0, 9.0, 8.0, 7.0, 6.0])
    """
    lrs, losses = as_curve(lrs, losses)
    start = _check_num_it(num_it, len(losses)) // 10
    smoothed = smooth_debiased(losses, beta)
    lrs, smoothed = lrs[start:-VALLEY_SKIP_END], smoothed[start:-VALLEY_SKIP_END]
    cut = next((i for i, loss in enumerate(smoothed) if not math.isfinite(loss)), len(smoothed))
    return lrs[:cut], smoothed[:cut]


# -- rules -------------------------------------------------------------------------------------

def steepest(lrs: Sequence[float], losses: Sequence[float], skip_start: int = 10,
             skip_end: int = 5, smoothing: float = RUNNING_MEAN_SMOOTHING) -> Optional[float]:
    """The learning rate where the loss falls fastest (pytorch-lr-finder's rule).

    Keeps the points with a finite loss, smooths them with the running mean
    (:func:`smooth`, weight ``smoothing``), drops ``skip_start`` of them at
    the start and ``skip_end`` at the end, then returns the learning rate at
    the minimum of ``numpy.gradient(losses)``. The gradient is taken over the
    point index: on a geometric sweep that is the slope against ``log(lr)``.

    Parameters
    ----------
    lrs, losses : sequence of float
    skip_start, skip_end : int >= 0, default 10 and 5
    smoothing : float in [0, 1), default 0.95
        pytorch-lr-finder's; 0 reads the raw losses.

    Examples
    --------
    >>> steepest([1, 2, 3, 4, 5], [5.0, 4.8, 3.0, 2.9, 2.8], skip_start=0, skip_end=0,
    ...          smoothing=0)
    2.0
    """
    lrs, losses = _running_mean_curve(lrs, losses, smoothing)
    as_int("skip_start", skip_start, 0)
    as_int("skip_end", skip_end, 0)
    kept_lrs = lrs[skip_start:len(losses) - skip_end]
    kept = losses[skip_start:len(losses) - skip_end]
    if len(kept) < 2:
        _too_few("steepest", "{} points with a finite loss (2 after skip_start={} and "
                 "skip_end={})".format(2 + skip_start + skip_end, skip_start, skip_end),
                 len(losses))
        return None
    return kept_lrs[int(np.argmin(np.gradient(np.asarray(kept))))]


def _longest_decrease(losses: Sequence[float]) -> Tuple[int, int]:
    """``(end, length)`` of the first longest strictly decreasing subsequence of ``losses``.

    ``tails[k]`` holds the largest last value of a decreasing subsequence of
    ``k + 1`` points seen so far, negated so that the list is ascending.
    """
    tails: List[float] = []
    end, length = 0, 0
    for i, loss in enumerate(losses):
        place = bisect.bisect_left(tails, -loss)
        tails[place:place + 1] = [-loss]
        if place + 1 > length:
            end, length = i, place + 1
    return end, length


def valley(lrs: Sequence[float], losses: Sequence[float], beta: float = VALLEY_BETA,
           num_it: Optional[int] = None) -> Optional[float]:
    """fastai's "valley" suggestion: a point partway down the longest decreasing run.

    On the curve of :func:`valley_curve` (fastai's debiased smoothing with
    ``beta``, its trimming and its cut at the first non-finite smoothed loss),
    take the longest strictly decreasing subsequence of the losses (the first
    one, on ties): ``length`` points ending at index ``end``. As in fastai,
    ``start = end - length`` (one place before the run when the run has no
    gaps) and the rule returns the learning rate at
    ``start + int(length / 3) + int(length / 3 / 2)``.

    Where fastai's index would be negative and so wrap around to the last
    point, this rule differs: when the loss never decreases it warns and
    returns None, and when the only decrease is between the first two points
    it returns the first.

    Parameters
    ----------
    lrs, losses : sequence of float
        The raw sweep in order, non-finite losses included: the rule smooths
        and trims it itself.
    beta : float in [0, 1), default 0.98
        fastai's ``Recorder`` smoothing; 0 reads the raw losses.
    num_it : int or None, default None
        The number of iterations the sweep was planned for; the first
        ``num_it // 10`` points are dropped. ``None`` takes the number of
        points. See :func:`valley_curve`.

    Examples
    --------
    With ``beta=0`` the rule reads the raw losses. Of these 12 points it keeps
    points 1 to 6 (it drops ``12 // 10 = 1`` at the start and 5 at the end).
    They all decrease, so ``length = 6``, ``end = 5``, ``start = -1`` and the
    index into the kept points is ``-1 + int(6 / 3) + int(6 / 6) = 2``: point 3.

    >>> valley(list(range(1, 13)), [12.0 - k for k in range(12)], beta=0)
    4.0
    """
    lrs, losses = as_curve(lrs, losses)
    points = len(losses)
    lrs, losses = valley_curve(lrs, losses, beta, num_it)
    if len(losses) < 2:
        _too_few("valley", "2 points left after dropping the first {} (num_it // 10) and the "
                 "last {} of {} and cutting at the first non-finite smoothed loss".format(
                     _check_num_it(num_it, points) // 10, VALLEY_SKIP_END, points), len(losses))
        return None
    end, length = _longest_decrease(losses)
    if length < 2:
        _warn("cannot suggest a learning rate with the 'valley' rule: the loss never decreases")
        return None
    index = (end - length) + int(length / 3) + int(length / 3 / 2)
    return lrs[max(index, 0)]


def _lowest_point(rule: str, lrs: List[float], losses: List[float]) -> Optional[float]:
    """The learning rate at the lowest loss of a finite curve; None, with a warning naming
    ``rule``, when the curve is empty."""
    if not losses:
        _too_few(rule, "1 point with a finite loss", 0)
        return None
    return lrs[int(np.argmin(losses))]


def _edge(lrs: List[float], curve: List[float], rise: float) -> Optional[float]:
    """The last learning rate before ``curve`` first rises ``rise`` above its lowest point,
    looking only after that point; None when it never does."""
    low = int(np.argmin(curve))
    limit = curve[low] + rise * abs(curve[low])
    return next((float(lrs[i - 1]) for i in range(low + 1, len(curve)) if curve[i] > limit),
                None)


def divergence_edge(lrs: Sequence[float], losses: Sequence[float], rise: Optional[float] = None,
                    width: float = SUGGESTION_WIDTH) -> Optional[float]:
    """The last learning rate before the loss, past its lowest point, rises ``rise`` above it.

    On the centred curve :func:`smoothed_curve` gives (non-finite points
    dropped); None when it never rises that far. ``rise`` defaults to
    ``EDGE_RISE`` (10 % of the lowest loss). Beyond the edge, training
    breaks down. Only the part after the lowest point counts: a wobble of
    the flat start of a noisy sweep, before the loss has fallen at all, is
    no edge.

    Examples
    --------
    >>> divergence_edge([1, 2, 3, 4], [2.0, 1.0, 1.0, 20.0], width=0)
    3.0
    >>> divergence_edge([1, 2, 3, 4], [2.0, 2.4, 1.0, 1.05], width=0) is None
    True
    """
    rise = EDGE_RISE if rise is None else as_number("rise", rise, low=0, low_open=True)
    xs, curve = smoothed_curve(lrs, losses, width)
    return _edge(xs, curve, rise) if curve else None


def lowest(lrs: Sequence[float], losses: Sequence[float], divisor: Optional[float] = None,
           edge_margin: Optional[float] = None, width: float = SUGGESTION_WIDTH,
           optimizer: Optional[str] = None) -> Optional[float]:
    """The learning rate where the loss stops falling over ``divisor``, kept clear of divergence.

    On the centred curve (:func:`smoothed_curve` over ``width`` decades): the
    learning rate at its lowest point, but at most the divergence edge over
    ``edge_margin``, divided by ``divisor``. The edge
    (:func:`divergence_edge`) is the last learning rate before the curve,
    past its lowest point, rises ``EDGE_RISE`` (10 %) above it; without one,
    the lowest point counts alone.

    The lowest point is the top of the range that trains. A sweep that
    hardly falls has no clear lowest point, and noise can put it right
    next to the blow-up; so a lowest point within a factor ``edge_margin``
    of the edge counts as the edge over ``edge_margin``.
    ``bench/bench_suggest.py`` measures the rule on a suite of tasks;
    RESULTS.md has the ratios.

    Where the best rate lies relative to the lowest point depends on the
    optimizer, so ``divisor`` and ``edge_margin`` default to
    :func:`lowest_options` of ``optimizer`` (the finder passes its learner's).

    Parameters
    ----------
    lrs, losses : sequence of float
    divisor : float > 0, optional
    edge_margin : float >= 1, optional
    width : float >= 0, default 0.3
        Of the centred smoother, in decades; 0 reads the raw losses.
    optimizer : str, optional
        The name of the optimizer that trains the network; None takes the
        options of an adaptive one (a quarter of the lowest point).

    Examples
    --------
    The loss falls from point 3 (3 % below the median of the first five),
    is lowest at point 7 and rises 20 % at point 8, so the edge is point 7:
    Adam's options take half the edge over 4, SGD's three times the lowest
    point capped at the edge.

    >>> lrs = [10 ** (k / 4 - 3) for k in range(13)]                 # 1e-3 .. 1
    >>> losses = [3.0, 2.9, 2.6, 2.2, 1.8, 1.4, 1.1, 1.0, 1.2, 2.0, 4.0, 8.0, 16.0]
    >>> lowest(lrs, losses, width=0) == lrs[7] / 2 / 4
    True
    >>> lowest(lrs, losses, width=0, optimizer="sgd") == lrs[7] / 3 * 3
    True

    A suggestion that no fall of the loss backs warns (here the loss falls
    3 % only at 1.6, above the suggestion): the rule cannot tell noise from a
    fall. The loss blows up right after its lowest point (1.6), so the edge
    is 1.6 too and the suggestion ``1.6 / 2 / 4``:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     lowest([0.1, 0.2, 0.4, 0.8, 1.6, 3.2], [3.0, 3.0, 2.9, 2.9, 2.8, 9.0], width=0)
    0.2
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    the 'lowest' rule's suggestion 0.2 lies below the rates where the loss falls (from 1.6)...
    """
    defaults = lowest_options(optimizer)
    divisor = as_number("divisor", defaults["divisor"] if divisor is None else divisor,
                        low=0, low_open=True)
    edge_margin = as_number("edge_margin",
                            defaults["edge_margin"] if edge_margin is None else edge_margin,
                            low=1)
    raw = _finite(*as_curve(lrs, losses))[1]
    lrs, curve = smoothed_curve(lrs, losses, width)
    point = _lowest_point("lowest", lrs, curve)
    if point is None:
        return None
    edge = _edge(lrs, curve, EDGE_RISE)
    if edge is not None:
        point = min(point, edge / edge_margin)
    _warn_if_absurd(point / divisor, lrs, _fall_start(lrs, curve, raw, _FALL))
    return point / divisor


def _fall_start(lrs: List[float], curve: List[float], raw: List[float],
                drop: float) -> Optional[int]:
    """The index where the centred ``curve`` first lies ``drop`` below the start of the
    ``raw`` losses (the median of the first 5); None if it never does."""
    reference = statistics.median(raw[:_START_POINTS])
    return next((i for i, value in enumerate(curve) if value < (1 - drop) * reference), None)


def _warn_if_absurd(suggestion: float, lrs: List[float], start: Optional[int]) -> None:
    """Warn when ``suggestion`` is not backed by a fall of the curve that starts at ``start``."""
    if start is None:
        _warn("the 'lowest' rule's suggestion {:.3g} comes from a sweep whose loss never fell "
              "{:.0%} below its start: noise, not a fall, placed it. Sweep to higher rates, "
              "or confirm it with LRFinder.confirm()".format(suggestion, _FALL))
    elif suggestion < lrs[start]:
        _warn("the 'lowest' rule's suggestion {:.3g} lies below the rates where the loss "
              "falls (from {:.3g}): check the plot, or confirm it with "
              "LRFinder.confirm()".format(suggestion, lrs[start]))
    elif suggestion > lrs[-1]:
        _warn("the 'lowest' rule's suggestion {:.3g} lies beyond the sweep's last rate {:.3g}: "
              "the loss never rose again, so sweep to higher rates".format(suggestion, lrs[-1]))


def minimum(lrs: Sequence[float], losses: Sequence[float], divisor: float = 10.0,
            smoothing: float = RUNNING_MEAN_SMOOTHING) -> Optional[float]:
    """fastai's "minimum": the learning rate at the lowest finite loss, divided by 10.

    On the running-mean curve (:func:`smooth`, weight ``smoothing``) of the
    finite points.

    Parameters
    ----------
    lrs, losses : sequence of float
    divisor : float > 0, default 10
    smoothing : float in [0, 1), default 0.95

    Examples
    --------
    >>> minimum([0.1, 1.0, 10.0], [3.0, 1.0, 2.0], smoothing=0)
    0.1
    """
    divisor = as_number("divisor", divisor, low=0, low_open=True)
    lrs, losses = _running_mean_curve(lrs, losses, smoothing)
    point = _lowest_point("minimum", lrs, losses)
    return None if point is None else point / divisor


SUGGESTION_METHODS: Dict[str, Callable[..., Optional[float]]] = {
    "lowest": lowest, "steepest": steepest, "valley": valley, "minimum": minimum}

#: MXNet's optimizers that scale each step by running statistics of the gradient.
ADAPTIVE_OPTIMIZERS = frozenset({"adabelief", "adadelta", "adagrad", "adam", "adamax", "adamw",
                                 "ftml", "ftrl", "groupadagrad", "lamb", "lans", "nadam",
                                 "rmsprop", "prodigy", "adamw_schedulefree"})


def lowest_options(optimizer: Optional[str]) -> Dict[str, float]:
    """The :func:`lowest` options for a network trained by ``optimizer`` (a name, or None).

    An adaptive optimizer (:data:`ADAPTIVE_OPTIMIZERS`, and None: not said)
    trains best well below the sweep's lowest point: ``divisor=4``,
    ``edge_margin=2``. SGD and its kin train best above it, close to where
    the loss diverges: three times the lowest point, at most the edge
    (``divisor=1/3``, ``edge_margin=3``). ``bench/bench_suggest.py`` measures both.

    Examples
    --------
    >>> lowest_options("adam"), lowest_options("SGD")
    ({'divisor': 4.0, 'edge_margin': 2.0}, {'divisor': 0.3333333333333333, 'edge_margin': 3.0})
    """
    if optimizer is not None and not isinstance(optimizer, str):
        raise TypeError("optimizer must be an optimizer's name, e.g. 'sgd' or 'adam', or None; "
                        "got {!r}".format(optimizer))
    if optimizer is None or optimizer.lower() in ADAPTIVE_OPTIMIZERS:
        return {"divisor": 4.0, "edge_margin": 2.0}
    return {"divisor": 1 / 3, "edge_margin": 3.0}
#: The rule :func:`suggest_lr` and the finder use unless told (see :func:`lowest`).
DEFAULT_RULE = "lowest"


def rule_options(method: str) -> List[str]:
    """The names of the options the rule ``method`` takes after ``lrs`` and ``losses``.

    Examples
    --------
    >>> rule_options("valley")
    ['beta', 'num_it']
    """
    return list(inspect.signature(SUGGESTION_METHODS[method]).parameters)[2:]


def _check_options(method: str, options: Dict[str, Any]) -> None:
    """Raise TypeError naming the rule's options if ``options`` has any other key."""
    accepted = rule_options(method)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError("the {!r} rule accepts the options {}; got {}".format(
            method, ", ".join(accepted), ", ".join(repr(name) for name in unknown)))


def suggest_lr(lrs: Sequence[float], losses: Sequence[float], method: str = DEFAULT_RULE,
               **options: Any) -> Optional[float]:
    """Suggest a learning rate from a finder's ``(lr, loss)`` curve.

    Parameters
    ----------
    lrs, losses : sequence of float
        The sweep, in order: learning rates (0 or float32 numbers) and losses
        (NaN and inf allowed), of the same length.
    method : {'lowest', 'steepest', 'valley', 'minimum'}, default 'lowest'
        The rule; see :func:`lowest`, :func:`steepest`, :func:`valley` and
        :func:`minimum`.
    **options
        The rule's own options (:func:`rule_options`): ``divisor``,
        ``edge_margin``, ``width``, ``optimizer`` (lowest); ``skip_start``,
        ``skip_end``, ``smoothing`` (steepest); ``beta``, ``num_it`` (valley);
        ``divisor``, ``smoothing`` (minimum).

    Returns
    -------
    float or None
        ``None`` (with a RuntimeWarning) when there are too few usable points.

    Examples
    --------
    >>> suggest_lr([0.1, 1.0, 10.0], [3.0, 1.0, 2.0], "minimum", smoothing=0)
    0.1
    """
    as_choice("method", method, tuple(sorted(SUGGESTION_METHODS)))
    _check_options(method, options)
    lrs, losses = as_curve(lrs, losses)
    suggestion = SUGGESTION_METHODS[method](lrs, losses, **options)
    return None if suggestion is None else float(suggestion)


def falling_region(lrs: Sequence[float], losses: Sequence[float],
                   width: float = SUGGESTION_WIDTH,
                   drop: float = 0.03) -> Optional[Tuple[float, float]]:
    """The learning rates over which the smoothed loss falls: ``(low, high)`` or None.

    On the centred curve :func:`smoothed_curve` gives, ``low`` is the first learning
    rate whose smoothed loss is ``drop`` (a fraction) below the start, and
    ``high`` the learning rate of the lowest smoothed loss at or after it. This
    is the part of the curve the MXNet tutorial reads a learning rate from.
    The start is the median of the first 5 finite losses: the centred curve's
    own first value already leans towards the points after it.

    Returns
    -------
    (float, float) or None
        None when the smoothed loss never falls by ``drop``.

    Examples
    --------
    >>> falling_region([1, 2, 3, 4, 5], [4.0, 3.9, 3.0, 2.0, 6.0], width=0)
    (3.0, 4.0)
    """
    as_number("drop", drop, low=0, high=1, low_open=True, high_open=True)
    xs, curve = smoothed_curve(lrs, losses, width)
    if not curve:
        return None
    start = _fall_start(xs, curve, _finite(*as_curve(lrs, losses))[1], drop)
    if start is None:
        return None
    lowest = min(range(start, len(curve)), key=curve.__getitem__)
    return float(xs[start]), float(xs[lowest])
