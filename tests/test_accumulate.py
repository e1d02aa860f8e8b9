"""Counts are optimizer steps everywhere: with accumulate=k one step is k loader batches.

The Learner alone turns steps into batches (peek_batches, replay); confirm's
trials and AutoLRS's candidates each see exactly the batches of the training
steps they stand in for.
"""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import AutoLRS, Learner
from gluon_lr.confirm import confirm_learning_rate
from helpers import make_batches, make_net

ACCUMULATE = 2


class FreshBatches:
    """A loader that makes a new batch object each time it is read, numbered in order."""

    def __init__(self):
        self.rng = np.random.RandomState(1)
        self.made = 0

    def __iter__(self):
        while True:
            self.made += 1
            yield (mx.np.array(self.rng.normal(size=(8, 6)).astype("float32")),
                   mx.np.array(self.rng.randint(0, 3, size=8).astype("float32")))


def accumulating_learner(loader):
    return Learner(make_net(batchnorm=False), loader, mx.cpu(), accumulate=ACCUMULATE,
                   optimizer_params={"learning_rate": 0.1, "momentum": 0.9})


def record_batches(learner):
    """Per call of ``run``: the ids of the loader batches it trained on, in order.

    The batches are held too, so that no id is reused by a later batch.
    """
    held = []
    runs = []
    real_run, real_next = learner.run, learner._next_batch

    def run(steps, lr=None, callback=None):
        runs.append([])
        return real_run(steps, lr, callback)

    def next_batch():
        batch = real_next()
        held.append(batch)
        runs[-1].append(id(batch))
        return batch

    learner.run, learner._next_batch = run, next_batch
    return runs


def test_peek_batches_counts_optimizer_steps_and_replay_takes_whole_steps():
    batches = make_batches(12)
    learner = accumulating_learner(batches)
    learner.run(1)                                            # batches 0 and 1
    assert [id(b) for b in learner.peek_batches(3)] == [id(b) for b in batches[2:8]]
    with pytest.raises(ValueError, match=r"batches must hold whole optimizer steps: a "
                                         r"multiple of accumulate=2 batches, got 3"):
        with learner.replay(batches[:3]):
            pass
    runs = record_batches(learner)
    with learner.replay(learner.peek_batches(1)):
        learner.run(3)
    learner.run(1)
    assert runs == [[id(b) for b in batches[2:4]] * 3, [id(b) for b in batches[2:4]]]
    with pytest.raises(ValueError, match="steps must be an int >= 1, got 0"):
        learner.peek_batches(0)


def test_confirm_trials_see_the_batches_of_the_steps_they_stand_in_for():
    batches = make_batches(40)
    learner = accumulating_learner(batches)
    learner.run(2)                                            # batches 0 .. 3
    runs = record_batches(learner)
    # 3 candidates: 2 rounds of 18 steps, 6 each for 3, then 9 each for the better 2
    result = confirm_learning_rate(learner, [0.01, 0.03, 0.1], budget=36, score="mean",
                                   progress=False)
    assert sorted(len(trial.losses) for trial in result.trials) == [6, 15, 15]
    learner.run(15)                                           # the training they stand in for
    first = [id(b) for b in batches[4:4 + 6 * ACCUMULATE]]
    second = [id(b) for b in batches[4 + 6 * ACCUMULATE:4 + 15 * ACCUMULATE]]
    assert runs == [first] * 3 + [second] * 2 + [first + second]
    assert len(set(first + second)) == 15 * ACCUMULATE


def test_autolrs_candidates_see_the_batches_of_the_steps_they_stand_in_for():
    loader = FreshBatches()
    learner = accumulating_learner(loader)
    learner.run(2)
    runs = record_batches(learner)
    autolrs = AutoLRS(learner, 1e-3, 0.5, tau=12, k=3, tau_max=24, progress=False)
    autolrs.run(72)
    assert [(s.tau_prime, s.tau, len(s.candidates)) for s in autolrs.stages] == \
        [(4, 12, 3), (8, 24, 3)]
    assert len(runs) == 8                                     # 3 candidates, 1 training a stage
    for index, stage in enumerate(autolrs.stages):
        *candidates, training = runs[4 * index: 4 * index + 4]
        assert len(training) == len(set(training)) == stage.tau * ACCUMULATE
        for seen in candidates:
            assert len(seen) == len(set(seen)) == stage.tau_prime * ACCUMULATE
            assert seen == training[:stage.tau_prime * ACCUMULATE]
    # the loader gave the warm-up's and the stages' training batches, nothing more
    assert loader.made == (2 + 12 + 24) * ACCUMULATE
