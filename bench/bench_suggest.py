"""How good is each suggestion? Every rule and ``confirm`` against a seed-averaged truth.

The suite runs the tasks of ``bench/suite_tasks.py`` (development and
held-out, from different families) in two phases:

1. **Truth** (``--phase truth``). Each task's grid of log-spaced learning rates
   is trained ``STEPS`` (300) steps from each of 5 seeds (initial weights and
   batch order), and every run is scored by its mean loss on the task's fixed
   evaluation set. The truth is the mean over the seeds, smoothed across
   neighbouring rates (a running median of 3, then a running mean of 3). A
   learning rate is judged by that curve interpolated in ``log(lr)``, over
   its lowest value: 1.000 is as good as the best rate. Rates outside the
   grid are trained from the 5 seeds themselves and judged by their plain
   seed mean. The seed spread printed beside a ratio is the standard
   deviation, over the seeds, of each seed's own score at that rate over the
   curve's best.
2. **Runs** (``--phase runs``). From seed 0's start, 3 finder runs on other
   batch orders (100, 101, 102), each with the tutorial's sweep (from 1e-6,
   x1.1 a step) and with the default sweep (``DEFAULT_SWEEP``, the one of
   ``LRFinder.find()`` and the command line): every
   rule's suggestion and ``confirm()``'s choice with its defaults, the steps
   ``confirm`` spent, and sweep plus ``confirm`` as a fraction of the grid's
   cost.

Targets (issue 18), on every task and run: ``confirm`` <= 1.02 and never more
than 0.5 % worse than the default rule of the same run, at most 4x the sweep;
the default rule <= 1.10; no pick diverges.

Usage::

    python bench/bench_suggest.py --phase truth --tasks digits-mlp-adam   # writes the truth
    python bench/bench_suggest.py --phase runs --split development         # reads it

The truths are written to and read from ``bench/results/suite/TASK-truth.json``
(``--truth-dir``), the runs to ``TASK-runs.json`` and the report to stdout
and ``--out``.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gluon_lr import configure_threads  # noqa: E402

configure_threads()

import numpy as np  # noqa: E402

from gluon_lr import LRFinder  # noqa: E402
from gluon_lr.comparison import compare_learning_rates  # noqa: E402
from gluon_lr.recipes import DEFAULT_SWEEP  # noqa: E402
from gluon_lr.suggest import DEFAULT_RULE, SUGGESTION_METHODS  # noqa: E402
from suite_tasks import DEVELOPMENT, HELD_OUT, STEPS, TASKS  # noqa: E402
from provenance import header  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)
ORDERS = (100, 101, 102)
SWEEPS = {"tutorial": {"lr_start": 1e-6, "lr_multiplier": 1.1}, "default": {"sweep": DEFAULT_SWEEP}}
CONFIRM_TARGET, CONFIRM_MARGIN, DEFAULT_RULE_TARGET, CONFIRM_COST = 1.02, 1.005, 1.10, 4.0
HERE = os.path.dirname(os.path.abspath(__file__))

def _score(value):
    return value if math.isfinite(value) else math.inf


def seed_scores(task, seed, lrs, data_dir):
    """``[score]`` of ``STEPS`` steps at each of ``lrs`` from the seed's start and order."""
    learner = task.learner(seed, seed, data_dir)
    train_set = task.train_set(seed, data_dir)
    runs = compare_learning_rates(learner, list(lrs), STEPS,
                                  lambda: task.loader(train_set, seed),
                                  evaluate=lambda lrn: task.evaluate(lrn, data_dir))
    learner.close()
    return [_score(run["evaluation"]) if len(run["losses"]) == STEPS else math.inf
            for run in runs]


def make_truth(name, path, data_dir, log):
    """Train the task's grid from every seed, saving after each; seeds already saved are kept."""
    task = TASKS[name]
    truth = _load(path) if os.path.exists(path) else {
        "header": header(), "task": name, "split": task.split, "steps": STEPS,
        "grid": list(task.grid), "scores": {}, "extra": {}}
    if truth["grid"] != list(task.grid):
        raise SystemExit("{} holds another grid than the task's: remove it".format(path))
    for seed in SEEDS:
        if str(seed) in truth["scores"]:
            continue
        started = time.perf_counter()
        truth["scores"][str(seed)] = seed_scores(task, seed, task.grid, data_dir)
        _save(path, truth)
        log("{} seed {}: {:.0f} s".format(name, seed, time.perf_counter() - started))
    return truth


