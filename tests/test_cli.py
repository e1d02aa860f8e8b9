"""The gluon-lr command line end to end on tiny CIFAR-10 slices, and its errors."""
import csv
import json
import os
import subprocess
import sys
import warnings

import mxnet as mx
import pytest

from gluon_lr.cli import main
from gluon_lr.data import continuous_loader
from gluon_lr.recipes import cifar10_datasets

TINY = ["--batch-size", "16", "--train-size", "128", "--num-workers", "0", "--no-progress",
        "--device", "cpu"]


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_find_writes_plot_csv_and_summary(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "find"
    code, stdout, _ = run_cli(["find", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--num-points", "25"] + TINY, capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["finder.csv", "finder.png", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "finder.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["iterations"] <= 25
    assert float(rows[0]["lr"]) == summary["first_lr"] == 1e-5
    assert summary["stopped_by"] in ("diverged", "max_iter", "non-finite loss")
    assert summary["model"] == "resnet18_v2" and summary["train_size"] == 128
    assert "suggested learning rate (lowest)" in stdout


def test_find_linear_mode(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "linear"
    code, _, _ = run_cli(["find", "--data-dir", str(cifar10_dir), "--out", str(out),
                          "--mode", "linear", "--lr-start", "0.001", "--step-size", "2",
                          "--step-rate", "1", "--max-iter", "6", "--suggest", "minimum"]
                         + TINY, capsys)
    assert code == 0
    with open(out / "finder.csv") as handle:
        lrs = [float(row["lr"]) for row in csv.DictReader(handle)]
    assert lrs == pytest.approx([0.001 * (1 + k / 2) for k in range(len(lrs))], rel=1e-12)


def test_compare_writes_table_csv_and_plot(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "compare"
    code, stdout, _ = run_cli(["compare", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--iterations", "3", "--lrs", "0.05", "0.5",
                               "--test-size", "32"] + TINY, capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["compare.csv", "compare.md", "compare.png",
                                       "summary.json"]
    table = (out / "compare.md").read_text().splitlines()
    assert table[0] == "| lr | first loss | final loss | mean of last 20 | test accuracy |"
    assert [line.split("|")[1].strip() for line in table[2:]] == ["0.05", "0.5"]
    with open(out / "compare.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6
    # same start, same first batch: the first losses of both runs are equal
    assert rows[0]["loss"] == rows[3]["loss"]
    assert stdout.startswith(table[0])


def test_compare_loader_repeats_the_batch_order(cifar10_dir):
    train_set, _ = cifar10_datasets(data_dir=str(cifar10_dir), train_size=64)
    first, second = (continuous_loader(train_set, batch_size=16, seed=0, num_workers=0)
                     for _ in range(2))
    labels = [[b[1].asnumpy().tolist() for b, _ in zip(loader, range(6))]
              for loader in (first, second)]
    assert labels[0] == labels[1]


def test_train_with_onecycle_from_the_finder(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "train"
    code, stdout, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--epochs", "2", "--test-size", "32", "--num-points", "25"]
                              + TINY, capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["finder.csv", "finder.png", "history.csv", "model.params",
                                       "steps.csv", "summary.json", "train.png"]
    with open(out / "history.csv") as handle:
        history = list(csv.DictReader(handle))
    assert [row["epoch"] for row in history] == ["1", "2"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["iterations"] == 16 and summary["max_lr_source"].startswith("finder")
    assert summary["finder"]["suggested_lr"] == summary["max_lr"]
    # OneCycleLR ends at max_lr / 25 / 1e4 after its 16 steps
    assert float(history[-1]["lr_last"]) == pytest.approx(summary["max_lr"] / 25 / 1e4)
    with open(out / "steps.csv") as handle:
        steps = list(csv.DictReader(handle))
    assert [int(row["step"]) for row in steps] == list(range(1, 17))
    assert [float(row["lr_peak"]) for row in history] == [
        max(float(row["lr"]) for row in steps[:8]), max(float(row["lr"]) for row in steps[8:])]
    assert float(steps[-1]["lr"]) == float(history[-1]["lr_last"])
    assert float(steps[0]["momentum"]) == 0.95   # onecycle starts at its highest momentum
    assert "epoch 2: train loss" in stdout


def test_train_with_a_deepspeed_config(cifar10_dir, tmp_path, capsys):
    config = tmp_path / "ds.json"
    config.write_text(json.dumps({"scheduler": {"type": "OneCycle", "params": {
        "cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 4}}}))
    out = tmp_path / "train"
    code, _, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                          "--schedule", str(config), "--test-size", "16"] + TINY, capsys)
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["max_lr"] is None and summary["schedule"] == str(config)


@pytest.mark.parametrize("name, extra", [
    ("onecycle", ["--max-lr", "0.1"]), ("cyclical", ["--max-lr", "0.1", "--cycles", "2"]),
    ("cosine", ["--max-lr", "0.1", "--warmup", "10"]), ("constant", ["--lr", "0.05"])])
def test_schedule_draws_without_data(name, extra, tmp_path, capsys):
    out = tmp_path / name
    code, _, _ = run_cli(["schedule", "--schedule", name, "--iterations", "40", "--out", str(out)]
                         + extra, capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["schedule.csv", "schedule.png", "summary.json"]
    with open(out / "schedule.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40
    peak = max(float(row["lr"]) for row in rows)
    assert peak == pytest.approx(0.05 if name == "constant" else 0.1)


@pytest.mark.parametrize("argv, message", [
    (["find", "--data-dir", "/no/such/dir"], "CIFAR-10 not found"),
    (["find", "--model", "resnet_nope"], "unknown model 'resnet_nope'"),
    (["find", "--device", "tpu"], "device must be 'auto', 'cpu'"),
    (["find", "--device", "gpu:3"], "MXNet sees 0 GPU"),
    (["compare", "--lrs"], "--lrs needs at least one learning rate"),
    (["compare", "--lrs", "0.1", "-0.5"],
     "argument --lrs: value must be a number in [1.1754944e-38, 3.4028235e+38] (float32)"),
    (["compare", "--lrs", "0"], "argument --lrs: value must be a number in [1.17"),
    (["find", "--lr-start", "0"], "argument --lr-start: value must be a number in [1.17"),
    (["find", "--lr-start", "1e300"], "argument --lr-start: value must be a number in [1.17"),
    (["find", "--lr-start", "1", "--lr-end", "0.1"],
     "--lr-start must be <= --lr-end, got --lr-start = 1.0 and --lr-end = 0.1"),
    (["find", "--smoothing", "1"], "argument --smoothing: value must be a number in [0, 1)"),
    (["find", "--num-points", "1"], "argument --num-points: value must be an int >= 2"),
    (["find", "--step-size", "4"], "--step-size, --step-rate and --staircase need --mode linear"),
    (["train", "--momentum", "1.5"], "argument --momentum: value must be a number in [0, 1)"),
    (["train", "--wd", "-1"], "argument --wd: value must be a number in [0, inf)"),
    (["train", "--pct-start", "1"], "argument --pct-start: value must be a number in (0, 1)"),
    (["schedule", "--seed", "-1"], "argument --seed: value must be an int >= 0"),
    (["train", "--schedule", "sawtooth"], "--schedule must be one of"),
    (["schedule", "--schedule", "onecycle"], "--max-lr is required for the 'onecycle'"),
    (["schedule", "--schedule", "cosine", "--max-lr", "0.1", "--min-lr", "0.5"],
     "--min-lr must be <= --max-lr, got --min-lr = 0.5 and --max-lr = 0.1"),
    (["schedule", "--schedule", "cosine", "--max-lr", "0.1", "--warmup", "1000"],
     "--warmup must be an int in [0, total_steps) = [0, 1000), got 1000"),
    (["bogus"], "invalid choice"),
])
def test_bad_input_exits_non_zero_with_one_line(argv, message, capsys):
    if "gpu:3" in argv and mx.device.num_gpus() > 3:
        pytest.skip("this machine has a fourth GPU")
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if "StorageManager" not in line]
    assert len(lines) == 1, err
    assert message in lines[0] and "Traceback" not in err


@pytest.mark.parametrize("where", ["file", "under_file", "unwritable"])
def test_an_unusable_output_folder_fails_before_any_work(where, tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    out = {"file": tmp_path / "taken", "under_file": tmp_path / "taken" / "run",
           "unwritable": "/proc/1/gluon-lr-run"}[where]
    message = {"file": "is a file, not a folder", "under_file": "lies under the file",
               "unwritable": "cannot write into /proc/1"}[where]
    code, _, err = run_cli(["find", "--data-dir", str(tmp_path / "no-data"), "--out", str(out)],
                           capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_train_size_beyond_the_split_names_the_option(cifar10_dir, tmp_path, capsys):
    code, _, err = run_cli(["find", "--data-dir", str(cifar10_dir), "--out",
                            str(tmp_path / "run"), "--train-size", "60000"], capsys)
    assert code == 2
    assert "error: --train-size must be an int in [1, 50000] (the split's size), got 60000" \
        in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("content, message", [
    ("[0.1]", "must be a JSON object with 'suggested_lr'"),
    ("{not json", "is not JSON"),
    ('{"suggested_lr": -1}', "'s suggested_lr must be a number in"),
])
def test_train_refuses_a_bad_finder_summary_before_training(content, message, tmp_path, capsys):
    summary = tmp_path / "summary.json"
    summary.write_text(content)
    code, _, err = run_cli(["train", "--data-dir", str(tmp_path / "no-data"), "--out",
                            str(tmp_path / "run"), "--finder-summary", str(summary)], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_python_dash_m_runs_and_fails_cleanly(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gluon_lr", "find", "--data-dir",
                             str(tmp_path / "missing")], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "gluon-lr find: error: CIFAR-10 not found" in result.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv, message", [
    (["schedule", "--warmup", "-1"], "argument --warmup: value must be an int >= 0, got -1"),
    (["schedule", "--iterations", "0"], "argument --iterations: value must be an int >= 1"),
    (["find", "--num-workers", "two"],
     "argument --num-workers: value must be an int >= 0, got 'two'"),
])
def test_integer_options_are_checked(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_find_confirm_writes_the_trials_and_train_uses_the_confirmed_lr(cifar10_dir, tmp_path,
                                                                       capsys):
    out = tmp_path / "find"
    with warnings.catch_warnings():  # a short sweep's rules may warn: not what is tested here
        warnings.simplefilter("ignore", RuntimeWarning)
        code, stdout, _ = run_cli(["find", "--data-dir", str(cifar10_dir), "--out", str(out),
                                   "--lr-start", "1e-3", "--num-points", "40", "--confirm",
                                   "--confirm-budget", "30"]
                                  + TINY, capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["confirm.csv", "confirm.png", "finder.csv", "finder.png",
                                       "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    chosen = [row for row in summary["trials"] if row["chosen"]]
    assert [row["lr"] for row in chosen] == [summary["confirmed_lr"]]
    assert summary["confirm_steps"] <= 30
    assert "confirmed learning rate: {:.4g}".format(summary["confirmed_lr"]) in stdout
    with open(out / "confirm.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {float(row["lr"]) for row in rows} == {row["lr"] for row in summary["trials"]}
    train_out = tmp_path / "train"
    code, stdout, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(train_out),
                               "--finder-summary", str(out / "summary.json"),
                               "--test-size", "16"] + TINY, capsys)
    assert code == 0
    trained = json.loads((train_out / "summary.json").read_text())
    assert trained["max_lr"] == summary["confirmed_lr"]
    assert trained["max_lr_source"].endswith("(confirmed_lr)")


def test_train_with_autolrs_writes_the_schedule_it_found(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "autolrs"
    code, stdout, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--schedule", "autolrs", "--min-lr", "0.001", "--max-lr", "0.1",
                               "--autolrs-tau", "8", "--autolrs-k", "2", "--epochs", "3",
                               "--test-size", "16"] + TINY, capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["autolrs.csv", "autolrs.png", "model.params",
                                       "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps_spent"] == summary["iterations"] == 24   # 3 epochs of 8 batches
    with open(out / "autolrs.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["step"]) for row in rows] == list(range(1, 25))
    assert all(0.001 <= float(row["lr"]) <= 0.1 for row in rows)
    assert "stage 0: lr" in stdout


def test_train_with_autolrs_fits_its_lengths_to_the_run_and_says_so(cifar10_dir, tmp_path,
                                                                    capsys):
    out = tmp_path / "autolrs"
    code, stdout, _ = run_cli(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                               "--schedule", "autolrs", "--min-lr", "0.001", "--max-lr", "0.1",
                               "--autolrs-k", "2", "--epochs", "180", "--model", "small_cnn",
                               "--test-size", "16"] + TINY, capsys)
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert [summary[key] for key in ("tau", "tau_prime", "k", "tau_max", "steps_spent")] == \
        [200, 20, 2, 200, 1440]   # fitted_lengths(1440, k=2): 6 stages of 2 x 20 + 200 steps
    assert summary["lengths"] in stdout
    assert stdout.startswith("autolrs: k=2 candidates of tau'=20 steps, then tau=200 training "
                             "steps, never doubling (tau_max=200): 6 stages in 1440 steps.")


def test_find_with_two_workers_writes_its_files_once(cifar10_dir, tmp_path):
    out = tmp_path / "find"
    result = subprocess.run(
        [sys.executable, "-m", "gluon_lr", "find", "--data-dir", str(cifar10_dir), "--out",
         str(out), "--num-points", "25", "--workers", "2"] + TINY,
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(os.listdir(out)) == ["finder.csv", "finder.png", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["distributed"]["workers"] == 2 and summary["batch_size"] == 16
    assert result.stdout.count("suggested learning rate") == 1
