"""Indexing and ordering (``tf.gather``, ``tf.gather_nd``, ``tf.boolean_mask``, ``tf.sort``, ``tf.argsort``).

Out-of-range indices raise TF's (CPU) ``InvalidArgumentError`` when the indices are concrete; the
indices are read back from the device for that check, as TF's CPU kernel does. Under tracing the
check is skipped and out-of-range positions read 0 (TF's GPU behaviour).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor


def _batched(fn: Any, batch_dims: int) -> Any:
    for _ in range(batch_dims):
        fn = jax.vmap(fn)
    return fn


def _gather_impl(params: Any, indices: Any, *, axis: int, batch_dims: int) -> Any:
    shape = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1 :]
    if not math.prod(shape):  # TF copies nothing and checks no index: no gather for tf.function's checks
        return jnp.zeros(shape, params.dtype)

    def take(p: Any, i: Any) -> Any:
        return jnp.take(p, i, axis=axis - batch_dims, mode="fill", fill_value=0)

    return _batched(take, batch_dims)(params, indices)


def _gather_nd_impl(params: Any, indices: Any, *, batch_dims: int) -> Any:
    def gather_nd(p: Any, i: Any) -> Any:
        k = i.shape[-1]
        if k == 0:
            return jnp.broadcast_to(p, i.shape[:-1] + p.shape)
        index = tuple(jnp.moveaxis(i, -1, 0))
        return p.at[index].get(mode="fill", fill_value=0)

    return _batched(gather_nd, batch_dims)(params, indices)


def _boolean_mask_impl(x: Any, mask: Any, *, axis: int, size: int) -> Any:
    m = mask.ndim
    flat = math.prod(x.shape[axis : axis + m])
    x = jnp.reshape(x, (*x.shape[:axis], flat, *x.shape[axis + m :]))
    (index,) = jnp.nonzero(jnp.reshape(mask, (-1,)), size=size)
    return jnp.take(x, index, axis=axis)


def _sort_impl(x: Any, *, axis: int, descending: bool) -> Any:
    if descending:
        # TF sorts descending with top_k, whose ties keep the lower index first, so the gradient of
        # a tie goes to the first of the equal elements; jnp.sort reverses an ascending sort (last).
        idx = jnp.argsort(x, axis=axis, stable=True, descending=True)
        return jnp.take_along_axis(x, idx, axis=axis)
    return jnp.sort(x, axis=axis)


def _argsort_impl(x: Any, *, axis: int, descending: bool) -> Any:
    return jnp.argsort(x, axis=axis, stable=True, descending=descending).astype(jnp.int32)


# sparse_grad: the tape gives a source read only through row gathers (axis 0, no batch dims) TF's
# IndexedSlices gradient.
_gather = Op("GatherV2", _gather_impl, sparse_grad=True)
_gather_nd = Op("GatherNd", _gather_nd_impl)
_boolean_mask = Op("BooleanMask", _boolean_mask_impl)
_sort = Op("Sort", _sort_impl)
_argsort = Op("ArgSort", _argsort_impl, differentiable=False)


def _int_indices(op_name: str, indices: Any) -> tuple[Any, np.ndarray | None]:
    """The indices as a tensor, and their values on the host for TF's range check (None if traced)."""
    if utils.is_tensor(indices):
        idx, values = indices, utils.concrete(indices)
    else:  # a Python list: check it before it goes to the device, no read-back needed
        idx = utils.as_tensor(indices, None, op_name)
        values = np.asarray(indices) if isinstance(indices, (list, tuple, int)) else utils.concrete(idx)
    if idx._v.dtype.kind not in "iu":
        utils.require_kind(op_name, idx, "iu", "int32 or int64 indices")
    return idx, values


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    axis: Any = None,
    batch_dims: int = 0,
    name: str | None = None,
) -> Tensor:
    """Gathers slices of ``params`` along ``axis`` at ``indices`` (``tf.gather``).

    The result has shape ``params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]``.
    Under a tape, the gradient of a Variable read through ``gather`` on axis 0 is a
    ``tf.IndexedSlices``, as in TF.

    Raises:
      InvalidArgumentError: for an index outside ``[0, params.shape[axis])`` or bad ``axis``/``batch_dims``.

    >>> import tapejax as tf
    >>> print(tf.gather(tf.constant([10, 20, 30]), [2, 0]))
    tf.Tensor([30 10], shape=(2,), dtype=int32)
    >>> print(tf.gather(tf.constant([[1, 2], [3, 4]]), [1], axis=1))
    tf.Tensor(
    [[2]
     [4]], shape=(2, 1), dtype=int32)
    """
    p = utils.as_tensor(params, None, "GatherV2")
    idx, values = _int_indices("GatherV2", indices)
    p_shape, i_shape = utils.shape_of(p), utils.shape_of(idx)
    bd = utils.static_int(batch_dims, "batch_dims")
    if bd < 0:
        bd += len(i_shape)
    if axis is not None:
        utils.refuse_bool("GatherV2", axis, "Taxis")
    ax = bd if axis is None else utils.static_int(axis, "axis")
    if not p_shape:
        raise utils.invalid_argument("GatherV2: params must be at least 1 dimensional, got a scalar.")
    ax = utils.normalize_axis("GatherV2", ax, len(p_shape), p_shape)
    if not 0 <= bd <= len(i_shape) or bd > ax:
        raise utils.invalid_argument(
            f"GatherV2: batch_dims ({batch_dims}) must be in [0, rank(indices) = {len(i_shape)}] and not greater "
            f"than axis ({ax})."
        )
    if p_shape[:bd] != i_shape[:bd]:
        raise utils.invalid_argument(
            f"GatherV2: params.shape[:{bd}] = {list(p_shape[:bd])} should equal indices.shape[:{bd}] = "
            f"{list(i_shape[:bd])} (batch_dims = {bd})."
        )
    # TF's CPU kernel checks the indices only when it copies something: an empty result (params
    # [0, 3] gathered on axis 1, or [2, 3, 0] on axis 1) accepts any index, as TF 2.21 does.
    if math.prod(p_shape[:ax]) * math.prod(i_shape[bd:]) * math.prod(p_shape[ax + 1 :]):
        if values is not None:
            bad = np.flatnonzero((values < 0) | (values >= p_shape[ax]))
        elif p_shape[ax] == 0:  # traced indices into an empty axis: every one is out of range
            bad = np.zeros(1, np.int64)
        else:
            bad = ()
        if len(bad):
            pos = np.unravel_index(bad[0], i_shape)
            value = "" if values is None else f" = {int(values[pos])}"
            raise utils.invalid_argument(
                f"GatherV2: indices{list(map(int, pos))}{value} is not in [0, {p_shape[ax]}) "
                f"(params shape {list(p_shape)}, axis {ax})."
            )
    return bind(_gather, p, idx, axis=ax, batch_dims=bd)


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None) -> Tensor:
    """Gathers slices of ``params`` addressed by the last axis of ``indices`` (``tf.gather_nd``).

    The result has shape ``indices.shape[:-1] + params.shape[batch_dims + indices.shape[-1]:]``.

    Raises:
      InvalidArgumentError: if an index does not address ``params``.

    >>> import tapejax as tf
    >>> print(tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[0, 1], [1, 0]]))
    tf.Tensor([2 3], shape=(2,), dtype=int32)
    """
    p = utils.as_tensor(params, None, "GatherNd")
    idx, values = _int_indices("GatherNd", indices)
    p_shape, i_shape = utils.shape_of(p), utils.shape_of(idx)
    bd = utils.static_int(batch_dims, "batch_dims")
    if not i_shape:
        raise utils.invalid_argument("GatherNd: indices must be at least a vector, got a scalar.")
    if not 0 <= bd < len(i_shape) or bd > len(p_shape) or p_shape[:bd] != i_shape[:bd]:
        raise utils.invalid_argument(
            f"GatherNd: batch_dims = {bd} does not fit params shape {list(p_shape)} and indices shape {list(i_shape)}: "
            "the leading batch_dims dimensions must match."
        )
    k = i_shape[-1]
    if k > len(p_shape) - bd:
        raise utils.invalid_argument(
            f"GatherNd: index innermost dimension length must be <= params rank; saw: {k} vs. {len(p_shape) - bd} "
            f"(params shape {list(p_shape)}, batch_dims {bd})."
        )
    if math.prod(i_shape[:-1]) and not math.prod(p_shape):  # TF 2.21's check, before any index's
        raise utils.invalid_argument(
            f"GatherNd: Requested more than 0 entries, but params is empty.  Params shape: {list(p_shape)} "
            f"(indices shape {list(i_shape)})."
        )
    if values is not None and values.size and k:
        limits = np.asarray(p_shape[bd : bd + k])
        bad = np.argwhere(np.any((values < 0) | (values >= limits), axis=-1))
        if bad.size:
            pos = tuple(int(i) for i in bad[0])
            raise utils.invalid_argument(  # TF's message puts the batch coordinates first
                f"GatherNd: indices{list(pos)} = {list(pos[:bd]) + values[pos].tolist()} does not index into "
                f"param shape {list(p_shape)}."
            )
    return bind(_gather_nd, p, idx, batch_dims=bd)


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Tensor:
    """The elements (or slices) of ``tensor`` where the bool ``mask`` is true (``tf.boolean_mask``).

    ``mask``'s shape must equal ``tensor.shape[axis:axis + mask.ndim]``; those dimensions are
    flattened into one of size ``count_nonzero(mask)``.

    Raises:
      ValueError: if the mask is a scalar or its shape does not match.

    >>> import tapejax as tf
    >>> print(tf.boolean_mask(tf.constant([1, 2, 3]), [True, False, True]))
    tf.Tensor([1 3], shape=(2,), dtype=int32)
    """
    x = utils.as_tensor(tensor, None, "BooleanMask")
    m = utils.as_tensor(mask, None, "BooleanMask")
    if m._v.dtype.kind != "b":
        utils.require_kind("BooleanMask", m, "b", "bool mask")
    x_shape, m_shape = utils.shape_of(x), utils.shape_of(m)
    if not m_shape:
        raise ValueError("boolean_mask: mask cannot be scalar.")
    ax = 0 if axis is None else utils.static_int(axis, "axis")
    ax = ax + len(x_shape) if ax < 0 else ax
    if ax < 0 or x_shape[ax : ax + len(m_shape)] != m_shape:
        raise ValueError(
            f"boolean_mask: Shapes {x_shape[ax : ax + len(m_shape)]} and {m_shape} are incompatible: the mask's "
            f"shape must match tensor.shape[{ax}:{ax + len(m_shape)}] (tensor shape {x_shape})."
        )
    values = utils.concrete(m)
    if values is None:
        raise TypeError(
            "boolean_mask has a data-dependent shape and cannot be traced; use tf.where(mask, x, 0) instead."
        )
    return bind(_boolean_mask, x, m, axis=ax, size=int(np.count_nonzero(values)))


