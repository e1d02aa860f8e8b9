"""Tests of gluon_lr.data: both file formats, the search order, errors, transforms, subset."""
import io
import os
import pathlib
import socket
import tarfile

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import DataLoader, SimpleDataset
from mxnet.gluon.data.vision import transforms
from PIL import Image

from gluon_lr import data
from gluon_lr.data import (ENV_VAR, DataNotFoundError, cifar10, cifar10_splits, decode_jpeg,
                           image_transform, subset)

TRAIN_FILES = ["data_batch_{}.bin".format(i) for i in range(1, 6)]
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.2023, 0.1994, 0.2010], dtype=np.float32).reshape(3, 1, 1)
# Two records per training file, three test records.
TRAIN_LABELS = [3, 8, 0, 9, 1, 7, 2, 6, 4, 5]
TEST_LABELS = [7, 0, 9]


def normalised(chw_uint8):
    """The tutorial's ToTensor + Normalize, written out: (x / 255 - mean) / std."""
    return (chw_uint8.astype(np.float32) / np.float32(255) - MEAN) / STD


def records(labels, images):
    """CIFAR-10 binary records: one label byte, then the R, G and B planes (32x32 each)."""
    return b"".join(bytes([label]) + image.tobytes() for label, image in zip(labels, images))


def write_binaries(folder, train_images, test_images):
    """Write the six official files into ``folder``; images are (N, 3, 32, 32) uint8."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(TRAIN_FILES):
        (folder / name).write_bytes(
            records(TRAIN_LABELS[2 * i:2 * i + 2], train_images[2 * i:2 * i + 2]))
    (folder / "test_batch.bin").write_bytes(records(TEST_LABELS, test_images))
    return folder


def random_images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)


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


# --- augmentation -----------------------------------------------------------------------------

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


def position_coded_image():
    """Red is the row + 1, green the column + 1, blue 200: zero marks the padding."""
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    image[:, :, 0] = np.arange(1, 33)[:, None]
    image[:, :, 1] = np.arange(1, 33)[None, :]
    image[:, :, 2] = 200
    return image


def crop_and_flip_of(out):
    """Read (top, left, flipped) of a crop of the 4-padded image off its normalised output."""
    hwc = np.rint((out * STD + MEAN) * 255).astype(int).transpose(1, 2, 0)
    rows, columns = hwc[:, 15, 0], hwc[15, :, 1]  # row/column 15 always come from the image
    flipped = columns[16] < columns[15]
    top = rows[15] - 1 - 15 + 4
    left = (columns[16] - 1 if flipped else columns[15] - 1) - 15 + 4
    # the whole crop is that window of the padded image, mirrored if flipped
    padded = np.pad(position_coded_image(), ((4, 4), (4, 4), (0, 0)))
    window = padded[top:top + 32, left:left + 32]
    assert np.array_equal(hwc, window[:, ::-1] if flipped else window)
    return int(top), int(left), bool(flipped)


def test_augment_draws_every_crop_and_flip_uniformly():
    transform = image_transform(augment=True, seed=11)
    draws = [crop_and_flip_of(transform(position_coded_image())) for _ in range(3000)]
    counts = {}
    for draw in draws:
        counts[draw] = counts.get(draw, 0) + 1
    assert set(counts) == {(t, l, f) for t in range(9) for l in range(9) for f in (False, True)}
    assert sum(f for _, _, f in draws) == pytest.approx(1500, abs=120)  # 4 sigma of Bin(3000, .5)
    assert max(counts.values()) < 3 * 3000 / 162


def test_augment_seed_fixes_the_draws():
    image = position_coded_image()
    first, again, other = (image_transform(True, seed=s) for s in (5, 5, 6))
    a = [crop_and_flip_of(first(image)) for _ in range(20)]
    assert a == [crop_and_flip_of(again(image)) for _ in range(20)]
    assert a != [crop_and_flip_of(other(image)) for _ in range(20)]
    np.random.seed(3)  # without a seed, NumPy's global generator picks it
    b = image_transform(True)
    np.random.seed(3)
    c = image_transform(True)
    assert [crop_and_flip_of(b(image)) for _ in range(20)] == \
        [crop_and_flip_of(c(image)) for _ in range(20)]


def test_augment_reseeds_in_another_process(monkeypatch):
    image = position_coded_image()
    parent, twin = image_transform(True, seed=5), image_transform(True, seed=5)
    expected = [crop_and_flip_of(twin(image)) for _ in range(20)]
    monkeypatch.setattr(os, "getpid", lambda: 424242)  # as in a forked worker
    in_worker = [crop_and_flip_of(parent(image)) for _ in range(20)]
    assert in_worker != expected
    monkeypatch.setattr(os, "getpid", lambda: 424243)
    assert [crop_and_flip_of(twin(image)) for _ in range(20)] != in_worker


class _WithPid:
    """Dataset transform: the augmented image and the id of the process that made it."""

    def __init__(self):
        self._transform = image_transform(True, seed=0)

    def __call__(self, image):
        return self._transform(image), np.int32(os.getpid())


def test_worker_processes_do_not_repeat_each_others_augmentation():
    # MXNet's worker initializer reseeds nothing: forked workers start from one state.
    dataset = SimpleDataset([position_coded_image()] * 96).transform(_WithPid())
    loader = DataLoader(dataset, batch_size=4, num_workers=2)
    first_batch = {}
    crops = []
    for x, pids in loader:
        pid = int(pids[0])
        assert (pids == pid).all()
        draws = [crop_and_flip_of(image) for image in x.asnumpy()]
        first_batch.setdefault(pid, draws)
        crops.append(draws)
    assert len(first_batch) == 2 and os.getpid() not in first_batch
    one, two = first_batch.values()
    assert one != two
    assert len({tuple(c) for c in crops}) == len(crops) == 24


def test_numpy_transform_equals_mxnet_transforms_exactly():
    # Every uint8 value in every channel: 16 x 16 pixels running through 0 .. 255.
    hwc = np.repeat(np.arange(256, dtype=np.uint8).reshape(16, 16, 1), 3, axis=2)
    hwc[:, :, 1] = hwc[:, :, 1][::-1]
    mxnet = transforms.Compose([transforms.ToTensor(), transforms.Normalize(data.MEAN, data.STD)])
    expected = mxnet(mx.np.array(hwc, dtype="uint8")).asnumpy()
    got = image_transform()(hwc)
    assert got.dtype == np.float32 and got.shape == (3, 16, 16)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(image_transform()(mx.np.array(hwc, dtype="uint8")), expected)


@pytest.mark.parametrize("kwargs, error", [
    ({"augment": 1}, TypeError), ({"seed": 1.0}, TypeError), ({"seed": -1}, ValueError)])
def test_image_transform_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        image_transform(**kwargs)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_decode_jpeg_equals_mxnet_imdecode(mode):
    pixels = np.random.default_rng(4).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buffer, format="JPEG", quality=90)
    ours = decode_jpeg(buffer.getvalue())
    assert ours.shape == (32, 32, 3) and ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, mx.image.imdecode(buffer.getvalue()).asnumpy())


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
    monkeypatch.setattr(data, "download_root", lambda: tmp_path / "dl")
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:{}/".format(closed_port()))
    with pytest.raises(DataNotFoundError, match="downloading into .*dl failed") as err:
        cifar10()
    assert_one_line_hint(err)
    assert not (tmp_path / "dl").exists()


def test_download_uses_mxnet_and_is_then_read_locally(tmp_path, monkeypatch, images, clean_env):
    root = tmp_path / "dl"
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(write_binaries(tmp_path / "src", *images), arcname=".")
    calls = []

    def fake_download(url, path=None, sha1_hash=None, **kwargs):
        calls.append((url, path))
        target = "{}/cifar-10-binary.tar.gz".format(path)
        with open(target, "wb") as out:
            out.write(archive.getvalue())
        return target

    monkeypatch.setattr(data, "download_root", lambda: root)
    monkeypatch.setattr(mx.gluon.data.vision.datasets, "download", fake_download)
    with socket.socket() as server:  # a reachable "server" for the connection check
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        repo = "http://127.0.0.1:{}/".format(server.getsockname()[1])
        monkeypatch.setenv("MXNET_GLUON_REPO", repo)
        assert [int(cifar10(train=False)[k][1]) for k in range(3)] == TEST_LABELS
    assert calls == [(repo + "gluon/dataset/cifar10/cifar-10-binary.tar.gz", str(root))]
    assert [int(cifar10(train=True)[k][1]) for k in range(10)] == TRAIN_LABELS
    assert len(calls) == 1  # files already in the download root are not fetched again


def test_download_root_is_the_checkout_data_folder():
    checkout = pathlib.Path(__file__).resolve().parent.parent
    assert data.download_root() == checkout / "data" / "cifar10"


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


def test_recordio_decodes_like_mxnet_on_a_sample(cifar10_dir):
    # All 60,000 records were checked once; this re-checks a seeded sample of 300.
    reader = mx.recordio.MXIndexedRecordIO(
        str(cifar10_dir / "train.idx"), str(cifar10_dir / "train.rec"), "r")
    train = cifar10(cifar10_dir)
    for index in np.random.default_rng(0).choice(50000, 300, replace=False).tolist():
        header, jpeg = mx.recordio.unpack(reader.read_idx(reader.keys[index]))
        hwc = mx.image.imdecode(jpeg).asnumpy()
        image, label = train[index]
        np.testing.assert_array_equal(image, normalised(hwc.transpose(2, 0, 1)))
        assert label == int(header.label)
    reader.close()


def test_recordio_thread_pool_reads_the_right_records(cifar10_dir):
    # Each thread reads whole batches, so small batches make two threads read at once.
    test = subset(cifar10(cifar10_dir, train=False), 256, seed=0)
    serial = list(DataLoader(test, batch_size=8))
    threaded = list(DataLoader(test, batch_size=8, num_workers=2, thread_pool=True))
    assert len(threaded) == len(serial) == 32
    for (x, y), (x_threaded, y_threaded) in zip(serial, threaded):
        assert (x == x_threaded).all() and (y == y_threaded).all()


# --- subset -----------------------------------------------------------------------------------

def test_subset_is_a_seeded_random_slice():
    items = SimpleDataset(list(range(10)))
    expected = sorted(np.random.default_rng(3).choice(10, 4, replace=False).tolist())
    assert list(subset(items, 4, seed=3)) == expected
    assert list(subset(items, 4, seed=3)) == list(subset(items, 4, seed=3))
    assert list(subset(items, 10, seed=5)) == list(range(10))


@pytest.mark.parametrize("n, seed, error", [
    (0, 0, ValueError), (11, 0, ValueError), (1.5, 0, TypeError), (True, 0, TypeError),
    (2, -1, ValueError), (2, "a", TypeError)])
def test_subset_rejects_bad_arguments(n, seed, error):
    with pytest.raises(error, match="seed" if seed != 0 else "n must"):
        subset(SimpleDataset(list(range(10))), n, seed)
