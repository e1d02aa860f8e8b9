"""Suggestion rules on hand-made curves with known answers."""
import math
import warnings

import pytest

from gluon_lr.suggest import minimum, smooth, steepest, suggest_lr, valley

LRS = [10.0 ** (k / 4 - 6) for k in range(24)]  # 1e-6 .. ~5.6, log-spaced


def test_smooth_is_the_tutorial_running_mean():
    assert smooth([4.0, 2.0, 1.0], 0.3) == [4.0, 0.7 * 2.0 + 0.3 * 4.0,
                                            0.7 * 1.0 + 0.3 * (0.7 * 2.0 + 0.3 * 4.0)]
    assert smooth([], 0.3) == []


def test_steepest_picks_the_largest_drop():
    losses = [2.3] * 12 + [2.2, 1.6, 1.5, 1.45, 1.4, 1.38] + [1.5, 2.0, 3.0, 5.0, 9.0, 20.0]
    # np.gradient (central differences) is most negative at index 13: (1.5 - 2.2) / 2
    assert steepest(LRS, losses, skip_start=0, skip_end=0) == LRS[13]


def test_steepest_trims_start_and_end():
    losses = [9.0, 8.0] + [2.0, 1.9, 1.8, 1.0, 0.95, 0.85, 0.84, 0.83] + [0.0, -20.0]
    lrs = LRS[:12]
    # trimmed gradient: -0.1, -0.1, -0.45, -0.425, ... -> the third kept point, index 4
    assert steepest(lrs, losses, skip_start=2, skip_end=2) == lrs[4]
    # the final plunge -20 - 0 wins when the end is kept
    assert steepest(lrs, losses, skip_start=2, skip_end=0) == lrs[11]
    # the drop from 9 to 2 (central difference -3.5 at index 1) wins when the start is kept
    assert steepest(lrs, losses, skip_start=0, skip_end=2) == lrs[1]


def test_valley_follows_fastai_index_rule():
    # longest decreasing run: indices 2..11 (10 points), so start = 11 - 10 = 1,
    # third = 10/3 -> int 3, int(third/2) = 1, index = 1 + 3 + 1 = 5
    losses = [1.0, 0.5] + [4.0 - 0.3 * k for k in range(10)] + [3.0, 9.0] + [8.0] * 10
    assert valley(LRS, losses) == LRS[5]


def test_valley_two_point_run_does_not_wrap_around():
    # fastai's formula gives index -1 here (the last lr); we clamp to the run's start
    assert valley([1.0, 2.0, 3.0], [2.0, 1.0, 3.0]) == 1.0


def test_minimum_divides_by_ten():
    assert minimum([0.01, 0.1, 1.0], [3.0, 1.0, 2.0]) == 0.1 / 10
    assert minimum([0.01, 0.1, 1.0], [3.0, 1.0, 2.0], divisor=4) == 0.1 / 4


def test_suggest_lr_ignores_non_finite_points_and_smooths():
    lrs = [1.0, 2.0, 3.0, 4.0]
    losses = [3.0, math.nan, 1.0, math.inf]
    # finite points: (1, 3), (3, 1); smoothed with 0.5: 3, 2 -> minimum at lr 3
    assert suggest_lr(lrs, losses, "minimum", smoothing=0.5) == 0.3


@pytest.mark.parametrize("method, points", [("steepest", 16), ("valley", 1), ("minimum", 0)])
def test_too_few_points_warn_and_return_none(method, points):
    lrs = [10.0 ** -k for k in range(points)]
    with pytest.warns(RuntimeWarning, match="cannot suggest"):
        assert suggest_lr(lrs, [1.0] * points, method) is None


def test_all_nan_curve_returns_none():
    with pytest.warns(RuntimeWarning):
        assert suggest_lr([1.0, 2.0], [math.nan, math.nan], "valley") is None


def test_valley_on_rising_curve_returns_none():
    with pytest.warns(RuntimeWarning, match="never decreases"):
        assert valley([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) is None


def test_enough_points_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert suggest_lr(LRS[:17], [2.0 - 0.01 * k for k in range(17)], "steepest") \
            is not None


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "fastest"}, "method must be one of"),
    ({"smoothing": 1.0}, r"smoothing must be a number in \[0, 1\)"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        suggest_lr([1.0], [1.0], **kwargs)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        suggest_lr([1.0, 2.0], [1.0])


def test_negative_skip():
    with pytest.raises(ValueError, match="skip_start must be an int >= 0"):
        steepest([1.0] * 5, [1.0] * 5, skip_start=-1)
