"""Device selection: the MXNet way, ``mx.gpu()`` when there is one, else ``mx.cpu()``."""
from __future__ import annotations

from typing import List, Optional, Sequence, Union

import mxnet as mx

__all__ = ["DeviceSpec", "default_device", "resolve_devices"]

DeviceSpec = Union[None, str, "mx.device.Device", Sequence[Union[str, "mx.device.Device"]]]
"""What ``device=`` accepts: None, a device, a string such as ``'gpu:1'``, or a list of those."""


def default_device() -> mx.device.Device:
    """Return ``mx.gpu()`` if MXNet sees a GPU, else ``mx.cpu()``."""
    return mx.gpu() if mx.device.num_gpus() else mx.cpu()


def _check_gpu_exists(device: mx.device.Device, spec: object) -> mx.device.Device:
    if device.device_type == "gpu" and device.device_id >= mx.device.num_gpus():
        raise ValueError("device {!r} asks for GPU {} but MXNet sees {} GPU(s); use "
                         "mx.cpu() or 'auto'".format(spec, device.device_id,
                                                      mx.device.num_gpus()))
    return device


def _parse_device(spec: object) -> mx.device.Device:
    if isinstance(spec, mx.device.Device):
        return _check_gpu_exists(spec, spec)
    if not isinstance(spec, str):
        raise TypeError("device must be an mx.device.Device, a string such as 'cpu', 'gpu:1' "
                        "or 'auto', or a list of those; got {!r}".format(spec))
    text = spec.strip().lower()
    if text == "auto":
        return default_device()
    kind, _, index = text.partition(":")
    if kind not in ("cpu", "gpu") or (index and not index.isdigit()):
        raise ValueError("device must be 'auto', 'cpu', 'cpu:N', 'gpu' or 'gpu:N' "
                         "(N a non-negative integer); got {!r}".format(spec))
    device_id = int(index) if index else 0
    return _check_gpu_exists(mx.cpu(device_id) if kind == "cpu" else mx.gpu(device_id), spec)


def resolve_devices(device: DeviceSpec) -> List[mx.device.Device]:
    """Turn a device argument into a non-empty list of ``mx.device.Device``.

    Parameters
    ----------
    device : None, mx.device.Device, str or list
        ``None`` and ``'auto'`` pick :func:`default_device`. Strings are
        ``'cpu'``, ``'cpu:N'``, ``'gpu'`` or ``'gpu:N'``. A list or tuple gives
        several devices for data-parallel training.

    Returns
    -------
    list of mx.device.Device

    Examples
    --------
    >>> import mxnet as mx
    >>> resolve_devices([mx.cpu(0), "cpu:1"])
    [cpu(0), cpu(1)]
    """
    if device is None:
        return [default_device()]
    if isinstance(device, (list, tuple)):
        if not device:
            raise ValueError("device list must not be empty")
        devices = [_parse_device(d) for d in device]
        if len(set(devices)) != len(devices):
            raise ValueError("device list must not repeat a device; got {!r}".format(device))
        return devices
    return [_parse_device(device)]
