"""Stop rules for the learning-rate finder: callables ``loss -> bool``."""
import math
import statistics
from typing import List, Optional, Sequence

from ._validate import as_int, as_number

__all__ = ["LRFinderStoppingCriteria", "MedianStartStopping", "loss_fell", "update_running_mean"]


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

    @property
    def reference(self) -> Optional[float]:
        """The loss the running mean is compared with: the first loss (None before it)."""
        return self.first_loss

    def __call__(self, loss: float) -> bool:
        """Record one step's loss; return True when the sweep should stop."""
        self.counter += 1
        if not math.isfinite(loss):
            return True
        if self.first_loss is None:
            self.first_loss = loss
        self._record(loss)
        self.running_mean = update_running_mean(self.running_mean, loss, self.smoothing)
        reference = self.reference
        return reference is not None and (self.running_mean > reference * self.threshold) \
            and (self.counter >= self.min_iter)

    def _record(self, loss: float) -> None:
        """Keep what :attr:`reference` needs of a finite loss (the first loss is kept already)."""


class MedianStartStopping(LRFinderStoppingCriteria):
    """The tutorial's divergence test, measured against the median of the first losses.

    The running mean ``m_k`` is the tutorial's (:class:`LRFinderStoppingCriteria`).
    The reference is the median of the first ``start_points`` finite losses,
    not the first loss alone, so one lucky (or unlucky) early batch does not
    move it: the rule fires when ``m_k > threshold * median(l_1 .. l_n)``
    with ``n = start_points`` and ``k >= max(min_iter, start_points)``, and at
    once on a non-finite loss. This is :class:`~gluon_lr.LRFinder`'s default
    rule for its default sweep and for ``find(sweep=...)``.

    Parameters
    ----------
    smoothing, min_iter, threshold
        As for :class:`LRFinderStoppingCriteria`.
    start_points : int, default 5
        Losses whose median is the reference (``>= 1``; 1 is the tutorial's rule).

    Examples
    --------
    A lucky first batch (1.0) among losses near 3 stops the tutorial's rule,
    not this one; a real rise stops both:

    >>> losses = [1.0, 3.0, 2.9, 3.1, 3.0, 3.2, 9.0]
    >>> tutorial = LRFinderStoppingCriteria(smoothing=0.0, min_iter=2)
    >>> median = MedianStartStopping(smoothing=0.0, min_iter=2)
    >>> [tutorial(x) for x in losses], [median(x) for x in losses]
    ([False, True, True, True, True, True, True], [False, False, False, False, False, False, True])
    >>> median.reference
    3.0
    """

    def __init__(self, smoothing: float = 0.3, min_iter: int = 20, threshold: float = 2.0,
                 start_points: int = 5) -> None:
        super().__init__(smoothing, min_iter, threshold)
        self.start_points = as_int("start_points", start_points, 1)
        self.start_losses: List[float] = []

    @property
    def reference(self) -> Optional[float]:
        """The median of the first ``start_points`` finite losses (None until all are seen)."""
        if len(self.start_losses) < self.start_points:
            return None
        return float(statistics.median(self.start_losses))

    def _record(self, loss: float) -> None:
        if len(self.start_losses) < self.start_points:
            self.start_losses.append(loss)


def loss_fell(losses: Sequence[float], points: int = 5, drop: float = 0.03) -> bool:
    """Whether a sweep's loss ever fell below its start, one unusual loss aside.

    The start is the median of the first ``points`` finite losses, as for
    :class:`MedianStartStopping`; the loss fell when the median of some later
    run of ``points`` consecutive finite losses lies ``drop`` (a fraction)
    below it. Medians keep one lucky or unlucky batch from deciding either
    way; a sweep with no more than ``points`` finite losses has not fallen.

    Examples
    --------
    >>> loss_fell([2.3, 2.3, 2.2, 2.3, 2.3, 2.1, 1.9, 1.8, 1.7, 1.6])
    True
    >>> loss_fell([2.39, 4.0, 4.5, 5.0, 4.2, 4.8, 4.4, 4.6, 9.0])   # a lucky first batch
    False
    """
    points = as_int("points", points, 1)
    as_number("drop", drop, low=0, high=1, low_open=True, high_open=True)
    finite = [loss for loss in losses if math.isfinite(loss)]
    threshold = (1 - drop) * statistics.median(finite[:points]) if finite else 0.0
    return any(statistics.median(finite[i:i + points]) < threshold
               for i in range(1, len(finite) - points + 1))
