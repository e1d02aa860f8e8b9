"""The dist_sync launcher over dmlc_tracker: a run, each way of failing, no process left behind.

Every test that starts processes has a hard limit (SIGALRM raises inside the
test, so the launcher's own clean-up runs) and a fixture that SIGKILLs every
process group it started, by PID, whatever happened.
"""
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from gluon_lr.distributed.rank import report_rank
from gluon_lr.launch import Launcher, launch
from gluon_lr.launch.cli import main as cli_main
from gluon_lr.launch.procs import describe_exit, exit_status, live_members, pid_alive
from gluon_lr.launch.rank import read_rank

HARD_LIMIT = 45  # seconds per test; a normal run takes 2-10 s

WORKER = textwrap.dedent('''
    import os, signal, subprocess, sys, time
    mode = sys.argv[1]
    if mode in ("sleep", "stubborn"):  # no MXNet: wait to be stopped
        if mode == "stubborn":  # ignore SIGTERM and leave a child in the process group
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            print("child", child.pid)
        print("sleeping")
        time.sleep(600)
    from gluon_lr.distributed import allreduce_mean, create_kvstore, fail_fast
    kv = create_kvstore("dist_sync")
    mean = allreduce_mean(kv, 0, [kv.rank, 1.0])
    print("OUT rank {} of {}: mean {}".format(kv.rank, kv.num_workers, mean.tolist()))
    if kv.rank == 1:
        if mode == "exit3":
            with fail_fast():
                sys.exit(3)
        if mode == "raise":  # create_kvstore's excepthook ends the worker at once
            raise RuntimeError("boom")
        if mode == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
    if mode != "ok":
        allreduce_mean(kv, 0, [0.0, 0.0])  # rank 0 waits here until it is stopped
    print("OUT rank {} done".format(kv.rank))
''')


# Every test here raises after HARD_LIMIT seconds (finally-blocks then clean up).
pytestmark = pytest.mark.usefixtures("hard_limit")


