"""``gluon-lr find`` against the tutorial's finder on the same data, in one run.

Arms, each in a fresh process of its own, because MXNet fixes its operator
thread count when it loads (``gluon_lr/threads.py``). Each is timed from
building the dataset to the end of the sweep:

(a) the "Learning Rate Finder" tutorial's finder as the tutorial writes it: its
    ``Learner``, ``ContinuousBatchSampler``, ``LRFinder`` and
    ``LRFinderStoppingCriteria`` (changed only where MXNet 2.0 needs it:
    ``to_device``, ``device=``, ``mx.np``; from ``reference/tutorial_lr_finder.py``,
    the oracle of ``tests/test_tutorial_parity.py``), a ``DataLoader`` with
    ``num_workers=0`` and MXNet's ``ToTensor`` + ``Normalize`` per item on the
    RecordIO dataset, a non-hybridized ResNet-18 v2, ``find(lr_start=1e-6)``,
    with MXNet's default threads (half the cores) as its reader runs it. It
    writes ``lr_finder.params`` and ``lr_finder.state``, so it runs in a
    temporary directory.
(a') the same with every core (``OMP_NUM_THREADS`` = the cores): what the
    thread count alone buys the tutorial's code.
(b) ``gluon-lr find`` with its default sweep (75 log-spaced points over
    1e-5..10, early stop) and its default SGD (momentum 0.9, weight decay
    5e-4, the optimizer ``gluon-lr train`` trains with; the tutorial's
    finder sweeps plain SGD), through the recipes the command calls, with the
    threads the command sets (:func:`gluon_lr.configure_threads`). Before its
    clock starts and again after the sweep, the same process times the
    model-only step (forward, backward, ``Trainer.step`` on resident batches
    of a hybridized ResNet-18 v2), and sets the whole sweep's time per
    iteration against the mean of the two. Then, its loader still open, it
    runs the sweep again with 8 model-only steps after every 8 iterations,
    timing the two block by block (:func:`interleaved_sweep`): the speed of
    this shared machine drifts by tens of percent within a minute, so blocks
    a few seconds apart compare like with like more closely. Both ratios are
    set against the target (<= 1.1 per iteration).
(c) ``gluon-lr find --lr-start 1e-6 --lr-multiplier 1.1``: the tutorial's sweep
    on gluon-lr, to check that (b)'s suggestion agrees with it.

It prints the wall times, iterations and the ratio (b)/(a) (target <= 0.30),
and both suggestions with their ratio. Two agreement criteria:

1. the two suggestions are within a factor of 2 of each other (set before the
   first measurement);
2. the tutorial's own: each suggestion lies where the other sweep's smoothed
   loss is falling, from 3 % below its start to its lowest point
   (``bench/finder_landmarks.py``).

The timed arms (a), (a') and (b) alternate in ``--rounds`` rounds and each is
reported at its median round, since a shared machine's speed drifts.

Usage: ``python bench/bench_find.py [--data-dir ../shared/data/cifar10] [--seed 0]
[--batch-size 128] [--rounds 3]`` (``--arm`` is internal: what each process runs).
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)

from gluon_lr.threads import ENV_VARS, available_cores  # noqa: E402  (imports no MXNet)

DEFAULT_DATA_DIR = os.environ.get("GLUON_LR_CIFAR10_DIR", "../shared/data/cifar10")
#: Suggestions closer than this factor agree.
AGREEMENT_FACTOR = 2.0
#: arm -> (OpenMP threads: None for MXNet's default, "cores" for every core).
#: The SGD ``gluon-lr find`` sweeps with by default (its --momentum and --wd).
FIND_SGD = {"momentum": 0.9, "wd": 5e-4}
ARMS = {"tutorial": None, "tutorial, all cores": "cores", "gluon-lr": "cores",
        "gluon-lr, tutorial sweep": "cores"}
ARM_LIMIT = 900  # seconds per arm
#: Model-only steps timed before and after arm (b)'s sweep (after 3 warm-up steps).
MODEL_STEPS = 30
#: Arm (b)'s second sweep: this many model-only steps after every this many iterations.
INTERLEAVE = (8, 8)


# -- what each process runs ------------------------------------------------------------------

def tutorial_finder(data_dir, seed, batch_size):
    """Arm (a): the tutorial's data-loader and usage cells; returns its (lr, loss) results."""
    import mxnet as mx
    from mxnet.gluon.data.vision import ImageRecordDataset, transforms
    from gluon_lr.recipes import seed_everything
    sys.path.insert(0, os.path.join(ROOT, "reference"))
    from tutorial_lr_finder import (TutorialContinuousBatchSampler, TutorialLearner,
                                    TutorialLRFinder)
    seed_everything(seed)
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.4914, 0.4822, 0.4465], std=[0.2023, 0.1994, 0.2010])])
    dataset = ImageRecordDataset(os.path.join(data_dir, "train.rec")).transform_first(transform)
    sampler = mx.gluon.data.RandomSampler(len(dataset))
    batch_sampler = TutorialContinuousBatchSampler(sampler, batch_size=batch_size)
    data_loader = mx.gluon.data.DataLoader(dataset, batch_sampler=batch_sampler)
    ctx = mx.cpu()
    net = mx.gluon.model_zoo.vision.resnet18_v2(classes=10)
    learner = TutorialLearner(net, data_loader, ctx)
    lr_finder = TutorialLRFinder(learner)
    return lr_finder.find(lr_start=1e-6)


