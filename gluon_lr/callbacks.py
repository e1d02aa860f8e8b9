"""The one callback shape of :meth:`Learner.run`, and the progress bar built on it.

Every training loop in gluon-lr reports each step as ``callback(step, lr, loss)``
and ends when a callback returns a true value. :func:`chain` runs several
callbacks as one; :class:`ProgressBar` is the only progress bar in the package.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

from tqdm.auto import tqdm

from ._validate import as_bool, as_callable, as_int, as_number
from .stopping import update_running_mean

__all__ = ["Callback", "chain", "ProgressBar"]

Callback = Callable[[int, float, float], Any]
"""A training callback: ``callback(step, lr, loss)``, a true value to stop."""


def chain(*callbacks: Optional[Callback]) -> Callable[[int, float, float], bool]:
    """Return one callback that calls each of ``callbacks`` in order.

    Every callback sees every step; the chain asks to stop when any of them
    does. ``None`` entries are skipped.

    Examples
    --------
    >>> seen = []
    >>> both = chain(lambda *step: seen.append(step), None, lambda s, lr, loss: s == 2)
    >>> both(1, 0.1, 2.0), both(2, 0.1, 1.5), seen
    (False, True, [(1, 0.1, 2.0), (2, 0.1, 1.5)])
    """
    active = [as_callable("each callback", c, "(step, lr, loss) -> stop?")
              for c in callbacks if c is not None]

    def chained(step: int, lr: float, loss: float) -> bool:
        stops = [bool(callback(step, lr, loss)) for callback in active]
        return any(stops)
    return chained


class ProgressBar:
    """A tqdm bar as a ``(step, lr, loss)`` callback, showing the LR and the loss.

    Parameters
    ----------
    total : int or None
        Steps expected, for the bar's length; ``None`` if unknown.
    desc : str
        The bar's label.
    enabled : bool, default True
        ``False`` draws nothing (the callback still counts steps).
    smoothing : float or None, default None
        Show the running mean of the finite losses with this weight (the
        finder's), instead of the last loss.

    Examples
    --------
    >>> with ProgressBar(total=2, desc="demo", enabled=False) as bar:
    ...     bar(1, 0.1, 2.0), bar(2, 0.1, 1.0)
    (False, False)
    >>> bar.steps
    2
    """

    def __init__(self, total: Optional[int], desc: str, enabled: bool = True,
                 smoothing: Optional[float] = None) -> None:
        if total is not None:
            as_int("total", total, 0)
        as_bool("enabled", enabled)
        if smoothing is not None:
            as_number("smoothing", smoothing, low=0, high=1, high_open=True)
        self._bar = tqdm(total=total, desc=desc, disable=not enabled, leave=False)
        self._smoothing = smoothing
        self._running: Optional[float] = None
        self.steps = 0

    def __call__(self, step: int, lr: float, loss: float) -> bool:
        self.steps += 1
        shown = loss
        if self._smoothing is not None:
            if math.isfinite(loss):
                self._running = update_running_mean(self._running, loss, self._smoothing)
            shown = float("nan") if self._running is None else self._running
        self._bar.set_postfix(lr="{:.3g}".format(lr), loss="{:.4g}".format(shown))
        self._bar.update()
        return False

    def close(self) -> None:
        """Remove the bar."""
        self._bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
