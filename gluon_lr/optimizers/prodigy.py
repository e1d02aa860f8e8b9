"""Prodigy (Mishchenko and Defazio, ICML 2024): Adam whose step size estimates itself.

Prodigy multiplies Adam's step by ``d``, an estimate of the distance from the
initial weights ``p0`` to a solution, grown from ``d0`` as the training
shows it is larger. With ``k`` the steps taken so far, the learning rate
``lr`` (1 by default: a multiplier of the estimate) and ``b_k = sqrt(1 -
beta2^(k+1)) / (1 - beta1^(k+1))`` with ``use_bias_correction`` (else 1),
one step is, following the reference implementation (konstmish/prodigy)::

    eta_k   = d_k * lr * b_k
    m      <- beta1 * m + d_k * (1 - beta1) * g
    v      <- beta2 * v + d_k**2 * (1 - beta2) * g**2
    s      <- beta3 * s + (d_k / d0) * eta_k * g
    N_(k+1) = beta3 * N_k + (d_k / d0) * eta_k * sum(<g, p0 - p>)
    d_hat   = d_coef * N_(k+1) / sum(|s|_1)
    d_max  <- max(d_max, d_hat),    d_(k+1) = min(d_max, growth_rate * d_k)
    p      <- p - eta_k * wd * p - eta_k * m / (sqrt(v) + d_(k+1) * epsilon)

where the sums run over every weight and ``beta3`` defaults to
``sqrt(beta2)``. On the first rise from ``d0``, ``d`` becomes
``max(d0, d_hat)`` before the cap. With ``safeguard_warmup``,
``s`` grows by ``(d_k / d_0) d_k g`` instead. The weight decay is AdamW's
(``decouple=True``, the default) or added to the gradient (``decouple=False``).
While every ``s`` is 0 (no gradient yet) no step is taken.

``d`` couples all weights, so one update sees all of them: the optimizer
sets ``aggregate_num`` to infinity and MXNet's Trainer hands it every weight
of a device at once. It must update on the devices (``update_on_kvstore=False``,
as the Learner does): a kvstore would update one weight at a time. Each
device keeps its own ``d`` (they agree, as their gradients do). A weight
whose ``lr_mult`` is not 1 steps with ``eta_k * lr_mult``; one with rate 0 is
left alone and does not count towards ``d``.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict, Optional, Sequence, Tuple

import mxnet as mx
import numpy as np

from .._validate import as_bool, as_lr, as_number
from .gradients import prepared_gradient

__all__ = ["Prodigy", "ProdigyEstimate"]


@dataclasses.dataclass
class ProdigyEstimate:
    """The quantities Prodigy shares across one device's weights.

    Attributes
    ----------
    d : float
        The current distance estimate.
    d_max : float
        The largest ``d_hat`` so far (``d0`` at first).
    numerator : float
        ``N``, the running sum of the step-weighted ``<g, p0 - p>``.
    steps : int
        Steps taken, ``k``.
    """

    d: float
    d_max: float
    numerator: float = 0.0
    steps: int = 0


def _sum(array: Any) -> float:
    return float(mx.nd.sum(array).asscalar())


@mx.optimizer.register
class Prodigy(mx.optimizer.Optimizer):
    """Prodigy, registered as ``'prodigy'`` (the module's formulas).

    Parameters
    ----------
    learning_rate : float, default 1.0
        Multiplier of the estimated step; its authors advise leaving it at 1,
        optionally with a schedule (an ``lr_scheduler``) on top.
    beta1, beta2 : float, default 0.9, 0.999
        Adam's moment decays, in ``[0, 1)``.
    beta3 : float, optional
        Decay of ``s`` and ``N``, in ``[0, 1)``; defaults to ``sqrt(beta2)``.
    epsilon : float, default 1e-8
        ``> 0``, scaled by ``d`` in the denominator.
    decouple : bool, default True
        AdamW's weight decay; ``False`` adds ``wd * p`` to the gradient.
    use_bias_correction : bool, default False
        Adam's bias correction ``b_k``.
    safeguard_warmup : bool, default False
        Leave the rate out of ``s`` (for warm-up schedules).
    d0 : float, default 1e-6
        The initial estimate, ``> 0``.
    d_coef : float, default 1.0
        Multiplier of ``d_hat``, ``> 0``.
    growth_rate : float, default inf
        Largest factor by which ``d`` grows per step, ``>= 1``.
    **kwargs
        MXNet's :class:`mx.optimizer.Optimizer` arguments (``wd``,
        ``lr_scheduler``, ``rescale_grad``, ``clip_gradient``, ...), except
        ``aggregate_num``, which Prodigy sets itself.

    Attributes
    ----------
    estimates : dict
        One :class:`ProdigyEstimate` per device, by device name (``'cpu(0)'``).

    Examples
    --------
    ``d`` grows from ``d0`` as soon as the weights have moved:

    >>> import mxnet as mx
    >>> opt = mx.optimizer.create("prodigy")
    >>> w = mx.nd.array([1.0, -1.0])
    >>> state = opt.create_state(0, w)
    >>> for _ in range(3):
    ...     opt.update([0], [w], [w.copy()], [state])
    >>> opt.estimates["cpu(0)"].d > opt.d0
    True
    """

    def __init__(self, learning_rate: Optional[float] = 1.0, beta1: float = 0.9, beta2: float = 0.999,
                 beta3: Optional[float] = None, epsilon: float = 1e-8, decouple: bool = True,
                 use_bias_correction: bool = False, safeguard_warmup: bool = False,
                 d0: float = 1e-6, d_coef: float = 1.0, growth_rate: float = math.inf,
                 **kwargs: Any) -> None:
        if "aggregate_num" in kwargs:
            raise TypeError("Prodigy takes no aggregate_num: it updates all weights at once")
        super().__init__(learning_rate=None if learning_rate is None else as_lr(
            "learning_rate", learning_rate), **kwargs)
        self.aggregate_num = np.inf
        self.beta1 = as_number("beta1", beta1, low=0, high=1, high_open=True)
        self.beta2 = as_number("beta2", beta2, low=0, high=1, high_open=True)
        self.beta3 = None if beta3 is None else as_number("beta3", beta3, low=0, high=1,
                                                          high_open=True)
        self.epsilon = as_number("epsilon", epsilon, low=0, low_open=True)
        self.decouple = as_bool("decouple", decouple)
        self.use_bias_correction = as_bool("use_bias_correction", use_bias_correction)
        self.safeguard_warmup = as_bool("safeguard_warmup", safeguard_warmup)
        self.d0 = as_number("d0", d0, low=0, low_open=True)
        self.d_coef = as_number("d_coef", d_coef, low=0, low_open=True)
        self.growth_rate = growth_rate if growth_rate == math.inf else as_number(
            "growth_rate", growth_rate, low=1)
        self.estimates: Dict[str, ProdigyEstimate] = {}

    def create_state(self, index: Any, weight: Any) -> Tuple[Any, ...]:
        """``(p0, s, m, v)``: the initial weight, then three zero arrays."""
        return (weight.copy(),) + tuple(
            mx.nd.zeros(weight.shape, weight.context, dtype=weight.dtype) for _ in range(3))

    def _bias_correction(self, k: int) -> float:
        if not self.use_bias_correction:
            return 1.0
        return math.sqrt(1 - self.beta2 ** (k + 1)) / (1 - self.beta1 ** (k + 1))

    def step(self, indices: Sequence[Any], weights: Sequence[Any], grads: Sequence[Any],
             states: Sequence[Any]) -> None:
        """One Prodigy step of all ``weights`` of one device (the module's formulas)."""
        estimate = self.estimates.setdefault(str(weights[0].context),
                                             ProdigyEstimate(d=self.d0, d_max=self.d0))
        self._update_count(list(indices))
        lrs, wds = self._get_lrs(list(indices)), self._get_wds(list(indices))
        lr = max(lrs)
        beta3 = math.sqrt(self.beta2) if self.beta3 is None else self.beta3
        d = estimate.d
        dlr = d * lr * self._bias_correction(estimate.steps)
        scale = (d / self.d0) * (d if self.safeguard_warmup else dlr)
        numerator, denominator = estimate.numerator * beta3, 0.0
        active = []
        for weight, grad, state, rate, wd in zip(weights, grads, states, lrs, wds):
            if rate <= 0:
                continue
            grad = prepared_gradient(self, grad)
            if wd and not self.decouple:
                grad = grad + weight * wd
            p0, s, m, v = state
            numerator += (d / self.d0) * dlr * _sum(grad * (p0 - weight))
            m[:] = m * self.beta1 + grad * (d * (1 - self.beta1))
            v[:] = v * self.beta2 + mx.nd.square(grad) * (d * d * (1 - self.beta2))
            s[:] = s * beta3 + grad * scale
            denominator += _sum(mx.nd.abs(s))
            active.append((weight, m, v, dlr * rate / lr, wd))
        if denominator == 0:
            return
        d_hat = self.d_coef * numerator / denominator
        if d == self.d0:
            d = max(d, d_hat)
        estimate.d_max = max(estimate.d_max, d_hat)
        estimate.d = d = min(estimate.d_max, d * self.growth_rate)
        estimate.numerator = numerator
        for weight, m, v, eta, wd in active:
            if wd and self.decouple:
                weight[:] = weight - weight * (wd * eta)
            weight[:] = weight - m / (mx.nd.sqrt(v) + d * self.epsilon) * eta
        estimate.steps += 1
