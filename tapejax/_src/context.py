"""Execution context: ``tf.executing_eagerly``, ``tf.device``, ``tf.name_scope``, ``tf.control_dependencies``,
``tf.init_scope``, ``tf.no_op``, ``tf.group``, ``tf.tuple``, ``tf.is_tensor``, ``tf.get_static_value``, ...

tapejax always runs eagerly (in program order), except while ``tf.function`` traces: control
dependencies therefore hold by construction and the graph-building helpers return what TF's eager
versions do.
"""

from __future__ import annotations

import builtins
import contextlib
import enum
import re
import threading
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np

from tapejax._src.core import TensorBase, VariableBase


def _traced(x: Any) -> bool:
    return isinstance(getattr(x, "_v", None), jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]


def inside_function() -> bool:
    """Whether this code runs while ``tf.function`` traces its Python function (``tf.inside_function``).

    >>> import tapejax as tf
    >>> tf.inside_function()
    False
    """
    from tapejax._src.function import in_trace

    return in_trace()


def executing_eagerly() -> bool:
    """False while ``tf.function`` traces (outside an ``init_scope``), else True (``tf.executing_eagerly``).

    >>> import tapejax as tf
    >>> tf.executing_eagerly()
    True
    """
    return _state.init_scopes > 0 or not inside_function()


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a Tensor or Variable (not a numpy array or Python number) (``tf.is_tensor``)."""
    return isinstance(x, (TensorBase, VariableBase)) or hasattr(x, "_to_dense")


def is_symbolic_tensor(tensor: Any) -> bool:
    """Whether ``tensor`` is a traced (symbolic) Tensor, as inside ``tf.function`` (``tf.is_symbolic_tensor``)."""
    return isinstance(tensor, TensorBase) and _traced(tensor)


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """The value of ``tensor`` as numpy, or None when only known at run time (traced) (``tf.get_static_value``).

    Python values are returned as they are, as TF does.

    >>> import tapejax as tf
    >>> tf.get_static_value(tf.constant([1, 2]))
    array([1, 2], dtype=int32)
    """
    if not isinstance(tensor, (TensorBase, VariableBase)):
        return tensor
    if _traced(tensor):
        return None
    return np.asarray(tensor._value)


class _State(threading.local):
    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.init_scopes = 0


_state = _State()
_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


class name_scope:
    """A context manager naming a scope ``outer/name/`` (``tf.name_scope``); names are informational here.

    Raises:
      ValueError: if ``name`` is not a string.

    >>> import tapejax as tf
    >>> with tf.name_scope("block") as scope:
    ...     print(scope, tf.get_current_name_scope())
    block/ block
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise ValueError("name for name_scope must be a string.")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        if not self._name:
            scope = ""
        elif self._name.endswith("/"):
            scope = self._name  # an absolute scope, as TF
        else:
            outer = _state.scopes[-1] if _state.scopes else ""
            scope = f"{outer}{self._name}/"
        _state.scopes.append(scope)
        return scope

    def __exit__(self, *exc: object) -> None:
        _state.scopes.pop()


def get_current_name_scope() -> str:
    """The current name scope without its trailing ``/`` (``tf.get_current_name_scope``); ``""`` outside any."""
    return _state.scopes[-1].rstrip("/") if _state.scopes else ""


@contextlib.contextmanager
def init_scope() -> Iterator[None]:
    """A context lifted out of ``tf.function``'s trace: ``executing_eagerly()`` is True inside (``tf.init_scope``).

    Differences from TensorFlow: ops inside still run where the trace runs (tapejax traces the
    Python function once, in place); only ``executing_eagerly`` answers as in TF.
    """
    _state.init_scopes += 1
    try:
        yield
    finally:
        _state.init_scopes -= 1


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """Ops inside run after ``control_inputs`` (``tf.control_dependencies``): always true here, as in TF eager.

    ``control_inputs`` may be None (clears dependencies in TF), tensors, or callables (TF calls them
    eagerly).
    """
    if control_inputs is not None:
        for c in control_inputs:
            if callable(c) and not isinstance(c, (TensorBase, VariableBase)):
                c()
    yield


