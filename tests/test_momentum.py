"""sync_momentum: the schedule's momentum reaches a real optimizer on every step."""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr.momentum import sync_momentum
from gluon_lr.schedules import CyclicLR, OneCycle, OneCycleLR, TriangularSchedule
from helpers import make_batches, make_net


def train(steps, optimizer, optimizer_params, schedule=None, set_lr=False):
    """Run a plain Trainer loop with ``sync_momentum`` before each step.

    Returns the trainer and, per step, ``(num_update, learning_rate, {attribute: value})``
    read from the optimizer after the step. ``set_lr`` drives the learning rate by
    ``trainer.set_learning_rate(schedule(t))`` instead of an ``lr_scheduler``.
    """
    net = make_net(batchnorm=False)
    trainer = mx.gluon.Trainer(net.collect_params(), optimizer, optimizer_params)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    records = []
    for data, label in make_batches(steps):
        optimizer_ = trainer.optimizer
        if set_lr:
            trainer.set_learning_rate(schedule(optimizer_.num_update + 1))
        sync_momentum(trainer, schedule)
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(data.shape[0])
        attributes = {name: getattr(optimizer_, name)
                      for name in ("momentum", "beta1", "beta2") if hasattr(optimizer_, name)}
        records.append((optimizer_.num_update, trainer.learning_rate, attributes))
    for param in net.collect_params().values():
        assert np.isfinite(param.data().asnumpy()).all()
    return trainer, records


def test_sgd_momentum_follows_one_cycle_lr_through_the_lr_scheduler():
    s = OneCycleLR(max_lr=0.05, total_steps=10)  # peak after 0.3 * 10 - 1 = 2 steps
    _, records = train(13, "sgd", {"learning_rate": None, "lr_scheduler": s, "momentum": 0.5})
    assert [r[0] for r in records] == list(range(1, 14))
    for t, lr, attributes in records:
        assert lr == s(t)
        assert attributes["momentum"] == s.momentum(t)
    assert [records[i][2]["momentum"] for i in (0, 2, 9, 12)] == [0.95, 0.85, 0.95, 0.95]


def test_nag_momentum_follows_cyclic_lr():
    s = CyclicLR(base_lr=0.01, max_lr=0.05, step_size_up=3)
    _, records = train(8, "nag", {"learning_rate": None, "lr_scheduler": s, "momentum": 0.9})
    assert [r[2]["momentum"] for r in records] == [s.momentum(t) for t in range(1, 9)]
    assert records[3][2]["momentum"] == pytest.approx(0.8)


def test_adam_beta1_follows_deepspeed_one_cycle_and_beta2_is_untouched():
    s = OneCycle(0.001, 0.01, cycle_first_step_size=3, cycle_min_mom=0.85, cycle_max_mom=0.95)
    _, records = train(8, "adam", {"learning_rate": None, "lr_scheduler": s, "beta2": 0.98})
    assert [r[2]["beta1"] for r in records] == [s.momentum(t) for t in range(1, 9)]
    assert records[3][2]["beta1"] == pytest.approx(0.85)
    assert {r[2]["beta2"] for r in records} == {0.98}


def test_learner_style_loop_drives_lr_and_momentum_itself():
    s = OneCycleLR(max_lr=0.05, total_steps=6)
    _, records = train(6, "sgd", {"learning_rate": 0.1, "momentum": 0.9}, schedule=s,
                       set_lr=True)
    assert [(lr, a["momentum"]) for _, lr, a in records] == [
        (s(t), s.momentum(t)) for t in range(1, 7)]


def test_schedules_without_momentum_leave_the_optimizer_alone():
    s = TriangularSchedule(0.01, 0.05, 10)
    _, records = train(3, "sgd", {"learning_rate": None, "lr_scheduler": s, "momentum": 0.7})
    assert {r[2]["momentum"] for r in records} == {0.7}
    off = OneCycleLR(max_lr=0.05, total_steps=6, cycle_momentum=False)
    adagrad = mx.optimizer.AdaGrad(learning_rate=None, lr_scheduler=off)
    assert sync_momentum(adagrad) is None
    assert sync_momentum(adagrad, lambda t: 0.1) is None  # plain functions have no momentum


def test_optimizer_without_momentum_gets_a_clear_error():
    adagrad = mx.optimizer.AdaGrad(learning_rate=None, lr_scheduler=OneCycleLR(0.1, 10))
    with pytest.raises(TypeError, match="AdaGrad has neither 'momentum' nor 'beta1'"):
        sync_momentum(adagrad)


def test_sgd_that_already_stepped_without_momentum_is_reported():
    net = make_net(batchnorm=False)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    data, label = make_batches(1)[0]
    with mx.autograd.record():
        loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()(net(data), label)
    loss.backward()
    trainer.step(data.shape[0])
    with pytest.raises(ValueError, match="already stepped with momentum=0"):
        sync_momentum(trainer, OneCycleLR(0.1, 10))


def test_bad_arguments():
    with pytest.raises(TypeError, match="must be a gluon.Trainer or an mx.optimizer.Optimizer"):
        sync_momentum("sgd", OneCycleLR(0.1, 10))
    with pytest.raises(ValueError, match="no schedule given and the optimizer has no lr_scheduler"):
        sync_momentum(mx.optimizer.SGD(momentum=0.9))
