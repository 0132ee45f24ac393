"""Stateful random ops (``tf.random.normal``, ``uniform``, ``truncated_normal``, ``shuffle``, ``set_seed``).

TF's rules for seeds (``tf.random.set_seed`` and the ops' ``seed=``), on JAX keys:

- A draw without ``seed=`` splits the global key :data:`tapejax._src.random_state.GLOBAL` (the one
  state ``tf.function`` lifts into compiled code). ``set_seed(s)`` restarts it from ``s``, so the
  sequence of draws repeats; with no global seed it starts from OS entropy.
- A draw with ``seed=`` uses its own stream per ``(op, seed)``, derived from the global seed (TF's
  default 87654321 when none is set), the op seed and a per-stream counter: like TF's seeded
  kernels it gives a new value on every call ("A1, A2, ...") and repeats after ``set_seed``, and it
  does not disturb the unseeded draws.

Each draw is one non-differentiable op taking a key and returning ``(next_key, sample)``; an eager
draw splits the key on the host instead and, when small, takes its bits from the host and converts
them with an op of JAX's conversion (see ``_draw``): no compiled hash, the same values. Where TF
makes ``mean``/``stddev``/``minval``/``maxval`` differentiable (when they are tensors), the scaling
is done with ordinary recorded ops after the draw, so gradients reach them as in TF.

Differences from TensorFlow: the numbers differ from TF's (JAX's threefry generator, not Philox);
inside ``tf.function`` a seeded draw's counter is fixed at trace time (TF advances it per call).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import random_state, transfer
from tapejax._src.core import Op, bind
from tapejax._src.ops import math_ops, stateless_random_ops, utils
from tapejax._src.tensor import Tensor

Shape = tuple[int, ...]


DEFAULT_GLOBAL_SEED = 87654321  # TF's DEFAULT_GRAPH_SEED: used when only the op seed is set
_MAXINT32 = 2**31 - 1

# Calls so far of each seeded stream {(op name, global seed, op seed): count}; reset by set_seed.
_seeded_calls: dict[tuple[str, int, int], int] = {}
# Held from reading a stream's key (or count) to storing the next: threads drawing at once never share
# a key, as TF's generator kernel, which advances its state under a lock (tf.function holds it too).
_STREAM_LOCK = random_state.LOCK


def _seed_key_impl(global_seed: Any, op_seed: Any, count: Any, *, stream: int) -> Any:
    key = jax.random.fold_in(jax.random.PRNGKey(global_seed), op_seed)
    return jax.random.fold_in(jax.random.fold_in(key, stream), count)


def _normal_impl(key: Any, mean: Any, stddev: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    key, sub = jax.random.split(key)
    return key, jax.random.normal(sub, shape, dtype) * stddev + mean


def _truncated_normal_impl(key: Any, mean: Any, stddev: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    key, sub = jax.random.split(key)
    return key, jax.random.truncated_normal(sub, -2.0, 2.0, shape, dtype) * stddev + mean


def _uniform_impl(key: Any, minval: Any, maxval: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    key, sub = jax.random.split(key)
    return key, jax.random.uniform(sub, shape, dtype) * (maxval - minval) + minval


def _uniform_int_impl(key: Any, minval: Any, maxval: Any, *, shape: Shape, dtype: np.dtype) -> Any:
    key, sub = jax.random.split(key)
    return key, jax.random.randint(sub, shape, minval, maxval, dtype)


def _shuffle_impl(key: Any, x: Any) -> Any:
    key, sub = jax.random.split(key)
    return key, (x if x.ndim == 0 else jax.random.permutation(sub, x, axis=0, independent=False))


def _seed_pair_impl(key: Any) -> Any:
    key, sub = jax.random.split(key)
    return key, jax.random.bits(sub, (2,), np.uint32).astype(np.int64)


def _host_randint(key: np.ndarray, minval: Any, maxval: Any, shape: Shape, dtype: np.dtype) -> np.ndarray:
    """``jax.random.randint(key, shape, minval, maxval, dtype)`` on the host, for scalar bounds of
    ``dtype`` with ``minval < maxval`` (integer arithmetic, which NumPy arrays wrap as XLA does)."""
    nbits = dtype.itemsize * 8
    unsigned = np.dtype(f"uint{nbits}")
    k1, k2 = random_state.host_split(key)
    higher, lower = random_state.host_bits(k1, nbits, shape), random_state.host_bits(k2, nbits, shape)
    lo, hi = np.array([minval], dtype), np.array([maxval], dtype)
    span = (hi - lo).astype(unsigned)
    multiplier = np.array([2 ** (nbits // 2)], unsigned) % span
    multiplier = (multiplier * multiplier) % span
    offset = ((higher % span) * multiplier + lower % span) % span
    return (lo + offset.astype(dtype)).reshape(shape)


_seed_key = Op("RandomSeed", _seed_key_impl, differentiable=False)
# One seed-pair op per stateful op, so that each has its own seeded stream, as TF's kernels do.
_multinomial_seed = Op("Multinomial", _seed_pair_impl, multiple_results=True, differentiable=False)
_gamma_seed = Op("RandomGamma", _seed_pair_impl, multiple_results=True, differentiable=False)
_poisson_seed = Op("RandomPoissonV2", _seed_pair_impl, multiple_results=True, differentiable=False)
_normal = Op("RandomStandardNormal", _normal_impl, multiple_results=True, differentiable=False)
_truncated_normal = Op("TruncatedNormal", _truncated_normal_impl, multiple_results=True, differentiable=False)
_uniform = Op("RandomUniform", _uniform_impl, multiple_results=True, differentiable=False)
_uniform_int = Op("RandomUniformInt", _uniform_int_impl, multiple_results=True, differentiable=False)
_shuffle = Op("RandomShuffle", _shuffle_impl, multiple_results=True, differentiable=False)
_uniform_bits = Op("RandomUniform", stateless_random_ops.uniform_bits_impl, differentiable=False)
_normal_bits = Op("RandomStandardNormal", stateless_random_ops.normal_bits_impl, differentiable=False)
_truncated_normal_bits = Op("TruncatedNormal", stateless_random_ops.truncated_normal_bits_impl, differentiable=False)


_STREAM_IDS = {
    "RandomStandardNormal": 1,
    "TruncatedNormal": 2,
    "RandomUniform": 3,
    "RandomUniformInt": 4,
    "RandomShuffle": 5,
    "Multinomial": 6,
    "RandomGamma": 7,
    "RandomPoissonV2": 8,
    # candidate_sampling_ops.py
    "UniformCandidateSampler": 20,
    "LogUniformCandidateSampler": 21,
    "LearnedUnigramCandidateSampler": 22,
    "FixedUnigramCandidateSampler": 23,
    # image_bbox_ops.py
    "SampleDistortedBoundingBoxV2": 24,
    "ExtractGlimpseV2": 25,
    # fractional_pool_ops.py
    "FractionalMaxPool": 26,
    "FractionalAvgPool": 27,
}


def _draw(op: Op, seed: Any, *args: Any, **params: Any) -> Tensor:
    """Runs one draw of ``op`` with the key its stream gives, advancing the stream.

    The first draws of a normal, truncated normal, uniform or integer sample of a shape and dtype
    (random_state.host_turn), eager and small, are made on the host: the key split or folded there and the bits
    hashed there (random_state.host_bits), so no program is compiled for the hash; the values are
    those ``op`` gives on the key. Every other draw, and those that repeat (a loop's), is deferred
    like other ops (lazy.py): the hash runs inside the queued program, the next key pending in the
    state.
    """
    with _STREAM_LOCK:
        return _draw_locked(op, seed, *args, **params)


def _draw_locked(op: Op, seed: Any, *args: Any, **params: Any) -> Tensor:
    state = random_state.GLOBAL
    # NumPy scalars (mean, stddev, bounds) as Tensors holding host values: program inputs of the
    # deferred draw (a bare NumPy argument would run the draw at once, on its own).
    args = tuple([Tensor(a[()]) if type(a) is np.ndarray and not a.ndim else a for a in args])
    host = op in _HOST_OPS and random_state.host_turn((op, params["shape"], params["dtype"]))
    if seed is None:
        key = state.host_key() if host else None
        if key is None:  # (traced, or a draw that repeats: the next key pending in the state)
            k = state.key_for_draw()
            new_key, sample = bind(op, Tensor(k) if type(k) is np.ndarray else k, *args, **params)
            state.set_pending(new_key._v)
            return sample
        state._value = random_state.host_split(key)[0]  # (what ``op`` returns as the next key)
        return _sample(op, key, args, params)
    global_seed = DEFAULT_GLOBAL_SEED if state.seed is None else int(state.seed) % _MAXINT32
    op_seed = utils.static_int(seed, "seed") % _MAXINT32
    stream = (op.name, global_seed, op_seed)
    count = _seeded_calls.get(stream, 0)
    _seeded_calls[stream] = count + 1
    if host:  # (_seed_key on the host)
        key = random_state.host_fold_in(random_state.seed_key_host(global_seed), op_seed)
        key = random_state.host_fold_in(random_state.host_fold_in(key, _STREAM_IDS[op.name]), count)
        return _sample(op, key, args, params)
    key = bind(
        _seed_key,
        Tensor(np.int64(global_seed)),
        Tensor(np.int64(op_seed)),
        Tensor(np.int64(count)),
        stream=_STREAM_IDS[op.name],
    )
    return bind(op, key, *args, **params)[1]


def _sample(op: Op, key: np.ndarray, args: tuple[Any, ...], params: dict[str, Any]) -> Tensor:
    """The sample of ``op`` (normal, uniform or integer) on ``key``, its bits hashed on the host."""
    shape, dtype = params["shape"], params["dtype"]
    sub = random_state.host_split(key)[1]
    if op is _uniform_int:
        lo, hi = (np.asarray(a._v if isinstance(a, Tensor) else a) for a in args)
        return Tensor(transfer.put(_host_randint(sub, lo, hi, shape, dtype)))
    bits = random_state.host_bits(sub, stateless_random_ops.float_bits(dtype), shape)
    return bind(_FROM_BITS[op], Tensor(bits), *args, **params)


_FROM_BITS = {_normal: _normal_bits, _uniform: _uniform_bits, _truncated_normal: _truncated_normal_bits}
_HOST_OPS = frozenset({*_FROM_BITS, _uniform_int})


def set_seed(seed: int | None) -> None:
    """Sets the global random seed, restarting every random stream (``tf.random.set_seed``).

    After ``set_seed(s)`` the same sequence of random ops gives the same values; ops with a
    ``seed=`` argument each have their own stream, also restarted. ``None`` makes draws
    non-reproducible again.

    >>> import tapejax as tf
    >>> tf.random.set_seed(42)
    >>> a = tf.random.uniform([2])
    >>> tf.random.set_seed(42)
    >>> bool(tf.reduce_all(a == tf.random.uniform([2])))
    True
    """
    random_state.GLOBAL.set_seed(None if seed is None else utils.static_int(seed, "seed"))
    _seeded_calls.clear()


def _float_dtype(dtype: Any, what: str) -> np.dtype:
    d = dtypes_lib.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"{what}: dtype must be a floating type (float16, bfloat16, float32, float64), got {d!r}.")
    return d._np


def _scalar_param(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _shape(shape: Any, op_name: str) -> Shape:
    dims = utils.static_shape_arg(utils.refuse_shape_bools(op_name, shape, "inferred"))
    if any(d < 0 for d in dims):
        raise utils.invalid_argument(f"{op_name}: shape must be non-negative, got {list(dims)}.")
    return dims


def _scaled(op: Op, shape: Any, a: Any, b: Any, dtype: np.dtype, seed: Any) -> Tensor:
    """A draw with location/scale ``a``/``b``: folded into the draw for Python numbers, else recorded ops."""
    dims = _shape(shape, op.name)
    if _scalar_param(a) and _scalar_param(b):
        return _draw(op, seed, np.asarray(a, dtype), np.asarray(b, dtype), shape=dims, dtype=dtype)
    ta = utils.as_tensor(a, dtype, op.name)
    tb = utils.as_tensor(b, dtype, op.name)
    utils.check_same_dtype(op.name, [ta, tb])
    if ta._v.dtype != dtype:
        raise utils.invalid_argument(
            f"{op.name}: parameters must have dtype {dtype.name}, got {utils.describe([ta, tb])}."
        )
    rnd = _draw(op, seed, np.asarray(0, dtype), np.asarray(1, dtype), shape=dims, dtype=dtype)
    if op is _uniform:  # TF: rnd * (maxval - minval) + minval
        return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(tb, ta)), ta)
    return math_ops.add(math_ops.multiply(rnd, tb), ta)  # TF: rnd * stddev + mean


def normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes_lib.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Samples from a normal distribution (``tf.random.normal``).

    Args:
      shape: the output shape.
      mean: the mean, a number or a tensor (then differentiable, as TF).
      stddev: the standard deviation, a number or a tensor.
      dtype: a floating dtype, float32 by default.
      seed: an op seed (see :func:`set_seed`).
      name: unused, kept for TF's signature.

    >>> import tapejax as tf
    >>> tf.random.normal([2, 3]).shape
    TensorShape([2, 3])
    """
    np_dtype = _float_dtype(dtype, "random.normal")
    return _scaled(_normal, shape, mean, stddev, np_dtype, seed)


def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes_lib.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Samples from a normal distribution truncated to two standard deviations (``tf.random.truncated_normal``).

    >>> import tapejax as tf
    >>> bool(tf.reduce_all(tf.abs(tf.random.truncated_normal([100])) <= 2.0))
    True
    """
    np_dtype = _float_dtype(dtype, "random.truncated_normal")
    return _scaled(_truncated_normal, shape, mean, stddev, np_dtype, seed)


_UNIFORM_DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64")


def uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = dtypes_lib.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Samples uniformly from ``[minval, maxval)``; ``[0, 1)`` by default for floats (``tf.random.uniform``).

    Raises:
      ValueError: for an integer dtype without ``maxval``, or an unsupported dtype.
      InvalidArgumentError: for integers with ``minval >= maxval``.

    >>> import tapejax as tf
    >>> x = tf.random.uniform([5], minval=2, maxval=4, dtype=tf.int32)
    >>> x.dtype, bool(tf.reduce_all((x >= 2) & (x < 4)))
    (tf.int32, True)
    """
    d = dtypes_lib.as_dtype(dtype)
    if d.name not in _UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value {d!r}. Accepted dtypes are {list(_UNIFORM_DTYPES)}.")
    if maxval is None:
        if d.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {d!r}")
        maxval = 1
    if d.is_integer:
        lo, hi = utils.as_tensor(minval, d._np, "RandomUniformInt"), utils.as_tensor(maxval, d._np, "RandomUniformInt")
        utils.check_same_dtype("RandomUniformInt", [lo, hi])
        lo_v, hi_v = utils.concrete(lo), utils.concrete(hi)
        if lo_v is None or hi_v is None or lo_v.ndim or hi_v.ndim:
            raise utils.invalid_argument("RandomUniformInt: minval and maxval must be concrete scalars.")
        if lo_v >= hi_v:
            raise utils.invalid_argument(f"RandomUniformInt: Need minval < maxval: {lo_v} >= {hi_v}")
        return _draw(
            _uniform_int,
            seed,
            lo_v.astype(d._np),
            hi_v.astype(d._np),
            shape=_shape(shape, "RandomUniformInt"),
            dtype=d._np,
        )
    return _scaled(_uniform, shape, minval, maxval, d._np, seed)


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """Randomly permutes ``value`` along its first axis (``tf.random.shuffle``); not differentiable.

    >>> import tapejax as tf
    >>> sorted(tf.random.shuffle(tf.range(5)).numpy().tolist())
    [0, 1, 2, 3, 4]
    """
    x = utils.as_tensor(value, None, "RandomShuffle")
    return _draw(_shuffle, seed, x)


# Stateful draws beyond normal/uniform: a seed pair drawn from the op's stream (global key, or the
# seeded stream of ``seed=``), then the stateless op with that seed; so each has one implementation
# and one gradient (gamma's, in alpha).


def _stream_seed(op: Op, seed: Any) -> Tensor:
    return _draw(op, seed)


def categorical(
    logits: Any, num_samples: int, dtype: Any = None, seed: int | None = None, name: str | None = None
) -> Tensor:
    """Class indices drawn from ``logits`` (``[batch, classes]``), shape ``[batch, num_samples]`` (``tf.random.categorical``).

    Raises:
      InvalidArgumentError: ``logits`` is not a matrix, or ``dtype`` is not int32/int64 (int64 by default).

    >>> import tapejax as tf
    >>> tf.random.categorical(tf.math.log([[0.5, 0.5]]), 4).shape
    TensorShape([1, 4])
    """
    return stateless_random_ops.categorical_with(
        logits,
        num_samples,
        _stream_seed(_multinomial_seed, seed),
        dtypes_lib.int64 if dtype is None else dtype,
        "Multinomial",
    )


def gamma(
    shape: Any,
    alpha: Any,
    beta: Any = None,
    dtype: Any = dtypes_lib.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Gamma samples of shape ``shape + broadcast(alpha, beta).shape`` (``tf.random.gamma``).

    Differentiable in ``alpha`` (TF's implicit reparameterisation gradient) and ``beta``.

    >>> import tapejax as tf
    >>> tf.random.gamma([3], alpha=[1.0, 2.0]).shape
    TensorShape([3, 2])
    """
    d = stateless_random_ops._float_dtype(dtype)
    a = utils.as_tensor(alpha, d, "RandomGamma")
    b = utils.as_tensor(1 if beta is None else beta, d, "RandomGamma")
    bshape = utils.broadcast_shapes(utils.shape_of(a), utils.shape_of(b))
    if bshape is None:
        raise utils.invalid_argument(f"RandomGamma: alpha and beta shapes do not broadcast: {utils.describe([a, b])}.")
    full = _shape(shape, "RandomGamma") + bshape
    return stateless_random_ops.stateless_gamma(
        full, _stream_seed(_gamma_seed, seed), a, None if beta is None else b, dtype=d
    )


def poisson(
    shape: Any, lam: Any, dtype: Any = dtypes_lib.float32, seed: int | None = None, name: str | None = None
) -> Tensor:
    """Poisson samples of shape ``shape + lam.shape`` (``tf.random.poisson``); not differentiable.

    >>> import tapejax as tf
    >>> tf.random.poisson([3], lam=[1.0, 2.0], dtype=tf.int64).dtype
    tf.int64
    """
    lam_t = utils.as_tensor(lam, np.dtype(np.float32), "RandomPoissonV2")
    full = _shape(shape, "RandomPoissonV2") + utils.shape_of(lam_t)
    return stateless_random_ops.stateless_poisson(full, _stream_seed(_poisson_seed, seed), lam_t, dtype=dtype)
