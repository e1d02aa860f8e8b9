"""Tests of gluon_lr.data.loaders: the tutorial's endless seeded loader and a finite pass."""
import itertools

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import ArrayDataset, DataLoader, SimpleDataset

from gluon_lr.data import WatchedDataLoader, continuous_loader, finite_loader
from gluon_lr.sampler import ContinuousBatchSampler, SeededRandomSampler

WORKERS = [{"num_workers": 0}, {"num_workers": 2}, {"num_workers": 2, "thread_pool": False}]
WORKER_IDS = ["inline", "threads", "processes"]


def dataset(n=10):
    return ArrayDataset(mx.np.arange(2 * n, dtype="float32").reshape(n, 2),
                        mx.np.arange(n, dtype="int32"))


def labels(loader, count=None):
    batches = loader if count is None else itertools.islice(iter(loader), count)
    return [batch[1].asnumpy().tolist() for batch in batches]


def test_continuous_loader_order_is_the_seeded_permutations():
    rng = np.random.RandomState(0)
    order = rng.permutation(5).tolist() + rng.permutation(5).tolist()  # [2,0,1,3,4, 0,2,1,4,3]
    loader = continuous_loader(dataset(5), 2, seed=0, num_workers=0)
    assert labels(loader, 5) == [order[0:2], order[2:4], order[4:6], order[6:8], order[8:10]]
    fresh = continuous_loader(dataset(5), 2, seed=0, num_workers=0)
    assert labels(fresh, 5) == [[2, 0], [1, 3], [4, 0], [2, 1], [4, 3]]
    # a new iter() starts a new pass: the permutation after the ones used so far
    third = rng.permutation(5).tolist()
    assert labels(fresh, 2) == [third[0:2], third[2:4]]


@pytest.mark.parametrize("workers", WORKERS, ids=WORKER_IDS)
def test_continuous_loader_equals_the_tutorials_dataloader(workers):
    ours = continuous_loader(dataset(), batch_size=4, seed=3, **workers)
    sampler = ContinuousBatchSampler(SeededRandomSampler(10, seed=3), 4)
    theirs = DataLoader(dataset(), batch_sampler=sampler, num_workers=workers["num_workers"],
                        thread_pool=workers.get("thread_pool", True))
    assert isinstance(ours, WatchedDataLoader)
    ours_batches = list(itertools.islice(iter(ours), 7))
    theirs_batches = list(itertools.islice(iter(theirs), 7))
    for (x, y), (x_theirs, y_theirs) in zip(ours_batches, theirs_batches):
        assert x.tolist() == x_theirs.tolist() and y.tolist() == y_theirs.tolist()
        assert x.dtype == x_theirs.dtype and y.dtype == y_theirs.dtype
    ours.close()


def test_continuous_loader_seed_fixes_the_batches():
    first, again, other = (continuous_loader(dataset(), 3, seed=s, num_workers=0)
                           for s in (4, 4, 5))
    assert labels(first, 8) == labels(again, 8) != labels(other, 8)
    assert sorted(sum(labels(first, 10)[:10], [])) == sorted(list(range(10)) * 3)


@pytest.mark.parametrize("workers", WORKERS, ids=WORKER_IDS)
def test_finite_loader_is_one_pass_in_order(workers):
    loader = finite_loader(dataset(), batch_size=4, **workers)
    assert len(loader) == 3
    assert labels(loader) == labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader.close()


def test_loaders_default_to_two_worker_threads():
    for loader in (continuous_loader(dataset(), 2, seed=0), finite_loader(dataset(), 2)):
        assert loader.options["num_workers"] == 2 and loader.options["thread_pool"] is True


@pytest.mark.parametrize("kwargs, error, message", [
    ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
    ({"batch_size": 2.0}, TypeError, "batch_size must be an int >= 1, got 2.0"),
    ({"num_workers": -1}, ValueError, "num_workers must be an int >= 0, got -1"),
    ({"thread_pool": 1}, TypeError, "thread_pool must be True or False, got 1")])
def test_loaders_reject_bad_arguments(kwargs, error, message):
    arguments = dict({"batch_size": 2, "num_workers": 0}, **kwargs)
    with pytest.raises(error, match="^{}$".format(message)):
        finite_loader(dataset(), **arguments)
    with pytest.raises(error, match="^{}$".format(message)):
        continuous_loader(dataset(), seed=0, **arguments)


@pytest.mark.parametrize("seed, error, message", [
    (-1, ValueError, "seed must be an int >= 0, got -1"),
    (0.5, TypeError, "seed must be an int >= 0, got 0.5"),
    (2 ** 32, ValueError, r"seed must be an int in \[0, 4294967295\], got 4294967296")])
def test_continuous_loader_rejects_bad_seeds(seed, error, message):
    with pytest.raises(error, match="^{}$".format(message)):
        continuous_loader(dataset(), 2, seed=seed, num_workers=0)


def test_continuous_loader_rejects_an_empty_dataset():
    with pytest.raises(ValueError, match="^dataset must hold at least one item, got an empty "
                                         "one$"):
        continuous_loader(SimpleDataset([]), 2, seed=0, num_workers=0)
