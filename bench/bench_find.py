"""``gluon-lr find`` against the tutorial's finder on the same data, in one run.

Arms, each timed from building the dataset to the end of the sweep:

(a) the "Learning Rate Finder" tutorial's finder as the tutorial writes it: its
    ``Learner``, ``ContinuousBatchSampler``, ``LRFinder`` and
    ``LRFinderStoppingCriteria`` (changed only where MXNet 2.0 needs it:
    ``to_device``, ``device=``, ``mx.np``; from ``reference/tutorial_lr_finder.py``,
    the oracle of ``tests/test_tutorial_parity.py``), a ``DataLoader`` with
    ``num_workers=0`` and MXNet's ``ToTensor`` + ``Normalize`` per item on the
    RecordIO dataset, a non-hybridized ResNet-18 v2, ``find(lr_start=1e-6)``.
    It writes ``lr_finder.params`` and ``lr_finder.state``, so it runs in a
    temporary directory.
(b) ``gluon-lr find`` with its default sweep (100 log-spaced points over
    1e-7..10, early stop), through the recipes the command calls.
(c) ``gluon-lr find --lr-start 1e-6 --lr-multiplier 1.1``: the tutorial's sweep
    on gluon-lr, to check that (b)'s suggestion agrees with it.

It prints the wall times, iterations and the ratio (b)/(a) (target <= 0.6), and
both suggestions with their ratio. Two agreement criteria:

1. the two suggestions are within a factor of 2 of each other (set before the
   first measurement);
2. the tutorial's own: each suggestion lies where the other sweep's smoothed
   loss is falling, from 3 % below its start to its lowest point
   (``bench/finder_landmarks.py``).

Usage: ``python bench/bench_find.py [--data-dir ../shared/data/cifar10] [--seed 0]
[--batch-size 128]``
"""
import argparse
import gc
import os
import sys
import tempfile
import time

import mxnet as mx
from mxnet.gluon.data.vision import ImageRecordDataset, transforms

from gluon_lr.recipes import cifar10_datasets, cifar10_learner, find_learning_rate, \
    seed_everything
from gluon_lr.suggest import SUGGESTION_METHODS, suggest_lr
from finder_landmarks import curve_landmarks  # noqa: E402 - bench/ is on sys.path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from tutorial_lr_finder import (TutorialContinuousBatchSampler, TutorialLearner,  # noqa: E402
                                TutorialLRFinder)

DEFAULT_DATA_DIR = os.environ.get("GLUON_LR_CIFAR10_DIR", "../shared/data/cifar10")
#: Suggestions closer than this factor agree.
AGREEMENT_FACTOR = 2.0


def tutorial_finder(data_dir, seed, batch_size):
    """Arm (a): the tutorial's data-loader and usage cells; returns its (lr, loss) results."""
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


# --- gluon-lr --------------------------------------------------------------------------

def gluon_lr_finder(data_dir, seed, batch_size, **sweep):
    """Arms (b) and (c): what ``gluon-lr find ... --no-progress`` runs, minus its files."""
    train_set, _ = cifar10_datasets(data_dir=data_dir, seed=seed)
    with cifar10_learner(train_set, batch_size=batch_size, seed=seed) as learner:
        finder, summary = find_learning_rate(learner, progress=False, **sweep)
    summary["by_rule"] = {rule: finder.suggest(rule) for rule in sorted(SUGGESTION_METHODS)}
    summary["landmarks"] = curve_landmarks(finder.lrs, finder.losses)
    return summary


def in_falling_region(lr, other):
    """Whether ``lr`` lies where ``other``'s smoothed loss falls (criterion 2)."""
    low, high = other["landmarks"]["3% below start at lr"], other["landmarks"]["lowest at lr"]
    return lr is not None and low is not None and low <= lr <= high


def shown(lr):
    return "none" if lr is None else "{:.4g}".format(lr)


def spread(a, b):
    """``max / min`` of two suggestions (``nan`` if either is missing)."""
    return float("nan") if a is None or b is None else max(a, b) / min(a, b)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    mx.npx.waitall()
    seconds = time.perf_counter() - start
    gc.collect()  # drop the arm's DataLoader and its worker processes
    return seconds, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="CIFAR-10 RecordIO folder (default: $GLUON_LR_CIFAR10_DIR or "
                             "../shared/data/cifar10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128,
                        help="the tutorial's 128 by default; smaller only for a quick check")
    args = parser.parse_args(argv)
    data_dir = os.path.abspath(args.data_dir)

    with tempfile.TemporaryDirectory() as folder:
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            tutorial_s, tutorial_results = timed(tutorial_finder, data_dir, args.seed, args.batch_size)
        finally:
            os.chdir(cwd)
    ours_s, ours = timed(gluon_lr_finder, data_dir, args.seed, args.batch_size)
    _, tutorial_sweep = timed(lambda: gluon_lr_finder(data_dir, args.seed, args.batch_size,
                                                      lr_start=1e-6, lr_multiplier=1.1))

    tutorial_lrs, tutorial_losses = zip(*tutorial_results)
    factor = spread(ours["suggested_lr"], tutorial_sweep["suggested_lr"])
    lines = [
        "gluon-lr finder benchmark: resnet18_v2, batch {}, cpu, seed {}, CIFAR-10 RecordIO "
        "from {}".format(args.batch_size, args.seed, args.data_dir),
        "(a) tutorial finder (num_workers=0, MXNet transforms, not hybridized)",
        "    {:7.1f} s  {:4d} iterations ({} swept + 1 warm-up), {:.3f} s/iteration, "
        "last lr {:.3g}".format(tutorial_s, len(tutorial_results) + 1, len(tutorial_results),
                                tutorial_s / (len(tutorial_results) + 1), tutorial_lrs[-1]),
        "(b) gluon-lr find, default sweep ({} points over {:g}..{:g}, x{:.4f})".format(
            ours["sweep"]["max_iter"], ours["sweep"]["lr_start"], ours["sweep"]["lr_end"],
            ours["sweep"]["lr_multiplier"]),
        "    {:7.1f} s  {:4d} iterations, {:.3f} s/iteration, last lr {:.3g}, stopped by "
        "{}".format(ours_s, ours["iterations"], ours_s / ours["iterations"], ours["last_lr"],
                    ours["stopped_by"]),
        "wall-time ratio (b)/(a): {:.3f}  (target <= 0.6)".format(ours_s / tutorial_s),
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
                  suggest_lr(tutorial_lrs, tutorial_losses, rule))
        lines.append("    {:<9} {} / {} / {}   {:.2f}".format(
            rule, *(shown(v) for v in values),
            spread(*values[:2])))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
