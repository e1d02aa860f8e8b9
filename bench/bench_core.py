"""Overhead of gluon-lr's core against bare Gluon, measured side by side in one run.

On one model (ResNet-18 v2, CIFAR-10 shapes) and the same batches already in
memory, it prints three ratios:

1. ``Learner.iteration`` time / a bare Gluon training step's time (target <= 1.02);
2. ``LRFinder.find`` wall time / (its iterations x the bare step time), snapshot
   and restore included (target <= 1.05);
3. ``Learner.snapshot() + restore()`` time / the tutorial's
   ``save_parameters + save_states + load_parameters + load_states`` round trip
   through files.

The arms alternate in rounds so that drifts of the machine hit both alike.

Usage: ``python bench/bench_core.py [--steps 20] [--rounds 3] [--batch-size 128]``
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import mxnet as mx

from gluon_lr import Learner, LRFinder


def make_batches(count, batch_size, seed=0):
    mx.np.random.seed(seed)
    return [(mx.np.random.normal(size=(batch_size, 3, 32, 32)),
             mx.np.random.randint(0, 10, size=(batch_size,)).astype("float32"))
            for _ in range(count)]


def make_net(device, hybridize):
    mx.np.random.seed(1)
    net = mx.gluon.model_zoo.vision.resnet18_v2(classes=10)
    net.initialize(mx.init.Xavier(), device=device)
    if hybridize:
        net.hybridize(static_alloc=True, static_shape=True)
    return net


def bare_step(net, trainer, loss_fn, data, label):
    """The training step every Gluon user writes."""
    with mx.autograd.record():
        loss = loss_fn(net(data), label)
    loss.backward()
    trainer.step(data.shape[0])
    return mx.np.mean(loss).item()


def timed_steps(step, steps, skip=0, settle=0.0):
    """Seconds per step over ``steps`` calls of ``step``, after ``skip`` untimed ones."""
    for _ in range(skip):
        step()
    mx.npx.waitall()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    mx.npx.waitall()
    seconds = (time.perf_counter() - start) / steps
    time.sleep(settle)  # let workers finish the batches this arm asked for
    return seconds


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    mx.npx.waitall()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per arm and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hybridize", action="store_true")
    args = parser.parse_args(argv)

    device = mx.cpu()
    batches = make_batches(args.steps, args.batch_size)
    cycle = batches * (args.rounds * 4 + 8)
    bare_net = make_net(device, args.hybridize)
    bare_trainer = mx.gluon.Trainer(bare_net.collect_params(), "sgd",
                                    {"learning_rate": 1e-4, "momentum": 0.9})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    learner = Learner(make_net(device, args.hybridize), cycle, device,
                      optimizer_params={"learning_rate": 1e-4, "momentum": 0.9})

    def bare_run():
        for data, label in batches:
            bare_step(bare_net, bare_trainer, loss_fn, data, label)

    def learner_run():
        for _ in batches:
            learner.iteration(lr=1e-4)

    def finder_run():
        return LRFinder(learner).find(lr_start=1e-6, lr_multiplier=1.1, lr_end=None,
                                      max_iter=args.steps, progress=False,
                                      stopping_criteria=lambda loss: False)

    def snapshot_round_trip():
        learner.restore(learner.snapshot())

    def file_round_trip(folder):
        params, states = os.path.join(folder, "p.params"), os.path.join(folder, "s.states")
        bare_net.save_parameters(params)
        bare_trainer.save_states(states)
        bare_net.load_parameters(params, device=device)
        bare_trainer.load_states(states)

    for _ in range(2):  # warm-up: allocation, first optimizer states
        bare_run()
        learner_run()
    bare_times, learner_times, finder_times, snap_times, file_times = [], [], [], [], []
    finder_iters = 0
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            bare_times.append(timed(bare_run)[0])
            learner_times.append(timed(learner_run)[0])
            seconds, results = timed(finder_run)
            finder_times.append(seconds)
            finder_iters = len(results)
            bare_times.append(timed(bare_run)[0])
            for _ in range(3):
                snap_times.append(timed(snapshot_round_trip)[0])
                file_times.append(timed(file_round_trip, folder)[0])

    bare_step_s = statistics.mean(bare_times) / args.steps
    learner_step_s = statistics.mean(learner_times) / args.steps
    finder_s = statistics.mean(finder_times)
    snap_s, file_s = statistics.mean(snap_times), statistics.mean(file_times)
    lines = [
        "gluon-lr core benchmark: resnet18_v2, batch {}, {} steps x {} rounds, {}, "
        "hybridize={}".format(args.batch_size, args.steps, args.rounds, device, args.hybridize),
        "bare Gluon step            {:8.4f} s".format(bare_step_s),
        "Learner.iteration          {:8.4f} s   ratio {:.3f}  (target <= 1.02)".format(
            learner_step_s, learner_step_s / bare_step_s),
        "LRFinder.find ({} iters)   {:8.4f} s   ratio {:.3f}  (target <= 1.05, "
        "vs iters x bare step)".format(finder_iters, finder_s,
                                       finder_s / (finder_iters * bare_step_s)),
        "snapshot + restore         {:8.4f} s".format(snap_s),
        "tutorial file round trip   {:8.4f} s   snapshot/file ratio {:.3f}".format(
            file_s, snap_s / file_s),
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
