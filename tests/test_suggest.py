"""Suggestion rules on hand-made curves with known answers, and on the committed sweep."""
import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from gluon_lr.suggest import (
    DEFAULT_RULE, _longest_decrease, divergence_edge, lowest, lowest_options, minimum, smooth,
    smooth_centred,
    smooth_debiased, smoothed_curve, steepest, suggest_lr, valley, valley_curve)

LRS = [10.0 ** (k / 4 - 6) for k in range(24)]  # 1e-6 .. ~5.6, log-spaced
SWEEP = Path(__file__).resolve().parents[1] / "results" / "find" / "finder.csv"


def read_sweep():
    with open(SWEEP) as handle:
        rows = list(csv.DictReader(handle))
    return [float(r["lr"]) for r in rows], [float(r["loss"]) for r in rows]


# -- smoothing ---------------------------------------------------------------------------------

def test_smooth_is_the_tutorial_running_mean():
    assert smooth([4.0, 2.0, 1.0], 0.3) == [4.0, 0.7 * 2.0 + 0.3 * 4.0,
                                            0.7 * 1.0 + 0.3 * (0.7 * 2.0 + 0.3 * 4.0)]
    assert smooth([], 0.3) == []


def test_smooth_debiased_is_fastais_avg_smooth_loss():
    # beta 0.98: v1 = 0.02 * 1 -> 0.02 / 0.02 = 1;  v2 = 0.98 * 0.02 + 0.02 * 2 = 0.0596,
    # divided by 1 - 0.98 ** 2 = 0.0396 -> 149 / 99
    assert smooth_debiased([1.0, 2.0]) == pytest.approx([1.0, 149 / 99], rel=1e-12)
    # beta 0.5: v1 = 0.5 * 4 = 2 -> 2 / 0.5 = 4;  v2 = 1 + 0.5 * 1 = 1.5 -> 1.5 / 0.75 = 2;
    # v3 = 0.75 + 0.5 * 1 = 1.25 -> 1.25 / 0.875 = 10 / 7
    assert smooth_debiased([4.0, 1.0, 1.0], beta=0.5) == pytest.approx([4.0, 2.0, 10 / 7])
    assert smooth_debiased([3.0, 7.0], beta=0) == [3.0, 7.0]


def test_smooth_debiased_nan_poisons_the_rest_like_fastai():
    smoothed = smooth_debiased([1.0, math.nan, 1.0], beta=0)
    assert smoothed[0] == 1.0 and math.isnan(smoothed[1]) and math.isnan(smoothed[2])


def test_smooth_centred_runs_the_mean_forwards_then_backwards():
    # with a zero: the losses themselves. Forward 0, 2, 1; backward over that from the end:
    # 1, 0.5 * 2 + 0.5 * 1 = 1.5, 0.5 * 0 + 0.5 * 1.5 = 0.75
    assert smooth_centred([0.0, 4.0, 0.0], 0.5) == [0.75, 1.5, 1.0]
    # all positive: the same on log(loss) = 0, L, 0 (L = ln 4): forward 0, L/2, L/4;
    # backward L/4, 3L/8, 3L/16
    assert smooth_centred([1.0, 4.0, 1.0], 0.5) == pytest.approx(
        [4 ** (3 / 16), 4 ** (3 / 8), 4 ** (1 / 4)], rel=1e-12)
    assert smooth_centred([2.0, 3.0], 0) == [2.0, 3.0]
    assert smooth_centred([], 0.5) == []


def test_the_centred_curve_keeps_a_valley_where_it_is():
    # a symmetric valley, lowest at point 10: the running mean moves its lowest point right,
    # the centred smoother does not
    losses = [1.0 + 0.05 * (k - 10) ** 2 for k in range(21)]
    assert int(np.argmin(smooth(losses, 0.8))) > 10
    assert int(np.argmin(smooth_centred(losses, 0.8))) == 10


