"""Any batch format: batch_fn, several inputs and targets, no targets, and every path to them."""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import AutoLRS, LRFinder, Learner, split_batch
from gluon_lr.confirm import confirm_learning_rate
from gluon_lr.distributed import DistributedLearner
from gluon_lr.evaluation import mean_loss
from gluon_lr.training import train_epochs

LR = 0.05


class TwoInputNet(mx.gluon.HybridBlock):
    """An image-like input and a side input, joined before one output per sample."""

    def __init__(self, deferred=False):
        super().__init__()
        self.left = mx.gluon.nn.Dense(4, in_units=0 if deferred else 3)
        self.right = mx.gluon.nn.Dense(4, in_units=0 if deferred else 2)
        self.out = mx.gluon.nn.Dense(1, in_units=0 if deferred else 8)

    def forward(self, x, side):
        return self.out(mx.np.concatenate([self.left(x), self.right(side)], axis=1))


def two_input_net(seed=0, deferred=False):
    mx.np.random.seed(seed)
    net = TwoInputNet(deferred)
    net.initialize(mx.init.Xavier())
    return net


def two_input_arrays(count, batch_size=8, seed=0):
    """``count`` batches of (x, side, y) as numpy arrays: y a noisy sum of the inputs."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(count):
        x = rng.normal(size=(batch_size, 3)).astype("float32")
        side = rng.normal(size=(batch_size, 2)).astype("float32")
        y = (x.sum(axis=1, keepdims=True) - side[:, :1]).astype("float32")
        out.append((mx.np.array(x), mx.np.array(side), mx.np.array(y)))
    return out


def by_dict(b):
    return (b["x"], b["side"]), b["y"]


def dict_learner(count, net=None, **options):
    """A Learner over ``count`` dict batches ``{x, side, y}`` read by :func:`by_dict`."""
    batches = [{"x": x, "side": side, "y": y} for x, side, y in two_input_arrays(count)]
    learner = Learner(two_input_net() if net is None else net, batches, mx.cpu(),
                      loss_fn=mx.gluon.loss.L2Loss(), batch_fn=by_dict, **options)
    return learner, batches


def params(net):
    return {name: p.data().asnumpy().copy() for name, p in net.collect_params().items()}


def test_a_two_input_net_trains_on_nested_data_and_takes_the_hand_computed_step():
    arrays = two_input_arrays(1)
    x, side, y = arrays[0]
    net = two_input_net()
    before = params(net)
    with mx.autograd.record():
        expected_loss = mx.np.mean(mx.gluon.loss.L2Loss()(net(x, side), y))
    expected_loss.backward()
    grads = {name: p.grad().asnumpy().copy() for name, p in net.collect_params().items()}
    learner = Learner(net, [((x, side), y)], mx.cpu(), loss_fn=mx.gluon.loss.L2Loss())
    loss = learner.iteration(lr=LR)
    assert loss == expected_loss.item()
    # SGD without momentum: w - lr * (summed gradient / batch size), the mean loss's gradient
    for name, value in params(net).items():
        np.testing.assert_allclose(value, before[name] - LR * grads[name], rtol=1e-6,
                                   atol=1e-7, err_msg=name)


def test_dict_batches_with_batch_fn_train_exactly_like_tuples():
    arrays = two_input_arrays(3)
    as_dicts = [{"image": x, "meta": side, "target": y} for x, side, y in arrays]
    as_tuples = [((x, side), y) for x, side, y in arrays]
    dicts = Learner(two_input_net(), as_dicts, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
                    batch_fn=lambda b: ((b["image"], b["meta"]), b["target"]))
    tuples = Learner(two_input_net(), as_tuples, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss())
    assert dicts.run(3, lr=LR) == tuples.run(3, lr=LR)
    for name, value in params(dicts.net).items():
        assert np.array_equal(value, params(tuples.net)[name]), name


def test_a_regression_with_l2loss_matches_the_hand_computed_loss():
    rng = np.random.RandomState(3)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")).astype("float32")
    net = mx.gluon.nn.Dense(1, in_units=4)
    net.initialize()
    net.weight.set_data(mx.np.full((1, 4), 0.25))
    net.bias.set_data(mx.np.full((1,), 0.25))
    learner = Learner(net, [(mx.np.array(x), mx.np.array(y))], mx.cpu(),
                      loss_fn=mx.gluon.loss.L2Loss())
    expected = np.mean(0.5 * (x @ np.full((4, 1), 0.25, "float32") + 0.25 - y) ** 2)
    assert learner.iteration(lr=0.0) == pytest.approx(float(expected), rel=1e-6)


def test_a_third_item_reaches_the_loss_as_sample_weight_through_batch_fn():
    x = mx.np.array([[1.0], [2.0]])
    y = mx.np.array([[0.0], [0.0]])
    weight = mx.np.array([[1.0], [0.0]])
    net = mx.gluon.nn.Dense(1, in_units=1, use_bias=False)
    net.initialize(mx.init.One())
    learner = Learner(net, [(x, y, weight)], mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
                      batch_fn=lambda b: (b[0], (b[1], b[2])))
    # per-sample 0.5 * (w x - y)^2 * weight = [0.5, 0]; the mean over 2 samples
    assert learner.iteration(lr=0.0) == 0.25


class Triplet(mx.gluon.HybridBlock):
    """One embedding applied to anchor, positive and negative."""

    def __init__(self):
        super().__init__()
        self.embed = mx.gluon.nn.Dense(2, in_units=3, use_bias=False)

    def forward(self, anchor, positive, negative):
        return self.embed(anchor), self.embed(positive), self.embed(negative)


def test_a_triplet_loss_takes_three_outputs_and_no_targets():
    rng = np.random.RandomState(5)
    anchor, positive, negative = (rng.normal(size=(6, 3)).astype("float32") for _ in range(3))
    weight = rng.normal(size=(2, 3)).astype("float32")
    net = Triplet()
    net.initialize()
    net.embed.weight.set_data(mx.np.array(weight))
    triplet = mx.gluon.loss.TripletLoss(margin=1.0)
    batch = {"a": mx.np.array(anchor), "p": mx.np.array(positive), "n": mx.np.array(negative)}
    learner = Learner(net, [batch], mx.cpu(), loss_fn=lambda outputs: triplet(*outputs),
                      batch_fn=lambda b: ((b["a"], b["p"], b["n"]), ()))
    fa, fp, fn = anchor @ weight.T, positive @ weight.T, negative @ weight.T
    per_sample = np.maximum(((fp - fa) ** 2 - (fn - fa) ** 2).sum(axis=1) + 1.0, 0.0)
    assert learner.iteration(lr=0.0) == pytest.approx(float(per_sample.mean()), rel=1e-6)


def test_two_cpu_devices_split_every_input_and_target():
    arrays = two_input_arrays(3, batch_size=9)  # 9 rows: an uneven split, 5 and 4
    batches = [((x, side), y) for x, side, y in arrays]
    single = Learner(two_input_net(), batches, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss())
    multi = Learner(two_input_net(), batches, [mx.cpu(0), mx.cpu(1)],
                    loss_fn=mx.gluon.loss.L2Loss())
    for expected, loss in zip(single.run(3, lr=LR), multi.run(3, lr=LR)):
        assert loss == pytest.approx(expected, rel=1e-5)
    for name, param in multi.net.collect_params().items():
        copies = [d.asnumpy() for d in param.list_data()]
        assert np.array_equal(copies[0], copies[1]), name
        np.testing.assert_allclose(copies[0], params(single.net)[name], rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_deferred_shapes_are_resolved_from_the_first_of_several_inputs():
    net = two_input_net(deferred=True)
    learner, batches = dict_learner(2, net)
    learner.initialize_parameters()
    assert net.left.weight.shape == (4, 3) and net.right.weight.shape == (4, 2)
    # the batch read for the shapes is trained on first
    assert learner.peek_batches(1)[0] is batches[0]


def test_the_finder_sweeps_a_dict_batched_two_input_net_and_restores_it():
    learner, _ = dict_learner(4)
    before = params(learner.net)
    finder = LRFinder(learner)
    finder.find(lr_start=1e-3, lr_end=1.0, num_points=6, mode="exponential")
    assert len(finder.results) == 6
    for name, value in params(learner.net).items():
        assert np.array_equal(value, before[name]), name


def test_a_distributed_learner_sums_samples_from_the_first_input():
    arrays = two_input_arrays(2)
    batches = [((x, side), y) for x, side, y in arrays]
    plain = Learner(two_input_net(), batches, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss())
    one_worker = DistributedLearner(two_input_net(), batches, mx.cpu(),
                                    kvstore=mx.kv.create("local"),
                                    loss_fn=mx.gluon.loss.L2Loss())
    for expected, loss in zip(plain.run(2, lr=LR), one_worker.run(2, lr=LR)):
        assert loss == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("batch_fn, error, message", [
    (lambda b: b[0], TypeError, r"batch_fn must return \(inputs, targets\)"),
    (lambda b: ((), b[1]), ValueError, "batch_fn gave no inputs"),
    (lambda b: (b[0], b[1][:2]), ValueError,
     r"targets\[0\] of shape \(2, 1\) beside inputs\[0\] of shape \(8, 3\)"),
    (lambda b: (b[0], [1.0]), TypeError, r"batch_fn gave a builtins.float as targets\[0\]"),
])
def test_a_batch_fn_that_gives_no_usable_pair_is_named(batch_fn, error, message):
    x, _, y = two_input_arrays(1)[0]
    with pytest.raises(error, match=message):
        split_batch((x, y), batch_fn)


def test_batch_fn_must_be_callable():
    with pytest.raises(TypeError, match=r"batch_fn must be callable \(batch -> \(inputs"):
        Learner(two_input_net(), [], mx.cpu(), batch_fn="x")


def test_confirm_trials_a_dict_batched_two_input_net():
    learner, _ = dict_learner(6)
    before = params(learner.net)
    confirmation = confirm_learning_rate(learner, [0.01, 0.1], budget=24, horizon=30,
                                         progress=False)
    assert confirmation.lr in (0.01, 0.1) and confirmation.steps_spent == 24
    for name, value in params(learner.net).items():
        assert np.array_equal(value, before[name]), name


def test_evaluate_loss_reads_batches_as_training_does_and_matches_mean_loss():
    arrays = two_input_arrays(3, batch_size=9)
    dicts = [{"x": x, "side": side, "y": y} for x, side, y in arrays]
    single = Learner(two_input_net(), dicts, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
                     batch_fn=by_dict)
    multi = Learner(two_input_net(), dicts, [mx.cpu(0), mx.cpu(1)],
                    loss_fn=mx.gluon.loss.L2Loss(), batch_fn=by_dict)
    first = single.evaluate_loss(dicts)
    assert single.evaluate_loss(dicts) == first  # a new pass each call
    assert multi.evaluate_loss(dicts) == pytest.approx(first, rel=1e-6)
    pairs = [(x, y) for x, _, y in arrays]
    plain = Learner(mx.gluon.nn.Dense(1, in_units=3), pairs, mx.cpu(),
                    loss_fn=mx.gluon.loss.L2Loss())
    assert plain.evaluate_loss(pairs) == mean_loss(plain.net, plain.loss_fn, pairs)
    with pytest.raises(TypeError, match="data_loader must be iterable again and again"):
        single.evaluate_loss(iter(dicts))


def test_epoch_training_and_autolrs_reach_batch_fn():
    options = {"optimizer_params": {"learning_rate": LR}}
    history = train_epochs(dict_learner(6, **options)[0], epochs=2, iterations_per_epoch=3)
    assert [row["epoch"] for row in history] == [1, 2]
    autolrs = AutoLRS(dict_learner(6, **options)[0], 1e-3, 0.5, tau=12, k=4, tau_max=12,
                      progress=False)
    stages = autolrs.run(24)
    assert sum(stage.train_steps for stage in stages) > 0
