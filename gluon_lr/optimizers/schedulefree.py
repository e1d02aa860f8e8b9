"""Schedule-Free SGD and AdamW (Defazio et al. 2024, "The Road Less Scheduled").

Each weight carries three sequences. Gradients are taken at ``y``, which the
network's parameters hold during training; ``z`` takes the base optimizer's
steps; ``x``, a weighted average of the ``z``, is the point to evaluate (see
:func:`~gluon_lr.optimizers.evaluation_weights`). At update ``t`` (1-based)::

    gamma_t = gamma * min(1, t / T_warm)
    w_t     = t**r * max(gamma_1, ..., gamma_t)**p,    c_t = w_t / (w_1 + ... + w_t)
    z_t     = z_(t-1) - gamma_t * u_t
    x_t     = (1 - c_t) * x_(t-1) + c_t * z_t
    y_t     = beta * x_t + (1 - beta) * z_t

with ``z_0 = x_0 = y_0`` the initial weights, ``T_warm = warmup_steps``
(no warm-up when 0), ``r`` and ``p = weight_lr_power`` as in the reference
implementation (facebookresearch/schedule_free), and the step direction
``u_t`` of the base method at ``y_{t-1}``:

- SGD: ``u_t = g_t + wd * y_{t-1}`` (L2 at ``y``), ``beta = momentum``;
- AdamW: ``v_t = beta2 v_{t-1} + (1 - beta2) g_t^2``,
  ``u_t = g_t / (sqrt(v_t / (1 - beta2^t)) + epsilon) + wd * y_{t-1}``,
  ``beta = beta1``.

``g_t`` is the gradient after MXNet's ``rescale_grad`` and ``clip_gradient``;
``gamma`` is the optimizer's learning rate (its ``lr_scheduler``'s, if one is
attached, times the parameter's ``lr_mult``) and ``wd`` the weight decay
times ``wd_mult``.

The per-weight state, kept in MXNet's updater like any optimizer state, is
the tuple ``(z, x, sums[, v])`` with ``sums = [sum of w_i, max gamma_i]`` in
float64. Counting per weight follows MXNet's per-index update counts.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import mxnet as mx
import numpy as np

from .._validate import as_int, as_lr, as_number
from .gradients import prepared_gradient

__all__ = ["ScheduleFree", "SGD_ScheduleFree", "AdamW_ScheduleFree", "averaging_coefficient"]


def averaging_coefficient(sums: Any, t: int, lr: float, r: float, power: float) -> float:
    """Add update ``t``'s weight to ``sums`` in place and return ``c_t``.

    ``sums`` is ``[sum of the weights so far, largest rate so far]``; the
    weight is ``t**r * max_rate**power``. With no weight yet (a zero rate),
    ``c_t`` is 0: ``x`` stays where it is.

    Examples
    --------
    >>> sums = np.zeros(2)
    >>> [averaging_coefficient(sums, t, 0.5, 0.0, 2.0) for t in (1, 2, 3, 4)]
    [1.0, 0.5, 0.3333333333333333, 0.25]
    """
    sums[1] = max(float(sums[1]), lr)
    weight = t ** r * float(sums[1]) ** power
    sums[0] += weight
    total = float(sums[0])
    return weight / total if total > 0 else 0.0


class ScheduleFree(mx.optimizer.Optimizer):
    """The averaging and interpolation both Schedule-Free optimizers share.

    Subclasses say how ``z`` steps (:meth:`_z_step`), which extra arrays it
    needs (:meth:`_extra_state`) and which attribute holds ``beta``
    (:attr:`interpolation_name`).

    Parameters
    ----------
    learning_rate : float or None
        The rate ``gamma``: 0 or in float32's range; ``None`` with an ``lr_scheduler``.
    warmup_steps : int, default 0
        Updates of linear warm-up of the rate, ``>= 0``.
    r : float, default 0
        Power of ``t`` in the averaging weights, ``>= 0``.
    weight_lr_power : float, default 2
        Power of the largest rate so far in the averaging weights, ``>= 0``.
    **kwargs
        MXNet's :class:`mx.optimizer.Optimizer` arguments (``wd``,
        ``lr_scheduler``, ``rescale_grad``, ``clip_gradient``, ...).
    """

    #: The attribute that holds ``beta``, the interpolation between ``x`` and ``z``.
    interpolation_name = "momentum"

    def __init__(self, learning_rate: Optional[float], warmup_steps: int = 0, r: float = 0.0,
                 weight_lr_power: float = 2.0, **kwargs: Any) -> None:
        super().__init__(learning_rate=None if learning_rate is None else as_lr(
            "learning_rate", learning_rate), **kwargs)
        self.warmup_steps = as_int("warmup_steps", warmup_steps, 0)
        self.r = as_number("r", r, low=0)
        self.weight_lr_power = as_number("weight_lr_power", weight_lr_power, low=0)

    def create_state(self, index: Any, weight: Any) -> Tuple[Any, ...]:
        """``(z, x, sums)`` and the base method's arrays: ``z = x = weight`` at first."""
        return (weight.copy(), weight.copy(), np.zeros(2)) + self._extra_state(weight)

    def _extra_state(self, weight: Any) -> Tuple[Any, ...]:  # pylint: disable=unused-argument
        return ()

    def _z_step(self, z: Any, y: Any, grad: Any, lr: float, wd: float, t: int,
                extra: Tuple[Any, ...]) -> None:
        raise NotImplementedError("{} must implement _z_step".format(type(self).__name__))

    def step(self, indices: Sequence[Any], weights: Sequence[Any], grads: Sequence[Any],
             states: Sequence[Any]) -> None:
        """One Schedule-Free update of each weight (the module's formulas)."""
        beta = getattr(self, self.interpolation_name)
        for index, weight, grad, state in zip(indices, weights, grads, states):
            self._update_count(index)
            t = self._index_update_count[index]
            lr = self._get_lr(index)
            if self.warmup_steps:
                lr *= min(1.0, t / self.warmup_steps)
            z, x, sums = state[:3]
            coefficient = averaging_coefficient(sums, t, lr, self.r, self.weight_lr_power)
            self._z_step(z, weight, prepared_gradient(self, grad), lr, self._get_wd(index), t,
                         state[3:])
            x[:] = x * (1 - coefficient) + z * coefficient
            weight[:] = x * beta + z * (1 - beta)


