"""Bayesian-optimisation search over one learning-rate dimension (AutoLRS's inner loop).

AutoLRS (Jin et al., "AutoLRS: Automatic Learning-Rate Schedule by Bayesian
Optimization on the Fly", ICLR 2021) chooses the learning rate of each training
stage by trying ``k`` candidate rates from the same snapshot, scoring each by a
forecast loss, and keeping the best. :class:`LRSearch` is that choice, without
any training: ``ask()`` proposes a rate, ``tell()`` feeds back its score, and
``best()`` returns the pick. It does not import MXNet.

The method follows the reference implementation (which used scikit-optimize
0.8.1; this module uses scikit-learn's ``GaussianProcessRegressor`` directly):

* the search runs over ``x = (log10(lr) - log10(min_lr)) / (log10(max_lr) -
  log10(min_lr))`` in ``[0, 1]``;
* the first rate is drawn log-uniformly at random (from ``seed``), as the
  reference's single random initial point;
* every later rate minimises the lower confidence bound ``mu - kappa * sigma``
  of a Gaussian process fitted to all scores so far, with the reference's very
  large ``kappa`` (``1e6``) by default, so the choice is essentially the rate
  the GP is least sure about;
* the pick is the best observed score, not a GP prediction.
"""
from __future__ import annotations

import importlib
import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from numpy.typing import NDArray

from .._validate import as_int, as_lr, as_number
from ._optional import require_sklearn, single_blas_thread

__all__ = ["LRSearch"]

#: Version of the :meth:`LRSearch.state_dict` layout.
_STATE_FORMAT = 1
#: ``seed`` also seeds scikit-learn, whose ``RandomState`` takes 32-bit seeds.
_SEED_MAX = 2 ** 32 - 1
#: Restarts of the GP's hyper-parameter fit (scikit-optimize's GP default).
_GP_RESTARTS = 2


