"""The exponential loss forecaster on synthetic curves with known parameters.

Noisy curves use seeded Gaussian noise of standard deviation 0.01 on 200
points. Over 200 seeds the estimators' standard deviation was at most 0.7 %
(a, relative), 1.4 % (b, relative) and 0.0018 (c, absolute) on the curves
below, and their largest errors 2.0 %, 4.3 % and 0.0054; the tolerances here
are 3 %, 6 % and 0.01, four to five standard deviations.
"""
import math

import numpy as np
import pytest

from gluon_lr.forecast import MIN_POINTS, MIN_TRIM_POINTS, ExponentialFit, fit_exponential, \
    forecast_loss

CURVES = [(2.0, -0.05, 0.5), (1.0, -0.02, 1.5), (5.0, -0.1, 0.2), (0.5, -0.03, 2.0)]
N = 200
NOISE = 0.01
A_TOL, B_TOL, C_TOL = 0.03, 0.06, 0.01  # relative, relative, absolute
SEEDS = range(10)


def curve(a, b, c, t):
    return a * np.exp(b * np.asarray(t, dtype=float)) + c


def noisy(a, b, c, seed, n=N):
    rng = np.random.RandomState(seed)
    return curve(a, b, c, np.arange(n)) + NOISE * rng.normal(size=n), rng


def recovers(fit, a, b, c):
    return (abs(fit.a / a - 1) <= A_TOL and abs(fit.b / b - 1) <= B_TOL
            and abs(fit.c - c) <= C_TOL)


def assert_recovers(fit, a, b, c):
    assert recovers(fit, a, b, c), fit


# -- noise-free curves ------------------------------------------------------------------

@pytest.mark.parametrize("a, b, c", CURVES + [(-1.0, -0.05, 3.0), (2.0, -0.3, 0.1),
                                              (3.0, -0.01, 0.0)])
def test_noise_free_curve_is_fitted_exactly(a, b, c):
    fit = fit_exponential(curve(a, b, c, np.arange(100)))
    assert fit.kept == tuple(range(100))
    assert not fit.diverged and fit.t0 == 0.0
    assert fit.a == pytest.approx(a, rel=1e-9)
    assert fit.b == pytest.approx(b, rel=1e-9)
    assert fit.c == pytest.approx(c, abs=1e-9)
    horizons = np.array([0.0, 50.0, 99.0, 300.0, 1000.0, 5000.0])
    np.testing.assert_allclose(fit.predict(horizons), curve(a, b, c, horizons), rtol=0,
                               atol=1e-6)
    assert forecast_loss(curve(a, b, c, np.arange(100)), 1000) == pytest.approx(
        curve(a, b, c, 1000), abs=1e-6)


def test_steps_shift_and_scale_the_time_axis():
    # a is the amplitude at the first step t0, so large step numbers cannot overflow it
    steps = 5000.0 + np.cumsum(np.r_[0.0, np.full(59, 10.0)])  # 5000, 5010, ..., 5590
    losses = 2.0 * np.exp(-0.004 * (steps - 5000.0)) + 0.5
    fit = fit_exponential(losses, steps)
    assert fit.t0 == 5000.0
    assert (fit.a, fit.b, fit.c) == pytest.approx((2.0, -0.004, 0.5), rel=1e-9)
    assert forecast_loss(losses, 8000.0, steps) == pytest.approx(
        2.0 * math.exp(-0.004 * 3000.0) + 0.5, abs=1e-6)


def test_uneven_steps():
    steps = np.array([0, 1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56, 67, 79], dtype=float)
    fit = fit_exponential(curve(1.5, -0.04, 0.3, steps), steps=list(steps))
    assert (fit.a, fit.b, fit.c) == pytest.approx((1.5, -0.04, 0.3), rel=1e-9)


def test_three_points_are_interpolated():
    # 3 = a + c, 2 = a e^b + c, 1.5 = a e^2b + c  ->  e^b = 1/2, a = 2, c = 1
    fit = fit_exponential([3.0, 2.0, 1.5])
    assert (fit.a, fit.b, fit.c) == pytest.approx((2.0, -math.log(2.0), 1.0), rel=1e-9)
    assert fit.kept == (0, 1, 2)


# -- noisy curves and outliers ---------------------------------------------------------

@pytest.mark.parametrize("a, b, c", CURVES)
def test_noisy_curve_recovers_parameters(a, b, c):
    for seed in SEEDS:
        losses, _ = noisy(a, b, c, seed)
        fit = fit_exponential(losses)
        assert_recovers(fit, a, b, c)
        # at most one clean point goes as a (4 sigma) outlier
        assert len(fit.kept) >= N - 1


