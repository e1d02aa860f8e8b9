"""Exponential loss forecaster: fit ``a * exp(b * (t - t0)) + c`` and extrapolate it.

Shared by confirmed suggestions (candidate learning rates train a few dozen
steps from one snapshot and are ranked by their forecast loss at a longer
horizon) and by AutoLRS (Jin et al., ICLR 2021), whose candidates train
``tau'`` steps and are scored by the forecast loss at step ``tau``.

The method follows the AutoLRS reference code: ``a`` and ``c`` are a linear
least-squares problem once ``b`` is fixed, ``b`` comes from a one-dimensional
search, and outliers are trimmed iteratively against a smooth trend before
the final fit. It needs NumPy only. Where it differs from the reference:

* ``b`` is searched on a bounded range tied to the series (see
  :func:`fit_exponential`), on a log-spaced grid refined by golden-section
  search, so the result is deterministic and a series that shows no curvature
  ends at a documented bound instead of wherever an unbounded simplex search
  stops (which extrapolates the noise in a nearly flat series' slope without
  limit).
* The trend outliers are measured against is an exponential fitted to running
  medians of the losses, plus the local median of the residuals, instead of
  a SciPy smoothing spline. A point is dropped only when it stands out from
  its neighbours on both sides by a robust threshold, instead of a fixed 3 %
  of the points each round, so a clean series keeps every point. Points may
  be dropped anywhere, not only in the first half of the series: a sustained
  departure from the curve, such as a late rise, does not stand out from its
  neighbours and is kept.
* The final fit uses the kept raw losses, not spline-smoothed values.
"""
import dataclasses
import math
from typing import Any, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_number

__all__ = ["ExponentialFit", "fit_exponential", "forecast_loss", "MIN_POINTS",
           "MIN_TRIM_POINTS"]

Array = NDArray[np.float64]
Index = NDArray[np.intp]

#: The fewest losses a fit accepts (three parameters).
MIN_POINTS = 3
#: Series shorter than this are fitted whole: no point is dropped as an outlier.
MIN_TRIM_POINTS = 10

# The search range of b, as the time constant -1/b: from half the mean spacing
# of the steps (the loss falls by e**2 per step) to twice the span of the steps
# (the curve falls 39 % of its way to c over the series). A slower bound lets a
# nearly flat series extrapolate the noise in its slope further: with 1 % noise
# on 30 flat points, the forecast at ten spans scatters by 0.9 % with 2 spans
# and by 2.4 % with 10.
_FASTEST_STEPS = 0.5
_SLOWEST_SPANS = 2.0
_GRID_PER_DECADE = 24
_GOLDEN_TOL = 1e-12  # on log(-b * span)
# Outlier trimming: each residual is compared with the median residual of up to
# this many kept neighbours on each side (and the trend's time constant is at
# least this many steps), for at most this many rounds of refit and recheck.
_HALF_WINDOW = 3
_TRIM_ROUNDS = 10
_MAD_TO_SIGMA = 1.482602218505602  # 1 / Phi^-1(3/4): MAD -> normal standard deviation
_MEAN_AD_TO_SIGMA = math.sqrt(math.pi / 2)  # mean absolute deviation -> standard deviation
# The floor holds a level up when the free fit's level lies below it by more than this
# fraction of the series' range: a curve that settles on the floor itself has a free level
# a rounding error below it.
_HELD = 1e-3


