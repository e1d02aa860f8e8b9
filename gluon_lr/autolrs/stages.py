"""How long each AutoLRS stage is, and how a stage shrinks when the budget runs out.

A stage trains ``k`` candidate learning rates ``tau_prime`` steps each from one
snapshot (the search), then trains ``tau`` steps at the best one (the
training). The reference implementation (``autolrs_server.py``,
``Controller.run``) starts with ``tau_prime = 100`` and ``tau = 1000`` and, at the
end of every stage, doubles both while ``tau_prime < tau_max / 10``
(``tau_max = 8000``); once they stop growing, every later stage scores its
candidates on validation loss instead of training loss. With the reference's
ratio ``tau = 10 * tau_prime`` that condition is ``tau < tau_max``, which is the
form used here for any ``tau_prime``: a stage is followed by one twice as long
while its ``tau`` is below ``tau_max``, and by one as long and scored on
validation loss afterwards. When ``tau_max`` is not ``tau`` times a power of
two, the last doubling passes it, as in the reference.

All functions here are pure arithmetic on ints.
"""
from __future__ import annotations

import dataclasses
from typing import List, Tuple

import numpy as np

from .._validate import as_int, check_order

__all__ = ["StageLength", "StagePlan", "stage_length", "stage_lengths", "plan_stage",
           "first_stage_budget", "stage_seed", "MIN_TRIAL_STEPS"]

#: The fewest steps a candidate trains: an exponential forecast fits three points.
MIN_TRIAL_STEPS = 3


@dataclasses.dataclass(frozen=True)
class StageLength:
    """The full length of one stage.

    Attributes
    ----------
    tau_prime : int
        Steps each candidate trains.
    tau : int
        Steps trained at the chosen rate; the forecasts predict the loss there.
    validation : bool
        Whether the reference scores this stage's candidates on validation loss
        (AutoLRS does when it was given ``val_data``).
    """

    tau_prime: int
    tau: int
    validation: bool


@dataclasses.dataclass(frozen=True)
class StagePlan:
    """What one stage will run, given the budget left.

    Attributes
    ----------
    k : int
        Candidates to try; ``0`` for a stage that only trains, at the previous
        stage's rate.
    tau_prime : int
        Steps per candidate (``0`` when ``k`` is 0).
    tau : int
        Training steps planned, and the step whose loss is forecast.
    last : bool
        The stage ends the budget: its training takes every step the search
        leaves, so a candidate stopped early by a NaN loss does not leave
        steps unspent.
    """

    k: int
    tau_prime: int
    tau: int
    last: bool

    @property
    def cost(self) -> int:
        """Optimizer steps the stage takes when every candidate runs in full."""
        return self.k * self.tau_prime + self.tau


def _check_lengths(tau: int, tau_prime: int, tau_max: int) -> Tuple[int, int, int]:
    tau_prime = as_int("tau_prime", tau_prime, MIN_TRIAL_STEPS)
    tau = as_int("tau", tau, 1)
    check_order("tau_prime", tau_prime, "tau", tau)
    tau_max = as_int("tau_max", tau_max, 1)
    check_order("tau", tau, "tau_max", tau_max)
    return tau, tau_prime, tau_max


def _doublings(tau: int, tau_max: int) -> int:
    """How many times the stage length doubles: until ``tau`` reaches ``tau_max``."""
    count = 0
    while tau << count < tau_max:
        count += 1
    return count


def stage_length(index: int, tau: int = 1000, tau_prime: int = 100,
                 tau_max: int = 8000) -> StageLength:
    """The full length of stage ``index`` (0-based).

    Parameters
    ----------
    index : int
        The stage, ``>= 0``.
    tau, tau_prime : int
        The first stage's lengths, ``3 <= tau_prime <= tau``.
    tau_max : int
        Stages double while their ``tau`` is below this, ``>= tau``.

    Returns
    -------
    StageLength

    Examples
    --------
    >>> stage_length(0)
    StageLength(tau_prime=100, tau=1000, validation=False)
    >>> stage_length(3), stage_length(4)
    (StageLength(tau_prime=800, tau=8000, validation=False), \
StageLength(tau_prime=800, tau=8000, validation=True))
    """
    index = as_int("index", index, 0)
    tau, tau_prime, tau_max = _check_lengths(tau, tau_prime, tau_max)
    doublings = _doublings(tau, tau_max)
    grown = min(index, doublings)
    return StageLength(tau_prime=tau_prime << grown, tau=tau << grown,
                       validation=index > doublings)