class LRSearch:
    """Propose learning rates one at a time and pick the one with the lowest score.

    A Gaussian process over log learning rate proposes each candidate
    (:meth:`ask`); the caller trains with it, scores it (lower is better) and
    reports the score (:meth:`tell`). After ``k`` scores the search is
    :attr:`done` and :meth:`best` is the rate to use.

    Parameters
    ----------
    min_lr, max_lr : float
        The searched interval, ``0 < min_lr < max_lr``, both inside float32's
        range ``[1.1754944e-38, 3.4028235e+38]`` (MXNet keeps rates in float32).
        Proposals include both ends.
    k : int
        Number of candidates to evaluate, ``>= 2``.
    kappa : float
        Exploration weight of the acquisition ``mu - kappa * sigma``, ``>= 0``.
        The default ``1e6`` is the reference's: the GP mean only breaks ties,
        so candidates spread over the interval where the GP knows least.
        ``0`` proposes the GP's predicted minimum (among rates not yet observed).
    seed : int
        Seeds the first (random) proposal and the GP's hyper-parameter
        restarts, in ``[0, 2**32 - 1]``.
    grid_size : int
        Number of evenly spaced points of ``[0, 1]`` (scaled log learning rate)
        on which the acquisition is minimised, ``>= k`` (each observation rules
        out at most one). The default ``1001`` spaces them
        ``log10(max_lr / min_lr) / 1000`` decades apart.

    Raises
    ------
    ImportError
        If scikit-learn is not installed: ``pip install "gluon-lr[auto]"``.

    Notes
    -----
    *Surrogate.* ``GaussianProcessRegressor`` with kernel
    ``ConstantKernel(1, (0.01, 1000)) * Matern(1, (0.01, 100), nu=2.5) +
    WhiteKernel(1, (1e-5, 1e5))``, ``normalize_y=True``,
    ``n_restarts_optimizer=2`` and ``random_state=seed`` (scikit-optimize's
    ``"GP"`` estimator with Gaussian noise), refitted from all observations at
    each proposal. The scores are centred and scaled to unit variance: the
    reference (with scikit-learn 0.21, which its requirements pin) only
    centres them, so its kernel bounds act in loss units and its proposals
    part from these where a bound is reached
    (``bench/check_autolrs_reference.py``). ``sigma`` is the standard deviation of the latent mean, that
    is without the fitted white noise, as scikit-optimize reports it.

    *Diverged trials.* A NaN or infinite score is kept as told in
    :attr:`observations` but fed to the GP as ``worst + margin``, where
    ``worst`` and ``best`` are the largest and smallest finite scores told so
    far and ``margin`` is ``worst - best``, or ``|worst|`` if that is 0, or 1
    if both are (and 1 when no score is finite). The reference fed the
    constant ``1e6``, which dwarfs every finite score in the fit.

    *Proposals.* The first proposal is ``x = U(0, 1)`` drawn from
    ``numpy.random.default_rng(seed)``; later ones are the grid point with the
    lowest acquisition (the lowest rate on ties), skipping grid points closer
    than half a grid step to an observed rate, so an observed rate is never
    proposed again. The proposal depends only on the constructor's arguments
    and the ``(lr, score)`` pairs told, in order: :meth:`ask` twice without a
    :meth:`tell` returns the same rate, and :meth:`from_state` resumes a search
    exactly (on the same NumPy, SciPy and scikit-learn). The GP runs with one
    BLAS thread (through ``threadpoolctl``), so the core count does not change
    the rounding, and a proposal takes tens of milliseconds instead of spinning
    a multi-threaded BLAS on a matrix of ``k`` rows.

    Examples
    --------
    Search ``[1e-4, 1]`` for the minimum of a bowl centred on ``lr = 0.03``:

    >>> import math
    >>> search = LRSearch(1e-4, 1.0, k=10, seed=0)
    >>> while not search.done:
    ...     lr = search.ask()
    ...     search.tell(lr, (math.log10(lr) - math.log10(0.03)) ** 2)
    >>> lr, score = search.best()
    >>> round(lr, 4), round(score, 4)
    (0.0353, 0.005)

    With the default ``kappa`` the candidates (here as ``log10(lr)``) spread
    over the interval, the first one random and both ends early:

    >>> [round(math.log10(lr), 2) for lr, _ in search.observations]
    [-1.45, -4.0, 0.0, -2.73, -0.73, -3.4, -2.08, -0.31, -3.74, -1.09]
    """

    def __init__(self, min_lr: float, max_lr: float, k: int, kappa: float = 1e6, seed: int = 0,
                 grid_size: int = 1001) -> None:
        self.min_lr = as_lr("min_lr", min_lr, allow_zero=False)
        self.max_lr = as_lr("max_lr", max_lr, allow_zero=False)
        if not self.min_lr < self.max_lr:
            # _validate.check_order allows equality; an empty interval cannot be searched.
            raise ValueError("min_lr must be < max_lr, got min_lr = {!r} and max_lr = {!r}".format(
                self.min_lr, self.max_lr))
        self.k = as_int("k", k, 2)
        self.kappa = as_number("kappa", kappa, low=0)
        self.seed = as_int("seed", seed, 0)
        if self.seed > _SEED_MAX:
            raise ValueError("seed must be an int in [0, {}], got {!r}".format(_SEED_MAX, seed))
        self.grid_size = as_int("grid_size", grid_size, self.k)
        self._gp = require_sklearn("LRSearch")
        self._convergence_warning = importlib.import_module(
            "sklearn.exceptions").ConvergenceWarning
        self._log_min = math.log10(self.min_lr)
        self._log_span = math.log10(self.max_lr) - self._log_min
        self._grid = np.linspace(0.0, 1.0, self.grid_size)
        self._first_x = float(np.random.default_rng(self.seed).random())
        self._observations: List[Tuple[float, float]] = []
        self._pending: Optional[float] = None

    def __repr__(self) -> str:
        return "LRSearch(min_lr={!r}, max_lr={!r}, k={!r}, kappa={!r}, seed={!r}, " \
               "grid_size={!r}) with {} of {} scores told".format(
                   self.min_lr, self.max_lr, self.k, self.kappa, self.seed, self.grid_size,
                   len(self._observations), self.k)

    @property
    def observations(self) -> Tuple[Tuple[float, float], ...]:
        """The ``(lr, score)`` pairs told so far, in order, as a tuple (scores as told)."""
        return tuple(self._observations)

    @property
    def done(self) -> bool:
        """Whether all ``k`` scores have been told."""
        return len(self._observations) >= self.k

    def ask(self) -> float:
        """Return the next learning rate to evaluate.

        Returns
        -------
        float
            A rate in ``[min_lr, max_lr]``; the same one until :meth:`tell`.

        Raises
        ------
        RuntimeError
            If the search is :attr:`done`.
        """
        if self.done:
            raise RuntimeError("the search is done: all k = {} scores were told; "
                               "call best()".format(self.k))
        if self._pending is None:
            self._pending = self._propose()
        return self._pending

    def tell(self, lr: float, score: float) -> None:
        """Record the score of a learning rate (usually the one :meth:`ask` returned).

        Parameters
        ----------
        lr : float
            The evaluated rate, in ``[min_lr, max_lr]``.
        score : float
            Its score, lower is better; NaN or infinite marks a diverged trial.

        Raises
        ------
        TypeError
            If ``lr`` or ``score`` is not a real number.
        ValueError
            If ``lr`` is outside ``[min_lr, max_lr]``.
        RuntimeError
            If the search is already :attr:`done`.
        """
        lr = as_lr("lr", lr, allow_zero=False)
        lr = as_number("lr", lr, low=self.min_lr, high=self.max_lr)
        if isinstance(score, bool) or not isinstance(score, numbers.Real):
            raise TypeError("score must be a real number (NaN or inf for a diverged trial), "
                            "got {!r}".format(score))
        if self.done:
            raise RuntimeError("the search is done: all k = {} scores were told".format(self.k))
        self._observations.append((lr, float(score)))
        self._pending = None

    def best(self) -> Tuple[float, float]:
        """Return the observed ``(lr, score)`` with the lowest finite score.

        Ties go to the earliest observation. If every score is NaN or
        infinite, the lowest observed rate is returned with its score, as the
        one least likely to diverge.

        Raises
        ------
        RuntimeError
            If no score has been told.
        """
        if not self._observations:
            raise RuntimeError("no score has been told yet: call ask() and tell() first")
        finite = [obs for obs in self._observations if math.isfinite(obs[1])]
        if finite:
            return min(finite, key=lambda obs: obs[1])
        return min(self._observations, key=lambda obs: obs[0])

    def state_dict(self) -> Dict[str, Any]:
        """Return the search's state as plain Python values (JSON-serialisable).

        Scores are stored as told, so a diverged trial's NaN or inf needs a
        JSON writer that accepts them (Python's ``json`` does by default).

        Examples
        --------
        >>> search = LRSearch(1e-3, 1.0, k=4, seed=3)
        >>> search.tell(search.ask(), 1.5)
        >>> state = search.state_dict()
        >>> [[round(lr, 6), score] for lr, score in state["observations"]]
        [[0.001807, 1.5]]
        >>> LRSearch.from_state(state).ask() == search.ask()
        True
        """
        return {"format": _STATE_FORMAT, "min_lr": self.min_lr, "max_lr": self.max_lr,
                "k": self.k, "kappa": self.kappa, "seed": self.seed,
                "grid_size": self.grid_size,
                "observations": [[lr, score] for lr, score in self._observations]}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LRSearch:
        """Rebuild a search from :meth:`state_dict`, replaying its observations.

        The rebuilt search proposes exactly what the saved one would have.

        Raises
        ------
        TypeError
            If ``state`` is not a mapping.
        ValueError
            If it lacks a key or has another format; argument and observation
            errors are those of the constructor and :meth:`tell`.
        """
        if not isinstance(state, Mapping):
            raise TypeError("state must be a dict from LRSearch.state_dict(), got {!r}".format(
                state))
        missing = [key for key in ("format", "min_lr", "max_lr", "k", "kappa", "seed",
                                   "grid_size", "observations") if key not in state]
        if missing:
            raise ValueError("state must be a dict from LRSearch.state_dict(); missing "
                             "{}".format(", ".join(missing)))
        if state["format"] != _STATE_FORMAT:
            raise ValueError("state format must be {}, got {!r}".format(
                _STATE_FORMAT, state["format"]))
        search = cls(state["min_lr"], state["max_lr"], state["k"], kappa=state["kappa"],
                     seed=state["seed"], grid_size=state["grid_size"])
        for lr, score in state["observations"]:
            search.tell(lr, score)
        return search

    # -- internals -------------------------------------------------------------------

    def _to_x(self, lr: float) -> float:
        return min(max((math.log10(lr) - self._log_min) / self._log_span, 0.0), 1.0)

    def _to_lr(self, x: float) -> float:
        if x <= 0.0:
            return self.min_lr
        if x >= 1.0:
            return self.max_lr
        lr: float = 10.0 ** (self._log_min + x * self._log_span)
        return min(max(lr, self.min_lr), self.max_lr)

    def _targets(self) -> NDArray[np.float64]:
        """The scores fed to the GP: non-finite ones replaced (see the class notes)."""
        scores = np.array([score for _, score in self._observations])
        finite = np.isfinite(scores)
        if finite.all():
            return scores
        if finite.any():
            worst, best = scores[finite].max(), scores[finite].min()
            margin = (worst - best) or abs(worst) or 1.0
            penalty = worst + margin
        else:
            penalty = 1.0
        return np.where(finite, scores, penalty)

    def _propose(self) -> float:
        if not self._observations:
            return self._to_lr(self._first_x)
        kernels = self._gp.kernels
        kernel = (kernels.ConstantKernel(1.0, (0.01, 1000.0))
                  * kernels.Matern(length_scale=1.0, length_scale_bounds=(0.01, 100.0), nu=2.5)
                  + kernels.WhiteKernel(noise_level=1.0, noise_level_bounds=(1e-5, 1e5)))
        gp = self._gp.GaussianProcessRegressor(kernel=kernel, normalize_y=True,
                                               n_restarts_optimizer=_GP_RESTARTS,
                                               random_state=self.seed)
        xs = np.array([self._to_x(lr) for lr, _ in self._observations])
        with warnings.catch_warnings(), single_blas_thread():
            # Hyper-parameters at their bounds (e.g. no noise) are expected here, and so
            # are rounding-level negative variances at observed points (clipped to 0).
            warnings.simplefilter("ignore", self._convergence_warning)
            warnings.filterwarnings("ignore", "Predicted variances smaller than 0")
            gp.fit(xs[:, None], self._targets())
            # Predict the latent mean's spread: drop the fitted white noise. The white
            # kernel only adds to the training matrix's diagonal, already folded into
            # the Cholesky factor and the weights, so the mean is unchanged.
            gp.kernel_ = gp.kernel_.k1
            mu, sigma = gp.predict(self._grid[:, None], return_std=True)
        acquisition = mu - self.kappa * sigma
        step = 1.0 / (self.grid_size - 1)
        near = np.abs(self._grid[:, None] - xs[None, :]).min(axis=1) < 0.5 * step
        acquisition[near] = np.inf
        return self._to_lr(float(self._grid[int(np.argmin(acquisition))]))
