"""The plots the commands save: confirm's trials with their forecasts, a schedule's rate and
momentum, a training run's steps and epochs. Each renders to a PNG."""
import io
import math

import matplotlib
import matplotlib.pyplot as plt
import mxnet as mx
import pytest
from matplotlib.figure import Figure

from gluon_lr import Learner
from gluon_lr.confirm import Confirmation, confirm_learning_rate
from gluon_lr.forecast import fit_exponential
from gluon_lr.plotting import (plot_epochs, plot_rate_and_momentum, plot_steps, plot_trials,
                               trial_fit)
from gluon_lr.schedules import OneCycleLR
from gluon_lr.trial import Trial
from helpers import make_batches, make_net

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def png_size(ax):
    """Render the Axes' figure to PNG; return its (width, height) in pixels."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=50)
    data = buffer.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _trial(lr, rate, level, steps=12, horizon=100):
    losses = tuple(level + math.exp(-rate * k) for k in range(steps))
    forecast = fit_exponential(losses[steps // 2:], range(steps // 2 + 1, steps + 1)) \
        .forecast(horizon)
    return Trial(lr=lr, losses=losses, forecast=forecast, score=forecast)


def test_plot_trials_draws_each_forecast_out_to_the_horizon_and_stars_the_chosen():
    slow, fast = _trial(0.01, 0.2, 1.0), _trial(0.1, 0.4, 0.5)
    diverged = Trial(lr=1.0, losses=(2.0, 9.0, math.inf), forecast=math.inf, score=math.inf)
    confirmation = Confirmation(lr=0.1, trials=(slow, fast, diverged), steps_spent=27,
                                horizon=100)
    ax = plot_trials(confirmation, show=False)
    curves = [line for line in ax.get_lines() if line.get_label() == "_forecast"]
    points = [line for line in ax.get_lines() if line.get_label() == "_forecast point"]
    assert len(curves) == 2 and len(points) == 2   # the diverged trial has neither
    for curve, point, trial in zip(curves, points, (slow, fast)):
        assert curve.get_xdata()[0] == 7 and curve.get_xdata()[-1] == pytest.approx(100)
        assert curve.get_ydata()[-1] == pytest.approx(trial.forecast, rel=1e-12)
        assert point.get_xdata().tolist() == [100] and point.get_ydata().tolist() == \
            [trial.forecast]
    assert [point.get_marker() for point in points] == ["o", "*"]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["lr = 0.01: forecast 1.000", "lr = 0.1 (chosen): forecast 0.500",
                      "lr = 1: forecast inf", "horizon: step 100 (dotted: fitted forecasts)"]
    assert ax.get_xscale() == "log"
    assert png_size(ax) == (400, 250)


def test_trial_fit_is_the_curve_behind_the_forecast_or_none():
    trial = _trial(0.01, 0.2, 1.0)
    fit = trial_fit(trial, 100)
    assert fit is not None and fit.forecast(100) == trial.forecast
    other_floor = Trial(lr=0.01, losses=trial.losses, forecast=trial.forecast + 0.25, score=1.0)
    assert trial_fit(other_floor, 100) is None               # not the fit that forecast it
    kept = Trial(lr=0.01, losses=trial.losses, forecast=fit.forecast(100), score=1.0, fit=fit)
    assert trial_fit(kept, 100) is fit                       # AutoLRS keeps its fit


def test_a_real_confirmation_s_forecasts_are_redrawn_exactly():
    learner = Learner(make_net(), make_batches(64), mx.cpu(),
                      optimizer_params={"learning_rate": 0.01})
    confirmation = confirm_learning_rate(learner, [0.01, 0.05, 0.2], budget=72, horizon=200,
                                         progress=False)
    fits = [trial_fit(trial, confirmation.horizon) for trial in confirmation.trials]
    assert [fit is not None for fit in fits] == [math.isfinite(t.forecast)
                                                 for t in confirmation.trials]
    assert all(fit.forecast(200) == trial.forecast
               for fit, trial in zip(fits, confirmation.trials) if fit is not None)
    assert png_size(plot_trials(confirmation, show=False)) == (400, 250)


def test_rate_and_momentum_are_lines_with_one_legend_for_both_axes():
    schedule = OneCycleLR(max_lr=0.1, total_steps=50)
    steps = list(range(1, 51))
    figure = Figure(figsize=(9, 4.5))
    ax = plot_rate_and_momentum(steps, [schedule(t) for t in steps],
                                [schedule.momentum(t) for t in steps], ax=figure.subplots())
    (twin,) = [other for other in figure.axes if other is not ax]
    assert ax.get_lines()[0].get_ydata().tolist() == [schedule(t) for t in steps]
    assert twin.get_lines()[0].get_ydata().tolist() == [schedule.momentum(t) for t in steps]
    assert not ax.collections   # lines, not 2,000 markers
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "learning rate (left axis)", "momentum (right axis)"]
    assert png_size(ax) == (450, 225)


def test_a_rate_without_momentum_is_one_line():
    ax = plot_rate_and_momentum([1, 2], [0.1, 0.2], [None, None], show=False)
    assert len(ax.figure.axes) == 1
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "learning rate (left axis)"]
    with pytest.raises(ValueError, match="^steps, lrs and momenta must have the same length; "
                                         "got 2, 1 and None$"):
        plot_rate_and_momentum([1, 2], [0.1], show=False)


def test_a_training_run_s_steps_and_epochs_render():
    steps = [{"step": t, "lr": 0.01 * t, "momentum": 0.9, "loss": 2.0 / t} for t in range(1, 9)]
    history = [{"epoch": 1, "test_accuracy": 0.25}, {"epoch": 2, "test_accuracy": None},
               {"epoch": 3, "test_accuracy": 0.5}]
    figure = Figure(figsize=(14, 5))
    steps_ax, epochs_ax = figure.subplots(1, 2)
    assert plot_steps(steps, ax=steps_ax) is steps_ax
    assert steps_ax.get_lines()[0].get_ydata().tolist() == [row["loss"] for row in steps]
    assert [text.get_text() for text in steps_ax.get_legend().get_texts()] == [
        "loss (left axis)", "learning rate (right axis)"]
    assert plot_epochs(history, ax=epochs_ax) is epochs_ax
    assert epochs_ax.get_lines()[0].get_xdata().tolist() == [1, 3]
    assert epochs_ax.get_ylim() == (0.0, 1.0)
    assert png_size(steps_ax) == (700, 250)


@pytest.mark.parametrize("call, message", [
    (lambda: plot_steps([{"step": 1}], show=False),
     "steps must be a list of dicts with 'step', 'lr' and 'loss', got [{'step': 1}]"),
    (lambda: plot_epochs("history", show=False),
     "history must be a list of dicts with 'epoch' and 'test_accuracy', got 'history'"),
    (lambda: plot_trials([], show=False),
     "confirmation must come from LRFinder.confirm() or confirm_learning_rate(), got []"),
])
def test_bad_arguments_name_themselves(call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == message
