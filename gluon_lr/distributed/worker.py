"""What each worker of a distributed ``gluon-lr`` command runs.

``python -m gluon_lr.distributed.worker COMMAND [OPTIONS]`` takes the
arguments of ``gluon-lr COMMAND`` (``find``, ``compare`` or ``train``) and runs
that very command, with two differences:

* the command's Learner is a :class:`~gluon_lr.distributed.DistributedLearner`
  over this worker's share of the batches (see
  :mod:`gluon_lr.distributed.recipes`); ``--batch-size`` is the global batch,
  so every worker trains on ``batch-size / workers`` images per step and the
  workers together see the batches one process would;
* only the worker with rank 0 writes the output files (to ``--out``, with a
  ``distributed`` entry added to ``summary.json``) and shows progress; the
  others write into a temporary folder that is deleted.

Every choice the command makes (where the finder stops, the suggestion, the
confirmed rate, the schedule) comes from losses averaged over the workers,
so it is the same on all of them.

:func:`gluon_lr.distributed.run_distributed` starts such workers on this
machine. On several machines, start the roles yourself, with the same
``DMLC_*`` variables everywhere except ``DMLC_ROLE`` and ``DMLC_NODE_HOST``
(this machine's address)::

    export DMLC_PS_ROOT_URI=10.0.0.1 DMLC_PS_ROOT_PORT=9123 \\
           DMLC_NUM_SERVER=1 DMLC_NUM_WORKER=2 DMLC_NODE_HOST=<this host>
    DMLC_ROLE=scheduler python -c "import mxnet"      # on 10.0.0.1
    DMLC_ROLE=server    python -c "import mxnet"      # on each server host
    DMLC_ROLE=worker    python -m gluon_lr.distributed.worker find --out runs/find ...
                                                      # on each worker host

The workers' arguments must be the same on every host, and every host needs
the data (the same files, or ``--data-dir`` pointing at a copy).

Exit status: the command's (0, 2 for a usage or data error, 1 when training
diverged); a failing worker leaves at once (:func:`~gluon_lr.distributed.fail_fast`)
so that the launcher can stop the others.
"""
import argparse
import json
import os
import sys
import tempfile

from ..threads import configure_threads
from .failfast import fail_fast

__all__ = ["main", "run_command", "COMMANDS"]

#: The ``gluon-lr`` commands that train, and so can run on several workers.
COMMANDS = ("find", "compare", "train")


def _requested_threads(argv):
    """``--threads N`` if given as a valid number (the full parser reports a bad one)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--threads", default=None)
    value = early.parse_known_args(argv)[0].threads
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else None


def _parse(argv):
    """The ``gluon-lr`` namespace of ``argv`` (``SystemExit`` on a usage error)."""
    from ..cli import build_parser
    return build_parser().parse_args(argv)


def _annotate_summary(out, kv, batch_size):
    """Add the cluster's shape to ``out/summary.json`` (written by the command)."""
    path = os.path.join(out, "summary.json")
    if not os.path.isfile(path):
        return
    with open(path) as handle:
        summary = json.load(handle)
    summary["distributed"] = {
        "workers": kv.num_workers, "servers": int(os.environ.get("DMLC_NUM_SERVER", "0")),
        "kvstore": kv.type, "global_batch_size": batch_size,
        "worker_batch_size": batch_size // kv.num_workers}
    with open(path, "w") as handle:
        json.dump(summary, handle, indent=2, sort_keys=True)
        handle.write("\n")


def run_command(kv, argv):
    """Run ``gluon-lr argv`` as the worker of ``kv``; return its exit status.

    Collective: every worker calls it with the same ``argv``.
    """
    from ..cli import main as cli_main
    from .data import worker_batch_size
    from .recipes import distributed_recipes

    argv = list(argv)
    args = _parse(argv)
    if args.command not in COMMANDS:
        print("gluon-lr {}: error: only {} can run on several workers".format(
            args.command, ", ".join(COMMANDS)), file=sys.stderr)
        return 2
    try:
        worker_batch_size(args.batch_size, kv.num_workers)
    except ValueError:
        print("gluon-lr {}: error: --batch-size {} must be a multiple of the {} workers".format(
            args.command, args.batch_size, kv.num_workers), file=sys.stderr)
        return 2
    if hasattr(args, "workers"):  # the command line knows --workers: run here, on this worker
        argv += ["--workers", "1"]
    with tempfile.TemporaryDirectory(prefix="gluon-lr-rank{}-".format(kv.rank)) as scratch:
        if kv.rank != 0:
            argv += ["--out", scratch, "--no-progress"]
        with distributed_recipes(kv):
            status = cli_main(argv)
    if status == 0 and kv.rank == 0:
        _annotate_summary(args.out, kv, args.batch_size)
    return status


def main(argv=None):
    """The worker's entry point: create the kvstore, run the command, return 0."""
    argv = sys.argv[1:] if argv is None else list(argv)
    configure_threads(_requested_threads(argv), warn=False)  # before MXNet loads
    from .finish import finish_worker
    from .rank import create_kvstore
    with fail_fast():
        kv = create_kvstore("dist_sync")
        status = run_command(kv, argv)
        if status:
            sys.exit(status)  # fail_fast: leave now, the others are stopped by the launcher
        finish_worker(kv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