@dataclasses.dataclass(frozen=True)
class ExponentialFit:
    """A fitted curve ``loss(t) = a * exp(b * (t - t0)) + c`` over the steps ``t0 .. t1``.

    Attributes
    ----------
    a : float
        Amplitude at the first step ``t0``: ``loss(t0) - c``. Positive for a
        falling curve, negative for a rising one, ``0`` for a flat or diverged
        series.
    b : float
        Rate, ``< 0`` (per unit of ``t``); ``nan`` for a diverged series.
    c : float
        Level the curve tends to as ``t`` grows, never below the fit's floor;
        ``inf`` for a diverged series.
    t0, t1 : float
        The first and the last step of the series (``0`` and ``len - 1`` when
        no steps were given).
    end : float
        The loss the series had reached at ``t1``: a least-squares line
        through the kept losses of the window's last quarter (at least 3),
        at ``t1``. It does not depend on the curve's shape, which a series
        still falling straight does not pin down. ``inf`` when diverged.
    floor : float or None
        The level ``c`` was held at or above (``None``: unbounded).
    held : bool
        True when the floor held ``c`` up: a fit free of it would put the
        level clearly below it (by more than 0.1 % of the series' range).
    kept : tuple of int
        Indices of the losses the final fit used, in order; the others were
        dropped as outliers. Empty for a diverged series.
    diverged : bool
        True when the series held a NaN or infinity, or diverged; every
        prediction is then ``inf``.

    Examples
    --------
    >>> fit = ExponentialFit(a=2.0, b=-0.5, c=1.0, t0=0.0, t1=2.0, end=1.735759,
    ...                      kept=(0, 1, 2), diverged=False)
    >>> fit.predict(0)
    3.0
    >>> fit.predict([0, 2]).round(6).tolist()
    [3.0, 1.735759]
    >>> fit.bent, fit.forecast(100) == fit.predict(100)
    (True, True)
    """

    a: float
    b: float
    c: float
    t0: float
    t1: float
    end: float
    kept: Tuple[int, ...] = dataclasses.field(repr=False)
    diverged: bool
    floor: Optional[float] = 0.0
    held: bool = False

    @property
    def bent(self) -> bool:
        """True when the series has shown at least half of the fall (or rise) the fit expects.

        That is ``exp(b * (t1 - t0)) <= 1/2``: the window spans a half-life of
        the curve or more, so its level ``c`` rests on what the series showed.
        A series still falling straight at its end has not bent: its fit puts
        most of the fall beyond the window, where no loss was seen. Nor has
        one whose level the floor :attr:`held` up: its free fit would fall
        through the floor, so its level is not known. A flat or a
        diverged series counts as bent (it has nothing to extrapolate).

        Examples
        --------
        >>> ExponentialFit(a=1.0, b=-0.01, c=0.1, t0=0.0, t1=50.0, end=0.71, kept=(),
        ...                diverged=False).bent
        False
        >>> ExponentialFit(a=1.0, b=-0.02, c=0.1, t0=0.0, t1=50.0, end=0.47, kept=(),
        ...                diverged=False).bent
        True
        """
        if self.a == 0 or self.diverged:
            return True
        if self.held:
            return False
        return self.b * (self.t1 - self.t0) <= -math.log(2)

    def forecast(self, horizon: float) -> float:
        """The loss to expect at step ``horizon``: extrapolated only from a fit that has bent.

        :meth:`predict` at ``horizon`` when the fit has :attr:`bent` (or
        ``horizon`` is not past ``t1``); otherwise :attr:`end`, the level the
        series has reached, the lowest it gives evidence of. Never below
        :attr:`floor` (a fit can dip under it where the series runs along
        it). ``inf`` for a diverged series.

        Examples
        --------
        >>> straight = ExponentialFit(a=1.0, b=-0.01, c=0.0, t0=0.0, t1=50.0, end=0.6,
        ...                           kept=(), diverged=False)
        >>> straight.forecast(300), round(straight.predict(300), 6)
        (0.6, 0.049787)
        """
        horizon = as_number("horizon", horizon)
        value = float(self.predict(horizon)) if self.bent or horizon <= self.t1 else self.end
        return value if self.floor is None else max(value, self.floor)

    def predict(self, t: ArrayLike) -> Union[float, NDArray[np.float64]]:
        """The fitted loss at step(s) ``t``: a float for a number, an array for an array.

        ``t`` is in the units of the fit's steps and must be finite; it may
        lie before, inside or after the fitted series.

        Examples
        --------
        >>> fit = ExponentialFit(a=1.0, b=-1.0, c=0.5, t0=10.0, t1=12.0, end=0.64,
        ...                      kept=(0, 1, 2), diverged=False)
        >>> fit.predict(10)
        1.5
        >>> ExponentialFit(a=0.0, b=math.nan, c=math.inf, t0=0.0, t1=4.0, end=math.inf,
        ...                kept=(), diverged=True).predict(5)
        inf
        """
        if np.ndim(t) == 0:
            t = as_number("t", t)
            if self.a == 0:
                return float(self.c)
            with np.errstate(over="ignore"):
                return float(self.a * np.exp(self.b * (t - self.t0)) + self.c)
        t = _as_series("t", t)
        if not np.all(np.isfinite(t)):
            raise ValueError("t must be finite numbers, got {!r}".format(t))
        if self.a == 0:
            return np.full(t.shape, float(self.c))
        with np.errstate(over="ignore"):
            return np.asarray(self.a * np.exp(self.b * (t - self.t0)) + self.c, dtype=np.float64)


