"""Segment reductions, counting, top-k and scans (``tf.math.segment_sum``, ``unsorted_segment_max``,
``bincount``, ``confusion_matrix``, ``top_k``, ``cumprod``, ``count_nonzero``, ...).

Output sizes that TF reads from values (a sorted segment op's last id, ``bincount``'s largest value,
``confusion_matrix``'s largest label) are read on the host before the op is bound, as ``tf.where``
with one argument does: inside ``tf.function`` these need the size given (``num_segments``,
``minlength``/``maxlength``, ``num_classes``). TF's value checks (sorted ids, ids in range, a true
permutation) run on concrete values too.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import math_ops, utils
from tapejax._src.tensor import Tensor


# -- segment reductions ----------------------------------------------------------------------------
def _flat_ids(data: Any, ids: Any) -> tuple[Any, Any]:
    """Segment ids of any rank: the leading dims of ``data`` they cover become one."""
    # (an explicit leading size: -1 cannot be inferred when a trailing dim is 0)
    return data.reshape((int(np.prod(data.shape[: ids.ndim])), *data.shape[ids.ndim :])), ids.reshape(-1)


def _counts(ids: Any, num: int, dtype: Any) -> Any:
    return jax.ops.segment_sum(jnp.ones(ids.shape, dtype), ids, num)


def _expand(c: Any, rank: int) -> Any:
    return c.reshape(c.shape + (1,) * (rank - 1))


def _segment_sum_impl(data: Any, ids: Any, *, num: int) -> Any:
    data, ids = _flat_ids(data, ids)
    return jax.ops.segment_sum(data, ids, num)  # (ids outside [0, num) are dropped, as TF's negatives)


def _segment_mean_impl(data: Any, ids: Any, *, num: int, sqrt_n: bool = False) -> Any:
    data, ids = _flat_ids(data, ids)
    s = jax.ops.segment_sum(data, ids, num)
    n = _expand(_counts(ids, num, s.dtype), s.ndim)
    if sqrt_n:
        n = jnp.sqrt(n)
    safe = jnp.where(n == 0, jnp.ones_like(n), n)
    q = lax.div(s, jnp.broadcast_to(safe, s.shape)) if s.dtype.kind in "iu" else s / safe
    return jnp.where(n == 0, jnp.zeros_like(q), q)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3))
def _extremum_core(data: Any, ids: Any, num: int, is_max: bool) -> Any:
    return (jax.ops.segment_max if is_max else jax.ops.segment_min)(data, ids, num)


@_extremum_core.defjvp
def _extremum_jvp(num: int, is_max: bool, primals: Any, tangents: Any) -> Any:
    # TF's _SegmentMinOrMaxGrad: the gradient is split evenly among the elements equal to their
    # segment's result (JAX's scatter-max rule also counts the -inf it starts from as a tie).
    data, ids = primals
    out = _extremum_core(data, ids, num, is_max)
    valid = ((ids >= 0) & (ids < num)).reshape(ids.shape + (1,) * (data.ndim - 1))
    is_selected = (data == out[jnp.clip(ids, 0, max(num - 1, 0))]) & valid
    count = jax.ops.segment_sum(is_selected.astype(data.dtype), ids, num)
    total = jax.ops.segment_sum(jnp.where(is_selected, tangents[0], jnp.zeros_like(tangents[0])), ids, num)
    return out, total / jnp.where(count == 0, jnp.ones_like(count), count)


def _segment_extremum_impl(data: Any, ids: Any, *, num: int, is_max: bool, empty: Any) -> Any:
    data, ids = _flat_ids(data, ids)
    out = _extremum_core(data, ids, num, is_max)
    n = _expand(_counts(ids, num, np.int32), out.ndim)
    return jnp.where(n == 0, jnp.asarray(empty, out.dtype), out)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def _segment_prod_core(data: Any, ids: Any, num: int) -> Any:
    return jax.ops.segment_prod(data, ids, num)


@_segment_prod_core.defjvp
def _segment_prod_jvp(num: int, primals: Any, tangents: Any) -> Any:
    # TF's _SegmentProdGrad: prod / x_i without zeros; with one zero, the product of the others for
    # it and 0 elsewhere; with two or more, 0. (JAX has no derivative for a scatter-multiply.)
    data, ids = primals
    out = _segment_prod_core(data, ids, num)
    is_zero = data == 0
    num_zeros = jax.ops.segment_sum(is_zero.astype(np.int32), ids, num)
    non_zero = jnp.where(is_zero, jnp.ones_like(data), data)
    non_zero_prod = _segment_prod_core(non_zero, ids, num)
    safe_ids = jnp.clip(ids, 0, max(num - 1, 0))
    partial = jnp.where(is_zero, non_zero_prod[safe_ids], out[safe_ids] / non_zero)
    partial = jnp.where(num_zeros[safe_ids] > 1, jnp.zeros_like(partial), partial)
    partial = jnp.conj(partial) if partial.dtype.kind == "c" else partial  # (TF's does not conjugate)
    return out, jax.ops.segment_sum(tangents[0] * partial, ids, num)


def _segment_prod_impl(data: Any, ids: Any, *, num: int) -> Any:
    data, ids = _flat_ids(data, ids)
    return _segment_prod_core(data, ids, num)


_segment_sum = Op("SegmentSum", _segment_sum_impl, nondiff=(1,))
_segment_mean = Op("SegmentMean", _segment_mean_impl, nondiff=(1,))
_segment_extremum = Op("SegmentMax", _segment_extremum_impl, nondiff=(1,))
_segment_prod = Op("SegmentProd", _segment_prod_impl, nondiff=(1,))


def _segment_args(op_name: str, data: Any, segment_ids: Any) -> tuple[Any, Any]:
    data = utils.as_tensor(data, None, op_name)
    ids = utils.as_tensor(segment_ids, None, op_name)
    if ids._v.dtype not in (np.int32, np.int64):
        utils.require_kind(op_name, ids, "", "int32 or int64 segment_ids")
    return data, ids


def _host(raw: Any, t: Any) -> np.ndarray | None:
    """The value of an argument on the host: a Python or numpy value as given (also inside
    tf.function, where its tensor is traced), a tensor's value if it is concrete, else None."""
    if isinstance(raw, (list, tuple, int, np.ndarray, np.generic)) and not _holds_tensors(raw):
        return np.asarray(raw)
    return utils.concrete(t)


