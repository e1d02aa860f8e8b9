"""MXNet "Advanced Learning Rate Schedules" tutorial: exact values, purity, parity, errors."""
import copy
import math
import re

import matplotlib.pyplot as plt
import mxnet as mx
import pytest

import gluon_lr.schedules as gs
from gluon_lr.plotting import plot_schedule
from gluon_lr.schedules import (CosineAnnealingSchedule, CyclicalSchedule, LinearCoolDown,
                                LinearWarmUp, OneCycleSchedule, TriangularSchedule)


def tutorial_steps():
    """The tutorials' ``MultiFactorScheduler(step=[250, 750, 900], factor=0.5)``, base_lr 1."""
    schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    schedule.base_lr = 1
    return schedule


# -- value tables, computed by hand from the tutorial's formulas ---------------------------

def test_slanted_triangle_table():
    s = TriangularSchedule(min_lr=1, max_lr=2, cycle_length=1000, inc_fraction=0.2)
    # up over 200 iterations (+1/200 each), down over 800 (-1/800 each), then min_lr
    table = {0: 1.0, 1: 1.005, 100: 1.5, 200: 2.0, 201: 2 - 1 / 800, 600: 1.5,
             999: 1 + 1 / 800, 1000: 1.0, 1001: 1.0, 5000: 1.0}
    for t, lr in table.items():
        assert s(t) == pytest.approx(lr, rel=1e-12), t


def test_cosine_table():
    s = CosineAnnealingSchedule(min_lr=1, max_lr=2, cycle_length=1000)
    assert s(0) == 2.0
    assert s(1) == pytest.approx(1 + (1 + math.cos(math.pi / 1000)) / 2, rel=1e-15)
    assert s(250) == pytest.approx(1 + (1 + math.sqrt(0.5)) / 2, rel=1e-15)
    assert s(500) == 1.5
    assert s(1000) == 1.0
    assert s(1001) == 1.0


def test_warm_up_over_multifactor_matches_the_tutorial():
    s = LinearWarmUp(tutorial_steps(), start_lr=0, length=250)
    # warm-up t/250, then MultiFactor(t - 250): halvings after 250, 750, 900 of the child
    table = {0: 0.0, 1: 0.004, 125: 0.5, 250: 1.0, 251: 1.0, 500: 1.0, 501: 0.5,
             1000: 0.5, 1001: 0.25, 1150: 0.25, 1151: 0.125, 1500: 0.125}
    for t, lr in table.items():
        assert s(t) == pytest.approx(lr, rel=1e-12), t
    assert s.finish_lr == 1.0


def test_cool_down_over_multifactor_matches_the_tutorial():
    s = LinearCoolDown(tutorial_steps(), finish_lr=0.001, start_idx=1000, length=500)
    assert s.start_lr == 0.125  # "from 0.125 to 0.001 over 500 iterations"
    table = {1: 1.0, 250: 1.0, 251: 0.5, 750: 0.5, 751: 0.25, 900: 0.25, 901: 0.125,
             1000: 0.125, 1250: 0.063, 1500: 0.001, 1501: 0.001, 3000: 0.001}
    for t, lr in table.items():
        assert s(t) == pytest.approx(lr, rel=1e-12), t


def test_one_cycle_schedule_table():
    s = OneCycleSchedule(start_lr=0.1, max_lr=0.5, cycle_length=500, cooldown_length=750,
                         finish_lr=0.001)
    table = {0: 0.1, 1: 0.1 + 0.4 / 250, 250: 0.5, 251: 0.5 - 0.4 / 250, 500: 0.1,
             875: 0.1 - 0.099 / 2, 1250: 0.001, 1251: 0.001}
    for t, lr in table.items():
        assert s(t) == pytest.approx(lr, rel=1e-12), t


def test_one_cycle_schedule_without_cool_down_stays_at_start_lr():
    s = OneCycleSchedule(start_lr=0.1, max_lr=0.5, cycle_length=500)
    assert [s(t) for t in (250, 500, 501, 10 ** 6)] == pytest.approx([0.5, 0.1, 0.1, 0.1])


