"""``tf.config``: the devices JAX sees, as TensorFlow's ``PhysicalDevice``/``LogicalDevice``, and runtime flags.

Devices come from JAX: one physical CPU (as in TF) whose logical devices are JAX's CPU devices
(``jax.devices("cpu")``: one, or as many as ``set_logical_device_configuration`` asked for) and, when
JAX's default backend is an accelerator, its devices (``"GPU"`` for CUDA/ROCm, ``"TPU"``), named as TF
names them (``/physical_device:GPU:0``, ``/device:GPU:0``).

Differences from TensorFlow: JAX chooses where programs run, so the placement settings
(``set_visible_devices``, ``set_soft_device_placement``, ``experimental.set_memory_growth``, a GPU's
logical device configuration) are validated and remembered (the matching getters and
``list_logical_devices`` reflect them) but do not move computation or split a GPU into virtual
devices; TF refuses to change visible devices once its runtime is initialized, tapejax never does.
The CPU's logical device configuration is real: it sets JAX's CPU device count (see
:func:`set_logical_device_configuration`). ``experimental.enable_op_determinism`` only sets its flag
(XLA's CPU kernels are deterministic; on GPU, scatter-add reductions may not be).
"""

from __future__ import annotations

import collections
from typing import Any

import jax

__all__ = [
    "LogicalDevice",
    "LogicalDeviceConfiguration",
    "PhysicalDevice",
    "experimental_connect_to_cluster",
    "experimental_connect_to_host",
    "experimental_functions_run_eagerly",
    "experimental_run_functions_eagerly",
    "functions_run_eagerly",
    "get_logical_device_configuration",
    "get_soft_device_placement",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "run_functions_eagerly",
    "set_logical_device_configuration",
    "set_soft_device_placement",
    "set_visible_devices",
]


class PhysicalDevice(collections.namedtuple("PhysicalDevice", ["name", "device_type"])):
    """A physical device (``tf.config.PhysicalDevice``): ``name`` like ``/physical_device:CPU:0``, ``device_type`` like ``"CPU"``."""

    __slots__ = ()


class LogicalDevice(collections.namedtuple("LogicalDevice", ["name", "device_type"])):
    """A logical device (``tf.config.LogicalDevice``): ``name`` like ``/device:CPU:0``."""

    __slots__ = ()


class LogicalDeviceConfiguration(
    collections.namedtuple(
        "LogicalDeviceConfiguration", ["memory_limit", "experimental_priority", "experimental_device_ordinal"]
    )
):
    """The configuration of one logical device (``tf.config.LogicalDeviceConfiguration``); accepted, see the module notes."""

    __slots__ = ()

    def __new__(
        cls,
        memory_limit: int | None = None,
        experimental_priority: int | None = None,
        experimental_device_ordinal: int | None = None,
    ) -> LogicalDeviceConfiguration:
        return super().__new__(cls, memory_limit, experimental_priority, experimental_device_ordinal)


_TYPES = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}


class _State:
    def __init__(self) -> None:
        self.visible: dict[str, list[PhysicalDevice]] | None = None  # per device type; None: all visible
        self.logical_config: dict[PhysicalDevice, list[LogicalDeviceConfiguration]] = {}
        self.soft_placement = True
        self.run_eagerly = False
        self.memory_growth: dict[PhysicalDevice, bool | None] = {}
        self.op_determinism = False


_state = _State()


# TF has one physical CPU device, whatever the core count; JAX's CPU devices are its logical CPUs.
_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")


def _jax_devices() -> list[tuple[PhysicalDevice, Any]]:
    """The physical devices, each paired with its JAX device (the CPU with JAX's first CPU device)."""
    out: list[tuple[PhysicalDevice, Any]] = [(_CPU, jax.devices("cpu")[0])]
    if jax.default_backend() != "cpu":
        for i, d in enumerate(jax.devices()):
            kind = _TYPES.get(d.platform, d.platform.upper())
            out.append((PhysicalDevice(f"/physical_device:{kind}:{i}", kind), d))
    return out


