"""tf.approx_top_k (values, gradient and errors as TF 2.21) and tf.random_index_shuffle (a seeded bijection)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

X = tf.constant([[1.0, 5, 3, 5], [2, 0, 7, 1]])


def test_approx_top_k_matches_tf():
    out = tf.approx_top_k(X, 2)
    assert type(out).__name__ == "ApproxTopK"
    np.testing.assert_array_equal(out.values.numpy(), [[5, 5], [7, 2]])  # TF 2.21
    np.testing.assert_array_equal(out.indices.numpy(), [[1, 3], [2, 0]])
    assert out.indices.dtype == tf.int32
    low = tf.approx_top_k(X, 1, is_max_k=False, reduction_dimension=0)
    np.testing.assert_array_equal(low.values.numpy(), [[1, 0, 3, 1]])


def test_approx_top_k_gradient_and_errors():
    v = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.approx_top_k(v, 2)[0] * [[1.0, 2], [3, 4]])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[0, 1, 0, 2], [4, 0, 3, 0]])  # TF 2.21
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.approx_top_k(tf.constant([3, 1, 2]), 2)  # TF: int32 is not an allowed T
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least k"):
        tf.approx_top_k(X, 5)


@pytest.mark.parametrize("dtype", [tf.int32, tf.uint64])
def test_random_index_shuffle_is_a_seeded_permutation(dtype):
    n = 64
    out = tf.random_index_shuffle(tf.range(n, dtype=dtype), tf.constant([4, 5, 6], dtype), tf.constant(n - 1, dtype))
    assert out.dtype == dtype and out.shape == (n,)
    assert sorted(out.numpy().tolist()) == list(range(n))
    assert not np.array_equal(out.numpy(), np.arange(n))
    again = tf.random_index_shuffle(tf.range(n, dtype=dtype), tf.constant([4, 5, 6], dtype), tf.constant(n - 1, dtype))
    np.testing.assert_array_equal(out.numpy(), again.numpy())  # deterministic
    other = tf.random_index_shuffle(tf.range(n, dtype=dtype), tf.constant([4, 5, 7], dtype), tf.constant(n - 1, dtype))
    assert not np.array_equal(out.numpy(), other.numpy())


def test_random_index_shuffle_scalars_seed_rows_and_errors():
    full = tf.random_index_shuffle(tf.range(10), [1, 2, 3], 9).numpy()
    assert tf.random_index_shuffle(3, [1, 2, 3], 9).numpy() == full[3]
    np.testing.assert_array_equal(
        tf.random_index_shuffle(tf.constant([3, 4]), [[1, 2, 3], [1, 2, 3]], 9).numpy(), full[3:5]
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Seed must be a vector of size \[3\]"):
        tf.random_index_shuffle(tf.constant([3, 4]), [1, 2], 9)
    with pytest.raises(tf.errors.InvalidArgumentError, match="max_index must be >= index, but 9 < 30"):
        tf.random_index_shuffle(tf.constant([30]), [1, 2, 3], 9)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 4 rounds"):
        tf.random_index_shuffle(3, [1, 2, 3], 9, rounds=2)


def test_guarantee_const_is_identity_without_gradient():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.guarantee_const(x) * 3
    assert y.numpy() == 6.0 and tape.gradient(y, x) is None  # TF 2.21: LookupError (no gradient registered)
    assert tf.guarantee_const([1, 2]).dtype == tf.int32


def test_critical_section_runs_functions_one_at_a_time():
    import threading

    v = tf.Variable(0)
    cs = tf.CriticalSection(name="cs")
    assert cs.name == "cs"
    out = cs.execute(lambda: v.assign_add(1))
    assert out.numpy() == 1 and v.numpy() == 1
    assert cs.execute(lambda: 5).dtype == tf.int32  # outputs become Tensors, as TF
    pair = cs.execute(lambda: [tf.constant(2.0), tf.constant(2.0) * 2])
    assert [float(t) for t in pair] == [2.0, 4.0]
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = cs.execute(lambda: x * x)
    assert tape.gradient(y, x).numpy() == 4.0
    with pytest.raises(ValueError, match="already running"):
        cs.execute(lambda: cs.execute(lambda: 1.0))
    inside, overlaps = [], []

    def body():
        inside.append(1)
        overlaps.append(len(inside))
        v.assign_add(1)
        inside.pop()

    threads = [threading.Thread(target=lambda: cs.execute(body)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(overlaps) == 1 and v.numpy() == 9


def test_nondifferentiable_batch_function():
    @tf.nondifferentiable_batch_function(1, 4, 100000, allowed_batch_sizes=[2, 4])
    def layer(a):
        return tf.matmul(a, a)

    x = tf.constant([[1.0, 2], [3, 4]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
    np.testing.assert_array_equal(y.numpy(), [[7, 10], [15, 22]])
    assert tape.gradient(y, x) is None  # TF 2.21: LookupError, no gradient for BatchFunction
    with pytest.raises(ValueError, match="are supposed to be Tensors"):
        layer(tf.Variable(x))
    with pytest.raises(ValueError, match="monotonically increasing"):
        tf.nondifferentiable_batch_function(1, 4, 10, allowed_batch_sizes=[4, 2])


def test_check_pinned_on_cpu_is_tfs_failed_precondition():
    import jax

    if jax.default_backend() != "cpu":
        with pytest.raises(tf.errors.InvalidArgumentError, match="not in pinned host memory"):
            tf.check_pinned(tf.constant([1.0]))  # device memory
        return
    with pytest.raises(tf.errors.FailedPreconditionError, match="to check pinnedness"):
        tf.check_pinned(tf.constant([1.0]))  # TF 2.21 without CUDA: FailedPreconditionError
