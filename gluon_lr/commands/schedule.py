"""``gluon-lr schedule``: draw a schedule from its name or JSON config, no training.

Also home of the schedule options and :func:`build_schedule`, shared with
``gluon-lr train``.
"""
import csv
import json
import math
import os

from matplotlib.figure import Figure

from ..plotting import plot_schedule
from ..schedules import (CosineAnnealingSchedule, CyclicalSchedule, LinearWarmUp, OneCycleLR,
                         TriangularSchedule, from_config)
from . import common

NAMES = ("constant", "onecycle", "cyclical", "cosine")


def add_schedule_options(parser, default):
    group = parser.add_argument_group("schedule options")
    group.add_argument("--schedule", default=default,
                       help="one of {} or a JSON file with a DeepSpeed scheduler block "
                            "(default: {})".format(", ".join(NAMES), default))
    group.add_argument("--lr", type=common.positive_float, default=0.05,
                       help="constant: the learning rate (default: 0.05, the tutorial's pick)")
    group.add_argument("--max-lr", type=common.positive_float, default=None,
                       help="onecycle, cyclical, cosine: the peak learning rate")
    group.add_argument("--min-lr", type=float, default=None,
                       help="cyclical, cosine: the lowest learning rate (default: max-lr/10 "
                            "for cyclical, max-lr/100 for cosine)")
    group.add_argument("--cycles", type=common.positive_int, default=2,
                       help="cyclical: number of triangular cycles (default: 2)")
    group.add_argument("--warmup", type=common.non_negative_int, default=0,
                       help="cosine: linear warm-up iterations from min-lr (default: 0)")
    group.add_argument("--pct-start", type=float, default=0.3,
                       help="onecycle: fraction of steps spent rising (default: 0.3)")


def needs_max_lr(name):
    """Whether the named schedule needs a peak learning rate."""
    return name in ("onecycle", "cyclical", "cosine")


def check_schedule_option(args):
    """Fail early on a --schedule that is neither a known name nor a file."""
    if args.schedule not in NAMES and not os.path.isfile(args.schedule):
        raise ValueError("--schedule must be one of {} or a JSON config file; got {!r}".format(
            ", ".join(NAMES), args.schedule))


def build_schedule(args, total_steps, max_lr=None):
    """The schedule that ``--schedule`` and its options describe, or None for constant.

    ``max_lr`` overrides ``--max-lr`` (``gluon-lr train`` passes the finder's
    suggestion).
    """
    check_schedule_option(args)
    name = args.schedule
    if name not in NAMES:
        with open(name) as handle:
            return from_config(handle.read())
    if name == "constant":
        return None
    peak = max_lr if max_lr is not None else args.max_lr
    if peak is None:
        raise ValueError("--max-lr is required for the {} schedule".format(name))
    if name == "onecycle":
        return OneCycleLR(max_lr=peak, total_steps=total_steps, pct_start=args.pct_start)
    if name == "cyclical":
        low = peak / 10 if args.min_lr is None else args.min_lr
        return CyclicalSchedule(TriangularSchedule, min_lr=low, max_lr=peak,
                                cycle_length=math.ceil(total_steps / args.cycles))
    low = peak / 100 if args.min_lr is None else args.min_lr
    cosine = CosineAnnealingSchedule(min_lr=low, max_lr=peak,
                                     cycle_length=max(total_steps - args.warmup, 1))
    return LinearWarmUp(cosine, start_lr=low, length=args.warmup) if args.warmup else cosine


def add_parser(subparsers):
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


def run(args):
    schedule = build_schedule(args, args.iterations)
    common.start(args)
    if schedule is None:
        def schedule(_, lr=args.lr):
            return lr
    steps = range(1, args.iterations + 1)
    momentum_of = getattr(schedule, "momentum", None)
    momenta = [momentum_of(t) for t in steps] if callable(momentum_of) else [None] * len(steps)
    out = common.prepare_output(args.out)
    with open(os.path.join(out, "schedule.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["iteration", "lr", "momentum"])
        writer.writerows((t, schedule(t), "" if m is None else m) for t, m in zip(steps, momenta))
    figure = Figure(figsize=(8, 4))
    ax = figure.subplots()
    plot_schedule(schedule, iterations=args.iterations, ax=ax)
    if momenta[0] is not None:
        twin = ax.twinx()
        twin.plot(list(steps), momenta, color="tab:orange", label="momentum")
        twin.set_ylabel("Momentum")
    ax.set_title("schedule: {}".format(os.path.basename(args.schedule)))
    figure.tight_layout()
    figure.savefig(os.path.join(out, "schedule.png"), dpi=100)
    summary = {"schedule": args.schedule, "iterations": args.iterations,
               "first_lr": schedule(1), "last_lr": schedule(args.iterations),
               "max_lr": max(schedule(t) for t in steps)}
    common.write_json(os.path.join(out, "summary.json"), summary)
    print(json.dumps(summary))
    print("files in {}".format(out))
    return 0
