"""LRFinder: the tutorial's sweep exactly, caps, faults, restore, suggestions, plots."""
import csv
import math
import os
import types

import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner, LRFinder, LRFinderStoppingCriteria
from helpers import assert_same_state, make_batches, make_net, state_arrays


class ScriptedLearner:
    """Returns a fixed sequence of losses and records the learning rates asked for.

    Its ``run`` and ``trial`` are the Learner's own, over a scripted ``iteration``.
    """

    run = Learner.run
    trial = Learner.trial

    def __init__(self, losses, fail_at=None, error=RuntimeError):
        # run() sets an optimizer's lr_scheduler aside; this one has none
        self.trainer = types.SimpleNamespace(
            optimizer=types.SimpleNamespace(lr_scheduler=None, lr=None))
        self.losses = list(losses)
        self.lrs = []
        self.snapshots = 0
        self.restores = 0
        self.fail_at = fail_at
        self.error = error
        self.iteration_lr = None

    def initialize_parameters(self):
        pass

    def iteration(self, lr=None, take_step=True):
        if self.fail_at is not None and len(self.lrs) + 1 == self.fail_at:
            raise self.error("injected")
        self.lrs.append(lr)
        self.iteration_lr = lr
        return self.losses[len(self.lrs) - 1]

    def snapshot(self):
        self.snapshots += 1
        return "snapshot"

    def restore(self, snapshot):
        assert snapshot == "snapshot"
        self.restores += 1


# the warning of a sweep that stopped before its loss fell
NO_FALL = "before its loss ever fell"


def tutorial_lrs(count, lr_start=1e-6, lr_multiplier=1.1):
    """The tutorial's learning rates: repeated multiplication, as its loop does."""
    lrs, lr = [], lr_start
    for _ in range(count):
        lrs.append(lr)
        lr = lr * lr_multiplier
    return lrs


def test_tutorial_sequence_and_stopping_iteration():
    # running mean stays 1.0 for 29 iterations; iteration 30 gives 0.7*5 + 0.3 = 3.8 > 2
    losses = [1.0] * 29 + [5.0] + [1.0] * 100
    learner = ScriptedLearner(losses)
    finder = LRFinder(learner)
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = finder.find(lr_start=1e-6, progress=False)
    assert learner.lrs == tutorial_lrs(30)
    assert results == list(zip(tutorial_lrs(30), losses[:30]))
    assert finder.stop_reason == "diverged before the loss fell"
    assert results[-1][0] == 1e-6 * 1.1 ** 29 or abs(results[-1][0] / (1e-6 * 1.1 ** 29) - 1) < 1e-12
    assert (learner.snapshots, learner.restores) == (1, 1)


def test_divergence_waits_for_min_iter():
    learner = ScriptedLearner([1.0] + [9.0] * 50)
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        assert len(LRFinder(learner).find(lr_start=1e-6, progress=False)) == 20


def test_results_are_kept_on_the_finder():
    finder = LRFinder(ScriptedLearner([1.0] * 19 + [9.0]))
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = finder.find(lr_start=1e-6, progress=False)
    assert finder.results is results
    assert finder.lrs == tutorial_lrs(20) and finder.losses == [1.0] * 19 + [9.0]


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_stops_the_sweep(bad):
    learner = ScriptedLearner([1.0, 0.9, 0.8, bad, 0.7, 0.6])
    finder = LRFinder(learner)
    # three finite losses cannot show a fall: the sweep says so
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = finder.find(progress=False)
    assert len(results) == 4 and not math.isfinite(results[-1][1])
    assert finder.stop_reason == "non-finite loss before the loss fell"
    assert learner.restores == 1


def test_non_finite_loss_stops_even_a_custom_rule():
    learner = ScriptedLearner([1.0, float("nan"), 1.0])
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = LRFinder(learner).find(stopping_criteria=lambda loss: False, progress=False)
    assert len(results) == 2


def test_never_diverging_loss_stops_at_lr_end():
    learner = ScriptedLearner([1.0] * 1000)
    finder = LRFinder(learner)
    results = finder.find(lr_start=1e-6, progress=False)
    assert finder.stop_reason == "lr_end"
    expected = [lr for lr in tutorial_lrs(400) if lr <= 10.0]
    assert [lr for lr, _ in results] == expected
    assert len(expected) == 170  # 1e-6 * 1.1**169 = 9.99 ; 1.1**170 would be 10.99


