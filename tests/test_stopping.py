"""LRFinderStoppingCriteria keeps the tutorial's rule and stops on NaN; MedianStartStopping
survives a lucky first batch."""
import math

import pytest

from gluon_lr import LRFinderStoppingCriteria
from gluon_lr.stopping import MedianStartStopping


def first_stop(criteria, losses):
    """1-based index of the first loss at which the rule fires, or None."""
    for index, loss in enumerate(losses, start=1):
        if criteria(loss):
            return index
    return None


def test_running_mean_values_by_hand():
    stop = LRFinderStoppingCriteria(smoothing=0.3, min_iter=20)
    for loss in (1.0, 2.0, 4.0):
        stop(loss)
    # m1 = 1; m2 = 0.7*2 + 0.3*1 = 1.7; m3 = 0.7*4 + 0.3*1.7 = 3.31
    assert stop.running_mean == (0.7 * 4.0) + (0.3 * ((0.7 * 2.0) + (0.3 * 1.0)))
    assert stop.first_loss == 1.0
    assert stop.counter == 3


def test_divergence_before_min_iter_waits_for_min_iter():
    assert first_stop(LRFinderStoppingCriteria(), [1.0] + [5.0] * 40) == 20


def test_stops_on_the_first_iteration_past_twice_the_first_loss():
    # m stays 1.0 for 29 iterations; at 30, m = 0.7*5 + 0.3*1 = 3.8 > 2.
    assert first_stop(LRFinderStoppingCriteria(), [1.0] * 29 + [5.0]) == 30


def test_running_mean_must_exceed_strictly():
    # with smoothing 0 the running mean is the loss: 2.0 is not > 2 * 1.0
    stop = LRFinderStoppingCriteria(smoothing=0.0, min_iter=1)
    assert first_stop(stop, [1.0, 2.0, 2.0, 2.0000001]) == 4


def test_threshold_keyword():
    assert first_stop(LRFinderStoppingCriteria(min_iter=1, threshold=4.0, smoothing=0.0),
                      [1.0, 3.0, 4.0, 4.5]) == 4


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_loss_stops_at_once(bad):
    assert first_stop(LRFinderStoppingCriteria(), [1.0, 1.0, bad, 1.0]) == 3


def test_non_finite_first_loss_stops_at_once():
    assert first_stop(LRFinderStoppingCriteria(), [math.nan]) == 1


def test_never_diverging_loss_never_stops():
    assert first_stop(LRFinderStoppingCriteria(), [1.0] * 500) is None


@pytest.mark.parametrize("kwargs, error, message", [
    ({"smoothing": 1.0}, ValueError, r"smoothing must be a number in \[0, 1\), got 1.0"),
    ({"smoothing": -0.1}, ValueError, r"smoothing must be a number in \[0, 1\)"),
    ({"smoothing": "0.3"}, TypeError, r"smoothing must be a number in \[0, 1\)"),
    ({"min_iter": 0}, ValueError, "min_iter must be an int >= 1, got 0"),
    ({"min_iter": 2.5}, TypeError, "min_iter must be an int >= 1"),
    ({"threshold": 0}, ValueError, r"threshold must be a number in \(0, inf\)"),
    ({"threshold": float("inf")}, ValueError, r"threshold must be a number in \(0, inf\)"),
    ({"threshold": None}, TypeError, r"threshold must be a number in \(0, inf\)"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        LRFinderStoppingCriteria(**kwargs)


# The first-hour regression's sweep (issue 20): a lucky first batch, then losses at 4-5.
LUCKY_START = [2.39] + [4.0, 4.5, 5.0, 4.2, 4.8] * 8


def test_a_lucky_first_batch_stops_the_tutorials_rule_on_a_flat_loss():
    # from k = 20 on, the first 5.0 lifts the running mean to 4.82 > 2 * 2.39
    assert first_stop(LRFinderStoppingCriteria(), LUCKY_START) == 24


def test_the_median_start_ignores_a_lucky_first_batch():
    stop = MedianStartStopping()
    assert first_stop(stop, LUCKY_START) is None
    assert stop.reference == 4.2  # the median of 2.39, 4.0, 4.5, 5.0, 4.2


def test_the_median_start_still_stops_a_real_divergence():
    # 41 flat losses, then 6, 8, 11: the running mean reaches 9.88 > 2 * 4.2 at the 11
    stop = MedianStartStopping()
    assert first_stop(stop, LUCKY_START + [6.0, 8.0, 11.0, 15.0, 21.0]) == 44
    assert stop.running_mean == pytest.approx(9.884254508455546, rel=1e-15)


def test_the_median_start_waits_for_its_start_points():
    # with min_iter 1 and smoothing 0 it could fire at once, but the reference needs 3 losses
    stop = MedianStartStopping(smoothing=0.0, min_iter=1, start_points=3)
    assert first_stop(stop, [1.0, 5.0, 5.0, 9.0, 11.0]) == 5
    assert stop.reference == 5.0 and stop.start_losses == [1.0, 5.0, 5.0]


def test_the_median_start_with_one_point_is_the_tutorials_rule():
    assert first_stop(MedianStartStopping(start_points=1), LUCKY_START) == 24


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_the_median_start_stops_on_a_non_finite_loss_at_once(bad):
    assert first_stop(MedianStartStopping(), [1.0, bad]) == 2


@pytest.mark.parametrize("kwargs, error, message", [
    ({"start_points": 0}, ValueError, "start_points must be an int >= 1, got 0"),
    ({"start_points": 2.0}, TypeError, "start_points must be an int >= 1"),
    ({"smoothing": 1.0}, ValueError, r"smoothing must be a number in \[0, 1\)"),
])
def test_the_median_start_checks_its_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        MedianStartStopping(**kwargs)
