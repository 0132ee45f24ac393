"""Gradient cases of issue 14's tf.math ops (inverse trigonometry, NaN-safe arithmetic, special
functions, segment reductions, scans, top-k): used by tests/test_op_gradients.py.

Several ops share one case (a sum of their outputs) to keep the compile count, and the suite's time,
small; the conventions TF fixes at special points (0 divisors, x == 0 in xlogy, zeros in cumprod)
are pinned against TF's values in tests/test_math_ops_more.py."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
from jax import lax
from op_case import Case

import tapejax as tf

C = Case
_IDS = [0, 0, 2]


def _const(value: float, like: Any) -> Any:
    return tf.constant(value, dtype=like.dtype)


def _exclusive_reverse_cumprod(x: Any) -> Any:
    flipped = jnp.flip(x, 1)
    inclusive = jnp.cumprod(flipped, axis=1)
    exclusive = jnp.concatenate([jnp.ones_like(flipped[:, :1]), inclusive[:, :-1]], axis=1)
    return jnp.flip(exclusive, 1)


def _segment_prod_twin(x: Any) -> Any:
    return jnp.stack([jnp.prod(x[0:2], 0), jnp.ones_like(x[0]), x[2]])


CASES: list[Case] = [
    C(
        "inverse_trig",
        lambda x: (
            tf.math.acos(x)
            + tf.math.asin(x)
            + tf.math.atan(x)
            + tf.math.asinh(x)
            + tf.math.atanh(x)
            + tf.math.acosh(x + 2.0)
            + tf.math.erfinv(x)
        ),
        lambda x: (
            jnp.arccos(x)
            + jnp.arcsin(x)
            + jnp.arctan(x)
            + jnp.arcsinh(x)
            + jnp.arctanh(x)
            + jnp.arccosh(x + 2.0)
            + lax.erf_inv(x)
        ),
        ((3, 4),),
        "unit",
    ),
    C(
        "binary_elementwise",
        lambda x, y: (
            tf.math.atan2(x, y)
            + tf.math.divide_no_nan(x, y)
            + tf.math.multiply_no_nan(x, y)
            + tf.math.nextafter(x, y)
            + tf.math.xlogy(x, y)
            + tf.math.xdivy(x, y)
            + tf.math.xlog1py(x, y)
        ),
        lambda x, y: jnp.arctan2(x, y) + x / y + x * y + (x + 0 * y) + x * jnp.log(y) + x / y + x * jnp.log1p(y),
        ((3, 4), (4,)),
        "pos",
    ),
    C(
        "unary_special",
        lambda x: (
            tf.math.reciprocal(x)
            + tf.math.log_sigmoid(x)
            + tf.math.softsign(x)
            + tf.math.erf(x)
            + tf.math.erfc(x)
            + tf.math.lgamma(x)
            + tf.math.digamma(x)
            + tf.math.bessel_i0(x)
            + tf.math.bessel_i0e(x)
            + tf.math.bessel_i1(x)
            + tf.math.bessel_i1e(x)
            + tf.math.ndtri(x / 3)
            + tf.math.erfcinv(x)
            + tf.math.polygamma(_const(1.0, x), x)
            + tf.math.zeta(_const(3.0, x), x)
            + tf.math.betainc(_const(1.5, x), _const(2.5, x), x / 3)
        ),
        lambda x: (
            1 / x
            + jax.nn.log_sigmoid(x)
            + jax.nn.soft_sign(x)
            + lax.erf(x)
            + lax.erfc(x)
            + lax.lgamma(x)
            + lax.digamma(x)
            + jsp.i0(x)
            + jsp.i0e(x)
            + jsp.i1(x)
            + jsp.i1e(x)
            + jsp.ndtri(x / 3)
            - jsp.ndtri(0.5 * x) * jnp.sqrt(0.5)
            + lax.polygamma(jnp.ones_like(x), x)
            + jsp.zeta(3.0, x)
            + lax.betainc(jnp.full_like(x, 1.5), jnp.full_like(x, 2.5), x / 3)
        ),
        ((3, 4),),
        "pos",
        # (their second derivatives are JAX's; the nested-tape check of all of them compiles for a minute)
        numeric_order=1,
    ),
    C(
        "complex_angle",
        lambda x, y: tf.math.angle(tf.complex(x, y)),
        lambda x, y: jnp.arctan2(y, x),
        ((3, 4), (3, 4)),
    ),
    C(
        "saturate_cast",
        lambda x: tf.cast(tf.saturate_cast(x, tf.float64), x.dtype) * x,
        lambda x: x * x,
        ((3,),),
    ),
    # TF's IgammaGradA has no gradient of its own: second order in ``a`` is not defined, in TF as here.
    C(
        "igamma_igammac",
        lambda a, x: tf.math.igamma(a, x) + 2 * tf.math.igammac(a, x),
        lambda a, x: lax.igamma(a, x) + 2 * lax.igammac(a, x),
        ((3, 4), (3, 4)),
        "pos",
        numeric_order=1,
    ),
    C(
        "lbeta",
        lambda x: tf.math.lbeta(x),
        lambda x: jnp.sum(lax.lgamma(x), -1) - lax.lgamma(jnp.sum(x, -1)),
        ((3, 4),),
        "pos",
    ),
    C(
        "segment_reductions",
        lambda x: (
            tf.math.segment_sum(x, _IDS)
            + tf.math.unsorted_segment_mean(x, [2, -1, 2], 3)
            + tf.math.segment_max(x, _IDS)
            + tf.math.segment_prod(x, _IDS)
        ),
        lambda x: (
            jax.ops.segment_sum(x, jnp.array(_IDS), 3)
            + jnp.stack([jnp.zeros_like(x[0]), jnp.zeros_like(x[0]), (x[0] + x[2]) / 2])
            + jnp.stack([jnp.maximum(x[0], x[1]), jnp.zeros_like(x[0]), x[2]])
            + _segment_prod_twin(x)
        ),
        ((3, 4),),
    ),
    C(
        "scans",
        lambda x: (
            tf.math.cumprod(x, axis=1)
            + tf.math.cumprod(x, axis=1, exclusive=True, reverse=True)
            + tf.math.cumulative_logsumexp(x, axis=1)
        ),
        lambda x: jnp.cumprod(x, axis=1) + _exclusive_reverse_cumprod(x) + lax.cumlogsumexp(x, axis=1),
        ((3, 4),),
    ),
    C(
        "norms",
        lambda x: tf.math.reduce_euclidean_norm(x, axis=1, keepdims=True) * tf.math.l2_normalize(x, axis=-1),
        lambda x: x,
        ((3, 4),),
    ),
    C("top_k", lambda x: tf.math.top_k(x, k=2)[0], lambda x: lax.top_k(x, 2)[0], ((3, 4),)),
    # TF's ApproxTopK has no float64 kernel, so there is no float64 numerical check.
    C(
        "approx_k",
        lambda x: tf.math.approx_max_k(x, 2)[0] * tf.math.approx_min_k(x, 2)[0],
        lambda x: lax.top_k(x, 2)[0] * -lax.top_k(-x, 2)[0],
        ((3, 4),),
        numeric_order=0,
    ),
    C(
        "confusion_matrix_weights",
        lambda w: tf.math.confusion_matrix([0, 1, 2], [0, 2, 2], num_classes=3, weights=w, dtype=w.dtype),
        lambda w: jnp.zeros((3, 3), w.dtype).at[jnp.array([0, 1, 2]), jnp.array([0, 2, 2])].add(w),
        ((3,),),
    ),
]
