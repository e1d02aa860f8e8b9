"""The ``gluon-lr`` command line: ``find``, ``compare``, ``train`` and ``schedule``.

MXNet reads its operator thread count when it loads, so :func:`main` sets it
(:func:`gluon_lr.threads.configure_threads`, or ``--threads``) before the
subcommands, and with them MXNet, are imported.

With ``--workers N`` (N > 1) the command runs on N ``dist_sync`` workers
instead, started by :func:`gluon_lr.launch.launch` (MXNet's ``dmlc_tracker``
underneath); each worker runs :mod:`gluon_lr.distributed.worker`.

Threads
    With the local launcher the workers share this machine's cores: unless
    ``OMP_NUM_THREADS`` or ``MXNET_OMP_MAX_THREADS`` is set, each worker gets
    ``--threads`` MXNet threads if given, else ``cores // workers`` (at least 1).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, TextIO

from ._validate import as_int
from .commands import TRAINING, build_parser, execute, usage_error
from .commands.options import requested_threads
from .distributed.data import check_command
from .launch import Launcher
from .threads import ENV_VARS, available_cores, configure_threads

__all__ = ["main", "build_parser", "run_distributed", "worker_command",
           "without_launch_options", "WORKER_MODULE"]

#: The module every worker runs.
WORKER_MODULE = "gluon_lr.distributed.worker"

#: The options that say how to launch, not what to run (each takes a value).
_LAUNCH_OPTIONS = ("--workers", "--servers", "--launcher", "--hostfile", "-s", "-H")


def without_launch_options(argv: Sequence[str]) -> List[str]:
    """``argv`` without its ``--workers``, ``-s/--servers``, ``--launcher`` and ``-H/--hostfile``.

    Examples
    --------
    >>> without_launch_options(["find", "--workers", "2", "--num-workers", "0"])
    ['find', '--num-workers', '0']
    >>> without_launch_options(["find", "--workers=2", "-Hhosts", "--launcher", "ssh"])
    ['find']
    """
    kept: List[str] = []
    skip = False
    for index, item in enumerate(argv):
        if skip:
            skip = False
        elif item in _LAUNCH_OPTIONS:
            skip = index + 1 < len(argv)
        elif not (item.startswith(tuple(name + "=" for name in _LAUNCH_OPTIONS))
                  or item[:2] in ("-s", "-H")):  # a value attached: --workers=2, -Hhosts
            kept.append(item)
    return kept


def worker_command(argv: Sequence[str]) -> List[str]:
    """The command line each worker runs for ``gluon-lr argv``."""
    return [sys.executable, "-m", WORKER_MODULE] + without_launch_options(argv)


def _thread_environment(args: argparse.Namespace, workers: int,
                        launcher: str) -> Dict[str, str]:
    """``OMP_NUM_THREADS`` for local workers, unless the user set the threads in the environment.

    Workers on other machines read ``--threads`` or count their own cores.
    """
    if launcher != "local" or any(os.environ.get(name) for name in ENV_VARS):
        return {}
    threads = args.threads if args.threads is not None else max(1, available_cores() // workers)
    return {"OMP_NUM_THREADS": str(threads)}


def _distribute(args: argparse.Namespace, argv: Sequence[str], workers: int, servers: int = 1,
                launcher: str = "local", hostfile: Optional[str] = None,
                **options: Any) -> int:
    """Check that ``args`` can run on ``workers`` workers, then launch them; the exit status."""
    report = options.get("report")
    try:
        check_command(args, workers)
        cluster = Launcher(worker_command(argv), workers, servers=servers, launcher=launcher,
                           hostfile=hostfile, env=_thread_environment(args, workers, launcher),
                           **options)
    except (TypeError, ValueError) as error:
        return usage_error(args, str(error), report)
    return cluster.run()


def run_distributed(argv: Sequence[str], workers: int, servers: int = 1,
                    timeout: Optional[float] = None, *, launcher: str = "local",
                    hostfile: Optional[str] = None, stream: Optional[TextIO] = None,
                    report: Optional[TextIO] = None, log_dir: Optional[str] = None,
                    grace: float = 3.0) -> int:
    """Run ``gluon-lr argv`` on ``workers`` ``dist_sync`` workers; return the exit status.

    Parameters
    ----------
    argv : list of str
        ``gluon-lr``'s arguments, e.g. ``['find', '--out', 'runs/find']``;
        launch options in it (``--workers`` ...) are dropped. ``--batch-size``
        is the global batch and must be a multiple of ``workers``.
    workers : int
        Number of worker processes (>= 1).
    servers : int, default 1
        Number of kvstore servers (>= 1).
    timeout : float, optional
        Stop everything after this many seconds (status 124).
    launcher, hostfile
        As for :func:`gluon_lr.launch.launch`: ``'local'``, ``'ssh'``,
        ``'mpi'`` or ``'slurm'``, and the hosts file of ssh and mpi.
    stream, report, log_dir, grace
        As for :func:`gluon_lr.launch.launch`: rank 0's output (default
        stdout), the one-line failure report and usage errors (default
        stderr), the folder for every process's log, and the seconds between
        SIGTERM and SIGKILL.

    Returns
    -------
    int
        0 on success; 2 for a usage error found before starting (nothing is
        started then); otherwise :func:`~gluon_lr.launch.launch`'s status
        (a failed worker's exit code, 128 + signal, 124 on the time limit).
    """
    if isinstance(argv, (str, bytes)) or not isinstance(argv, (list, tuple)) or \
            not all(isinstance(item, str) for item in argv):
        raise TypeError("argv must be a list of str (gluon-lr's arguments, e.g. ['find', "
                        "'--out', 'runs/find']), got {!r}".format(argv))
    argv = without_launch_options(list(argv))
    workers = as_int("workers", workers, 1)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed the usage error (or --help)
        return stop.code if isinstance(stop.code, int) else 2
    return _distribute(args, argv, workers, servers, launcher, hostfile, timeout=timeout,
                       stream=stream, report=report, log_dir=log_dir, grace=grace)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    configure_threads(requested_threads(argv), warn=False)  # in-process callers: too late
    args = build_parser().parse_args(argv)
    if args.command in TRAINING and args.workers > 1:
        return _distribute(args, argv, args.workers, args.servers, args.launcher,
                           args.hostfile)
    from .commands.runtime import Runtime
    return execute(args, Runtime())
