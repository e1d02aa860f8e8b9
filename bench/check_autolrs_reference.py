"""Check gluon-lr's AutoLRS search against the reference implementation's rules.

The reference is YuchenJin/autolrs (Jin et al., ICLR 2021): ``autolrs_server.py``
(``Controller.run``, ``exp_forecast``, ``spline_iter``, ``f``,
``RingBuffer.exponential_forcast``) on scikit-optimize 0.8.1 and scikit-learn
0.21.3 (its ``requirements.txt``). Neither scikit-optimize nor that
scikit-learn is installed here, so this script re-implements the parts the
reference uses, from reading them, with NumPy, SciPy and the installed
scikit-learn:

* the proposal: ``skopt.Optimizer([Real(min_lr, max_lr, 'log-uniform')], "GP",
  n_initial_points=1, acq_func='LCB', acq_func_kwargs={'kappa': 1e6})``
  (``Controller.run``, BO stage), as skopt 0.8.1's ``Optimizer._ask``/``_tell``,
  ``utils.cook_estimator`` and ``learning/gaussian_process/gpr.py`` do it;
* the forecast: ``RingBuffer.exponential_forcast`` -> ``exp_forecast`` ->
  ``spline_iter`` (training and validation variants);
* the pick: the candidate with the lowest forecast (``Controller.run``,
  ``min(self.func_val_iters)``).

gluon-lr's side is its own code: :class:`gluon_lr.autolrs.LRSearch` and
:func:`gluon_lr.autolrs.trials.score_trial`, as ``AutoLRS._search`` calls them.

Both score the same recorded loss stream: a seeded synthetic model in which
each stage starts from a fixed state (independent of earlier choices), and a
candidate ``lr`` trains ``tau'`` steps with losses

    loss(t) = c0 + h * lr + A * exp(-kr * lr * t) + drift(lr, t) + noise(t)

(``h * lr`` a noise floor growing with lr, ``drift`` a rise above ``4 * lr*``
that stands for divergence, ``noise`` Gaussian plus rare spikes, the same
draws for every candidate of a stage, as with gluon-lr's batch replay). The
noise-free loss at step ``tau`` is the truth: ``lr*`` minimises it.

Run (about 40 s on one core)::

    OMP_NUM_THREADS=1 python bench/check_autolrs_reference.py
"""
import argparse
import dataclasses
import math
import time
import warnings
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize
from scipy.interpolate import UnivariateSpline
from scipy.linalg import cho_solve
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from gluon_lr.autolrs.search import LRSearch
from gluon_lr.autolrs.stages import stage_length, stage_seed
from gluon_lr.autolrs.trials import score_trial, validation_steps
from gluon_lr.forecast import ExponentialFit

MIN_LR, MAX_LR = 1e-3, 1e-1  # the reference's run.sh
K = 10  # LR_TO_EXPLORE in Controller.__init__
VAL_POINTS = 16  # Controller: val_freq = lr_steps / 16
# Per stage of the synthetic stream: the true best lr, the level c0, the fall A, and
# z* = kr * lr* * tau (how far the curve falls by step tau at lr*; within a trial,
# tau' = tau / 10, it falls z* / 10 of the way in e-folds).
BEST_LR = (0.03, 0.02, 0.012, 0.008, 0.006)
LEVEL = (0.5, 0.4, 0.32, 0.26, 0.22)
FALL = (1.5, 0.8, 0.45, 0.25, 0.15)
Z_STAR = (8.0, 5.0, 4.0, 3.5, 3.0)
NOISE = 0.02  # training-loss noise, as a fraction of the stage's start level c0 + A
VAL_NOISE = 0.004  # validation-loss noise, same units
SPIKES = 0.01  # fraction of steps with a bad batch: + 30 % of the level
DIVERGE = 4.0  # losses rise over the trial for lr above DIVERGE * lr*


