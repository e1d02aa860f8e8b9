#!/usr/bin/env bash
# Regenerate the outputs committed in notebooks/*.ipynb: each notebook executed in place on the
# full budget (GLUON_LR_NOTEBOOK_BUDGET=full) by nbclient, on a kernel of the active Python.
# Needs `pip install -e ".[notebooks]"` (nbclient, nbformat, ipykernel) in that environment.
# About 15 minutes on 2 CPU cores; notebooks/README.md says what each budget runs.
#
# Usage, from anywhere: bash bench/run_notebooks.sh [NOTEBOOK ...]   (default: all five)
# CIFAR-10 comes from $GLUON_LR_CIFAR10_DIR, else ../shared/data/cifar10 beside this repository.
# On a machine busy with other work, OMP_NUM_THREADS=1 can be faster than MXNet's two threads.
set -euo pipefail
cd "$(dirname "$0")/.."
python notebooks/execute_notebooks.py --budget full --inplace --timeout 1800 "$@"
