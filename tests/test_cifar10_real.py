"""Real-data checks: ResNet-18 v2 on a few hundred CIFAR-10 images from ../shared."""
import math

import matplotlib.pyplot as plt
import mxnet as mx

from gluon_lr import ContinuousBatchSampler, Learner, LRFinder
from gluon_lr.data import cifar10, subset
from gluon_lr.sampler import SeededRandomSampler
from helpers import assert_same_state, state_arrays


def resnet_learner(cifar10_dir, images=384, batch_size=32, workers=2):
    dataset = subset(cifar10(str(cifar10_dir), train=True), images, seed=0)
    sampler = ContinuousBatchSampler(SeededRandomSampler(len(dataset), seed=0), batch_size)
    loader = mx.gluon.data.DataLoader(dataset, batch_sampler=sampler, num_workers=workers)
    mx.np.random.seed(0)
    net = mx.gluon.model_zoo.vision.resnet18_v2(classes=10)
    return Learner(net, loader, mx.cpu(), hybridize={"static_alloc": True, "static_shape": True},
                   optimizer_params={"learning_rate": 0.01, "momentum": 0.9})


def test_finder_on_resnet18_v2_restores_everything(cifar10_dir):
    learner = resnet_learner(cifar10_dir)
    for _ in range(2):  # mid-training: momentum states and moved BatchNorm statistics
        learner.iteration()
    before = state_arrays(learner)
    finder = LRFinder(learner)
    results = finder.find(lr_start=1e-5, lr_multiplier=1.6, max_iter=30, progress=False)
    assert 20 <= len(results) <= 30
    assert all(math.isfinite(loss) for _, loss in results[:-1])
    assert_same_state(before, state_arrays(learner))
    suggestion = finder.suggest("valley")
    assert results[0][0] <= suggestion <= results[-1][0]
    ax = finder.plot(show=False)
    assert len(ax.collections[0].get_offsets()) == sum(math.isfinite(l) for _, l in results)
    plt.close("all")
    learner.close()


def test_cifar10_loss_starts_near_log10(cifar10_dir):
    with resnet_learner(cifar10_dir, images=128, batch_size=64, workers=0) as learner:
        first = learner.iteration(take_step=False)
    # an untrained 10-class classifier: cross-entropy near ln(10) = 2.30
    assert 1.5 < first < 4.0
