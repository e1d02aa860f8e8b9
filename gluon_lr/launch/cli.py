"""``python -m gluon_lr.distributed``: run a command as the workers of a cluster."""
from __future__ import annotations

import argparse
from typing import List, Optional

from ..commands.options import OneLineErrors, positive_float, positive_int
from .launcher import launch
from .protocol import LAUNCHERS

__all__ = ["add_cluster_options", "build_parser", "main"]


def add_cluster_options(group: argparse._ActionsContainer) -> None:
    """``-s/--servers``, ``--launcher`` and ``-H/--hostfile``, shared with ``gluon-lr``."""
    group.add_argument("-s", "--servers", type=positive_int, default=1,
                       help="number of kvstore servers (default: 1)")
    group.add_argument("--launcher", choices=LAUNCHERS, default="local",
                       help="MXNet's dmlc_tracker back-end: local (this machine, 127.0.0.1), "
                            "ssh (the hosts of --hostfile), mpi (mpirun) or slurm (srun) "
                            "(default: local)")
    group.add_argument("-H", "--hostfile", default=None, metavar="FILE",
                       help="hosts for ssh and mpi, one per line")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(
        prog="python -m gluon_lr.distributed",
        description="Run COMMAND as the workers of a dist_sync cluster (1 scheduler, S "
                    "servers, N workers) started by MXNet's dmlc_tracker, and stream the "
                    "output of rank 0. Exit status: 0, a failed worker's exit code (128 + "
                    "signal if killed), 124 on --timeout, 130 on Ctrl-C.")
    parser.add_argument("-n", "--workers", type=positive_int, required=True,
                        help="number of workers")
    add_cluster_options(parser)
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


def main(argv: Optional[List[str]] = None) -> int:
    """Parse ``argv`` and launch; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("the worker command is missing (e.g. -- python train.py)")
    try:
        return launch(command, args.workers, servers=args.servers, timeout=args.timeout,
                      log_dir=args.log_dir, grace=args.grace, launcher=args.launcher,
                      hostfile=args.hostfile)
    except ValueError as error:  # the hosts file
        parser.error(str(error))
