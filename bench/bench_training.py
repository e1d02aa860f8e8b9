"""Training that beats hand tuning? Eight workflows on CIFAR-10 at equal optimizer steps.

Every arm trains ``small_cnn`` (:func:`gluon_lr.models.small_cnn`) on the
augmented CIFAR-10 training set (random crop and flip, batch 128) for the
same number of optimizer steps (``--epochs``, default 8: 3,128 steps), from
the seed's initial weights (checked: every arm of a seed starts from the
same parameters) and on the seed's batch order. SGD has momentum 0.9 and
weight decay 5e-4, as ``gluon-lr train``. The warm-up of (a), (e) and (g) is
5 % of the steps.

Arms:

(a) **hand-tuned baseline**: cosine decay (to 1/100) after the warm-up, at
    each peak of ``--grid`` (5 rates, 0.01 .. 0.2); the best final test
    accuracy of the grid wins. Picking on the test set favours the baseline.
(b) **one-cycle at suggest()**: :func:`gluon_lr.recipes.find_learning_rate`'s
    suggestion (the default sweep and rule), ``create_schedule('onecycle')``.
(c) **one-cycle at confirm()**: the same sweep's ``confirm()`` choice.
(d) **AutoLRS** over :func:`gluon_lr.recipes.autolrs_range` of the same sweep,
    with :func:`gluon_lr.recipes.train_with_autolrs`'s fitted lengths; its
    candidates' trials are inside the arm's steps.
(e) **Schedule-Free SGD** (``'sgd_schedulefree'``, momentum 0.9, weight decay
    5e-4, the warm-up) at the suggestion of a finder sweep made with that
    optimizer; evaluated at its average ``x``.
(f) **Prodigy** with its defaults (``lr`` 1, betas 0.9 and 0.999, no weight
    decay) and the cosine decay to 0 its authors advise.
(g) **WSD**: warm-up, the finder's suggestion, then a 1-sqrt cool-down over the
    last 20 % (``create_schedule('wsd')``).
(h) **the default**: SGD at 0.1 with cosine decay, no warm-up, no tuning.

Measures, per arm and seed: test accuracy on all 10,000 test images every
``steps / 16`` steps and at the end, the final test loss, the first evaluated
step at which the arm reaches (a)'s final test accuracy, and the workflow's
compute in optimizer steps: the training steps plus every search step
(finder sweeps, ``confirm``'s trials, (a)'s whole grid).

Each arm's result is written to ``--results-dir`` (``bench/results/training/``)
as soon as it is done, and an arm found there is not run again: an
interrupted run resumes. ``--phase report`` reads them, prints the table and
draws ``--plot``.

Usage::

    python bench/bench_training.py --data-dir ../shared/data/cifar10
    python bench/bench_training.py --phase report
"""
import argparse
import glob
import json
import math
import os
import statistics
import sys
import time

from gluon_lr import configure_threads

configure_threads(warn=False)  # a notebook that reads the results has MXNet loaded

from matplotlib.figure import Figure  # noqa: E402

from gluon_lr.autolrs import fitted_lengths  # noqa: E402
from gluon_lr.data import finite_loader  # noqa: E402
from gluon_lr.plotting import plot_accuracy_curves  # noqa: E402
from gluon_lr.recipes import (autolrs_range, batches_per_epoch,  # noqa: E402
                              cifar10_datasets, cifar10_learner, evaluate_accuracy,
                              find_learning_rate, train_with_autolrs)
from gluon_lr.schedules import create_schedule  # noqa: E402
from provenance import header, parameters_digest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA_DIR = os.environ.get("GLUON_LR_CIFAR10_DIR",
                                  os.path.join(HERE, "..", "..", "shared", "data", "cifar10"))
