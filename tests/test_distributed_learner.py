"""DistributedLearner: one worker in-process, then 2 workers + 1 server on 127.0.0.1.

The multi-process tests write each worker's results to a file and compare the
files. Each has a hard limit (SIGALRM raises inside the test, so the
launcher's own clean-up runs) and SIGKILLs every process group it started, by
PID, whatever happened.
"""
import io
import json
import math
import os
import signal
import sys
import textwrap
import threading
import time

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import LRFinder, Learner
from gluon_lr.data import continuous_loader
from gluon_lr.distributed import LEARNER_KEY, NUM_KEYS, DistributedLearner
from gluon_lr.launch import Launcher
from gluon_lr.launch.procs import live_members, pid_alive

from helpers import make_batches, make_dataset, make_net

HARD_LIMIT = 120  # seconds per multi-process test; each takes 10-25 s on 2 busy cores
TESTS = os.path.dirname(os.path.abspath(__file__))
SGD = {"learning_rate": 0.01, "momentum": 0.9}
SWEEP = {"lr_start": 1e-3, "lr_multiplier": 1.4, "lr_end": None, "max_iter": 80,
         "progress": False}

WORKER = textwrap.dedent('''
    import hashlib, json, math, os, sys, time
    sys.path.insert(0, {tests!r})
    import mxnet as mx
    import numpy as np
    from gluon_lr import LRFinder
    from gluon_lr.autolrs import AutoLRS
    from gluon_lr.distributed import (DistributedLearner, create_kvstore, fail_fast,
                                      finish_worker, sharded_loader)
    from helpers import make_dataset, make_net, state_arrays

    SGD = {sgd!r}
    SWEEP = {sweep!r}

    def digest(learner):
        arrays = state_arrays(learner)
        sha = hashlib.sha256()
        for name in sorted(arrays):
            sha.update(name.encode())
            sha.update(arrays[name].tobytes())
        return sha.hexdigest()

    class NaNOnRank1(mx.gluon.loss.SoftmaxCrossEntropyLoss):
        """NaN losses on rank 1 at the given calls (1-based)."""
        def __init__(self, rank, calls):
            super().__init__()
            self.rank, self.calls, self.count = rank, calls, 0
        def forward(self, pred, label):
            loss = super().forward(pred, label)
            self.count += 1
            if self.rank == 1 and self.count in self.calls:
                loss = loss * float("nan")
            return loss

    mode, folder = sys.argv[1], sys.argv[2]
    with fail_fast():
        kv = create_kvstore("dist_sync")
        data = make_dataset(n=96)

        def learner(batchnorm, **options):
            loader = sharded_loader(data, 16, seed=3, rank=kv.rank, workers=kv.num_workers,
                                    num_workers=0)
            net = make_net(seed=kv.rank, batchnorm=batchnorm)  # rank 0's weights must win
            return DistributedLearner(net, loader, mx.cpu(), kvstore=kv,
                                      optimizer_params=dict(SGD), **options)

        out = {{"num_workers": kv.num_workers}}
        if mode == "finder":
            bn = learner(True)
            out["initial"] = bn.net[0].weight.data().asnumpy().tolist()
            before = digest(bn)
            finder = LRFinder(bn)
            finder.find(**SWEEP)
            restored = digest(bn) == before
            confirmed = finder.confirm(budget=24, progress=False)
            out.update(results=finder.results, stop=finder.stop_reason,
                       suggestion=finder.suggest(), confirmed=confirmed,
                       trials=[list(t.losses) for t in finder.confirmation.trials],
                       restored=restored and digest(bn) == before,
                       losses=bn.run(4, lr=confirmed), state=digest(bn))
            autolrs = AutoLRS(bn, confirmed / 10, confirmed, tau=6, k=2, tau_max=12,
                              progress=False)
            autolrs.run(30)
            out.update(autolrs=[[stage.lr, [c.lr for c in stage.candidates]]
                                for stage in autolrs.stages], after_autolrs=digest(bn))
        elif mode == "nan":
            nan = learner(True, loss_fn=NaNOnRank1(kv.rank, {{5, 8}}))
            before = digest(nan)
            finder = LRFinder(nan)
            finder.find(lr_start=1e-4, lr_multiplier=1.1, max_iter=50, progress=False)
            out["finder"] = {{"results": finder.results, "stop": finder.stop_reason,
                             "restored": digest(nan) == before}}
            out["run"] = nan.run(10, lr=0.01)
        elif mode == "kill":
            slow = learner(False)
            def progress(step, lr, loss):
                with open(os.path.join(folder, "progress-{{}}".format(kv.rank)), "w") as handle:
                    handle.write("{{}} {{}}".format(os.getpid(), step))
                time.sleep(0.05)
            slow.run(100000, lr=0.01, callback=progress)
        with open(os.path.join(folder, "rank-{{}}.json".format(kv.rank)), "w") as handle:
            json.dump(out, handle, sort_keys=True)
        finish_worker(kv)
''').format(tests=TESTS, sgd=SGD, sweep=SWEEP)