def gluon_lr_finder(data_dir, seed, batch_size, start, then=None, **sweep):
    """Arms (b) and (c): what ``gluon-lr find ... --no-progress`` runs, minus its files.

    ``arm_seconds`` is the time from ``start`` to the end of the sweep. ``then``,
    if given, is called with the learner afterwards, its loader still open, and
    its result kept as ``then``.
    """
    import mxnet as mx
    from finder_landmarks import curve_landmarks
    from gluon_lr.recipes import cifar10_datasets, cifar10_learner, find_learning_rate
    from gluon_lr.suggest import SUGGESTION_METHODS
    train_set, _ = cifar10_datasets(data_dir=data_dir, seed=seed)
    with cifar10_learner(train_set, batch_size=batch_size, seed=seed,
                         optimizer_params=FIND_SGD) as learner:
        finder, summary = find_learning_rate(learner, progress=False, **sweep)
        mx.npx.waitall()
        summary["arm_seconds"] = time.perf_counter() - start
        if then is not None:
            summary["then"] = then(learner)
    summary["by_rule"] = {rule: finder.suggest(rule) for rule in sorted(SUGGESTION_METHODS)}
    summary["landmarks"] = curve_landmarks(finder.lrs, finder.losses)
    return summary


class ModelStep:
    """The model-only step on 4 resident random batches of its own hybridized network."""

    def __init__(self, batch_size):
        import mxnet as mx
        from bench_core import bare_step, make_net
        batches = [(mx.np.random.uniform(size=(batch_size, 3, 32, 32)),
                    mx.np.random.randint(0, 10, size=(batch_size,)).astype("float32"))
                   for _ in range(4)]
        net = make_net(mx.cpu(), hybridize=True)
        trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1e-4,
                                                                 "momentum": 0.9})
        loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        order = itertools.cycle(batches)
        self.step = lambda: bare_step(net, trainer, loss_fn, *next(order))

    def seconds(self, steps=MODEL_STEPS, skip=3):
        """Seconds per step over ``steps`` steps after ``skip`` untimed ones."""
        from bench_core import timed_steps
        return timed_steps(self.step, steps, skip=skip)


def interleaved_sweep(learner, model):
    """The default sweep again, ``INTERLEAVE[1]`` model-only steps after every ``INTERLEAVE[0]``.

    The machine's speed drifts by tens of percent within a minute, so the two
    are timed in alternating blocks of a few seconds: the sweep's iterations
    (from one recorded loss to the next; the graph is built by then) and
    ``model``'s steps. Returns their seconds per iteration and per step.
    """
    from gluon_lr import LRFinder, LRFinderStoppingCriteria
    from gluon_lr.recipes import DEFAULT_SWEEP
    block, steps = INTERLEAVE
    stop = LRFinderStoppingCriteria()  # find()'s own stopping rule
    clock = {"sweep": 0.0, "iterations": 0, "model": 0.0, "steps": 0}

    def criteria(loss):  # runs after each iteration, its loss already read
        now = time.perf_counter()
        clock["sweep"] += now - clock["mark"]
        clock["iterations"] += 1
        if clock["iterations"] % block == 0:
            clock["model"] += model.seconds(steps, skip=0) * steps
            clock["steps"] += steps
            now = time.perf_counter()
        clock["mark"] = now
        return stop(loss)

    model.seconds(3, skip=0)  # warm: the first call builds its graph
    clock["mark"] = time.perf_counter()
    LRFinder(learner).find(progress=False, stopping_criteria=criteria, sweep=DEFAULT_SWEEP)
    return {"sweep_iteration": clock["sweep"] / clock["iterations"],
            "model_step": clock["model"] / clock["steps"], "iterations": clock["iterations"]}


