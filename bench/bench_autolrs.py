"""AutoLRS against a fixed learning rate, one-cycle and cosine on CIFAR-10, at equal steps.

For each seed (default 0, 1, 2), every arm trains ResNet-18 v2 on the
augmented CIFAR-10 training set (random crop and flip, batch 128, SGD with
momentum 0.9 and weight decay 5e-4, as ``gluon-lr train``) for the same number
of optimizer steps, ``--steps``, from the same initial parameters (checked) and
on the same batch order:

1. **finder**: ``gluon-lr find``'s default sweep on that start; its suggestion
   (the default rule) and its falling region, at most 100x below its top
   (``gluon_lr.recipes.autolrs_range``).
   Not counted in any arm's steps: every arm but the grid uses it.
2. **fixed**: each learning rate of ``--grid``; the one with the lowest final
   training loss is "the best fixed LR" (the grid costs ``len(grid)`` runs).
3. **onecycle**: :func:`gluon_lr.schedules.create_schedule` ``('onecycle')``
   peaking at the finder's suggestion, momentum cycled (``gluon-lr train``'s
   default schedule).
4. **cosine**: cosine decay from the best fixed LR of the seed to 1/100 of it.
5. **autolrs**: :func:`gluon_lr.recipes.train_with_autolrs` over the finder's
   falling region, ``k = 10``; its steps include every candidate's trial. The
   reference's stage length ``tau = 1000`` (doubling to 8000) is scaled down
   to ``--tau`` (default a quarter of the steps), so that the run has several
   stages. (``bench_training.py`` runs AutoLRS at a budget that fits its
   lengths by :func:`gluon_lr.autolrs.fitted_lengths`.)

The *training loss* of a run is the mean of the batch losses of a window of 20
steps: the final one is its last 20 steps. The table gives, per arm, the test
accuracy on all 10,000 test images and the steps it needed to bring its
windowed training loss down to the best fixed LR's final training loss (for
AutoLRS, counted in all steps spent, search included, while the training
losses are those of its training steps only).

Usage: ``python bench/bench_autolrs.py [--data-dir ../shared/data/cifar10]
[--steps 500] [--seeds 0 1 2] [--grid 0.025 0.05 0.1] [--tau N]``
"""
import argparse
import json
import os
import statistics
import sys
import time

from gluon_lr import configure_threads

configure_threads()

import mxnet as mx  # noqa: E402 - after the thread count is set
import numpy as np  # noqa: E402

from gluon_lr.recipes import (autolrs_range, cifar10_datasets, cifar10_learner,  # noqa: E402
                              evaluate_accuracy, find_learning_rate, train_with_autolrs)
from gluon_lr.schedules import create_schedule  # noqa: E402
from provenance import parameters_digest  # noqa: E402

DEFAULT_DATA_DIR = os.environ.get("GLUON_LR_CIFAR10_DIR", "../shared/data/cifar10")
WINDOW = 20
SGD = {"momentum": 0.9, "wd": 5e-4}


def windowed(losses):
    """The mean of each window of 20 consecutive losses, ending at steps 20, 21, ..."""
    sums = np.cumsum(np.asarray(losses, dtype=np.float64))
    return (sums[WINDOW - 1:] - np.concatenate([[0.0], sums[:-WINDOW]])) / WINDOW


def final_loss(losses):
    """The final training loss: the mean of the last 20 losses."""
    return statistics.fmean(losses[-WINDOW:])


def steps_to_reach(steps, losses, target):
    """The first step (of ``steps``, one per loss) whose window's loss is <= ``target``."""
    reached = np.nonzero(windowed(losses) <= target)[0]
    return None if reached.size == 0 else int(steps[WINDOW - 1 + reached[0]])

