"""Networks by name: the Gluon model zoo, and a small CNN for quick tasks."""
from __future__ import annotations

from typing import Callable, Dict

import mxnet as mx

__all__ = ["build_model", "small_cnn", "OWN_MODELS"]


def small_cnn(classes: int = 10) -> mx.gluon.nn.HybridSequential:
    """A small plain convolutional network for 32x32 images (about 0.55 M parameters).

    Two blocks of 3x3 convolution, ReLU and 2x2 max pooling (32 and 64
    channels), then a 128-unit dense layer and the classifier. It has no
    BatchNorm and no shortcuts: a different kind of network from the ResNets,
    whose usable learning rates end where plain SGD diverges; fast on a CPU.
    """
    net = mx.gluon.nn.HybridSequential()
    for channels in (32, 64):
        net.add(mx.gluon.nn.Conv2D(channels, 3, padding=1, activation="relu"),
                mx.gluon.nn.MaxPool2D(2))
    net.add(mx.gluon.nn.Dense(128, activation="relu"), mx.gluon.nn.Dense(classes))
    return net


#: Networks defined here rather than in the model zoo.
OWN_MODELS: Dict[str, Callable[..., mx.gluon.HybridBlock]] = {"small_cnn": small_cnn}


def build_model(name: str = "resnet18_v2", classes: int = 10) -> mx.gluon.HybridBlock:
    """Return an uninitialized network with ``classes`` outputs.

    Parameters
    ----------
    name : str, default 'resnet18_v2'
        ``'small_cnn'`` (:func:`small_cnn`), or any name
        ``mx.gluon.model_zoo.vision.get_model`` knows, such as
        ``'resnet18_v2'`` (the tutorial's pre-activation ResNet-18).
    classes : int, default 10

    Raises
    ------
    ValueError
        For a name neither knows.
    """
    if name in OWN_MODELS:
        return OWN_MODELS[name](classes=classes)
    try:
        return mx.gluon.model_zoo.vision.get_model(name, classes=classes)
    except ValueError:
        raise ValueError("unknown model {!r}: use 'small_cnn' or a Gluon model-zoo name such "
                         "as 'resnet18_v2', 'resnet50_v1' or 'mobilenetv2_1.0'".format(name)) \
            from None
