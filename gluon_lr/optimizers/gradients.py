"""The gradient every gluon-lr optimizer steps on: MXNet's rescaling and clipping."""
from __future__ import annotations

from typing import Any

import mxnet as mx

__all__ = ["prepared_gradient"]


def prepared_gradient(optimizer: mx.optimizer.Optimizer, grad: Any) -> Any:
    """``grad * rescale_grad``, clipped to ``[-clip_gradient, clip_gradient]`` if set.

    This is what MXNet's own optimizers do first (``Trainer.step(batch_size)``
    sets ``rescale_grad = 1 / batch_size``). A new array is returned: the
    gradient buffer is left as it is.

    Examples
    --------
    >>> sgd = mx.optimizer.SGD(rescale_grad=0.5, clip_gradient=1.0)
    >>> prepared_gradient(sgd, mx.nd.array([1.0, -4.0])).asnumpy().tolist()
    [0.5, -1.0]
    """
    grad = grad * optimizer.rescale_grad
    if optimizer.clip_gradient is not None:
        grad = mx.nd.clip(grad, -optimizer.clip_gradient, optimizer.clip_gradient)
    return grad