def _holds_tensors(raw: Any) -> bool:
    return isinstance(raw, (list, tuple)) and any(utils.is_tensor(r) or isinstance(r, (list, tuple)) for r in raw)


def _sorted_num_segments(op_name: str, data: Any, ids: Any, raw: Any) -> int:
    """The number of segments of a sorted segment op (last id + 1), after TF's checks of the ids."""
    ids_shape, data_shape = utils.shape_of(ids), utils.shape_of(data)
    if len(ids_shape) != 1 or not data_shape or data_shape[0] != ids_shape[0]:
        raise utils.invalid_argument(
            f"{op_name}: segment_ids should be the same size as dimension 0 of input "
            f"(segment_ids {list(ids_shape)}, data {list(data_shape)})."
        )
    v = _host(raw, ids)
    if v is None:
        raise TypeError(
            f"{op_name}: the number of segments depends on the values of segment_ids and cannot be traced; "
            "use tf.math.unsorted_segment_* with num_segments inside tf.function."
        )
    if v.size == 0:
        return 0
    if v[0] < 0:
        raise utils.invalid_argument(
            f"{op_name}: Segment id {int(v[0])} out of range, possibly because 'segment_ids' input is not sorted."
        )
    if np.any(np.diff(v) < 0):
        raise utils.invalid_argument(f"{op_name}: segment ids are not increasing.")
    return int(v[-1]) + 1


def _numeric(op_name: str, data: Any) -> None:
    utils.require_kind(op_name, data, "fciu", "numeric")


def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Sums the rows of ``data`` that share a (sorted) segment id (``tf.math.segment_sum``).

    The output has ``segment_ids[-1] + 1`` rows; a segment with no row is 0.

    Raises:
      InvalidArgumentError: if the ids are not sorted, negative, or not one per row of ``data``.

    >>> import tapejax as tf
    >>> print(tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), tf.constant([0, 0, 2])))
    tf.Tensor([3. 0. 3.], shape=(3,), dtype=float32)
    """
    data, ids = _segment_args("SegmentSum", data, segment_ids)
    _numeric("SegmentSum", data)
    return bind(_segment_sum, data, ids, num=_sorted_num_segments("SegmentSum", data, ids, segment_ids))


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The mean of the rows of each (sorted) segment, 0 for an empty one (``tf.math.segment_mean``).

    Integer data divide as TF's kernel does (toward zero).
    """
    data, ids = _segment_args("SegmentMean", data, segment_ids)
    _numeric("SegmentMean", data)
    return bind(_segment_mean, data, ids, num=_sorted_num_segments("SegmentMean", data, ids, segment_ids))


