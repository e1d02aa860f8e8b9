"""A Trainer on 2 dist_sync workers stays in step when its parameters are broadcast first.

The multi-process test has a hard limit (SIGALRM raises inside the test, so
the launcher's own clean-up runs) and SIGKILLs every process group it
started, by PID, whatever happened.
"""
import io
import json
import os
import signal
import sys
import textwrap

import mxnet as mx
import numpy as np
import pytest

from gluon_lr.launch import Launcher
from gluon_lr.launch.procs import live_members, pid_alive
from gluon_lr.distributed.trainer import broadcast_parameters

HARD_LIMIT = 45  # seconds; the run takes 5-10 s

WORKER = textwrap.dedent('''
    import json, os, sys
    import mxnet as mx
    from mxnet import autograd, gluon
    from gluon_lr.distributed import allreduce_mean, agree_any, create_kvstore, fail_fast
    from gluon_lr.distributed.trainer import broadcast_parameters
    with fail_fast():
        kv = create_kvstore("dist_sync")
        mx.np.random.seed(kv.rank)  # different initial weights: rank 0's must win
        net = gluon.nn.Dense(2, in_units=3)
        net.initialize(mx.init.Uniform(1.0))
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1},
                                kvstore=kv, update_on_kvstore=False)
        broadcast_parameters(trainer)
        initial = net.weight.data().asnumpy().tolist()
        x = mx.np.ones((4, 3)) * (kv.rank + 1)
        losses, weights = [], []
        for step in range(3):
            with autograd.record():
                loss = (net(x) ** 2).mean()
            loss.backward()
            trainer.step(8)  # the global batch: 2 workers x 4
            losses.append(allreduce_mean(kv, 0, [float(loss)]).tolist())
            if agree_any(kv, False):
                break
            weights.append(net.weight.data().asnumpy().tolist())
        with open(os.path.join(sys.argv[1], "rank-{}.json".format(kv.rank)), "w") as handle:
            json.dump({"initial": initial, "losses": losses, "weights": weights,
                       "bias": net.bias.data().asnumpy().tolist()}, handle)
''')


def test_workers_keep_identical_weights(tmp_path, hard_limit):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    report = io.StringIO()
    launcher = Launcher([sys.executable, str(script), str(tmp_path)], 2, timeout=40,
                        stream=io.StringIO(), report=report, log_dir=str(tmp_path / "logs"))
    try:
        status = launcher.run()
    finally:
        pids = [pid for role in ("scheduler", "server", "worker") for pid in launcher.pids[role]]
        for pid in pids:
            if live_members(pid):
                os.killpg(pid, signal.SIGKILL)
    assert (status, report.getvalue()) == (0, "")
    assert [pid for pid in pids if pid_alive(pid) or live_members(pid)] == []
    results = []
    for rank in (0, 1):
        with open(tmp_path / "rank-{}.json".format(rank)) as handle:
            results.append(json.load(handle))
    assert results[0] == results[1]  # bit for bit: every value went through float32 JSON
    assert len(results[0]["weights"]) == 3

    # the same three steps in one process: rank 0's start, gradients summed over both inputs
    mx.np.random.seed(0)
    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize(mx.init.Uniform(1.0))
    assert net.weight.data().asnumpy().tolist() == results[0]["initial"]
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for step in range(3):
        with mx.autograd.record():
            loss = sum((net(mx.np.ones((4, 3)) * k) ** 2).mean() for k in (1, 2))
        loss.backward()
        trainer.step(8)
        np.testing.assert_allclose(results[0]["weights"][step], net.weight.data().asnumpy(),
                                   rtol=1e-5)


def test_broadcast_parameters_checks_the_trainer():
    with pytest.raises(TypeError) as info:
        broadcast_parameters("sgd")
    assert str(info.value) == "trainer must be an mxnet.gluon.Trainer, got 'sgd'"

    net = mx.gluon.nn.Dense(1, in_units=2)
    net.initialize(device=[mx.cpu(0), mx.cpu(1)])
    with pytest.raises(ValueError) as info:  # two devices: updates on the kvstore by default
        broadcast_parameters(mx.gluon.Trainer(net.collect_params(), "sgd"))
    assert str(info.value) == "trainer must be created with update_on_kvstore=False: its " \
        "optimizer would otherwise run on the servers"

    net = mx.gluon.nn.Dense(1)
    net.initialize()
    with pytest.raises(ValueError) as info:
        broadcast_parameters(mx.gluon.Trainer(net.collect_params(), "sgd", kvstore=None))
    assert str(info.value) == "trainer's parameters must have their shapes before the " \
        "broadcast; still deferred: weight (give in_units/in_channels or run one forward " \
        "pass first)"


def test_broadcast_parameters_leaves_a_local_trainer_unchanged():
    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize(device=[mx.cpu(0), mx.cpu(1)])
    before = [d.asnumpy() for d in net.weight.list_data()]
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5},
                               update_on_kvstore=False)
    broadcast_parameters(trainer)
    assert all(np.array_equal(b, d.asnumpy()) for b, d in zip(before, net.weight.list_data()))
    assert trainer.optimizer.num_update == 0