# -- one worker, in this process -----------------------------------------------------------

class _OtherWorker:
    """A kvstore for the learner's round only: adds a second worker's pushed values."""

    type = "dist_sync"
    rank = 0
    num_workers = 2

    def __init__(self, other):
        self.other = other
        self.pushed = []

    def init(self, key, value):
        pass

    def pushpull(self, key, value, out):
        self.pushed.append(value.asnumpy().copy())
        out[:] = value + mx.np.array(self.other + [1.0], dtype="float32")


def _one_worker(batchnorm=False, **options):
    return DistributedLearner(make_net(seed=0, batchnorm=batchnorm), make_batches(4), mx.cpu(),
                              kvstore=mx.kv.create("local"), optimizer_params=dict(SGD),
                              **options)


def test_one_worker_trains_like_a_learner():
    learner = _one_worker(batchnorm=True)
    plain = Learner(make_net(seed=0), make_batches(4), mx.cpu(), optimizer_params=dict(SGD))
    assert (learner.rank, learner.workers, LEARNER_KEY) == (0, 1, NUM_KEYS - 2)
    np.testing.assert_allclose(learner.run(6, lr=0.1), plain.run(6, lr=0.1), rtol=1e-6)
    for name, param in plain.net.collect_params().items():
        np.testing.assert_allclose(learner.net.collect_params()[name].data().asnumpy(),
                                   param.data().asnumpy(), rtol=1e-5, atol=1e-7)


def test_one_worker_accumulates_like_a_learner():
    learner = _one_worker(batchnorm=False, accumulate=2)
    plain = Learner(make_net(seed=0, batchnorm=False), make_batches(4), mx.cpu(),
                    optimizer_params=dict(SGD), accumulate=2)
    np.testing.assert_allclose(learner.run(4, lr=0.1), plain.run(4, lr=0.1), rtol=1e-6)
    assert learner.trainer.optimizer.num_update == plain.trainer.optimizer.num_update == 4


def test_the_round_averages_loss_and_statistics_over_workers():
    learner = _one_worker(batchnorm=True)
    stats = [learner.net[1].running_mean, learner.net[1].running_var]
    other = [10.0, 8.0, 0.25] + [0.5] * 8 + [3.0] * 8  # loss sum, samples, lr, mean, var
    learner.kv = _OtherWorker(other)
    learner.workers = 2
    loss = learner.iteration(lr=0.25)
    pushed = learner.kv.pushed[0]
    assert pushed[1:3].tolist() == [8.0, 0.25]
    assert loss == float(np.float32(pushed[0] + np.float32(10.0))) / 16
    np.testing.assert_array_equal(stats[0].data().asnumpy(),
                                  (pushed[3:11] + np.float32(0.5)) / 2)
    np.testing.assert_array_equal(stats[1].data().asnumpy(),
                                  (pushed[11:19] + np.float32(3.0)) / 2)