def logical_jax_devices(device_type: str | None = None) -> list[tuple[LogicalDevice, Any]]:
    """The visible logical devices, each paired with the JAX device it names (CPUs first).

    Each of JAX's CPU devices is one logical CPU (``/device:CPU:1`` is ``jax.devices("cpu")[1]``), as TF's
    virtual CPUs; each accelerator is one logical device of its type.
    """
    out: list[tuple[LogicalDevice, Any]] = []
    if device_type in (None, "CPU"):
        out.extend((LogicalDevice(f"/device:CPU:{i}", "CPU"), d) for i, d in enumerate(jax.devices("cpu")))
    if device_type != "CPU":
        visible = get_visible_devices()
        for p, d in _jax_devices()[1:]:
            if p in visible and (device_type is None or p.device_type == device_type):
                out.append((LogicalDevice(p.name.replace("/physical_device:", "/device:"), p.device_type), d))
    return out


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices, of ``device_type`` (``"CPU"``, ``"GPU"``; case-sensitive, as TF) if given.

    There is one physical CPU, as in TF. ``list_physical_devices("CPU")`` does not start JAX's backends,
    so :func:`set_logical_device_configuration` can still split the CPU after it.

    >>> import tapejax as tf
    >>> tf.config.list_physical_devices("CPU")
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    """
    if device_type == "CPU":
        return [_CPU]
    return [p for p, _ in _jax_devices() if device_type is None or p.device_type == device_type]


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices visible to the runtime (all, unless :func:`set_visible_devices` hid some)."""
    devices = list_physical_devices(device_type)
    if _state.visible is None:
        return devices
    return [d for d in devices if d.device_type not in _state.visible or d in _state.visible[d.device_type]]


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """Sets the visible physical devices (of ``device_type`` only, if given).

    Raises:
      ValueError: a device that is not a physical device, or one not of ``device_type``.
    """
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    known = list_physical_devices()
    for d in devices:
        if d not in known:
            raise ValueError(f"Unrecognized device: {d!r}")
        if device_type is not None and d.device_type != device_type:
            raise ValueError(f"Device {d!r} is not of type {device_type!r}.")
    types = {device_type} if device_type is not None else {p.device_type for p in known}
    visible = dict(_state.visible or {})
    for t in types:
        visible[t] = [d for d in devices if d.device_type == t]
    _state.visible = visible


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """The logical devices: one per JAX device (``/device:CPU:0``; see :func:`logical_jax_devices`).

    >>> import tapejax as tf
    >>> tf.config.list_logical_devices("CPU")[0]
    LogicalDevice(name='/device:CPU:0', device_type='CPU')
    """
    return [ld for ld, _ in logical_jax_devices(device_type)]


def _check_physical(device: Any) -> PhysicalDevice:
    if not isinstance(device, PhysicalDevice) or (device != _CPU and device not in list_physical_devices()):
        raise ValueError(f"Unrecognized device: {device!r}")
    return device


def get_logical_device_configuration(device: PhysicalDevice) -> list[LogicalDeviceConfiguration] | None:
    """The logical device configurations set for ``device``, or None."""
    return _state.logical_config.get(_check_physical(device))


def set_logical_device_configuration(device: PhysicalDevice, logical_devices: Any) -> None:
    """Splits a physical device into logical devices; for the CPU, before JAX's backends start.

    ``set_logical_device_configuration(cpu, [LogicalDeviceConfiguration()] * 4)`` gives 4 CPU devices
    (JAX's ``jax_num_cpu_devices``): TF's recipe for trying a ``tf.distribute`` strategy on one machine.
    JAX's backends start at the first computation or device query (``list_logical_devices``), as TF's
    runtime does; ``import tapejax`` and ``list_physical_devices("CPU")`` do not start them.

    Raises:
      ValueError: an unknown device; a configuration that is not a ``LogicalDeviceConfiguration``;
        a CPU configuration with a ``memory_limit``, ``experimental_priority`` or device ordinal (TF's messages).
      RuntimeError: the CPU count is changed after JAX's backends started (TF's message).

    Differences from TensorFlow: a GPU's configuration is recorded but does not split the GPU (JAX has
    no virtual GPUs). Where JAX already has the asked number of CPU devices (``XLA_FLAGS`` set
    ``--xla_force_host_platform_device_count``), the call succeeds after initialization too.
    """
    _check_physical(device)
    if logical_devices is None:
        _state.logical_config.pop(device, None)
        return
    configs = list(logical_devices)
    for c in configs:
        if not isinstance(c, LogicalDeviceConfiguration):
            raise ValueError(f"Expected a LogicalDeviceConfiguration, got {c!r}.")
        if device.device_type == "CPU":
            if c.memory_limit is not None:
                raise ValueError("Setting memory limit on CPU virtual devices is currently not supported")
            if c.experimental_priority is not None:
                raise ValueError("Setting experimental_priority on CPU virtual  devices is currently not supported")
            if c.experimental_device_ordinal is not None:
                raise ValueError(
                    "Setting experimental_device_ordinal on CPU virtual  devices is currently not supported"
                )
    if _state.logical_config.get(device) == configs:
        return
    if device.device_type == "CPU" and configs:
        try:
            jax.config.update("jax_num_cpu_devices", len(configs))
        except RuntimeError:  # JAX's backends have started: only the count they have is possible
            if len(jax.devices("cpu")) != len(configs):
                raise RuntimeError(
                    "Virtual devices cannot be modified after being initialized (JAX's backends started with "
                    f"{len(jax.devices('cpu'))} CPU devices at the first computation or device query; configure "
                    "the CPU right after importing tapejax)"
                ) from None
    _state.logical_config[device] = configs


def get_soft_device_placement() -> bool:
    """Whether soft device placement is enabled (True by default, as TF)."""
    return _state.soft_placement


