"""The MXNet "Learning Rate Finder" tutorial's own classes: the oracle gluon-lr is held to.

``TutorialLearner``, ``TutorialContinuousBatchSampler``, ``TutorialLRFinder`` and
``TutorialStoppingCriteria`` are the tutorial's code with MXNet 2.0 names
(``to_device`` and ``mx.np`` in place of the 1.x ``as_in_context`` and ``mx.nd``),
changed nowhere else. They are not part of the package: the parity tests
(``tests/test_tutorial_parity.py``) and the finder benchmark
(``bench/bench_find.py``) import them from here. The tutorial's finder writes
``lr_finder.params`` and ``lr_finder.state``, so run it in a temporary directory.
"""
import mxnet as mx


class TutorialContinuousBatchSampler():
    def __init__(self, sampler, batch_size):
        self._sampler = sampler
        self._batch_size = batch_size

    def __iter__(self):
        batch = []
        while True:
            for i in self._sampler:
                batch.append(i)
                if len(batch) == self._batch_size:
                    yield batch
                    batch = []


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
