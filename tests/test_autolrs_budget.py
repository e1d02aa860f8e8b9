"""AutoLRS at a budget: lengths fitted to it, the search range from a sweep, a real run."""
import math

import mxnet as mx
import pytest

from gluon_lr import Learner
from gluon_lr.autolrs import AutoLRS, fitted_lengths, search_range
from gluon_lr.autolrs.stages import StagePlan
from gluon_lr.suggest import falling_region
from helpers import make_batches, make_net


def test_lengths_for_a_ten_epoch_budget_by_hand():
    # 4000 steps, k = 10, tau = 10 tau', 6 stages: the first 6 stages cost 20 tau' S_d,
    # S_3 = 1+2+4+8+8+8 = 31 -> tau' = 6; S_2 = 19 -> 10; S_1 = 11 -> 18; S_0 = 6 -> 33 >= 20
    lengths = fitted_lengths(4000)
    assert (lengths.tau, lengths.tau_prime, lengths.k, lengths.tau_max) == (330, 33, 10, 330)
    assert lengths.doublings == 0
    full = StagePlan(k=10, tau_prime=33, tau=330, last=False)
    # 6 * 660 = 3960, the 40 left are too few for candidates of 3 steps: they only train
    assert lengths.plans == (full,) * 6 + (StagePlan(k=0, tau_prime=0, tau=40, last=True),)
    assert sum(plan.cost for plan in lengths.plans) == 4000


def test_a_larger_budget_doubles_like_the_paper():
    # 16000 // (20 * 31) = 25 >= 20: three doublings, 250 .. 2000
    lengths = fitted_lengths(16000)
    assert (lengths.tau, lengths.tau_prime, lengths.tau_max, lengths.doublings) == \
        (250, 25, 2000, 3)
    assert [(p.tau_prime, p.tau) for p in lengths.plans[:6]] == \
        [(25, 250), (50, 500), (100, 1000), (200, 2000), (200, 2000), (200, 2000)]
    # 15500 spent by 6 stages; 500 left: tau' = 200 * 500 // 4000 = 25, the rest trains
    assert lengths.plans[6] == StagePlan(k=10, tau_prime=25, tau=250, last=True)


def test_one_doubling_at_the_budget_between():
    # 8000: S_3 -> 12, S_2 = 19 -> 21 >= 20: two doublings, candidates of 21 steps
    lengths = fitted_lengths(8000)
    assert (lengths.tau_prime, lengths.tau, lengths.tau_max) == (21, 210, 840)
    lengths = fitted_lengths(5000, min_trial_steps=20)  # S_1 = 11 -> 22
    assert (lengths.tau_prime, lengths.tau, lengths.tau_max, lengths.doublings) == \
        (22, 220, 440, 1)
    assert "doubling once (tau_max=440)" in lengths.describe()


@pytest.mark.parametrize("kwargs, error, message", [
    ({"total_steps": 2399}, ValueError, r"total_steps must be at least min_stages \* \(k \+ 10\) "
                                        r"\* min_trial_steps = 6 \* 20 \* 20 = 2400"),
    ({"total_steps": 0}, ValueError, "total_steps must be an int >= 1"),
    ({"total_steps": 4000, "k": 1}, ValueError, "k must be an int >= 2"),
    ({"total_steps": 4000, "min_trial_steps": 2}, ValueError, "min_trial_steps must be an int"),
    ({"total_steps": 4000.0}, TypeError, "total_steps must be an int"),
])
def test_bad_budgets_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        fitted_lengths(**kwargs)
    assert fitted_lengths(2400).tau_prime == 20


def test_the_driver_runs_the_fitted_stages():
    lengths = fitted_lengths(200, k=2, min_stages=3, min_trial_steps=3)
    # S_3 = S_2 = 1+2+4 = 7 -> 200 // 84 = 2 < 3; S_1 = 5 -> 200 // 60 = 3
    assert (lengths.tau, lengths.tau_prime, lengths.tau_max) == (30, 3, 60)
    learner = Learner(make_net(), make_batches(40), mx.cpu(),
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    autolrs = AutoLRS(learner, 1e-3, 0.5, tau=lengths.tau, k=lengths.k,
                      tau_max=lengths.tau_max, tau_prime=lengths.tau_prime, progress=False)
    stages = autolrs.run(200)
    assert [(len(s.candidates), s.tau_prime, s.tau) for s in stages] == \
        [(p.k, p.tau_prime, p.tau) for p in lengths.plans] == \
        [(2, 3, 30), (2, 6, 60), (2, 6, 60), (0, 0, 20)]
    assert autolrs.steps_spent == 200


def falling_sweep(top=1.0, decades=5):
    """A sweep whose loss falls steadily over ``decades`` up to ``top``, then diverges."""
    lrs = [top * 10.0 ** (e / 10) for e in range(-10 * decades - 10, 11)]
    losses = [1.0 - 0.1 * math.log10(lr / top) if lr <= top else 9.0 for lr in lrs]
    return lrs, losses


def test_search_range_clips_a_wide_fall_to_two_decades_below_its_top():
    lrs, losses = falling_sweep()
    region = falling_region(lrs, losses)
    assert region[1] / region[0] > 1e4                    # the fall spans over four decades
    low, high = search_range(lrs, losses)
    assert (low, high) == (region[1] / 100, region[1])
    low, high = search_range(lrs, losses, span=10)
    assert low == high / 10


def test_search_range_keeps_a_narrow_fall():
    # flat, then a fall over one decade to 1e-2, then divergence
    lrs = [10.0 ** (e / 10) for e in range(-60, 1)]
    losses = [2.0 if lr < 1e-3 else 2.0 - math.log10(lr / 1e-3) if lr <= 1e-2 else 9.0
              for lr in lrs]
    assert search_range(lrs, losses) == falling_region(lrs, losses)
    low, high = search_range(lrs, losses)
    assert 1 < high / low < 100


def test_search_range_without_a_fall_or_with_a_bad_span():
    lrs = [10.0 ** (e / 10) for e in range(-60, 1)]
    with pytest.raises(ValueError, match="the finder's loss never falls"):
        search_range(lrs, [1.0 + lr for lr in lrs])
    with pytest.raises(ValueError, match=r"span must be a number in \(1, inf\)"):
        search_range(*falling_sweep(), span=1.0)
