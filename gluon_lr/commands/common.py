"""What every ``gluon-lr`` subcommand shares: options, seeding, data, learner, files."""
import argparse
import json
import os
import random

import mxnet as mx
import numpy as np

from ..data import cifar10, subset
from ..devices import resolve_devices
from ..learner import Learner
from ..models import build_model
from ..sampler import ContinuousBatchSampler, SeededRandomSampler


def positive_float(text):
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number > 0, got {!r}".format(text)) from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("expected a number > 0, got {!r}".format(text))
    return value


def _int_at_least(text, minimum):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError("expected an integer >= {}, got {!r}".format(
            minimum, text))
    return value


def positive_int(text):
    """argparse type: an int >= 1."""
    return _int_at_least(text, 1)


def non_negative_int(text):
    """argparse type: an int >= 0."""
    return _int_at_least(text, 0)


def add_common_options(parser, name):
    """The options of every subcommand."""
    group = parser.add_argument_group("common options")
    group.add_argument("--device", default="auto",
                       help="auto (a GPU if MXNet sees one, else the CPU), cpu, gpu or gpu:N "
                            "(default: auto)")
    group.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    group.add_argument("--out", default=os.path.join("runs", name),
                       help="folder for the output files (default: runs/{})".format(name))
    group.add_argument("--model", default="resnet18_v2",
                       help="Gluon model-zoo network (default: resnet18_v2)")
    group.add_argument("--batch-size", type=positive_int, default=128,
                       help="batch size (default: 128)")
    group.add_argument("--no-progress", action="store_true", help="hide progress bars")


def add_data_options(parser):
    """Where CIFAR-10 comes from and how it is loaded."""
    group = parser.add_argument_group("data options")
    group.add_argument("--data-dir", default=None,
                       help="CIFAR-10 folder: the official binary files or train.rec/test.rec "
                            "(default: $GLUON_LR_CIFAR10_DIR, else MXNet's download)")
    group.add_argument("--num-workers", type=non_negative_int, default=2,
                       help="data-loading worker threads (default: 2)")
    group.add_argument("--train-size", type=positive_int, default=None,
                       help="use a seeded random slice of this many training images")
    group.add_argument("--hybridize", action=argparse.BooleanOptionalAction, default=True,
                       help="hybridize the network with a static graph (default: on)")


def start(args):
    """Check the cheap options (device, model) before any data loads, and seed."""
    resolve_devices(args.device)
    build_model(args.model, classes=10)
    seed_everything(args.seed)


def add_test_size_option(parser):
    """``--test-size``, for the subcommands that report test accuracy."""
    parser.add_argument("--test-size", type=positive_int, default=None,
                        help="evaluate on a seeded slice of this many test images "
                             "(default: all 10,000)")


def seed_everything(seed):
    """Seed Python's, NumPy's and MXNet's generators."""
    random.seed(seed)
    np.random.seed(seed)
    mx.random.seed(seed)


def prepare_output(folder):
    """Create the output folder, once there are results to write; return its path."""
    os.makedirs(folder, exist_ok=True)
    return folder


def write_json(path, payload):
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.write("\n")


def load_dataset(args, train=True, size=None, augment=False):
    """CIFAR-10 with the tutorial's transforms, cut to a seeded slice of ``size``."""
    dataset = cifar10(args.data_dir, train=train, augment=augment)
    return dataset if size is None else subset(dataset, size, seed=args.seed)


def continuous_loader(dataset, args):
    """Endless batches in an order fixed by ``--seed``.

    ``--num-workers`` worker threads make the batches. Items cost no MXNet
    operator (see :mod:`gluon_lr.data`), so one thread loads a batch of 128 in
    about 16 ms, far within a CPU training step; on 2 CPU cores threads
    measured as fast as worker processes or faster (``bench/bench_pipeline.py``)
    and need no forks, shared memory or pickling. They share the GIL, though:
    two threads decode no faster than one.
    """
    sampler = SeededRandomSampler(len(dataset), seed=args.seed)
    return mx.gluon.data.DataLoader(
        dataset, batch_sampler=ContinuousBatchSampler(sampler, args.batch_size),
        num_workers=args.num_workers, thread_pool=True)


def finite_loader(dataset, args):
    """One pass in order, e.g. over the test set, on worker threads as above."""
    return mx.gluon.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=False,
                                    num_workers=args.num_workers, thread_pool=True)


def build_learner(args, data_loader, **learner_options):
    """The model named by ``--model`` in a Learner on ``--device``."""
    devices = resolve_devices(args.device)
    net = build_model(args.model, classes=10)
    hybridize = {"static_alloc": True, "static_shape": True} if args.hybridize else False
    return Learner(net, data_loader, devices if len(devices) > 1 else devices[0],
                   hybridize=hybridize, **learner_options)


def describe(args):
    """The run's settings, for summary files."""
    return {"model": args.model, "batch_size": args.batch_size, "seed": args.seed,
            "device": [str(d) for d in resolve_devices(args.device)],
            "data_dir": getattr(args, "data_dir", None),
            "train_size": getattr(args, "train_size", None)}
