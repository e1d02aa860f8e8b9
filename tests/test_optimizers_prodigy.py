"""Prodigy: hand-computed steps, the shared estimate, registration and exact restore.

The expected values below were worked out from the update rules in
gluon_lr/optimizers/prodigy.py in float64 arithmetic for a one-element weight;
the optimizer computes its arrays in float32, so they agree to a relative 1e-6.
"""
import math

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner
from gluon_lr.momentum import sync_momentum
from gluon_lr.optimizers import Prodigy, ProdigyEstimate, checked_optimizer, optimizer_name
from gluon_lr.schedules import OneCycleLR
from gluon_lr.suggest import ADAPTIVE_OPTIMIZERS
from helpers import make_batches, make_net
from optimizer_checks import (assert_finder_confirm_and_compare_work, assert_restores_exactly,
                              scalar_run)

RTOL = 1e-6
#: lr 1, beta1 = beta2 = beta3 = 0.5, d0 = 0.01, w0 = 1, g = 1 at every step.
SMALL = {"learning_rate": 1.0, "beta1": 0.5, "beta2": 0.5, "beta3": 0.5, "d0": 0.01}


def test_three_steps_by_hand():
    # k=0: d = 0.01, eta = 0.01; N = 0 (p = p0); m = 0.01 * 0.5 = 0.005,
    #      v = 1e-4 * 0.5 = 5e-5, s = 0.01, d_hat = 0 / 0.01 = 0: d stays 0.01;
    #      p = 1 - 0.01 * 0.005 / sqrt(5e-5) = 1 - 0.01 / sqrt(2) = 0.99292893...
    # k=1: N = 0.01 * (1 - 0.99292893) = 7.0710678e-5, m = 0.0075, v = 7.5e-5, s = 0.015,
    #      d_hat = 7.0710678e-5 / 0.015 = 0.0047140 < d0: d stays;
    #      p = 0.99292893 - 0.01 * 0.0075 / sqrt(7.5e-5) = 0.98426868
    # k=2: N = 7.0710678e-5 / 2 + 0.01 * (1 - 0.98426868) = 1.9266856e-4, s = 0.0175,
    #      d_hat = 0.011009632 > d_max: d = d_max = 0.011009632 (after this step's update)
    optimizer = mx.optimizer.create("prodigy", **SMALL)
    weights, (p0, s, m, v) = scalar_run(optimizer, [1.0] * 3)
    np.testing.assert_allclose(weights, [0.9929289322881345, 0.9842686783502901,
                                         0.9749145349934516], rtol=RTOL)
    np.testing.assert_allclose([s.asscalar(), m.asscalar(), v.asscalar()],
                               [0.0175, 0.00875, 8.75e-5], rtol=RTOL)
    assert p0.asscalar() == 1.0
    estimate = optimizer.estimates["cpu(0)"]
    assert estimate.steps == 3
    assert estimate.d == pytest.approx(0.011009631717510094, rel=RTOL)
    assert estimate.d_max == estimate.d
    assert estimate.numerator == pytest.approx(0.00019266855505642666, rel=RTOL)


def test_decoupled_weight_decay_by_hand():
    # As above with wd = 0.1: p loses eta * wd * p first, then Adam's step:
    # k=0: p = 1 - 0.001 - 0.01 / sqrt(2) = 0.99192893; N(k=1) = 0.01 * (1 - p) = 8.0710678e-5
    optimizer = mx.optimizer.create("prodigy", wd=0.1, **SMALL)
    weights, _ = scalar_run(optimizer, [1.0] * 3)
    np.testing.assert_allclose(weights, [0.9919289322881345, 0.9822767494180019,
                                         0.971940329325985], rtol=RTOL)
    assert optimizer.estimates["cpu(0)"].d == pytest.approx(0.012433591107389048, rel=RTOL)


def test_coupled_weight_decay_adds_to_the_gradient():
    # decouple=False: g = 1 + 0.1 * 1 = 1.1 at k=0: m = 0.0055, v = 1e-4 * 0.5 * 1.21,
    # p = 1 - 0.01 * 0.0055 / sqrt(6.05e-5) = 1 - 0.01 / sqrt(2)
    optimizer = mx.optimizer.create("prodigy", wd=0.1, decouple=False, **SMALL)
    weights, (_, s, m, _) = scalar_run(optimizer, [1.0])
    np.testing.assert_allclose(weights, [1 - 0.01 / math.sqrt(2)], rtol=RTOL)
    np.testing.assert_allclose([s.asscalar(), m.asscalar()], [0.011, 0.0055], rtol=RTOL)


