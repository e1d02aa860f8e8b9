"""The AutoLRS driver: stage lengths, budget, choices, identical trials, resume, interruptions."""
import json
import math
import os
import sys

import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner
from gluon_lr.autolrs import AutoLRS, Stage
from gluon_lr.autolrs.stages import StageLength, plan_stage, stage_lengths
from gluon_lr.forecast import fit_exponential
from helpers import assert_same_state, make_batches, make_net, state_arrays

# The small configuration of most tests: stages of (tau_prime, tau) = (4, 12), then
# (8, 24) for ever (tau reaches tau_max), costing 3 * 4 + 12 = 24 and 3 * 8 + 24 = 48 steps.
SMALL = {"tau": 12, "k": 3, "tau_max": 24, "progress": False}


def small_learner(batches=None, seed=0):
    """The helpers' BatchNorm network with SGD momentum: plenty of state to restore."""
    return Learner(make_net(seed=seed), make_batches(40) if batches is None else batches,
                   mx.cpu(), optimizer_params={"learning_rate": 0.1, "momentum": 0.9})


def moving_target_task(segments, eps=0.5, batch_size=16, seed=0):
    """Least squares with input covariance exactly diag(1, eps) in every batch.

    Each batch's inputs have orthogonal columns scaled to that covariance, and the
    labels have no noise, so an SGD step is exactly a gradient-descent step on the
    quadratic with Hessian diag(1, eps): the best constant learning rate is
    2 / (1 + eps). The target weights change after ``segments[0]``, ``segments[1]``,
    ... batches (one segment per stage's training): at this curvature a fixed target
    is reached to float32's precision in about 15 steps, after which every forecast
    compares rounding errors; a new target gives every stage a fresh descent.
    """
    rng = np.random.RandomState(seed)
    targets = [(2.0, -3.0), (-1.0, 2.0), (3.0, 1.0), (0.0, -2.0)]
    batches = []
    for target, count in zip(targets, segments):
        weights = np.array([target], dtype="float32")
        for _ in range(count):
            q, _ = np.linalg.qr(rng.normal(size=(batch_size, 2)))
            x = (q * np.sqrt(batch_size * np.array([1.0, eps]))).astype("float32")
            batches.append((mx.np.array(x), mx.np.array(x @ weights.T)))
    net = mx.gluon.nn.Dense(1, in_units=2, use_bias=False)
    net.initialize(mx.init.Zero())
    return Learner(net, batches, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss())


def count_steps(learner, fail_at=None, fault=RuntimeError):
    """Count the learner's optimizer steps; raise ``fault`` instead of step ``fail_at``."""
    calls = []
    real = learner.iteration

    def iteration(*args, **kwargs):
        calls.append(len(calls) + 1)
        if len(calls) == fail_at:
            raise fault("injected")
        return real(*args, **kwargs)

    learner.iteration = iteration
    return calls


def choices(autolrs):
    """Everything a run decided and saw, comparable with ==."""
    return [(s.lr, s.tau_prime, s.tau, [(c.lr, c.forecast, c.losses) for c in s.candidates],
             s.train_losses) for s in autolrs.stages]


# -- stage lengths and the budget ------------------------------------------------------------

def test_stage_lengths_double_until_tau_max_then_score_on_validation():
    table = [(s.tau_prime, s.tau, s.validation) for s in stage_lengths(7)]
    assert table == [(100, 1000, False), (200, 2000, False), (400, 4000, False),
                     (800, 8000, False), (800, 8000, True), (800, 8000, True),
                     (800, 8000, True)]
    # tau_max between powers of two: the last doubling passes it, as in the reference
    table = [(s.tau_prime, s.tau, s.validation) for s in stage_lengths(4, 30, 5, 100)]
    assert table == [(5, 30, False), (10, 60, False), (20, 120, False), (20, 120, True)]
    assert [(s.tau_prime, s.tau, s.validation) for s in stage_lengths(2, 30, 5, 30)] == \
        [(5, 30, False), (5, 30, True)]


def test_a_short_budget_shrinks_the_last_stage_or_only_trains():
    length = StageLength(tau_prime=100, tau=1000, validation=False)
    plans = [plan_stage(length, 10, remaining, True) for remaining in (2001, 2000, 1999, 60, 59)]
    assert [(p.k, p.tau_prime, p.tau, p.last) for p in plans] == [
        (10, 100, 1000, False), (10, 100, 1000, True), (10, 99, 1009, True),
        (10, 3, 30, True), (0, 0, 59, True)]
    with pytest.raises(ValueError, match="total_steps must be >= 60"):
        plan_stage(length, 10, 59, False)


