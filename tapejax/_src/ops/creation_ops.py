"""Tensor creation (``tf.zeros``, ``tf.ones``, ``tf.fill``, ``tf.eye``, ``tf.range``, ``tf.linspace``, ``tf.one_hot``).

Shapes and sizes are static params of the op (part of its kernel's cache key); values that TF lets
be tensors (``fill``'s value, ``linspace``'s endpoints, ``one_hot``'s on/off values) are inputs,
so gradients reach them where TF's do (``fill``, and ``linspace``, which TF 2 builds from
differentiable ops).
"""

from __future__ import annotations

import builtins
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, _to_device, bind
from tapejax._src.ops import math_ops, utils
from tapejax._src.tensor import Tensor

Shape = tuple[int, ...]


def _zeros_impl(*, shape: Shape, dtype: np.dtype) -> Any:
    return jnp.zeros(shape, dtype)


def _ones_impl(*, shape: Shape, dtype: np.dtype) -> Any:
    return jnp.ones(shape, dtype)


def _zeros_like_impl(x: Any, *, dtype: np.dtype) -> Any:
    return jnp.zeros(x.shape, dtype)


def _ones_like_impl(x: Any, *, dtype: np.dtype) -> Any:
    return jnp.ones(x.shape, dtype)


def _fill_impl(value: Any, *, shape: Shape) -> Any:
    return jnp.broadcast_to(value, shape)


def _eye_impl(*, num_rows: int, num_columns: int, batch_shape: Shape, dtype: np.dtype) -> Any:
    return jnp.broadcast_to(jnp.eye(num_rows, num_columns, dtype=dtype), (*batch_shape, num_rows, num_columns))


def _range_impl(start: Any, delta: Any, *, size: int) -> Any:
    return start + jnp.arange(size, dtype=start.dtype) * delta


def _linspace_impl(start: Any, stop: Any, *, num: int, axis: int) -> Any:
    # TF's construction: exact endpoints, start + i * delta in between.
    shape = jnp.broadcast_shapes(start.shape, stop.shape)
    start = jnp.expand_dims(jnp.broadcast_to(start, shape), axis)
    stop = jnp.expand_dims(jnp.broadcast_to(stop, shape), axis)
    delta = (stop - start) / max(num - 1, 1)
    steps = jnp.arange(1, max(num - 1, 1), dtype=start.dtype)
    steps = jnp.reshape(steps, [-1 if i == axis else 1 for i in builtins.range(start.ndim)])
    full = jnp.concatenate([start, start + delta * steps, stop], axis=axis)
    return lax.slice_in_dim(full, 0, num, axis=axis)


def _one_hot_impl(indices: Any, on_value: Any, off_value: Any, *, depth: int, axis: int) -> Any:
    hot = jnp.expand_dims(indices, -1) == jnp.arange(depth, dtype=indices.dtype)
    out = jnp.where(hot, on_value, off_value)
    return jnp.moveaxis(out, -1, axis)


_zeros = Op("Zeros", _zeros_impl, differentiable=False)
_ones = Op("Ones", _ones_impl, differentiable=False)
_zeros_like = Op("ZerosLike", _zeros_like_impl, differentiable=False)
_ones_like = Op("OnesLike", _ones_like_impl, differentiable=False)
_fill = Op("Fill", _fill_impl)
_eye = Op("Eye", _eye_impl, differentiable=False)
_range = Op("Range", _range_impl, differentiable=False)
_linspace = Op("LinSpace", _linspace_impl, same_dtype=True)
_one_hot = Op("OneHot", _one_hot_impl, differentiable=False)  # TF: no gradient, even to on/off values


def _np_dtype(dtype: Any) -> np.dtype:
    return dtypes_lib.as_dtype(dtype)._np


