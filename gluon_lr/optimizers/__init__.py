"""Optimizers for Gluon, and the checks of optimizer arguments a Learner passes on.

Importing this package registers, with ``mx.optimizer.register``:

* ``'sgd_schedulefree'`` and ``'adamw_schedulefree'``: Schedule-Free SGD and AdamW
  (:mod:`.schedulefree`), evaluated at their average ``x`` through
  :func:`evaluation_weights`;
* ``'prodigy'``: Prodigy (:mod:`.prodigy`).

``mx.gluon.Trainer(params, 'sgd_schedulefree', ...)`` and
``Learner(optimizer='prodigy')`` take them by name. :mod:`.names` checks
optimizer names and parameters before MXNet sees them.
"""
from .names import checked_optimizer, optimizer_keywords, optimizer_name
from .prodigy import Prodigy, ProdigyEstimate
from .schedulefree import AdamW_ScheduleFree, ScheduleFree, SGD_ScheduleFree
from .evaluation import evaluation_weights

__all__ = ["checked_optimizer", "optimizer_keywords", "optimizer_name",
           "ScheduleFree", "SGD_ScheduleFree", "AdamW_ScheduleFree", "evaluation_weights",
           "Prodigy", "ProdigyEstimate"]
