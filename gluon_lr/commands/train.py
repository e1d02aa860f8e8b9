"""``gluon-lr train``: epochs on CIFAR-10 with a named or DeepSpeed-config schedule."""
from __future__ import annotations

import argparse
import csv
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from matplotlib.figure import Figure

from ..recipes import (autolrs_range, batches_per_epoch, cifar10_datasets, evaluate_accuracy,
                       find_learning_rate, suggested_lr_from_summary, train_with_autolrs,
                       train_with_schedule)
from ..schedules import needs_max_lr
from . import common
from .find import add_sweep_options, sweep_from_options, sweep_options
from .schedule import add_schedule_options, build_schedule, is_config_file

if TYPE_CHECKING:
    from ..autolrs import AutoLRS
    from ..learner import Learner
    from .runtime import Runtime


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train for some epochs with a learning-rate schedule",
        description="Train with SGD and a schedule; report train loss and test accuracy per "
                    "epoch; save the parameters, history.csv and summary.json. Without "
                    "--max-lr, onecycle/cyclical/cosine peak at the finder's suggestion. "
                    "--schedule autolrs finds the schedule during training (AutoLRS) over "
                    "--min-lr .. --max-lr, by default the finder's falling region, and writes "
                    "autolrs.csv and autolrs.png.")
    parser.add_argument("--epochs", type=common.positive_int, default=1,
                        help="epochs (default: 1)")
    parser.add_argument("--momentum", type=common.unit_interval, default=0.9,
                        help="SGD momentum in [0, 1); onecycle cycles it (default: 0.9)")
    parser.add_argument("--wd", type=common.non_negative_float, default=5e-4,
                        help="weight decay, >= 0 (default: 5e-4)")
    parser.add_argument("--augment", action="store_true",
                        help="random crop and flip of the training images")
    common.add_test_size_option(parser)
    parser.add_argument("--finder-summary", default=None,
                        help="take max-lr from this 'gluon-lr find' summary.json (its "
                             "confirmed LR if it has one) instead of running the finder")
    add_schedule_options(parser, default="onecycle", extra_names=(AUTOLRS,))
    autolrs = parser.add_argument_group("autolrs options (--schedule autolrs)")
    autolrs.add_argument("--autolrs-tau", type=common.positive_int, default=None,
                         help="training steps of the first stage (default: 1000, or a quarter "
                              "of all steps when smaller)")
    autolrs.add_argument("--autolrs-k", type=common.at_least_two, default=10,
                         help="candidate learning rates per stage (default: 10)")
    add_sweep_options(parser)
    common.add_common_options(parser, "train")
    common.add_data_options(parser)
    parser.set_defaults(run=run)
    return parser


AUTOLRS = "autolrs"


def peak_lr(args: argparse.Namespace, runtime: Runtime,
            learner: Learner) -> Tuple[Optional[float], Optional[str]]:
    """--max-lr, else the LR in --finder-summary, else a finder run's suggestion."""
    if args.max_lr is not None or is_config_file(args) or not needs_max_lr(args.schedule):
        return args.max_lr, None
    if args.finder_summary is not None:
        suggestion, key = suggested_lr_from_summary(args.finder_summary)
        source = "{} ({})".format(args.finder_summary, key)
    else:
        _, summary = find_learning_rate(learner, **sweep_options(args, runtime))
        key = "confirmed_lr" if args.confirm else "suggested_lr"
        suggestion, source = summary[key], "finder ({} iterations{})".format(
            summary["iterations"], ", confirmed" if args.confirm else "")
    if suggestion is None:
        raise ValueError("the finder gave no suggestion; pass --max-lr")
    print("max-lr {:.4g} from {}".format(suggestion, source))
    return suggestion, source


def autolrs_interval(args: argparse.Namespace, runtime: Runtime,
                     learner: Learner) -> Tuple[float, float]:
    """--min-lr and --max-lr, the missing ones from a finder run's falling region."""
    if args.min_lr is not None and args.max_lr is not None:
        return args.min_lr, args.max_lr
    finder, _ = find_learning_rate(learner, **sweep_options(args, runtime))
    low, high = autolrs_range(finder)
    interval = (low if args.min_lr is None else args.min_lr,
                high if args.max_lr is None else args.max_lr)
    print("autolrs searches lr {:.4g} .. {:.4g} (finder's falling region)".format(*interval))
    return interval


def save_model(learner: Learner, args: argparse.Namespace, runtime: Runtime) -> None:
    """``--out``/model.params, from the process that writes files."""
    if runtime.writes_files:
        learner.net.save_parameters(os.path.join(common.prepare_output(args.out),
                                                 "model.params"))


