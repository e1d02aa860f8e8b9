"""``gluon-lr compare``: the tutorial's comparison of learning rates from one start."""
import csv
import os
import statistics

from matplotlib.figure import Figure
from tqdm.auto import tqdm

from ..comparison import compare_learning_rates
from ..evaluation import accuracy
from . import common

TUTORIAL_LRS = (0.05, 0.5, 0.005)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compare", help="train from the same start at several learning rates",
        description="Build one initial parameter set, then train --iterations steps at each "
                    "learning rate from it, on the same batch sequence; write compare.csv, "
                    "compare.md and compare.png.")
    parser.add_argument("--lrs", type=common.positive_float, nargs="*",
                        default=list(TUTORIAL_LRS),
                        help="learning rates (default: 0.05 0.5 0.005, as the tutorial)")
    parser.add_argument("--iterations", type=common.positive_int, default=300,
                        help="training steps per learning rate (default: 300)")
    common.add_test_size_option(parser)
    common.add_common_options(parser, "compare")
    common.add_data_options(parser)
    parser.set_defaults(run=run)
    return parser


def summarize(runs, tail=20):
    """Rows of first, final and mean-of-last-``tail`` loss and test accuracy per lr."""
    return [{"lr": run["lr"], "first_loss": run["losses"][0], "final_loss": run["losses"][-1],
             "mean_last_{}".format(tail): statistics.fmean(run["losses"][-tail:]),
             "test_accuracy": run["evaluation"]} for run in runs]


def markdown_table(rows, tail=20):
    lines = ["| lr | first loss | final loss | mean of last {} | test accuracy |".format(tail),
             "|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append("| {:g} | {:.4f} | {:.4f} | {:.4f} | {:.4f} |".format(
            row["lr"], row["first_loss"], row["final_loss"], row["mean_last_{}".format(tail)],
            row["test_accuracy"]))
    return "\n".join(lines) + "\n"


def write_curves(runs, path):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lr", "iteration", "loss"])
        for run in runs:
            writer.writerows((run["lr"], i, loss) for i, loss in enumerate(run["losses"]))


def plot_curves(runs, path):
    figure = Figure(figsize=(8, 5))
    ax = figure.subplots()
    for run in runs:
        ax.plot(range(len(run["losses"])), run["losses"], label="lr = {:g}".format(run["lr"]),
                linewidth=1)
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Training loss (batch)")
    ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def run(args):
    if not args.lrs:
        raise ValueError("--lrs needs at least one learning rate")
    common.start(args)
    train_set = common.load_dataset(args, train=True, size=args.train_size)
    test_set = common.load_dataset(args, train=False, size=args.test_size)
    bars = {}

    def progress(lr, losses):
        if lr not in bars:
            for bar in bars.values():
                bar.close()
            bars[lr] = tqdm(total=args.iterations, desc="lr {:g}".format(lr), leave=False,
                            disable=args.no_progress)
        bars[lr].set_postfix(loss="{:.4f}".format(losses[-1]))
        bars[lr].update()

    with common.build_learner(args, common.continuous_loader(train_set, args)) as learner:
        runs = compare_learning_rates(
            learner, args.lrs, args.iterations,
            make_loader=lambda: common.continuous_loader(train_set, args),
            evaluate=lambda lrn: accuracy(lrn.net, common.finite_loader(test_set, args),
                                          lrn.devices),
            progress=progress)
    for bar in bars.values():
        bar.close()
    rows = summarize(runs)
    table = markdown_table(rows)
    out = common.prepare_output(args.out)
    write_curves(runs, os.path.join(out, "compare.csv"))
    with open(os.path.join(out, "compare.md"), "w") as handle:
        handle.write(table)
    plot_curves(runs, os.path.join(out, "compare.png"))
    common.write_json(os.path.join(out, "summary.json"),
                      dict(common.describe(args), iterations=args.iterations, runs=rows,
                           test_size=args.test_size))
    print(table, end="")
    print("files in {}".format(out))
    return 0