def segment_max(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The maximum of each (sorted) segment, 0 for an empty one (``tf.math.segment_max``); ties
    share the gradient evenly, as TF."""
    return _sorted_extremum("SegmentMax", data, segment_ids, True)


def segment_min(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The minimum of each (sorted) segment, 0 for an empty one (``tf.math.segment_min``)."""
    return _sorted_extremum("SegmentMin", data, segment_ids, False)


def _sorted_extremum(op_name: str, data: Any, segment_ids: Any, is_max: bool) -> Tensor:
    data, ids = _segment_args(op_name, data, segment_ids)
    utils.require_kind(op_name, data, "fiu", "real numeric")
    num = _sorted_num_segments(op_name, data, ids, segment_ids)
    return bind(_segment_extremum, data, ids, num=num, is_max=is_max, empty=0)


def segment_prod(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The product of each (sorted) segment, 1 for an empty one (``tf.math.segment_prod``); TF's
    gradient, also where a segment holds zeros."""
    data, ids = _segment_args("SegmentProd", data, segment_ids)
    _numeric("SegmentProd", data)
    return bind(_segment_prod, data, ids, num=_sorted_num_segments("SegmentProd", data, ids, segment_ids))


def _unsorted_args(op_name: str, data: Any, segment_ids: Any, num_segments: Any) -> tuple[Any, Any, int]:
    data, ids = _segment_args(op_name, data, segment_ids)
    if isinstance(num_segments, float) or (utils.is_tensor(num_segments) and num_segments._v.dtype.kind not in "iu"):
        raise utils.invalid_argument(f"{op_name}: num_segments must be int32 or int64, got {num_segments!r}.")
    num = utils.static_int(num_segments, "num_segments")
    if num < 0:
        raise utils.invalid_argument(f"{op_name}: Input num_segments == {num} must not be negative.")
    ids_shape, data_shape = utils.shape_of(ids), utils.shape_of(data)
    if data_shape[: len(ids_shape)] != ids_shape:
        raise utils.invalid_argument(
            f"{op_name}: data.shape = {list(data_shape)} does not start with segment_ids.shape = {list(ids_shape)}."
        )
    v = _host(segment_ids, ids)
    if v is not None and v.size and v.max() >= num:
        i = int(np.argmax(v.reshape(-1) >= num))
        raise utils.invalid_argument(
            f"{op_name}: segment_ids[{i}] = {int(v.reshape(-1)[i])} is out of range [0, {num})."
        )
    return data, ids, num


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Sums the rows of ``data`` by segment id, in any order (``tf.math.unsorted_segment_sum``).

    ``segment_ids`` may have any rank: ``data``'s shape must start with it. Negative ids are dropped.

    Raises:
      InvalidArgumentError: for an id ``>= num_segments`` or a negative ``num_segments``.

    >>> import tapejax as tf
    >>> print(tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0, 3.0]), tf.constant([1, 0, 1]), 2))
    tf.Tensor([2. 4.], shape=(2,), dtype=float32)
    """
    data, ids, num = _unsorted_args("UnsortedSegmentSum", data, segment_ids, num_segments)
    _numeric("UnsortedSegmentSum", data)
    return bind(_segment_sum, data, ids, num=num)


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The mean of each segment, 0 for an empty one (``tf.math.unsorted_segment_mean``); integer
    data give float64 (float32 for 8/16-bit), as TF's division."""
    data, ids, num = _unsorted_args("UnsortedSegmentMean", data, segment_ids, num_segments)
    _numeric("UnsortedSegmentMean", data)
    data = _as_float(data)
    return bind(_segment_mean, data, ids, num=num)


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The sum of each segment divided by the square root of its size, 0 for an empty one
    (``tf.math.unsorted_segment_sqrt_n``)."""
    data, ids, num = _unsorted_args("UnsortedSegmentSqrtN", data, segment_ids, num_segments)
    _numeric("UnsortedSegmentSqrtN", data)
    return bind(_segment_mean, _as_float(data), ids, num=num, sqrt_n=True)


def _as_float(data: Any) -> Any:
    if data._v.dtype.kind in "iu":
        return math_ops.cast(data, np.float32 if data._v.dtype.itemsize <= 2 else np.float64)
    return data


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The maximum of each segment; an empty one is the dtype's lowest value, as TF
    (``tf.math.unsorted_segment_max``)."""
    return _unsorted_extremum("UnsortedSegmentMax", data, segment_ids, num_segments, True)


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The minimum of each segment; an empty one is the dtype's largest value, as TF
    (``tf.math.unsorted_segment_min``)."""
    return _unsorted_extremum("UnsortedSegmentMin", data, segment_ids, num_segments, False)


def _unsorted_extremum(op_name: str, data: Any, segment_ids: Any, num_segments: Any, is_max: bool) -> Tensor:
    data, ids, num = _unsorted_args(op_name, data, segment_ids, num_segments)
    utils.require_kind(op_name, data, "fiu", "real numeric")
    dt = dtypes_lib.from_numpy(np.dtype(data._v.dtype))
    return bind(_segment_extremum, data, ids, num=num, is_max=is_max, empty=dt.min if is_max else dt.max)


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The product of each segment, 1 for an empty one (``tf.math.unsorted_segment_prod``)."""
    data, ids, num = _unsorted_args("UnsortedSegmentProd", data, segment_ids, num_segments)
    _numeric("UnsortedSegmentProd", data)
    return bind(_segment_prod, data, ids, num=num)


# -- scans -----------------------------------------------------------------------------------------
def _scan_layout(x: Any, axis: int, reverse: bool) -> Any:
    return jnp.flip(x, axis) if reverse else x


def _shift(y: Any, axis: int, fill: Any) -> Any:
    """``y`` moved one step along ``axis``, ``fill`` first: an inclusive scan made exclusive."""
    n = y.shape[axis]
    if n == 0:
        return y
    first = jnp.full_like(lax.slice_in_dim(y, 0, 1, axis=axis), fill)
    return jnp.concatenate([first, lax.slice_in_dim(y, 0, n - 1, axis=axis)], axis=axis)


def _scan(fn: Any, x: Any, axis: int, exclusive: bool, reverse: bool, fill: Any) -> Any:
    y = fn(_scan_layout(x, axis, reverse), axis=axis)
    if exclusive:
        y = _shift(y, axis, fill)
    return _scan_layout(y, axis, reverse)


def _cumsum_in_dtype(x: Any, axis: int) -> Any:
    return jnp.cumsum(x, axis=axis, dtype=x.dtype)


def _cumprod_in_dtype(x: Any, axis: int) -> Any:
    return jnp.cumprod(x, axis=axis, dtype=x.dtype)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2, 3))
