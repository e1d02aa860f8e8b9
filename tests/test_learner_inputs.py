"""A newcomer's mistakes: each refused or warned about, naming the argument, before training."""
import itertools

import mxnet as mx
import numpy as np
import pytest

from gluon_lr import Learner
from helpers import make_batches, make_net


def weights(net):
    return {name: p.data().asnumpy().copy() for name, p in net.collect_params().items()}


def assert_untrained(net, before):
    for name, value in weights(net).items():
        assert np.array_equal(value, before[name]), name


class WithHidden(mx.gluon.HybridBlock):
    """A recurrent-style net that returns (output, hidden)."""

    def __init__(self):
        super().__init__()
        self.dense = mx.gluon.nn.Dense(3, in_units=6)

    def forward(self, x):
        out = self.dense(x)
        return out, mx.np.tanh(out)


def test_a_tuple_output_given_to_a_gluon_loss_names_net_before_any_step():
    net = WithHidden()
    net.initialize()
    before = weights(net)
    learner = Learner(net, make_batches(2), mx.cpu())
    with pytest.raises(TypeError, match=r"net returned a tuple of 2 items \(such as \(output, "
                                        r"hidden\)\), but loss_fn, a Gluon Loss, takes one"):
        learner.iteration(lr=1.0)
    assert_untrained(net, before)


def test_a_tuple_output_goes_to_a_loss_function_that_takes_it():
    net = WithHidden()
    net.initialize()
    cross_entropy = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    learner = Learner(net, make_batches(1), mx.cpu(),
                      loss_fn=lambda outputs, label: cross_entropy(outputs[0], label))
    data, label = make_batches(1)[0]
    expected = mx.np.mean(cross_entropy(net(data)[0], label)).item()
    assert learner.iteration(lr=0.0) == expected


def test_a_loss_class_instead_of_an_instance_is_refused():
    with pytest.raises(TypeError, match=r"loss_fn must be a loss object such as "
                                        r"mx.gluon.loss.L2Loss\(\), not the class L2Loss"):
        Learner(make_net(), make_batches(1), mx.cpu(), loss_fn=mx.gluon.loss.L2Loss)


@pytest.mark.parametrize("batch, options, message", [
    (lambda x, y: (x.asnumpy(), y.asnumpy()), {},
     r"data_loader gave a numpy.ndarray as inputs\[0\]; the Learner trains on MXNet arrays "
     r".*mx.np.array"),
    (lambda x, y: {"x": x, "y": y.asnumpy()}, {"batch_fn": lambda b: (b["x"], b["y"])},
     r"batch_fn gave a numpy.ndarray as targets\[0\]"),
    (lambda x, y: {"x": x, "y": y}, {},
     r"data_loader yields dict batches \(keys 'x', 'y'\).*pass batch_fn=lambda batch: "
     r"\(inputs, targets\)"),
    (lambda x, y: x, {},
     r"data_loader must yield \(data, label\) batches, or pass batch_fn=.*got a "
     r"mxnet.numpy.ndarray"),
], ids=["numpy", "numpy-from-batch_fn", "dict", "not-a-pair"])
def test_unusable_batches_are_refused_before_any_step(batch, options, message):
    net = make_net()
    before = weights(net)
    learner = Learner(net, [batch(x, y) for x, y in make_batches(2)], mx.cpu(), **options)
    with pytest.raises(TypeError, match=message):
        learner.iteration(lr=1.0)
    assert_untrained(net, before)


def test_a_one_pass_generator_that_runs_out_names_the_fix():
    batches = make_batches(8)
    learner = Learner(make_net(), (batch for batch in batches), mx.cpu())
    assert len(learner.run(8, lr=0.01)) == 8
    with pytest.raises(ValueError, match=r"data_loader is a one-pass iterator \(such as a "
                                         r"generator\) and has run out.*Pass a list of batches, "
                                         r"or an mx.gluon.data.DataLoader \(with batch_sampler="
                                         r"gluon_lr.ContinuousBatchSampler"):
        learner.iteration(lr=0.01)