def test_never_diverging_loss_stops_at_max_iter():
    finder = LRFinder(ScriptedLearner([1.0] * 1000))
    results = finder.find(max_iter=37, lr_end=None, progress=False)
    assert len(results) == 37
    assert finder.stop_reason == "max_iter"


def test_lr_end_is_reached_exactly_on_a_log_grid():
    # 100 log-spaced points over 1e-7 .. 10: the last one lands on 10 up to rounding
    multiplier = (10 / 1e-7) ** (1 / 99)
    results = LRFinder(ScriptedLearner([1.0] * 200)).find(
        lr_start=1e-7, lr_multiplier=multiplier, lr_end=10, progress=False)
    assert len(results) == 100
    assert results[-1][0] == pytest.approx(10, rel=1e-9)


def test_custom_stopping_rule():
    rule = LRFinderStoppingCriteria(smoothing=0.0, min_iter=1, threshold=1.5)
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = LRFinder(ScriptedLearner([1.0, 1.2, 1.6, 0.1])).find(stopping_criteria=rule,
                                                                       progress=False)
    assert len(results) == 3


def test_smoothing_reaches_the_default_rule():
    # with smoothing 0.9: m = 0.1*5 + 0.9*1 = 1.4 at iteration 21, then 1.86, then 2.274
    losses = [1.0] * 20 + [5.0] * 10
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        assert len(LRFinder(ScriptedLearner(losses)).find(lr_start=1e-6, smoothing=0.9,
                                                          progress=False)) == 23


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_restore_runs_on_exception_and_interrupt(error):
    learner = ScriptedLearner([1.0] * 50, fail_at=6, error=error)
    finder = LRFinder(learner)
    with pytest.raises(error):
        finder.find(progress=False)
    assert learner.restores == 1
    assert len(finder.results) == 5
    assert finder.stop_reason == "interrupted"


def test_progress_bar_shows_lr_and_smoothed_loss(capsys):
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        LRFinder(ScriptedLearner([1.0] * 19 + [9.0])).find(progress=True)
    err = capsys.readouterr().err
    assert "lr finder" in err and "lr=" in err and "loss=" in err


# -- the linear mode (DeepSpeed's LR range test) ----------------------------------------------

def test_linear_mode_follows_deepspeeds_formula():
    learner = ScriptedLearner([1.0] * 100)
    LRFinder(learner).find(lr_start=0.01, mode="linear", step_size=4, step_rate=2.0,
                           max_iter=9, lr_end=None, progress=False)
    assert learner.lrs == pytest.approx([0.01 * (1 + 2.0 * t / 4) for t in range(9)],
                                        rel=1e-15)


