"""The notebooks run headless, every cell, on the small budget, and draw their plots.

Each notebook is copied into a temporary folder and executed there by nbclient
(``notebooks/execute_notebooks.py``) on a kernel of this very interpreter, with
``GLUON_LR_NOTEBOOK_BUDGET=small`` and a time limit per notebook. Nothing is
written into the repository or the working directory. Select these tests with
``-m notebooks`` or leave them out with ``-m "not notebooks"``.

The kernel gets ``OMP_NUM_THREADS=1`` unless the environment sets it: on a
busy 2-core machine MXNet's two OpenMP threads wait on each other and ran the
small budget two to three times slower than one thread.
"""
import importlib.util
import os
import pathlib
import shutil
import sys

import pytest

pytest.importorskip("nbclient", reason="nbclient is in the 'test' and 'notebooks' extras")
pytest.importorskip("ipykernel", reason="ipykernel is in the 'test' and 'notebooks' extras")

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
#: Seconds for a whole notebook on the small budget.
TIMEOUT = 300
#: Plots each notebook draws, at least.
MIN_FIGURES = {"learning_rate_finder.ipynb": 5, "learning_rate_schedules.ipynb": 9,
               "learning_rate_schedules_advanced.ipynb": 9,
               "lr_range_test_and_one_cycle.ipynb": 5, "autolrs.ipynb": 5,
               "your_own_model.ipynb": 4}


def _load_runner():
    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", NOTEBOOK_DIR / "execute_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no notebooks/__pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return module


runner = _load_runner()


def test_every_notebook_is_listed():
    assert sorted(runner.NOTEBOOKS) == sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))
    assert sorted(MIN_FIGURES) == sorted(runner.NOTEBOOKS)


@pytest.mark.notebooks
@pytest.mark.parametrize("name", runner.NOTEBOOKS)
def test_notebook_runs_headless_and_plots(name, tmp_path, request):
    env = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS") or "1"}
    if name in runner.NEEDS_CIFAR10:
        env["GLUON_LR_CIFAR10_DIR"] = str(request.getfixturevalue("cifar10_dir"))
    copy = tmp_path / name
    shutil.copyfile(NOTEBOOK_DIR / name, copy)
    committed = sorted(NOTEBOOK_DIR.iterdir())

    notebook = runner.execute(copy, budget="small", cwd=tmp_path, timeout=TIMEOUT, env=env)

    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    outputs = [output for cell in code_cells for output in cell.outputs]
    errors = [output for output in outputs if output.output_type == "error"]
    assert not errors, errors
    figures = sum("image/png" in output.get("data", {}) for output in outputs)
    assert figures >= MIN_FIGURES[name]
    # The notebook wrote no file where it ran, nor next to the committed notebooks.
    assert [path.name for path in tmp_path.iterdir()] == [name]
    assert sorted(NOTEBOOK_DIR.iterdir()) == committed
