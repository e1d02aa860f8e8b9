"""Run a command as the workers of a ``dist_sync`` cluster, started by MXNet's ``dmlc_tracker``.

:func:`launch` starts :mod:`gluon_lr.launch.engine` (``dmlc_tracker``: the
scheduler, ``servers`` servers and ``workers`` workers, locally or across
machines) and adds what it lacks: it stops everything when one process
fails, on a time limit or on Ctrl-C, and says in one line what happened.

Output
    Every role runs a :mod:`gluon_lr.launch.node`, which reports on its
    stdout. Each worker's output goes to ``worker-<i>.log`` in the log
    folder (``i`` is the order in which the workers started). The worker
    whose kvstore has rank 0 is streamed as well, from its first line:
    workers report their rank through a file (see :mod:`gluon_lr.launch.rank`;
    call :func:`gluon_lr.distributed.create_kvstore` or
    :func:`~gluon_lr.distributed.report_rank`). Scheduler and servers log to
    ``scheduler.log`` and ``server-<i>.log``, ``dmlc_tracker`` itself to
    ``tracker.log``. ``pids`` lists ``role index pid`` for every process
    started, by role, as they start.

Ending
    When every worker exits 0, the servers and the scheduler (which normally
    exit by themselves then) are given ``grace`` seconds and stopped, and the
    result is 0. When a worker fails (non-zero exit or a signal), a server or
    the scheduler fails, a node stops reporting, the tracker fails, the time
    limit passes, or the launcher gets SIGINT (Ctrl-C) or SIGTERM, every
    process is stopped (SIGTERM, then SIGKILL after ``grace`` seconds: the
    tracker's process group and, by PID, the group of every role's process on
    this machine; a node on another machine stops its process when its
    connection breaks) and ONE line saying what happened goes to ``report``; the last
    lines of a failed worker that was not streamed go to ``stream`` just
    before it.

Exit status: 0; a failed process's exit code, or 128 + its signal number;
124 for the time limit; 128 + the signal number (130 for SIGINT, 143 for
SIGTERM) when the launcher is interrupted.
"""
from __future__ import annotations

import json
import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from types import FrameType
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Sequence, TextIO, Tuple, Union

from .._validate import as_callable, as_choice, as_int, as_number
from . import procs
from .protocol import LAUNCHERS, encode, machine_id, parse_record

__all__ = ["launch", "Launcher", "TIMEOUT_STATUS", "SILENCE"]

#: The exit status when the time limit passes (as GNU ``timeout`` uses).
TIMEOUT_STATUS = 124

#: How many of a failed worker's last lines are shown.
TAIL_LINES = 20

#: Seconds without a record (nodes send a heartbeat every second) after which a node counts
#: as lost.
SILENCE = 15.0

_POLL = 0.05
#: A path given by the caller.
_Path = Union[str, "os.PathLike[str]"]

#: What :meth:`Launcher._watch` ends with: ``(status, failed node, message)``.
_Outcome = Tuple[int, Optional["_Node"], Optional[str]]

_LOOPBACK = {"DMLC_PS_ROOT_URI": "127.0.0.1", "DMLC_NODE_HOST": "127.0.0.1"}


class _Node:
    """One node as its records describe it: role, place, log, rank and exit code."""

    def __init__(self, role: str, index: int, pid: int, local: bool, log_path: str,
                 stream: TextIO) -> None:
        self.role = role
        self.index = index
        self.pid = pid
        self.local = local
        self.log_path = log_path
        self.rank: Optional[int] = None
        self.returncode: Optional[int] = None
        self.shown = False
        self.heard = time.monotonic()
        self._log = open(log_path, "w", encoding="utf-8")
        self._stream = stream
        self._broken = False

    @property
    def name(self) -> str:
        return "scheduler" if self.role == "scheduler" else "{} {}".format(self.role, self.index)

    def describe(self) -> str:
        """``worker 1 (rank 0, pid 4242)``."""
        rank = "" if self.rank is None else "rank {}, ".format(self.rank)
        return "{} ({}pid {})".format(self.name, rank, self.pid)

    def write(self, text: str) -> None:
        self._log.write(text)
        self._log.flush()
        if self.shown:
            self._copy(text)

    def show(self) -> None:
        """Copy what was logged so far to the stream, and every later piece too."""
        self.shown = True
        with open(self.log_path, encoding="utf-8") as handle:
            text = handle.read()
        if text:
            self._copy(text)

    def _copy(self, text: str) -> None:
        """A broken stream must not stop the run (the log has everything)."""
        if self._broken:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self._broken = True

    def tail(self, lines: int) -> List[str]:
        """The last ``lines`` lines logged, without their line ends."""
        with open(self.log_path, encoding="utf-8") as handle:
            return handle.read().splitlines()[-lines:]

    def close(self) -> None:
        self._log.close()