def _kill_groups(pids):
    for pid in pids:
        if live_members(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture
def started():
    """A list the test fills with Launchers and PIDs; every group is SIGKILLed at the end."""
    items = []
    yield items
    for item in items:
        _kill_groups(_all_pids(item) if isinstance(item, Launcher) else [item])


def _all_pids(launcher):
    return [pid for role in ("scheduler", "server", "worker") for pid in launcher.pids[role]]


def _leftovers(pids):
    """The PIDs (of processes or of process groups) that still have a live process."""
    return [pid for pid in pids if pid_alive(pid) or live_members(pid)]


@pytest.fixture
def worker(tmp_path):
    path = tmp_path / "worker.py"
    path.write_text(WORKER)
    return [sys.executable, str(path)]


def _run(started, tmp_path, command, **options):
    out, report = io.StringIO(), io.StringIO()
    launcher = Launcher(command, 2, servers=1, stream=out, report=report,
                        log_dir=str(tmp_path / "logs"), **options)
    started.append(launcher)
    begin = time.monotonic()
    status = launcher.run()
    return launcher, status, out.getvalue(), report.getvalue(), time.monotonic() - begin


def _worker_with_rank(launcher, rank):
    return next(index for index, r in launcher.ranks.items() if r == rank)


def _log(launcher, index):
    with open(os.path.join(launcher.log_dir, "worker-{}.log".format(index))) as handle:
        return handle.read()


def _explain(launcher, report, lines=15):
    """The launcher's report and the last ``lines`` lines of every log: a failure's message."""
    parts = ["report: {!r}".format(report)]
    for name in sorted(os.listdir(launcher.log_dir)) if launcher.log_dir else []:
        with open(os.path.join(launcher.log_dir, name), errors="replace") as handle:
            tail = handle.read().splitlines()[-lines:]
        parts.append("--- {} ---\n{}".format(name, "\n".join(tail)))
    return "\n".join(parts)


# -- runs ----------------------------------------------------------------------------------

def test_success_streams_rank_0_once_and_leaves_nothing(started, tmp_path, worker):
    launcher, status, out, report, elapsed = _run(started, tmp_path, worker + ["ok"], timeout=40)
    assert status == 0, _explain(launcher, report)
    assert report == "" and launcher.message is None
    assert sorted(launcher.ranks.values()) == [0, 1]
    rank0, rank1 = _worker_with_rank(launcher, 0), _worker_with_rank(launcher, 1)
    # rank 0's log, every line exactly once and nothing else (MXNet's stderr notes included)
    assert out == _log(launcher, rank0)
    assert [line for line in out.splitlines() if line.startswith("OUT")] == [
        "OUT rank 0 of 2: mean [0.5, 1.0]", "OUT rank 0 done"]
    assert [line for line in _log(launcher, rank1).splitlines() if line.startswith("OUT")] == [
        "OUT rank 1 of 2: mean [0.5, 1.0]", "OUT rank 1 done"]
    with open(os.path.join(launcher.log_dir, "pids")) as handle:
        assert handle.read().split() == [
            str(part) for role, pids in (("scheduler", launcher.pids["scheduler"]),
                                         ("server", launcher.pids["server"]),
                                         ("worker", launcher.pids["worker"]))
            for index, pid in enumerate(pids) for part in (role, index, pid)]
    assert len(_all_pids(launcher)) == 4
    assert _leftovers(_all_pids(launcher)) == []


def _assert_failure(launcher, status, report, expected_status, how, elapsed):
    assert status == expected_status, _explain(launcher, report)
    failed = _worker_with_rank(launcher, 1)
    assert report == "launch failed: worker {} (rank 1, pid {}) {}; stopped all 4 processes; " \
        "logs in {}\n".format(failed, launcher.pids["worker"][failed], how, launcher.log_dir)
    assert report == launcher.message + "\n"
    assert elapsed < 25
    assert _leftovers(_all_pids(launcher)) == []
    return failed


def test_worker_exit_code_stops_everything(started, tmp_path, worker):
    launcher, status, out, report, elapsed = _run(started, tmp_path, worker + ["exit3"],
                                                  timeout=40)
    failed = _assert_failure(launcher, status, report, 3, "exited with code 3", elapsed)
    # rank 0's lines, then the failed worker's last lines, marked
    assert [line for line in out.splitlines() if "OUT" in line] == [
        "OUT rank 0 of 2: mean [0.5, 1.0]",
        "[worker {}] OUT rank 1 of 2: mean [0.5, 1.0]".format(failed)]


def test_uncaught_exception_ends_the_worker_at_once(started, tmp_path, worker):
    launcher, status, out, report, elapsed = _run(started, tmp_path, worker + ["raise"],
                                                  timeout=40)
    failed = _assert_failure(launcher, status, report, 1, "exited with code 1", elapsed)
    assert "[worker {}] RuntimeError: boom".format(failed) in out.splitlines()


def test_killed_worker_stops_everything(started, tmp_path, worker):
    launcher, status, out, report, elapsed = _run(started, tmp_path, worker + ["sigkill"],
                                                  timeout=40)
    _assert_failure(launcher, status, report, 128 + signal.SIGKILL,
                    "was killed by signal SIGKILL", elapsed)


def test_time_limit_kills_stubborn_workers_and_their_children(started, tmp_path, worker):
    launcher, status, out, report, elapsed = _run(started, tmp_path, worker + ["stubborn"],
                                                  timeout=4, grace=1.0)
    pids = launcher.pids["worker"]
    assert status == 124
    assert report == "launch failed: time limit of 4 s reached with worker 0 (pid {}) and " \
        "worker 1 (pid {}) still running; stopped all 4 processes; logs in {}\n".format(
            pids[0], pids[1], launcher.log_dir)
    assert out == ""  # no worker reported rank 0
    assert 4 <= elapsed < 15
    children = [int(line.split()[1]) for index in (0, 1)
                for line in _log(launcher, index).splitlines() if line.startswith("child ")]
    started.extend(children)
    assert len(children) == 2
    assert _leftovers(_all_pids(launcher) + children) == []


def test_a_command_that_cannot_start_fails_like_a_shell(started, tmp_path):
    launcher, status, out, report, elapsed = _run(started, tmp_path, ["/no/such/command"],
                                                  timeout=40, grace=1.0)
    failed = next(index for index, pid in enumerate(launcher.pids["worker"])
                  if "pid {})".format(pid) in report)
    assert status == 127
    assert report == "launch failed: worker {} (pid {}) exited with code 127; stopped all {} " \
        "processes; logs in {}\n".format(failed, launcher.pids["worker"][failed],
                                         len(_all_pids(launcher)), launcher.log_dir)
    assert out.splitlines()[-1] == "[worker {}] cannot start /no/such/command: [Errno 2] No " \
        "such file or directory: '/no/such/command'".format(failed)
    assert _leftovers(_all_pids(launcher)) == []


def _start_cli(tmp_path, worker, started):
    """The launcher's command line in a subprocess, once both workers sleep: (Popen, PIDs)."""
    log_dir = tmp_path / "logs"
    command = [sys.executable, "-m", "gluon_lr.distributed", "-n", "2", "--timeout", "60",
               "--grace", "2", "--log-dir", str(log_dir), "--"] + worker + ["sleep"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    started.append(proc.pid)
    pids = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (log_dir / "pids").exists():
            pids = [int(line.split()[2]) for line in (log_dir / "pids").read_text().splitlines()]
            started.extend(pid for pid in pids if pid not in started)
        logs = [log_dir / "worker-{}.log".format(i) for i in (0, 1)]
        if len(pids) == 4 and all(p.exists() and "sleeping" in p.read_text() for p in logs):
            return proc, pids
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the cluster did not start within 30 s")


def test_ctrl_c_stops_everything(started, tmp_path, worker):
    proc, pids = _start_cli(tmp_path, worker, started)
    begin = time.monotonic()
    os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - begin < 10
    assert proc.returncode == 130
    assert out == ""
    assert err.splitlines() == [
        "launch failed: interrupted by SIGINT with worker 0 (pid {}) and worker 1 (pid {}) "
        "still running; stopped all 4 processes; logs in {}".format(pids[2], pids[3],
                                                                   tmp_path / "logs")]
    assert _leftovers(pids) == []


def test_a_killed_launcher_takes_its_cluster_along(started, tmp_path, worker):
    """SIGKILL leaves the launcher no time to clean up: PR_SET_PDEATHSIG does it (Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signals are Linux-only")
    proc, pids = _start_cli(tmp_path, worker, started)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=20)
    deadline = time.monotonic() + 5
    while _leftovers(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leftovers(pids) == []


# -- arguments and small pieces ------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    (dict(command="python x.py", workers=2), TypeError,
     "command must be a non-empty list of str, got 'python x.py'"),
    (dict(command=[], workers=2), ValueError, "command must be a non-empty list of str, got []"),
    (dict(command=["x"], workers=0), ValueError, "workers must be an int >= 1, got 0"),
    (dict(command=["x"], workers=2.0), TypeError, "workers must be an int >= 1, got 2.0"),
    (dict(command=["x"], workers=2, servers=0), ValueError, "servers must be an int >= 1, got 0"),
    (dict(command=["x"], workers=2, timeout=0), ValueError,
     "timeout must be a number in (0, inf), got 0.0"),
    (dict(command=["x"], workers=2, grace=-1), ValueError,
     "grace must be a number in [0, inf), got -1.0"),
    (dict(command=["x"], workers=2, env={"A": 1}), TypeError,
     "env must be None or a dict of str to str, got {'A': 1}"),
    (dict(command=["x"], workers=2, stream=object()), TypeError,
     "stream.write must be callable (write(str)), got None"),
    (dict(command=["x"], workers=2, launcher="pbs"), ValueError,
     "launcher must be one of 'local', 'ssh', 'mpi', 'slurm', got 'pbs'"),
    (dict(command=["x"], workers=2, launcher="ssh"), ValueError,
     "hostfile is required by the ssh launcher (one host per line)"),
    (dict(command=["x"], workers=2, hostfile="hosts"), ValueError,
     "hostfile is for the ssh and mpi launchers, not local"),
    (dict(command=["x"], workers=2, launcher="mpi", hostfile="/no/hosts"), ValueError,
     "hostfile must name a file of hosts, got '/no/hosts'"),
])
def test_launch_checks_its_arguments(kwargs, error, message):
    with pytest.raises(error) as info:
        launch(**kwargs)
    assert str(info.value) == message


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit) as info:
        cli_main(["-n", "2", "--"])
    assert info.value.code == 2
    assert capsys.readouterr().err == "python -m gluon_lr.distributed: error: the worker " \
        "command is missing (e.g. -- python train.py)\n"


def test_exit_descriptions():
    assert [describe_exit(code) for code in (0, 3, -15)] == [
        "exited with code 0", "exited with code 3", "was killed by signal SIGTERM"]
    assert [exit_status(code) for code in (0, 3, -2, -15)] == [0, 3, 130, 143]


ROLE_VARIABLES = ("DMLC_JOB_CLUSTER", "DMLC_ROLE", "DMLC_PS_ROOT_URI", "DMLC_NODE_HOST",
                  "DMLC_NUM_WORKER", "DMLC_NUM_SERVER", "PYTHONUNBUFFERED")

DRIVER = textwrap.dedent('''
    import io, json, sys
    import gluon_lr.distributed, gluon_lr.launch.cli  # the command lines' modules too
    from gluon_lr.launch import Launcher
    show = "import os; print(*(os.environ.get(name) for name in {!r}))"
    launcher = Launcher([sys.executable, "-c", show], 2, servers=1, timeout=40, grace=1.0,
                        log_dir=sys.argv[1], stream=io.StringIO(), report=io.StringIO())
    print(json.dumps({{"status": launcher.run(), "pids": launcher.pids,
                      "loaded": [name for name in ("mxnet", "dmlc_tracker")
                                 if name in sys.modules]}}))
''').format(ROLE_VARIABLES)


def test_the_roles_come_from_dmlc_tracker_and_the_launcher_loads_no_mxnet(tmp_path):
    """dmlc_tracker's local back-end alone sets DMLC_JOB_CLUSTER=local; on loopback only."""
    logs = tmp_path / "logs"
    done = subprocess.run([sys.executable, "-c", DRIVER, str(logs)], capture_output=True,
                          text=True, timeout=HARD_LIMIT - 5)
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["status"], result["loaded"]) == (0, [])
    assert [len(result["pids"][role]) for role in ("scheduler", "server", "worker")] == [1, 1, 2]
    for index in (0, 1):
        assert (logs / "worker-{}.log".format(index)).read_text().splitlines()[-1] == \
            "local worker 127.0.0.1 127.0.0.1 2 1 1"
    assert _leftovers([pid for pids in result["pids"].values() for pid in pids]) == []


#: ``host`` or ``host:port`` that ``ssh -o BatchMode=yes`` reaches without a password.
SSH_HOST = os.environ.get("GLUON_LR_TEST_SSH_HOST", "127.0.0.1")


def _multi_host_options(launcher, tmp_path, monkeypatch):
    """``launch``'s keywords for ``launcher`` on this machine, or a skip saying what is missing."""
    if launcher == "mpi":
        if shutil.which("mpirun") is None:
            pytest.skip("needs mpirun (Open MPI or MPICH)")
        if os.geteuid() == 0:  # Open MPI refuses root unless told twice
            monkeypatch.setenv("OMPI_ALLOW_RUN_AS_ROOT", "1")
            monkeypatch.setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        return {"launcher": "mpi"}
    host, _, port = SSH_HOST.partition(":")
    probe = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
             "-o", "StrictHostKeyChecking=no", "-p", port or "22", host, "true"]
    if shutil.which("ssh") is None or subprocess.run(
            probe, capture_output=True, timeout=20).returncode != 0:
        pytest.skip("needs ssh to {} without a password (set GLUON_LR_TEST_SSH_HOST to "
                    "host:port)".format(SSH_HOST))
    hosts = tmp_path / "hosts"
    hosts.write_text(SSH_HOST + "\n")
    return {"launcher": "ssh", "hostfile": str(hosts)}


