"""MXNet's own launcher, ``dmlc_tracker`` (bundled with the mxnet wheel), run in a process.

``python -m gluon_lr.launch.engine SPEC`` does what ``mxnet/tools/launch.py``
does: it picks the scheduler's address and port, starts the scheduler, then
hands ``workers`` workers and ``servers`` servers to the chosen back-end
(:data:`~gluon_lr.launch.protocol.LAUNCHERS`): threads of local processes,
ssh to the hosts of a hosts file, ``mpirun`` or ``srun``. Every role runs the same command, a
:mod:`gluon_lr.launch.node`. It serves until the scheduler exits.

The launcher (:mod:`gluon_lr.launch.launcher`) runs this in a process group
of its own, so that stopping that group stops whatever the back-end started
on this machine. The tracker imports no MXNet.
"""
from __future__ import annotations

import importlib
import json
import logging
import sys
import threading
from typing import Optional, Sequence

__all__ = ["submit", "main"]


def submit(launcher: str, workers: int, servers: int, command: Sequence[str],
           hostfile: Optional[str] = None) -> None:
    """Start the cluster with ``dmlc_tracker``'s ``launcher`` back-end; return when it ends.

    Parameters
    ----------
    launcher : {'local', 'ssh', 'mpi', 'slurm'}
    workers, servers : int
    command : list of str
        What every role runs, already quoted for a shell.
    hostfile : str, optional
        The hosts of ssh and mpi, one per line.
    """
    # dmlc_tracker/tracker.py waits on its threads with Thread.isAlive(), which Python 3.9
    # removed. The alias is set here, in the tracker's own process, and nowhere else.
    threading.Thread.isAlive = threading.Thread.is_alive  # type: ignore[attr-defined]
    from dmlc_tracker import opts
    options = ["--cluster", launcher, "--num-workers", str(workers),
               "--num-servers", str(servers)]
    if hostfile is not None:
        options += ["--host-file", hostfile]
    args = opts.get_opts(options + ["command"])
    args.command = list(command)  # set after parsing: argparse would take "-m" for an option
    importlib.import_module("dmlc_tracker." + launcher).submit(args)
    # submit returns when the scheduler ends; the back-end's threads still wait on the other
    # roles' processes, which die with this process: let them end and report first.
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``argv`` is ``[SPEC]``: :func:`submit`'s arguments as a JSON object."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO)
    submit(**json.loads((sys.argv[1:] if argv is None else argv)[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
