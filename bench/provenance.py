"""Where a benchmark's numbers come from: date, machine and commit, and a start's fingerprint."""
import hashlib
import os
import platform
import subprocess
import time

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))


def header():
    """Date, machine, commit (``+changes`` when gluon_lr/ or bench/ differ from it), threads
    and MXNet version of this run."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", ":/gluon_lr", ":/bench"],
                           capture_output=True, text=True, cwd=HERE).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": cpu,
            "cores": os.cpu_count(), "commit": commit + ("+changes" if dirty else ""),
            "threads": os.environ.get("OMP_NUM_THREADS"), "mxnet": mx.__version__}


def parameters_digest(learner):
    """A hash of the learner's parameters, to check that runs start alike."""
    digest = hashlib.sha256()
    for name, param in sorted(learner.net.collect_params().items()):
        digest.update(name.encode())
        digest.update(param.data().asnumpy().tobytes())
    return digest.hexdigest()[:12]
