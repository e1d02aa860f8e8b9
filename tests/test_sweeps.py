"""The sweep as one object: rates, length and end, arguments, and find(sweep=...)."""
import mxnet as mx
import pytest

from gluon_lr import ExponentialSweep, Learner, LinearSweep, LRFinder, LRFinderStoppingCriteria, \
    build_sweep
from helpers import make_batches, make_net


def finder_on_a_fresh_learner():
    return LRFinder(Learner(make_net(seed=3), make_batches(100, seed=5), mx.cpu()))


@pytest.mark.parametrize("arguments, sweep", [
    ({"lr_start": 1e-4, "lr_multiplier": 1.5}, ExponentialSweep(1e-4, 1.5)),
    ({"lr_start": 1e-5, "lr_end": 1.0, "num_points": 12},
     ExponentialSweep(1e-5, lr_end=1.0, num_points=12)),
    ({"lr_start": 0.01, "mode": "linear", "step_size": 4, "step_rate": 2.0, "staircase": True,
      "max_iter": 9}, LinearSweep(0.01, 4, 2.0, True, max_iter=9)),
    ({"lr_start": 0.5, "mode": "linear", "lr_end": 3.0}, LinearSweep(0.5, lr_end=3.0)),
], ids=["multiplier", "num_points", "linear-staircase", "linear-lr_end"])
def test_the_tutorial_arguments_and_the_sweep_they_describe_run_the_same_sweep(arguments,
                                                                                sweep):
    by_arguments, by_object = finder_on_a_fresh_learner(), finder_on_a_fresh_learner()
    results = by_arguments.find(progress=False, **arguments)
    # the tutorial's arguments bring the tutorial's stopping rule; a sweep object does not
    assert by_object.find(sweep=sweep, stopping_criteria=LRFinderStoppingCriteria(),
                          progress=False) == results
    assert by_object.stop_reason == by_arguments.stop_reason
    assert by_object.sweep is sweep and repr(by_arguments.sweep) == repr(sweep)
    assert by_object.planned_iterations == by_arguments.planned_iterations == sweep.num_points
    assert [lr for lr, _ in results] == sweep.lrs()[:len(results)]


def test_an_exponential_sweep_describes_itself():
    sweep = ExponentialSweep(1e-3, 2.0, lr_end=0.05, max_iter=100)
    assert repr(sweep) == "ExponentialSweep(lr_start=0.001, lr_end=0.05, max_iter=100, " \
                          "lr_multiplier=2.0)"
    assert sweep.describe() == {"lr_start": 1e-3, "lr_end": 0.05, "max_iter": 100,
                                "mode": "exponential", "lr_multiplier": 2.0}
    assert sweep.num_points == 6 and sweep(6) == sweep.lr(6) == 0.032
    assert [sweep(step) for step in (6, 2, 6, 1)] == [0.032, 0.002, 0.032, 0.001]
    assert sweep.lrs() == [0.001, 0.002, 0.004, 0.008, 0.016, 0.032]
    assert [sweep.end_reason(step) for step in (1, 5, 6)] == [None, None, "lr_end"]
    assert ExponentialSweep(1e-3, 2.0, lr_end=0.05, max_iter=4).end_reason(4) == "max_iter"


def test_num_points_sets_the_multiplier_once_and_caps_the_length():
    sweep = ExponentialSweep(1e-7, lr_end=10.0, num_points=100)
    assert sweep.lr_multiplier == (10.0 / 1e-7) ** (1 / 99)
    assert (sweep.max_iter, sweep.num_points) == (100, 100)
    assert sweep.lrs()[-1] == pytest.approx(10.0, rel=1e-12)
    assert ExponentialSweep(1e-7, lr_end=10.0, num_points=100, max_iter=30).num_points == 30
    assert ExponentialSweep(1e-7, lr_end=10.0, num_points=100, max_iter=None).max_iter == 100


def test_a_linear_sweep_describes_itself():
    sweep = LinearSweep(1.0, step_size=3, staircase=True, lr_end=2.5)
    assert repr(sweep) == "LinearSweep(lr_start=1.0, lr_end=2.5, max_iter=1000, step_size=3, " \
                          "step_rate=1.0, staircase=True)"
    assert sweep.describe() == {"lr_start": 1.0, "lr_end": 2.5, "max_iter": 1000,
                                "mode": "linear", "step_size": 3, "step_rate": 1.0,
                                "staircase": True}
    assert sweep.lrs() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    assert LinearSweep(0.1, step_size=3, step_rate=0.5, lr_end=0.2).num_points == 7


