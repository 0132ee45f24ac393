"""Stateless random ops (``tf.random.stateless_*``, ``tf.random.split``, ``tf.random.fold_in``).

A ``seed`` is TF's shape-``[2]`` int32/int64 tensor. Each op turns it into a JAX key inside its
implementation (:func:`key_from_seed`), so the same seed gives the same values, eagerly and inside
``tf.function``, and different seeds give different values. Gradients are TF's: ``stateless_gamma``
is differentiable in ``alpha`` (the implicit reparameterisation TF's ``RandomGammaGrad`` computes,
which is JAX's gamma derivative), ``stateless_parameterized_truncated_normal`` in its four
parameters; ``mean``/``stddev``/``minval``/``maxval`` tensors of normal/uniform get theirs through
ordinary recorded ops (``rnd * stddev + mean``), as in TF; the other samples have none.

Differences from TensorFlow: the numbers differ from TF's (JAX's threefry generator, not Philox);
``alg`` is accepted and ignored.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import random_state
from tapejax._src.core import Op, bind
from tapejax._src.ops import math_ops, utils
from tapejax._src.tensor import Tensor

Shape = tuple[int, ...]


def key_from_seed(seed: Any) -> Any:
    """A JAX key from a ``[2]`` int seed (both 64-bit halves of the second element folded in)."""
    s = seed.astype(jnp.int64)
    key = jax.random.PRNGKey(s[0])
    lo = (s[1] & 0xFFFFFFFF).astype(jnp.uint32)
    hi = ((s[1] >> 32) & 0xFFFFFFFF).astype(jnp.uint32)
    return jax.random.fold_in(jax.random.fold_in(key, lo), hi)


# Eager draws (random_ops._draw, and the stateless normal, truncated normal and uniform draws below)
# take their random bits from the host (random_state.host_bits): these are JAX's conversions of bits
# to numbers (jax.random.uniform, normal, truncated_normal), written out on the bits, so that a draw
# gives the values it gives from a key (tests/test_cold_random.py checks they do).


def float_bits(dtype: np.dtype) -> int:
    """How many random bits ``jax.random.uniform`` draws per number of ``dtype``."""
    finfo = jnp.finfo(dtype)
    return 8 if finfo.nmant < 8 else finfo.bits


def uniform_from_bits(bits: Any, minval: Any, maxval: Any, shape: Shape, dtype: np.dtype) -> Any:
    """``jax.random.uniform(key, shape, dtype, minval, maxval)`` after its ``_random_bits``."""
    finfo = jax.numpy.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint_dtype = np.dtype(f"uint{nbits}")
    if rng_bits != nbits:
        bits = jax.lax.convert_element_type(bits, uint_dtype)
    minval = jax.lax.broadcast_to_rank(jax.lax.convert_element_type(minval, dtype), len(shape))
    maxval = jax.lax.broadcast_to_rank(jax.lax.convert_element_type(maxval, dtype), len(shape))
    float_bits = jax.lax.shift_right_logical(bits, jax.numpy.array(rng_bits - nmant, uint_dtype))
    float_bits = jax.lax.bitwise_or(
        float_bits, jax.numpy.asarray(np.array(1.0, dtype).view(uint_dtype), dtype=uint_dtype)
    )
    floats = jax.lax.bitcast_convert_type(float_bits, dtype) - jax.numpy.array(1.0, dtype)
    return jax.lax.max(minval, jax.lax.reshape(floats * (maxval - minval) + minval, shape))


def uniform_bits_impl(bits: Any, minval: Any, maxval: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    return uniform_from_bits(bits, 0.0, 1.0, shape, dtype) * (maxval - minval) + minval


def normal_bits_impl(bits: Any, mean: Any, stddev: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = uniform_from_bits(bits, lo, np.array(1.0, dtype), shape, dtype)
    return jax.lax.mul(np.array(np.sqrt(2), dtype), jax.lax.erf_inv(u)) * stddev + mean


def truncated_normal_from_bits(bits: Any, shape: Shape, dtype: np.dtype) -> Any:
    """``jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype)`` after its ``_random_bits``."""
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = jax.lax.convert_element_type(-2.0, dtype)
    upper = jax.lax.convert_element_type(2.0, dtype)
    a = jax.lax.erf(lower / sqrt2)
    b = jax.lax.erf(upper / sqrt2)
    u = uniform_from_bits(bits, a, b, shape, dtype)
    out = sqrt2 * jax.lax.erf_inv(u)
    return jnp.clip(
        out,
        jax.lax.nextafter(jax.lax.stop_gradient(lower), np.array(np.inf, dtype=dtype)),
        jax.lax.nextafter(jax.lax.stop_gradient(upper), np.array(-np.inf, dtype=dtype)),
    )


def truncated_normal_bits_impl(bits: Any, mean: Any, stddev: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    return truncated_normal_from_bits(bits, shape, dtype) * stddev + mean


def _std_truncated_normal_bits_impl(bits: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    return truncated_normal_from_bits(bits, shape, dtype)


def _std_uniform_bits_impl(bits: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    return uniform_from_bits(bits, 0.0, 1.0, shape, dtype)


def _std_normal_bits_impl(bits: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = uniform_from_bits(bits, lo, np.array(1.0, dtype), shape, dtype)
    return jax.lax.mul(np.array(np.sqrt(2), dtype), jax.lax.erf_inv(u))


def _seeds_of(keys: Any, dtype: Any) -> Any:
    """Raw keys ``uint32[..., 2]`` as seeds of ``dtype`` (int32 keeps the bits; int64 the values)."""
    if dtype == jnp.int32:
        return jax.lax.bitcast_convert_type(keys, jnp.int32)
    return keys.astype(dtype)


def _split_impl(seed: Any, *, num: int) -> Any:
    return _seeds_of(jax.random.split(key_from_seed(seed), num), seed.dtype)


def _fold_in_impl(seed: Any, data: Any) -> Any:
    return _seeds_of(jax.random.fold_in(key_from_seed(seed), data.astype(jnp.uint32)), seed.dtype)


def _normal_impl(seed: Any, *, shape: Shape, dtype: Any) -> Any:
    return jax.random.normal(key_from_seed(seed), shape, dtype)


def _truncated_normal_impl(seed: Any, *, shape: Shape, dtype: Any) -> Any:
    return jax.random.truncated_normal(key_from_seed(seed), -2.0, 2.0, shape, dtype)


def _uniform_impl(seed: Any, *, shape: Shape, dtype: Any) -> Any:
    return jax.random.uniform(key_from_seed(seed), shape, dtype)


def _uniform_int_impl(seed: Any, minval: Any, maxval: Any, *, shape: Shape, dtype: Any) -> Any:
    return jax.random.randint(key_from_seed(seed), shape, minval, maxval, dtype)


def _uniform_full_int_impl(seed: Any, *, shape: Shape, dtype: Any) -> Any:
    d = np.dtype(dtype)
    bits = jax.random.bits(key_from_seed(seed), shape, np.dtype(f"uint{8 * d.itemsize}"))
    return jax.lax.bitcast_convert_type(bits, d) if d.kind == "i" else bits


def _categorical_impl(seed: Any, logits: Any, *, num_samples: int, dtype: Any) -> Any:
    batch = logits.shape[0]
    out = jax.random.categorical(key_from_seed(seed), logits, axis=-1, shape=(num_samples, batch))
    return out.T.astype(dtype)


def _gamma_impl(seed: Any, alpha: Any, *, shape: Shape) -> Any:
    return jax.random.gamma(key_from_seed(seed), jnp.broadcast_to(alpha, shape), shape, alpha.dtype)


# The gamma, Poisson and binomial samplers (rejection loops) are slow to compile: they run as their own
# cached kernel, one per shape (not deferred into each program that uses them), with int64 / float64
# out and a cast op to the requested dtype.
def _poisson_impl(seed: Any, lam: Any, *, shape: Shape) -> Any:
    return jax.random.poisson(key_from_seed(seed), jnp.broadcast_to(lam, shape).astype(jnp.float64), shape, jnp.int64)


def _binomial_impl(seed: Any, counts: Any, probs: Any, *, shape: Shape) -> Any:
    n = jnp.broadcast_to(counts, shape).astype(jnp.float64)
    p = jnp.broadcast_to(probs, shape).astype(jnp.float64)
    return jax.random.binomial(key_from_seed(seed), n, p, shape, jnp.float64)


def _parameterized_truncated_normal_impl(
    seed: Any, means: Any, stddevs: Any, minvals: Any, maxvals: Any, *, shape: Shape
) -> Any:
    m, s = jnp.broadcast_to(means, shape), jnp.broadcast_to(stddevs, shape)
    lo, hi = (jnp.broadcast_to(minvals, shape) - m) / s, (jnp.broadcast_to(maxvals, shape) - m) / s
    return jax.random.truncated_normal(key_from_seed(seed), lo, hi, shape, means.dtype) * s + m


def _shuffle_impl(seed: Any, x: Any) -> Any:
    return x if x.ndim == 0 else jax.random.permutation(key_from_seed(seed), x, axis=0, independent=False)


_shuffle = Op("StatelessShuffle", _shuffle_impl, differentiable=False)
_split = Op("StatelessRandomSplit", _split_impl, differentiable=False)
_fold_in = Op("StatelessRandomFoldIn", _fold_in_impl, differentiable=False)
_normal = Op("StatelessRandomNormalV2", _normal_impl, differentiable=False)
_normal_bits = Op("StatelessRandomNormalV2", _std_normal_bits_impl, differentiable=False)
_uniform_bits = Op("StatelessRandomUniformV2", _std_uniform_bits_impl, differentiable=False)
_truncated_normal = Op("StatelessTruncatedNormalV2", _truncated_normal_impl, differentiable=False)
_truncated_normal_bits = Op("StatelessTruncatedNormalV2", _std_truncated_normal_bits_impl, differentiable=False)
_uniform = Op("StatelessRandomUniformV2", _uniform_impl, differentiable=False)
_uniform_int = Op("StatelessRandomUniformIntV2", _uniform_int_impl, differentiable=False)
_uniform_full_int = Op("StatelessRandomUniformFullIntV2", _uniform_full_int_impl, differentiable=False)
_categorical = Op("StatelessMultinomial", _categorical_impl, differentiable=False)
_gamma = Op("StatelessRandomGammaV3", _gamma_impl, nondiff=(0,), defer=False)
_poisson = Op("StatelessRandomPoisson", _poisson_impl, differentiable=False, defer=False)
_binomial = Op("StatelessRandomBinomial", _binomial_impl, differentiable=False, defer=False)
_parameterized_truncated_normal = Op(
    "StatelessParameterizedTruncatedNormal", _parameterized_truncated_normal_impl, nondiff=(0,)
)


def seed_tensor(seed: Any, op_name: str) -> Tensor:
    """``seed`` as a shape-``[2]`` int32/int64 tensor, else TF's InvalidArgumentError."""
    t = utils.as_tensor(seed, None, op_name)
    if np.dtype(t._v.dtype) not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise utils.invalid_argument(
            f"{op_name}: seed must be an int32 or int64 tensor, got {utils.describe([t])}. Fix: tf.cast the seed."
        )
    if tuple(t._v.shape) != (2,):
        raise utils.invalid_argument(f"seed must have shape [2], not {list(t._v.shape)} [Op:{op_name}]")
    return t


