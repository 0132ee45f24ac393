"""Scatters (``tf.scatter_nd``, ``tf.tensor_scatter_nd_update``/``add``/``sub``/``min``/``max``).

``indices`` has shape ``[..., K]``: each row addresses a slice ``tensor[i_0, ..., i_{K-1}]``, and
``updates`` has shape ``indices.shape[:-1] + shape[K:]``. Out-of-range indices raise TF's (CPU)
``InvalidArgumentError`` when the indices are concrete; under tracing their updates are dropped
(TF's GPU behaviour). Gradients are TF's: ``indices`` get none, ``updates`` get the gathered
output gradient.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor


def _index(indices: Any) -> tuple[Any, ...]:
    return tuple(jnp.moveaxis(indices, -1, 0))


def _scatter_nd_impl(indices: Any, updates: Any, *, shape: tuple[int, ...]) -> Any:
    if updates.dtype == jnp.bool_:  # TF's bool ScatterNd: duplicates combine by logical or
        return jnp.zeros(shape, jnp.uint8).at[_index(indices)].max(updates.astype(jnp.uint8), mode="drop") > 0
    return jnp.zeros(shape, updates.dtype).at[_index(indices)].add(updates, mode="drop")


def _update_impl(x: Any, indices: Any, updates: Any) -> Any:
    return x.at[_index(indices)].set(updates, mode="drop")


def _add_impl(x: Any, indices: Any, updates: Any) -> Any:
    return x.at[_index(indices)].add(updates, mode="drop")


def _sub_impl(x: Any, indices: Any, updates: Any) -> Any:
    return x.at[_index(indices)].add(-updates, mode="drop")


def _max_impl(x: Any, indices: Any, updates: Any) -> Any:
    return _min_max(x, indices, updates, maximum=True)


def _min_impl(x: Any, indices: Any, updates: Any) -> Any:
    return _min_max(x, indices, updates, maximum=False)


def _min_max(x: Any, indices: Any, updates: Any, *, maximum: bool) -> Any:
    idx = _index(indices)
    ref = x.at[idx]
    out = lax.stop_gradient(ref.max(updates, mode="drop") if maximum else ref.min(updates, mode="drop"))
    if dtypes_lib.np_kind(x.dtype) not in "fc":
        return out
    # TF's gradient: the output gradient goes to the inputs equal to the output, shared equally
    # among ties (written so that JAX's derivative of the value is that).
    x_won = (x == out).astype(x.dtype)
    u_won = (updates == out.at[idx].get(mode="fill", fill_value=0)).astype(x.dtype)
    count = x_won + jnp.zeros_like(x).at[idx].add(u_won, mode="drop")
    total = x * x_won + jnp.zeros_like(x).at[idx].add(updates * u_won, mode="drop")
    return jnp.where(count > 0, total / jnp.where(count > 0, count, 1), out)


# (indices: TF's gradient is None for them; integer inputs give no gradient anyway)
_scatter_nd = Op("ScatterNd", _scatter_nd_impl, nondiff=(0,))
_update = Op("TensorScatterUpdate", _update_impl, nondiff=(1,))
_add = Op("TensorScatterAdd", _add_impl, nondiff=(1,))
_sub = Op("TensorScatterSub", _sub_impl, nondiff=(1,))
_max = Op("TensorScatterMax", _max_impl, nondiff=(1,))
_min = Op("TensorScatterMin", _min_impl, nondiff=(1,))


def _check(op_name: str, indices: Any, updates: Any, shape: tuple[int, ...]) -> Any:
    """Checks TF's shape rules and, for concrete indices, their range; returns the index tensor."""
    idx = utils.as_tensor(indices, None, op_name)
    if idx._v.dtype.kind not in "iu":
        raise utils.invalid_argument(
            f"{op_name}: indices must be int32 or int64, got {utils.describe([idx])}. Fix: tf.cast them."
        )
    i_shape, u_shape = utils.shape_of(idx), utils.shape_of(updates)
    if not i_shape:
        raise utils.invalid_argument(f"{op_name}: Indices shape must have rank at least one. Found:[]")
    if not u_shape and op_name != "ScatterNd":
        raise utils.invalid_argument(f"{op_name}: Updates shape must have rank at least one. Found:[]")
    k = i_shape[-1]
    if k > len(shape):
        raise utils.invalid_argument(
            f"{op_name}: Index innermost dimension length must be <= output rank; saw: {k} vs. {len(shape)} "
            f"(indices shape {list(i_shape)}, output shape {list(shape)})."
        )
    want = i_shape[:-1] + shape[k:]
    if u_shape != want:
        raise utils.invalid_argument(
            f"{op_name}: updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:] = {list(want)}, "
            f"got {list(u_shape)} (indices shape {list(i_shape)}, output shape {list(shape)})."
        )
    values = np.asarray(indices) if isinstance(indices, (list, tuple)) else utils.concrete(idx)
    if values is not None and values.size and k:
        bad = np.argwhere(np.any((values < 0) | (values >= np.asarray(shape[:k])), axis=-1))
        if bad.size:
            pos = tuple(int(i) for i in bad[0])
            where = ", ".join(str(int(v)) for v in values[pos])
            raise utils.invalid_argument(
                f"{op_name}: indices{list(pos)} = [{where}] does not index into shape {list(shape)}"
            )
    return idx


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Tensor:
    """Scatters ``updates`` into a zero tensor of ``shape`` at ``indices``; duplicates add (``tf.scatter_nd``).

    Raises:
      InvalidArgumentError: for shapes that do not fit or an index outside ``shape``.

    >>> import tapejax as tf
    >>> print(tf.scatter_nd([[1], [3], [1]], [1, 2, 3], [5]))
    tf.Tensor([0 4 0 2 0], shape=(5,), dtype=int32)
    """
    u = utils.as_tensor(updates, None, "ScatterNd")
    out_shape = utils.static_shape_arg(shape)
    idx = _check("ScatterNd", indices, u, out_shape)
    return bind(_scatter_nd, idx, u, shape=out_shape)


