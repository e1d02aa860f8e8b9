"""MXNet interop and invariants: lr_scheduler protocol, base_lr, mx.lr_scheduler, every schedule."""
import math
import re
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_lr._validate import FLOAT32_TINY
from gluon_lr.schedules import (CosineAnnealingSchedule, CyclicalSchedule, CyclicLR,
                                LinearCoolDown, LinearWarmUp, LRRangeTest, OneCycle, OneCycleLR,
                                OneCycleSchedule, TriangularSchedule)
from helpers import make_batches, make_net
from test_momentum import train


def schedules():
    """One instance of every schedule (and wrapper), with rates a tiny net can train at."""
    return {
        "triangular": TriangularSchedule(0.01, 0.1, 20, inc_fraction=0.3),
        "cosine": CosineAnnealingSchedule(0.001, 0.1, 20),
        "warmup(multifactor)": LinearWarmUp(
            mx.lr_scheduler.MultiFactorScheduler(step=[10, 30], factor=0.5, base_lr=0.1), 0, 5),
        "cooldown(factor)": LinearCoolDown(
            mx.lr_scheduler.FactorScheduler(step=10, factor=0.5, base_lr=0.1), 0.001, 25, 10),
        "warmup(onecyclelr)": LinearWarmUp(OneCycleLR(0.1, 40), 0.0, 5),
        "onecycleschedule": OneCycleSchedule(0.01, 0.1, 20, cooldown_length=10, finish_lr=0.001),
        "cyclical(triangular)": CyclicalSchedule(TriangularSchedule, min_lr=0.01, max_lr=0.1,
                                                 cycle_length=10),
        "sgdr": CyclicalSchedule(CosineAnnealingSchedule, min_lr=0.001, max_lr=0.1,
                                 cycle_length=5, cycle_length_decay=2, cycle_magnitude_decay=0.5),
        "lrrt": LRRangeTest(1e-4, 5, 2.0),
        "lrrt staircase": LRRangeTest(1e-4, 5, 2.0, True),
        "onecycle (deepspeed)": OneCycle(0.01, 0.1, cycle_first_step_size=10, decay_step_size=5,
                                         decay_lr_rate=0.5, decay_mom_rate=0.5),
        "onecyclelr": OneCycleLR(0.1, 40),
        "onecyclelr three phase": OneCycleLR(0.1, 40, anneal_strategy="linear",
                                             three_phase=True),
        "cycliclr": CyclicLR(0.01, 0.1, step_size_up=5),
        "cycliclr triangular2": CyclicLR(0.01, 0.1, step_size_up=5, mode="triangular2"),
        "cycliclr exp_range": CyclicLR(0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.9),
    }


NAMES = sorted(schedules())


@pytest.mark.parametrize("name", NAMES)
def test_every_schedule_is_pure_float_finite_and_non_negative(name):
    s = schedules()[name]
    steps = list(range(0, 200))
    forward = [s(t) for t in steps]
    assert [s(t) for t in reversed(steps)][::-1] == forward
    assert [s(t) for t in steps] == forward
    for value in forward:
        assert type(value) is float and math.isfinite(value) and value >= 0
    momenta = [s.momentum(t) for t in steps]
    if momenta[0] is not None:
        assert all(type(m) is float and 0 <= m < 1 for m in momenta)
    assert s.base_lr == s(0) or name.startswith("warmup")


@pytest.mark.parametrize("name", NAMES)
def test_every_schedule_drives_a_real_trainer_for_50_steps(name):
    s = schedules()[name]
    _, records = train(50, "sgd", {"learning_rate": None, "lr_scheduler": s, "momentum": 0.9})
    assert [r[0] for r in records] == list(range(1, 51))
    assert [r[1] for r in records] == [s(t) for t in range(1, 51)]
    if s.momentum(1) is not None:
        assert [r[2]["momentum"] for r in records] == [s.momentum(t) for t in range(1, 51)]


def test_the_weight_update_uses_the_schedules_learning_rate():
    s = OneCycleLR(max_lr=0.5, total_steps=5, final_div_factor=2.0, cycle_momentum=False)
    net = make_net(batchnorm=False)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd",
                               {"learning_rate": None, "lr_scheduler": s})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    weight = list(net.collect_params().values())[0]
    for t, (data, label) in enumerate(make_batches(5), start=1):
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        before, grad = weight.data().asnumpy().copy(), weight.grad().asnumpy().copy()
        trainer.step(data.shape[0])
        step = (before - weight.data().asnumpy()) / (grad / data.shape[0])
        used = step[np.abs(grad) > 0.1 * np.abs(grad).max()]  # float32 round-off otherwise
        assert used.size > 5 and np.median(used) == pytest.approx(s(t), rel=1e-3)