def test_cyclical_triangle_table():
    s = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=2, cycle_length=500)
    table = {0: 0.5, 125: 1.25, 250: 2.0, 499: 0.5 + 1.5 / 250, 500: 0.5, 750: 2.0,
             1000: 0.5, 1499: 0.5 + 1.5 / 250}
    for t, lr in table.items():
        assert s(t) == pytest.approx(lr, rel=1e-12), t


def test_sgdr_cycle_boundaries():
    s = CyclicalSchedule(CosineAnnealingSchedule, min_lr=0.01, max_lr=2, cycle_length=250,
                         cycle_length_decay=2, cycle_magnitude_decay=0.5)

    def cosine(offset, length):
        return (1 + math.cos(offset * math.pi / length)) / 2 * 1.99 + 0.01

    # cycles: [0, 250) length 250, [250, 750) length 500 x0.5, [750, 1750) length 1000 x0.25,
    # then [1750, 3750) length 2000 x0.125; each cycle starts at max_lr times its magnitude
    table = {0: 2.0, 249: cosine(249, 250), 250: 1.0, 500: 0.5 * cosine(250, 500),
             749: 0.5 * cosine(499, 500), 750: 0.5, 1749: 0.25 * cosine(999, 1000),
             1750: 0.25}
    for t, lr in table.items():
        assert s(t) == pytest.approx(lr, rel=1e-12), t


def test_cyclical_length_decay_below_one_shrinks_cycles():
    s = CyclicalSchedule(TriangularSchedule, min_lr=0, max_lr=1, cycle_length=4,
                         cycle_length_decay=0.5)
    # cycle lengths 4, 2, 1, 1, ...: each cycle restarts at min_lr (offset 0)
    assert [s(t) for t in range(4, 9)] == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert s(1) == 0.5 and s(5) == 1.0


# -- tutorial parity: the tutorial's cells, run against an independent oracle ---------------

class OracleTriangular:
    """The tutorial's TriangularSchedule, re-implemented from its formula (the oracle)."""

    def __init__(self, min_lr, max_lr, cycle_length, inc_fraction=0.5):
        self.lo, self.hi, self.n, self.f = min_lr, max_lr, cycle_length, inc_fraction

    def __call__(self, i):
        if i <= self.n * self.f:
            unit = i * 1 / (self.n * self.f)
        elif i <= self.n:
            unit = (self.n - i) * 1 / (self.n * (1 - self.f))
        else:
            unit = 0
        return (unit * (self.hi - self.lo)) + self.lo


class OracleCosine:
    def __init__(self, min_lr, max_lr, cycle_length):
        self.lo, self.hi, self.n = min_lr, max_lr, cycle_length

    def __call__(self, i):
        if i > self.n:
            return self.lo
        return ((1 + math.cos(i * math.pi / self.n)) / 2 * (self.hi - self.lo)) + self.lo


class OracleWarmUp:
    """Calls the (stateful) child directly, in order, as the tutorial does."""

    def __init__(self, schedule, start_lr, length):
        self.child, self.start, self.length = schedule, start_lr, length
        self.finish = copy.copy(schedule)(0)

    def __call__(self, i):
        if i <= self.length:
            return i * (self.finish - self.start) / (self.length) + self.start
        return self.child(i - self.length)


class OracleCoolDown:
    def __init__(self, schedule, finish_lr, start_idx, length):
        self.child, self.finish, self.first, self.length = schedule, finish_lr, start_idx, length
        self.start = copy.copy(schedule)(start_idx)

    def __call__(self, i):
        if i <= self.first:
            return self.child(i)
        if i <= self.first + self.length:
            return (i - self.first) * (self.finish - self.start) / (self.length) + self.start
        return self.finish


class OracleOneCycle:
    def __init__(self, start_lr, max_lr, cycle_length, cooldown_length=0, finish_lr=None):
        finish = finish_lr if cooldown_length > 0 else start_lr
        self.inner = OracleCoolDown(OracleTriangular(start_lr, max_lr, cycle_length), finish,
                                    cycle_length, cooldown_length)

    def __call__(self, i):
        return self.inner(i)


