"""One owner for the optimizer's lr_scheduler: Learner.run(lr=...) sets it aside, nothing else.

The finder, confirm, compare and AutoLRS each train at rates of their own. On a
learner whose optimizer has a scheduler attached (MXNet's or a gluon-lr
schedule) each of them runs, and the training after it is bit-identical to the
training without it.
"""
import copy

import mxnet as mx
import pytest

from gluon_lr import AutoLRS, Learner, LRFinder, OneCycleLR
from gluon_lr.comparison import compare_learning_rates
from helpers import assert_same_state, make_batches, make_net, state_arrays

WARM_UP, FURTHER = 3, 6


def mxnet_scheduler():
    """MXNet's stateful FactorScheduler: it changes its own attributes as it is called."""
    return mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, lr_scheduler=mx.lr_scheduler.
                            FactorScheduler(step=2, factor=0.7, base_lr=0.1))


def gluon_lr_schedule():
    """A pure gluon-lr schedule that also drives the momentum."""
    return mx.optimizer.SGD(learning_rate=None, momentum=0.9,
                            lr_scheduler=OneCycleLR(max_lr=0.1, total_steps=100))


def find(learner, twin):
    finder = LRFinder(learner)
    finder.find(lr_start=1e-4, lr_multiplier=1.5, max_iter=8, progress=False)
    assert len(finder.results) == 8
    return finder


def confirm(learner, twin):
    finder = find(learner, twin)
    assert finder.confirm(candidates=[0.01, 0.05], budget=12, progress=False) in (0.01, 0.05)
    assert [len(trial.losses) for trial in finder.confirmation.trials] == [6, 6]


def compare(learner, twin):
    runs = compare_learning_rates(learner, [0.01, 0.05], 3, lambda: make_batches(3, seed=5))
    assert [len(run["losses"]) for run in runs] == [3, 3]


def autolrs(learner, twin):
    stage, = AutoLRS(learner, 1e-3, 0.5, tau=12, k=3, tau_max=24, progress=False).run(24)
    assert stage.train_steps == 12
    twin.run(stage.train_steps, lr=stage.lr)    # the training AutoLRS chose, without the search


@pytest.mark.parametrize("make_optimizer", [mxnet_scheduler, gluon_lr_schedule],
                         ids=["mxnet-scheduler", "gluon-lr-schedule"])
@pytest.mark.parametrize("operation", [find, confirm, compare, autolrs])
def test_each_tool_runs_on_a_scheduled_learner_and_the_training_after_it_is_unchanged(
        operation, make_optimizer):
    batches = make_batches(60)
    learner, twin = (Learner(make_net(), batches, mx.cpu(), optimizer=make_optimizer())
                     for _ in range(2))
    assert learner.run(WARM_UP) == twin.run(WARM_UP)
    scheduler = learner.trainer.optimizer.lr_scheduler
    reference = copy.deepcopy(scheduler)   # the scheduler's rates from here on
    operation(learner, twin)
    assert learner.trainer.optimizer.lr_scheduler is scheduler
    assert_same_state(state_arrays(twin), state_arrays(learner))
    after = make_batches(FURTHER, seed=4)
    steps = {}
    for one in (learner, twin):
        one.set_data_loader(after)
        steps[one] = []
        one.run(FURTHER, callback=lambda step, lr, loss, seen=steps[one]: seen.append((lr, loss)))
    assert steps[learner] == steps[twin]
    start = learner.trainer.optimizer.num_update - FURTHER
    assert start == WARM_UP + (12 if operation is autolrs else 0)
    assert [lr for lr, _ in steps[learner]] == \
        [reference(start + step) for step in range(1, FURTHER + 1)]
    assert_same_state(state_arrays(twin), state_arrays(learner))


def test_run_at_a_rate_sets_the_scheduler_aside_and_puts_it_back_whatever_ends_the_run():
    learner = Learner(make_net(), make_batches(10), mx.cpu(), optimizer=mxnet_scheduler())
    optimizer = learner.trainer.optimizer
    scheduler = optimizer.lr_scheduler
    seen = []

    def fail_at_step_2(step, lr, loss):
        seen.append((optimizer.lr_scheduler, lr))
        if step == 2:
            raise KeyboardInterrupt("injected")

    with pytest.raises(KeyboardInterrupt):
        learner.run(4, lr=0.03, callback=fail_at_step_2)
    assert seen == [(None, 0.03), (None, 0.03)]
    assert (optimizer.lr_scheduler, optimizer.lr, optimizer.num_update) == (scheduler, 0.1, 2)
    learner.run(1, lr=lambda step: 0.02)
    assert (optimizer.lr_scheduler, optimizer.lr) == (scheduler, 0.1)
    seen.clear()
    learner.run(1, callback=lambda step, lr, loss: seen.append(lr))
    assert seen == [scheduler(4)]                          # the scheduler decides again


def test_without_a_scheduler_a_run_at_a_rate_leaves_that_rate():
    learner = Learner(make_net(), make_batches(4), mx.cpu(),
                      optimizer_params={"learning_rate": 0.1})
    learner.run(2, lr=0.03)
    assert learner.trainer.optimizer.lr == 0.03 and learner.trainer.optimizer.lr_scheduler is None
