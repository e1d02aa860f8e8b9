"""compare_learning_rates: same start, same batches, every learning rate."""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner
from gluon_lr.comparison import compare_learning_rates
from helpers import assert_same_state, make_batches, make_net, state_arrays


def test_every_run_starts_from_the_same_state_and_sees_the_same_batches():
    batches = make_batches(10)
    learner = Learner(make_net(), make_batches(3, seed=9), mx.cpu(),
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    learner.iteration()  # a non-trivial start: momentum states exist
    start = state_arrays(learner)
    starts, seen = [], []
    real_iteration = learner.iteration

    def recording_iteration(lr=None, take_step=True):
        if learner.trainer.optimizer.num_update == 1:  # first step of a run
            starts.append(state_arrays(learner))
        return real_iteration(lr, take_step)

    def make_loader():
        run = []
        seen.append(run)
        for batch in batches:
            run.append(batch)
            yield batch

    learner.iteration = recording_iteration
    runs = compare_learning_rates(learner, [0.05, 0.5, 0.005], 4, make_loader,
                                  evaluate=lambda lrn: lrn.trainer.optimizer.num_update)
    assert [run["lr"] for run in runs] == [0.05, 0.5, 0.005]
    assert [len(run["losses"]) for run in runs] == [4, 4, 4]
    assert [run["evaluation"] for run in runs] == [5, 5, 5]
    assert len(starts) == 3
    for state in starts:
        assert_same_state(start, state)
    assert [[id(b) for b in run] for run in seen] == [[id(b) for b in batches[:4]]] * 3
    # the same first batch from the same start: the first losses agree exactly
    assert runs[0]["losses"][0] == runs[1]["losses"][0] == runs[2]["losses"][0]
    assert runs[0]["losses"][-1] != runs[1]["losses"][-1]
    assert_same_state(start, state_arrays(learner))  # left at the start


def test_callback_sees_every_step():
    learner = Learner(make_net(), make_batches(3), mx.cpu())
    calls = []
    compare_learning_rates(learner, [0.1, 0.2], 3, lambda: make_batches(3),
                           callback=lambda step, lr, loss: calls.append((step, lr)))
    assert calls == [(1, 0.1), (2, 0.1), (3, 0.1), (1, 0.2), (2, 0.2), (3, 0.2)]


@pytest.mark.parametrize("lrs, iterations, message", [
    ([], 3, "lrs must list at least one"),
    ([0.1, 0.0], 3, r"each of lrs must be a number in \[1.1754944e-38, 3.4028235e\+38\]"),
    ([0.1, 1e300], 3, r"each of lrs must be a number in \[1.1754944e-38, 3.4028235e\+38\]"),
    ([0.1], 0, "iterations must be an int >= 1"),
])
def test_bad_arguments(lrs, iterations, message):
    learner = Learner(make_net(), make_batches(3), mx.cpu())
    with pytest.raises(ValueError, match=message):
        compare_learning_rates(learner, lrs, iterations, lambda: make_batches(3))
    assert learner.trainer.optimizer.num_update == 0
    assert np.isfinite(learner.iteration())
