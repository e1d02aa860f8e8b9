"""Tests of gluon_lr.data.workers: a dead DataLoader worker process is reported at once.

The scenarios that kill workers run in a child Python in its own session, with
a hard timeout: a hang fails the test instead of stalling it, and the whole
process group (the child and its workers) is killed afterwards.
"""
import gc
import json
import multiprocessing
import os
import pathlib
import pickle
import re
import signal
import subprocess
import sys
import time
import types

import numpy as np
import pytest
from mxnet.gluon.data import DataLoader, SimpleDataset

from gluon_lr.data import WatchedDataLoader, WorkerDiedError

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 90  # seconds for a whole scenario, MXNet's import included
FAST = 5.0  # seconds within which a dead worker must be reported (MXNet: 120)


def test_worker_died_error_names_the_process_and_the_cause():
    killed = WorkerDiedError(4321, -9)
    assert str(killed) == ("DataLoader worker process 4321 died (signal 9, SIGKILL); its batches "
                           "are lost and the loader starts new workers at its next iter()")
    assert (killed.pid, killed.exitcode) == (4321, -9) and isinstance(killed, RuntimeError)
    assert "(exit code 3)" in str(WorkerDiedError(1, 3))
    assert "(signal 15, SIGTERM)" in str(WorkerDiedError(1, -15))
    assert "(signal 99)" in str(WorkerDiedError(1, -99))
    copy = pickle.loads(pickle.dumps(killed))
    assert (type(copy), str(copy), copy.pid, copy.exitcode) == (
        WorkerDiedError, str(killed), 4321, -9)


class _Fails:
    """Item transform that raises on item ``bad``."""

    def __init__(self, bad):
        self.bad = bad

    def __call__(self, x):
        if x == self.bad:
            raise KeyError("item {}".format(x))
        return np.float32(x)


def values(batches):
    return [batch.asnumpy().tolist() for batch in batches]


def test_processes_give_the_same_batches_as_mxnets_dataloader():
    data = SimpleDataset(list(range(23))).transform(_Fails(-1))
    ours = WatchedDataLoader(data, batch_size=4, num_workers=2, last_batch="discard")
    theirs = DataLoader(data, batch_size=4, num_workers=2, last_batch="discard")
    expected = values(theirs)
    assert expected == [[float(i) for i in range(k, k + 4)] for k in range(0, 20, 4)]
    assert values(ours) == values(ours) == expected and len(ours) == 5
    ours.close()


def test_threads_and_no_workers_are_mxnets_own_iterators():
    data = SimpleDataset(list(range(6)))
    inline = WatchedDataLoader(data, batch_size=4)
    assert isinstance(iter(inline), types.GeneratorType)
    threads = WatchedDataLoader(data, batch_size=4, num_workers=2, thread_pool=True)
    assert type(iter(threads)) is type(iter(DataLoader(data, batch_size=4, num_workers=1)))
    assert values(inline) == values(threads) == [[0, 1, 2, 3], [4, 5]]
    threads.check_workers()  # nothing to watch: a no-op
    assert inline.worker_pids() == threads.worker_pids() == []
    batches = iter(threads)
    threads.close()  # threads are the DataLoader's: a no-op
    assert values(batches) == [[0, 1, 2, 3], [4, 5]]


@pytest.mark.parametrize("workers", [{"num_workers": 0}, {"num_workers": 2, "thread_pool": True},
                                     {"num_workers": 2}], ids=["inline", "threads", "processes"])
def test_an_iterator_outlives_its_loader(workers):
    # MXNet's timeout, cut to 10 s, turns a pool stopped too early into a failure
    batches = iter(WatchedDataLoader(SimpleDataset(list(range(12))), batch_size=4, timeout=10,
                                     **workers))
    gc.collect()
    assert values(batches) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


class _Sleeps:
    def __call__(self, x):
        time.sleep(3.0)
        return np.float32(x)


def test_a_batch_later_than_the_timeout_raises_like_mxnet():
    loader = WatchedDataLoader(SimpleDataset(list(range(8))).transform(_Sleeps()), batch_size=1,
                               num_workers=1, timeout=0.2, poll_interval=0.05)
    batches = iter(loader)
    start = time.monotonic()
    with pytest.raises(multiprocessing.TimeoutError, match=r"^no DataLoader batch within "
                                                         r"timeout = 0.2 s; every worker "
                                                         r"process is alive$"):
        next(batches)
    assert time.monotonic() - start < 2.0  # not the batch's 3 s
    assert loader.worker_pids() == []  # stopped; the next iter() starts a worker
    assert len(loader.options) == 3 and loader.options["timeout"] == 0.2
    loader.close()


def test_a_failing_batch_raises_and_the_next_iter_starts_new_workers():
    loader = WatchedDataLoader(SimpleDataset(list(range(12))).transform(_Fails(5)),
                               batch_size=4, num_workers=2)
    batches = iter(loader)
    assert values([next(batches)]) == [[0, 1, 2, 3]]
    with pytest.raises(KeyError, match="item 5"):
        next(batches)
    with pytest.raises(RuntimeError, match=r"^this DataLoader iterator's worker processes were "
                                           r"stopped \(after an error, or by close\(\)\); call "
                                           r"iter\(\) on the loader again$"):
        next(batches)
    again = iter(loader)
    assert values([next(again)]) == [[0, 1, 2, 3]]
    loader.close()