def _as_series(name: str, values: ArrayLike) -> NDArray[np.float64]:
    """``values`` as a 1-D float array; TypeError for non-numbers, ValueError for a bad shape."""
    array = np.asarray(values)
    if array.dtype.kind not in "iuf":
        raise TypeError("{} must be a 1-D sequence of real numbers, got {!r}".format(
            name, values))
    if array.ndim != 1:
        raise ValueError("{} must be a 1-D sequence of real numbers, got shape {}".format(
            name, array.shape))
    return array.astype(float)


def _solve_all(u: Array, y: Array, rates: Array,
               floor: Optional[float]) -> Tuple[Array, Array, Array]:
    """Least-squares ``amp, level, rss`` of ``y ~ amp * exp(-rate * u) + level`` for each rate.

    ``level >= floor``: where the free solution's level lies below ``floor``,
    the level is ``floor`` and ``amp`` the least-squares amplitude of
    ``y - floor`` alone (the constrained optimum of a convex problem whose
    free optimum is infeasible lies on the boundary).
    """
    x = np.exp(-np.outer(u, rates))
    xc = x - x.mean(axis=0)
    yc = (y - y.mean())[:, None]
    amp = (xc * yc).sum(axis=0) / (xc * xc).sum(axis=0)
    level = y.mean() - amp * x.mean(axis=0)
    if floor is not None:
        low = level < floor
        above = (y - floor)[:, None]
        amp = np.where(low, (x * above).sum(axis=0) / (x * x).sum(axis=0), amp)
        level = np.where(low, floor, level)
    rss = ((y[:, None] - amp * x - level) ** 2).sum(axis=0)
    return amp, level, rss


def _solve(u: Array, y: Array, rate: float,
           floor: Optional[float]) -> Tuple[float, float, float]:
    """``_solve_all`` for one rate, as floats."""
    amp, level, rss = _solve_all(u, y, np.array([rate]), floor)
    return float(amp[0]), float(level[0]), float(rss[0])


