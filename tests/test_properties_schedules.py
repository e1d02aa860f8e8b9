"""Properties of every schedule, for generated arguments and iterations.

Each schedule of gluon_lr.schedules, and each name of ``create_schedule``, is built from
generated valid arguments and evaluated at generated 1-based iterations ``t`` up to
well past its end. The values are finite, float32-representable and non-negative; the
documented boundary values are exact; joined schedules are continuous at their joins.

In CI: 26 tests of 80 or 60 examples, 1,820 examples in all, the first 13 checking up
to 40 iterations each (the figures below were measured with 24 tests); measured with ``--hypothesis-show-statistics`` on 2 shared cores,
they spent 5.7 s running examples (all three property files: 93 tests, 15 s).
"""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gluon_lr._validate import FLOAT32_TINY
from gluon_lr.schedules import (COOLDOWN_SHAPES, SCHEDULE_NAMES, ConstantSchedule, CoolDown,
                                CosineAnnealingSchedule, CyclicalSchedule, CyclicLR,
                                LinearCoolDown, LinearWarmUp, LRRangeTest, OneCycle, OneCycleLR,
                                OneCycleSchedule, TriangularSchedule, create_schedule,
                                from_config, warmup_stable_decay)
from gluon_lr.schedules.base import as_rate
from properties import bounded, bounds, is_rate, lengths, lrs, momenta, ordered

ULPS = 4e-16  # relative error of one or two float64 roundings


@st.composite
def triangular(draw):
    low, high = draw(ordered(bounds))
    length = draw(lengths)
    fraction = draw(st.floats(min_value=1e-3, max_value=1.0))
    return TriangularSchedule(low, high, length, inc_fraction=fraction), length


@st.composite
def cosine(draw):
    low, high = draw(ordered(bounds))
    length = draw(lengths)
    return CosineAnnealingSchedule(low, high, length), length


@st.composite
def warm_up(draw):
    child, length = draw(cosine())
    warm = draw(lengths)
    return LinearWarmUp(child, start_lr=draw(bounds), length=warm), warm + length


@st.composite
def cool_down(draw):
    child, length = draw(cosine())
    start, cool = draw(st.integers(0, length)), draw(st.integers(0, 5000))
    shape = draw(st.sampled_from(COOLDOWN_SHAPES))
    if shape == "linear":
        return LinearCoolDown(child, finish_lr=draw(bounds), start_idx=start,
                              length=cool), start + cool
    return CoolDown(child, finish_lr=draw(bounds), start_idx=start, length=cool,
                    shape=shape), start + cool


@st.composite
def one_cycle_schedule(draw):
    low, high = draw(ordered(bounds))
    length, cool = draw(lengths), draw(st.integers(0, 5000))
    finish = draw(bounds) if cool else None
    return OneCycleSchedule(low, high, length, cooldown_length=cool,
                            finish_lr=finish), length + cool


@st.composite
def cyclical(draw):
    low, high = draw(ordered(bounds))
    length = draw(st.integers(1, 500))
    shape = draw(st.sampled_from([TriangularSchedule, CosineAnnealingSchedule]))
    schedule = CyclicalSchedule(shape, cycle_length=length, min_lr=low, max_lr=high,
                                cycle_length_decay=draw(st.floats(0.5, 3.0)),
                                cycle_magnitude_decay=draw(st.floats(1e-3, 1.0)))
    return schedule, 20 * length


@st.composite
def range_test(draw):
    size = draw(lengths)
    schedule = LRRangeTest(lr_range_test_min_lr=draw(st.floats(FLOAT32_TINY, 10.0)),
                           lr_range_test_step_size=size,
                           lr_range_test_step_rate=draw(st.floats(0.0, 100.0)),
                           lr_range_test_staircase=draw(st.booleans()))
    return schedule, 100 * size


@st.composite
def one_cycle(draw):
    low, high = draw(ordered(bounds))
    low_mom, high_mom = draw(ordered(momenta))
    first, second = draw(lengths), draw(st.one_of(st.none(), lengths))
    decay = draw(st.integers(0, 1000))
    schedule = OneCycle(low, high, cycle_first_step_size=first,
                        cycle_first_stair_count=draw(st.integers(0, first)),
                        cycle_second_step_size=second, decay_step_size=decay,
                        decay_lr_rate=draw(st.floats(0.0, 10.0)), cycle_min_mom=low_mom,
                        cycle_max_mom=high_mom, decay_mom_rate=draw(st.floats(0.0, 10.0)))
    return schedule, 3 * (first + (first if second is None else second)) + decay