def no_op(name: str | None = None) -> None:
    """Does nothing and returns None, as TF eager (``tf.no_op``)."""
    return None


def group(*inputs: Any, **kwargs: Any) -> None:
    """Returns None (the eager form of TF's grouping op), after checking the keyword arguments (``tf.group``).

    Raises:
      TypeError: for a keyword other than ``name``.
    """
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Unknown keyword arguments: {list(kwargs)}")
    return None


def tuple(tensors: Any, control_inputs: Any = None, name: str | None = None) -> list[Any]:  # noqa: A001
    """``tensors`` as a list, unchanged, as TF eager (``tf.tuple``).

    Raises:
      TypeError: if ``control_inputs`` is not a list or tuple.
    """
    if control_inputs is not None and not isinstance(control_inputs, (list, builtins.tuple)):
        raise TypeError("control_inputs must be a list or tuple.")
    return list(tensors)


_DEVICE = re.compile(r"^(?:/job:[^/]+)?(?:/replica:\d+)?(?:/task:\d+)?(?:/device:|/)?([A-Za-z_]+):(\d+|\*)$")


def _jax_device(spec: str) -> Any:
    """The JAX device for a TF device string, falling back to the default device (TF's soft placement)."""
    m = _DEVICE.match(spec.strip())
    if m is None:
        m = _DEVICE.match("/" + spec.strip())
    if m is None:
        return None  # (job- or task-only specs: no placement)
    kind, index = m.group(1).lower(), m.group(2)
    platform = {"cpu": "cpu", "gpu": "gpu", "tpu": "tpu"}.get(kind)
    if platform is None:
        return None
    try:
        devices = jax.devices(platform)
    except RuntimeError:  # no such backend: soft placement on the default device
        return None
    i = 0 if index == "*" else int(index)
    return devices[i] if i < len(devices) else None


@contextlib.contextmanager
def device(device_name: Any) -> Iterator[None]:
    """Places new tensors on a device: ``"/CPU:0"``, ``"/GPU:0"``, ``"/device:GPU:1"`` (``tf.device``).

    As TF's soft placement, a device this machine lacks falls back to the default device (no error);
    ``None`` keeps the current placement.

    Differences from TensorFlow: placement is JAX's default device (``jax.default_device``), which
    applies to new arrays and to ops on uncommitted inputs.

    Raises:
      RuntimeError: if ``device_name`` is a device function (graph mode only in TF 2).
    """
    if callable(device_name):
        raise RuntimeError("tf.device does not support functions when eager execution is enabled.")
    if isinstance(device_name, DeviceSpec):
        device_name = device_name.to_string()
    dev = None if device_name is None else _jax_device(str(device_name))
    if dev is None:
        yield
        return
    from tapejax._src import lazy

    # Queued (deferred) ops run where they were placed: those before the block with the outer
    # placement, those inside on ``dev``.
    lazy.flush()
    with jax.default_device(dev):
        try:
            yield
        finally:
            lazy.flush()


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients", **kwargs: Any) -> Any:
    """Graph-mode symbolic gradients (``tf.gradients``): unavailable eagerly, as in TF 2.

    Differences from TensorFlow: unavailable inside ``tf.function`` too (TF builds them there from
    its graph; tapejax records no graph without a tape). Use ``tf.GradientTape``, which works in both.

    Raises:
      RuntimeError: always.
    """
    raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape instead.")


def hessians(
    ys: Any, xs: Any, gate_gradients: bool = False, aggregation_method: Any = None, name: str = "hessians"
) -> Any:
    """Graph-mode Hessians (``tf.hessians``): unavailable eagerly, as in TF 2.

    Raises:
      RuntimeError: always (use nested ``tf.GradientTape``s).
    """
    return gradients(ys, xs)


