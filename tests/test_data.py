"""Tests of gluon_lr.data's public CIFAR-10 API: both file formats, the search order, errors."""
import io
import os
import socket
import tarfile

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import DataLoader

import gluon_lr
from gluon_lr import data
from gluon_lr.data import (ENV_VAR, DataNotFoundError, cifar10, cifar10_splits,
                           continuous_loader, decode_jpeg, locate, subset)
from gluon_lr.data.cache import cached_split
from gluon_lr.sampler import ContinuousBatchSampler, SeededRandomSampler
from conftest import SHARED_CIFAR10
from data_files import (TEST_LABELS, TRAIN_LABELS, normalised, random_images, records,
                        write_binaries)

#: Set to 1 to check every record of the shared RecordIO against its cache (about a minute).
FULL_CHECK = "GLUON_LR_FULL_DATA_CHECK"


@pytest.fixture
def images():
    return random_images(10, seed=0), random_images(3, seed=1)


@pytest.fixture
def binary_dir(tmp_path, images):
    return write_binaries(tmp_path / "cifar", *images)


@pytest.fixture
def no_download(monkeypatch):
    """Make every MXNet download fail loudly and record its calls."""
    calls = []

    def forbidden(url, *args, **kwargs):
        calls.append(url)
        raise AssertionError("download attempted: {}".format(url))

    monkeypatch.setattr(mx.gluon.data.vision.datasets, "download", forbidden)
    monkeypatch.setattr(mx.gluon.utils, "download", forbidden)
    return calls


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def assert_one_line_hint(err):
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("CIFAR-10 not found: ")
    assert "--data-dir" in message and ENV_VAR in message
    assert isinstance(err.value, FileNotFoundError)


def test_public_names_stay_importable():
    assert data.__all__ == [
        "DataNotFoundError", "ENV_VAR", "MEAN", "STD", "cifar10", "cifar10_splits",
        "decode_jpeg", "download_root", "image_transform", "subset",
        "continuous_loader", "finite_loader", "WatchedDataLoader", "WorkerDiedError",
        "CACHE_ENV_VAR", "default_cache_dir", "ImageArrayDataset", "NumpyStack", "to_mxnet"]
    assert all(hasattr(data, name) for name in data.__all__)
    assert (data.MEAN, data.STD) == ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
    assert ENV_VAR == "GLUON_LR_CIFAR10_DIR" and data.CACHE_ENV_VAR == "GLUON_LR_CACHE_DIR"
    assert (gluon_lr.DataNotFoundError, gluon_lr.cifar10, gluon_lr.cifar10_splits,
            gluon_lr.subset) == (DataNotFoundError, cifar10, cifar10_splits, subset)


# --- official binary files ------------------------------------------------------------------

def test_binary_items_are_normalised_exactly(binary_dir, images, no_download):
    train, test = cifar10_splits(binary_dir)
    assert (len(train), len(test)) == (10, 3)
    for dataset, imgs, labels in ((train, images[0], TRAIN_LABELS),
                                  (test, images[1], TEST_LABELS)):
        for k, label in enumerate(labels):
            image, got_label = dataset[k]
            assert type(image) is np.ndarray  # no MXNet operator per item
            assert image.shape == (3, 32, 32) and image.dtype == np.float32
            np.testing.assert_array_equal(image, normalised(imgs[k]))
            assert type(got_label) is np.int32 and got_label == label
    assert no_download == []


def test_binary_pixel_layout(tmp_path, no_download):
    # Red plane 255 at row 0 col 1 only: the first 1024 bytes are R, row-major.
    image = np.zeros((3, 32, 32), dtype=np.uint8)
    image[0, 0, 1] = 255
    image[2, 31, 0] = 51
    folder = write_binaries(tmp_path, random_images(10, 2), np.stack([image] * 3))
    got = cifar10(folder, train=False)[0][0]
    assert got[0, 0, 1] == pytest.approx((1 - 0.4914) / 0.2023, abs=1e-5)
    assert got[2, 31, 0] == pytest.approx((0.2 - 0.4465) / 0.2010, abs=1e-5)
    assert got[1, 0, 1] == pytest.approx(-0.4822 / 0.1994, abs=1e-5)


def test_binary_files_in_official_subfolder(tmp_path, images, no_download):
    write_binaries(tmp_path / "cifar-10-batches-bin", *images)
    assert [int(cifar10(tmp_path, train=False)[k][1]) for k in range(3)] == TEST_LABELS


