"""``gluon-lr train``: epochs on CIFAR-10 with a named or DeepSpeed-config schedule."""
from __future__ import annotations

import argparse
import csv
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, cast

from matplotlib.figure import Figure

from ..autolrs.budget import fitted_lengths
from ..callbacks import chain
from ..plotting import plot_epochs, plot_steps
from ..recipes import (autolrs_range, batches_per_epoch, evaluate_accuracy,
                       suggested_lr_from_summary, train_with_autolrs, train_with_schedule)
from ..schedules import Schedule, create_schedule, needs_max_lr
from ..training import StepLog
from . import common
from .find import add_sweep_options, run_finder, sweep_from_options, validation_batches
from .schedule import add_schedule_options, build_schedule, is_config_file

if TYPE_CHECKING:
    from ..autolrs import AutoLRS
    from ..learner import Learner
    from .runtime import Runtime


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train for some epochs with a learning-rate schedule",
        description="Train with SGD (or --optimizer) and a schedule; report train loss and "
                    "test accuracy per "
                    "epoch; save the parameters, history.csv (per epoch: the last and the "
                    "peak lr), steps.csv (step, lr, momentum, loss), train.png and "
                    "summary.json. Without --max-lr or --finder-summary, onecycle/cyclical/"
                    "cosine peak at the suggestion of the finder run 'gluon-lr find' would "
                    "make with the same options (saved as finder.csv and finder.png, and in "
                    "summary.json under 'finder'). "
                    "--schedule autolrs finds the schedule during training (AutoLRS) over "
                    "--min-lr .. --max-lr, by default the finder's falling region (at most 100x "
                    "below its top), with stage lengths fitted to the run, and writes "
                    "autolrs.csv and autolrs.png. A Schedule-Free --optimizer trains at the "
                    "finder's suggestion (its sweep made with that optimizer) after --warmup "
                    "steps, and is evaluated at its averaged weights; prodigy trains at lr 1 "
                    "with cosine decay by default.")
    parser.add_argument("--epochs", type=common.positive_int, default=1,
                        help="epochs (default: 1)")
    parser.add_argument("--augment", action="store_true",
                        help="CIFAR-10: random crop and flip of the training images")
    common.add_test_size_option(parser)
    parser.add_argument("--finder-summary", default=None,
                        help="take max-lr from this 'gluon-lr find' summary.json (its "
                             "confirmed LR if it has one) instead of running the finder")
    add_schedule_options(parser, default=None, extra_names=(AUTOLRS,), default_help=(
        "onecycle; cosine with --optimizer prodigy, as its authors advise; none with a "
        "Schedule-Free --optimizer, which trains at one rate after --warmup steps"))
    autolrs = parser.add_argument_group("autolrs options (--schedule autolrs)")
    autolrs.add_argument("--autolrs-tau", type=common.positive_int, default=None,
                         help="training steps of the first stage, with tau' = tau // k steps "
                              "per candidate and stages doubling up to 8 tau (default: the "
                              "paper's proportions fitted to the run, at least 6 stages of "
                              "candidates of at least 20 steps; runs shorter than "
                              "6 * (k + 10) * 20 steps must give it)")
    autolrs.add_argument("--autolrs-k", type=common.at_least_two, default=10,
                         help="candidate learning rates per stage (default: 10)")
    add_sweep_options(parser)
    common.add_optimizer_options(parser)
    common.add_common_options(parser, "train")
    common.add_data_options(parser)
    common.add_logging_options(parser)
    parser.set_defaults(run=run)
    return parser


AUTOLRS = "autolrs"
#: What ``summary.json`` calls a Schedule-Free optimizer's schedule: warm-up, then one rate.
SCHEDULE_FREE = "schedulefree"
#: Prodigy's learning rate: a multiplier of the step size it estimates.
PRODIGY_LR = 1.0


def resolve_schedule(args: argparse.Namespace) -> None:
    """Set ``args.schedule`` when it was left out; refuse a schedule with Schedule-Free."""
    if args.optimizer in common.SCHEDULE_FREE:
        if args.schedule is not None:
            raise ValueError("--schedule {} cannot be used with --optimizer {}: a Schedule-Free "
                             "optimizer replaces the schedule (it trains at the finder's rate, "
                             "or --max-lr, after --warmup steps); leave --schedule out".format(
                                 args.schedule, args.optimizer))
        args.schedule = SCHEDULE_FREE
    elif args.schedule is None:
        args.schedule = "cosine" if args.optimizer == "prodigy" else "onecycle"