# -- the end-to-end choice -------------------------------------------------------------------

def test_the_stage_rates_land_near_the_best_constant_rate_of_a_known_quadratic():
    learner = moving_target_task([80, 160, 160])
    autolrs = AutoLRS(learner, 0.05, 5.0, tau=80, k=8, tau_max=160, progress=False)
    autolrs.run(800)
    best = 2 / (1 + 0.5)
    assert [(s.tau_prime, s.tau, s.steps) for s in autolrs.stages] == \
        [(10, 80, 160), (20, 160, 320), (20, 160, 320)]
    for stage in autolrs.stages:
        assert best / 2 <= stage.lr <= 2 * best, [c.lr for c in stage.candidates]
        assert stage.chosen.forecast == min(c.forecast for c in stage.candidates)
        # beyond 2 = 2 / lambda_max gradient descent diverges: those forecasts are inf
        unstable = [c for c in stage.candidates if c.lr > 3.0]
        assert unstable and all(c.forecast == math.inf for c in unstable)
    assert max(s.train_losses[-1] for s in autolrs.stages) < 1e-12   # each target reached


# -- identical trials ------------------------------------------------------------------------

class FreshBatches:
    """A loader that makes new batches (new objects, new values) whenever it is read."""

    def __init__(self):
        self.rng = np.random.RandomState(1)

    def __iter__(self):
        while True:
            yield (mx.np.array(self.rng.normal(size=(8, 6)).astype("float32")),
                   mx.np.array(self.rng.randint(0, 3, size=8).astype("float32")))


def record_runs(learner):
    """Wrap ``run`` and ``_next_batch``: per run, the state at its start and its batches.

    The batches are held too, so that no id is reused by a later batch.
    """
    runs, held = [], []
    real_run, real_next = learner.run, learner._next_batch

    def run(steps, lr=None, callback=None):
        runs.append((state_arrays(learner), []))
        return real_run(steps, lr, callback)

    def next_batch():
        batch = real_next()
        held.append(batch)
        runs[-1][1].append(id(batch))
        return batch

    learner.run, learner._next_batch = run, next_batch
    return runs


def test_every_candidate_starts_from_the_same_state_on_the_same_batches():
    learner = small_learner(FreshBatches())
    learner.run(2)
    runs = record_runs(learner)
    autolrs = AutoLRS(learner, 1e-3, 0.5, **SMALL)
    autolrs.run(72)
    assert [len(s.candidates) for s in autolrs.stages] == [3, 3]
    for index, stage in enumerate(autolrs.stages):
        stage_runs = runs[4 * index: 4 * index + 4]     # 3 candidates, then the training
        start, first_batches = stage_runs[0]
        assert len(first_batches) == stage.tau_prime
        for state, batches in stage_runs[1:3]:
            assert_same_state(start, state)
            assert batches == first_batches
        state, batches = stage_runs[3]
        assert_same_state(start, state)
        assert len(batches) == stage.tau
        assert batches[:stage.tau_prime] == first_batches   # trains on from them
        assert len(set(batches)) == stage.tau
    assert runs[4][1][0] not in runs[0][1]


def test_without_replay_each_candidate_reads_on_from_the_loader():
    learner = small_learner(FreshBatches())
    runs = record_runs(learner)
    AutoLRS(learner, 1e-3, 0.5, replay=False, **SMALL).run(24)
    seen = [batch for _, batches in runs for batch in batches]
    assert [len(batches) for _, batches in runs] == [4, 4, 4, 12]
    assert len(set(seen)) == 24


def test_the_recorded_schedule_is_the_rate_of_every_step_and_the_scheduler_comes_back():
    learner = small_learner()
    scheduler = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.1)
    learner.trainer.optimizer.lr_scheduler = scheduler
    used = []
    real = learner.iteration

    def iteration(lr=None, take_step=True):
        loss = real(lr, take_step)
        used.append(learner.iteration_lr)
        return loss

    learner.iteration = iteration
    autolrs = AutoLRS(learner, 1e-3, 0.5, **SMALL)
    autolrs.run(72)
    assert [lr for _, lr in autolrs.schedule(search=True)] == used
    assert [step for step, _ in autolrs.schedule(search=True)] == list(range(1, 73))
    assert autolrs.schedule() == [(step, lr) for step, lr in enumerate(
        [autolrs.stages[0].lr] * 12 + [autolrs.stages[1].lr] * 24, start=1)]
    assert learner.trainer.optimizer.lr_scheduler is scheduler