# -- the recorded loss stream --------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class StageModel:
    """One stage of the synthetic stream: its lengths, curve and noise draws."""

    index: int
    tau_prime: int
    tau: int
    validation: bool
    best_lr: float
    level: float
    fall: float
    rate: float  # kr: e-folds per step per unit lr
    floor_slope: float  # h
    noise: np.ndarray  # tau' training-loss noise draws, spikes included
    val_noise: np.ndarray  # VAL_POINTS validation-loss noise draws


def stage_model(seed: int, index: int) -> StageModel:
    """The stage ``index`` of the stream for ``seed`` (lengths as gluon-lr's and the reference's).

    ``h`` is set so that the noise-free loss at step ``tau`` is smallest at ``BEST_LR``:
    d/dlr [h lr + A exp(-kr lr tau)] = 0 there.
    """
    length = stage_length(index, tau=1000, tau_prime=100, tau_max=8000)
    rate = Z_STAR[index] / (BEST_LR[index] * length.tau)
    floor_slope = FALL[index] * rate * length.tau * math.exp(-Z_STAR[index])
    rng = np.random.default_rng([seed, index])
    start = LEVEL[index] + FALL[index]
    noise = NOISE * start * rng.standard_normal(length.tau_prime)
    spikes = rng.random(length.tau_prime) < SPIKES
    noise[spikes] += 0.3 * start
    val_noise = VAL_NOISE * start * rng.standard_normal(VAL_POINTS)
    return StageModel(index, length.tau_prime, length.tau, length.validation, BEST_LR[index],
                      LEVEL[index], FALL[index], rate, floor_slope, noise, val_noise)


def clean_loss(model: StageModel, lr: float, steps: np.ndarray) -> np.ndarray:
    """The noise-free loss after ``steps`` steps at ``lr`` from the stage's start."""
    steps = np.asarray(steps, dtype=float)
    loss = model.level + model.floor_slope * lr + model.fall * np.exp(-model.rate * lr * steps)
    excess = lr / (DIVERGE * model.best_lr) - 1.0
    if excess > 0:
        loss = loss + model.fall * excess * steps / model.tau_prime
    return loss


def train_losses(model: StageModel, lr: float) -> np.ndarray:
    """The training losses of a trial at ``lr``: steps 1 .. tau'."""
    return clean_loss(model, lr, np.arange(1, model.tau_prime + 1)) + model.noise


def val_losses(model: StageModel, lr: float, steps: Sequence[int]) -> np.ndarray:
    """Validation losses after ``steps`` (the clean curve plus a gap of 5 % and small noise)."""
    return 1.05 * clean_loss(model, lr, np.asarray(steps)) + model.val_noise[:len(steps)]


def true_at_tau(model: StageModel, lr: float) -> float:
    """The truth a forecast estimates: the noise-free loss at step ``tau``."""
    return float(clean_loss(model, lr, np.array([model.tau]))[0])


def true_best(model: StageModel) -> Tuple[float, float]:
    """``(lr, loss at tau)`` minimising the truth over [MIN_LR, MAX_LR] (on a fine grid)."""
    lrs = np.logspace(math.log10(MIN_LR), math.log10(MAX_LR), 4001)
    truth = [true_at_tau(model, lr) for lr in lrs]
    best = int(np.argmin(truth))
    return float(lrs[best]), float(truth[best])


# -- the reference's forecast (autolrs_server.py) ------------------------------------------