def set_soft_device_placement(enabled: bool) -> None:
    """Sets the soft-device-placement flag (kept; JAX places every program itself)."""
    _state.soft_placement = bool(enabled)


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Makes every ``tf.function`` run its Python function eagerly (op by op, no trace) when True.

    A debugging switch, as in TF: ``print`` and Python control flow on tensors work inside the
    function, and no compiled program is built.

    >>> import tapejax as tf
    >>> tf.config.run_functions_eagerly(True)
    >>> tf.config.functions_run_eagerly()
    True
    >>> tf.config.run_functions_eagerly(False)
    """
    _state.run_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether ``tf.function``\\s run eagerly (see :func:`run_functions_eagerly`)."""
    return _state.run_eagerly


def experimental_run_functions_eagerly(run_eagerly: bool) -> None:
    """The deprecated name of :func:`run_functions_eagerly`."""
    run_functions_eagerly(run_eagerly)


def experimental_functions_run_eagerly() -> bool:
    """The deprecated name of :func:`functions_run_eagerly`."""
    return functions_run_eagerly()


def experimental_connect_to_cluster(
    cluster_spec_or_resolver: Any,
    job_name: str = "localhost",
    task_index: int = 0,
    protocol: Any = None,
    make_master_device_default: bool = True,
    cluster_device_filters: Any = None,
) -> None:
    """Not supported: raises ``NotImplementedError`` (tapejax runs on the local host's JAX devices)."""
    raise NotImplementedError(
        "tf.config.experimental_connect_to_cluster: tapejax has no remote TensorFlow workers; it runs on this "
        "host's JAX devices. For several hosts, use jax.distributed.initialize() before importing tapejax."
    )


def experimental_connect_to_host(remote_host: Any = None, job_name: str = "worker") -> None:
    """Not supported: raises ``NotImplementedError`` (tapejax runs on the local host's JAX devices)."""
    raise NotImplementedError(
        "tf.config.experimental_connect_to_host: tapejax has no remote TensorFlow workers; it runs on this "
        "host's JAX devices."
    )


# --- tf.config.experimental -------------------------------------------------------------------------


def set_memory_growth(device: PhysicalDevice, enable: bool) -> None:
    """Records the memory-growth flag of a GPU (``tf.config.experimental.set_memory_growth``).

    Raises:
      ValueError: ``device`` is not a GPU (TF's error).

    Differences from TensorFlow: JAX's GPU allocator is set by the environment variables
    ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` / ``XLA_PYTHON_CLIENT_MEM_FRACTION`` before the first
    computation; this call cannot change it and only records the flag.
    """
    _check_physical(device)
    if device.device_type != "GPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")
    _state.memory_growth[device] = bool(enable)


def get_memory_growth(device: PhysicalDevice) -> bool | None:
    """The memory-growth flag of a GPU: None until set (``tf.config.experimental.get_memory_growth``).

    Raises:
      KeyError: ``device`` is not a GPU (as TF).
    """
    _check_physical(device)
    if device.device_type != "GPU":
        raise KeyError(device)
    return _state.memory_growth.get(device)


def get_device_details(device: PhysicalDevice) -> dict[str, Any]:
    """``{'device_name': ..., 'compute_capability': (major, minor)}`` for a GPU, ``{}`` for a CPU, as TF."""
    _check_physical(device)
    for p, d in _jax_devices():
        if p == device and p.device_type == "GPU":
            details: dict[str, Any] = {"device_name": d.device_kind}
            cc = getattr(d, "compute_capability", None)
            if cc:
                details["compute_capability"] = tuple(int(v) for v in str(cc).split("."))
            return details
    return {}


def enable_op_determinism() -> None:
    """Sets TF's op-determinism flag (``tf.config.experimental.enable_op_determinism``); see the module notes."""
    _state.op_determinism = True


def enable_tensor_float_32_execution(enabled: bool) -> None:
    """Allows (True, TF's default) or forbids TensorFloat-32 in float32 matmuls and convolutions.

    False sets JAX's default matmul precision to ``"highest"`` (full float32 on GPUs/TPUs); True
    restores JAX's default (TF32 on Ampere and later GPUs).
    """
    from tapejax._src import lazy

    if jax.config.jax_default_matmul_precision != (None if enabled else "highest"):
        lazy.drop_programs()  # (compiled under the old precision)
        jax.config.update("jax_default_matmul_precision", None if enabled else "highest")


def tensor_float_32_execution_enabled() -> bool:
    """Whether TensorFloat-32 is allowed (see :func:`enable_tensor_float_32_execution`)."""
    return jax.config.jax_default_matmul_precision in (None, "default", "bfloat16", "tensorfloat32")


# tf.config.experimental's older names of the logical-device API (same objects, as in TF).
VirtualDeviceConfiguration = LogicalDeviceConfiguration
get_virtual_device_configuration = get_logical_device_configuration
set_virtual_device_configuration = set_logical_device_configuration
