"""Tests of gluon_lr.data.cache and .cachedir: the decoded RecordIO cache, its checks and races."""
import io
import json
import mmap
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import time
import zlib

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import DataLoader
from PIL import Image

from gluon_lr.data import (CACHE_ENV_VAR, ImageArrayDataset, cifar10, continuous_loader,
                           default_cache_dir)
from gluon_lr.data import cache
from gluon_lr.data.cache import RECORD_DTYPE, cache_paths, cached_split, source_key
from gluon_lr.data.cachedir import cache_folder
from gluon_lr.data.readers import RecordDataset
from gluon_lr.data.transforms import image_transform
from gluon_lr.sampler import ContinuousBatchSampler, SeededRandomSampler
from data_files import random_images, write_binaries

ROOT = pathlib.Path(__file__).resolve().parent.parent


def write_recordio(folder, count, seed=0, name="train", size=(32, 32)):
    """A CIFAR-10-like RecordIO of ``count`` JPEGs, labels ``k % 10`` as floats: its .rec."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rec = folder / "{}.rec".format(name)
    writer = mx.recordio.MXIndexedRecordIO(str(rec.with_suffix(".idx")), str(rec), "w")
    for k in range(count):
        buffer = io.BytesIO()
        pixels = rng.integers(0, 256, size=size + (3,), dtype=np.uint8)
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
        writer.write_idx(k, mx.recordio.pack(mx.recordio.IRHeader(0, float(k % 10), k, 0),
                                             buffer.getvalue()))
    writer.close()
    return rec


def decoded(rec):
    """Every record of ``rec`` decoded as the uncached reader does: (images, int32 labels)."""
    reader = RecordDataset(str(rec))
    items = [reader[k] for k in range(len(reader))]
    return (np.stack([image for image, _ in items]),
            np.array([np.int32(label) for _, label in items], dtype=np.int32))


@pytest.fixture
def rec(tmp_path):
    return write_recordio(tmp_path / "data", 24)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def clean_cache_env(monkeypatch):
    monkeypatch.delenv(CACHE_ENV_VAR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)


def files_in(folder):
    return sorted(path.name for path in pathlib.Path(folder).iterdir())


# --- where the cache is ---------------------------------------------------------------------

def test_default_cache_dir_follows_the_variable_then_xdg_then_home(monkeypatch, clean_cache_env):
    assert default_cache_dir() == pathlib.Path.home() / ".cache" / "gluon-lr"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec ignores these
    assert default_cache_dir() == pathlib.Path.home() / ".cache" / "gluon-lr"
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert default_cache_dir() == pathlib.Path("/xdg/gluon-lr")
    monkeypatch.setenv(CACHE_ENV_VAR, "")
    assert default_cache_dir() == pathlib.Path("/xdg/gluon-lr")
    monkeypatch.setenv(CACHE_ENV_VAR, "~/mine")
    assert default_cache_dir() == pathlib.Path.home() / "mine"
    assert cache_folder(None) == pathlib.Path.home() / "mine"
    assert cache_folder(False) is None
    assert cache_folder(pathlib.Path("/a/b")) == cache_folder("/a/b") == pathlib.Path("/a/b")


@pytest.mark.parametrize("value", [True, 0, 1.5, b"/tmp"])
def test_cache_dir_must_be_a_path_none_or_false(rec, value):
    message = ("cache_dir must be a path (str or os.PathLike), None (the default cache) or "
               "False (no cache); got {!r}".format(value))
    with pytest.raises(TypeError, match="^{}$".format(re.escape(message))):
        cifar10(rec.parent, cache_dir=value)


def test_cifar10_caches_in_the_named_folder_only(rec, folder, monkeypatch, clean_cache_env):
    before = files_in(rec.parent)
    monkeypatch.setenv("HOME", str(folder.parent / "home"))  # the default must stay unused
    dataset = cifar10(rec.parent, cache_dir=folder)
    assert type(dataset) is ImageArrayDataset and len(dataset) == 24
    npy, manifest, lock = cache_paths(rec, folder)
    assert files_in(folder) == sorted([npy.name, manifest.name, lock.name])
    assert npy.name.startswith("cifar10-train-") and len(npy.stem) == len("cifar10-train-") + 16
    assert files_in(rec.parent) == before  # never the data folder
    assert not (folder.parent / "home").exists()


def test_cifar10_default_cache_is_the_variable_or_xdg(rec, tmp_path, monkeypatch,
                                                      clean_cache_env):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cifar10(rec.parent)
    assert len(files_in(tmp_path / "xdg" / "gluon-lr")) == 3
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "env"))
    cifar10(rec.parent, cache_dir=None)
    assert len(files_in(tmp_path / "env")) == 3


def test_cache_dir_false_reads_jpegs_and_writes_nothing(rec, tmp_path, monkeypatch,
                                                         clean_cache_env):
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "env"))
    before = files_in(rec.parent)
    dataset = cifar10(rec.parent, cache_dir=False)
    assert type(dataset) is not ImageArrayDataset and len(dataset) == 24
    assert not (tmp_path / "env").exists() and files_in(rec.parent) == before


def test_binary_files_need_no_cache(tmp_path):
    data = write_binaries(tmp_path / "bin", random_images(10, 0), random_images(3, 1))
    dataset = cifar10(data, train=False, cache_dir=tmp_path / "cache")
    assert type(dataset) is ImageArrayDataset and len(dataset) == 3
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_folder_warns_and_reads_uncached(rec, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.warns(RuntimeWarning, match=r"cannot build the CIFAR-10 cache in .*a-file/cache "
                                            r"\(.*\); decoding each JPEG when its item is read "
                                            r"instead\. Name a writable folder with cache_dir= "
                                            r"or GLUON_LR_CACHE_DIR, or pass cache_dir=False"):
        dataset = cifar10(rec.parent, cache_dir=blocker / "cache")
    assert type(dataset) is not ImageArrayDataset
    images, labels = decoded(rec)
    np.testing.assert_array_equal(dataset[5][0], image_transform()(images[5]))
    assert dataset[5][1] == labels[5] == 5


# --- what the cache holds ---------------------------------------------------------------------

def test_build_then_map_the_same_pixels_and_labels(rec, folder):
    images, labels = decoded(rec)
    first = cached_split(rec, folder)
    again = cached_split(rec, folder)
    assert (first.built, again.built) == (True, False)
    for split in (first, again):
        assert split.images.shape == (24, 32, 32, 3) and split.images.dtype == np.uint8
        assert split.labels.dtype == np.int32 and split.labels.tolist() == labels.tolist()
        np.testing.assert_array_equal(split.images, images)
        assert not split.images.flags.writeable and not split.labels.flags.writeable
    assert again.path == cache_paths(rec, folder)[0]
    # the .npy is a plain NumPy file of (label, image) records
    on_disk = np.load(again.path)
    assert on_disk.dtype == RECORD_DTYPE and on_disk.shape == (24,)
    np.testing.assert_array_equal(on_disk["image"], images)
    facts = json.loads(cache_paths(rec, folder)[1].read_text())
    assert facts["layout"] == 1 and facts["key"] == source_key(rec)[0]
    assert facts["array"]["count"] == 24
    assert facts["array"]["bytes"] == again.path.stat().st_size == 128 + 24 * 3076
    assert facts["source"]["rec"] == os.path.realpath(rec)
    assert [name for name in files_in(folder) if name.endswith(".tmp")] == []


def test_later_loads_memory_map_the_file(rec, folder):
    cached_split(rec, folder)
    base = cached_split(rec, folder).images
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)


@pytest.mark.parametrize("augment", [False, True])
def test_cached_items_equal_uncached_items_exactly(rec, folder, augment):
    cached = cifar10(rec.parent, augment=augment, seed=3, cache_dir=folder)
    uncached = cifar10(rec.parent, augment=augment, seed=3, cache_dir=False)
    assert type(cached) is ImageArrayDataset and type(uncached) is not ImageArrayDataset
    for k in list(range(24)) + [7, 7, 0]:
        (image, label), (expected, expected_label) = cached[k], uncached[k]
        assert image.dtype == np.float32 and image.shape == (3, 32, 32)
        assert np.array_equal(image.view(np.uint32), expected.view(np.uint32))  # bit for bit
        assert type(label) is type(expected_label) is np.int32 and label == expected_label


def test_a_record_of_another_shape_is_refused(tmp_path, folder):
    rec = write_recordio(tmp_path / "data", 3, size=(16, 24))
    with pytest.raises(ValueError, match=r"cannot cache .*train\.rec: record 0 decodes to an "
                                         r"image of shape \(16, 24, 3\) with label 0\.0, not a "
                                         r"\(32, 32, 3\) image with one label; pass "
                                         r"cache_dir=False to read it uncached"):
        cifar10(rec.parent, cache_dir=folder)
    assert [name for name in files_in(folder) if name.endswith(".tmp")] == []
    assert len(cifar10(rec.parent, cache_dir=False)) == 3


# --- stale and damaged caches -----------------------------------------------------------------

def test_the_key_changes_with_every_input(rec, monkeypatch):
    key = source_key(rec)[0]
    assert source_key(rec)[0] == key
    stat = rec.stat()
    os.utime(rec, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert source_key(rec)[0] != key
    os.utime(rec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert source_key(rec)[0] == key
    data = bytearray(rec.read_bytes())  # one byte of the last record, mtime kept
    data[-10] ^= 1
    rec.write_bytes(bytes(data))
    os.utime(rec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert source_key(rec)[0] != key
    data[-10] ^= 1
    rec.write_bytes(bytes(data))
    os.utime(rec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert source_key(rec)[0] == key
    idx = rec.with_suffix(".idx")
    idx_stat, idx_text = idx.stat(), idx.read_text()
    idx.write_text(idx_text.replace("\t", " \t", 1)[:len(idx_text)])
    os.utime(idx, ns=(idx_stat.st_atime_ns, idx_stat.st_mtime_ns))
    assert source_key(rec)[0] != key
    idx.write_text(idx_text)
    os.utime(idx, ns=(idx_stat.st_atime_ns, idx_stat.st_mtime_ns))
    assert source_key(rec)[0] == key
    monkeypatch.setattr(cache.PIL, "__version__", "0.0")  # another decoder
    assert source_key(rec)[0] != key


def test_one_slot_per_real_path(rec, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(rec.parent, target_is_directory=True)
    assert cache_paths(link / "train.rec", "/c") == cache_paths(rec, "/c")
    assert cache_paths(rec.parent / "test.rec", "/c")[0] != cache_paths(rec, "/c")[0]


def test_a_stale_cache_is_rebuilt_silently(rec, folder, recwarn):
    cached_split(rec, folder)
    write_recordio(rec.parent, 30, seed=9)  # the source changes: other images, 30 of them
    images, labels = decoded(rec)
    split = cached_split(rec, folder)
    assert split.built and len(split.images) == 30
    np.testing.assert_array_equal(split.images, images)
    assert len(files_in(folder)) == 3  # rebuilt in its slot
    assert [str(w.message) for w in recwarn] == []


def truncate(npy, manifest):
    npy.write_bytes(npy.read_bytes()[:5000])


def garbage_of_the_same_size(npy, manifest):
    npy.write_bytes(np.random.default_rng(0).bytes(npy.stat().st_size))


def one_byte_flipped(npy, manifest):
    data = bytearray(npy.read_bytes())
    data[len(data) // 2] ^= 0x10
    npy.write_bytes(bytes(data))


def empty_array(npy, manifest):
    npy.write_bytes(b"")


def another_header(npy, manifest):
    # a valid .npy of the same size and a matching manifest, but not the records
    facts = json.loads(manifest.read_text())
    np.save(npy, np.zeros(facts["array"]["bytes"] - 128, np.uint8))
    assert npy.stat().st_size == facts["array"]["bytes"]
    facts["array"]["crc32"] = zlib.crc32(npy.read_bytes())
    manifest.write_text(json.dumps(facts))


def manifest_not_json(npy, manifest):
    manifest.write_bytes(b"\x00{not json")


def manifest_wrong_crc(npy, manifest):
    facts = json.loads(manifest.read_text())
    facts["array"]["crc32"] += 1
    manifest.write_text(json.dumps(facts))


def manifest_a_list(npy, manifest):
    manifest.write_text("[1, 2]")


def manifest_without_array(npy, manifest):
    facts = json.loads(manifest.read_text())
    del facts["array"]
    manifest.write_text(json.dumps(facts))


@pytest.mark.parametrize("damage", [truncate, garbage_of_the_same_size, one_byte_flipped,
                                    empty_array, another_header, manifest_not_json,
                                    manifest_wrong_crc, manifest_a_list,
                                    manifest_without_array])
def test_a_damaged_cache_is_detected_and_rebuilt(rec, folder, damage):
    images, labels = decoded(rec)
    cached_split(rec, folder)
    npy, manifest, _ = cache_paths(rec, folder)
    damage(npy, manifest)
    assert cache.load(npy, manifest, source_key(rec)[0])[0] is None
    with pytest.warns(RuntimeWarning, match=r"the CIFAR-10 cache .*\.npy is damaged \(.*\); "
                                            r"rebuilding it"):
        split = cached_split(rec, folder)
    assert split.built
    np.testing.assert_array_equal(split.images, images)
    assert split.labels.tolist() == labels.tolist()
    assert cached_split(rec, folder).built is False


def test_a_cache_of_another_layout_is_stale(rec, folder, recwarn):
    cached_split(rec, folder)
    manifest = cache_paths(rec, folder)[1]
    facts = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(dict(facts, layout=2)))
    assert cache.load(cache_paths(rec, folder)[0], manifest, facts["key"]) == \
        (None, "stale (made from other files, or by another decoder or layout)")
    assert cached_split(rec, folder).built
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.parametrize("missing", [0, 1])
def test_a_missing_file_is_rebuilt_silently(rec, folder, missing, recwarn):
    cached_split(rec, folder)
    cache_paths(rec, folder)[missing].unlink()
    assert cached_split(rec, folder).built
    assert [str(w.message) for w in recwarn] == []


def test_a_valid_cache_is_read_without_writing(rec, folder, monkeypatch):
    cached_split(rec, folder)
    lock = cache_paths(rec, folder)[2]
    lock.unlink()

    def no_build(*args):
        raise AssertionError("rebuilt a valid cache")

    monkeypatch.setattr(cache, "build", no_build)
    assert cached_split(rec, folder).built is False
    assert not lock.exists()  # a valid cache needs neither the lock nor a writable folder


# --- two processes at once --------------------------------------------------------------------

BUILDER = textwrap.dedent("""
    import os, sys, time, zlib
    sys.path.insert(0, {root!r})
    from gluon_lr.data import cache
    rec, folder, go = sys.argv[1:4]
    if {no_locks}:  # no locks, and both processes inside build() at once
        cache.fcntl = None
        build = cache.build

        def build_together(*args):
            open(os.path.join(os.path.dirname(go), "building-%d" % os.getpid()), "w").close()
            deadline = time.monotonic() + 60
            while sum(name.startswith("building-")
                      for name in os.listdir(os.path.dirname(go))) < 2:
                assert time.monotonic() < deadline, "the other process never started building"
                time.sleep(0.001)
            return build(*args)

        cache.build = build_together
    open(os.path.join(os.path.dirname(go), "ready-%d" % os.getpid()), "w").close()
    while not os.path.exists(go):  # start together
        time.sleep(0.001)
    split = cache.cached_split(rec, folder)
    print(split.built, zlib.crc32(split.images.tobytes()), zlib.crc32(split.labels.tobytes()))