@st.composite
def one_cycle_lr(draw):
    three_phase = draw(st.booleans())
    low_mom, high_mom = draw(ordered(momenta))
    total = draw(lengths)
    schedule = OneCycleLR(max_lr=draw(lrs), total_steps=total,
                          pct_start=draw(st.floats(1e-3, 0.499 if three_phase else 0.999)),
                          anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
                          div_factor=draw(st.floats(1.0, 1e3)),
                          final_div_factor=draw(st.floats(1.0, 1e4)), three_phase=three_phase,
                          base_momentum=low_mom, max_momentum=high_mom)
    return schedule, 2 * total


@st.composite
def cyclic_lr(draw):
    low, high = draw(ordered(bounds))
    low_mom, high_mom = draw(ordered(momenta))
    up = draw(lengths)
    schedule = CyclicLR(low, high, step_size_up=up,
                        step_size_down=draw(st.one_of(st.none(), lengths)),
                        mode=draw(st.sampled_from(["triangular", "triangular2", "exp_range"])),
                        gamma=draw(st.floats(1e-3, 1.0)), base_momentum=low_mom,
                        max_momentum=high_mom)
    return schedule, 20 * up


@st.composite
def constant(draw):
    return ConstantSchedule(draw(lrs)), 1000


@st.composite
def wsd(draw):
    low, high = draw(ordered(bounds).filter(lambda pair: pair[1] > 0))
    total = draw(lengths)
    warm = draw(st.integers(0, total))
    cool = draw(st.integers(0, total - warm))
    schedule = warmup_stable_decay(high, total, warmup=warm, cooldown=cool,
                                   shape=draw(st.sampled_from(COOLDOWN_SHAPES)), min_lr=low,
                                   start_lr=draw(st.sampled_from([None, 0.0, high])))
    return schedule, total


@st.composite
def by_name(draw):
    name = draw(st.sampled_from(SCHEDULE_NAMES))
    total = draw(st.integers(2, 5000))
    low, high = sorted((draw(lrs), draw(lrs)))
    fraction = draw(st.floats(0.0, 1.0))
    cool = round(fraction * total) if name == "wsd" else 1
    schedule = create_schedule(name, total_steps=total, lr=draw(lrs), max_lr=high,
                               min_lr=draw(st.one_of(st.none(), st.just(low))),
                               cycles=draw(st.integers(1, 10)),
                               warmup=draw(st.integers(0, min(total - 1, total - cool))),
                               pct_start=draw(st.floats(1e-3, 0.999)),
                               cooldown_fraction=fraction,
                               cooldown_shape=draw(st.sampled_from(COOLDOWN_SHAPES)))
    return schedule, 2 * total


SCHEDULES = {"TriangularSchedule": triangular, "CosineAnnealingSchedule": cosine,
             "LinearWarmUp": warm_up, "LinearCoolDown": cool_down,
             "OneCycleSchedule": one_cycle_schedule, "CyclicalSchedule": cyclical,
             "LRRangeTest": range_test, "OneCycle": one_cycle, "OneCycleLR": one_cycle_lr,
             "CyclicLR": cyclic_lr, "ConstantSchedule": constant, "create_schedule": by_name,
             "warmup_stable_decay": wsd}


def iterations(horizon):
    """Generated 1-based iterations up to ``horizon``, with its ends and a far one."""
    horizon = max(horizon, 1)
    return st.lists(st.integers(1, horizon), max_size=36).map(
        lambda ts: [1, horizon, horizon + 1, 10 * horizon] + ts)


def line_rounding(schedule):
    """The rounding error of a linear warm-up's or cool-down's end (see schedules.base).

    The tutorial's line ``t * (finish - start) / length + start`` can end a rounding
    error of ``start`` away from ``finish``: below it when ``finish`` is 0. A warm-up
    ends where its schedule starts, which may be a linear cool-down of no length.
    """
    if isinstance(schedule, LinearWarmUp):
        return max(2 * ULPS * max(schedule.start_lr, schedule.finish_lr),
                   line_rounding(schedule._child))
    if isinstance(schedule, CoolDown) and schedule.shape == "linear":
        return 2 * ULPS * max(schedule.start_lr, schedule.finish_lr)
    return 0.0


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
@bounded(80)
@given(data=st.data())
def test_every_value_is_a_finite_non_negative_float32_rate(kind, data):
    schedule, horizon = data.draw(SCHEDULES[kind](), label="schedule, horizon")
    below = line_rounding(schedule)
    for t in data.draw(iterations(horizon), label="t"):
        value = schedule(t)
        assert is_rate(value) and value >= -below, (t, value)
        momentum = schedule.momentum(t)
        assert momentum is None or (is_rate(momentum) and 0 <= momentum < 1), (t, momentum)


