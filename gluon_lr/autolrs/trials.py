"""One AutoLRS candidate: train it ``tau_prime`` steps, then forecast its loss at ``tau``.

The forecast extrapolates the trial's training losses, or, in the stages that
AutoLRS scores on validation loss, the validation losses measured
``val_points`` times during the trial (16 in the reference, every
``tau_prime // 16`` steps). The fit is :func:`gluon_lr.forecast.fit_exponential`
with its defaults, on the actual step numbers, so the forecast is the loss
after ``tau`` steps of training from the stage's snapshot.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Tuple, cast


from .._validate import as_int
from ..callbacks import chain
from ..forecast import ExponentialFit, fit_exponential
from ..trial import Trial
from .stages import MIN_TRIAL_STEPS

if TYPE_CHECKING:
    from ..learner import Learner, StepCallback

__all__ = ["validation_steps", "score_trial", "run_candidate"]


def validation_steps(steps: int, points: int) -> Tuple[int, ...]:
    """The trial steps after which the validation loss is measured: ``points`` of them, evenly.

    Step ``i * steps // n`` for ``i = 1 .. n``, ``n = min(points, steps)``: the
    last measurement ends the trial. (The reference measures every
    ``steps // 16`` steps, so up to 15 steps before the end.)

    Examples
    --------
    >>> validation_steps(32, 16)
    (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32)
    >>> validation_steps(10, 4), validation_steps(3, 16)
    ((2, 5, 7, 10), (1, 2, 3))
    """
    steps = as_int("steps", steps, 1)
    count = min(as_int("points", points, 1), steps)
    return tuple(i * steps // count for i in range(1, count + 1))


def score_trial(losses: Sequence[float], horizon: int, val_steps: Sequence[int] = (),
                val_losses: Sequence[float] = ()) -> Tuple[Optional[ExponentialFit], float]:
    """Fit the trial's scored series and forecast its loss at step ``horizon``.

    Parameters
    ----------
    losses : sequence of float
        The trial's training losses, steps ``1, 2, ...``.
    horizon : int
        The step whose loss is forecast.
    val_steps, val_losses : sequence, optional
        When given, the validation losses and the steps they were measured
        after: these are fitted instead of ``losses``.

    Returns
    -------
    (ExponentialFit or None, float)
        ``(None, inf)`` if a training loss is NaN or infinite.

    Examples
    --------
    >>> losses = [1.0 + 2.0 * math.exp(-0.2 * step) for step in range(1, 31)]
    >>> fit, forecast = score_trial(losses, 300)
    >>> round(forecast, 6)
    1.0
    >>> score_trial([2.0, float("nan")], 300)
    (None, inf)
    """
    if not all(math.isfinite(loss) for loss in losses):
        return None, math.inf
    if val_steps:
        fit = fit_exponential(list(val_losses), list(val_steps))
    else:
        fit = fit_exponential(list(losses), list(range(1, len(losses) + 1)))
    return fit, fit.forecast(horizon)


def run_candidate(learner: Learner, lr: float, steps: int, horizon: int,
                  val_data: Optional[Iterable[Any]] = None, val_points: int = 16,
                  callback: Optional[StepCallback] = None) -> Trial:
    """Train ``steps`` steps at ``lr`` from the learner's current state and score them.

    Parameters
    ----------
    learner : Learner
    lr : float
        The candidate rate.
    steps : int
        Trial steps, ``>= 3``.
    horizon : int
        The step whose loss is forecast (the stage's ``tau``).
    val_data : iterable of (data, label), optional
        Score on the loss over this data, measured in inference mode after
        each of :func:`validation_steps` ``(steps, val_points)``.
    val_points : int, default 16
    callback : callable, optional
        ``(step, lr, loss) -> stop?`` for every step, e.g. a progress bar.

    Returns
    -------
    Trial
        Scored by its forecast.
    """
    steps = as_int("steps", steps, MIN_TRIAL_STEPS)
    measure_at = set(validation_steps(steps, val_points)) if val_data is not None else set()
    val_steps: List[int] = []
    val_losses: List[float] = []

    def measure(step: int, _lr: float, loss: float) -> bool:
        if step in measure_at and math.isfinite(loss):
            # measure_at is empty without val_data
            val_losses.append(learner.evaluate_loss(cast(Iterable[Any], val_data)))
            val_steps.append(step)
        return False

    losses = learner.run(steps, lr=lr, callback=chain(callback, measure))
    fit, forecast = score_trial(losses, horizon, val_steps, val_losses)
    return Trial(lr=lr, losses=tuple(losses), forecast=forecast, score=forecast,
                 val_steps=tuple(val_steps), val_losses=tuple(val_losses), fit=fit)
