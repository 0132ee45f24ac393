"""Argument handling shared by the op wrappers: conversion, dtype checks, axes, static shapes.

Wrappers validate on the host, before ``bind``, so that errors name TF's op, the shapes and the
dtypes. Values are only read back from the device where TF itself validates values (indices out of
range, labels out of range), and never when the tensor wraps a tracer (inside ``jax.jit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import conversion_registry, errors
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import TensorBase, VariableBase, scalar_to_array
from tapejax._src.tensor import Tensor, TensorShape, _flatten, convert_python

TensorLike = TensorBase | VariableBase

_KIND_NAMES = {
    "f": "floating",
    "c": "complex",
    "i": "signed integer",
    "u": "unsigned integer",
    "b": "bool",
}


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a Tensor or a Variable (the objects ``bind`` unwraps)."""
    return isinstance(x, (TensorBase, VariableBase))


def as_tensor(x: Any, dtype: Any = None, op_name: str = "convert_to_tensor") -> Any:
    """``x`` if it is a Tensor or Variable (kept, so tapes see Variable reads), else a new Tensor.

    ``dtype`` (a numpy dtype) is what a Python value converts to; a Tensor of another dtype is
    returned unchanged (the op's own dtype check reports it).
    """
    if isinstance(x, (TensorBase, VariableBase)):
        return x
    dense = getattr(x, "_to_dense", None)
    if dense is not None:  # an IndexedSlices: densified (recorded), as TF's conversion does
        return dense()
    if type(x) in _SCALAR_DEFAULTS:
        # Python scalars are converted once and cached (``tf.where(c, x, 0.0)`` in a loop).
        np_dtype = _SCALAR_DEFAULTS[type(x)] if dtype is None else np.dtype(dtype)
        if not (type(x) is int and dtype is None and not -(2**31) <= x < 2**31):
            return Tensor(scalar_to_array(x, np_dtype, op_name))
    if isinstance(x, (list, tuple)) and any(isinstance(v, (TensorBase, VariableBase)) for v in _flatten(x)):
        from tapejax._src.ops import array_ops

        # TF auto-packs ``[t1, t2]`` with a recorded Pack op: gradients flow to the elements.
        return array_ops.convert_to_tensor(x, dtype)
    if conversion_registry.ACTIVE:  # tf.register_tensor_conversion_function: its Tensor, tape history kept
        converted = conversion_registry.convert(x, None, dtype)
        if converted is not None:
            return converted
    return Tensor(convert_python(x, dtype, op_name))


_SCALAR_DEFAULTS = {
    float: np.dtype(np.float32),
    int: np.dtype(np.int32),
    bool: np.dtype(np.bool_),
    complex: np.dtype(np.complex128),
}


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    """numpy's broadcast of ``shapes``, or None if they do not broadcast (cheaper than numpy's)."""
    rank = max(len(s) for s in shapes)
    out = [1] * rank
    for s in shapes:
        for i, d in enumerate(s, rank - len(s)):
            if d != out[i]:
                if out[i] == 1:
                    out[i] = d
                elif d != 1:
                    return None
    return tuple(out)


def as_tensors_like(values: Sequence[Any], op_name: str) -> list[Any]:
    """Converts ``values`` to tensors of one dtype: Python values adapt to the first tensor's dtype.

    Raises:
      InvalidArgumentError: if two tensors have different dtypes.
    """
    hint = None
    for v in values:
        if isinstance(v, (TensorBase, VariableBase)):
            hint = v._v.dtype
            break
    out = []
    for v in values:
        t = as_tensor(v, hint, op_name)
        if hint is None:
            hint = t._v.dtype
        out.append(t)
    check_same_dtype(op_name, out)
    return out


def check_same_dtype(op_name: str, tensors: Sequence[Any]) -> None:
    """Raises TF's InvalidArgumentError if the tensors do not all have one dtype."""
    if not tensors:
        return
    d0 = tensors[0]._v.dtype
    for t in tensors[1:]:
        if t._v.dtype != d0:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{op_name}: all inputs must have the same dtype, got {describe(tensors)}: TensorFlow never "
                "converts dtypes implicitly. Fix: tf.cast the inputs to one dtype.",
            )


