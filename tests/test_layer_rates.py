"""Per-layer rates: lr_mult by pattern or spread, kept by the finder, restored by snapshots."""
import mxnet as mx
import numpy as np
import pytest

from gluon_lr import LRFinder, Learner, discriminative_lr_mult, lr_mult_summary, set_lr_mult
from helpers import make_batches, make_net

LR = 1 / 64  # with the values below every update is exact in float32


def body_and_head():
    """x -> body (1 -> 1) -> head (1 -> 1), both weights 2, no biases."""
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(1, in_units=1, use_bias=False),
            mx.gluon.nn.Dense(1, in_units=1, use_bias=False))
    net.initialize(mx.init.Constant(2.0))
    return net


def mults(net):
    return {name: p.lr_mult for name, p in net.collect_params().items()}


def test_the_head_trains_at_ten_times_the_body_and_restores_exactly():
    net = body_and_head()
    batch = (mx.np.array([[1.0]]), mx.np.array([[0.0]]))
    learner = Learner(net, [batch], mx.cpu(), loss_fn=mx.gluon.loss.L2Loss(),
                      lr_mult={r"1\.": 10.0})
    assert mults(net) == {"0.weight": 1.0, "1.weight": 10.0}
    snapshot = learner.snapshot()
    learner.run(1, lr=LR)
    # loss 0.5 (w1 w0 x - y)^2 = 0.5 * 4^2; d/dw0 = 4 * w1 x = 8, d/dw1 = 4 * w0 x = 8
    body_step = 2.0 - net[0].weight.data().item()
    head_step = 2.0 - net[1].weight.data().item()
    assert (body_step, head_step) == (LR * 8, 10 * LR * 8) == (0.125, 1.25)
    set_lr_mult(net, {".*": 3.0})
    learner.restore(snapshot)
    assert mults(net) == {"0.weight": 1.0, "1.weight": 10.0}
    assert [p.data().item() for p in net.collect_params().values()] == [2.0, 2.0]


def test_a_trial_restores_multipliers_changed_inside_it():
    learner = Learner(make_net(), make_batches(2), mx.cpu(), lr_mult={"0": 0.5})
    with learner.trial():
        set_lr_mult(learner.net, {"0": 0.0, "3": 4.0})
    assert mults(learner.net) == {"0.weight": 0.5, "0.bias": 0.5, "1.gamma": 1.0,
                                  "1.beta": 1.0, "1.running_mean": 1.0, "1.running_var": 1.0,
                                  "3.weight": 1.0, "3.bias": 1.0}


def test_later_patterns_win_and_the_matched_names_are_returned():
    net = make_net()
    assert set_lr_mult(net, {".*weight": 0.1, "3": 2.0}) == {
        "0.weight": 0.1, "3.weight": 2.0, "3.bias": 2.0}
    assert net[0].weight.lr_mult == 0.1 and net[3].weight.lr_mult == 2.0
    assert net[0].bias.lr_mult == 1.0


def test_a_spread_is_geometric_over_top_level_blocks():
    net = mx.gluon.nn.HybridSequential()
    for _ in range(3):
        net.add(mx.gluon.nn.Dense(2, in_units=2))
    spread = discriminative_lr_mult(net, 1e-4, 1e-2)
    assert spread == pytest.approx({"0.weight": 0.01, "0.bias": 0.01, "1.weight": 0.1,
                                    "1.bias": 0.1, "2.weight": 1.0, "2.bias": 1.0}, rel=1e-12)
    assert spread["2.weight"] == 1.0
    assert mults(net) == spread


def test_a_spread_gives_one_block_and_the_nets_own_parameters_the_base_rate():
    single = mx.gluon.nn.Dense(2, in_units=2)  # parameters of its own, no child block
    assert discriminative_lr_mult(single, 0.1, 1.0) == {"weight": 1.0, "bias": 1.0}


def test_learner_takes_a_spread_as_a_pair():
    learner = Learner(make_net(), make_batches(1), mx.cpu(), lr_mult=(0.001, 0.1))
    assert mults(learner.net) == pytest.approx({
        "0.weight": 0.01, "0.bias": 0.01, "1.gamma": 0.1, "1.beta": 0.1,
        "1.running_mean": 0.1, "1.running_var": 0.1, "3.weight": 1.0, "3.bias": 1.0},
        rel=1e-12)


def test_the_finder_sweeps_the_base_rate_with_the_multipliers_kept():
    learner = Learner(make_net(), make_batches(4), mx.cpu(), lr_mult={"0": 0.1})
    finder = LRFinder(learner)
    finder.find(lr_start=1e-3, lr_end=1.0, num_points=5, mode="exponential")
    assert len(finder.results) == 5
    assert mults(learner.net)["0.weight"] == 0.1
    assert learner.trainer.learning_rate == 0.001  # the base rate is put back


def test_the_summary_names_each_blocks_multiplier():
    net = make_net()
    assert lr_mult_summary(net) is None
    set_lr_mult(net, {"0": 0.1, "1.gamma": 0.5})
    assert lr_mult_summary(net) == "per-layer rates: base rate x lr_mult (0: 0.1, 1: 0.5-1, 3: 1)"
    own = mx.gluon.nn.Dense(2, in_units=2)
    set_lr_mult(own, {"weight": 2.0})
    assert lr_mult_summary(own) == "per-layer rates: base rate x lr_mult ((net): 1-2)"


@pytest.mark.parametrize("lr_mult, error, message", [
    ({"nothing": 2.0}, ValueError, r"lr_mult pattern 'nothing' matches no parameter of net "
                                   r"\(re.match on the names 0.weight, 0.bias"),
    ({"0": -1.0}, ValueError, r"lr_mult\['0'\] must be a number in \[0.0, inf\)"),
    ({"0": "x"}, TypeError, r"lr_mult\['0'\] must be a number"),
    ({"(": 1.0}, ValueError, "lr_mult pattern '\\(' is not a regular expression"),
    ({0: 1.0}, TypeError, "lr_mult's keys must be regular expressions"),
    ([0.1, 1.0], TypeError, r"lr_mult must be a dict \{pattern: multiplier\} or a pair"),
    ((1.0, 0.1), ValueError, "lo must be <= hi"),
    ((0.0, 0.1), ValueError, r"lo must be a number in \(0.0, inf\)"),
])
def test_bad_multipliers_are_refused_naming_lr_mult(lr_mult, error, message):
    with pytest.raises(error, match=message):
        Learner(make_net(), make_batches(1), mx.cpu(), lr_mult=lr_mult)


def test_set_lr_mult_needs_a_block():
    with pytest.raises(TypeError, match="net must be an mx.gluon.Block"):
        set_lr_mult(np.zeros(2), {"a": 1.0})
