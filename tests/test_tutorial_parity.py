"""The "Learning Rate Finder" tutorial's classes are the oracle for gluon-lr's.

The oracle is the tutorial's MXNet 2.0 code in ``reference/tutorial_lr_finder.py``
(on the path through ``conftest.py``). The tutorial's finder writes
``lr_finder.params`` and ``lr_finder.state``, so it runs in a temporary directory.
"""
import mxnet as mx
import pytest

from gluon_lr import ContinuousBatchSampler, Learner, LRFinder
from helpers import make_batches, make_dataset, make_net
from tutorial_lr_finder import TutorialLearner, TutorialLRFinder


@pytest.mark.parametrize("kwargs, caps", [
    # find() without arguments sweeps DEFAULT_SWEEP: the tutorial's default start, passed
    ({}, {"lr_start": 1e-6}),
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
