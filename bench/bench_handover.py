"""Why gluon-lr's loaders hand batches to MXNet without a copy, measured in one run.

MXNet copies a NumPy array of 200,000 elements or more (``MXNET_CPU_PARALLEL_SIZE``)
with an OpenMP loop in the thread that calls ``mx.np.array``. A loader thread
doing that (``DataLoader(thread_pool=True)`` with MXNet's batchify does it for
every batch) keeps OpenMP threads of its own, so libgomp then manages more
threads than there are cores and stops letting waiting threads spin: every
operator of the model waits for its threads to wake. gluon-lr's loaders hand
the batch over with ``mx.npx.from_numpy`` instead (:func:`gluon_lr.data.batches.to_mxnet`).

In one process with every core for MXNet (:func:`gluon_lr.configure_threads`),
it times the model-only step (a hybridized ResNet-18 v2 on resident batches of
``--batch-size``) in three states, alternating in ``--rounds`` rounds:

(a) no other thread alive;
(b) beside a live thread that handed one CIFAR-10-sized batch over with ``to_mxnet``;
(c) beside a live thread that copied one such batch with ``mx.np.array``.

Each state's thread ends before the next starts, and its OpenMP threads with
it. It prints each state's median s/step, the share of the machine left idle
while it ran (``/proc/stat``), and the ratios to (a).

Usage: ``python bench/bench_handover.py [--steps 20] [--rounds 5] [--batch-size 128]``
"""
import argparse
import os
import statistics
import sys
import threading
import time

from gluon_lr import configure_threads

configure_threads()

import mxnet as mx  # noqa: E402 - after the thread count is set
import numpy as np  # noqa: E402

from bench_find import ModelStep  # noqa: E402
from gluon_lr.data.batches import to_mxnet  # noqa: E402

#: state -> how its thread hands a batch to MXNet (None: no thread)
STATES = {"(a) no other thread": None,
          "(b) beside a thread that used to_mxnet": to_mxnet,
          "(c) beside a thread that used mx.np.array": mx.np.array}


def cpu_times():
    """The machine's (busy, idle) clock ticks so far, from ``/proc/stat``."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, idle


def thread_count():
    return len(os.listdir("/proc/self/task"))


class HandingThread:
    """A thread that hands one batch to MXNet with ``hand_over`` and stays alive until closed."""

    def __init__(self, hand_over, shape):
        self._handed, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._work, args=(hand_over, shape))
        self._thread.start()
        self._handed.wait()

    def _work(self, hand_over, shape):
        hand_over(np.ones(shape, np.float32)).wait_to_read()
        self._handed.set()
        self._release.wait()

    def close(self):
        self._release.set()
        self._thread.join()


def measure(model, hand_over, args, baseline_threads):
    """(s/step, idle share) of ``args.steps`` model steps in one state."""
    thread = None if hand_over is None else HandingThread(
        hand_over, (args.batch_size, 3, 32, 32))
    try:
        busy, idle = cpu_times()
        seconds = model.seconds(args.steps, skip=1)
        busy_after, idle_after = cpu_times()
    finally:
        if thread is not None:
            thread.close()
    deadline = time.monotonic() + 10
    while thread_count() > baseline_threads and time.monotonic() < deadline:
        time.sleep(0.05)  # libgomp ends the thread's OpenMP threads after it
    return seconds, (idle_after - idle) / max(1, busy_after - busy + idle_after - idle)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per state and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)
    model = ModelStep(args.batch_size)
    model.seconds(3, skip=0)  # builds the graph
    baseline_threads = thread_count()
    results = {state: [] for state in STATES}
    for _ in range(args.rounds):
        for state, hand_over in STATES.items():
            results[state].append(measure(model, hand_over, args, baseline_threads))
    base = statistics.median(s for s, _ in results["(a) no other thread"])
    lines = ["gluon-lr handover benchmark: resnet18_v2 model-only step, batch {}, {} steps x {} "
             "rounds, OMP_NUM_THREADS={}, {} cores; each state's median s/step and the share "
             "of the machine idle while it ran".format(
                 args.batch_size, args.steps, args.rounds, os.environ.get("OMP_NUM_THREADS"),
                 os.cpu_count())]
    for state, values in results.items():
        seconds = statistics.median(s for s, _ in values)
        lines.append("{:<45} {:.4f} s/step  ratio {:.3f}  idle {:4.1f} %  (per round: {})".format(
            state, seconds, seconds / base, 100 * statistics.median(i for _, i in values),
            " ".join("{:.4f}".format(s) for s, _ in values)))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