def ref_residual(log_rate: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """``f(b, x, y)``: the least-squares residual of ``ys ~ a exp(-exp(b) xs) + c``.

    The reference returns ``np.linalg.lstsq(...)[1]``, a 1-element array, which
    is empty when the design is rank-deficient (then SciPy's simplex would fail);
    this returns the sum of squares either way.
    """
    design = np.vstack([np.exp(-np.exp(log_rate) * xs), np.ones(len(xs))]).T
    coef = np.linalg.lstsq(design, ys, rcond=None)[0]
    return float(np.sum((design @ coef - ys) ** 2))


def ref_spline_iter(xs: np.ndarray, ys: np.ndarray,
                    is_training: bool) -> Tuple[np.ndarray, np.ndarray]:
    """``spline_iter``: drop outliers from a degree-2 smoothing spline, in rounds.

    Training: 10 rounds, each dropping the ``round(3 %)`` largest residuals among
    the remaining points; validation: 1 round dropping the largest. Only points
    whose position in the *current* array is below ``bound`` (the x value half
    way through the original series) can go, as the reference compares them.
    ``UnivariateSpline``'s default smoothing ``s = len(xs)`` is kept.
    """
    bound = xs[int((len(xs) - 1) * 0.5)]
    rounds = 10 if is_training else 1
    for _ in range(rounds):
        residual = np.abs(ys - UnivariateSpline(xs, ys, k=2)(xs))
        order = sorted(range(len(residual)), key=lambda i: residual[i])
        # Python's round, as the reference: round(-2.5) == -2; a 0 keeps the whole list.
        worst = order[int(round(-len(residual) * 0.03)):] if is_training else order[-1:]
        drop = {i for i in worst if i < bound}
        keep = [i for i in range(len(xs)) if i not in drop]
        xs, ys = xs[keep], ys[keep]
    return xs, ys


def ref_exp_forecast(series: Sequence[float], pred_index: float, is_training: bool) -> float:
    """``RingBuffer.exponential_forcast`` -> ``exp_forecast``: the loss at ``pred_index``.

    The series sits at x = 0 .. n-1; the fit is to the spline (of the points
    ``ref_spline_iter`` kept) evaluated at every x; ``b`` comes from SciPy's
    Nelder-Mead on ``log(-b)`` from 0 with ``xtol = ftol = 1e-5``; ``a, c`` by
    linear least squares.
    """
    ys = np.asarray(series, dtype=float)
    xs = np.arange(len(ys), dtype=float)
    kept_x, kept_y = ref_spline_iter(xs, ys, is_training)
    smooth = UnivariateSpline(kept_x, kept_y, k=2)(xs)
    log_rate = optimize.fmin(ref_residual, 0.0, args=(xs, smooth), xtol=1e-5, ftol=1e-5,
                             disp=False)[0]
    b = -math.exp(log_rate)
    design = np.vstack([np.exp(b * xs), np.ones(len(xs))]).T
    a, c = np.linalg.lstsq(design, smooth, rcond=None)[0]
    return float(a * math.exp(b * pred_index) + c)


def ref_score(model: StageModel, lr: float, init_loss: float) -> float:
    """A candidate's score as ``Controller.run`` computes it when ``lr_counter == lr_steps``.

    Training stages: the ring buffer holds the trial's ``lr_steps`` losses,
    extrapolated to index ``exploitation_step`` (= tau). Validation stages: the
    buffer holds the ``lr_steps // val_freq`` validation losses (one every
    ``val_freq = lr_steps / 16`` steps), extrapolated to ``exploitation_step /
    val_freq``; and if any of them is ``>= init_loss`` (the training loss at
    ``startBO``), the score is the last one instead.
    """
    if not model.validation:
        return ref_exp_forecast(train_losses(model, lr), model.tau, True)
    val_freq = model.tau_prime // VAL_POINTS
    losses = val_losses(model, lr, [val_freq * (i + 1) for i in range(VAL_POINTS)])
    if max(losses) >= init_loss:
        return float(losses[-1])
    return ref_exp_forecast(losses, model.tau / val_freq, False)


# -- the reference's proposal (Controller.run with skopt 0.8.1's Optimizer) ----------------

class RefSearch:
    """skopt 0.8.1's ``Optimizer`` as ``Controller.run`` configures it, for one stage.

    * Space: ``Real(min_lr, max_lr, 'log-uniform')``, normalised for the GP
      (``normalize_dimensions``): ``x = (log10 lr - log10 min_lr) / (log10 max_lr -
      log10 min_lr)``; back-transformed rates are clipped to the interval.
    * Random state: ``rng`` (unseeded in the reference; seeded here). The
      constructor draws the GP's ``random_state`` from it (``cook_estimator``),
      the first ask one uniform ``x`` (``n_initial_points=1``).
    * Surrogate (``cook_estimator("GP")``, ``gpr.GaussianProcessRegressor.fit``):
      ``ConstantKernel(1, (0.01, 1000)) * Matern(1, (0.01, 100), nu=2.5) +
      WhiteKernel()`` (noise 1, bounds (1e-5, 1e5)), ``n_restarts_optimizer=2``,
      ``normalize_y=True``, which on scikit-learn 0.21.3 only subtracts the mean
      (the standard-deviation scaling came in 0.23): the GP here is fitted to
      the centred scores, unscaled. ``sigma`` drops the white noise.
      ``scale_y=True`` divides them by their standard deviation first, as
      ``normalize_y`` does on scikit-learn >= 0.23 (skopt 0.8.1 undoes it in
      ``predict``), which is what gluon-lr's ``LRSearch`` fits; ``gp_seed``
      replaces the GP's drawn ``random_state`` (its hyper-parameter restarts).
    * Proposal (``Optimizer._tell``, ``acq_optimizer='lbfgs'`` as "auto" picks
      for a GP): the LCB ``mu - kappa * sigma`` on 10000 uniform samples of x, then
      L-BFGS-B (``maxiter=20``, analytic gradient as ``gaussian_lcb``) from the 5
      best; the lowest result, clipped to [0, 1].
    * Repeats (``Controller.run``): while the proposed lr equals one already
      scored, it is told again with its score and the optimizer asked again.
    """

    def __init__(self, min_lr: float, max_lr: float, seed: int, kappa: float = 1e6,
                 first_lr: Optional[float] = None, scale_y: bool = False,
                 gp_seed: Optional[int] = None) -> None:
        self.lo, self.hi = math.log10(min_lr), math.log10(max_lr)
        self.min_lr, self.max_lr, self.kappa, self.scale_y = min_lr, max_lr, kappa, scale_y
        self.rng = np.random.RandomState(seed)
        drawn = int(self.rng.randint(0, np.iinfo(np.int32).max))
        self.gp_seed = drawn if gp_seed is None else gp_seed
        first_x = self.rng.uniform()
        self.next_lr = first_lr if first_lr is not None else self.to_lr(first_x)
        self.xs: List[float] = []
        self.ys: List[float] = []

    def to_lr(self, x: float) -> float:
        """Back-transform and clip, as ``Real.inverse_transform``."""
        return float(np.clip(10.0 ** (self.lo + x * (self.hi - self.lo)), self.min_lr,
                             self.max_lr))

    def ask(self) -> float:
        """The point ``_tell`` last computed (the random one before any tell)."""
        return self.next_lr

    def tell(self, lr: float, score: float) -> None:
        """Record a score, refit the GP and compute the next proposal."""
        self.xs.append((math.log10(lr) - self.lo) / (self.hi - self.lo))
        self.ys.append(score)
        gp, mean, scale = self._fit()
        samples = self.rng.uniform(size=10000)
        mu, sigma = gp.predict(samples[:, None], return_std=True)
        values = scale * (mu - self.kappa * sigma) + mean
        starts = samples[np.argsort(values)[:5]]
        results = [optimize.fmin_l_bfgs_b(lambda x: self._lcb(gp, mean, scale, float(x[0])),
                                          np.array([x0]), bounds=[(0.0, 1.0)], maxiter=20)
                   for x0 in starts]
        best = min(range(len(results)), key=lambda i: results[i][1])
        self.next_lr = self.to_lr(float(np.clip(results[best][0][0], 0.0, 1.0)))

    def _fit(self) -> Tuple[GaussianProcessRegressor, float, float]:
        """The GP on centred (and with ``scale_y`` scaled) scores, its white noise dropped
        for prediction; and the mean and scale to undo."""
        kernel = (ConstantKernel(1.0, (0.01, 1000.0))
                  * Matern(length_scale=np.ones(1), length_scale_bounds=[(0.01, 100.0)], nu=2.5)
                  + WhiteKernel())
        gp = GaussianProcessRegressor(kernel=kernel, normalize_y=False, n_restarts_optimizer=2,
                                      random_state=self.gp_seed)
        ys = np.array(self.ys)
        mean = float(ys.mean())
        scale = float(ys.std()) if self.scale_y and ys.std() > 0 else 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(np.array(self.xs)[:, None], (ys - mean) / scale)
        gp.kernel_ = gp.kernel_.k1  # WhiteKernel(0) in skopt: same mean, latent sigma
        return gp, mean, scale

    def _lcb(self, gp: GaussianProcessRegressor, mean: float, scale: float,
             x: float) -> Tuple[float, np.ndarray]:
        """``gaussian_lcb`` with ``return_grad``: value and d/dx of ``mu - kappa * sigma``."""
        amplitude = gp.kernel_.k1.constant_value
        length = float(np.ravel(gp.kernel_.k2.length_scale)[0])
        diff = x - gp.X_train_[:, 0]
        r = math.sqrt(5.0) * np.abs(diff) / length
        k = amplitude * (1.0 + r + r * r / 3.0) * np.exp(-r)
        dk = -amplitude * (5.0 / 3.0) * diff / length ** 2 * (1.0 + r) * np.exp(-r)
        mu = float(k @ gp.alpha_)
        kinv_k = cho_solve((gp.L_, True), k)
        var = amplitude - float(k @ kinv_k)
        sigma = math.sqrt(var) if var > 0 else 0.0
        dmu = float(dk @ gp.alpha_)
        dsigma = -float(kinv_k @ dk) / sigma if sigma > 1e-12 else 0.0
        return scale * (mu - self.kappa * sigma) + mean, \
            np.array([scale * (dmu - self.kappa * dsigma)])


# -- the two stage searches ----------------------------------------------------------------

Scorer = Callable[[float], float]


@dataclasses.dataclass
class StageResult:
    """One implementation's search in one stage."""

    candidates: List[Tuple[float, float]]  # (lr, score) in order
    chosen: float
    repeats: int = 0  # reference only: proposals that repeated a scored lr


def gluon_search(seed: int, score: Scorer) -> StageResult:
    """gluon-lr's stage search, as ``AutoLRS._search``: ask, score, tell, ``best()``."""
    search = LRSearch(MIN_LR, MAX_LR, K, seed=seed)
    while not search.done:
        lr = search.ask()
        search.tell(lr, score(lr))
    return StageResult(list(search.observations), search.best()[0])


def ref_search(seed: int, score: Scorer, first_lr: Optional[float] = None,
               scale_y: bool = False, gp_seed: Optional[int] = None) -> StageResult:
    """The reference's stage search (``Controller.run``): K candidates, the lowest score."""
    opt = RefSearch(MIN_LR, MAX_LR, seed, first_lr=first_lr, scale_y=scale_y, gp_seed=gp_seed)
    scored = {}
    candidates: List[Tuple[float, float]] = []
    repeats = 0
    lr = opt.ask()
    while True:
        value = score(lr)
        opt.tell(lr, value)
        scored[lr] = value
        candidates.append((lr, value))
        if len(candidates) == K:
            break
        lr = opt.ask()
        while lr in scored:
            repeats += 1
            opt.tell(lr, scored[lr])
            lr = opt.ask()
    chosen = min(candidates, key=lambda c: c[1])[0]
    return StageResult(candidates, chosen, repeats)


def gluon_fit(model: StageModel, lr: float) -> Tuple[Optional[ExponentialFit], float]:
    """gluon-lr's scoring of a candidate, as ``trials.run_candidate``: ``score_trial``'s
    ``(fit, forecast)`` on the training losses, or on the validation losses in a
    validation stage."""
    losses = train_losses(model, lr)
    if model.validation:
        steps = validation_steps(model.tau_prime, VAL_POINTS)
        return score_trial(list(losses), model.tau, list(steps),
                           list(val_losses(model, lr, steps)))
    return score_trial(list(losses), model.tau)


def gluon_score(model: StageModel) -> Scorer:
    """gluon-lr's candidate score: the forecast of :func:`gluon_fit`."""
    return lambda lr: gluon_fit(model, lr)[1]


def gluon_extrapolation(model: StageModel, lr: float) -> float:
    """gluon-lr's fit extrapolated to ``tau`` whether or not it has ``bent`` (a diagnostic)."""
    fit = gluon_fit(model, lr)[0]
    return math.inf if fit is None else float(fit.predict(model.tau))


# -- report --------------------------------------------------------------------------------

def dlog(a: float, b: float) -> float:
    """``|log10(a / b)|``."""
    return abs(math.log10(a / b))


def agreeing(first: Sequence[Tuple[float, float]], second: Sequence[Tuple[float, float]]) -> int:
    """How many leading proposals of two searches agree within 0.01 decade."""
    count = 0
    for (a, _), (b, _) in zip(first, second):
        if dlog(a, b) > 0.01:
            break
        count += 1
    return count


def set_distance(first: Sequence[Tuple[float, float]],
                 second: Sequence[Tuple[float, float]]) -> float:
    """The largest distance (decades) from a candidate of one set to the nearest of the other."""
    a = np.log10([lr for lr, _ in first])
    b = np.log10([lr for lr, _ in second])
    gaps = np.abs(a[:, None] - b[None, :])
    return float(max(gaps.min(axis=1).max(), gaps.min(axis=0).max()))


def pick(lrs: Sequence[float], scores: Sequence[float]) -> float:
    """The lr of the lowest finite score, earliest on ties."""
    finite = [(s, i) for i, s in enumerate(scores) if math.isfinite(s)]
    return lrs[min(finite)[1]]


def print_table(model: StageModel, gluon: StageResult, ref: StageResult,
                g_cross: Sequence[float], r_cross: Sequence[float]) -> None:
    """The candidates of both searches side by side, with both forecasts and the truth."""
    print("  #  | gluon-lr: lr      fc      ref-fc  true    | reference: lr     fc      "
          "gluon-fc  true")
    for i in range(K):
        (glr, gfc), (rlr, rfc) = gluon.candidates[i], ref.candidates[i]
        print("  {:2d} | {:10.4g} {:7.4f} {:7.4f} {:7.4f} | {:10.4g} {:7.4f} {:7.4f} "
              "{:7.4f}".format(i + 1, glr, gfc, g_cross[i], true_at_tau(model, glr), rlr, rfc,
                               r_cross[i], true_at_tau(model, rlr)))


def compare_proposals(s_seed: int, gluon: StageResult, score: Scorer) -> dict:
    """Both proposal rules from gluon-lr's first lr under one score (gluon-lr's forecast).

    The reference's rule runs twice: as pinned (centred scores, its own GP seed),
    and with the scores scaled and the GP seeded as gluon-lr's, so that only the
    acquisition's optimiser (samples + L-BFGS-B against a grid) and the handling
    of repeats differ.
    """
    first = gluon.candidates[0][0]
    same_start = ref_search(s_seed, score, first_lr=first)
    scaled = ref_search(s_seed, score, first_lr=first, scale_y=True, gp_seed=s_seed)
    print("  proposal rules alone (gluon-lr's first lr, all scored by gluon-lr's forecast), "
          "log10 lr; 'ref, y scaled': the reference's rule on scores scaled as gluon-lr's, "
          "with gluon-lr's GP seed:")
    for name, result in (("gluon-lr", gluon), ("reference", same_start),
                         ("ref, y scaled", scaled)):
        print("    {:13s} {} -> {:.4g}{}".format(
            name, " ".join("{:6.3f}".format(math.log10(lr)) for lr, _ in result.candidates),
            result.chosen, " ({} repeats)".format(result.repeats) if result.repeats else ""))
    agree = [agreeing(gluon.candidates, other.candidates) for other in (same_start, scaled)]
    spread = [set_distance(gluon.candidates, other.candidates) for other in (same_start, scaled)]
    print("    leading proposals agreeing with gluon-lr's (within 0.01 decade): reference {}, "
          "ref y scaled {} of {}; farthest candidate from the other set: {:.3f} and {:.3f} "
          "decades".format(agree[0], agree[1], K, spread[0], spread[1]))
    return {"agree": agree, "spread": spread, "repeats": same_start.repeats,
            "seq_chosen": dlog(gluon.chosen, same_start.chosen),
            "scaled_chosen": dlog(gluon.chosen, scaled.chosen)}


def check_stage(seed: int, index: int, init_loss: float) -> dict:
    """Run both searches on one stage, print them side by side; return the numbers."""
    model = stage_model(seed, index)
    g_score = gluon_score(model)

    def r_score(lr: float) -> float:
        return ref_score(model, lr, init_loss)

    s_seed = stage_seed(seed, index)
    gluon = gluon_search(s_seed, g_score)
    ref = ref_search(s_seed, r_score)
    best_lr, best_loss = true_best(model)
    print("\nseed {} stage {} ({} loss, tau'={}, tau={}): true best lr {:.4g}, true loss at tau "
          "{:.4f}".format(seed, index, "validation" if model.validation else "training",
                          model.tau_prime, model.tau, best_lr, best_loss))
    g_cross = [r_score(lr) for lr, _ in gluon.candidates]
    r_cross = [g_score(lr) for lr, _ in ref.candidates]
    print_table(model, gluon, ref, g_cross, r_cross)
    g_true, r_true = true_at_tau(model, gluon.chosen), true_at_tau(model, ref.chosen)
    apart = dlog(gluon.chosen, ref.chosen)
    print("  chosen: gluon-lr {:.4g} (true {:.4f}, {:+.2f} decades from best) | reference "
          "{:.4g} (true {:.4f}, {:+.2f}); |dlog10| {:.3f}{}{}".format(
              gluon.chosen, g_true, math.log10(gluon.chosen / best_lr), ref.chosen, r_true,
              math.log10(ref.chosen / best_lr), apart, " SAME" if apart == 0 else "",
              "; reference repeated a scored lr {}x".format(ref.repeats) if ref.repeats else ""))
    # Each side's candidates under the other's forecast, and gluon-lr's under its own fit
    # extrapolated without the bent rule.
    g_by_ref = pick([lr for lr, _ in gluon.candidates], g_cross)
    r_by_gluon = pick([lr for lr, _ in ref.candidates], r_cross)
    g_plain = pick([lr for lr, _ in gluon.candidates],
                   [gluon_extrapolation(model, lr) for lr, _ in gluon.candidates])
    print("  forecast swap: gluon-lr's candidates scored by the reference's forecast -> {:.4g};"
          " the reference's by gluon-lr's -> {:.4g}; gluon-lr's candidates by gluon-lr's fit "
          "extrapolated even when not bent -> {:.4g} (true {:.4f})".format(
              g_by_ref, r_by_gluon, g_plain, true_at_tau(model, g_plain)))
    row = compare_proposals(s_seed, gluon, g_score)
    row["repeats"] += ref.repeats
    row.update(apart=apart, g_regret=g_true - best_loss, r_regret=r_true - best_loss,
               swap_g=dlog(g_by_ref, gluon.chosen), swap_r=dlog(r_by_gluon, ref.chosen),
               plain_off=math.log10(g_plain / best_lr),
               plain_regret=true_at_tau(model, g_plain) - best_loss,
               g_off=math.log10(gluon.chosen / best_lr), r_off=math.log10(ref.chosen / best_lr))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--stages", type=int, default=5, choices=range(1, 6))
    args = parser.parse_args()
    began = time.perf_counter()
    print("lr range [{:g}, {:g}], k={}, tau/tau' from 1000/100 doubling to 8000/800, then a "
          "validation stage; columns: fc = the side's own forecast, ref-fc / gluon-fc = the "
          "other side's forecast of the same candidate, true = noise-free loss at tau".format(
              MIN_LR, MAX_LR, K))
    rows = []
    for seed in args.seeds:
        init_loss = float(train_losses(stage_model(seed, 0), MIN_LR)[0])  # loss at startBO
        for index in range(args.stages):
            rows.append(check_stage(seed, index, init_loss))
    apart = np.array([r["apart"] for r in rows])
    print("\nsummary over {} stages ({} seeds x {} stages), {:.0f} s:".format(
        len(rows), len(args.seeds), args.stages, time.perf_counter() - began))
    print("  chosen lr |dlog10| gluon-lr vs reference: median {:.3f}, max {:.3f}; identical {}, "
          "within 0.1 decade {}".format(np.median(apart), apart.max(),
                                        int(np.sum(apart == 0)), int(np.sum(apart <= 0.1))))
    for name, key, off in (("gluon-lr", "g_regret", "g_off"), ("reference", "r_regret", "r_off")):
        print("  {}: chosen lr vs true best, mean {:+.3f} decades (|.| mean {:.3f}); true-loss "
              "regret at tau mean {:.4f}, max {:.4f}".format(
                  name, np.mean([r[off] for r in rows]), np.mean([abs(r[off]) for r in rows]),
                  np.mean([r[key] for r in rows]), max(r[key] for r in rows)))
    print("  gluon-lr's candidates picked by its fit extrapolated even when not bent: mean {:+.3f} "
          "decades from true best (|.| mean {:.3f}); regret mean {:.4f}, max {:.4f}".format(
              np.mean([r["plain_off"] for r in rows]), np.mean([abs(r["plain_off"]) for r in rows]),
              np.mean([r["plain_regret"] for r in rows]), max(r["plain_regret"] for r in rows)))
    print("  forecast swap moves the choice (>0.01 decade): gluon-lr's candidates {}/{}, the "
          "reference's {}/{}".format(sum(r["swap_g"] > 0.01 for r in rows), len(rows),
                                     sum(r["swap_r"] > 0.01 for r in rows), len(rows)))
    print("  proposal rules alone, leading proposals agreeing with gluon-lr's: reference "
          "median {:.0f} (min {}) of {}, ref with y scaled median {:.0f} (min {}); farthest "
          "candidate from the other set: median {:.3f} and {:.3f} decades; choice differs "
          "(>0.01 decade) in {}/{} and {}/{}".format(
              np.median([r["agree"][0] for r in rows]), min(r["agree"][0] for r in rows), K,
              np.median([r["agree"][1] for r in rows]), min(r["agree"][1] for r in rows),
              np.median([r["spread"][0] for r in rows]),
              np.median([r["spread"][1] for r in rows]),
              sum(r["seq_chosen"] > 0.01 for r in rows), len(rows),
              sum(r["scaled_chosen"] > 0.01 for r in rows), len(rows)))
    print("  reference proposals that repeated a scored lr (told again, asked again): {} in {} "
          "searches".format(sum(r["repeats"] for r in rows), 2 * len(rows)))


if __name__ == "__main__":
    main()
