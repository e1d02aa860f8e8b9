"""Agreed values and decisions over a kvstore: in one process, and on 2 dist_sync workers.

The multi-process test has a hard limit (SIGALRM raises inside the test, so
the launcher's own clean-up runs) and SIGKILLs every process group it
started, by PID, whatever happened.
"""
import io
import json
import math
import os
import signal
import sys
import textwrap

import mxnet as mx
import numpy as np
import pytest

from gluon_lr.distributed import (KEY_BASE, NUM_KEYS, agree_all, agree_any, allreduce_mean,
                                  allreduce_sum)
from gluon_lr.launch import Launcher
from gluon_lr.launch.procs import live_members, pid_alive

HARD_LIMIT = 45  # seconds; the 2-worker run takes 5-10 s

WORKER = textwrap.dedent('''
    import json, math, os, sys
    from gluon_lr.distributed import (agree_all, agree_any, allreduce_mean, allreduce_sum,
                                      create_kvstore, fail_fast)
    with fail_fast():
        kv = create_kvstore("dist_sync")
        r = kv.rank
        nan_mean = allreduce_mean(kv, 2, [float("nan") if r == 1 else 1.0, 2.0]).tolist()
        results = {
            "num_workers": kv.num_workers,
            "mean": allreduce_mean(kv, 0, [r, 1.0, 0.25 * r]).tolist(),
            "rounds": [allreduce_sum(kv, 1, [10.0 * i + r]).tolist() for i in range(3)],
            "any_rank1": agree_any(kv, r == 1),
            "any_none": agree_any(kv, False),
            "all_rank0": agree_all(kv, r == 0),
            "all_true": agree_all(kv, True),
            "nan_mean": nan_mean,
            "stop_on_nan": agree_any(kv, math.isnan(nan_mean[0])),
        }
        with open(os.path.join(sys.argv[1], "rank-{}.json".format(r)), "w") as handle:
            json.dump(results, handle)
        print("rank {} wrote its results".format(r))
''')


def test_two_workers_agree(tmp_path, hard_limit):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out, report = io.StringIO(), io.StringIO()
    launcher = Launcher([sys.executable, str(script), str(tmp_path)], 2, servers=1, timeout=40,
                        stream=out, report=report, log_dir=str(tmp_path / "logs"))
    try:
        status = launcher.run()
    finally:
        pids = [pid for role in ("scheduler", "server", "worker") for pid in launcher.pids[role]]
        for pid in pids:
            if live_members(pid):
                os.killpg(pid, signal.SIGKILL)
    assert (status, report.getvalue()) == (0, "")
    assert "rank 0 wrote its results" in out.getvalue().splitlines()
    assert [pid for pid in pids if pid_alive(pid) or live_members(pid)] == []
    for rank in (0, 1):
        with open(tmp_path / "rank-{}.json".format(rank)) as handle:
            results = json.load(handle)
        nan_mean = results.pop("nan_mean")
        assert math.isnan(nan_mean[0]) and nan_mean[1] == 2.0, rank
        assert results == {
            "num_workers": 2,
            "mean": [0.5, 1.0, 0.125],
            "rounds": [[1.0], [21.0], [41.0]],  # each round sums that round only
            "any_rank1": True,
            "any_none": False,
            "all_rank0": False,
            "all_true": True,
            "stop_on_nan": True,
        }, rank


# -- one process ---------------------------------------------------------------------------

def test_without_a_kvstore_values_come_back():
    assert allreduce_sum(None, 0, [1.5, -2.0]).tolist() == [1.5, -2.0]
    assert allreduce_mean(None, 0, (3.0,)).tolist() == [3.0]
    assert [agree_any(None, True), agree_any(None, False)] == [True, False]
    assert [agree_all(None, True), agree_all(None, np.bool_(False))] == [True, False]


def test_local_kvstore_is_one_worker():
    kv = mx.kv.create("local")
    assert allreduce_sum(kv, 0, [1.5, -2.0, 0.25]).tolist() == [1.5, -2.0, 0.25]
    assert allreduce_sum(kv, 0, [0.5, 0.5, 0.5]).tolist() == [0.5, 0.5, 0.5]  # replaced, not added
    assert allreduce_mean(kv, 1, mx.np.array([4.0])).tolist() == [4.0]
    assert agree_any(kv, np.bool_(True)) is True
    assert agree_all(kv, False) is False
    result = allreduce_mean(kv, NUM_KEYS - 2, [float("nan"), float("inf")])
    assert math.isnan(result[0]) and result[1] == math.inf
    assert result.dtype == np.float64


def test_key_length_is_fixed_on_first_use():
    kv = mx.kv.create("local")
    allreduce_sum(kv, 5, [1.0, 2.0])
    with pytest.raises(ValueError) as info:
        allreduce_sum(kv, 5, [1.0])
    assert str(info.value) == "values must have 2 elements for key 5 (its length on first " \
        "use), got 1"
    assert allreduce_sum(mx.kv.create("local"), 5, [1.0]).tolist() == [1.0]  # per kvstore


def test_an_optimizer_on_the_kvstore_is_detected():
    kv = mx.kv.create("local")
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5))
    with pytest.raises(RuntimeError) as info:
        allreduce_sum(kv, 0, [1.0])
    assert str(info.value) == (
        "kvstore key {} did not return the sum over the 1 worker(s) (its check value is -0.5, "
        "not 1): does a Trainer update on this kvstore? Create the Trainer with "
        "update_on_kvstore=False".format(KEY_BASE))


@pytest.mark.parametrize("call, error, message", [
    (lambda: allreduce_sum(None, -1, [1.0]), ValueError, "key must be an int >= 0, got -1"),
    (lambda: allreduce_sum(None, 1023, [1.0]), ValueError,
     "key must be an int in [0, 1022], got 1023"),
    (lambda: allreduce_mean(None, 1.0, [1.0]), TypeError, "key must be an int >= 0, got 1.0"),
    (lambda: allreduce_sum(None, 0, []), TypeError,
     "values must be a non-empty 1-D sequence of real numbers, got []"),
    (lambda: allreduce_sum(None, 0, [[1.0]]), TypeError,
     "values must be a non-empty 1-D sequence of real numbers, got [[1.0]]"),
    (lambda: allreduce_sum(None, 0, "1"), TypeError,
     "values must be a non-empty 1-D sequence of real numbers, got '1'"),
    (lambda: allreduce_sum(None, 0, ["a"]), TypeError,
     "values must be a non-empty 1-D sequence of real numbers, got ['a']"),
    (lambda: agree_any(None, 1), TypeError, "flag must be True or False, got 1"),
    (lambda: agree_all(None, None), TypeError, "flag must be True or False, got None"),
    (lambda: allreduce_sum(object(), 0, [1.0]), TypeError,
     "kv must be None or an mxnet KVStore (with init, pushpull and num_workers), got "),
])
def test_arguments_are_checked(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)
    if not message.endswith("got "):
        assert str(info.value) == message


def test_reserved_keys():
    assert (KEY_BASE, NUM_KEYS) == (200000, 1024)
    assert (KEY_BASE + NUM_KEYS - 1) * 9973 < 2 ** 31  # the dist kvstore's server choice
