"""Schedule-Free SGD and AdamW: hand-computed steps, registration, evaluation at x, restore.

The expected values below were worked out from the update rules in
gluon_lr/optimizers/schedulefree.py in float64 arithmetic; the optimizers
compute in float32, so they agree to a relative 1e-6 (float32 has 24 bits,
about 6e-8, and each step rounds a handful of times).
"""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner
from gluon_lr.momentum import sync_momentum
from gluon_lr.optimizers import (AdamW_ScheduleFree, SGD_ScheduleFree, checked_optimizer,
                                 evaluation_weights, optimizer_name)
from gluon_lr.schedules import OneCycleLR
from gluon_lr.suggest import ADAPTIVE_OPTIMIZERS, lowest_options
from helpers import make_batches, make_net
from optimizer_checks import (assert_finder_confirm_and_compare_work, assert_restores_exactly,
                              everything, scalar_run)

RTOL = 1e-6


def test_sgd_steps_on_half_w_squared_by_hand():
    # f(w) = w^2 / 2, so g = y; lr 0.5, beta 0.5, uniform weights c_t = 1/t.
    # t=1: z = 1 - 0.5 * 1 = 0.5, x = z = 0.5, y = 0.5
    # t=2: z = 0.5 - 0.5 * 0.5 = 0.25, x = (0.5 + 0.25) / 2 = 0.375, y = (0.375 + 0.25) / 2
    # t=3: z = 0.25 - 0.5 * 0.3125 = 0.09375, x = (2 * 0.375 + 0.09375) / 3 = 0.28125,
    #      y = (0.28125 + 0.09375) / 2 = 0.1875
    optimizer = mx.optimizer.create("sgd_schedulefree", learning_rate=0.5, momentum=0.5)
    weights, (z, x, sums) = scalar_run(optimizer, [lambda w: w] * 3)
    np.testing.assert_allclose(weights, [0.5, 0.3125, 0.1875], rtol=RTOL)
    np.testing.assert_allclose([z.asscalar(), x.asscalar()], [0.09375, 0.28125], rtol=RTOL)
    assert sums.tolist() == [0.75, 0.5]  # three weights 0.5**2; the largest rate


def test_sgd_warm_up_and_weight_decay_by_hand():
    # g = 1 always; lr 1 warmed up over 2 steps, beta 0.9, wd 0.1 (L2 at y), w0 = 2.
    # t=1: rate 0.5, weight 0.25, c = 1: z = 2 - 0.5 * (1 + 0.2) = 1.4 = x = y
    # t=2: rate 1, weight 1, c = 1 / 1.25 = 0.8: z = 1.4 - (1 + 0.14) = 0.26,
    #      x = 0.2 * 1.4 + 0.8 * 0.26 = 0.488, y = 0.9 * 0.488 + 0.1 * 0.26 = 0.4652
    # t=3: c = 1 / 2.25: z = 0.26 - (1 + 0.04652) = -0.78652,
    #      x = (5 * 0.488 - 4 * 0.78652) / 9 = -0.0784533..., y = -0.14926
    optimizer = mx.optimizer.create("sgd_schedulefree", learning_rate=1.0, momentum=0.9,
                                    wd=0.1, warmup_steps=2)
    weights, (z, x, sums) = scalar_run(optimizer, [1.0] * 3, weight=2.0)
    np.testing.assert_allclose(weights, [1.4, 0.4652, -0.14926], rtol=RTOL)
    np.testing.assert_allclose([z.asscalar(), x.asscalar()], [-0.78652, -0.70608 / 9],
                               rtol=RTOL)
    assert sums.tolist() == [2.25, 1.0]


def test_adamw_steps_by_hand():
    # lr 0.1, beta1 0.5, beta2 0.5, wd 0.5 (at y), w0 = 1, g = 2, 1, -2.
    # t=1: v = 2, sqrt(v / 0.5) = 2: z = 1 - 0.1 * (2 / 2 + 0.5 * 1) = 0.85 = x = y
    # t=2: v = 1.5, sqrt(1.5 / 0.75) = sqrt(2): z = 0.85 - 0.1 * (1 / sqrt(2) + 0.425),
    #      c = 1/2, x = (0.85 + z) / 2, y = (x + z) / 2
    # t=3: v = 2.75, sqrt(2.75 / 0.875): z = z - 0.1 * (-2 / 1.7728105 + 0.5 * y), c = 1/3
    optimizer = mx.optimizer.create("adamw_schedulefree", learning_rate=0.1, beta1=0.5,
                                    beta2=0.5, wd=0.5)
    weights, (z, x, sums, v) = scalar_run(optimizer, [2.0, 1.0, -2.0])
    np.testing.assert_allclose(weights, [0.85, 0.765091992267259, 0.8053648456061722],
                               rtol=RTOL)
    np.testing.assert_allclose([z.asscalar(), x.asscalar(), v.asscalar()],
                               [0.8113499375701719, 0.7993797536421725, 2.75], rtol=RTOL)
    assert sums.tolist() == pytest.approx([0.03, 0.1], rel=1e-15)


