"""``gluon-lr COMMAND --workers N`` through :func:`run_distributed`: argument checks before
any process starts, then real runs on CIFAR-10 slices with 2 workers and 1 server.

Every run has a hard limit (SIGALRM raises inside the test, so the launcher's
own clean-up runs) and SIGKILLs every process group listed in the launcher's
``pids`` file, by PID, whatever happened.
"""
import csv
import io
import json
import os
import signal
import sys

import pytest

from gluon_lr.cli import WORKER_MODULE, main, run_distributed, without_launch_options, \
    worker_command
from gluon_lr.launch.procs import live_members, pid_alive

HARD_LIMIT = 180  # seconds per run; each takes 15-40 s on 2 busy cores
TINY = ["--batch-size", "16", "--train-size", "128", "--num-workers", "0", "--no-progress",
        "--device", "cpu", "--model", "small_cnn"]


@pytest.mark.parametrize("argv,expected", [
    (["find", "--workers", "2", "--num-workers", "0"], ["find", "--num-workers", "0"]),
    (["--workers=3", "train", "--epochs", "1"], ["train", "--epochs", "1"]),
    (["find", "--workers"], ["find"]),
    (["find", "--out", "--workers"], ["find", "--out"]),
])
def test_without_workers_option(argv, expected):
    assert without_launch_options(argv) == expected


def test_worker_command_runs_the_worker_module():
    assert worker_command(["find", "--seed", "1"]) == \
        [sys.executable, "-m", WORKER_MODULE, "find", "--seed", "1"]


@pytest.mark.parametrize("argv,workers,message", [
    (["find", "--batch-size", "100"], 3, "gluon-lr find: error: --batch-size 100 must be a "
     "multiple of the 3 workers (each trains on batch-size / workers images per step)\n"),
    (["schedule", "--schedule", "cosine", "--iterations", "10"], 2,
     "gluon-lr schedule: error: only find, compare, train can run on several workers\n"),
])
def test_usage_errors_start_nothing(argv, workers, message, tmp_path):
    report = io.StringIO()
    status = run_distributed(argv, workers, report=report, log_dir=str(tmp_path / "logs"))
    assert (status, report.getvalue()) == (2, message)
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("options, message", [
    (["--launcher", "ssh"], "--hostfile is required by the ssh launcher (one host per line)"),
    (["-H", "/no/hosts", "--launcher", "mpi"], "--hostfile must name a file of hosts, got "
     "'/no/hosts'"),
    (["--launcher", "pbs"], "argument --launcher: invalid choice: 'pbs'"),
])
def test_launch_option_errors_start_nothing(options, message, tmp_path, capsys):
    try:
        code = main(["find", "--workers", "2", "--out", str(tmp_path / "run")] + options)
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "run").exists()


def test_parser_errors_start_nothing(tmp_path, capsys):
    status = run_distributed(["find", "--no-such-option"], 2, log_dir=str(tmp_path / "logs"))
    assert status == 2
    assert "error: unrecognized arguments: --no-such-option" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("argv,workers,error,message", [
    ("find", 2, TypeError, "argv must be a list of str (gluon-lr's arguments, e.g. ['find', "
     "'--out', 'runs/find']), got 'find'"),
    (["find"], 0, ValueError, "workers must be an int >= 1, got 0"),
])
def test_bad_arguments_are_named(argv, workers, error, message):
    with pytest.raises(error) as info:
        run_distributed(argv, workers)
    assert str(info.value) == message


# -- real runs -----------------------------------------------------------------------------

def _pids(log_dir):
    path = os.path.join(log_dir, "pids")
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [int(line.split()[2]) for line in handle if line.strip()]


@pytest.fixture
def run(tmp_path):
    """``run(argv)`` -> (status, rank 0's output, report), with a hard limit and clean-up."""
    log_dir = str(tmp_path / "logs")

    def expire(signum, frame):
        raise TimeoutError("test exceeded its hard limit of {} s".format(HARD_LIMIT))

    def start(argv):
        stream, report = io.StringIO(), io.StringIO()
        status = run_distributed(argv, 2, timeout=HARD_LIMIT - 20, stream=stream,
                                 report=report, log_dir=log_dir, grace=2.0)
        assert [pid for pid in _pids(log_dir) if pid_alive(pid) or live_members(pid)] == []
        return status, stream.getvalue(), report.getvalue()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(HARD_LIMIT)
    try:
        yield start
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        for pid in _pids(log_dir):
            if live_members(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass


def _distributed_entry(summary):
    return summary["distributed"]


def test_find_on_two_workers_writes_its_files(cifar10_dir, tmp_path, run):
    out = tmp_path / "find"
    status, output, report = run(["find", "--data-dir", str(cifar10_dir), "--out", str(out),
                                  "--lr-start", "1e-4", "--num-points", "20"] + TINY)
    assert (status, report) == (0, "")
    assert sorted(os.listdir(out)) == ["finder.csv", "finder.png", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert _distributed_entry(summary) == {"workers": 2, "servers": 1, "kvstore": "dist_sync",
                                           "global_batch_size": 16, "worker_batch_size": 8}
    assert summary["batch_size"] == 16 and summary["model"] == "small_cnn"
    with open(out / "finder.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["iterations"] <= 20
    assert float(rows[0]["lr"]) == summary["first_lr"] == 1e-4
    assert "suggested learning rate (lowest)" in output  # rank 0's output, streamed
    assert "files in {}".format(out) in output


def test_compare_on_two_workers_writes_its_files(cifar10_dir, tmp_path, run):
    out = tmp_path / "compare"
    status, output, report = run(["compare", "--data-dir", str(cifar10_dir), "--out", str(out),
                                  "--lrs", "0.05", "0.005", "--iterations", "4",
                                  "--test-size", "32"] + TINY)
    assert (status, report) == (0, "")
    assert sorted(os.listdir(out)) == ["compare.csv", "compare.md", "compare.png",
                                       "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert _distributed_entry(summary)["workers"] == 2
    assert [row["lr"] for row in summary["runs"]] == [0.05, 0.005]
    with open(out / "compare.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 8


def test_train_on_two_workers_writes_its_files(cifar10_dir, tmp_path, run):
    out = tmp_path / "train"
    status, output, report = run(["train", "--data-dir", str(cifar10_dir), "--out", str(out),
                                  "--epochs", "1", "--max-lr", "0.05", "--test-size", "32"]
                                 + TINY)
    assert (status, report) == (0, "")
    assert sorted(os.listdir(out)) == ["history.csv", "model.params", "steps.csv",
                                       "summary.json", "train.png"]
    summary = json.loads((out / "summary.json").read_text())
    assert _distributed_entry(summary)["worker_batch_size"] == 8
    with open(out / "steps.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 8   # rank 0's record of every step
    assert summary["iterations"] == 8  # 128 images / global batch 16: epochs stay epochs
    assert "epoch 1: train loss" in output