@pytest.mark.parametrize("other,error,message", [
    ([1.0, 6.0, 0.25], ValueError, "workers trained on different numbers of samples in one "
     "step (this worker 8, all 2 together 14): give every worker batches of one size, e.g. "
     "with gluon_lr.distributed.sharded_loader"),
    ([1.0, 8.0, 0.5], RuntimeError, "workers stepped at different learning rates (this worker "
     "0.25, the mean over all 0.375): every worker must make the same calls with the same "
     "values"),
])
def test_the_round_refuses_workers_that_disagree(other, error, message):
    learner = _one_worker()
    learner.kv = _OtherWorker(other)
    learner.workers = 2
    with pytest.raises(error) as info:
        learner.iteration(lr=0.25)
    assert str(info.value) == message


@pytest.mark.parametrize("options,error,message", [
    ({"trainer": None}, TypeError, "DistributedLearner builds its own Trainer on the kvstore: "
     "pass optimizer= and optimizer_params= instead of trainer="),
    ({"kvstore": "dist_sync"}, TypeError, "kvstore must be an mxnet KVStore, made once per "
     "process with gluon_lr.distributed.create_kvstore() (a second 'dist_sync' kvstore in one "
     "process waits for ever); got 'dist_sync'"),
    ({"kvstore": type("KV", (_OtherWorker,), {"type": "dist_async"})([])}, ValueError,
     "kvstore must be synchronous ('dist_sync', or 'local'/'device' for one worker): with "
     "'dist_async' workers would step on different weights and the Trainer would update on "
     "the servers"),
    ({"sync_statistics": 1}, TypeError, "sync_statistics must be True or False, got 1"),
])
def test_bad_arguments_are_refused(options, error, message):
    options.setdefault("kvstore", mx.kv.create("local"))
    with pytest.raises(error) as info:
        DistributedLearner(make_net(), make_batches(2), mx.cpu(), **options)
    assert str(info.value) == message


def test_a_kvstore_serves_one_learner():
    kv = mx.kv.create("local")
    DistributedLearner(make_net(), make_batches(2), mx.cpu(), kvstore=kv)
    with pytest.raises(ValueError) as info:
        DistributedLearner(make_net(), make_batches(2), mx.cpu(), kvstore=kv)
    assert str(info.value) == "kvstore already serves a DistributedLearner: one per " \
        "kvstore, and one 'dist_sync' kvstore per process (reuse the learner: trial(), " \
        "restore() and set_data_loader() start over)"


def test_deferred_shapes_are_resolved_at_construction_on_the_first_batch():
    net = mx.gluon.nn.Dense(3)  # no in_units: its weight waits for a batch
    net.initialize()
    batches = make_batches(3)
    learner = DistributedLearner(net, batches, mx.cpu(), kvstore=mx.kv.create("local"))
    assert net.weight.shape == (3, 6)
    assert learner.peek_batches(1)[0] is batches[0]  # kept for the first iteration


# -- two workers and a server ----------------------------------------------------------------

