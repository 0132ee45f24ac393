"""``tf.TypeSpec``, ``tf.TensorSpec`` and ``tf.type_spec_from_value``: descriptions of values by shape and dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.tensor import Tensor, TensorShape, convert_python


class TypeSpec:
    """The base class of value descriptions (``tf.TypeSpec``); ``TensorSpec`` is the one tapejax builds."""

    __slots__ = ()

    @property
    def value_type(self) -> type:
        raise NotImplementedError

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        raise NotImplementedError

    def is_subtype_of(self, other: Any) -> bool:
        raise NotImplementedError

    def most_specific_common_supertype(self, others: Any) -> TypeSpec | None:
        raise NotImplementedError


class TensorSpec(TypeSpec):
    """Describes a tensor by ``shape`` (dims may be None; ``None``: unknown rank), ``dtype`` and ``name`` (``tf.TensorSpec``).

    Specs are equal (and hash equal) when shape, dtype and name are.

    >>> import tapejax as tf
    >>> spec = tf.TensorSpec([2, None], tf.float32)
    >>> spec
    TensorSpec(shape=(2, None), dtype=tf.float32, name=None)
    >>> spec.is_compatible_with(tf.zeros([2, 5])), spec.is_compatible_with(tf.zeros([3, 5]))
    (True, False)
    """

    __slots__ = ("_dtype", "_name", "_shape")

    def __init__(self, shape: Any, dtype: Any = dtypes_lib.float32, name: str | None = None) -> None:
        self._shape = TensorShape(shape)
        self._dtype = dtypes_lib.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes_lib.DType:
        return self._dtype

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def value_type(self) -> type:
        return Tensor

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        """The spec of a Tensor or Variable (or a value converted to one)."""
        if isinstance(tensor, (TensorBase, VariableBase)):
            return cls(tuple(tensor._v.shape), dtypes_lib.from_numpy(np.dtype(tensor._v.dtype)), name)
        value = convert_python(tensor, None, "TensorSpec.from_tensor")
        return cls(tuple(value.shape), dtypes_lib.from_numpy(np.dtype(value.dtype)), name)

    @classmethod
    def from_spec(cls, spec: Any, name: str | None = None) -> TensorSpec:
        """A TensorSpec with ``spec``'s shape and dtype, and ``name`` (default: ``spec``'s)."""
        return cls(spec.shape, spec.dtype, name if name is not None else getattr(spec, "name", None))

    def is_compatible_with(self, spec_or_tensor: Any) -> bool:
        """Whether a Tensor, Variable or TensorSpec has this dtype and a compatible shape (names are ignored)."""
        if isinstance(spec_or_tensor, (TensorBase, VariableBase)):
            shape, dtype = TensorShape(tuple(spec_or_tensor._v.shape)), np.dtype(spec_or_tensor._v.dtype)
            return dtype == self._dtype._np and self._shape.is_compatible_with(shape)
        if isinstance(spec_or_tensor, TensorSpec):
            return spec_or_tensor._dtype == self._dtype and self._shape.is_compatible_with(spec_or_tensor._shape)
        return False

    def is_subtype_of(self, other: Any) -> bool:
        """Whether ``other`` (a TensorSpec of the same dtype and name) admits every value this spec admits."""
        if type(other) is not type(self) or other._dtype != self._dtype or other._name != self._name:
            return False
        if other._shape.rank is None:
            return True
        if self._shape.rank != other._shape.rank:
            return False
        return all(b is None or a == b for a, b in zip(self._shape.as_list(), other._shape.as_list(), strict=True))

    def most_specific_common_supertype(self, others: Any) -> TensorSpec | None:
        """The narrowest spec admitting this and ``others`` (dims that differ become None), or None."""
        shape = self._shape
        for o in others:
            if type(o) is not type(self) or o._dtype != self._dtype or o._name != self._name:
                return None
            if shape.rank is None or o._shape.rank is None or shape.rank != o._shape.rank:
                shape = TensorShape(None)
            else:
                shape = TensorShape(
                    [a if a == b else None for a, b in zip(shape.as_list(), o._shape.as_list(), strict=True)]
                )
        return TensorSpec(shape, self._dtype, self._name)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self._shape == other._shape  # type: ignore[attr-defined]
            and self._dtype == other._dtype  # type: ignore[attr-defined]
            and self._name == other._name  # type: ignore[attr-defined]
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self._shape, self._dtype, self._name))

    def __reduce__(self) -> tuple[Any, ...]:
        return TensorSpec, (self._shape, self._dtype, self._name)

    def __repr__(self) -> str:
        name = None if self._name is None else repr(self._name)
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={name})"


def type_spec_from_value(value: Any) -> TensorSpec:
    """The ``tf.TensorSpec`` of a Tensor, Variable, numpy array or Python number/list (``tf.type_spec_from_value``).

    Differences from TensorFlow: a Variable gives a TensorSpec (TF: a ``VariableSpec``).

    Raises:
      TypeError: for a value that does not convert to a tensor.

    >>> import tapejax as tf
    >>> tf.type_spec_from_value([1, 2])
    TensorSpec(shape=(2,), dtype=tf.int32, name=None)
    """
    if isinstance(value, (TensorBase, VariableBase)):
        return TensorSpec.from_tensor(value)
    try:
        converted = convert_python(value, None, "type_spec_from_value")
    except (TypeError, ValueError):
        raise TypeError(f"Could not build a TypeSpec for {value!r} of unsupported type {type(value)}.") from None
    return TensorSpec(tuple(converted.shape), dtypes_lib.from_numpy(np.dtype(converted.dtype)))
