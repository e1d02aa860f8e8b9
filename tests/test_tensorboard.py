"""TensorBoard files (issue 21): the event files hold the values each loop reported."""
import sys

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner, LRFinder
from gluon_lr.comparison import compare_learning_rates
from gluon_lr.stopping import update_running_mean
from gluon_lr.training import train_epochs
from helpers import make_batches, make_net

pytest.importorskip("tensorboardX", reason="the [tensorboard] extra (tensorboardX) is not "
                                           "installed")
from gluon_lr.tensorboard import TensorBoardLogger, read_scalars  # noqa: E402


def f32(values):
    """``values`` as TensorBoard stores them: float32."""
    return [float(np.float32(value)) for value in values]


def smoothed(losses, smoothing=0.3):
    running, out = None, []
    for loss in losses:
        running = update_running_mean(running, loss, smoothing)
        out.append(running)
    return out


def assert_series(scalars, prefix, lrs, losses, steps=None):
    """``prefix``'s three tags hold ``lrs``, ``losses`` and their running mean, at ``steps``."""
    steps = list(range(1, len(losses) + 1)) if steps is None else steps
    assert scalars[prefix + "/lr"] == list(zip(steps, f32(lrs)))
    assert scalars[prefix + "/loss"] == list(zip(steps, f32(losses)))
    assert scalars[prefix + "/smoothed_loss"] == list(zip(steps, f32(smoothed(losses))))


def learner(**kwargs):
    return Learner(make_net(seed=3), make_batches(100, seed=5), mx.cpu(),
                   optimizer_params={"learning_rate": 0.01, "momentum": 0.9}, **kwargs)


def test_the_finder_logs_every_step_of_its_sweep(tmp_path):
    finder = LRFinder(learner())
    with TensorBoardLogger(tmp_path, tag="finder") as log:
        finder.find(lr_start=1e-3, lr_multiplier=1.5, max_iter=15, callback=log,
                    progress=False)
    scalars = read_scalars(tmp_path)
    assert sorted(scalars) == ["finder/loss", "finder/lr", "finder/smoothed_loss"]
    assert_series(scalars, "finder", finder.lrs, finder.losses)


def test_each_confirm_trial_is_its_own_series_over_its_rounds(tmp_path):
    finder = LRFinder(learner())
    finder.find(lr_start=1e-3, lr_multiplier=2.0, max_iter=6, progress=False)
    with TensorBoardLogger(tmp_path, tag="confirm", per_rate=True) as log:
        finder.confirm([0.01, 0.05, 0.2], budget=72, callback=log, progress=False)
    scalars = read_scalars(tmp_path)
    trials = finder.confirmation.trials
    assert sorted(scalars) == sorted("confirm/lr_{:.4g}/{}".format(trial.lr, name)
                                     for trial in trials
                                     for name in ("lr", "loss", "smoothed_loss"))
    # 3 candidates for 12 steps, then the better 2 for 18 more: one line each, steps 1..30
    assert sorted(len(trial.losses) for trial in trials) == [12, 30, 30]
    for trial in trials:
        assert_series(scalars, "confirm/lr_{:.4g}".format(trial.lr),
                      [trial.lr] * len(trial.losses), trial.losses)


def test_a_comparison_logs_one_series_per_rate(tmp_path):
    batches = make_batches(20, seed=5)
    with TensorBoardLogger(tmp_path, tag="compare", per_rate=True) as log:
        runs = compare_learning_rates(learner(), [0.01, 0.1], 5, lambda: batches, callback=log)
    scalars = read_scalars(tmp_path)
    for run in runs:
        assert_series(scalars, "compare/lr_{:.4g}".format(run["lr"]), [run["lr"]] * 5,
                      run["losses"])


def test_epoch_training_is_one_line_across_epochs(tmp_path):
    model = learner()
    seen = []
    with TensorBoardLogger(tmp_path, tag="train") as log:
        train_epochs(model, 2, 4, callback=lambda *step: seen.append(step) or log(*step))
    assert [step for step, _, _ in seen] == [1, 2, 3, 4, 1, 2, 3, 4]
    assert_series(read_scalars(tmp_path), "train", [lr for _, lr, _ in seen],
                  [loss for _, _, loss in seen])


def test_autolrs_stages_log_their_training_at_autolrs_steps_and_each_candidate(tmp_path):
    from gluon_lr.autolrs import AutoLRS
    pytest.importorskip("sklearn", reason="AutoLRS needs the [auto] extra")
    autolrs = AutoLRS(learner(), 1e-3, 0.5, tau=12, k=3, tau_max=24, progress=False)
    with TensorBoardLogger(tmp_path, tag="autolrs") as log:
        stages = autolrs.run(60, stage_callback=log.stage)
    scalars = read_scalars(tmp_path)
    steps, lrs, losses = [], [], []
    for stage in stages:
        first = stage.first_step + stage.search_steps
        steps += range(first + 1, first + len(stage.train_losses) + 1)
        lrs += [stage.lr] * len(stage.train_losses)
        losses += stage.train_losses
        for candidate in stage.candidates:
            assert_series(scalars, "autolrs/stage{}/lr_{:.4g}".format(stage.index, candidate.lr),
                          [candidate.lr] * candidate.steps, candidate.losses)
    assert_series(scalars, "autolrs", lrs, losses, steps)
    assert steps[-1] == 60


def test_a_non_finite_loss_is_logged_and_leaves_the_running_mean_alone(tmp_path):
    with TensorBoardLogger(tmp_path, tag="t", smoothing=0.5) as log:
        for step, loss in enumerate([2.0, float("nan"), 1.0], start=1):
            assert log(step, 0.1, loss) is False
    scalars = read_scalars(tmp_path)
    assert [value for _, value in scalars["t/smoothed_loss"]] == [2.0, 2.0, 1.5]
    assert np.isnan(scalars["t/loss"][1][1])


def test_a_missing_tensorboardx_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r'pip install "gluon-lr\[tensorboard\]"'):
        TensorBoardLogger(tmp_path)


@pytest.mark.parametrize("arguments, error, message", [
    ({"logdir": 3}, TypeError, "logdir must be a directory path, got 3"),
    ({"tag": ""}, TypeError, "tag must be a non-empty str"),
    ({"smoothing": 1.0}, ValueError, r"smoothing must be a number in \[0, 1\)"),
    ({"per_rate": "yes"}, TypeError, "per_rate must be True or False"),
])
def test_bad_arguments_name_the_argument(arguments, error, message, tmp_path):
    arguments.setdefault("logdir", tmp_path)
    with pytest.raises(error, match=message):
        TensorBoardLogger(**arguments)
