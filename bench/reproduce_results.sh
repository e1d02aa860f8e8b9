#!/usr/bin/env bash
# Reproduce the measurements quoted in RESULTS.md (CPU; about 20-40 minutes on 2 cores).
# Usage: bash bench/reproduce_results.sh [CIFAR10_DIR] [OUT_DIR]
# Every output lands in OUT_DIR (default: results/); RESULTS.md quotes those files.
set -euo pipefail
data_dir=${1:-${GLUON_LR_CIFAR10_DIR:-../shared/data/cifar10}}
out=${2:-results}

# 1. the finder with fastai's sweep (100 log-spaced points over 1e-7..10, early stop), gluon-lr's
#    default when results/find was made (the default is now 75 points over 1e-5..10); the
#    tutorial's plain SGD (find's default is now the SGD train uses: momentum 0.9, wd 5e-4)
gluon-lr find --data-dir "$data_dir" --seed 0 --momentum 0 --wd 0 --lr-start 1e-7 --num-points 100 --out "$out/find" \
    --no-progress

# 2. the finder with the tutorial's sweep (from 1e-6, x1.1 per step)
gluon-lr find --data-dir "$data_dir" --seed 0 --momentum 0 --wd 0 --lr-start 1e-6 --lr-multiplier 1.1 \
    --out "$out/find-tutorial-sweep" --no-progress

# 3. the tutorial's comparison (300 iterations at 0.05, 0.5, 0.005 from one start), 3 seeds
for seed in 0 1 2; do
    gluon-lr compare --data-dir "$data_dir" --seed "$seed" --out "$out/compare-seed$seed" \
        --no-progress
done

# 4. the numbers RESULTS.md quotes
python bench/summarize_results.py "$out"/compare-seed*
python bench/finder_landmarks.py "$out/find/finder.csv" "$out/find-tutorial-sweep/finder.csv"