# -- judging ------------------------------------------------------------------------------------

def _running(values, reduce):
    """Each value replaced by ``reduce`` of itself and its neighbours (ends: two values)."""
    return [reduce(values[max(i - 1, 0):i + 2]) for i in range(len(values))]


def truth_curve(truth):
    """``(log_lrs, curve)``: the seed mean, running median of 3, then running mean of 3."""
    table = np.array([truth["scores"][str(s)] for s in SEEDS])
    with np.errstate(invalid="ignore"):
        mean = [float(v) for v in table.mean(axis=0)]
    curve = _running(_running(mean, statistics.median),
                     lambda xs: math.inf if not all(map(math.isfinite, xs)) else sum(xs) / len(xs))
    return np.log(truth["grid"]), np.array(curve)


def judge(truth, lr):
    """``(ratio, spread)`` of a picked learning rate, or ``(nan, nan)`` for no pick."""
    if lr is None:
        return math.nan, math.nan
    xs, curve = truth_curve(truth)
    best = float(np.min(curve))
    x = math.log(lr)
    if xs[0] - 1e-12 <= x <= xs[-1] + 1e-12:  # NumPy's and math's logs of a grid end differ
        with np.errstate(invalid="ignore"):
            ratio = float(np.interp(x, xs, curve)) / best
        per_seed = [float(np.interp(x, xs, truth["scores"][str(s)])) / best for s in SEEDS]
    else:
        per_seed = [v / best for v in truth["extra"][repr(lr)]]
        ratio = statistics.fmean(per_seed)
    finite = [v for v in per_seed if math.isfinite(v)]
    spread = statistics.pstdev(finite) if len(finite) == len(per_seed) else math.inf
    return (ratio if math.isfinite(ratio) else math.inf), spread


def outside(truth, lrs):
    """The picks outside the grid that have no seed scores yet."""
    low, high = min(truth["grid"]), max(truth["grid"])
    return sorted({lr for lr in lrs if lr is not None and not low <= lr <= high
                   and repr(lr) not in truth["extra"]})


# -- finder runs --------------------------------------------------------------------------------

def finder_run(task, order, sweep, data_dir):
    learner = task.learner(0, order, data_dir)
    finder = LRFinder(learner)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        finder.find(progress=False, **sweep)
        picks = {rule: finder.suggest(rule) for rule in SUGGESTION_METHODS}
        try:
            picks["confirm"] = finder.confirm(progress=False)
            spent = finder.confirmation.steps_spent
            trials = finder.confirmation.table()
        except (ValueError, FloatingPointError) as error:
            picks["confirm"], spent, trials = None, 0, str(error)
    learner.close()
    return {"order": order, "picks": picks, "sweep_steps": len(finder.results),
            "stop_reason": getattr(finder, "stop_reason", None), "confirm_steps": spent,
            "curve": {"lrs": finder.lrs, "losses": finder.losses}, "trials": trials,
            "warnings": sorted({str(w.message) for w in caught})}


def make_runs(name, truth, data_dir, log):
    task = TASKS[name]
    runs = []
    for sweep_name, sweep in SWEEPS.items():
        for order in ORDERS:
            started = time.perf_counter()
            run = finder_run(task, order, sweep, data_dir)
            run["sweep"] = sweep_name
            runs.append(run)
            log("{} {} order {}: {} ({:.0f} s)".format(
                name, sweep_name, order, json.dumps(run["picks"]), time.perf_counter() - started))
    for lr in outside(truth, [lr for run in runs for lr in run["picks"].values()]):
        truth["extra"][repr(lr)] = [seed_scores(task, seed, [lr], data_dir)[0]
                                    for seed in SEEDS]
        log("{} outside the grid: {!r} scored {}".format(name, lr, truth["extra"][repr(lr)]))
    return {"header": header(), "task": name, "runs": runs}


# -- report -------------------------------------------------------------------------------------

def _fmt(ratio, spread):
    if math.isnan(ratio):
        return "none"
    if math.isinf(ratio):
        return "DIVERGED"
    return "{:.3f}±{:.3f}".format(ratio, spread)


