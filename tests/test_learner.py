"""Learner: the tutorial's constructor and iteration(), close(), devices, arguments."""
import math

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
    (1e300, ValueError), (1e-320, ValueError), ("0.1", TypeError), (True, TypeError)])
def test_bad_learning_rates(lr, error):
    learner = Learner(make_net(), make_batches(1), mx.cpu())
    with pytest.raises(error, match=r"lr must be 0 or a number in \[1.1754944e-38, "
                                    r"3.4028235e\+38\] \(float32\)"):
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
    assert learner.peek_batches(1)[0] is batches[1]


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


# -- the kvstore bug: a Trainer over two devices with update_on_kvstore=None ----------------

def two_device_trainer(net, **kwargs):
    net.reset_device([mx.cpu(0), mx.cpu(1)])
    return mx.gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": 0.1, "momentum": 0.9}, **kwargs)


def test_a_trainer_that_would_update_on_the_kvstore_is_refused_before_its_first_step():
    """MXNet turns update_on_kvstore=None into True at the first step on two devices.

    Before the fix, the Learner accepted such a Trainer; the finder then restored
    the weights but not the momentum held in the kvstore, and ``iteration(lr=0.0)``
    changed the weights afterwards.
    """
    net = make_net(batchnorm=False)
    trainer = two_device_trainer(net)
    with pytest.raises(ValueError, match=r"update_on_kvstore=False\)"):
        Learner(net, make_batches(4), [mx.cpu(0), mx.cpu(1)], trainer=trainer)


def test_the_same_trainer_without_kvstore_updates_restores_momentum():
    from gluon_lr import LRFinder
    net = make_net(batchnorm=False)
    trainer = two_device_trainer(net, update_on_kvstore=False)
    learner = Learner(net, make_batches(30), [mx.cpu(0), mx.cpu(1)], trainer=trainer)
    learner.iteration(lr=0.1)                        # momentum state is now non-zero
    LRFinder(learner).find(lr_start=1e-3, lr_multiplier=2, max_iter=5, progress=False)
    before = net[0].weight.data(mx.cpu(0)).asnumpy().copy()
    learner.trainer.optimizer.momentum = 0.0
    learner.iteration(lr=0.0)
    assert np.array_equal(net[0].weight.data(mx.cpu(0)).asnumpy(), before)


@pytest.mark.parametrize("environment, expected", [("1", True), ("0", False)])
def test_update_on_kvstore_follows_mxnets_environment_variable(monkeypatch, environment,
                                                               expected):
    from gluon_lr.mxnet_internals import updates_on_kvstore
    monkeypatch.setenv("MXNET_UPDATE_ON_KVSTORE", environment)
    assert updates_on_kvstore(two_device_trainer(make_net(batchnorm=False))) is expected


# -- arguments MXNet would reject late or obscurely ---------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    ({"device": mx.gpu(0)}, ValueError, r"asks for GPU 0 but MXNet sees 0 GPU"),
    ({"optimizer": 42}, TypeError, r"optimizer must be a name such as 'sgd'"),
    ({"optimizer": "bogus"}, ValueError, r"optimizer must be one of MXNet's optimizers"),
    ({"optimizer_params": {"bogus": 1}}, TypeError,
     r"optimizer_params has 'bogus' that 'sgd' does not take; it accepts .*momentum"),
    ({"optimizer_params": [("learning_rate", 0.1)]}, TypeError,
     r"optimizer_params must be a dict"),
    ({"optimizer_params": {"learning_rate": -1}}, ValueError,
     r"optimizer_params\['learning_rate'\] must be 0 or a number in"),
    ({"optimizer_params": {"momentum": 1.5}}, ValueError,
     r"optimizer_params\['momentum'\] must be a number in \[0.0, 1.0\)"),
    ({"optimizer_params": {"wd": -1}}, ValueError,
     r"optimizer_params\['wd'\] must be a number in \[0.0, inf\)"),
    ({"optimizer": "adam", "optimizer_params": {"beta1": 1}}, ValueError,
     r"optimizer_params\['beta1'\] must be a number in \[0.0, 1.0\)"),
    ({"loss_fn": "mse"}, TypeError, r"loss_fn must be callable"),
    ({"initializer": 42}, TypeError, r"initializer must be an mx.init.Initializer"),
    ({"hybridize": "no"}, TypeError, r"hybridize must be True or False"),
])
def test_arguments_passed_on_to_mxnet_are_checked_first(kwargs, error, message):
    net = make_net()
    before = net[0].weight.data().asnumpy().copy()
    with pytest.raises(error, match=message):
        Learner(net, make_batches(1), kwargs.pop("device", mx.cpu()), **kwargs)
    assert np.array_equal(net[0].weight.data().asnumpy(), before)