def _check_command(command: object) -> List[str]:
    if isinstance(command, (str, bytes)) or not isinstance(command, (list, tuple)):
        raise TypeError("command must be a non-empty list of str, got {!r}".format(command))
    if not command or not all(isinstance(part, str) for part in command):
        raise ValueError("command must be a non-empty list of str, got {!r}".format(command))
    return list(command)


def _check_env(env: object) -> Dict[str, str]:
    if env is None:
        return {}
    if not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise TypeError("env must be None or a dict of str to str, got {!r}".format(env))
    return dict(env)


def _check_stream(name: str, stream: TextIO) -> TextIO:
    write: Any = getattr(stream, "write", None)  # callers may pass any object
    as_callable(name + ".write", write, "write(str)")
    return stream


def _check_hostfile(launcher: str, hostfile: Optional[_Path]) -> Optional[str]:
    if hostfile is None:
        if launcher == "ssh":
            raise ValueError("hostfile is required by the ssh launcher (one host per line)")
        return None
    if launcher not in ("ssh", "mpi"):
        raise ValueError("hostfile is for the ssh and mpi launchers, not {}".format(launcher))
    if not isinstance(hostfile, (str, os.PathLike)) or not os.path.isfile(hostfile):
        raise ValueError("hostfile must name a file of hosts, got {!r}".format(hostfile))
    return os.path.abspath(hostfile)


