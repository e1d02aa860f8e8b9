"""Classification accuracy of a network over a finite data loader."""
from __future__ import annotations

from typing import Any, Iterable, Tuple

import mxnet as mx

from .devices import DeviceSpec, resolve_devices

__all__ = ["accuracy"]


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
