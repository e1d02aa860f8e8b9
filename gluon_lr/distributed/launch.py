"""Run a command as the workers of a local ``dist_sync`` cluster on 127.0.0.1.

:func:`launch` starts one scheduler, ``servers`` servers and ``workers``
copies of ``command``, each in a process group of its own, with the ``DMLC_*``
variables MXNet's ps-lite kvstore needs. (MXNet's own
``mxnet/tools/launch.py --launcher local`` crashes on Python 3.11.)

Output
    Every worker's stdout and stderr go to ``worker-<i>.log`` in the log
    folder (``i`` is the launch order). The worker whose kvstore has rank 0
    is streamed as well, from its first line: workers report their rank
    through a file (see :mod:`gluon_lr.distributed.rank`; call
    :func:`~gluon_lr.distributed.rank.create_kvstore` or
    :func:`~gluon_lr.distributed.rank.report_rank`). Scheduler and servers log
    to ``scheduler.log`` and ``server-<i>.log``. ``pids`` lists
    ``role index pid`` for every process started, as it is started.

Ending
    When every worker exits 0, the servers and the scheduler (which normally
    exit by themselves then) are given ``grace`` seconds and stopped, and the
    result is 0. When a worker fails (non-zero exit or a signal), a server or
    the scheduler fails, the time limit passes, or the launcher gets SIGINT
    (Ctrl-C) or SIGTERM, every process group is stopped (SIGTERM, then SIGKILL
    after ``grace`` seconds) and ONE line saying what happened goes to
    ``report``; the last lines of a failed worker that was not streamed go
    to ``stream`` just before it.

Exit status: 0; a failed process's exit code, or 128 + its signal number;
124 for the time limit; 128 + the signal number (130 for SIGINT, 143 for
SIGTERM) when the launcher is interrupted.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from .._validate import as_callable, as_int, as_number
from . import procs
from .output import OutputRelay
from .rank import RANK_FILE_ENV, read_rank
from .roles import SERVE_COMMAND, free_port, role_environment

__all__ = ["launch", "Launcher", "TIMEOUT_STATUS"]

#: The exit status when the time limit passes (as GNU ``timeout`` uses).
TIMEOUT_STATUS = 124

#: How many of a failed worker's last lines are shown.
TAIL_LINES = 20

_POLL = 0.05


class _Node:
    """One started process: its role, place, Popen and (for workers) output and rank."""

    def __init__(self, role, index, popen, log_path, relay=None, rank_path=None):
        self.role = role
        self.index = index
        self.popen = popen
        self.log_path = log_path
        self.relay = relay
        self.rank_path = rank_path
        self.rank = None

    @property
    def name(self):
        return "scheduler" if self.role == "scheduler" else "{} {}".format(self.role, self.index)

    def describe(self):
        """``worker 1 (rank 0, pid 4242)``."""
        rank = "" if self.rank is None else "rank {}, ".format(self.rank)
        return "{} ({}pid {})".format(self.name, rank, self.popen.pid)


def _check_command(command):
    if isinstance(command, (str, bytes)) or not isinstance(command, (list, tuple)):
        raise TypeError("command must be a non-empty list of str, got {!r}".format(command))
    if not command or not all(isinstance(part, str) for part in command):
        raise ValueError("command must be a non-empty list of str, got {!r}".format(command))
    return list(command)


def _check_env(env):
    if env is None:
        return {}
    if not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise TypeError("env must be None or a dict of str to str, got {!r}".format(env))
    return dict(env)


def _check_stream(name, stream):
    as_callable(name + ".write", getattr(stream, "write", None), "write(str)")
    return stream


def _join_names(nodes):
    names = [node.describe() for node in nodes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class Launcher:
    """One run of a local cluster; :func:`launch` is ``Launcher(...).run()``.

    The attributes let tests and callers see what was started.

    Parameters
    ----------
    command, workers, servers, timeout, env, stream, report, log_dir, grace
        As for :func:`launch`.

    Attributes
    ----------
    log_dir : str or None
        The log folder (set by :meth:`run`; ``None`` after a successful run
        in a temporary folder, which is then deleted).
    port : int or None
        The scheduler's port on 127.0.0.1.
    pids : dict of str to list of int
        ``{'scheduler': [...], 'server': [...], 'worker': [...]}``, in launch order.
    ranks : dict of int to int
        Worker launch index to reported kvstore rank.
    message : str or None
        The one line written to ``report``, if any.
    """

    def __init__(self, command, workers, servers=1, timeout=None, env=None, stream=None,
                 report=None, log_dir=None, grace=3.0):
        self.command = _check_command(command)
        self.workers = as_int("workers", workers, 1)
        self.servers = as_int("servers", servers, 1)
        self.timeout = None if timeout is None else as_number("timeout", timeout, low=0,
                                                              low_open=True)
        self.env = _check_env(env)
        self.stream = None if stream is None else _check_stream("stream", stream)
        self.report = None if report is None else _check_stream("report", report)
        self.grace = as_number("grace", grace, low=0)
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError("log_dir must be None or a path, got {!r}".format(log_dir))
        self._given_log_dir = None if log_dir is None else os.fspath(log_dir)
        self.log_dir = None
        self.port = None
        self.pids = {"scheduler": [], "server": [], "worker": []}
        self.ranks = {}
        self.message = None
        self._nodes = []
        self._signal = None

    # -- running ---------------------------------------------------------------------------

    def run(self):
        """Start the cluster, wait for it, stop it; return the exit status (0 = success)."""
        self._out = sys.stdout if self.stream is None else self.stream
        self._report = sys.stderr if self.report is None else self.report
        if self._nodes:
            raise RuntimeError("a Launcher runs once; create a new one")
        if self._given_log_dir is None:
            self.log_dir = tempfile.mkdtemp(prefix="gluon-lr-launch-")
        else:
            os.makedirs(self._given_log_dir, exist_ok=True)
            self.log_dir = self._given_log_dir
        restore = self._catch_signals()
        try:
            try:
                self._start_all()
                status, failed, message = self._watch()
            except KeyboardInterrupt:  # raised by other means than our SIGINT handler
                status, failed = 128 + signal.SIGINT, None
                message = self._interrupted_message(signal.SIGINT)
            if status == 0:
                self._finish_servers()
            self._stop_all()
            self._join_output()
            self._conclude(status, failed, message)
            return status
        finally:
            self._stop_all()  # also after an unexpected exception
            restore()

    def _catch_signals(self):
        """Turn SIGINT/SIGTERM into a flag the watch loop reads (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def handler(signum, frame):
            self._signal = signum

        previous = {signum: signal.signal(signum, handler)
                    for signum in (signal.SIGINT, signal.SIGTERM)}

        def restore():
            for signum, old in previous.items():
                signal.signal(signum, old)
        return restore

    def _environment(self, role, defaults, forced):
        """os.environ, then ``defaults`` where unset, ``env``, ``forced`` and the role's."""
        env = dict(os.environ)
        env.pop(RANK_FILE_ENV, None)
        for name, value in defaults.items():
            env.setdefault(name, value)
        env.update(self.env)
        env.update(forced)
        env.update(role_environment(role, self.port, self.workers, self.servers))
        return env

    def _start(self, role, index, command, defaults, forced, relay_output):
        log_path = os.path.join(self.log_dir, "{}.log".format(
            "scheduler" if role == "scheduler" else "{}-{}".format(role, index)))
        env = self._environment(role, defaults, forced)
        if relay_output:
            popen = procs.start(command, env, stdout=subprocess.PIPE)
            node = _Node(role, index, popen, log_path,
                         relay=OutputRelay(popen.stdout, log_path, self._out),
                         rank_path=forced[RANK_FILE_ENV])
            node.relay.start()
        else:
            with open(log_path, "wb") as log:
                popen = procs.start(command, env, stdout=log)
            node = _Node(role, index, popen, log_path)
        self._nodes.append(node)
        self.pids[role].append(popen.pid)
        with open(os.path.join(self.log_dir, "pids"), "a") as handle:
            handle.write("{} {} {}\n".format(role, index, popen.pid))
        return node

    def _start_all(self):
        open(os.path.join(self.log_dir, "pids"), "w").close()
        for index in range(self.workers):  # stale reports from an earlier run in log_dir
            try:
                os.remove(os.path.join(self.log_dir, "worker-{}.rank".format(index)))
            except FileNotFoundError:
                pass
        self.port = free_port()
        self._started_at = time.monotonic()
        serve_defaults = {"OMP_NUM_THREADS": "1"}  # they only add up small pushes
        self._start("scheduler", 0, SERVE_COMMAND, serve_defaults, {}, False)
        for index in range(self.servers):
            if self._signal is None:
                self._start("server", index, SERVE_COMMAND, serve_defaults, {}, False)
        for index in range(self.workers):
            if self._signal is None:
                rank_path = os.path.join(self.log_dir, "worker-{}.rank".format(index))
                self._start("worker", index, self.command, {"PYTHONUNBUFFERED": "1"},
                            {RANK_FILE_ENV: rank_path}, True)

    def _workers(self):
        return [node for node in self._nodes if node.role == "worker"]

    def _collect_ranks(self):
        for node in self._workers():
            if node.rank is None:
                reported = read_rank(node.rank_path)
                if reported is not None:
                    node.rank = reported[0]
                    self.ranks[node.index] = node.rank
                    if node.rank == 0:
                        node.relay.show()

    def _watch(self):
        """Poll until success or failure; return ``(status, failed node, message)``."""
        deadline = None if self.timeout is None else self._started_at + self.timeout
        while True:
            if self._signal is not None:
                return 128 + self._signal, None, self._interrupted_message(self._signal)
            self._collect_ranks()
            workers = self._workers()
            others = [node for node in self._nodes if node.role != "worker"]
            for node in workers + others:  # a worker's failure may bring a server down
                code = node.popen.poll()
                if code:
                    return (procs.exit_status(code), node,
                            "{} {}".format(node.describe(), procs.describe_exit(code)))
            if len(workers) == self.workers and all(
                    node.popen.returncode == 0 for node in workers):
                return 0, None, None
            if deadline is not None and time.monotonic() >= deadline:
                return TIMEOUT_STATUS, None, "time limit of {:g} s reached with {} still " \
                    "running".format(self.timeout, self._running_workers())
            time.sleep(_POLL)

    def _running_workers(self):
        running = [node for node in self._workers() if node.popen.poll() is None]
        return _join_names(running) if running else "no worker"

    def _interrupted_message(self, signum):
        return "interrupted by {} with {} still running".format(
            signal.Signals(signum).name, self._running_workers())

    def _finish_servers(self):
        """After the workers' success, give scheduler and servers ``grace`` s to exit."""
        deadline = time.monotonic() + self.grace
        others = [node for node in self._nodes if node.role != "worker"]
        while any(node.popen.poll() is None for node in others) and \
                time.monotonic() < deadline and self._signal is None:
            time.sleep(_POLL)

    def _stop_all(self):
        procs.stop([node.popen for node in self._nodes], self.grace)

    def _join_output(self):
        for node in self._workers():
            node.relay.join(self.grace + 2.0)
        self._collect_ranks()  # a last report may have come with the exit

    # -- reporting -------------------------------------------------------------------------

    def _conclude(self, status, failed, message):
        if status == 0:
            if any(node.rank == 0 for node in self._workers()):
                if self._given_log_dir is None:
                    shutil.rmtree(self.log_dir, ignore_errors=True)
                    self.log_dir = None
                return
            message = "launch: no worker reported its rank, so none was streamed " \
                      "(call gluon_lr.distributed.create_kvstore); logs in {}".format(self.log_dir)
        else:
            if failed is not None and failed.relay is not None and not failed.relay.shown:
                for line in failed.relay.tail(TAIL_LINES):
                    self._out.write("[{}] {}\n".format(failed.name, line))
                self._out.flush()
            message = "launch failed: {}; stopped all {} processes; logs in {}".format(
                message, len(self._nodes), self.log_dir)
        self.message = message
        self._report.write(message + "\n")
        self._report.flush()


def launch(command, workers, servers=1, timeout=None, env=None, stream=None, *,
           report=None, log_dir=None, grace=3.0):
    """Run ``command`` as ``workers`` workers of a local ``dist_sync`` cluster.

    Parameters
    ----------
    command : list of str
        What each worker runs, e.g. ``[sys.executable, "train.py"]``. It should
        create its kvstore with :func:`gluon_lr.distributed.create_kvstore` (or
        call :func:`gluon_lr.distributed.report_rank`) so that rank 0's output
        can be streamed.
    workers : int
        Number of workers (>= 1).
    servers : int
        Number of servers (>= 1).
    timeout : float, optional
        Time limit in seconds (> 0) for the whole run; ``None`` waits forever.
    env : dict of str to str, optional
        Added to the environment of every process (all roles). Workers also
        get ``PYTHONUNBUFFERED=1`` and scheduler and servers
        ``OMP_NUM_THREADS=1``, unless set; every process gets its ``DMLC_*``
        variables, and each worker its ``GLUON_LR_RANK_FILE``.
    stream : text file, optional
        Receives rank 0's output; default ``sys.stdout``.
    report : text file, optional
        Receives the one-line failure report; default ``sys.stderr``.
    log_dir : str, optional
        Folder for the logs, kept. By default a temporary folder, deleted
        after a successful run in which rank 0 was streamed, else kept and
        named in the report.
    grace : float
        Seconds between SIGTERM and SIGKILL when stopping (>= 0).

    Returns
    -------
    int
        0 when every worker exited 0; otherwise the failed process's exit
        code (or 128 + signal), 124 on the time limit, 130 on SIGINT, 143 on
        SIGTERM.

    Raises
    ------
    OSError
        If a process cannot be started at all (e.g. the command does not
        exist); whatever was started is stopped first.
    """
    return Launcher(command, workers, servers=servers, timeout=timeout, env=env,
                    stream=stream, report=report, log_dir=log_dir, grace=grace).run()