def needs_peak(args: argparse.Namespace) -> bool:
    """Whether the schedule needs a peak (or, Schedule-Free, its one) learning rate."""
    return args.schedule == SCHEDULE_FREE or (not is_config_file(args)
                                              and needs_max_lr(args.schedule))


def summary_lr(path: str) -> Tuple[float, str]:
    """The learning rate a ``--finder-summary`` file holds, and the key it came from."""
    if not os.path.isfile(path):
        raise ValueError("--finder-summary {}: no such file".format(path))
    suggestion, key = suggested_lr_from_summary(path)
    if suggestion is None:
        raise ValueError("--finder-summary {} holds no suggested_lr or confirmed_lr (the finder "
                         "run it records suggested none); pass --max-lr".format(path))
    return suggestion, key


def peak_lr(args: argparse.Namespace, runtime: Runtime, learner: Learner, val_data: Any
            ) -> Tuple[Optional[float], Optional[str], Optional[Dict[str, Any]]]:
    """--max-lr, else the LR in --finder-summary, else a finder run's suggestion.

    Returns ``(max_lr, source, finder summary)``; the summary is None when no
    finder ran.
    """
    if args.max_lr is not None or not needs_peak(args):
        return args.max_lr, None, None
    if args.optimizer == "prodigy" and args.finder_summary is None:
        print("max-lr {:g}: Prodigy's own (its estimate of the step size does the rest)".format(
            PRODIGY_LR))
        return PRODIGY_LR, "prodigy", None
    if args.finder_summary is not None:
        suggestion, key = summary_lr(args.finder_summary)
        source = "{} ({})".format(args.finder_summary, key)
        print("max-lr {:.4g} from {}".format(suggestion, source))
        return suggestion, source, None
    _, found = run_finder(args, runtime, learner, val_data)
    key = "confirmed_lr" if args.confirm else "suggested_lr"
    if found[key] is None:
        raise ValueError("the finder gave no suggestion (see finder.png); pass --max-lr")
    source = "finder ({} iterations{})".format(found["iterations"],
                                               ", confirmed" if args.confirm else "")
    print("max-lr {:.4g} from {}".format(found[key], source))
    return found[key], source, found


def autolrs_interval(args: argparse.Namespace, runtime: Runtime, learner: Learner,
                     val_data: Any) -> Tuple[float, float, Optional[Dict[str, Any]]]:
    """--min-lr and --max-lr, the missing ones from a finder run's falling region.

    Returns ``(min_lr, max_lr, finder summary)``; the summary is None when no
    finder ran.
    """
    if args.min_lr is not None and args.max_lr is not None:
        return args.min_lr, args.max_lr, None
    finder, found = run_finder(args, runtime, learner, val_data)
    low, high = autolrs_range(finder)
    interval = (low if args.min_lr is None else args.min_lr,
                high if args.max_lr is None else args.max_lr)
    print("autolrs searches lr {:.4g} .. {:.4g} (the finder's falling region, at most 100x below "
          "its top)".format(*interval))
    return interval[0], interval[1], found


def warmup_then_constant(lr: float, total_steps: int, warmup: int) -> Schedule:
    """A Schedule-Free optimizer's rate: ``warmup`` linear steps up to ``lr``, then ``lr``.

    The optimizer scales its averaging weights by the rate it is given, so a
    warm-up in the schedule is its own warm-up (``warmup_steps``).
    """
    if warmup >= total_steps:
        raise ValueError("--warmup must be below the training steps ({}); got {}".format(
            total_steps, warmup))
    return create_schedule("wsd", total_steps=total_steps, max_lr=lr, warmup=warmup,
                           cooldown_fraction=0.0)


def check_schedule(args: argparse.Namespace, total_steps: int) -> None:
    """Raise ``ValueError`` before any training if the schedule options do not fit the run."""
    if args.schedule == AUTOLRS:
        if args.autolrs_tau is None:
            fitted_lengths(total_steps, args.autolrs_k)
    elif args.schedule == SCHEDULE_FREE:
        warmup_then_constant(args.max_lr or 1.0, total_steps, args.warmup)
    elif not is_config_file(args):
        build_schedule(args, total_steps, max_lr=args.max_lr or 1.0)


def save_model(learner: Learner, args: argparse.Namespace, runtime: Runtime) -> None:
    """``--out``/model.params, from the process that writes files."""
    if runtime.writes_files:
        learner.net.save_parameters(os.path.join(args.out, "model.params"))