def _draw(op: Op, bits_op: Op, seed_t: Tensor, shape: Shape, dtype: np.dtype) -> Tensor:
    """``op``'s sample for ``seed_t``; its bits hashed on the host when the seed is a concrete value
    and the draw a small one-off (random_state.host_turn: no compiled hash), with the same values."""
    v = seed_t._v
    if (
        isinstance(v, (jax.Array, np.ndarray))
        and not isinstance(v, jax.core.Tracer)
        and random_state.host_turn((op, shape, dtype))
    ):
        s = np.asarray(v).astype(np.int64)
        # (key_from_seed on the host)
        key = random_state.host_fold_in(random_state.seed_key_host(int(s[0])), int(s[1]) & 0xFFFFFFFF)
        key = random_state.host_fold_in(key, (int(s[1]) >> 32) & 0xFFFFFFFF)
        return bind(bits_op, Tensor(random_state.host_bits(key, float_bits(dtype), shape)), shape=shape, dtype=dtype)
    return bind(op, seed_t, shape=shape, dtype=dtype)


def _shape(shape: Any, op_name: str) -> Shape:
    dims = utils.static_shape_arg(shape)
    if any(d < 0 for d in dims):
        raise utils.invalid_argument(f"{op_name}: shape must be non-negative, got {list(dims)}.")
    return dims


