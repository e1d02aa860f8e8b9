"""Confirmed suggestions: candidates, identical trials, exact restore, the choice."""
import math
import os

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner, LRFinder
from gluon_lr.confirm import confirm_learning_rate, default_candidates, halving_rounds
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
    learner = quadratic_task(batches=60)
    # 4 candidates: 2 rounds of 40 steps, 10 each for 4, then 20 each for the better 2
    result = confirm_learning_rate(learner, [0.05, 0.2, 1.0, 3.0], budget=80, horizon=100,
                                   progress=False)
    assert result.lr == 1.0
    trials = {t.lr: t for t in result.trials}
    assert trials[3.0].score == math.inf                # beyond 2 / lambda_max: diverges
    assert [trials[lr].rounds for lr in (0.05, 0.2, 1.0, 3.0)] == [1, 2, 2, 1]
    assert [len(trials[lr].losses) for lr in (0.05, 0.2, 1.0, 3.0)] == [10, 30, 30, 10]
    assert trials[1.0].score < trials[0.2].score < trials[0.05].score
    assert result.steps_spent == 4 * 10 + 2 * 20


def _classification():
    twin = Learner(make_net(), make_batches(40), mx.cpu())
    learner = Learner(make_net(), make_batches(40), mx.cpu())
    learner.net.load_dict({k: v.data() for k, v in twin.net.collect_params().items()})
    return learner


def test_the_incumbent_trains_every_round_and_stays_unless_beaten_by_the_margin():
    lrs = [0.003, 0.03, 0.1, 0.3]
    # without an incumbent, 0.003 (the slowest) is dropped after the first round
    plain = confirm_learning_rate(_classification(), lrs, budget=80, score="mean",
                                  progress=False)
    assert {t.lr: t.rounds for t in plain.trials}[0.003] == 1
    # as the incumbent it takes one of the two finalists' places, the best other the second
    held = confirm_learning_rate(_classification(), lrs, budget=80, score="mean",
                                 incumbent=0.003, margin=0.0, progress=False)
    trials = {t.lr: t for t in held.trials}
    best = min((t for t in held.trials if t.lr != 0.003), key=lambda t: t.score)
    assert [trials[lr].rounds for lr in lrs] == [2 if lr in (0.003, best.lr) else 1 for lr in lrs]
    assert sorted(len(t.losses) for t in held.trials) == [10, 10, 30, 30]
    assert best.score < trials[0.003].score and held.lr == best.lr
    assert held.steps_spent == plain.steps_spent == 80
    # the challenger must score below (1 - margin) times the incumbent's score
    ratio = best.score / trials[0.003].score
    for margin, chosen in ((0.999 * (1 - ratio), best.lr), (1.001 * (1 - ratio), 0.003)):
        again = confirm_learning_rate(_classification(), lrs, budget=80, score="mean",
                                      incumbent=0.003, margin=margin, progress=False)
        assert again.lr == chosen


def test_a_diverged_incumbent_gives_way():
    result = confirm_learning_rate(quadratic_task(batches=60), [0.05, 0.2, 1.0, 3.0], budget=80,
                                   horizon=100, incumbent=3.0, progress=False)
    assert {t.lr: t.score for t in result.trials}[3.0] == math.inf and result.lr == 1.0


