"""What every ``gluon-lr`` subcommand shares: option types, options, the output folder.

The commands are thin adapters: they parse, check what is cheap to check,
call the library's recipes (:mod:`gluon_lr.recipes`) with the learner and
loaders their runtime makes (:mod:`gluon_lr.commands.runtime`), and write
files. The option types live in :mod:`gluon_lr.commands.options`.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Optional, Tuple

import mxnet as mx

from ..devices import resolve_devices
from ..launch.cli import add_cluster_options
from ..optimizers import AdamW_ScheduleFree, Prodigy, SGD_ScheduleFree
from ..recipes import load_datasets
from ..recipes.factories import is_factory, load_factory, make_network
from ..tensorboard import INSTALL_HINT
from .options import (  # noqa: F401  (the commands' option types, re-exported)
    above_one, at_least_two, learning_rate, non_negative_float, non_negative_int,
    open_unit_interval, positive_float, positive_int, seed_int, unit_interval)

if TYPE_CHECKING:
    from ..tensorboard import TensorBoardLogger
    from .runtime import Runtime


def add_common_options(parser: argparse.ArgumentParser, name: str) -> None:
    """The options of every subcommand."""
    group = parser.add_argument_group("common options")
    group.add_argument("--device", default="auto",
                       help="auto (a GPU if MXNet sees one, else the CPU), cpu, gpu or gpu:N "
                            "(default: auto)")
    group.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    group.add_argument("--out", default=os.path.join("runs", name),
                       help="folder for the output files (default: runs/{}); the files an "
                            "earlier gluon-lr run wrote there ({} ...) are removed once this "
                            "run's options and data check out, before it trains; other files "
                            "are left alone".format(
                                name, ", ".join(OUTPUT_FILES[:3])))
    group.add_argument("--model", default="resnet18_v2", metavar="NAME|MODULE:ATTR",
                       help="small_cnn, a Gluon model-zoo name, or your own factory as "
                            "module:attr (e.g. mypkg.models:make_net, imported with the current "
                            "folder on sys.path): make_net() returns an mx.gluon.Block with one "
                            "output per class; the loss is softmax cross-entropy "
                            "(default: resnet18_v2)")
    group.add_argument("--batch-size", type=positive_int, default=128,
                       help="batch size, at most the training images (default: 128)")
    group.add_argument("--no-progress", action="store_true", help="hide progress bars")
    group.add_argument("--threads", type=positive_int, default=None,
                       help="MXNet operator threads (default: every core this process may use, "
                            "unless OMP_NUM_THREADS or MXNET_OMP_MAX_THREADS is set)")


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    """``--tensorboard DIR``, for the commands that train."""
    group = parser.add_argument_group("logging options")
    group.add_argument("--tensorboard", default=None, metavar="DIR",
                       help="also write TensorBoard event files (rate, loss and smoothed loss, "
                            "one tag per part of the run) into DIR; needs tensorboardX: "
                            "{}".format(INSTALL_HINT))


def check_tensorboard(args: argparse.Namespace) -> None:
    """Raise ``ValueError``, naming ``--tensorboard``, if its folder or tensorboardX is missing."""
    folder = getattr(args, "tensorboard", None)
    if folder is None:
        return
    if importlib.util.find_spec("tensorboardX") is None:
        raise ValueError("--tensorboard needs tensorboardX, which is not installed: "
                         + INSTALL_HINT)
    check_writable_folder("--tensorboard", folder)


def tensorboard(args: argparse.Namespace, runtime: Runtime, tag: str,
                per_rate: bool = False) -> ContextManager[Optional[TensorBoardLogger]]:
    """A :class:`~gluon_lr.TensorBoardLogger` under ``tag`` with ``--tensorboard``, in the
    process that writes files; ``None`` otherwise. Use it with ``with``: it closes the files."""
    if getattr(args, "tensorboard", None) is None or not runtime.writes_files:
        return contextlib.nullcontext()
    from ..tensorboard import TensorBoardLogger
    return TensorBoardLogger(args.tensorboard, tag=tag, per_rate=per_rate)


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """Where the data (CIFAR-10 or the user's own) comes from and how it is loaded."""
    group = parser.add_argument_group("data options")
    group.add_argument("--dataset", default=None, metavar="MODULE:ATTR",
                       help="your own data instead of CIFAR-10: a factory as module:attr (e.g. "
                            "mypkg.data:make_dataset); make_dataset() returns (train, test), two "
                            "mx.gluon.data.Dataset of (data, label) with integer class labels")
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


#: The optimizers ``--optimizer`` takes, by their registered names.
OPTIMIZERS = ("sgd", SGD_ScheduleFree.__name__.lower(), AdamW_ScheduleFree.__name__.lower(),
              Prodigy.__name__.lower())
#: Those of them that replace the learning-rate schedule.
SCHEDULE_FREE = OPTIMIZERS[1:3]


def add_optimizer_options(parser: argparse.ArgumentParser, momentum: float = 0.9,
                          wd: float = 5e-4) -> None:
    """The optimizer and its momentum and weight decay, with these defaults: the finder sweeps
    with the optimizer training uses (0.9 and 5e-4); compare keeps the tutorial's plain SGD
    (0 and 0)."""
    group = parser.add_argument_group("optimizer options")
    group.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd",
                       help="sgd; sgd_schedulefree or adamw_schedulefree (Schedule-Free: one "
                            "rate after a warm-up, no schedule, evaluated at the averaged "
                            "weights); prodigy (estimates its own step size; lr 1) "
                            "(default: sgd)")
    group.add_argument("--momentum", type=unit_interval, default=momentum,
                       help="in [0, 1): SGD's momentum, Schedule-Free SGD's interpolation "
                            "(which must be above 0), beta1 of adamw_schedulefree and "
                            "prodigy; find and train sweep and train with the same; train's "
                            "onecycle cycles it (default: {:g})".format(momentum))
    group.add_argument("--wd", type=non_negative_float, default=wd,
                       help="weight decay, >= 0: L2 for sgd and sgd_schedulefree, decoupled "
                            "for adamw_schedulefree and prodigy (default: {:g})".format(wd))