def dtype_name(x: Any) -> str:
    return np.dtype(x._v.dtype).name if np.dtype(x._v.dtype) in dtypes_lib._BY_NP else str(x._v.dtype)


def describe(tensors: Sequence[Any]) -> str:
    """``float32[2, 3], int32[]``: dtypes and shapes, for error messages."""
    return ", ".join(f"{dtype_name(t)}{list(t._v.shape)}" for t in tensors)


def require_kind(op_name: str, x: Any, kinds: str, what: str | None = None) -> None:
    """Raises TF's InvalidArgumentError unless ``x``'s dtype kind is one of ``kinds`` (numpy kinds;
    bfloat16, whose numpy kind is "V", counts as "f")."""
    kind = x._v.dtype.kind
    if kind == "V" and x._v.dtype == jnp.bfloat16:
        kind = "f"
    if kind not in kinds:
        allowed = what or " or ".join(_KIND_NAMES[k] for k in kinds)
        raise errors.InvalidArgumentError(
            None,
            None,
            f"{op_name}: expected a {allowed} tensor, got {describe([x])}. "
            + ("Fix: tf.cast the input to tf.float32." if "f" in kinds else "Fix: tf.cast the input."),
        )


def require_float(op_name: str, x: Any, complex_ok: bool = True) -> None:
    """TF's float-only ops (``Sqrt``, ``Exp``, ...) reject integer and bool tensors."""
    require_kind(op_name, x, "fc" if complex_ok else "f")


def invalid_argument(message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, message)


def shape_of(x: Any) -> tuple[int, ...]:
    """The static shape of a Tensor, Variable or convertible value."""
    if isinstance(x, (TensorBase, VariableBase)):
        return tuple(x._v.shape)
    return tuple(np.shape(convert_python(x, None)))


def concrete(x: Any) -> np.ndarray | None:
    """The value of ``x`` as numpy, or None if it is traced (inside ``jax.jit``: skip value checks)."""
    v = x._value if isinstance(x, (TensorBase, VariableBase)) else x
    try:
        return np.asarray(v)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def static_int(x: Any, what: str) -> int:
    """A Python int from an int, numpy integer or scalar int tensor (read from the device).

    A Python or NumPy bool counts as its int (0 or 1), as TF's conversion of a bool scalar to an
    int32 argument (``tf.reduce_sum(x, axis=True)`` sums axis 1); ops whose TF kernel infers the
    argument's dtype from the value refuse it themselves (``tf.gather``, ``tf.roll``)."""
    if isinstance(x, (TensorBase, VariableBase)):
        v = concrete(x)
        if v is None or v.ndim != 0 or v.dtype.kind not in "iu":
            raise TypeError(f"{what} must be a Python int or a concrete scalar integer tensor, got {x!r}.")
        return int(v)
    if not isinstance(x, (int, np.integer, np.bool_)):
        raise TypeError(f"{what} must be an int, got {type(x).__name__} {x!r}.")
    return int(x)


def bool_attr(value: Any, what: str) -> bool:
    """A bool attribute of a TF op (``exclusive``, ``reverse``): True, False or None (the default,
    False); anything else is TF's TypeError (``cumsum(x, exclusive=0)``)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise TypeError(f"Expected bool for argument '{what}' not {value!r}.")
    return value


def refuse_bool(op_name: str, x: Any, what: str) -> None:
    """TF's InvalidArgumentError for a bool (or float) ``what`` of an op whose kernel takes the
    argument's dtype from its value (``GatherV2``'s axis, ``Roll``'s shift and axis)."""
    for v in x if isinstance(x, (list, tuple)) else (x,):
        if isinstance(v, (bool, np.bool_, float, np.floating)):
            kind = "bool" if isinstance(v, (bool, np.bool_)) else "float"
            raise invalid_argument(
                f"{op_name}: Value for attr '{what}' of {kind} is not in the list of allowed values: int32, int64"
            )


