"""Creation, shape and indexing ops (``tf.constant``, ``tf.reshape``, slicing, ...)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import conversion_registry, errors
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, TensorBase, VariableBase, bind, scalar_to_array
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor, TensorShape, _flatten, convert_python

newaxis = None


# Compiling a program with N outputs costs ~30 ms per output on CPU (XLA), so long unstacks run as
# chunks of this many rows, one cached kernel for all chunks: 1000 rows are 63 dispatches.
_UNSTACK_CHUNK = 16


def _unstack_impl(x: Any, start: Any, *, num: int, axis: int) -> Any:
    # ``num`` rows from ``start`` (a traced int: one kernel serves every chunk of a long unstack).
    block = x if x.shape[axis] == num else lax.dynamic_slice_in_dim(x, start, num, axis)
    return tuple(lax.index_in_dim(block, i, axis, keepdims=False) for i in range(num))


def _strided_slice_impl(x: Any, *dyn: Any, spec: tuple[Any, ...]) -> Any:
    idx = []
    for kind, a, b, c in spec:
        if kind == "int":
            idx.append(a)
        elif kind == "dyn":
            idx.append(dyn[a])
        elif kind == "slice":
            idx.append(slice(a, b, c))
        elif kind == "ellipsis":
            idx.append(Ellipsis)
        else:
            idx.append(None)
    return x[tuple(idx)]


def _identity_impl(x: Any) -> Any:
    return x


_unstack = Op("Unpack", _unstack_impl, multiple_results=True, defer=False)  # 16 rows at a time, at the call
_strided_slice = Op("StridedSlice", _strided_slice_impl)
_reshape = Op("Reshape", lambda x, *, shape: jnp.reshape(x, shape))
_identity = Op("Identity", _identity_impl)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """Creates a constant tensor (``tf.constant``).

    Python floats become float32, ints int32, bools bool; numpy arrays keep their dtype
    (float64 stays float64). ``dtype`` converts (ints to floats; floats to ints only when whole).
    A Tensor is returned as it is, as TF does (with ``dtype`` its own; another raises ``TypeError``).

    >>> import tapejax as tf
    >>> print(tf.constant([1, 2, 3], dtype=tf.float32))
    tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)
    """
    np_dtype = None if dtype is None else dtypes_lib.as_dtype(dtype)._np
    if shape is not None:
        shape = tuple(TensorShape(shape).as_list())
    if isinstance(value, Tensor):
        # TF: a tensor of another dtype is an error, not a cast; otherwise the tensor itself (so a
        # tape still sees it, and a deferred value stays deferred).
        if np_dtype is not None and value._v.dtype != np_dtype:
            raise TypeError(
                f"Expected tensor {np.asarray(value._value)} with dtype {dtypes_lib.from_numpy(np_dtype)!r}, "
                f"but got dtype {dtypes_lib.from_numpy(value._v.dtype)!r}."
            )
        if shape is None or shape == tuple(value._v.shape):
            return value
        arr = value._value
    elif isinstance(value, VariableBase):
        arr = value._value
        if np_dtype is not None and arr.dtype != np_dtype:
            arr = arr.astype(np_dtype)
    else:
        arr = convert_python(value, np_dtype, "Const")
    if shape is not None and arr.shape != shape:
        if arr.size == 1:
            arr = jnp.broadcast_to(arr.reshape(()), shape)
        elif arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
        else:
            raise TypeError(
                f"Eager execution of tf.constant with unsupported shape. Tensor {value!r} "
                f"(converted from {value!r}) has {arr.size} elements, but got `shape` {shape} "
                f"with {int(np.prod(shape))} elements)."
            )
    return Tensor(arr)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None) -> Tensor:
    """Converts a value (number, list, numpy array, Tensor, Variable) to a Tensor (``tf.convert_to_tensor``).

    A Variable gives a (recorded) read of its value; an ``IndexedSlices`` is densified.

    Raises:
      ValueError: if ``value`` is a Tensor, Variable or IndexedSlices of another dtype than ``dtype``
        (TF's class).
    """
    if isinstance(value, Tensor):
        if dtype is not None and value._v.dtype != dtypes_lib.as_dtype(dtype)._np:
            raise ValueError(
                f"convert_to_tensor: Tensor conversion requested dtype {dtypes_lib.as_dtype(dtype).name} "
                f"for Tensor with dtype {value.dtype.name} and shape {list(value._v.shape)}. Fix: tf.cast it first."
            )
        return value
    if isinstance(value, VariableBase):
        if dtype is not None and value._v.dtype != dtypes_lib.as_dtype(dtype)._np:
            raise ValueError(
                f"convert_to_tensor: Incompatible type conversion requested to type "
                f"{dtypes_lib.as_dtype(dtype).name} for Variable with dtype {np.dtype(value._v.dtype).name}."
            )
        return bind(_identity, value)
    dense = getattr(value, "_to_dense", None)
    if dense is not None:  # an IndexedSlices
        if dtype is not None and value.dtype != dtypes_lib.as_dtype(dtype):
            raise ValueError(
                f"convert_to_tensor: Incompatible tensor conversion requested to `dtype` "
                f"{dtypes_lib.as_dtype(dtype).name} for IndexedSlices of dtype {value.dtype.name}. Fix: tf.cast "
                "its values first."
            )
        return dense()
    if isinstance(value, (list, tuple)) and any(isinstance(v, (TensorBase, VariableBase)) for v in _flatten(value)):
        from tapejax._src.ops import shape_ops

        # Auto-packing, as TF: one recorded Pack op, Python numbers adapt to the tensors' dtype.
        np_dtype = None if dtype is None else dtypes_lib.as_dtype(dtype)._np
        return shape_ops.stack(shape_ops.pack_list(value, np_dtype, "Pack"))
    np_dtype = None
    if dtype is not None:
        np_dtype = dtypes_lib.as_dtype(dtype)._np
    elif dtype_hint is not None and isinstance(value, (int, float, bool, list, tuple)):
        try:
            return Tensor(convert_python(value, dtypes_lib.as_dtype(dtype_hint)._np, "convert_to_tensor"))
        except (TypeError, ValueError):
            pass
    if conversion_registry.ACTIVE:  # tf.register_tensor_conversion_function: its Tensor, tape history kept
        hint = None if dtype_hint is None else dtypes_lib.as_dtype(dtype_hint)._np
        converted = conversion_registry.convert(value, np_dtype, hint)
        if converted is not None:
            return converted
    return Tensor(convert_python(value, np_dtype, "convert_to_tensor"))


def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Returns a tensor with the same value (``tf.identity``); differentiable, reads Variables."""
    return bind(_identity, input)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str | None = None) -> list[Tensor]:
    """Splits ``value`` along ``axis`` into a list of tensors of rank ``R - 1`` (``tf.unstack``).

    One dispatch per 16 pieces (not one per piece), each a cached kernel.

    >>> import tapejax as tf
    >>> [float(t) for t in tf.unstack(tf.constant([1.0, 2.0]))]
    [1.0, 2.0]
    """
    shape = _shape_of(value)
    if not shape:
        raise ValueError("unstack: cannot unstack a rank-0 tensor (input shape ()).")
    axis_ = axis + len(shape) if axis < 0 else axis
    if not 0 <= axis_ < len(shape):
        raise ValueError(f"unstack: axis = {axis} not in [{-len(shape)}, {len(shape)}) for shape {tuple(shape)}.")
    n = shape[axis_]
    if num is not None and num != n:
        raise errors.InvalidArgumentError(
            None, None, f"Unpack: Input shape axis {axis_} must equal {num}, got shape {list(shape)}."
        )
    if n == 0:
        return []
    if n <= _UNSTACK_CHUNK:
        return list(bind(_unstack, value, scalar_to_array(0, np.dtype(np.int32), "Unpack"), num=n, axis=axis_))
    rows: list[Tensor] = []
    for begin in range(0, n, _UNSTACK_CHUNK):
        start = min(begin, n - _UNSTACK_CHUNK)  # the last chunk overlaps the previous one
        # A cached device scalar: a numpy scalar argument would miss jax.jit's C++ fast path.
        begin_at = scalar_to_array(start, np.dtype(np.int32), "Unpack")
        part = bind(_unstack, value, begin_at, num=_UNSTACK_CHUNK, axis=axis_)
        rows.extend(part[begin - start :])
    return rows


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """Reshapes ``tensor``; one dimension may be -1 (``tf.reshape``).

    Raises:
      InvalidArgumentError: if the element counts differ.
    """
    shape = _static_shape_arg(utils.refuse_shape_bools("Reshape", shape, "input"))
    src = _shape_of(tensor)
    size = int(np.prod(src))
    known = int(np.prod([d for d in shape if d != -1]))
    if -1 in shape and shape.count(-1) == 1 and known == 0:
        # TF's ReshapeOp: zero sizes leave the product, and so do the input's zero dimensions, so
        # the -1 of an empty tensor is inferred from the rest ((0, 3, 2) -> [0, -1] is (0, 6)).
        product = int(np.prod([d for d in shape if d > 0]))
        missing = int(np.prod([d for d in src if d > 0])) // product
        shape = tuple(missing if d == -1 else d for d in shape)
        known = int(np.prod(shape))
    if (-1 not in shape and known != size) or (-1 in shape and (known == 0 or size % known)):
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Reshape: input to reshape is a tensor with {size} values (shape {tuple(src)}), but the requested "
            f"shape {list(shape)} has {known}.",
        )
    return bind(_reshape, tensor, shape=shape)