def test_linear_staircase_floors_the_interval():
    learner = ScriptedLearner([1.0] * 100)
    LRFinder(learner).find(lr_start=0.01, mode="linear", step_size=4, step_rate=2.0,
                           staircase=True, max_iter=9, lr_end=None, progress=False)
    assert learner.lrs == pytest.approx([0.01 * (1 + 2.0 * (t // 4)) for t in range(9)],
                                        rel=1e-15)


def test_without_caps_the_sweep_ends_below_float32s_largest_value():
    learner = ScriptedLearner([1.0] * 20)
    finder = LRFinder(learner)
    finder.find(lr_start=1e30, lr_multiplier=10.0, lr_end=None, max_iter=None, progress=False)
    assert learner.lrs == tutorial_lrs(9, 1e30, 10.0)       # 1e38 < 3.4e38 < 1e39
    assert finder.stop_reason == "lr_end"


def test_num_points_spans_lr_start_to_lr_end_on_a_log_grid():
    learner = ScriptedLearner([1.0] * 200)
    finder = LRFinder(learner)
    finder.find(lr_start=1e-7, lr_end=10.0, num_points=100, progress=False)
    assert learner.lrs == tutorial_lrs(100, 1e-7, (10.0 / 1e-7) ** (1 / 99))
    assert learner.lrs[-1] == pytest.approx(10.0, rel=1e-12)
    assert finder.stop_reason == "max_iter"


def test_linear_mode_respects_lr_end():
    learner = ScriptedLearner([1.0] * 100)
    LRFinder(learner).find(lr_start=1.0, mode="linear", lr_end=5.0, progress=False)
    assert learner.lrs == [1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"lr_start": 0}, ValueError, r"lr_start must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\), got 0"),
    ({"lr_start": -1e-3}, ValueError, r"lr_start must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\)"),
    ({"lr_start": 1e-320}, ValueError, r"lr_start must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\), got 1e-320"),
    ({"lr_start": "1e-6"}, TypeError, r"lr_start must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\)"),
    ({"lr_multiplier": 1.0}, ValueError, r"lr_multiplier must be a number in \(1, inf\)"),
    ({"lr_multiplier": float("nan")}, ValueError, r"lr_multiplier must be a number in \(1, "),
    ({"smoothing": 1.0}, ValueError, r"smoothing must be a number in \[0, 1\)"),
    ({"lr_end": 1e-9}, ValueError, r"lr_end must be a number in \[1e-06, inf\)"),
    ({"lr_end": 0}, ValueError, r"lr_end must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\)"),
    ({"lr_end": 1e300}, ValueError, r"lr_end must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\)"),
    ({"num_points": 1, "lr_multiplier": 1.1}, ValueError, "num_points must be an int >= 2"),
    ({"num_points": 10, "lr_end": None}, ValueError, "num_points needs mode='exponential'"),
    ({"num_points": 10, "lr_multiplier": 2.0}, ValueError, "replaces lr_multiplier"),
    ({"progress": "no"}, TypeError, "progress must be True or False, got 'no'"),
    ({"max_iter": 0}, ValueError, "max_iter must be an int >= 1"),
    ({"max_iter": 2.5}, TypeError, "max_iter must be an int >= 1"),
    ({"mode": "cosine"}, ValueError, "mode must be one of"),
    ({"step_size": 10}, ValueError, "apply to mode='linear' only"),
    ({"mode": "linear", "step_size": 0}, ValueError, "step_size must be an int >= 1"),
    ({"mode": "linear", "step_rate": -1.0}, ValueError, r"step_rate must be a number in \(0, "),
    ({"mode": "linear", "staircase": 1}, TypeError, "staircase must be True or False"),
    ({"stopping_criteria": 3}, TypeError, "stopping_criteria must be callable"),
])
def test_bad_find_arguments_raise_before_any_work(kwargs, error, message):
    learner = ScriptedLearner([1.0] * 10)
    with pytest.raises(error, match=message):
        LRFinder(learner).find(**dict({"progress": False}, **kwargs))
    assert learner.lrs == [] and learner.snapshots == 0


def test_finder_needs_a_learner():
    with pytest.raises(TypeError, match=r"learner must provide run\(\)"):
        LRFinder(object())


# -- with a real Learner -----------------------------------------------------------------------

def real_learner(batches=200, **kwargs):
    params = {"learning_rate": 0.01, "momentum": 0.9}
    params.update(kwargs.pop("optimizer_params", {}))
    learner = Learner(make_net(), make_batches(batches), mx.cpu(), optimizer_params=params,
                      **kwargs)
    for _ in range(3):
        learner.iteration()
    return learner


def test_find_restores_every_state_item_bit_for_bit():
    learner = real_learner()
    before = state_arrays(learner)
    results = LRFinder(learner).find(lr_start=1e-4, lr_multiplier=1.5, progress=False)
    assert len(results) >= 5
    assert_same_state(before, state_arrays(learner))


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_fault_mid_find_restores_state(error):
    learner = real_learner()
    before = state_arrays(learner)
    real_iteration = learner.iteration
    calls = []

    def failing_iteration(lr=None, take_step=True):
        calls.append(lr)
        if len(calls) == 8:
            raise error("injected mid-find")
        return real_iteration(lr, take_step)

    learner.iteration = failing_iteration
    with pytest.raises(error, match="injected"):
        LRFinder(learner).find(lr_start=1e-3, lr_multiplier=2.0, progress=False)
    assert len(calls) == 8
    assert_same_state(before, state_arrays(learner))


def test_nan_loss_stops_and_restores():
    learner = real_learner()
    before = state_arrays(learner)
    real_iteration = learner.iteration

    def nan_after_four(lr=None, take_step=True):
        loss = real_iteration(lr, take_step)
        return float("nan") if learner.trainer.optimizer.num_update >= 3 + 5 else loss

    learner.iteration = nan_after_four
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = LRFinder(learner).find(progress=False)
    assert len(results) == 5 and math.isnan(results[-1][1])
    assert_same_state(before, state_arrays(learner))


def test_real_divergence_to_nan_restores():
    # an enormous learning rate makes the loss overflow for real
    learner = real_learner()
    before = state_arrays(learner)
    finder = LRFinder(learner)
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        results = finder.find(lr_start=1e3, lr_multiplier=1e3, lr_end=None, max_iter=40,
                              progress=False)
    assert finder.stop_reason == "non-finite loss before the loss fell"
    assert math.isnan(results[-1][1]) and len(results) < 40
    assert_same_state(before, state_arrays(learner))


