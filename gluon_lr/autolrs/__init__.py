"""AutoLRS: the learning-rate schedule found during training by Bayesian optimisation.

:class:`AutoLRS` (Jin et al., ICLR 2021) trains in stages: each stage tries
``k`` learning rates from one snapshot, proposed by :class:`LRSearch` and scored
by forecasting their loss, then trains at the best. The pieces, one module
each: :mod:`~gluon_lr.autolrs.stages` (stage lengths and the budget),
:mod:`~gluon_lr.autolrs.budget` (lengths and search range fitted to a budget and a sweep),
:mod:`~gluon_lr.autolrs.trials` (one candidate), :mod:`~gluon_lr.autolrs.record`
(what is recorded), :mod:`~gluon_lr.autolrs.driver` (the loop) and
:mod:`~gluon_lr.autolrs.plot`.

The search needs scikit-learn (``pip install "gluon-lr[auto]"``) when an
:class:`AutoLRS` or :class:`LRSearch` is built, not when this package is
imported.
"""
from .budget import FittedLengths, fitted_lengths, search_range
from .driver import AutoLRS
from ..trial import Trial
from .record import Stage
from .search import LRSearch

__all__ = ["AutoLRS", "LRSearch", "Stage", "Trial", "FittedLengths", "fitted_lengths",
           "search_range"]
