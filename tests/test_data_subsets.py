"""Tests of gluon_lr.data.subset: a seeded random slice, and its argument checks."""
import numpy as np
import pytest
from mxnet.gluon.data import SimpleDataset

from gluon_lr.data import subset


def test_subset_is_a_seeded_random_slice():
    items = SimpleDataset(list(range(10)))
    expected = sorted(np.random.default_rng(3).choice(10, 4, replace=False).tolist())
    assert list(subset(items, 4, seed=3)) == expected
    assert list(subset(items, 4, seed=3)) == list(subset(items, 4, seed=3))
    assert list(subset(items, 10, seed=5)) == list(range(10))


def test_subset_default_seed_is_zero():
    items = SimpleDataset(list(range(10)))
    assert list(subset(items, 5)) == list(subset(items, 5, seed=0)) == sorted(
        np.random.default_rng(0).choice(10, 5, replace=False).tolist())


@pytest.mark.parametrize("n, seed, error", [
    (0, 0, ValueError), (11, 0, ValueError), (1.5, 0, TypeError), (True, 0, TypeError),
    (2, -1, ValueError), (2, "a", TypeError)])
def test_subset_rejects_bad_arguments(n, seed, error):
    with pytest.raises(error, match="seed" if seed != 0 else "n must"):
        subset(SimpleDataset(list(range(10))), n, seed)


@pytest.mark.parametrize("n, message", [
    (0, "n must be an int >= 1, got 0"),
    (11, r"n must be an int in \[1, 10\] \(len\(dataset\)\), got 11"),
    (1.5, "n must be an int >= 1, got 1.5")])
def test_subset_errors_name_the_range_of_n(n, message):
    with pytest.raises((TypeError, ValueError), match="^{}$".format(message)):
        subset(SimpleDataset(list(range(10))), n)