@pytest.mark.parametrize("a, b, c", CURVES)
def test_spikes_are_dropped_and_parameters_recovered(a, b, c):
    for seed in SEEDS:
        losses, rng = noisy(a, b, c, seed)
        spikes = rng.choice(N, N // 20, replace=False)  # 5 % of the points, 10x
        losses[spikes] *= 10
        fit = fit_exponential(losses)
        assert not set(spikes.tolist()) & set(fit.kept), seed
        assert len(fit.kept) >= N - len(spikes) - 3
        assert_recovers(fit, a, b, c)
        # without the trimming the same series is fitted outside the tolerances
        assert not recovers(fit_exponential(losses, max_outliers=0), a, b, c)


@pytest.mark.parametrize("where", [(0,), (0, 1), (57,), (57, 58), (57, 58, 59), (57, 59, 61),
                                   (N - 4, N - 2), (N - 2, N - 1), (N - 1,)])
def test_spikes_in_runs_and_at_the_ends_are_dropped(where):
    # a fit to the raw losses would explain a spike at step 0 by a fast decay
    losses, _ = noisy(2.0, -0.05, 0.5, seed=3)
    losses[list(where)] *= 10
    fit = fit_exponential(losses)
    assert set(range(N)) - set(fit.kept) == set(where)
    assert_recovers(fit, 2.0, -0.05, 0.5)


@pytest.mark.parametrize("seed", range(6))
def test_a_drop_at_the_start_costs_one_point(seed):
    # the trend's time constant is at least 3 steps, so a fit to noise cannot
    # shoot up before its first points and make them look like outliers
    losses = np.r_[5.0, np.ones(49)] + NOISE * np.random.RandomState(seed).normal(size=50)
    fit = fit_exponential(losses)
    assert fit.kept == tuple(range(1, 50))
    assert forecast_loss(losses, 500) == pytest.approx(1.0, abs=0.02)


def test_a_late_rise_is_not_trimmed_away():
    t = np.arange(100)
    losses = curve(2.0, -0.05, 0.5, t) + NOISE * np.random.RandomState(0).normal(size=100)
    losses[85:] += np.linspace(0.0, 0.6, 15)
    fit = fit_exponential(losses)
    # only the last 3 points may go, judged on their left neighbours alone
    assert set(range(100)) - set(fit.kept) <= {97, 98, 99}
    assert set(range(85, 97)) <= set(fit.kept)
    # so the rise still lifts the forecast above the level of the curve without it
    assert fit.predict(1000) > 0.5 + 0.05


def test_max_outliers_bounds_the_points_dropped():
    losses, rng = noisy(1.0, -0.02, 1.5, seed=1)
    spikes = rng.choice(N, 10, replace=False)
    losses[spikes] *= 10
    assert fit_exponential(losses, max_outliers=0).kept == tuple(range(N))
    assert len(fit_exponential(losses, max_outliers=0.02).kept) == N - 4  # floor(0.02 * 200)
    # a higher threshold spares the clean points a lower one drops
    assert len(fit_exponential(losses, outlier_threshold=1.0).kept) < N - 10
    assert len(fit_exponential(losses, outlier_threshold=50.0).kept) == N - 10


def test_short_series_are_not_trimmed():
    losses = list(curve(2.0, -0.2, 0.5, np.arange(MIN_TRIM_POINTS - 1)))
    losses[4] *= 10
    assert fit_exponential(losses).kept == tuple(range(MIN_TRIM_POINTS - 1))
    losses.append(float(curve(2.0, -0.2, 0.5, MIN_TRIM_POINTS - 1)))
    assert fit_exponential(losses).kept == tuple(i for i in range(MIN_TRIM_POINTS) if i != 4)


# -- degenerate series ------------------------------------------------------------------

def test_flat_series_forecasts_its_level():
    fit = fit_exponential([1.5] * 20)
    assert (fit.a, fit.c, fit.diverged) == (0.0, 1.5, False)
    assert fit.b == pytest.approx(-1 / (2 * 19), rel=1e-12)  # the slow bound: 2 spans
    assert fit.predict(10 ** 6) == 1.5
    assert forecast_loss([1.5] * 20, 500) == 1.5
    # a flat series with one spike is flat once the spike is gone
    losses = [1.0] * 50
    losses[20] = 10.0
    fit = fit_exponential(losses)
    assert (fit.a, fit.c) == (0.0, 1.0)
    assert 20 not in fit.kept and len(fit.kept) == 49


def test_straight_line_puts_b_at_the_slow_bound():
    line = 2.0 - 0.01 * np.arange(50)
    fit = fit_exponential(line)
    assert fit.b == pytest.approx(-1 / (2 * 49), rel=1e-12)
    # the forecast keeps falling past the last loss, then levels off at c
    assert fit.c < fit.predict(490) < line[-1]
    assert fit.predict(10 ** 5) == pytest.approx(fit.c, abs=1e-12)
    rising = fit_exponential(1.0 + 0.01 * np.arange(50))
    assert rising.a < 0 and rising.b == pytest.approx(-1 / (2 * 49), rel=1e-12)
    assert rising.predict(490) > 1.49


def test_rising_series_forecasts_a_higher_level():
    fit = fit_exponential(curve(-1.0, -0.05, 2.0, np.arange(100)))
    assert (fit.a, fit.b, fit.c) == pytest.approx((-1.0, -0.05, 2.0), rel=1e-9)
    assert fit.predict(1000) == pytest.approx(2.0, abs=1e-9)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_losses_forecast_inf(bad):
    losses = list(curve(2.0, -0.05, 0.5, np.arange(30)))
    losses[12] = bad
    fit = fit_exponential(losses)
    assert fit.diverged and fit.kept == () and fit.a == 0.0 and fit.c == math.inf
    assert math.isnan(fit.b)
    assert fit.predict(100) == math.inf
    assert fit.predict([0.0, 100.0]).tolist() == [math.inf, math.inf]
    assert forecast_loss(losses, 100) == math.inf


def test_divergence_compares_the_medians_of_the_first_and_last_tenth():
    # 100 points: tenths of 10; the medians are 1.0 and the tail's value
    def series(tail):
        return [1.0] * 10 + [1.2] * 80 + [tail] * 10

    assert fit_exponential(series(2.0)).diverged is False  # not above 2 x 1.0
    assert forecast_loss(series(2.001), 500) == math.inf
    assert forecast_loss(series(2.001), 500, diverge_factor=3.0) < math.inf
    # a few spikes at the end do not move the median of the last tenth (5 points at least)
    spiky = series(1.2)
    spiky[-3:] = [50.0, 1.2, 50.0]
    assert not fit_exponential(spiky).diverged
    assert not fit_exponential(spiky[-30:]).diverged
    # short series use 5 points: here the first and last 5 of 8
    assert forecast_loss([1.0, 1.0, 1.0, 2.5, 2.5, 2.5, 2.5, 2.5], 20) == math.inf
    # a series whose start is not positive is never diverged
    assert not fit_exponential([-1.0] * 10 + [5.0] * 10, floor=None).diverged


def test_a_blow_up_that_settles_back_is_divergence():
    # an AutoLRS candidate seen in a notebook run: its loss shot up to 3.8e33, then settled at
    # chance level; fitted, it forecast -1.26e12 and won the search
    losses = [2.3] * 10 + [2.2, 50.0, 3.8e33, 1e5, 40.0] + [2.4] * 25
    fit = fit_exponential(losses)
    assert fit.diverged and forecast_loss(losses, 300) == math.inf
    # one loss above 100 x the first (2.3) is a blow-up; up to it, an outlier
    losses[13] = 40.0
    losses[12] = 230.1
    assert fit_exponential(losses).diverged
    losses[12] = 229.9
    assert not fit_exponential(losses).diverged
    assert fit_exponential(losses, spike_factor=10.0).diverged


# -- results and arguments --------------------------------------------------------------

def test_predict_scalars_arrays_and_times_before_t0():
    fit = ExponentialFit(a=1.0, b=-0.5, c=0.25, t0=2.0, t1=4.0, end=0.62, kept=(0, 1, 2),
                         diverged=False)
    assert fit.predict(2) == 1.25
    assert isinstance(fit.predict(np.float32(2.0)), float)
    np.testing.assert_allclose(fit.predict([0, 2, 4]),
                               [math.exp(1.0) + 0.25, 1.25, math.exp(-1.0) + 0.25], rtol=1e-15)
    assert fit.predict(-5000) == math.inf  # overflow before t0 is inf, not an error


def test_forecast_loss_is_the_fit_at_the_horizon():
    losses, _ = noisy(2.0, -0.05, 0.5, seed=0)
    fit = fit_exponential(losses, max_outliers=0.05)
    assert forecast_loss(losses, 750, max_outliers=0.05) == fit.predict(750)


@pytest.mark.parametrize("losses, error, match", [
    ([1.0, 2.0], ValueError, "losses must hold at least 3 values, got 2"),
    ([], ValueError, "losses must hold at least 3 values, got 0"),
    ([[1.0, 2.0, 3.0]], ValueError, r"losses must be a 1-D sequence .* shape \(1, 3\)"),
    (1.0, ValueError, r"losses must be a 1-D sequence .* shape \(\)"),
    (["1", "2", "3"], TypeError, "losses must be a 1-D sequence of real numbers"),
    ([True, False, True], TypeError, "losses must be a 1-D sequence of real numbers"),
    ([1.0, None, 2.0], TypeError, "losses must be a 1-D sequence of real numbers"),
])
def test_bad_losses(losses, error, match):
    with pytest.raises(error, match=match):
        fit_exponential(losses)
    with pytest.raises(error, match=match):
        forecast_loss(losses, 10)


@pytest.mark.parametrize("steps, error, match", [
    ([0, 1], ValueError, r"steps must hold one step per loss \(3\), got 2"),
    ([0, 2, 2], ValueError, "steps must be finite and strictly increasing"),
    ([3, 2, 1], ValueError, "steps must be finite and strictly increasing"),
    ([0, math.nan, 2], ValueError, "steps must be finite and strictly increasing"),
    ("abc", TypeError, "steps must be a 1-D sequence of real numbers"),
])
def test_bad_steps(steps, error, match):
    with pytest.raises(error, match=match):
        fit_exponential([3.0, 2.0, 1.5], steps)


@pytest.mark.parametrize("option, value, error, match", [
    ("max_outliers", 0.5, ValueError, r"max_outliers must be a number in \[0, 0.5\)"),
    ("max_outliers", -0.1, ValueError, r"max_outliers must be a number in \[0, 0.5\)"),
    ("max_outliers", None, TypeError, r"max_outliers must be a number in \[0, 0.5\)"),
    ("outlier_threshold", 0, ValueError, r"outlier_threshold must be a number in \(0, inf\)"),
    ("outlier_threshold", math.inf, ValueError, r"outlier_threshold must be a number in"),
    ("diverge_factor", 0.5, ValueError, r"diverge_factor must be a number in \[1, inf\)"),
    ("diverge_factor", "2", TypeError, r"diverge_factor must be a number in \[1, inf\)"),
    ("spike_factor", 0.5, ValueError, r"spike_factor must be a number in \[1, inf\)"),
])
def test_bad_options(option, value, error, match):
    with pytest.raises(error, match=match):
        fit_exponential([3.0, 2.0, 1.5], **{option: value})


def test_bad_horizon_and_times():
    with pytest.raises(ValueError, match=r"horizon must be a number in \(-inf, inf\), got nan"):
        forecast_loss([3.0, 2.0, 1.5], math.nan)
    with pytest.raises(TypeError, match="horizon must be a number"):
        forecast_loss([3.0, 2.0, 1.5], "10")
    fit = fit_exponential([3.0, 2.0, 1.5])
    with pytest.raises(ValueError, match="t must be a number"):
        fit.predict(math.inf)
    with pytest.raises(ValueError, match="t must be finite numbers"):
        fit.predict([1.0, math.nan])
    with pytest.raises(TypeError, match="t must be a 1-D sequence of real numbers"):
        fit.predict(["1"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'smoothing'"):
        forecast_loss([3.0, 2.0, 1.5], 10, smoothing=0.5)


def test_minimum_points_constant():
    assert MIN_POINTS == 3 and MIN_TRIM_POINTS == 10


# -- the loss's floor and curves that have not bent ------------------------------------------

def test_a_curve_still_falling_straight_never_forecasts_below_the_floor():
    # The shape that made confirm pick the worst rate: 113 steps still falling steadily
    # from 2.3 to 1.14. A free fit puts c far below zero.
    steps = np.arange(1, 114)
    losses = 2.3 - (2.3 - 1.14) * (steps - 1) / 112
    free = fit_exponential(losses, steps, floor=None)
    assert free.c < -0.5 and free.predict(1000) < 0
    fit = fit_exponential(losses, steps)
    assert fit.c == 0.0 and fit.held and not fit.bent
    assert fit.predict(300) >= 0.0
    # no credit for the fall the window never saw: the fitted loss at the last step
    assert fit.predict(113) > 1.2
    assert fit.forecast(300) == fit.end == pytest.approx(1.14, rel=1e-9)
    assert forecast_loss(losses, 300, steps) == fit.forecast(300)


def test_a_curve_that_bent_is_extrapolated_to_its_level():
    steps = np.arange(1, 114)
    rng = np.random.RandomState(0)
    losses = 0.8 + 1.5 * np.exp(-steps / 15.0) + 0.02 * rng.normal(size=113)
    fit = fit_exponential(losses, steps)
    assert fit.bent and fit.c > 0.7
    assert fit.forecast(300) == fit.predict(300) == pytest.approx(0.8, abs=0.02)


def test_the_straight_candidate_no_longer_beats_the_bent_ones():
    # the six candidates, in shape: the slow ones fall straight, the fast ones bent
    steps = np.arange(1, 114)
    slow = 2.3 - 1.16 * (steps - 1) / 112                               # ends at 1.14
    fast = 0.78 + 1.5 * np.exp(-steps / 10.0)                           # ends near 0.78
    assert forecast_loss(fast, 300, steps) < forecast_loss(slow, 300, steps)


def test_floor_is_enforced_exactly_in_the_least_squares_solution():
    # y = [3, 2, 1.5] at u = 0, 0.5, 1 with the rate fixed: the free level is below 1, so
    # with floor 1 the amplitude is sum(x * (y - 1)) / sum(x * x) for x = exp(-rate * u)
    from gluon_lr.forecast import _solve
    u, y = np.array([0.0, 0.5, 1.0]), np.array([3.0, 2.0, 1.5])
    amp, level, rss = _solve(u, y, 0.5, None)
    assert level < 1.0
    x = np.exp(-0.5 * u)
    amp, level, rss = _solve(u, y, 0.5, 1.0)
    assert level == 1.0
    assert amp == pytest.approx(float(x @ (y - 1.0) / (x @ x)), rel=1e-12)
    assert rss == pytest.approx(float(((y - 1.0 - amp * x) ** 2).sum()), rel=1e-12)
    # a free level above the floor is left alone
    assert _solve(u, y, 0.5, -10.0)[:2] == _solve(u, y, 0.5, None)[:2]


def test_bent_is_half_the_expected_fall_inside_the_window():
    def fit(b):
        return ExponentialFit(a=1.0, b=b, c=0.0, t0=0.0, t1=10.0, end=0.5, kept=(),
                              diverged=False, floor=None)
    assert fit(-math.log(2) / 10).bent                                  # exactly one half-life
    assert not fit(-math.log(2) / 10 * 0.999).bent
    # before the last step the forecast is the curve itself, bent or not
    assert fit(-0.01).forecast(5.0) == fit(-0.01).predict(5.0)
    assert fit(-0.01).forecast(50.0) == 0.5
    # a level the floor holds up is not known, however fast the curve fell
    held = ExponentialFit(a=1.0, b=-1.0, c=0.0, t0=0.0, t1=10.0, end=0.5, kept=(),
                          diverged=False, floor=0.0, held=True)
    assert not held.bent and held.forecast(50.0) == 0.5
    # a clean curve that settles on the floor itself is not held up
    settled = fit_exponential(np.exp(-0.055 * np.arange(100)))
    assert settled.c == pytest.approx(0.0, abs=1e-12) and not settled.held and settled.bent


def test_losses_below_the_floor_are_refused():
    with pytest.raises(ValueError, match=r"losses must not lie below floor=0.0; the lowest is -1.0"):
        fit_exponential([1.0, 0.0, -1.0])
    with pytest.raises(TypeError, match="floor must be a number"):
        fit_exponential([1.0, 0.5, 0.2], floor="0")
    assert fit_exponential([1.0, 0.0, -1.0], floor=None).c < 0


def test_trimming_without_a_floor_does_not_depend_on_where_the_losses_sit():
    # Losses below zero (e.g. a log-likelihood) with two spikes: without a floor, the
    # points trimmed are the spikes, wherever a constant shift puts the curve.
    t = np.arange(60)
    y = -3 + 2 * np.exp(-0.08 * t) + 0.02 * np.random.RandomState(0).normal(size=60)
    y[[20, 40]] += 1.0
    below = fit_exponential(y, floor=None)
    above = fit_exponential(y + 10, floor=None)
    dropped = sorted(set(range(60)) - set(below.kept))
    assert dropped == sorted(set(range(60)) - set(above.kept)) == [20, 40]
