"""Candidate samplers (``tf.random.*_candidate_sampler``) and the sampled losses built on them
(``tf.nn.nce_loss``, ``tf.nn.sampled_softmax_loss``).

Each sampler draws ``num_sampled`` classes from a distribution over ``[0, range_max)`` and returns
TF's triple ``(sampled_candidates, true_expected_count, sampled_expected_count)``: how many times
each class is expected to appear among the samples. As TF's ``RangeSampler``: without ``unique``
that is ``p * num_sampled``; with ``unique`` (TF draws with replacement and rejects repeats until
``num_sampled`` distinct classes are found, after ``num_tries`` draws) it is ``1 - (1 - p)^num_tries``.
Here the distinct classes come from the equivalent Gumbel top-k draw, and ``num_tries`` from the
geometric waiting time of each new class, so the whole draw is one XLA op (it also runs inside
``tf.function``).

Differences from TensorFlow: the numbers drawn differ from TF's (JAX's generator); the
distributions, expected counts, shapes and dtypes are TF's.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import random_ops, stateless_random_ops, utils
from tapejax._src.tensor import Tensor


def _sample_impl(seed: Any, probs: Any, true_classes: Any, *, num_sampled: int, unique: bool) -> Any:
    k_pick, k_tries = jax.random.split(stateless_random_ops.key_from_seed(seed))
    logp = jnp.log(probs)
    if unique:
        # Distinct classes in the order rejection sampling finds them (Gumbel top-k), then the draws
        # each new class took: geometric with success 1 - (mass already found).
        _, sampled = jax.lax.top_k(logp + jax.random.gumbel(k_pick, probs.shape, probs.dtype), num_sampled)
        p = probs[sampled]
        found = jnp.clip(jnp.cumsum(p) - p, 0.0, 1.0 - 1e-12)
        u = jax.random.uniform(k_tries, (num_sampled,), probs.dtype, minval=jnp.finfo(probs.dtype).tiny)
        num_tries = jnp.sum(jnp.floor(jnp.log(u) / jnp.log(found)) + 1.0)
    else:
        sampled = jax.random.categorical(k_pick, logp, shape=(num_sampled,))
        num_tries = jnp.asarray(float(num_sampled), probs.dtype)

    def expected(p: Any) -> Any:
        # TF's ExpectedCountHelper: exact when no draw was rejected, else the probability of >= 1 hit.
        with_rejects = -jnp.expm1(num_tries * jnp.log1p(-p))
        return jnp.where(num_tries == num_sampled, p * num_sampled, with_rejects).astype(jnp.float32)

    return sampled.astype(jnp.int64), expected(probs[true_classes]), expected(probs[sampled])


def _range_sample_impl(
    seed: Any, true_classes: Any, *, log_uniform: bool, range_max: int, num_sampled: int, unique: bool
) -> Any:
    """The uniform and log-uniform samplers: their probabilities computed in the kernel, not sent."""
    if log_uniform:
        c = jnp.arange(range_max, dtype=jnp.float64)
        probs = (jnp.log(c + 2.0) - jnp.log(c + 1.0)) / np.log(range_max + 1.0)
    else:
        probs = jnp.full((range_max,), 1.0 / range_max, jnp.float64)
    return _sample_impl(seed, probs, true_classes, num_sampled=num_sampled, unique=unique)


def _sampler_ops(name: str, impl: Any) -> tuple[Op, Op]:
    # A seed-pair op per sampler: each has its own seeded stream (random_ops._STREAM_IDS), as TF's kernels.
    return (
        Op(name, random_ops._seed_pair_impl, multiple_results=True, differentiable=False),
        Op(name, impl, multiple_results=True, differentiable=False),
    )


_SAMPLER_OPS = {
    "UniformCandidateSampler": _sampler_ops("UniformCandidateSampler", _range_sample_impl),
    "LogUniformCandidateSampler": _sampler_ops("LogUniformCandidateSampler", _range_sample_impl),
    "LearnedUnigramCandidateSampler": _sampler_ops("LearnedUnigramCandidateSampler", _sample_impl),
    "FixedUnigramCandidateSampler": _sampler_ops("FixedUnigramCandidateSampler", _sample_impl),
}


def _check_args(
    op_name: str, true_classes: Any, num_true: Any, num_sampled: Any, unique: bool, range_max: Any
) -> tuple[Any, int, int, int]:
    from tapejax._src.ops.nn_ops import _int64_classes

    classes = _int64_classes(op_name, true_classes, "input #0(zero-based)")
    shape = utils.shape_of(classes)
    num_true = utils.static_int(num_true, "num_true")
    num_sampled = utils.static_int(num_sampled, "num_sampled")
    range_max = utils.static_int(range_max, "range_max")
    if len(shape) != 2 or shape[1] != num_true:
        raise utils.invalid_argument(
            f"{op_name}: true_classes must have num_true columns, expected: {shape[-1] if shape else 0} was: {num_true}"
        )
    if num_sampled < 1 or num_true < 1 or range_max < 1:
        raise utils.invalid_argument(
            f"{op_name}: num_sampled, num_true and range_max must be >= 1, got {num_sampled}, {num_true}, {range_max}."
        )
    if unique and num_sampled > range_max:
        raise utils.invalid_argument(f"{op_name}: Sampler's range is too small.")
    return classes, num_true, num_sampled, range_max


def _run(op_name: str, classes: Any, probs: Any, num_sampled: int, unique: bool, seed: Any, **params: Any) -> Any:
    """One draw: ``probs`` the class probabilities, or None for the in-kernel ones (``params``)."""
    seed_op, sample_op = _SAMPLER_OPS[op_name]
    pair = random_ops._draw(seed_op, seed)
    if probs is None:
        return bind(sample_op, pair, classes, num_sampled=num_sampled, unique=unique, **params)
    return bind(sample_op, pair, probs, classes, num_sampled=num_sampled, unique=unique)


def uniform_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Samples classes uniformly from ``[0, range_max)`` (``tf.random.uniform_candidate_sampler``).

    Args:
      true_classes: int64 ``[batch, num_true]``, the target classes.
      num_true: the number of target classes per row.
      num_sampled: how many classes to draw.
      unique: draw ``num_sampled`` distinct classes (rejecting repeats) instead of with replacement.
      range_max: the number of classes.
      seed: an op seed (TF's seeding rules).

    Returns:
      ``(sampled_candidates, true_expected_count, sampled_expected_count)``: int64 ``[num_sampled]``,
      float32 ``[batch, num_true]`` and float32 ``[num_sampled]``.

    Raises:
      InvalidArgumentError: for non-int64 classes, a column count other than ``num_true``, or
        ``unique`` with ``num_sampled > range_max``.

    >>> import tapejax as tf
    >>> s, t, e = tf.random.uniform_candidate_sampler(tf.constant([[1]], tf.int64), 1, 4, False, 8, seed=1)
    >>> print(s.shape, t)
    (4,) tf.Tensor([[0.5]], shape=(1, 1), dtype=float32)
    """
    op = "UniformCandidateSampler"
    classes, _, num_sampled, range_max = _check_args(op, true_classes, num_true, num_sampled, unique, range_max)
    return _run(op, classes, None, num_sampled, unique, seed, log_uniform=False, range_max=range_max)


