"""Reductions and scans (``tf.reduce_sum``, ``tf.math.reduce_std``, ``tf.argmax``, ``tf.cumsum``).

Every reduction keeps TF's dtype: sums of int32 stay int32 (jnp would widen them to int64 under
x64), the mean of integers is an integer division, argmax gives int64 unless told otherwise.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import math_ops, utils
from tapejax._src.tensor import Tensor

Axes = tuple[int, ...] | None


def _count(x: Any, axis: Axes) -> int:
    return x.size if axis is None else math.prod(x.shape[a] for a in axis)


def _sum_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    return jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _mean_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    if x.dtype.kind in "iu":
        # TF divides integer sums by the count, truncating toward zero, with a 64-bit accumulator:
        # the mean of [200, 200] in uint8 is 200 (a sum in uint8 wrapped round to 72).
        wide = jnp.uint64 if x.dtype.kind == "u" else jnp.int64
        total = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=wide)
        return lax.div(total, jnp.asarray(max(_count(x, axis), 1), wide)).astype(x.dtype)
    return jnp.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _empty_reduction(x: Any, axis: Axes, keepdims: bool, fill: Any) -> Any:
    shape = np.sum(np.empty(x.shape, np.int8), axis=axis, keepdims=keepdims).shape
    return jnp.full(shape, fill, x.dtype)


def _lowest(dtype: Any) -> Any:
    return -np.inf if dtypes_lib.np_kind(dtype) == "f" else np.iinfo(dtype).min


def _highest(dtype: Any) -> Any:
    return np.inf if dtypes_lib.np_kind(dtype) == "f" else np.iinfo(dtype).max


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2, 3))
def tf_max_reduce(x: Any, axis: Axes, keepdims: bool, smallest: bool) -> Any:
    """``jnp.max`` (``jnp.min`` if ``smallest``) of a float array with TF's Max/Min gradient."""
    return (jnp.min if smallest else jnp.max)(x, axis=axis, keepdims=keepdims)


@tf_max_reduce.defjvp
def _tf_max_reduce_jvp(axis: Axes, keepdims: bool, smallest: bool, primals: Any, tangents: Any) -> Any:
    # TF's _MinOrMaxGrad: the elements equal to the result share it equally (indicators / count), so
    # a NaN result (no element equal) gives 0 / 0: NaN for every element of its group, even for a
    # zero cotangent (JAX's own rule gives 0 there). The NaN is written out: XLA rewrites
    # indicators / count as select(indicator, 1 / count, 0).
    (x,), (t,) = primals, tangents
    y = (jnp.min if smallest else jnp.max)(x, axis=axis, keepdims=True)
    hit = (x == y).astype(x.dtype)
    count = jnp.sum(hit, axis=axis, keepdims=True)
    share = jnp.where(count == 0, jnp.asarray(np.nan, x.dtype), hit / count)
    y_dot = jnp.sum(t * share, axis=axis, keepdims=keepdims)
    return (y if keepdims else jnp.reshape(y, y_dot.shape)), y_dot


def _max_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    if x.size == 0:
        return _empty_reduction(x, axis, keepdims, _lowest(x.dtype))
    if dtypes_lib.np_kind(x.dtype) == "f":
        return tf_max_reduce(x, axis, keepdims, False)
    return jnp.max(x, axis=axis, keepdims=keepdims)


def _min_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    if x.size == 0:
        return _empty_reduction(x, axis, keepdims, _highest(x.dtype))
    if dtypes_lib.np_kind(x.dtype) == "f":
        return tf_max_reduce(x, axis, keepdims, True)
    return jnp.min(x, axis=axis, keepdims=keepdims)


def _prod_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    return jnp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _variance_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    # TF's formula: mean(square(abs(x - mean(x)))), real for complex input.
    means = jnp.mean(x, axis=axis, keepdims=True, dtype=x.dtype)
    deviations = jnp.square(jnp.abs(x - means))
    return jnp.mean(deviations, axis=axis, keepdims=keepdims, dtype=deviations.dtype)


