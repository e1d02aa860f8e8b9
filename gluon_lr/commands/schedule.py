"""``gluon-lr schedule``: draw a schedule from its name or JSON config, no training.

Also home of the schedule options, shared with ``gluon-lr train``.
"""
from __future__ import annotations

import argparse
import csv
import os
from typing import TYPE_CHECKING, List, Optional, Sequence, cast

from matplotlib.figure import Figure

from ..plotting import plot_rate_and_momentum
from ..schedules import SCHEDULE_NAMES, Schedule, create_schedule, from_config
from . import common

if TYPE_CHECKING:
    from .runtime import Runtime


def add_schedule_options(parser: argparse.ArgumentParser, default: Optional[str],
                         extra_names: Sequence[str] = (), default_help: str = "") -> None:
    group = parser.add_argument_group("schedule options")
    group.add_argument("--schedule", default=default,
                       help="one of {} or a JSON file with a DeepSpeed scheduler block "
                            "(default: {})".format(", ".join(SCHEDULE_NAMES + tuple(extra_names)),
                                                   default_help or default))
    group.add_argument("--lr", type=common.learning_rate, default=0.05,
                       help="constant: the learning rate (default: 0.05, the tutorial's pick)")
    group.add_argument("--max-lr", type=common.learning_rate, default=None,
                       help="onecycle, cyclical, cosine: the peak learning rate")
    group.add_argument("--min-lr", type=common.learning_rate, default=None,
                       help="cyclical, cosine: the lowest learning rate (default: max-lr/10 "
                            "for cyclical, max-lr/100 for cosine)")
    group.add_argument("--cycles", type=common.positive_int, default=2,
                       help="cyclical: number of triangular cycles (default: 2)")
    group.add_argument("--warmup", type=common.non_negative_int, default=0,
                       help="cosine, wsd, linear, and train's Schedule-Free optimizers: linear "
                            "warm-up iterations from min-lr (default: 0)")
    group.add_argument("--pct-start", type=common.open_unit_interval, default=0.3,
                       help="onecycle: fraction of steps spent rising (default: 0.3)")


def is_config_file(args: argparse.Namespace) -> bool:
    """Whether ``--schedule`` names a DeepSpeed JSON file; fails on anything else unknown."""
    if args.schedule in SCHEDULE_NAMES:
        return False
    if not os.path.isfile(args.schedule):
        raise ValueError("--schedule must be one of {} or a JSON config file; got {!r}".format(
            ", ".join(SCHEDULE_NAMES), args.schedule))
    return True


def build_schedule(args: argparse.Namespace, total_steps: int,
                   max_lr: Optional[float] = None) -> Schedule:
    """The schedule the options describe; ``max_lr`` overrides ``--max-lr``."""
    if is_config_file(args):
        with open(args.schedule) as handle:
            return from_config(handle.read())
    return create_schedule(args.schedule, total_steps=total_steps, lr=args.lr,
                           max_lr=args.max_lr if max_lr is None else max_lr,
                           min_lr=args.min_lr, cycles=args.cycles, warmup=args.warmup,
                           pct_start=args.pct_start)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "schedule", help="plot a learning-rate schedule without training",
        description="Draw a schedule over --iterations updates; write schedule.png, "
                    "schedule.csv (lr and, where defined, momentum) and summary.json.")
    parser.add_argument("--iterations", type=common.positive_int, default=1000,
                        help="updates to draw (default: 1000)")
    add_schedule_options(parser, default="onecycle")
    common.add_common_options(parser, "schedule")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Draw the schedule; ``runtime`` only says whether this process writes the files."""
    common.check_output_folder(args.out)
    schedule = build_schedule(args, args.iterations)
    steps = range(1, args.iterations + 1)
    lrs = [schedule(t) for t in steps]
    momenta = [schedule.momentum(t) if callable(getattr(schedule, "momentum", None)) else None
               for t in steps]
    out = common.claim_output(args, runtime)
    with open(os.path.join(out, "schedule.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["iteration", "lr", "momentum"])
        writer.writerows((t, lr, "" if m is None else m) for t, lr, m in zip(steps, lrs, momenta))
    figure = Figure(figsize=(9, 4.5))
    ax = plot_rate_and_momentum(list(steps), lrs, momenta, ax=figure.subplots())
    ax.set_title("schedule: {}".format(os.path.basename(args.schedule)))
    figure.tight_layout()
    figure.savefig(os.path.join(out, "schedule.png"), dpi=100)
    summary = {"schedule": args.schedule, "iterations": args.iterations,
               "first_lr": lrs[0], "last_lr": lrs[-1], "max_lr": max(lrs)}
    common.write_json(os.path.join(out, "summary.json"), summary)
    print("schedule {}: lr {:.4g} at iteration 1, peak {:.4g} at iteration {}, {:.4g} at "
          "iteration {}{}; files in {}".format(
              os.path.basename(args.schedule), lrs[0], max(lrs), lrs.index(max(lrs)) + 1,
              lrs[-1], args.iterations,
              "" if momenta[0] is None else ", momentum {:.3g} .. {:.3g}".format(
                  min(cast(List[float], momenta)), max(cast(List[float], momenta))), out))
    return 0
