"""AutoLRS at a given budget: the search range from a finder sweep, and stage lengths.

The paper's setting (Jin et al., ICLR 2021) is ``tau = 1000`` training steps a
stage, ``k = 10`` candidates of ``tau' = tau / 10`` steps each, and stage
lengths that double three times (to ``tau_max = 8000``), over runs of hundreds
of stages. A budget of a few thousand steps pays for two such stages, and a
range searched over four decades spends most candidates far from any useful
rate. :func:`fitted_lengths` keeps the paper's proportions and shortens the
stages until ``min_stages`` of them fit; :func:`search_range` narrows a
finder's falling region to at most ``span`` below its top.
"""
from __future__ import annotations

import dataclasses
from typing import List, Sequence, Tuple

from .._validate import as_int, as_number
from ..forecast import MIN_TRIM_POINTS
from ..suggest import falling_region
from .stages import StagePlan, plan_stage, stage_length

__all__ = ["FittedLengths", "fitted_lengths", "search_range", "MIN_FORECAST_STEPS",
           "MIN_STAGES", "SEARCH_SPAN"]

#: The fewest steps a candidate trains by default: twice the length from which the
#: forecaster trims outliers, so that a noisy trial keeps at least that many points.
MIN_FORECAST_STEPS = 2 * MIN_TRIM_POINTS
#: Full stages the budget must pay for by default.
MIN_STAGES = 6
#: The widest search range by default: two decades below the top of the fall.
SEARCH_SPAN = 100.0
#: The paper's: tau = 10 tau', and three doublings (1000 to 8000).
_RATIO = 10
_PAPER_DOUBLINGS = 3