def _std_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    # TF's sqrt(reduce_variance(x)): SqrtGrad gives 0 for a zero upstream gradient, even at a zero
    # or NaN deviation (a plain sqrt's 0 * inf is NaN: maximum(reduce_std([c]), 0.5) had a NaN gradient).
    return math_ops._sqrt_impl(_variance_impl(x, axis=axis, keepdims=keepdims))


def _logsumexp_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    # TF's formula: the (finite) max is subtracted for stability and held constant for the gradient.
    raw_max = jnp.max(x, axis=axis, keepdims=True, initial=-jnp.inf)  # (-inf over an empty axis, as TF)
    my_max = lax.stop_gradient(jnp.where(jnp.isfinite(raw_max), raw_max, jnp.zeros_like(raw_max)))
    result = jnp.log(jnp.sum(jnp.exp(x - my_max), axis=axis, keepdims=keepdims, dtype=x.dtype))
    if not keepdims:
        my_max = jnp.reshape(my_max, result.shape)
    return result + my_max


def _all_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    return jnp.all(x, axis=axis, keepdims=keepdims)


def _any_impl(x: Any, *, axis: Axes, keepdims: bool) -> Any:
    return jnp.any(x, axis=axis, keepdims=keepdims)


def _argmax_impl(x: Any, *, axis: int, output_type: np.dtype) -> Any:
    if jnp.issubdtype(x.dtype, jnp.floating):  # TF's comparisons pass over NaN (jnp picks it)
        x = jnp.where(jnp.isnan(x), jnp.asarray(-jnp.inf, x.dtype), x)
    return jnp.argmax(x, axis=axis).astype(output_type)


def _argmin_impl(x: Any, *, axis: int, output_type: np.dtype) -> Any:
    if jnp.issubdtype(x.dtype, jnp.floating):
        x = jnp.where(jnp.isnan(x), jnp.asarray(jnp.inf, x.dtype), x)
    return jnp.argmin(x, axis=axis).astype(output_type)


def _cumsum_impl(x: Any, *, axis: int, exclusive: bool, reverse: bool) -> Any:
    if reverse:
        x = jnp.flip(x, axis)
    y = jnp.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive and x.shape[axis] > 0:
        zero = jnp.zeros_like(lax.slice_in_dim(x, 0, 1, axis=axis))
        y = jnp.concatenate([zero, lax.slice_in_dim(y, 0, x.shape[axis] - 1, axis=axis)], axis=axis)
    if reverse:
        y = jnp.flip(y, axis)
    return y


_reduce_sum = Op("Sum", _sum_impl)
_reduce_mean = Op("Mean", _mean_impl)
_reduce_max = Op("Max", _max_impl)
_reduce_min = Op("Min", _min_impl)
_reduce_prod = Op("Prod", _prod_impl)
_reduce_variance = Op("ReduceVariance", _variance_impl)
_reduce_std = Op("ReduceStd", _std_impl)
_reduce_logsumexp = Op("ReduceLogSumExp", _logsumexp_impl)
_reduce_all = Op("All", _all_impl, differentiable=False)
_reduce_any = Op("Any", _any_impl, differentiable=False)
_argmax = Op("ArgMax", _argmax_impl, differentiable=False)
_argmin = Op("ArgMin", _argmin_impl, differentiable=False)
_cumsum = Op("Cumsum", _cumsum_impl)