def test_smoothed_curve_drops_non_finite_points_and_smooths_over_decades():
    # finite points 0.01, 1, 100: two decades apart, so width 2 weighs exp(-1) per pass
    lrs, losses = [0.01, 0.1, 1.0, 10.0, 100.0], [4.0, math.nan, 1.0, math.inf, 4.0]
    xs, ys = smoothed_curve(lrs, losses, width=2.0)
    assert xs == [0.01, 1.0, 100.0]
    assert ys == pytest.approx(smooth_centred([4.0, 1.0, 4.0], math.exp(-1)), rel=1e-12)
    assert smoothed_curve(lrs, losses, width=0) == ([0.01, 1.0, 100.0], [4.0, 1.0, 4.0])
    with pytest.raises(ValueError, match=r"width must be a number in \[0, inf\)"):
        smoothed_curve(lrs, losses, width=-1)


# -- steepest and minimum ----------------------------------------------------------------------

def test_steepest_picks_the_largest_drop():
    losses = [2.3] * 12 + [2.2, 1.6, 1.5, 1.45, 1.4, 1.38] + [1.5, 2.0, 3.0, 5.0, 9.0, 20.0]
    # np.gradient (central differences) is most negative at index 13: (1.5 - 2.2) / 2
    assert steepest(LRS, losses, skip_start=0, skip_end=0, smoothing=0) == LRS[13]


def test_steepest_trims_start_and_end():
    losses = [9.0, 8.0] + [2.0, 1.9, 1.8, 1.0, 0.95, 0.85, 0.84, 0.83] + [0.0, -20.0]
    lrs = LRS[:12]
    # trimmed gradient: -0.1, -0.1, -0.45, -0.425, ... -> the third kept point, index 4
    assert steepest(lrs, losses, skip_start=2, skip_end=2, smoothing=0) == lrs[4]
    # the final plunge -20 - 0 wins when the end is kept
    assert steepest(lrs, losses, skip_start=2, skip_end=0, smoothing=0) == lrs[11]
    # the drop from 9 to 2 (central difference -3.5 at index 1) wins when the start is kept
    assert steepest(lrs, losses, skip_start=0, skip_end=2, smoothing=0) == lrs[1]


def test_steepest_skips_non_finite_points_itself():
    # finite points: lrs 1, 3, 4 with losses 5, 2, 1.9; gradient -3, -1.55, -0.1 -> lr 1
    assert steepest([1.0, 2.0, 3.0, 4.0], [5.0, math.nan, 2.0, 1.9],
                    skip_start=0, skip_end=0, smoothing=0) == 1.0


def test_lowest_divides_the_lowest_point_and_is_the_default():
    lrs = [10 ** (k / 4 - 3) for k in range(13)]                       # 1e-3 .. 1
    losses = [3.0, 2.9, 2.6, 2.2, 1.8, 1.4, 1.1, 1.0, 1.05, 1.08, 1.09, 1.1, 1.1]
    # lowest at point 7, no rise of 10 % after it: no edge
    assert lowest(lrs, losses, divisor=2, width=0) == lrs[7] / 2
    assert lowest(lrs, losses, divisor=4, width=0) == lrs[7] / 4
    assert DEFAULT_RULE == "lowest"
    nans = [math.nan] + losses[1:]
    assert lowest(lrs, nans, divisor=1, width=0) == lrs[7]
    assert suggest_lr(lrs, nans, width=0, divisor=2) == lrs[7] / 2


