"""Properties of the argument checks: good values pass unchanged, bad ones are named.

Every check of ``gluon_lr._validate`` (and the schedules' ``as_steps``/``as_rate``) returns
a good value unchanged, and raises ValueError or TypeError naming the argument for any
bad one. The public constructors and entry points of the typed modules do the same for a
bad value of each of their checked arguments, whatever the other arguments are.

In CI: 40 property tests of 100 or 40 examples, 1,960 examples in all, and one plain
test per entry point; measured with ``--hypothesis-show-statistics`` on 2 shared cores,
they spent 4.6 s running examples (all three property files: 93 tests, 15 s).
"""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mxnet.gluon.data import SequentialSampler, SimpleDataset

from gluon_lr._validate import (FLOAT32_MAX, FLOAT32_TINY, as_bool, as_callable, as_choice,
                                as_int, as_lr, as_number, check_order)
from gluon_lr.callbacks import ProgressBar
from gluon_lr.data import (ImageArrayDataset, WatchedDataLoader, continuous_loader,
                           finite_loader, image_transform, subset)
from gluon_lr.data.shapes import shapes_dataset
from gluon_lr.optimizers import checked_optimizer
from gluon_lr.sampler import ContinuousBatchSampler, IndexSampler, SeededRandomSampler
from gluon_lr.schedules import (ConstantSchedule, CosineAnnealingSchedule, CyclicalSchedule,
                                CyclicLR, LinearCoolDown, LinearWarmUp, LRRangeTest,
                                OneCycle, OneCycleLR, OneCycleSchedule, TriangularSchedule,
                                create_schedule)
from gluon_lr.schedules.base import MAX_STEPS, as_rate, as_steps
from gluon_lr.threads import plan_threads
from properties import bounded, lrs

names = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)
#: Values of no numeric type (bools are rejected as numbers too).
not_numbers = st.one_of(st.none(), st.booleans(), st.text(max_size=3),
                        st.lists(st.integers(), max_size=2))
not_ints = st.one_of(not_numbers, st.floats())  # 2.0 is no int either
finite = st.floats(allow_nan=False, allow_infinity=False)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])


def raises_naming(name, call, /, *args, **kwargs):
    """Assert that ``call`` raises ValueError or TypeError whose message names ``name``."""
    with pytest.raises((ValueError, TypeError)) as caught:
        call(*args, **kwargs)
    assert name in str(caught.value)


# -- the checks of _validate --------------------------------------------------------------

@bounded(100)
@given(names, st.integers(-10, 10), st.integers(-100, 100))
def test_as_int(name, minimum, value):
    if value >= minimum:
        assert as_int(name, value, minimum) == value
    else:
        raises_naming(name, as_int, name, value, minimum)


@bounded(100)
@given(names, st.one_of(not_numbers, st.floats()))
def test_as_int_rejects_what_is_not_an_int(name, value):
    raises_naming(name, as_int, name, value, 0)


@st.composite
def intervals(draw):
    """``(low, high, low_open, high_open)`` with either side possibly unbounded."""
    low, high = sorted((draw(finite), draw(finite)))
    low_open, high_open = draw(st.booleans()), draw(st.booleans())
    return (draw(st.sampled_from([None, low])), draw(st.sampled_from([None, high])),
            low_open, high_open)


def inside(value, low, high, low_open, high_open):
    return (math.isfinite(value)
            and (low is None or value > low or (value == low and not low_open))
            and (high is None or value < high or (value == high and not high_open)))


@bounded(100)
@given(names, intervals(), st.one_of(finite, non_finite, st.integers()))
def test_as_number(name, interval, value):
    if inside(float(value), *interval):
        checked = as_number(name, value, *interval)
        assert checked == value and type(checked) is float
    else:
        raises_naming(name, as_number, name, value, *interval)


@bounded(40)
@given(names, intervals(), not_numbers)
def test_as_number_rejects_what_is_not_a_number(name, interval, value):
    raises_naming(name, as_number, name, value, *interval)


@bounded(100)
@given(names, st.one_of(finite, non_finite, st.integers()), st.booleans())
def test_as_lr(name, value, allow_zero):
    if (value == 0 and allow_zero) or FLOAT32_TINY <= value <= FLOAT32_MAX:
        # the rate comes back as a float: an int above 2**53 rounds to the nearest one
        assert as_lr(name, value, allow_zero) == float(value)
    else:
        raises_naming(name, as_lr, name, value, allow_zero)


