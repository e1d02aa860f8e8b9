"""Each worker's share of the global batches: disjoint per pass, seeded, equal in size."""
import itertools

import numpy as np
import pytest
from mxnet.gluon.data import SimpleDataset

from gluon_lr import ContinuousBatchSampler
from gluon_lr.distributed import ShardedContinuousBatchSampler, sharded_loader, \
    worker_batch_size
from gluon_lr.data import continuous_loader
from gluon_lr.sampler import SeededRandomSampler


def _take(sampler, count):
    return list(itertools.islice(iter(sampler), count))


def test_the_workers_cut_the_single_process_batches_into_blocks():
    assert _take(ShardedContinuousBatchSampler(7, 2, 0, 3, seed=5), 3) == \
        [[6, 2], [3, 5], [3, 6]]
    assert _take(ShardedContinuousBatchSampler(7, 2, 1, 3, seed=5), 3) == \
        [[4, 1], [1, 4], [2, 5]]
    assert _take(ShardedContinuousBatchSampler(7, 2, 2, 3, seed=5), 3) == \
        [[0, 5], [2, 0], [6, 3]]
    whole = _take(ContinuousBatchSampler(SeededRandomSampler(7, seed=5), 6), 3)
    assert whole == [[6, 2, 4, 1, 0, 5], [3, 5, 1, 4, 2, 0], [3, 6, 2, 5, 6, 3]]


@pytest.mark.parametrize("length,batch_size,workers", [(50, 4, 2), (37, 3, 4), (5, 4, 3),
                                                        (1, 1, 2), (64, 8, 1)])
def test_joined_shards_are_the_single_process_stream(length, batch_size, workers):
    steps = 3 * length // (batch_size * workers) + 5  # several passes, a boundary mid-batch
    shards = [_take(ShardedContinuousBatchSampler(length, batch_size, rank, workers, seed=11),
                    steps) for rank in range(workers)]
    joined = [sum((shard[step] for shard in shards), []) for step in range(steps)]
    single = _take(ContinuousBatchSampler(SeededRandomSampler(length, seed=11),
                                          batch_size * workers), steps)
    assert joined == single
    assert all(len(batch) == batch_size for shard in shards for batch in shard)


def test_every_pass_is_split_into_disjoint_shards():
    length, batch_size, workers = 12, 3, 2  # a pass is exactly two global batches
    shards = [_take(ShardedContinuousBatchSampler(length, batch_size, rank, workers, seed=0),
                    8) for rank in range(workers)]
    for first in range(0, 8, 2):  # each pass: batches first, first + 1 of every worker
        parts = [set(shard[first] + shard[first + 1]) for shard in shards]
        assert len(parts[0]) == len(parts[1]) == 6
        assert parts[0].isdisjoint(parts[1])
        assert parts[0] | parts[1] == set(range(length))
    assert shards[0][:2] != shards[0][2:4]  # each pass is a new permutation


def test_the_order_depends_on_the_seed_only():
    first = _take(ShardedContinuousBatchSampler(20, 4, 1, 2, seed=3), 6)
    np.random.seed(99)  # the global generator plays no part
    assert _take(ShardedContinuousBatchSampler(20, 4, 1, 2, seed=3), 6) == first
    assert _take(ShardedContinuousBatchSampler(20, 4, 1, 2, seed=4), 6) != first
    sampler = ShardedContinuousBatchSampler(20, 4, 1, 2, seed=3)
    assert _take(sampler, 6) == _take(sampler, 6) == first  # every iter() starts over
    assert sampler.global_batch_size == 8
    assert repr(sampler) == "ShardedContinuousBatchSampler(length=20, batch_size=4, rank=1, " \
                            "workers=2, seed=3)"


@pytest.mark.parametrize("args,error,message", [
    ((0, 2, 0, 1, 0), ValueError, "length must be an int >= 1, got 0"),
    ((5, 0, 0, 1, 0), ValueError, "batch_size must be an int >= 1, got 0"),
    ((5, 2, 2, 2, 0), ValueError, "rank must be an int in [0, 1] (workers - 1), got 2"),
    ((5, 2, -1, 2, 0), ValueError, "rank must be an int >= 0, got -1"),
    ((5, 2, 0, 0, 0), ValueError, "workers must be an int >= 1, got 0"),
    ((5, 2, 0, 1, 2 ** 32), ValueError, "seed must be an int in [0, 4294967295], got 4294967296"),
    ((5, 2.0, 0, 1, 0), TypeError, "batch_size must be an int >= 1, got 2.0"),
    ((5, 2, True, 2, 0), TypeError, "rank must be an int >= 0, got True"),
])
def test_bad_arguments_are_named(args, error, message):
    with pytest.raises(error) as info:
        ShardedContinuousBatchSampler(*args)
    assert str(info.value) == message


def test_sharded_loaders_give_the_continuous_loader_batches_in_blocks():
    data = SimpleDataset(list(range(10)))
    loaders = [iter(sharded_loader(data, 6, seed=2, rank=rank, workers=3, num_workers=0))
               for rank in range(3)]
    single = iter(continuous_loader(data, 6, seed=2, num_workers=0))
    for _ in range(4):
        parts = [next(loader).asnumpy().tolist() for loader in loaders]
        assert [len(part) for part in parts] == [2, 2, 2]
        assert sum(parts, []) == next(single).asnumpy().tolist()


def test_worker_batch_size_divides_the_global_batch():
    assert worker_batch_size(128, 4) == 32
    with pytest.raises(ValueError) as info:
        sharded_loader(SimpleDataset([1, 2, 3]), 5, seed=0, rank=0, workers=2, num_workers=0)
    assert str(info.value) == "batch_size must be a multiple of the number of workers (2) so " \
                              "that every worker trains on as many samples per step, got 5"
    with pytest.raises(ValueError) as info:
        sharded_loader(SimpleDataset([]), 2, seed=0, rank=0, workers=2, num_workers=0)
    assert str(info.value) == "dataset must hold at least one item, got an empty one"
