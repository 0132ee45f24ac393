"""``tf.keras.regularizers``: Keras 3.15's weight penalties (``regularizer(weight)`` is a scalar loss), and ``get``."""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from tapejax._src.keras import backend, object_config
from tapejax._src.ops import array_ops, creation_ops, linalg_ops, math_ops, reduction_ops, shape_ops
from tapejax._src.tensor import Tensor

_MODULE = "keras.regularizers"


def _validate_float_arg(value: Any, name: str) -> float:
    """Keras' ``validate_float_arg``: a finite, non-negative Python number, as a float."""
    if not isinstance(value, (float, int)) or (math.isinf(value) or math.isnan(value)) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float.Received: {name}={value}")
    return float(value)


def _float32(value: float) -> float:
    """``value`` rounded to float32 and back, as Keras' L1 and OrthogonalRegularizer store (and report) it."""
    return float(np.float32(value))


class Regularizer:
    """Base class of regularizers: ``__call__(x)`` returns a scalar penalty (0.0 here).

    Subclasses implement ``__call__`` and ``get_config``; ``from_config`` calls the constructor.
    """

    def __call__(self, x: Any) -> Any:
        """The penalty of weight tensor ``x``."""
        return 0.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A regularizer from ``get_config()``'s dict."""
        return cls(**config)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (the base class has none to give: NotImplementedError, as Keras)."""
        raise NotImplementedError(f"{self} does not implement get_config()")


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``; both default to 0 (None is 0).

    Raises:
      ValueError: if ``l1`` or ``l2`` is negative, infinite, NaN or not a number.

    >>> import tapejax as tf
    >>> print(tf.keras.regularizers.L1L2(l1=0.5, l2=0.25)(tf.constant([1.0, -2.0])))
    tf.Tensor(2.75, shape=(), dtype=float32)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = _validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Tensor:
        x = array_ops.convert_to_tensor(x)
        regularization = array_ops.convert_to_tensor(0.0, dtype=x.dtype)
        if self.l1 != 0.0:
            regularization += math_ops.cast(self.l1, x.dtype) * reduction_ops.reduce_sum(math_ops.abs(x))
        if self.l2 != 0.0:
            regularization += math_ops.cast(self.l2, x.dtype) * reduction_ops.reduce_sum(math_ops.square(x))
        return regularization

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)`` (``l1`` defaults to 0.01; Keras keeps it as a float32 tensor, so the config holds the float32 value)."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _float32(_validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x: Any) -> Tensor:
        x = array_ops.convert_to_tensor(x)
        return math_ops.cast(self.l1, x.dtype) * reduction_ops.reduce_sum(math_ops.abs(x))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x**2)`` (``l2`` defaults to 0.01).

    >>> import tapejax as tf
    >>> print(tf.keras.regularizers.get("l2")(tf.constant([1.0, 2.0])))
    tf.Tensor(0.049999997, shape=(), dtype=float32)
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Tensor:
        x = array_ops.convert_to_tensor(x)
        return math_ops.cast(self.l2, x.dtype) * reduction_ops.reduce_sum(math_ops.square(x))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """Keras' ``ops.normalize(x, axis, order=2)``: ``x * min(rsqrt(sum(x**2)), 1 / epsilon)``."""
    inv_norm = math_ops.rsqrt(reduction_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True))
    return x * math_ops.minimum(inv_norm, 1.0 / backend.epsilon())


class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonal rows (or columns) of a 2-D weight.

    ``factor * 0.5 * sum(|P - diag(P)|) / (n * (n - 1) / 2)`` where ``P`` is the matrix of cosine
    similarities between the ``n`` rows (``mode="rows"``) or columns (``"columns"``).

    Raises:
      ValueError: for a bad ``factor`` or ``mode``; when called on a tensor that is not 2-D.

    Differences from Keras: the float32 ``factor`` is cast to the weight's dtype, so float64 weights
    work (Keras 3.15 on TF raises ``InvalidArgumentError`` multiplying them).
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = _float32(_validate_float_arg(factor, name="factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. Received: mode={mode}'
            )
        self.mode = mode

    def __call__(self, inputs: Any) -> Tensor:
        inputs = array_ops.convert_to_tensor(inputs)
        if len(inputs.shape) != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={inputs.shape}")
        if self.mode == "rows":
            inputs = _l2_normalize(inputs, axis=1)
            product = linalg_ops.matmul(inputs, shape_ops.transpose(inputs))
            size = inputs.shape[0]
        else:
            inputs = _l2_normalize(inputs, axis=0)
            product = linalg_ops.matmul(shape_ops.transpose(inputs), inputs)
            size = inputs.shape[1]
        product_no_diagonal = product * (1.0 - creation_ops.eye(size, dtype=inputs.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        factor = math_ops.cast(self.factor, inputs.dtype)
        return factor * 0.5 * reduction_ops.reduce_sum(math_ops.abs(product_no_diagonal)) / num_pairs

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


_ALL = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT: dict[str, Any] = {cls.__name__: cls for cls in _ALL}
ALL_OBJECTS_DICT.update({object_config.to_snake_case(cls.__name__): cls for cls in _ALL})
object_config.register_public(_MODULE, *_ALL)


def serialize(regularizer: Any) -> Any:
    """The regularizer's config dict (``{"module", "class_name", "config", "registered_name"}``)."""
    return object_config.serialize_object(regularizer)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The regularizer a config dict (or name) describes (an unknown name comes back unchanged, as Keras)."""
    return object_config.deserialize_object(config, ALL_OBJECTS_DICT, custom_objects)


def get(identifier: Any) -> Any:
    """The regularizer for ``identifier``: None, a name (``"l2"``, ``"L1L2"``, ``"l1l2"``), a config dict, a class or a callable.

    Names are Keras' exactly: the class names and their snake_case (``"l1"``, ``"l2"``,
    ``"l1l2"``, ``"orthogonal_regularizer"``); ``"l1_l2"`` is not one (as in Keras).

    Raises:
      ValueError: if ``identifier`` names no regularizer (Keras' message).

    >>> import tapejax as tf
    >>> tf.keras.regularizers.get("l1").get_config()
    {'l1': 0.009999999776482582}
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
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