class OracleCyclical:
    def __init__(self, schedule_class, cycle_length, cycle_length_decay=1,
                 cycle_magnitude_decay=1, **kwargs):
        self.cls, self.first, self.grow, self.shrink, self.kwargs = (
            schedule_class, cycle_length, cycle_length_decay, cycle_magnitude_decay, kwargs)

    def __call__(self, i):
        index, length, end = 0, self.first, self.first
        while end <= i:
            length = math.ceil(length * self.grow)
            index += 1
            end += length
        return self.cls(cycle_length=length, **self.kwargs)(i - end + length) * self.shrink ** index


ORACLE = {"TriangularSchedule": OracleTriangular, "CosineAnnealingSchedule": OracleCosine,
          "LinearWarmUp": OracleWarmUp, "LinearCoolDown": OracleCoolDown,
          "OneCycleSchedule": OracleOneCycle, "CyclicalSchedule": OracleCyclical}

# The usage lines of the tutorials' schedule cells, verbatim (plot_schedule(schedule) follows).
TUTORIAL_CELLS = [
    "schedule = TriangularSchedule(min_lr=1, max_lr=2, cycle_length=1000, inc_fraction=0.2)",
    "schedule = CosineAnnealingSchedule(min_lr=1, max_lr=2, cycle_length=1000)",
    "schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)\n"
    "schedule.base_lr = 1\n"
    "schedule = LinearWarmUp(schedule, start_lr=0, length=250)",
    "schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)\n"
    "schedule.base_lr = 1\n"
    "schedule = LinearCoolDown(schedule, finish_lr=0.001, start_idx=1000, length=500)",
    "schedule = OneCycleSchedule(start_lr=0.1, max_lr=0.5, cycle_length=500, "
    "cooldown_length=750, finish_lr=0.001)",
    "schedule = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=2, cycle_length=500)",
    "schedule = CyclicalSchedule(CosineAnnealingSchedule, min_lr=0.01, max_lr=2,\n"
    "                            cycle_length=250, cycle_length_decay=2, "
    "cycle_magnitude_decay=0.5)",
    # the basic "Learning Rate Schedules" tutorial's custom schedule
    "schedule = CosineAnnealingSchedule(min_lr=0, max_lr=1, cycle_length=1000)",
]


def _run_cell(cell, classes):
    namespace = dict(classes, mx=mx)
    exec(cell, namespace)  # pylint: disable=exec-used
    return namespace["schedule"]


@pytest.mark.parametrize("cell", TUTORIAL_CELLS, ids=lambda c: c.split("(")[-2][-28:])
def test_tutorial_cells_give_identical_values(cell):
    ours = _run_cell(cell, {name: getattr(gs, name) for name in ORACLE})
    oracle = _run_cell(cell, ORACLE)
    ax = plot_schedule(ours, show=False)  # the tutorial's plot, iterations 1..1500
    plotted = [float(y) for _, y in ax.collections[0].get_offsets()]
    plt.close(ax.figure)
    expected = [oracle(i) for i in range(1, 1501)]  # in order: stateful children advance
    assert [ours(i) for i in range(1, 1501)] == expected
    assert plotted == pytest.approx(expected, rel=1e-7)  # matplotlib stores float32-safe


# -- purity around MXNet's stateful schedulers ---------------------------------------------

@pytest.mark.parametrize("make", [
    lambda child: LinearWarmUp(child, start_lr=0, length=250),
    lambda child: LinearCoolDown(child, finish_lr=0.001, start_idx=1000, length=500),
])
def test_wrappers_never_touch_the_mxnet_scheduler_and_are_pure(make):
    child = tutorial_steps()
    before = dict(vars(child))
    s = make(child)
    forward = [s(t) for t in range(1, 1501)]
    backward = [s(t) for t in reversed(range(1, 1501))][::-1]
    assert forward == backward
    assert vars(child) == before
    assert child(1000) == 0.125  # still usable from scratch by its owner


def test_poly_scheduler_past_max_update_gives_the_optimizer_value():
    poly = mx.lr_scheduler.PolyScheduler(max_update=100, base_lr=1.0, pwr=2)
    s = LinearWarmUp(poly, start_lr=0, length=10)
    assert s(1000) == 0.0  # a fresh PolyScheduler would return its base_lr (1.0) here
    assert s(60) == pytest.approx((1 - 50 / 100) ** 2)


