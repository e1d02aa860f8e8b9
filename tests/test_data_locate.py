"""Tests of gluon_lr.data.locate: which folder, which files, and the hint when there are none."""
import pathlib
import re

import pytest

from gluon_lr.data import locate
from gluon_lr.data.locate import ENV_VAR, DataNotFoundError, find_split, given_folder, not_found
from data_files import random_images, write_binaries


def test_given_folder_prefers_data_dir_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert given_folder(tmp_path / "arg") == ("data_dir", tmp_path / "arg")
    assert given_folder(None) == (ENV_VAR, tmp_path / "env")
    monkeypatch.setenv(ENV_VAR, "")
    assert given_folder(None) is None
    monkeypatch.delenv(ENV_VAR)
    assert given_folder(None) is None
    assert given_folder("~/x") == ("data_dir", pathlib.Path.home() / "x")


@pytest.mark.parametrize("data_dir", [5, b"dir", ["dir"]])
def test_given_folder_rejects_non_paths(data_dir):
    expected = "data_dir must be a path (str or os.PathLike) or None; got {!r}".format(data_dir)
    with pytest.raises(TypeError, match=re.escape(expected)):
        given_folder(data_dir)


def test_find_split_prefers_binary_files_then_the_subfolder_then_recordio(tmp_path):
    assert find_split(tmp_path, train=True) is None and find_split(tmp_path, False) is None
    for name in ("train.rec", "train.idx"):
        (tmp_path / name).write_bytes(b"")
    assert find_split(tmp_path, True) == ("recordio", (tmp_path / "train.rec",))
    assert find_split(tmp_path, False) is None
    sub = write_binaries(tmp_path / "cifar-10-batches-bin", random_images(10, 0),
                         random_images(3, 1))
    assert find_split(tmp_path, True) == (
        "binary", tuple(sub / "data_batch_{}.bin".format(i) for i in range(1, 6)))
    assert find_split(tmp_path, False) == ("binary", (sub / "test_batch.bin",))
    write_binaries(tmp_path, random_images(10, 0), random_images(3, 1))
    assert find_split(tmp_path, False) == ("binary", (tmp_path / "test_batch.bin",))
    (tmp_path / "data_batch_3.bin").unlink()  # a missing batch: the subfolder's set is used
    assert find_split(tmp_path, True).paths[2] == sub / "data_batch_3.bin"


def test_download_root_is_the_checkout_data_folder():
    checkout = pathlib.Path(__file__).resolve().parent.parent
    assert locate.download_root() == checkout / "data" / "cifar10"


def test_not_found_is_a_one_line_file_not_found_error():
    error = not_found("no network")
    assert isinstance(error, DataNotFoundError) and isinstance(error, FileNotFoundError)
    assert str(error) == (
        "CIFAR-10 not found: no network. Point at local files with --data-dir DIR or "
        "GLUON_LR_CIFAR10_DIR=DIR, where DIR holds data_batch_1.bin ... data_batch_5.bin and "
        "test_batch.bin (or cifar-10-batches-bin/ with them) or train.rec/train.idx and "
        "test.rec/test.idx")
