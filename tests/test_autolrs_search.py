"""AutoLRS's learning-rate search (gluon_lr.autolrs.search): proposals, pick, state, errors.

The searched functions are of ``log10(lr)`` on ``[1e-4, 1]`` with their minimum
at ``lr = 0.03``, searched with ``k = 10`` candidates. With the default (huge)
``kappa`` the search explores rather than homes in, so the bound on its pick is
what exploration can promise: ten points spread evenly over the 4 decades,
both ends included, are 4/9 decade apart, so the nearest is at most 2/9 decade
from any minimiser, a factor ``10 ** (2 / 9) = 1.668``. A search that clusters
its candidates (or picks a diverged or unlucky one) breaks that bound.
"""
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from gluon_lr.autolrs import LRSearch

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIN_LR, MAX_LR, K = 1e-4, 1.0, 10
TRUE_LR = 0.03
#: Half the gap of 10 evenly spread points over 4 decades, as a factor (see above).
EXPLORATION_FACTOR = 10 ** (2 / 9)
#: The first candidate of seed 0: x = numpy.random.default_rng(0).random() on [0, 1].
SEED0_FIRST_LR = 10 ** (-4 + 4 * 0.6369616873214543)


def bowl(lr):
    """A quadratic bowl in log10(lr), 0 at lr = 0.03."""
    return (math.log10(lr) - math.log10(TRUE_LR)) ** 2


def diverging(lr):
    """The bowl, but NaN (a diverged trial) above lr = 0.1."""
    return float("nan") if lr > 0.1 else bowl(lr)


def run(function, seed=0, kappa=1e6, noise=0.0, k=K):
    """Run a whole search of ``function`` (plus seeded Gaussian noise); return the search."""
    search = LRSearch(MIN_LR, MAX_LR, k, kappa=kappa, seed=seed)
    rng = np.random.default_rng(100 + seed)
    while not search.done:
        lr = search.ask()
        search.tell(lr, function(lr) + noise * rng.standard_normal())
    return search


def factor(lr):
    """How far ``lr`` is from the true minimiser, as a factor >= 1."""
    return max(lr / TRUE_LR, TRUE_LR / lr)


def grid_indices(search):
    """The candidates after the first as indices of the default 1001-point grid."""
    positions = [(math.log10(lr) + 4) / 4 * 1000 for lr, _ in search.observations[1:]]
    assert all(abs(p - round(p)) < 1e-6 for p in positions)
    return [int(round(p)) for p in positions]


# -- finding the minimum -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_bowl_best_within_exploration_factor(seed):
    search = run(bowl, seed=seed)
    lr, score = search.best()
    assert factor(lr) <= EXPLORATION_FACTOR
    assert score == bowl(lr)
    assert len(search.observations) == K


