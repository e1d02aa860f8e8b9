"""CIFAR-10 datasets (or the user's own), a network in a Learner, and test accuracy."""
from __future__ import annotations

import os
import random
from typing import Any, Dict, Iterable, Optional, Tuple, Type, Union

import mxnet as mx
import numpy as np

from .._validate import as_bool, as_int
from ..data import cifar10, continuous_loader, finite_loader, subset
from ..devices import DeviceSpec, resolve_devices
from ..evaluation import accuracy
from ..learner import Batch, Learner
from .factories import make_datasets, make_network

__all__ = ["seed_everything", "cifar10_datasets", "load_datasets", "cifar10_learner",
           "evaluate_accuracy"]


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and MXNet's global generators with ``seed`` (an int >= 0)."""
    seed = as_int("seed", seed, 0)
    random.seed(seed)
    np.random.seed(seed)
    mx.random.seed(seed)


def sliced(dataset: Any, size: Optional[int], name: str, seed: int) -> Any:
    """A seeded random slice of ``size`` items of ``dataset`` (all of it when None)."""
    if size is None:
        return dataset
    as_int(name, size, 1)
    if size > len(dataset):
        raise ValueError("{} must be an int in [1, {}] (the split's size), got {}".format(
            name, len(dataset), size))
    return subset(dataset, size, seed=seed)


def cifar10_datasets(*, data_dir: Union[str, os.PathLike[str], None] = None,
                     train_size: Optional[int] = None, test_size: Optional[int] = None,
                     augment: bool = False, seed: int = 0) -> Tuple[Any, Any]:
    """The CIFAR-10 training and test sets with the tutorial's transforms.

    Parameters
    ----------
    data_dir : str, optional
        See :func:`gluon_lr.data.cifar10`.
    train_size, test_size : int, optional
        Keep a seeded random slice of this many images (all when None).
    augment : bool, default False
        Random crop and flip on the training images.
    seed : int, default 0
        Seed of the slices and of the augmentation.

    Returns
    -------
    (Dataset, Dataset)
    """
    as_bool("augment", augment)
    as_int("seed", seed, 0)
    train = cifar10(data_dir, train=True, augment=augment, seed=seed if augment else None)
    test = cifar10(data_dir, train=False)
    return (sliced(train, train_size, "train_size", seed),
            sliced(test, test_size, "test_size", seed))


def load_datasets(dataset: Optional[str] = None, *, train_size: Optional[int] = None,
                  test_size: Optional[int] = None, seed: int = 0,
                  **cifar10_options: Any) -> Tuple[Any, Any]:
    """``(train, test)``: CIFAR-10 by default, else the ``'module:attr'`` factory ``dataset``.

    ``train_size``/``test_size`` keep a seeded random slice of either.
    ``cifar10_options`` (``data_dir``, ``augment``) go to
    :func:`~gluon_lr.recipes.cifar10_datasets` and are refused with a factory.
    """
    if dataset is None:
        return cifar10_datasets(train_size=train_size, test_size=test_size, seed=seed,
                                **cifar10_options)
    given = sorted(key for key, value in cifar10_options.items() if value)
    if given:
        raise ValueError("{} cannot be used with dataset {!r} (CIFAR-10 only)".format(
            " and ".join(given), dataset))
    train, test = make_datasets(dataset)
    return (sliced(train, train_size, "train_size", seed),
            sliced(test, test_size, "test_size", seed))


def cifar10_learner(train_set: Any, *, model: str = "resnet18_v2", batch_size: int = 128,
                    device: DeviceSpec = "auto", seed: int = 0, num_workers: int = 2,
                    hybridize: bool = True, optimizer: Union[str, mx.optimizer.Optimizer] = "sgd",
                    optimizer_params: Optional[Dict[str, Any]] = None,
                    loader: Optional[Iterable[Batch]] = None,
                    learner_class: Type[Learner] = Learner, **learner_options: Any) -> Learner:
    """A network for 10 classes (or the user's own) in a Learner over endless seeded batches.

    Parameters
    ----------
    train_set : mx.gluon.data.Dataset
    model : str, default 'resnet18_v2'
        A Gluon model-zoo name (the tutorial's pre-activation ResNet-18), or
        a ``'module:attr'`` factory (see :mod:`gluon_lr.recipes.factories`).
    batch_size : int, default 128
    device : str, Device or list, default 'auto'
        See :func:`gluon_lr.resolve_devices`.
    seed : int, default 0
        Seeds the global generators (so the initial weights) and the batch order.
    num_workers : int, default 2
        Loader worker threads.
    hybridize : bool, default True
        Hybridize with a static graph.
    optimizer, optimizer_params
        As for :class:`~gluon_lr.Learner`.
    loader : iterable, optional
        The batches to train on; by default ``continuous_loader(train_set,
        batch_size, seed, num_workers)``.
    learner_class : type, default Learner
        E.g. :class:`gluon_lr.distributed.DistributedLearner`, which takes
        ``learner_options`` such as ``kvstore=``.

    Returns
    -------
    Learner
    """
    devices = resolve_devices(device)
    as_bool("hybridize", hybridize)
    net = make_network(model)
    seed_everything(seed)
    if loader is None:
        loader = continuous_loader(train_set, batch_size=batch_size, seed=seed,
                                   num_workers=num_workers)
    return learner_class(
        net, loader, devices if len(devices) > 1 else devices[0],
        hybridize={"static_alloc": True, "static_shape": True} if hybridize else False,
        optimizer=optimizer, optimizer_params=optimizer_params, **learner_options)


def evaluate_accuracy(learner: Learner, test_set: Any, *, batch_size: int = 128,
                      num_workers: int = 2) -> float:
    """The Learner's network's accuracy on ``test_set``, in inference mode.

    The weights are those of :meth:`Learner.evaluation_weights
    <gluon_lr.Learner.evaluation_weights>`: a Schedule-Free optimizer's
    average ``x``, the trained weights otherwise.
    """
    with learner.evaluation_weights():
        return accuracy(learner.net, finite_loader(test_set, batch_size=batch_size,
                                                   num_workers=num_workers), learner.devices)
