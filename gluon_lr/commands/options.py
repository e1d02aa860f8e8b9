"""Command-line parsing shared by ``gluon-lr``, its workers and the launcher; imports no MXNet.

Option types wrap the library's own checks (:mod:`gluon_lr._validate`), so
every rule is written once.
"""
from __future__ import annotations

import argparse
from typing import Any, Callable, NoReturn, Optional, Sequence, TypeVar

from .._validate import as_int, as_lr, as_number

_Checked = TypeVar("_Checked")

__all__ = ["OneLineErrors", "requested_threads", "option_type", "positive_int",
           "non_negative_int", "at_least_two", "seed_int", "learning_rate", "non_negative_float",
           "positive_float", "unit_interval", "open_unit_interval", "above_one"]


class OneLineErrors(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, "{}: error: {}\n".format(self.prog, message))


def requested_threads(argv: Sequence[str]) -> Optional[int]:
    """``--threads N`` if given as a valid number (the full parser reports a bad one).

    MXNet reads its thread count when it loads, so this is read before the
    full parser (whose commands import MXNet) is built.

    Examples
    --------
    >>> requested_threads(["find", "--threads", "3"]), requested_threads(["find"])
    (3, None)
    >>> requested_threads(["find", "--threads", "0"]) is None
    True
    """
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--threads", default=None)
    value = early.parse_known_args(argv)[0].threads
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else None


def option_type(check: Callable[[str, Any], _Checked],
                parse: Callable[[str], object] = float) -> Callable[[str], _Checked]:
    """An argparse type: ``parse`` the text, then ``check(name, value)`` it.

    The check's message (``value must be ...``) becomes argparse's one-line error.
    """
    def convert(text: str) -> _Checked:
        try:
            value: object = parse(text)
        except ValueError:
            value = text  # the check names the expected type
        try:
            return check("value", value)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return convert


positive_int = option_type(lambda name, value: as_int(name, value, 1), int)
non_negative_int = option_type(lambda name, value: as_int(name, value, 0), int)
at_least_two = option_type(lambda name, value: as_int(name, value, 2), int)
seed_int = non_negative_int
learning_rate = option_type(lambda name, value: as_lr(name, value, allow_zero=False))
non_negative_float = option_type(lambda name, value: as_number(name, value, low=0))
positive_float = option_type(lambda name, value: as_number(name, value, low=0, low_open=True))
unit_interval = option_type(  # [0, 1): momentum, smoothing
    lambda name, value: as_number(name, value, low=0, high=1, high_open=True))
open_unit_interval = option_type(  # (0, 1): fractions of a run
    lambda name, value: as_number(name, value, low=0, high=1, low_open=True, high_open=True))
above_one = option_type(lambda name, value: as_number(name, value, low=1, low_open=True))