def report(truth, runs):
    task = TASKS[truth["task"]]
    xs, curve = truth_curve(truth)
    best_i = int(np.argmin(curve))
    grid_cost = len(truth["grid"]) * len(SEEDS) * STEPS
    lines = ["", "== {} ({}, {}; {} {} batch {}; truth {} / runs {}) ==".format(
        task.name, task.family, task.split, task.optimizer, task.loss, task.batch_size,
        truth["header"]["commit"], runs["header"]["commit"]),
        "truth: {} rates x {} seeds x {} steps; best {:.4g} at lr {:.4g} (grid {:.3g}..{:.3g})"
        .format(len(truth["grid"]), len(SEEDS), STEPS, curve[best_i], truth["grid"][best_i],
                truth["grid"][0], truth["grid"][-1]),
        "  within 2 % of the best: lr {}".format(_band(truth, curve)),
        "  one seed's own grid, its best rate judged on the seed mean (what any single-seed"
        " search can reach):",
        "    raw worst {:.3f}, median {:.3f}; smoothed like the truth worst {:.3f}, median {:.3f}"
        .format(*one_seed_oracle(truth)),
        "  {:<14}{:<6}{:>7}".format("sweep", "order", "steps") + "".join(
            "{:>22}".format(rule) for rule in list(SUGGESTION_METHODS) + ["confirm"])
        + "   confirm steps  cost/grid"]
    verdict = {"default": [], "confirm": [], "margin": [], "cost": [], "rules": {}}
    for run in runs["runs"]:
        cells = []
        for rule in list(SUGGESTION_METHODS) + ["confirm"]:
            lr = run["picks"][rule]
            ratio, spread = judge(truth, lr)
            verdict["rules"].setdefault(rule, []).append(ratio)
            cells.append("{:>22}".format(("-" if lr is None else "{:.3g} ".format(lr))
                                         + _fmt(ratio, spread)))
            if rule == DEFAULT_RULE:
                verdict["default"].append(ratio)
            if rule == "confirm":
                verdict["confirm"].append(ratio)
        verdict["margin"].append(relative(verdict["confirm"][-1], verdict["default"][-1]))
        verdict["cost"].append(run["confirm_steps"] / run["sweep_steps"])
        lines.append("  {:<14}{:<6}{:>7}".format(run["sweep"], run["order"], run["sweep_steps"])
                     + "".join(cells) + "   {:>13}  {:>9.3f}".format(
                         run["confirm_steps"], (run["sweep_steps"] + run["confirm_steps"])
                         / grid_cost))
    lines += verdict_lines(verdict)
    return lines, verdict


def one_seed_oracle(truth):
    """Worst and median ratio of each seed's own best grid rate, raw and smoothed.

    Each seed alone is a grid search that trained every rate for the full
    300 steps: its lowest score's rate (raw), or the lowest of its curve
    smoothed as the truth is (median of 3, then mean of 3), is judged on the
    seed-mean curve. A procedure that trains one seed cannot be expected to
    beat this.
    """
    raw, smoothed = [], []
    for seed in SEEDS:
        scores = [float(v) for v in truth["scores"][str(seed)]]
        finite = [v if math.isfinite(v) else math.inf for v in scores]
        raw.append(judge(truth, truth["grid"][int(np.argmin(finite))])[0])
        curve = _running(_running(finite, statistics.median), statistics.fmean)
        smoothed.append(judge(truth, truth["grid"][int(np.argmin(curve))])[0])
    return (_worst(raw), statistics.median(raw), _worst(smoothed), statistics.median(smoothed))


def _band(truth, curve):
    best = float(np.min(curve))
    inside = [lr for lr, v in zip(truth["grid"], curve) if v <= 1.02 * best]
    return "{:.3g}..{:.3g}".format(min(inside), max(inside))


def _worst(values):
    return max(values, key=lambda v: math.inf if math.isnan(v) else v)


def relative(confirmed, default):
    """``confirm``'s ratio over the default rule's, where a diverged pick (inf) may be either.

    Examples
    --------
    >>> relative(1.05, 1.10), relative(math.inf, 1.1), relative(1.1, math.inf)
    (0.9545454545454545, inf, 0.0)
    >>> relative(math.inf, math.inf), relative(math.nan, 1.1)
    (1.0, nan)
    """
    if math.isinf(confirmed) and math.isinf(default):
        return 1.0
    if math.isinf(default) and not math.isnan(confirmed):
        return 0.0
    return confirmed / default


def _ratio(value):
    if math.isnan(value):
        return "none"
    return "DIVERGED" if math.isinf(value) else "{:.3f}".format(value)