def _fit(u: Array, y: Array, fastest: float,
         floor: Optional[float]) -> Tuple[float, float, float]:
    """Fit ``y ~ amp * exp(-rate * u) + level`` on ``u`` in ``[0, 1]``: ``amp, rate, level``.

    ``rate`` lies in ``[1 / _SLOWEST_SPANS, fastest]``: the best point of a
    log-spaced grid, refined by golden-section search between its neighbours.
    ``level >= floor`` unless ``floor`` is None. A constant ``y`` gives
    ``amp = 0`` and the slowest rate.
    """
    slowest = 1.0 / _SLOWEST_SPANS
    if np.ptp(y) == 0:
        return 0.0, slowest, float(y[0])
    lo, hi = math.log(slowest), math.log(fastest)
    grid = np.linspace(lo, hi, max(3, int(math.ceil((hi - lo) / math.log(10)
                                                     * _GRID_PER_DECADE)) + 1))
    rss = _solve_all(u, y, np.exp(grid), floor)[2]
    best = int(np.argmin(rss))
    left, right = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    found = {grid[best]: float(rss[best])}

    def cost(s: float) -> float:
        if s not in found:
            found[s] = _solve(u, y, math.exp(s), floor)[2]
        return found[s]

    ratio = (math.sqrt(5) - 1) / 2
    x1, x2 = right - ratio * (right - left), left + ratio * (right - left)
    while right - left > _GOLDEN_TOL:
        if cost(x1) <= cost(x2):
            right, x2 = x2, x1
            x1 = right - ratio * (right - left)
        else:
            left, x1 = x1, x2
            x2 = left + ratio * (right - left)
    s = min(found, key=lambda key: (found[key], key))
    amp, level, _ = _solve(u, y, math.exp(s), floor)
    return amp, math.exp(s), level


def _window_median(values: Array, half: int, center: bool) -> Array:
    """Median of each value's window: up to ``half`` values on each side, cut short at
    the ends, and the value itself if ``center``."""
    n = len(values)
    out = np.empty(n)
    width = 2 * half + 1
    if n >= width:
        windows = np.lib.stride_tricks.sliding_window_view(values, width)
        if not center:
            windows = np.delete(windows, half, axis=1)
        out[half:n - half] = np.median(windows, axis=1)
    for i in set(range(min(half, n))) | set(range(max(n - half, 0), n)):
        window = values[max(i - half, 0):i + half + 1]
        if not center:
            window = np.delete(window, i - max(i - half, 0))
        out[i] = np.median(window)
    return out


def _side_medians(values: Array, half: int) -> Tuple[Array, Array]:
    """Medians of the up to ``half`` values left and right of each value (NaN if none)."""
    n = len(values)
    left, right = np.full(n, np.nan), np.full(n, np.nan)
    if n > half:
        windows = np.lib.stride_tricks.sliding_window_view(values, half)
        left[half:] = np.median(windows[:n - half], axis=1)
        right[:n - half] = np.median(windows[1:], axis=1)
    for i in range(min(half, n)):
        if i > 0:
            left[i] = np.median(values[:i])
            right[n - 1 - i] = np.median(values[n - i:])
    return left, right