def test_take_step_accepts_only_booleans():
    learner = Learner(make_net(), make_batches(1), mx.cpu())
    with pytest.raises(TypeError, match="take_step must be True or False, got 'no'"):
        learner.iteration(take_step="no")
    assert learner.trainer.optimizer.num_update == 0


# -- trial() and run() ---------------------------------------------------------------------

def test_run_at_a_fixed_rate_a_schedule_and_the_optimizers_own():
    learner = Learner(make_net(), make_batches(9), mx.cpu())
    seen = []
    losses = learner.run(3, lr=0.05, callback=lambda *args: seen.append(args))
    assert [(s, lr) for s, lr, _ in seen] == [(1, 0.05), (2, 0.05), (3, 0.05)]
    assert losses == [loss for _, _, loss in seen]
    seen.clear()
    learner.run(3, lr=lambda step: step / 100, callback=lambda *args: seen.append(args))
    assert [lr for _, lr, _ in seen] == [0.01, 0.02, 0.03]
    seen.clear()
    learner.trainer.optimizer.lr_scheduler = mx.lr_scheduler.FactorScheduler(
        step=1, factor=0.5, base_lr=0.4)
    learner.run(3, callback=lambda *args: seen.append(args))
    # num_update 7, 8, 9: FactorScheduler halves once per update past its step
    assert [lr for _, lr, _ in seen] == [0.4 * 0.5 ** 6, 0.4 * 0.5 ** 7, 0.4 * 0.5 ** 8]


def test_run_stops_when_the_callback_says_so_and_at_a_non_finite_loss():
    learner = Learner(make_net(), make_batches(10), mx.cpu())
    assert len(learner.run(10, lr=0.01, callback=lambda step, lr, loss: step == 4)) == 4
    assert learner.trainer.optimizer.num_update == 4
    losses = learner.run(5, lr=1e30)
    assert not math.isfinite(losses[-1])
    assert all(math.isfinite(loss) for loss in losses[:-1])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"steps": 0}, ValueError, r"steps must be an int >= 1, got 0"),
    ({"steps": 2.0}, TypeError, r"steps must be an int >= 1"),
    ({"steps": 2, "lr": -1}, ValueError, r"lr must be 0 or a number in"),
    ({"steps": 2, "lr": "0.1"}, TypeError, r"lr must be 0 or a number in"),
    ({"steps": 2, "callback": 3}, TypeError, r"callback must be callable \(\(step, lr, loss\) -> stop\?\)"),
])
def test_run_checks_its_arguments_before_any_step(kwargs, error, message):
    learner = Learner(make_net(), make_batches(2), mx.cpu())
    with pytest.raises(error, match=message):
        learner.run(**kwargs)
    assert learner.trainer.optimizer.num_update == 0