def _float_dtype(dtype: Any) -> np.dtype:
    d = dtypes_lib.as_dtype(dtype)
    if not d.is_floating:
        raise TypeError(f"Cannot convert 0.0 to EagerTensor of dtype {d.name}")
    return d._np


def _scale(rnd: Tensor, a: Any, b: Any, dtype: np.dtype, op_name: str, uniform: bool) -> Tensor:
    """``rnd * b + a`` (``rnd * (b - a) + a`` for uniform) with recorded ops, so tensor parameters get TF's gradients."""
    ta, tb = utils.as_tensor(a, dtype, op_name), utils.as_tensor(b, dtype, op_name)
    utils.check_same_dtype(op_name, [rnd, ta, tb])
    scale = math_ops.subtract(tb, ta) if uniform else tb
    return math_ops.add(math_ops.multiply(rnd, scale), ta)


def split(seed: Any, num: int = 2, alg: Any = "auto_select") -> Tensor:
    """``num`` new seeds from ``seed``, shape ``[num, 2]`` of the seed's dtype (``tf.random.split``).

    >>> import tapejax as tf
    >>> s = tf.random.split([1, 2], 3)
    >>> s.shape, s.dtype
    (TensorShape([3, 2]), tf.int32)
    """
    s = seed_tensor(seed, "StatelessRandomGetKeyCounter")
    return bind(_split, s, num=utils.static_int(num, "num"))


def fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """A new seed from ``seed`` and an integer ``data`` (``tf.random.fold_in``), shape ``[2]``."""
    s = seed_tensor(seed, "StatelessRandomGetKeyCounter")
    d = utils.as_tensor(data, np.dtype(np.int64), "StatelessRandomFoldIn")
    utils.require_kind("StatelessRandomFoldIn", d, "iu")
    return bind(_fold_in, s, d)


def stateless_normal(
    shape: Any,
    seed: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes_lib.float32,
    name: str | None = None,
    alg: Any = "auto_select",
) -> Tensor:
    """Normal samples determined by ``seed`` (``tf.random.stateless_normal``).

    >>> import tapejax as tf
    >>> a = tf.random.stateless_normal([2], seed=[1, 2])
    >>> bool(tf.reduce_all(a == tf.random.stateless_normal([2], seed=[1, 2])))
    True
    """
    d = _float_dtype(dtype)
    rnd = _draw(
        _normal,
        _normal_bits,
        seed_tensor(seed, "StatelessRandomGetKeyCounter"),
        _shape(shape, "StatelessRandomNormalV2"),
        d,
    )
    if isinstance(mean, (int, float)) and isinstance(stddev, (int, float)) and (mean, stddev) == (0.0, 1.0):
        return rnd
    return _scale(rnd, mean, stddev, d, "StatelessRandomNormalV2", uniform=False)