def test_attached_scheduler_is_detached_for_the_sweep_and_restored():
    scheduler = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.1)
    learner = Learner(make_net(), make_batches(100), mx.cpu(),
                      optimizer=mx.optimizer.SGD(momentum=0.9, lr_scheduler=scheduler))
    learner.iteration()
    before = state_arrays(learner)
    results = LRFinder(learner).find(lr_start=1e-3, lr_multiplier=2.0, max_iter=10,
                                     progress=False)
    assert [lr for lr, _ in results] == tutorial_lrs(10, 1e-3, 2.0)
    assert learner.trainer.optimizer.lr_scheduler is scheduler
    assert_same_state(before, state_arrays(learner))


def test_training_continues_as_if_the_finder_never_ran():
    warm, after = make_batches(4, seed=1), make_batches(6, seed=2)
    finder_batches = make_batches(300, seed=3)
    params = {"learning_rate": 0.05, "momentum": 0.9}
    with_finder = Learner(make_net(seed=7), warm + finder_batches + after, mx.cpu(),
                          optimizer_params=params)
    without = Learner(make_net(seed=7), warm + after, mx.cpu(), optimizer_params=params)
    for _ in warm:
        assert with_finder.iteration() == without.iteration()
    results = LRFinder(with_finder).find(lr_start=1e-4, lr_multiplier=1.05, lr_end=None,
                                         max_iter=len(finder_batches), progress=False)
    # skip whatever the finder did not consume, so both see `after` next
    for _ in range(len(finder_batches) - len(results)):
        with_finder._next_batch()
    for _ in after:
        assert with_finder.iteration() == without.iteration()
    assert_same_state(state_arrays(without), state_arrays(with_finder))


def test_deferred_network_is_initialized_without_skipping_a_batch():
    mx.np.random.seed(11)
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(5), mx.gluon.nn.BatchNorm(), mx.gluon.nn.Dense(3))
    batches = make_batches(50)
    learner = Learner(net, batches, mx.cpu())
    read, trained = [], []

    def recording(method, seen):
        def call():
            batch = method()
            seen.append(batch)
            return batch
        return call

    learner._read_loader = recording(learner._read_loader, read)
    learner._next_batch = recording(learner._next_batch, trained)
    LRFinder(learner).find(max_iter=5, progress=False)
    # batch 0 is read once for shape inference, kept, and trained on first
    assert [id(b) for b in read] == [id(b) for b in batches[:5]]
    assert [id(b) for b in trained] == [id(b) for b in batches[:5]]
    assert np.array_equal(net[1].running_mean.data().asnumpy(), np.zeros(5))


def test_find_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    learner = real_learner()
    finder = LRFinder(learner)
    finder.find(lr_start=1e-4, lr_multiplier=1.5, progress=False)
    finder.plot(show=False)
    finder.suggest()
    plt.close("all")
    assert os.listdir(tmp_path) == []


# -- suggestions, plot and CSV --------------------------------------------------------------

def curve_finder():
    losses = [2.3] * 15 + [2.2, 1.9, 1.5, 1.2, 1.0, 0.9, 0.85, 0.84] + [1.5, 3.0, 6.0, 12.0]
    finder = LRFinder(ScriptedLearner(losses))
    finder.find(lr_start=1e-5, lr_multiplier=1.5, progress=False, stopping_criteria=lambda _: False,
                max_iter=len(losses))
    return finder


def test_suggest_reads_the_centred_curve_with_the_optimizers_options():
    from gluon_lr.suggest import divergence_edge, smooth, smoothed_curve, steepest
    finder = curve_finder()
    xs, centred = smoothed_curve(finder.lrs, finder.losses)
    # centred, the loss is lowest at point 20 and first 10 % above that at point 22, so the
    # edge is point 21. The scripted learner's optimizer is a stand-in, no adaptive one,
    # so the rule takes SGD's options: three times the lowest point, at most the edge
    assert int(np.argmin(centred)) == 20
    assert divergence_edge(finder.lrs, finder.losses) == finder.lrs[21]
    assert finder.suggest() == pytest.approx(finder.lrs[21], rel=1e-12)
    assert finder.lrs[21] < 3 * finder.lrs[20]
    # raw, the loss jumps from its lowest (point 22) to 1.5: the edge is point 22 itself
    assert int(np.argmin(finder.losses)) == 22
    assert finder.suggest(width=0) == pytest.approx(finder.lrs[22], rel=1e-12)
    # Adam's options: the lowest point, at most half the edge (a factor 1.5 above it), over 4
    assert finder.suggest(optimizer="adam") == finder.lrs[21] / 2 / 4
    smoothed = smooth(finder.losses, 0.95)
    assert finder.suggest("steepest") == steepest(finder.lrs, smoothed, smoothing=0)
    assert finder.suggest("steepest", smoothing=0.0) == steepest(finder.lrs, finder.losses,
                                                                 smoothing=0)
    assert finder.suggest("minimum") == finder.lrs[int(np.argmin(smoothed))] / 10
    assert finder.lrs[0] < finder.suggest("valley") < finder.lrs[-1]