def log_uniform_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Samples classes from the log-uniform (Zipfian) distribution
    ``P(c) = (log(c + 2) - log(c + 1)) / log(range_max + 1)`` (``tf.random.log_uniform_candidate_sampler``).

    Suits classes sorted by decreasing frequency. Arguments, returns and errors as
    :func:`uniform_candidate_sampler`.
    """
    op = "LogUniformCandidateSampler"
    classes, _, num_sampled, range_max = _check_args(op, true_classes, num_true, num_sampled, unique, range_max)
    return _run(op, classes, None, num_sampled, unique, seed, log_uniform=True, range_max=range_max)


def fixed_unigram_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    vocab_file: str = "",
    distortion: float = 1.0,
    num_reserved_ids: int = 0,
    num_shards: int = 1,
    shard: int = 0,
    unigrams: Any = (),
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Samples classes with probability proportional to ``unigrams ** distortion``
    (``tf.random.fixed_unigram_candidate_sampler``).

    Args:
      vocab_file: a CSV file whose last column is each class' count (one class per line), instead
        of ``unigrams``.
      distortion: the power applied to each count (0: uniform, 1: the unigram distribution).
      num_reserved_ids: ids ``[0, num_reserved_ids)`` are prepended with weight 0.
      num_shards, shard: keep only the ids with ``id % num_shards == shard`` (TF's counting).
      unigrams: the counts, when no ``vocab_file`` is given.

    Other arguments, returns and errors as :func:`uniform_candidate_sampler`; ``range_max`` must equal
    the number of weights kept (``InvalidArgumentError`` otherwise, as TF).
    """
    op = "FixedUnigramCandidateSampler"
    classes, _, num_sampled, range_max = _check_args(op, true_classes, num_true, num_sampled, unique, range_max)
    if bool(vocab_file) == bool(len(unigrams)):
        raise utils.invalid_argument(f"{op}: Must provide either vocab_file or unigrams, but not both.")
    if vocab_file:
        with open(vocab_file) as f:
            counts = [float(line.strip().split(",")[-1]) for line in f if line.strip()]
    else:
        counts = [float(u) for u in unigrams]
    # TF's FixedUnigramSampler: reserved ids of this shard get weight 0, then the counts are
    # numbered on from the number of weights kept so far.
    weights = [0.0 for i in range(num_reserved_ids) if i % num_shards == shard]
    word_id = len(weights)
    for w in counts:
        if word_id % num_shards == shard:
            weights.append(w**distortion)
        word_id += 1
    if len(weights) != range_max:
        raise utils.invalid_argument(f"{op}: range is {range_max} must be equal to weights size  {len(weights)}")
    probs = np.asarray(weights, np.float64)
    return _run(op, classes, probs / probs.sum(), num_sampled, unique, seed)