def _cumprod_core(x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(_cumprod_in_dtype, x, axis, exclusive, reverse, 1)


@_cumprod_core.defjvp
def _cumprod_jvp(axis: int, exclusive: bool, reverse: bool, primals: Any, tangents: Any) -> Any:
    # TF's _CumprodGrad, div_no_nan(cumsum(prod * g, reverse=not reverse), x), as a JVP:
    # prod * cumsum(div_no_nan(t, x)). Without zeros it is the true derivative; at a zero TF's is 0.
    (x,) = primals
    out = _cumprod_core(x, axis, exclusive, reverse)
    zero = x == 0
    safe_x = jnp.where(zero, jnp.ones_like(x), x)
    prod = out
    if x.dtype.kind == "c":  # (TF's gradient does not conjugate, unlike Mul's)
        prod, safe_x = jnp.conj(out), jnp.conj(safe_x)
    ratio = tangents[0] / safe_x
    ratio = jnp.where(zero, jnp.zeros_like(ratio), ratio)
    return out, prod * _scan(_cumsum_in_dtype, ratio, axis, exclusive, reverse, 0)


def _cumprod_impl(x: Any, *, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _cumprod_core(x, axis, exclusive, reverse)


def _cumulative_logsumexp_impl(x: Any, *, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(lax.cumlogsumexp, x, axis, exclusive, reverse, -np.inf)


_cumprod = Op("Cumprod", _cumprod_impl)
_cumulative_logsumexp = Op("CumulativeLogsumexp", _cumulative_logsumexp_impl)


def _scan_args(op_name: str, x: Any, axis: Any, kinds: str) -> tuple[Any, int]:
    t = utils.as_tensor(x, None, op_name)
    utils.require_kind(op_name, t, kinds)
    shape = t._v.shape
    if not shape:
        raise utils.invalid_argument(f"{op_name}: input must be at least rank 1, got a scalar.")
    return t, utils.normalize_axis(op_name, utils.static_int(axis, "axis"), len(shape), shape)


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None) -> Tensor:
    """Cumulative product along ``axis`` (``tf.math.cumprod``), optionally exclusive and/or reversed.

    The gradient is TF's: ``div_no_nan(cumsum(cumprod(x) * g, reverse=not reverse), x)``, so an
    element that is 0 gets gradient 0 (the true derivative there is the product of the others).

    >>> import tapejax as tf
    >>> print(tf.math.cumprod(tf.constant([1, 2, 3]), exclusive=True))
    tf.Tensor([1 1 2], shape=(3,), dtype=int32)
    """
    t, ax = _scan_args("Cumprod", x, axis, "fciu")
    return bind(
        _cumprod,
        t,
        axis=ax,
        exclusive=utils.bool_attr(exclusive, "exclusive"),
        reverse=utils.bool_attr(reverse, "reverse"),
    )


def cumulative_logsumexp(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """``log(cumsum(exp(x)))`` computed stably (``tf.math.cumulative_logsumexp``); exclusive starts at ``-inf``."""
    t, ax = _scan_args("CumulativeLogsumexp", x, axis, "f")
    return bind(
        _cumulative_logsumexp,
        t,
        axis=ax,
        exclusive=utils.bool_attr(exclusive, "exclusive"),
        reverse=utils.bool_attr(reverse, "reverse"),
    )


# -- norms and tests ---------------------------------------------------------------------------------
def _euclidean_norm_impl(x: Any, *, axis: Any, keepdims: bool) -> Any:
    if x.dtype.kind in "iu":
        s = jnp.sum(x.astype(np.float64) ** 2, axis=axis, keepdims=keepdims)
        return jnp.sqrt(s).astype(x.dtype)  # TF's integer kernel truncates
    return jnp.sqrt(jnp.sum(x * jnp.conj(x), axis=axis, keepdims=keepdims))


def _l2_normalize_impl(x: Any, *, axis: Any, epsilon: float) -> Any:
    if x.dtype.kind == "c":
        square_sum = jnp.sum(jnp.real(x) ** 2 + jnp.imag(x) ** 2, axis=axis, keepdims=True)
    else:
        square_sum = jnp.sum(x * x, axis=axis, keepdims=True)
    eps = jnp.asarray(epsilon, square_sum.dtype)
    # TF's maximum(square_sum, epsilon): on a tie the gradient goes to square_sum.
    inv_norm = lax.rsqrt(jnp.where(square_sum >= eps, square_sum, eps))
    return x * inv_norm.astype(x.dtype)


def _count_nonzero_impl(x: Any, *, axis: Any, keepdims: bool, dtype: np.dtype) -> Any:
    return jnp.sum(x != 0, axis=axis, keepdims=keepdims, dtype=np.int64).astype(dtype)


def _zero_fraction_impl(x: Any) -> Any:
    return jnp.mean((x == 0).astype(np.float32))


def _monotone_impl(x: Any, *, strict: bool) -> Any:
    x = x.reshape(-1)
    a, b = x[:-1], x[1:]
    return jnp.all(a < b if strict else a <= b)


_euclidean_norm = Op("EuclideanNorm", _euclidean_norm_impl)
_l2_normalize = Op("L2Normalize", _l2_normalize_impl)
_count_nonzero = Op("CountNonzero", _count_nonzero_impl, differentiable=False)
_zero_fraction = Op("ZeroFraction", _zero_fraction_impl, differentiable=False)
_monotone_op = Op("IsNonDecreasing", _monotone_impl, differentiable=False)


def reduce_euclidean_norm(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """``sqrt(sum(x * conj(x)))`` over ``axis`` (``tf.math.reduce_euclidean_norm``); integer input
    gives the truncated integer norm, as TF.

    >>> import tapejax as tf
    >>> print(tf.math.reduce_euclidean_norm(tf.constant([[3.0, 4.0], [5.0, 12.0]]), axis=1))
    tf.Tensor([ 5. 13.], shape=(2,), dtype=float32)
    """
    x = utils.as_tensor(input_tensor, None, "EuclideanNorm")
    utils.require_kind("EuclideanNorm", x, "fciu", "numeric")
    axes = utils.reduction_axes("EuclideanNorm", axis, x._v.shape)
    return bind(_euclidean_norm, x, axis=axes, keepdims=bool(keepdims))


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None) -> Tensor:
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))`` (``tf.math.l2_normalize``, ``tf.nn.l2_normalize``).

    ``dim`` is the deprecated name of ``axis``.
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    t = utils.as_tensor(x, None, "L2Normalize")
    if t._v.dtype.kind not in "fcV":
        raise TypeError(f"Cannot convert {epsilon!r} to EagerTensor of dtype {utils.dtype_name(t)} (l2_normalize).")
    axes = utils.reduction_axes("L2Normalize", axis, t._v.shape)
    return bind(_l2_normalize, t, axis=axes, epsilon=float(epsilon))


def count_nonzero(
    input: Any,  # noqa: A002 - TF's name
    axis: Any = None,
    keepdims: Any = None,
    dtype: Any = dtypes_lib.int64,
    name: str | None = None,
) -> Tensor:
    """The number of non-zero (for bool: true) elements over ``axis`` (``tf.math.count_nonzero``);
    int64 unless ``dtype`` says otherwise.

    >>> import tapejax as tf
    >>> print(tf.math.count_nonzero(tf.constant([[0, 1], [2, 0]]), axis=0))
    tf.Tensor([1 1], shape=(2,), dtype=int64)
    """
    x = utils.as_tensor(input, None, "CountNonzero")
    axes = utils.reduction_axes("CountNonzero", axis, x._v.shape)
    out = dtypes_lib.as_dtype(dtype)._np
    return bind(_count_nonzero, x, axis=axes, keepdims=bool(keepdims), dtype=out)


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """The fraction of zeros in ``value``, as float32 (``tf.math.zero_fraction``, ``tf.nn.zero_fraction``);
    NaN for an empty tensor."""
    return bind(_zero_fraction, utils.as_tensor(value, None, "ZeroFraction"))


def is_non_decreasing(x: Any, name: str | None = None) -> Tensor:
    """Whether the flattened ``x`` never decreases, as a bool scalar (``tf.math.is_non_decreasing``).

    Raises:
      TypeError: for non-numeric ``x``, as TF.
    """
    return _monotone(x, "is_non_decreasing", False)


def is_strictly_increasing(x: Any, name: str | None = None) -> Tensor:
    """Whether the flattened ``x`` always increases (``tf.math.is_strictly_increasing``)."""
    return _monotone(x, "is_strictly_increasing", True)


def _monotone(x: Any, what: str, strict: bool) -> Tensor:
    t = utils.as_tensor(x, None, what)
    if dtypes_lib.np_kind(t._v.dtype) not in "fciu":
        raise TypeError(f"Expected x to be numeric, instead found: {utils.dtype_name(t)} ({what}).")
    return bind(_monotone_op, t, strict=strict)


def polyval(coeffs: Any, x: Any, name: str | None = None) -> Tensor:
    """The polynomial ``coeffs[0] * x ** (n-1) + ... + coeffs[n-1]`` by Horner's rule (``tf.math.polyval``).

    ``coeffs`` is a list of tensors (or numbers) broadcasting with ``x``; an empty list gives zeros.

    Raises:
      ValueError: if ``coeffs`` is not a list.
    """
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Argument coeffs must be list type found {type(coeffs)}.")
    x = utils.as_tensor(x, None, "polyval")
    if not coeffs:
        return math_ops.multiply(x, 0)
    # As TF, each coefficient converts on its own (a Python float is float32), then Horner's rule.
    cs = [utils.as_tensor(c, None, "polyval") for c in coeffs]
    p = cs[0]
    for c in cs[1:]:
        p = math_ops.add(c, math_ops.multiply(p, x))
    return p


def accumulate_n(inputs: Any, shape: Any = None, tensor_dtype: Any = None, name: str | None = None) -> Tensor:
    """The element-wise sum of a list of tensors of one shape and dtype (``tf.math.accumulate_n``, as ``add_n``).

    Raises:
      ValueError: if ``inputs`` is empty, or ``shape``/``tensor_dtype`` disagree with the inputs.
    """
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    ts = [utils.as_tensor(t, None, "AccumulateN") for t in inputs]
    if any(t._v.dtype != ts[0]._v.dtype for t in ts):  # (each input converted on its own, as TF)
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    for t in ts[1:]:
        if utils.shape_of(t) != utils.shape_of(ts[0]):
            raise ValueError(f"Shapes {utils.shape_of(ts[0])} and {utils.shape_of(t)} are not compatible")
    if shape is not None and tuple(utils.static_shape_arg(shape)) != utils.shape_of(ts[0]):
        raise ValueError(f"Shape {utils.shape_of(ts[0])} of inputs is incompatible with shape {shape}.")
    if tensor_dtype is not None and dtypes_lib.as_dtype(tensor_dtype)._np != ts[0]._v.dtype:
        raise TypeError(
            f"The `tensor_dtype` argument is {dtypes_lib.as_dtype(tensor_dtype)!r}, but `input` is of type "
            f"{dtypes_lib.from_numpy(np.dtype(ts[0]._v.dtype))!r}. These must be equal. Try casting the input to "
            "the desired type."
        )
    return math_ops.add_n(ts)


# -- top-k, counting, permutations -----------------------------------------------------------------
def _top_k_impl(x: Any, *, k: int, index_dtype: np.dtype) -> Any:
    # lax.top_k breaks ties by the lower index and puts NaN first, as TF; its derivative routes the
    # gradient to the chosen indices (TF's _TopKGrad scatters it there).
    values, indices = lax.top_k(x, k)
    return values, indices.astype(index_dtype)


def _in_top_k_impl(targets: Any, predictions: Any, *, k: int) -> Any:
    n = predictions.shape[-1]
    valid = (targets >= 0) & (targets < n)
    target = jnp.take_along_axis(predictions, jnp.clip(targets, 0, n - 1)[:, None].astype(np.int32), axis=-1)
    greater = jnp.sum(predictions > target, axis=-1)
    return valid & jnp.isfinite(target[:, 0]) & (greater < k)


def _bincount_impl(arr: Any, weights: Any, *, length: int, binary: bool, dtype: np.dtype, per_row: bool) -> Any:
    def count(a: Any, w: Any) -> Any:
        a = a.reshape(-1)
        w = jnp.ones(a.shape, dtype) if w is None else w.reshape(-1)
        # (values >= length, capped by maxlength, are dropped, as TF)
        out = jnp.zeros((length,), w.dtype).at[a].add(w, mode="drop")
        return (out > 0).astype(dtype) if binary else out

    if per_row:
        return jax.vmap(count)(arr, weights) if weights is not None else jax.vmap(lambda a: count(a, None))(arr)
    return count(arr, weights)


def _confusion_impl(labels: Any, predictions: Any, weights: Any, *, num_classes: int, dtype: np.dtype) -> Any:
    values = jnp.ones(labels.shape, dtype) if weights is None else weights.astype(dtype)
    return jnp.zeros((num_classes, num_classes), dtype).at[labels, predictions].add(values)


def _invert_permutation_impl(x: Any) -> Any:
    return jnp.zeros_like(x).at[x].set(jnp.arange(x.shape[0], dtype=x.dtype))


_top_k = Op("TopKV2", _top_k_impl, multiple_results=True)
_in_top_k = Op("InTopKV2", _in_top_k_impl, differentiable=False)
_bincount = Op("DenseBincount", _bincount_impl, differentiable=False)
_bincount_unweighted = Op(
    "DenseBincount",
    lambda arr, *, length, binary, dtype, per_row: _bincount_impl(
        arr, None, length=length, binary=binary, dtype=dtype, per_row=per_row
    ),
    differentiable=False,
)
_confusion = Op("ConfusionMatrix", _confusion_impl, nondiff=(0, 1))
_confusion_unweighted = Op(
    "ConfusionMatrix",
    lambda labels, predictions, *, num_classes, dtype: _confusion_impl(
        labels, predictions, None, num_classes=num_classes, dtype=dtype
    ),
    differentiable=False,
)
_invert_permutation = Op("InvertPermutation", _invert_permutation_impl, differentiable=False)


class TopKV2(NamedTuple):
    """``tf.math.top_k``'s result, as TF's namedtuple: ``.values`` and ``.indices``."""

    values: Any
    indices: Any


def top_k(
    input: Any,  # noqa: A002 - TF's name
    k: Any = 1,
    sorted: bool = True,  # noqa: A002 - TF's name
    index_type: Any = dtypes_lib.int32,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The ``k`` largest entries of the last axis and their indices (``tf.math.top_k``, ``tf.nn.top_k``).

    Ties go to the lower index; NaN counts as the largest. The gradient goes to the chosen entries.

    Returns:
      ``(values, indices)``, both of shape ``input.shape[:-1] + [k]``; indices of ``index_type``.

    Raises:
      InvalidArgumentError: for a scalar input, ``k < 0`` or ``k`` larger than the last axis.

    Differences from TensorFlow: ``sorted=False`` also returns the entries sorted (TF leaves their
    order unspecified).

    >>> import tapejax as tf
    >>> values, indices = tf.math.top_k(tf.constant([1.0, 3.0, 2.0]), k=2)
    >>> print(values, indices)
    tf.Tensor([3. 2.], shape=(2,), dtype=float32) tf.Tensor([1 2], shape=(2,), dtype=int32)
    """
    x = utils.as_tensor(input, None, "TopKV2")
    utils.require_kind("TopKV2", x, "fiu", "real numeric")
    k = utils.static_int(k, "k")
    shape = utils.shape_of(x)
    if not shape:
        raise utils.invalid_argument(f"TopKV2: input must be >= 1-D, got shape {list(shape)}.")
    if k < 0:
        raise utils.invalid_argument(f"TopKV2: Need k >= 0, got {k}.")
    if shape[-1] < k:
        raise utils.invalid_argument(f"TopKV2: input must have at least k columns. Had {shape[-1]}, needed {k}.")
    index_dtype = dtypes_lib.as_dtype(index_type)._np
    values, indices = bind(_top_k, x, k=k, index_dtype=index_dtype)
    return TopKV2(values, indices)


def in_top_k(targets: Any, predictions: Any, k: Any, name: str | None = None) -> Tensor:
    """Whether each target's prediction is among the ``k`` largest of its row (``tf.math.in_top_k``).

    A target counts as in the top ``k`` when fewer than ``k`` predictions are strictly larger (ties
    all count). A non-finite target prediction or an out-of-range target gives False, as TF.

    Args:
      targets: int32/int64 class ids, shape ``[batch]``.
      predictions: float32 scores, shape ``[batch, classes]``.
      k: the number of top elements to look at.
    """
    preds = utils.as_tensor(predictions, np.dtype(np.float32), "InTopKV2")
    if preds._v.dtype != np.float32:
        raise ValueError(f"Tensor conversion requested dtype float32 for Tensor with dtype {utils.dtype_name(preds)}")
    tgt = utils.as_tensor(targets, None, "InTopKV2")
    if tgt._v.dtype not in (np.int32, np.int64):
        utils.require_kind("InTopKV2", tgt, "", "int32 or int64 targets")
    ps, ts = utils.shape_of(preds), utils.shape_of(tgt)
    if len(ps) != 2 or len(ts) != 1 or ps[0] != ts[0]:
        raise utils.invalid_argument(
            f"InTopKV2: predictions must be [batch, classes] and targets [batch], got {list(ps)} and {list(ts)}."
        )
    return bind(_in_top_k, tgt, preds, k=utils.static_int(k, "k"))


def bincount(
    arr: Any,
    weights: Any = None,
    minlength: Any = None,
    maxlength: Any = None,
    dtype: Any = dtypes_lib.int32,
    name: str | None = None,
    axis: Any = None,
    binary_output: bool = False,
) -> Tensor:
    """Counts the occurrences of each value in the int tensor ``arr`` (``tf.math.bincount``).

    The output has ``max(arr) + 1`` bins, at least ``minlength`` and at most ``maxlength`` (values
    beyond are dropped). With ``weights`` each occurrence adds its weight (and the output has the
    weights' dtype); ``binary_output`` gives 1 for any occurrence. ``axis=None`` counts the whole
    tensor; ``axis=-1`` counts each row of a 2-D ``arr``. Not differentiable.

    Raises:
      InvalidArgumentError: for negative values, as TF.

    >>> import tapejax as tf
    >>> print(tf.math.bincount(tf.constant([1, 1, 3])))
    tf.Tensor([0 2 0 1], shape=(4,), dtype=int32)
    """
    a = utils.as_tensor(arr, None, "DenseBincount")
    if a._v.dtype.kind not in "iu":
        a = math_ops.cast(a, np.int32)  # TF casts arr to int32
    per_row = axis is not None and axis not in (0,)
    if per_row and (axis not in (-1, 1) or len(utils.shape_of(a)) != 2):
        raise ValueError(f"Unsupported axis value {axis}. Only 0 and -1 (on 2-D input) are currently supported.")
    if axis == 0:
        per_row = False
    v = _host(arr, a)
    v = None if v is None else v.astype(np.int64)  # (as the int cast of arr)
    if v is None:  # traced: TF's length min(max(max(arr) + 1, minlength), maxlength) is static only when
        # minlength >= maxlength (minlength alone gave minlength bins here, dropping larger values)
        lo = None if minlength is None else utils.static_int(minlength, "minlength")
        hi = None if maxlength is None else utils.static_int(maxlength, "maxlength")
        if lo is None or hi is None or lo < hi:
            raise TypeError(
                "bincount has a data-dependent output shape (max(arr) + 1 bins) and cannot run on traced values "
                "(inside tf.function) unless minlength >= maxlength fixes the length."
            )
        length = hi
    else:
        if v.size and v.min() < 0:
            raise utils.invalid_argument("DenseBincount: Input arr must be non-negative!")
        length = int(v.max()) + 1 if v.size else 0
        if minlength is not None:
            length = max(length, utils.static_int(minlength, "minlength"))
        if maxlength is not None:
            length = min(length, utils.static_int(maxlength, "maxlength"))
    out_dtype = dtypes_lib.as_dtype(dtype)._np
    if weights is not None and binary_output:
        raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive. Please specify only one.")
    if weights is None:
        return bind(
            _bincount_unweighted, a, length=length, binary=bool(binary_output), dtype=out_dtype, per_row=per_row
        )
    w = utils.as_tensor(weights, None, "DenseBincount")
    if utils.shape_of(w) != utils.shape_of(a):
        raise utils.invalid_argument(
            f"DenseBincount: weights must have the shape of arr, got {list(utils.shape_of(w))} and {list(utils.shape_of(a))}."
        )
    wd = np.dtype(w._v.dtype)
    return bind(_bincount, a, w, length=length, binary=bool(binary_output), dtype=wd, per_row=per_row)


def confusion_matrix(
    labels: Any,
    predictions: Any,
    num_classes: Any = None,
    weights: Any = None,
    dtype: Any = dtypes_lib.int32,
    name: str | None = None,
) -> Tensor:
    """The ``[num_classes, num_classes]`` matrix counting (label, prediction) pairs (``tf.math.confusion_matrix``).

    Rows are labels, columns predictions. ``num_classes`` defaults to the largest label or
    prediction plus one; ``weights`` (cast to ``dtype``) replace the counts of 1.

    Raises:
      InvalidArgumentError: for negative labels or predictions, or ones ``>= num_classes``, as TF.

    >>> import tapejax as tf
    >>> print(tf.math.confusion_matrix([0, 1, 1], [0, 1, 0]))
    tf.Tensor(
    [[1 0]
     [1 1]], shape=(2, 2), dtype=int32)
    """
    lab = utils.as_tensor(labels, None, "ConfusionMatrix")
    pred = utils.as_tensor(predictions, None, "ConfusionMatrix")
    # TF casts both to int64 (floats are truncated).
    lab, pred = math_ops.cast(lab, np.int64), math_ops.cast(pred, np.int64)
    if utils.shape_of(lab) != utils.shape_of(pred):
        raise utils.invalid_argument(
            f"labels and predictions must have the same shape, got {list(utils.shape_of(lab))} and "
            f"{list(utils.shape_of(pred))}."
        )
    lv, pv = [None if v is None else v.astype(np.int64) for v in (_host(labels, lab), _host(predictions, pred))]
    if num_classes is None:
        if lv is None or pv is None:
            raise TypeError("confusion_matrix: give num_classes inside tf.function (it depends on the values).")
        n = int(max(lv.max(initial=-1), pv.max(initial=-1))) + 1
    else:
        n = utils.static_int(num_classes, "num_classes")
    for v, what in ((lv, "labels"), (pv, "predictions")):
        if v is not None and v.size:
            if v.min() < 0:
                raise utils.invalid_argument(f"`{what}` contains negative values.")
            if v.max() >= n:
                raise utils.invalid_argument(f"`{what}` out of bound (num_classes={n}).")
    out_dtype = dtypes_lib.as_dtype(dtype)._np
    if weights is None:
        return bind(_confusion_unweighted, lab, pred, num_classes=n, dtype=out_dtype)
    w = utils.as_tensor(weights, None, "ConfusionMatrix")
    return bind(_confusion, lab, pred, w, num_classes=n, dtype=out_dtype)


def invert_permutation(x: Any, name: str | None = None) -> Tensor:
    """The inverse permutation ``y[x[i]] = i`` of a 1-D int32/int64 permutation (``tf.math.invert_permutation``).

    Raises:
      InvalidArgumentError: if ``x`` is not 1-D or not a permutation of ``0..n-1``, as TF.
    """
    t = utils.as_tensor(x, None, "InvertPermutation")
    if t._v.dtype not in (np.int32, np.int64):
        utils.require_kind("InvertPermutation", t, "", "int32 or int64")
    if len(utils.shape_of(t)) != 1:
        raise utils.invalid_argument("InvertPermutation: invert_permutation expects a 1D vector.")
    v = _host(x, t)
    if v is not None:
        n = v.size
        seen = np.zeros(n, bool)
        for e in v.tolist():
            if not 0 <= e < n:
                raise utils.invalid_argument(f"InvertPermutation: {e} is not between 0 and {n}.")
            if seen[e]:
                raise utils.invalid_argument(f"InvertPermutation: {e} is duplicated in the input.")
            seen[e] = True
    return bind(_invert_permutation, t)


def _approx_top_k_impl(
    x: Any, *, k: int, dim: int, recall_target: float, is_max_k: bool, size_override: int, aggregate: bool
) -> Any:
    # On CPU XLA's approximate top-k is exact, as TF's CPU kernel; its derivative routes the gradient
    # to the chosen indices, as TF's _ApproxTopKGradient.
    fn = lax.approx_max_k if is_max_k else lax.approx_min_k
    values, indices = fn(
        x,
        k,
        reduction_dimension=dim,
        recall_target=recall_target,
        reduction_input_size_override=size_override,
        aggregate_to_topk=aggregate,
    )
    return values, indices


_approx_top_k = Op("ApproxTopK", _approx_top_k_impl, multiple_results=True)


def _approx_k(
    operand: Any,
    k: Any,
    reduction_dimension: Any,
    recall_target: float,
    reduction_input_size_override: Any,
    aggregate_to_topk: bool,
    is_max_k: bool,
) -> tuple[Tensor, Tensor]:
    x = utils.as_tensor(operand, None, "ApproxTopK")
    if x._v.dtype not in (np.float32, np.float16, jnp.bfloat16):
        utils.require_kind("ApproxTopK", x, "", "half, bfloat16 or float32")
    shape = utils.shape_of(x)
    if not shape:
        raise utils.invalid_argument(f"ApproxTopK: input must be >= 1-D, got shape {list(shape)}.")
    dim = utils.normalize_axis("ApproxTopK", utils.static_int(reduction_dimension, "reduction_dimension"), len(shape))
    k = utils.static_int(k, "k")
    if not 0 <= k <= shape[dim]:
        raise utils.invalid_argument(f"ApproxTopK: input must have at least k columns. Had {shape[dim]}, needed {k}.")
    values, indices = bind(
        _approx_top_k,
        x,
        k=k,
        dim=dim,
        recall_target=float(recall_target),
        is_max_k=is_max_k,
        size_override=utils.static_int(reduction_input_size_override, "reduction_input_size_override"),
        aggregate=bool(aggregate_to_topk),
    )
    return values, indices


def approx_max_k(
    operand: Any,
    k: Any,
    reduction_dimension: Any = -1,
    recall_target: float = 0.95,
    reduction_input_size_override: Any = -1,
    aggregate_to_topk: bool = True,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The ``k`` largest values along ``reduction_dimension`` and their int32 indices (``tf.math.approx_max_k``).

    XLA's approximate top-k: exact on CPU (ties to the lower index), approximate to ``recall_target``
    on TPU. The gradient goes to the chosen entries.

    Differences from TensorFlow: TF's CPU kernel only reduces the last dimension; any is accepted here.

    >>> import tapejax as tf
    >>> values, indices = tf.math.approx_max_k(tf.constant([1.0, 5.0, 3.0]), 2)
    >>> print(values, indices)
    tf.Tensor([5. 3.], shape=(2,), dtype=float32) tf.Tensor([1 2], shape=(2,), dtype=int32)
    """
    return _approx_k(
        operand, k, reduction_dimension, recall_target, reduction_input_size_override, aggregate_to_topk, True
    )


def approx_min_k(
    operand: Any,
    k: Any,
    reduction_dimension: Any = -1,
    recall_target: float = 0.95,
    reduction_input_size_override: Any = -1,
    aggregate_to_topk: bool = True,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The ``k`` smallest values along ``reduction_dimension`` and their indices (``tf.math.approx_min_k``).

    Differences from TensorFlow: TF 2.21 has no CPU kernel for it (NotFoundError); here it runs
    everywhere, exact on CPU.
    """
    return _approx_k(
        operand, k, reduction_dimension, recall_target, reduction_input_size_override, aggregate_to_topk, False
    )