def test_batches_have_int32_labels(binary_dir):
    x, y = next(iter(DataLoader(cifar10(binary_dir), batch_size=4)))
    assert x.shape == (4, 3, 32, 32) and x.dtype == np.float32
    assert y.dtype == np.int32 and y.tolist() == TRAIN_LABELS[:4]


# --- augmentation through cifar10() (the transform itself: test_data_transforms.py) ------------

def test_augment_crops_and_flips(tmp_path):
    # Left half white, right half black: a flip moves the white half to the right.
    image = np.zeros((3, 32, 32), dtype=np.uint8)
    image[:, :, :16] = 255
    folder = write_binaries(tmp_path, np.stack([image] * 10), random_images(3, 3))
    dataset = cifar10(folder, augment=True, seed=7)
    white = normalised(np.full((3, 1, 1), 255, np.uint8))
    black = normalised(np.zeros((3, 1, 1), np.uint8))
    sides = set()
    for _ in range(30):
        out = dataset[0][0]
        is_white = np.isclose(out, white, atol=1e-5)
        assert (is_white | np.isclose(out, black, atol=1e-5)).all()
        # Row 15 always comes from the image (shifts are at most 4 pixels), and a
        # horizontal shift leaves 12..16 contiguous white columns in it.
        columns = np.flatnonzero(is_white[:, 15].all(axis=0))
        assert 12 <= len(columns) <= 16 and columns[-1] - columns[0] == len(columns) - 1
        sides.add("left" if columns[0] == 0 else "right" if columns[-1] == 31 else "inside")
    assert {"left", "right"} <= sides


def test_no_augment_is_deterministic(binary_dir):
    dataset = cifar10(binary_dir, augment=False)
    assert (dataset[4][0] == dataset[4][0]).all()


# --- where the data comes from, and errors ---------------------------------------------------

def test_missing_dir_fails_without_download(tmp_path, no_download, clean_env):
    with pytest.raises(DataNotFoundError, match="is not a directory") as err:
        cifar10(tmp_path / "nowhere")
    assert_one_line_hint(err)
    assert no_download == []


def test_dir_without_data_fails_without_download(tmp_path, no_download):
    with pytest.raises(DataNotFoundError, match="holds no train split") as err:
        cifar10(tmp_path)
    assert_one_line_hint(err)
    (tmp_path / "test_batch.bin").write_bytes(records([1], random_images(1, 4)))
    (tmp_path / "train.rec").write_bytes(b"")  # no train.idx: not RecordIO
    with pytest.raises(DataNotFoundError, match="holds no train split"):
        cifar10(tmp_path)
    assert len(cifar10(tmp_path, train=False)) == 1
    assert no_download == []


def test_env_variable(binary_dir, tmp_path, monkeypatch, no_download):
    monkeypatch.setenv(ENV_VAR, str(binary_dir))
    assert [int(cifar10(train=False)[k][1]) for k in range(3)] == TEST_LABELS
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone"))
    with pytest.raises(DataNotFoundError, match=ENV_VAR + " .*gone is not a directory"):
        cifar10()
    assert len(cifar10(binary_dir)) == 10  # an explicit data_dir wins
    assert no_download == []


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_failed_download_raises_hint(tmp_path, monkeypatch, clean_env):
    monkeypatch.setattr(locate, "download_root", lambda: tmp_path / "dl")
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:{}/".format(closed_port()))
    with pytest.raises(DataNotFoundError, match="downloading into .*dl failed") as err:
        cifar10()
    assert_one_line_hint(err)
    assert not (tmp_path / "dl").exists()


def fake_downloads(monkeypatch, archive):
    """Serve ``archive`` (bytes of a .tar.gz) to MXNet's CIFAR10 download; return its calls."""
    calls = []

    def fake_download(url, path=None, sha1_hash=None, **kwargs):
        calls.append((url, path))
        target = "{}/cifar-10-binary.tar.gz".format(path)
        with open(target, "wb") as out:
            out.write(archive)
        return target

    monkeypatch.setattr(mx.gluon.data.vision.datasets, "download", fake_download)
    return calls


