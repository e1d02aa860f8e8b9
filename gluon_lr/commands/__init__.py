"""The ``gluon-lr`` subcommands: their parser, and running one with a runtime.

Each command module adds its parser (``add_parser(subparsers)``) and runs it
(``run(args, runtime)``, see :mod:`gluon_lr.commands.runtime`). Importing
this package does not import MXNet: the command modules load when the parser
is built, after the thread count is set.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys
from typing import TYPE_CHECKING, Dict, Optional, TextIO

from ..training import TrainingDiverged
from .options import OneLineErrors

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["NAMES", "TRAINING", "build_parser", "execute"]

#: Every subcommand, in the order ``gluon-lr --help`` lists them.
NAMES = ("find", "compare", "train", "schedule")

#: The subcommands that train, and so can run on several workers.
TRAINING = ("find", "compare", "train")


def build_parser() -> argparse.ArgumentParser:
    """The ``gluon-lr`` parser; ``args.run`` is the chosen command's ``run``."""
    parser = OneLineErrors(
        prog="gluon-lr",
        description="Find and schedule learning rates for MXNet Gluon: CIFAR-10 workflows, "
                    "or your own network and data (--model/--dataset module:attr).")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=OneLineErrors)
    subparsers.required = True
    for name in NAMES:
        importlib.import_module("." + name, __name__).add_parser(subparsers)
    return parser


def _option_names(args: argparse.Namespace) -> Dict[str, str]:
    """``{argument name: option}`` of the parsed command, e.g. ``{'train_size': '--train-size'}``.

    Every option of every subcommand is spelled ``--`` + its argument name with
    dashes for underscores.
    """
    return {dest: "--" + dest.replace("_", "-") for dest in vars(args)}


def in_option_terms(message: str, args: argparse.Namespace) -> str:
    """The library's message, naming command-line options where it names their arguments.

    The message's first word is translated when it is an argument name; any
    other argument name with an underscore (``max_lr``) is translated wherever
    it stands.
    """
    names = _option_names(args)
    first, space, rest = message.partition(" ")
    if first in names:
        message = names[first] + space + rest
    for dest, option in names.items():
        if "_" in dest:
            message = re.sub(r"(?<![\w'-]){}\b".format(re.escape(dest)), option, message)
    return message


def usage_error(args: argparse.Namespace, message: str, file: Optional[TextIO] = None) -> int:
    """Print ``gluon-lr COMMAND: error: message`` (in option terms) to ``file``; return 2.

    ``file`` defaults to ``sys.stderr``.
    """
    file = sys.stderr if file is None else file
    file.write("gluon-lr {}: error: {}\n".format(args.command, in_option_terms(message, args)))
    file.flush()
    return 2


def execute(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run the parsed command with ``runtime``; return its exit status.

    Bad input (``ValueError``, ``TypeError``, a missing file or key) is one
    line on stderr and status 2; a diverged training run 1; Ctrl-C 130.
    """
    try:
        status: int = args.run(args, runtime)
        return status
    except (ValueError, TypeError, FileNotFoundError, KeyError) as error:
        return usage_error(args, error.args[0] if isinstance(error, KeyError) and error.args
                           else str(error))
    except TrainingDiverged as error:
        print("gluon-lr {}: {}".format(args.command, error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gluon-lr {}: interrupted".format(args.command), file=sys.stderr)
        return 130
