"""The CIFAR-10 recipes on a ``dist_sync`` worker: a DistributedLearner over a shard.

:func:`distributed_cifar10_learner` is :func:`gluon_lr.recipes.cifar10_learner`
with the worker's share of the batches (:func:`~gluon_lr.distributed.sharded_loader`)
and a :class:`~gluon_lr.distributed.DistributedLearner`. ``batch_size`` stays
the *global* batch, so a command's arithmetic (batches per epoch, schedule
lengths) and its learning rates mean what they mean in one process.

:func:`distributed_recipes` makes the ``gluon-lr`` commands use them. Until
the commands take a learner factory (see the report that came with this
module), it swaps the names the commands look up, inside a ``with`` block:
``cifar10_learner`` in :mod:`gluon_lr.commands.find`, ``.compare`` and
``.train``, and ``continuous_loader`` in :mod:`gluon_lr.recipes.compare`
(which builds a fresh loader per learning rate).
"""
import contextlib
import functools
import importlib

from .data import sharded_loader

__all__ = ["distributed_cifar10_learner", "distributed_recipes", "PATCHED_NAMES"]

#: ``(module, name)`` pairs :func:`distributed_recipes` replaces.
PATCHED_NAMES = (("gluon_lr.commands.find", "cifar10_learner"),
                 ("gluon_lr.commands.compare", "cifar10_learner"),
                 ("gluon_lr.commands.train", "cifar10_learner"),
                 ("gluon_lr.recipes.compare", "continuous_loader"))


def distributed_cifar10_learner(train_set, *, kv, model="resnet18_v2", batch_size=128,
                                device="auto", seed=0, num_workers=2, hybridize=True,
                                optimizer="sgd", optimizer_params=None):
    """:func:`gluon_lr.recipes.cifar10_learner` for the worker of ``kv``.

    Collective: every worker calls it at the same point (the learner copies
    rank 0's parameters to all).

    Parameters
    ----------
    train_set : mx.gluon.data.Dataset
        The whole training set (the same on every worker).
    kv : mxnet.kvstore.KVStore
        The cluster's kvstore.
    batch_size : int, default 128
        The global batch, a multiple of ``kv.num_workers``; each worker trains
        on ``batch_size / kv.num_workers`` images per step.
    model, device, seed, num_workers, hybridize, optimizer, optimizer_params
        As for :func:`gluon_lr.recipes.cifar10_learner`.

    Returns
    -------
    DistributedLearner
    """
    from ..recipes import cifar10_learner
    from .learner import DistributedLearner

    loader = sharded_loader(train_set, batch_size, seed, kv.rank, kv.num_workers,
                            num_workers=num_workers)
    return cifar10_learner(train_set, model=model, device=device, seed=seed,
                           hybridize=hybridize, optimizer=optimizer,
                           optimizer_params=optimizer_params, loader=loader,
                           learner_class=DistributedLearner, kvstore=kv)


def _worker_loader(dataset, batch_size, seed, num_workers=2, *, thread_pool=True, kv):
    """``continuous_loader``'s signature, giving the worker's share of its batches."""
    return sharded_loader(dataset, batch_size, seed, kv.rank, kv.num_workers,
                          num_workers=num_workers, thread_pool=thread_pool)


@contextlib.contextmanager
def distributed_recipes(kv):
    """Inside the block, the ``gluon-lr`` commands train as workers of ``kv``.

    Raises
    ------
    RuntimeError
        If a command module no longer has a name listed in :data:`PATCHED_NAMES`.
    """
    replacements = {"cifar10_learner": functools.partial(distributed_cifar10_learner, kv=kv),
                    "continuous_loader": functools.partial(_worker_loader, kv=kv)}
    saved = []
    try:
        for module_name, name in PATCHED_NAMES:
            module = importlib.import_module(module_name)
            if not hasattr(module, name):
                raise RuntimeError("{} has no {} any more: update "
                                   "gluon_lr.distributed.recipes.PATCHED_NAMES".format(
                                       module_name, name))
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, replacements[name])
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)
