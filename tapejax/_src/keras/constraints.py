"""``tf.keras.constraints``: Keras 3.15's weight constraints (``constraint(w)`` returns the projected weight), and ``get``."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from tapejax._src.keras import backend, object_config
from tapejax._src.ops import array_ops, clip_ops, math_ops, reduction_ops
from tapejax._src.tensor import Tensor

_MODULE = "keras.constraints"


def _norms(w: Tensor, axis: Any) -> Tensor:
    return math_ops.sqrt(reduction_ops.reduce_sum(math_ops.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class of weight constraints: ``__call__(w)`` returns ``w`` projected (here: unchanged)."""

    def __call__(self, w: Any) -> Any:
        """The constrained weight."""
        return w

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for ``from_config``."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A constraint from ``get_config()``'s dict."""
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along ``axis`` exceeds ``max_value`` to that norm.

    ``w * clip(norm, 0, max_value) / (epsilon + norm)``, epsilon 1e-7 (so slices within the bound
    also shrink by a factor ``norm / (norm + 1e-7)``, as Keras).

    Args:
      max_value: the largest norm.
      axis: the axis (or axes) the norm is taken over: 0 for a Dense kernel ``(in, out)`` (each
        unit's incoming weights), ``[0, 1, 2]`` for a Conv2D kernel.

    >>> import tapejax as tf
    >>> print(tf.keras.constraints.MaxNorm(1.0)(tf.constant([[3.0], [4.0]])))
    tf.Tensor(
    [[0.6]
     [0.8]], shape=(2, 1), dtype=float32)
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = array_ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = clip_ops.clip_by_value(norms, 0, self.max_value)
        return math_ops.cast(w, norms.dtype) * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clips negative weights to zero: ``maximum(w, 0)``."""

    def __call__(self, w: Any) -> Tensor:
        return math_ops.maximum(array_ops.convert_to_tensor(w), 0)


class UnitNorm(Constraint):
    """Divides slices by their L2 norm along ``axis`` (plus epsilon 1e-7)."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = array_ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return math_ops.cast(w, norms.dtype) / (backend.epsilon() + norms)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves slice norms along ``axis`` into ``[min_value, max_value]`` at ``rate``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``; the weight is
    scaled by it over ``epsilon + norm``.
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = array_ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = self.rate * clip_ops.clip_by_value(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return math_ops.cast(w, norms.dtype) * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


_ALL = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT: dict[str, Any] = {cls.__name__: cls for cls in _ALL}
ALL_OBJECTS_DICT.update({object_config.to_snake_case(cls.__name__): cls for cls in _ALL})
object_config.register_public(_MODULE, *_ALL)


def serialize(constraint: Any) -> Any:
    """The constraint's config dict (``{"module", "class_name", "config", "registered_name"}``)."""
    return object_config.serialize_object(constraint)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The constraint a config dict (or name) describes (an unknown name comes back unchanged, as Keras)."""
    return object_config.deserialize_object(config, ALL_OBJECTS_DICT, custom_objects)


def get(identifier: Any) -> Any:
    """The constraint for ``identifier``: None, a name (``"max_norm"``, ``"NonNeg"``), a config dict, a class or a callable.

    Raises:
      ValueError: if ``identifier`` names no constraint (Keras' message).

    >>> import tapejax as tf
    >>> type(tf.keras.constraints.get("non_neg")).__name__
    'NonNeg'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")
