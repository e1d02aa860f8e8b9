"""Stop rules for the learning-rate finder: callables ``loss -> bool``."""
import math
from typing import Optional

from ._validate import as_int, as_number

__all__ = ["LRFinderStoppingCriteria", "update_running_mean"]


def update_running_mean(running_mean: Optional[float], loss: float, smoothing: float) -> float:
    """One step of the tutorial's running mean; the first loss starts it.

    Returns ``loss`` when ``running_mean`` is None, else
    ``(1 - smoothing) * loss + smoothing * running_mean``.
    """
    if running_mean is None:
        return loss
    return ((1 - smoothing) * loss) + (smoothing * running_mean)


class LRFinderStoppingCriteria:
    """The tutorial's divergence test on a running mean of the loss.

    After each loss ``l_k`` (``k = 1, 2, ...``) the running mean is
    ``m_1 = l_1`` and ``m_k = (1 - smoothing) * l_k + smoothing * m_{k-1}``.
    The rule fires when ``m_k > threshold * l_1`` and ``k >= min_iter``, and at
    once on a non-finite loss (NaN never compares greater, so the tutorial's
    rule would run forever on it).

    Parameters
    ----------
    smoothing : float, default 0.3
        Weight of the previous running mean, in ``[0, 1)``.
    min_iter : int, default 20
        No divergence stop before this many losses, one a step (``>= 1``).
    threshold : float, default 2.0
        Multiple of the first loss that counts as divergence (``> 0``).

    Examples
    --------
    >>> stop = LRFinderStoppingCriteria(smoothing=0.0, min_iter=2)
    >>> [stop(x) for x in (1.0, 1.5, 2.5)]
    [False, False, True]
    >>> LRFinderStoppingCriteria()(float("nan"))
    True
    """

    def __init__(self, smoothing: float = 0.3, min_iter: int = 20,
                 threshold: float = 2.0) -> None:
        self.smoothing = as_number("smoothing", smoothing, low=0, high=1, high_open=True)
        self.min_iter = as_int("min_iter", min_iter, 1)
        self.threshold = as_number("threshold", threshold, low=0, low_open=True)
        self.first_loss: Optional[float] = None
        self.running_mean: Optional[float] = None
        self.counter = 0

    def __call__(self, loss: float) -> bool:
        """Record one step's loss; return True when the sweep should stop."""
        self.counter += 1
        if not math.isfinite(loss):
            return True
        if self.first_loss is None:
            self.first_loss = loss
        self.running_mean = update_running_mean(self.running_mean, loss, self.smoothing)
        return (self.running_mean > self.first_loss * self.threshold) and \
            (self.counter >= self.min_iter)
