"""Summarize ``gluon-lr compare`` runs over seeds as a markdown table (for RESULTS.md).

Usage: ``python bench/summarize_results.py results/compare-seed*``
Reads each folder's summary.json and prints, per learning rate, the mean and
sample standard deviation over the runs of the final loss, the mean of the
last 20 losses and the test accuracy.
"""
import json
import os
import statistics
import sys


def load_runs(folders):
    runs = []
    for folder in folders:
        with open(os.path.join(folder, "summary.json")) as handle:
            runs.append(json.load(handle))
    return runs


def spread(values):
    if len(values) < 2:
        return "{:.4f}".format(values[0])
    return "{:.4f} ± {:.4f}".format(statistics.fmean(values), statistics.stdev(values))


def table(runs):
    lrs = [row["lr"] for row in runs[0]["runs"]]
    lines = ["| lr | final loss | mean of last 20 | test accuracy |", "|---:|---:|---:|---:|"]
    for index, lr in enumerate(lrs):
        rows = [run["runs"][index] for run in runs]
        lines.append("| {:g} | {} | {} | {} |".format(
            lr, spread([r["final_loss"] for r in rows]), spread([r["mean_last_20"] for r in rows]),
            spread([r["test_accuracy"] for r in rows])))
    seeds = ", ".join(str(run["seed"]) for run in runs)
    return "\n".join(lines) + "\n\nMean ± standard deviation over seeds {}.\n".format(seeds)


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    print(table(load_runs(argv)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