def _direction(direction: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            f'sort: Argument `direction` should be one of {{"ASCENDING", "DESCENDING"}}. Received: {direction}'
        )
    return direction == "DESCENDING"


def _sort_axis(op_name: str, x: Any, axis: Any) -> int:
    shape = utils.shape_of(x)
    if not shape:
        raise ValueError(f"{op_name}: the input must have rank >= 1, got a scalar.")
    if x._v.dtype.kind not in "fiu":
        utils.require_kind(op_name, x, "fiu", "real numeric")
    return utils.normalize_axis(op_name, utils.static_int(axis, "axis"), len(shape), shape)


def sort(values: Any, axis: Any = -1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """Sorts ``values`` along ``axis`` (``tf.sort``); differentiable (the gradient follows the permutation).

    >>> import tapejax as tf
    >>> print(tf.sort(tf.constant([3, 1, 2]), direction="DESCENDING"))
    tf.Tensor([3 2 1], shape=(3,), dtype=int32)
    """
    x = utils.as_tensor(values, None, "Sort")
    descending = _direction(direction)
    return bind(_sort, x, axis=_sort_axis("Sort", x, axis), descending=descending)


def argsort(
    values: Any, axis: Any = -1, direction: str = "ASCENDING", stable: bool = False, name: str | None = None
) -> Tensor:
    """int32 indices that sort ``values`` along ``axis`` (``tf.argsort``); ties keep their order.

    >>> import tapejax as tf
    >>> print(tf.argsort(tf.constant([3.0, 1.0, 2.0])))
    tf.Tensor([1 2 0], shape=(3,), dtype=int32)
    """
    x = utils.as_tensor(values, None, "ArgSort")
    descending = _direction(direction)
    return bind(_argsort, x, axis=_sort_axis("ArgSort", x, axis), descending=descending)
