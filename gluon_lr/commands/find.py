"""``gluon-lr find``: the learning-rate finder on CIFAR-10, with plot, CSV and summary."""
import os
import time

from matplotlib.figure import Figure

from ..finder import LRFinder
from ..suggest import SUGGESTION_METHODS
from . import common

#: The default sweep: 100 log-spaced points over 1e-7 .. 10 (as fastai), early stop.
DEFAULT_LR_START, DEFAULT_LR_END, DEFAULT_POINTS = 1e-7, 10.0, 100


def add_sweep_options(parser):
    """The finder's options, shared with ``gluon-lr train``."""
    sweep = parser.add_argument_group("finder options")
    sweep.add_argument("--lr-start", type=common.positive_float, default=DEFAULT_LR_START,
                       help="first learning rate (default: 1e-7)")
    sweep.add_argument("--lr-end", type=common.positive_float, default=DEFAULT_LR_END,
                       help="last learning rate tried at most (default: 10)")
    sweep.add_argument("--num-points", type=common.positive_int, default=DEFAULT_POINTS,
                       help="log-spaced points from --lr-start to --lr-end (default: 100)")
    sweep.add_argument("--lr-multiplier", type=common.positive_float, default=None,
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
    sweep.add_argument("--smoothing", type=float, default=0.3,
                       help="running-mean weight for the stop rule and suggestion "
                            "(default: 0.3)")
    sweep.add_argument("--suggest", choices=sorted(SUGGESTION_METHODS), default="steepest",
                       help="suggestion rule (default: steepest)")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "find", help="run the learning-rate finder and suggest a learning rate",
        description="Sweep the learning rate upwards one batch at a time until the loss "
                    "diverges; write finder.png, finder.csv and summary.json.")
    add_sweep_options(parser)
    common.add_common_options(parser, "find")
    common.add_data_options(parser)
    parser.set_defaults(run=run)
    return parser


def sweep_options(args):
    """The LRFinder.find keyword arguments that the options describe."""
    options = {"lr_start": args.lr_start, "smoothing": args.smoothing,
               "lr_end": args.lr_end, "max_iter": args.max_iter, "mode": args.mode,
               "progress": not args.no_progress}
    if args.mode == "linear":
        options.update(step_size=args.step_size, step_rate=args.step_rate,
                       staircase=args.staircase)
    elif args.lr_multiplier is not None:
        options["lr_multiplier"] = args.lr_multiplier
    elif args.num_points > 1:
        options["lr_multiplier"] = (args.lr_end / args.lr_start) ** (1 / (args.num_points - 1))
        options["max_iter"] = min(args.max_iter, args.num_points)
    else:
        raise ValueError("--num-points must be >= 2 to span --lr-start .. --lr-end")
    if args.mode != "linear" and (args.step_size or args.step_rate or args.staircase):
        raise ValueError("--step-size, --step-rate and --staircase need --mode linear")
    return options


def save_plot(finder, suggestion, path):
    figure = Figure(figsize=(6, 8))
    ax = figure.subplots()
    finder.plot(ax=ax, suggestion=suggestion if suggestion is not None else False)
    ax.set_title("LR finder: suggested lr = {}".format(
        "none" if suggestion is None else "{:.3g}".format(suggestion)))
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def run_finder(args, learner):
    """Run the sweep on ``learner``; return ``(finder, summary dict)``."""
    options = sweep_options(args)
    finder = LRFinder(learner)
    started = time.perf_counter()
    results = finder.find(**options)
    seconds = time.perf_counter() - started
    suggestion = finder.suggest(args.suggest)
    summary = {"suggested_lr": suggestion, "method": args.suggest,
               "iterations": len(results), "seconds": round(seconds, 2),
               "first_lr": results[0][0], "last_lr": results[-1][0],
               "stopped_by": finder.stop_reason,
               "sweep": {k: v for k, v in options.items() if k != "progress"}}
    return finder, summary


def run(args):
    common.start(args)
    dataset = common.load_dataset(args, train=True, size=args.train_size)
    with common.build_learner(args, common.continuous_loader(dataset, args)) as learner:
        finder, summary = run_finder(args, learner)
    summary.update(common.describe(args))
    out = common.prepare_output(args.out)
    finder.to_csv(os.path.join(out, "finder.csv"))
    save_plot(finder, summary["suggested_lr"], os.path.join(out, "finder.png"))
    common.write_json(os.path.join(out, "summary.json"), summary)
    print("suggested learning rate ({}): {}".format(
        args.suggest, "none (too few points)" if summary["suggested_lr"] is None
        else "{:.4g}".format(summary["suggested_lr"])))
    print("{} iterations in {:.1f} s, stopped by {}; files in {}".format(
        summary["iterations"], summary["seconds"], summary["stopped_by"], out))
    return 0