def test_children_momentum_is_rebased():
    child = gs.OneCycleLR(max_lr=0.1, total_steps=100)
    warm = LinearWarmUp(child, start_lr=0, length=10)
    cool = LinearCoolDown(child, finish_lr=0, start_idx=50, length=10)
    assert warm.momentum(5) == child.momentum(0)
    assert warm.momentum(40) == child.momentum(30)
    assert cool.momentum(30) == child.momentum(30)
    assert cool.momentum(90) == child.momentum(50)
    assert LinearWarmUp(TriangularSchedule(0, 1, 10), 0, 5).momentum(3) is None


# -- bad arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda: TriangularSchedule(1, 2, 0), ValueError, "cycle_length must be an int >= 1"),
    (lambda: TriangularSchedule(1, 2, -5), ValueError, "cycle_length must be an int >= 1"),
    (lambda: TriangularSchedule(1, 2, 10.5), TypeError, "cycle_length must be an int"),
    (lambda: TriangularSchedule(2, 1, 10), ValueError, "min_lr must be <= max_lr"),
    (lambda: TriangularSchedule(1, 2, 10, inc_fraction=0), ValueError, "inc_fraction"),
    (lambda: TriangularSchedule(-1, 2, 10), ValueError,
     "min_lr must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got -1.0"),
    (lambda: CosineAnnealingSchedule(1, 2, 0), ValueError, "cycle_length must be an int >= 1"),
    (lambda: CosineAnnealingSchedule(3, 2, 10), ValueError, "min_lr must be <= max_lr"),
    (lambda: CosineAnnealingSchedule("1", 2, 10), TypeError,
     "min_lr must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got '1'"),
    (lambda: LinearWarmUp(TriangularSchedule(1, 2, 10), 0, 0), ValueError,
     "length must be an int >= 1"),
    (lambda: LinearWarmUp(0.1, 0, 10), TypeError, "schedule must be callable"),
    (lambda: LinearCoolDown(TriangularSchedule(1, 2, 10), 0, -1, 5), ValueError,
     "start_idx must be an int >= 0"),
    (lambda: OneCycleSchedule(0.1, 0.5, 500, cooldown_length=750), ValueError,
     "Must specify finish_lr when using cooldown_length > 0."),
    (lambda: OneCycleSchedule(0.1, 0.5, 500, finish_lr=0.001), ValueError,
     "Must specify cooldown_length > 0 when using finish_lr."),
    (lambda: OneCycleSchedule(0.5, 0.1, 500), ValueError,
     "start_lr must be <= max_lr, got start_lr = 0.5 and max_lr = 0.1"),
    (lambda: CyclicalSchedule(TriangularSchedule, 0, min_lr=0, max_lr=1), ValueError,
     "cycle_length must be an int >= 1"),
    (lambda: CyclicalSchedule(TriangularSchedule, 10, cycle_length_decay=0, min_lr=0,
                              max_lr=1), ValueError, "cycle_length_decay"),
    (lambda: CyclicalSchedule(TriangularSchedule, 10, min_lr=0, max_lr=1, bogus=1), TypeError,
     "bogus"),
    (lambda: CyclicalSchedule(None, 10), TypeError, "schedule_class must be"),
])
def test_bad_arguments_raise_clear_errors(build, error, message):
    with pytest.raises(error, match=re.escape(message)):
        build()


LR_RANGE = "0 or a number in [1.1754944e-38, 3.4028235e+38] (float32)"


