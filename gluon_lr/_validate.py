"""Argument checks shared across gluon-lr.

Every check raises at the boundary with a message that names the argument and
the accepted range, and returns the value (as ``int``/``float``) so that
constructors can validate and store in one line.
"""
import math
import numbers

__all__ = ["as_int", "as_number", "as_bool", "check_order", "as_iteration"]


def as_int(name, value, minimum):
    """Return ``value`` as an int, or raise if it is not an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("{} must be an int >= {}, got {!r}".format(name, minimum, value))
    if value < minimum:
        raise ValueError("{} must be an int >= {}, got {!r}".format(name, minimum, value))
    return int(value)


def as_number(name, value, low=None, high=None, low_open=False, high_open=False):
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
    value = float(value)
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError("{} must be a number in {}, got {!r}".format(name, interval, value))
    return value


def as_bool(name, value):
    """Return ``value`` if it is a bool, else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError("{} must be True or False, got {!r}".format(name, value))
    return value


def check_order(low_name, low, high_name, high):
    """Raise ``ValueError`` unless ``low <= high``."""
    if low > high:
        raise ValueError("{} must be <= {}, got {} = {!r} and {} = {!r}".format(
            low_name, high_name, low_name, low, high_name, high))


def as_iteration(value):
    """Return an iteration number (an int ``>= 0``) or raise."""
    return as_int("iteration", value, 0)