def static_shape_arg(shape: Any) -> tuple[int, ...]:
    """A shape argument (list, tuple, TensorShape, int tensor) as a hashable tuple of ints."""
    if isinstance(shape, (TensorBase, VariableBase)):
        v = concrete(shape)
        if v is None:
            raise TypeError("tapejax needs a static shape: pass a Python list or a concrete tensor, not a traced one.")
        return tuple(int(d) for d in v.reshape(-1))
    if isinstance(shape, TensorShape):
        dims = shape.as_list()
        if None in dims:
            raise ValueError(f"Cannot use the partially known shape {shape} here: all dimensions must be known.")
        return tuple(dims)  # type: ignore[arg-type]
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if isinstance(shape, np.ndarray):
        return tuple(int(d) for d in shape.reshape(-1))
    return tuple(static_int(d, "a shape dimension") for d in shape)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _refuse_mixed_bools(value: Any) -> None:
    """TF's errors converting a (nested) list with bools to an int32 Tensor (its C++ conversion takes
    the type of the first element): a list starting with a bool and holding another number
    (``[True, 2]``) or holding a NumPy bool among numbers (``[1, np.True_]``) is TF's ValueError; an
    all-bool list with a NumPy bool is a bool Tensor, InvalidArgumentError (the op's index attr);
    Python bools after a number (``[0, True]``) and an all-Python-bool list convert to 0s and 1s."""
    if isinstance(value, (list, tuple)):
        leaves = _leaves(value)
        if not leaves:
            return
        is_bool = [isinstance(v, (bool, np.bool_)) for v in leaves]
        np_bool = any(isinstance(v, np.bool_) for v in leaves)
        if (is_bool[0] and not all(is_bool)) or (not is_bool[0] and np_bool):
            raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
        if np_bool:
            raise invalid_argument(
                f"Value for attr 'Tidx' of bool is not in the list of allowed values: int32, int64 (got {list(value)})."
            )


def static_ints(value: Any, what: str, attr: bool = False) -> tuple[int, ...]:
    """A (nested) list, tuple, int or int tensor of ints as a flat tuple of Python ints (axes, perms, paddings).

    ``attr``: TF takes the list as an op attribute (``squeeze``'s axis), where any bool is an int.
    """
    if isinstance(value, (TensorBase, VariableBase, np.ndarray)):
        v = concrete(value)
        if v is None:
            raise TypeError(f"tapejax needs a static {what}: pass Python ints, not a traced tensor.")
        if v.dtype.kind == "b" and not isinstance(value, np.ndarray):  # TF: a bool Tensor's attr (NumPy casts)
            raise invalid_argument(
                f"Value for attr 'Tidx' of bool is not in the list of allowed values: int32, int64 "
                f"(the {what} argument)."
            )
        if v.dtype.kind not in "iub":
            raise TypeError(f"{what} must be integers, got dtype {v.dtype}.")
        return tuple(int(d) for d in v.reshape(-1))
    if not isinstance(value, (list, tuple, range)):
        return (static_int(value, what),)
    if not attr:
        _refuse_mixed_bools(value)
    out: list[int] = []
    for d in value:  # nested lists (paddings) are flattened
        out.extend(
            static_ints(d, what, attr)
            if isinstance(d, (list, tuple, np.ndarray, TensorBase, VariableBase))
            else (static_int(d, what),)
        )
    return tuple(out)


def normalize_axis(op_name: str, axis: int, rank: int, shape: Sequence[int] | None = None) -> int:
    """``axis`` in ``[-rank, rank)`` as a non-negative int, else TF's InvalidArgumentError."""
    if not -rank <= axis < rank:
        shape_text = "" if shape is None else f" of shape {tuple(shape)}"
        raise invalid_argument(
            f"{op_name}: axis {axis} is out of range for a tensor of rank {rank}{shape_text}: "
            f"expected -{rank} <= axis < {rank}."
        )
    return axis + rank if axis < 0 else axis