def run_arm(arm, data_dir, seed, batch_size):
    """Run one arm here; print its result as one ``RESULT`` JSON line."""
    import mxnet as mx
    timed_model = arm == "gluon-lr"
    if timed_model:  # before the arm's clock starts, and again after the sweep
        started = time.perf_counter()
        model = ModelStep(batch_size)
        model_before = model.seconds()
        model_timing = time.perf_counter() - started
    start = time.perf_counter()
    if arm.startswith("tutorial"):
        with tempfile.TemporaryDirectory() as folder:
            os.chdir(folder)
            results = tutorial_finder(data_dir, seed, batch_size)
        mx.npx.waitall()
        result = {"seconds": time.perf_counter() - start, "iterations": len(results) + 1,
                  "lrs": [lr for lr, _ in results], "losses": [loss for _, loss in results]}
    else:
        from gluon_lr import ExponentialSweep
        sweep = {"sweep": ExponentialSweep(1e-6, 1.1)} if arm.endswith("sweep") else {}
        then = (lambda learner: interleaved_sweep(learner, model)) if timed_model else None
        result = gluon_lr_finder(data_dir, seed, batch_size, start, then, **sweep)
        result["sweep_seconds"] = result["seconds"]  # LRFinder.find alone
        result["seconds"] = result["arm_seconds"]
        if timed_model:
            result["model_step_before"] = model_before
            result["model_step_after"] = model.seconds()
            result["model_step"] = (model_before + result["model_step_after"]) / 2
            # what this process did besides the command's work: the model-only timing and
            # the interleaved sweep
            result["extra_seconds"] = model_timing + time.perf_counter() - start - result["seconds"]
    result["threads"] = os.environ.get("OMP_NUM_THREADS", "MXNet's default")
    print("RESULT " + json.dumps(result), flush=True)


# -- the driver ------------------------------------------------------------------------------

def measure(arm, args):
    """Run ``arm`` in a fresh process; return its result and the process's wall time."""
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    env["PYTHONPATH"] = os.pathsep.join([ROOT, BENCH, os.environ.get("PYTHONPATH", "")])
    if ARMS[arm] == "cores":
        env["OMP_NUM_THREADS"] = str(available_cores())
    command = [sys.executable, os.path.abspath(__file__), "--arm", arm, "--data-dir",
               os.path.abspath(args.data_dir), "--seed", str(args.seed),
               "--batch-size", str(args.batch_size)]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=ARM_LIMIT)
    wall = time.perf_counter() - start
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            result["process_seconds"] = wall
            return result
    raise RuntimeError("arm {!r} gave no result ({}):\n{}".format(
        arm, done.returncode, (done.stdout + done.stderr)[-3000:]))


