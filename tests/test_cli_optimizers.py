"""``--optimizer`` on the command line: Schedule-Free and Prodigy training, and early refusals."""
import csv
import json
import os
import warnings
from types import SimpleNamespace

import pytest

from gluon_lr.cli import main
from gluon_lr.commands.common import OPTIMIZERS, optimizer_params

TINY = ["--batch-size", "16", "--train-size", "128", "--num-workers", "0", "--no-progress",
        "--device", "cpu"]


def run_cli(args, capsys):
    with warnings.catch_warnings():  # a short sweep's rules may warn: not what is tested here
        warnings.simplefilter("ignore", RuntimeWarning)
        code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("name, expected", [
    ("sgd", {"momentum": 0.8, "wd": 0.001}),
    ("sgd_schedulefree", {"momentum": 0.8, "wd": 0.001}),
    ("adamw_schedulefree", {"beta1": 0.8, "wd": 0.001}),
    ("prodigy", {"beta1": 0.8, "wd": 0.001}),
])
def test_momentum_and_wd_go_by_the_optimizer_s_names(name, expected):
    assert optimizer_params(SimpleNamespace(optimizer=name, momentum=0.8, wd=0.001)) == expected


def test_the_optimizers_are_the_registered_names():
    assert OPTIMIZERS == ("sgd", "sgd_schedulefree", "adamw_schedulefree", "prodigy")


def test_train_schedule_free_at_the_finder_s_rate_after_the_warm_up(cifar10_dir, tmp_path,
                                                                    capsys):
    out = tmp_path / "train"
    code, stdout, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--optimizer", "sgd_schedulefree", "--warmup", "4",
                               "--test-size", "32", "--num-points", "25"] + TINY, capsys)
    assert code == 0, stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["optimizer"] == "sgd_schedulefree" and summary["schedule"] == "schedulefree"
    assert summary["max_lr"] == summary["finder"]["suggested_lr"]
    with open(out / "steps.csv") as handle:
        lrs = [float(row["lr"]) for row in csv.DictReader(handle)]
    peak = summary["max_lr"]
    assert lrs == pytest.approx([peak / 4, peak / 2, 3 * peak / 4] + [peak] * 5, rel=1e-6)


def test_train_with_prodigy_takes_lr_1_and_cosine_without_a_finder(cifar10_dir, tmp_path,
                                                                   capsys):
    out = tmp_path / "train"
    code, stdout, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--optimizer", "prodigy", "--test-size", "32"] + TINY, capsys)
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["max_lr"], summary["max_lr_source"], summary["schedule"],
            summary["finder"]) == (1.0, "prodigy", "cosine", None)
    assert "finder.csv" not in os.listdir(out)
    assert "max-lr 1: Prodigy's own" in stdout


def test_find_sweeps_with_the_chosen_optimizer(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "find"
    code, _, _ = run_cli(["find", "--data-dir", str(cifar10_dir), "--out", str(out),
                          "--optimizer", "adamw_schedulefree", "--num-points", "12"] + TINY,
                         capsys)
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["optimizer"], summary["momentum"]) == ("adamw_schedulefree", 0.9)


@pytest.mark.parametrize("extra, message", [
    (["--optimizer", "sgd_schedulefree", "--schedule", "onecycle"],
     "--schedule onecycle cannot be used with --optimizer sgd_schedulefree: a Schedule-Free "
     "optimizer replaces the schedule"),
    (["--optimizer", "adamw_schedulefree", "--schedule", "autolrs"],
     "--schedule autolrs cannot be used with --optimizer adamw_schedulefree"),
    (["--optimizer", "sgd_schedulefree", "--warmup", "8"],
     "--warmup must be below the training steps (8); got 8"),
    (["--schedule", "cosine", "--warmup", "8", "--max-lr", "0.1"], "warmup must be"),
    (["--schedule", "autolrs"], "total_steps must be at least min_stages * (k + 10) * "
                                "min_trial_steps = 6 * 20 * 20 = 2400"),
])
def test_train_refuses_what_cannot_run_before_training(cifar10_dir, tmp_path, capsys, extra,
                                                       message):
    out = tmp_path / "run"
    code, _, err = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out)]
                           + extra + TINY, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_optimizer_choices_are_checked(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["find", "--optimizer", "adam"])
    assert exit_.value.code == 2
    assert "argument --optimizer: invalid choice: 'adam'" in capsys.readouterr().err


def test_compare_keeps_plain_sgd_and_takes_another_optimizer(cifar10_dir, tmp_path, capsys):
    runs = {}
    for name, extra in (("plain", []), ("schedulefree", ["--optimizer", "sgd_schedulefree",
                                                         "--momentum", "0.9"])):
        out = tmp_path / name
        code, _, _ = run_cli(["compare", "--data-dir", str(cifar10_dir), "--out", str(out),
                              "--iterations", "3", "--lrs", "0.05", "--test-size", "16"]
                             + extra + TINY, capsys)
        assert code == 0
        runs[name] = json.loads((out / "summary.json").read_text())
    assert [runs["plain"][key] for key in ("optimizer", "momentum", "wd")] == ["sgd", 0.0, 0.0]
    assert runs["schedulefree"]["optimizer"] == "sgd_schedulefree"
    assert runs["plain"]["runs"][0]["final_loss"] != runs["schedulefree"]["runs"][0]["final_loss"]
