"""Confirmed suggestions: candidates, identical trials, exact restore, the choice."""
import math
import os

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner, LRFinder
from gluon_lr.confirm import confirm_learning_rate, default_candidates
from helpers import assert_same_state, make_batches, make_net, state_arrays


def quadratic_task(batches=40, batch_size=16, seed=0):
    """Least squares whose Hessian is diag(1, 0.5): plain SGD is fastest near 2/1.5."""
    rng = np.random.RandomState(seed)
    scale = np.sqrt(np.array([1.0, 0.5], dtype="float32"))
    target = np.array([[2.0, -3.0]], dtype="float32")
    data = []
    for _ in range(batches):
        x = (rng.normal(size=(batch_size, 2)) * scale).astype("float32")
        data.append((mx.np.array(x), mx.np.array(x @ target.T)))
    net = mx.gluon.nn.Dense(1, in_units=2, use_bias=False)
    net.initialize(mx.init.Zero())
    return Learner(net, data, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
                   optimizer_params={"learning_rate": 0.01})


def test_confirm_picks_the_fastest_stable_rate_of_a_known_quadratic():
    learner = quadratic_task()
    result = confirm_learning_rate(learner, [0.05, 0.2, 1.0, 3.0], steps=20, horizon=100,
                                   progress=False)
    assert result.lr == 1.0
    scores = {t.lr: t.score for t in result.trials}
    assert scores[3.0] == math.inf                      # beyond 2 / lambda_max: diverges
    assert scores[1.0] < scores[0.2] < scores[0.05]
    assert result.steps_spent == 4 * 20      # 3.0 grows huge but stays finite: all 20 run


def test_every_candidate_starts_from_the_same_state_on_the_same_batches():
    batches = make_batches(30)
    learner = Learner(make_net(), batches, mx.cpu(),
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    learner.run(3)
    starts, seen = [], []
    real_run, real_next = learner.run, learner._next_batch

    def recording_run(*args, **kwargs):
        starts.append(state_arrays(learner))
        return real_run(*args, **kwargs)

    def recording_next():
        batch = real_next()
        seen.append(id(batch))
        return batch

    learner.run, learner._next_batch = recording_run, recording_next
    before = state_arrays(learner)
    confirm_learning_rate(learner, [0.01, 0.03, 0.1], steps=5, progress=False)
    assert len(starts) == 3
    for start in starts:
        assert_same_state(before, start)
    assert seen == [id(b) for b in batches[3:8]] * 3
    assert_same_state(before, state_arrays(learner))
    # training continues on the batches the trials saw
    learner.run(1)
    assert seen[-1] == id(batches[3])


@pytest.mark.parametrize("fault", [RuntimeError, KeyboardInterrupt])
def test_an_interrupted_confirmation_restores_everything_and_writes_nothing(
        fault, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    learner = Learner(make_net(), make_batches(30), mx.cpu(),
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    learner.run(2)
    before = state_arrays(learner)
    calls = []

    def failing(step, lr, loss):
        calls.append(step)
        if len(calls) == 7:
            raise fault("injected")

    with pytest.raises(fault):
        real_run = learner.run
        learner.run = lambda steps, lr=None, callback=None: real_run(steps, lr, failing)
        confirm_learning_rate(learner, [0.01, 0.1], steps=5, progress=False)
    assert_same_state(before, state_arrays(learner))
    assert os.listdir(tmp_path) == []


def test_finder_confirm_uses_the_sweep_and_keeps_the_table():
    learner = quadratic_task(batches=400)
    finder = LRFinder(learner)
    finder.find(lr_start=1e-4, lr_end=10, num_points=60, progress=False)
    before = state_arrays(learner)
    candidates = default_candidates(finder.lrs, finder.losses)
    lr = finder.confirm(budget=4 * len(finder.results), progress=False)
    assert lr in candidates
    assert [t.lr for t in finder.confirmation.trials] == candidates
    steps = 4 * len(finder.results) // len(candidates)
    assert finder.confirmation.steps_spent <= 4 * len(finder.results)
    assert all(len(t.losses) <= steps for t in finder.confirmation.trials)
    assert [row["chosen"] for row in finder.confirmation.table()].count(True) == 1
    assert_same_state(before, state_arrays(learner))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"candidates": []}, ValueError, "candidates must list at least one"),
    ({"candidates": [0.1, -1]}, ValueError, "each of candidates must be a number in"),
    ({"steps": 2}, ValueError, "steps must be an int >= 3"),
    ({"horizon": 4}, ValueError, "horizon must be an int >= 5"),
    ({"score": "best"}, ValueError, "score must be one of 'forecast', 'mean', 'validation'"),
    ({"score": "validation"}, ValueError, "score='validation' needs val_data"),
    ({"val_data": 3}, TypeError, "val_data must be an iterable"),
    ({"tail": 0}, ValueError, "tail must be an int >= 1"),
    ({"progress": "no"}, TypeError, "progress must be True or False"),
])
def test_bad_arguments_fail_before_any_step(kwargs, error, message):
    learner = Learner(make_net(), make_batches(10), mx.cpu())
    arguments = dict({"candidates": [0.1], "steps": 5, "progress": False}, **kwargs)
    with pytest.raises(error, match=message):
        confirm_learning_rate(learner, arguments.pop("candidates"), **arguments)
    assert learner.trainer.optimizer.num_update == 0


