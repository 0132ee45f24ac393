"""tf.random beyond normal/uniform: stateless ops (seeds, shapes, dtypes, TF's argument errors),
categorical/gamma/poisson, and Generator (reproducible streams, lifted and advanced by tf.function)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

IAE = tf.errors.InvalidArgumentError


def _same(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize(
    "draw",
    [
        lambda s: tf.random.stateless_normal([2, 3], seed=s),
        lambda s: tf.random.stateless_truncated_normal([5], seed=s, mean=1.0, stddev=2.0),
        lambda s: tf.random.stateless_uniform([4], seed=s),
        lambda s: tf.random.stateless_uniform([4], seed=s, minval=-5, maxval=5, dtype=tf.int64),
        lambda s: tf.random.stateless_uniform([4], seed=s, minval=None, maxval=None, dtype=tf.uint32),
        lambda s: tf.random.stateless_categorical(tf.zeros([2, 5]), 6, seed=s),
        lambda s: tf.random.stateless_gamma([3, 2], seed=s, alpha=[1.0, 3.0]),
        lambda s: tf.random.stateless_poisson([3, 2], seed=s, lam=3.0),
        lambda s: tf.random.stateless_binomial([5], seed=s, counts=20.0, probs=0.5),
        lambda s: tf.random.stateless_parameterized_truncated_normal([6], seed=s),
    ],
)
def test_stateless_same_seed_same_values_different_seed_different(draw) -> None:
    a, b = draw([1, 2]), draw(tf.constant([1, 2]))
    assert _same(a, b)
    assert not np.array_equal(a.numpy(), draw([1, 3]).numpy())


def test_stateless_shapes_dtypes_and_ranges() -> None:
    s = [3, 4]
    x = tf.random.stateless_normal([2, 3], seed=s, dtype=tf.float64)
    assert x.shape == [2, 3] and x.dtype == tf.float64
    t = tf.random.stateless_truncated_normal([200], seed=s)
    assert t.dtype == tf.float32 and float(tf.reduce_max(tf.abs(t))) <= 2.0
    u = tf.random.stateless_uniform([100], seed=s, minval=2.0, maxval=3.0, dtype=tf.float16)
    assert u.dtype == tf.float16 and float(tf.reduce_min(u)) >= 2.0 and float(tf.reduce_max(u)) < 3.0
    i = tf.random.stateless_uniform([100], seed=s, minval=0, maxval=10, dtype=tf.int32)
    assert i.dtype == tf.int32 and int(tf.reduce_min(i)) >= 0 and int(tf.reduce_max(i)) < 10
    full = tf.random.stateless_uniform([50], seed=s, minval=None, maxval=None, dtype=tf.int64)
    assert full.dtype == tf.int64 and int(tf.reduce_min(full)) < 0 < int(tf.reduce_max(full))
    c = tf.random.stateless_categorical(tf.math.log([[0.0, 1.0], [1.0, 0.0]]), 7, seed=s, dtype=tf.int32)
    assert c.dtype == tf.int32 and c.numpy().tolist() == [[1] * 7, [0] * 7]
    assert tf.random.stateless_categorical(tf.zeros([1, 3]), 2, seed=s).dtype == tf.int64
    g = tf.random.stateless_gamma([3, 2], seed=s, alpha=[1.0, 2.0], beta=[1.0, 4.0])
    assert g.shape == [3, 2] and g.dtype == tf.float32 and float(tf.reduce_min(g)) > 0
    p = tf.random.stateless_poisson([3, 2], seed=s, lam=2.0)
    assert p.shape == [3, 2] and p.dtype == tf.int32
    assert tf.random.stateless_poisson([3, 2], seed=s, lam=2.0, dtype=tf.float32).dtype == tf.float32
    b = tf.random.stateless_binomial([5], seed=s, counts=10, probs=0.5, output_dtype=tf.int64)
    assert b.dtype == tf.int64 and int(tf.reduce_min(b)) >= 0 and int(tf.reduce_max(b)) <= 10
    ptn = tf.random.stateless_parameterized_truncated_normal(
        [100], seed=s, means=0.0, stddevs=1.0, minvals=-1.0, maxvals=1.0
    )
    assert ptn.dtype == tf.float32 and float(tf.reduce_max(tf.abs(ptn))) <= 1.0


def test_stateless_argument_errors_are_tfs() -> None:
    with pytest.raises(IAE, match=r"seed must have shape \[2\], not \[3\]"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(IAE, match=r"seed must have shape \[2\], not \[\]"):
        tf.random.stateless_normal([2], seed=1)
    with pytest.raises(IAE):
        tf.random.stateless_normal([2], seed=tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="must be both None or not None"):
        tf.random.stateless_uniform([3], seed=[1, 2], dtype=tf.int32)
    with pytest.raises(IAE, match="Need minval < maxval, got 5 >= 1"):
        tf.random.stateless_uniform([3], seed=[1, 2], minval=5, maxval=1, dtype=tf.int32)
    with pytest.raises(IAE):
        tf.random.stateless_uniform([3], seed=[1, 2], maxval=3, dtype=tf.int8)
    with pytest.raises(TypeError):
        tf.random.stateless_normal([3], seed=[1, 2], dtype=tf.int32)
    with pytest.raises(IAE, match="Shape passed in must end with broadcasted shape"):
        tf.random.stateless_gamma([3], seed=[1, 2], alpha=[1.0, 2.0])
    with pytest.raises(IAE, match=r"logits should be a matrix, got shape \[2\]"):
        tf.random.stateless_categorical([0.5, 0.5], 4, seed=[1, 2])


def test_split_and_fold_in_make_new_seeds_of_the_seed_dtype() -> None:
    s = tf.random.split([1, 2])
    assert s.shape == [2, 2] and s.dtype == tf.int32
    s3 = tf.random.split(tf.constant([1, 2], tf.int64), 3)
    assert s3.shape == [3, 2] and s3.dtype == tf.int64 and len({tuple(r) for r in s3.numpy().tolist()}) == 3
    f = tf.random.fold_in([1, 2], 3)
    assert f.shape == [2] and f.dtype == tf.int32
    assert _same(f, tf.random.fold_in([1, 2], 3)) and not _same(f, tf.random.fold_in([1, 2], 4))
    a, b = tf.random.split([1, 2])
    assert not np.array_equal(
        tf.random.stateless_normal([3], seed=a).numpy(), tf.random.stateless_normal([3], seed=b).numpy()
    )


def test_stateful_categorical_gamma_poisson_shapes_and_dtypes() -> None:
    c = tf.random.categorical(tf.math.log([[0.5, 0.5]]), 4)
    assert c.shape == [1, 4] and c.dtype == tf.int64
    assert tf.random.categorical(tf.zeros([2, 3]), 5, dtype=tf.int32).dtype == tf.int32
    with pytest.raises(IAE, match="logits should be a matrix"):
        tf.random.categorical([0.5, 0.5], 4)
    g = tf.random.gamma([3], alpha=[1.0, 2.0])
    assert g.shape == [3, 2] and g.dtype == tf.float32
    p = tf.random.poisson([3, 2], lam=2.0)
    assert p.shape == [3, 2] and p.dtype == tf.float32
    assert tf.random.poisson([3, 2], lam=2.0, dtype=tf.int64).dtype == tf.int64


def test_stateful_draws_follow_set_seed() -> None:
    tf.random.set_seed(5)
    a = (
        tf.random.categorical(tf.zeros([1, 9]), 8),
        tf.random.gamma([3, 2], 2.0),
        tf.random.poisson([3, 2], 3.0, seed=1),
    )
    tf.random.set_seed(5)
    b = (
        tf.random.categorical(tf.zeros([1, 9]), 8),
        tf.random.gamma([3, 2], 2.0),
        tf.random.poisson([3, 2], 3.0, seed=1),
    )
    assert all(_same(x, y) for x, y in zip(a, b, strict=True))


def test_gamma_gradient_reaches_alpha_and_beta() -> None:
    alpha, beta = tf.constant([1.0, 2.0]), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([alpha, beta])
        s = tf.random.gamma([3], alpha=alpha, beta=beta)
    ga, gb = tape.gradient(s, [alpha, beta])
    assert ga.shape == [2] and float(tf.reduce_min(ga)) > 0 and float(gb) < 0
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        n = tf.random.stateless_normal([3], seed=[1, 2], mean=x, stddev=2.0)
    assert float(tape.gradient(n, x)) == 3.0  # d(rnd * stddev + mean)/dmean, summed


def test_generator_from_seed_repeats_its_stream() -> None:
    g1, g2 = tf.random.Generator.from_seed(1), tf.random.Generator.from_seed(1)
    a = [g1.normal([3]), g1.uniform([2], maxval=10, dtype=tf.int32), g1.truncated_normal([2])]
    b = [g2.normal([3]), g2.uniform([2], maxval=10, dtype=tf.int32), g2.truncated_normal([2])]
    assert all(_same(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(g1.normal([3]).numpy(), a[0].numpy())
    assert g1.state.dtype == tf.int64 and g1.state.shape == [3] and g1.algorithm == tf.random.Algorithm.PHILOX.value
    assert tf.random.Generator.from_seed(1, alg="threefry").state.shape == [2]
    assert tf.random.create_rng_state(1, "philox").numpy().tolist() == [1, 0, 0]
    g1.reset_from_seed(1)
    assert _same(g1.normal([3]), a[0])


def test_generator_uniform_dtypes_and_errors() -> None:
    g = tf.random.Generator.from_seed(3)
    with pytest.raises(ValueError, match="minval and maxval must be both `None` or both non-`None`"):
        g.uniform([3], dtype=tf.int32)
    assert g.uniform([3], minval=None, maxval=None, dtype=tf.int32).dtype == tf.int32
    assert g.uniform_full_int([2]).dtype == tf.uint64 and g.uniform([2], dtype=tf.float64).dtype == tf.float64
    with pytest.raises(TypeError):
        g.normal([3], dtype=tf.int32)
    seeds = g.make_seeds(3)
    assert seeds.shape == [2, 3] and seeds.dtype == tf.int64 and seeds.numpy()[1].tolist() == [0, 0, 0]
    kids = g.split(2)
    assert len(kids) == 2 and not np.array_equal(kids[0].normal([3]).numpy(), kids[1].normal([3]).numpy())
    assert g.binomial([5], counts=5.0, probs=0.5).dtype == tf.int32


def test_generator_created_outside_advances_inside_function() -> None:
    g = tf.random.Generator.from_seed(7)

    @tf.function
    def f():
        return g.normal([2])

    a, b = f(), f()
    ref = tf.random.Generator.from_seed(7)
    assert _same(a, ref.normal([2])) and _same(b, ref.normal([2]))
    assert g.state.numpy().tolist() == ref.state.numpy().tolist()
    assert f.experimental_get_tracing_count() == 1


def test_global_generator_is_replaceable_and_works_inside_function() -> None:
    old = tf.random.get_global_generator()
    assert tf.random.get_global_generator() is old
    try:
        tf.random.set_global_generator(tf.random.Generator.from_seed(11))

        @tf.function
        def f():
            return tf.random.get_global_generator().uniform([2])

        a, b = f(), f()
        ref = tf.random.Generator.from_seed(11)
        assert _same(a, ref.uniform([2])) and _same(b, ref.uniform([2]))
        with pytest.raises(TypeError):
            tf.random.set_global_generator(1)
    finally:
        tf.random.set_global_generator(old)


def test_experimental_stateless_shuffle_split_fold_in() -> None:
    x = tf.range(8)
    a = tf.random.experimental.stateless_shuffle(x, seed=[1, 2])
    assert _same(a, tf.random.experimental.stateless_shuffle(x, seed=[1, 2]))
    assert sorted(a.numpy().tolist()) == list(range(8)) and a.dtype == tf.int32
    others = [tf.random.experimental.stateless_shuffle(x, seed=[1, k]).numpy().tolist() for k in range(3, 6)]
    assert any(o != a.numpy().tolist() for o in others)
    rows = tf.random.experimental.stateless_shuffle(tf.reshape(tf.range(6), [3, 2]), seed=[4, 2])
    assert sorted(map(tuple, rows.numpy().tolist())) == [(0, 1), (2, 3), (4, 5)]
    assert int(tf.random.experimental.stateless_shuffle(tf.constant(1), seed=[1, 2])) == 1
    assert tf.random.experimental.stateless_split is tf.random.split
    assert tf.random.experimental.stateless_fold_in is tf.random.fold_in
    assert tf.random.experimental.Generator is tf.random.Generator


def test_global_generator_first_created_inside_function_is_lifted() -> None:
    from tapejax._src import random_generator

    saved = random_generator._global[0]
    random_generator._global[0] = None
    try:

        @tf.function
        def f():
            return tf.random.get_global_generator().normal([2])

        a, b = f(), f()
        state = tf.random.get_global_generator().state.numpy()
        assert not np.array_equal(a.numpy(), b.numpy())
        # TF 2.21: 2 (a first call that creates Variables, the generator's state, traces twice)
        assert f.experimental_get_tracing_count() == 2 and state.dtype == np.int64
    finally:
        random_generator._global[0] = saved