def run_autolrs(args: argparse.Namespace, runtime: Runtime, train_set: Any, test_set: Any,
                total: int, val_data: Any) -> int:
    """``--schedule autolrs``: train ``total`` steps, search included; write the schedule."""
    with runtime.learner(train_set, **common.learner_options(args)) as learner:
        common.claim_output(args, runtime)
        min_lr, max_lr, found = autolrs_interval(args, runtime, learner, val_data)
        lengths = None if args.autolrs_tau is not None else fitted_lengths(total, args.autolrs_k)
        if lengths is not None:
            print(lengths.describe())
        with common.tensorboard(args, runtime, "autolrs") as log:
            autolrs = train_with_autolrs(
                learner, total_steps=total, min_lr=min_lr, max_lr=max_lr, tau=args.autolrs_tau,
                k=args.autolrs_k, seed=args.seed, progress=common.show_progress(args, runtime),
                stage_callback=None if log is None else log.stage)
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
            min_lr=min_lr, max_lr=max_lr, iterations=total, test_accuracy=accuracy,
            finder=found, tau=autolrs.tau, tau_prime=autolrs.tau_prime, k=autolrs.k,
            tau_max=autolrs.tau_max,
            lengths="--autolrs-tau" if lengths is None else lengths.describe()))
    for stage in stages:
        print("stage {stage}: lr {lr:.4g} ({search_steps} search + {train_steps} training "
              "steps)".format(**stage))
    print("test accuracy {:.4f} after {} steps".format(accuracy, autolrs.steps_spent))
    print("files in {}".format(args.out))
    return 0


def write_autolrs_files(args: argparse.Namespace, runtime: Runtime, autolrs: AutoLRS,
                        stages: List[Dict[str, Any]], results: Dict[str, Any]) -> None:
    """autolrs.csv, autolrs.png and summary.json, in ``--out``."""
    out = args.out
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


def write_csv(path: str, rows: List[Dict[str, Any]]) -> None:
    """``rows`` (dicts with the same keys) as a CSV file with a header."""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_training_files(args: argparse.Namespace, history: List[Dict[str, Any]],
                         steps: List[Dict[str, Any]]) -> None:
    """history.csv, steps.csv and train.png, in ``--out``."""
    write_csv(os.path.join(args.out, "history.csv"), history)
    write_csv(os.path.join(args.out, "steps.csv"), steps)
    figure = Figure(figsize=(14, 5))
    steps_ax, epochs_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    plot_steps(steps, ax=steps_ax)
    plot_epochs(history, ax=epochs_ax)
    steps_ax.set_title("train: {} ({} steps)".format(os.path.basename(args.schedule),
                                                     len(steps)))
    figure.tight_layout()
    figure.savefig(os.path.join(args.out, "train.png"), dpi=100)


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    common.start(args)
    resolve_schedule(args)
    if args.schedule not in (AUTOLRS, SCHEDULE_FREE):
        is_config_file(args)
    sweep_from_options(args)
    if args.finder_summary is not None:
        summary_lr(args.finder_summary)
    train_set, test_set = common.datasets(args)
    val_data = validation_batches(args, test_set)
    per_epoch = batches_per_epoch(len(train_set), args.batch_size)
    check_schedule(args, args.epochs * per_epoch)
    if args.schedule == AUTOLRS:
        return run_autolrs(args, runtime, train_set, test_set, args.epochs * per_epoch,
                           val_data)
    with runtime.learner(train_set, **common.learner_options(args)) as learner:
        common.claim_output(args, runtime)
        max_lr, source, found = peak_lr(args, runtime, learner, val_data)
        schedule = build_schedule(args, args.epochs * per_epoch, max_lr=max_lr) \
            if args.schedule != SCHEDULE_FREE else warmup_then_constant(
                cast(float, max_lr), args.epochs * per_epoch, args.warmup)
        log = StepLog(learner)
        with common.tensorboard(args, runtime, "train") as board:
            history = train_with_schedule(
                learner, epochs=args.epochs, iterations_per_epoch=per_epoch, schedule=schedule,
                test_set=test_set, batch_size=args.batch_size, num_workers=args.num_workers,
                progress=common.show_progress(args, runtime), callback=chain(log, board))
        save_model(learner, args, runtime)
    if runtime.writes_files:
        write_training_files(args, history, log.rows)
        common.write_json(os.path.join(args.out, "summary.json"), dict(
            common.describe(args, runtime), schedule=args.schedule, max_lr=max_lr,
            max_lr_source=source, epochs=args.epochs, iterations=args.epochs * per_epoch,
            history=history, finder=found))
    for row in history:
        print("epoch {epoch}: train loss {train_loss:.4f}, test accuracy {test_accuracy:.4f}, "
              "lr {lr_last:.4g} at the end (peak {lr_peak:.4g})".format(**row))
    print("files in {}".format(args.out))
    return 0
