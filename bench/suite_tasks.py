"""The tasks of the suggestion suite (``bench/bench_suggest.py``): models, data and scores.

Each task is a small training problem from its own family, cheap enough that
its seed-averaged grid takes minutes on 2 CPU cores. A task makes a learner
at the start of training for a seed (the seed fixes the initial weights and,
for the partly trained task, the checkpoint), gives endless batches in an
order fixed by a second seed, and scores a learner by its mean loss, in
inference mode, on a fixed sample of its training data (500 to 1,000 items).
That measures how far the run trained, which is what a finder's curve can
see, with far less noise than the last training losses; a held-out set would
also judge overfitting, which no rate read off a training curve can know of
(on ``digits``, at batch 128, it was lowest at a fifth of the rate that
trained fastest). The measure must stay clear of zero, where ratios of losses
mean little: ``digits`` trains at batch 16, 3 passes over its 1,797 images in
300 steps, so the network cannot memorise them.

The split into development and held-out tasks was fixed before any rule or
``confirm`` setting was tuned on this suite: rules are shaped on the
development tasks only, and the held-out ones are run once, after the code
is frozen.
"""
import dataclasses
import functools
import pydoc_data.topics

import mxnet as mx
import numpy as np

from gluon_lr import Learner
from gluon_lr.data import NumpyStack, continuous_loader
from gluon_lr.models import build_model, small_cnn
from gluon_lr.recipes import cifar10_datasets, seed_everything

DEVELOPMENT, HELD_OUT = "development", "held-out"
STEPS = 300  # every grid run and the horizon confirm forecasts to
_EVAL_BATCH = 250


def _grid(low, high, count):
    """``count`` log-spaced learning rates from ``low`` to ``high``, 4 significant digits."""
    return tuple(float("{:.4g}".format(lr)) for lr in np.geomspace(low, high, count))


@dataclasses.dataclass(frozen=True)
class Task:
    """One suite task. ``build`` is ``(seed, data_dir) -> (net, train_set, eval_set)``."""

    name: str
    family: str
    split: str
    build: object
    batch_size: int
    optimizer: str
    optimizer_params: dict
    loss: str  # 'softmax' (classes on the last axis) or 'l2'
    grid: tuple
    pretrain: tuple = ()  # (steps, lr): train this far from the seed's start first
    hybridize: bool = True

    def loss_fn(self):
        if self.loss == "l2":
            return mx.gluon.loss.L2Loss()
        return mx.gluon.loss.SoftmaxCrossEntropyLoss(axis=-1)

    def learner(self, seed, order, data_dir=None):
        """A learner at the seed's start (after ``pretrain``), on batch order ``order``."""
        net, train_set, _ = self.build(seed, data_dir)
        seed_everything(seed)
        learner = Learner(net, self.loader(train_set, seed + 7919 if self.pretrain else order),
                          mx.cpu(), loss_fn=self.loss_fn(), optimizer=self.optimizer,
                          optimizer_params=dict(self.optimizer_params),
                          hybridize={"static_alloc": True, "static_shape": True}
                          if self.hybridize else False)
        learner.initialize_parameters()
        if self.pretrain:
            steps, lr = self.pretrain
            learner.run(steps, lr=lr)
            learner.set_data_loader(self.loader(train_set, order))
        return learner

    def loader(self, train_set, order):
        return continuous_loader(train_set, self.batch_size, order,
                                 num_workers=0 if self.family != "image" else 2)

    def train_set(self, seed, data_dir=None):
        return self.build(seed, data_dir)[1]

    def evaluate(self, learner, data_dir=None):
        """Mean per-sample loss over the task's evaluation set, in inference mode."""
        eval_set = self.build(0, data_dir)[2]
        mx.npx.waitall()
        loss_fn, total, count = learner.loss_fn, 0.0, 0
        for data, label in eval_set:
            output = learner.net(data)
            total += float(loss_fn(output, label).sum().item())
            count += data.shape[0]
        return total / count


def _batches(data, label, size=_EVAL_BATCH):
    """A fixed evaluation set as a list of MXNet batches of ``size``."""
    return [(mx.np.array(data[i:i + size]), mx.np.array(label[i:i + size]))
            for i in range(0, len(data), size)]


def _mlp(widths, outputs):
    net = mx.gluon.nn.HybridSequential()
    for width in widths:
        net.add(mx.gluon.nn.Dense(width, activation="relu"))
    net.add(mx.gluon.nn.Dense(outputs))
    return net


@functools.lru_cache(maxsize=None)
def _digits_data():
    from sklearn.datasets import load_digits
    data, label = load_digits(return_X_y=True)
    order = np.random.RandomState(12345).permutation(len(data))
    data = (data[order] / 16.0).astype(np.float32)
    label = label[order].astype(np.float32)
    return mx.gluon.data.ArrayDataset(data, label), _batches(data[:500], label[:500])


def _digits(seed, data_dir):
    return (_mlp((64, 64), 10),) + _digits_data()


