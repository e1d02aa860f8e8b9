"""Shared pytest set-up: a non-interactive backend and the shared CIFAR-10 copy."""
import os
import pathlib
import signal
import sys

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The tutorial's own classes, the oracle of the parity tests.
sys.path.insert(0, str(ROOT / "reference"))
SHARED_CIFAR10 = pathlib.Path(
    os.environ.get("GLUON_LR_CIFAR10_DIR", str(ROOT.parent / "shared" / "data" / "cifar10")))


@pytest.fixture
def cifar10_dir():
    """The CIFAR-10 folder for real-data checks; skips the test when absent."""
    if not (SHARED_CIFAR10 / "train.rec").is_file():
        pytest.skip("CIFAR-10 RecordIO not found at {} (set GLUON_LR_CIFAR10_DIR)".format(
            SHARED_CIFAR10))
    return SHARED_CIFAR10



@pytest.fixture
def hard_limit(request):
    """Fail a multi-process test after its module's ``HARD_LIMIT`` seconds (default 45)."""
    limit = getattr(request.module, "HARD_LIMIT", 45)

    def expire(signum, frame):
        raise TimeoutError("test exceeded its hard limit of {} s".format(limit))
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
