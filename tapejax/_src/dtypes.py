"""TensorFlow's ``DType`` objects over numpy/JAX dtypes."""

from __future__ import annotations

import builtins
from typing import Any

import jax.numpy as jnp
import numpy as np


class DType:
    """A TensorFlow dtype (``tf.float32``, ``tf.int64``, ...).

    Compares equal to the matching numpy dtype, its name and other DTypes.

    >>> import tapejax as tf
    >>> tf.float32.name, tf.float32.is_floating, tf.int32.max
    ('float32', True, 2147483647)
    """

    __slots__ = ("_np", "name")

    def __init__(self, np_dtype: Any, name: str) -> None:
        self._np = np.dtype(np_dtype)
        self.name = name

    @property
    def as_numpy_dtype(self) -> type:
        return self._np.type

    @property
    def is_floating(self) -> builtins.bool:
        return self._np.kind == "f" or self.name == "bfloat16"

    @property
    def is_integer(self) -> builtins.bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> builtins.bool:
        return self._np.kind == "u"

    @property
    def is_complex(self) -> builtins.bool:
        return self._np.kind == "c"

    @property
    def is_bool(self) -> builtins.bool:
        return self._np.kind == "b"

    @property
    def is_numeric(self) -> builtins.bool:
        return not self.is_bool

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        if self.name == "complex64":
            return float32
        if self.name == "complex128":
            return float64
        return self

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self) -> Any:
        if self.is_floating:
            return jnp.finfo(self._np).min.item()
        if self.is_integer:
            return np.iinfo(self._np).min
        raise TypeError(f"Cannot find minimum value of {self.name}.")

    @property
    def max(self) -> Any:
        if self.is_floating:
            return jnp.finfo(self._np).max.item()
        if self.is_integer:
            return np.iinfo(self._np).max
        raise TypeError(f"Cannot find maximum value of {self.name}.")

    def is_compatible_with(self, other: Any) -> builtins.bool:
        return self == as_dtype(other)

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, DType):
            return self._np == other._np
        if other is None:
            return False
        try:
            return self._np == as_dtype(other)._np
        except TypeError:
            return False

    def __ne__(self, other: object) -> builtins.bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __reduce__(self) -> tuple[Any, ...]:
        return as_dtype, (self.name,)


_pybool = builtins.bool  # `bool` below is rebound to TF's DType

float16 = DType(jnp.float16, "float16")
bfloat16 = DType(jnp.bfloat16, "bfloat16")
float32 = DType(jnp.float32, "float32")
float64 = DType(jnp.float64, "float64")
int8 = DType(jnp.int8, "int8")
int16 = DType(jnp.int16, "int16")
int32 = DType(jnp.int32, "int32")
int64 = DType(jnp.int64, "int64")
uint8 = DType(jnp.uint8, "uint8")
uint16 = DType(jnp.uint16, "uint16")
uint32 = DType(jnp.uint32, "uint32")
uint64 = DType(jnp.uint64, "uint64")
bool = DType(jnp.bool_, "bool")  # noqa: A001 - TF's public name
complex64 = DType(jnp.complex64, "complex64")
complex128 = DType(jnp.complex128, "complex128")
half = float16
double = float64

_ALL = (
    float16, bfloat16, float32, float64, int8, int16, int32, int64,
    uint8, uint16, uint32, uint64, bool, complex64, complex128,
)  # fmt: skip
_BY_NP: dict[np.dtype, DType] = {d._np: d for d in _ALL}
_BY_NAME: dict[str, DType] = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64)


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a numpy/JAX dtype object (hot path: one dict lookup)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"tapejax does not support dtype {np_dtype}") from None


def np_kind(np_dtype: Any) -> str:
    """NumPy's kind letter of a dtype ("f", "c", "i", "u", "b"), bfloat16 counting as "f".

    Use it where a dtype's kind picks a branch: NumPy reports bfloat16's kind as "V" (and
    ``np.issubdtype(bfloat16, np.floating)`` is False), so ``kind == "f"`` sends bfloat16 down the
    integer or non-float path.

    >>> import jax.numpy as jnp
    >>> np_kind(jnp.bfloat16), np_kind(jnp.float16), np_kind(jnp.int32)
    ('f', 'f', 'i')
    """
    d = np.dtype(np_dtype)
    kind = d.kind
    return "f" if kind == "V" and d == bfloat16._np else kind


def as_dtype(type_value: Any) -> DType:
    """Converts a DType, numpy dtype, Python type or name to a ``DType`` (``tf.as_dtype``).

    Args:
      type_value: ``tf.float32``, ``np.float32``, ``"float32"``, ``float``, ...

    Returns:
      The DType.

    Raises:
      TypeError: for None, and for types TF has but tapejax does not support (e.g. ``tf.string``).

    >>> import tapejax as tf
    >>> tf.as_dtype("float64")
    tf.float64
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        if type_value in _BY_NAME:
            return _BY_NAME[type_value]
        raise TypeError(
            f"Cannot convert {type_value!r} to a tapejax DType: tapejax supports "
            f"{sorted(_BY_NAME)} (strings, resources and variants are not implemented)."
        )
    if type_value is None:  # (np.dtype(None) is float64)
        raise TypeError("Cannot convert the argument `type_value`: None to a TensorFlow DType.")
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is _pybool:
        return bool
    if type_value is complex:
        return complex64
    try:
        np_dtype = np.dtype(type_value)
    except TypeError:
        raise TypeError(f"Cannot convert {type_value!r} to a tapejax DType.") from None
    if not np_dtype.isnative:  # a big-endian NumPy dtype names the same type (TF: tf.as_dtype('>f4') is float32)
        np_dtype = np_dtype.newbyteorder("=")
    if np_dtype in _BY_NP:
        return _BY_NP[np_dtype]
    raise TypeError(
        f"Cannot convert {type_value!r} to a tapejax DType: dtype {np_dtype} is not supported "
        "(strings and objects are not implemented)."
    )