def test_confirm_before_find_is_an_error():
    with pytest.raises(RuntimeError, match="call find"):
        LRFinder(Learner(make_net(), make_batches(2), mx.cpu())).confirm()


def test_default_candidates_lie_in_the_window():
    lrs = [10 ** (k / 10 - 4) for k in range(41)]                      # 1e-4 .. 1
    losses = [2.5 - 0.03 * k if k < 35 else 2.5 for k in range(41)]
    candidates = default_candidates(lrs, losses, neighbours=1)
    assert candidates == sorted(candidates)
    assert all(a * 1.05 < b for a, b in zip(candidates, candidates[1:]))
    assert min(candidates) >= lrs[2] and max(candidates) <= lrs[34] * (1 + 1e-12)


def test_a_narrow_falling_region_still_leaves_a_choice():
    from gluon_lr.suggest import divergence_edge, falling_region, suggest_lr
    lrs = [10 ** (k / 10 - 3) for k in range(31)]                       # 1e-3 .. 1
    losses = [2.3] * 20 + [2.2, 2.1, 2.0, 1.9, 1.9, 2.0, 2.3, 3.0, 4.5, 7.0, 12.0]
    # smoothed (0.95), the loss is 3 % below its start only at its lowest point
    assert falling_region(lrs, losses) == (lrs[25], lrs[25])
    assert divergence_edge(lrs, losses) == lrs[28]
    top = lrs[28] / 2                                                  # just below lrs[25]
    assert top < lrs[25] and suggest_lr(lrs, losses) == top / 2
    # the suggestion, its lower neighbour (the upper one is the top), the other rules' picks
    # (valley at lrs[20], steepest at lrs[23], minimum at lrs[15]) and the top: the window
    # reaches down to top / 16, where the falling region alone held one rate
    assert suggest_lr(lrs, losses, "valley") == lrs[20]
    assert suggest_lr(lrs, losses, "steepest") == lrs[23]
    assert suggest_lr(lrs, losses, "minimum") == lrs[15]
    assert default_candidates(lrs, losses) == [lrs[15], top / 4, lrs[20], top / 2, lrs[23], top]
    assert default_candidates(lrs, losses, span=1) == [top]


def test_a_trial_that_spikes_and_recovers_counts_as_diverged():
    from gluon_lr.confirm import _score
    assert _score(None, [2.0, 9.0, 2.1, 2.0], "mean", 300, 2, None) == (math.inf, math.inf)
    forecast, score = _score(None, [2.0, 7.9, 2.1, 2.0], "mean", 300, 2, None)
    assert score == 2.05 and math.isfinite(forecast)


def test_without_a_fall_the_candidates_sit_below_the_divergence_edge():
    from gluon_lr.suggest import divergence_edge
    lrs = [10 ** (k / 10 - 3) for k in range(31)]                       # 1e-3 .. 1
    losses = [2.3] * 25 + [2.3 * 1.5 ** i for i in range(1, 7)]        # flat, then diverges
    edge = divergence_edge(lrs, losses)
    # the 0.95 running mean first passes 2.53 (2.3 * 1.1) at point 27, so the edge is point 26
    assert edge == lrs[26]
    assert default_candidates(lrs, losses, neighbours=1) == [edge / 8, edge / 4, edge / 2]
    assert divergence_edge(lrs, [2.3] * 31) is None
    assert default_candidates(lrs, [2.3] * 31) == []
