"""Validation sweeps (issue 21): the loss over a finite loader, measured afresh at each step."""
import csv

import matplotlib.pyplot as plt
import mxnet as mx
import pytest

from gluon_lr import Learner, LRFinder, suggest_lr
from gluon_lr.evaluation import mean_loss
from helpers import make_batches, make_net

SWEEP = {"lr_start": 1e-3, "lr_multiplier": 1.6, "max_iter": 12, "lr_end": None,
         "stopping_criteria": lambda loss: False, "progress": False}


class CountingLoader:
    """A finite loader that counts how often it is iterated and how many batches it gives."""

    def __init__(self, batches):
        self.batches = batches
        self.passes = 0
        self.served = 0

    def __iter__(self):
        self.passes += 1
        for batch in self.batches:
            self.served += 1
            yield batch


def learner():
    return Learner(make_net(seed=3), make_batches(100, seed=5), mx.cpu(),
                   optimizer_params={"learning_rate": 0.01, "momentum": 0.9})


def test_the_validation_loader_is_read_in_full_afresh_at_every_measured_step():
    val = CountingLoader(make_batches(4, seed=9))
    finder = LRFinder(learner())
    finder.find(val_data=val, val_every=1, **SWEEP)
    # pytorch-lr-finder #59: an exhausted iterator gives the same (empty) pass every time
    assert val.passes == 12 and val.served == 12 * 4
    assert finder.val_steps == list(range(1, 13))
    assert [lr for lr, _ in finder.val_results] == finder.lrs
    assert len(set(loss for _, loss in finder.val_results)) == 12  # no flat curve


def test_validation_losses_are_the_mean_loss_after_each_step_and_change_no_training():
    val_batches = make_batches(4, seed=9)
    with_val, plain = LRFinder(learner()), LRFinder(learner())
    with_val.find(val_data=val_batches, val_every=3, **SWEEP)
    plain.find(**SWEEP)
    assert with_val.results == plain.results  # measuring moves no state, not even BatchNorm's
    # replay the sweep by hand: after steps 3, 6, 9 and 12, the mean loss in inference mode
    twin = learner()
    expected = []
    for step, lr in enumerate(plain.lrs, start=1):
        twin.iteration(lr=lr)
        if step % 3 == 0:
            with mx.autograd.predict_mode():
                expected.append((lr, mean_loss(twin.net, twin.loss_fn, val_batches)))
    assert with_val.val_results == expected and with_val.val_steps == [3, 6, 9, 12]


def test_suggest_and_plot_read_either_curve_and_the_csv_has_a_val_loss_column(tmp_path):
    finder = LRFinder(learner())
    finder.find(val_data=make_batches(4, seed=9), val_every=2, **SWEEP)
    val_lrs, val_losses = finder.curve("val")
    assert val_lrs == finder.lrs[1::2] and len(val_losses) == 6
    by_val = finder.suggest("minimum", curve="val")
    assert by_val == suggest_lr(val_lrs, val_losses, method="minimum")
    assert by_val != finder.suggest("minimum")
    fig, ax = plt.subplots()
    finder.plot(ax=ax, curve="val", suggestion=False, width=None)
    assert len(ax.collections[0].get_offsets()) == 6  # the validation points
    beside = ax.lines[0]
    assert list(beside.get_xdata()) == finder.lrs and beside.get_label() == "loss of one step"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["validation loss",
                                                                    "loss of one step"]
    plt.close(fig)
    finder.to_csv(tmp_path / "finder.csv")
    with open(tmp_path / "finder.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["lr", "loss", "val_loss"] and len(rows) == 13
    assert rows[1][2] == "" and float(rows[2][2]) == val_losses[0]
    assert [float(row[1]) for row in rows[1:]] == finder.losses


def test_the_validation_curve_needs_a_validation_sweep():
    finder = LRFinder(learner())
    finder.find(**SWEEP)
    with pytest.raises(ValueError, match=r"curve='val' needs a sweep with val_data"):
        finder.suggest(curve="val")
    with pytest.raises(ValueError, match="curve must be one of 'train', 'val', got 'test'"):
        finder.plot(curve="test", show=False)


@pytest.mark.parametrize("arguments, error, message", [
    ({"val_data": iter(make_batches(2))}, TypeError,
     "val_data must be a finite loader that can be iterated again"),
    ({"val_data": (b for b in make_batches(2))}, TypeError, "not a one-pass iterator"),
    ({"val_data": 3}, TypeError, "val_data must be a finite loader of batches"),
    ({"val_data": make_batches(2), "val_every": 0}, ValueError, "val_every must be an int >= 1"),
])
def test_bad_validation_arguments_are_refused_before_any_step(arguments, error, message):
    finder = LRFinder(learner())
    with pytest.raises(error, match=message):
        finder.find(progress=False, **arguments)
    assert finder.learner.trainer.optimizer.num_update == 0