def test_bowl_seed0_candidates_and_pick():
    search = run(bowl, seed=0)
    assert search.observations[0][0] == pytest.approx(SEED0_FIRST_LR, rel=1e-12)
    # Both ends first, then the largest gaps: the GP's variance drives the choice.
    assert grid_indices(search) == [0, 1000, 318, 818, 150, 479, 922, 66, 728]
    lr, score = search.best()
    assert lr == search.observations[0][0]
    assert score == pytest.approx(0.0050020955816271985, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_noisy_bowl_best_within_exploration_factor(seed):
    # Noise of standard deviation 0.03 matches the bowl's rise 0.17 decade (1.5x) away.
    search = run(bowl, seed=seed, noise=0.03)
    lr, _ = search.best()
    assert factor(lr) <= EXPLORATION_FACTOR


@pytest.mark.parametrize("seed", range(6))
def test_nan_region_best_is_finite_and_within_exploration_factor(seed):
    search = run(diverging, seed=seed)
    lr, score = search.best()
    assert math.isfinite(score) and lr <= 0.1
    assert factor(lr) <= EXPLORATION_FACTOR
    # The search did run into the diverging region (so the NaN path was exercised).
    assert any(math.isnan(score) for _, score in search.observations)


def test_nan_region_seed0_candidates():
    search = run(diverging, seed=0)
    assert grid_indices(search) == [0, 1000, 355, 819, 177, 496, 912, 88, 726]
    assert [lr > 0.1 for lr, _ in search.observations].count(True) == 3
    assert search.best()[0] == search.observations[0][0]


def test_small_kappa_homes_in():
    # Grid point 619 of 1000 is 10 ** -1.524, the one nearest 0.03 = 10 ** -1.5229.
    search = run(bowl, seed=0, kappa=1.0)
    assert search.best()[0] == pytest.approx(10 ** (-4 + 4 * 0.619), rel=1e-12)


# -- kappa and proposals -----------------------------------------------------------------


def test_large_kappa_spreads_candidates_over_the_range():
    logs = sorted(math.log10(lr) for lr, _ in run(bowl, seed=0).observations)
    assert logs[0] == -4.0 and logs[-1] == 0.0
    gaps = np.diff(logs)
    assert gaps.max() == pytest.approx(0.672, abs=1e-9)
    assert gaps.min() == pytest.approx(0.264, abs=1e-9)


def test_zero_kappa_clusters_candidates_at_the_predicted_minimum():
    search = run(bowl, seed=0, kappa=0.0)
    assert grid_indices(search) == [0, 636, 659, 629, 625, 623, 622, 621, 620]
    near = [lr for lr, _ in search.observations if factor(lr) < 10 ** 0.2]
    assert len(near) == 9
    assert factor(search.best()[0]) == pytest.approx(10 ** (0.620 * 4 - 4) / TRUE_LR)


def test_observed_rate_is_never_proposed_again():
    # With kappa = 0 the GP's minimum sits on the best observation; the search must step
    # off it (without the exclusion it proposes the first candidate's grid point again).
    search = run(bowl, seed=0, kappa=0.0)
    logs = sorted(math.log10(lr) for lr, _ in search.observations)
    half_step = 0.5 * 4 / 1000
    assert np.diff(logs).min() >= half_step - 1e-12


def test_ask_repeats_until_tell():
    search = LRSearch(MIN_LR, MAX_LR, K, seed=0)
    first = search.ask()
    assert search.ask() == first
    search.tell(first, 1.0)
    second = search.ask()
    assert second != first and search.ask() == second


def test_tell_accepts_a_rate_that_was_not_asked():
    search = LRSearch(MIN_LR, MAX_LR, K, seed=0)
    search.tell(1e-3, 2.0)
    search.tell(MAX_LR, 1.0)
    assert search.observations == ((1e-3, 2.0), (1.0, 1.0))
    assert search.best() == (1.0, 1.0)


# -- determinism and resuming ------------------------------------------------------------


def test_same_seed_and_tells_give_the_same_search():
    first = run(bowl, seed=3, noise=0.03)
    second = run(bowl, seed=3, noise=0.03)
    assert first.observations == second.observations
    assert run(bowl, seed=4).observations[0] != first.observations[0]


def test_resumed_search_proposes_the_same_rates():
    original = LRSearch(MIN_LR, MAX_LR, K, seed=7)
    for step in range(4):
        lr = original.ask()
        original.tell(lr, float("nan") if step == 1 else bowl(lr))
    state = json.loads(json.dumps(original.state_dict()))
    resumed = LRSearch.from_state(state)
    assert resumed.observations[1][0] == original.observations[1][0]
    assert math.isnan(resumed.observations[1][1])
    assert resumed.ask() == original.ask()
    for search in (original, resumed):
        while not search.done:
            lr = search.ask()
            search.tell(lr, bowl(lr))
    assert [lr for lr, _ in resumed.observations] == [lr for lr, _ in original.observations]
    assert resumed.best() == original.best()


def test_state_dict_layout():
    search = LRSearch(1e-3, 0.5, 3, kappa=2.0, seed=5, grid_size=11)
    search.tell(0.01, 1.25)
    assert search.state_dict() == {
        "format": 1, "min_lr": 1e-3, "max_lr": 0.5, "k": 3, "kappa": 2.0, "seed": 5,
        "grid_size": 11, "observations": [[0.01, 1.25]]}
    assert LRSearch.from_state(search.state_dict()).ask() == search.ask()


def test_from_state_rejects_bad_states():
    good = LRSearch(MIN_LR, MAX_LR, K).state_dict()
    with pytest.raises(TypeError, match=r"^state must be a dict from LRSearch.state_dict\(\), "
                                        r"got \[\]$"):
        LRSearch.from_state([])
    missing = dict(good)
    del missing["seed"], missing["observations"]
    with pytest.raises(ValueError, match=r"; missing seed, observations$"):
        LRSearch.from_state(missing)
    with pytest.raises(ValueError, match=r"^state format must be 1, got 2$"):
        LRSearch.from_state(dict(good, format=2))
    with pytest.raises(ValueError, match=r"^lr must be a number in \[0.0001, 1.0\], got 2.0$"):
        LRSearch.from_state(dict(good, observations=[[2.0, 1.0]]))


# -- scores and the pick -----------------------------------------------------------------


@pytest.mark.parametrize("scores, targets", [
    ([2.0, 2.5, 1.0], [2.0, 2.5, 1.0]),
    # worst + (worst - best)
    ([2.0, float("nan"), 2.5, float("inf")], [2.0, 3.0, 2.5, 3.0]),
    ([2.0, float("-inf")], [2.0, 4.0]),     # worst == best: worst + |worst|
    ([0.0, float("nan")], [0.0, 1.0]),       # ... and 1 when that is 0 too
    ([-1.0, float("nan")], [-1.0, 0.0]),
    ([float("nan"), float("inf")], [1.0, 1.0]),
])
def test_diverged_scores_fed_to_the_gp(scores, targets):
    search = LRSearch(MIN_LR, MAX_LR, K)
    for i, score in enumerate(scores):
        search.tell(10.0 ** -(i + 1), score)
    assert search._targets().tolist() == targets


def test_best_skips_diverged_trials_and_breaks_ties_by_order():
    search = LRSearch(MIN_LR, MAX_LR, K)
    for lr, score in [(0.5, float("nan")), (0.01, 3.0), (0.1, 2.0), (0.2, float("-inf")),
                      (0.05, 2.0)]:
        search.tell(lr, score)
    assert search.best() == (0.1, 2.0)


def test_best_when_every_trial_diverged_is_the_lowest_rate():
    search = LRSearch(MIN_LR, MAX_LR, K)
    search.tell(0.5, float("nan"))
    search.tell(0.02, float("inf"))
    search.tell(0.3, float("nan"))
    lr, score = search.best()
    assert lr == 0.02 and score == float("inf")


def test_diverged_trials_do_not_break_the_proposals():
    search = LRSearch(MIN_LR, MAX_LR, 3, seed=0)
    search.tell(search.ask(), float("nan"))
    search.tell(search.ask(), float("nan"))
    assert MIN_LR <= search.ask() <= MAX_LR


def test_search_runs_out_after_k_scores():
    search = run(bowl, k=2)
    assert search.done
    with pytest.raises(RuntimeError, match=r"^the search is done: all k = 2 scores were told; "
                                           r"call best\(\)$"):
        search.ask()
    with pytest.raises(RuntimeError, match=r"^the search is done: all k = 2 scores were told$"):
        search.tell(0.01, 1.0)


def test_best_before_any_score():
    with pytest.raises(RuntimeError, match=r"^no score has been told yet"):
        LRSearch(MIN_LR, MAX_LR, K).best()


# -- argument errors ---------------------------------------------------------------------

F32 = r"\[1.1754944e-38, 3.4028235e\+38\] \(float32\)"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(min_lr=1.0, max_lr=1e-4), ValueError,
     r"^min_lr must be < max_lr, got min_lr = 1.0 and max_lr = 0.0001$"),
    (dict(min_lr=0.1, max_lr=0.1), ValueError,
     r"^min_lr must be < max_lr, got min_lr = 0.1 and max_lr = 0.1$"),
    (dict(min_lr=0), ValueError, r"^min_lr must be a number in " + F32 + r", got 0.0$"),
    (dict(min_lr=-1e-3), ValueError, r"^min_lr must be a number in " + F32 + r", got -0.001$"),
    (dict(min_lr=1e-40), ValueError, r"^min_lr must be a number in " + F32 + r", got 1e-40$"),
    (dict(max_lr=1e39), ValueError, r"^max_lr must be a number in " + F32 + r", got 1e\+39$"),
    (dict(max_lr=float("inf")), ValueError, r"^max_lr must be a number in " + F32),
    (dict(max_lr="1"), TypeError, r"^max_lr must be a number in " + F32 + r", got '1'$"),
    (dict(k=1), ValueError, r"^k must be an int >= 2, got 1$"),
    (dict(k=10.0), TypeError, r"^k must be an int >= 2, got 10.0$"),
    (dict(kappa=-1), ValueError, r"^kappa must be a number in \[0, inf\), got -1.0$"),
    (dict(kappa=float("nan")), ValueError, r"^kappa must be a number in \[0, inf\), got nan$"),
    (dict(seed=-1), ValueError, r"^seed must be an int >= 0, got -1$"),
    (dict(seed=2 ** 32), ValueError, r"^seed must be an int in \[0, 4294967295\], "
                                     r"got 4294967296$"),
    (dict(seed=None), TypeError, r"^seed must be an int >= 0, got None$"),
    (dict(grid_size=9), ValueError, r"^grid_size must be an int >= 10, got 9$"),
])
def test_bad_arguments(kwargs, error, message):
    arguments = dict(min_lr=MIN_LR, max_lr=MAX_LR, k=K)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        LRSearch(**arguments)