# The learned sampler's counts, per kernel (TF keeps one sampler per op instance; eagerly, per attrs).
_learned_counts: dict[tuple[Any, ...], np.ndarray] = {}


def learned_unigram_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Samples classes with probability proportional to how often each was a true class so far
    (``tf.random.learned_unigram_candidate_sampler``).

    As TF's kernel: every class starts with count 1; after each draw, each entry of
    ``true_classes`` adds 1 to its class' count. Calls with the same arguments (``num_true``,
    ``num_sampled``, ``unique``, ``range_max``, ``seed``) share the counts, as TF's cached eager kernel.
    Arguments, returns and errors as :func:`uniform_candidate_sampler`.

    Raises:
      TypeError: inside ``tf.function`` (the counts are updated from the true classes' values).

    >>> import tapejax as tf
    >>> t = tf.constant([[0]], tf.int64)
    >>> [float(tf.random.learned_unigram_candidate_sampler(t, 1, 4, False, 2, seed=7)[1][0, 0]) for _ in range(3)]
    [2.0, 2.6666667461395264, 3.0]
    """
    op = "LearnedUnigramCandidateSampler"
    classes, num_true, num_sampled, range_max = _check_args(op, true_classes, num_true, num_sampled, unique, range_max)
    values = utils.concrete(classes)
    if values is None:
        raise TypeError(f"{op}: tapejax needs concrete true_classes (the sampler learns from their values).")
    if values.size and (values.min() < 0 or values.max() >= range_max):
        raise utils.invalid_argument(f"{op}: true_classes must be in [0, {range_max}), got {values.tolist()}.")
    key = (num_true, num_sampled, bool(unique), range_max, seed)
    counts = _learned_counts.setdefault(key, np.ones(range_max, np.float64))
    out = _run(op, classes, counts / counts.sum(), num_sampled, unique, seed)
    np.add.at(counts, values.reshape(-1), 1.0)
    return out


# -- sampled losses -------------------------------------------------------------------------------
def _sampled_logits(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int,
    sampled_values: Any,
    remove_accidental_hits: bool,
    seed: Any,
) -> tuple[Tensor, Tensor]:
    """TF's ``_compute_sampled_logits`` (subtracting the log expected counts)."""
    from tapejax._src.custom_gradient import stop_gradient
    from tapejax._src.ops import (
        array_ops,
        creation_ops,
        linalg_ops,
        math_ops,
        nn_ops,
        reduction_ops,
        scatter_ops,
        shape_ops,
    )

    labels_t = utils.as_tensor(labels, np.int64, "compute_sampled_logits")
    if labels_t.dtype != np.int64:
        labels_t = math_ops.cast(labels_t, np.int64)
    x = utils.as_tensor(inputs, np.float32, "compute_sampled_logits")
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels_t, num_true, num_sampled, True, num_classes, seed)
    sampled, true_expected, sampled_expected = (stop_gradient(s) for s in sampled_values)
    sampled = math_ops.cast(sampled, np.int64)
    labels_flat = array_ops.reshape(labels_t, [-1])
    n_true = utils.shape_of(labels_flat)[0]
    all_ids = shape_ops.concat([labels_flat, sampled], 0)
    all_w = nn_ops.embedding_lookup(weights, all_ids)
    all_b = nn_ops.embedding_lookup(biases, all_ids)
    if all_w.dtype != x.dtype:
        all_w = math_ops.cast(all_w, x.dtype)
    if all_b.dtype != x.dtype:
        all_b = math_ops.cast(all_b, x.dtype)
    true_w, sampled_w = all_w[:n_true], all_w[n_true:]
    true_b, sampled_b = all_b[:n_true], all_b[n_true:]
    dim = utils.shape_of(true_w)[1]
    true_logits = reduction_ops.reduce_sum(
        shape_ops.expand_dims(x, 1) * array_ops.reshape(true_w, [-1, num_true, dim]), axis=2
    ) + array_ops.reshape(true_b, [-1, num_true])
    sampled_logits = linalg_ops.matmul(x, sampled_w, transpose_b=True) + sampled_b
    if remove_accidental_hits:
        from tapejax._src.ops.nn_ops import compute_accidental_hits

        rows, ids, hit_weights = compute_accidental_hits(labels_t, sampled, num_true=num_true)
        indices = shape_ops.stack([math_ops.cast(rows, np.int64), ids], axis=1)
        shape = [utils.shape_of(labels_t)[0], num_sampled]
        sampled_logits = sampled_logits + scatter_ops.scatter_nd(
            indices, math_ops.cast(hit_weights, sampled_logits.dtype), shape
        )
    true_logits = true_logits - math_ops.log(math_ops.cast(true_expected, x.dtype))
    sampled_logits = sampled_logits - math_ops.log(math_ops.cast(sampled_expected, x.dtype))
    out_logits = shape_ops.concat([true_logits, sampled_logits], 1)
    out_labels = shape_ops.concat(
        [creation_ops.ones_like(true_logits) / num_true, creation_ops.zeros_like(sampled_logits)], 1
    )
    return out_logits, out_labels


