"""ContinuousBatchSampler: endless batches, fresh permutations, every DataLoader kind."""
import itertools

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import ContinuousBatchSampler


def take(sampler, count):
    return list(itertools.islice(iter(sampler), count))


def test_batches_continue_across_passes_like_the_tutorial():
    sampler = ContinuousBatchSampler(mx.gluon.data.SequentialSampler(5), batch_size=2)
    assert take(sampler, 6) == [[0, 1], [2, 3], [4, 0], [1, 2], [3, 4], [0, 1]]


def test_batch_size_one_and_larger_than_sampler():
    assert take(ContinuousBatchSampler(range(3), 1), 4) == [[0], [1], [2], [0]]
    assert take(ContinuousBatchSampler(range(3), 4), 3) == [
        [0, 1, 2, 0], [1, 2, 0, 1], [2, 0, 1, 2]]


def test_random_sampler_gives_a_new_permutation_each_pass():
    np.random.seed(3)
    batches = take(ContinuousBatchSampler(mx.gluon.data.RandomSampler(10), 10), 4)
    for batch in batches:
        assert sorted(batch) == list(range(10))
    assert len({tuple(b) for b in batches}) == 4


@pytest.mark.parametrize("batch_size", [0, -3])
def test_batch_size_below_one_is_rejected(batch_size):
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        ContinuousBatchSampler(range(4), batch_size)


@pytest.mark.parametrize("batch_size", [2.0, "2", True, None])
def test_batch_size_of_wrong_type_is_rejected(batch_size):
    with pytest.raises(TypeError, match="batch_size"):
        ContinuousBatchSampler(range(4), batch_size)


def test_empty_sampler_with_len_is_rejected_at_once():
    with pytest.raises(ValueError, match="sampler is empty"):
        ContinuousBatchSampler(mx.gluon.data.RandomSampler(0), 2)


def test_empty_sampler_without_len_raises_instead_of_spinning():
    sampler = ContinuousBatchSampler((i for i in ()), 2)
    with pytest.raises(ValueError, match="a pass yielded no index"):
        next(iter(sampler))


def test_sampler_must_be_iterable():
    with pytest.raises(TypeError, match="sampler must be an iterable"):
        ContinuousBatchSampler(5, 2)


@pytest.mark.parametrize("loader_kwargs", [
    {"num_workers": 0},
    {"num_workers": 2},
    {"num_workers": 2, "thread_pool": True},
    {"num_workers": 2, "try_nopython": False},
], ids=["inline", "processes", "threads", "no-try-nopython"])
def test_works_as_a_dataloader_batch_sampler(loader_kwargs):
    data = mx.np.arange(12, dtype="float32").reshape(6, 2)
    dataset = mx.gluon.data.ArrayDataset(data, mx.np.arange(6, dtype="float32"))
    sampler = ContinuousBatchSampler(mx.gluon.data.SequentialSampler(6), batch_size=4)
    loader = mx.gluon.data.DataLoader(dataset, batch_sampler=sampler, **loader_kwargs)
    labels = [batch[1].asnumpy().tolist() for batch in itertools.islice(iter(loader), 5)]
    assert labels == [[0, 1, 2, 3], [4, 5, 0, 1], [2, 3, 4, 5], [0, 1, 2, 3], [4, 5, 0, 1]]


def test_seeded_random_sampler_repeats_across_instances():
    from gluon_lr.sampler import SeededRandomSampler
    first = SeededRandomSampler(6, seed=4)
    passes = [list(first) for _ in range(3)]
    np.random.seed(0)  # the global generator does not matter
    second = SeededRandomSampler(6, seed=4)
    assert [list(second) for _ in range(3)] == passes
    assert all(sorted(p) == list(range(6)) for p in passes)
    assert passes[0] == np.random.RandomState(4).permutation(6).tolist()
    assert len(first) == 6
    with pytest.raises(ValueError, match="length must be an int >= 1"):
        SeededRandomSampler(0, seed=1)


@pytest.mark.parametrize("seed, error, message", [
    (-1, ValueError, "seed must be an int >= 0, got -1"),
    (2 ** 32, ValueError, r"seed must be an int in \[0, 4294967295\], got 4294967296"),
    (1.0, TypeError, "seed must be an int >= 0, got 1.0"),
    (None, TypeError, "seed must be an int >= 0, got None")])
def test_seeded_random_sampler_checks_its_seed(seed, error, message):
    from gluon_lr.sampler import SeededRandomSampler
    with pytest.raises(error, match="^{}$".format(message)):
        SeededRandomSampler(3, seed=seed)
    largest = SeededRandomSampler(5, seed=2 ** 32 - 1)
    assert list(largest) == np.random.RandomState(2 ** 32 - 1).permutation(5).tolist()


def test_index_sampler_yields_its_indices_every_pass():
    from gluon_lr.sampler import IndexSampler
    sampler = IndexSampler(np.array([5, 0, 5, 2]))
    assert isinstance(sampler, mx.gluon.data.Sampler)
    assert list(sampler) == list(sampler) == [5, 0, 5, 2] and len(sampler) == 4
    assert all(type(i) is int for i in sampler)
    assert list(IndexSampler([])) == [] and len(IndexSampler(())) == 0
    dataset = mx.gluon.data.SimpleDataset(list("abcdef")).sample(IndexSampler([4, 1]))
    assert list(dataset) == ["e", "b"]


@pytest.mark.parametrize("indices, error, message", [
    ([1, -2], ValueError, r"indices must be a sequence of ints >= 0, got -2 at position 1"),
    ([0.0, 1.0], TypeError, r"indices must be a sequence of ints >= 0, got \[0.0, 1.0\]"),
    ([True], TypeError, r"indices must be a sequence of ints >= 0, got \[True\]"),
    ([[0, 1]], TypeError, r"indices must be a sequence of ints >= 0, got \[\[0, 1\]\]"),
    (3, TypeError, "indices must be a sequence of ints >= 0, got 3")])
def test_index_sampler_rejects_bad_indices(indices, error, message):
    from gluon_lr.sampler import IndexSampler
    with pytest.raises(error, match="^{}$".format(message)):
        IndexSampler(indices)
