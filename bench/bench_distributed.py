"""Cost per iteration on 1 and 2 local dist_sync workers against the single-process Learner.

Three arms train the same small network (``small_cnn``, CIFAR-10 shapes,
random data held in memory) at the same *global* batch, in one run:

1. ``single``: the plain :class:`~gluon_lr.Learner`, one process, no kvstore;
2. ``1 worker``: a :class:`~gluon_lr.distributed.DistributedLearner` on a
   cluster of 1 worker + 1 server (every gradient goes through the server;
   nothing runs in parallel): the kvstore's overhead alone;
3. ``2 workers``: 2 workers + 1 server, each on half of every batch.

Every arm runs in processes of its own (MXNet reads its thread count at
import), each with ``--threads`` OpenMP threads (default 1: on a shared,
loaded 2-core machine 2 threads per process measured 9 times slower, 0.72 s
against 0.08 s per step of the single arm, as OpenMP threads spin waiting
for each other on oversubscribed cores). The arms alternate in rounds; the
table gives the median (and the minimum) over rounds of each arm's mean
time per iteration, and its ratio to the single process's. Also measured: one round trip of the
learner's collective (loss, samples, learning rate and BatchNorm
statistics), alone.

Usage: ``python bench/bench_distributed.py [--steps 40] [--rounds 3] [--batch-size 64]
[--threads 1]``
(``--arm`` is internal: what each process runs).
"""
import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from gluon_lr.threads import available_cores  # noqa: E402  (imports no MXNet)

WARMUP = 5
ARMS = ("single", "1 worker", "2 workers")
ARM_LIMIT = 300  # seconds per arm, start-up included


# -- what each process runs ------------------------------------------------------------------

def _batches(steps, batch_size, rank, workers):
    """``steps`` global batches of random CIFAR-10-shaped data; this worker's block of each."""
    import mxnet as mx
    import numpy as np
    rng = np.random.RandomState(0)
    share = batch_size // workers
    batches = []
    for _ in range(steps):
        data = rng.normal(size=(batch_size, 3, 32, 32)).astype("float32")
        label = rng.randint(0, 10, size=batch_size).astype("float32")
        low = rank * share
        batches.append((mx.np.array(data[low:low + share]), mx.np.array(label[low:low + share])))
    return batches


def _net():
    import mxnet as mx
    from gluon_lr.models import small_cnn
    mx.np.random.seed(1)
    net = small_cnn(classes=10)
    net.initialize(mx.init.Xavier())
    return net


def _time_run(learner, steps):
    import mxnet as mx
    learner.run(WARMUP, lr=0.01)
    mx.npx.waitall()
    start = time.perf_counter()
    learner.run(steps, lr=0.01)
    mx.npx.waitall()
    return (time.perf_counter() - start) / steps


def run_arm(arm, steps, batch_size):
    """Run one arm in this process; print its ``RESULT {...}`` line (rank 0 only)."""
    import mxnet as mx
    from gluon_lr import Learner
    hybridize = {"static_alloc": True, "static_shape": True}
    sgd = {"learning_rate": 0.01, "momentum": 0.9}
    if arm == "single":
        learner = Learner(_net(), _batches(steps + WARMUP, batch_size, 0, 1), mx.cpu(),
                          hybridize=hybridize, optimizer_params=sgd)
        seconds = _time_run(learner, steps)
        params = sum(p.data().size for p in learner.net.collect_params().values()
                     if p.grad_req != "null")
        print("RESULT " + json.dumps({"arm": arm, "seconds": seconds, "params": params}),
              flush=True)
        return
    from gluon_lr.distributed import (LEARNER_KEY, DistributedLearner, allreduce_sum,
                                      batchnorm_statistics, create_kvstore, fail_fast,
                                      finish_worker)
    with fail_fast():
        kv = create_kvstore("dist_sync")
        learner = DistributedLearner(
            _net(), _batches(steps + WARMUP, batch_size, kv.rank, kv.num_workers), mx.cpu(),
            kvstore=kv, hybridize=hybridize, optimizer_params=sgd)
        seconds = _time_run(learner, steps)
        # the learner's round alone: its key, its length (loss, samples, lr, statistics)
        width = 3 + sum(p.data().size for p in batchnorm_statistics(learner.net))
        start = time.perf_counter()
        for _ in range(20):
            allreduce_sum(kv, LEARNER_KEY, [0.0] * width)
        round_trip = (time.perf_counter() - start) / 20
        if kv.rank == 0:
            print("RESULT " + json.dumps({"arm": arm, "seconds": seconds,
                                          "round_trip": round_trip}), flush=True)
        finish_worker(kv)


# -- the driver ------------------------------------------------------------------------------

def _arm_command(arm, args):
    return [sys.executable, os.path.abspath(__file__), "--arm", arm, "--steps", str(args.steps),
            "--batch-size", str(args.batch_size)]


def _result(text, arm):
    for line in text.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError("arm {!r} gave no result; its output:\n{}".format(arm, text[-2000:]))


