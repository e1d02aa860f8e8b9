"""What every ``gluon-lr`` subcommand shares: option types, options, the output folder.

The commands are thin adapters: they parse, check what is cheap to check,
call the library's recipes (:mod:`gluon_lr.recipes`) with the learner and
loaders their runtime makes (:mod:`gluon_lr.commands.runtime`), and write
files. The option types live in :mod:`gluon_lr.commands.options`.
"""
from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any, Dict

from ..devices import resolve_devices
from ..launch.cli import add_cluster_options
from ..models import build_model
from .options import (  # noqa: F401  (the commands' option types, re-exported)
    above_one, at_least_two, learning_rate, non_negative_float, non_negative_int,
    open_unit_interval, positive_float, positive_int, seed_int, unit_interval)

if TYPE_CHECKING:
    from .runtime import Runtime


def add_common_options(parser: argparse.ArgumentParser, name: str) -> None:
    """The options of every subcommand."""
    group = parser.add_argument_group("common options")
    group.add_argument("--device", default="auto",
                       help="auto (a GPU if MXNet sees one, else the CPU), cpu, gpu or gpu:N "
                            "(default: auto)")
    group.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    group.add_argument("--out", default=os.path.join("runs", name),
                       help="folder for the output files (default: runs/{})".format(name))
    group.add_argument("--model", default="resnet18_v2",
                       help="Gluon model-zoo network (default: resnet18_v2)")
    group.add_argument("--batch-size", type=positive_int, default=128,
                       help="batch size (default: 128)")
    group.add_argument("--no-progress", action="store_true", help="hide progress bars")
    group.add_argument("--threads", type=positive_int, default=None,
                       help="MXNet operator threads (default: every core this process may use, "
                            "unless OMP_NUM_THREADS or MXNET_OMP_MAX_THREADS is set)")


def add_data_options(parser: argparse.ArgumentParser) -> None:
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
    cluster = parser.add_argument_group("distributed options (with --workers > 1)")
    cluster.add_argument("--workers", type=positive_int, default=1,
                         help="train on this many dist_sync worker processes, started by "
                              "MXNet's dmlc_tracker; --batch-size stays the global batch and "
                              "must be a multiple of it (default: 1)")
    add_cluster_options(cluster)


def add_test_size_option(parser: argparse.ArgumentParser) -> None:
    """``--test-size``, for the subcommands that report test accuracy."""
    parser.add_argument("--test-size", type=positive_int, default=None,
                        help="evaluate on a seeded slice of this many test images "
                             "(default: all 10,000)")


def check_output_folder(folder: str) -> None:
    """Raise ``ValueError`` unless ``folder`` is, or can become, a writable folder.

    Nothing is created: the folder is made only once there are results to write.
    """
    path = os.path.abspath(folder)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError("--out {} is a file, not a folder".format(folder))
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError("--out {} lies under the file {}".format(folder, existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError("--out {}: cannot write into {}".format(folder, existing))


def start(args: argparse.Namespace) -> None:
    """Check the cheap options (device, model, output folder) before any data loads."""
    resolve_devices(args.device)
    build_model(args.model, classes=10)
    check_output_folder(args.out)


def data_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The :func:`gluon_lr.recipes.cifar10_datasets` keywords the options give."""
    return {"data_dir": args.data_dir, "train_size": args.train_size,
            "test_size": getattr(args, "test_size", None), "seed": args.seed}


def learner_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The keywords of a runtime's ``learner`` (:func:`gluon_lr.recipes.cifar10_learner`'s)."""
    return {"model": args.model, "batch_size": args.batch_size, "device": args.device,
            "seed": args.seed, "num_workers": args.num_workers, "hybridize": args.hybridize}


def show_progress(args: argparse.Namespace, runtime: Runtime) -> bool:
    """Draw progress bars? In the process that writes files, unless ``--no-progress``."""
    return runtime.writes_files and not args.no_progress


def prepare_output(folder: str) -> str:
    """Create the output folder, once there are results to write; return its path."""
    os.makedirs(folder, exist_ok=True)
    return folder


def write_json(path: str, payload: object) -> None:
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.write("\n")


def describe(args: argparse.Namespace, runtime: Runtime) -> Dict[str, Any]:
    """The run's settings and its processes (``runtime.describe``), for summary files."""
    return {**runtime.describe(args.batch_size),
            "model": args.model, "batch_size": args.batch_size, "seed": args.seed,
            "threads": os.environ.get("OMP_NUM_THREADS") or os.environ.get(
                "MXNET_OMP_MAX_THREADS"),
            "device": [str(d) for d in resolve_devices(args.device)],
            "data_dir": getattr(args, "data_dir", None),
            "train_size": getattr(args, "train_size", None)}
