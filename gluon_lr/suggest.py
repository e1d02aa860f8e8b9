"""Rules that read a learning rate off a finder's curve.

Every rule is a pure function ``(lrs, losses) -> float or None`` over points in
sweep order. :func:`suggest_lr` first drops non-finite points, then smooths the
losses with the finder's running mean, then applies a rule. A rule that has too
few points to work with warns and returns ``None``.

The default smoothing for suggestions, 0.95, is pytorch-lr-finder's
(``smooth_f=0.05``: each new loss weighs 5 %). The tutorial's light 0.3 suits
its stopping rule, but on a real finder curve (batch losses of ResNet-18 on
CIFAR-10) it lets one noisy drop in the diverging region pass for the steepest
descent: on this repository's measured curve (RESULTS.md) 'steepest' gives
0.35 with 0.3, and 0.031 with 0.6 to 0.95.
"""
import math
import warnings

import numpy as np

from ._validate import as_int, as_number
from .stopping import update_running_mean

__all__ = ["smooth", "steepest", "valley", "minimum", "suggest_lr", "SUGGESTION_METHODS",
           "SUGGESTION_SMOOTHING", "smoothed_curve"]


def smooth(losses, smoothing):
    """The finder's running mean: ``m_1 = l_1``, ``m_k = (1 - s) * l_k + s * m_{k-1}``.

    Examples
    --------
    >>> smooth([1.0, 3.0, 3.0], 0.5)
    [1.0, 2.0, 2.5]
    """
    smoothed, running = [], None
    for loss in losses:
        running = update_running_mean(running, loss, smoothing)
        smoothed.append(running)
    return smoothed


def smoothed_curve(lrs, losses, smoothing):
    """The finite points of a curve, their losses smoothed: ``(lrs, smoothed losses)``."""
    finite = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    return [lr for lr, _ in finite], smooth([loss for _, loss in finite], smoothing)


def _too_few(rule, needed, have):
    warnings.warn("cannot suggest a learning rate with the {!r} rule: it needs at least {} "
                  "usable points, got {}".format(rule, needed, have), RuntimeWarning, stacklevel=3)


def steepest(lrs, losses, skip_start=10, skip_end=5):
    """The learning rate where the loss falls fastest (pytorch-lr-finder's rule).

    Drops ``skip_start`` points at the start and ``skip_end`` at the end, then
    returns the learning rate at the minimum of ``numpy.gradient(losses)``.
    The gradient is taken over the point index: on a geometric sweep that is the
    slope against ``log(lr)``.

    Examples
    --------
    >>> steepest([1, 2, 3, 4, 5], [5.0, 4.8, 3.0, 2.9, 2.8], skip_start=0, skip_end=0)
    2
    """
    as_int("skip_start", skip_start, 0)
    as_int("skip_end", skip_end, 0)
    stop = len(losses) - skip_end
    lrs, losses = lrs[skip_start:stop], losses[skip_start:stop]
    if len(losses) < 2:
        _too_few("steepest", 2 + skip_start + skip_end, len(losses) + skip_start + skip_end)
        return None
    return lrs[int(np.argmin(np.gradient(np.asarray(losses, dtype=float))))]


def valley(lrs, losses):
    """fastai's "valley" rule: a point partway down the longest decreasing run.

    Take the longest strictly decreasing subsequence of the losses (the first
    one, on ties), of ``length`` points ending at index ``end``. As in fastai,
    ``start = end - length`` and ``third = length / 3``, and the rule returns
    the learning rate at index ``start + int(third) + int(third / 2)``: about
    half-way into the run's middle third. That index is raised to the run's
    first point when it would fall before it (fastai's formula can point one
    place before a two-point run, or wrap around to the last point).

    Examples
    --------
    >>> valley([1, 2, 3, 4, 5, 6, 7], [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0])
    3
    """
    count = len(losses)
    if count < 2:
        _too_few("valley", 2, count)
        return None
    run = [1] * count  # run[i]: longest decreasing subsequence ending at i
    end = 0
    for i in range(1, count):
        run[i] = 1 + max([run[j] for j in range(i) if losses[j] > losses[i]], default=0)
        if run[i] > run[end]:
            end = i
    if run[end] < 2:
        warnings.warn("cannot suggest a learning rate with the 'valley' rule: "
                      "the loss never decreases", RuntimeWarning, stacklevel=2)
        return None
    length = run[end]
    third = length / 3
    index = (end - length) + int(third) + int(third / 2)
    return lrs[max(index, end - length + 1)]


def minimum(lrs, losses, divisor=10.0):
    """The learning rate at the lowest loss, divided by ``divisor`` (fastai's "minimum").

    Examples
    --------
    >>> minimum([0.1, 1.0, 10.0], [3.0, 1.0, 2.0])
    0.1
    """
    if not losses:
        _too_few("minimum", 1, 0)
        return None
    return lrs[int(np.argmin(losses))] / divisor


SUGGESTION_METHODS = {"steepest": steepest, "valley": valley, "minimum": minimum}


SUGGESTION_SMOOTHING = 0.95


def suggest_lr(lrs, losses, method="steepest", smoothing=SUGGESTION_SMOOTHING, **options):
    """Suggest a learning rate from a finder's ``(lr, loss)`` curve.

    Parameters
    ----------
    lrs, losses : sequence of float
        The sweep, in order.
    method : {'steepest', 'valley', 'minimum'}
        The rule; see :func:`steepest`, :func:`valley` and :func:`minimum`.
    smoothing : float, default 0.95
        Running-mean weight of the previous mean (0 = raw losses); see the
        module notes.
    **options
        Passed to the rule (``skip_start``/``skip_end`` or ``divisor``).

    Returns
    -------
    float or None
        ``None`` (with a RuntimeWarning) when there are too few finite points.
    """
    if method not in SUGGESTION_METHODS:
        raise ValueError("method must be one of {}; got {!r}".format(
            sorted(SUGGESTION_METHODS), method))
    if len(lrs) != len(losses):
        raise ValueError("lrs and losses must have the same length; got {} and {}".format(
            len(lrs), len(losses)))
    as_number("smoothing", smoothing, low=0, high=1, high_open=True)
    finite_lrs, smoothed = smoothed_curve(lrs, losses, smoothing)
    suggestion = SUGGESTION_METHODS[method](finite_lrs, smoothed, **options)
    return None if suggestion is None else float(suggestion)