# -- base_lr: what MXNet's Optimizer(learning_rate=..., lr_scheduler=...) does to it --------

def _no_warnings(build):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return build()


def test_learning_rate_none_or_equal_leaves_the_schedule_silent():
    s = OneCycleLR(max_lr=0.1, total_steps=10)
    assert _no_warnings(lambda: mx.optimizer.SGD(learning_rate=None, lr_scheduler=s))
    sgd = _no_warnings(lambda: mx.optimizer.SGD(learning_rate=s.base_lr, lr_scheduler=s))
    assert sgd.learning_rate == s(0) == pytest.approx(0.004)


def test_a_different_learning_rate_is_ignored_with_a_warning():
    s = TriangularSchedule(min_lr=0.01, max_lr=0.1, cycle_length=10)
    with pytest.warns(UserWarning, match=r"TriangularSchedule keeps its own learning rates: "
                                         r"base_lr stays 0.01 and the requested 0.03"):
        sgd = mx.optimizer.SGD(learning_rate=0.03, lr_scheduler=s)
    assert s.base_lr == 0.01 and sgd.learning_rate == 0.01
    assert [s(t) for t in (0, 5, 10)] == pytest.approx([0.01, 0.1, 0.01])


def test_trainer_with_the_optimizers_default_learning_rate_keeps_the_schedule():
    s = OneCycleLR(max_lr=0.05, total_steps=10)
    with pytest.warns(UserWarning, match="requested 0.1"):  # SGD's default learning_rate
        trainer, records = train(3, "sgd", {"lr_scheduler": s, "momentum": 0.9})
    assert trainer.optimizer.lr_scheduler is s
    assert [r[1] for r in records] == [s(1), s(2), s(3)]


def test_warm_up_base_lr_is_the_rate_after_the_warm_up():
    steps = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5, base_lr=1)
    s = LinearWarmUp(steps, start_lr=0, length=250)
    assert s.base_lr == 1.0 and s(0) == 0.0
    assert _no_warnings(lambda: mx.optimizer.SGD(learning_rate=1.0, lr_scheduler=s))


# -- mx.lr_scheduler keeps working next to gluon-lr -------------------------------------------

