"""``python -m gluon_lr.distributed``: run a command as the workers of a local cluster."""
import argparse

from ..commands.common import positive_float, positive_int
from .launch import launch

__all__ = ["build_parser", "main"]


class _OneLineErrors(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit code 2)."""

    def error(self, message):
        self.exit(2, "{}: error: {}\n".format(self.prog, message))


def build_parser():
    parser = _OneLineErrors(
        prog="python -m gluon_lr.distributed",
        description="Run COMMAND as the workers of a dist_sync cluster on 127.0.0.1 "
                    "(1 scheduler, S servers, N workers) and stream the output of rank 0. "
                    "Exit status: 0, a failed worker's exit code (128 + signal if killed), "
                    "124 on --timeout, 130 on Ctrl-C.")
    parser.add_argument("-n", "--workers", type=positive_int, required=True,
                        help="number of workers")
    parser.add_argument("-s", "--servers", type=positive_int, default=1,
                        help="number of servers (default 1)")
    parser.add_argument("--timeout", type=positive_float, default=None, metavar="SECONDS",
                        help="stop everything after this many seconds")
    parser.add_argument("--grace", type=positive_float, default=3.0, metavar="SECONDS",
                        help="seconds between SIGTERM and SIGKILL when stopping (default 3)")
    parser.add_argument("--log-dir", default=None, metavar="DIR",
                        help="keep every process's log here (default: a temporary folder, "
                             "kept and named on failure)")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="the worker command, e.g. -- python train.py")
    return parser


def main(argv=None):
    """Parse ``argv`` and launch; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("the worker command is missing (e.g. -- python train.py)")
    return launch(command, args.workers, servers=args.servers, timeout=args.timeout,
                  log_dir=args.log_dir, grace=args.grace)