@functools.lru_cache(maxsize=None)
def _regression_data():
    """Issue 20's regression: ``y = X @ w + 0.1 * noise``, X ~ N(0, 1)^10."""
    rng = np.random.RandomState(2024)
    weights = rng.normal(size=(10, 1)).astype(np.float32)
    x = rng.normal(size=(2000, 10)).astype(np.float32)
    y = (x @ weights + 0.1 * rng.normal(size=(2000, 1))).astype(np.float32)
    return mx.gluon.data.ArrayDataset(x, y), _batches(x[:500], y[:500])


def _regression(seed, data_dir):
    return (_mlp((32,), 1),) + _regression_data()


@functools.lru_cache(maxsize=None)
def _diabetes_data():
    """scikit-learn's ``diabetes`` (442 patients, 10 features), target standardised."""
    from sklearn.datasets import load_diabetes
    x, y = load_diabetes(return_X_y=True)
    order = np.random.RandomState(4242).permutation(len(x))
    x = ((x[order] - x.mean(0)) / x.std(0)).astype(np.float32)
    y = ((y[order] - y.mean()) / y.std()).astype(np.float32)[:, None]
    return mx.gluon.data.ArrayDataset(x, y), _batches(x, y)


def _diabetes(seed, data_dir):
    return (_mlp((64,), 1),) + _diabetes_data()


@functools.lru_cache(maxsize=None)
def _cifar_data(data_dir):
    train = cifar10_datasets(data_dir=data_dir, train_size=10000)[0]
    data = np.stack([np.asarray(train[i][0]) for i in range(1000)])
    label = np.array([train[i][1] for i in range(1000)], dtype=np.float32)
    return train, _batches(data, label)


def _cifar_small_cnn(seed, data_dir):
    return (small_cnn(10),) + _cifar_data(data_dir)


def _cifar_resnet18(seed, data_dir):
    return (build_model("resnet18_v2", classes=10),) + _cifar_data(data_dir)


class CharModel(mx.gluon.HybridBlock):
    """Embedding, one LSTM layer and a classifier over the next character."""

    def __init__(self, vocab, embed=32, hidden=128):
        super().__init__()
        self.embed = mx.gluon.nn.Embedding(vocab, embed)
        self.lstm = mx.gluon.rnn.LSTM(hidden, layout="NTC")
        self.out = mx.gluon.nn.Dense(vocab, flatten=False)

    def forward(self, x):
        return self.out(self.lstm(self.embed(x)))


_SEQUENCE = 32


@functools.lru_cache(maxsize=None)
def _text_data():
    """Python's own documentation (``pydoc_data.topics``): sequences of 32 characters."""
    text = "\n".join(pydoc_data.topics.topics[key] for key in sorted(pydoc_data.topics.topics))
    chars = sorted(set(text))
    lookup = {c: i for i, c in enumerate(chars)}
    codes = np.array([lookup[c] for c in text[:400_000]], dtype=np.float32)
    count = (len(codes) - 1) // _SEQUENCE
    inputs = codes[:count * _SEQUENCE].reshape(count, _SEQUENCE)
    targets = codes[1:count * _SEQUENCE + 1].reshape(count, _SEQUENCE)
    return len(chars), mx.gluon.data.ArrayDataset(inputs, targets), \
        _batches(inputs[:512], targets[:512], 32)  # the LSTM's graph has a static batch


def _char_lstm(seed, data_dir):
    vocab, train, eval_set = _text_data()
    net = CharModel(vocab)
    net.initialize(mx.init.Uniform(0.1))  # Xavier, the Learner's default, needs 2-D weights
    return net, train, eval_set


TASKS = {task.name: task for task in (
    Task("digits-mlp-adam", "tabular", DEVELOPMENT, _digits, 16, "adam", {}, "softmax",
         _grid(1e-4, 3e-1, 20)),
    Task("regression-mlp-adam", "regression", DEVELOPMENT, _regression, 64, "adam", {}, "l2",
         _grid(1e-4, 3.0, 24)),
    Task("cifar-small-cnn-sgd", "image", DEVELOPMENT, _cifar_small_cnn, 64, "sgd", {},
         "softmax", _grid(3e-3, 1.0, 18)),
    Task("cifar-resnet18-sgd-momentum", "image", DEVELOPMENT, _cifar_resnet18, 32, "sgd",
         {"momentum": 0.9}, "softmax", _grid(3e-3, 1.0, 16)),
    Task("cifar-small-cnn-partly-trained", "image", DEVELOPMENT, _cifar_small_cnn, 64, "sgd",
         {}, "softmax", _grid(3e-3, 1.0, 18), pretrain=(600, 0.05)),
    Task("cifar-small-cnn-adam", "image", HELD_OUT, _cifar_small_cnn, 64, "adam", {},
         "softmax", _grid(1e-5, 1e-2, 18)),
    Task("char-lstm-adam", "sequence", HELD_OUT, _char_lstm, 32, "adam", {}, "softmax",
         _grid(1e-4, 1e-1, 18)),
    # added as held out after char-lstm-adam's first run, before any run of its own
    Task("diabetes-mlp-sgd-momentum", "regression", HELD_OUT, _diabetes, 32, "sgd",
         {"momentum": 0.9}, "l2", _grid(1e-4, 1.0, 20)),
)}
