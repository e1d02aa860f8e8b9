"""Tests of gluon_lr.data.batches: whole batches in gluon-lr's loaders, the same as item by item."""
import itertools
import os
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import DataLoader, SimpleDataset

from gluon_lr.data import (ImageArrayDataset, WatchedDataLoader, continuous_loader,
                           finite_loader, image_transform)
from gluon_lr.data.batches import (BatchIndices, NumpyStack, StackBatch, loader_arguments,
                                   to_mxnet)
from gluon_lr.sampler import ContinuousBatchSampler, SeededRandomSampler
from data_files import MEAN as MEAN_CHW, STD as STD_CHW, bits, labelled_images

WORKERS = [{"num_workers": 0}, {"num_workers": 2, "thread_pool": True},
           {"num_workers": 2, "thread_pool": False}]
WORKER_IDS = ["inline", "threads", "processes"]


def test_loader_arguments_for_each_kind_of_dataset_and_worker():
    images, labels = labelled_images(30)
    dataset = ImageArrayDataset(images, labels, image_transform())
    options = {"num_workers": 2, "thread_pool": False, "batch_size": 4}
    given, built = loader_arguments(dataset, options)
    assert options == {"num_workers": 2, "thread_pool": False, "batch_size": 4}  # untouched
    assert type(given) is BatchIndices and len(given) == 30 and given[4] == (dataset, 4)
    assert sorted(built) == ["batch_size", "batchify_fn", "num_workers", "thread_pool"]
    assert isinstance(built["batchify_fn"], StackBatch)
    batch = built["batchify_fn"]([given[4], given[0]])
    assert batch[0].device == mx.Device("cpu_shared", 0)  # processes pass shared memory
    for plain in ({"num_workers": 2, "thread_pool": True}, {"num_workers": 0}, {}):
        batch = loader_arguments(dataset, plain)[1]["batchify_fn"]([given[4], given[0]])
        assert batch[0].device == mx.cpu(0) and batch[1].asnumpy().tolist() == [4, 0]
    mine = lambda items: items  # noqa: E731
    assert loader_arguments(dataset, {"batchify_fn": mine}) == (dataset, {"batchify_fn": mine})
    other = SimpleDataset([1, 2])
    assert loader_arguments(other, {"num_workers": 2, "thread_pool": False}) == \
        (other, {"num_workers": 2, "thread_pool": False})  # MXNet's shared memory
    for plain in ({"num_workers": 2, "thread_pool": True}, {"num_workers": 0}):
        given, built = loader_arguments(other, plain)
        assert given is other and type(built.pop("batchify_fn")) is NumpyStack
        assert built == plain


def test_to_mxnet_takes_the_batch_over_without_a_copy():
    batch = np.arange(12, dtype=np.float32).reshape(3, 4)
    out = to_mxnet(batch)
    assert type(out) is mx.np.ndarray and out.device == mx.cpu(0)
    assert out.dtype == np.float32 and out.asnumpy().tolist() == batch.tolist()
    assert not batch.flags.writeable  # MXNet reads this memory now
    batch.flags.writeable = True
    batch[0, 0] = 7.0
    assert out[0, 0].item() == 7.0
    columns = np.arange(12, dtype=np.int32).reshape(3, 4).T  # not contiguous: NumPy copies
    assert to_mxnet(columns).asnumpy().tolist() == columns.tolist() and columns.flags.writeable
    flags = np.array([True, False])  # a type MXNet cannot take over: copied
    assert to_mxnet(flags).asnumpy().tolist() == [True, False] and flags.flags.writeable


def test_numpy_stack_stacks_like_mxnets_stack():
    items = [(np.full((2,), i, np.float32), i, [i, -i]) for i in range(3)]
    images, labels, pairs = NumpyStack()(items)
    assert images.asnumpy().tolist() == [[0, 0], [1, 1], [2, 2]] and images.dtype == np.float32
    assert labels.asnumpy().tolist() == [0, 1, 2]
    assert [p.asnumpy().tolist() for p in pairs] == [[0, 1, 2], [0, -1, -2]]
    stacked = NumpyStack()([mx.np.ones((2,)), mx.np.zeros((2,))])
    assert stacked.asnumpy().tolist() == [[1, 1], [0, 0]]


HANDOVER = """
import threading, os, numpy as np, mxnet as mx
from gluon_lr.data.batches import to_mxnet
def threads_after(hand_over):  # besides the handing thread, which stays alive as a loader's
    handed, release = threading.Event(), threading.Event()
    def work():
        hand_over(np.ones((128, 3, 32, 32), np.float32))
        handed.set()
        release.wait()
    before = len(os.listdir('/proc/self/task'))
    worker = threading.Thread(target=work)
    worker.start()
    handed.wait()
    count = len(os.listdir('/proc/self/task')) - before - 1
    release.set()
    worker.join()
    return count
mx.np.ones((2,)).wait_to_read()
print(threads_after(to_mxnet), threads_after(mx.np.array))
"""


