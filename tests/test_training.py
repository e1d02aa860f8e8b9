"""train_epochs: one run() per epoch, the history, divergence."""
import statistics

import mxnet as mx
import pytest

from gluon_lr import Learner
from gluon_lr.training import TrainingDiverged, train_epochs
from helpers import make_batches, make_net


def test_history_records_each_epoch_from_the_optimizers_schedule():
    learner = Learner(make_net(), make_batches(6), mx.cpu(),
                      optimizer_params={"learning_rate": None, "momentum": 0.9,
                                        "lr_scheduler": mx.lr_scheduler.FactorScheduler(
                                            step=3, factor=0.5, base_lr=0.1)})
    losses = []
    history = train_epochs(learner, 2, 3, evaluate=lambda lrn: 0.25,
                           callback=lambda step, lr, loss: losses.append((step, lr, loss)))
    assert [row["epoch"] for row in history] == [1, 2]
    assert [step for step, _, _ in losses] == [1, 2, 3, 1, 2, 3]
    # FactorScheduler: 0.1 up to update 3, then halved once every 3 updates
    assert [lr for _, lr, _ in losses] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05]
    assert history[0]["train_loss"] == statistics.fmean(loss for _, _, loss in losses[:3])
    assert [(row["lr_last"], row["lr_peak"]) for row in history] == [(0.1, 0.1), (0.05, 0.05)]
    assert history[1]["momentum_last"] == 0.9
    assert history[1]["test_accuracy"] == 0.25


def test_a_non_finite_loss_stops_training_with_the_history_so_far():
    learner = Learner(make_net(), make_batches(6), mx.cpu(),
                      optimizer_params={"learning_rate": 0.01})
    train_epochs(learner, 1, 2)
    learner.trainer.set_learning_rate(1e30)
    with pytest.raises(TrainingDiverged, match="training diverged: the loss was nan") as info:
        train_epochs(learner, 3, 2)
    assert info.value.history == []


@pytest.mark.parametrize("args, error, message", [
    ((0, 1), ValueError, "epochs must be an int >= 1"),
    ((1, 0), ValueError, "iterations_per_epoch must be an int >= 1"),
    ((1, 1.5), TypeError, "iterations_per_epoch must be an int >= 1"),
])
def test_bad_arguments(args, error, message):
    learner = Learner(make_net(), make_batches(2), mx.cpu())
    with pytest.raises(error, match=message):
        train_epochs(learner, *args)
    assert learner.trainer.optimizer.num_update == 0


def test_lr_peak_and_the_step_log_follow_a_one_cycle_through_the_one_loop():
    from gluon_lr.schedules import OneCycleLR
    from gluon_lr.training import StepLog
    schedule = OneCycleLR(max_lr=0.1, total_steps=6, pct_start=0.5)
    learner = Learner(make_net(), make_batches(6), mx.cpu(),
                      optimizer_params={"learning_rate": None, "momentum": 0.9,
                                        "lr_scheduler": schedule})
    log = StepLog(learner)
    history = train_epochs(learner, 2, 3, callback=log)
    assert [row["step"] for row in log.rows] == [1, 2, 3, 4, 5, 6]
    assert [row["lr"] for row in log.rows] == [schedule(t) for t in range(1, 7)]
    assert [row["momentum"] for row in log.rows] == [schedule.momentum(t) for t in range(1, 7)]
    assert history[0]["lr_peak"] == max(schedule(t) for t in (1, 2, 3))
    assert history[0]["lr_last"] == schedule(3) and history[1]["lr_last"] == schedule(6)
    assert history[1]["momentum_last"] == schedule.momentum(6)
    assert history[1]["train_loss"] == statistics.fmean(row["loss"] for row in log.rows[3:])
