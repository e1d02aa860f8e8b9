"""What AutoLRS records: a :class:`~gluon_lr.trial.Trial` per learning rate tried, a
:class:`Stage` per stage.

Both are frozen dataclasses holding plain numbers and tuples, and convert to
and from JSON-able dicts (:meth:`Stage.to_dict`, :meth:`Stage.from_dict`) for
:meth:`AutoLRS.state_dict`. Floats survive the round trip exactly; NaN and
infinity need a JSON writer that accepts them, as Python's ``json`` does by
default.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, Mapping, Optional, Tuple

from ..trial import Trial, checked_mapping, floats

__all__ = ["Stage"]


@dataclasses.dataclass(frozen=True)
class Stage:
    """One AutoLRS stage: the search, the choice and the training.

    Attributes
    ----------
    index : int
        The stage, from 0.
    first_step : int
        Optimizer steps (search included) taken by AutoLRS before the stage.
    tau_prime : int
        Steps each candidate was given (``0`` for a stage that only trained).
    tau : int
        Training steps planned, and the step whose loss was forecast.
    scored_on : str or None
        ``'train'`` or ``'validation'``: the loss the forecasts extrapolate;
        ``None`` when there was no search.
    seed : int
        The seed of the stage's :class:`~gluon_lr.autolrs.LRSearch`.
    candidates : tuple of Trial
        In the order tried; empty for a stage that only trained (at the end
        of the budget, at the previous stage's rate).
    lr : float
        The learning rate the stage trained at.
    train_losses : tuple of float
        The losses of the training steps.
    """

    index: int
    first_step: int
    tau_prime: int
    tau: int
    scored_on: Optional[str]
    seed: int
    candidates: Tuple[Trial, ...]
    lr: float
    train_losses: Tuple[float, ...]

    @property
    def search_steps(self) -> int:
        """Optimizer steps the candidates took."""
        return sum(candidate.steps for candidate in self.candidates)

    @property
    def train_steps(self) -> int:
        """Optimizer steps trained at :attr:`lr`."""
        return len(self.train_losses)

    @property
    def steps(self) -> int:
        """All the stage's optimizer steps: search and training."""
        return self.search_steps + self.train_steps

    @property
    def chosen(self) -> Optional[Trial]:
        """The trial whose rate was chosen, or ``None`` for a stage without search."""
        for candidate in self.candidates:
            if candidate.lr == self.lr:
                return candidate
        return None

    def to_dict(self) -> Dict[str, Any]:
        """The stage as plain Python values (JSON-serialisable)."""
        return {"index": self.index, "first_step": self.first_step,
                "tau_prime": self.tau_prime, "tau": self.tau, "scored_on": self.scored_on,
                "seed": self.seed, "candidates": [c.to_dict() for c in self.candidates],
                "lr": self.lr, "train_losses": list(self.train_losses)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stage:
        """Rebuild a stage from :meth:`to_dict`.

        Examples
        --------
        >>> stage = Stage(index=2, first_step=40, tau_prime=0, tau=3, scored_on=None, seed=7,
        ...               candidates=(), lr=0.5, train_losses=(1.0, 0.9, 0.8))
        >>> Stage.from_dict(stage.to_dict()) == stage, stage.steps
        (True, 3)
        """
        checked_mapping("stage", data, ("index", "first_step", "tau_prime", "tau",
                                         "scored_on", "seed", "candidates", "lr",
                                         "train_losses"))
        return cls(index=int(data["index"]), first_step=int(data["first_step"]),
                   tau_prime=int(data["tau_prime"]), tau=int(data["tau"]),
                   scored_on=data["scored_on"], seed=int(data["seed"]),
                   candidates=tuple(Trial.from_dict(c) for c in data["candidates"]),
                   lr=float(data["lr"]), train_losses=floats(data["train_losses"]))