def test_halving_rounds_share_the_budget_equally():
    from gluon_lr.confirm import halving_rounds
    assert halving_rounds(6, 240) == [240 // 3 // 6, 240 // 3 // 3, 240 // 3 // 2]
    assert halving_rounds(5, 300) == [20, 33, 50]                     # 5, 3, 2 candidates
    assert halving_rounds(2, 100) == [50] and halving_rounds(1, 100) == [100]
    assert halving_rounds(9, 360) == [10, 18, 30, 45]                 # 9, 5, 3, 2


def test_survivors_go_on_from_their_own_state():
    # the finalists' second round continues the first: their losses are one run of 30 steps
    batches = make_batches(40)
    twin = Learner(make_net(), batches, mx.cpu(), optimizer_params={"learning_rate": 0.1})
    learner = Learner(make_net(), batches, mx.cpu(), optimizer_params={"learning_rate": 0.1})
    learner.net.load_dict({k: v.data() for k, v in twin.net.collect_params().items()})
    result = confirm_learning_rate(learner, [0.01, 0.03, 0.1, 0.3], budget=80, score="mean",
                                   progress=False)
    finalist = max(result.trials, key=lambda t: t.rounds)
    assert len(finalist.losses) == 30
    assert twin.run(30, lr=finalist.lr) == list(finalist.losses)


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
    # 3 candidates: 2 rounds of 18 steps, 6 each for 3, then 9 each for the better 2
    confirm_learning_rate(learner, [0.01, 0.03, 0.1], budget=36, score="mean", progress=False)
    assert len(starts) == 3 + 2
    for start in starts[:3]:
        assert_same_state(before, start)
    assert seen == [id(b) for b in batches[3:9]] * 3 + [id(b) for b in batches[9:18]] * 2
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
        confirm_learning_rate(learner, [0.01, 0.1], budget=20, progress=False)
    assert_same_state(before, state_arrays(learner))
    assert os.listdir(tmp_path) == []


def test_finder_confirm_uses_the_sweep_and_keeps_the_table():
    learner = quadratic_task(batches=400)
    finder = LRFinder(learner)
    finder.find(lr_start=1e-4, lr_end=10, num_points=60, progress=False)
    before = state_arrays(learner)
    suggested = finder.suggest()
    # the grid, suggest()'s answer in place of the grid's rates within 5 % of it
    candidates = sorted([lr for lr in default_candidates(finder.lrs, finder.losses)
                         if not suggested / 1.05 <= lr <= suggested * 1.05] + [suggested])
    lr = finder.confirm(progress=False)                  # budget: 4 times the sweep
    assert lr in candidates
    assert [t.lr for t in finder.confirmation.trials] == candidates
    incumbent = next(t for t in finder.confirmation.trials if t.lr == suggested)
    assert incumbent.rounds == max(t.rounds for t in finder.confirmation.trials)
    assert finder.confirmation.steps_spent <= 4 * len(finder.results)
    rounds = halving_rounds(len(candidates), 4 * len(finder.results))
    assert max(len(t.losses) for t in finder.confirmation.trials) == sum(rounds)
    assert [row["chosen"] for row in finder.confirmation.table()].count(True) == 1
    assert len(repr(finder.confirmation).splitlines()) == 1
    assert_same_state(before, state_arrays(learner))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"candidates": []}, ValueError, "candidates must list at least one"),
    ({"candidates": [0.1, -1]}, ValueError, "each of candidates must be a number in"),
    ({"candidates": [0.1, 0.2, 0.1]}, ValueError,
     r"candidates must be distinct learning rates, got \[0.1, 0.2, 0.1\]"),
    ({"budget": 0}, ValueError, "budget must be an int >= 1"),
    ({"budget": 5}, ValueError, "budget must give each of the 1 candidates 6 steps in the "
                                "first of 1 rounds: at least 6, got 5"),
    ({"candidates": [0.1, 0.2, 0.3], "budget": 20}, ValueError,
     "budget must give each of the 3 candidates 6 steps in the first of 2 rounds: at least 36"),
    ({"horizon": 0}, ValueError, "horizon must be an int >= 1"),
    ({"floor": "0"}, TypeError, "floor must be a number"),
    ({"score": "best"}, ValueError, "score must be one of 'forecast', 'mean', 'validation'"),
    ({"score": "validation"}, ValueError, "score='validation' needs val_data"),
    ({"val_data": 3}, TypeError, "val_data must be an iterable"),
    ({"tail": 0}, ValueError, "tail must be an int >= 1"),
    ({"progress": "no"}, TypeError, "progress must be True or False"),
    ({"incumbent": 0.2}, ValueError, r"incumbent must be one of candidates \[0.1\], got 0.2"),
    ({"margin": 1}, ValueError, r"margin must be a number in \[0, 1\)"),
])
def test_bad_arguments_fail_before_any_step(kwargs, error, message):
    learner = Learner(make_net(), make_batches(10), mx.cpu())
    arguments = dict({"candidates": [0.1], "budget": 10, "progress": False}, **kwargs)
    with pytest.raises(error, match=message):
        confirm_learning_rate(learner, arguments.pop("candidates"), **arguments)
    assert learner.trainer.optimizer.num_update == 0


