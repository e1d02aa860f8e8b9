"""The ``gluon-lr`` command line: ``find``, ``compare``, ``train`` and ``schedule``.

MXNet reads its operator thread count when it loads, so :func:`main` sets it
(:func:`gluon_lr.threads.configure_threads`, or ``--threads``) before the
subcommands, and with them MXNet, are imported.
"""
import argparse
import re
import sys

from .threads import configure_threads
from .training import TrainingDiverged

__all__ = ["main", "build_parser"]


class _OneLineErrors(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit code 2)."""

    def error(self, message):
        self.exit(2, "{}: error: {}\n".format(self.prog, message))


def build_parser():
    from .commands import compare, find, schedule, train
    parser = _OneLineErrors(
        prog="gluon-lr",
        description="Find and schedule learning rates for MXNet Gluon (CIFAR-10 workflows).")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_OneLineErrors)
    subparsers.required = True
    for command in (find, compare, train, schedule):
        command.add_parser(subparsers)
    return parser


def _option_names(args):
    """``{argument name: option}`` of the parsed command, e.g. ``{'train_size': '--train-size'}``.

    Every option of every subcommand is spelled ``--`` + its argument name with
    dashes for underscores.
    """
    return {dest: "--" + dest.replace("_", "-") for dest in vars(args)}


def _in_option_terms(message, names):
    """The library's message, naming command-line options where it names their arguments.

    The message's first word is translated when it is an argument name; any
    other argument name with an underscore (``max_lr``) is translated wherever
    it stands.
    """
    first, space, rest = message.partition(" ")
    if first in names:
        message = names[first] + space + rest
    for dest, option in names.items():
        if "_" in dest:
            message = re.sub(r"(?<![\w'-]){}\b".format(re.escape(dest)), option, message)
    return message


def _requested_threads(argv):
    """``--threads N`` if given as a valid number (the full parser reports a bad one)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--threads", default=None)
    value = early.parse_known_args(argv)[0].threads
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else None


def main(argv=None):
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    configure_threads(_requested_threads(argv), warn=False)  # in-process callers: too late
    args = build_parser().parse_args(argv)
    if getattr(args, "workers", 1) > 1:
        from .distributed.command import run_distributed
        return run_distributed(argv, args.workers)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        print("gluon-lr {}: error: {}".format(
            args.command, _in_option_terms(message, _option_names(args))),
            file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print("gluon-lr {}: {}".format(args.command, error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gluon-lr {}: interrupted".format(args.command), file=sys.stderr)
        return 130
