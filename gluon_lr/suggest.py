"""Rules that read a learning rate off a finder's curve.

Every rule is a function ``(lrs, losses, **options) -> float or None`` over the
points of a sweep in order; it returns ``None``, with a RuntimeWarning, when it
has too few points to work with.

- :func:`lowest` (the default, :data:`DEFAULT_RULE`), :func:`steepest` and
  :func:`minimum` read a curve that :func:`suggest_lr`
  prepares: it drops the non-finite points and smooths the losses with the
  finder's running mean (:func:`smooth`, weight ``smoothing``).
- :func:`valley` is fastai's ``lr_find`` suggestion and prepares its own curve
  from the raw losses, as fastai does (:func:`valley_curve`): fastai's debiased
  running mean (weight ``beta``, 0.98), its trimming (the first ``num_it // 10``
  and the last 5 points) and its cut where the smoothed loss stops being
  finite. :func:`suggest_lr` ignores ``smoothing`` for it.

The default smoothing for suggestions, 0.95, is pytorch-lr-finder's
(``smooth_f=0.05``: each new loss weighs 5 %). The tutorial's light 0.3 suits
its stopping rule, but on a real finder curve (batch losses of ResNet-18 on
CIFAR-10) it lets one noisy drop in the diverging region pass for the steepest
descent: on this repository's measured curve (RESULTS.md) 'steepest' gives
0.35 with 0.3, and 0.031 with 0.6 to 0.95.
"""
import bisect
import inspect
import math
import numbers
import warnings

import numpy as np

from ._validate import FLOAT32_MAX, FLOAT32_TINY, as_choice, as_int, as_lr, as_number
from .stopping import update_running_mean

__all__ = ["as_curve", "smooth", "smooth_debiased", "smoothed_curve", "valley_curve",
           "lowest", "steepest", "valley", "minimum", "suggest_lr", "falling_region",
           "divergence_edge", "EDGE_RISE",
           "SUGGESTION_METHODS", "DEFAULT_RULE", "SUGGESTION_SMOOTHING", "VALLEY_BETA",
           "VALLEY_SKIP_END"]

#: The divergence edge is where the smoothed loss first rises this fraction above its lowest.
EDGE_RISE = 0.1

#: fastai's ``Recorder`` smooths the losses with ``AvgSmoothLoss(beta=0.98)``.
VALLEY_BETA = 0.98

#: fastai's ``Learner.lr_find`` drops the last 5 recorded points before suggesting.
VALLEY_SKIP_END = 5


# -- input checks ------------------------------------------------------------------------------

def _as_sequence(name, values, what):
    """``values`` as a list, or a TypeError saying that ``name`` must be a sequence of ``what``."""
    if values is None or isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError("{} must be a sequence of {}, got {!r}".format(name, what, values))
    return list(values)


def _as_lrs(lrs):
    """The learning rates as a list of floats, each 0 or a float32-representable number."""
    what = "learning rates (0 or numbers in [{:.8g}, {:.8g}])".format(FLOAT32_TINY, FLOAT32_MAX)
    return [as_lr("lrs[{}]".format(i), lr) for i, lr in enumerate(_as_sequence("lrs", lrs, what))]


def _as_losses(losses):
    """The losses as a list of floats; NaN and infinities are allowed (a diverged sweep)."""
    values = _as_sequence("losses", losses, "numbers (NaN and inf allowed)")
    for i, loss in enumerate(values):
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            raise TypeError("losses[{}] must be a number (NaN and inf allowed), got {!r}".format(
                i, loss))
    return [float(loss) for loss in values]


def as_curve(lrs, losses):
    """Return checked ``(lrs, losses)`` lists of the same length, or raise.

    Learning rates must be in float32's range; losses may be NaN or infinite.
    """
    lrs, losses = _as_lrs(lrs), _as_losses(losses)
    if len(lrs) != len(losses):
        raise ValueError("lrs and losses must have the same length; got {} and {}".format(
            len(lrs), len(losses)))
    return lrs, losses


def _finite(lrs, losses):
    """The points whose loss is finite, as ``(lrs, losses)`` lists."""
    kept = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    return [lr for lr, _ in kept], [loss for _, loss in kept]


def _warn(message):
    """Warn at the first caller outside this module (the rules call each other)."""
    frame, level = inspect.currentframe(), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, RuntimeWarning, stacklevel=level)


def _too_few(rule, needed, have):
    _warn("cannot suggest a learning rate with the {!r} rule: it needs at least {}, "
          "got {}".format(rule, needed, have))


# -- curves ------------------------------------------------------------------------------------

def smooth(losses, smoothing):
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


def smooth_debiased(losses, beta=VALLEY_BETA):
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


