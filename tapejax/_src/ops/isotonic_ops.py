"""``tf.nn.isotonic_regression``: the monotone (non-increasing by default) fit of each vector.

The pool-adjacent-violators algorithm runs as a stack of blocks in ``lax`` loops on the
(gradient-stopped) input, giving TF's segments (blocks merge only on a strict violation, so
equal neighbours stay apart, as TF's); the output is then each segment's mean of the input,
whose derivative is TF's registered gradient (the upstream gradient averaged per segment).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor


class IsotonicRegression(NamedTuple):
    """``tf.nn.isotonic_regression``'s result: ``output`` and int32 ``segments``."""

    output: Tensor
    segments: Tensor


def _segments_of(row: Any, decreasing: bool) -> Any:
    """PAV on one vector: the block id of each element."""
    n = row.shape[0]

    def violates(s_prev: Any, c_prev: Any, s_cur: Any, c_cur: Any) -> Any:
        # means compared through cross-multiplied sums (counts are positive)
        return s_prev * c_cur < s_cur * c_prev if decreasing else s_prev * c_cur > s_cur * c_prev

    def push(i: Any, carry: Any) -> Any:
        sums, counts, starts, top = carry
        sums, counts, starts = sums.at[top].set(row[i]), counts.at[top].set(1.0), starts.at[top].set(i)
        top = top + 1

        def cond(c: Any) -> Any:
            s, k, _, t = c
            return (t > 1) & violates(s[t - 2], k[t - 2], s[t - 1], k[t - 1])

        def merge(c: Any) -> Any:
            s, k, st, t = c
            s = s.at[t - 2].add(s[t - 1])
            k = k.at[t - 2].add(k[t - 1])
            return s, k, st, t - 1

        return jax.lax.while_loop(cond, merge, (sums, counts, starts, top))

    init = (jnp.zeros(n, row.dtype), jnp.zeros(n, row.dtype), jnp.zeros(n, jnp.int32), jnp.int32(0))
    _, _, starts, top = jax.lax.fori_loop(0, n, push, init)
    is_start = jnp.zeros(n, jnp.int32).at[starts].max(jnp.where(jnp.arange(n) < top, 1, 0))
    return jnp.cumsum(is_start) - 1


def _isotonic_impl(x: Any, *, decreasing: bool) -> Any:
    rows = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
    n = rows.shape[-1]
    if n == 0:
        return x, jnp.zeros(x.shape, jnp.int32)
    segments = jax.vmap(lambda r: _segments_of(r, decreasing))(jax.lax.stop_gradient(rows).astype(jnp.float64))
    one_hot = segments[:, :, None] == jnp.arange(n)[None, None, :]  # [rows, n, segment]
    sums = jnp.einsum("rns,rn->rs", one_hot.astype(x.dtype), rows)
    counts = jnp.sum(one_hot, axis=1).astype(x.dtype)
    means = sums / jnp.maximum(counts, 1)
    out = jnp.take_along_axis(means, segments, axis=1)
    return out.reshape(x.shape), segments.reshape(x.shape)


_isotonic = Op("IsotonicRegression", _isotonic_impl, multiple_results=True)


def isotonic_regression(inputs: Any, decreasing: bool = True, axis: int = -1) -> Any:
    """The isotonic (monotone) least-squares fit along ``axis`` (``tf.nn.isotonic_regression``).

    Args:
      inputs: a tensor; float32, half and bfloat16 keep their dtype, int8 and int16 give float32,
        other dtypes float64 (TF's promotions).
      decreasing: fit a non-increasing sequence (TF's default); else non-decreasing.
      axis: the axis fitted.

    Returns:
      ``(output, segments)``: the fit, and int32 ids of the pooled blocks along ``axis`` (equal
      neighbours that were not pooled keep separate ids, as TF's).

    The gradient averages the upstream gradient over each block, as TF's.

    >>> import tapejax as tf
    >>> out = tf.nn.isotonic_regression(tf.constant([1.0, 3.0, 2.0, 4.0]), decreasing=False)
    >>> print(out[0], out[1])
    tf.Tensor([1.  2.5 2.5 4. ], shape=(4,), dtype=float32) tf.Tensor([0 1 1 2], shape=(4,), dtype=int32)
    """
    from tapejax._src.ops import math_ops, shape_ops

    x = utils.as_tensor(inputs, None, "IsotonicRegression")
    # TF's output dtypes: float32, half and bfloat16 kept, int8/int16 to float32, all else float64.
    name = utils.dtype_name(x)
    target = {"float32": None, "float16": None, "bfloat16": None, "int8": np.float32, "int16": np.float32}.get(
        name, np.float64
    )
    if target is not None and name != np.dtype(target).name:
        x = math_ops.cast(x, target)
    rank = len(utils.shape_of(x))
    ax = utils.normalize_axis("IsotonicRegression", utils.static_int(axis, "axis"), max(rank, 1))
    if rank and ax != rank - 1:
        perm = [i for i in range(rank) if i != ax] + [ax]
        back = [int(i) for i in np.argsort(perm)]
        out, seg = bind(_isotonic, shape_ops.transpose(x, perm), decreasing=bool(decreasing))
        return shape_ops.transpose(out, back), shape_ops.transpose(seg, back)  # a plain tuple, as TF's
    out, seg = bind(_isotonic, x, decreasing=bool(decreasing))
    # TF returns its op's namedtuple only for the default (decreasing) fit along the last axis.
    return IsotonicRegression(out, seg) if decreasing else (out, seg)
