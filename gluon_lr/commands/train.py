"""``gluon-lr train``: epochs on CIFAR-10 with a named or DeepSpeed-config schedule."""
import csv
import os

from ..recipes import (batches_per_epoch, cifar10_datasets, cifar10_learner,
                       find_learning_rate, suggested_lr_from_summary, train_with_schedule)
from ..schedules import needs_max_lr
from . import common
from .find import add_sweep_options, check_sweep_options, sweep_options
from .schedule import add_schedule_options, build_schedule, is_config_file


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train", help="train for some epochs with a learning-rate schedule",
        description="Train with SGD and a schedule; report train loss and test accuracy per "
                    "epoch; save the parameters, history.csv and summary.json. Without "
                    "--max-lr, onecycle/cyclical/cosine peak at the finder's suggestion.")
    parser.add_argument("--epochs", type=common.positive_int, default=1,
                        help="epochs (default: 1)")
    parser.add_argument("--momentum", type=common.unit_interval, default=0.9,
                        help="SGD momentum in [0, 1); onecycle cycles it (default: 0.9)")
    parser.add_argument("--wd", type=common.non_negative_float, default=5e-4,
                        help="weight decay, >= 0 (default: 5e-4)")
    parser.add_argument("--augment", action="store_true",
                        help="random crop and flip of the training images")
    common.add_test_size_option(parser)
    parser.add_argument("--finder-summary", default=None,
                        help="take max-lr from this 'gluon-lr find' summary.json (its "
                             "confirmed LR if it has one) instead of running the finder")
    add_schedule_options(parser, default="onecycle")
    add_sweep_options(parser)
    common.add_common_options(parser, "train")
    common.add_data_options(parser)
    parser.set_defaults(run=run)
    return parser


def peak_lr(args, learner):
    """--max-lr, else the LR in --finder-summary, else a finder run's suggestion."""
    if args.max_lr is not None or is_config_file(args) or not needs_max_lr(args.schedule):
        return args.max_lr, None
    if args.finder_summary is not None:
        suggestion, key = suggested_lr_from_summary(args.finder_summary)
        source = "{} ({})".format(args.finder_summary, key)
    else:
        _, summary = find_learning_rate(learner, **sweep_options(args))
        key = "confirmed_lr" if args.confirm else "suggested_lr"
        suggestion, source = summary[key], "finder ({} iterations{})".format(
            summary["iterations"], ", confirmed" if args.confirm else "")
    if suggestion is None:
        raise ValueError("the finder gave no suggestion; pass --max-lr")
    print("max-lr {:.4g} from {}".format(suggestion, source))
    return suggestion, source


def run(args):
    common.start(args)
    is_config_file(args)
    check_sweep_options(args)
    if args.finder_summary is not None:
        suggested_lr_from_summary(args.finder_summary)
    train_set, test_set = cifar10_datasets(augment=args.augment, **common.data_options(args))
    per_epoch = batches_per_epoch(len(train_set), args.batch_size)
    sgd_params = {"learning_rate": args.lr, "momentum": args.momentum, "wd": args.wd}
    with cifar10_learner(train_set, optimizer_params=sgd_params,
                         **common.learner_options(args)) as learner:
        max_lr, source = peak_lr(args, learner)
        schedule = build_schedule(args, args.epochs * per_epoch, max_lr=max_lr)
        history = train_with_schedule(
            learner, epochs=args.epochs, iterations_per_epoch=per_epoch, schedule=schedule,
            test_set=test_set, batch_size=args.batch_size, num_workers=args.num_workers,
            progress=not args.no_progress)
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
        epochs=args.epochs, iterations=args.epochs * per_epoch, history=history))
    print("files in {}".format(out))
    return 0