""")


def build_in_two_processes(rec, folder, tmp_path, no_locks):
    """Run BUILDER in two processes started together; return their printed words."""
    script = tmp_path / "builder.py"
    script.write_text(BUILDER.format(root=str(ROOT), no_locks=no_locks))
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, str(script), str(rec), str(folder), str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while sum(path.name.startswith("ready-") for path in tmp_path.iterdir()) < 2:
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
            time.sleep(0.01)
        go.write_bytes(b"")
        outputs = [process.communicate(timeout=120) for process in processes]  # hard timeout
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert [process.returncode for process in processes] == [0, 0], outputs
    return [out.split() for out, _ in outputs]


@pytest.mark.parametrize("no_locks", [False, True], ids=["locked", "no-locks"])
def test_two_processes_building_at_once(tmp_path, no_locks):
    rec = write_recordio(tmp_path / "data", 1000)
    folder = tmp_path / "cache"
    images, labels = decoded(rec)
    results = build_in_two_processes(rec, folder, tmp_path, no_locks)
    expected = [str(zlib.crc32(images.tobytes())), str(zlib.crc32(labels.tobytes()))]
    assert [result[1:] for result in results] == [expected, expected]
    # locked, the second waits and then loads; unlocked, both decode and rename in turn
    assert sorted(result[0] for result in results) == \
        (["True", "True"] if no_locks else ["False", "True"])
    split = cached_split(rec, folder)
    assert split.built is False
    np.testing.assert_array_equal(split.images, images)
    assert split.labels.tolist() == labels.tolist()
    npy, manifest, lock = cache_paths(rec, folder)
    assert files_in(folder) == sorted([npy.name, manifest.name] + ([] if no_locks else
                                                                   [lock.name]))


# --- through the loader ------------------------------------------------------------------------

def test_loader_batches_equal_the_uncached_ones(rec, folder):
    cached = cifar10(rec.parent, augment=True, seed=4, cache_dir=folder)
    uncached = cifar10(rec.parent, augment=True, seed=4, cache_dir=False)
    ours = iter(continuous_loader(cached, 10, seed=2, num_workers=0))
    theirs = iter(DataLoader(uncached, batch_sampler=ContinuousBatchSampler(
        SeededRandomSampler(24, 2), 10)))
    for _ in range(6):
        (x, y), (x_expected, y_expected) = next(ours), next(theirs)
        assert x.dtype == x_expected.dtype and y.dtype == y_expected.dtype
        assert np.array_equal(x.asnumpy().view(np.uint32), x_expected.asnumpy().view(np.uint32))
        assert y.asnumpy().tolist() == y_expected.asnumpy().tolist()


def test_a_killed_build_leaves_a_file_the_next_build_deletes(rec, folder):
    cached_split(rec, folder)
    npy, manifest, _ = cache_paths(rec, folder)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = int(finished.stdout)  # a process id no process has now
    orphans = [folder / ".{}.{}.0a1b2c3d.tmp".format(npy.name, dead),
               folder / ".{}.{}.0a1b2c3d.tmp".format(manifest.name, dead)]
    in_progress = folder / ".{}.{}.0a1b2c3d.tmp".format(npy.name, os.getpid())
    for path in orphans + [in_progress]:
        path.write_bytes(b"partial")
    cached_split(rec, folder)  # valid: nothing is built, nothing deleted
    assert all(path.exists() for path in orphans + [in_progress])
    npy.unlink()
    assert cached_split(rec, folder).built
    assert not any(path.exists() for path in orphans) and in_progress.exists()
