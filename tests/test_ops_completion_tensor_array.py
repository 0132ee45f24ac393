"""tf.TensorArray: TF 2.21's eager semantics (values, errors, shapes) and gradients through it."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def test_write_read_stack_and_inferred_shape():
    ta = tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2])
    assert ta.element_shape == (2,)
    np.testing.assert_array_equal(ta.stack().numpy(), [[1, 2], [0, 0]])  # unwritten: zeros
    ta = ta.write(1, [3, 4])  # Python ints take the array's dtype
    np.testing.assert_array_equal(ta.read(1).numpy(), [3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not read index 1 twice"):
        ta.read(1)
    keep = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 5.0)
    assert keep.read(0).numpy() == keep.read(0).numpy() == 5.0


def test_errors_as_tf():
    ta = tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2])
    with pytest.raises(ValueError, match=r"Incompatible shape for value \(\(3,\)\), expected \(\(2,\)\)"):
        ta.write(1, [1.0, 2, 3])
    with pytest.raises(tf.errors.OutOfRangeError, match="not resizeable and size is: 2"):
        ta.write(2, [1.0, 2])
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="TensorArray dtype is float32 but Op is trying to write dtype int32"
    ):
        ta.write(1, tf.constant([1, 2]))
    with pytest.raises(tf.errors.OutOfRangeError, match="negative"):
        ta.read(-1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Concat saw a scalar shape at index 0"):
        tf.TensorArray(tf.float32, size=1).write(0, 1.0).concat()
    with pytest.raises(ValueError, match="partially known TensorShape"):
        tf.TensorArray(tf.float32, size=2).stack()
    with pytest.raises(ValueError, match="Size must be declared"):
        tf.TensorArray(tf.float32)


def test_dynamic_size_unstack_gather_concat_split_scatter():
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    assert ta.stack().shape == (0,) and ta.size().numpy() == 0
    assert tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(2, 1).size().numpy() == 3
    rows = tf.TensorArray(tf.float32, size=3).unstack([[1.0, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(rows.gather([2, 0]).numpy(), [[5, 6], [1, 2]])
    np.testing.assert_array_equal(rows.concat().numpy(), [1, 2, 3, 4, 5, 6])
    pieces = tf.TensorArray(tf.float32, size=2).split([1.0, 2, 3], [1, 2])
    np.testing.assert_array_equal(pieces.read(1).numpy(), [2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="sum of lengths"):
        tf.TensorArray(tf.float32, size=2).split([1.0, 2, 3], [1, 1])
    scattered = tf.TensorArray(tf.float32, size=3, element_shape=[2]).scatter([2, 0], [[1.0, 1], [2, 2]])
    np.testing.assert_array_equal(scattered.stack().numpy(), [[2, 2], [0, 0], [1, 1]])
    with pytest.raises(ValueError, match="Cannot unstack 3 tensors into a TensorArray of static size 2"):
        tf.TensorArray(tf.float32, size=2).unstack([1.0, 2, 3])


def test_gradients_flow_through_written_elements():
    x = tf.Variable([1.0, 2, 3])
    with tf.GradientTape() as tape:
        ta = tf.TensorArray(tf.float32, size=3)
        for i in range(3):
            ta = ta.write(i, x[i] * x[i])
        y = tf.reduce_sum(ta.stack())
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2, 4, 6])  # TF 2.21


def test_python_loop_inside_function():
    @tf.function
    def cumulative(v):
        ta = tf.TensorArray(tf.float32, size=3)
        total = tf.constant(0.0)
        for i in range(3):
            total = total + v[i]
            ta = ta.write(i, total)
        return ta.stack()

    np.testing.assert_array_equal(cumulative(tf.constant([1.0, 2, 3])).numpy(), [1, 3, 6])