def median_round(results):
    """The round whose time is the median (the upper one of an even count)."""
    return sorted(results, key=lambda result: result["seconds"])[len(results) // 2]


def in_falling_region(lr, other):
    """Whether ``lr`` lies where ``other``'s smoothed loss falls (criterion 2)."""
    low, high = other["landmarks"]["3% below start at lr"], other["landmarks"]["lowest at lr"]
    return lr is not None and low is not None and low <= lr <= high


def shown(lr):
    return "none" if lr is None else "{:.4g}".format(lr)


def spread(a, b):
    """``max / min`` of two suggestions (``nan`` if either is missing)."""
    return float("nan") if a is None or b is None else max(a, b) / min(a, b)


def timing_line(label, result):
    """An arm's times; its process's wall time leaves out (b)'s model-only timing and second
    sweep."""
    process = result["process_seconds"] - result.get("extra_seconds", 0.0)
    return "{:<40} {:7.1f} s  {:4d} iterations  {:.3f} s/iteration  (process with import " \
           "{:.1f} s; threads {})".format(label, result["seconds"], result["iterations"],
                                         result["seconds"] / result["iterations"], process,
                                         result["threads"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="CIFAR-10 RecordIO folder (default: $GLUON_LR_CIFAR10_DIR or "
                             "../shared/data/cifar10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128,
                        help="the tutorial's 128 by default; smaller only for a quick check")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the timed arms (a), (a') and (b); each arm's median "
                             "round is reported")
    parser.add_argument("--arm", choices=sorted(ARMS), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.arm is not None:
        run_arm(args.arm, args.data_dir, args.seed, args.batch_size)
        return 0

    from gluon_lr.suggest import SUGGESTION_METHODS, suggest_lr
    load_before = os.getloadavg()[0]
    timed_arms = ("tutorial", "tutorial, all cores", "gluon-lr")
    rounds = {arm: [] for arm in timed_arms}
    for _ in range(args.rounds):  # alternating, so that drifts of the machine hit all alike
        for arm in timed_arms:
            rounds[arm].append(measure(arm, args))
    tutorial_sweep = measure("gluon-lr, tutorial sweep", args)
    load_after = os.getloadavg()[0]
    tutorial, tutorial_all, ours = (median_round(rounds[arm]) for arm in timed_arms)
    factor = spread(ours["suggested_lr"], tutorial_sweep["suggested_lr"])
    lines = [
        "gluon-lr finder benchmark: resnet18_v2, batch {}, cpu ({} cores), seed {}, CIFAR-10 "
        "RecordIO from {}; load average {:.1f} before / {:.1f} after".format(
            args.batch_size, available_cores(), args.seed, args.data_dir, load_before,
            load_after),
        "each arm: a fresh process, timed from building the dataset to the end of the sweep; "
        "the median of {} rounds (s per round: {})".format(args.rounds, "; ".join(
            "{}: {}".format(arm, " ".join("{:.1f}".format(r["seconds"]) for r in rounds[arm]))
            for arm in timed_arms)),
        timing_line("(a)  tutorial finder, MXNet's threads", tutorial),
        timing_line("(a') tutorial finder, every core", tutorial_all),
        timing_line("(b)  gluon-lr find, default sweep", ours),
        "     sweep: {} points over {:g}..{:g}, x{:.4f}; last lr {:.3g}, stopped by {}".format(
            ours["sweep"]["max_iter"], ours["sweep"]["lr_start"], ours["sweep"]["lr_end"],
            ours["sweep"]["lr_multiplier"], ours["last_lr"], ours["stopped_by"]),
        "wall-time ratio (b)/(a): {:.3f}  (target <= 0.30); (b)/(a'): {:.3f}".format(
            ours["seconds"] / tutorial["seconds"], ours["seconds"] / tutorial_all["seconds"]),
        "(b) per iteration against the model-only step timed before and after the sweep in "
        "the same process (mean {:.4f} s/step of {:.4f} before and {:.4f} after; resident "
        "batches, hybridized):".format(ours["model_step"], ours["model_step_before"],
                                        ours["model_step_after"]),
        "     sweep alone (LRFinder.find, its first compile included) {:.3f} s/iteration, "
        "ratio {:.3f}  (target <= 1.1)".format(
            ours["sweep_seconds"] / ours["iterations"],
            ours["sweep_seconds"] / ours["iterations"] / ours["model_step"]),
        "     sweep ratio per round: {}".format(" ".join(
            "{:.3f}".format(r["sweep_seconds"] / r["iterations"] / r["model_step"])
            for r in rounds["gluon-lr"])),
        "     whole arm (dataset, learner and sweep) {:.3f} s/iteration, ratio {:.3f}".format(
            ours["seconds"] / ours["iterations"],
            ours["seconds"] / ours["iterations"] / ours["model_step"]),
        "(b) the same sweep again, {} model-only steps after every {} iterations, timed "
        "block by block ({} iterations; graph built):".format(INTERLEAVE[1], INTERLEAVE[0],
                                                                ours["then"]["iterations"]),
        "     {:.4f} s/iteration against {:.4f} s/step, ratio {:.3f}  (target <= 1.1)".format(
            ours["then"]["sweep_iteration"], ours["then"]["model_step"],
            ours["then"]["sweep_iteration"] / ours["then"]["model_step"]),
        "     ratio per round: {}".format(" ".join(
            "{:.3f}".format(r["then"]["sweep_iteration"] / r["then"]["model_step"])
            for r in rounds["gluon-lr"])),
        "suggested lr ({} rule): (b) default sweep {}; (c) tutorial sweep (1e-6, x1.1) on "
        "gluon-lr {} ({} iterations)".format(
            ours["method"], shown(ours["suggested_lr"]), shown(tutorial_sweep["suggested_lr"]),
            tutorial_sweep["iterations"]),
        "suggestion ratio max/min {:.2f}: {} (criterion: within a factor of {:g})".format(
            factor, "agree" if factor <= AGREEMENT_FACTOR else "DISAGREE", AGREEMENT_FACTOR),
        "falling region (3% below start .. lowest) of (b): {} .. {}; of (c): {} .. {}".format(
            *(shown(run["landmarks"][key]) for run in (ours, tutorial_sweep)
              for key in ("3% below start at lr", "lowest at lr"))),
        "(b) in (c)'s falling region: {}; (c) in (b)'s: {}  (criterion 2: {})".format(
            in_falling_region(ours["suggested_lr"], tutorial_sweep),
            in_falling_region(tutorial_sweep["suggested_lr"], ours),
            "agree" if in_falling_region(ours["suggested_lr"], tutorial_sweep)
            and in_falling_region(tutorial_sweep["suggested_lr"], ours) else "DISAGREE"),
        "for reference, each rule on (b) / (c) / the tutorial finder's own curve (a), "
        "ratio (b)-(c):",
    ]
    for rule in sorted(SUGGESTION_METHODS):
        values = (ours["by_rule"][rule], tutorial_sweep["by_rule"][rule],
                  suggest_lr(tutorial["lrs"], tutorial["losses"], rule))
        lines.append("    {:<9} {} / {} / {}   {:.2f}".format(
            rule, *(shown(v) for v in values), spread(*values[:2])))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
