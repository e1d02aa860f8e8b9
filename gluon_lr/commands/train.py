"""``gluon-lr train``: epochs on CIFAR-10 with a named or DeepSpeed-config schedule."""
import csv
import json
import math
import os

from tqdm.auto import tqdm

from ..evaluation import accuracy
from ..training import train_epochs
from . import common
from .find import add_sweep_options, run_finder
from .schedule import add_schedule_options, build_schedule, check_schedule_option, needs_max_lr


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train", help="train for some epochs with a learning-rate schedule",
        description="Train with SGD and a schedule; report train loss and test accuracy per "
                    "epoch; save the parameters, history.csv and summary.json. Without "
                    "--max-lr, onecycle/cyclical/cosine peak at the finder's suggestion.")
    parser.add_argument("--epochs", type=common.positive_int, default=1,
                        help="epochs (default: 1)")
    parser.add_argument("--momentum", type=float, default=0.9,
                        help="SGD momentum; onecycle cycles it (default: 0.9)")
    parser.add_argument("--wd", type=float, default=5e-4, help="weight decay (default: 5e-4)")
    parser.add_argument("--augment", action="store_true",
                        help="random crop and flip of the training images")
    common.add_test_size_option(parser)
    parser.add_argument("--finder-summary", default=None,
                        help="take max-lr from this 'gluon-lr find' summary.json instead of "
                             "running the finder")
    add_schedule_options(parser, default="onecycle")
    add_sweep_options(parser)
    common.add_common_options(parser, "train")
    common.add_data_options(parser)
    parser.set_defaults(run=run)
    return parser


def peak_lr(args, learner):
    """--max-lr, else the suggestion in --finder-summary, else a finder run's suggestion."""
    if args.max_lr is not None or not needs_max_lr(args.schedule):
        return args.max_lr, None
    if args.finder_summary is not None:
        with open(args.finder_summary) as handle:
            suggestion = json.load(handle).get("suggested_lr")
        source = args.finder_summary
    else:
        _, summary = run_finder(args, learner)
        suggestion, source = summary["suggested_lr"], "finder ({} iterations)".format(
            summary["iterations"])
    if suggestion is None:
        raise ValueError("the finder gave no suggestion; pass --max-lr")
    print("max-lr {:.4g} from {}".format(suggestion, source))
    return suggestion, source


def run(args):
    check_schedule_option(args)
    common.start(args)
    train_set = common.load_dataset(args, train=True, size=args.train_size, augment=args.augment)
    test_set = common.load_dataset(args, train=False, size=args.test_size)
    per_epoch = math.ceil(len(train_set) / args.batch_size)
    total = args.epochs * per_epoch
    sgd_params = {"learning_rate": args.lr, "momentum": args.momentum, "wd": args.wd}
    loader = common.continuous_loader(train_set, args)
    with common.build_learner(args, loader, optimizer_params=sgd_params) as learner:
        max_lr, source = peak_lr(args, learner)
        schedule = build_schedule(args, total, max_lr=max_lr)
        if schedule is not None:
            learner.trainer.optimizer.lr_scheduler = schedule
        bar = tqdm(total=total, desc="train", disable=args.no_progress, leave=False)

        def on_iteration(epoch, loss):
            bar.set_postfix(epoch=epoch, loss="{:.4f}".format(loss))
            bar.update()

        def evaluate(lrn):
            return accuracy(lrn.net, common.finite_loader(test_set, args), lrn.devices)

        try:
            history = train_epochs(learner, args.epochs, per_epoch, evaluate=evaluate,
                                   on_iteration=on_iteration)
        finally:
            bar.close()
        out = common.prepare_output(args.out)
        learner.net.save_parameters(os.path.join(out, "model.params"))
    with open(os.path.join(out, "history.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)
    for row in history:
        print("epoch {epoch}: train loss {train_loss:.4f}, test accuracy {test_accuracy:.4f}, "
              "lr {lr:.4g}".format(**row))
    common.write_json(os.path.join(out, "summary.json"), dict(
        common.describe(args), schedule=args.schedule, max_lr=max_lr, max_lr_source=source,
        epochs=args.epochs, iterations=total, history=history))
    print("files in {}".format(out))
    return 0
