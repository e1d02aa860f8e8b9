"""The ``gluon-lr`` command line: ``find``, ``compare``, ``train`` and ``schedule``."""
import argparse
import sys

from .commands import compare, find, schedule, train

__all__ = ["main", "build_parser"]


class _OneLineErrors(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit code 2)."""

    def error(self, message):
        self.exit(2, "{}: error: {}\n".format(self.prog, message))


def build_parser():
    parser = _OneLineErrors(
        prog="gluon-lr",
        description="Find and schedule learning rates for MXNet Gluon (CIFAR-10 workflows).")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_OneLineErrors)
    subparsers.required = True
    for command in (find, compare, train, schedule):
        command.add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print("gluon-lr {}: error: {}".format(args.command, message), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gluon-lr {}: interrupted".format(args.command), file=sys.stderr)
        return 130