def test_confirm_before_find_is_an_error():
    with pytest.raises(RuntimeError, match="call find"):
        LRFinder(Learner(make_net(), make_batches(2), mx.cpu())).confirm()


def test_default_candidates_are_a_grid_below_the_divergence_edge():
    from gluon_lr.suggest import divergence_edge, suggest_lr
    lrs = [10 ** (k / 10 - 4) for k in range(41)]                      # 1e-4 .. 1
    losses = [2.5 - 0.03 * k if k < 35 else 2.5 for k in range(41)]
    # the centred curve carries the jump back to 2.5 one point early: the edge is point 33
    edge = divergence_edge(lrs, losses)
    assert edge == lrs[33]
    # the grid edge / 2 ** k down to edge / 32; every rule's pick lies within 5 % of a grid
    # point and merges into it (valley lrs[18], minimum lrs[24], steepest the edge itself)
    assert suggest_lr(lrs, losses, "valley") == lrs[18]
    assert suggest_lr(lrs, losses, "minimum") == lrs[24]
    assert suggest_lr(lrs, losses, "steepest") == edge
    assert default_candidates(lrs, losses) == [edge / 32, edge / 16, edge / 8, edge / 4,
                                               edge / 2, edge]
    assert default_candidates(lrs, losses, span=4) == [edge / 4, edge / 2, edge]


@pytest.mark.filterwarnings("ignore:the 'lowest' rule's suggestion")  # a toy curve
def test_rule_picks_between_grid_points_are_candidates_too():
    from gluon_lr.suggest import divergence_edge, suggest_lr
    lrs = [10 ** (k / 10 - 3) for k in range(31)]                       # 1e-3 .. 1
    losses = [2.3] * 20 + [2.2, 2.1, 2.0, 1.9, 1.9, 2.0, 2.3, 3.0, 4.5, 7.0, 12.0]
    edge = divergence_edge(lrs, losses)
    assert edge == lrs[24]
    picks = {rule: suggest_lr(lrs, losses, rule) for rule in ("lowest", "valley", "steepest")}
    assert picks == {"lowest": 0.025, "valley": lrs[20], "steepest": lrs[23]}
    assert default_candidates(lrs, losses) == [edge / 32, edge / 16, 0.025, edge / 8, edge / 4,
                                               lrs[20], edge / 2, lrs[23], edge]


def test_a_trial_that_spikes_and_recovers_counts_as_diverged():
    from gluon_lr.confirm import _score
    assert _score(None, [2.0, 9.0, 2.1, 2.0, 2.0, 1.9], "mean", 300, 2, None, 0.0) == \
        (math.inf, math.inf)
    forecast, score = _score(None, [2.0, 7.9, 2.1, 2.0, 2.0, 1.9], "mean", 300, 2, None, 0.0)
    assert score == 1.95 and math.isfinite(forecast)


@pytest.mark.filterwarnings("ignore:the 'lowest' rule's suggestion")  # no fall: it warns
def test_without_a_fall_the_candidates_still_hang_from_the_edge():
    from gluon_lr.suggest import divergence_edge
    lrs = [10 ** (k / 10 - 3) for k in range(31)]                       # 1e-3 .. 1
    losses = [2.3] * 25 + [2.3 * 1.5 ** i for i in range(1, 7)]        # flat, then diverges
    edge = divergence_edge(lrs, losses)
    # the centred curve is lowest at the start; carried back from the blow-up, it first
    # passes 2.53 (2.3 * 1.1) at point 20, so the edge is point 19
    assert edge == lrs[19]
    assert default_candidates(lrs, losses) == [edge / 32, edge / 16, edge / 8, edge / 4,
                                               edge / 2, edge]
    # a sweep that never rises: the grid hangs from its last rate
    assert divergence_edge(lrs, [2.3] * 31) is None
    assert default_candidates(lrs, [2.3] * 31) == [lrs[-1] / 2 ** k for k in range(5, -1, -1)]
    assert default_candidates(lrs, [math.nan] * 31) == []
