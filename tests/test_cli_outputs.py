"""What the commands write: one finder for find and train, the output folder as the run's,
train's per-step record, and the user's own model and data through module:attr factories."""
import csv
import json
import os
import sys
import textwrap
import warnings

import mxnet as mx
import pytest

from gluon_lr.cli import main

TINY = ["--batch-size", "16", "--train-size", "128", "--num-workers", "0", "--no-progress",
        "--device", "cpu", "--model", "small_cnn"]


def run_cli(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_lines(err):
    return [line for line in err.splitlines() if "StorageManager" not in line]


def test_train_suggests_what_find_suggests_from_the_same_curve(cifar10_dir, tmp_path, capsys):
    data = ["--data-dir", str(cifar10_dir), "--num-points", "30"] + TINY
    code, _, _ = run_cli(["find", "--out", str(tmp_path / "find")] + data, capsys)
    assert code == 0
    code, stdout, _ = run_cli(["train", "--out", str(tmp_path / "train"), "--test-size", "16"]
                              + data, capsys)
    assert code == 0
    found = json.loads((tmp_path / "find" / "summary.json").read_text())
    trained = json.loads((tmp_path / "train" / "summary.json").read_text())
    assert found["suggested_lr"] is not None
    assert trained["max_lr"] == trained["finder"]["suggested_lr"] == found["suggested_lr"]
    assert (found["momentum"], found["wd"]) == (trained["momentum"], trained["wd"]) == (0.9, 5e-4)
    assert (tmp_path / "find" / "finder.csv").read_bytes() == \
        (tmp_path / "train" / "finder.csv").read_bytes()
    assert "max-lr {:.4g} from finder".format(found["suggested_lr"]) in stdout


def test_a_plain_find_removes_an_earlier_confirm_s_files_and_keeps_the_user_s(
        cifar10_dir, tmp_path, capsys):
    out = tmp_path / "find"
    base = ["find", "--data-dir", str(cifar10_dir), "--out", str(out), "--num-points", "30"] \
        + TINY
    with warnings.catch_warnings():  # a short sweep's rules may warn: not what is tested here
        warnings.simplefilter("ignore", RuntimeWarning)
        assert run_cli(base + ["--confirm", "--confirm-budget", "30"], capsys)[0] == 0
    assert {"confirm.csv", "confirm.png"} <= set(os.listdir(out))
    (out / "notes.txt").write_text("mine")
    assert run_cli(base, capsys)[0] == 0
    assert sorted(os.listdir(out)) == ["finder.csv", "finder.png", "notes.txt", "summary.json"]
    assert "confirmed_lr" not in json.loads((out / "summary.json").read_text())


def test_a_usage_error_leaves_an_earlier_run_s_files(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    code, _, err = run_cli(["find", "--data-dir", str(tmp_path / "none"), "--out", str(out)],
                           capsys)
    assert code == 2 and "CIFAR-10 not found" in err
    assert os.listdir(out) == ["summary.json"]


def test_schedule_prints_a_sentence_and_replaces_a_train_run_s_files(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    for name in ("history.csv", "steps.csv", "train.png"):
        (out / name).write_text("old")
    code, stdout, _ = run_cli(["schedule", "--max-lr", "0.1", "--iterations", "100", "--out",
                               str(out)], capsys)
    assert code == 0
    assert sorted(os.listdir(out)) == ["schedule.csv", "schedule.png", "summary.json"]
    assert stdout.splitlines()[0] == (
        "schedule onecycle: lr 0.004 at iteration 1, peak 0.1 at iteration 30, 4e-07 at "
        "iteration 100, momentum 0.85 .. 0.95; files in {}".format(out))


@pytest.mark.parametrize("argv, message", [
    (["--device", "gpu"], "--device gpu asks for GPU 0 but MXNet sees 0 GPU(s) (that needs a "
                          "CUDA build of MXNet and a GPU); use --device cpu or --device auto"),
    (["--out", "/proc/gluon-lr-run"], "--out /proc/gluon-lr-run: cannot make it this run's "
                                      "folder (No such file or directory)"),
    (["--train-size", "100", "--batch-size", "128"],
     "--batch-size 128 is larger than the 100 training images (--train-size): every batch "
     "would hold some images twice; use --batch-size 100 or less"),
])
def test_command_line_errors_name_the_option(argv, message, cifar10_dir, tmp_path, capsys):
    if "gpu" in argv and mx.device.num_gpus():
        pytest.skip("this machine has a GPU")
    full = ["find", "--data-dir", str(cifar10_dir), "--num-workers", "0", "--no-progress",
            "--model", "small_cnn", "--out", str(tmp_path / "run")]
    code, stdout, err = run_cli(full + argv, capsys)
    assert code == 2
    assert error_lines(err) == ["gluon-lr find: error: " + message]
    assert stdout == ""   # nothing trained


@pytest.mark.parametrize("content, message", [
    (None, "--finder-summary {path}: no such file"),
    ('{"suggested_lr": null}', "--finder-summary {path} holds no suggested_lr or confirmed_lr "
                               "(the finder run it records suggested none); pass --max-lr"),
])
def test_train_names_the_finder_summary_option(content, message, tmp_path, capsys):
    path = tmp_path / "summary.json"
    if content is not None:
        path.write_text(content)
    code, _, err = run_cli(["train", "--data-dir", str(tmp_path / "no-data"), "--out",
                            str(tmp_path / "run"), "--finder-summary", str(path)], capsys)
    assert code == 2
    assert error_lines(err) == ["gluon-lr train: error: " + message.format(path=path)]


USER_MODULE = '''
import mxnet as mx
import numpy as np
from mxnet.gluon.data import ArrayDataset


def make_net():
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(16, activation="relu"), mx.gluon.nn.Dense(3))
    return net


def make_dataset():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("float32") + (x[:, 1] > 0.5).astype("float32")
    return ArrayDataset(x[:64], y[:64]), ArrayDataset(x[64:], y[64:])


not_callable = 42


def not_a_block():
    return "a network"


def one_dataset():
    return make_dataset()[0]


def numpy_pair():
    return np.zeros((4, 5)), np.zeros(4)
'''

OWN = ["--batch-size", "16", "--num-workers", "0", "--no-progress", "--device", "cpu"]


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module of the user's own factories, importable as ``usermodels``."""
    (tmp_path / "usermodels.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "usermodels", raising=False)
    yield "usermodels"
    sys.modules.pop("usermodels", None)


def test_find_runs_on_the_user_s_own_model_and_data(user_module, tmp_path, capsys):
    out = tmp_path / "find"
    code, stdout, err = run_cli(["find", "--model", user_module + ":make_net", "--dataset",
                                 user_module + ":make_dataset", "--num-points", "20",
                                 "--out", str(out)] + OWN, capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["model"], summary["dataset"]) == ("usermodels:make_net",
                                                      "usermodels:make_dataset")
    with open(out / "finder.csv") as handle:
        assert len(list(csv.DictReader(handle))) == summary["iterations"] == 20
    assert "suggested learning rate (lowest)" in stdout


def test_train_and_compare_run_on_the_user_s_own_model_and_data(user_module, tmp_path, capsys):
    own = ["--model", user_module + ":make_net", "--dataset", user_module + ":make_dataset"]
    code, _, err = run_cli(["train", "--max-lr", "0.1", "--epochs", "2", "--out",
                            str(tmp_path / "train")] + own + OWN, capsys)
    assert code == 0, err
    with open(tmp_path / "train" / "steps.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 8   # 2 epochs of 64 / 16 batches
    code, _, err = run_cli(["compare", "--iterations", "3", "--lrs", "0.1", "--out",
                            str(tmp_path / "compare")] + own + OWN, capsys)
    assert code == 0, err


def test_the_current_folder_is_on_the_import_path(tmp_path, monkeypatch, capsys):
    (tmp_path / "cwdmodels.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    monkeypatch.delitem(sys.modules, "cwdmodels", raising=False)
    code, _, err = run_cli(["find", "--model", "cwdmodels:make_net", "--dataset",
                            "cwdmodels:make_dataset", "--num-points", "20", "--out",
                            str(tmp_path / "find")] + OWN, capsys)
    sys.modules.pop("cwdmodels", None)
    assert code == 0, err


@pytest.mark.parametrize("option, spec, message", [
    ("--model", "nosuchmodule:make_net",
     "--model 'nosuchmodule:make_net': cannot import nosuchmodule (ModuleNotFoundError: No "
     "module named 'nosuchmodule')"),
    ("--model", "usermodels:missing", "--model 'usermodels:missing': usermodels has no "
                                      "attribute 'missing'"),
    ("--model", "usermodels:not_callable", "--model 'usermodels:not_callable' must name a "
                                           "callable (a factory), got the int 42"),
    ("--model", "usermodels", "unknown model 'usermodels'"),
    ("--model", "usermodels:not_a_block", "--model 'usermodels:not_a_block' must return an "
                                          "mx.gluon.Block, got 'str'"),
    ("--dataset", "usermodels:one_dataset", "--dataset 'usermodels:one_dataset' must return "
                                            "(train, test), two mx.gluon.data.Dataset; got "
                                            "'ArrayDataset'"),
    ("--dataset", "usermodels:numpy_pair", "--dataset 'usermodels:numpy_pair' must return "
                                           "(train, test), two mx.gluon.data.Dataset (e.g. "
                                           "ArrayDataset(X, y)); its train set is a ndarray"),
    ("--dataset", "usermodels:", "--dataset must be 'module:attr' (e.g. "
                                 "'mypkg.models:make_net'), got 'usermodels:'"),
])
def test_a_bad_factory_is_one_line_before_any_training(option, spec, message, user_module,
                                                       tmp_path, capsys):
    own = {"--model": user_module + ":make_net", "--dataset": user_module + ":make_dataset"}
    own[option] = spec
    code, stdout, err = run_cli(["find", "--model", own["--model"], "--dataset",
                                 own["--dataset"], "--out", str(tmp_path / "run")] + OWN,
                                capsys)
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("gluon-lr find: error: "), err
    assert message in lines[0]
    assert stdout == "" and not (tmp_path / "run").exists()


def test_cifar10_options_are_refused_with_the_user_s_dataset(user_module, tmp_path, capsys):
    code, _, err = run_cli(["train", "--dataset", user_module + ":make_dataset", "--model",
                            user_module + ":make_net", "--augment", "--out",
                            str(tmp_path / "run")] + OWN, capsys)
    assert code == 2
    assert error_lines(err) == ["gluon-lr train: error: --augment cannot be used with dataset "
                                "'usermodels:make_dataset' (CIFAR-10 only)"]


@pytest.mark.parametrize("command", ["find", "compare", "train", "schedule"])
def test_help_says_an_earlier_run_s_files_are_removed(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "the files an earlier gluon-lr run wrote there (summary.json, finder.csv, " \
           "finder.png ...) are removed once this run's options and data check out, before it " \
           "trains; other files are left alone" \
           in text