@pytest.mark.parametrize("build, error, message", [
    # the user's argument is named, not start_lr -> min_lr or cooldown_length -> length
    (lambda: OneCycleSchedule(0.1, 0.5, 500, cooldown_length="5", finish_lr=0.001), TypeError,
     "cooldown_length must be an int >= 0, got '5'"),
    (lambda: OneCycleSchedule(0.1, 0.5, 500, cooldown_length=None), TypeError,
     "cooldown_length must be an int >= 0, got None"),
    (lambda: OneCycleSchedule(0.1, 0.5, 500, cooldown_length=-1), ValueError,
     "cooldown_length must be an int >= 0, got -1"),
    (lambda: OneCycleSchedule(0.1, 0.5, 500, cooldown_length=7.5, finish_lr=0.001), TypeError,
     "cooldown_length must be an int >= 0, got 7.5"),
    (lambda: OneCycleSchedule("0.1", 0.5, 500), TypeError,
     "start_lr must be {}, got '0.1'".format(LR_RANGE)),
    (lambda: OneCycleSchedule(-0.1, 0.5, 500), ValueError,
     "start_lr must be {}, got -0.1".format(LR_RANGE)),
    (lambda: OneCycleSchedule(0.1, 1e300, 500), ValueError,
     "max_lr must be {}, got 1e+300".format(LR_RANGE)),
    (lambda: OneCycleSchedule(0.1, 0.5, 500, 10, finish_lr=1e-300), ValueError,
     "finish_lr must be {}, got 1e-300".format(LR_RANGE)),
    (lambda: OneCycleSchedule(0.1, 0.5, 0), ValueError, "cycle_length must be an int >= 1, got 0"),
    # learning rates in float32's range
    (lambda: TriangularSchedule(1, 1e300, 10), ValueError,
     "max_lr must be {}, got 1e+300".format(LR_RANGE)),
    (lambda: CosineAnnealingSchedule(1e-300, 1, 10), ValueError,
     "min_lr must be {}, got 1e-300".format(LR_RANGE)),
    (lambda: LinearWarmUp(TriangularSchedule(1, 2, 10), start_lr=4e38, length=5), ValueError,
     "start_lr must be {}, got 4e+38".format(LR_RANGE)),
    (lambda: LinearCoolDown(TriangularSchedule(1, 2, 10), finish_lr=float("nan"), start_idx=5,
                            length=5), ValueError, "finish_lr must be {}, got nan".format(LR_RANGE)),
    (lambda: CyclicalSchedule(TriangularSchedule, 10, min_lr=0, max_lr=1e39), ValueError,
     "max_lr must be {}, got 1e+39".format(LR_RANGE)),
    # lengths and indices are ints up to 2**53
    (lambda: TriangularSchedule(1, 2, 2 ** 53 + 1), ValueError,
     "cycle_length must be an int in [1, 2**53], got 9007199254740993"),
    (lambda: CosineAnnealingSchedule(1, 2, 10 ** 400), ValueError,
     "cycle_length must be an int in [1, 2**53], got 1000000"),
    (lambda: LinearCoolDown(TriangularSchedule(1, 2, 10), 0, 2 ** 60, 5), ValueError,
     "start_idx must be an int in [0, 2**53], got 1152921504606846976"),
    (lambda: CyclicalSchedule(TriangularSchedule, "10", min_lr=0, max_lr=1), TypeError,
     "cycle_length must be an int >= 1, got '10'"),
    (lambda: CyclicalSchedule(TriangularSchedule, 10, cycle_magnitude_decay=-1, min_lr=0,
                              max_lr=1), ValueError,
     "cycle_magnitude_decay must be a number in (0, inf), got -1.0"),
    # children that are no learning-rate schedules
    (lambda: LinearWarmUp(lambda t: None, start_lr=0, length=5), TypeError,
     "schedule(0) must be a number (a learning rate), got None"),
    (lambda: LinearCoolDown(lambda t: float("inf"), 0, 3, 2), ValueError,
     "schedule(3) must be a finite number of magnitude <= 3.4028235e+38 (float32), got inf"),
    (lambda: CyclicalSchedule(lambda cycle_length: 5, 10), TypeError,
     "schedule_class(cycle_length=10) must be callable (iteration -> learning rate), got 5"),
    (lambda: CyclicalSchedule(lambda cycle_length: (lambda t: "0.1"), 10), TypeError,
     "schedule_class(cycle_length=10)(0) must be a number (a learning rate), got '0.1'"),
    (lambda: CyclicalSchedule(42, 10), TypeError,
     "schedule_class must be callable (a schedule class taking cycle_length), got 42"),
    (lambda: LinearWarmUp(lambda t: None if t > 3 else 0.5, 0, 2)(6), TypeError,
     "LinearWarmUp(6) must be a number (a learning rate), got None"),
])
def test_bad_arguments_name_the_users_argument(build, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        build()


@pytest.mark.parametrize("t, error, message", [
    (2 ** 53 + 1, ValueError, "iteration must be an int in [0, 2**53], got 9007199254740993"),
    (-1, ValueError, "iteration must be an int >= 0, got -1"),
    ("5", TypeError, "iteration must be an int >= 0, got '5'"),
])
def test_iteration_is_bounded_by_2_to_the_53(t, error, message):
    s = TriangularSchedule(1, 2, 10)
    assert s(2 ** 53) == 1.0
    for call in (s, s.momentum):
        with pytest.raises(error, match="^" + re.escape(message) + "$"):
            call(t)


# -- cycle lengths and magnitudes at the edges -----------------------------------------------

def test_a_huge_cycle_length_decay_gives_one_endless_cycle():
    # ceil(10 * 1e308) overflows a float: the second cycle lasts 2**53 iterations, the largest
    s = CyclicalSchedule(TriangularSchedule, min_lr=0, max_lr=1, cycle_length=10,
                         cycle_length_decay=1e308)
    assert [s(t) for t in (0, 5, 9, 10)] == [0.0, 1.0, 0.2, 0.0]
    assert s(25) == 15 / 2 ** 52  # up 1 / 2**52 per iteration, over 2**52 iterations
    assert s(10 + 2 ** 52) == 1.0
    assert s(2 ** 53) == 10 / 2 ** 52  # still in the second cycle
    sgdr = CyclicalSchedule(CosineAnnealingSchedule, min_lr=0.01, max_lr=2, cycle_length=250,
                            cycle_length_decay=1e300, cycle_magnitude_decay=0.5)
    assert sgdr(250) == 1.0 and sgdr(10 ** 15) == 0.5 * (
        (1 + math.cos((10 ** 15 - 250) * math.pi / 2 ** 53)) / 2 * 1.99 + 0.01)


def test_cycle_lengths_are_capped_at_2_to_the_53():
    s = CyclicalSchedule(TriangularSchedule, min_lr=0, max_lr=1, cycle_length=2 ** 52,
                         cycle_length_decay=3)
    assert s._locate(2 ** 52 - 1) == (0, 2 ** 52, 2 ** 52 - 1)
    assert s._locate(2 ** 52) == (1, 2 ** 53, 0)  # not 3 * 2**52
    assert s._locate(2 ** 53) == (1, 2 ** 53, 2 ** 52)
    assert s(2 ** 53) == 1.0  # the peak of the second cycle


def test_constant_cycles_are_located_without_walking_them():
    s = CyclicalSchedule(TriangularSchedule, min_lr=0, max_lr=1, cycle_length=4,
                         cycle_length_decay=0.5)
    # lengths 4, 2, 1, 1, ...: iteration 6 + i starts cycle 2 + i
    assert s._locate(2 ** 53) == (2 ** 53 - 4, 1, 0)
    assert s._locate(5) == (1, 2, 1)
    assert CyclicalSchedule(TriangularSchedule, min_lr=0, max_lr=1,
                            cycle_length=500)._locate(10 ** 12 + 7) == (2 * 10 ** 9, 500, 7)


def test_rates_below_float32_become_zero_and_above_it_raise():
    tiny = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=1, cycle_length=2,
                            cycle_magnitude_decay=2.0 ** -64)
    # 0.5 * 2**-128 is below float32's smallest normal number: MXNet rejects it, 0 it is
    assert [tiny(t) for t in (0, 2, 4)] == [0.5, 2.0 ** -65, 0.0]
    huge = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=1, cycle_length=2,
                            cycle_magnitude_decay=2.0 ** 64)
    assert huge(4) == 2.0 ** 127
    with pytest.raises(ValueError, match=re.escape(
            "CyclicalSchedule(6) must be a finite number of magnitude <= 3.4028235e+38 "
            "(float32), got 3.1385508676933404e+57")):
        huge(6)
    overflowing = CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=1, cycle_length=2,
                                   cycle_magnitude_decay=1e300)
    with pytest.raises(ValueError, match=re.escape("CyclicalSchedule(4) must be a finite "
                                                   "number of magnitude <= 3.4028235e+38 "
                                                   "(float32), got inf")):
        overflowing(4)  # 1e300 ** 2 overflows


@pytest.mark.parametrize("t, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_iteration_must_be_a_non_negative_int(t, error):
    with pytest.raises(error, match="iteration must be an int >= 0"):
        TriangularSchedule(1, 2, 10)(t)