# -- the budget ------------------------------------------------------------------------------

def test_total_steps_counts_every_step_search_included():
    learner = small_learner()
    steps = count_steps(learner)
    autolrs = AutoLRS(learner, 1e-3, 0.5, **SMALL)
    autolrs.run(100)
    assert len(steps) == autolrs.steps_spent == 100
    # 24 + 48, then 28 left: candidates of 8 * 28 // 48 = 4 steps and 28 - 12 of training
    assert [(s.tau_prime, s.tau, s.search_steps, s.train_steps) for s in autolrs.stages] == \
        [(4, 12, 12, 12), (8, 24, 24, 24), (4, 16, 12, 16)]
    assert len(autolrs.schedule(search=True)) == 100 and len(autolrs.schedule()) == 52
    autolrs.run(100)                                    # spent: nothing more to do
    assert len(steps) == 100
    autolrs.run(106)                                    # too little left to search
    last = autolrs.stages[-1]
    assert (last.candidates, last.lr, last.train_steps, last.scored_on) == \
        ((), autolrs.stages[2].lr, 6, None)
    assert len(steps) == autolrs.steps_spent == 106


def test_a_candidate_stopped_by_an_infinite_loss_leaves_its_steps_to_the_training():
    learner = moving_target_task([120])
    steps = count_steps(learner)
    autolrs = AutoLRS(learner, 0.01, 1e30, **SMALL)
    autolrs.run(24)
    stage, = autolrs.stages
    blown = [c for c in stage.candidates if c.lr == 1e30]
    assert len(blown) == 1 and blown[0].steps < 4
    assert (blown[0].fit, blown[0].forecast) == (None, math.inf)
    assert not math.isfinite(blown[0].losses[-1])
    assert stage.train_steps == 24 - stage.search_steps > 12
    assert len(steps) == autolrs.steps_spent == 24


def test_a_budget_too_small_for_the_first_search_fails_before_any_step():
    learner = small_learner()
    steps = count_steps(learner)
    with pytest.raises(ValueError, match="total_steps must be >= 18"):
        AutoLRS(learner, 1e-3, 0.5, **SMALL).run(17)
    assert steps == []
    AutoLRS(learner, 1e-3, 0.5, **SMALL).run(18)
    assert len(steps) == 18


# -- validation ------------------------------------------------------------------------------