def zeros(shape: Any, dtype: Any = dtypes_lib.float32, name: str | None = None, layout: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with zeros, float32 by default (``tf.zeros``).

    >>> import tapejax as tf
    >>> print(tf.zeros([2], dtype=tf.int32))
    tf.Tensor([0 0], shape=(2,), dtype=int32)
    """
    shape = utils.refuse_shape_bools("Fill", shape, "int32")
    return bind(_zeros, shape=_check_shape("Zeros", shape), dtype=_np_dtype(dtype))


def ones(shape: Any, dtype: Any = dtypes_lib.float32, name: str | None = None, layout: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with ones, float32 by default (``tf.ones``).

    >>> import tapejax as tf
    >>> print(tf.ones((2, 2)))
    tf.Tensor(
    [[1. 1.]
     [1. 1.]], shape=(2, 2), dtype=float32)
    """
    shape = utils.refuse_shape_bools("Fill", shape, "int32")
    return bind(_ones, shape=_check_shape("Ones", shape), dtype=_np_dtype(dtype))


def zeros_like(input: Any, dtype: Any = None, name: str | None = None, layout: Any = None) -> Tensor:  # noqa: A002
    """Zeros with the shape (and, unless ``dtype`` is given, the dtype) of ``input`` (``tf.zeros_like``)."""
    x = utils.as_tensor(input, None, "ZerosLike")
    return bind(_zeros_like, x, dtype=x._v.dtype if dtype is None else _np_dtype(dtype))


def ones_like(input: Any, dtype: Any = None, name: str | None = None, layout: Any = None) -> Tensor:  # noqa: A002
    """Ones with the shape (and, unless ``dtype`` is given, the dtype) of ``input`` (``tf.ones_like``)."""
    x = utils.as_tensor(input, None, "OnesLike")
    return bind(_ones_like, x, dtype=x._v.dtype if dtype is None else _np_dtype(dtype))


def _check_shape(op_name: str, shape: Any) -> Shape:
    dims = utils.static_shape_arg(shape)
    if any(d < 0 for d in dims):
        raise utils.invalid_argument(f"{op_name}: dimensions must be non-negative, got shape {list(dims)}.")
    return dims


def fill(dims: Any, value: Any, name: str | None = None, layout: Any = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value``, in ``value``'s dtype (``tf.fill``).

    Differentiable with respect to ``value`` (its gradient is the sum of the output gradient).

    Raises:
      InvalidArgumentError: if ``value`` is not a scalar.

    >>> import tapejax as tf
    >>> print(tf.fill([2], 7))
    tf.Tensor([7 7], shape=(2,), dtype=int32)
    """
    v = utils.as_tensor(value, None, "Fill")
    if utils.shape_of(v) != ():
        raise utils.invalid_argument(f"Fill: value must be a scalar, got shape {utils.shape_of(v)}.")
    dims = utils.refuse_shape_bools("Fill", dims, "input")
    return bind(_fill, v, shape=_check_shape("Fill", dims))


def eye(
    num_rows: int,
    num_columns: int | None = None,
    batch_shape: Any = None,
    dtype: Any = dtypes_lib.float32,
    name: str | None = None,
) -> Tensor:
    """An identity matrix (or a batch of them), float32 by default (``tf.eye``).

    >>> import tapejax as tf
    >>> print(tf.eye(2, 3))
    tf.Tensor(
    [[1. 0. 0.]
     [0. 1. 0.]], shape=(2, 3), dtype=float32)
    """
    if isinstance(num_rows, (bool, np.bool_)) or isinstance(num_columns, np.bool_):  # (TF's Python checks)
        raise TypeError(
            "Arguments `num_rows` and `num_columns` must be positive integer values. "
            f"Received: num_rows={num_rows}, num_columns={num_columns}"
        )
    rows = utils.static_int(num_rows, "num_rows")
    cols = rows if num_columns is None else utils.static_int(num_columns, "num_columns")
    batch = () if batch_shape is None else _check_shape("Eye", batch_shape)
    if rows < 0 or cols < 0:
        raise utils.invalid_argument(f"Eye: num_rows and num_columns must be non-negative, got {rows} and {cols}.")
    return bind(_eye, num_rows=rows, num_columns=cols, batch_shape=batch, dtype=_np_dtype(dtype))


# TF picks the "largest" of the argument dtypes in this order.
_RANGE_DTYPES = ("int32", "int64", "float16", "bfloat16", "float32", "float64")


def range(  # noqa: A001 - TF's name
    start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str | None = "range"
) -> Tensor:
    """``[start, start + delta, ...]`` up to but excluding ``limit`` (``tf.range``).

    ``tf.range(n)`` counts from 0. The dtype is inferred from the arguments (int32 for Python ints,
    float32 if any is a Python float) unless ``dtype`` is given.

    Raises:
      InvalidArgumentError: if ``delta`` is 0 or has the wrong sign for ``start`` and ``limit``.

    >>> import tapejax as tf
    >>> print(tf.range(5))
    tf.Tensor([0 1 2 3 4], shape=(5,), dtype=int32)
    >>> print(tf.range(1.0, 2.0, 0.25))
    tf.Tensor([1.   1.25 1.5  1.75], shape=(4,), dtype=float32)
    """
    if limit is None:
        start, limit = 0, start
    args = [utils.as_tensor(a, None, "Range") for a in (start, limit, delta)]
    values = []
    for a, what in zip(args, ("start", "limit", "delta"), strict=True):
        v = utils.concrete(a)
        if v is None or v.ndim != 0:
            raise utils.invalid_argument(f"Range: {what} must be a concrete scalar, got {utils.describe([a])}.")
        values.append(v)
    if dtype is None:
        names = [v.dtype.name for v in values]
        for n in names:
            if n not in _RANGE_DTYPES:
                raise utils.invalid_argument(f"Range: unsupported dtype {n}; expected one of {list(_RANGE_DTYPES)}.")
        np_dtype = dtypes_lib.as_dtype(max(names, key=_RANGE_DTYPES.index))._np
    else:
        np_dtype = _np_dtype(dtype)
    s, lim, d = (np.asarray(v).astype(np_dtype) for v in values)
    if d == 0:
        raise utils.invalid_argument(f"Range: Requires delta != 0: {d}")
    if d > 0 and s > lim:
        raise utils.invalid_argument(f"Range: Requires start <= limit when delta > 0: {s}/{lim}")
    if d < 0 and s < lim:
        raise utils.invalid_argument(f"Range: Requires start >= limit when delta < 0: {s}/{lim}")
    if np_dtype.kind in "iu":
        size = (builtins.abs(int(lim) - int(s)) + builtins.abs(int(d)) - 1) // builtins.abs(int(d))
    else:  # computed in the dtype itself, as TF's kernel does
        size = int(np.ceil(np.abs((lim - s) / d)))
    # As device arrays: NumPy arguments would make bind run the kernel at once (compiled on its own)
    # instead of queueing it with the ops that follow (one program).
    return bind(_range, _device_scalar(s), _device_scalar(d), size=int(size))


# Range's start and delta as device arrays, per dtype and bytes (exact: -0.0 is not 0.0): a transfer
# costs about 60 us, a loop's tf.range repeats its bounds.
_DEVICE_SCALARS: dict[tuple[str, bytes], Any] = {}


def _device_scalar(v: np.ndarray) -> Any:
    k = (v.dtype.str, v.tobytes())
    a = _DEVICE_SCALARS.get(k)
    if a is None:
        if len(_DEVICE_SCALARS) >= 1024:
            _DEVICE_SCALARS.clear()
        a = _DEVICE_SCALARS[k] = _to_device(v)
    return a


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (``tf.linspace``).

    ``start`` and ``stop`` may be tensors (they broadcast); the values are laid out along ``axis``.
    Integer endpoints give float64 values, as in TF (its integer division is a true division).

    >>> import tapejax as tf
    >>> print(tf.linspace(0.0, 1.0, 5))
    tf.Tensor([0.   0.25 0.5  0.75 1.  ], shape=(5,), dtype=float32)
    """
    a, b = utils.as_tensors_like([start, stop], "LinSpace")
    kind = a._v.dtype.kind
    if kind in "iu":
        float_dtype = np.float32 if a._v.dtype.itemsize <= 2 else np.float64
        a, b = math_ops.cast(a, float_dtype), math_ops.cast(b, float_dtype)
    elif kind != "f":
        utils.require_float("LinSpace", a, complex_ok=False)
    n = utils.static_int(num, "num")
    if n < 0:
        raise utils.invalid_argument(f"LinSpace: num must be non-negative, got {n}.")
    rank = len(np.broadcast_shapes(utils.shape_of(a), utils.shape_of(b)))
    ax = utils.normalize_axis("LinSpace", utils.static_int(axis, "axis"), rank + 1)
    return bind(_linspace, a, b, num=n, axis=ax)


def one_hot(
    indices: Any,
    depth: Any,
    on_value: Any = None,
    off_value: Any = None,
    axis: Any = None,
    dtype: Any = None,
    name: str | None = None,
) -> Tensor:
    """One-hot encoding of integer ``indices`` with a new axis of size ``depth`` (``tf.one_hot``).

    Out-of-range (including negative) indices give a row of ``off_value``. The dtype is ``dtype``,
    else that of ``on_value``/``off_value``, else float32. Not differentiable (TF registers no
    gradient for ``OneHot``): tape gradients through it are ``None``.

    >>> import tapejax as tf
    >>> print(tf.one_hot([0, 2, -1], 3))
    tf.Tensor(
    [[1. 0. 0.]
     [0. 0. 1.]
     [0. 0. 0.]], shape=(3, 3), dtype=float32)
    """
    idx = utils.as_tensor(indices, None, "OneHot")
    if idx._v.dtype.kind not in "iu":
        utils.require_kind("OneHot", idx, "iu", "integer indices")
    d = utils.static_int(depth, "depth")
    if d < 0:
        raise utils.invalid_argument(f"OneHot: depth must be non-negative, got {d}.")
    if dtype is not None:
        np_dtype = _np_dtype(dtype)
    elif utils.is_tensor(on_value):
        np_dtype = on_value._v.dtype
    elif utils.is_tensor(off_value):
        np_dtype = off_value._v.dtype
    elif on_value is not None:
        np_dtype = utils.as_tensor(on_value)._v.dtype
    elif off_value is not None:
        np_dtype = utils.as_tensor(off_value)._v.dtype
    else:
        np_dtype = np.dtype(np.float32)
    on = utils.as_tensor(1 if on_value is None else on_value, np_dtype, "OneHot")
    off = utils.as_tensor(0 if off_value is None else off_value, np_dtype, "OneHot")
    utils.check_same_dtype("OneHot", [on, off])
    if on._v.dtype != np_dtype:
        raise utils.invalid_argument(
            f"OneHot: on_value and off_value must have dtype {np_dtype.name}, got {utils.describe([on, off])}."
        )
    rank = len(utils.shape_of(idx))
    ax = -1 if axis is None else utils.static_int(axis, "axis")
    if ax < -1 or ax > rank:
        raise utils.invalid_argument(f"OneHot: Expected axis to be -1 or between [0, {rank}], but got {ax}.")
    return bind(_one_hot, idx, on, off, depth=d, axis=rank if ax == -1 else ax)
