"""Read landmarks off a finder curve (for RESULTS.md).

Usage: ``python bench/finder_landmarks.py results/find/finder.csv [...]``
For each CSV written by ``gluon-lr find`` it prints, on the centred curve
(:func:`gluon_lr.suggest.smoothed_curve`, which the default rule reads): the falling region
(:func:`gluon_lr.suggest.falling_region`: where the loss is first 3 % below its
start, and where it is lowest), where it is back above its start, and every
rule's suggestion, ``lowest`` with SGD's options as ``gluon-lr find`` trains
with SGD (each rule smooths its own curve).
"""
import csv
import sys

from gluon_lr.suggest import SUGGESTION_METHODS, falling_region, smoothed_curve, suggest_lr


def landmarks(path):
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    return curve_landmarks([float(r["lr"]) for r in rows], [float(r["loss"]) for r in rows])


def curve_landmarks(lrs, losses):
    """The landmarks of one finder curve, as a dict (None where not reached)."""
    xs, curve = smoothed_curve(lrs, losses)
    falling, lowest_lr = falling_region(lrs, losses) or (None, None)
    lowest = min(range(len(curve)), key=curve.__getitem__) if lowest_lr is None \
        else xs.index(lowest_lr)
    rising = next((xs[i] for i in range(lowest, len(curve)) if curve[i] > curve[0]), None)
    found = {"3% below start at lr": falling, "lowest at lr": xs[lowest],
             "back above start at lr": rising, "last lr": lrs[-1]}
    found.update({"suggest " + m: suggest_lr(lrs, losses, m,
                                             **({"optimizer": "sgd"} if m == "lowest" else {}))
                  for m in SUGGESTION_METHODS})
    return found


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    for path in paths:
        print(path)
        for name, value in landmarks(path).items():
            print("  {:24s} {}".format(name, "none" if value is None else "{:.4g}".format(value)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
