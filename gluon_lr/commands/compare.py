"""``gluon-lr compare``: the tutorial's comparison of learning rates from one start."""
from __future__ import annotations

import argparse
import csv
import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping

from matplotlib.figure import Figure

from ..plotting import plot_comparison
from ..recipes import DEFAULT_COMPARE_LRS, compare_from_one_start, summarize_comparison
from . import common

if TYPE_CHECKING:
    from .runtime import Runtime


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare", help="train from the same start at several learning rates",
        description="Build one initial parameter set, then train --iterations steps at each "
                    "learning rate from it, on the same batch sequence (plain SGD, as the "
                    "tutorial, unless --optimizer, --momentum or --wd say otherwise); write "
                    "compare.csv, compare.md and compare.png.")
    parser.add_argument("--lrs", type=common.learning_rate, nargs="*",
                        default=list(DEFAULT_COMPARE_LRS),
                        help="learning rates (default: 0.05 0.5 0.005, as the tutorial)")
    parser.add_argument("--iterations", type=common.positive_int, default=300,
                        help="training steps per learning rate (default: 300)")
    common.add_test_size_option(parser)
    common.add_optimizer_options(parser, momentum=0.0, wd=0.0)  # the tutorial's plain SGD
    common.add_common_options(parser, "compare")
    common.add_data_options(parser)
    common.add_logging_options(parser)
    parser.set_defaults(run=run)
    return parser


def markdown_table(rows: Iterable[Mapping[str, Any]], tail: int = 20) -> str:
    lines = ["| lr | first loss | final loss | mean of last {} | test accuracy |".format(tail),
             "|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append("| {:g} | {:.4f} | {:.4f} | {:.4f} | {:.4f} |".format(
            row["lr"], row["first_loss"], row["final_loss"], row["mean_last_{}".format(tail)],
            row["test_accuracy"]))
    return "\n".join(lines) + "\n"


def write_curves(runs: Iterable[Mapping[str, Any]], path: str) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lr", "iteration", "loss"])
        for run in runs:
            writer.writerows((run["lr"], i, loss) for i, loss in enumerate(run["losses"]))


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    if not args.lrs:
        raise ValueError("--lrs needs at least one learning rate")
    common.start(args)
    train_set, test_set = common.datasets(args)
    with runtime.learner(train_set, **common.learner_options(args)) as learner:
        common.claim_output(args, runtime)
        with common.tensorboard(args, runtime, "compare", per_rate=True) as board:
            runs = compare_from_one_start(
                learner, train_set, test_set, lrs=args.lrs, iterations=args.iterations,
                batch_size=args.batch_size, seed=args.seed, num_workers=args.num_workers,
                progress=common.show_progress(args, runtime), callback=board,
                make_loader=runtime.loader)
    rows = summarize_comparison(runs)
    table = markdown_table(rows)
    if runtime.writes_files:
        write_files(args, runtime, runs, rows, table)
    print(table, end="")
    print("files in {}".format(args.out))
    return 0


def write_files(args: argparse.Namespace, runtime: Runtime, runs: List[Dict[str, Any]],
                rows: List[Dict[str, Any]], table: str) -> None:
    """compare.csv, compare.md, compare.png and summary.json, in ``--out``."""
    out = args.out
    write_curves(runs, os.path.join(out, "compare.csv"))
    with open(os.path.join(out, "compare.md"), "w") as handle:
        handle.write(table)
    figure = Figure(figsize=(8, 5))
    plot_comparison(runs, ax=figure.subplots())
    figure.tight_layout()
    figure.savefig(os.path.join(out, "compare.png"), dpi=100)
    common.write_json(os.path.join(out, "summary.json"),
                      dict(common.describe(args, runtime), iterations=args.iterations, runs=rows,
                           test_size=args.test_size))
