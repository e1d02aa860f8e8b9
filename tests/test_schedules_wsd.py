"""WSD, CoolDown's shapes and linear decay to zero: values worked out by hand."""
import math

import pytest

from gluon_lr.schedules import (CoolDown, LinearCoolDown, LinearWarmUp, create_schedule,
                                needs_max_lr, warmup_stable_decay)


def test_cooldown_shapes_by_hand():
    # from 1.0 to 0.2 over 4 updates after t = 10; u = (t - 10) / 4
    # linear:  0.2 + 0.8 (1 - u)            -> 0.8, 0.6, 0.4, 0.2
    # cosine:  0.2 + 0.8 (1 + cos(pi u)) / 2 -> 0.2 + 0.4 (1 + sqrt(1/2)), 0.6, ...
    # 1-sqrt:  0.2 + 0.8 (1 - sqrt(u))       -> 0.2 + 0.8 * 0.5 = 0.6 at u = 1/4, ...
    expected = {
        "linear": [1.0, 0.8, 0.6, 0.4, 0.2, 0.2],
        "cosine": [1.0, 0.2 + 0.4 * (1 + math.sqrt(0.5)), 0.6, 0.2 + 0.4 * (1 - math.sqrt(0.5)),
                   0.2, 0.2],
        "1-sqrt": [1.0, 0.6, 0.2 + 0.8 * (1 - math.sqrt(0.5)),
                   0.2 + 0.8 * (1 - math.sqrt(0.75)), 0.2, 0.2],
    }
    for shape, values in expected.items():
        schedule = CoolDown(lambda t: 1.0, finish_lr=0.2, start_idx=10, length=4, shape=shape)
        got = [schedule(t) for t in range(10, 16)]
        assert got == pytest.approx(values, rel=1e-15, abs=1e-16), shape
        assert schedule(5) == 1.0 and schedule(15) == schedule(10 ** 9) == 0.2
        if shape != "linear":  # the tutorial's line can end a rounding error away
            assert schedule(14) == 0.2


def test_linear_cooldown_is_the_linear_shape_exactly():
    tutorial = LinearCoolDown(lambda t: 0.3, finish_lr=0.0, start_idx=0, length=3)
    shaped = CoolDown(lambda t: 0.3, finish_lr=0.0, start_idx=0, length=3, shape="linear")
    assert [tutorial(t) for t in range(6)] == [shaped(t) for t in range(6)]


def test_wsd_table_by_hand():
    # max 0.4, 100 updates, warm-up 10 from min_lr 0.04, cool-down 20 (1-sqrt) to 0.04
    schedule = warmup_stable_decay(0.4, 100, warmup=10, cooldown=20, min_lr=0.04)
    table = {0: 0.04, 1: 0.04 + 0.36 / 10, 5: 0.04 + 0.36 / 2, 10: 0.4, 11: 0.4, 50: 0.4,
             80: 0.4,
             85: 0.04 + 0.36 * 0.5,                   # u = 1/4
             90: 0.04 + 0.36 * (1 - math.sqrt(0.5)),  # u = 1/2
             100: 0.04, 101: 0.04, 10 ** 6: 0.04}
    for t, value in table.items():
        assert schedule(t) == pytest.approx(value, rel=1e-15), t
    assert isinstance(schedule, LinearWarmUp) and schedule.base_lr == 0.4


def test_wsd_start_lr_and_no_warm_up():
    assert warmup_stable_decay(1.0, 10, warmup=4, start_lr=0.0)(1) == 0.25
    schedule = warmup_stable_decay(1.0, 10, cooldown=5, shape="cosine")
    assert [schedule(t) for t in (0, 5, 10, 11)] == [1.0, 1.0, 0.0, 0.0]
    assert schedule(6) == pytest.approx((1 + math.cos(math.pi / 5)) / 2, rel=1e-15)


def test_create_schedule_wsd_and_linear_by_hand():
    wsd = create_schedule("wsd", total_steps=50, max_lr=0.2, warmup=5)  # cool-down 10, 1-sqrt
    assert [wsd(t) for t in (0, 5, 40, 50)] == [0.0, 0.2, 0.2, 0.0]
    assert wsd(41) == pytest.approx(0.2 * (1 - math.sqrt(0.1)), rel=1e-15)
    cosine = create_schedule("wsd", total_steps=50, max_lr=0.2, cooldown_fraction=0.5,
                             cooldown_shape="cosine", min_lr=0.02)
    assert [cosine(25), cosine(50)] == [0.2, 0.02]
    assert cosine(30) == pytest.approx(0.02 + 0.18 * (1 + math.cos(math.pi / 5)) / 2, rel=1e-15)
    linear = create_schedule("linear", total_steps=40, max_lr=0.2, warmup=8)
    # 32 updates from 0.2 to 0: 0.2 (1 - (t - 8) / 32)
    assert [linear(t) for t in (4, 8, 16, 24, 40, 41)] == pytest.approx(
        [0.1, 0.2, 0.15, 0.1, 0.0, 0.0], rel=1e-15, abs=1e-17)
    assert needs_max_lr("wsd") and needs_max_lr("linear")


@pytest.mark.parametrize("call, error, message", [
    (lambda: warmup_stable_decay(1.0, 10, warmup=6, cooldown=5), ValueError,
     r"warmup \+ cooldown must be at most total_steps = 10, got 6 \+ 5"),
    (lambda: warmup_stable_decay(0.0, 10), ValueError, "max_lr must be a number in"),
    (lambda: warmup_stable_decay(1.0, 10, min_lr=2.0), ValueError, "min_lr"),
    (lambda: warmup_stable_decay(1.0, 10, start_lr=2.0), ValueError, "start_lr"),
    (lambda: warmup_stable_decay(1.0, 10, cooldown=2, shape="sqrt"), ValueError,
     "shape must be one of"),
    (lambda: create_schedule("wsd", total_steps=10, max_lr=1.0, warmup=9), ValueError,
     r"warmup \+ round\(cooldown_fraction \* total_steps\) must be at most total_steps = 10, "
     r"got 9 \+ 2"),
    (lambda: create_schedule("wsd", total_steps=10, max_lr=1.0, cooldown_fraction=1.5),
     ValueError, r"cooldown_fraction must be a number in \[0, 1\]"),
    (lambda: create_schedule("linear", total_steps=10, max_lr=1.0, cooldown_shape="x"),
     ValueError, "cooldown_shape must be one of"),
    (lambda: create_schedule("linear", total_steps=10, max_lr=1.0, warmup=10), ValueError,
     r"warmup must be an int in \[0, total_steps\)"),
    (lambda: create_schedule("wsd", total_steps=10), ValueError, "max_lr is required"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
