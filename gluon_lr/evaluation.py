"""A network measured over a finite data loader: classification accuracy, mean loss."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Iterable, Tuple

import mxnet as mx

from .devices import DeviceSpec, resolve_devices

__all__ = ["accuracy", "mean_loss", "checked_val_data"]


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


def checked_val_data(name: str, data: Any) -> Iterable[Any]:
    """``data`` if it can be iterated again from its start; TypeError naming ``name`` otherwise.

    A validation loader is read in full every time it is measured on. A
    one-pass iterator (a generator, ``iter(loader)``) would be empty from its
    second use on, so it is refused.

    Examples
    --------
    >>> checked_val_data("val_data", [1, 2])
    [1, 2]
    >>> checked_val_data("val_data", iter([1, 2]))
    Traceback (most recent call last):
    ...
    TypeError: val_data must be a finite loader that can be iterated again (a DataLoader or a \
list of batches), not a one-pass iterator: it is read in full at every measurement; got \
list_iterator
    """
    if not hasattr(data, "__iter__"):
        raise TypeError("{} must be a finite loader of batches (a DataLoader or a list), got "
                        "{!r}".format(name, type(data).__name__))
    if isinstance(data, Iterator):
        raise TypeError("{} must be a finite loader that can be iterated again (a DataLoader "
                        "or a list of batches), not a one-pass iterator: it is read in full at "
                        "every measurement; got {}".format(name, type(data).__name__))
    return data  # type: ignore[no-any-return]  # an iterable, checked above