def _trim(u: Array, y: Array, fastest: float, max_dropped: int, threshold: float,
          floor: Optional[float]) -> Index:
    """Indices to keep after iterative outlier trimming (see :func:`fit_exponential`)."""
    keep: Index = np.arange(len(y))
    least_sigma = 1e-9 * float(np.max(np.abs(y)))  # a noise scale for a noiseless series
    for _ in range(_TRIM_ROUNDS):
        if max_dropped == 0 or len(keep) < MIN_TRIM_POINTS:
            break
        # The trend: the curve fitted to the running medians of the kept losses over
        # full windows, which an isolated outlier cannot pull (a fit to the raw
        # losses can chase an outlier at the start with a fast decay).
        inner = slice(_HALF_WINDOW, len(keep) - _HALF_WINDOW)
        amp, rate, level = _fit(u[keep][inner],
                                _window_median(y[keep], _HALF_WINDOW, True)[inner], fastest,
                                floor)
        residual = y[keep] - (amp * np.exp(-rate * u[keep]) + level)
        # The noise scale: residuals less the median residual of their neighbours.
        detrended = residual - _window_median(residual, _HALF_WINDOW, False)
        sigma = _MAD_TO_SIGMA * float(np.median(np.abs(detrended - np.median(detrended))))
        if sigma == 0:
            sigma = _MEAN_AD_TO_SIGMA * float(np.mean(np.abs(detrended - np.median(detrended))))
        # An outlier stands out from its neighbours on both sides, the same way; a
        # sustained departure from the curve (a rise, a bend) does not, and stays.
        # The first and last kept points have one side and are judged on it, but only
        # while they are among the series' first or last 3 points: at most 3 points
        # go from each end, so a fall at the start or a rise at the end is never
        # trimmed away bit by bit.
        left, right = _side_medians(residual, _HALF_WINDOW)
        from_left, from_right = residual - left, residual - right
        from_left[0], from_right[-1] = from_right[0], from_left[-1]
        deviation = np.where(from_left * from_right > 0,
                             np.minimum(np.abs(from_left), np.abs(from_right)), 0.0)
        deviation[0] *= keep[0] < _HALF_WINDOW
        deviation[-1] *= keep[-1] >= len(y) - _HALF_WINDOW
        # Only the largest deviation of its window goes this round: the neighbours of
        # an outlier are judged again once it is gone.
        padded = np.pad(deviation, _HALF_WINDOW, constant_values=-np.inf)
        window_max = np.lib.stride_tricks.sliding_window_view(
            padded, 2 * _HALF_WINDOW + 1).max(axis=1)
        flagged = np.flatnonzero((deviation > threshold * max(sigma, least_sigma))
                                 & (deviation == window_max))
        if flagged.size == 0:
            break
        worst = flagged[np.argsort(-deviation[flagged], kind="stable")][:max_dropped]
        max_dropped -= len(worst)
        keep = np.delete(keep, worst)
    return keep


def _end_level(u: Array, y: Array) -> float:
    """The value at ``u = 1`` of a least-squares line through the points with ``u >= 0.75``
    (the last 3 when fewer)."""
    tail = max(int(np.count_nonzero(u >= 0.75)), MIN_POINTS)
    slope, intercept = np.polyfit(u[-tail:], y[-tail:], 1)
    return float(slope + intercept)


