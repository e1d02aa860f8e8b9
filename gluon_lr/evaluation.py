"""A network measured over a finite data loader: classification accuracy, mean loss."""
from __future__ import annotations

from typing import Any, Iterable, Tuple

import mxnet as mx

from .devices import DeviceSpec, resolve_devices

__all__ = ["accuracy", "mean_loss"]


def accuracy(net: mx.gluon.Block, data_loader: Iterable[Tuple[Any, Any]],
             device: DeviceSpec = None) -> float:
    """Fraction of correctly classified samples, in inference mode.

    Parameters
    ----------
    net : mx.gluon.Block
    data_loader : iterable of (data, label)
        A finite loader, e.g. over the test set.
    device : mx.device.Device or list, optional
        Where to run; the first device is used.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        If the loader yields no sample.
    """
    target = resolve_devices(device)[0]
    mx.npx.waitall()  # a static_alloc graph's last BatchNorm writes are not tracked
    correct, total = 0, 0
    for data, label in data_loader:
        output = net(data.to_device(target))
        predicted = output.argmax(axis=1).astype("int64")
        correct += int((predicted == label.to_device(target).astype("int64")).sum().item())
        total += data.shape[0]
    if total == 0:
        raise ValueError("data_loader yields no samples to evaluate")
    return correct / total


def mean_loss(net: mx.gluon.Block, loss_fn: Any, data_loader: Iterable[Tuple[Any, Any]],
              device: DeviceSpec = None) -> float:
    """The mean per-sample loss over a finite loader, in inference mode.

    Parameters
    ----------
    net : mx.gluon.Block
    loss_fn : mx.gluon.loss.Loss
        Per-sample losses of ``loss_fn(net(data), label)``.
    data_loader : iterable of (data, label)
        A finite loader, e.g. a validation set.
    device : mx.device.Device or list, optional
        Where to run; the first device is used.

    Raises
    ------
    ValueError
        If the loader yields no sample.

    Examples
    --------
    >>> net = mx.gluon.nn.Dense(1, in_units=1, use_bias=False)
    >>> net.initialize(mx.init.One())
    >>> batches = [(mx.np.array([[1.0], [2.0]]), mx.np.array([[0.0], [0.0]]))]
    >>> mean_loss(net, mx.gluon.loss.L2Loss(), batches)   # (0.5 * 1 + 0.5 * 4) / 2
    1.25
    """
    target = resolve_devices(device)[0]
    mx.npx.waitall()  # a static_alloc graph's last BatchNorm writes are not tracked
    total, count = 0.0, 0
    for data, label in data_loader:
        losses = loss_fn(net(data.to_device(target)), label.to_device(target))
        total += float(losses.sum().item())
        count += data.shape[0]
    if count == 0:
        raise ValueError("data_loader yields no samples to measure the loss on")
    return total / count