@bounded(60)
@given(triangular(), st.integers(0, 10))
def test_triangle_starts_and_ends_at_min_lr(built, after):
    schedule, length = built
    assert schedule(0) == schedule(length + 1 + after) == schedule.min_lr
    if length * schedule.inc_fraction < length:  # else the cycle ends at its peak
        assert schedule(length) == schedule.min_lr


@bounded(60)
@given(cosine(), st.integers(1, 10))
def test_cosine_runs_from_max_lr_to_exactly_min_lr(built, after):
    schedule, length = built
    assert schedule(0) == pytest.approx(schedule.max_lr, rel=ULPS)
    assert schedule(length) == schedule(length + after) == schedule.min_lr


@bounded(60)
@given(warm_up(), st.integers(1, 100))
def test_warm_up_starts_at_start_lr_and_joins_its_schedule(built, after):
    schedule, end = built
    length = schedule.length
    assert schedule(0) == schedule.start_lr
    assert schedule(length) == pytest.approx(schedule.finish_lr, abs=line_rounding(schedule))
    assert schedule.finish_lr == schedule._child(0)  # continuous at the join
    assert schedule(length + after) == schedule._child(after)


@bounded(60)
@given(cool_down(), st.integers(1, 100))
def test_cool_down_follows_its_schedule_then_ends_at_finish_lr(built, after):
    schedule, end = built
    assert schedule(schedule.start_idx) == schedule._child(schedule.start_idx)
    if schedule.length:  # else start_idx, the last value of the schedule, is the end
        assert schedule(end) == pytest.approx(schedule.finish_lr, abs=line_rounding(schedule))
    assert schedule(end + after) == schedule.finish_lr


@bounded(60)
@given(one_cycle_schedule(), st.integers(1, 100))
def test_one_cycle_schedule_starts_at_start_lr_and_ends_at_finish_lr(built, after):
    schedule, end = built
    assert schedule(0) == schedule(schedule.start_idx) == schedule.start_lr
    assert schedule(end + after) == schedule.finish_lr


@bounded(60)
@given(st.data())
def test_cycles_repeat_exactly_without_decay(data):
    low, high = data.draw(ordered(bounds))
    length = data.draw(st.integers(1, 500))
    shape = data.draw(st.sampled_from([TriangularSchedule, CosineAnnealingSchedule]))
    schedule = CyclicalSchedule(shape, cycle_length=length, min_lr=low, max_lr=high)
    single = shape(cycle_length=length, min_lr=low, max_lr=high)
    t = data.draw(st.integers(0, length - 1))
    cycle = data.draw(st.integers(0, 1000))
    assert schedule(cycle * length + t) == single(t)


@bounded(60)
@given(range_test())
def test_range_test_starts_at_min_lr_and_never_falls(built):
    schedule, horizon = built
    values = [schedule(t) for t in range(1, min(horizon, 400))]
    assert values[0] == schedule.min_lr
    assert values == sorted(values)


@bounded(60)
@given(one_cycle())
def test_one_cycle_starts_and_ends_its_cycle_at_min_lr(built):
    schedule, _ = built
    total = schedule.total_size
    assert schedule(1) == schedule(total + 1) == schedule.min_lr
    assert schedule(schedule.first_step_size + 1) == pytest.approx(schedule.max_lr, rel=ULPS)
    assert all(schedule(total + 1 + k) <= schedule.min_lr for k in (1, 10, 1000))


@bounded(60)
@given(one_cycle_lr(), st.integers(1, 100))
def test_one_cycle_lr_starts_at_initial_lr_and_holds_min_lr(built, after):
    schedule, _ = built
    total = schedule.total_steps
    if schedule.pct_start * total > 1:  # else the rise has no steps: PyTorch starts later
        assert schedule(1) == pytest.approx(schedule.initial_lr, rel=ULPS)
    # exact with 'cos'; 'linear' rounds (min_lr - peak) + peak
    assert schedule(total) == pytest.approx(schedule.min_lr, abs=2 * ULPS * schedule.max_lr)
    assert schedule(total + after) == schedule(total)