def test_download_uses_mxnet_and_is_then_read_locally(tmp_path, monkeypatch, images, clean_env):
    root = tmp_path / "dl"
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(write_binaries(tmp_path / "src", *images), arcname=".")
    calls = fake_downloads(monkeypatch, archive.getvalue())
    monkeypatch.setattr(locate, "download_root", lambda: root)
    with socket.socket() as server:  # a reachable "server" for the connection check
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        repo = "http://127.0.0.1:{}/".format(server.getsockname()[1])
        monkeypatch.setenv("MXNET_GLUON_REPO", repo)
        assert [int(cifar10(train=False)[k][1]) for k in range(3)] == TEST_LABELS
    assert calls == [(repo + "gluon/dataset/cifar10/cifar-10-binary.tar.gz", str(root))]
    assert [int(cifar10(train=True)[k][1]) for k in range(10)] == TRAIN_LABELS
    assert len(calls) == 1  # files already in the download root are not fetched again


def test_download_without_the_split_raises_hint(tmp_path, monkeypatch, images, clean_env):
    # An archive with only the test batch: MXNet's download accepts it (it checks the
    # test file), but the training split is still missing afterwards.
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(write_binaries(tmp_path / "src", *images) / "test_batch.bin",
                arcname="test_batch.bin")
    fake_downloads(monkeypatch, archive.getvalue())
    monkeypatch.setattr(locate, "download_root", lambda: tmp_path / "dl")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:{}/".format(
            server.getsockname()[1]))
        with pytest.raises(DataNotFoundError, match="the download into .*dl holds no train "
                                                    "split") as err:
            cifar10(train=True)
    assert_one_line_hint(err)


@pytest.mark.parametrize("kwargs, name", [
    ({"data_dir": 5}, "data_dir"), ({"train": "yes"}, "train"), ({"augment": 1}, "augment")])
def test_bad_arguments(kwargs, name, binary_dir):
    kwargs.setdefault("data_dir", binary_dir)
    with pytest.raises(TypeError, match=name):
        cifar10(**kwargs)


# --- the shared RecordIO copy ----------------------------------------------------------------

def test_recordio_lengths_types_and_sorted_labels(cifar10_dir, no_download):
    train, test = cifar10_splits(cifar10_dir)
    assert (len(train), len(test)) == (50000, 10000)
    for dataset, last in ((train, 49999), (test, 9999)):
        image, label = dataset[0]
        assert image.shape == (3, 32, 32) and image.dtype == np.float32
        assert type(label) is np.int32 and label == 0
        assert dataset[last][1] == 9


def test_recordio_item_normalised_by_hand(cifar10_dir):
    index = 1234
    reader = mx.recordio.MXIndexedRecordIO(
        str(cifar10_dir / "test.idx"), str(cifar10_dir / "test.rec"), "r")
    header, jpeg = mx.recordio.unpack(reader.read_idx(reader.keys[index]))
    reader.close()
    hwc = mx.image.imdecode(jpeg).asnumpy()
    assert hwc.shape == (32, 32, 3) and hwc.dtype == np.uint8
    image, label = cifar10(cifar10_dir, train=False)[index]
    np.testing.assert_array_equal(image, normalised(hwc.transpose(2, 0, 1)))
    assert label == int(header.label) == 1  # 1000 images per class, sorted


@pytest.mark.parametrize("cache_dir", [None, False], ids=["cached", "uncached"])
def test_recordio_decodes_like_mxnet_on_a_sample(cifar10_dir, cache_dir):
    # All 60,000 records were checked once; this re-checks a seeded sample of 300.
    reader = mx.recordio.MXIndexedRecordIO(
        str(cifar10_dir / "train.idx"), str(cifar10_dir / "train.rec"), "r")
    train = cifar10(cifar10_dir, cache_dir=cache_dir)
    for index in np.random.default_rng(0).choice(50000, 300, replace=False).tolist():
        header, jpeg = mx.recordio.unpack(reader.read_idx(reader.keys[index]))
        hwc = mx.image.imdecode(jpeg).asnumpy()
        image, label = train[index]
        np.testing.assert_array_equal(image, normalised(hwc.transpose(2, 0, 1)))
        assert label == int(header.label)
    reader.close()


def test_recordio_thread_pool_reads_the_right_records(cifar10_dir):
    # Each thread reads whole batches, so small batches make two threads read at once.
    test = subset(cifar10(cifar10_dir, train=False, cache_dir=False), 256, seed=0)
    serial = list(DataLoader(test, batch_size=8))
    threaded = list(DataLoader(test, batch_size=8, num_workers=2, thread_pool=True))
    assert len(threaded) == len(serial) == 32
    for (x, y), (x_threaded, y_threaded) in zip(serial, threaded):
        assert (x == x_threaded).all() and (y == y_threaded).all()


