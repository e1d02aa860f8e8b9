"""Snapshot memory and time: copies beside each replica against one copy on the host.

For ResNet-18 v2 (CIFAR-10 shapes, SGD with momentum, after one step so the
momentum buffers exist) on one and on two devices, it measures side by side,
in one run:

- the bytes a snapshot holds on each device (parameters, BatchNorm
  statistics and optimizer states; the training devices here are CPU
  devices, ``cpu(0)`` and ``cpu(1)``, which MXNet treats as separate devices
  even though they share the host's memory);
- the time of ``snapshot()`` and of ``restore()`` (median of 5).

On a GPU, ``snapshot_device=None`` doubles the model's state in device memory
(once per GPU); ``snapshot_device='cpu'`` keeps one copy in host memory and
none on the GPUs, at the cost of a device-host copy each way.

Usage: ``python bench/bench_snapshot.py [--out bench/results/snapshot.txt]``
"""
import argparse
import os
import statistics
import sys
import time

from gluon_lr import configure_threads

configure_threads()

import mxnet as mx  # noqa: E402 - after the thread count is set
import numpy as np  # noqa: E402

from gluon_lr import Learner  # noqa: E402
from gluon_lr.models import build_model  # noqa: E402

REPEATS = 5


def snapshot_bytes(snapshot):
    """``{device: bytes}`` of the arrays a snapshot holds."""
    held = {}

    def add(array):
        held[str(array.device)] = held.get(str(array.device), 0) + array.size * \
            np.dtype(array.dtype).itemsize

    def walk(value):
        if hasattr(value, "device") and hasattr(value, "size"):
            add(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for _, datas, grads in snapshot._params:
        walk(datas)
        walk(grads)
    for states, _ in snapshot._updaters:
        walk(states)
    return held


def learner_on(devices, snapshot_device):
    mx.random.seed(0)
    batch = (mx.np.random.normal(size=(32, 3, 32, 32)), mx.np.zeros((32,)))
    learner = Learner(build_model("resnet18_v2"), [batch], devices if len(devices) > 1
                      else devices[0], snapshot_device=snapshot_device,
                      optimizer_params={"learning_rate": 0.01, "momentum": 0.9})
    learner.run(1)
    mx.npx.waitall()
    return learner


def timed(function):
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = function()
        mx.npx.waitall()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="also write the report here")
    args = parser.parse_args(argv)
    lines = ["snapshot benchmark: resnet18_v2 (10 classes), SGD momentum, median of {} "
             "(seconds); load average at start {:.1f}".format(REPEATS, os.getloadavg()[0]),
             "{:<22} {:<18} {:>10} {:>10}  {}".format("devices", "snapshot_device", "snapshot",
                                                      "restore", "bytes held per device")]
    for devices in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        for mode in (None, "cpu"):
            learner = learner_on(devices, mode)
            snap_s, snapshot = timed(learner.snapshot)
            restore_s, _ = timed(snapshot.restore)
            held = snapshot_bytes(snapshot)
            lines.append("{:<22} {:<18} {:>10.4f} {:>10.4f}  {}".format(
                ", ".join(map(str, devices)), str(mode), snap_s, restore_s,
                ", ".join("{}: {:.1f} MB".format(d, b / 1e6) for d, b in sorted(held.items()))))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
