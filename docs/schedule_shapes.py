"""Draw every schedule family with ``plot_schedule`` into docs/schedule_shapes.png.

Run from anywhere: ``python docs/schedule_shapes.py``. The panels use the
examples of MXNet's "Advanced Learning Rate Schedules" tutorial, the two
configurations printed in DeepSpeed's LRRT and 1-Cycle tutorials,
PyTorch-style one-cycle and cyclical schedules, and the long-run schedules:
Warmup-Stable-Decay with 1-sqrt and cosine cool-downs, and linear decay to zero.
"""
import pathlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mxnet as mx  # noqa: E402

from gluon_lr.plotting import plot_schedule  # noqa: E402
from gluon_lr.schedules import (  # noqa: E402
    CosineAnnealingSchedule, CyclicalSchedule, CyclicLR, LinearCoolDown, LinearWarmUp,
    OneCycleLR, OneCycleSchedule, TriangularSchedule, create_schedule, from_config,
    warmup_stable_decay)

OUTPUT = pathlib.Path(__file__).resolve().with_name("schedule_shapes.png")


def _steps(base_lr=1):
    """The tutorials' MultiFactorScheduler(step=[250, 750, 900], factor=0.5)."""
    schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    schedule.base_lr = base_lr
    return schedule


PANELS = [
    ("TriangularSchedule(1, 2, 1000, inc_fraction=0.2)",
     TriangularSchedule(min_lr=1, max_lr=2, cycle_length=1000, inc_fraction=0.2), 1500),
    ("CosineAnnealingSchedule(1, 2, 1000)",
     CosineAnnealingSchedule(min_lr=1, max_lr=2, cycle_length=1000), 1500),
    ("LinearWarmUp(MultiFactor, 0, 250)", LinearWarmUp(_steps(), start_lr=0, length=250), 1500),
    ("LinearCoolDown(MultiFactor, 0.001, 1000, 500)",
     LinearCoolDown(_steps(), finish_lr=0.001, start_idx=1000, length=500), 1500),
    ("OneCycleSchedule(0.1, 0.5, 500, 750, 0.001)",
     OneCycleSchedule(start_lr=0.1, max_lr=0.5, cycle_length=500, cooldown_length=750,
                      finish_lr=0.001), 1500),
    ("CyclicalSchedule(TriangularSchedule, ...)",
     CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=2, cycle_length=500), 1500),
    ("CyclicalSchedule(CosineAnnealing, ...) = SGDR",
     CyclicalSchedule(CosineAnnealingSchedule, min_lr=0.01, max_lr=2, cycle_length=250,
                      cycle_length_decay=2, cycle_magnitude_decay=0.5), 1500),
    ("DeepSpeed LRRangeTest (LRRT tutorial)",
     from_config({"type": "LRRangeTest", "params": {
         "lr_range_test_min_lr": 0.0001, "lr_range_test_step_size": 200,
         "lr_range_test_step_rate": 5, "lr_range_test_staircase": False}}), 1500),
    ("DeepSpeed OneCycle (1-Cycle tutorial)",
     from_config({"type": "OneCycle", "params": {
         "cycle_first_step_size": 1000, "cycle_first_stair_count": 500,
         "cycle_second_step_size": 1000, "cycle_second_stair_count": 500,
         "decay_step_size": 1000, "cycle_min_lr": 0.0001, "cycle_max_lr": 0.0010,
         "decay_lr_rate": 0.001, "cycle_min_mom": 0.85, "cycle_max_mom": 0.99,
         "decay_mom_rate": 0.0}}), 3000),
    ("OneCycleLR(0.1, 1500)", OneCycleLR(max_lr=0.1, total_steps=1500), 1500),
    ("OneCycleLR(0.1, 1500, three_phase=True)",
     OneCycleLR(max_lr=0.1, total_steps=1500, three_phase=True), 1500),
    ("CyclicLR(0.01, 0.1, 250, mode='triangular2')",
     CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=250, mode="triangular2"), 1500),
    ("warmup_stable_decay(0.1, 1500, 100, 300, '1-sqrt')",
     warmup_stable_decay(0.1, 1500, warmup=100, cooldown=300, shape="1-sqrt"), 1500),
    ("warmup_stable_decay(0.1, 1500, 100, 300, 'cosine')",
     warmup_stable_decay(0.1, 1500, warmup=100, cooldown=300, shape="cosine"), 1500),
    ("create_schedule('linear', 1500, max_lr=0.1, warmup=100)",
     create_schedule("linear", total_steps=1500, max_lr=0.1, warmup=100), 1500),
]


def main(output=OUTPUT):
    """Draw the panels (learning rate, plus momentum where scheduled) and save them."""
    columns = 3
    rows = -(-len(PANELS) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.2 * rows))
    for ax, (title, schedule, iterations) in zip(axes.flat, PANELS):
        plot_schedule(schedule, iterations=iterations, ax=ax, show=False)
        for collection in ax.collections:
            collection.set_sizes([2])
        if schedule.momentum(1) is not None:
            twin = ax.twinx()
            steps = range(1, iterations + 1)
            twin.plot(steps, [schedule.momentum(t) for t in steps], color="tab:orange", lw=1)
            twin.set_ylabel("Momentum", color="tab:orange")
        ax.set_title(title, fontsize=9)
    for ax in list(axes.flat)[len(PANELS):]:
        ax.set_visible(False)
    figure.tight_layout()
    figure.savefig(output, dpi=80)
    plt.close(figure)
    return output


if __name__ == "__main__":
    print("wrote", main())