def smoothed_curve(lrs, losses, smoothing):
    """The finite points of a curve, their losses smoothed (:func:`smooth`): ``(lrs, losses)``.

    This is the curve that :func:`lowest`, :func:`steepest` and :func:`minimum` read in
    :func:`suggest_lr`.

    Examples
    --------
    >>> smoothed_curve([1.0, 2.0, 3.0], [4.0, float("nan"), 2.0], 0.5)
    ([1.0, 3.0], [4.0, 3.0])
    """
    lrs, losses = _finite(*as_curve(lrs, losses))
    return lrs, smooth(losses, smoothing)


def _check_num_it(num_it, points):
    """``num_it``, or the number of points when it is None; never fewer than the points."""
    if num_it is None:
        return points
    return as_int("num_it", num_it, max(1, points))


def valley_curve(lrs, losses, beta=VALLEY_BETA, num_it=None):
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

def steepest(lrs, losses, skip_start=10, skip_end=5):
    """The learning rate where the loss falls fastest (pytorch-lr-finder's rule).

    Keeps the points with a finite loss, drops ``skip_start`` of them at the
    start and ``skip_end`` at the end, then returns the learning rate at the
    minimum of ``numpy.gradient(losses)``. The gradient is taken over the point
    index: on a geometric sweep that is the slope against ``log(lr)``.

    Parameters
    ----------
    lrs, losses : sequence of float
    skip_start, skip_end : int >= 0, default 10 and 5

    Examples
    --------
    >>> steepest([1, 2, 3, 4, 5], [5.0, 4.8, 3.0, 2.9, 2.8], skip_start=0, skip_end=0)
    2.0
    """
    lrs, losses = _finite(*as_curve(lrs, losses))
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


def _longest_decrease(losses):
    """``(end, length)`` of the first longest strictly decreasing subsequence of ``losses``.

    ``tails[k]`` holds the largest last value of a decreasing subsequence of
    ``k + 1`` points seen so far, negated so that the list is ascending.
    """
    tails, end, length = [], 0, 0
    for i, loss in enumerate(losses):
        place = bisect.bisect_left(tails, -loss)
        tails[place:place + 1] = [-loss]
        if place + 1 > length:
            end, length = i, place + 1
    return end, length


def valley(lrs, losses, beta=VALLEY_BETA, num_it=None):
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


def _lowest_point(rule, lrs, losses):
    """The learning rate at the lowest loss of a finite curve; None, with a warning naming
    ``rule``, when the curve is empty."""
    if not losses:
        _too_few(rule, "1 point with a finite loss", 0)
        return None
    return lrs[int(np.argmin(losses))]


def _edge(lrs, curve, rise):
    """The last learning rate before ``curve`` first rises ``rise`` above its lowest so far."""
    low = math.inf
    for i, value in enumerate(curve):
        low = min(low, value)
        if value > (1 + rise) * low:
            return float(lrs[i - 1])
    return None


def divergence_edge(lrs, losses, rise=None):
    """The last learning rate before the smoothed loss rises ``rise`` above its lowest so far.

    On the curve :func:`smoothed_curve` gives (non-finite points dropped);
    None when it never rises that far. ``rise`` defaults to ``EDGE_RISE``
    (10 %). Beyond the edge, training breaks down.

    Examples
    --------
    >>> divergence_edge([1, 2, 3, 4], [2.0, 2.0, 2.0, 20.0])  # smoothed: 2, 2, 2, 2.9
    3.0
    """
    rise = EDGE_RISE if rise is None else as_number("rise", rise, low=0, low_open=True)
    xs, curve = smoothed_curve(lrs, losses, SUGGESTION_SMOOTHING)
    return _edge(xs, curve, rise) if curve else None


def lowest(lrs, losses, divisor=2.0, edge_margin=2.0):
    """Half the learning rate where the loss stops falling, kept clear of divergence.

    The learning rate at the lowest finite loss, but at most the divergence
    edge over ``edge_margin``, divided by ``divisor`` (the default rule). The
    edge (:func:`divergence_edge`) is the last learning rate before the loss
    first rises ``EDGE_RISE`` (10 %) above its lowest so far; without one,
    the lowest point counts alone.

    On the smoothed curve the lowest point is where the loss stops falling,
    the top of the range that trains. A sweep that hardly falls has no clear
    lowest point, and noise can put it right next to the blow-up: on one of
    the plain CNN's curves in ``bench/bench_suggest.py`` the lowest point was
    0.74 and the sweep diverged at 1.07, where the best rate of the grid was
    0.16. So a lowest point within a factor ``edge_margin`` of the edge
    counts as the edge over ``edge_margin``. ``bench/bench_suggest.py`` measures every rule
    against a grid of 300-iteration runs; RESULTS.md has the ratios.

    Parameters
    ----------
    lrs, losses : sequence of float
    divisor : float > 0, default 2
    edge_margin : float >= 1, default 2

    Examples
    --------
    >>> lowest([0.1, 1.0, 10.0], [3.0, 1.0, 1.05])
    0.5

    The loss blows up right after its lowest point (1.6), so the edge is 1.6
    too and the suggestion ``1.6 / 2 / 2``:

    >>> lowest([0.1, 0.2, 0.4, 0.8, 1.6, 3.2], [3.0, 3.0, 2.9, 2.9, 2.8, 9.0])
    0.4
    """
    divisor = as_number("divisor", divisor, low=0, low_open=True)
    edge_margin = as_number("edge_margin", edge_margin, low=1)
    lrs, losses = _finite(*as_curve(lrs, losses))
    point = _lowest_point("lowest", lrs, losses)
    if point is None:
        return None
    edge = _edge(lrs, losses, EDGE_RISE)
    if edge is not None:
        point = min(point, edge / edge_margin)
    return point / divisor