def optimizer_params(args: argparse.Namespace) -> Dict[str, Any]:
    """``--momentum`` and ``--wd`` under the names ``--optimizer`` gives them."""
    momentum = "momentum" if args.optimizer in ("sgd", "sgd_schedulefree") else "beta1"
    return {momentum: args.momentum, "wd": args.wd}


def add_test_size_option(parser: argparse.ArgumentParser) -> None:
    """``--test-size``, for the subcommands that report test accuracy."""
    parser.add_argument("--test-size", type=positive_int, default=None,
                        help="evaluate on a seeded slice of this many test images "
                             "(default: all 10,000)")


#: Every file a gluon-lr command writes into its output folder.
OUTPUT_FILES = ("summary.json", "finder.csv", "finder.png", "confirm.csv", "confirm.png",
                "compare.csv", "compare.md", "compare.png", "history.csv", "steps.csv",
                "train.png", "model.params", "autolrs.csv", "autolrs.png", "schedule.csv",
                "schedule.png")


def check_output_folder(folder: str) -> None:
    """Raise ``ValueError`` unless ``--out folder`` is, or can become, a writable folder."""
    check_writable_folder("--out", folder)


def check_writable_folder(option: str, folder: str) -> None:
    """Raise ``ValueError`` naming ``option`` unless ``folder`` is, or can become, writable.

    Nothing is created: the folder is made only once there are results to write.
    """
    path = os.path.abspath(folder)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError("{} {} is a file, not a folder".format(option, folder))
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError("{} {} lies under the file {}".format(option, folder, existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError("{} {}: cannot write into {}".format(option, folder, existing))


def check_device(spec: str) -> None:
    """Raise ``ValueError``, in command-line wording, unless ``--device spec`` can be used."""
    kind, _, index = spec.strip().lower().partition(":")
    if kind == "gpu" and (index == "" or index.isdigit()):
        wanted, gpus = int(index or 0), mx.device.num_gpus()
        if wanted >= gpus:
            raise ValueError("--device {} asks for GPU {} but MXNet sees {} GPU(s) (that needs "
                             "a CUDA build of MXNet and a GPU); use --device cpu or --device "
                             "auto".format(spec, wanted, gpus))
    resolve_devices(spec)


def start(args: argparse.Namespace) -> None:
    """Check the cheap options (device, model, output folder) before any data loads.

    A built-in ``--model`` is built once; a ``module:attr`` factory is only
    imported here, and called (its result checked) when the learner is made.
    """
    check_device(args.device)
    if is_factory(args.model):
        load_factory("model", args.model)
    else:
        make_network(args.model)
    check_output_folder(args.out)
    check_tensorboard(args)


def check_batch_size(args: argparse.Namespace, train_size: int) -> None:
    """Refuse a ``--batch-size`` larger than the training set: each step would repeat images."""
    if args.batch_size > train_size:
        raise ValueError("--batch-size {} is larger than the {} training images{}: every "
                         "batch would hold some images twice; use --batch-size {} or "
                         "less".format(args.batch_size, train_size,
                                       " (--train-size)" if args.train_size else "",
                                       train_size))


def datasets(args: argparse.Namespace) -> Tuple[Any, Any]:
    """The options' ``(train, test)`` sets (:func:`gluon_lr.recipes.load_datasets`), checked
    against ``--batch-size``."""
    train_set, test_set = load_datasets(args.dataset, **data_options(args))
    check_batch_size(args, len(train_set))
    return train_set, test_set


def claim_output(args: argparse.Namespace, runtime: Runtime) -> str:
    """Make ``--out`` this run's, before it trains: create it and remove earlier runs' files.

    Only the process that writes files touches the folder. Removed are the
    files in :data:`OUTPUT_FILES`, so that no file of an earlier run lies
    beside this run's; any other file is left alone. Returns the folder.
    """
    folder: str = args.out
    if not runtime.writes_files:
        return folder
    try:
        os.makedirs(folder, exist_ok=True)
        for name in OUTPUT_FILES:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                os.remove(path)
    except OSError as error:
        raise ValueError("--out {}: cannot make it this run's folder ({})".format(
            folder, error.strerror or error)) from None
    return folder


def data_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The :func:`gluon_lr.recipes.load_datasets` keywords the options give (but ``dataset``)."""
    return {"data_dir": args.data_dir, "train_size": args.train_size,
            "test_size": getattr(args, "test_size", None), "seed": args.seed,
            "augment": getattr(args, "augment", False)}


def learner_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The keywords of a runtime's ``learner`` (:func:`gluon_lr.recipes.cifar10_learner`'s)."""
    options = {"model": args.model, "batch_size": args.batch_size, "device": args.device,
               "seed": args.seed, "num_workers": args.num_workers, "hybridize": args.hybridize}
    if hasattr(args, "optimizer"):
        # find and train build the same optimizer, so that train's finder run is find's
        options.update(optimizer=args.optimizer, optimizer_params=optimizer_params(args))
    return options


def show_progress(args: argparse.Namespace, runtime: Runtime) -> bool:
    """Draw progress bars? In the process that writes files, unless ``--no-progress``."""
    return runtime.writes_files and not args.no_progress


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
            "dataset": getattr(args, "dataset", None),
            "train_size": getattr(args, "train_size", None),
            **{name: getattr(args, name) for name in ("optimizer", "momentum", "wd")
               if hasattr(args, name)}}
