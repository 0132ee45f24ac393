"""Device strings (``"/cpu:0"``, ``"/gpu:1"``, ``"/job:localhost/replica:0/task:0/device:CPU:0"``) as JAX devices."""

from __future__ import annotations

from typing import Any

import jax

from tapejax._src import config
from tapejax._src.context import DeviceSpec


def jax_device(name: Any) -> Any:
    """The JAX device a TF device string (or ``LogicalDevice``, or JAX device) names.

    ``/cpu:1`` is JAX's second CPU device (see ``tf.config.list_logical_devices``), ``/gpu:0`` its first GPU.

    Raises:
      ValueError: a device this process does not have.
    """
    if isinstance(name, jax.Device):
        return name
    text = getattr(name, "name", name)
    if not isinstance(text, str):
        raise ValueError(f"Expected a device name string, got {name!r}.")
    spec = DeviceSpec.from_string(text)
    kind = spec.device_type or "CPU"
    index = spec.device_index or 0
    for logical, device in config.logical_jax_devices(kind):
        if logical.name == f"/device:{kind}:{index}":
            return device
    known = [d.name for d in config.list_logical_devices()]
    raise ValueError(f"Device {text!r} is not one of this process's devices {known}.")


def local_devices() -> list[Any]:
    """The devices ``MirroredStrategy()`` uses by default: every accelerator, else every CPU device (as TF)."""
    accelerators = [d for _, d in config.logical_jax_devices() if d.platform != "cpu"]
    return accelerators or [d for _, d in config.logical_jax_devices("CPU")]
