"""Learner.snapshot()/restore(): bit-identical, in memory, every state item."""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner, TrainingState
from gluon_lr.mxnet_internals import updates_on_kvstore
from helpers import assert_same_state, make_batches, make_net, state_arrays


def trained_learner(optimizer="sgd", optimizer_params=None, steps=3, device=None, **kwargs):
    params = {"learning_rate": 0.05, "momentum": 0.9} if optimizer_params is None \
        else optimizer_params
    learner = Learner(make_net(**kwargs), make_batches(20, batch_size=8), device or mx.cpu(),
                      optimizer=optimizer, optimizer_params=params)
    for _ in range(steps):
        learner.iteration()
    return learner


def disturb(learner, steps=4, lr=0.7):
    for _ in range(steps):
        learner.iteration(lr=lr)


@pytest.mark.parametrize("optimizer, params", [
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("nag", {"learning_rate": 0.05, "momentum": 0.9}),
    ("adam", {"learning_rate": 0.01}),
])
def test_restore_is_bit_identical(optimizer, params):
    learner = trained_learner(optimizer, params)
    before = state_arrays(learner)
    assert any(key.startswith("state:") for key in before)
    snapshot = learner.snapshot()
    disturb(learner)
    assert not np.array_equal(state_arrays(learner)["num_update"], before["num_update"])
    learner.restore(snapshot)
    assert_same_state(before, state_arrays(learner))


def test_batchnorm_running_statistics_are_restored():
    learner = trained_learner()
    bn = learner.net[1]
    mean, var = bn.running_mean.data().asnumpy().copy(), bn.running_var.data().asnumpy().copy()
    snapshot = learner.snapshot()
    disturb(learner)
    assert not np.array_equal(bn.running_mean.data().asnumpy(), mean)
    learner.restore(snapshot)
    assert np.array_equal(bn.running_mean.data().asnumpy(), mean)
    assert np.array_equal(bn.running_var.data().asnumpy(), var)


def test_frozen_parameter_and_accumulating_gradients_are_restored():
    learner = trained_learner()
    frozen = learner.net[0].bias
    frozen.grad_req = "null"
    accumulating = learner.net[3].weight
    accumulating.grad_req = "add"
    learner.iteration()
    before = frozen.data().asnumpy().copy(), accumulating.grad().asnumpy().copy()
    snapshot = learner.snapshot()
    frozen.set_data(frozen.data() + 1)
    disturb(learner)
    learner.restore(snapshot)
    assert np.array_equal(frozen.data().asnumpy(), before[0])
    assert np.array_equal(accumulating.grad().asnumpy(), before[1])


def test_update_counters_are_restored():
    learner = trained_learner(steps=5)
    opt = learner.trainer.optimizer
    counts = dict(opt._index_update_count)
    assert opt.num_update == 5 and set(counts.values()) == {5}
    snapshot = learner.snapshot()
    disturb(learner, steps=2)
    learner.restore(snapshot)
    assert opt.num_update == 5
    assert opt._index_update_count == counts
    assert opt._index_update_count is opt._all_index_update_counts[0]


def test_learning_rate_and_momentum_are_restored():
    learner = trained_learner()
    opt = learner.trainer.optimizer
    snapshot = learner.snapshot()
    learner.trainer.set_learning_rate(3.0)
    opt.momentum = 0.1
    learner.restore(snapshot)
    assert (opt.lr, opt.momentum) == (0.05, 0.9)


def test_attached_stateful_scheduler_is_restored_in_place():
    scheduler = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.1)
    sgd = mx.optimizer.SGD(momentum=0.9, lr_scheduler=scheduler)
    learner = Learner(make_net(), make_batches(20), mx.cpu(), optimizer=sgd)
    learner.iteration()
    before = dict(vars(scheduler))
    snapshot = learner.snapshot()
    disturb_steps = [learner.iteration() for _ in range(7)]
    assert len(disturb_steps) == 7 and vars(scheduler) != before  # FactorScheduler mutates
    learner.trainer.optimizer.lr_scheduler = None
    learner.restore(snapshot)
    assert learner.trainer.optimizer.lr_scheduler is scheduler
    assert vars(scheduler) == before


