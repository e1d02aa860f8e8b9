"""Tests of gluon_lr.data.transforms: exact ToTensor + Normalize, per-worker augmentation."""
import os
import pickle

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import DataLoader, SimpleDataset
from mxnet.gluon.data.vision import transforms

from gluon_lr.data import MEAN, STD, image_transform
from gluon_lr.data.transforms import LabelledTransform
from data_files import MEAN as MEAN_CHW, STD as STD_CHW, bits


def position_coded_image():
    """Red is the row + 1, green the column + 1, blue 200: zero marks the padding."""
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    image[:, :, 0] = np.arange(1, 33)[:, None]
    image[:, :, 1] = np.arange(1, 33)[None, :]
    image[:, :, 2] = 200
    return image


def crop_and_flip_of(out):
    """Read (top, left, flipped) of a crop of the 4-padded image off its normalised output."""
    hwc = np.rint((out * STD_CHW + MEAN_CHW) * 255).astype(int).transpose(1, 2, 0)
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


def test_augment_draws_are_the_seeded_generators():
    # One draw of Generator(seed).integers(9 * 9 * 2) per image picks (top, left, flip).
    expected = [divmod(int(d), 18) for d in np.random.default_rng(5).integers(162, size=10)]
    expected = [(top, rest // 2, bool(rest % 2)) for top, rest in expected]
    transform = image_transform(True, seed=5)
    assert [crop_and_flip_of(transform(position_coded_image())) for _ in range(10)] == expected


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
    mxnet = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    expected = mxnet(mx.np.array(hwc, dtype="uint8")).asnumpy()
    got = image_transform()(hwc)
    assert got.dtype == np.float32 and got.shape == (3, 16, 16)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(image_transform()(mx.np.array(hwc, dtype="uint8")), expected)


def test_transform_survives_pickling_with_its_draws():
    original = image_transform(True, seed=9)
    copy = pickle.loads(pickle.dumps(original))
    image = position_coded_image()
    assert [crop_and_flip_of(copy(image)) for _ in range(5)] == \
        [crop_and_flip_of(original(image)) for _ in range(5)]


@pytest.mark.parametrize("kwargs, error", [
    ({"augment": 1}, TypeError), ({"seed": 1.0}, TypeError), ({"seed": -1}, ValueError)])
def test_image_transform_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        image_transform(**kwargs)


def test_labelled_transform_casts_labels_to_int32():
    transform = LabelledTransform(image_transform())
    image, label = transform(np.zeros((32, 32, 3), np.uint8), 3.0)
    assert type(label) is np.int32 and label == 3
    np.testing.assert_array_equal(image, image_transform()(np.zeros((32, 32, 3), np.uint8)))
    with pytest.raises(TypeError, match=r"image_fn must be callable \(image -> image\), got 5"):
        LabelledTransform(5)


# --- whole batches ------------------------------------------------------------------------------

@pytest.mark.parametrize("augment", [False, True])
@pytest.mark.parametrize("shape", [(32, 32), (30, 36)], ids=["32x32", "30x36"])
def test_batch_is_the_images_one_after_another_bit_for_bit(augment, shape):
    images = np.random.default_rng(2).integers(0, 256, size=(300,) + shape + (3,),
                                               dtype=np.uint8)
    one_by_one, whole = image_transform(augment, seed=6), image_transform(augment, seed=6)
    expected = np.stack([one_by_one(image) for image in images])
    got = np.concatenate([whole.batch(images[:128]), whole.batch(images[128:129]),
                          whole.batch(images[129:129]), whole.batch(images[129:])])
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert got.shape == ((300, 3, 32, 32) if augment else (300, 3) + shape)
    assert np.array_equal(bits(got), bits(expected))


def test_batch_draws_are_the_single_draws():
    expected = [divmod(int(d), 18) for d in np.random.default_rng(5).integers(162, size=40)]
    expected = [(top, rest // 2, bool(rest % 2)) for top, rest in expected]
    transform = image_transform(True, seed=5)
    batch = transform.batch(np.stack([position_coded_image()] * 40))
    assert [crop_and_flip_of(image) for image in batch] == expected


def test_batch_takes_strided_and_mxnet_images_and_equals_mxnet_transforms():
    hwc = np.repeat(np.arange(256, dtype=np.uint8).reshape(16, 16, 1), 3, axis=2)
    hwc[:, :, 1] = hwc[:, :, 1][::-1]
    mxnet = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    expected = mxnet(mx.np.array(hwc, dtype="uint8")).asnumpy()
    strided = np.stack([hwc, hwc[::-1]])[::-1][1:]  # a view with negative strides
    np.testing.assert_array_equal(image_transform().batch(strided)[0], expected)
    np.testing.assert_array_equal(
        image_transform().batch(mx.np.array(hwc[None], dtype="uint8"))[0], expected)
    augmented = image_transform(True, seed=1).batch(np.stack([position_coded_image()] * 3)[::2])
    assert len({crop_and_flip_of(image) for image in augmented}) == 2


def test_batch_rejects_a_single_image():
    with pytest.raises(ValueError, match=r"^images must be a batch \(N, H, W, C\), got shape "
                                         r"\(32, 32, 3\)$"):
        image_transform().batch(position_coded_image())
