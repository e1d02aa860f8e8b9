"""Checks shared by the tests of gluon-lr's optimizers: exact restore and a finder run."""
import mxnet as mx
import numpy as np

from gluon_lr import Learner, LRFinder
from gluon_lr.comparison import compare_learning_rates
from gluon_lr.mxnet_internals import index_update_count, trainer_updaters
from gluon_lr.optimizers import Prodigy
from helpers import make_batches, make_net


def scalar_run(optimizer, grads, weight=1.0):
    """Step ``optimizer`` on a one-element weight; ``grads`` are numbers or ``w -> g``.

    Returns the weight after each step and the final state.
    """
    w = mx.nd.array([weight])
    state = optimizer.create_state(0, w)
    weights = []
    for grad in grads:
        g = grad(w.asscalar()) if callable(grad) else grad
        optimizer.update([0], [w], [mx.nd.array([g])], [state])
        weights.append(float(w.asscalar()))
    return weights, state


def everything(learner):
    """Every value a step can change, as bytes keyed by a readable name."""
    out = {}
    for name, param in learner.net.collect_params().items():
        for i, data in enumerate(param.list_data()):
            out["param:{}:{}".format(name, i)] = data.asnumpy().tobytes()
    for u, updater in enumerate(trainer_updaters(learner.trainer)):
        for index, state in updater.states.items():
            for j, part in enumerate(state):
                array = part if isinstance(part, np.ndarray) else part.asnumpy()
                out["state:{}:{}:{}".format(u, index, j)] = array.tobytes()
    optimizer = learner.trainer.optimizer
    out["counts"] = repr(sorted(index_update_count(optimizer).items()))
    out["num_update"] = repr(optimizer.num_update)
    if isinstance(optimizer, Prodigy):
        out["estimates"] = repr(optimizer.estimates)
    return out


def assert_restores_exactly(optimizer, optimizer_params, devices=(mx.cpu(),)):
    """Steps after a restore repeat the steps after the snapshot bit for bit."""
    learner = Learner(make_net(), make_batches(4), list(devices), optimizer=optimizer,
                      optimizer_params=optimizer_params)
    learner.run(3)
    snapshot = learner.snapshot()
    before = everything(learner)
    batches = learner.peek_batches(2)
    with learner.replay(batches):
        learner.run(2)
    after = everything(learner)
    assert after != before
    learner.restore(snapshot)
    assert everything(learner) == before
    with learner.replay(batches):
        learner.run(2)
    assert everything(learner) == after


def assert_finder_confirm_and_compare_work(optimizer, optimizer_params, lrs):
    """A short sweep, confirm and compare on a tiny net each leave the learner as it was.

    ``lrs`` are two rates for ``compare_learning_rates``. Returns the finder.
    """
    learner = Learner(make_net(), make_batches(8), mx.cpu(), optimizer=optimizer,
                      optimizer_params=optimizer_params)
    learner.run(2)
    start = everything(learner)
    finder = LRFinder(learner)
    results = finder.find(lr_start=1e-4, lr_multiplier=2.0, max_iter=12, progress=False)
    assert [lr for lr, _ in results] == [1e-4 * 2 ** i for i in range(len(results))]
    assert len(results) >= 5 and all(np.isfinite(loss) for _, loss in results[:5])
    assert everything(learner) == start
    confirmed = finder.confirm(candidates=[results[1][0], results[3][0]], budget=12, horizon=10,
                               progress=False)
    assert confirmed in (results[1][0], results[3][0])
    assert everything(learner) == start
    runs = compare_learning_rates(learner, lrs, 3, lambda: make_batches(3))
    assert [run["lr"] for run in runs] == list(lrs)
    assert all(len(run["losses"]) == 3 and np.isfinite(run["losses"]).all() for run in runs)
    assert runs[0]["losses"][0] == runs[1]["losses"][0]  # both start from the same state
    assert runs[0]["losses"][1:] != runs[1]["losses"][1:]
    assert everything(learner) == start
    return finder