def test_a_zero_rate_leaves_x_where_it_is():
    optimizer = mx.optimizer.create("sgd_schedulefree", learning_rate=0.0)
    weights, (z, x, sums) = scalar_run(optimizer, [1.0, 1.0])
    assert weights == [1.0, 1.0] and sums.tolist() == [0.0, 0.0]


def test_registered_names_work_with_a_trainer_and_a_learner():
    assert mx.optimizer.Optimizer.opt_registry["sgd_schedulefree"] is SGD_ScheduleFree
    assert mx.optimizer.Optimizer.opt_registry["adamw_schedulefree"] is AdamW_ScheduleFree
    net = make_net(batchnorm=False)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd_schedulefree", {"learning_rate": 2.0})
    assert isinstance(trainer.optimizer, SGD_ScheduleFree)
    learner = Learner(make_net(), make_batches(3), mx.cpu(), optimizer="adamw_schedulefree",
                      optimizer_params={"learning_rate": 0.01, "warmup_steps": 10})
    losses = learner.run(3)
    assert len(losses) == 3 and np.isfinite(losses).all()
    assert optimizer_name(learner) == "adamw_schedulefree"
    assert "adamw_schedulefree" in ADAPTIVE_OPTIMIZERS
    assert "sgd_schedulefree" not in ADAPTIVE_OPTIMIZERS


@pytest.mark.parametrize("name, params, message", [
    ("sgd_schedulefree", {"momentum": 0.0}, r"momentum must be a number in \(0, 1\), got 0.0"),
    ("sgd_schedulefree", {"warmup_steps": -1}, "warmup_steps must be an int >= 0, got -1"),
    ("sgd_schedulefree", {"r": -1.0}, r"r must be a number in \[0, inf\), got -1.0"),
    ("sgd_schedulefree", {"learning_rate": -1.0}, r"learning_rate must be 0 or a number in"),
    ("adamw_schedulefree", {"epsilon": 0.0}, r"epsilon must be a number in \(0, inf\)"),
    ("adamw_schedulefree", {"beta2": 1.0}, r"beta2 must be a number in \[0, 1\), got 1.0"),
])
def test_bad_parameters_are_named(name, params, message):
    with pytest.raises(ValueError, match=message):
        mx.optimizer.create(name, **params)


def test_the_learner_checks_their_keywords():
    with pytest.raises(TypeError, match="'betas' that 'adamw_schedulefree' does not take"):
        checked_optimizer("adamw_schedulefree", {"betas": (0.9, 0.9)})
    assert checked_optimizer("sgd_schedulefree", {"warmup_steps": 5}) == (
        "sgd_schedulefree", {"warmup_steps": 5})


def test_evaluation_weights_swap_x_in_and_everything_back():
    learner = Learner(make_net(), make_batches(6), mx.cpu(), optimizer="sgd_schedulefree",
                      optimizer_params={"learning_rate": 0.5, "momentum": 0.9})
    learner.run(3)
    before = everything(learner)
    trainer = learner.trainer
    weight_index = next(i for i, p in enumerate(trainer._params) if p.name.endswith("weight"))
    x = trainer._updaters[0].states[weight_index][1].asnumpy()
    mean = [p for n, p in learner.net.collect_params().items() if n.endswith("running_mean")][0]
    mean_at_y = mean.data().asnumpy()
    with evaluation_weights(learner.net, trainer, learner.peek_batches(2)):
        assert (trainer._params[weight_index].data().asnumpy() == x).all()
        assert not (mean.data().asnumpy() == mean_at_y).any()  # recomputed at x
    assert everything(learner) == before
    assert (mean.data().asnumpy() == mean_at_y).all()


def test_evaluation_weights_recompute_batchnorm_from_the_given_number_of_batches():
    learner = Learner(make_net(), make_batches(6), mx.cpu(), optimizer="sgd_schedulefree",
                      optimizer_params={"learning_rate": 0.5})
    learner.run(2)
    mean = [p for n, p in learner.net.collect_params().items() if n.endswith("running_mean")][0]
    batches = learner.peek_batches(3)
    seen = []
    with evaluation_weights(learner.net, learner.trainer, batches, num_batches=1):
        seen.append(mean.data().asnumpy())
    with evaluation_weights(learner.net, learner.trainer, batches[:1]):
        seen.append(mean.data().asnumpy())
    assert (seen[0] == seen[1]).all()


