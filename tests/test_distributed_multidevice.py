"""Several devices on one machine: the Learner on [cpu(0), cpu(1)] against one device.

Each batch is split across the two devices and their gradients are summed
by the Trainer's 'device' kvstore, so on the same global batches the losses
match one device's within float32 rounding (for networks without BatchNorm,
which sees each half on its own). Restores stay exact, and the finder and
the schedules run unchanged. No process is started.
"""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import LRFinder, Learner
from gluon_lr.distributed import DistributedLearner, batchnorm_statistics, broadcast_parameters
from gluon_lr.schedules import OneCycleLR

from helpers import assert_same_state, make_batches, make_net, state_arrays

TWO = [mx.cpu(0), mx.cpu(1)]
SGD = {"learning_rate": 0.1, "momentum": 0.9}


def _learner(device, batchnorm=False, batches=None, **options):
    options.setdefault("optimizer_params", dict(SGD))
    return Learner(make_net(seed=0, batchnorm=batchnorm),
                   make_batches(6) if batches is None else batches, device, **options)


def _weights(learner):
    return {name: [d.asnumpy() for d in param.list_data()]
            for name, param in learner.net.collect_params().items()}


def test_two_devices_train_like_one_on_the_same_global_batches():
    one, two = _learner(mx.cpu()), _learner(TWO)
    assert two.devices == TWO
    losses_one, losses_two = one.run(10, lr=0.2), two.run(10, lr=0.2)
    assert len(losses_one) == len(losses_two) == 10
    np.testing.assert_allclose(losses_two, losses_one, rtol=2e-5)
    for name, (single,) in _weights(one).items():
        first, second = _weights(two)[name]
        assert np.array_equal(first, second), name  # the replicas stay identical
        np.testing.assert_allclose(first, single, rtol=1e-4, atol=1e-6)
    assert two.trainer.optimizer.num_update == one.trainer.optimizer.num_update == 10


def test_uneven_split_weighs_every_sample_once():
    # 7 samples: split_and_load puts 4 on cpu(0) and 3 on cpu(1); the mean is over all 7
    batches = make_batches(3, batch_size=7, seed=4)
    one, two = _learner(mx.cpu(), batches=batches), _learner(TWO, batches=batches)
    np.testing.assert_allclose(two.run(3, lr=0.3), one.run(3, lr=0.3), rtol=2e-5)


@pytest.mark.parametrize("batchnorm", [False, True])
def test_restore_on_two_devices_is_exact(batchnorm):
    learner = _learner(TWO, batchnorm=batchnorm)
    learner.run(2, lr=0.1)  # momentum states and BatchNorm statistics exist
    before = state_arrays(learner)
    with learner.trial():
        losses = learner.run(5, lr=0.5)
    assert len(losses) == 5
    assert_same_state(before, state_arrays(learner))
    assert len([key for key in before if key.startswith("param:")]) == \
        2 * len(learner.net.collect_params())  # both replicas of every parameter compared


@pytest.mark.filterwarnings("ignore:the 'lowest' rule's suggestion")  # a short sweep's warning
@pytest.mark.filterwarnings("ignore:the sweep stopped")  # its loss never falls on 8 batches
def test_the_finder_on_two_devices_matches_one_device():
    finders = []
    for device in (mx.cpu(), TWO):
        learner = _learner(device, batches=make_batches(8, seed=2))
        before = state_arrays(learner)
        finder = LRFinder(learner)
        finder.find(lr_start=1e-3, lr_multiplier=1.4, lr_end=None, max_iter=60,
                    progress=False)
        assert_same_state(before, state_arrays(learner))
        finders.append(finder)
    one, two = finders
    assert two.stop_reason == one.stop_reason == "diverged before the loss fell"
    assert two.lrs == one.lrs
    assert len(one.results) < 60
    np.testing.assert_allclose(two.losses, one.losses, rtol=1e-4)
    assert two.suggest() == one.suggest()


def test_a_schedule_with_momentum_on_two_devices_matches_one_device():
    runs = []
    for device in (mx.cpu(), TWO):
        learner = _learner(device)
        learner.trainer.optimizer.lr_scheduler = OneCycleLR(max_lr=0.5, total_steps=12)
        seen = []
        losses = learner.run(12, callback=lambda step, lr, loss: seen.append(
            (lr, learner.trainer.optimizer.momentum)))
        runs.append((losses, seen))
    (losses_one, seen_one), (losses_two, seen_two) = runs
    assert seen_two == seen_one
    assert seen_one[0] == (pytest.approx(0.02), pytest.approx(0.95))
    np.testing.assert_allclose(losses_two, losses_one, rtol=2e-5)


def test_a_one_worker_distributed_learner_on_two_devices_keeps_one_set_of_statistics():
    # a 'local' kvstore makes a one-worker DistributedLearner. Its round averages the
    # BatchNorm statistics over the devices after every step; the updates are linear, so
    # they equal the mean of the plain Learner's replicas, which drift apart.
    plain = _learner(TWO, batchnorm=True)
    # the Trainer's kvstore copies device 0's parameters, statistics included, to device 1
    # in its first step; make that copy now, as the DistributedLearner does at construction
    broadcast_parameters(plain.trainer)
    learner = DistributedLearner(make_net(seed=0), make_batches(6), TWO,
                                 kvstore=mx.kv.create("local"), optimizer_params=dict(SGD))
    statistics = batchnorm_statistics(learner.net)
    assert [p.name for p in statistics] == ["running_mean", "running_var"]
    np.testing.assert_allclose(learner.run(3, lr=0.1), plain.run(3, lr=0.1), rtol=2e-5)
    for param, drifted in zip(statistics, batchnorm_statistics(plain.net)):
        first, second = (d.asnumpy() for d in drifted.list_data())
        assert not np.array_equal(first, second), param.name
        synced = [d.asnumpy() for d in param.list_data()]
        assert np.array_equal(synced[0], synced[1]), param.name
        np.testing.assert_allclose(synced[0], (first + second) / 2, rtol=1e-5, atol=1e-7)