@dataclasses.dataclass(frozen=True)
class FittedLengths:
    """AutoLRS's lengths for one budget, and the stages they make.

    Attributes
    ----------
    tau, tau_prime, k, tau_max : int
        :class:`~gluon_lr.autolrs.AutoLRS`'s arguments of the same names.
    plans : tuple of StagePlan
        The stages ``run(total_steps)`` takes with them, the last possibly
        shrunk or only training (see :func:`~gluon_lr.autolrs.stages.plan_stage`).
    min_stages, min_trial_steps : int
        The requirements they were fitted to.
    """

    tau: int
    tau_prime: int
    k: int
    tau_max: int
    plans: Tuple[StagePlan, ...]
    min_stages: int
    min_trial_steps: int

    @property
    def doublings(self) -> int:
        """How many times the stages double: ``log2(tau_max / tau)``."""
        return (self.tau_max // self.tau).bit_length() - 1

    def describe(self) -> str:
        """Two sentences stating the lengths and why, for a recipe's output.

        Examples
        --------
        >>> print(fitted_lengths(4000).describe())  # doctest: +NORMALIZE_WHITESPACE
        autolrs: k=10 candidates of tau'=33 steps, then tau=330 training steps, never
        doubling (tau_max=330): 7 stages in 4000 steps. The paper's proportions (tau' =
        tau/10, k = 10, up to three doublings), with stages short enough that 6 fit the
        budget and candidates of at least 20 steps to forecast from
        """
        doubling = {0: "never doubling", 1: "doubling once"}.get(
            self.doublings, "doubling {} times".format(self.doublings))
        return ("autolrs: k={} candidates of tau'={} steps, then tau={} training steps, "
                "{} (tau_max={}): {} stages in {} steps. The paper's "
                "proportions (tau' = tau/10, k = 10, up to three doublings), with stages "
                "short enough that {} fit the budget and candidates of at least {} steps to "
                "forecast from".format(self.k, self.tau_prime, self.tau, doubling, self.tau_max,
                                       len(self.plans), sum(p.cost for p in self.plans),
                                       self.min_stages, self.min_trial_steps))


def _plans(total: int, tau: int, tau_prime: int, k: int, tau_max: int) -> Tuple[StagePlan, ...]:
    """The stages of ``run(total)``: pure arithmetic, as the driver plans them."""
    plans: List[StagePlan] = []
    spent = 0
    while spent < total:
        plan = plan_stage(stage_length(len(plans), tau, tau_prime, tau_max), k, total - spent,
                          bool(plans))
        plans.append(plan)
        spent += plan.cost
    return tuple(plans)


def fitted_lengths(total_steps: int, k: int = 10, min_stages: int = MIN_STAGES,
                   min_trial_steps: int = MIN_FORECAST_STEPS) -> FittedLengths:
    """AutoLRS's ``tau``, ``tau_prime``, ``k`` and ``tau_max`` for ``total_steps``.

    Keeps the paper's proportions, ``tau = 10 tau'`` with ``k`` candidates,
    and its doubling, but as few doublings as needed: with ``d`` doublings
    (3, the paper's, then 2, 1, 0) the first ``min_stages`` stages cost
    ``(k + 10) tau' S_d`` steps, ``S_d = sum(2**min(i, d) for i < min_stages)``,
    so ``tau' = total_steps // ((k + 10) S_d)``. The first ``d`` whose
    ``tau'`` reaches ``min_trial_steps`` wins: the longest stages that still
    fit ``min_stages`` of them, with the most doubling. Why: a candidate's
    forecast extrapolates ``tau'`` losses to step ``tau``, and needs enough of
    them to see the curve through minibatch noise; a few thousand steps
    cannot pay for the paper's 1000-step stages more than twice.

    Parameters
    ----------
    total_steps : int
        AutoLRS's budget, every step counted (``AutoLRS.run(total_steps)``).
    k : int, default 10
        Candidates per stage (the paper's 10), ``>= 2``.
    min_stages : int, default 6
        Full stages the budget must pay for, ``>= 1``.
    min_trial_steps : int, default 20
        The fewest steps a candidate trains, ``>= 3``.

    Returns
    -------
    FittedLengths

    Raises
    ------
    ValueError
        When not even stages that never double fit: ``total_steps`` below
        ``min_stages * (k + 10) * min_trial_steps``.

    Examples
    --------
    Ten CIFAR-10 epochs at batch 128, about 4,000 steps, leave no room for
    doubling: six stages of 10 candidates of 33 steps and 330 training steps.

    >>> lengths = fitted_lengths(4000)
    >>> lengths.tau, lengths.tau_prime, lengths.k, lengths.tau_max, len(lengths.plans)
    (330, 33, 10, 330, 7)
    >>> [(plan.k, plan.tau_prime, plan.tau) for plan in lengths.plans[-2:]]
    [(10, 33, 330), (0, 0, 40)]

    Four times the budget doubles three times, as the paper does:

    >>> lengths = fitted_lengths(16000)
    >>> lengths.tau, lengths.tau_prime, lengths.tau_max
    (250, 25, 2000)
    """
    total = as_int("total_steps", total_steps, 1)
    k = as_int("k", k, 2)
    min_stages = as_int("min_stages", min_stages, 1)
    min_trial = as_int("min_trial_steps", min_trial_steps, 3)
    for doublings in range(_PAPER_DOUBLINGS, -1, -1):
        growth = sum(2 ** min(i, doublings) for i in range(min_stages))
        tau_prime = total // ((k + _RATIO) * growth)
        if tau_prime >= min_trial:
            tau = _RATIO * tau_prime
            tau_max = tau << doublings
            return FittedLengths(tau=tau, tau_prime=tau_prime, k=k, tau_max=tau_max,
                                 plans=_plans(total, tau, tau_prime, k, tau_max),
                                 min_stages=min_stages, min_trial_steps=min_trial)
    raise ValueError("total_steps must be at least min_stages * (k + 10) * min_trial_steps = "
                     "{} * {} * {} = {} for {} stages of {} candidates of {} steps; got {}".format(
                         min_stages, k + _RATIO, min_trial, min_stages * (k + _RATIO) * min_trial,
                         min_stages, k, min_trial, total))


def search_range(lrs: Sequence[float], losses: Sequence[float],
                 span: float = SEARCH_SPAN) -> Tuple[float, float]:
    """``(min_lr, max_lr)`` for AutoLRS: a sweep's falling region, at most ``span`` wide.

    The falling region (:func:`gluon_lr.suggest.falling_region`) runs from
    where the smoothed loss starts to fall to its lowest point, the top.
    Below ``top / span`` a sweep's fall is mostly the slow start of training,
    not a rate worth a candidate: the range is clipped there.

    Parameters
    ----------
    lrs, losses : sequence of float
        A finder sweep (``finder.lrs``, ``finder.losses``).
    span : float, default 100
        The largest ``max_lr / min_lr``, ``> 1``.

    Raises
    ------
    ValueError
        When the smoothed loss never falls over a range of rates.

    Examples
    --------
    A loss that falls steadily from 1e-6 to 1 and diverges above falls over
    five decades of the smoothed curve; the range keeps the top two:

    >>> import math
    >>> lrs = [10.0 ** (e / 10) for e in range(-60, 11)]
    >>> losses = [0.6 - 0.4 * math.log10(lr) if lr <= 1 else 9.0 for lr in lrs]
    >>> [f"{lr:.3g}" for lr in falling_region(lrs, losses)]
    ['2.51e-06', '0.251']
    >>> [f"{lr:.3g}" for lr in search_range(lrs, losses)]
    ['0.00251', '0.251']
    """
    span = as_number("span", span, low=1, low_open=True)
    region = falling_region(lrs, losses)
    if region is None or region[0] >= region[1]:
        raise ValueError("the finder's loss never falls over a range of learning rates; "
                         "pass min_lr and max_lr for AutoLRS")
    low, high = region
    return max(low, high / span), high