@pytest.mark.parametrize("launcher", ["mpi", "ssh"])
@pytest.mark.parametrize("mode, expected", [("ok", 0), ("exit3", 3)])
def test_a_multi_host_launcher_on_this_machine(started, tmp_path, worker, monkeypatch, launcher,
                                               mode, expected):
    options = _multi_host_options(launcher, tmp_path, monkeypatch)
    launcher, status, out, report, elapsed = _run(started, tmp_path, worker + [mode],
                                                  timeout=40, **options)
    assert status == expected, _explain(launcher, report)
    assert "OUT rank 0 of 2: mean [0.5, 1.0]" in out.splitlines()
    if expected == 0:
        assert report == "" and "OUT rank 0 done" in out.splitlines()
    else:
        _assert_failure(launcher, status, report, 3, "exited with code 3", elapsed)
    assert _leftovers(_all_pids(launcher)) == []


def test_rank_file_round_trip_and_checks(tmp_path, monkeypatch):
    class KV:
        rank, num_workers = 2, 2
    path = tmp_path / "worker-0.rank"
    with pytest.raises(ValueError) as info:
        report_rank(KV(), str(path))
    assert str(info.value) == "kv.rank must be an int in [0, 1], got 2"
    KV.rank = 1
    monkeypatch.delenv("GLUON_LR_RANK_FILE", raising=False)
    assert report_rank(KV()) is False
    monkeypatch.setenv("GLUON_LR_RANK_FILE", str(path))
    assert report_rank(KV()) is True
    assert path.read_text() == "1 2\n"
    assert read_rank(str(path)) == (1, 2)
    path.write_text("1")
    assert read_rank(str(path)) is None
