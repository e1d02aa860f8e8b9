"""``gluon-lr find``: the learning-rate finder on CIFAR-10, with plot, CSV and summary."""
from __future__ import annotations

import argparse
import csv
import os
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

from matplotlib.figure import Figure

from .._validate import check_order
from ..recipes import DEFAULT_SWEEP, find_learning_rate
from ..suggest import DEFAULT_RULE, SUGGESTION_METHODS
from ..data import finite_loader
from ..sweeps import Sweep, build_sweep
from . import common

if TYPE_CHECKING:
    from ..finder import LRFinder
    from ..learner import Learner
    from .runtime import Runtime


def add_sweep_options(parser: argparse.ArgumentParser) -> None:
    """The finder's options, shared with ``gluon-lr train``."""
    sweep = parser.add_argument_group("finder options")
    sweep.add_argument("--lr-start", type=common.learning_rate,
                       default=DEFAULT_SWEEP.lr_start, help="first learning rate "
                       "(default: 1e-5)")
    sweep.add_argument("--lr-end", type=common.learning_rate, default=DEFAULT_SWEEP.lr_end,
                       help="last learning rate tried at most (default: 10)")
    sweep.add_argument("--num-points", type=common.at_least_two,
                       default=DEFAULT_SWEEP.num_points,
        help="log-spaced points from --lr-start to --lr-end (default: 75)")
    sweep.add_argument("--lr-multiplier", type=common.above_one, default=None,
                       help="multiply the learning rate by this each step instead of "
                            "--num-points (the tutorial uses 1.1 from 1e-6)")
    sweep.add_argument("--mode", choices=["exponential", "linear"], default="exponential",
                       help="linear: DeepSpeed's range test, lr = lr_start * (1 + step_rate * "
                            "t / step_size)")
    sweep.add_argument("--step-size", type=common.positive_int, default=None,
                       help="linear mode: DeepSpeed's lr_range_test_step_size (default: 1)")
    sweep.add_argument("--step-rate", type=common.positive_float, default=None,
                       help="linear mode: DeepSpeed's lr_range_test_step_rate (default: 1.0)")
    sweep.add_argument("--staircase", action="store_true",
                       help="linear mode: DeepSpeed's lr_range_test_staircase")
    sweep.add_argument("--max-iter", type=common.positive_int, default=1000,
                       help="never run more iterations (default: 1000)")
    sweep.add_argument("--smoothing", type=common.unit_interval, default=0.3,
                       help="running-mean weight of the stop rule and the progress bar "
                            "(default: 0.3; the suggestion smooths on its own)")
    sweep.add_argument("--suggest", choices=sorted(SUGGESTION_METHODS), default=DEFAULT_RULE,
                       help="suggestion rule (default: {})".format(DEFAULT_RULE))
    sweep.add_argument("--confirm", action="store_true",
                       help="confirm the suggestion with short trials from the same start "
                            "(writes confirm.csv and confirm.png)")
    sweep.add_argument("--confirm-budget", type=common.positive_int, default=None,
                       help="iterations for all confirmation trials (default: 4 x the sweep's)")
    sweep.add_argument("--val-size", type=common.positive_int, default=None,
                       help="also measure the mean loss on the first N test images at every "
                            "step of the sweep (one pass over them a step): finder.csv gets "
                            "val_loss and summary.json suggested_lr_val")


def sweep_from_options(args: argparse.Namespace) -> Sweep:
    """The sweep the finder options describe; a ValueError names the option."""
    check_order("--lr-start", args.lr_start, "--lr-end", args.lr_end)
    if args.mode != "linear" and (args.step_size or args.step_rate or args.staircase):
        raise ValueError("--step-size, --step-rate and --staircase need --mode linear")
    exponential = {"num_points": args.num_points} if args.lr_multiplier is None \
        else {"lr_multiplier": args.lr_multiplier}
    return build_sweep(lr_start=args.lr_start, lr_end=args.lr_end, max_iter=args.max_iter,
                       mode=args.mode, step_size=args.step_size, step_rate=args.step_rate,
                       staircase=args.staircase,
                       **({} if args.mode == "linear" else exponential))


def validation_batches(args: argparse.Namespace, test_set: Any) -> Optional[Any]:
    """``--val-size`` N: a finite loader over the first N images of ``test_set``, or None.

    A ``ValueError`` names the option when the test split holds fewer images.
    """
    if args.val_size is None:
        return None
    if args.val_size > len(test_set):
        raise ValueError("--val-size {} is larger than the {} test images; use --val-size {} "
                         "or less".format(args.val_size, len(test_set), len(test_set)))
    return finite_loader(test_set.take(args.val_size), batch_size=args.batch_size,
                         num_workers=0)