class VariableAggregation(enum.Enum):
    """How a distributed Variable combines the updates of replicas (``tf.VariableAggregation``).

    Accepted by ``tf.Variable(aggregation=...)``; tapejax runs one replica, so every value behaves alike.
    """

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class VariableSynchronization(enum.Enum):
    """When a distributed Variable is synchronized (``tf.VariableSynchronization``); informational here."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class AggregationMethod:
    """How gradients of several uses are summed (``tf.AggregationMethod``); tapejax always adds them in one op."""

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


_DEVICE_TYPES = ("CPU", "GPU", "TPU")


class DeviceSpec:
    """A device name's parts: ``job``, ``replica``, ``task``, ``device_type``, ``device_index`` (``tf.DeviceSpec``).

    Immutable; ``to_string()`` gives TF's form and ``tf.device`` accepts a spec.

    Raises:
      ValueError: from ``from_string`` for an unknown part or two device types.

    >>> import tapejax as tf
    >>> tf.DeviceSpec.from_string("/job:worker/task:3/gpu:1").to_string()
    '/job:worker/task:3/device:GPU:1'
    """

    __slots__ = ("_device_index", "_device_type", "_job", "_replica", "_task")

    def __init__(
        self,
        job: str | None = None,
        replica: int | None = None,
        task: int | None = None,
        device_type: str | None = None,
        device_index: int | None = None,
    ) -> None:
        self._job = None if job is None else str(job)
        self._replica = None if replica is None else int(replica)
        self._task = None if task is None else int(task)
        self._device_type = None if device_type is None else str(device_type).upper()
        self._device_index = None if device_index is None else int(device_index)

    @property
    def job(self) -> str | None:
        return self._job

    @property
    def replica(self) -> int | None:
        return self._replica

    @property
    def task(self) -> int | None:
        return self._task

    @property
    def device_type(self) -> str | None:
        return self._device_type

    @property
    def device_index(self) -> int | None:
        return self._device_index

    @classmethod
    def from_string(cls, spec: str) -> DeviceSpec:
        """Parses ``/job:<name>/replica:<id>/task:<id>/device:<type>:<id>`` (each part optional; ``<type>:<id>`` also)."""
        parts: dict[str, Any] = {}
        for piece in spec.split("/"):
            y = piece.split(":")
            if not piece:
                continue
            if len(y) == 2 and y[0] in ("job", "replica", "task"):
                parts[y[0]] = y[1]
            elif (len(y) in (1, 2) and y[0].upper() in _DEVICE_TYPES) or (len(y) == 3 and y[0] == "device"):
                if "device_type" in parts:
                    raise ValueError(f"Multiple device types are not allowed while parsing the device spec: {spec}.")
                kind, index = (y[1], y[2]) if len(y) == 3 else (y[0], y[1] if len(y) == 2 else "*")
                parts["device_type"] = kind
                if index != "*":
                    parts["device_index"] = int(index)
            else:
                raise ValueError(f"Unknown attribute '{y[0]}' is encountered while parsing the device spec: '{spec}'.")
        return cls(**parts)

    def to_string(self) -> str:
        """TF's string form, e.g. ``/job:ps/replica:0/task:1/device:GPU:0``."""
        out = ""
        if self._job is not None:
            out += f"/job:{self._job}"
        if self._replica is not None:
            out += f"/replica:{self._replica}"
        if self._task is not None:
            out += f"/task:{self._task}"
        if self._device_type is not None:
            out += f"/device:{self._device_type}:{'*' if self._device_index is None else self._device_index}"
        return out

    def _fields(self) -> dict[str, Any]:
        return {
            "job": self._job,
            "replica": self._replica,
            "task": self._task,
            "device_type": self._device_type,
            "device_index": self._device_index,
        }

    def replace(self, **kwargs: Any) -> DeviceSpec:
        """A copy with the given fields replaced."""
        return DeviceSpec(**{**self._fields(), **kwargs})

    def make_merged_spec(self, dev: DeviceSpec) -> DeviceSpec:
        """A copy in which the fields ``dev`` sets override this spec's."""
        return self.replace(**{k: v for k, v in dev._fields().items() if v is not None})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self) -> int:
        return hash(self.to_string())

    def __repr__(self) -> str:
        f = self._fields()
        return "<DeviceSpec(" + ", ".join(f"{k}={v}" for k, v in f.items()) + ")>"
