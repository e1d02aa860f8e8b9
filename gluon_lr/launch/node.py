"""What ``dmlc_tracker`` starts for every role, on every host: one node of the cluster.

``python -m gluon_lr.launch.node SPEC`` reads its role from ``DMLC_ROLE`` (set
by the tracker) and runs, in a process group of its own (see
:func:`gluon_lr.launch.procs.start`: the command's PID is its group id):

* a worker: the launcher's command, with ``PYTHONUNBUFFERED=1`` unless set,
  and ``GLUON_LR_RANK_FILE`` naming a file for its rank
  (:mod:`gluon_lr.launch.rank`);
* the scheduler or a server: :data:`SERVE_COMMAND`, with ``OMP_NUM_THREADS=1``
  unless set (they only add up small pushes).

Everything reaches the launcher as records on the node's stdout
(:mod:`gluon_lr.launch.protocol`): ``start`` with the command's PID, each
piece of output, the worker's ``rank``, a heartbeat every
:data:`~gluon_lr.launch.protocol.BEAT` seconds, and ``exit`` with the exit
code. One record is one write of at most ``PIPE_BUF`` bytes, so records of
several nodes sharing a pipe never mix.

A node stops its command's group (SIGTERM, ``grace`` seconds, then SIGKILL)
when it gets SIGTERM, SIGHUP (its ssh session ends) or SIGINT, or when its
stdout breaks because the launcher is gone (found at the next heartbeat); the
command dies with the node if the node is killed (Linux).

``SPEC`` is :func:`~gluon_lr.launch.protocol.encode`'s text (shell-safe, since
the back-ends pass commands through a shell, and ssh inside quotes).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence

from . import procs
from .protocol import BEAT, PREFIX, decode, machine_id
from .rank import RANK_FILE_ENV, read_rank

__all__ = ["SERVE_COMMAND", "run", "main"]

#: What the scheduler and the servers run: importing MXNet with ``DMLC_ROLE``
#: set to ``scheduler`` or ``server`` serves until the workers are done.
SERVE_COMMAND = [sys.executable, "-c", "import mxnet"]

_POLL = 0.05
_PIECE = 500  # characters of output per record: at most 6 bytes each once JSON-escaped


class _Channel:
    """Records to stdout, one ``os.write`` each; remembers when the launcher is gone."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.broken = False
        self._lock = threading.Lock()

    def send(self, kind: str, payload: object = None) -> None:
        data = "{} {} {} {}\n".format(PREFIX, self.key, kind, json.dumps(payload)).encode()
        with self._lock:
            if self.broken:
                return
            try:
                os.write(1, data)
            except OSError:
                self.broken = True

    def relay(self, pipe: IO[bytes]) -> None:
        """Send every line of ``pipe`` as ``out`` records, in pieces, until EOF."""
        for raw in iter(pipe.readline, b""):
            text = raw.decode("utf-8", errors="replace")
            for start in range(0, len(text), _PIECE):
                self.send("out", text[start:start + _PIECE])
        pipe.close()


def _environment(role: str, spec: Mapping[str, Any], rank_path: Optional[str]
                 ) -> Dict[str, str]:
    env = dict(os.environ)
    env.pop(RANK_FILE_ENV, None)
    defaults = {"PYTHONUNBUFFERED": "1"} if role == "worker" else {"OMP_NUM_THREADS": "1"}
    for name, value in defaults.items():
        env.setdefault(name, value)
    env.update(spec["env"])
    if rank_path is not None:
        env[RANK_FILE_ENV] = rank_path
    return env


def run(command: Sequence[str], env: Dict[str, str], role: str, rank_path: Optional[str],
        grace: float) -> int:
    """Run ``command`` as this node's ``role``, reporting to stdout; return its exit status."""
    stopping: List[int] = []
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    channel = _Channel("{}:{}".format(machine_id(), os.getpid()))
    try:
        popen = procs.start(command, env, stdout=subprocess.PIPE)
    except OSError as error:
        channel.send("start", {"role": role, "pid": os.getpid(), "host": socket.gethostname()})
        channel.send("out", "cannot start {}: {}\n".format(command[0], error))
        channel.send("exit", 127)  # as a shell reports a command it cannot run
        return 127
    channel.send("start", {"role": role, "pid": popen.pid, "host": socket.gethostname()})
    relay = threading.Thread(target=channel.relay, args=(popen.stdout,), daemon=True)
    relay.start()
    rank, beat = None, time.monotonic()
    while popen.poll() is None:
        if stopping or channel.broken:
            procs.stop([popen.pid], grace)
            popen.wait()
            break
        if rank is None and rank_path is not None:
            rank = read_rank(rank_path)
            if rank is not None:
                channel.send("rank", rank)
        if time.monotonic() - beat >= BEAT:
            beat = time.monotonic()
            channel.send("beat")
        time.sleep(_POLL)
    relay.join(1.0)  # the last lines (a child of the command may hold the pipe open)
    if rank is None and rank_path is not None and read_rank(rank_path) is not None:
        channel.send("rank", read_rank(rank_path))
    channel.send("exit", popen.returncode)
    return procs.exit_status(popen.returncode)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The node's entry point: ``argv`` is ``[SPEC]``; return the command's exit status."""
    spec = decode((sys.argv[1:] if argv is None else argv)[0])
    role = os.environ.get("DMLC_ROLE", "worker")
    command = spec["command"] if role == "worker" else SERVE_COMMAND
    with tempfile.TemporaryDirectory(prefix="gluon-lr-node-") as folder:
        rank_path = os.path.join(folder, "rank") if role == "worker" else None
        return run(command, _environment(role, spec, rank_path), role, rank_path,
                   spec["grace"])


if __name__ == "__main__":
    sys.exit(main())
