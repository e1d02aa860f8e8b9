"""What AutoLRS records: a :class:`Candidate` per learning rate tried, a :class:`Stage` per stage.

Both are frozen dataclasses holding plain numbers and tuples, and convert to
and from JSON-able dicts (:meth:`Stage.to_dict`, :meth:`Stage.from_dict`) for
:meth:`AutoLRS.state_dict`. Floats survive the round trip exactly; NaN and
infinity need a JSON writer that accepts them, as Python's ``json`` does by
default.
"""
import dataclasses
from collections.abc import Mapping

from ..forecast import ExponentialFit

__all__ = ["Candidate", "Stage"]

_FIT_FIELDS = ("a", "b", "c", "t0", "t1", "end", "kept", "diverged", "floor", "held")


def _fit_to_dict(fit):
    if fit is None:
        return None
    return {"a": fit.a, "b": fit.b, "c": fit.c, "t0": fit.t0, "t1": fit.t1, "end": fit.end,
            "kept": list(fit.kept), "diverged": fit.diverged, "floor": fit.floor,
            "held": fit.held}


def _fit_from_dict(data):
    if data is None:
        return None
    return ExponentialFit(a=float(data["a"]), b=float(data["b"]), c=float(data["c"]),
                          t0=float(data["t0"]), t1=float(data["t1"]), end=float(data["end"]),
                          kept=tuple(int(i) for i in data["kept"]),
                          diverged=bool(data["diverged"]),
                          floor=None if data["floor"] is None else float(data["floor"]),
                          held=bool(data["held"]))


def _floats(values):
    return tuple(float(value) for value in values)


def _checked_mapping(name, data, keys):
    if not isinstance(data, Mapping):
        raise TypeError("{} must be a dict from to_dict(), got {!r}".format(name, data))
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError("{} must be a dict from to_dict(); missing {}".format(
            name, ", ".join(missing)))


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One candidate learning rate's trial and forecast.

    Attributes
    ----------
    lr : float
        The rate tried.
    losses : tuple of float
        Its training losses, one per step from the stage's snapshot; shorter
        than the trial when a NaN or infinite loss ended it.
    val_steps : tuple of int
        The trial's steps (1-based) after which the validation loss was
        measured; empty when the stage scores training loss.
    val_losses : tuple of float
        The validation losses measured there.
    fit : ExponentialFit or None
        The curve fitted to the scored series (``losses`` at steps
        ``1, 2, ...``, or ``val_losses`` at ``val_steps``); ``None`` when the
        trial met a NaN or infinite training loss.
    forecast : float
        The fit's loss at the stage's horizon: the score the search was told
        (lower is better); ``inf`` for a diverged trial.
    """

    lr: float
    losses: tuple
    val_steps: tuple
    val_losses: tuple
    fit: object
    forecast: float

    @property
    def steps(self):
        """Optimizer steps the trial took."""
        return len(self.losses)

    def to_dict(self):
        """The candidate as plain Python values."""
        return {"lr": self.lr, "losses": list(self.losses), "val_steps": list(self.val_steps),
                "val_losses": list(self.val_losses), "fit": _fit_to_dict(self.fit),
                "forecast": self.forecast}

    @classmethod
    def from_dict(cls, data):
        """Rebuild a candidate from :meth:`to_dict`.

        Examples
        --------
        >>> candidate = Candidate(lr=0.1, losses=(2.0, 1.5, 1.2), val_steps=(), val_losses=(),
        ...                       fit=None, forecast=float("inf"))
        >>> Candidate.from_dict(candidate.to_dict()) == candidate
        True
        """
        _checked_mapping("candidate", data, ("lr", "losses", "val_steps", "val_losses", "fit",
                                             "forecast"))
        return cls(lr=float(data["lr"]), losses=_floats(data["losses"]),
                   val_steps=tuple(int(s) for s in data["val_steps"]),
                   val_losses=_floats(data["val_losses"]), fit=_fit_from_dict(data["fit"]),
                   forecast=float(data["forecast"]))


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
    candidates : tuple of Candidate
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
    scored_on: object
    seed: int
    candidates: tuple
    lr: float
    train_losses: tuple

    @property
    def search_steps(self):
        """Optimizer steps the candidates took."""
        return sum(candidate.steps for candidate in self.candidates)

    @property
    def train_steps(self):
        """Optimizer steps trained at :attr:`lr`."""
        return len(self.train_losses)

    @property
    def steps(self):
        """All the stage's optimizer steps: search and training."""
        return self.search_steps + self.train_steps

    @property
    def chosen(self):
        """The candidate whose rate was chosen, or ``None`` for a stage without search."""
        for candidate in self.candidates:
            if candidate.lr == self.lr:
                return candidate
        return None

    def to_dict(self):
        """The stage as plain Python values (JSON-serialisable)."""
        return {"index": self.index, "first_step": self.first_step,
                "tau_prime": self.tau_prime, "tau": self.tau, "scored_on": self.scored_on,
                "seed": self.seed, "candidates": [c.to_dict() for c in self.candidates],
                "lr": self.lr, "train_losses": list(self.train_losses)}

    @classmethod
    def from_dict(cls, data):
        """Rebuild a stage from :meth:`to_dict`.

        Examples
        --------
        >>> stage = Stage(index=2, first_step=40, tau_prime=0, tau=3, scored_on=None, seed=7,
        ...               candidates=(), lr=0.5, train_losses=(1.0, 0.9, 0.8))
        >>> Stage.from_dict(stage.to_dict()) == stage, stage.steps
        (True, 3)
        """
        _checked_mapping("stage", data, ("index", "first_step", "tau_prime", "tau",
                                         "scored_on", "seed", "candidates", "lr",
                                         "train_losses"))
        return cls(index=int(data["index"]), first_step=int(data["first_step"]),
                   tau_prime=int(data["tau_prime"]), tau=int(data["tau"]),
                   scored_on=data["scored_on"], seed=int(data["seed"]),
                   candidates=tuple(Candidate.from_dict(c) for c in data["candidates"]),
                   lr=float(data["lr"]), train_losses=_floats(data["train_losses"]))