def minimum(lrs, losses, divisor=10.0):
    """fastai's "minimum": the learning rate at the lowest finite loss, divided by 10.

    The lowest point that :func:`lowest` starts from, without its cap below the
    divergence edge, and with fastai's ``divisor``.

    Parameters
    ----------
    lrs, losses : sequence of float
    divisor : float > 0, default 10

    Examples
    --------
    >>> minimum([0.1, 1.0, 10.0], [3.0, 1.0, 2.0])
    0.1
    """
    lrs, losses = _finite(*as_curve(lrs, losses))
    divisor = as_number("divisor", divisor, low=0, low_open=True)
    point = _lowest_point("minimum", lrs, losses)
    return None if point is None else point / divisor


SUGGESTION_METHODS = {"lowest": lowest, "steepest": steepest, "valley": valley,
                      "minimum": minimum}
#: The rule :func:`suggest_lr` and the finder use unless told (see :func:`lowest`).
DEFAULT_RULE = "lowest"


SUGGESTION_SMOOTHING = 0.95


def _rule_options(method):
    """The names of the options a rule takes after ``lrs`` and ``losses``."""
    return list(inspect.signature(SUGGESTION_METHODS[method]).parameters)[2:]


def _check_options(method, options):
    """Raise TypeError naming the rule's options if ``options`` has any other key."""
    accepted = _rule_options(method)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError("the {!r} rule accepts the options {}; got {}".format(
            method, ", ".join(accepted), ", ".join(repr(name) for name in unknown)))


def suggest_lr(lrs, losses, method=DEFAULT_RULE, smoothing=SUGGESTION_SMOOTHING, **options):
    """Suggest a learning rate from a finder's ``(lr, loss)`` curve.

    Parameters
    ----------
    lrs, losses : sequence of float
        The sweep, in order: learning rates (0 or float32 numbers) and losses
        (NaN and inf allowed), of the same length.
    method : {'lowest', 'steepest', 'valley', 'minimum'}, default 'lowest'
        The rule; see :func:`lowest`, :func:`steepest`, :func:`valley` and
        :func:`minimum`.
    smoothing : float in [0, 1), default 0.95
        For all rules but 'valley': the running-mean weight of the previous
        mean (0 = raw losses); see the module notes. 'valley' ignores it and
        smooths with its own ``beta`` option (fastai's 0.98).
    **options
        Passed to the rule: ``skip_start``, ``skip_end`` (steepest), ``beta``,
        ``num_it`` (valley) or ``divisor`` (lowest, minimum).

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
    as_number("smoothing", smoothing, low=0, high=1, high_open=True)
    _check_options(method, options)
    lrs, losses = as_curve(lrs, losses)
    if method != "valley":
        lrs, losses = smoothed_curve(lrs, losses, smoothing)
    suggestion = SUGGESTION_METHODS[method](lrs, losses, **options)
    return None if suggestion is None else float(suggestion)


def falling_region(lrs, losses, smoothing=SUGGESTION_SMOOTHING, drop=0.03):
    """The learning rates over which the smoothed loss falls: ``(low, high)`` or None.

    On the curve :func:`smoothed_curve` gives, ``low`` is the first learning
    rate whose smoothed loss is ``drop`` (a fraction) below the first one, and
    ``high`` the learning rate of the lowest smoothed loss at or after it. This
    is the part of the curve the MXNet tutorial reads a learning rate from.

    Returns
    -------
    (float, float) or None
        None when the smoothed loss never falls by ``drop``.

    Examples
    --------
    >>> falling_region([1, 2, 3, 4, 5], [4.0, 3.9, 3.0, 2.0, 6.0], smoothing=0.0)
    (3.0, 4.0)
    """
    as_number("drop", drop, low=0, high=1, low_open=True, high_open=True)
    xs, curve = smoothed_curve(lrs, losses, smoothing)
    if not curve:
        return None
    start = next((i for i, value in enumerate(curve) if value < (1 - drop) * curve[0]), None)
    if start is None:
        return None
    lowest = min(range(start, len(curve)), key=curve.__getitem__)
    return float(xs[start]), float(xs[lowest])