def test_a_batch_handed_over_in_another_thread_starts_no_openmp_threads():
    # mx.np.array copies a batch of 200,000+ elements in an OpenMP loop of the calling
    # thread, which then keeps OpenMP threads that make libgomp throttle the model's.
    env = dict(os.environ, OMP_NUM_THREADS="2", OMP_DYNAMIC="false")
    done = subprocess.run([sys.executable, "-c", HANDOVER], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    ours, mxnets = done.stdout.split()
    assert ours == "0"
    # The control: MXNet's own copy leaves one OpenMP thread behind. On a machine busy
    # with other work it has been seen to run the copy without one (CI, under load).
    if mxnets == "0":
        pytest.skip("the control showed nothing: MXNet's copy started no OpenMP thread")
    assert mxnets == "1"


@pytest.mark.parametrize("workers", WORKERS, ids=WORKER_IDS)
def test_batches_equal_mxnets_dataloader_item_by_item(workers):
    images, labels = labelled_images(30)
    ours = continuous_loader(ImageArrayDataset(images, labels, image_transform()), 8, seed=3,
                             **workers)
    plain = ImageArrayDataset(images, labels, image_transform())
    theirs = DataLoader(plain, batch_sampler=ContinuousBatchSampler(
        SeededRandomSampler(30, seed=3), 8), **workers)
    for (x, y), (x_theirs, y_theirs) in itertools.islice(zip(ours, theirs), 9):
        assert type(x) is type(x_theirs) is mx.np.ndarray
        assert (x.dtype, y.dtype) == (x_theirs.dtype, y_theirs.dtype) == (np.float32, np.int32)
        assert np.array_equal(bits(x.asnumpy()), bits(x_theirs.asnumpy()))
        assert y.asnumpy().tolist() == y_theirs.asnumpy().tolist()
    ours.close()


def test_augmented_batches_equal_item_by_item_with_the_same_draws():
    images, labels = labelled_images(30)
    ours = continuous_loader(ImageArrayDataset(images, labels, image_transform(True, seed=8)),
                             7, seed=1, num_workers=0)
    theirs = DataLoader(ImageArrayDataset(images, labels, image_transform(True, seed=8)),
                        batch_sampler=ContinuousBatchSampler(SeededRandomSampler(30, 1), 7))
    for (x, y), (x_theirs, y_theirs) in itertools.islice(zip(ours, theirs), 10):
        assert np.array_equal(bits(x.asnumpy()), bits(x_theirs.asnumpy()))
        assert y.asnumpy().tolist() == y_theirs.asnumpy().tolist()


def test_finite_loader_gives_the_last_short_batch():
    images, labels = labelled_images(10)
    loader = finite_loader(ImageArrayDataset(images, labels, image_transform()), 4,
                           num_workers=0)
    got = [y.asnumpy().tolist() for _, y in loader]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3


def position_coded_images(count):
    """Red is the row + 1, green the column + 1, blue 200: zero marks the padding."""
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    image[:, :, 0] = np.arange(1, 33)[:, None]
    image[:, :, 1] = np.arange(1, 33)[None, :]
    image[:, :, 2] = 200
    return np.stack([image] * count)


def crops_and_flips(batch):
    """(top, left, flipped) of each augmented, normalised image of a batch."""
    draws = []
    for out in batch:
        hwc = np.rint((out * STD_CHW + MEAN_CHW) * 255).astype(int).transpose(1, 2, 0)
        rows, columns = hwc[:, 15, 0], hwc[15, :, 1]
        flipped = columns[16] < columns[15]
        top = rows[15] - 1 - 15 + 4
        left = (columns[16] - 1 if flipped else columns[15] - 1) - 15 + 4
        draws.append((int(top), int(left), bool(flipped)))
    return draws


def test_worker_processes_draw_their_own_augmentation():
    # Forked workers start from the parent's generator; each reseeds with its pid.
    images = position_coded_images(96)
    dataset = ImageArrayDataset(images, np.zeros(96, np.int32), image_transform(True, seed=0))
    parent = ImageArrayDataset(images, np.zeros(96, np.int32), image_transform(True, seed=0))
    parent_draws = [crops_and_flips(parent.batch(range(4))[0]) for _ in range(24)]
    loader = WatchedDataLoader(dataset, batch_size=4, num_workers=2, thread_pool=False)
    draws = [crops_and_flips(x.asnumpy()) for x, _ in loader]
    loader.close()
    assert len(draws) == 24 and len({tuple(d) for d in draws}) == 24
    assert all(d not in parent_draws for d in draws)
