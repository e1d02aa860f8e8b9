"""Learner: the tutorial's constructor and iteration(), close(), devices, arguments."""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import ContinuousBatchSampler, Learner
from helpers import make_batches, make_dataset, make_net


def train_mode_loss(net, data, label):
    """The mean loss of a forward pass in training mode (BatchNorm on batch statistics)."""
    with mx.autograd.train_mode():
        return mx.np.mean(mx.gluon.loss.SoftmaxCrossEntropyLoss()(net(data), label)).item()


def continuous_loader(dataset, batch_size=8, **kwargs):
    sampler = ContinuousBatchSampler(mx.gluon.data.RandomSampler(len(dataset)), batch_size)
    return mx.gluon.data.DataLoader(dataset, batch_sampler=sampler, **kwargs)


def test_tutorial_defaults():
    learner = Learner(make_net(), make_batches(2), mx.cpu())
    opt = learner.trainer.optimizer
    assert isinstance(opt, mx.optimizer.SGD)
    assert opt.lr == 0.001
    assert isinstance(learner.loss_fn, mx.gluon.loss.SoftmaxCrossEntropyLoss)
    assert learner.device == mx.cpu() and learner.ctx == mx.cpu()
    assert learner.iteration_loss is None


def test_deferred_net_is_initialized_with_xavier():
    mx.np.random.seed(1)
    net = mx.gluon.nn.Dense(3)
    learner = Learner(net, make_batches(1), device=mx.cpu())
    loss = learner.iteration(take_step=False)
    weight = net.weight.data().asnumpy()
    assert weight.shape == (3, 6)
    # Xavier (uniform, avg, magnitude 3): bound sqrt(3 / ((6 + 3) / 2))
    assert np.abs(weight).max() <= np.sqrt(3 / 4.5)
    assert loss == learner.iteration_loss


def test_initialized_parameters_are_kept():
    net = make_net()
    before = net[0].weight.data().asnumpy().copy()
    Learner(net, make_batches(1), mx.cpu(), initializer=mx.init.Zero())
    assert np.array_equal(net[0].weight.data().asnumpy(), before)


def test_iteration_returns_the_batch_mean_loss_and_steps():
    net = make_net()
    batches = make_batches(1)
    data, label = batches[0]
    expected = train_mode_loss(net, data, label)
    weight_before = net[0].weight.data().asnumpy().copy()
    learner = Learner(net, batches, mx.cpu())
    loss = learner.iteration(lr=0.1)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-6)
    assert learner.trainer.learning_rate == 0.1
    assert not np.array_equal(net[0].weight.data().asnumpy(), weight_before)


def test_take_step_false_leaves_weights():
    net = make_net()
    learner = Learner(net, make_batches(1), mx.cpu())
    before = net[0].weight.data().asnumpy().copy()
    learner.iteration(take_step=False)
    assert np.array_equal(net[0].weight.data().asnumpy(), before)


def test_lr_zero_is_honoured():
    net = make_net()
    learner = Learner(net, make_batches(2), mx.cpu())
    learner.iteration(lr=0.5)
    after_first = net[0].weight.data().asnumpy().copy()
    learner.iteration(lr=0.0)
    assert learner.trainer.learning_rate == 0.0
    assert np.array_equal(net[0].weight.data().asnumpy(), after_first)


def test_lr_none_keeps_the_current_rate():
    learner = Learner(make_net(), make_batches(2), mx.cpu())
    learner.iteration(lr=0.25)
    learner.iteration()
    assert learner.trainer.learning_rate == 0.25


def test_finite_loader_is_iterated_again():
    batches = make_batches(2)
    learner = Learner(make_net(), batches, mx.cpu(), optimizer_params={"learning_rate": 0.0})
    losses = [learner.iteration() for _ in range(4)]
    assert losses[0] == losses[2] and losses[1] == losses[3]


def test_empty_loader_raises_clear_error_and_changes_nothing():
    net = make_net()
    before = net[0].weight.data().asnumpy().copy()
    learner = Learner(net, [], mx.cpu())
    with pytest.raises(ValueError, match="data_loader yields no batches"):
        learner.iteration(lr=1.0)
    assert np.array_equal(net[0].weight.data().asnumpy(), before)