@pytest.fixture
def cluster(tmp_path, hard_limit):
    """``start(mode)`` -> a Launcher of 2 workers running WORKER; all killed by PID at the end."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    launchers = []

    def start(mode):
        launcher = Launcher([sys.executable, str(script), mode, str(tmp_path)], 2, servers=1,
                            timeout=HARD_LIMIT - 20, stream=io.StringIO(),
                            report=io.StringIO(), log_dir=str(tmp_path / "logs"), grace=2.0)
        launchers.append(launcher)
        return launcher

    yield start
    for launcher in launchers:
        for pid in _all_pids(launcher):
            if live_members(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass


def _all_pids(launcher):
    return [pid for role in ("scheduler", "server", "worker") for pid in launcher.pids[role]]


def _leftovers(launcher):
    return [pid for pid in _all_pids(launcher) if pid_alive(pid) or live_members(pid)]


def _results(folder):
    texts = [(folder / "rank-{}.json".format(rank)).read_text() for rank in (0, 1)]
    return texts, json.loads(texts[0])


def test_two_workers_find_stop_suggest_confirm_and_restore_alike(cluster, tmp_path):
    launcher = cluster("finder")
    status = launcher.run()
    assert (status, launcher.report.getvalue()) == (0, "")
    assert _leftovers(launcher) == []
    (first, second), result = _results(tmp_path)
    assert first == second  # every number, bit for bit, on both workers
    assert result["num_workers"] == 2
    assert result["restored"] and result["stop"] == "diverged"
    assert 10 < len(result["results"]) < SWEEP["max_iter"]
    assert len(result["trials"]) >= 2 and all(len(losses) >= 3 for losses in result["trials"])
    assert len(result["losses"]) == 4 and all(math.isfinite(loss) for loss in result["losses"])
    # AutoLRS's searches and choices are the same on both workers too (first == second above)
    assert len(result["autolrs"]) >= 2 and all(len(c) == 2 for _, c in result["autolrs"])

    # One process on two devices splits each global batch into the same halves (BatchNorm
    # included): from rank 0's start it takes the same decisions on the same losses.
    net = make_net(seed=0)
    assert net[0].weight.data().asnumpy().tolist() == result["initial"]
    loader = continuous_loader(make_dataset(n=96), 16, seed=3, num_workers=0)
    single = LRFinder(Learner(net, loader, [mx.cpu(0), mx.cpu(1)],
                              optimizer_params=dict(SGD)))
    single.find(**SWEEP)
    assert single.stop_reason == "diverged"
    assert [lr for lr, _ in result["results"]] == single.lrs
    np.testing.assert_allclose([loss for _, loss in result["results"]], single.losses,
                               rtol=1e-4)
    assert result["suggestion"] == single.suggest()
    assert result["confirmed"] == single.confirm(budget=24, progress=False)
    for trial, expected in zip(result["trials"], single.confirmation.trials):
        np.testing.assert_allclose(trial, expected.losses, rtol=1e-4)


def test_a_nan_on_one_worker_stops_both_at_the_same_step(cluster, tmp_path):
    launcher = cluster("nan")
    begin = time.monotonic()
    status = launcher.run()
    assert (status, launcher.report.getvalue()) == (0, "")
    assert time.monotonic() - begin < HARD_LIMIT - 20
    assert _leftovers(launcher) == []
    (first, second), result = _results(tmp_path)
    assert first == second
    finder = result["finder"]
    # four finite losses show no fall: the finder says so (and warns, in the worker)
    assert (finder["stop"], finder["restored"], len(finder["results"])) == \
        ("non-finite loss before the loss fell", True, 5)
    assert all(math.isfinite(loss) for _, loss in finder["results"][:4])
    assert math.isnan(finder["results"][4][1])
    assert len(result["run"]) == 3 and math.isnan(result["run"][2])  # rank 1's 8th loss


def test_killing_a_worker_mid_run_stops_the_cluster(cluster, tmp_path):
    launcher = cluster("kill")
    done = {}
    thread = threading.Thread(target=lambda: done.setdefault("status", launcher.run()),
                              daemon=True)
    thread.start()
    progress = tmp_path / "progress-1"
    deadline = time.monotonic() + HARD_LIMIT - 30
    victim = None
    while time.monotonic() < deadline and thread.is_alive():
        fields = progress.read_text().split() if progress.exists() else []
        if len(fields) == 2 and int(fields[1]) >= 3:
            victim = int(fields[0])
            break
        time.sleep(0.1)
    assert victim is not None, "rank 1 never reached step 3"
    assert victim in launcher.pids["worker"]
    killed = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    thread.join(20.0)
    assert not thread.is_alive()
    assert time.monotonic() - killed < 20.0
    assert done["status"] == 128 + signal.SIGKILL
    message = launcher.report.getvalue()
    assert "rank 1, pid {}) was killed by signal SIGKILL; stopped all 4 processes".format(
        victim) in message
    assert _leftovers(launcher) == []
    assert not (tmp_path / "rank-0.json").exists()