def _tensor_scatter(op: Op, op_name: str, tensor: Any, indices: Any, updates: Any) -> Tensor:
    x, u = utils.as_tensors_like([tensor, updates], op_name)
    if op is not _update and x._v.dtype.kind == "b":
        raise errors.NotFoundError(None, None, f"{op_name}: no kernel for bool tensors, as TF. Fix: tf.cast them.")
    idx = _check(op_name, indices, u, utils.shape_of(x))
    return bind(op, x, idx, u)


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """A copy of ``tensor`` with the slices at ``indices`` replaced by ``updates`` (``tf.tensor_scatter_nd_update``).

    Differences from TensorFlow: with duplicate indices, the gradient reaches only the update
    that was written (TF gives each duplicate the gathered gradient); which one is written is
    unspecified in both.

    >>> import tapejax as tf
    >>> print(tf.tensor_scatter_nd_update(tf.constant([1, 2, 3]), [[0], [2]], [7, 9]))
    tf.Tensor([7 2 9], shape=(3,), dtype=int32)
    """
    return _tensor_scatter(_update, "TensorScatterUpdate", tensor, indices, updates)


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """``tensor`` with ``updates`` added at ``indices``; duplicates add up (``tf.tensor_scatter_nd_add``)."""
    return _tensor_scatter(_add, "TensorScatterAdd", tensor, indices, updates)


def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """``tensor`` with ``updates`` subtracted at ``indices`` (``tf.tensor_scatter_nd_sub``)."""
    return _tensor_scatter(_sub, "TensorScatterSub", tensor, indices, updates)


def tensor_scatter_nd_max(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """``tensor`` with the element-wise maximum of it and ``updates`` at ``indices`` (``tf.tensor_scatter_nd_max``).

    As TF, the gradient goes to the inputs equal to the output, shared equally among ties.
    """
    return _tensor_scatter(_max, "TensorScatterMax", tensor, indices, updates)


def tensor_scatter_nd_min(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """``tensor`` with the element-wise minimum of it and ``updates`` at ``indices`` (``tf.tensor_scatter_nd_min``).

    As TF, the gradient goes to the inputs equal to the output, shared equally among ties.
    """
    return _tensor_scatter(_min, "TensorScatterMin", tensor, indices, updates)
