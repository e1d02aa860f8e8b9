"""``--tensorboard DIR`` and ``--val-size N``: event files that hold what the CSVs hold, a
validation curve beside the sweep, and one-line errors naming the options."""
import csv
import json

import numpy as np
import pytest

from test_cli_outputs import OWN, error_lines, run_cli, user_module  # noqa: F401  (fixture)

pytest.importorskip("tensorboardX", reason="tensorboardX is in the 'tensorboard' and 'test' "
                                           "extras")
from gluon_lr.tensorboard import read_scalars  # noqa: E402


def own(module):
    return ["--model", module + ":make_net", "--dataset", module + ":make_dataset"] + OWN


def rows(path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


def test_find_logs_the_sweep_and_every_confirm_trial(user_module, tmp_path, capsys):  # noqa: F811
    board = tmp_path / "board"
    code, _, err = run_cli(["find", "--num-points", "20", "--confirm", "--confirm-budget", "24",
                            "--out", str(tmp_path / "find"), "--tensorboard", str(board)]
                           + own(user_module), capsys)
    assert code == 0, err
    scalars = read_scalars(board)
    sweep = rows(tmp_path / "find" / "finder.csv")
    assert [v for _, v in scalars["finder/lr"]] == \
        [float(np.float32(float(r["lr"]))) for r in sweep]
    assert [v for _, v in scalars["finder/loss"]] == \
        [float(np.float32(float(r["loss"]))) for r in sweep]
    trials = rows(tmp_path / "find" / "confirm.csv")
    for lr in {row["lr"] for row in trials}:
        losses = [float(np.float32(float(r["loss"]))) for r in trials if r["lr"] == lr]
        assert [v for _, v in scalars["confirm/lr_{:.4g}/loss".format(float(lr))]] == losses


def test_compare_and_train_log_under_their_own_tags(user_module, tmp_path, capsys):  # noqa: F811
    board = tmp_path / "board"
    code, _, err = run_cli(["compare", "--iterations", "3", "--lrs", "0.1", "0.01", "--out",
                            str(tmp_path / "compare"), "--tensorboard", str(board)]
                           + own(user_module), capsys)
    assert code == 0, err
    code, _, err = run_cli(["train", "--max-lr", "0.1", "--epochs", "2", "--out",
                            str(tmp_path / "train"), "--tensorboard", str(board)]
                           + own(user_module), capsys)
    assert code == 0, err
    scalars = read_scalars(board)
    assert [v for _, v in scalars["compare/lr_0.1/lr"]] == [float(np.float32(0.1))] * 3
    assert len(scalars["compare/lr_0.01/loss"]) == 3
    steps = rows(tmp_path / "train" / "steps.csv")
    assert [s for s, _ in scalars["train/loss"]] == list(range(1, 9))
    assert [v for _, v in scalars["train/loss"]] == \
        [float(np.float32(float(r["loss"]))) for r in steps]


def test_find_measures_the_validation_images_at_every_step(user_module, tmp_path,  # noqa: F811
                                                           capsys):
    out = tmp_path / "find"
    code, stdout, err = run_cli(["find", "--num-points", "20", "--val-size", "16", "--out",
                                 str(out)] + own(user_module), capsys)
    assert code == 0, err
    sweep = rows(out / "finder.csv")
    assert len(sweep) == 20 and all(float(r["val_loss"]) > 0 for r in sweep)
    summary = json.loads((out / "summary.json").read_text())
    assert "suggested_lr_val" in summary
    assert "on the validation curve (16 images)" in stdout


@pytest.mark.parametrize("argv, message", [
    (["--val-size", "33"], "--val-size 33 is larger than the 32 test images; use --val-size 32 "
                           "or less"),
    (["--val-size", "0"], "argument --val-size: value must be an int >= 1, got 0"),
    (["--tensorboard", "{file}"], "--tensorboard {file} is a file, not a folder"),
])
def test_bad_logging_options_are_one_line_before_any_training(argv, message, user_module,  # noqa: F811,E501
                                                              tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    argv = [a.format(file=blocker) for a in argv]
    code, _, err = run_cli(["find", "--out", str(tmp_path / "find")] + argv
                           + own(user_module), capsys)
    assert code == 2
    assert error_lines(err) == ["gluon-lr find: error: " + message.format(file=blocker)]
    assert not (tmp_path / "find").exists()
