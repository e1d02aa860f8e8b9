"""Give every worker rank 0's parameters before the first step, so that it cannot race.

A ``gluon.Trainer`` on a ``dist_sync`` kvstore with ``update_on_kvstore=False``
initializes the kvstore inside its first ``step()``: it broadcasts each
parameter (rank 0 pushes it, every worker pulls it into its weights) and at
once push-pulls the gradients under the same key. The pull into the weights
and the gradient push-pull are independent operations for MXNet's engine,
so the pull can reach the server after the gradients were summed there: that
worker's weights then become the summed gradients, and the workers drift
apart from the first step on. (Seen on MXNet 2.0.0b1 with 2 workers in
about 2 runs out of 5 of a bare broadcast followed by a push-pull; never
when the broadcast was waited for.)

:func:`broadcast_parameters` runs that broadcast before any gradient exists,
through the public ``Trainer.update(..., ignore_stale_grad=True)`` (which
initializes the kvstore and skips every parameter without a fresh
gradient), and waits for it.
"""
from __future__ import annotations

from typing import Any

import mxnet as mx

from .. import mxnet_internals

__all__ = ["broadcast_parameters"]


def broadcast_parameters(trainer: Any) -> None:
    """Copy rank 0's parameters to every worker through ``trainer``'s kvstore, and wait.

    Call it on every worker right after creating the Trainer, before the
    first ``backward`` (a parameter with a fresh gradient would be updated).
    Without a kvstore it changes nothing.

    Parameters
    ----------
    trainer : mxnet.gluon.Trainer
        Created with ``update_on_kvstore=False``, with every parameter's
        shape known (no deferred initialization left: give ``in_units`` /
        ``in_channels``, or run one forward pass first).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.Dense(2, in_units=3)
    >>> net.initialize()
    >>> before = net.weight.data().copy()
    >>> trainer = mx.gluon.Trainer(net.collect_params(), "sgd", kvstore=None)
    >>> broadcast_parameters(trainer)
    >>> bool((net.weight.data() == before).all())
    True
    """
    if not isinstance(trainer, mx.gluon.Trainer):
        raise TypeError("trainer must be an mxnet.gluon.Trainer, got {!r}".format(trainer))
    if mxnet_internals.updates_on_kvstore(trainer):
        raise ValueError("trainer must be created with update_on_kvstore=False: its optimizer "
                         "would otherwise run on the servers")
    deferred = [param.name for param in mxnet_internals.trainer_params(trainer)
                if mxnet_internals.param_is_deferred(param)]
    if deferred:
        raise ValueError("trainer's parameters must have their shapes before the broadcast; "
                         "still deferred: {} (give in_units/in_channels or run one forward "
                         "pass first)".format(", ".join(deferred)))
    trainer.update(1, ignore_stale_grad=True)
    mx.npx.waitall()
