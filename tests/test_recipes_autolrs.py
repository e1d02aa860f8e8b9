"""The AutoLRS recipe: its range from a finder sweep and its stage lengths from the budget."""
import math
from types import SimpleNamespace

import mxnet as mx
import pytest

from gluon_lr import Learner
from gluon_lr.autolrs.budget import fitted_lengths, search_range
from gluon_lr.recipes import autolrs_range, train_with_autolrs
from helpers import make_batches, make_net


def test_the_range_is_the_falling_region_clipped_to_100x_below_its_top():
    lrs = [10.0 ** (e / 10) for e in range(-60, 11)]
    losses = [0.6 - 0.4 * math.log10(lr) if lr <= 1 else 9.0 for lr in lrs]
    sweep = SimpleNamespace(lrs=lrs, losses=losses)
    low, high = autolrs_range(sweep)
    assert (low, high) == search_range(lrs, losses) and high / low == pytest.approx(100)
    assert autolrs_range(sweep, span=10)[0] == pytest.approx(high / 10)


def test_without_tau_the_lengths_are_fitted_to_the_budget():
    learner = Learner(make_net(), make_batches(50), mx.cpu(),
                      optimizer_params={"learning_rate": 0.01, "momentum": 0.9})
    lengths = fitted_lengths(1440, k=2)
    assert (lengths.tau, lengths.tau_prime, lengths.tau_max) == (200, 20, 200)
    autolrs = train_with_autolrs(learner, total_steps=1440, min_lr=0.001, max_lr=0.1, k=2,
                                 progress=False)
    assert (autolrs.tau, autolrs.tau_prime, autolrs.k, autolrs.tau_max) == (200, 20, 2, 200)
    assert autolrs.steps_spent == 1440
    assert [(s.tau_prime, s.tau) for s in autolrs.stages] == [(20, 200)] * 6


def test_a_budget_too_small_to_fit_asks_for_tau():
    learner = Learner(make_net(), make_batches(4), mx.cpu())
    with pytest.raises(ValueError, match="total_steps must be at least"):
        train_with_autolrs(learner, total_steps=1000, min_lr=0.001, max_lr=0.1, k=2,
                           progress=False)
