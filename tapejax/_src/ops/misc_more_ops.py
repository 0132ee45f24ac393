"""Top-level ops TF exports beside its namespaces: ``tf.approx_top_k`` and ``tf.random_index_shuffle``."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import segment_ops, utils
from tapejax._src.tensor import Tensor


class ApproxTopK(NamedTuple):
    """``tf.approx_top_k``'s result, as TF's namedtuple: ``.values`` and ``.indices``."""

    values: Tensor
    indices: Tensor


def approx_top_k(
    input: Any,  # noqa: A002 - TF's name
    k: int,
    reduction_dimension: int = -1,
    recall_target: float = 0.95,
    is_max_k: bool = True,
    reduction_input_size_override: int = -1,
    aggregate_to_topk: bool = True,
    name: str | None = None,
) -> ApproxTopK:
    """The ``k`` largest (or, with ``is_max_k=False``, smallest) values along
    ``reduction_dimension`` and their int32 indices (``tf.approx_top_k``, the raw op behind
    ``tf.math.approx_max_k`` / ``approx_min_k``).

    XLA's approximate top-k: exact on CPU (ties to the lower index). The gradient goes to the
    chosen entries, as TF's.

    Raises:
      InvalidArgumentError: for a dtype other than half, bfloat16 and float32, or ``k`` larger
        than the dimension.

    Differences from TensorFlow: TF's CPU kernel reduces only the last dimension and only for
    ``is_max_k=True``; here every combination runs.

    >>> import tapejax as tf
    >>> print(tf.approx_top_k(tf.constant([1.0, 5.0, 3.0]), 2).indices)
    tf.Tensor([1 2], shape=(2,), dtype=int32)
    """
    values, indices = segment_ops._approx_k(
        input, k, reduction_dimension, recall_target, reduction_input_size_override, aggregate_to_topk, bool(is_max_k)
    )
    return ApproxTopK(values, indices)


# -- random_index_shuffle ---------------------------------------------------------------------------
def _feistel_round_bits(key: Any, r: Any, i: int, half: int) -> Any:
    """A keyed pseudo-random function of ``r`` (uint32) with ``half`` output bits."""
    k = jax.random.fold_in(key, i)
    bits = jax.vmap(lambda v: jax.random.bits(jax.random.fold_in(k, v), (), jnp.uint32))(r.reshape(-1))
    return (bits.reshape(r.shape) & jnp.uint32((1 << half) - 1)).astype(jnp.uint64)


def _shuffle_once(x: Any, key: Any, half: int, rounds: int) -> Any:
    mask = jnp.uint64((1 << half) - 1)
    left, right = x >> jnp.uint64(half), x & mask
    for i in range(rounds):
        left, right = right, left ^ _feistel_round_bits(key, right.astype(jnp.uint32), i, half)
    return (left << jnp.uint64(half)) | right


def _index_shuffle_impl(index: Any, seed: Any, max_index: Any, *, half: int, rounds: int) -> Any:
    idx = jnp.broadcast_to(index, jnp.broadcast_shapes(index.shape, max_index.shape, seed.shape[:-1])).astype(
        jnp.uint64
    )
    top = jnp.broadcast_to(max_index, idx.shape).astype(jnp.uint64)
    seeds = jnp.broadcast_to(seed, (*idx.shape, 3)).astype(jnp.uint64)

    def shuffle_one(i: Any, s: Any, m: Any) -> Any:
        key = jax.random.PRNGKey(0)
        for part in range(3):
            key = jax.random.fold_in(key, (s[part] & jnp.uint64(0xFFFFFFFF)).astype(jnp.uint32))
            key = jax.random.fold_in(key, (s[part] >> jnp.uint64(32)).astype(jnp.uint32))
        # A Feistel permutation of [0, 2^(2 half)), cycle-walked until the value is <= max_index: a
        # permutation of [0, max_index] (each walk stays in the cycle of the starting index).
        first = _shuffle_once(i, key, half, rounds)
        return jax.lax.while_loop(lambda v: v > m, lambda v: _shuffle_once(v, key, half, rounds), first)

    flat = jax.vmap(shuffle_one)(idx.reshape(-1), seeds.reshape(-1, 3), top.reshape(-1))
    return flat.reshape(idx.shape).astype(index.dtype)


_index_shuffle = Op("RandomIndexShuffle", _index_shuffle_impl, differentiable=False)
_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.uint32), np.dtype(np.uint64))


def random_index_shuffle(index: Any, seed: Any, max_index: Any, rounds: int = 4, name: str | None = None) -> Tensor:
    """The position of ``index`` in a pseudo-random permutation of ``[0, max_index]`` fixed by
    ``seed`` (``tf.random_index_shuffle``): for one seed and ``max_index``, ``index -> output`` is a
    bijection, and the same inputs always give the same output.

    Args:
      index: int32, int64, uint32 or uint64, scalar or vector.
      seed: ``[3]`` (or ``[n, 3]``, one per index) integers.
      max_index: the largest index, of ``index``'s dtype; scalar or vector.
      rounds: Feistel rounds, at least 4.

    Raises:
      InvalidArgumentError: for a seed not of shape ``[3]`` / ``[n, 3]``, ``rounds < 4``, or an index
        above ``max_index``.

    Differences from TensorFlow: the permutation differs from TF's (a Feistel network on JAX's
    threefry, not TF's Philox); its properties (a seed-determined bijection) are TF's.

    >>> import tapejax as tf
    >>> out = tf.random_index_shuffle(tf.range(10), [1, 2, 3], 9)
    >>> sorted(out.numpy().tolist())
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    op = "RandomIndexShuffle"
    i = utils.as_tensor(index, None, op)
    if i._v.dtype not in _INDEX_DTYPES:
        raise utils.invalid_argument(
            f"{op}: Value for attr 'dtype' of {utils.dtype_name(i)} is not in the list of allowed values: "
            "int32, int64, uint32, uint64"
        )
    s = utils.as_tensor(seed, None, op)
    m = utils.as_tensor(max_index, i._v.dtype, op)
    if s._v.dtype not in _INDEX_DTYPES:
        raise utils.invalid_argument(f"{op}: seed must be int32, int64, uint32 or uint64, got {utils.dtype_name(s)}.")
    if m._v.dtype != i._v.dtype:
        raise utils.invalid_argument(f"{op}: max_index must have index's dtype, got {utils.describe([i, m])}.")
    ss, si, sm = utils.shape_of(s), utils.shape_of(i), utils.shape_of(m)
    if not (ss == (3,) or (len(ss) == 2 and ss[1] == 3)):
        raise utils.invalid_argument(
            f"{op}: Seed must be a vector of size [3] or a matrix of size [2, 3] but got {list(ss)}."
        )
    if len(si) > 1 or len(sm) > 1 or utils.broadcast_shapes(si, sm, ss[:-1]) is None:
        raise utils.invalid_argument(f"{op}: index, seed rows and max_index must be scalars or vectors of one length.")
    rounds = utils.static_int(rounds, "rounds")
    if rounds < 4:
        raise utils.invalid_argument(f"{op}: Must have at least 4 rounds, got {rounds}.")
    vi, vm = utils.concrete(i), utils.concrete(m)
    if vi is not None and vm is not None:
        bad = np.broadcast_to(vi, np.broadcast_shapes(vi.shape, vm.shape)) > vm
        if np.any(bad):
            raise utils.invalid_argument(
                f"{op}: max_index must be >= index, but {int(np.broadcast_to(vm, bad.shape)[bad][0])} < "
                f"{int(np.broadcast_to(vi, bad.shape)[bad][0])}"
            )
    if vm is None:
        # The Feistel domain is sized from max_index; a traced one would give a walk of 2^64 steps.
        raise TypeError(f"{op}: tapejax needs a concrete max_index (a Python int or a constant), not a traced tensor.")
    bits = max(int(np.max(vm)).bit_length(), 2)
    return bind(_index_shuffle, i, s, m, half=(bits + 1) // 2, rounds=rounds)


# TF registers no gradient for GuaranteeConst (tape.gradient raises LookupError).
_guarantee_const = Op("GuaranteeConst", lambda x: x, differentiable=False)


def guarantee_const(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """``input`` unchanged, promised constant to the runtime (``tf.guarantee_const``; deprecated in TF).

    Differences from TensorFlow: TF has no gradient for it (``tape.gradient`` raises
    ``LookupError``); here the gradient through it is ``None``.

    >>> import tapejax as tf
    >>> print(tf.guarantee_const([1, 2]))
    tf.Tensor([1 2], shape=(2,), dtype=int32)
    """
    return bind(_guarantee_const, utils.as_tensor(input, None, "GuaranteeConst"))


def check_pinned(tensor: Any, name: str | None = None) -> Tensor:
    """``tensor`` unchanged if it lives in page-locked host memory pinned for a GPU (``tf.check_pinned``).

    Raises:
      FailedPreconditionError: without a GPU backend (TF: a build without CUDA), where pinning has no
        meaning.
      InvalidArgumentError: a tensor elsewhere (device memory or unpinned host memory).

    Differences from TensorFlow: pinned means JAX's ``pinned_host`` memory kind.

    >>> import tapejax as tf
    >>> try:  # a constant is in device memory (or, on a CPU-only machine, pinning has no meaning)
    ...     tf.check_pinned(tf.constant([1.0]))
    ... except (tf.errors.FailedPreconditionError, tf.errors.InvalidArgumentError) as e:
    ...     print("refused")
    refused
    """
    from tapejax._src import errors

    t = utils.as_tensor(tensor, None, "CheckPinned")
    if jax.default_backend() == "cpu":
        raise errors.FailedPreconditionError(
            None,
            None,
            "to check pinnedness, tapejax needs a GPU backend (TF: must be built with `--config=cuda`) [Op:CheckPinned]",
        )
    if getattr(getattr(t._value, "sharding", None), "memory_kind", None) != "pinned_host":
        raise errors.InvalidArgumentError(None, None, "CheckPinned: the tensor is not in pinned host memory.")
    return t
