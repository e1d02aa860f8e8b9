"""AutoLRS: the learning-rate schedule found during training by Bayesian optimisation.

Only the search over one learning rate is here so far: :class:`LRSearch`.
It needs scikit-learn (``pip install "gluon-lr[auto]"``) when a search is built,
not when this package is imported.
"""
from .search import LRSearch

__all__ = ["LRSearch"]