def test_an_endless_iterator_trains_on():
    learner = Learner(make_net(), itertools.cycle(make_batches(2)), mx.cpu())
    assert len(learner.run(5, lr=0.01)) == 5


def test_an_empty_list_still_says_the_dataset_is_empty():
    learner = Learner(make_net(), [], mx.cpu())
    with pytest.raises(ValueError, match=r"data_loader yields no batches \(is the dataset "
                                         r"empty\?\)"):
        learner.iteration()


def test_a_net_without_parameters_is_refused():
    with pytest.raises(ValueError, match="net has no parameters to train"):
        Learner(mx.gluon.nn.Activation("relu"), make_batches(1), mx.cpu())


def test_one_output_under_the_default_loss_warns_naming_it_and_l2loss():
    net = mx.gluon.nn.Dense(1, in_units=6)
    net.initialize()
    learner = Learner(net, make_batches(2), mx.cpu())
    with pytest.warns(UserWarning, match=r"net gives one output per sample \(shape \(8, 1\)\), "
                                         r"but loss_fn is the default SoftmaxCrossEntropyLoss.*"
                                         r"loss_fn=mx.gluon.loss.L2Loss\(\)"):
        loss = learner.iteration(lr=0.1)
    assert loss == pytest.approx(0.0, abs=1e-5)  # softmax over one output is 1
    learner.iteration(lr=0.1)  # warned once per Learner


class Flat(mx.gluon.HybridBlock):
    """One output per sample, as a vector."""

    def __init__(self):
        super().__init__()
        self.dense = mx.gluon.nn.Dense(1, in_units=6)

    def forward(self, x):
        return self.dense(x).reshape(-1)


def test_a_vector_output_under_the_default_loss_warns_before_mxnets_error():
    net = Flat()
    net.initialize()
    learner = Learner(net, make_batches(1), mx.cpu())
    # the warning comes first and says why MXNet's shape error follows
    with pytest.warns(UserWarning, match=r"one output per sample \(shape \(8,\)\)"), \
            pytest.raises(mx.base.MXNetError, match="Shape inconsistent"):
        learner.iteration(lr=0.1)


def test_one_output_with_a_chosen_loss_does_not_warn():
    net = mx.gluon.nn.Dense(1, in_units=6)
    net.initialize()
    # pytest.ini turns gluon-lr's warnings into errors: none may be raised here
    Learner(net, make_batches(1), mx.cpu(),
            loss_fn=mx.gluon.loss.SoftmaxCrossEntropyLoss()).iteration(lr=0.1)


def test_a_deferred_one_output_net_warns_at_its_first_forward_pass():
    learner = Learner(mx.gluon.nn.Dense(1), make_batches(1), mx.cpu())
    with pytest.warns(UserWarning, match="one output per sample"):
        learner.initialize_parameters()


def test_a_third_batch_item_warns_once_and_names_the_batch_fn_that_keeps_it():
    batches = [(x, y, mx.np.ones(8)) for x, y in make_batches(2)]
    plain = Learner(make_net(), [batch[:2] for batch in batches], mx.cpu())
    learner = Learner(make_net(), batches, mx.cpu())
    with pytest.warns(UserWarning, match=r"data_loader yields batches of 3 items; the Learner "
                                         r"trains on \(data, label\) and ignores the rest.*"
                                         r"batch_fn=lambda batch: \(batch\[0\], \(batch\[1\], "
                                         r"batch\[2\]\)\); to use \(data, label\) only, "
                                         r"batch_fn=lambda batch: \(batch\[0\], batch\[1\]\)"):
        first = learner.iteration(lr=0.1)
    assert [first] + learner.run(3, lr=0.1) == plain.run(4, lr=0.1)


def test_a_batch_fn_that_keeps_data_and_label_silences_the_warning():
    batches = [(x, y, mx.np.ones(8)) for x, y in make_batches(1)]
    # pytest.ini turns gluon-lr's warnings into errors: none may be raised here
    Learner(make_net(), batches, mx.cpu(), batch_fn=lambda b: (b[0], b[1])).iteration(lr=0.1)