def stateless_truncated_normal(
    shape: Any,
    seed: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes_lib.float32,
    name: str | None = None,
    alg: Any = "auto_select",
) -> Tensor:
    """Normal samples within two standard deviations, determined by ``seed`` (``tf.random.stateless_truncated_normal``)."""
    d = _float_dtype(dtype)
    rnd = _draw(
        _truncated_normal,
        _truncated_normal_bits,
        seed_tensor(seed, "StatelessRandomGetKeyCounter"),
        _shape(shape, "StatelessTruncatedNormalV2"),
        d,
    )
    if isinstance(mean, (int, float)) and isinstance(stddev, (int, float)) and (mean, stddev) == (0.0, 1.0):
        return rnd
    return _scale(rnd, mean, stddev, d, "StatelessTruncatedNormalV2", uniform=False)


_UNIFORM_INT = ("int32", "int64", "uint32", "uint64")
_UNIFORM_FLOAT = ("float16", "bfloat16", "float32", "float64")


def stateless_uniform(
    shape: Any,
    seed: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = dtypes_lib.float32,
    name: str | None = None,
    alg: Any = "auto_select",
) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` determined by ``seed`` (``tf.random.stateless_uniform``).

    Floats default to ``[0, 1)``. Integers (int32, int64, uint32, uint64) need both bounds, or both
    ``None`` for the dtype's full range.

    Raises:
      ValueError: an integer dtype with only one bound.
      InvalidArgumentError: integers with ``minval >= maxval``, or an unsupported dtype.

    >>> import tapejax as tf
    >>> x = tf.random.stateless_uniform([4], seed=[1, 2], minval=0, maxval=10, dtype=tf.int32)
    >>> x.dtype, bool(tf.reduce_all((x >= 0) & (x < 10)))
    (tf.int32, True)
    """
    d = dtypes_lib.as_dtype(dtype)
    seed_t = seed_tensor(seed, "StatelessRandomGetKeyCounter")
    if d.name in _UNIFORM_INT:
        dims = _shape(shape, "StatelessRandomUniformIntV2")
        if (minval is None) != (maxval is None):
            raise ValueError(
                f"For integer `dtype` argument <dtype: '{d.name}'>, argument `minval` and `maxval` must be both None "
                f"or not None. Got `minval`={minval} and `maxval`={maxval}."
            )
        if minval is None:
            return bind(_uniform_full_int, seed_t, shape=dims, dtype=d._np)
        lo, hi = (
            utils.as_tensor(minval, d._np, "StatelessRandomUniformIntV2"),
            utils.as_tensor(maxval, d._np, "StatelessRandomUniformIntV2"),
        )
        utils.check_same_dtype("StatelessRandomUniformIntV2", [lo, hi])
        lo_v, hi_v = utils.concrete(lo), utils.concrete(hi)
        if lo_v is not None and hi_v is not None:
            if lo_v.ndim or hi_v.ndim:
                raise utils.invalid_argument("StatelessRandomUniformIntV2: minval and maxval must be scalars.")
            if lo_v >= hi_v:
                raise utils.invalid_argument(
                    f"Need minval < maxval, got {lo_v} >= {hi_v} [Op:StatelessRandomUniformIntV2]"
                )
        return bind(_uniform_int, seed_t, lo, hi, shape=dims, dtype=d._np)
    if d.name not in _UNIFORM_FLOAT:
        raise utils.invalid_argument(
            f"StatelessRandomUniformV2: dtype {d.name} is not supported: expected one of "
            f"{list(_UNIFORM_FLOAT + _UNIFORM_INT)}."
        )
    rnd = _draw(_uniform, _uniform_bits, seed_t, _shape(shape, "StatelessRandomUniformV2"), d._np)
    if maxval is None:
        maxval = 1
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)) and (minval, maxval) == (0, 1):
        return rnd
    return _scale(rnd, minval, maxval, d._np, "StatelessRandomUniformV2", uniform=True)


def stateless_categorical(
    logits: Any, num_samples: int, seed: Any, dtype: Any = dtypes_lib.int64, name: str | None = None
) -> Tensor:
    """Class indices drawn from ``logits`` (``[batch, classes]``), shape ``[batch, num_samples]`` (``tf.random.stateless_categorical``).

    Raises:
      InvalidArgumentError: ``logits`` is not a matrix, or ``dtype`` is not int32/int64.
    """
    return categorical_with(
        logits, num_samples, seed_tensor(seed, "StatelessRandomGetKeyCounter"), dtype, "StatelessMultinomial"
    )


def categorical_with(logits: Any, num_samples: Any, seed_t: Any, dtype: Any, op_name: str) -> Tensor:
    """The categorical draw shared by the stateless and the stateful op (``seed_t`` a ``[2]`` seed)."""
    x = utils.as_tensor(logits, np.dtype(np.float32), op_name)
    utils.require_kind(op_name, x, "f")
    if len(x._v.shape) != 2:
        raise utils.invalid_argument(f"logits should be a matrix, got shape {list(x._v.shape)} [Op:{op_name}]")
    d = dtypes_lib.as_dtype(dtype)
    if d.name not in ("int32", "int64"):
        raise utils.invalid_argument(f"{op_name}: output dtype must be int32 or int64, got {d.name}.")
    n = utils.static_int(num_samples, "num_samples")
    if n < 0:
        raise utils.invalid_argument(f"num_samples should be nonnegative, got {n} [Op:{op_name}]")
    return bind(_categorical, seed_t, x, num_samples=n, dtype=d._np)


def _ends_with(shape: Shape, tail: tuple[int, ...], op_name: str) -> None:
    if len(tail) > len(shape) or (tail and tuple(shape[len(shape) - len(tail) :]) != tail):
        raise utils.invalid_argument(f"Shape passed in must end with broadcasted shape. [Op:{op_name}]")


def stateless_gamma(
    shape: Any, seed: Any, alpha: Any, beta: Any = None, dtype: Any = dtypes_lib.float32, name: str | None = None
) -> Tensor:
    """Gamma samples determined by ``seed`` (``tf.random.stateless_gamma``); differentiable in ``alpha`` and ``beta``.

    ``shape`` is the full output shape and must end with the broadcast shape of ``alpha`` and ``beta``.
    """
    d = _float_dtype(dtype)
    op = "StatelessRandomGammaV3"
    dims = _shape(shape, op)
    a = utils.as_tensor(alpha, d, op)
    b = utils.as_tensor(1 if beta is None else beta, d, op)
    utils.check_same_dtype(op, [a, b])
    bshape = utils.broadcast_shapes(tuple(a._v.shape), tuple(b._v.shape))
    if bshape is None:
        raise utils.invalid_argument(f"{op}: alpha and beta shapes do not broadcast: {utils.describe([a, b])}.")
    _ends_with(dims, bshape, op)
    sample = bind(_gamma, seed_tensor(seed, "StatelessRandomGetKeyCounter"), a, shape=dims)
    return _gamma_floor(math_ops.divide(sample, b) if beta is not None else sample, d)


def _gamma_floor(x: Tensor, d: np.dtype) -> Tensor:
    # TF: maximum(finfo(dtype).tiny, sample / beta), keeping samples positive.
    return math_ops.maximum(x, Tensor(np.asarray(np.finfo(d).tiny, d)))


def stateless_poisson(
    shape: Any, seed: Any, lam: Any, dtype: Any = dtypes_lib.int32, name: str | None = None
) -> Tensor:
    """Poisson samples determined by ``seed`` (``tf.random.stateless_poisson``); ``shape`` ends with ``lam``'s shape."""
    op = "StatelessRandomPoisson"
    d = dtypes_lib.as_dtype(dtype)
    if d.name not in ("float16", "float32", "float64", "int32", "int64"):
        raise utils.invalid_argument(f"{op}: dtype must be float16, float32, float64, int32 or int64, got {d.name}.")
    dims = _shape(shape, op)
    lam_t = utils.as_tensor(lam, np.dtype(np.float32), op)
    utils.require_kind(op, lam_t, "fiu")
    _ends_with(dims, tuple(lam_t._v.shape), op)
    return math_ops.cast(bind(_poisson, seed_tensor(seed, "StatelessRandomGetKeyCounter"), lam_t, shape=dims), d)


def stateless_binomial(
    shape: Any, seed: Any, counts: Any, probs: Any, output_dtype: Any = dtypes_lib.int32, name: str | None = None
) -> Tensor:
    """Binomial samples (``counts`` trials of probability ``probs``) determined by ``seed`` (``tf.random.stateless_binomial``)."""
    op = "StatelessRandomBinomial"
    d = dtypes_lib.as_dtype(output_dtype)
    if d.name not in ("float16", "float32", "float64", "int32", "int64"):
        raise utils.invalid_argument(
            f"{op}: output_dtype must be float16, float32, float64, int32 or int64, got {d.name}."
        )
    dims = _shape(shape, op)
    n, p = utils.as_tensor(counts, np.dtype(np.float32), op), utils.as_tensor(probs, np.dtype(np.float32), op)
    for t in (n, p):
        if utils.broadcast_shapes(tuple(t._v.shape), dims) != dims:
            raise utils.invalid_argument(
                f"{op}: counts and probs must broadcast to shape {list(dims)}, got {utils.describe([n, p])}."
            )
    return math_ops.cast(bind(_binomial, seed_tensor(seed, "StatelessRandomGetKeyCounter"), n, p, shape=dims), d)


def stateless_parameterized_truncated_normal(
    shape: Any,
    seed: Any,
    means: Any = 0.0,
    stddevs: Any = 1.0,
    minvals: Any = -2.0,
    maxvals: Any = 2.0,
    name: str | None = None,
) -> Tensor:
    """Normal samples truncated to ``[minvals, maxvals]`` (``tf.random.stateless_parameterized_truncated_normal``).

    The parameters broadcast to ``shape``; the dtype is ``means``'s (float32 for Python numbers).
    Differentiable in all four parameters, as TF.
    """
    op = "StatelessParameterizedTruncatedNormal"
    dims = _shape(shape, op)
    params = utils.as_tensors_like([means, stddevs, minvals, maxvals], op)
    for t in params:
        utils.require_kind(op, t, "f")
        if utils.broadcast_shapes(tuple(t._v.shape), dims) != dims:
            raise utils.invalid_argument(
                f"{op}: parameters must broadcast to shape {list(dims)}, got {utils.describe(params)}."
            )
    return bind(_parameterized_truncated_normal, seed_tensor(seed, "StatelessRandomGetKeyCounter"), *params, shape=dims)


def stateless_shuffle(value: Any, seed: Any, alg: Any = "auto_select", name: str | None = None) -> Tensor:
    """``value`` permuted along its first axis, determined by ``seed`` (``tf.random.experimental.stateless_shuffle``).

    Not differentiable. A scalar is returned unchanged.

    >>> import tapejax as tf
    >>> sorted(tf.random.experimental.stateless_shuffle(tf.range(5), seed=[1, 2]).numpy().tolist())
    [0, 1, 2, 3, 4]
    """
    return bind(
        _shuffle, seed_tensor(seed, "StatelessRandomGetKeyCounter"), utils.as_tensor(value, None, "StatelessShuffle")
    )


# tf.random.experimental's names of split and fold_in (the same functions, as in TF).
stateless_split = split
stateless_fold_in = fold_in