@pytest.mark.parametrize("fault", [None, RuntimeError, KeyboardInterrupt])
def test_trial_restores_exactly_whatever_ends_it(fault):
    from helpers import assert_same_state, state_arrays
    learner = Learner(make_net(), make_batches(8), mx.cpu(),
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    learner.run(2)
    before = state_arrays(learner)
    try:
        with learner.trial():
            learner.run(3, lr=0.5)
            if fault is not None:
                raise fault("injected")
    except (RuntimeError, KeyboardInterrupt):
        pass
    assert_same_state(before, state_arrays(learner))


def test_trial_resolves_deferred_shapes_first_without_skipping_a_batch():
    batches = make_batches(3)
    mx.np.random.seed(0)
    learner = Learner(mx.gluon.nn.Dense(3), batches, mx.cpu())
    with learner.trial():
        assert learner.net.weight.shape == (3, 6)
        first = learner.run(1, lr=0.0)[0]       # lr 0 and no momentum: weights unchanged
        with mx.autograd.train_mode():
            expected = mx.np.mean(learner.loss_fn(learner.net(batches[0][0]),
                                                  batches[0][1])).item()
    assert first == pytest.approx(expected, rel=1e-6)


def test_peeked_batches_are_trained_on_next_and_replay_sets_the_loader_aside():
    batches = make_batches(6)
    learner = Learner(make_net(), batches, mx.cpu(), optimizer_params={"learning_rate": 0.0})
    learner.iteration()
    ahead = learner.peek_batches(3)
    assert [id(b) for b in ahead] == [id(b) for b in batches[1:4]]
    seen = []
    original_next = learner._next_batch

    def recording_next():
        batch = original_next()
        seen.append(id(batch))
        return batch
    learner._next_batch = recording_next
    for _ in range(2):
        with learner.replay(ahead[:2]):
            learner.run(3)
    learner.run(4)
    assert seen == [id(b) for b in (ahead[0], ahead[1], ahead[0])] * 2 + \
        [id(b) for b in batches[1:5]]


@pytest.mark.parametrize("batches", [[], None, "abc"])
def test_replay_needs_a_list_of_batches(batches):
    learner = Learner(make_net(), make_batches(2), mx.cpu())
    with pytest.raises(TypeError, match="batches must be a non-empty list"):
        with learner.replay(batches):
            pass


# -- large batches in small memory, snapshots off the device -------------------------------

def test_accumulating_k_batches_matches_one_batch_of_k_times_the_size():
    small = make_batches(6, batch_size=4, seed=3)
    large = [(mx.np.concatenate([small[i][0], small[i + 1][0]]),
              mx.np.concatenate([small[i][1], small[i + 1][1]])) for i in (0, 2, 4)]
    params = {"learning_rate": 0.1, "momentum": 0.9}
    accumulated = Learner(make_net(seed=1, batchnorm=False), small, mx.cpu(), accumulate=2,
                          optimizer_params=params)
    whole = Learner(make_net(seed=1, batchnorm=False), large, mx.cpu(), optimizer_params=params)
    losses_a, losses_w = accumulated.run(3), whole.run(3)
    np.testing.assert_allclose(losses_a, losses_w, rtol=1e-6)
    assert accumulated.trainer.optimizer.num_update == whole.trainer.optimizer.num_update == 3
    for a, w in zip(accumulated.net.collect_params().values(), whole.net.collect_params().values()):
        np.testing.assert_allclose(a.data().asnumpy(), w.data().asnumpy(), rtol=1e-5, atol=1e-7)


def test_accumulation_restores_exactly_and_the_finder_counts_optimizer_steps():
    from gluon_lr import LRFinder
    from helpers import assert_same_state, state_arrays
    learner = Learner(make_net(), make_batches(40), mx.cpu(), accumulate=2,
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    learner.run(2)
    before = state_arrays(learner)
    assert learner.peek_batches(1)[0] is learner.data_loader[4]    # 2 steps, 4 batches
    finder = LRFinder(learner)
    finder.find(lr_start=1e-3, lr_multiplier=2, max_iter=5, progress=False)
    assert len(finder.results) == 5
    assert_same_state(before, state_arrays(learner))


@pytest.mark.parametrize("accumulate", [0, 1.5, "2"])
def test_accumulate_must_be_a_positive_int(accumulate):
    with pytest.raises((TypeError, ValueError), match="accumulate must be an int >= 1"):
        Learner(make_net(), make_batches(1), mx.cpu(), accumulate=accumulate)


def test_snapshot_on_the_host_is_one_copy_and_restores_every_device_exactly():
    from helpers import assert_same_state, state_arrays
    devices = [mx.cpu(0), mx.cpu(1)]
    learner = Learner(make_net(), make_batches(20), devices, snapshot_device="cpu",
                      optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    learner.run(3)
    before = state_arrays(learner)
    bn = learner.net[1]
    assert not np.array_equal(bn.running_mean.data(mx.cpu(0)).asnumpy(),
                              bn.running_mean.data(mx.cpu(1)).asnumpy())   # per replica
    snapshot = learner.snapshot()
    assert all(len(datas) == (2 if param.grad_req == "null" else 1)
               and all(d.device == mx.cpu() for d in datas)
               for param, datas, _ in snapshot._params)
    assert len(snapshot._updaters) == 1
    learner.run(4, lr=0.5)
    snapshot.restore()
    assert_same_state(before, state_arrays(learner))