def sweep_options(args: argparse.Namespace, runtime: Runtime) -> Dict[str, Any]:
    """The :func:`gluon_lr.recipes.find_learning_rate` keywords the options give."""
    return {"sweep": sweep_from_options(args), "smoothing": args.smoothing,
            "method": args.suggest, "confirm": args.confirm,
            "confirm_budget": args.confirm_budget,
            "progress": common.show_progress(args, runtime)}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "find", help="run the learning-rate finder and suggest a learning rate",
        description="Sweep the learning rate upwards one batch at a time until the loss "
                    "diverges, with the SGD settings 'gluon-lr train' uses; write finder.png, "
                    "finder.csv and summary.json (with --confirm also confirm.csv and "
                    "confirm.png).")
    add_sweep_options(parser)
    common.add_optimizer_options(parser)
    common.add_common_options(parser, "find")
    common.add_data_options(parser)
    common.add_logging_options(parser)
    parser.set_defaults(run=run)
    return parser


def save_plot(finder: LRFinder, suggestion: Optional[float], path: str) -> None:
    figure = Figure(figsize=(10, 6))
    ax = figure.subplots()
    finder.plot(ax=ax, suggestion=suggestion if suggestion is not None else False)
    ax.set_title("LR finder: suggested lr = {}".format(
        "none" if suggestion is None else "{:.3g}".format(suggestion)))
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def save_confirmation(finder: LRFinder, folder: str) -> None:
    """``confirm.csv`` (one row per trial step) and ``confirm.png`` (sweep and trials)."""
    confirmation = finder.confirmation
    assert confirmation is not None  # run() saves it after --confirm ran it
    with open(os.path.join(folder, "confirm.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lr", "iteration", "loss", "forecast", "score", "chosen"])
        for trial in confirmation.trials:
            chosen = trial.lr == confirmation.lr
            writer.writerows((trial.lr, i, loss, trial.forecast, trial.score, chosen)
                             for i, loss in enumerate(trial.losses))
    figure = Figure(figsize=(16, 5.5))
    sweep_ax, trials_ax = figure.subplots(1, 2)
    finder.plot(ax=sweep_ax, suggestion=confirmation.lr)
    sweep_ax.set_title("LR finder: confirmed lr = {:.3g}".format(confirmation.lr))
    finder.plot_trials(ax=trials_ax)
    figure.tight_layout()
    figure.savefig(os.path.join(folder, "confirm.png"), dpi=100)


def run_finder(args: argparse.Namespace, runtime: Runtime, learner: Learner,
               val_data: Optional[Any] = None) -> Tuple[LRFinder, Dict[str, Any]]:
    """The finder as ``find`` runs it, for ``find`` and ``train`` alike; its files saved.

    :func:`gluon_lr.recipes.find_learning_rate` with the finder options (and
    ``val_data``, from :func:`validation_batches`); the process that writes
    files saves finder.csv and finder.png (with ``--confirm`` also
    confirm.csv and confirm.png) into ``--out``, and with ``--tensorboard``
    the sweep under the tag ``finder`` and each confirmation trial under
    ``confirm/lr_<rate>``. The same options, model, data and seed give the
    same curve and suggestion in both commands.
    """
    with common.tensorboard(args, runtime, "finder") as sweep_log, \
            common.tensorboard(args, runtime, "confirm", per_rate=True) as confirm_log:
        finder, summary = find_learning_rate(learner, val_data=val_data, callback=sweep_log,
                                             confirm_callback=confirm_log,
                                             **sweep_options(args, runtime))
    if runtime.writes_files:
        finder.to_csv(os.path.join(args.out, "finder.csv"))
        save_plot(finder, summary["suggested_lr"], os.path.join(args.out, "finder.png"))
        if args.confirm:
            save_confirmation(finder, args.out)
    return finder, summary


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    common.start(args)
    sweep_from_options(args)
    train_set, test_set = common.datasets(args)
    val_data = validation_batches(args, test_set)
    with runtime.learner(train_set, **common.learner_options(args)) as learner:
        out = common.claim_output(args, runtime)
        _, summary = run_finder(args, runtime, learner, val_data)
    summary.update(common.describe(args, runtime))
    if runtime.writes_files:
        common.write_json(os.path.join(out, "summary.json"), summary)
    print("suggested learning rate ({}): {}".format(
        args.suggest, "none (too few points)" if summary["suggested_lr"] is None
        else "{:.4g}".format(summary["suggested_lr"])))
    if val_data is not None:
        print("on the validation curve ({} images): {}".format(
            args.val_size, "none" if summary["suggested_lr_val"] is None
            else "{:.4g}".format(summary["suggested_lr_val"])))
    if args.confirm:
        print("confirmed learning rate: {:.4g} ({} candidates, {} iterations in {:.1f} s)".format(
            summary["confirmed_lr"], len(summary["trials"]), summary["confirm_steps"],
            summary["confirm_seconds"]))
    print("{} iterations in {:.1f} s, stopped by {}; files in {}".format(
        summary["iterations"], summary["seconds"], summary["stopped_by"], out))
    return 0