@mx.optimizer.register
class SGD_ScheduleFree(ScheduleFree):  # pylint: disable=invalid-name
    """Schedule-Free SGD, registered as ``'sgd_schedulefree'``.

    MXNet registers an optimizer under its class name in lower case, hence
    the underscore. The update is the module's, with ``u_t = g_t + wd * y``.
    Its authors advise a rate 10 to 50 times the usual SGD rate, and warm-up.

    Parameters
    ----------
    learning_rate : float, default 1.0
        The rate ``gamma`` (the reference implementation's default).
    momentum : float, default 0.9
        ``beta``, the interpolation between ``x`` and ``z``, in ``(0, 1)``.
    warmup_steps, r, weight_lr_power, **kwargs
        See :class:`ScheduleFree`.

    Examples
    --------
    One step on ``f(w) = w**2 / 2`` (gradient ``w``) from ``w = 1``: ``z`` and
    ``x`` move to ``1 - 0.5 = 0.5`` and so does ``y``.

    >>> import mxnet as mx
    >>> opt = mx.optimizer.create("sgd_schedulefree", learning_rate=0.5, momentum=0.5)
    >>> w = mx.nd.array([1.0])
    >>> state = opt.create_state(0, w)
    >>> opt.update([0], [w], [w.copy()], [state])
    >>> w.asnumpy().tolist(), state[1].asnumpy().tolist()
    ([0.5], [0.5])
    """

    def __init__(self, learning_rate: Optional[float] = 1.0, momentum: float = 0.9,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = as_number("momentum", momentum, low=0, high=1, low_open=True,
                                  high_open=True)

    def _z_step(self, z: Any, y: Any, grad: Any, lr: float, wd: float, t: int,
                extra: Tuple[Any, ...]) -> None:
        z[:] = z - (grad + y * wd) * lr


@mx.optimizer.register
class AdamW_ScheduleFree(ScheduleFree):  # pylint: disable=invalid-name
    """Schedule-Free AdamW, registered as ``'adamw_schedulefree'``.

    The update is the module's, with Adam's bias-corrected second moment and
    the weight decay taken at ``y``; the first moment is replaced by the
    interpolation ``beta1``. Its authors advise a rate 1 to 10 times the
    usual AdamW rate, and warm-up.

    Parameters
    ----------
    learning_rate : float, default 0.0025
        The rate ``gamma`` (the reference implementation's default).
    beta1 : float, default 0.9
        ``beta``, the interpolation between ``x`` and ``z``, in ``[0, 1)``.
    beta2 : float, default 0.999
        Decay of the second moment, in ``[0, 1)``.
    epsilon : float, default 1e-8
        Added to the denominator, ``> 0``.
    warmup_steps, r, weight_lr_power, **kwargs
        See :class:`ScheduleFree`.

    Examples
    --------
    The first step divides the gradient by its own magnitude: ``z`` moves by
    the rate, whatever the gradient's scale.

    >>> import mxnet as mx
    >>> opt = mx.optimizer.create("adamw_schedulefree", learning_rate=0.25, beta1=0.0)
    >>> w = mx.nd.array([1.0])
    >>> opt.update([0], [w], [mx.nd.array([40.0])], [opt.create_state(0, w)])
    >>> w.asnumpy().tolist()
    [0.75]
    """

    interpolation_name = "beta1"

    def __init__(self, learning_rate: Optional[float] = 0.0025, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = as_number("beta1", beta1, low=0, high=1, high_open=True)
        self.beta2 = as_number("beta2", beta2, low=0, high=1, high_open=True)
        self.epsilon = as_number("epsilon", epsilon, low=0, low_open=True)

    def _extra_state(self, weight: Any) -> Tuple[Any, ...]:
        return (mx.nd.zeros(weight.shape, weight.context, dtype=weight.dtype),)

    def _z_step(self, z: Any, y: Any, grad: Any, lr: float, wd: float, t: int,
                extra: Tuple[Any, ...]) -> None:
        (second,) = extra
        second[:] = second * self.beta2 + mx.nd.square(grad) * (1 - self.beta2)
        denominator = mx.nd.sqrt(second / (1 - self.beta2 ** t)) + self.epsilon
        z[:] = z - (grad / denominator + y * wd) * lr
