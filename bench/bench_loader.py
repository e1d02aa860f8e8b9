"""CIFAR-10 loaders alone, in images per second, side by side in one run.

Every arm reads the RecordIO's 50,000 training images in batches of
``--batch-size`` with the training augmentation (random 32x32 crop of the
image zero-padded by 4, random horizontal flip) and the tutorial's
``ToTensor`` + ``Normalize``, into ``mx.np`` batches, and nothing consumes them:

(a) gluon-lr's loader on the decoded cache: ``continuous_loader(cifar10(...,
    augment=True))`` with its defaults (2 worker threads), a whole batch per
    worker call (target >= 30,000 images/s: an H200 runs ResNet-18 on 32x32
    batches of 128 at about that rate in fp32, 4.2 ms a step);
(b) the same in the calling thread (``num_workers=0``); its rate varies up
    to 2.5x between runs with the state of glibc's allocator in the main
    thread (whether the megabyte temporaries of each batch come back as fresh,
    page-faulting memory), which earlier large allocations change;
(c) the cached dataset through MXNet's own ``DataLoader`` (2 worker threads),
    which asks for one item at a time;
(d) gluon-lr's loader without the cache (``cache_dir=False``): a Pillow JPEG
    decode per image, 2 worker threads;
(e) the MXNet "Learning Rate Finder" tutorial's loader:
    ``ImageRecordDataset(train.rec).transform_first(Compose([RandomCrop(32,
    pad=4), RandomFlipLeftRight(), ToTensor(), Normalize(mean, std)]))`` in a
    ``DataLoader`` with its ``ContinuousBatchSampler`` and ``num_workers=0``,
    as the tutorial (which has no augmentation) builds it;
(f) the tutorial's loader as written: ``Compose([ToTensor(), Normalize])``.

Each arm first takes untimed batches (its workers' queue holds batches made
before the clock started), then runs for ``--seconds``; the machine then
rests ``--settle`` seconds so that batches still being made do not slow the
next arm. The arms alternate in rounds; each arm's rate is its median round.
The load average is printed before and after: other processes on the machine
slow every arm.

The cache is built first when missing (its time is printed); it lives in
``--cache-dir`` (default: gluon-lr's default cache folder). ``--time-build``
then times a build of the training set's cache from scratch, and a load of
it, in a temporary folder (deleted after).

Usage: ``python bench/bench_loader.py [--data-dir ../shared/data/cifar10]
[--cache-dir DIR] [--time-build] [--seconds 3] [--rounds 3] [--batch-size 128]``
"""
import argparse
import datetime
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time

import mxnet as mx
import numpy as np
import PIL
from mxnet.gluon.data.vision import transforms

from gluon_lr.data import MEAN, STD, cifar10, continuous_loader
from gluon_lr.data.cache import cached_split
from gluon_lr.sampler import ContinuousBatchSampler, SeededRandomSampler

DEFAULT_DATA_DIR = os.environ.get("GLUON_LR_CIFAR10_DIR", "../shared/data/cifar10")


def tutorial_loader(data_dir, batch_size, augment):
    """The tutorial's loader on the RecordIO; ``augment`` puts crop and flip first."""
    steps = [transforms.RandomCrop(32, pad=4), transforms.RandomFlipLeftRight()] \
        if augment else []
    transform = transforms.Compose(steps + [transforms.ToTensor(),
                                            transforms.Normalize(mean=MEAN, std=STD)])
    dataset = mx.gluon.data.vision.ImageRecordDataset(
        os.path.join(data_dir, "train.rec")).transform_first(transform)
    sampler = ContinuousBatchSampler(mx.gluon.data.RandomSampler(len(dataset)), batch_size)
    return mx.gluon.data.DataLoader(dataset, batch_sampler=sampler)


def item_by_item(dataset, batch_size, seed, num_workers):
    """MXNet's DataLoader over ``dataset`` as it is: one ``dataset[i]`` per image."""
    sampler = ContinuousBatchSampler(SeededRandomSampler(len(dataset), seed), batch_size)
    return mx.gluon.data.DataLoader(dataset, batch_sampler=sampler, num_workers=num_workers,
                                    thread_pool=True)


def images_per_second(loader, batch_size, seconds, skip, settle):
    """Images per second and per CPU second (all threads of this process) over at least
    ``seconds`` of batches, after ``skip`` untimed ones."""
    batches = iter(loader)
    for batch in itertools.islice(batches, skip):
        pass
    mx.npx.waitall()
    count, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        data, label = next(batches)
        count += 1
        if time.perf_counter() - start >= seconds and count >= 5:
            break
    assert data.shape == (batch_size, 3, 32, 32) and data.dtype == np.float32
    assert label.shape == (batch_size,)
    mx.npx.waitall()
    images = count * batch_size
    rates = (images / (time.perf_counter() - start), images / (time.process_time() - cpu_start))
    time.sleep(settle)
    return rates