def summarize(values):
    """Worst, median and mean of ratios; a diverged pick (inf) is the worst, no pick (nan) apart.

    The median is over the runs that picked; the mean over those that did not diverge.

    Examples
    --------
    >>> summarize([1.0, 1.2, 1.1])
    'worst 1.200, median 1.100, mean 1.100'
    >>> summarize([1.0, math.inf, 1.2, math.nan])
    'worst DIVERGED, median 1.200, mean 1.100 (1 of 4 diverged, 1 without a pick)'
    >>> summarize([math.inf, math.inf, 1.0])
    'worst DIVERGED, median DIVERGED, mean 1.000 (2 of 3 diverged)'
    """
    picked = [v for v in values if not math.isnan(v)]
    trained = [v for v in picked if math.isfinite(v)]
    text = "worst {}, median {}, mean {}".format(
        _ratio(_worst(values)), _ratio(statistics.median(picked) if picked else math.nan),
        _ratio(statistics.fmean(trained) if trained else math.nan))
    notes = ["{} of {} diverged".format(len(picked) - len(trained), len(values))] \
        if len(trained) < len(picked) else []
    notes += ["{} without a pick".format(len(values) - len(picked))] \
        if len(picked) < len(values) else []
    return text + (" ({})".format(", ".join(notes)) if notes else "")


def verdict_lines(verdict):
    checks = [("default rule ({})".format(DEFAULT_RULE), verdict["default"], DEFAULT_RULE_TARGET),
              ("confirm", verdict["confirm"], CONFIRM_TARGET),
              ("confirm / default rule", verdict["margin"], CONFIRM_MARGIN),
              ("confirm steps / sweep steps", verdict["cost"], CONFIRM_COST)]
    return ["  {} {}: {} (target <= {})".format(
        what, summarize(values), "met" if _worst(values) <= target else "NOT MET", target)
        for what, values, target in checks]


def _path(directory, name, kind):
    return os.path.join(directory, "{}-{}.json".format(name, kind))


def _load(path):
    with open(path) as handle:
        return json.load(handle)


def _save(path, value):
    with open(path, "w") as handle:
        json.dump(value, handle, indent=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("truth", "runs", "report"), default="report")
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS))
    parser.add_argument("--split", choices=(DEVELOPMENT, HELD_OUT))
    parser.add_argument("--data-dir", default=os.environ.get("GLUON_LR_CIFAR10_DIR",
                                                             "../shared/data/cifar10"))
    parser.add_argument("--truth-dir", default=os.path.join(HERE, "results", "suite"))
    parser.add_argument("--out", default=None, help="also write the report here")
    args = parser.parse_args(argv)
    names = args.tasks or [n for n, t in TASKS.items() if args.split in (None, t.split)]
    os.makedirs(args.truth_dir, exist_ok=True)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    for name in names:
        truth_path = _path(args.truth_dir, name, "truth")
        if args.phase == "truth":
            make_truth(name, truth_path, args.data_dir, log)
        elif args.phase == "runs":
            truth = _load(truth_path)
            _save(_path(args.truth_dir, name, "runs"), make_runs(name, truth, args.data_dir, log))
            _save(truth_path, truth)  # with the seed scores of picks outside the grid
    if args.phase == "truth":
        return 0
    now = header()
    measured = sorted({"{machine} ({cores} cores, {threads} threads)".format(**_load(path)["header"])
                       for name in names for kind in ("truth", "runs")
                       for path in [_path(args.truth_dir, name, kind)] if os.path.exists(path)})
    lines = ["gluon-lr suggestion suite, report written {} at {}; measured on {}".format(
        now["date"], now["commit"], ", ".join(measured) or "nothing yet")]
    everything = {"default": [], "confirm": [], "margin": [], "cost": [], "rules": {}}
    for name in names:
        paths = [_path(args.truth_dir, name, kind) for kind in ("truth", "runs")]
        if not all(map(os.path.exists, paths)) or \
                len(_load(paths[0])["scores"]) < len(SEEDS):
            lines += ["", "== {}: not run yet ==".format(name)]
            continue
        task_lines, verdict = report(_load(paths[0]), _load(paths[1]))
        lines += task_lines
        for key in ("default", "confirm", "margin", "cost"):
            everything[key] += verdict[key]
        for rule, ratios in verdict["rules"].items():
            everything["rules"].setdefault(rule, []).extend(ratios)
    if everything["default"]:
        lines += ["", "== every task run =="] + verdict_lines(everything) + [
            "  every pick over all runs:"] + [
            "    {:<10} {}".format(rule, summarize(ratios))
            for rule, ratios in everything["rules"].items()]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
