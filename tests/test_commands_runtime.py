"""What a command's runtime gives: loaders and learners, who writes files, the summary entry."""
import types

import mxnet as mx
from mxnet.gluon.data import SimpleDataset

from gluon_lr import Learner
from gluon_lr.commands.runtime import Runtime
from gluon_lr.data import continuous_loader
from gluon_lr.distributed import DistributedLearner, sharded_loader
from gluon_lr.distributed.runtime import DistributedRuntime
from gluon_lr.recipes import compare_from_one_start
from helpers import make_dataset, make_net


def _first(loader, count):
    batches = iter(loader)
    return [next(batches).asnumpy().tolist() for _ in range(count)]


def test_one_process_has_every_batch_and_writes_the_files():
    data = SimpleDataset(list(range(10)))
    runtime = Runtime()
    assert (runtime.writes_files, runtime.describe(16)) == (True, {})
    assert _first(runtime.loader(data, 4, seed=3, num_workers=0), 3) == \
        _first(continuous_loader(data, 4, seed=3, num_workers=0), 3)


def test_a_worker_has_its_share_and_only_rank_0_writes(monkeypatch):
    monkeypatch.setenv("DMLC_NUM_SERVER", "3")
    data = SimpleDataset(list(range(10)))
    for rank in (0, 1):
        kv = types.SimpleNamespace(rank=rank, num_workers=2, type="dist_sync")
        runtime = DistributedRuntime(kv)
        assert runtime.writes_files is (rank == 0)
        assert _first(runtime.loader(data, 4, seed=3, num_workers=0), 3) == \
            _first(sharded_loader(data, 4, 3, rank, 2, num_workers=0), 3)
        assert runtime.describe(16) == {"distributed": {
            "workers": 2, "servers": 3, "kvstore": "dist_sync", "global_batch_size": 16,
            "worker_batch_size": 8}}


def test_the_learner_class_comes_from_the_runtime():
    kv = mx.kv.create("local")
    assert Runtime().learner_keywords() == {"learner_class": Learner}
    assert DistributedRuntime(kv).learner_keywords() == {
        "learner_class": DistributedLearner, "kvstore": kv}


def test_compare_takes_every_run_s_loader_from_make_loader():
    train_set = make_dataset(n=32)
    calls = []

    def make_loader(dataset, batch_size, seed, num_workers):
        calls.append((dataset, batch_size, seed, num_workers))
        return continuous_loader(dataset, batch_size, seed, num_workers)

    learner = Learner(make_net(), continuous_loader(train_set, 8, 0, 0), mx.cpu())
    runs = compare_from_one_start(learner, train_set, lrs=(0.1, 0.01), iterations=2,
                                  batch_size=8, seed=5, num_workers=0, progress=False,
                                  make_loader=make_loader)
    assert [run["lr"] for run in runs] == [0.1, 0.01]
    assert calls == [(train_set, 8, 5, 0)] * 2