def run_autolrs(args: argparse.Namespace, runtime: Runtime, train_set: Any, test_set: Any,
                total: int) -> int:
    """``--schedule autolrs``: train ``total`` steps, search included; write the schedule."""
    sgd_params = {"learning_rate": args.lr, "momentum": args.momentum, "wd": args.wd}
    with runtime.learner(train_set, optimizer_params=sgd_params,
                         **common.learner_options(args)) as learner:
        min_lr, max_lr = autolrs_interval(args, runtime, learner)
        autolrs = train_with_autolrs(learner, total_steps=total, min_lr=min_lr, max_lr=max_lr,
                                     tau=args.autolrs_tau, k=args.autolrs_k, seed=args.seed,
                                     progress=common.show_progress(args, runtime))
        accuracy = evaluate_accuracy(learner, test_set, batch_size=args.batch_size,
                                     num_workers=args.num_workers)
        save_model(learner, args, runtime)
    stages: List[Dict[str, Any]] = [
        {"stage": stage.index, "lr": stage.lr, "search_steps": stage.search_steps,
         "train_steps": stage.train_steps,
         "candidates": [{"lr": c.lr, "forecast": c.forecast} for c in stage.candidates]}
        for stage in autolrs.stages]
    if runtime.writes_files:
        write_autolrs_files(args, runtime, autolrs, stages, dict(
            min_lr=min_lr, max_lr=max_lr, iterations=total, test_accuracy=accuracy))
    for stage in stages:
        print("stage {stage}: lr {lr:.4g} ({search_steps} search + {train_steps} training "
              "steps)".format(**stage))
    print("test accuracy {:.4f} after {} steps".format(accuracy, autolrs.steps_spent))
    print("files in {}".format(args.out))
    return 0


def write_autolrs_files(args: argparse.Namespace, runtime: Runtime, autolrs: AutoLRS,
                        stages: List[Dict[str, Any]], results: Dict[str, Any]) -> None:
    """autolrs.csv, autolrs.png and summary.json, in ``--out``."""
    out = common.prepare_output(args.out)
    with open(os.path.join(out, "autolrs.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "lr", "search"])
        training = set(step for step, _ in autolrs.schedule())
        writer.writerows((step, lr, step not in training)
                         for step, lr in autolrs.schedule(search=True))
    figure = Figure(figsize=(9, 5))
    autolrs.plot(ax=figure.subplots())
    figure.tight_layout()
    figure.savefig(os.path.join(out, "autolrs.png"), dpi=100)
    common.write_json(os.path.join(out, "summary.json"), dict(
        common.describe(args, runtime), schedule=AUTOLRS, epochs=args.epochs,
        steps_spent=autolrs.steps_spent, stages=stages, **results))


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    common.start(args)
    if args.schedule != AUTOLRS:
        is_config_file(args)
    sweep_from_options(args)
    if args.finder_summary is not None:
        suggested_lr_from_summary(args.finder_summary)
    train_set, test_set = cifar10_datasets(augment=args.augment, **common.data_options(args))
    per_epoch = batches_per_epoch(len(train_set), args.batch_size)
    if args.schedule == AUTOLRS:
        return run_autolrs(args, runtime, train_set, test_set, args.epochs * per_epoch)
    sgd_params = {"learning_rate": args.lr, "momentum": args.momentum, "wd": args.wd}
    with runtime.learner(train_set, optimizer_params=sgd_params,
                         **common.learner_options(args)) as learner:
        max_lr, source = peak_lr(args, runtime, learner)
        schedule = build_schedule(args, args.epochs * per_epoch, max_lr=max_lr)
        history = train_with_schedule(
            learner, epochs=args.epochs, iterations_per_epoch=per_epoch, schedule=schedule,
            test_set=test_set, batch_size=args.batch_size, num_workers=args.num_workers,
            progress=common.show_progress(args, runtime))
        save_model(learner, args, runtime)
    if runtime.writes_files:
        with open(os.path.join(args.out, "history.csv"), "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(history[0]))
            writer.writeheader()
            writer.writerows(history)
        common.write_json(os.path.join(args.out, "summary.json"), dict(
            common.describe(args, runtime), schedule=args.schedule, max_lr=max_lr,
            max_lr_source=source, epochs=args.epochs, iterations=args.epochs * per_epoch,
            history=history))
    for row in history:
        print("epoch {epoch}: train loss {train_loss:.4f}, test accuracy {test_accuracy:.4f}, "
              "lr {lr:.4g}".format(**row))
    print("files in {}".format(args.out))
    return 0