class CountingBatches(list):
    """A list of batches that counts how often it is read."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def test_later_stages_score_the_validation_loss_measured_during_each_trial():
    val_data = CountingBatches(make_batches(2, seed=5))
    autolrs = AutoLRS(small_learner(), 1e-3, 0.5, val_data=val_data, val_points=4, **SMALL)
    autolrs.run(120)
    assert [s.scored_on for s in autolrs.stages] == ["train", "train", "validation"]
    assert val_data.passes == 3 * 4
    for stage in autolrs.stages[:2]:
        assert all(c.val_steps == () == c.val_losses for c in stage.candidates)
    for candidate in autolrs.stages[2].candidates:
        assert candidate.val_steps == (2, 4, 6, 8)
        assert len(candidate.val_losses) == 4
        assert candidate.forecast == fit_exponential(candidate.val_losses, [2, 4, 6, 8]) \
            .forecast(24)


# -- interruptions and resuming --------------------------------------------------------------

@pytest.mark.parametrize("fault", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("fail_at, finished", [(37, 1), (60, 3)])  # search / training of stage 1
def test_an_interrupted_stage_leaves_the_end_of_the_last_completed_one(
        fault, fail_at, finished, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    learner = small_learner()
    scheduler = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.1)
    learner.trainer.optimizer.lr_scheduler = scheduler
    ends = []
    count_steps(learner, fail_at=fail_at, fault=fault)
    autolrs = AutoLRS(learner, 1e-3, 0.5, **SMALL)
    with pytest.raises(fault, match="injected"):
        autolrs.run(120, stage_callback=lambda stage: ends.append(state_arrays(learner)))
    assert len(ends) == 1 and len(autolrs.stages) == 1 and autolrs.steps_spent == 24
    assert learner.trainer.optimizer.lr_scheduler is scheduler
    assert_same_state(ends[0], state_arrays(learner))      # the scheduler's state included
    assert len(autolrs.state_dict()["pending"]["candidates"]) == finished
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("how", ["same object", "from_state"])
def test_a_resumed_run_makes_the_same_choices(how, tmp_path):
    batches = make_batches(40)
    reference = small_learner(batches)
    expected = AutoLRS(reference, 1e-3, 0.5, **SMALL)
    expected.run(120)

    learner = small_learner(batches)
    count_steps(learner, fail_at=37, fault=KeyboardInterrupt)   # in stage 1's 2nd candidate
    autolrs = AutoLRS(learner, 1e-3, 0.5, **SMALL)
    with pytest.raises(KeyboardInterrupt):
        autolrs.run(120)
    if how == "from_state":
        state = json.loads(json.dumps(autolrs.state_dict()))
        learner.net.save_parameters(str(tmp_path / "net.params"))
        learner.trainer.save_states(str(tmp_path / "trainer.states"))
        done = sum(stage.train_steps for stage in autolrs.stages)  # batches the loader gave
        net = make_net(seed=7)
        net.load_parameters(str(tmp_path / "net.params"))
        learner = Learner(net, batches[done:] + batches[:done], mx.cpu(),
                          optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
        learner.trainer.load_states(str(tmp_path / "trainer.states"))
        autolrs = AutoLRS.from_state(learner, state, progress=False)
        assert len(autolrs.stages) == 1
    else:
        del learner.iteration                                   # no more faults
    steps = count_steps(learner)
    autolrs.run(120)
    assert choices(autolrs) == choices(expected)
    assert len(steps) == 120 - 24 - 8      # stage 1's finished candidate is not run again
    assert_same_state(state_arrays(reference), state_arrays(learner))


def test_state_dict_round_trips_through_json_and_refuses_a_mismatch():
    autolrs = AutoLRS(small_learner(), 1e-3, 0.5, seed=3, **SMALL)
    autolrs.run(24)
    state = json.loads(json.dumps(autolrs.state_dict()))
    assert (state["format"], state["pending"], state["config"]["seed"]) == (1, None, 3)
    again = AutoLRS.from_state(small_learner(), state, progress=False)
    assert choices(again) == choices(autolrs)
    assert json.dumps(again.state_dict()) == json.dumps(autolrs.state_dict())
    assert isinstance(again.stages[0], Stage)
    with pytest.raises(ValueError, match="pass val_data exactly when it did"):
        AutoLRS.from_state(small_learner(), state, val_data=make_batches(1))
    with pytest.raises(ValueError, match="state format must be 1"):
        AutoLRS.from_state(small_learner(), dict(state, format=2))
    with pytest.raises(TypeError, match="state must be a dict"):
        AutoLRS.from_state(small_learner(), [state])


def test_a_state_dict_without_the_trials_score_and_rounds_loads_with_their_defaults():
    # States saved by earlier versions keep their trials without score and rounds.
    autolrs = AutoLRS(small_learner(), 1e-3, 0.5, seed=3, **SMALL)
    autolrs.run(24)
    state = json.loads(json.dumps(autolrs.state_dict()))
    for stage in state["stages"]:
        for trial in stage["candidates"]:
            del trial["score"], trial["rounds"]
    again = AutoLRS.from_state(small_learner(), state, progress=False)
    assert again.stages == autolrs.stages
    assert all(trial.score == trial.forecast and trial.rounds == 1
               for stage in again.stages for trial in stage.candidates)


# -- divergence ------------------------------------------------------------------------------

def test_a_stage_whose_every_candidate_diverges_fails_and_restores_its_start():
    learner = moving_target_task([120])
    before = state_arrays(learner)
    autolrs = AutoLRS(learner, 1e10, 1e30, **SMALL)
    with pytest.raises(FloatingPointError, match="every candidate of stage 0 diverged"):
        autolrs.run(24)
    assert_same_state(before, state_arrays(learner))
    assert autolrs.stages == () and autolrs.state_dict()["pending"] is None


# -- plotting --------------------------------------------------------------------------------

def test_plot_draws_the_schedule_candidates_and_forecasts(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))
    autolrs = AutoLRS(small_learner(), 1e-3, 0.5, **SMALL)
    with pytest.raises(RuntimeError, match="call run"):
        autolrs.plot()
    autolrs.run(72)
    fig, ax = plt.subplots()
    assert autolrs.plot(ax=ax) is ax
    assert shown == []
    assert ax.lines[0].get_xydata()[:, 1].tolist() == [lr for _, lr in autolrs.schedule()]
    assert len(ax.collections[0].get_offsets()) == 6
    twin, = [other for other in fig.axes if other is not ax]
    assert len(twin.lines) == 3                # one forecast per stage, then the losses
    chosen = autolrs.stages[1].chosen
    assert twin.lines[1].get_xdata().tolist() == list(range(13, 37))
    assert twin.lines[1].get_ydata().tolist() == chosen.fit.predict(np.arange(1, 25)).tolist()
    assert twin.lines[2].get_ydata().tolist() == \
        list(autolrs.stages[0].train_losses + autolrs.stages[1].train_losses)
    plt.close(fig)
    ax = autolrs.plot()
    assert shown == [True]
    plt.close(ax.figure)


# -- arguments -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    ({"min_lr": 0.5, "max_lr": 0.5}, ValueError, "min_lr must be < max_lr"),
    ({"min_lr": 0.6}, ValueError, "min_lr must be < max_lr"),
    ({"min_lr": 0.0}, ValueError, "min_lr must be a number in"),
    ({"max_lr": "1"}, TypeError, "max_lr must be a number in"),
    ({"k": 1}, ValueError, "k must be an int >= 2"),
    ({"k": 2.0}, TypeError, "k must be an int >= 2"),
    ({"tau": 8}, ValueError, r"tau must be an int >= 3 \* k = 9"),
    ({"tau": 2, "k": 3}, ValueError, r"tau must be an int >= 3 \* k = 9"),
    ({"tau_prime": 2}, ValueError, "tau_prime must be an int >= 3"),
    ({"tau_prime": 13}, ValueError, "tau_prime must be <= tau"),
    ({"tau_max": 11}, ValueError, "tau must be <= tau_max"),
    ({"seed": -1}, ValueError, "seed must be an int >= 0"),
    ({"kappa": -1.0}, ValueError, "kappa must be a number in"),
    ({"val_data": 3}, TypeError, "val_data must be an iterable"),
    ({"val_data": iter([])}, TypeError, "not a one-shot iterator"),
    ({"val_points": 2}, ValueError, "val_points must be an int >= 3"),
    ({"progress": "no"}, TypeError, "progress must be True or False"),
    ({"replay": 1}, TypeError, "replay must be True or False"),
])
def test_bad_arguments_fail_before_any_step(kwargs, error, message):
    learner = small_learner()
    steps = count_steps(learner)
    arguments = dict({"min_lr": 1e-3, "max_lr": 0.5}, **SMALL)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        AutoLRS(learner, **arguments).run(100)
    assert steps == [] and learner.trainer.optimizer.num_update == 0


@pytest.mark.parametrize("total, error, message", [
    (0, ValueError, "total_steps must be an int >= 1"),
    (-5, ValueError, "total_steps must be an int >= 1"),
    (100.0, TypeError, "total_steps must be an int >= 1"),
    (True, TypeError, "total_steps must be an int >= 1"),
    (17, ValueError, "total_steps must be >= 18"),
])
def test_a_bad_budget_fails_before_any_step(total, error, message):
    learner = small_learner()
    steps = count_steps(learner)
    with pytest.raises(error, match=message):
        AutoLRS(learner, 1e-3, 0.5, **SMALL).run(total)
    assert steps == []


def test_missing_sklearn_is_reported_before_any_step(monkeypatch):
    learner = small_learner()
    monkeypatch.setitem(sys.modules, "sklearn.gaussian_process", None)
    with pytest.raises(ImportError) as caught:
        AutoLRS(learner, 1e-3, 0.5, **SMALL)
    assert str(caught.value).startswith('AutoLRS needs scikit-learn and SciPy, which are not '
                                        'installed: pip install "gluon-lr[auto]" (')
    assert learner.trainer.optimizer.num_update == 0


def test_a_learner_and_a_stage_callback_are_checked():
    with pytest.raises(TypeError, match="learner must be a gluon_lr.Learner"):
        AutoLRS(object(), 1e-3, 0.5)
    with pytest.raises(TypeError, match="stage_callback must be callable"):
        AutoLRS(small_learner(), 1e-3, 0.5, **SMALL).run(24, stage_callback=3)
