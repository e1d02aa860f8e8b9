"""The type checker passes on the whole package, and holds the typed modules to full hints.

mypy.ini says what is checked: mypy's defaults and a few more checks everywhere, and
every function fully annotated in the modules listed there.
"""
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_mypy(cache_dir, *targets):
    """mypy's exit status and report, with the project's settings, on ``targets``."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy.ini"),
         "--cache-dir", str(cache_dir), "--no-error-summary", *targets],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def test_the_package_passes_mypy(tmp_path):
    status, report = run_mypy(tmp_path / "cache", "gluon_lr")
    assert (status, report) == (0, "")


def test_a_typed_module_may_not_lose_its_hints(tmp_path):
    """A function without hints in gluon_lr.schedules fails the check."""
    package = tmp_path / "gluon_lr" / "schedules"
    package.mkdir(parents=True)
    for folder in (package.parent, package):
        (folder / "__init__.py").write_text("")
    (package / "probe.py").write_text("def scaled(lr):\n    return lr * 2\n")
    status, report = run_mypy(tmp_path / "cache", str(package / "probe.py"))
    assert status == 1
    assert "probe.py:1: error: Function is missing a type annotation  [no-untyped-def]" in report


def test_the_package_ships_its_hints():
    """PEP 561: the py.typed marker is in the package and installed with it."""
    assert (ROOT / "gluon_lr" / "py.typed").is_file()
    assert 'package_data={"gluon_lr": ["py.typed"]}' in (ROOT / "setup.py").read_text()
