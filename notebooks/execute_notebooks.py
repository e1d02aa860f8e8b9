"""Run the notebooks headless with nbclient, on the Python that runs this script.

    python notebooks/execute_notebooks.py --budget full --inplace      # refresh the outputs
    python notebooks/execute_notebooks.py --budget small --out /tmp/nb # executed copies elsewhere

The kernel is ipykernel's built-in ``python3`` on this interpreter
(``sys.executable``), whatever kernels are registered in ``~/.local/share/jupyter``
or ``$JUPYTER_PATH``: installing ``pip install -e ".[notebooks]"`` into a virtual
environment is all it needs. Each notebook runs with its folder (or ``--out``) as
the working directory, ``GLUON_LR_NOTEBOOK_BUDGET`` set to the budget, and
without timing metadata, so that a rerun changes only what the computation
changes. ``tests/test_notebooks.py`` uses :func:`execute`.
"""
import argparse
import os
import pathlib
import sys
import time

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent
#: The notebooks, in reading order.
NOTEBOOKS = ("learning_rate_finder.ipynb", "learning_rate_schedules.ipynb",
             "learning_rate_schedules_advanced.ipynb", "lr_range_test_and_one_cycle.ipynb",
             "autolrs.ipynb", "your_own_model.ipynb")
#: The notebooks that train on CIFAR-10 (the others need no data files).
NEEDS_CIFAR10 = ("learning_rate_finder.ipynb", "learning_rate_schedules.ipynb",
                 "lr_range_test_and_one_cycle.ipynb", "autolrs.ipynb")
BUDGET_VAR = "GLUON_LR_NOTEBOOK_BUDGET"
BUDGETS = ("small", "full")


def kernel_manager():
    """A manager for ipykernel's own ``python3`` kernel on ``sys.executable``.

    An empty list of kernel folders leaves only the kernel ipykernel ships, whose
    command is this interpreter, so a ``python3`` kernel registered elsewhere on
    the machine (another Python, another environment) is never picked up.
    """
    return KernelManager(kernel_name="python3",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))


def kernel_env(budget, overrides=None):
    """The kernel's environment: ours, the budget, and the inline plotting backend."""
    if budget not in BUDGETS:
        raise ValueError("budget must be one of {}, got {!r}".format(BUDGETS, budget))
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # e.g. Agg from a CI job would hide the plots
    env[BUDGET_VAR] = budget
    env.update(overrides or {})
    return env


def execute(path, *, budget, cwd, timeout=None, env=None):
    """Execute the notebook at ``path`` and return it with its outputs (the file is not written).

    Parameters
    ----------
    path : path-like
    budget : {'small', 'full'}
    cwd : path-like
        The kernel's working directory.
    timeout : float, optional
        Seconds for the whole notebook; a cell still running when they are used
        up raises ``nbclient.exceptions.CellTimeoutError``.
    env : dict, optional
        Extra environment variables for the kernel.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell raises.
    """
    notebook = nbformat.read(str(path), as_version=4)
    deadline = None if timeout is None else time.monotonic() + timeout

    def cell_timeout(_cell):
        return None if deadline is None else max(1, int(deadline - time.monotonic()))

    client = NotebookClient(
        notebook, km=kernel_manager(), timeout_func=cell_timeout, record_timing=False,
        kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
        # MXNet's C++ log lines (with a clock time) stay on the terminal, out of the outputs.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    client.execute(env=kernel_env(budget, env))
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook files (default: all of NOTEBOOKS)")
    parser.add_argument("--budget", choices=BUDGETS, default="full")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--inplace", action="store_true", help="overwrite each notebook")
    where.add_argument("--out", type=pathlib.Path, help="write the executed copies here")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per notebook (default: none)")
    args = parser.parse_args(argv)
    paths = [pathlib.Path(p) for p in args.notebooks] or [HERE / name for name in NOTEBOOKS]
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        started = time.monotonic()
        cwd = path.resolve().parent if args.inplace else args.out.resolve()
        notebook = execute(path, budget=args.budget, cwd=cwd, timeout=args.timeout)
        target = path if args.inplace else args.out / path.name
        nbformat.write(notebook, str(target))
        print("{}: {:.0f} s ({} budget) -> {}".format(path.name, time.monotonic() - started,
                                                     args.budget, target), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