def test_close_stops_the_workers_and_iter_restarts_them():
    loader = WatchedDataLoader(SimpleDataset(list(range(8))), batch_size=4, num_workers=1)
    batches = iter(loader)
    next(batches)
    (pid,) = loader.worker_pids()
    loader.close()
    loader.close()  # twice is fine
    assert loader.worker_pids() == []
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(pid, 0)
    with pytest.raises(RuntimeError, match="call iter"):
        next(batches)
    assert values(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    (new_pid,) = loader.worker_pids()
    assert new_pid != pid
    loader.close()


@pytest.mark.parametrize("poll_interval, error", [(0, ValueError), (-1.0, ValueError),
                                                  ("1", TypeError)])
def test_poll_interval_must_be_positive(poll_interval, error):
    with pytest.raises(error, match=r"^poll_interval must be a number in \(0, inf\), got "):
        WatchedDataLoader(SimpleDataset([1]), batch_size=1, poll_interval=poll_interval)


# --- killed workers, in a child process with a hard timeout ---------------------------------

CHILD = r"""
import json, os, signal, sys, time
import numpy as np
from mxnet.gluon.data import SimpleDataset
from gluon_lr.data import WatchedDataLoader, WorkerDiedError


class Slow:
    def __init__(self, seconds):
        self.seconds = seconds

    def __call__(self, x):
        time.sleep(self.seconds)
        return np.float32(x)


def report(**fields):
    print(json.dumps(fields), flush=True)


scenario = sys.argv[1]
busy = scenario == "busy"
loader = WatchedDataLoader(SimpleDataset(list(range(400))).transform(Slow(0.3 if busy else 0)),
                           batch_size=4, num_workers=2)
batches = iter(loader)
report(first=next(batches).asnumpy().tolist())
pids = loader.worker_pids()
if busy:  # the worker is making a batch the loader waits for
    killed = pids[:1]
else:  # every batch made: idle workers, one of them waiting inside the task queue's lock
    time.sleep(1.0)
    killed = pids
for pid in killed:
    os.kill(pid, signal.SIGKILL)
report(killed=killed, killed_at=time.time())
if scenario == "exit":  # exit without another batch: the pool must not block the exit
    sys.exit(0)
start = time.monotonic()
try:
    while True:
        next(batches)
except WorkerDiedError as error:
    report(seconds=time.monotonic() - start, message=str(error), pid=error.pid,
           exitcode=error.exitcode)
start = time.monotonic()
again = iter(loader)
report(restart=[next(again).asnumpy().tolist() for _ in range(2)], new_pids=loader.worker_pids(),
       restart_seconds=time.monotonic() - start)
"""


def run_child(scenario):
    """Run the child for ``scenario``; return its reports and the time its output ended."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    child = subprocess.Popen([sys.executable, "-c", CHILD, scenario], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
        ended_at = time.time()  # the child, and every worker holding its pipes, are gone
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail("the {} scenario hung for {} s; output:\n{}\n{}".format(
            scenario, CHILD_TIMEOUT, out, err[-3000:]))
    finally:
        left = _group_alive(child.pid)
        if left:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 0, err[-3000:]
    assert not left, "the child left processes behind"
    reports = {}
    for line in out.splitlines():
        reports.update(json.loads(line))
    return reports, ended_at


def _group_alive(pgid, grace=3.0):
    """Whether any process of group ``pgid`` is still there after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


DIED = r"^DataLoader worker process (\d+) died \(signal 9, SIGKILL\); its batches are lost and " \
       r"the loader starts new workers at its next iter\(\)$"


@pytest.mark.parametrize("scenario", ["busy", "idle"])
def test_a_killed_worker_is_reported_at_once_and_replaced(scenario):
    reports, _ = run_child(scenario)
    assert reports["first"] == [0.0, 1.0, 2.0, 3.0]
    assert re.match(DIED, reports["message"])
    assert reports["pid"] in reports["killed"] and reports["exitcode"] == -signal.SIGKILL
    assert str(reports["pid"]) in reports["message"]
    assert reports["seconds"] < FAST
    # the next iter() starts over with new workers
    assert reports["restart"] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    assert len(reports["new_pids"]) == 2 and not set(reports["new_pids"]) & set(reports["killed"])
    assert reports["restart_seconds"] < FAST


def test_exit_after_an_unnoticed_death_does_not_block():
    # MXNet's own DataLoader blocks at exit here (Pool.terminate waits for the dead
    # worker's lock) and leaves the replacement workers behind.
    reports, ended_at = run_child("exit")
    assert len(reports["killed"]) == 2 and "message" not in reports
    assert ended_at - reports["killed_at"] < FAST
