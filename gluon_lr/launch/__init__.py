"""Start a ``dist_sync`` cluster with MXNet's own launcher, and stop it whole.

MXNet ships ``dmlc_tracker`` (behind ``mxnet/tools/launch.py``), which starts
the scheduler, the servers and the workers on this machine, over ssh, with
``mpirun`` or with Slurm's ``srun``. This package runs it
(:mod:`~gluon_lr.launch.engine`) and adds only what it lacks:

* every process is stopped when one fails, on a time limit, or on Ctrl-C
  (process groups, by PID; :mod:`~gluon_lr.launch.procs`);
* one line says which process failed and how, and rank 0's output is
  streamed (:mod:`~gluon_lr.launch.launcher`, :mod:`~gluon_lr.launch.node`).

:func:`launch` does it from Python; ``python -m gluon_lr.distributed -n 2 --
python train.py`` and ``gluon-lr COMMAND --workers 2`` from a shell. Nothing
here imports MXNet: the workers do.
"""
from .launcher import TIMEOUT_STATUS, Launcher, launch
from .protocol import LAUNCHERS

__all__ = ["launch", "Launcher", "LAUNCHERS", "TIMEOUT_STATUS"]
