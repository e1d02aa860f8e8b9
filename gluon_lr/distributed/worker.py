"""What each worker of a distributed ``gluon-lr`` command runs.

``python -m gluon_lr.distributed.worker COMMAND [OPTIONS]`` takes the
arguments of ``gluon-lr COMMAND`` (``find``, ``compare`` or ``train``) and runs
that very command with a
:class:`~gluon_lr.distributed.runtime.DistributedRuntime`:

* the command's Learner is a :class:`~gluon_lr.distributed.DistributedLearner`
  over this worker's share of the batches; ``--batch-size`` is the global
  batch, so every worker trains on ``batch-size / workers`` images per step and
  the workers together see the batches one process would;
* only the worker with rank 0 writes the output files (to ``--out``, with a
  ``distributed`` entry in ``summary.json``) and shows progress.

Every choice the command makes (where the finder stops, the suggestion, the
confirmed rate, the schedule) comes from losses averaged over the workers,
so it is the same on all of them.

``gluon-lr COMMAND --workers N`` starts such workers (with ``--launcher ssh``,
``mpi`` or ``slurm`` across machines); any launcher that sets MXNet's
``DMLC_*`` variables can start them too.

Exit status: the command's (0, 2 for a usage or data error, 1 when training
diverged); a failing worker leaves at once (:func:`~gluon_lr.distributed.fail_fast`)
so that the launcher can stop the others.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence

from ..commands import build_parser, execute, usage_error
from ..commands.options import requested_threads
from ..threads import configure_threads
from .data import check_command
from .failfast import fail_fast

__all__ = ["main", "run_command"]


def run_command(kv: Any, args: argparse.Namespace) -> int:
    """Run the parsed ``gluon-lr`` command as the worker of ``kv``; return its exit status.

    Collective: every worker calls it with the same arguments.
    """
    from .runtime import DistributedRuntime
    try:
        check_command(args, kv.num_workers)
    except ValueError as error:
        return usage_error(args, str(error))
    return execute(args, DistributedRuntime(kv))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The worker's entry point: create the kvstore, run the command, return 0."""
    argv = sys.argv[1:] if argv is None else list(argv)
    configure_threads(requested_threads(argv), warn=False)  # before MXNet loads
    args = build_parser().parse_args(argv)
    from .finish import finish_worker
    from .rank import create_kvstore
    with fail_fast():
        kv = create_kvstore("dist_sync")
        status = run_command(kv, args)
        if status:
            sys.exit(status)  # fail_fast: leave now, the others are stopped by the launcher
        finish_worker(kv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