def _factor(n):
    return 0.01 + 0.09 * n / 3 if n < 3 else 0.1 * 0.5 ** ((n - 1) // 5)


def _multifactor(n):
    return 0.05 * n if n < 2 else 0.1 * 0.1 ** sum(n > s for s in (4, 8))


def _poly(n):
    return 0.05 * n if n < 2 else 0.1 * (1 - (min(n, 10) - 2) / 8) ** 2


def _cosine(n):
    return 0.05 * n if n < 2 else 0.01 + 0.09 * (1 + math.cos(math.pi * (min(n, 10) - 2) / 8)) / 2


@pytest.mark.parametrize("make, expected", [
    (lambda: mx.lr_scheduler.FactorScheduler(step=5, factor=0.5, base_lr=0.1, warmup_steps=3,
                                             warmup_begin_lr=0.01), _factor),
    (lambda: mx.lr_scheduler.MultiFactorScheduler(step=[4, 8], factor=0.1, base_lr=0.1,
                                                  warmup_steps=2), _multifactor),
    (lambda: mx.lr_scheduler.PolyScheduler(max_update=10, base_lr=0.1, pwr=2, warmup_steps=2),
     _poly),
    (lambda: mx.lr_scheduler.CosineScheduler(max_update=10, base_lr=0.1, final_lr=0.01,
                                             warmup_steps=2), _cosine),
], ids=["factor", "multifactor", "poly", "cosine"])
def test_mxnet_schedulers_with_warm_up_keep_working(make, expected):
    wrapped = make()
    ours = LinearCoolDown(wrapped, finish_lr=0.0, start_idx=12, length=4)  # wraps a copy
    ours_values = [ours(t) for t in range(12, 0, -1)][::-1]
    scheduler = make()
    _, records = train(12, "sgd", {"learning_rate": 0.1, "lr_scheduler": scheduler,
                                   "momentum": 0.9})
    assert [r[1] for r in records] == pytest.approx([expected(n) for n in range(1, 13)])
    assert ours_values == pytest.approx([expected(n) for n in range(1, 13)])
    assert vars(wrapped) == vars(make())  # never called, never changed


# -- arguments shared by every family --------------------------------------------------------

BOOL_PARAMETERS = [
    (LRRangeTest, {}, "lr_range_test_staircase"),
    (OneCycle, {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1}, "cycle_momentum"),
    (OneCycleLR, {"max_lr": 0.1, "total_steps": 10}, "three_phase"),
    (OneCycleLR, {"max_lr": 0.1, "total_steps": 10}, "cycle_momentum"),
    (CyclicLR, {"base_lr": 0.01, "max_lr": 0.1}, "cycle_momentum"),
]


@pytest.mark.parametrize("flag", ["no", "False", 1, 0, None, np.bool_(True)])
@pytest.mark.parametrize("cls, required, name", BOOL_PARAMETERS,
                         ids=[p[0].__name__ + "." + p[2] for p in BOOL_PARAMETERS])
def test_every_flag_accepts_only_booleans(cls, required, name, flag):
    with pytest.raises(TypeError, match=r"^{} must be True or False, got {}$".format(
            name, re.escape(repr(flag)))):
        cls(**required, **{name: flag})
    for value in (True, False):
        assert cls(**required, **{name: value})(1) > 0


LR_PARAMETERS = [  # (build with the named learning rate, name, whether 0 is accepted)
    (lambda lr: TriangularSchedule(lr, 1.0, 10), "min_lr", True),
    (lambda lr: TriangularSchedule(0.0, lr, 10), "max_lr", True),
    (lambda lr: CosineAnnealingSchedule(lr, 1.0, 10), "min_lr", True),
    (lambda lr: CosineAnnealingSchedule(0.0, lr, 10), "max_lr", True),
    (lambda lr: LinearWarmUp(TriangularSchedule(0.1, 1, 10), lr, 5), "start_lr", True),
    (lambda lr: LinearCoolDown(TriangularSchedule(0.1, 1, 10), lr, 5, 5), "finish_lr", True),
    (lambda lr: OneCycleSchedule(lr, 1.0, 10), "start_lr", True),
    (lambda lr: OneCycleSchedule(0.0, lr, 10), "max_lr", True),
    (lambda lr: OneCycleSchedule(0.0, 1.0, 10, 5, lr), "finish_lr", True),
    (lambda lr: CyclicalSchedule(TriangularSchedule, 10, min_lr=lr, max_lr=1.0), "min_lr", True),
    (lambda lr: LRRangeTest(lr), "lr_range_test_min_lr", False),
    (lambda lr: OneCycle(lr, 1.0), "cycle_min_lr", True),
    (lambda lr: OneCycle(0.0, lr), "cycle_max_lr", True),
    (lambda lr: OneCycleLR(lr, 10), "max_lr", False),
    (lambda lr: CyclicLR(lr, 1.0), "base_lr", True),
    (lambda lr: CyclicLR(0.0, lr), "max_lr", True),
]


@pytest.mark.parametrize("lr", [1e300, 3.5e38, 1e-300, 1e-39, -0.5, float("inf")])
@pytest.mark.parametrize("build, name, zero", LR_PARAMETERS,
                         ids=["{}-{}".format(i, p[1]) for i, p in enumerate(LR_PARAMETERS)])
def test_every_learning_rate_is_checked_against_float32(build, name, zero, lr):
    # MXNet's optimizers hold the rate in float32: "Out of range value for lr" otherwise
    expected = "{} must be {}a number in [1.1754944e-38, 3.4028235e+38] (float32), got {!r}"
    with pytest.raises(ValueError, match="^" + re.escape(
            expected.format(name, "0 or " if zero else "", lr)) + "$"):
        build(lr)
    with pytest.raises(TypeError, match="^" + re.escape(name + " must be ")):
        build("0.1")
    build(FLOAT32_TINY)  # the smallest float32 rate is accepted, and 0 where it says so
    if zero:
        build(0)


def test_a_rate_flushed_to_zero_trains_where_mxnet_would_reject_it():
    # 0.5 * 2**-128 is below float32's smallest normal number: MXNet raises
    # "Out of range value for lr" for it, so the schedule gives 0.0 instead
    s = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=1, cycle_length=1,
                         cycle_magnitude_decay=2.0 ** -64)
    _, records = train(3, "sgd", {"learning_rate": None, "lr_scheduler": s})
    assert [r[1] for r in records] == [2.0 ** -65, 0.0, 0.0]