def strided_slice_from_key(x: Any, key: Any) -> Tensor:
    """``x[key]`` with TF's slicing: ints, slices with steps, ``...``, ``tf.newaxis``, scalar tensors.

    A bool tensor (or bool numpy array) as the whole key is a mask: ``x[x > 2]`` is ``tf.boolean_mask``.
    """
    if isinstance(key, bool):  # TF takes a Python bool key for a mask (x[True]: ValueError)
        raise ValueError("mask cannot be scalar.")
    mask = key._value if isinstance(key, (TensorBase, VariableBase)) else key
    if isinstance(mask, (np.ndarray, jax.Array)) and mask.dtype == np.bool_ and mask.ndim > 0:
        from tapejax._src.ops.index_ops import boolean_mask

        return boolean_mask(x, key)
    if type(key) is list:  # a Python list is the tuple of indices, as TF's _slice_helper (x[[1, 2]] is x[1, 2])
        key = tuple(key)
    elif not isinstance(key, tuple):
        key = (key,)
    spec = []
    dyn = []
    shape = _shape_of(x)
    dim = 0
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is None:
            spec.append(("newaxis", None, None, None))
        elif k is Ellipsis:
            spec.append(("ellipsis", None, None, None))
            dim += len(shape) - n_real
        elif isinstance(k, slice):
            spec.append(("slice", _slice_part(k.start), _slice_part(k.stop), _slice_part(k.step)))
            if k.step is not None and _slice_part(k.step) == 0:
                raise errors.InvalidArgumentError(None, None, f"StridedSlice: slice step must be non-zero, got {k}.")
            dim += 1
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            k = int(k)
            if dim >= len(shape):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"StridedSlice: too many indices for a tensor of shape {tuple(shape)}: index {k} would address "
                    f"dimension {dim}, but the tensor has only {len(shape)}.",
                )
            if not -shape[dim] <= k < shape[dim]:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"StridedSlice: slice index {k} of dimension {dim} out of bounds (shape {tuple(shape)}).",
                )
            spec.append(("int", k, None, None))
            dim += 1
        elif isinstance(k, (TensorBase, VariableBase)) and k._value.ndim == 0 and np.dtype(k._v.dtype).kind in "iu":
            kv = k._value
            if dim < len(shape) and not isinstance(kv, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
                i = int(kv)  # (TF checks a tensor index eagerly too; under tf.function XLA clamps it)
                if not -shape[dim] <= i < shape[dim]:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"StridedSlice: slice index {i} of dimension {dim} out of bounds (shape {tuple(shape)}).",
                    )
            spec.append(("dyn", len(dyn), None, None))
            dyn.append(k)
            dim += 1
        else:
            raise TypeError(
                f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar int32/int64 "
                f"tensors are valid indices, got {k!r}. Use tf.gather or tf.boolean_mask for array indices."
            )
    if dim > len(shape):
        raise errors.InvalidArgumentError(
            None, None, f"StridedSlice: too many indices ({dim}) for a tensor of shape {tuple(shape)}."
        )
    return bind(_strided_slice, x, *dyn, spec=tuple(spec))


def _slice_part(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):  # TF packs the bounds into an int32 tensor: a bool one has no kernel
        raise errors.InvalidArgumentError(
            None, None, f"StridedSlice: slice bounds must be integers, got the bool {v!r} (expected an int32 tensor)."
        )
    if isinstance(v, (TensorBase, VariableBase)):
        return int(np.asarray(v._value))
    return int(v)


def _shape_of(x: Any) -> tuple[int, ...]:
    if isinstance(x, (TensorBase, VariableBase)):
        return tuple(x._v.shape)
    return tuple(np.shape(convert_python(x, None)))


def _static_shape_arg(shape: Any) -> tuple[int, ...]:
    """A shape argument (list, tuple, TensorShape, int tensor) as a hashable tuple of ints."""
    if isinstance(shape, (TensorBase, VariableBase)):
        return tuple(int(d) for d in np.asarray(shape._value).reshape(-1))
    if isinstance(shape, TensorShape):
        return tuple(shape.as_list())  # type: ignore[arg-type]
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) if not isinstance(d, (TensorBase, VariableBase)) else int(np.asarray(d._value)) for d in shape)