def reduction_axes(op_name: str, axis: Any, shape: Sequence[int]) -> tuple[int, ...] | None:
    """A reduction ``axis`` argument (None, int, list, tensor) as sorted non-negative ints or None."""
    if axis is None:
        return None
    rank = len(shape)
    axes = static_ints(axis, "axis")
    out = []
    for a in axes:
        if not -max(rank, 1) <= a < max(rank, 1):
            raise invalid_argument(
                f"{op_name}: Invalid reduction dimension {a} for input with {rank} dimensions (shape {tuple(shape)})."
            )
        out.append(a % rank if rank else 0)
    if len(set(out)) != len(out):
        raise invalid_argument(f"{op_name}: Axes contains duplicate dimension: {list(axes)}.")
    if rank == 0:
        return ()
    return tuple(sorted(out))


def nans_of(x: Any) -> Any:
    """NaN where ``x`` is NaN, else 0, with no gradient (inside an op's implementation). Added to a
    ``where`` that sends NaN to a constant branch (relu, clip), it keeps TF's NaN output; the
    gradient stays the ``where``'s, as TF's at NaN."""
    return jax.lax.stop_gradient(jnp.where(jnp.isnan(x), x, jnp.zeros_like(x)))


def refuse_shape_bools(op_name: str, shape: Any, convert: str) -> Any:
    """TF's errors for bools in a shape argument (``tf.reshape(x, [True, -1])``); returns ``shape``
    with a NumPy bool scalar as its int. ``convert`` is how the op converts a Python list (checked
    in TF 2.21):

    - ``"int32"`` (``zeros``/``ones``: an explicit int32 conversion): Python bools are 0s and 1s
      anywhere; a NumPy bool is ValueError among numbers, TypeError in an all-bool list.
    - ``"input"`` (``reshape``, ``fill``, ``broadcast_to``: an int32 op input): the list takes the
      type of its first element (see ``_refuse_mixed_bools``); an all-Python-bool list is 0s and 1s.
    - ``"inferred"`` (the random ops' shape): as ``"input"``, but an all-bool list or a bool scalar
      is a bool Tensor, InvalidArgumentError.

    A bool Tensor is InvalidArgumentError for all of them.
    """
    if type(shape) in (list, tuple):  # the common case, Python ints, first (reshape is a hot op)
        for d in shape:
            if type(d) is not int:
                break
        else:
            return shape
    if isinstance(shape, (TensorBase, VariableBase)):
        if shape._v.dtype.kind == "b":
            raise invalid_argument(
                f"{op_name}: Value for attr 'Tshape' of bool is not in the list of allowed values: int32, int64 "
                f"(a bool shape Tensor {describe([shape])}). Fix: tf.cast it to tf.int32."
            )
        return shape
    if isinstance(shape, (bool, np.bool_)):
        if convert == "inferred":
            raise invalid_argument(
                f"{op_name}: Value for attr 'T' of bool is not in the list of allowed values: int32, int64 "
                f"(shape={shape!r})."
            )
        return int(shape)
    if type(shape) not in (list, tuple):
        return shape
    is_bool = [isinstance(d, (bool, np.bool_)) for d in shape]
    if True not in is_bool or any(isinstance(d, (list, tuple)) for d in shape):
        return shape
    if convert == "int32":
        if any(isinstance(d, np.bool_) for d in shape):
            if all(is_bool):
                raise TypeError(f"Cannot convert {list(shape)!r} to EagerTensor of dtype int32")
            raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
        if any(isinstance(d, (float, np.floating)) for d in shape):
            raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
        return shape
    _refuse_mixed_bools(shape)
    if convert == "inferred" and all(is_bool):
        raise invalid_argument(
            f"{op_name}: Value for attr 'T' of bool is not in the list of allowed values: int32, int64 "
            f"(shape={list(shape)!r})."
        )
    return shape