def test_plot_follows_the_tutorial_and_marks_the_suggestion():
    from gluon_lr.suggest import smoothed_curve
    finder = curve_finder()
    fig, ax = plt.subplots()
    returned = finder.plot(ax=ax)
    assert returned is ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlim() == pytest.approx((finder.lrs[0], finder.lrs[-1]))
    assert ax.get_ylim() == pytest.approx((0.84 * 0.8, 2.3 * 4))
    assert ax.get_xlabel() == "Learning Rate" and ax.get_ylabel() == "Loss"
    assert len(ax.collections[0].get_offsets()) == len(finder.results)
    curve, marker = ax.lines
    assert list(curve.get_ydata()) == smoothed_curve(finder.lrs, finder.losses)[1]
    assert marker.get_xdata()[0] == pytest.approx(finder.suggest())
    plt.close(fig)


def test_plot_without_suggestion_and_with_a_given_lr():
    finder = curve_finder()
    ax = finder.plot(suggestion=False, show=False, width=None)
    assert len(ax.lines) == 0 and ax.figure.get_size_inches().tolist() == [10, 6]
    ax = finder.plot(suggestion=0.01, show=False)
    assert ax.lines[-1].get_xdata()[0] == 0.01
    plt.close("all")


def test_plot_skips_non_finite_points():
    finder = LRFinder(ScriptedLearner([2.0, 1.5, 1.0, float("nan")]))
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        finder.find(progress=False)
    with pytest.warns(RuntimeWarning, match="cannot suggest"):
        ax = finder.plot(show=False, method="steepest")
    assert len(ax.collections[0].get_offsets()) == 3
    plt.close("all")


def test_plot_before_find_warns_and_draws_nothing_as_suggest_does():
    finder = LRFinder(ScriptedLearner([]))
    with pytest.warns(RuntimeWarning, match="cannot suggest"):
        assert finder.suggest() is None
    figures = plt.get_fignums()
    with pytest.warns(RuntimeWarning, match=r"nothing to plot: call find\(\) first"):
        assert finder.plot() is None
    assert plt.get_fignums() == figures


def test_to_csv(tmp_path):
    finder = curve_finder()
    path = tmp_path / "finder.csv"
    finder.to_csv(str(path))
    with open(path) as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["lr", "loss"]
    assert [(float(a), float(b)) for a, b in rows[1:]] == finder.results


@pytest.mark.parametrize("loader", [[], "empty sampler"], ids=["no-batches", "empty-sampler"])
def test_empty_dataset_raises_and_changes_nothing(loader, tmp_path, monkeypatch):
    from gluon_lr import ContinuousBatchSampler
    monkeypatch.chdir(tmp_path)
    learner = real_learner()
    before = state_arrays(learner)
    if loader == "empty sampler":
        dataset = mx.gluon.data.ArrayDataset(mx.np.zeros((0, 6)), mx.np.zeros((0,)))
        loader = mx.gluon.data.DataLoader(
            dataset, batch_sampler=ContinuousBatchSampler(iter(()), batch_size=4))
    learner.set_data_loader(loader)
    with pytest.raises(ValueError, match="no batches|yielded no index"):
        LRFinder(learner).find(progress=False)
    assert_same_state(before, state_arrays(learner))
    assert os.listdir(tmp_path) == []


# -- the default sweep and the default stop (issue 20) ----------------------------------------

# a lucky first batch, then losses at 4-5 (issue 20's regression, seeds 7 and 13), then a rise
LUCKY_START = [2.39] + [4.0, 4.5, 5.0, 4.2, 4.8] * 8
RISE = [6.0, 8.0, 11.0, 15.0, 21.0]