# --- the decoded cache of the shared copy -----------------------------------------------------

@pytest.fixture(scope="module")
def test_split_cache(tmp_path_factory):
    """A cache folder of this module's own, holding the test split (a build of about 2 s)."""
    if not (SHARED_CIFAR10 / "test.rec").is_file():
        pytest.skip("CIFAR-10 RecordIO not found at {}".format(SHARED_CIFAR10))
    folder = tmp_path_factory.mktemp("cache")
    assert cached_split(SHARED_CIFAR10 / "test.rec", folder).built
    return folder


def recordio_items(rec):
    """(jpeg bytes, int32 label) of every record of ``rec``, in .idx order."""
    reader = mx.recordio.MXIndexedRecordIO(str(rec.with_suffix(".idx")), str(rec), "r")
    try:
        return [(jpeg, np.int32(header.label)) for header, jpeg in
                (mx.recordio.unpack(reader.read_idx(key)) for key in reader.keys)]
    finally:
        reader.close()


def test_cached_test_split_equals_the_jpegs_on_a_slice(test_split_cache):
    records = recordio_items(SHARED_CIFAR10 / "test.rec")
    split = cached_split(SHARED_CIFAR10 / "test.rec", test_split_cache)
    assert not split.built and split.images.shape == (10000, 32, 32, 3)
    assert split.labels.tolist() == [int(label) for _, label in records]  # all 10,000
    assert np.bincount(split.labels).tolist() == [1000] * 10
    for index in np.random.default_rng(1).choice(10000, 500, replace=False).tolist():
        np.testing.assert_array_equal(split.images[index], decode_jpeg(records[index][0]))


def test_cached_batches_equal_uncached_items_on_a_slice(test_split_cache):
    # The training loader's path: augmentation, whole batches, against JPEG by JPEG.
    cached = cifar10(SHARED_CIFAR10, train=False, augment=True, seed=11,
                     cache_dir=test_split_cache)
    uncached = cifar10(SHARED_CIFAR10, train=False, augment=True, seed=11, cache_dir=False)
    ours = iter(continuous_loader(cached, 100, seed=4, num_workers=0))
    theirs = iter(DataLoader(uncached, batch_sampler=ContinuousBatchSampler(
        SeededRandomSampler(10000, 4), 100)))
    for _ in range(5):
        (x, y), (x_uncached, y_uncached) = next(ours), next(theirs)
        assert x.dtype == x_uncached.dtype == np.float32 and y.dtype == y_uncached.dtype
        assert np.array_equal(x.asnumpy().view(np.uint32), x_uncached.asnumpy().view(np.uint32))
        assert y.asnumpy().tolist() == y_uncached.asnumpy().tolist()


@pytest.mark.skipif(os.environ.get(FULL_CHECK) != "1",
                    reason="the check of all 60,000 records takes about a minute; set "
                           "{}=1".format(FULL_CHECK))
def test_every_cached_record_equals_its_jpeg(tmp_path):
    # Builds both splits afresh, then: every image the pixels of its JPEG, every label
    # the record's, and every augmented item of the batch path the uncached item.
    for name, train in (("train", True), ("test", False)):
        rec = SHARED_CIFAR10 / (name + ".rec")
        records = recordio_items(rec)
        split = cached_split(rec, tmp_path)
        assert split.built and len(split.images) == len(records)
        for index, (jpeg, label) in enumerate(records):
            assert np.array_equal(split.images[index], decode_jpeg(jpeg)), index
            assert split.labels[index] == label, index
        cached = cifar10(SHARED_CIFAR10, train=train, augment=train, seed=2, cache_dir=tmp_path)
        uncached = cifar10(SHARED_CIFAR10, train=train, augment=train, seed=2, cache_dir=False)
        order = np.random.default_rng(3).permutation(len(records))
        for start in range(0, len(order), 500):
            chunk = order[start:start + 500].tolist()
            x, y = cached.batch(chunk)
            x_uncached = np.stack([uncached[index][0] for index in chunk])
            assert np.array_equal(x.view(np.uint32), x_uncached.view(np.uint32)), start
            assert y.tolist() == [int(split.labels[index]) for index in chunk]
