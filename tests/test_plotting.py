"""plot_finder and plot_schedule: what they draw, and a clear error for every bad argument."""
import math
import re

import matplotlib
import matplotlib.pyplot as plt
import pytest

from gluon_lr.plotting import plot_accuracy_curves, plot_finder, plot_schedule
from gluon_lr.schedules import TriangularSchedule

matplotlib.use("Agg")

LRS = "lrs must be a sequence of learning rates (0 or numbers in [1.1754944e-38, 3.4028235e+38])"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def raises(error, message):
    """``pytest.raises`` for exactly ``message``."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


# -- what is drawn ----------------------------------------------------------------------------

def test_plot_schedule_draws_iterations_one_to_n():
    ax = plot_schedule(TriangularSchedule(1, 2, 4), iterations=4, show=False)
    assert [tuple(p) for p in ax.collections[0].get_offsets()] == [
        (1, 1.5), (2, 2.0), (3, 1.5), (4, 1.0)]
    fig, own = plt.subplots()
    assert plot_schedule(lambda t: 0.1, iterations=2, ax=own) is own  # show ignored: not ours


def test_plot_finder_skips_what_a_log_axis_cannot_show():
    ax = plot_finder([0.0, 0.01, 0.1, 1.0, 10.0], [3.0, 2.0, 1.0, float("nan"), -1.0],
                     suggestion=0.1, smoothed=([0.01, 0.1], [2.0, 1.5]), show=False)
    assert [tuple(p) for p in ax.collections[0].get_offsets()] == [(0.01, 2.0), (0.1, 1.0)]
    assert ax.get_ylim() == pytest.approx((0.8, 8.0))  # 0.8 * lowest, 4 * first drawn loss
    assert ax.lines[-1].get_xdata()[0] == 0.1
    assert list(ax.lines[0].get_ydata()) == [2.0, 1.5]


def test_plot_finder_is_landscape_with_plain_labels_and_a_legend_for_everything():
    ax = plot_finder([0.01, 0.1, 1.0], [3.0, 2.0, 2.5], suggestion=0.05,
                     smoothed=([0.01, 0.1, 1.0], [3.0, 2.2, 2.4]), show=False)
    assert ax.figure.get_size_inches().tolist() == [10, 6]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "loss of one step", "smoothed", "suggested lr = 0.05"]
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels(which="both") if t.get_text()]
    assert labels and all("times" not in label and "^" not in label for label in labels)


@pytest.mark.parametrize("suggestion, side, edge", [(1e-4, "left", 0.01), (50.0, "right", 1.0)])
def test_a_suggestion_off_the_plot_is_marked_at_its_edge(suggestion, side, edge):
    ax = plot_finder([0.01, 0.1, 1.0], [3.0, 2.0, 2.5], suggestion=suggestion, show=False)
    line = ax.lines[-1]
    assert line.get_xdata()[0] == edge and line.get_linestyle() == ":"
    assert line.get_label() == "suggested lr = {:.3g} ({} of the plot)".format(suggestion, side)


def test_plot_finder_with_nothing_to_draw():
    ax = plot_finder([0.1, 1.0], [float("nan"), float("inf")], show=False)
    assert len(ax.collections) == 0 and ax.get_xlabel() == "Learning Rate"
    assert len(plot_finder([], [], show=False).collections) == 0


# -- bad arguments ----------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: plot_schedule(42), TypeError,
     "schedule_fn must be callable (iteration -> learning rate), got 42"),
    (lambda: plot_schedule(None, show=False), TypeError,
     "schedule_fn must be callable (iteration -> learning rate), got None"),
    (lambda: plot_schedule(lambda t: None, iterations=3, show=False), TypeError,
     "schedule_fn must return a number (a learning rate), got None for iteration 1"),
    (lambda: plot_schedule(lambda t: "0.1" if t == 2 else 0.1, iterations=3, show=False),
     TypeError, "schedule_fn must return a number (a learning rate), got '0.1' for iteration 2"),
    (lambda: plot_schedule(TriangularSchedule(1, 2, 10), iterations=0), ValueError,
     "iterations must be an int >= 1, got 0"),
    (lambda: plot_schedule(TriangularSchedule(1, 2, 10), iterations="10"), TypeError,
     "iterations must be an int >= 1, got '10'"),
    (lambda: plot_schedule(TriangularSchedule(1, 2, 10), iterations=5, ax=42), TypeError,
     "ax must be a matplotlib Axes or None, got 42"),
    (lambda: plot_schedule(TriangularSchedule(1, 2, 10), iterations=5, show="no"), TypeError,
     "show must be True or False, got 'no'"),
])
def test_plot_schedule_bad_arguments(call, error, message):
    with raises(error, message):
        call()
    assert not plt.get_fignums()  # nothing half-drawn is left behind


@pytest.mark.parametrize("kwargs, error, message", [
    ({"lrs": 42}, TypeError, LRS + ", got 42"),
    ({"lrs": None}, TypeError, LRS + ", got None"),
    ({"losses": "123"}, TypeError,
     "losses must be a sequence of numbers (NaN and inf allowed), got '123'"),
    ({"lrs": [0.1, 1.0, 10.0]}, ValueError,
     "lrs and losses must have the same length; got 3 and 2"),
    ({"lrs": [-0.1, 1.0]}, ValueError,
     "lrs[0] must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got -0.1"),
    ({"lrs": [0.1, 1e300]}, ValueError,
     "lrs[1] must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got 1e+300"),
    ({"lrs": [0.1, "1"]}, TypeError,
     "lrs[1] must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got '1'"),
    ({"losses": [1.0, None]}, TypeError,
     "losses[1] must be a number (NaN and inf allowed), got None"),
    ({"suggestion": -1}, ValueError,
     "suggestion must be a number in [1.1754944e-38, 3.4028235e+38] (float32), got -1.0"),
    ({"suggestion": 0}, ValueError,
     "suggestion must be a number in [1.1754944e-38, 3.4028235e+38] (float32), got 0.0"),
    ({"suggestion": "0.1"}, TypeError,
     "suggestion must be a number in [1.1754944e-38, 3.4028235e+38] (float32), got '0.1'"),
    ({"smoothed": 5}, TypeError, "smoothed must be a pair (lrs, losses), got 5"),
    ({"smoothed": ([0.1], [1.0], [2.0])}, TypeError,
     "smoothed must be a pair (lrs, losses), got ([0.1], [1.0], [2.0])"),
    ({"smoothed": ([0.1], [1.0, 2.0])}, ValueError,
     "smoothed: lrs and losses must have the same length; got 1 and 2"),
    ({"smoothed": ([0.1, 1.0], [1.0, "x"])}, TypeError,
     "smoothed: losses[1] must be a number (NaN and inf allowed), got 'x'"),
    ({"ax": "axes"}, TypeError, "ax must be a matplotlib Axes or None, got 'axes'"),
    ({"show": None}, TypeError, "show must be True or False, got None"),
])
def test_plot_finder_bad_arguments(kwargs, error, message):
    arguments = dict({"lrs": [0.1, 1.0], "losses": [2.0, 1.0], "show": False}, **kwargs)
    with raises(error, message):
        plot_finder(**arguments)
    assert not plt.get_fignums()


def test_plot_finder_accepts_any_iterables_of_numbers():
    import numpy as np
    ax = plot_finder(np.array([0.1, 1.0]), (x for x in [2.0, math.inf]), show=False)
    assert [tuple(p) for p in ax.collections[0].get_offsets()] == [(0.1, 2.0)]


def test_plot_accuracy_curves_draws_each_run_and_the_target():
    _, ax = plt.subplots()
    curves = {"cosine": [(100, 0.5), (200, 0.7)], "one-cycle": [(100, 0.4), (200, 0.72)]}
    assert plot_accuracy_curves(curves, target=0.7, ax=ax) is ax
    lines = ax.get_lines()
    assert [(line.get_label(), list(line.get_xdata()), list(line.get_ydata()))
            for line in lines[:2]] == [("cosine", [100, 200], [0.5, 0.7]),
                                       ("one-cycle", [100, 200], [0.4, 0.72])]
    assert lines[2].get_label() == "target 0.7000" and list(lines[2].get_ydata()) == [0.7, 0.7]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Optimizer step", "Test accuracy")


@pytest.mark.parametrize("curves", [[(1, 0.5)], {"a": [(1, 0.5, 3)]}, {"a": 0.5}])
def test_plot_accuracy_curves_refuses_what_is_not_curves(curves):
    with pytest.raises(TypeError, match=r"curves must be a dict of label -> \[\(step, accuracy"):
        plot_accuracy_curves(curves, show=False)