def test_evaluation_weights_warn_about_batchnorm_without_batches_and_refuse_others():
    learner = Learner(make_net(), make_batches(2), mx.cpu(), optimizer="sgd_schedulefree")
    with pytest.warns(UserWarning, match="statistics belong to y"):
        with evaluation_weights(learner.net, learner.trainer):
            pass
    sgd = Learner(make_net(), make_batches(2), mx.cpu(), optimizer="sgd")
    with pytest.raises(TypeError, match="needs a trainer with a Schedule-Free optimizer"):
        with evaluation_weights(sgd.net, sgd.trainer):
            pass
    with pytest.raises(ValueError, match="num_batches must be an int >= 1"):
        with evaluation_weights(learner.net, learner.trainer, [], num_batches=0):
            pass


def test_the_learner_evaluates_at_x_with_batchnorm_from_the_next_batches():
    batches = make_batches(6)
    learner = Learner(make_net(), batches, mx.cpu(), optimizer="sgd_schedulefree",
                      optimizer_params={"learning_rate": 0.5, "momentum": 0.9})
    learner.run(3)
    before = everything(learner)
    val = make_batches(2, seed=1)
    with evaluation_weights(learner.net, learner.trainer, learner.peek_batches(2)):
        expected = learner.net(val[0][0]).asnumpy()
    with learner.evaluation_weights(num_batches=2):
        got = learner.net(val[0][0]).asnumpy()
    assert (got == expected).all()
    assert everything(learner) == before
    # the batches BatchNorm saw are still the next ones to train on
    assert learner.peek_batches(1)[0][0] is batches[3][0]
    assert learner.evaluate_loss(val) != pytest.approx(
        Learner(learner.net, batches, mx.cpu()).evaluate_loss(val), rel=1e-9)


def test_the_learner_evaluates_other_optimizers_as_they_are():
    learner = Learner(make_net(), make_batches(6), mx.cpu(), optimizer="sgd",
                      optimizer_params={"learning_rate": 0.5, "momentum": 0.9})
    learner.run(2)
    before = everything(learner)
    with learner.evaluation_weights():
        assert everything(learner) == before
    with pytest.raises(ValueError, match="num_batches must be an int >= 1"):
        with learner.evaluation_weights(num_batches=0):
            pass


@pytest.mark.parametrize("name", ["sgd_schedulefree", "adamw_schedulefree"])
def test_snapshot_restores_z_x_and_the_sums_bit_for_bit(name):
    assert_restores_exactly(name, {"learning_rate": 0.01, "warmup_steps": 2, "wd": 1e-3})


def test_two_devices_keep_identical_sequences_and_restore_exactly():
    assert_restores_exactly("sgd_schedulefree", {"learning_rate": 0.1},
                            devices=(mx.cpu(0), mx.cpu(1)))
    learner = Learner(make_net(batchnorm=False), make_batches(3), [mx.cpu(0), mx.cpu(1)],
                      optimizer="sgd_schedulefree", optimizer_params={"learning_rate": 0.1})
    learner.run(3)
    first, second = (updater.states for updater in learner.trainer._updaters)
    for index in first:
        for a, b in zip(first[index], second[index]):
            a = a if isinstance(a, np.ndarray) else a.asnumpy()
            b = b if isinstance(b, np.ndarray) else b.asnumpy()
            assert a.tobytes() == b.tobytes()


def test_a_momentum_schedule_does_not_apply():
    optimizer = mx.optimizer.create("sgd_schedulefree", learning_rate=None,
                                    lr_scheduler=OneCycleLR(0.1, 10))
    with pytest.raises(TypeError, match="SGD_ScheduleFree takes no momentum schedule"):
        sync_momentum(optimizer)
    quiet = OneCycleLR(0.1, 10, cycle_momentum=False)
    assert sync_momentum(mx.optimizer.create("adamw_schedulefree", learning_rate=None,
                                             lr_scheduler=quiet)) is None


@pytest.mark.parametrize("name, params, lrs", [
    ("sgd_schedulefree", {"learning_rate": 0.5}, [0.05, 1.0]),
    ("adamw_schedulefree", {"learning_rate": 0.01}, [0.001, 0.05]),
])
def test_finder_confirm_and_compare_work(name, params, lrs):
    finder = assert_finder_confirm_and_compare_work(name, params, lrs)
    adaptive = {"divisor": 4.0, "edge_margin": 2.0}
    assert (lowest_options(optimizer_name(finder.learner)) == adaptive) == (
        name == "adamw_schedulefree")