def test_bias_correction_and_safeguard_scale_the_first_step():
    # k=0 with bias correction: b = sqrt(1 - 0.5) / (1 - 0.5) = sqrt(2), eta = 0.01 * sqrt(2),
    # so the step is sqrt(2) times the plain one: 0.01 / sqrt(2) * sqrt(2) = 0.01.
    corrected = mx.optimizer.create("prodigy", use_bias_correction=True, **SMALL)
    np.testing.assert_allclose(scalar_run(corrected, [1.0])[0], [0.99], rtol=RTOL)
    # safeguard_warmup: s grows by (d / d0) * d * g, not by (d / d0) * eta * g; with a
    # rate of 0.5 they differ: s = 0.01 rather than 0.005
    guarded = mx.optimizer.create("prodigy", safeguard_warmup=True,
                                  **dict(SMALL, learning_rate=0.5))
    assert scalar_run(guarded, [1.0])[1][1].asscalar() == pytest.approx(0.01, rel=RTOL)


def test_no_step_until_a_gradient_arrives():
    optimizer = mx.optimizer.create("prodigy", **SMALL)
    weights, _ = scalar_run(optimizer, [0.0, 0.0])
    assert weights == [1.0, 1.0]
    assert optimizer.estimates["cpu(0)"] == ProdigyEstimate(d=0.01, d_max=0.01)


def test_d_couples_every_weight_of_a_step():
    # Two weights stepped together see one d; stepped apart, each would have its own.
    optimizer = mx.optimizer.create("prodigy", **SMALL)
    a, b = mx.nd.array([1.0]), mx.nd.array([-2.0])
    states = [optimizer.create_state(0, a), optimizer.create_state(1, b)]
    for _ in range(3):
        optimizer.update([0, 1], [a, b], [mx.nd.array([1.0]), mx.nd.array([-1.0])], states)
    # sum |s| doubles and so does N (<g, p0 - p> is the same for both): d_hat is unchanged.
    # p0 - p near -2 cancels in float32 (spacing 2.4e-7 against a difference of 0.016): 1e-5.
    assert optimizer.estimates["cpu(0)"].d == pytest.approx(0.011009631717510094, rel=1e-5)
    np.testing.assert_allclose([a.asscalar(), b.asscalar()],
                               [0.9749145349934516, -2 + (1 - 0.9749145349934516)], rtol=RTOL)


def test_registered_and_adaptive_and_checked():
    assert mx.optimizer.Optimizer.opt_registry["prodigy"] is Prodigy
    learner = Learner(make_net(), make_batches(3), mx.cpu(), optimizer="prodigy",
                      optimizer_params={"learning_rate": 1.0, "wd": 1e-4})
    losses = learner.run(3)
    assert len(losses) == 3 and np.isfinite(losses).all()
    assert optimizer_name(learner) == "prodigy" and "prodigy" in ADAPTIVE_OPTIMIZERS
    assert learner.trainer.optimizer.estimates["cpu(0)"].steps == 3
    with pytest.raises(TypeError, match="'slice_p' that 'prodigy' does not take"):
        checked_optimizer("prodigy", {"slice_p": 11})


@pytest.mark.parametrize("params, error, message", [
    ({"d0": 0.0}, ValueError, r"d0 must be a number in \(0, inf\), got 0.0"),
    ({"d_coef": -1.0}, ValueError, r"d_coef must be a number in \(0, inf\)"),
    ({"growth_rate": 0.5}, ValueError, r"growth_rate must be a number in \[1, inf\)"),
    ({"beta3": 1.0}, ValueError, r"beta3 must be a number in \[0, 1\)"),
    ({"decouple": 1}, TypeError, "decouple must be True or False"),
    ({"aggregate_num": 4}, TypeError, "Prodigy takes no aggregate_num"),
])
def test_bad_parameters_are_named(params, error, message):
    with pytest.raises(error, match=message):
        mx.optimizer.create("prodigy", **params)


def test_beta1_follows_a_momentum_schedule():
    optimizer = mx.optimizer.create("prodigy", learning_rate=None,
                                    lr_scheduler=OneCycleLR(1.0, 10))
    assert sync_momentum(optimizer) == optimizer.beta1 == 0.95


def test_snapshot_restores_the_estimate_and_states_bit_for_bit():
    assert_restores_exactly("prodigy", {"learning_rate": 1.0, "wd": 1e-3})


def test_two_devices_keep_one_equal_estimate_each_and_restore_exactly():
    assert_restores_exactly("prodigy", {"learning_rate": 1.0}, devices=(mx.cpu(0), mx.cpu(1)))
    learner = Learner(make_net(batchnorm=False), make_batches(3), [mx.cpu(0), mx.cpu(1)],
                      optimizer="prodigy", optimizer_params={"learning_rate": 1.0})
    learner.run(3)
    estimates = learner.trainer.optimizer.estimates
    assert sorted(estimates) == ["cpu(0)", "cpu(1)"]
    assert estimates["cpu(0)"] == estimates["cpu(1)"] and estimates["cpu(0)"].steps == 3


def test_finder_confirm_and_compare_work():
    assert_finder_confirm_and_compare_work("prodigy", {"learning_rate": 1.0}, [0.5, 2.0])