@pytest.mark.parametrize("lr, score, error, message", [
    (2.0, 1.0, ValueError, r"^lr must be a number in \[0.0001, 1.0\], got 2.0$"),
    (5e-5, 1.0, ValueError, r"^lr must be a number in \[0.0001, 1.0\], got 5e-05$"),
    (0.0, 1.0, ValueError, r"^lr must be a number in " + F32 + r", got 0.0$"),
    (None, 1.0, TypeError, r"^lr must be a number in " + F32 + r", got None$"),
    (0.01, "1.0", TypeError, r"^score must be a real number \(NaN or inf for a diverged "
                             r"trial\), got '1.0'$"),
    (0.01, True, TypeError, r"^score must be a real number"),
])
def test_bad_tell(lr, score, error, message):
    search = LRSearch(MIN_LR, MAX_LR, K)
    with pytest.raises(error, match=message):
        search.tell(lr, score)
    assert search.observations == ()


def test_tell_accepts_numpy_scores():
    search = LRSearch(MIN_LR, MAX_LR, K)
    search.tell(np.float32(0.01), np.float32(1.5))
    assert search.observations == ((0.009999999776482582, 1.5),)
    assert type(search.observations[0][1]) is float


# -- the optional scikit-learn dependency ------------------------------------------------


def test_missing_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.gaussian_process", None)
    with pytest.raises(ImportError) as caught:
        LRSearch(MIN_LR, MAX_LR, K)
    assert str(caught.value).startswith(
        'LRSearch needs scikit-learn and SciPy, which are not installed: '
        'pip install "gluon-lr[auto]" (')


def test_package_imports_without_sklearn():
    # A fresh interpreter in which every import of scikit-learn fails.
    code = "\n".join([
        "import sys",
        "sys.modules['sklearn'] = None",
        "import gluon_lr, gluon_lr.autolrs",
        "from gluon_lr.autolrs import LRSearch",
        "try:",
        "    LRSearch(1e-4, 1.0, 10)",
        "except ImportError as error:",
        "    print(error)",
    ])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('LRSearch needs scikit-learn and SciPy, which are not '
                                    'installed: pip install "gluon-lr[auto]" (')
