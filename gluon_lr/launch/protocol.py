"""How a node talks to the launcher: records on its stdout, one line each.

A record is ``PREFIX KEY KIND PAYLOAD``: the node's key (``machine:pid``),
its kind (``start``, ``out``, ``rank``, ``beat``, ``exit``) and a JSON payload.
Every ``dmlc_tracker`` back-end carries a node's stdout home (a pipe locally,
the ssh connection, mpirun's or srun's output), so records reach the launcher
from any machine; any other line there is the tracker's own.
"""
from __future__ import annotations

import base64
import json
import socket
from typing import Any, Optional, Tuple

__all__ = ["LAUNCHERS", "PREFIX", "BEAT", "encode", "decode", "machine_id", "parse_record"]

#: The ``dmlc_tracker`` back-ends gluon-lr offers.
LAUNCHERS = ("local", "ssh", "mpi", "slurm")

#: The first word of every record line.
PREFIX = "@gluon-lr-node"

#: Seconds between heartbeats.
BEAT = 1.0

def encode(spec: object) -> str:
    """``spec`` (JSON-able) as one shell-safe word.

    Examples
    --------
    >>> decode(encode({"command": ["python", "it's.py"]}))
    {'command': ['python', "it's.py"]}
    """
    return base64.urlsafe_b64encode(json.dumps(spec).encode("utf-8")).decode("ascii")


def decode(word: str) -> Any:
    """The spec :func:`encode` gave ``word`` for."""
    return json.loads(base64.urlsafe_b64decode(word.encode("ascii")).decode("utf-8"))


def machine_id() -> str:
    """This machine's boot id (its host name where there is none): equal on one machine only."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except OSError:
        return socket.gethostname()


def parse_record(line: str) -> Optional[Tuple[str, str, Any]]:
    """``(node key, kind, payload)`` of a record line, or ``None`` for any other line.

    Examples
    --------
    >>> parse_record('@gluon-lr-node m:42 rank [0, 2]\\n')
    ('m:42', 'rank', [0, 2])
    >>> parse_record('2026-01-01 INFO start listen on 9091') is None
    True
    """
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    try:
        return parts[1], parts[2], json.loads(parts[3])
    except ValueError:
        return None
