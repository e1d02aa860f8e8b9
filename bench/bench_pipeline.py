"""Input pipeline against the model step, side by side in one run.

On one hybridized ResNet-18 v2 (``static_alloc``/``static_shape``, CPU) it times

(a) the model-only training step (forward, backward, ``Trainer.step``) on
    CIFAR-10 batches already in memory;
(b) ``Learner.iteration`` pulling real CIFAR-10 batches through the loader that
    ``gluon-lr`` builds (``gluon_lr.data.continuous_loader``:
    ``ContinuousBatchSampler`` over ``SeededRandomSampler``, ``--num-workers``
    workers), sharing (a)'s network and Trainer;

and prints the ratio (b)/(a) (target <= 1.05). For reference it also times the
same step on a non-hybridized copy of the network, and ``Learner.iteration``
through the other loader configurations named by ``--alternatives``.

The training images come from the RecordIO's decoded cache, as
``gluon_lr.data.cifar10`` reads them by default (built in ``--cache-dir`` on
the first run, about 8 s; memory-mapped after): the loader then has no JPEG
to decode, as for users of MXNet's download, and makes whole batches at once.
``--no-cache`` decodes every JPEG as its item is read instead.

Like ``gluon-lr``, it gives MXNet every core (:func:`gluon_lr.configure_threads`)
unless ``OMP_NUM_THREADS`` is set; ``OMP_NUM_THREADS=1`` times MXNet's default
on 2 cores (half of them).

Loader workers run ahead of the step (``prefetch``), so every loader arm first
takes ``--skip`` untimed steps (its queue then holds batches being made, not
made earlier), and the run pauses after it until its workers are idle, so the
loading it set off is not charged to the next arm. The arms alternate in
rounds so that drifts of the machine hit all alike, and each arm's time is its
median round, so that a round slowed by another process on a shared machine
does not decide the ratio (every round is printed too).

Usage: ``python bench/bench_pipeline.py [--data-dir ../shared/data/cifar10]
[--steps 20] [--rounds 3] [--batch-size 128] [--cache-dir DIR | --no-cache]
[--alternatives processes:2 threads:1 processes:1 main:0]``
"""
import argparse
import os
import statistics
import sys

from gluon_lr import configure_threads

configure_threads()

import mxnet as mx  # noqa: E402 - after the thread count is set

from bench_core import bare_step, make_net, timed_steps  # noqa: E402
from gluon_lr import Learner  # noqa: E402
from gluon_lr.data import cifar10, continuous_loader  # noqa: E402
from gluon_lr.data.workers import WatchedDataLoader  # noqa: E402
from gluon_lr.sampler import ContinuousBatchSampler, SeededRandomSampler  # noqa: E402

DEFAULT_DATA_DIR = os.environ.get("GLUON_LR_CIFAR10_DIR", "../shared/data/cifar10")
#: Kinds of loader for --alternatives: kind -> DataLoader's thread_pool.
LOADER_KINDS = {"processes": False, "threads": True, "main": False}


def parse_loader(text):
    """argparse type: ``processes:N``, ``threads:N`` or ``main:0`` (no workers)."""
    kind, _, count = text.partition(":")
    if kind not in LOADER_KINDS or not count.isdigit() or (kind == "main") != (count == "0"):
        raise argparse.ArgumentTypeError(
            "expected processes:N, threads:N (N >= 1) or main:0; got {!r}".format(text))
    return kind, int(count)


def alternative_loader(dataset, kind, count, args):
    """gluon-lr's loader with other workers (whole batches from the cache, as gluon-lr's)."""
    sampler = ContinuousBatchSampler(SeededRandomSampler(len(dataset), args.seed),
                                     args.batch_size)
    return WatchedDataLoader(dataset, batch_sampler=sampler, num_workers=count,
                             thread_pool=LOADER_KINDS[kind])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="CIFAR-10 folder (default: $GLUON_LR_CIFAR10_DIR or "
                             "../shared/data/cifar10)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per arm and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--num-workers", type=int, default=2,
                        help="gluon-lr's --num-workers for arm (b) (default: 2, its default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", type=int, default=None,
                        help="untimed steps first in each loader arm (default: 2 x workers, "
                             "the DataLoader's prefetch)")
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds to pause after each loader arm (default: 1)")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--cache-dir", default=None,
                       help="folder of the decoded cache (default: gluon-lr's, "
                            "$GLUON_LR_CACHE_DIR or ~/.cache/gluon-lr)")
    cache.add_argument("--no-cache", action="store_true",
                       help="decode every JPEG as its item is read (cache_dir=False)")
    parser.add_argument("--alternatives", type=parse_loader, nargs="*", default=[],
                        help="other loaders to time for reference: processes:N, threads:N, "
                             "main:0")
    args = parser.parse_args(argv)
    return run(args, cifar10(args.data_dir, train=True,
                             cache_dir=False if args.no_cache else args.cache_dir))


