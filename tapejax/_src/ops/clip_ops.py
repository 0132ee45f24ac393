"""Clipping (``tf.clip_by_value``, ``tf.clip_by_norm``, ``tf.clip_by_global_norm``, ``tf.linalg.global_norm``).

Each implementation is TF's formula, so that its JAX derivative is TF's gradient (for instance,
``clip_by_value`` passes gradient 1 at the bounds).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from tapejax._src.core import Op, TensorBase, VariableBase, bind
from tapejax._src.ops import math_ops, utils
from tapejax._src.tensor import Tensor


def _clip_by_value_impl(t: Any, lo: Any, hi: Any) -> Any:
    # TF: maximum(minimum(t, hi), lo), where ties give the gradient to the first argument.
    # A NaN (of t or of a bound) stays NaN through both steps, as TF's minimum and maximum propagate
    # it; its gradient then goes to clip_value_min, as TF's.
    t_min = jnp.where(t <= hi, t, hi) + utils.nans_of(t)
    return jnp.where(t_min >= lo, t_min, lo) + utils.nans_of(t_min)


def _clip_by_norm_impl(t: Any, clip_norm: Any, *, axes: tuple[int, ...] | None) -> Any:
    l2sum = jnp.sum(t * t, axis=axes, keepdims=True)
    pred = l2sum > 0
    # Safe sqrt: the gradient at t == 0 is finite, as TF.
    l2sum_safe = jnp.where(pred, l2sum, jnp.ones_like(l2sum))
    l2norm = jnp.where(pred, jnp.sqrt(l2sum_safe), l2sum)
    # TF divides by maximum(l2norm, clip_norm), which keeps a NaN norm: a NaN (or inf - inf) in a
    # clipped group makes all of it NaN, as TF (a plain where kept the values unclipped).
    return t * clip_norm / math_ops._maximum_impl(l2norm, clip_norm)


def _global_norm(ts: tuple[Any, ...]) -> Any:
    half_squared = jnp.stack([jnp.sum(t * t) / 2 for t in ts])
    return jnp.sqrt(jnp.sum(half_squared) * 2)


def _global_norm_impl(*ts: Any) -> Any:
    return _global_norm(ts)


def _clip_by_global_norm_impl(clip_norm: Any, *args: Any, norm_given: bool) -> Any:
    use_norm, ts = (args[0], args[1:]) if norm_given else (_global_norm(args), args)
    scale = clip_norm * jnp.minimum(1.0 / use_norm, 1.0 / clip_norm)
    scale = scale + (use_norm - use_norm)  # NaN or inf norm makes every value NaN, as TF
    return (*(t * scale for t in ts), use_norm)


_clip_by_value = Op("ClipByValue", _clip_by_value_impl, same_dtype=True)
_clip_by_norm = Op("ClipByNorm", _clip_by_norm_impl, same_dtype=True)
_global_norm_op = Op("GlobalNorm", _global_norm_impl, same_dtype=True)
_clip_by_global_norm = Op("ClipByGlobalNorm", _clip_by_global_norm_impl, multiple_results=True, same_dtype=True)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """Clips values to ``[clip_value_min, clip_value_max]`` (``tf.clip_by_value``).

    The bounds broadcast to ``t``'s shape (they may not enlarge it). The gradient with respect to
    ``t`` is 1 inside the bounds *and at them*, 0 outside, as TF.

    Raises:
      InvalidArgumentError: if the dtypes differ, or a bound does not broadcast against ``t`` (TF's
        ``Minimum``/``Maximum`` kernels find it).
      ValueError: if the bounds broadcast, but to a shape larger than ``t``'s.

    >>> import tapejax as tf
    >>> print(tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1.0, 1.0))
    tf.Tensor([-1.   0.5  1. ], shape=(3,), dtype=float32)
    """
    t, lo, hi = utils.as_tensors_like([t, clip_value_min, clip_value_max], "ClipByValue")
    shape, lo_shape, hi_shape = utils.shape_of(t), utils.shape_of(lo), utils.shape_of(hi)
    if (lo_shape and lo_shape != shape) or (hi_shape and hi_shape != shape):  # scalar bounds always fit
        _check_clip_shapes(shape, lo_shape, hi_shape, t._v.dtype.name)
    return bind(_clip_by_value, t, lo, hi)


def _check_clip_shapes(shape: tuple[int, ...], lo: tuple[int, ...], hi: tuple[int, ...], dtype: str) -> None:
    # TF computes maximum(minimum(t, hi), lo), then checks that the result kept t's shape.
    after_hi = utils.broadcast_shapes(shape, hi)
    after_lo = None if after_hi is None else utils.broadcast_shapes(after_hi, lo)
    if after_lo is None:
        op, name, a, b = (
            ("Minimum", "clip_value_max", shape, hi)
            if after_hi is None
            else ("Maximum", "clip_value_min", after_hi, lo)
        )
        raise utils.invalid_argument(
            f"{op}: Incompatible shapes: {list(a)} vs. {list(b)} (tf.clip_by_value: {name} of shape {b} does not "
            f"broadcast against t of shape {shape}, dtype {dtype}). Fix: give the bound a shape that broadcasts to "
            "t's, or a scalar."
        )
    if after_lo != shape:
        raise ValueError(
            f"Shapes {shape} and {after_lo} are incompatible (tf.clip_by_value: the bounds, of shapes {lo} and {hi}, "
            f"would broadcast t of shape {shape} to {after_lo}; the result must keep t's shape)."
        )


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """Rescales ``t`` so that its L2 norm (over ``axes``, all if None) is at most ``clip_norm``.

    ``t * clip_norm / max(l2norm(t), clip_norm)`` (``tf.clip_by_norm``).

    >>> import tapejax as tf
    >>> print(tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0))
    tf.Tensor([0.6 0.8], shape=(2,), dtype=float32)
    """
    t = utils.as_tensor(t, None, "ClipByNorm")
    utils.require_float("ClipByNorm", t, complex_ok=False)
    clip = utils.as_tensor(clip_norm, t._v.dtype, "ClipByNorm")
    axes_ = utils.reduction_axes("ClipByNorm", axes, utils.shape_of(t))
    return bind(_clip_by_norm, t, clip, axes=axes_)


def _as_value_list(t_list: Any, op_name: str) -> list[Any]:
    if isinstance(t_list, (TensorBase, VariableBase, str)) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"{op_name}: `t_list` should be a list or tuple of tensors, got {type(t_list).__name__}.")
    return list(t_list)


def global_norm(t_list: Any, name: str | None = None) -> Tensor:
    """``sqrt(sum(l2norm(t)**2 for t in t_list))``; ``None`` entries are ignored (``tf.linalg.global_norm``).

    >>> import tapejax as tf
    >>> print(tf.linalg.global_norm([tf.constant([3.0]), None, tf.constant([4.0])]))
    tf.Tensor(5.0, shape=(), dtype=float32)
    """
    values = [_dense_values(v) for v in _as_value_list(t_list, "global_norm") if v is not None]
    if not values:
        raise ValueError("global_norm: t_list contains no tensors.")
    tensors = utils.as_tensors_like(values, "GlobalNorm")
    return bind(_global_norm_op, *tensors)


def _dense_values(v: Any) -> Any:
    # An IndexedSlices contributes its values (its norm is that of the values), as in TF.
    return v.values if hasattr(v, "indices") and hasattr(v, "values") else v


def clip_by_global_norm(
    t_list: Any, clip_norm: Any, use_norm: Any = None, name: str | None = None
) -> tuple[list[Any], Tensor]:
    """Scales all tensors by ``clip_norm / max(global_norm, clip_norm)`` (``tf.clip_by_global_norm``).

    Returns:
      ``(list_clipped, global_norm)``: the clipped tensors (``None`` entries stay ``None``,
      ``IndexedSlices`` stay ``IndexedSlices``) and the global norm before clipping. If the norm is
      infinite or NaN every value becomes NaN, as TF.

    Raises:
      TypeError: if ``t_list`` is not a list or tuple.

    >>> import tapejax as tf
    >>> clipped, norm = tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 1.0)
    >>> print(norm)
    tf.Tensor(5.0, shape=(), dtype=float32)
    >>> print(clipped[1])
    tf.Tensor([0.8], shape=(1,), dtype=float32)
    """
    items = _as_value_list(t_list, "clip_by_global_norm")
    present = [i for i, v in enumerate(items) if v is not None]
    if not present:
        raise ValueError("clip_by_global_norm: t_list contains no tensors.")
    tensors = utils.as_tensors_like([_dense_values(items[i]) for i in present], "ClipByGlobalNorm")
    dtype = tensors[0]._v.dtype
    clip = utils.as_tensor(clip_norm, dtype, "ClipByGlobalNorm")
    if use_norm is None:
        *clipped, norm_out = bind(_clip_by_global_norm, clip, *tensors, norm_given=False)
    else:
        norm = utils.as_tensor(use_norm, dtype, "ClipByGlobalNorm")
        if utils.shape_of(norm) != ():
            raise ValueError(f"clip_by_global_norm: use_norm must be a scalar, got shape {utils.shape_of(norm)}.")
        *clipped, norm_out = bind(_clip_by_global_norm, clip, norm, *tensors, norm_given=True)
    out: list[Any] = list(items)
    for i, c in zip(present, clipped, strict=True):
        v = items[i]
        if hasattr(v, "indices") and hasattr(v, "values"):
            out[i] = type(v)(c, v.indices, v.dense_shape)
        else:
            out[i] = c
    return out, norm_out
