"""Fractional max and average pooling (``tf.nn.fractional_max_pool`` / ``fractional_avg_pool``).

The pooling regions follow TF's kernel (``fractional_pool_common.cc``): along each of the height
and width, ``floor(size / ratio)`` regions of ``k = size // out`` or ``k + 1`` rows, either
shuffled (``pseudo_random=False``) or cut at ``ceil(alpha * (i + u))`` for one random ``u``
(``pseudo_random=True``); with ``overlapping`` each region also takes the next region's first
row. The pooling itself gathers each region's rows (at most ``k + 2``) and reduces them, so the
gradient is JAX's: the chosen maximum or the region's share, as TF's.

Differences from TensorFlow: the random sequences differ from TF's for a seed (JAX's generator;
their rules are TF's); among exactly tied maxima the gradient is split (TF gives it to one).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import random_ops, stateless_random_ops, utils
from tapejax._src.tensor import Tensor


def _sequence(key: Any, n_in: int, n_out: int, pseudo: bool) -> Any:
    k = n_in // n_out
    if n_in % n_out == 0:
        diff = jnp.full((n_out,), k, jnp.int64)
    elif pseudo:
        alpha = n_in / n_out
        u_max = min((k + 2) / alpha - 1, (n_in + 1 - k) / alpha - (n_out - 1))
        u = jax.random.uniform(key, (), jnp.float64) * u_max
        inner = jnp.ceil(alpha * (jnp.arange(1, n_out) + u)).astype(jnp.int64)
        cum = jnp.concatenate([jnp.array([1], jnp.int64), inner, jnp.array([n_in + 1], jnp.int64)])
        diff = cum[1:] - cum[:-1]
    else:
        diff = jax.random.permutation(key, (jnp.arange(n_out) < n_in % n_out).astype(jnp.int64) + k)
    return jnp.concatenate([jnp.zeros(1, jnp.int64), jnp.cumsum(diff)])


def _sequences_impl(seed: Any, *, sizes: tuple[int, int, int, int], pseudo: bool) -> Any:
    kr, kc = jax.random.split(stateless_random_ops.key_from_seed(seed))
    in_h, in_w, out_h, out_w = sizes
    return _sequence(kr, in_h, out_h, pseudo), _sequence(kc, in_w, out_w, pseudo)


_sequences = Op("FractionalPoolSequences", _sequences_impl, multiple_results=True, differentiable=False)
_max_seed = Op("FractionalMaxPool", random_ops._seed_pair_impl, multiple_results=True, differentiable=False)
_avg_seed = Op("FractionalAvgPool", random_ops._seed_pair_impl, multiple_results=True, differentiable=False)


def _pool_axis(x: Any, seq: Any, axis: int, overlapping: bool, is_max: bool) -> Any:
    n_in, n_out = x.shape[axis], seq.shape[0] - 1
    width = n_in // n_out + 1 + int(overlapping)
    idx = seq[:-1, None] + jnp.arange(width)  # [out, width]
    end = jnp.minimum(seq[1:] + int(overlapping), n_in)[:, None]
    valid = idx < end
    g = jnp.take(x, jnp.clip(idx, 0, n_in - 1).reshape(-1), axis=axis)
    g = g.reshape(*x.shape[:axis], n_out, width, *x.shape[axis + 1 :])
    mask = valid.reshape((1,) * axis + (n_out, width) + (1,) * (x.ndim - axis - 1))
    if is_max:
        low = jnp.finfo(x.dtype).min if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
        return jnp.max(jnp.where(mask, g, low), axis=axis + 1)
    total = jnp.sum(jnp.where(mask, g, 0), axis=axis + 1)
    return total, jnp.sum(valid, axis=1)


def _pool_impl(x: Any, rows: Any, cols: Any, *, overlapping: bool, is_max: bool) -> Any:
    if is_max:
        return _pool_axis(_pool_axis(x, rows, 1, overlapping, True), cols, 2, overlapping, True)
    by_rows, n_rows = _pool_axis(x, rows, 1, overlapping, False)
    total, n_cols = _pool_axis(by_rows, cols, 2, overlapping, False)
    count = (n_rows[:, None] * n_cols[None, :]).astype(x.dtype)
    return (total / count[None, :, :, None]).astype(x.dtype)


_max_pool = Op("FractionalMaxPool", _pool_impl, nondiff=(1, 2))
_avg_pool = Op("FractionalAvgPool", _pool_impl, nondiff=(1, 2))


def _fractional(
    op: Op, seed_op: Op, value: Any, pooling_ratio: Any, pseudo_random: bool, overlapping: bool, seed: int
) -> tuple[Tensor, Tensor, Tensor]:
    x = utils.as_tensor(value, None, op.name)
    if utils.dtype_name(x) not in ("float32", "float64", "int32", "int64"):
        raise utils.invalid_argument(
            f"{op.name}: Value for attr 'T' of {utils.dtype_name(x)} is not in the list of allowed values: float, "
            "double, int32, int64"
        )
    ratio = [float(r) for r in np.atleast_1d(np.asarray(pooling_ratio, np.float64))]
    if len(ratio) == 1:
        ratio = [1.0, ratio[0], ratio[0], 1.0]
    if len(ratio) != 4 or ratio[0] != 1.0 or ratio[3] != 1.0:
        raise ValueError(
            "`pooling_ratio` should have first and last elements with value 1.0. "
            f"Received: pooling_ratio={pooling_ratio}"
        )
    if any(r < 1.0 for r in ratio):
        raise ValueError(f"`pooling_ratio` elements should be >= 1.0. Received: pooling_ratio={pooling_ratio}")
    shape = utils.shape_of(x)
    if len(shape) != 4:
        raise utils.invalid_argument(f"{op.name}: input must be 4-dimensional, got shape {list(shape)}.")
    out_h, out_w = int(np.floor(shape[1] / ratio[1])), int(np.floor(shape[2] / ratio[2]))
    if out_h <= 0 or out_w <= 0:
        raise utils.invalid_argument(
            f"{op.name}: outputsize must be positive (input {list(shape)}, pooling_ratio {ratio})."
        )
    pair = random_ops._draw(seed_op, utils.static_int(seed, "seed") or None)
    rows, cols = bind(_sequences, pair, sizes=(shape[1], shape[2], out_h, out_w), pseudo=bool(pseudo_random))
    out = bind(op, x, rows, cols, overlapping=bool(overlapping), is_max=op is _max_pool)
    return out, rows, cols


def fractional_max_pool(
    value: Any,
    pooling_ratio: Any,
    pseudo_random: bool = False,
    overlapping: bool = False,
    seed: int = 0,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Max pooling over randomly sized regions, shrinking height and width by non-integer ratios
    (``tf.nn.fractional_max_pool``).

    Args:
      value: ``[batch, height, width, channels]`` (float32, float64, int32 or int64).
      pooling_ratio: a float, or 4 floats ``[1, rows, cols, 1]``, each >= 1; the output has
        ``floor(size / ratio)`` rows and columns.
      pseudo_random: regions from one random offset (else a random shuffle of the region sizes).
      overlapping: each region also includes the first row/column of the next.
      seed: 0 for a fresh draw per call; else an op seed (TF's seeding rules).

    Returns:
      ``(output, row_pooling_sequence, col_pooling_sequence)``: the pooled tensor and the int64
      region boundaries (``rows + 1`` and ``cols + 1`` values from 0 to the size).

    Raises:
      ValueError: for a bad ``pooling_ratio``, as TF.

    >>> import tapejax as tf
    >>> out, rows, cols = tf.nn.fractional_max_pool(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [1.0, 2.0, 2.0, 1.0])
    >>> print(out[0, :, :, 0], rows)
    tf.Tensor(
    [[ 5.  7.]
     [13. 15.]], shape=(2, 2), dtype=float32) tf.Tensor([0 2 4], shape=(3,), dtype=int64)
    """
    return _fractional(_max_pool, _max_seed, value, pooling_ratio, pseudo_random, overlapping, seed)


def fractional_avg_pool(
    value: Any,
    pooling_ratio: Any,
    pseudo_random: bool = False,
    overlapping: bool = False,
    seed: int = 0,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Average pooling over randomly sized regions (``tf.nn.fractional_avg_pool``); arguments and
    results as :func:`fractional_max_pool`."""
    return _fractional(_avg_pool, _avg_seed, value, pooling_ratio, pseudo_random, overlapping, seed)