def time_build(rec):
    """Print the seconds a fresh build and a load of ``rec``'s cache take."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        built = cached_split(rec, folder)
        build_seconds = time.perf_counter() - start
        start = time.perf_counter()
        loaded = cached_split(rec, folder)
        load_seconds = time.perf_counter() - start
        assert built.built and not loaded.built
        print("train.rec cache ({} images, {:.0f} MB): built from scratch in {:.1f} s, then "
              "loaded (checked and memory-mapped) in {:.3f} s".format(
                  len(loaded.images), loaded.path.stat().st_size / 1e6, build_seconds,
                  load_seconds))
        del built, loaded


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return "{} ({} cores), Python {}, MXNet {}, NumPy {}, Pillow {}, OMP_NUM_THREADS={}".format(
        model, os.cpu_count(), platform.python_version(), mx.__version__, np.__version__,
        PIL.__version__, os.environ.get("OMP_NUM_THREADS", "unset"))


def load_average():
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="folder with train.rec/train.idx (default: $GLUON_LR_CIFAR10_DIR "
                             "or ../shared/data/cifar10)")
    parser.add_argument("--cache-dir", default=None,
                        help="cache folder (default: gluon-lr's, $GLUON_LR_CACHE_DIR or "
                             "~/.cache/gluon-lr)")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="timed seconds per arm and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--workers", type=int, default=2,
                        help="worker threads of arms (a), (c) and (d) (default: 2, "
                             "gluon-lr's default)")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds to rest after each arm (default: 0.5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-build", action="store_true",
                        help="first time a fresh build and a load of the training set's cache "
                             "in a temporary folder")
    args = parser.parse_args(argv)
    print("gluon-lr loader benchmark, {}: CIFAR-10 train.rec from {}, batch {}, {} s x {} "
          "rounds per arm".format(datetime.date.today(), args.data_dir, args.batch_size,
                                  args.seconds, args.rounds))
    print(machine())
    print("before: " + load_average())

    start = time.perf_counter()
    cached = cifar10(args.data_dir, train=True, augment=True, seed=args.seed,
                     cache_dir=args.cache_dir)
    print("cache ready in {:.2f} s".format(time.perf_counter() - start))
    uncached = cifar10(args.data_dir, train=True, augment=True, seed=args.seed, cache_dir=False)
    batch, workers = args.batch_size, args.workers
    arms = {
        "(a) gluon-lr, cached, threads:{} (target >= 30,000)".format(workers):
            (continuous_loader(cached, batch, args.seed, num_workers=workers), 2 * workers),
        "(b) gluon-lr, cached, main:0":
            (continuous_loader(cached, batch, args.seed, num_workers=0), 0),
        "(c) MXNet DataLoader item by item, cached, threads:{}".format(workers):
            (item_by_item(cached, batch, args.seed, workers), 2 * workers),
        "(d) gluon-lr, uncached (JPEG decode), threads:{}".format(workers):
            (continuous_loader(uncached, batch, args.seed, num_workers=workers), 2 * workers),
        "(e) tutorial loader + crop/flip, main:0":
            (tutorial_loader(args.data_dir, batch, augment=True), 0),
        "(f) tutorial loader as written (no augmentation), main:0":
            (tutorial_loader(args.data_dir, batch, augment=False), 0),
    }
    for loader, skip in arms.values():  # warm-up: page cache, worker threads, MXNet ops
        images_per_second(loader, batch, 0.5, skip, args.settle)
    rates = {name: [] for name in arms}
    for _ in range(args.rounds):
        for name, (loader, skip) in arms.items():
            rates[name].append(images_per_second(loader, batch, args.seconds, skip, args.settle))

    width = max(len(name) for name in arms)
    tutorial = statistics.median(wall for wall, _ in rates["(e) tutorial loader + crop/flip, "
                                                          "main:0"])
    print("{:<{}}  {:>9}  {:>10}  {:>13}   images/s per round".format(
        "arm", width, "images/s", "x tutorial", "images/CPU-s"))
    for name, values in rates.items():
        wall = statistics.median(value for value, _ in values)
        cpu = statistics.median(value for _, value in values)
        print("{:<{}}  {:9.0f}  {:9.1f}x  {:13.0f}   {}".format(
            name, width, wall, wall / tutorial, cpu,
            " ".join("{:.0f}".format(value) for value, _ in values)))
    print("(images/s: wall clock, median round; x tutorial: against (e); images/CPU-s: per "
          "second of CPU time of all this process's threads)")
    if args.time_build:  # last: its large allocations change how fast malloc serves the arms
        time_build(os.path.join(args.data_dir, "train.rec"))
    print("after: " + load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
