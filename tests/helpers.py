"""Small synthetic tasks and state comparisons shared by the tests."""
import mxnet as mx
import numpy as np

from gluon_lr.mxnet_internals import index_update_count, trainer_updaters


def make_dataset(n=64, features=6, classes=3, seed=0):
    """A small, seeded classification task held in memory."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = rng.randint(0, classes, size=n).astype("float32")
    return mx.gluon.data.ArrayDataset(mx.np.array(x), mx.np.array(y))


def make_net(seed=0, classes=3, features=6, batchnorm=True):
    """Dense -> BatchNorm -> ReLU -> Dense, initialized from a seed, shapes known."""
    mx.np.random.seed(seed)
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(8, in_units=features))
    if batchnorm:
        net.add(mx.gluon.nn.BatchNorm(in_channels=8))
    net.add(mx.gluon.nn.Activation("relu"), mx.gluon.nn.Dense(classes, in_units=8))
    net.initialize(mx.init.Xavier())
    return net


def make_batches(count, batch_size=8, seed=0, features=6, classes=3):
    """A list of resident ``(data, label)`` batches: a loader with a known order."""
    rng = np.random.RandomState(seed)
    return [(mx.np.array(rng.normal(size=(batch_size, features)).astype("float32")),
             mx.np.array(rng.randint(0, classes, size=batch_size).astype("float32")))
            for _ in range(count)]


def state_arrays(learner):
    """Every number a step can change, as numpy arrays keyed by a readable name."""
    out = {}
    for name, param in learner.net.collect_params().items():
        for i, data in enumerate(param.list_data()):
            out["param:{}:{}".format(name, i)] = data.asnumpy().copy()
    for u, updater in enumerate(trainer_updaters(learner.trainer)):
        for idx, state in updater.states.items():
            parts = state if isinstance(state, (tuple, list)) else [state]
            for j, part in enumerate(parts):
                if part is not None:
                    out["state:{}:{}:{}".format(u, idx, j)] = part.asnumpy().copy()
    opt = learner.trainer.optimizer
    out["lr"] = np.array(opt.lr)
    out["num_update"] = np.array(opt.num_update)
    out["index_update_count"] = np.array(sorted(index_update_count(opt).items()))
    for attr in ("momentum", "beta1"):
        if hasattr(opt, attr):
            out[attr] = np.array(getattr(opt, attr))
    sched = opt.lr_scheduler
    if sched is not None:
        out["scheduler"] = np.array(sorted(
            (k, float(v)) for k, v in vars(sched).items() if isinstance(v, (int, float))))
    return out


def assert_same_state(before, after):
    """Bit-identical comparison of two :func:`state_arrays` results."""
    assert sorted(before) == sorted(after)
    for key in before:
        assert before[key].shape == after[key].shape, key
        assert np.array_equal(before[key], after[key]), key
        assert before[key].tobytes() == after[key].tobytes(), key