def run(args, dataset):
    """Time the arms on ``dataset`` and print the table."""
    device = mx.cpu()
    net, plain_net = make_net(device, hybridize=True), make_net(device, hybridize=False)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer, plain_trainer = (
        mx.gluon.Trainer(n.collect_params(), "sgd", {"learning_rate": 1e-4, "momentum": 0.9},
                         update_on_kvstore=False) for n in (net, plain_net))
    resident = [(x.to_device(device), y.to_device(device)) for (x, y), _ in zip(
        alternative_loader(dataset, "main", 0, args), range(args.steps))]
    position = {"resident": 0}

    def resident_step(model, model_trainer):
        data, label = resident[position["resident"] % len(resident)]
        position["resident"] += 1
        bare_step(model, model_trainer, loss_fn, data, label)

    cli_loader = continuous_loader(dataset, args.batch_size, args.seed,
                                   num_workers=args.num_workers)
    cli_name = "gluon-lr's loader ({}:{})".format(
        "threads" if args.num_workers else "main", args.num_workers)
    loaders = {cli_name: (cli_loader, args.num_workers)}
    for kind, count in args.alternatives:
        loaders["{}:{}".format(kind, count)] = (
            alternative_loader(dataset, kind, count, args), count)
    learners = {name: Learner(net, loader, device, trainer=trainer)
                for name, (loader, _) in loaders.items()}

    arms = {"model step (hybridized)": (lambda: resident_step(net, trainer), 0, 0.0),
            "model step (not hybridized)": (lambda: resident_step(plain_net, plain_trainer),
                                            0, 0.0)}
    for name, learner in learners.items():
        workers = loaders[name][1]
        skip = 2 * workers if args.skip is None else args.skip
        arms[name] = (learner.iteration, skip, args.settle if workers else 0.0)

    for step, skip, settle in arms.values():  # warm-up: graphs, optimizer states, workers
        timed_steps(step, 3, skip, settle)
    times = {name: [] for name in arms}
    for _ in range(args.rounds):
        for name, (step, skip, settle) in arms.items():
            times[name].append(timed_steps(step, args.steps, skip, settle))
    for learner in learners.values():
        learner.close()

    median = {name: statistics.median(values) for name, values in times.items()}
    model_s = median["model step (hybridized)"]
    plain_s = median["model step (not hybridized)"]
    rows = [("(a) model step, resident batches, hybridized", model_s, "")]
    for name in learners:
        chosen = name == cli_name
        rows.append(("{} Learner.iteration, {}".format("(b)" if chosen else "   ", name),
                     median[name], "ratio {:.3f}{}".format(
                         median[name] / model_s, "  (target <= 1.05)" if chosen else "")))
    rows.append(("    model step, resident, not hybridized", plain_s,
                 "hybridized is {:.1f}% faster ({:.3f}x)".format(
                     100 * (1 - model_s / plain_s), plain_s / model_s)))
    lines = ["gluon-lr pipeline benchmark: resnet18_v2, batch {}, {} steps x {} rounds, {}, "
             "OMP_NUM_THREADS={}, real CIFAR-10 from {} ({})".format(
                 args.batch_size, args.steps, args.rounds, device,
                 os.environ.get("OMP_NUM_THREADS"), args.data_dir,
                 "RecordIO, a JPEG decode per image" if args.no_cache else
                 "RecordIO, its decoded cache")]
    width = max(len(label) for label, _, _ in rows)
    lines += ["{:<{}} {:8.4f} s/step   {}".format(label, width, seconds, note).rstrip()
              for label, seconds, note in rows]
    lines.append("(medians over rounds) per-round s/step: " + "; ".join(
        "{}: {}".format(name, " ".join("{:.4f}".format(t) for t in values))
        for name, values in times.items()))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