def _join_names(nodes: Sequence[_Node]) -> str:
    names = [node.describe() for node in nodes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class Launcher:
    """One run of a cluster; :func:`launch` is ``Launcher(...).run()``.

    The attributes let tests and callers see what was started.

    Parameters
    ----------
    command, workers, servers, timeout, env, stream, report, log_dir, grace, launcher, hostfile
        As for :func:`launch`.

    Attributes
    ----------
    log_dir : str or None
        The log folder (set by :meth:`run`; ``None`` after a successful run
        in a temporary folder, which is then deleted).
    pids : dict of str to list of int
        ``{'scheduler': [...], 'server': [...], 'worker': [...]}``, in start order:
        the PID of each role's process (also its process group id) on its machine.
    ranks : dict of int to int
        Worker index to reported kvstore rank.
    message : str or None
        The one line written to ``report``, if any.
    """

    def __init__(self, command: Sequence[str], workers: int, servers: int = 1,
                 timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None,
                 stream: Optional[TextIO] = None, report: Optional[TextIO] = None,
                 log_dir: Optional[_Path] = None, grace: float = 3.0, launcher: str = "local",
                 hostfile: Optional[_Path] = None) -> None:
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
        self.launcher = as_choice("launcher", launcher, LAUNCHERS)
        self.hostfile = _check_hostfile(self.launcher, hostfile)
        self._given_log_dir = None if log_dir is None else os.fspath(log_dir)
        self.log_dir: Optional[str] = None
        self.pids: Dict[str, List[int]] = {"scheduler": [], "server": [], "worker": []}
        self.ranks: Dict[int, int] = {}
        self.message: Optional[str] = None
        self._nodes: Dict[str, _Node] = {}
        self._engine: Optional[subprocess.Popen[bytes]] = None
        self._signal: Optional[int] = None
        self._machine = machine_id()

    # -- running ---------------------------------------------------------------------------

    def run(self) -> int:
        """Start the cluster, wait for it, stop it; return the exit status (0 = success)."""
        self._out = sys.stdout if self.stream is None else self.stream
        self._report = sys.stderr if self.report is None else self.report
        if self._engine is not None:
            raise RuntimeError("a Launcher runs once; create a new one")
        if self._given_log_dir is None:
            self._folder = tempfile.mkdtemp(prefix="gluon-lr-launch-")
        else:
            os.makedirs(self._given_log_dir, exist_ok=True)
            self._folder = self._given_log_dir
        self.log_dir = self._folder
        restore = self._catch_signals()
        try:
            try:
                self._start()
                status, failed, message = self._watch()
            except KeyboardInterrupt:  # raised by other means than our SIGINT handler
                status, failed = 128 + signal.SIGINT, None
                message = self._interrupted_message(signal.SIGINT)
            if status == 0:
                self._finish_servers()
            self._stop_all()
            self._reader.join(self.grace + 2.0)
            self._receive()  # the last pieces of output
            self._conclude(status, failed, message)
            return status
        finally:
            self._stop_all()  # also after an unexpected exception
            for item in self._nodes.values():
                item.close()
            restore()

    def _catch_signals(self) -> Callable[[], None]:
        """Turn SIGINT/SIGTERM into a flag the watch loop reads (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def handler(signum: int, frame: Optional[FrameType]) -> None:
            self._signal = signum

        previous = {signum: signal.signal(signum, handler)
                    for signum in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for signum, old in previous.items():
                signal.signal(signum, old)
        return restore

    def _start(self) -> None:
        """Start the tracker, and a thread that queues the lines of its stdout."""
        open(os.path.join(self._folder, "pids"), "w").close()
        env = dict(self.env, **(_LOOPBACK if self.launcher == "local" else {}))
        spec = encode({"command": self.command, "env": env, "grace": self.grace})
        node_command = [shlex.quote(sys.executable), "-m", "gluon_lr.launch.node", spec]
        engine: Dict[str, object] = {
            "launcher": self.launcher, "workers": self.workers, "servers": self.servers,
            "command": node_command, "hostfile": self.hostfile}
        self._started_at = time.monotonic()
        self._lines: queue.Queue[str] = queue.Queue()
        self._tracker_log = open(os.path.join(self._folder, "tracker.log"), "w")
        self._engine = procs.start([sys.executable, "-m", "gluon_lr.launch.engine",
                                    json.dumps(engine)], dict(os.environ),
                                   stdout=subprocess.PIPE, stderr=self._tracker_log)
        self._reader = threading.Thread(target=self._read, args=(self._engine.stdout,),
                                        daemon=True)
        self._reader.start()

    def _read(self, pipe: IO[bytes]) -> None:
        for raw in iter(pipe.readline, b""):
            self._lines.put(raw.decode("utf-8", errors="replace"))
        pipe.close()

    def _receive(self, wait: float = 0.0) -> None:
        """Handle every queued line (waiting up to ``wait`` s for the first)."""
        try:
            line = self._lines.get(timeout=wait) if wait else self._lines.get_nowait()
            while True:
                self._handle(line)
                line = self._lines.get_nowait()
        except queue.Empty:
            pass

    def _handle(self, line: str) -> None:
        record = parse_record(line)
        if record is None:
            self._tracker_log.write(line)
            self._tracker_log.flush()
            return
        key, kind, payload = record
        if kind == "start":
            self._add_node(key, payload)
        node = self._nodes.get(key)
        if node is None:
            return
        node.heard = time.monotonic()
        if kind == "out":
            node.write(payload)
        elif kind == "rank" and node.rank is None:
            node.rank = payload[0]
            self.ranks[node.index] = node.rank
            if node.rank == 0:
                node.show()
        elif kind == "exit":
            node.returncode = payload

    def _add_node(self, key: str, start: Mapping[str, Any]) -> None:
        role = start["role"]
        index = len(self.pids[role])
        log_path = os.path.join(self._folder, "{}.log".format(
            "scheduler" if role == "scheduler" else "{}-{}".format(role, index)))
        self._nodes[key] = _Node(role, index, start["pid"],
                                 key.rpartition(":")[0] == self._machine, log_path, self._out)
        self.pids[role].append(start["pid"])
        with open(os.path.join(self._folder, "pids"), "w") as handle:
            handle.writelines("{} {} {}\n".format(role, i, pid)
                              for role in ("scheduler", "server", "worker")
                              for i, pid in enumerate(self.pids[role]))

    def _workers(self) -> List[_Node]:
        return [node for node in self._nodes.values() if node.role == "worker"]

    def _watch(self) -> _Outcome:
        """Poll until success or failure; return ``(status, failed node, message)``."""
        assert self._engine is not None  # _start started it
        while True:
            self._receive(_POLL)
            if self._signal is not None:
                return 128 + self._signal, None, self._interrupted_message(self._signal)
            workers = self._workers()
            others = [node for node in self._nodes.values() if node.role != "worker"]
            for node in workers + others:  # a worker's failure may bring a server down
                if node.returncode:
                    return (procs.exit_status(node.returncode), node, "{} {}".format(
                        node.describe(), procs.describe_exit(node.returncode)))
                if node.returncode is None and time.monotonic() - node.heard > SILENCE:
                    return 1, node, "{} stopped reporting for {:g} s".format(
                        node.describe(), SILENCE)
            if len(workers) == self.workers and all(node.returncode == 0 for node in workers):
                return 0, None, None
            code = self._engine.poll()
            if code:
                return procs.exit_status(code), None, "dmlc_tracker ({} launcher) {}; see " \
                    "tracker.log".format(self.launcher, procs.describe_exit(code))
            if not self._reader.is_alive() and self._lines.empty():  # every node is gone
                lost = [node for node in workers + others if node.returncode is None]
                if lost:
                    return 1, lost[0], "{} ended without reporting how".format(lost[0].describe())
                return 1, None, "dmlc_tracker ({} launcher) ended with {} of {} workers " \
                    "started; see tracker.log".format(self.launcher, len(workers), self.workers)
            if self.timeout is not None and \
                    time.monotonic() >= self._started_at + self.timeout:
                return TIMEOUT_STATUS, None, "time limit of {:g} s reached with {} still " \
                    "running".format(self.timeout, self._running_workers())

    def _running_workers(self) -> str:
        running = [node for node in self._workers() if node.returncode is None]
        return _join_names(running) if running else "no worker"

    def _interrupted_message(self, signum: int) -> str:
        return "interrupted by {} with {} still running".format(
            signal.Signals(signum).name, self._running_workers())

    def _finish_servers(self) -> None:
        """After the workers' success, give scheduler and servers ``grace`` s to exit."""
        deadline = time.monotonic() + self.grace
        others = [node for node in self._nodes.values() if node.role != "worker"]
        while any(node.returncode is None for node in others) and \
                time.monotonic() < deadline and self._signal is None:
            self._receive(_POLL)

    def _stop_all(self) -> None:
        """The tracker's process group, and every role's group on this machine, by PID."""
        if self._engine is None:
            return
        groups = [self._engine.pid] + [node.pid for node in self._nodes.values() if node.local]
        procs.stop(groups, self.grace)
        self._engine.wait()

    # -- reporting -------------------------------------------------------------------------

    def _conclude(self, status: int, failed: Optional[_Node], message: Optional[str]) -> None:
        self._tracker_log.close()
        if status == 0:
            if any(node.rank == 0 for node in self._workers()):
                if self._given_log_dir is None:
                    shutil.rmtree(self._folder, ignore_errors=True)
                    self.log_dir = None
                return
            message = "launch: no worker reported its rank, so none was streamed " \
                      "(call gluon_lr.distributed.create_kvstore); logs in {}".format(self.log_dir)
        else:
            if failed is not None and failed.role == "worker" and not failed.shown:
                for line in failed.tail(TAIL_LINES):
                    self._out.write("[{}] {}\n".format(failed.name, line))
                self._out.flush()
            message = "launch failed: {}; stopped all {} processes; logs in {}".format(
                message, len(self._nodes), self.log_dir)
        self.message = message
        self._report.write(message + "\n")
        self._report.flush()


def launch(command: Sequence[str], workers: int, servers: int = 1,
           timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None,
           stream: Optional[TextIO] = None, *, report: Optional[TextIO] = None,
           log_dir: Optional[_Path] = None, grace: float = 3.0, launcher: str = "local",
           hostfile: Optional[_Path] = None) -> int:
    """Run ``command`` as ``workers`` workers of a ``dist_sync`` cluster.

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
        Added to the environment of every process (all roles, on every
        machine). Workers also get ``PYTHONUNBUFFERED=1`` and scheduler and
        servers ``OMP_NUM_THREADS=1``, unless set; ``dmlc_tracker`` gives every
        process its ``DMLC_*`` variables, and each worker gets its
        ``GLUON_LR_RANK_FILE``.
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
    launcher : {'local', 'ssh', 'mpi', 'slurm'}, default 'local'
        The ``dmlc_tracker`` back-end: processes on this machine (on
        127.0.0.1 only), ssh to the hosts of ``hostfile``, ``mpirun`` (on the
        hosts of ``hostfile`` if given), or ``srun`` inside a Slurm
        allocation. Across machines, every host needs this Python at the same
        path, gluon-lr, the same working directory and the data.
    hostfile : str, optional
        One host per line (``host`` or ``host:port`` for ssh, ``host slots=N``
        for mpi); required by ssh.

    Returns
    -------
    int
        0 when every worker exited 0; otherwise the failed process's exit
        code (127 when it cannot start, as in a shell; 128 + signal when
        killed), 124 on the time limit, 130 on SIGINT, 143 on SIGTERM.

    Raises
    ------
    OSError
        If the tracker cannot be started at all; whatever was started is
        stopped first.
    """
    return Launcher(command, workers, servers=servers, timeout=timeout, env=env,
                    stream=stream, report=report, log_dir=log_dir, grace=grace,
                    launcher=launcher, hostfile=hostfile).run()
