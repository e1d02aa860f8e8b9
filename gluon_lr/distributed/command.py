"""``gluon-lr COMMAND --workers N``: a command on N local ``dist_sync`` workers.

:func:`run_distributed` checks the arguments with ``gluon-lr``'s own parser,
then starts a cluster on 127.0.0.1 with :func:`~gluon_lr.distributed.launch`
(one scheduler, ``servers`` servers, ``workers`` workers) whose workers run
``python -m gluon_lr.distributed.worker COMMAND ...`` (see
:mod:`gluon_lr.distributed.worker`). Rank 0's output is streamed and rank 0
writes the files.

Threads
    The workers share this machine's cores: unless ``OMP_NUM_THREADS`` or
    ``MXNET_OMP_MAX_THREADS`` is set, each worker gets ``--threads`` MXNet
    threads if given, else ``cores // workers`` (at least 1).
"""
import os
import sys

from .._validate import as_int
from ..threads import ENV_VARS, available_cores
from .launch import launch

__all__ = ["run_distributed", "without_workers_option", "worker_command", "WORKER_MODULE"]

#: The module every worker runs.
WORKER_MODULE = "gluon_lr.distributed.worker"
_TRAINING_COMMANDS = ("find", "compare", "train")


def without_workers_option(argv):
    """``argv`` without its ``--workers N`` / ``--workers=N`` options.

    Examples
    --------
    >>> without_workers_option(["find", "--workers", "2", "--num-workers", "0"])
    ['find', '--num-workers', '0']
    >>> without_workers_option(["find", "--workers=2"])
    ['find']
    """
    kept, skip = [], False
    for index, item in enumerate(argv):
        if skip:
            skip = False
        elif item == "--workers":
            skip = index + 1 < len(argv)
        elif not item.startswith("--workers="):
            kept.append(item)
    return kept


def worker_command(argv):
    """The command line each worker runs for ``gluon-lr argv``."""
    return [sys.executable, "-m", WORKER_MODULE] + list(argv)


def _checked_argv(argv):
    if isinstance(argv, (str, bytes)) or not isinstance(argv, (list, tuple)) or \
            not all(isinstance(item, str) for item in argv):
        raise TypeError("argv must be a list of str (gluon-lr's arguments, e.g. ['find', "
                        "'--out', 'runs/find']), got {!r}".format(argv))
    return without_workers_option(list(argv))


def _usage_error(argv, workers, report):
    """The CLI's checks before any process starts: ``(status, parsed args)``."""
    from ..cli import build_parser
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed the usage error (or --help)
        return (stop.code if isinstance(stop.code, int) else 2), None
    message = None
    if args.command not in _TRAINING_COMMANDS:
        message = "only {} can run on several workers".format(", ".join(_TRAINING_COMMANDS))
    elif args.batch_size % workers:
        message = "--batch-size {} must be a multiple of the {} workers (each trains on " \
                  "batch-size / workers images per step)".format(args.batch_size, workers)
    if message is not None:
        report.write("gluon-lr {}: error: {}\n".format(args.command, message))
        report.flush()
        return 2, None
    return None, args


def _thread_environment(args, workers):
    """``OMP_NUM_THREADS`` for the workers, unless the user set the threads in the environment."""
    if any(os.environ.get(name) for name in ENV_VARS):
        return {}
    threads = args.threads if args.threads is not None else max(1, available_cores() // workers)
    return {"OMP_NUM_THREADS": str(threads)}


def run_distributed(argv, workers, servers=1, timeout=None, *, stream=None, report=None,
                    log_dir=None, grace=3.0):
    """Run ``gluon-lr argv`` on ``workers`` local workers; return the exit status.

    Parameters
    ----------
    argv : list of str
        ``gluon-lr``'s arguments, e.g. ``['find', '--out', 'runs/find']``;
        ``--workers`` options in it are dropped. ``--batch-size`` is the global
        batch and must be a multiple of ``workers``.
    workers : int
        Number of worker processes (>= 1).
    servers : int, default 1
        Number of kvstore servers (>= 1).
    timeout : float, optional
        Stop everything after this many seconds (status 124).
    stream, report, log_dir, grace
        As for :func:`gluon_lr.distributed.launch`: rank 0's output (default
        stdout), the one-line failure report and usage errors (default
        stderr), the folder for every process's log, and the seconds between
        SIGTERM and SIGKILL.

    Returns
    -------
    int
        0 on success; 2 for a usage error found before starting (nothing is
        started then); otherwise :func:`~gluon_lr.distributed.launch`'s status
        (a failed worker's exit code, 128 + signal, 124 on the time limit).
    """
    argv = _checked_argv(argv)
    workers = as_int("workers", workers, 1)
    servers = as_int("servers", servers, 1)
    report_to = sys.stderr if report is None else report
    status, args = _usage_error(argv, workers, report_to)
    if status is not None:
        return status
    return launch(worker_command(argv), workers, servers=servers, timeout=timeout,
                  env=_thread_environment(args, workers), stream=stream, report=report,
                  log_dir=log_dir, grace=grace)
