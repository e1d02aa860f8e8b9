"""Argument checks shared across gluon-lr.

Every check raises at the boundary with a message that names the argument and
the accepted range, and returns the value (as ``int``/``float``) so that
constructors can validate and store in one line.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Collection, Optional, TypeVar

import numpy as np

__all__ = ["as_int", "as_number", "as_bool", "check_order", "as_lr",
           "as_choice", "as_callable", "FLOAT32_MAX", "FLOAT32_TINY"]

#: MXNet optimizers keep the learning rate in float32: larger values overflow
#: ("Out of range value for lr") and positive values below the smallest normal
#: float32 are not representable as a rate.
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT32_TINY = float(np.finfo(np.float32).tiny)

_Choice = TypeVar("_Choice")
_Callable = TypeVar("_Callable", bound=Callable[..., Any])


def as_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int, or raise if it is not an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("{} must be an int >= {}, got {!r}".format(name, minimum, value))
    if value < minimum:
        raise ValueError("{} must be an int >= {}, got {!r}".format(name, minimum, value))
    return int(value)


def _as_float(name: str, value: numbers.Real, accepted: str) -> float:
    """``float(value)``, or a ValueError for an integer beyond float64's range."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError("{} must be {}, got an integer of {} digits".format(
            name, accepted, len(str(abs(value))))) from None


def as_number(name: str, value: object, low: Optional[float] = None,
              high: Optional[float] = None, low_open: bool = False,
              high_open: bool = False) -> float:
    """Return ``value`` as a finite float inside the given interval.

    ``low``/``high`` of ``None`` leave that side unbounded; ``low_open`` and
    ``high_open`` exclude the bound itself.
    """
    interval = "{}{}, {}{}".format("(" if low_open or low is None else "[",
                                   "-inf" if low is None else low,
                                   "inf" if high is None else high,
                                   ")" if high_open or high is None else "]")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{} must be a number in {}, got {!r}".format(name, interval, value))
    value = _as_float(name, value, "a number in " + interval)
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError("{} must be a number in {}, got {!r}".format(name, interval, value))
    return value


def as_lr(name: str, value: object, allow_zero: bool = True) -> float:
    """Return a learning rate as a float, checked against float32's range.

    Accepts ``0`` (when ``allow_zero``) and ``[FLOAT32_TINY, FLOAT32_MAX]``.

    Examples
    --------
    >>> as_lr("lr", 0.1)
    0.1
    >>> as_lr("lr", 1e300)
    Traceback (most recent call last):
    ...
    ValueError: lr must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got 1e+300
    """
    interval = "[{:.8g}, {:.8g}] (float32)".format(FLOAT32_TINY, FLOAT32_MAX)
    prefix = "0 or a number in " if allow_zero else "a number in "
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{} must be {}{}, got {!r}".format(name, prefix, interval, value))
    value = _as_float(name, value, prefix + interval)
    if allow_zero and value == 0:
        return 0.0
    if not (math.isfinite(value) and FLOAT32_TINY <= value <= FLOAT32_MAX):
        raise ValueError("{} must be {}{}, got {!r}".format(name, prefix, interval, value))
    return value


def as_choice(name: str, value: _Choice, choices: Collection[_Choice]) -> _Choice:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    if value not in choices:
        raise ValueError("{} must be one of {}, got {!r}".format(
            name, ", ".join(repr(c) for c in choices), value))
    return value


def as_callable(name: str, value: _Callable, signature: str) -> _Callable:
    """Return ``value`` if it is callable, else raise ``TypeError`` naming ``signature``."""
    if not callable(value):
        raise TypeError("{} must be callable ({}), got {!r}".format(name, signature, value))
    return value


def as_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool, else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError("{} must be True or False, got {!r}".format(name, value))
    return value


def check_order(low_name: str, low: float, high_name: str, high: float) -> None:
    """Raise ``ValueError`` unless ``low <= high``."""
    if low > high:
        raise ValueError("{} must be <= {}, got {} = {!r} and {} = {!r}".format(
            low_name, high_name, low_name, low, high_name, high))
