"""Tests of gluon_lr.data.arrays: ImageArrayDataset's items, batches and views."""
import numpy as np
import pytest
from mxnet.gluon.data import SimpleDataset

from gluon_lr.data import ImageArrayDataset, image_transform, subset
from gluon_lr.sampler import IndexSampler
from data_files import bits, labelled_images


def test_items_are_the_transformed_images_and_the_labels():
    images, labels = labelled_images(12)
    dataset = ImageArrayDataset(images, labels, image_transform())
    assert len(dataset) == 12
    for k in (0, 5, 11, -1):
        image, label = dataset[k]
        assert type(image) is np.ndarray and image.dtype == np.float32
        np.testing.assert_array_equal(image, image_transform()(images[k]))
        assert type(label) is np.int32 and label == labels[k]
    with pytest.raises(IndexError):
        dataset[12]


def test_no_transform_gives_the_arrays_own_rows():
    images, labels = labelled_images(12)
    dataset = ImageArrayDataset(images, labels)
    assert np.shares_memory(dataset[3][0], images)  # no copy, e.g. of a memory map
    batch, batch_labels = dataset.batch([3, 1])
    np.testing.assert_array_equal(batch, images[[3, 1]])
    assert batch_labels.tolist() == [3, 1]


@pytest.mark.parametrize("augment", [False, True])
def test_batch_equals_the_items_bit_for_bit(augment):
    images, labels = labelled_images(40)
    by_item = ImageArrayDataset(images, labels, image_transform(augment, seed=2))
    by_batch = ImageArrayDataset(images, labels, image_transform(augment, seed=2))
    order = np.random.default_rng(1).permutation(40).tolist() + [3, 3, 0]
    for chunk in (order[:16], order[16:17], order[17:]):
        batch, batch_labels = by_batch.batch(chunk)
        items = [by_item[k] for k in chunk]
        assert batch.shape == (len(chunk), 3, 32, 32) and batch.flags.c_contiguous
        assert np.array_equal(bits(batch), bits(np.stack([image for image, _ in items])))
        assert batch_labels.dtype == np.int32
        assert batch_labels.tolist() == [int(label) for _, label in items]


def test_batch_of_a_transform_without_a_batch_method_stacks_its_results():
    images, labels = labelled_images(4)
    dataset = ImageArrayDataset(images, labels, lambda image: image[:2, :2, 0] * 2)
    batch, _ = dataset.batch([2, 0])
    np.testing.assert_array_equal(batch, np.stack([images[2, :2, :2, 0] * 2,
                                                   images[0, :2, :2, 0] * 2]))


def test_sample_and_subset_keep_the_batches_and_the_transform():
    images, labels = labelled_images(20)
    transform = image_transform(True, seed=5)
    dataset = ImageArrayDataset(images, labels, transform)
    view = dataset.sample(IndexSampler([7, 2, 19, 19]))
    assert type(view) is ImageArrayDataset and len(view) == 4
    assert [int(view[k][1]) for k in range(4)] == [7, 2, 9, 9]
    assert [int(dataset.sample([-1, 0])[k][1]) for k in range(2)] == [9, 0]
    nested = view.sample([2, 0])
    assert [int(label) for label in nested.batch([0, 1, 0])[1]] == [9, 7, 9]
    # subset() draws the same items as from any dataset, and keeps the type
    plain = subset(SimpleDataset(list(range(20))), 6, seed=3)
    sliced = subset(dataset, 6, seed=3)
    assert type(sliced) is ImageArrayDataset
    assert [int(sliced[k][1]) for k in range(6)] == [int(labels[i]) for i in plain]
    with pytest.raises(IndexError):
        dataset.sample([20])


def test_sample_shares_the_transform_and_its_draws():
    images, labels = labelled_images(20)
    dataset = ImageArrayDataset(images, labels, image_transform(True, seed=5))
    view = dataset.sample([7, 2])
    twin = ImageArrayDataset(images, labels, image_transform(True, seed=5))
    expected = [twin[7][0], twin[2][0], twin[2][0]]
    got = [view[0][0], dataset[2][0], view[1][0]]  # one generator, as Dataset.sample's
    assert all(np.array_equal(bits(a), bits(b)) for a, b in zip(got, expected))


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((np.zeros((2, 32, 32), np.uint8), np.zeros(2, np.int32)), {}, ValueError,
     r"images must be an array \(N, H, W, C\), got shape \(2, 32, 32\)"),
    ((np.zeros((2, 4, 4, 3), np.uint8), np.zeros(3, np.int32)), {}, ValueError,
     r"labels must be an array \(2,\) \(one per image\), got shape \(3,\)"),
    ((np.zeros((2, 4, 4, 3), np.uint8), np.zeros(2, np.int32), 5), {}, TypeError,
     r"image_fn must be callable \(image -> image\), got 5"),
    ((np.zeros((2, 4, 4, 3), np.uint8), np.zeros(2, np.int32)), {"indices": [[0]]}, ValueError,
     r"indices must be 1-D, got shape \(1, 1\)"),
    ((np.zeros((2, 4, 4, 3), np.uint8), np.zeros(2, np.int32)), {"indices": [2]}, IndexError,
     r"index 2 is out of bounds")])
def test_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        ImageArrayDataset(*args, **kwargs)
