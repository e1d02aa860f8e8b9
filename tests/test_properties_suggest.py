"""Property tests of the suggestion rules, the centred smoother and the forecaster.

Invariants that hold for every curve: a rule's answer is None or a positive
rate within the sweep's range (scaled by the rule's divisor), the centred
smoother keeps every value within the range of the losses it smooths, and a
forecast never lies below the loss's floor. In CI: 6 tests, 60 examples each
(360 in all), about 10 s on 2 cores.
"""
import math
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gluon_lr.forecast import fit_exponential, forecast_loss
from gluon_lr.suggest import (SUGGESTION_METHODS, lowest_options, smooth_centred,
                              smoothed_curve, suggest_lr)
from properties import bounded

SETTINGS = bounded(60)
losses_strategy = st.lists(st.floats(min_value=1e-3, max_value=1e3), min_size=3, max_size=120)


def sweep(count, start, ratio):
    return [start * ratio ** k for k in range(count)]


@SETTINGS
@given(losses=losses_strategy, start=st.floats(min_value=1e-7, max_value=1e-2),
       ratio=st.floats(min_value=1.01, max_value=2.0),
       blowups=st.integers(min_value=0, max_value=3),
       optimizer=st.sampled_from([None, "adam", "sgd"]))
def test_every_rule_answers_inside_the_sweep_scaled_by_its_divisor(losses, start, ratio,
                                                                   blowups, optimizer):
    losses = losses + [math.inf] * blowups
    lrs = sweep(len(losses), start, ratio)
    finite = [lr for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    # lowest may cap its point at the edge over edge_margin before dividing
    options = lowest_options(optimizer)
    divisors = {"lowest": options["divisor"], "steepest": 1.0, "valley": 1.0, "minimum": 10.0}
    floors = dict(divisors, lowest=options["divisor"] * options["edge_margin"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # too few points: None, with a warning
        for method in SUGGESTION_METHODS:
            options = {"optimizer": optimizer} if method == "lowest" else {}
            value = suggest_lr(lrs, losses, method, **options)
            if value is None:
                continue
            low, high = finite[0] / floors[method], finite[-1] / divisors[method]
            assert math.isfinite(value) and low * (1 - 1e-9) <= value <= high * (1 + 1e-9)


@SETTINGS
@given(losses=st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=1, max_size=80),
       smoothing=st.floats(min_value=0.0, max_value=0.99))
def test_the_centred_smoother_stays_within_the_losses(losses, smoothing):
    smoothed = smooth_centred(losses, smoothing)
    assert len(smoothed) == len(losses)
    span = max(abs(v) for v in losses) * 1e-9 + 1e-12
    assert all(min(losses) - span <= v <= max(losses) + span for v in smoothed)


@SETTINGS
@given(level=st.floats(min_value=1e-3, max_value=1e3), count=st.integers(1, 80),
       width=st.floats(min_value=0.0, max_value=2.0))
def test_a_flat_curve_stays_flat(level, count, width):
    xs, curve = smoothed_curve(sweep(count, 1e-5, 1.2), [level] * count, width)
    assert curve == [level] * count or np.allclose(curve, level, rtol=1e-12)


@SETTINGS
@given(losses=st.lists(st.floats(min_value=0.0, max_value=10.0), min_size=3, max_size=150),
       horizon=st.integers(min_value=1, max_value=2000))
def test_a_forecast_never_lies_below_the_floor(losses, horizon):
    steps = list(range(1, len(losses) + 1))
    fit = fit_exponential(losses, steps)
    assert fit.diverged or fit.c >= 0.0
    assert forecast_loss(losses, horizon, steps) >= 0.0


@SETTINGS
@given(losses=st.lists(st.floats(min_value=1.0, max_value=10.0), min_size=3, max_size=150),
       floor=st.floats(min_value=0.0, max_value=1.0))
def test_a_stated_floor_bounds_the_level_too(losses, floor):
    fit = fit_exponential(losses, floor=floor)
    assert fit.diverged or fit.c >= floor
    assert fit.forecast(10 * len(losses)) >= floor


@SETTINGS
@given(a=st.floats(min_value=0.1, max_value=5.0), rate=st.floats(min_value=0.05, max_value=0.5),
       c=st.floats(min_value=0.0, max_value=2.0))
def test_a_clean_curve_that_bent_forecasts_its_level(a, rate, c):
    t = np.arange(100)
    fit = fit_exponential(a * np.exp(-rate * t) + c)
    # a level at the floor itself may read as held up by it (not bent): its end is the level
    assert fit.bent or c < 1e-6
    assert abs(fit.forecast(1000) - c) <= 1e-6 * (a + c) + 1e-9