@bounded(40)
@given(names, not_numbers)
def test_as_lr_rejects_what_is_not_a_number(name, value):
    raises_naming(name, as_lr, name, value)


@bounded(40)
@given(names, st.lists(st.text(max_size=3), min_size=1, max_size=5, unique=True),
       st.text(max_size=3))
def test_as_choice(name, choices, value):
    if value in choices:
        assert as_choice(name, value, choices) is value
    else:
        raises_naming(name, as_choice, name, value, choices)


@bounded(40)
@given(names, st.one_of(st.sampled_from([len, print, lambda: None, int]), not_numbers,
                        finite))
def test_as_callable(name, value):
    if callable(value):
        assert as_callable(name, value, "anything") is value
    else:
        raises_naming(name, as_callable, name, value, "anything")


@bounded(40)
@given(names, st.one_of(st.booleans(), not_numbers, st.integers()))
def test_as_bool(name, value):
    if isinstance(value, bool):
        assert as_bool(name, value) is value
    else:
        raises_naming(name, as_bool, name, value)


@bounded(40)
@given(names, names, finite, finite)
def test_check_order(low_name, high_name, low, high):
    if low <= high:
        assert check_order(low_name, low, high_name, high) is None
    else:
        raises_naming(low_name, check_order, low_name, low, high_name, high)
        raises_naming(high_name, check_order, low_name, low, high_name, high)


@bounded(100)
@given(names, st.integers(0, 1), st.one_of(st.integers(-5, 5),
                                           st.integers(MAX_STEPS - 5, MAX_STEPS + 5)))
def test_as_steps(name, minimum, value):
    if minimum <= value <= MAX_STEPS:
        assert as_steps(name, value, minimum) == value
    else:
        raises_naming(name, as_steps, name, value, minimum)


@bounded(100)
@given(names, st.one_of(finite, non_finite, not_numbers))
def test_as_rate(name, value):
    if isinstance(value, bool) or not isinstance(value, float):
        raises_naming(name, as_rate, name, value)
    elif abs(value) < FLOAT32_TINY:
        assert as_rate(name, value) == 0.0
    elif abs(value) <= FLOAT32_MAX:
        assert as_rate(name, value) == value
    else:
        raises_naming(name, as_rate, name, value)


# -- the public constructors and entry points ---------------------------------------------

bad_lrs = st.one_of(st.floats(max_value=-FLOAT32_TINY), st.floats(min_value=1e39),
                    st.floats(min_value=1e-300, max_value=1e-39), non_finite, not_numbers)
bad_counts = st.one_of(st.integers(max_value=0), not_ints)  # for counts >= 1
bad_sizes = st.one_of(st.integers(max_value=-1), not_ints)  # for counts >= 0
bad_fractions = st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0000001),
                          non_finite, not_numbers)  # for (0, 1]
bad_bools = st.one_of(st.none(), st.integers(), st.text(max_size=2))
bad_momenta = st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0), non_finite,
                        not_numbers)

