"""configure_threads: MXNet's operator threads set before it loads, never over the user's."""
import os
import subprocess
import sys

import pytest

from gluon_lr.threads import available_cores, configure_threads, plan_threads

PROBE = ("import os, sys, gluon_lr; assert 'mxnet' not in sys.modules; "
         "print(gluon_lr.configure_threads(), os.environ.get('OMP_NUM_THREADS'))")


def run_probe(env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS",
                                                             "MXNET_OMP_MAX_THREADS")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=60, check=True).stdout.split()


def test_every_core_unless_the_user_chose():
    assert run_probe({}) == [str(available_cores())] * 2
    assert run_probe({"OMP_NUM_THREADS": "1"}) == ["None", "1"]
    assert run_probe({"MXNET_OMP_MAX_THREADS": "1"}) == ["None", "None"]


def test_too_late_once_mxnet_is_loaded(monkeypatch):
    import mxnet  # noqa: F401 - loaded, as in this test process
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MXNET_OMP_MAX_THREADS", raising=False)
    with pytest.warns(RuntimeWarning, match="MXNet is already imported"):
        assert configure_threads() is None
    assert "OMP_NUM_THREADS" not in os.environ
    assert configure_threads(warn=False) is None


def test_loader_processes_take_cores_and_threads_override():
    assert plan_threads(loader_processes=available_cores() - 1) == 1
    assert plan_threads(loader_processes=available_cores() + 5) == 1
    assert plan_threads(7, loader_processes=3) == 7
    with pytest.raises(ValueError, match="threads must be an int >= 1"):
        plan_threads(0)
    with pytest.raises(TypeError, match="loader_processes must be an int >= 0"):
        plan_threads(loader_processes="2")


def test_the_command_line_sets_threads_before_mxnet_loads(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    code = ("import sys; from gluon_lr import cli; import os\n"
            "sys.argv = ['gluon-lr', 'schedule', '--max-lr', '0.1', '--iterations', '5', "
            "'--threads', '3', '--out', {!r}]\n"
            "cli.main(); print(os.environ['OMP_NUM_THREADS'])".format(str(tmp_path / "s")))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out[-1] == "3"