def test_lowest_warns_when_no_fall_backs_its_suggestion():
    lrs = [10 ** (k / 4 - 3) for k in range(13)]
    falling = [3.0, 2.9, 2.6, 2.2, 1.8, 1.4, 1.1, 1.0, 1.05, 1.08, 1.09, 1.1, 1.1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lowest(lrs, falling, width=0) == lrs[7] / 4             # from point 3: inside
    # the loss falls from point 3 (lrs[3] = 0.0056); a divisor of 16 lands below it
    with pytest.warns(RuntimeWarning, match=r"suggestion 0.00351 lies below the rates where "
                                            r"the loss falls \(from 0.00562\)"):
        lowest(lrs, falling, divisor=16, width=0)
    # a flat sweep: nothing fell 3 %
    with pytest.warns(RuntimeWarning, match="never fell 3% below its start: noise, not a fall"):
        lowest(lrs, [2.3, 2.31, 2.29, 2.3, 2.32, 2.28, 2.3, 2.31, 2.29, 2.3, 2.3, 2.31, 2.3],
               width=0)
    # still falling at the end of the sweep: SGD's three times the lowest point is beyond it
    with pytest.warns(RuntimeWarning, match=r"beyond the sweep's last rate 1: the loss never "
                                            r"rose again"):
        lowest(lrs, [3.0 - 0.2 * k for k in range(13)], width=0, optimizer="sgd")


def test_lowest_reads_the_centred_curve():
    # raw, the lowest loss is a lone dip at point 6; on the centred curve the valley of
    # points 11 to 13 is lower, its lowest point at 11 (1.6 before the valley, 1.7 after)
    lrs = [10 ** (k / 10 - 3) for k in range(20)]
    losses = [3.0, 3.0, 2.9, 2.8, 2.6, 2.4, 1.0, 2.2, 2.0, 1.8, 1.6, 1.5, 1.5, 1.5, 1.7, 2.0,
              2.4, 2.9, 3.5, 4.0]
    assert lowest(lrs, losses, divisor=1, edge_margin=1, width=0) == lrs[6]
    xs, curve = smoothed_curve(lrs, losses)
    assert lowest(lrs, losses, divisor=1, edge_margin=1) == xs[int(np.argmin(curve))] == lrs[11]


@pytest.mark.filterwarnings("ignore:the 'lowest' rule's suggestion")  # toy curves, see above
def test_lowest_stays_edge_margin_below_the_divergence_edge():
    lrs = [0.1 * 2 ** k for k in range(7)]                             # 0.1 .. 6.4
    # lowest at 1.6 (2.8); first 10 % above the lowest so far at 3.2 (9.0 > 3.08): edge 1.6
    losses = [3.0, 3.0, 2.9, 2.9, 2.8, 9.0, 9.0]
    assert divergence_edge(lrs, losses, rise=0.1, width=0) == 1.6
    assert lowest(lrs, losses, divisor=2, width=0) == 1.6 / 2 / 2
    assert lowest(lrs, losses, divisor=2, edge_margin=1, width=0) == 1.6 / 2
    assert lowest(lrs, losses, edge_margin=4, divisor=1, width=0) == 1.6 / 4
    # the edge at 3.2 (9.0 at 6.4): the lowest point is a factor 2 below it, so it counts alone
    assert lowest(lrs, [3.0, 3.0, 2.9, 2.9, 2.8, 2.9, 9.0], divisor=2, width=0) == 1.6 / 2
    # a rise of 3 % after the lowest point is no edge
    assert lowest(lrs[:6], [3.0, 3.0, 2.9, 2.9, 2.8, 2.9], divisor=2, width=0) == 1.6 / 2
    # a wobble of the flat start, before the loss falls, is no edge either
    wobbly = [3.0, 3.5, 3.0, 2.0, 1.0, 1.0, 1.05]
    assert divergence_edge(lrs, wobbly, width=0) is None
    assert lowest(lrs, wobbly, divisor=2, width=0) == 1.6 / 2
    with pytest.raises(ValueError, match=r"edge_margin must be a number in \[1, inf\)"):
        lowest(lrs, losses, edge_margin=0.5)
    # checked before the curve is read, also when no point is finite
    with pytest.raises(ValueError, match=r"divisor must be a number in \(0, inf\)"):
        lowest([0.1], [math.nan], divisor=-1)


def test_minimum_divides_by_ten():
    assert minimum([0.01, 0.1, 1.0], [3.0, 1.0, 2.0], smoothing=0) == 0.1 / 10
    assert minimum([0.01, 0.1, 1.0], [3.0, 1.0, 2.0], divisor=4, smoothing=0) == 0.1 / 4
    # with pytorch-lr-finder's running mean (0.95): 3, 2.9, 2.855 -> lowest at the end
    assert minimum([0.01, 0.1, 1.0], [3.0, 1.0, 2.0]) == 1.0 / 10


def test_minimum_ignores_nan():
    # numpy.argmin would pick the NaN at index 0
    assert minimum([0.01, 0.1, 1.0], [math.nan, 3.0, 2.0], divisor=1, smoothing=0) == 1.0


def test_suggest_lr_ignores_non_finite_points_and_smooths():
    lrs = [1.0, 2.0, 3.0, 4.0]
    losses = [3.0, math.nan, 1.0, math.inf]
    # finite points: (1, 3), (3, 1); smoothed with 0.5: 3, 2 -> minimum at lr 3
    assert suggest_lr(lrs, losses, "minimum", smoothing=0.5) == 0.3


# -- valley: fastai's lr_find suggestion, worked out by hand -----------------------------------

def test_valley_trims_num_it_tenth_and_last_five():
    raw = [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 8.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4]
    lrs = [float(k) for k in range(1, 16)]  # lr = index + 1
    # 15 points, num_it=None -> drop 15 // 10 = 1 and the last 5: keep indices 1..9,
    # losses 9 8 7 6 5 4 3 8 2.9. Longest decrease: 9 8 7 6 5 4 3 2.9, length 8, end 8,
    # start 8 - 8 = 0, index 0 + int(8 / 3) + int(8 / 6) = 0 + 2 + 1 = 3 -> point 4, lr 5
    assert valley(lrs, raw, beta=0) == 5.0
    # num_it=20 -> drop 2: keep 8 7 6 5 4 3 8 2.9; length 7, end 7, start 0,
    # index 0 + int(7 / 3) + int(7 / 6) = 3 -> point 2 + 3 = 5, lr 6
    assert valley(lrs, raw, beta=0, num_it=20) == 6.0


def test_valley_start_is_end_minus_length_even_across_gaps():
    # drop 13 // 10 = 1 point and the last 5: keep 5 9 4 8 3 7 2 (indices 1..7).
    # Longest decreases (length 4) first end at 2 (kept index 6), e.g. 9 8 7 2;
    # fastai's start is 6 - 4 = 2 though the run starts at 0 or 1: index 2 + 1 + 0 = 3,
    # the kept 8, point 4
    raw = [1.0] + [5.0, 9.0, 4.0, 8.0, 3.0, 7.0, 2.0] + [1.0] * 5
    assert valley(LRS[:13], raw, beta=0) == LRS[4]


def test_valley_takes_the_first_of_equally_long_runs():
    # keep 3 2 1 3 2 1 (indices 1..6): runs of 3 end at kept 2 and 5; the first wins:
    # start 2 - 3 = -1, index -1 + 1 + 0 = 0 -> point 1 (the last run would give point 4)
    raw = [0.0] + [3.0, 2.0, 1.0, 3.0, 2.0, 1.0] + [0.0] * 5
    assert valley(LRS[:12], raw, beta=0) == LRS[1]


def test_valley_two_point_run_takes_fastais_index():
    # keep 1 3 2 (indices 1..3): run 3 2 of length 2 ends at kept 2, start 0,
    # index 0 + 0 + 0 = 0: the point before the run, as in fastai
    # (num_it=10 -> drop 10 // 10 = 1 of the 9 points; the old clamp gave point 2)
    raw = [0.0] + [1.0, 3.0, 2.0] + [0.0] * 5
    assert valley(LRS[:9], raw, beta=0, num_it=10) == LRS[1]


def test_valley_does_not_wrap_around_to_the_last_point():
    # keep 2 1 3 (indices 1..3): run 2 1 ends at kept 1, start -1, index -1 + 0 + 0 = -1;
    # fastai's lrs[-1] would be the last kept point (index 3); we take the first, index 1
    # (num_it=10 -> drop 10 // 10 = 1 of the 9 points)
    raw = [0.0] + [2.0, 1.0, 3.0] + [0.0] * 5
    assert valley(LRS[:9], raw, beta=0, num_it=10) == LRS[1]


def test_valley_on_rising_curve_warns_and_returns_none():
    # fastai would return the last kept lr here (index -1)
    with pytest.warns(RuntimeWarning, match="never decreases"):
        assert valley(LRS[:9], [float(k) for k in range(9)]) is None


def test_valley_cuts_at_the_first_non_finite_smoothed_loss():
    # drop 1 and the last 5: keep 5 4 3 NaN 2 1 0; cut at the NaN: 5 4 3 (indices 1..3),
    # length 3, end 2, start -1, index -1 + 1 + 0 = 0 -> point 1
    raw = [9.0] + [5.0, 4.0, 3.0, math.nan, 2.0, 1.0, 0.0] + [0.0] * 5
    assert valley_curve(LRS[:13], raw, beta=0) == (LRS[1:4], [5.0, 4.0, 3.0])
    assert valley(LRS[:13], raw, beta=0) == LRS[1]
    raw[4] = math.inf  # a smoothed inf (NaN after it, with beta 0): the same cut
    assert valley_curve(LRS[:13], raw, beta=0) == (LRS[1:4], [5.0, 4.0, 3.0])


def test_valley_reads_the_debiased_smoothed_curve():
    raw = [1.0, 1.0, 5.0, 4.0, 3.0, 2.0] + [0.0] * 5
    # raw (beta=0): drop 11 // 10 = 1 and 5, keep 1 5 4 3 2: run 5 4 3 2, length 4, end 4,
    # start 0, index 0 + 1 + 0 = 1 -> point 2
    assert valley(LRS[:11], raw, beta=0) == LRS[2]
    # beta 0.5, smoothed over the whole sweep: v = 0.5, 0.75, 2.875, 3.4375, 3.21875,
    # 2.609375 over 1 - 0.5 ** k -> 1, 1, 23/7, 11/3, 103/31, 167/63 = 1, 1, 3.29, 3.67,
    # 3.32, 2.65; kept 1, 3.29, 3.67, 3.32, 2.65: run 3.67 3.32 2.65, length 3, end 4,
    # start 1, index 1 + 1 + 0 = 2 -> point 3
    assert valley_curve(LRS[:11], raw, beta=0.5)[1] == \
        pytest.approx([1.0, 23 / 7, 11 / 3, 103 / 31, 167 / 63])
    assert valley(LRS[:11], raw, beta=0.5) == LRS[3]


def test_longest_decrease_is_strict():
    # equal losses do not extend a run: 3 3 2 has a longest decrease of 2 ending at 2
    assert _longest_decrease([3.0, 3.0, 2.0]) == (2, 2)
    assert _longest_decrease([4.0, 1.0, 3.0, 2.0, 0.5]) == (4, 4)


# -- the committed CIFAR-10 sweep --------------------------------------------------------------

def test_valley_on_the_committed_sweep_lands_where_the_loss_falls():
    lrs, losses = read_sweep()
    assert len(lrs) == 90  # planned 100, stopped early (diverged)
    # num_it=None: drop 90 // 10 = 9 and the last 5 -> points 9..84 (76). The longest
    # decrease of the smoothed losses has 39 points and ends at kept 66 (point 75):
    # start 66 - 39 = 27, index 27 + int(13.0) + int(6.5) = 46 -> point 9 + 46 = 55
    kept_lrs, kept = valley_curve(lrs, losses)
    assert (kept_lrs[0], len(kept)) == (lrs[9], 76)
    assert _longest_decrease(kept) == (66, 39)
    assert valley(lrs, losses) == lrs[55] == pytest.approx(0.0027825594022071, rel=1e-12)
    # num_it=100 (fastai's default, as planned): drop 10 -> points 10..84 (75), run of 39
    # ending at kept 65, start 26, index 26 + 13 + 6 = 45 -> point 10 + 45 = 55 again
    kept_lrs, kept = valley_curve(lrs, losses, num_it=100)
    assert (kept_lrs[0], len(kept), _longest_decrease(kept)) == (lrs[10], 75, (65, 39))
    assert valley(lrs, losses, num_it=100) == lrs[55]


def test_suggestions_on_the_committed_sweep():
    # the numbers RESULTS.md quotes ("Suggestion rules on the committed sweep")
    lrs, losses = read_sweep()
    assert suggest_lr(lrs, losses, "steepest") == lrs[68] == \
        pytest.approx(0.031257158496882514, rel=1e-12)
    assert suggest_lr(lrs, losses, "valley") == lrs[55]
    assert suggest_lr(lrs, losses, "minimum") == lrs[74] / 10 == \
        pytest.approx(0.009545484566618393, rel=1e-12)
    # the centred curve is lowest at point 66; the edge is point 74, far above it
    xs, curve = smoothed_curve(lrs, losses)
    assert xs == lrs and int(np.argmin(curve)) == 66
    assert divergence_edge(lrs, losses) == lrs[74]
    assert suggest_lr(lrs, losses) == suggest_lr(lrs, losses, "lowest") == lrs[66] / 4
    # the finder's options for SGD, which trained this ResNet-18: three times the lowest point
    assert suggest_lr(lrs, losses, optimizer="sgd") == pytest.approx(lrs[66] * 3, rel=1e-12)
    assert suggest_lr(lrs, losses, **lowest_options("sgd")) == \
        suggest_lr(lrs, losses, optimizer="sgd")


def test_every_rule_takes_its_own_options_and_no_other():
    lrs, losses = read_sweep()
    with pytest.raises(TypeError, match="the 'valley' rule accepts the options beta, num_it; "
                                        "got 'smoothing'"):
        suggest_lr(lrs, losses, "valley", smoothing=0.95)
    assert suggest_lr(lrs, losses, "valley", beta=0) != lrs[55]
    for method, rule in (("lowest", lowest), ("steepest", steepest), ("minimum", minimum),
                         ("valley", valley)):
        assert suggest_lr(lrs, losses, method) == rule(lrs, losses)


# -- too few points ----------------------------------------------------------------------------

@pytest.mark.parametrize("method, points, message", [
    ("steepest", 0, r"at least 17 points with a finite loss .*got 0$"),
    ("steepest", 16, r"at least 17 points with a finite loss .*got 16$"),
    ("valley", 0, r"at least 2 points left .* of 0 .*got 0$"),
    ("valley", 6, r"dropping the first 0 \(num_it // 10\) and the last 5 of 6 .*got 1$"),
    ("minimum", 0, r"'minimum' rule: .*at least 1 point with a finite loss, got 0$"),
    ("lowest", 0, r"'lowest' rule: .*at least 1 point with a finite loss, got 0$"),
])
def test_too_few_points_warn_with_the_true_count(method, points, message):
    lrs = [10.0 ** -k for k in range(points)]
    with pytest.warns(RuntimeWarning, match=message):
        assert suggest_lr(lrs, [1.0] * points, method) is None


def test_too_few_counts_only_finite_points():
    losses = [1.0, math.nan, 2.0, math.inf, 3.0]
    with pytest.warns(RuntimeWarning, match="got 3$"):
        assert suggest_lr(LRS[:5], losses, "steepest") is None


def test_all_nan_curve_returns_none():
    with pytest.warns(RuntimeWarning, match="got 0$"):
        assert suggest_lr([1.0, 2.0], [math.nan, math.nan], "minimum") is None


def test_enough_points_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert suggest_lr(LRS[:17], [2.0 - 0.01 * k for k in range(17)], "steepest") \
            is not None
        assert suggest_lr(LRS[:7], [2.0 - 0.01 * k for k in range(7)], "valley") is not None


def test_warnings_point_at_the_caller():
    with pytest.warns(RuntimeWarning) as caught:
        suggest_lr([], [], "valley")
    assert caught[0].filename == __file__


# -- bad arguments -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    ({"method": "fastest"}, ValueError, "method must be one of 'lowest', 'minimum', 'steepest', 'valley'"),
    ({"method": None}, ValueError, "method must be one of"),
    ({"method": "steepest", "smoothing": 1.0}, ValueError,
     r"smoothing must be a number in \[0, 1\)"),
    ({"method": "minimum", "smoothing": -0.1}, ValueError,
     r"smoothing must be a number in \[0, 1\)"),
    ({"method": "steepest", "smoothing": None}, TypeError,
     r"smoothing must be a number in \[0, 1\)"),
    ({"width": -0.1}, ValueError, r"width must be a number in \[0, inf\)"),
    ({"width": "0.2"}, TypeError, r"width must be a number in \[0, inf\)"),
    ({"smoothing": 0.5}, TypeError,
     "the 'lowest' rule accepts the options divisor, edge_margin, width, optimizer; got "
     "'smoothing'"),
    ({"method": "minimum", "divisor": 0}, ValueError, r"divisor must be a number in \(0, inf\)"),
    ({"method": "minimum", "divisor": -1}, ValueError, r"divisor must be a number in \(0, inf\)"),
    ({"method": "minimum", "divisor": math.inf}, ValueError, r"divisor must be a number in"),
    ({"method": "minimum", "divisor": "10"}, TypeError, r"divisor must be a number in \(0, inf"),
    ({"method": "lowest", "divisor": 0}, ValueError, r"divisor must be a number in \(0, inf\)"),
    ({"method": "lowest", "beta": 0.9}, TypeError,
     "the 'lowest' rule accepts the options divisor, edge_margin, width, optimizer; got "
     "'beta'"),
    ({"method": "steepest", "skip_start": -1}, ValueError, "skip_start must be an int >= 0"),
    ({"method": "steepest", "skip_end": 1.0}, TypeError, "skip_end must be an int >= 0"),
    ({"method": "steepest", "skip_end": True}, TypeError, "skip_end must be an int >= 0"),
    ({"method": "valley", "beta": 1}, ValueError, r"beta must be a number in \[0, 1\)"),
    ({"method": "valley", "beta": "0.98"}, TypeError, r"beta must be a number in \[0, 1\)"),
    ({"method": "valley", "num_it": 2}, ValueError, "num_it must be an int >= 3, got 2"),
    ({"method": "valley", "num_it": 100.0}, TypeError, "num_it must be an int >= 3"),
    ({"method": "minimum", "skip_start": 2}, TypeError,
     "the 'minimum' rule accepts the options divisor, smoothing; got 'skip_start'"),
    ({"method": "steepest", "divisor": 2, "beta": 0.9}, TypeError,
     "the 'steepest' rule accepts the options skip_start, skip_end, smoothing; got 'beta', "
     "'divisor'"),
    ({"method": "valley", "skip_end": 5}, TypeError,
     "the 'valley' rule accepts the options beta, num_it; got 'skip_end'"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        suggest_lr([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], **kwargs)


@pytest.mark.parametrize("lrs, losses, error, message", [
    (None, None, TypeError, r"lrs must be a sequence of learning rates \(0 or numbers in"),
    ([1.0], None, TypeError, r"losses must be a sequence of numbers \(NaN and inf allowed\)"),
    ("abc", [1.0, 2.0, 3.0], TypeError, "lrs must be a sequence of learning rates"),
    (5, [1.0], TypeError, "lrs must be a sequence of learning rates"),
    ([1.0, "2"], [1.0, 2.0], TypeError, r"lrs\[1\] must be 0 or a number in \[1.17"),
    ([1.0, -2.0], [1.0, 2.0], ValueError, r"lrs\[1\] must be 0 or a number in"),
    ([1.0, math.nan], [1.0, 2.0], ValueError, r"lrs\[1\] must be 0 or a number in"),
    ([1.0, 1e39], [1.0, 2.0], ValueError, r"lrs\[1\] must be 0 or a number in"),
    ([1.0, 2.0], [1.0, None], TypeError, r"losses\[1\] must be a number \(NaN and inf allowed"),
    ([1.0, 2.0], [True, 2.0], TypeError, r"losses\[0\] must be a number"),
    ([1.0, 2.0], [1.0], ValueError, "lrs and losses must have the same length; got 2 and 1"),
])
@pytest.mark.parametrize("method", ["lowest", "steepest", "valley", "minimum"])
def test_bad_curves(method, lrs, losses, error, message):
    with pytest.raises(error, match=message):
        suggest_lr(lrs, losses, method)
    with pytest.raises(error, match=message):  # the rules check on their own, too
        {"lowest": lowest, "steepest": steepest, "valley": valley,
         "minimum": minimum}[method](lrs, losses)


def test_rules_check_their_options_when_called_directly():
    with pytest.raises(ValueError, match=r"divisor must be a number in \(0, inf\), got 0.0"):
        minimum([1.0], [1.0], divisor=0)
    with pytest.raises(ValueError, match=r"num_it must be an int >= 12, got 11"):
        valley(LRS[:12], [1.0] * 12, num_it=11)
    with pytest.raises(ValueError, match=r"beta must be a number in \[0, 1\), got -0.5"):
        smooth_debiased([1.0], beta=-0.5)
    with pytest.raises(ValueError, match=r"smoothing must be a number in \[0, 1\), got 1.5"):
        smooth([1.0], 1.5)
    with pytest.raises(TypeError, match=r"losses must be a sequence of numbers"):
        smoothed_curve([1.0], 1.0, 0.5)


def test_numpy_inputs_are_accepted():
    lrs = np.array([0.01, 0.1, 1.0], dtype=np.float32)
    losses = np.array([3.0, 1.0, 2.0])
    assert suggest_lr(lrs, losses, "minimum", smoothing=0) == pytest.approx(0.01)