def test_optimizer_options_and_ready_trainer():
    net = make_net()
    learner = Learner(net, make_batches(1), mx.cpu(), optimizer="adam",
                      optimizer_params={"learning_rate": 0.01, "beta1": 0.8})
    assert isinstance(learner.trainer.optimizer, mx.optimizer.Adam)
    assert learner.trainer.optimizer.beta1 == 0.8
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.3})
    assert Learner(net, make_batches(1), mx.cpu(), trainer=trainer).trainer is trainer


def test_custom_loss_fn_is_used():
    learner = Learner(make_net(), make_batches(1), mx.cpu(),
                      loss_fn=lambda output, label: output.sum(axis=1) * 0.0 + 7.0)
    assert learner.iteration(take_step=False) == 7.0


def test_hybridize_gives_the_same_loss():
    batches = make_batches(3)
    plain = Learner(make_net(seed=4), batches, mx.cpu())
    hybrid = Learner(make_net(seed=4), batches, mx.cpu(), hybridize=True)
    for lr in (0.1, 0.2, 0.3):
        assert hybrid.iteration(lr) == pytest.approx(plain.iteration(lr), rel=1e-5)


def test_two_cpu_devices_split_the_batch():
    batches = make_batches(2, batch_size=9)
    # no BatchNorm: its batch statistics differ when the batch is split
    single = Learner(make_net(seed=2, batchnorm=False), batches, mx.cpu())
    multi = Learner(make_net(seed=2, batchnorm=False), batches, [mx.cpu(0), mx.cpu(1)])
    assert multi.devices == [mx.cpu(0), mx.cpu(1)]
    assert multi.trainer._kvstore_params["update_on_kvstore"] is False
    for lr in (0.1, 0.1):
        assert multi.iteration(lr) == pytest.approx(single.iteration(lr), rel=1e-5)
    for name, param in multi.net.collect_params().items():
        copies = [d.asnumpy() for d in param.list_data()]
        assert len(copies) == 2
        np.testing.assert_allclose(copies[0], copies[1], rtol=0, atol=0, err_msg=name)
        np.testing.assert_allclose(copies[0], single.net.collect_params()[name].data().asnumpy(),
                                   rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("loader_kwargs", [
    {"num_workers": 0}, {"num_workers": 2}, {"num_workers": 2, "thread_pool": True}],
    ids=["inline", "processes", "threads"])
def test_close_works_for_every_loader_kind_and_is_idempotent(loader_kwargs):
    loader = continuous_loader(make_dataset(), **loader_kwargs)
    learner = Learner(make_net(), loader, mx.cpu())
    learner.iteration(lr=0.01)
    learner.close()
    learner.close()
    with pytest.raises(RuntimeError, match="closed"):
        learner.iteration()
    # the DataLoader still serves another Learner, as in the tutorial's comparison
    with Learner(make_net(), loader, mx.cpu()) as other:
        assert np.isfinite(other.iteration(lr=0.01))


def test_close_before_any_iteration_and_context_manager():
    with Learner(make_net(), make_batches(1), mx.cpu()) as learner:
        pass
    learner.close()


def test_close_calls_shutdown_of_a_1x_style_iterator():
    class OldIterator:
        shut = 0

        def __next__(self):
            return make_batches(1)[0]

        def shutdown(self):
            OldIterator.shut += 1

    class OldLoader:
        def __iter__(self):
            return OldIterator()

    learner = Learner(make_net(), OldLoader(), mx.cpu())
    learner.iteration()
    learner.close()
    learner.close()
    assert OldIterator.shut == 1


def test_ctx_alias_for_the_1x_tutorial():
    learner = Learner(net=make_net(), data_loader=make_batches(1), ctx=mx.cpu())
    assert learner.device == mx.cpu()
    with pytest.raises(TypeError, match="not both"):
        Learner(make_net(), make_batches(1), mx.cpu(), ctx=mx.cpu())


@pytest.mark.parametrize("kwargs, error, message", [
    ({"net": "net"}, TypeError, "net must be an mx.gluon.Block"),
    ({"data_loader": 3}, TypeError, "data_loader must be iterable"),
    ({"device": "tpu"}, ValueError, "device must be 'auto', 'cpu'"),
    ({"device": 7}, TypeError, "device must be an mx.device.Device"),
    ({"device": []}, ValueError, "device list must not be empty"),
    ({"device": [mx.cpu(0), mx.cpu(0)]}, ValueError, "must not repeat"),
    ({"trainer": "sgd"}, TypeError, "trainer must be an mx.gluon.Trainer"),
])
def test_bad_constructor_arguments(kwargs, error, message):
    args = {"net": make_net(), "data_loader": make_batches(1), "device": mx.cpu()}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        Learner(**args)


def test_trainer_and_optimizer_params_are_exclusive():
    net = make_net()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.3})
    with pytest.raises(TypeError, match="either trainer or optimizer"):
        Learner(net, make_batches(1), mx.cpu(), trainer=trainer,
                optimizer_params={"learning_rate": 0.1})


