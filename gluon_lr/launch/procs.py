"""Start commands in process groups of their own, and stop the groups by PID.

Each command starts a new session, so its process group id equals its PID
and everything it spawns (unless that detaches itself again) can be
signalled at once with ``os.killpg(pid, ...)``. Stopping is SIGTERM to every
group, a grace period, then SIGKILL to whatever is left.

On Linux each child also asks the kernel (``prctl(PR_SET_PDEATHSIG)``) for a
SIGKILL when the thread that started it dies, so that even a launcher killed
with SIGKILL leaves no cluster behind.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from typing import IO, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .._validate import as_int, as_number

__all__ = ["start", "stop", "live_members", "pid_alive", "describe_exit", "exit_status"]

_PR_SET_PDEATHSIG = 1
_POLL = 0.02

#: What a child's stdout or stderr may be, as for :class:`subprocess.Popen`.
_Target = Union[None, int, IO[Any]]


def _load_prctl() -> Optional[Callable[..., int]]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: keep it to one C call.
    assert _PRCTL is not None  # start() passes this function only when it is
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


def start(command: Sequence[str], env: Dict[str, str], stdout: _Target,
          stderr: _Target = subprocess.STDOUT) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new session (its own process group).

    Parameters
    ----------
    command : list of str
    env : dict of str to str
        The complete environment of the child.
    stdout, stderr
        As for :class:`subprocess.Popen`; stdin is always ``/dev/null``.

    Returns
    -------
    subprocess.Popen
        Its ``pid`` is also the id of the child's process group.
    """
    return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                            stderr=stderr, start_new_session=True,
                            preexec_fn=_die_with_parent if _PRCTL is not None else None)


def _proc_stat(pid: Union[int, str]) -> Optional[Tuple[str, int]]:
    """``(state, pgrp)`` of ``pid`` from ``/proc``, or ``None`` if it is gone."""
    try:
        with open("/proc/{}/stat".format(pid)) as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    return fields[0], int(fields[2])


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie.

    Examples
    --------
    >>> pid_alive(os.getpid())
    True
    """
    pid = as_int("pid", pid, 1)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _proc_stat(pid)
    if stat is None:  # no /proc to ask, or the process went away meanwhile
        return not os.path.isdir("/proc")
    return stat[0] not in ("Z", "X")


def live_members(pgid: int) -> List[int]:
    """PIDs of the live (non-zombie) processes in process group ``pgid``.

    Reads ``/proc`` on Linux; elsewhere it can only tell whether the group
    still has any member and returns ``[pgid]`` or ``[]``.

    Examples
    --------
    >>> live_members(os.getpgid(0)) != []
    True
    """
    pgid = as_int("pgid", pgid, 1)
    if not os.path.isdir("/proc"):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _proc_stat(name)
            if stat is not None and stat[1] == pgid and stat[0] not in ("Z", "X"):
                members.append(int(name))
    return sorted(members)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(groups: Iterable[int], deadline: float) -> List[int]:
    """Wait for the groups to have no live member, until ``deadline``; the ones left."""
    remaining = list(groups)
    while remaining:
        remaining = [pgid for pgid in remaining if live_members(pgid)]
        if not remaining or time.monotonic() >= deadline:
            break
        time.sleep(_POLL)
    return remaining


def stop(groups: Iterable[int], grace: float = 3.0) -> List[int]:
    """Stop every process group in ``groups``: SIGTERM, ``grace`` seconds, SIGKILL.

    Parameters
    ----------
    groups : list of int
        Process group ids, e.g. the PIDs of processes :func:`start` started
        (each the leader of its own group). Zombies count as gone: the caller
        reaps its own children.
    grace : float
        Seconds between SIGTERM and SIGKILL (>= 0).

    Returns
    -------
    list of int
        The groups that still had live members two seconds after SIGKILL
        (normally none).
    """
    grace = as_number("grace", grace, low=0)
    groups = [as_int("pgid", pgid, 1) for pgid in groups]
    for pgid in groups:
        if live_members(pgid):
            _signal_group(pgid, signal.SIGTERM)
    remaining = _wait_gone(groups, time.monotonic() + grace)
    for pgid in remaining:
        _signal_group(pgid, signal.SIGKILL)
    return _wait_gone(remaining, time.monotonic() + 2.0)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return "signal {}".format(signum)


def describe_exit(returncode: int) -> str:
    """How a process ended, from its :attr:`subprocess.Popen.returncode`.

    Examples
    --------
    >>> describe_exit(3)
    'exited with code 3'
    >>> describe_exit(-9)
    'was killed by signal SIGKILL'
    """
    if returncode < 0:
        return "was killed by signal {}".format(_signal_name(-returncode))
    return "exited with code {}".format(returncode)


def exit_status(returncode: int) -> int:
    """A shell-style exit status: the code itself, or 128 + the signal number.

    Examples
    --------
    >>> exit_status(3), exit_status(-9)
    (3, 137)
    """
    return 128 - returncode if returncode < 0 else returncode