#: (call, good keyword arguments, {checked argument: its bad values})
CHECKED = {
    "TriangularSchedule": (TriangularSchedule, dict(min_lr=0.1, max_lr=1.0, cycle_length=10),
                           dict(min_lr=bad_lrs, max_lr=bad_lrs, cycle_length=bad_counts,
                                inc_fraction=bad_fractions)),
    "CosineAnnealingSchedule": (CosineAnnealingSchedule,
                                dict(min_lr=0.1, max_lr=1.0, cycle_length=10),
                                dict(min_lr=bad_lrs, max_lr=bad_lrs, cycle_length=bad_counts)),
    "LinearWarmUp": (LinearWarmUp, dict(schedule=ConstantSchedule(0.1), start_lr=0, length=5),
                     dict(schedule=not_numbers, start_lr=bad_lrs, length=bad_counts)),
    "LinearCoolDown": (LinearCoolDown, dict(schedule=ConstantSchedule(0.1), finish_lr=0,
                                            start_idx=5, length=5),
                       dict(schedule=not_numbers, finish_lr=bad_lrs, start_idx=bad_sizes,
                            length=bad_sizes)),
    "OneCycleSchedule": (OneCycleSchedule, dict(start_lr=0.1, max_lr=1.0, cycle_length=10),
                         dict(start_lr=bad_lrs, max_lr=bad_lrs, cycle_length=bad_counts)),
    "CyclicalSchedule": (CyclicalSchedule, dict(schedule_class=TriangularSchedule,
                                                cycle_length=10, min_lr=0.1, max_lr=1.0),
                         dict(schedule_class=not_numbers, cycle_length=bad_counts,
                              cycle_length_decay=st.one_of(st.floats(max_value=0.0),
                                                           non_finite, not_numbers),
                              min_lr=bad_lrs)),
    "LRRangeTest": (LRRangeTest, dict(),
                    dict(lr_range_test_min_lr=bad_lrs, lr_range_test_step_size=bad_counts,
                         lr_range_test_step_rate=st.one_of(st.floats(max_value=-1e-9),
                                                           non_finite, not_numbers),
                         lr_range_test_staircase=bad_bools)),
    "OneCycle": (OneCycle, dict(cycle_min_lr=0.1, cycle_max_lr=1.0),
                 dict(cycle_min_lr=bad_lrs, cycle_max_lr=bad_lrs,
                      cycle_first_step_size=bad_counts, cycle_first_stair_count=bad_sizes,
                      decay_step_size=bad_sizes, cycle_momentum=bad_bools,
                      cycle_min_mom=bad_momenta, cycle_max_mom=bad_momenta)),
    "OneCycleLR": (OneCycleLR, dict(max_lr=1.0, total_steps=100),
                   dict(max_lr=bad_lrs, total_steps=bad_counts,
                        pct_start=st.one_of(bad_fractions, st.just(1.0)),
                        anneal_strategy=st.text(max_size=3), three_phase=bad_bools,
                        base_momentum=bad_momenta, max_momentum=bad_momenta)),
    "CyclicLR": (CyclicLR, dict(base_lr=0.1, max_lr=1.0),
                 dict(base_lr=bad_lrs, max_lr=bad_lrs, step_size_up=bad_counts,
                      mode=st.text(max_size=3), gamma=bad_fractions)),
    "ConstantSchedule": (ConstantSchedule, dict(lr=0.1), dict(lr=st.one_of(bad_lrs,
                                                                           st.just(0.0)))),
    "create_schedule": (create_schedule, dict(name="cosine", total_steps=10, max_lr=1.0),
                        dict(name=st.text(max_size=3), total_steps=bad_counts,
                             max_lr=bad_lrs.filter(lambda value: value is not None),
                             min_lr=bad_lrs.filter(lambda value: value is not None),
                             cycles=bad_counts,
                             warmup=st.one_of(bad_sizes, st.integers(10, 100)),
                             pct_start=st.one_of(bad_fractions, st.just(1.0)))),
    "ContinuousBatchSampler": (ContinuousBatchSampler,
                               dict(sampler=SequentialSampler(3), batch_size=2),
                               dict(sampler=st.one_of(st.none(), st.integers(), st.just([])),
                                    batch_size=bad_counts)),
    "SeededRandomSampler": (SeededRandomSampler, dict(length=3, seed=0),
                            dict(length=bad_counts,
                                 seed=st.one_of(bad_sizes, st.integers(min_value=2 ** 32)))),
    "IndexSampler": (IndexSampler, dict(indices=[0, 1]),
                     dict(indices=st.one_of(st.lists(st.integers(max_value=-1), min_size=1),
                                            st.lists(st.floats(0.5, 9.5), min_size=1),
                                            st.just([[0, 1]])))),
    "ProgressBar": (ProgressBar, dict(total=3, desc="demo", enabled=False),
                    dict(total=bad_sizes.filter(lambda value: value is not None),
                         enabled=bad_bools,
                         smoothing=st.one_of(st.floats(max_value=-1e-9),
                                             st.floats(min_value=1.0), non_finite))),
    "continuous_loader": (continuous_loader, dict(dataset=SimpleDataset([1, 2, 3]),
                                                  batch_size=2, seed=0, num_workers=0),
                          dict(batch_size=bad_counts, num_workers=bad_sizes,
                               thread_pool=bad_bools,
                               seed=st.one_of(bad_sizes, st.integers(min_value=2 ** 32)))),
    "finite_loader": (finite_loader, dict(dataset=SimpleDataset([1, 2, 3]), batch_size=2,
                                          num_workers=0),
                      dict(batch_size=bad_counts, num_workers=bad_sizes,
                           thread_pool=bad_bools)),
    "WatchedDataLoader": (WatchedDataLoader, dict(dataset=SimpleDataset([1]), batch_size=1),
                          dict(poll_interval=st.one_of(st.floats(max_value=0.0), non_finite,
                                                       not_numbers))),
    "subset": (subset, dict(dataset=SimpleDataset([1, 2, 3]), n=2),
               dict(n=st.one_of(bad_counts, st.integers(min_value=4)), seed=bad_sizes)),
    "shapes_dataset": (shapes_dataset, dict(n=10),
                       dict(n=st.one_of(st.integers(max_value=9), not_ints), seed=bad_sizes)),
    "image_transform": (image_transform, dict(augment=True),
                        dict(augment=bad_bools, seed=st.one_of(st.integers(max_value=-1),
                                                               st.floats(), st.text()))),
    "ImageArrayDataset": (ImageArrayDataset, dict(images=[[[[0]]]], labels=[0]),
                          dict(image_fn=st.one_of(st.integers(), st.text(max_size=2)))),
    "plan_threads": (plan_threads, dict(), dict(
        threads=bad_counts.filter(lambda value: value is not None),
        loader_processes=bad_sizes)),
    "checked_optimizer": (checked_optimizer, dict(optimizer="sgd", optimizer_params={}),
                          dict(optimizer=st.one_of(st.integers(), st.just("no-such"))))}