def test_find_without_sweep_arguments_sweeps_the_default_sweep_past_a_lucky_first_batch():
    from gluon_lr.sweeps import DEFAULT_SWEEP
    learner = ScriptedLearner(LUCKY_START + RISE)
    finder = LRFinder(learner)
    # MedianStartStopping: the flat part never reaches twice its median start 4.2; the rise
    # does at its third loss, step 44. The loss never fell, and the finder says so
    with pytest.warns(RuntimeWarning, match=r"the sweep stopped \(diverged\) after 44 steps at "
                                            r"lr 0\.0307, before its loss ever fell"):
        results = finder.find(progress=False)
    assert finder.sweep is DEFAULT_SWEEP and finder.planned_iterations == 75
    assert learner.lrs == DEFAULT_SWEEP.lrs()[:44]
    assert [loss for _, loss in results] == (LUCKY_START + RISE)[:44]
    assert finder.stop_reason == "diverged before the loss fell"


def test_the_tutorials_arguments_give_the_tutorials_sweep_and_stop():
    learner = ScriptedLearner(LUCKY_START + RISE)
    finder = LRFinder(learner)
    # LRFinderStoppingCriteria against the lucky first loss: 2 * 2.39 is passed at step 24
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        finder.find(lr_start=1e-6, progress=False)
    assert learner.lrs == tutorial_lrs(24)
    assert finder.sweep.describe() == {"lr_start": 1e-6, "lr_end": 10.0, "max_iter": 1000,
                                       "mode": "exponential", "lr_multiplier": 1.1}


@pytest.mark.parametrize("arguments, first_lrs", [
    ({"lr_multiplier": 1.5}, tutorial_lrs(3, 1e-6, 1.5)),
    ({"max_iter": 3}, tutorial_lrs(3)),
    ({"lr_end": 1e-3, "num_points": 4}, [1e-6, 1e-5, 1e-4]),
])
def test_any_sweep_argument_describes_the_tutorials_sweep(arguments, first_lrs):
    learner = ScriptedLearner([1.0] * 200)
    LRFinder(learner).find(progress=False, **arguments)
    assert learner.lrs[:3] == pytest.approx(first_lrs, rel=1e-12)


def test_a_sweep_object_gets_the_median_start_stop():
    from gluon_lr import ExponentialSweep
    learner = ScriptedLearner(LUCKY_START + RISE)
    finder = LRFinder(learner)
    with pytest.warns(RuntimeWarning, match=NO_FALL):
        finder.find(sweep=ExponentialSweep(1e-6), progress=False)
    assert len(learner.lrs) == 44


def test_a_sweep_that_fell_before_it_diverged_does_not_warn():
    losses = [2.3] * 10 + [2.0, 1.6, 1.2, 1.0, 0.9] + [2.0, 5.0, 9.0, 20.0] * 10
    finder = LRFinder(ScriptedLearner(losses))
    finder.find(progress=False)
    assert finder.stop_reason == "diverged" and len(finder.results) == 20


def test_the_callers_callback_sees_every_step_and_can_stop_the_sweep():
    seen = []

    def callback(step, lr, loss):
        seen.append((step, lr, loss))
        return step == 3

    learner = ScriptedLearner([1.0] * 100)
    finder = LRFinder(learner)
    finder.find(lr_start=1e-3, lr_multiplier=2.0, callback=callback, progress=False)
    assert seen == [(1, 1e-3, 1.0), (2, 2e-3, 1.0), (3, 4e-3, 1.0)]
    assert finder.stop_reason == "callback" and len(finder.results) == 3
    with pytest.raises(TypeError, match="callback must be callable"):
        finder.find(callback=3, progress=False)


def test_confirm_reports_every_trial_step_to_the_callback():
    learner = real_learner()
    finder = LRFinder(learner)
    finder.find(lr_start=1e-3, lr_multiplier=2.0, max_iter=6, progress=False)
    seen = []
    finder.confirm([0.01, 0.1], budget=24, callback=lambda *step: seen.append(step),
                   progress=False)
    # one round of 12 steps each: steps 1..12 at each candidate, in order
    assert [(step, lr) for step, lr, _ in seen] == \
        [(s, 0.01) for s in range(1, 13)] + [(s, 0.1) for s in range(1, 13)]
    trials = {trial.lr: trial.losses for trial in finder.confirmation.trials}
    assert [loss for _, _, loss in seen] == list(trials[0.01] + trials[0.1])
    with pytest.raises(TypeError, match="callback must be callable"):
        finder.confirm([0.01], budget=12, callback="log", progress=False)