def _diverged(y: Array, factor: float, spike_factor: float) -> bool:
    """True when the median of the last tenth (at least 5 points) exceeds ``factor``
    times the median of the first tenth, that first median being positive, or
    any loss exceeds ``spike_factor`` times the first, a positive one."""
    k = min(len(y), max(5, len(y) // 10))
    head, tail = float(np.median(y[:k])), float(np.median(y[-k:]))
    return (head > 0 and tail > factor * head) or \
        (y[0] > 0 and float(np.max(y)) > spike_factor * y[0])


def fit_exponential(losses: ArrayLike, steps: Optional[ArrayLike] = None, *,
                    floor: Optional[float] = 0.0, max_outliers: float = 0.1,
                    outlier_threshold: float = 4.0, diverge_factor: float = 2.0,
                    spike_factor: float = 100.0) -> ExponentialFit:
    """Fit ``loss(t) = a * exp(b * (t - t0)) + c`` with ``b < 0`` to a loss series.

    **Fit.** For a fixed ``b``, ``a`` and ``c`` are the closed-form linear
    least-squares solution. ``b`` minimises the residual sum of squares over
    time constants ``-1/b`` from half the mean step spacing (the loss falls by
    a factor ``e**2`` per step) to twice the span ``steps[-1] - steps[0]``:
    first on a grid of 24 log-spaced values per decade, then by golden-section
    search between the best grid value's neighbours. Deterministic, NumPy only.

    **Floor.** A loss has a floor, 0 for cross-entropy and squared errors:
    ``c >= floor`` always. Where the free least-squares level would lie
    below it (a series still falling straight, whose extrapolation would
    cross zero), ``c = floor`` and ``a`` fits the rest. Whether the series
    showed enough of its fall to extrapolate at all is :attr:`ExponentialFit.bent`.

    **Degenerate series.** A constant series gives ``a = 0``, ``c`` = the
    constant and ``b`` at its slow bound, ``-1 / (2 * span)``. The sign of ``a``
    is free: a series rising towards a level gives ``a < 0`` and forecasts that
    higher level. A series without curvature (a straight line, falling or
    rising) gives ``b`` at the slow bound: the forecast continues the line for
    about two spans, then flattens. A fall that is over within a step or two
    gives ``b`` near its fast bound, or its first points are dropped as
    outliers (see below); either way later forecasts are ``c``, the level after
    the fall.

    **Outliers.** Series of ``MIN_TRIM_POINTS`` (10) points or more are trimmed
    first, in rounds (at most 10) of:

    1. The trend: the curve, with time constant at least 3 steps, fitted to
       the running medians of 7 kept losses (full windows only, so an outlier
       at either end cannot pull it); the residuals of the kept losses from it.
    2. The noise scale ``sigma``: 1.4826 times the median absolute deviation of
       each residual less the median residual of its up to 6 neighbours (3 on
       each side; the mean absolute deviation times 1.2533 if that is zero,
       and at least ``1e-9`` times the largest absolute loss).
    3. Each residual's deviation from the medians of its up to 3 left and 3
       right kept neighbours: the smaller of the two if both have the same
       sign, else 0. The first and last kept points are judged on their one
       side, but only while they are among the series' first or last 3 points.
    4. The points whose deviation exceeds ``outlier_threshold * sigma`` and is
       the largest within 3 kept points on each side are dropped, largest
       first, until ``floor(max_outliers * len(losses))`` are gone in all.

    Rounds stop when none is flagged, the budget is spent, or fewer than 10
    points remain. So isolated spikes, alone or a few together, are dropped;
    a sustained departure from the curve (a bend, a late rise) is kept, except
    that at most 3 points can go from each end: there the data cannot tell a
    spike from the start of a rise or from a fall steeper than the trend
    follows. A noise-free series that is not exponential can lose a few points
    where its misfit peaks.

    **Divergence.** A series holding a NaN or infinity is diverged; so is one
    whose last tenth (at least 5 points) has a median above ``diverge_factor``
    times the median of its first tenth (when that is positive), and one with
    a loss above ``spike_factor`` times its first (when that is positive): a
    run that blew up and settled back (say at chance level, its weights
    ruined) is not a curve to extrapolate, and its fit could forecast
    anything. The fit then has ``a = 0``, ``b = nan``, ``c = inf``, nothing
    kept, and forecasts ``inf``.

    Parameters
    ----------
    losses : sequence of float
        At least ``MIN_POINTS`` (3) losses, in step order.
    steps : sequence of float, optional
        Strictly increasing finite steps of the losses, one each; default
        ``0, 1, ..., len(losses) - 1``. ``t0`` is ``steps[0]``.
    floor : float or None, default 0.0
        The lowest level the loss can reach; ``None`` for a loss without one
        (a negative log-likelihood of a density, say).
    max_outliers : float, default 0.1
        Largest fraction of the points dropped as outliers, in ``[0, 0.5)``;
        ``0`` keeps every point.
    outlier_threshold : float, default 4.0
        Robust standard deviations beyond which a point is an outlier (``> 0``).
    diverge_factor : float, default 2.0
        Rise of the end over the start that counts as divergence (``>= 1``).
    spike_factor : float, default 100.0
        Rise of any one loss over the start that counts as divergence
        (``>= 1``): two orders of magnitude is a blow-up, where a noisy batch
        is an outlier for the trimming above.

    Returns
    -------
    ExponentialFit

    Raises
    ------
    TypeError
        ``losses`` or ``steps`` holds something other than real numbers.
    ValueError
        Fewer than 3 losses, steps of another length, not strictly increasing or
        not finite, or an option outside its range.

    Examples
    --------
    >>> t = np.arange(50)
    >>> fit = fit_exponential(2.0 * np.exp(-0.1 * t) + 0.5)
    >>> round(fit.a, 6), round(fit.b, 6), round(fit.c, 6)
    (2.0, -0.1, 0.5)
    >>> round(fit.predict(1000), 6)
    0.5
    >>> fit_exponential([1.0, 1.0, 1.0, 1.0]).a
    0.0
    >>> line = [2.0 - 0.01 * k for k in range(100)]  # still falling straight
    >>> fit = fit_exponential(line)
    >>> fit.c, fit.bent, round(fit.forecast(300), 6), round(fit.predict(300), 4)
    (0.0, False, 1.01, 0.2828)
    >>> fit_exponential([1.0, 2.0, float("nan")]).predict(10)
    inf
    """
    floor = None if floor is None else as_number("floor", floor)
    max_outliers = as_number("max_outliers", max_outliers, low=0, high=0.5, high_open=True)
    outlier_threshold = as_number("outlier_threshold", outlier_threshold, low=0, low_open=True)
    diverge_factor = as_number("diverge_factor", diverge_factor, low=1)
    spike_factor = as_number("spike_factor", spike_factor, low=1)
    y = _as_series("losses", losses)
    n = len(y)
    if n < MIN_POINTS:
        raise ValueError("losses must hold at least {} values, got {}".format(MIN_POINTS, n))
    if steps is None:
        t = np.arange(n, dtype=float)
    else:
        t = _as_series("steps", steps)
        if len(t) != n:
            raise ValueError("steps must hold one step per loss ({}), got {}".format(n, len(t)))
        if not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0):
            raise ValueError("steps must be finite and strictly increasing, got {!r}".format(
                steps))
    t0, t1 = float(t[0]), float(t[-1])
    if not np.all(np.isfinite(y)) or _diverged(y, diverge_factor, spike_factor):
        return ExponentialFit(a=0.0, b=math.nan, c=math.inf, t0=t0, t1=t1, end=math.inf,
                              kept=(), diverged=True, floor=floor)
    if floor is not None and float(np.min(y)) < floor:
        raise ValueError("losses must not lie below floor={!r}; the lowest is {!r}".format(
            floor, float(np.min(y))))
    span = float(t[-1] - t[0])
    u = (t - t0) / span
    fastest = (n - 1) / _FASTEST_STEPS  # in units of 1 / span
    keep: Index = np.arange(n)
    if n >= MIN_TRIM_POINTS:
        keep = _trim(u, y, (n - 1) / _HALF_WINDOW, int(max_outliers * n), outlier_threshold,
                     floor)
    amp, rate, level = _fit(u[keep], y[keep], fastest, floor)
    held = floor is not None and level == floor and \
        _fit(u[keep], y[keep], fastest, None)[2] < floor - _HELD * float(np.ptp(y[keep]))
    return ExponentialFit(a=amp, b=-rate / span, c=level, t0=t0, t1=t1,
                          end=_end_level(u[keep], y[keep]),
                          kept=tuple(int(i) for i in keep), diverged=False, floor=floor,
                          held=held)


def forecast_loss(losses: ArrayLike, horizon: float, steps: Optional[ArrayLike] = None,
                  **options: Any) -> float:
    """The loss to expect at step ``horizon``: :meth:`ExponentialFit.forecast` of the fit.

    The fitted curve at ``horizon`` when the series has bent, else the fitted
    loss at its last step; ``inf`` if diverged. ``horizon`` is in the units
    of ``steps`` (by default the index of the loss, so ``len(losses) - 1`` is
    the last one observed) and must be finite. ``options`` are
    :func:`fit_exponential`'s keyword arguments (``floor``, 0 by default).

    Examples
    --------
    >>> losses = [1.0 + 2.0 * math.exp(-0.2 * k) for k in range(30)]
    >>> round(forecast_loss(losses, 300), 6)
    1.0
    >>> forecast_loss(losses[:10] + [10.0] * 5, 300)
    inf
    """
    horizon = as_number("horizon", horizon)
    return fit_exponential(losses, steps, **options).forecast(horizon)