def test_trainer_updating_on_kvstore_is_refused():
    net = make_net()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.3},
                               update_on_kvstore=True)
    with pytest.raises(ValueError, match="must not update on the kvstore"):
        Learner(net, make_batches(1), mx.cpu(), trainer=trainer)


@pytest.mark.parametrize("lr, error", [
    (-0.1, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
    ("0.1", TypeError), (True, TypeError)])
def test_bad_learning_rates(lr, error):
    learner = Learner(make_net(), make_batches(1), mx.cpu())
    with pytest.raises(error, match=r"lr must be a number in \[0, inf\)"):
        learner.iteration(lr=lr)


def test_lr_with_an_attached_scheduler_is_refused():
    net = make_net()
    sgd = mx.optimizer.SGD(lr_scheduler=mx.lr_scheduler.FactorScheduler(step=10, base_lr=0.1))
    learner = Learner(net, make_batches(2), mx.cpu(), optimizer=sgd)
    with pytest.raises(ValueError, match="lr_scheduler decides"):
        learner.iteration(lr=0.5)
    learner.iteration()
    assert learner.trainer.optimizer.num_update == 1


def test_initialize_parameters_keeps_the_batch_and_moves_no_statistics():
    mx.np.random.seed(5)
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(4), mx.gluon.nn.BatchNorm())
    batches = make_batches(2)
    learner = Learner(net, batches, mx.cpu())
    learner.initialize_parameters()
    assert np.array_equal(net[1].running_mean.data().asnumpy(), np.zeros(4))
    assert np.array_equal(net[1].running_var.data().asnumpy(), np.ones(4))
    # the batch used for shape inference is the next one trained on
    data, label = batches[0]
    expected = train_mode_loss(net, data, label)
    assert learner.iteration(take_step=False) == pytest.approx(expected, rel=1e-6)
    learner.initialize_parameters()  # nothing deferred now: no batch is taken
    assert learner._pending_batch is None


def test_iteration_pulls_batches_in_order():
    batches = make_batches(3)
    learner = Learner(make_net(), batches, mx.cpu(), optimizer_params={"learning_rate": 0.0})
    seen = [learner.iteration() for _ in range(3)]
    assert seen == pytest.approx([train_mode_loss(learner.net, *b) for b in batches], rel=1e-6)


@pytest.mark.parametrize("optimizer, attribute", [("sgd", "momentum"), ("adam", "beta1")])
def test_scheduled_momentum_reaches_the_optimizer_through_the_learner(optimizer, attribute):
    from gluon_lr.schedules import OneCycleLR
    schedule = OneCycleLR(max_lr=0.05, total_steps=10)  # peak at 0.3 * 10 - 1 = 2 steps
    params = {"learning_rate": None, "lr_scheduler": schedule}
    if optimizer == "sgd":
        params["momentum"] = 0.9
    learner = Learner(make_net(), make_batches(10), mx.cpu(), optimizer=optimizer,
                      optimizer_params=params)
    opt = learner.trainer.optimizer
    seen = []
    for _ in range(12):
        learner.iteration()
        seen.append((opt.num_update, learner.trainer.learning_rate, getattr(opt, attribute)))
    assert seen == [(t, schedule(t), schedule.momentum(t)) for t in range(1, 13)]
    assert seen[2][2] == 0.85 and seen[-1][2] == 0.95  # down to base, back to max, held