class Seed:
    """One seed's data and fresh learners, all at the same start on the same batches."""

    def __init__(self, train_set, test_set, seed):
        self.train_set, self.test_set, self.seed = train_set, test_set, seed
        self.starts = set()

    def learner(self):
        learner = cifar10_learner(self.train_set, seed=self.seed, optimizer_params=SGD)
        learner.initialize_parameters()
        self.starts.add(parameters_digest(learner))
        return learner

    def train(self, steps, lr=None, schedule=None):
        """Train one arm; its losses (with their steps) and test accuracy."""
        with self.learner() as learner:
            if schedule is not None:
                learner.trainer.optimizer.lr_scheduler = schedule  # cycles momentum too
            losses = learner.run(steps, lr=lr)
            return {"steps": list(range(1, len(losses) + 1)), "losses": losses,
                    "accuracy": evaluate_accuracy(learner, self.test_set)}

    def finder(self):
        with self.learner() as learner:
            finder, summary = find_learning_rate(learner, progress=False)
            return summary["suggested_lr"], autolrs_range(finder)

    def autolrs(self, steps, min_lr, max_lr, tau):
        with self.learner() as learner:
            autolrs = train_with_autolrs(learner, total_steps=steps, min_lr=min_lr,
                                         max_lr=max_lr, tau=max(40, steps // 4) if tau is None
                                         else tau, progress=False)
            run_steps, losses = [], []
            for stage in autolrs.stages:
                searched = stage.first_step + stage.search_steps
                run_steps.extend(range(searched + 1, searched + len(stage.train_losses) + 1))
                losses.extend(stage.train_losses)
            return {"steps": run_steps, "losses": losses,
                    "accuracy": evaluate_accuracy(learner, self.test_set),
                    "stages": [{"lr": stage.lr, "train_steps": stage.train_steps,
                                "search_steps": stage.search_steps,
                                "tried": [c.lr for c in stage.candidates]}
                               for stage in autolrs.stages],
                    "tau": autolrs.tau}


def run_seed(args, train_set, test_set, seed, log):
    """Every arm of one seed: ``{arm: result}`` plus the finder's numbers."""
    data = Seed(train_set, test_set, seed)
    suggested, (min_lr, max_lr) = data.finder()
    log("seed {}: finder suggests {:.4g}, falling region {:.4g} .. {:.4g}".format(
        seed, suggested, min_lr, max_lr))
    arms = {}
    for lr in args.grid:
        arms["fixed {:g}".format(lr)] = data.train(args.steps, lr=lr)
    best_fixed = min(args.grid,
                     key=lambda lr: final_loss(arms["fixed {:g}".format(lr)]["losses"]))
    arms["onecycle"] = data.train(args.steps, schedule=create_schedule(
        "onecycle", total_steps=args.steps, max_lr=suggested))
    arms["cosine"] = data.train(args.steps, schedule=create_schedule(
        "cosine", total_steps=args.steps, max_lr=best_fixed))
    arms["autolrs"] = data.autolrs(args.steps, min_lr, max_lr, args.tau)
    if len(data.starts) != 1:
        raise RuntimeError("the arms of seed {} did not start alike: {}".format(
            seed, sorted(data.starts)))
    target = final_loss(arms["fixed {:g}".format(best_fixed)]["losses"])
    for name, arm in arms.items():
        arm["final_loss"] = final_loss(arm["losses"])
        arm["steps_to_target"] = steps_to_reach(arm["steps"], arm["losses"], target)
        log("seed {} {:<12} accuracy {:.4f}  final training loss {:.4f}  reaches {:.4f} at "
            "step {}".format(seed, name, arm["accuracy"], arm["final_loss"], target,
                             arm["steps_to_target"]))
    log("seed {} autolrs stages: {}".format(seed, json.dumps(arms["autolrs"]["stages"])))
    return {"suggested": suggested, "range": [min_lr, max_lr], "best_fixed": best_fixed,
            "target": target, "arms": arms}


def summary_lines(args, results):
    """The table: per arm, mean and range over seeds."""
    seeds = sorted(results)
    names = ["best fixed"] + ["onecycle", "cosine", "autolrs"]

    def arm_of(seed, name):
        result = results[seed]
        return result["arms"]["fixed {:g}".format(result["best_fixed"]) if name == "best fixed"
                              else name]

    lines = ["summary over seeds {} ({} steps each; accuracy on the 10,000 test images; steps "
             "to reach the best fixed LR's final training loss, '-' = never)".format(
                 ", ".join(map(str, seeds)), args.steps),
             "  {:<11} {:>24} {:>22} {:>22}".format(
                 "arm", "test accuracy mean (min-max)", "final training loss",
                 "steps to target per seed")]
    for name in names:
        arms = [arm_of(seed, name) for seed in seeds]
        accuracy = [a["accuracy"] for a in arms]
        loss = [a["final_loss"] for a in arms]
        lines.append("  {:<11} {:>8.4f} ({:.4f}-{:.4f})      {:>8.4f} ({:.3f}-{:.3f}) "
                     "{:>22}".format(name, statistics.fmean(accuracy), min(accuracy),
                                     max(accuracy), statistics.fmean(loss), min(loss), max(loss),
                                     " ".join("-" if a["steps_to_target"] is None
                                              else str(a["steps_to_target"]) for a in arms)))
    lines.append("per seed: best fixed LR {}; finder suggestion (onecycle's max_lr) {}; "
                 "AutoLRS range {}".format(
                     ", ".join("{:g}".format(results[s]["best_fixed"]) for s in seeds),
                     ", ".join("{:.4g}".format(results[s]["suggested"]) for s in seeds),
                     ", ".join("{:.3g}..{:.3g}".format(*results[s]["range"]) for s in seeds)))
    lines.append("fixed grid, final training loss per seed: " + "; ".join(
        "{:g}: {}".format(lr, " ".join("{:.4f}".format(
            results[s]["arms"]["fixed {:g}".format(lr)]["final_loss"]) for s in seeds))
        for lr in args.grid))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="CIFAR-10 folder (default: $GLUON_LR_CIFAR10_DIR or "
                             "../shared/data/cifar10)")
    parser.add_argument("--steps", type=int, default=500,
                        help="optimizer steps of every arm, AutoLRS's search included")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--grid", type=float, nargs="+", default=[0.025, 0.05, 0.1],
                        help="the fixed learning rates")
    parser.add_argument("--tau", type=int, default=None,
                        help="AutoLRS's first stage length (default: a quarter of --steps)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def log(line):
        print(line, flush=True)

    train_set, test_set = cifar10_datasets(data_dir=args.data_dir, augment=True)
    log("gluon-lr AutoLRS benchmark: resnet18_v2, CIFAR-10 (augmented), batch 128, SGD "
        "momentum 0.9 wd 5e-4, {} steps per arm, {} threads, MXNet {}".format(
            args.steps, os.environ.get("OMP_NUM_THREADS"), mx.__version__))
    results = {seed: run_seed(args, train_set, test_set, seed, log) for seed in args.seeds}
    tau = results[args.seeds[0]]["arms"]["autolrs"]["tau"]
    log("AutoLRS: tau = {} (the reference's 1000 scaled down), k = 10, tau' = tau // k, "
        "stages doubling up to 8 tau".format(tau))
    for line in summary_lines(args, results):
        log(line)
    log("total {:.0f} min".format((time.perf_counter() - started) / 60))
    return 0


if __name__ == "__main__":
    sys.exit(main())
