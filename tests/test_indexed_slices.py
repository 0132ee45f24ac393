"""``tf.gather`` gradients as ``tf.IndexedSlices`` (TF_SEMANTICS.md §6)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

PARAMS = np.arange(15, dtype=np.float32).reshape(5, 3)
INDICES = [0, 2, 2]


def _np(t):
    return np.asarray(t.numpy())


def _expected_dense(values, indices, shape):
    dense = np.zeros(shape, np.float32)
    np.add.at(dense, np.asarray(indices), np.asarray(values))
    return dense


def test_gather_gradient_on_variable_is_indexed_slices():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v, INDICES)
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)


def test_indexed_slices_indices_are_exactly_as_gathered_with_duplicates():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v, [3, 0, 3, 3])
    g = tape.gradient(y, v)
    np.testing.assert_array_equal(_np(g.indices), [3, 0, 3, 3])


def test_indexed_slices_values_are_the_upstream_rows():
    v = tf.Variable(PARAMS)
    weights = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], np.float32)
    with tf.GradientTape() as tape:
        y = tf.gather(v, INDICES) * tf.constant(weights)
    g = tape.gradient(y, v)
    np.testing.assert_allclose(_np(g.values), weights)


def test_indexed_slices_values_default_to_ones_for_implicit_sum():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v, INDICES)
    g = tape.gradient(y, v)
    assert g.values.shape == (3, 3)
    np.testing.assert_allclose(_np(g.values), np.ones((3, 3)))


def test_indexed_slices_dense_shape_is_the_params_shape():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v, INDICES)
    g = tape.gradient(y, v)
    np.testing.assert_array_equal(_np(g.dense_shape), [5, 3])


def test_gather_gradient_on_watched_tensor_is_indexed_slices():
    x = tf.constant(PARAMS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.gather(x, INDICES) * 2.0
    g = tape.gradient(y, x)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(_np(g.indices), INDICES)
    np.testing.assert_allclose(_np(g.values), np.full((3, 3), 2.0))
    np.testing.assert_array_equal(_np(g.dense_shape), [5, 3])


def test_convert_to_tensor_densifies_summing_duplicate_indices():
    v = tf.Variable(PARAMS)
    weights = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]], np.float32)
    with tf.GradientTape() as tape:
        y = tf.gather(v, INDICES) * tf.constant(weights)
    dense = tf.convert_to_tensor(tape.gradient(y, v))
    assert isinstance(dense, tf.Tensor)
    assert dense.shape == (5, 3)
    expected = np.zeros((5, 3), np.float32)
    expected[0] = 1.0
    expected[2] = 2.0 + 3.0
    np.testing.assert_allclose(_np(dense), expected)


def test_gather_mixed_with_a_dense_path_gives_a_dense_sum():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        rows = tf.gather(v, INDICES)
        squares = v * v
    g = tape.gradient([rows, squares], v)
    assert isinstance(g, tf.Tensor)
    expected = 2.0 * PARAMS + _expected_dense(np.ones((3, 3)), INDICES, (5, 3))
    np.testing.assert_allclose(_np(g), expected)


def test_gather_of_a_computed_tensor_gives_the_variable_a_dense_gradient():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v * 2.0, INDICES)
    g = tape.gradient(y, v)
    assert isinstance(g, tf.Tensor)
    np.testing.assert_allclose(_np(g), 2.0 * _expected_dense(np.ones((3, 3)), INDICES, (5, 3)))


def test_two_gathers_of_one_variable_aggregate_all_their_rows():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        a = tf.gather(v, [1, 4])
        b = tf.gather(v, [4]) * 3.0
    g = tape.gradient([a, b], v)
    assert isinstance(g, tf.IndexedSlices)
    assert sorted(_np(g.indices).tolist()) == [1, 4, 4]
    expected = np.zeros((5, 3), np.float32)
    expected[1] = 1.0
    expected[4] = 1.0 + 3.0
    np.testing.assert_allclose(_np(tf.convert_to_tensor(g)), expected)


def test_two_gathers_of_a_watched_tensor_give_rows_in_the_order_gathered():
    x = tf.constant(PARAMS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.gather(x, [0])) + tf.reduce_sum(tf.gather(x, [3, 1]) * 2.0)
    g = tape.gradient(y, x)
    assert isinstance(g, tf.IndexedSlices)
    assert _np(g.indices).tolist() == [0, 3, 1]  # as TF: the first gather's rows first
    np.testing.assert_allclose(_np(g.values), [[1.0] * 3, [2.0] * 3, [2.0] * 3])


def test_a_use_the_target_does_not_depend_on_keeps_the_gradient_sparse():
    # TF's backprop only counts the ops on a path to the target.
    v = tf.Variable(PARAMS)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.gather(v, [2, 0]))
        other = tf.reduce_sum(v * v)
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    assert _np(g.indices).tolist() == [2, 0]
    dense = tape.gradient([y, other], v)  # now the dense use is on the path: a dense sum
    assert not isinstance(dense, tf.IndexedSlices)
    expected = 2 * PARAMS
    expected[[2, 0]] += 1.0
    np.testing.assert_allclose(_np(dense), expected, rtol=1e-6)


def test_gather_gradient_with_output_gradients_weights_values():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v, [2, 2])
    upstream = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]], np.float32)
    g = tape.gradient(y, v, output_gradients=tf.constant(upstream))
    np.testing.assert_allclose(_np(g.values), upstream)
    expected = np.zeros((5, 3), np.float32)
    expected[2] = upstream.sum(axis=0)
    np.testing.assert_allclose(_np(tf.convert_to_tensor(g)), expected)


def test_optimizer_applies_indexed_slices_gradient_to_gathered_rows():
    v = tf.Variable(PARAMS)
    with tf.GradientTape() as tape:
        y = tf.gather(v, INDICES)
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    tf.keras.optimizers.SGD(learning_rate=0.5).apply_gradients([(g, v)])
    expected = PARAMS - 0.5 * _expected_dense(np.ones((3, 3)), INDICES, (5, 3))
    np.testing.assert_allclose(_np(v), expected)


def test_an_outer_tape_differentiates_through_a_densified_indexed_slices():
    # TF densifies with a recorded unsorted_segment_sum; the inner gradient was cut from the tape.
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(v, [1, 2]) ** 3)
        s = tf.reduce_sum(tf.convert_to_tensor(inner.gradient(y, v)))
    g = outer.gradient(s, v)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), [1, 2])
    np.testing.assert_allclose(g.values.numpy(), [12.0, 18.0])


def test_convert_to_tensor_of_indexed_slices_with_another_dtype_raises_value_error():
    s = tf.IndexedSlices(tf.ones([1, 2]), tf.constant([1]), tf.constant([3, 2]))
    with pytest.raises(ValueError, match="float64"):
        tf.convert_to_tensor(s, dtype=tf.float64)


def test_ops_given_indexed_slices_densify_them():
    # TF converts an IndexedSlices argument to a dense tensor (clip_by_norm on embedding gradients).
    s = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]), tf.constant([3, 2]))
    dense = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]], np.float32)
    np.testing.assert_allclose(tf.norm(s).numpy(), 5.0)
    np.testing.assert_allclose(tf.multiply(s, 2.0).numpy(), 2 * dense)
    np.testing.assert_allclose(tf.clip_by_norm(s, 1.0).numpy(), dense / 5.0)
    np.testing.assert_allclose(tf.reshape(s, [-1]).numpy(), dense.reshape(-1))
    assert tf.cast(s, tf.float64).dtype == tf.float64


def test_python_values_beside_an_indexed_slices_take_its_dtype():
    s = tf.IndexedSlices(tf.ones([1, 2], tf.float64), tf.constant([1]), tf.constant([3, 2]))
    assert tf.multiply(s, 2.0).dtype == tf.float64


def test_gather_gradient_densifies_inside_tf_function():
    # The gradient's dense_shape is a constant: shape and densifying work on traced values too.
    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.gather(x, tf.constant([2, 0, 2])) * tf.constant([1.0, 2.0, 3.0])[:, None])
        g = tape.gradient(y, x)
        return tf.convert_to_tensor(g), tf.constant(g.shape.as_list())

    dense, shape = step(tf.ones([3, 2]))
    np.testing.assert_allclose(dense.numpy(), [[2.0, 2.0], [0.0, 0.0], [4.0, 4.0]])
    np.testing.assert_array_equal(shape.numpy(), [3, 2])