def measure(arm, args):
    """Run ``arm`` in fresh processes (with a time limit); return its result."""
    from gluon_lr.launch import launch
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS=str(args.threads))
    env.pop("MXNET_OMP_MAX_THREADS", None)
    if arm == "single":
        done = subprocess.run(_arm_command(arm, args), env=env, capture_output=True, text=True,
                              timeout=ARM_LIMIT)
        return _result(done.stdout + done.stderr, arm)
    workers = 1 if arm == "1 worker" else 2
    stream, report = io.StringIO(), io.StringIO()
    status = launch(_arm_command(arm, args), workers, servers=1, timeout=ARM_LIMIT,
                    env={"OMP_NUM_THREADS": env["OMP_NUM_THREADS"],
                         "PYTHONPATH": env["PYTHONPATH"]},
                    stream=stream, report=report)
    if status:
        raise RuntimeError("arm {!r} failed ({}): {}".format(arm, status, report.getvalue()))
    return _result(stream.getvalue(), arm)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="timed steps per arm and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch (even)")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads per process")
    parser.add_argument("--arm", choices=ARMS, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch_size % 2:
        parser.error("--batch-size must be even (2 workers share it)")
    if args.arm is not None:
        run_arm(args.arm, args.steps, args.batch_size)
        return 0

    load_before = os.getloadavg()
    results = {arm: [] for arm in ARMS}
    for _ in range(args.rounds):
        for arm in ARMS:
            results[arm].append(measure(arm, args))
    load_after = os.getloadavg()

    single = statistics.median(r["seconds"] for r in results["single"])
    params = results["single"][0]["params"]
    print("gluon-lr distributed benchmark: small_cnn ({:,} trained parameters), global batch {}, "
          "{} steps x {} rounds, {} cores, load average {:.1f} before / {:.1f} after".format(
              params, args.batch_size, args.steps, args.rounds, available_cores(),
              load_before[0], load_after[0]))
    best_single = min(r["seconds"] for r in results["single"])
    print("{:<10} {:>7} {:>12} {:>7} {:>20} {:>14} {:>15}".format(
        "arm", "workers", "batch/worker", "threads", "ms/iter median (min)",
        "ratio med (min)", "round trip ms"))
    for arm in ARMS:
        workers = {"single": 0, "1 worker": 1, "2 workers": 2}[arm]
        seconds = statistics.median(r["seconds"] for r in results[arm])
        best = min(r["seconds"] for r in results[arm])
        trip = "-" if arm == "single" else "{:.2f}".format(
            1e3 * statistics.median(r["round_trip"] for r in results[arm]))
        print("{:<10} {:>7} {:>12} {:>7} {:>20} {:>15} {:>14}".format(
            arm, workers or "-", args.batch_size // max(workers, 1), args.threads,
            "{:.1f} ({:.1f})".format(1e3 * seconds, 1e3 * best),
            "{:.2f} ({:.2f})".format(seconds / single, best / best_single), trip))
    print("per round (ms/iteration): " + "; ".join(
        "{}: {}".format(arm, ", ".join("{:.1f}".format(1e3 * r["seconds"])
                                       for r in results[arm])) for arm in ARMS))
    print("gradient traffic per step and worker: {:.2f} MB pushed + {:.2f} MB pulled "
          "(4 bytes x {:,} parameters each way)".format(4 * params / 1e6, 4 * params / 1e6,
                                                      params))
    print(WHAT_IT_SHOWS)
    return 0


WHAT_IT_SHOWS = """\
What these numbers show, and what they do not:
- Every process has the same OpenMP threads. The single process computes each batch
  alone; the lone worker does the same work and also sends every gradient through a
  server process on 127.0.0.1 and back, and makes the learner's collective round: '1
  worker' / 'single' is the kvstore's overhead with no parallelism at all. The 2 workers
  each compute half of every batch, in parallel on the 2 cores if they are free, then
  exchange gradients: '2 workers' / 'single' would approach 0.5 only if the cores were
  idle and the exchange free.
- This machine is shared with other jobs (see the load averages), so the cores are not
  free: the 2-worker figure mixes parallel speed-up, the exchange's cost and contention
  with whatever else runs, and can land anywhere around 0.5-1.5. It is not a verdict on
  scaling: on N machines each worker has its own cores and the traffic per worker stays
  2 x 4 bytes x parameters per step, so the speed-up depends on the network (see the
  cost model in the README), which loopback on one VM cannot show.
- The load varies while the benchmark runs: the rounds alternate the arms so that a
  drift hits all of them, and both the median and the least-disturbed (minimum) round
  are given. Read a ratio against the spread of each arm's rounds (the per-round line):
  only a gap larger than that spread means anything.
- Not measured: data loading (batches are in memory), hybridized graph build (warm-up
  steps excluded), start-up of the processes."""


if __name__ == "__main__":
    sys.exit(main())
