"""One candidate learning rate's trial: :class:`Trial`, the record confirm and AutoLRS share.

A trial trains one rate from a snapshot and forecasts its loss.
:func:`gluon_lr.confirm.confirm_learning_rate` scores it (the forecast or
another rule) over rounds of successive halving; AutoLRS scores it by the
forecast and keeps the fitted curve and, in its validation stages, the
validation losses. A :class:`Trial` converts to and from a JSON-able dict
(:meth:`Trial.to_dict`, :meth:`Trial.from_dict`). Floats survive the round
trip exactly; NaN and infinity need a JSON writer that accepts them, as
Python's ``json`` does by default.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from .forecast import ExponentialFit

__all__ = ["Trial"]


def _fit_to_dict(fit: Optional[ExponentialFit]) -> Optional[Dict[str, Any]]:
    if fit is None:
        return None
    return {"a": fit.a, "b": fit.b, "c": fit.c, "t0": fit.t0, "t1": fit.t1, "end": fit.end,
            "kept": list(fit.kept), "diverged": fit.diverged, "floor": fit.floor,
            "held": fit.held}


def _fit_from_dict(data: Optional[Mapping[str, Any]]) -> Optional[ExponentialFit]:
    if data is None:
        return None
    return ExponentialFit(a=float(data["a"]), b=float(data["b"]), c=float(data["c"]),
                          t0=float(data["t0"]), t1=float(data["t1"]), end=float(data["end"]),
                          kept=tuple(int(i) for i in data["kept"]),
                          diverged=bool(data["diverged"]),
                          floor=None if data["floor"] is None else float(data["floor"]),
                          held=bool(data["held"]))


def floats(values: Iterable[Any]) -> Tuple[float, ...]:
    """``values`` as a tuple of floats."""
    return tuple(float(value) for value in values)


def checked_mapping(name: str, data: Any, keys: Sequence[str]) -> None:
    """Raise unless ``data`` is a mapping holding ``keys`` (``name`` says whose dict it is)."""
    if not isinstance(data, Mapping):
        raise TypeError("{} must be a dict from to_dict(), got {!r}".format(name, data))
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError("{} must be a dict from to_dict(); missing {}".format(
            name, ", ".join(missing)))


@dataclasses.dataclass(frozen=True)
class Trial:
    """One candidate learning rate's trial and forecast.

    Attributes
    ----------
    lr : float
        The rate tried.
    losses : tuple of float
        Its training losses, one per optimizer step from the snapshot;
        shorter than planned when a NaN or infinite loss ended it (AutoLRS).
    forecast : float
        The forecast loss at the horizon; ``inf`` for a diverged trial.
    score : float
        What chose among the trials (lower is better): the forecast
        (AutoLRS, and confirm's ``'forecast'``), the mean of the last losses
        or a validation loss (confirm's other rules).
    rounds : int, default 1
        The rounds of successive halving it trained in (confirm); AutoLRS
        trains every trial in one round.
    val_steps : tuple of int, default ()
        The trial's steps (1-based) after which the validation loss was
        measured; empty when the forecast extrapolates training loss.
    val_losses : tuple of float, default ()
        The validation losses measured there.
    fit : ExponentialFit or None, default None
        The curve whose value at the horizon is the forecast, when it is
        kept (AutoLRS); ``None`` when the trial met a NaN or infinite
        training loss.

    Examples
    --------
    >>> trial = Trial(lr=0.1, losses=(2.0, 1.5, 1.2), forecast=1.0, score=1.0)
    >>> trial.steps, trial.rounds
    (3, 1)
    >>> Trial.from_dict(trial.to_dict()) == trial
    True
    """

    lr: float
    losses: Tuple[float, ...] = dataclasses.field(repr=False)
    forecast: float
    score: float
    rounds: int = 1
    val_steps: Tuple[int, ...] = ()
    val_losses: Tuple[float, ...] = ()
    fit: Optional[ExponentialFit] = None

    @property
    def steps(self) -> int:
        """Optimizer steps the trial took."""
        return len(self.losses)

    def to_dict(self) -> Dict[str, Any]:
        """The trial as plain Python values (JSON-serialisable)."""
        return {"lr": self.lr, "losses": list(self.losses), "forecast": self.forecast,
                "score": self.score, "rounds": self.rounds, "val_steps": list(self.val_steps),
                "val_losses": list(self.val_losses), "fit": _fit_to_dict(self.fit)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trial:
        """Rebuild a trial from :meth:`to_dict`.

        ``score`` and ``rounds`` may be absent (AutoLRS's older states lack
        them); they default to the forecast and 1.

        Examples
        --------
        >>> Trial.from_dict({"lr": 0.1, "losses": [2.0, 1.5], "val_steps": [],
        ...                  "val_losses": [], "fit": None, "forecast": 1.25})
        Trial(lr=0.1, forecast=1.25, score=1.25, rounds=1, val_steps=(), val_losses=(), fit=None)
        """
        checked_mapping("trial", data, ("lr", "losses", "val_steps", "val_losses", "fit",
                                        "forecast"))
        forecast = float(data["forecast"])
        return cls(lr=float(data["lr"]), losses=floats(data["losses"]), forecast=forecast,
                   score=float(data.get("score", forecast)), rounds=int(data.get("rounds", 1)),
                   val_steps=tuple(int(s) for s in data["val_steps"]),
                   val_losses=floats(data["val_losses"]), fit=_fit_from_dict(data["fit"]))