@bounded(60)
@given(cyclic_lr())
def test_cyclic_lr_starts_each_cycle_at_base_lr(built):
    schedule, _ = built
    period = schedule.step_size_up + schedule.step_size_down
    assert schedule(1) == schedule(period + 1) == schedule.min_lr
    if schedule.mode == "triangular":
        assert schedule(schedule.step_size_up + 1) == pytest.approx(schedule.max_lr, rel=ULPS)


@bounded(60)
@given(st.data())
def test_create_schedule_ends_where_documented(data):
    name = data.draw(st.sampled_from(SCHEDULE_NAMES))
    total = data.draw(st.integers(2, 5000))
    high = data.draw(lrs)
    cool = round(total / 5) if name == "wsd" else total
    warmup = data.draw(st.integers(0, min(total - 1, total - cool)))
    schedule = create_schedule(name, total_steps=total, lr=high, max_lr=high, warmup=warmup)
    if name == "constant":
        assert schedule(1) == schedule(total) == high
    elif name == "cosine":  # max_lr after the warm-up, max_lr / 100 from total_steps on
        assert schedule(warmup) == pytest.approx(high, rel=ULPS)
        assert schedule(total) == schedule(total + 1) == as_rate("", high / 100)
    elif name == "onecycle":  # max_lr / div_factor / final_div_factor from total_steps on
        assert schedule(total) == schedule(total + 1) == pytest.approx(high / 25 / 1e4,
                                                                       rel=ULPS)
    elif name == "cyclical":  # 2 triangles from max_lr / 10
        cycle = math.ceil(total / 2)
        assert schedule(0) == schedule(cycle) == schedule(2 * cycle) == as_rate("", high / 10)
    else:  # wsd, linear: max_lr after the warm-up, down to 0 in the last `cool` updates
        assert schedule(warmup) == pytest.approx(high, rel=ULPS)
        assert schedule(total + 1) == 0.0
        if name == "linear":
            assert schedule(total) == pytest.approx(0.0, abs=2 * ULPS * high)
        elif cool:  # 1-sqrt: exactly 0, after max_lr until the last fifth
            assert schedule(total) == 0.0
            if total - cool > warmup:
                assert schedule(warmup + 1) == schedule(total - cool) == high


@bounded(60)
@given(wsd())
def test_wsd_warms_up_holds_max_lr_then_falls_to_exactly_min_lr(built):
    schedule, total = built
    warm = schedule.length if isinstance(schedule, LinearWarmUp) else 0
    decay = schedule._child if warm else schedule
    high, low, cool = decay.start_lr, decay.finish_lr, decay.length
    assert schedule(0) == (schedule.start_lr if warm else high)
    assert schedule(warm) == pytest.approx(high, rel=ULPS)
    stable = range(warm + 1, total - cool + 1)
    assert all(schedule(t) == high for t in stable[:50]) and (
        not stable or schedule(stable[-1]) == high)
    falling = [schedule(t) for t in range(total - cool, total + 2)][:400]
    assert falling == sorted(falling, reverse=True)
    end = schedule(total) if cool else schedule(total + 1)
    assert end == pytest.approx(low, abs=line_rounding(decay))
    if decay.shape != "linear":
        assert end == low
    assert schedule(total + 1) == schedule(10 * total) == low


@bounded(60)
@given(one_cycle(), range_test(), st.lists(st.integers(1, 10 ** 6), max_size=10))
def test_from_config_builds_the_same_schedules(one, test, ts):
    for schedule, _ in (one, test):
        names = (("cycle_min_lr", "min_lr"), ("cycle_max_lr", "max_lr"),
                 ("cycle_first_step_size", "first_step_size"),
                 ("cycle_first_stair_count", "first_stair_count"),
                 ("cycle_second_step_size", "second_step_size"),
                 ("cycle_second_stair_count", "second_stair_count"),
                 ("decay_step_size", "decay_step_size"), ("decay_lr_rate", "decay_lr_rate"),
                 ("cycle_min_mom", "min_mom"), ("cycle_max_mom", "max_mom"),
                 ("decay_mom_rate", "decay_mom_rate")) if isinstance(schedule, OneCycle) else (
            ("lr_range_test_min_lr", "min_lr"), ("lr_range_test_step_size", "step_size"),
            ("lr_range_test_step_rate", "step_rate"), ("lr_range_test_staircase", "staircase"))
        params = {key: getattr(schedule, attribute) for key, attribute in names}
        built = from_config({"scheduler": {"type": type(schedule).__name__, "params": params}})
        assert [built(t) for t in ts] == [schedule(t) for t in ts]