@pytest.mark.parametrize("label", sorted(CHECKED))
def test_the_good_arguments_pass(label):
    call, good, _ = CHECKED[label]
    call(**good)


@pytest.mark.parametrize("label", sorted(CHECKED))
@bounded(40)
@given(data=st.data())
def test_a_bad_argument_is_named(label, data):
    call, good, checked = CHECKED[label]
    argument = data.draw(st.sampled_from(sorted(checked)), label="argument")
    value = data.draw(checked[argument], label="value")
    raises_naming(argument, call, **dict(good, **{argument: value}))


@bounded(40)
@given(st.sampled_from([("sgd", "momentum"), ("adam", "beta1"), ("adam", "beta2"),
                        ("sgd", "wd"), ("adam", "learning_rate")]),
       st.one_of(st.floats(max_value=-1e-9), non_finite, not_numbers.filter(
           lambda value: value is not None)))
def test_checked_optimizer_names_a_bad_parameter(case, value):
    optimizer, key = case
    raises_naming("optimizer_params[{!r}]".format(key), checked_optimizer, optimizer,
                  {key: value})


@bounded(40)
@given(st.tuples(lrs, lrs).filter(lambda pair: pair[0] != pair[1]).map(sorted),
       st.sampled_from([(TriangularSchedule, "min_lr", "max_lr"),
                        (CosineAnnealingSchedule, "min_lr", "max_lr"),
                        (OneCycleSchedule, "start_lr", "max_lr"),
                        (CyclicLR, "base_lr", "max_lr")]))
def test_bounds_in_the_wrong_order_are_both_named(pair, case):
    cls, low_name, high_name = case
    low, high = pair
    length = {"step_size_up": 5} if cls is CyclicLR else {"cycle_length": 5}
    arguments = dict(length, **{low_name: high, high_name: low})
    raises_naming(low_name, cls, **arguments)
    raises_naming(high_name, cls, **arguments)


@bounded(40)
@given(st.data())
def test_good_arguments_are_kept_unchanged(data):
    low, high = sorted((data.draw(lrs), data.draw(lrs)))
    length = data.draw(st.integers(1, MAX_STEPS))
    fraction = data.draw(st.floats(1e-9, 1.0))
    schedule = TriangularSchedule(low, high, length, inc_fraction=fraction)
    assert (schedule.min_lr, schedule.max_lr, schedule.cycle_length,
            schedule.inc_fraction) == (low, high, length, fraction)