@pytest.mark.parametrize("sweep", [
    ExponentialSweep(1e-6), ExponentialSweep(1e-3, 1.07, lr_end=2.0, max_iter=None),
    ExponentialSweep(1e-7, lr_end=10.0, num_points=75), ExponentialSweep(3e-5, 1.3, lr_end=0.7),
    LinearSweep(1e-3, 7, 0.3, lr_end=0.01), LinearSweep(1e-3, 7, 0.3, True, lr_end=0.01),
    LinearSweep(0.02, 1, 4.0, lr_end=1.0, max_iter=None), LinearSweep(0.1, lr_end=None),
], ids=repr)
def test_num_points_is_where_the_sweep_ends(sweep):
    ends = [step for step in range(1, 2000) if sweep.end_reason(step) is not None]
    assert ends[0] == sweep.num_points == len(sweep.lrs())
    assert all(lr <= (sweep.lr_end or 3.5e38) * (1 + 1e-9) for lr in sweep.lrs())


def test_without_caps_a_linear_sweep_ends_below_float32s_largest_value():
    sweep = LinearSweep(1e36, lr_end=None, max_iter=None)      # step k: k * 1e36
    assert sweep.num_points is None
    assert (sweep.end_reason(339), sweep.end_reason(340)) == (None, "lr_end")
    with pytest.raises(ValueError, match="neither lr_end nor max_iter"):
        sweep.lrs()
    # the rates pass float32's largest value only after 2**53 steps, where schedules stop
    assert LinearSweep(1e-6, lr_end=3e38, max_iter=None).num_points == 2 ** 53


@pytest.mark.parametrize("make, error, message", [
    (lambda: ExponentialSweep(0.0), ValueError, r"lr_start must be a number in \[1.1754944e-38"),
    (lambda: ExponentialSweep(1e-3, 1.0), ValueError, r"lr_multiplier must be a number in \(1, "),
    (lambda: ExponentialSweep(1e-3, lr_end=1e-4), ValueError,
     r"lr_end must be a number in \[0.001, inf\)"),
    (lambda: ExponentialSweep(1e-3, max_iter=0), ValueError, "max_iter must be an int >= 1"),
    (lambda: ExponentialSweep(1e-3, num_points=1), ValueError, "num_points must be an int >= 2"),
    (lambda: ExponentialSweep(1e-3, lr_end=None, num_points=5), ValueError,
     "num_points needs mode='exponential' and lr_end"),
    (lambda: ExponentialSweep(1e-3, 2.0, num_points=5), ValueError, "replaces lr_multiplier"),
    (lambda: LinearSweep(1e-3, step_size=0), ValueError, "step_size must be an int >= 1"),
    (lambda: LinearSweep(1e-3, step_rate=0.0), ValueError, r"step_rate must be a number in \(0, "),
    (lambda: LinearSweep(1e-3, staircase=1), TypeError, "staircase must be True or False"),
    (lambda: ExponentialSweep(1e-3).lr(0), ValueError, "step must be an int >= 1, got 0"),
    (lambda: build_sweep(mode="cosine"), ValueError, "mode must be one of 'exponential', "
                                                     "'linear', got 'cosine'"),
    (lambda: build_sweep(staircase=True), ValueError, "apply to mode='linear' only"),
    (lambda: build_sweep(mode="linear", num_points=5), ValueError,
     "num_points needs mode='exponential'"),
])
def test_bad_sweep_arguments_name_the_argument_and_its_range(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("arguments, message", [
    ({"lr_start": 1e-3}, "pass sweep or lr_start, not both"),
    ({"max_iter": None, "mode": "linear"}, "pass sweep or max_iter, mode, not both"),
    ({"sweep": [1e-3, 1e-2]}, r"sweep must be a Sweep such as ExponentialSweep\(...\)"),
])
def test_find_takes_a_sweep_or_its_arguments_not_both(arguments, message):
    finder = finder_on_a_fresh_learner()
    arguments.setdefault("sweep", ExponentialSweep(1e-3))
    with pytest.raises(TypeError, match=message):
        finder.find(progress=False, **arguments)
    assert finder.results == [] and finder.learner.trainer.optimizer.num_update == 0