MODEL = "small_cnn"
BATCH = 128
SGD = {"momentum": 0.9, "wd": 5e-4}
WARMUP_FRACTION = 0.05
EVALUATIONS = 16
#: The fewest steps AutoLRS's lengths can be fitted to (6 stages of 10 + 10 trials of 20 steps).
MIN_AUTOLRS_STEPS = 6 * 20 * 20
ARMS = ("a", "b", "c", "d", "e", "f", "g", "h")
#: AutoLRS first: the most involved arm fails early if it fails.
RUN_ORDER = ("d", "b", "c", "e", "f", "g", "h", "a")
NAMES = {"a": "(a) tuned cosine grid", "b": "(b) one-cycle at suggest", "c":
         "(c) one-cycle at confirm", "d": "(d) AutoLRS", "e": "(e) Schedule-Free SGD",
         "f": "(f) Prodigy", "g": "(g) WSD 1-sqrt", "h": "(h) SGD 0.1 cosine"}
class Seed:
    """One seed: fresh learners at the seed's start, on the seed's batch order."""

    def __init__(self, train_set, test_set, seed, steps):
        self.train_set, self.test_set, self.seed, self.steps = train_set, test_set, seed, steps
        self.eval_every = max(1, steps // EVALUATIONS)
        self.warmup = round(WARMUP_FRACTION * steps)

    def learner(self, optimizer="sgd", optimizer_params=None):
        learner = cifar10_learner(self.train_set, model=MODEL, batch_size=BATCH, seed=self.seed,
                                  optimizer=optimizer,
                                  optimizer_params=SGD if optimizer_params is None
                                  else optimizer_params)
        learner.initialize_parameters()
        return learner, parameters_digest(learner)

    def accuracy(self, learner):
        return evaluate_accuracy(learner, self.test_set, batch_size=256)

    def finish(self, learner, start, curve, extra):
        """The arm's record: its curve, final accuracy and loss."""
        if not curve or curve[-1][0] != self.steps:
            curve.append((self.steps, self.accuracy(learner)))
        return dict(extra, start=start, curve=curve, accuracy=curve[-1][1],
                    test_loss=learner.evaluate_loss(finite_loader(self.test_set, 256)))

    def train(self, schedule=None, lr=None, optimizer="sgd", optimizer_params=None, **extra):
        """``self.steps`` steps with ``schedule`` as the optimizer's lr_scheduler, or at ``lr``."""
        learner, start = self.learner(optimizer, optimizer_params)
        with learner:
            if schedule is not None:
                learner.trainer.optimizer.lr_scheduler = schedule  # momentum too, if it has one
            curve = []

            def evaluate(step, rate, loss):
                if step % self.eval_every == 0:
                    curve.append((step, self.accuracy(learner)))
                return False

            losses = learner.run(self.steps, lr=lr, callback=evaluate)
            if len(losses) < self.steps:  # diverged
                return dict(extra, start=start, curve=curve, accuracy=0.1, test_loss=math.inf,
                            diverged_at=len(losses))
            return self.finish(learner, start, curve, extra)

    def finder(self, optimizer="sgd", optimizer_params=None, confirm=True):
        learner, start = self.learner(optimizer, optimizer_params)
        with learner:
            finder, summary = find_learning_rate(learner, confirm=confirm, progress=False)
            record = {"start": start, "suggested": summary["suggested_lr"],
                      "sweep_steps": summary["iterations"]}
            if confirm:
                record.update(confirmed=summary["confirmed_lr"],
                              confirm_steps=summary["confirm_steps"],
                              range=list(autolrs_range(finder)))
            return record

    def autolrs(self, min_lr, max_lr):
        learner, start = self.learner()
        with learner:
            curve = []

            def evaluate(stage):
                curve.append((stage.first_step + stage.search_steps + stage.train_steps,
                              self.accuracy(learner)))
                return False

            autolrs = train_with_autolrs(learner, total_steps=self.steps, min_lr=min_lr,
                                         max_lr=max_lr, seed=self.seed, progress=False,
                                         stage_callback=evaluate)
            stages = [{"lr": s.lr, "search_steps": s.search_steps, "train_steps": s.train_steps}
                      for s in autolrs.stages]
            return self.finish(learner, start, curve, {"stages": stages,
                                                       "tau": autolrs.tau,
                                                       "tau_prime": autolrs.tau_prime,
                                                       "tau_max": autolrs.tau_max})


def run_arm(data, arm, found, grid):
    """One arm's record (for (a), one record per grid peak)."""
    steps, warmup = data.steps, data.warmup
    if arm == "a":
        return {"{:g}".format(peak): data.train(create_schedule(
            "cosine", total_steps=steps, max_lr=peak, warmup=warmup), peak=peak)
            for peak in grid}
    if arm in ("b", "c"):
        peak = found["sgd"]["suggested" if arm == "b" else "confirmed"]
        return data.train(create_schedule("onecycle", total_steps=steps, max_lr=peak), peak=peak)
    if arm == "d":
        return data.autolrs(*found["sgd"]["range"])
    if arm == "e":
        rate = found["schedulefree"]["suggested"]
        return data.train(lr=rate, optimizer="sgd_schedulefree",
                          optimizer_params=dict(SGD, warmup_steps=warmup), peak=rate)
    if arm == "f":
        return data.train(create_schedule("cosine", total_steps=steps, max_lr=1.0, min_lr=0.0),
                          optimizer="prodigy", optimizer_params={}, peak=1.0)
    if arm == "g":
        peak = found["sgd"]["suggested"]
        return data.train(create_schedule("wsd", total_steps=steps, max_lr=peak, warmup=warmup,
                                          cooldown_fraction=0.2, cooldown_shape="1-sqrt"),
                          peak=peak)
    return data.train(create_schedule("cosine", total_steps=steps, max_lr=0.1), peak=0.1)


def results_path(results_dir, seed):
    return os.path.join(results_dir, "seed{}.json".format(seed))


def run_seed(args, train_set, test_set, seed, steps, log):
    """Run every arm of ``seed`` not yet in its results file, saving after each."""
    path = results_path(args.results_dir, seed)
    record = json.load(open(path)) if os.path.exists(path) else {
        "seed": seed, "steps": steps, "epochs": args.epochs, "per_epoch": steps // args.epochs,
        "grid": args.grid, "found": {}, "arms": {}}
    if record["steps"] != steps or record["grid"] != args.grid:
        raise SystemExit("{} holds another configuration (steps {}, grid {}); move it away"
                         .format(path, record["steps"], record["grid"]))
    data = Seed(train_set, test_set, seed, steps)

    def save():
        record.setdefault("runs", []).append(header())
        with open(path + ".tmp", "w") as handle:
            json.dump(record, handle, indent=1)
        os.replace(path + ".tmp", path)

    for key, optimizer, params, confirm in (("sgd", "sgd", None, True),
                                            ("schedulefree", "sgd_schedulefree", SGD, False)):
        if key not in record["found"]:
            started = time.perf_counter()
            record["found"][key] = data.finder(optimizer, params, confirm)
            record["found"][key]["seconds"] = round(time.perf_counter() - started, 1)
            log("seed {} finder ({}): {}".format(seed, key, json.dumps(record["found"][key])))
            save()
    for arm in sorted(args.arms, key=RUN_ORDER.index):
        if arm in record["arms"]:
            continue
        started = time.perf_counter()
        record["arms"][arm] = run_arm(data, arm, record["found"], args.grid)
        seconds = time.perf_counter() - started
        results = record["arms"][arm] if arm == "a" else {"": record["arms"][arm]}
        for peak, result in results.items():
            result["seconds"] = round(seconds / len(results), 1)
            log("seed {} {} {} accuracy {:.4f} test loss {:.4f} ({:.0f} s)".format(
                seed, NAMES[arm], peak, result["accuracy"], result["test_loss"],
                result["seconds"]))
        save()
    starts = {found["start"] for found in record["found"].values()}
    for arm, result in record["arms"].items():
        starts.update(r["start"] for r in (result.values() if arm == "a" else [result]))
    if len(starts) != 1:
        raise RuntimeError("the arms of seed {} did not start alike: {}".format(seed, starts))


# -- the report ---------------------------------------------------------------------------------

def best_of_grid(record):
    """(peak, result) of the grid's best final test accuracy."""
    return max(record["arms"]["a"].items(), key=lambda item: item[1]["accuracy"])


def arm_result(record, arm):
    return best_of_grid(record)[1] if arm == "a" else record["arms"][arm]


def steps_to_reach(curve, target):
    """The first evaluated step whose test accuracy is at least ``target``, or None."""
    return next((step for step, accuracy in curve if accuracy >= target), None)


def workflow_steps(record, arm):
    """Optimizer steps of the workflow: training plus every search step."""
    steps, found = record["steps"], record["found"]
    sweep = found["sgd"]["sweep_steps"]
    return steps + {"a": (len(record["grid"]) - 1) * steps, "b": sweep,
                    "c": sweep + found["sgd"].get("confirm_steps", 0), "d": sweep,
                    "e": found["schedulefree"]["sweep_steps"], "f": 0, "g": sweep,
                    "h": 0}[arm]


def mean_spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return "{:.4f}".format(values[0])
    return "{:.4f} ({:.4f}-{:.4f})".format(statistics.fmean(values), min(values), max(values))


def report(records, log):
    """The table, the per-seed details and the targets, over the complete seeds."""
    seeds = complete_seeds(records)
    if not seeds:
        log("no seed has every arm yet")
        return
    steps = records[seeds[0]]["steps"]
    log("summary over seeds {}: {} optimizer steps per arm ({} epochs of {} batches); test "
        "accuracy on all 10,000 test images; 'steps to (a)' = the first of every {} steps (and "
        "the last) whose test accuracy reaches the seed's (a) final accuracy, '-' = never; "
        "workflow = training + every search step, in training runs; AutoLRS is evaluated at "
        "the end of each stage".format(
            ", ".join(map(str, seeds)), steps, records[seeds[0]].get("epochs", "?"),
            records[seeds[0]].get("per_epoch", "?"), max(1, steps // EVALUATIONS)))
    log("  {:<26} {:>29} {:>27} {:>18} {:>9}".format(
        "arm", "final test accuracy (min-max)", "final test loss (min-max)",
        "steps to (a)", "workflow"))
    table = {}
    for arm in ARMS:
        results = [arm_result(records[s], arm) for s in seeds]
        reach = [steps_to_reach(r["curve"], best_of_grid(records[s])[1]["accuracy"])
                 for r, s in zip(results, seeds)]
        work = statistics.fmean(workflow_steps(records[s], arm) for s in seeds) / steps
        accuracy = [r["accuracy"] for r in results]
        table[arm] = {"accuracy": statistics.fmean(accuracy), "reach": reach, "work": work,
                      "accuracies": accuracy}
        log("  {:<26} {:>29} {:>27} {:>18} {:>8.2f}x".format(
            NAMES[arm], mean_spread(accuracy), mean_spread([r["test_loss"] for r in results]),
            " ".join("-" if r is None else str(r) for r in reach), work))
    if steps >= MIN_AUTOLRS_STEPS:
        log(fitted_lengths(steps).describe())
    log("per seed:")
    for s in seeds:
        record = records[s]
        found = record["found"]
        peak, _ = best_of_grid(record)
        log("  seed {}: grid {} -> best peak {}; finder suggests {:.4g}, confirm {:.4g} ({} + {} "
            "steps), AutoLRS range {:.4g} .. {:.4g}; Schedule-Free finder suggests {:.4g} ({} "
            "steps)".format(s, ", ".join("{}: {:.4f}".format(p, r["accuracy"]) for p, r in
                                         record["arms"]["a"].items()), peak,
                            found["sgd"]["suggested"], found["sgd"]["confirmed"],
                            found["sgd"]["sweep_steps"], found["sgd"]["confirm_steps"],
                            *found["sgd"]["range"], found["schedulefree"]["suggested"],
                            found["schedulefree"]["sweep_steps"]))
        d = record["arms"]["d"]
        log("  seed {}: AutoLRS tau={} tau'={} tau_max={}, stage rates {}".format(
            s, d["tau"], d["tau_prime"], d["tau_max"],
            " ".join("{:.3g}".format(stage["lr"]) for stage in d["stages"])))
    a = table["a"]["accuracy"]
    own = table["c"]
    log("targets:")
    log("  gluon-lr's workflow (find, confirm, one-cycle) within 0.5 points of (a): {:+.2f} "
        "points at {:.2f}x one run ((a) costs {:.2f}x): {}".format(
            100 * (own["accuracy"] - a), own["work"], table["a"]["work"],
            "met" if own["accuracy"] >= a - 0.005 and own["work"] <= 1.3 else "missed"))
    for arm, bound, what in (("c", 0.8, "0.8"), ("d", 1 / 1.2, "1/1.2")):
        ratios = [None if r is None else r / a_steps
                  for r, a_steps in zip(table[arm]["reach"], table["a"]["reach"])]
        met = all(r is not None and r <= bound for r in ratios)
        log("  {} reaches (a)'s final accuracy in <= {} of (a)'s steps: {} ({})".format(
            NAMES[arm], what, " ".join("-" if r is None else "{:.2f}".format(r)
                                       for r in ratios), "met" if met else "missed"))


def complete_seeds(records):
    """The seeds whose every arm is done."""
    return sorted(s for s, r in records.items() if all(a in r["arms"] for a in ARMS))


def load_records(results_dir, seeds=None):
    """``{seed: record}`` of the results files in ``results_dir`` (all seeds, or ``seeds``)."""
    records = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "seed*.json"))):
        with open(path) as handle:
            record = json.load(handle)
        if seeds is None or record["seed"] in seeds:
            records[record["seed"]] = record
    return records


def draw(records, axes):
    """Test accuracy against steps, every arm, one Axes per complete seed."""
    for ax, s in zip(axes, complete_seeds(records)):
        plot_accuracy_curves({NAMES[arm]: arm_result(records[s], arm)["curve"] for arm in ARMS},
                             target=best_of_grid(records[s])[1]["accuracy"], ax=ax)
        ax.set_ylim(0.3, None)
        ax.set_title("seed {}".format(s))


def plot(records, path):
    """:func:`draw` into the file ``path``."""
    seeds = complete_seeds(records)
    if seeds:
        figure = Figure(figsize=(6 * len(seeds), 4.8))
        draw(records, figure.subplots(1, len(seeds), squeeze=False)[0])
        figure.tight_layout()
        figure.savefig(path, dpi=90)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("run", "report"), default="run")
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="CIFAR-10 folder (default: $GLUON_LR_CIFAR10_DIR or "
                             "../shared/data/cifar10)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--train-size", type=int, default=None,
                        help="a seeded slice of the training images (for a quick check)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS))
    parser.add_argument("--grid", type=float, nargs="+", default=[0.01, 0.02, 0.05, 0.1, 0.2],
                        help="(a)'s peak learning rates")
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results", "training"))
    parser.add_argument("--plot", default=os.path.join(HERE, "results", "training.png"))
    args = parser.parse_args(argv)

    def log(line):
        print(line, flush=True)

    os.makedirs(args.results_dir, exist_ok=True)
    if args.phase == "run":
        started = time.perf_counter()
        train_set, test_set = cifar10_datasets(data_dir=args.data_dir, augment=True,
                                               train_size=args.train_size)
        per_epoch = batches_per_epoch(len(train_set), BATCH)
        steps = args.epochs * per_epoch
        log("bench_training: {}".format(json.dumps(header())))
        log("{} on CIFAR-10 (augmented, {} images), batch {}, {} epochs = {} steps per arm, "
            "seeds {}".format(MODEL, len(train_set), BATCH, args.epochs, steps, args.seeds))
        for seed in args.seeds:
            run_seed(args, train_set, test_set, seed, steps, log)
        log("run took {:.0f} min".format((time.perf_counter() - started) / 60))
    records = load_records(args.results_dir, args.seeds)
    report(records, log)
    plot(records, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
