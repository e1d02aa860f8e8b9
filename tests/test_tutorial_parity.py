"""The "Learning Rate Finder" tutorial's classes are the oracle for gluon-lr's.

``TutorialLearner``, ``TutorialLRFinder`` and ``TutorialStoppingCriteria`` below
are the tutorial's MXNet 2.0 code (``to_device`` and ``mx.np`` in place of the
1.x ``as_in_context`` and ``mx.nd``), kept here only as a reference to compare
against. The tutorial's finder writes ``lr_finder.params`` and
``lr_finder.state``, so it runs in a temporary directory.
"""
import mxnet as mx
import pytest

from gluon_lr import ContinuousBatchSampler, Learner, LRFinder
from helpers import make_batches, make_dataset, make_net


class TutorialLearner:
    def __init__(self, net, data_loader, device):
        self.net = net
        self.data_loader = data_loader
        self.device = device
        self.data_loader_iter = iter(self.data_loader)
        self.net.initialize(mx.init.Xavier(), device=self.device)
        self.loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        self.trainer = mx.gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': .001})

    def iteration(self, lr=None, take_step=True):
        if lr and (lr != self.trainer.learning_rate):
            self.trainer.set_learning_rate(lr)
        data, label = next(self.data_loader_iter)
        data = data.to_device(self.device)
        label = label.to_device(self.device)
        with mx.autograd.record():
            output = self.net(data)
            loss = self.loss_fn(output, label)
        loss.backward()
        if take_step:
            self.trainer.step(data.shape[0])
        self.iteration_loss = mx.np.mean(loss).item()
        return self.iteration_loss


class TutorialStoppingCriteria:
    def __init__(self, smoothing=0.3, min_iter=20):
        self.smoothing = smoothing
        self.min_iter = min_iter
        self.first_loss = None
        self.running_mean = None
        self.counter = 0

    def __call__(self, loss):
        self.counter += 1
        if self.first_loss is None:
            self.first_loss = loss
        if self.running_mean is None:
            self.running_mean = loss
        else:
            self.running_mean = ((1 - self.smoothing) * loss) + (self.smoothing * self.running_mean)
        return (self.running_mean > self.first_loss * 2) and (self.counter >= self.min_iter)


class TutorialLRFinder:
    def __init__(self, learner):
        self.learner = learner

    def find(self, lr_start=1e-6, lr_multiplier=1.1, smoothing=0.3):
        self.learner.iteration(take_step=False)
        if not self.learner.trainer._kv_initialized:
            self.learner.trainer._init_kvstore()
        self.learner.net.save_parameters("lr_finder.params")
        self.learner.trainer.save_states("lr_finder.state")
        lr = lr_start
        self.results = []
        stopping_criteria = TutorialStoppingCriteria(smoothing)
        while True:
            loss = self.learner.iteration(lr)
            self.results.append((lr, loss))
            if stopping_criteria(loss):
                break
            lr = lr * lr_multiplier
        self.learner.net.load_parameters("lr_finder.params", device=self.learner.device)
        self.learner.trainer.load_states("lr_finder.state")
        return self.results


@pytest.mark.parametrize("kwargs, caps", [
    ({}, {}),
    ({"lr_start": 1e-3}, {}),
    # this sweep passes lr 10 before it diverges: lift gluon-lr's default cap
    ({"lr_start": 1e-4, "lr_multiplier": 1.3, "smoothing": 0.5}, {"lr_end": None}),
])
def test_same_sweep_as_the_tutorial_on_a_real_net(kwargs, caps, tmp_path, monkeypatch):
    """Same learning rates, same losses, same stopping iteration, bit for bit."""
    monkeypatch.chdir(tmp_path)
    batches = make_batches(400, batch_size=16, seed=5)
    tutorial = TutorialLearner(make_net(seed=3), [batches[0]] + batches, mx.cpu())
    expected = TutorialLRFinder(tutorial).find(**kwargs)
    ours = LRFinder(Learner(make_net(seed=3), batches, mx.cpu())).find(
        progress=False, **kwargs, **caps)
    # the tutorial's warm-up batch does not count; after it both see the same batches
    assert ours == expected
    assert 20 <= len(ours) < 400


def test_usage_cells_run_unchanged(tmp_path, monkeypatch):
    """The tutorial's data-loader, usage and comparison cells, on a small task.

    Only the dataset (CIFAR-10 needs a download) and the network (ResNet-18 is
    exercised in test_cifar10_real.py) are swapped, and 300 iterations become 3.
    """
    monkeypatch.chdir(tmp_path)
    namespace = {"mx": mx, "Learner": Learner, "LRFinder": LRFinder,
                 "ContinuousBatchSampler": ContinuousBatchSampler,
                 "dataset": make_dataset(n=256),
                 "make_net": lambda: make_net(seed=1)}
    exec(  # noqa: S102 - the tutorial's own cells, verbatim but for the swaps named above
        "sampler = mx.gluon.data.RandomSampler(len(dataset))\n"
        "batch_sampler = ContinuousBatchSampler(sampler, batch_size=128)\n"
        "data_loader = mx.gluon.data.DataLoader(dataset, batch_sampler=batch_sampler)\n"
        "device = mx.gpu() if mx.device.num_gpus() else mx.cpu()\n"
        "net = make_net()\n"
        "learner = Learner(net=net, data_loader=data_loader, device=device)\n"
        "lr_finder = LRFinder(learner)\n"
        "lr_finder.find(lr_start=1e-6)\n"
        "lr_finder.plot()\n"
        "learner.net.save_parameters('net.params')\n"
        "lr = 0.05\n"
        "for iter_idx in range(3):\n"
        "    learner.iteration(lr=lr)\n"
        "net = make_net()\n"
        "learner = Learner(net=net, data_loader=data_loader, device=device)\n"
        "learner.net.load_parameters('net.params', device=device)\n"
        "lr = 0.5\n"
        "for iter_idx in range(3):\n"
        "    learner.iteration(lr=lr)\n"
        "final_loss = learner.iteration_loss\n"
        "learner.close()\n",
        namespace)
    assert namespace["lr_finder"].results
    assert isinstance(namespace["final_loss"], float)
    import matplotlib.pyplot as plt
    plt.close("all")