def nce_loss(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values: Any = None,
    remove_accidental_hits: bool = False,
    name: str = "nce_loss",
) -> Tensor:
    """Noise-contrastive estimation loss per example, ``[batch]`` (``tf.nn.nce_loss``).

    Args:
      weights: ``[num_classes, dim]`` class embeddings (or a list of ``"div"`` shards).
      biases: ``[num_classes]`` class biases.
      labels: int ``[batch, num_true]`` target classes.
      inputs: ``[batch, dim]`` activations.
      num_sampled: negative classes sampled per batch.
      num_classes: the number of classes.
      num_true: targets per example.
      sampled_values: a sampler's triple; default: :func:`log_uniform_candidate_sampler` with
        ``unique=True``.
      remove_accidental_hits: drop sampled classes that equal a target (eager only).

    The logits of the targets and samples, minus the log of their expected counts, go through
    sigmoid cross-entropy against labels ``1 / num_true`` (targets) and 0 (samples), summed per row.

    >>> import tapejax as tf
    >>> w, b = tf.ones([6, 2]), tf.zeros([6])
    >>> sv = (tf.constant([4, 5], tf.int64), tf.constant([[1.0]]), tf.constant([1.0, 1.0]))
    >>> print(tf.nn.nce_loss(w, b, tf.constant([[0]], tf.int64), tf.zeros([1, 2]), 2, 6, sampled_values=sv))
    tf.Tensor([2.0794415], shape=(1,), dtype=float32)
    """
    from tapejax._src.ops import nn_ops, reduction_ops

    logits, targets = _sampled_logits(
        weights,
        biases,
        labels,
        inputs,
        num_sampled,
        num_classes,
        num_true,
        sampled_values,
        remove_accidental_hits,
        None,
    )
    losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits)
    return reduction_ops.reduce_sum(losses, axis=1)


def sampled_softmax_loss(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values: Any = None,
    remove_accidental_hits: bool = True,
    seed: int | None = None,
    name: str = "sampled_softmax_loss",
) -> Tensor:
    """Softmax cross-entropy over the targets and a sample of the classes, ``[batch]``
    (``tf.nn.sampled_softmax_loss``): a cheap training estimate of the full softmax loss.

    Arguments as :func:`nce_loss`; ``seed`` seeds the default sampler. Accidental hits (sampled
    classes equal to a target) are removed by default, which needs concrete labels (eager).
    """
    from tapejax._src.custom_gradient import stop_gradient
    from tapejax._src.ops import nn_ops

    logits, targets = _sampled_logits(
        weights,
        biases,
        labels,
        inputs,
        num_sampled,
        num_classes,
        num_true,
        sampled_values,
        remove_accidental_hits,
        seed,
    )
    return nn_ops.softmax_cross_entropy_with_logits(labels=stop_gradient(targets), logits=logits)