def test_a_snapshot_restores_more_than_once():
    learner = trained_learner()
    before = state_arrays(learner)
    snapshot = learner.snapshot()
    for _ in range(2):
        disturb(learner)
        learner.restore(snapshot)
        assert_same_state(before, state_arrays(learner))


def test_snapshot_before_the_first_step_restores_empty_optimizer_states():
    learner = trained_learner(steps=0)
    snapshot = learner.snapshot()
    disturb(learner)
    learner.restore(snapshot)
    assert all(not updater.states for updater in learner.trainer._updaters)
    assert learner.trainer.optimizer.num_update == 0


def test_two_devices_are_restored_on_each_device():
    learner = trained_learner(device=[mx.cpu(0), mx.cpu(1)], batchnorm=False)
    assert len(learner.trainer._updaters) == 2
    before = state_arrays(learner)
    snapshot = learner.snapshot()
    disturb(learner)
    learner.restore(snapshot)
    assert_same_state(before, state_arrays(learner))


def test_snapshot_of_another_learner_is_refused():
    one, other = trained_learner(), trained_learner()
    with pytest.raises(ValueError, match="another Learner"):
        other.restore(one.snapshot())
    with pytest.raises(TypeError, match="snapshot must come from Learner.snapshot"):
        other.restore({})


def test_trainer_updating_on_the_kvstore_is_refused():
    net = make_net(batchnorm=False)
    net.reset_device([mx.cpu(0), mx.cpu(1)])
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1},
                               update_on_kvstore=True)
    with pytest.raises(ValueError, match="update_on_kvstore=False"):
        TrainingState(net, trainer)
    x = mx.np.ones((4, 6))
    with mx.autograd.record():
        losses = [net(part).sum() for part in mx.gluon.utils.split_and_load(
            x, [mx.cpu(0), mx.cpu(1)])]
    mx.autograd.backward(losses)
    trainer.step(4)
    assert updates_on_kvstore(trainer)
    with pytest.raises(ValueError, match="update_on_kvstore=False"):
        TrainingState(net, trainer)


@pytest.mark.parametrize("args, error, message", [
    (("net", None), TypeError, "net must be an mx.gluon.Block"),
    ((None, "x"), TypeError, "trainer must be an mx.gluon.Trainer"),
])
def test_bad_arguments(args, error, message):
    net = make_net()
    net_arg = net if args[0] is None else args[0]
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd") if args[1] is None else args[1]
    with pytest.raises(error, match=message):
        TrainingState(net_arg, trainer)


def test_replaced_optimizer_is_detected(tmp_path):
    learner = trained_learner()
    snapshot = learner.snapshot()
    path = str(tmp_path / "states")
    learner.trainer.save_states(path)
    learner.trainer.load_states(path)
    with pytest.raises(RuntimeError, match="optimizer was replaced"):
        learner.restore(snapshot)


def test_a_static_hybridized_batchnorm_net_snapshots_its_latest_statistics():
    """With static_alloc, MXNet's engine does not track the graph's BatchNorm writes."""
    mx.np.random.seed(0)
    net = mx.gluon.model_zoo.vision.resnet18_v2(classes=10)
    batches = [(mx.np.random.normal(size=(8, 3, 32, 32)), mx.np.array([i % 10] * 8))
               for i in range(6)]
    learner = Learner(net, batches, mx.cpu(), hybridize={"static_alloc": True,
                                                         "static_shape": True},
                      optimizer_params={"learning_rate": 0.05, "momentum": 0.9})
    learner.run(2)
    snapshot = learner.snapshot()
    mx.npx.waitall()
    before = state_arrays(learner)
    learner.run(3)
    snapshot.restore()
    assert_same_state(before, state_arrays(learner))