def _reduce(op: Op, kinds: str, what: str, input_tensor: Any, axis: Any, keepdims: bool) -> Tensor:
    x = utils.as_tensor(input_tensor, None, op.name)
    if x._v.dtype.kind not in kinds:
        utils.require_kind(op.name, x, kinds, what)
    axes = utils.reduction_axes(op.name, axis, x._v.shape)
    return bind(op, x, axis=axes, keepdims=bool(keepdims))


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Sum of elements across ``axis`` (all axes if None), in the input's dtype (``tf.math.reduce_sum``).

    Args:
      input_tensor: a numeric tensor.
      axis: None, an int or a list of ints in ``[-rank, rank)``.
      keepdims: keep the reduced axes with size 1.
      name: unused, kept for TF's signature.

    Raises:
      InvalidArgumentError: for bool input or an axis out of range.

    >>> import tapejax as tf
    >>> x = tf.constant([[1, 2], [3, 4]])
    >>> print(tf.reduce_sum(x))
    tf.Tensor(10, shape=(), dtype=int32)
    >>> print(tf.reduce_sum(x, axis=1, keepdims=True))
    tf.Tensor(
    [[3]
     [7]], shape=(2, 1), dtype=int32)
    """
    return _reduce(_reduce_sum, "fciu", "numeric", input_tensor, axis, keepdims)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Mean across ``axis`` (``tf.math.reduce_mean``); integer input gives a truncated integer mean, as TF.

    >>> import tapejax as tf
    >>> print(tf.reduce_mean(tf.constant([1, 2])))
    tf.Tensor(1, shape=(), dtype=int32)
    >>> print(tf.reduce_mean(tf.constant([1.0, 2.0])))
    tf.Tensor(1.5, shape=(), dtype=float32)
    """
    return _reduce(_reduce_mean, "fciu", "numeric", input_tensor, axis, keepdims)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Maximum across ``axis`` (``tf.math.reduce_max``); tied maxima share the gradient equally.

    An empty reduction gives ``-inf`` (the dtype's lowest value for integers), as TF. A NaN maximum
    (NaN propagates) gives NaN gradients to every element it was taken over, as TF's Max gradient.

    >>> import tapejax as tf
    >>> v = tf.Variable([2.0, 1.0, 2.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.reduce_max(v)
    >>> print(tape.gradient(y, v))
    tf.Tensor([0.5 0.  0.5], shape=(3,), dtype=float32)
    """
    return _reduce(_reduce_max, "fiu", "real numeric", input_tensor, axis, keepdims)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Minimum across ``axis`` (``tf.math.reduce_min``); tied minima share the gradient equally."""
    return _reduce(_reduce_min, "fiu", "real numeric", input_tensor, axis, keepdims)


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Product across ``axis`` in the input's dtype (``tf.math.reduce_prod``)."""
    return _reduce(_reduce_prod, "fciu", "numeric", input_tensor, axis, keepdims)


def _float_reduce(op: Op, input_tensor: Any, axis: Any, keepdims: bool) -> Tensor:
    x = utils.as_tensor(input_tensor, None, op.name)
    if x._v.dtype.kind == "b":  # TF's bool reaches its Mean kernel, which has none for bool
        raise utils.invalid_argument(
            f"{op.name}: no kernel for bool tensors, got {utils.describe([x])}. Fix: tf.cast the input to tf.float32."
        )
    if dtypes_lib.np_kind(x._v.dtype) not in "fc":
        raise TypeError(
            f"{op.name}: input must be either real or complex, got {utils.describe([x])}. "
            "Fix: tf.cast the input to tf.float32."
        )
    return _reduce(op, "fc", "floating or complex", x, axis, keepdims)


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Population variance across ``axis`` (``tf.math.reduce_variance``); real-valued for complex input.

    Raises:
      TypeError: for integer or bool input, as TF.

    >>> import tapejax as tf
    >>> print(tf.math.reduce_variance(tf.constant([1.0, 2.0, 3.0, 4.0])))
    tf.Tensor(1.25, shape=(), dtype=float32)
    """
    return _float_reduce(_reduce_variance, input_tensor, axis, keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Population standard deviation across ``axis`` (``tf.math.reduce_std``).

    Raises:
      TypeError: for integer or bool input, as TF.
    """
    return _float_reduce(_reduce_std, input_tensor, axis, keepdims)


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """``log(sum(exp(x)))`` across ``axis``, computed stably (``tf.math.reduce_logsumexp``).

    >>> import tapejax as tf
    >>> print(tf.reduce_logsumexp(tf.constant([0.0, 0.0])))
    tf.Tensor(0.6931472, shape=(), dtype=float32)
    """
    return _reduce(_reduce_logsumexp, "f", "floating", input_tensor, axis, keepdims)


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Logical AND across ``axis`` of a bool tensor (``tf.math.reduce_all``)."""
    return _reduce(_reduce_all, "b", "bool", input_tensor, axis, keepdims)


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Logical OR across ``axis`` of a bool tensor (``tf.math.reduce_any``)."""
    return _reduce(_reduce_any, "b", "bool", input_tensor, axis, keepdims)


def _arg_reduce(op: Op, input: Any, axis: Any, output_type: Any) -> Tensor:  # noqa: A002 - TF's name
    x = utils.as_tensor(input, None, op.name)
    out = dtypes_lib.int64 if output_type is None else dtypes_lib.as_dtype(output_type)  # (None: TF's default)
    if out.name not in ("int16", "uint16", "int32", "int64"):
        raise TypeError(f"{op.name}: output_type must be tf.int32 or tf.int64, got {out!r}.")
    shape = x._v.shape
    ax = 0 if axis is None else utils.static_int(axis, "axis")
    if not shape:
        raise utils.invalid_argument(
            f"{op.name}: Expected dimension in the range [0, 0), but got {ax} (input shape ())."
        )
    ax = utils.normalize_axis(op.name, ax, len(shape), shape)
    if shape[ax] == 0:
        raise utils.invalid_argument(f"{op.name}: Reduction axis {ax} is empty in shape {tuple(shape)}.")
    return bind(op, x, axis=ax, output_type=out._np)


def argmax(input: Any, axis: Any = None, output_type: Any = dtypes_lib.int64, name: str | None = None) -> Tensor:  # noqa: A002
    """Index of the largest value along ``axis`` (default 0); ties give the smallest index (``tf.math.argmax``).

    Not differentiable: tape gradients through it are ``None``.

    >>> import tapejax as tf
    >>> print(tf.argmax(tf.constant([[1, 9], [5, 2]]), axis=1))
    tf.Tensor([1 0], shape=(2,), dtype=int64)
    """
    return _arg_reduce(_argmax, input, axis, output_type)


def argmin(input: Any, axis: Any = None, output_type: Any = dtypes_lib.int64, name: str | None = None) -> Tensor:  # noqa: A002
    """Index of the smallest value along ``axis`` (default 0); ties give the smallest index (``tf.math.argmin``)."""
    return _arg_reduce(_argmin, input, axis, output_type)


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None) -> Tensor:
    """Cumulative sum along ``axis`` (``tf.math.cumsum``), optionally exclusive and/or reversed.

    >>> import tapejax as tf
    >>> print(tf.cumsum(tf.constant([1, 2, 3])))
    tf.Tensor([1 3 6], shape=(3,), dtype=int32)
    >>> print(tf.cumsum(tf.constant([1, 2, 3]), exclusive=True, reverse=True))
    tf.Tensor([5 3 0], shape=(3,), dtype=int32)
    """
    t = utils.as_tensor(x, None, "Cumsum")
    if t._v.dtype.kind not in "fciu":
        utils.require_kind("Cumsum", t, "fciu", "numeric")
    shape = t._v.shape
    if not shape:
        raise utils.invalid_argument("Cumsum: input must be at least rank 1, got a scalar.")
    ax = utils.normalize_axis("Cumsum", utils.static_int(axis, "axis"), len(shape), shape)
    return bind(
        _cumsum,
        t,
        axis=ax,
        exclusive=utils.bool_attr(exclusive, "exclusive"),
        reverse=utils.bool_attr(reverse, "reverse"),
    )