def stage_lengths(count: int, tau: int = 1000, tau_prime: int = 100,
                  tau_max: int = 8000) -> List[StageLength]:
    """The full lengths of the first ``count`` stages.

    Examples
    --------
    >>> [(s.tau_prime, s.tau, s.validation) for s in stage_lengths(3, 30, 5, 50)]
    [(5, 30, False), (10, 60, False), (10, 60, True)]
    """
    count = as_int("count", count, 0)
    return [stage_length(index, tau, tau_prime, tau_max) for index in range(count)]


def plan_stage(length: StageLength, k: int, remaining: int,
               can_only_train: bool) -> StagePlan:
    """Plan a stage of full length ``length`` with ``remaining`` steps of budget left.

    * The budget covers the full stage (``k * tau_prime + tau`` steps): the full
      stage; it is ``last`` when it uses the budget up exactly.
    * Otherwise the stage shrinks in proportion, keeping ``k`` and the ratio of
      search to training: ``tau_prime = tau_prime * remaining // cost`` and the
      training takes the rest, ``remaining - k * tau_prime`` (at least
      ``tau_prime``).
    * If that leaves a candidate fewer than 3 steps, the stage only trains,
      all ``remaining`` steps, at the previous stage's rate. When there is no
      previous stage (``can_only_train`` false) this is a ``ValueError``.

    Parameters
    ----------
    length : StageLength
    k : int
        Candidates per stage, ``>= 2``.
    remaining : int
        Steps of budget left, ``>= 1``.
    can_only_train : bool
        Whether a previous stage chose a rate to keep training at.

    Returns
    -------
    StagePlan

    Examples
    --------
    >>> length = StageLength(tau_prime=100, tau=1000, validation=False)
    >>> plan_stage(length, 10, 5000, False)
    StagePlan(k=10, tau_prime=100, tau=1000, last=False)
    >>> plan_stage(length, 10, 700, False)
    StagePlan(k=10, tau_prime=35, tau=350, last=True)
    >>> plan_stage(length, 10, 50, True)
    StagePlan(k=0, tau_prime=0, tau=50, last=True)
    """
    if not isinstance(length, StageLength):
        raise TypeError("length must be a StageLength, got {!r}".format(length))
    k = as_int("k", k, 2)
    remaining = as_int("remaining", remaining, 1)
    cost = k * length.tau_prime + length.tau
    if remaining >= cost:
        return StagePlan(k=k, tau_prime=length.tau_prime, tau=length.tau,
                         last=remaining == cost)
    tau_prime = length.tau_prime * remaining // cost
    if tau_prime >= MIN_TRIAL_STEPS:
        return StagePlan(k=k, tau_prime=tau_prime, tau=remaining - k * tau_prime, last=True)
    if not can_only_train:
        raise ValueError("total_steps leaves the first stage {} steps: too few for {} "
                         "candidates of {} steps and their training; total_steps must be >= "
                         "{}".format(remaining, k, MIN_TRIAL_STEPS,
                                     first_stage_budget(length, k)))
    return StagePlan(k=0, tau_prime=0, tau=remaining, last=True)


def first_stage_budget(length: StageLength, k: int) -> int:
    """The smallest budget with which a stage of ``length`` still searches.

    Examples
    --------
    >>> first_stage_budget(StageLength(tau_prime=100, tau=1000, validation=False), 10)
    60
    """
    cost = k * length.tau_prime + length.tau
    return -(-MIN_TRIAL_STEPS * cost // length.tau_prime)


def stage_seed(seed: int, index: int) -> int:
    """The seed of stage ``index``'s search, derived from the run's ``seed``.

    ``numpy.random.SeedSequence([seed, index])``'s first 32-bit word: stable
    across NumPy versions, and unrelated for neighbouring stages or seeds.

    Examples
    --------
    >>> stage_seed(0, 0) == stage_seed(0, 0), stage_seed(0, 1) == stage_seed(1, 0)
    (True, False)
    """
    seed = as_int("seed", seed, 0)
    index = as_int("index", index, 0)
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
