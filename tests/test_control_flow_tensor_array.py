"""tf.TensorArray inside traced tf.while_loop bodies (values checked in TF 2.21)."""

import numpy as np
import pytest

import tapejax as tf


def test_tensor_array_written_in_a_traced_loop_reads_stacks_gathers_as_tf():
    @tf.function
    def f(x, n):
        ta = tf.TensorArray(tf.float32, size=4)  # element shape inferred from the body's write

        def body(i, ta):
            return i + 1, ta.write(i, x * tf.cast(i, tf.float32))

        _, ta = tf.while_loop(lambda i, ta: i < n, body, (0, ta))
        return ta.stack(), ta.read(2), ta.size(), ta.gather([1, 3])

    stacked, read, size, gathered = f(tf.constant([1.0, 2.0]), tf.constant(3))
    np.testing.assert_array_equal(stacked.numpy(), [[0, 0], [1, 2], [2, 4], [0, 0]])  # unwritten: zeros
    np.testing.assert_array_equal(read.numpy(), [2, 4])
    assert int(size.numpy()) == 4
    np.testing.assert_array_equal(gathered.numpy(), [[1, 2], [0, 0]])


def test_tensor_array_unstack_read_scatter_concat_in_a_traced_loop():
    @tf.function
    def f(v, n):
        src = tf.TensorArray(tf.float32, size=3).unstack(v)
        out = tf.TensorArray(tf.float32, size=3, element_shape=[2])
        _, out = tf.while_loop(lambda i, o: i < n, lambda i, o: (i + 1, o.write(i, src.read(i) * 2.0)), (0, out))
        scattered = out.scatter([0, 2], tf.constant([[9.0, 9.0], [7.0, 7.0]]))
        return out.concat(), scattered.stack()

    concat, scattered = f(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant(2))
    np.testing.assert_array_equal(concat.numpy(), [2, 4, 6, 8, 0, 0])
    np.testing.assert_array_equal(scattered.numpy(), [[9, 9], [6, 8], [7, 7]])


def test_gradient_through_stack_of_a_tensor_array_written_in_a_loop():
    x = tf.Variable(2.0)

    @tf.function
    def g(n):
        with tf.GradientTape() as t:
            ta = tf.TensorArray(tf.float32, size=3, element_shape=[])
            _, _, ta = tf.while_loop(
                lambda i, y, ta: i < n, lambda i, y, ta: (i + 1, y * x, ta.write(i, y * x)), (0, tf.constant(1.0), ta)
            )
            s = tf.reduce_sum(ta.stack())  # x + x ** 2 + x ** 3
        return s, t.gradient(s, x)

    s, grad = g(tf.constant(3))
    assert [float(s.numpy()), float(grad.numpy())] == [14.0, 17.0]


def test_a_dynamic_size_tensor_array_written_at_a_traced_index_raises():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, 1.0)), (0, ta))
        return ta.stack()

    with pytest.raises(NotImplementedError, match="dynamic_size=True"):
        f(tf.constant(3))


def test_tensor_array_written_in_cond_branches_is_functional_as_tfs_graph_array():
    @tf.function
    def f(p, x):
        ta = tf.TensorArray(tf.float32, size=2, element_shape=[])
        ta = tf.cond(p, lambda: ta.write(0, x), lambda: ta.write(1, x * 2.0))
        return ta.stack()

    np.testing.assert_array_equal(f(tf.constant(True), tf.constant(3.0)).numpy(), [3.0, 0.0])  # TF 2.21
    np.testing.assert_array_equal(f(tf.constant(False), tf.constant(3.0)).numpy(), [0.0, 6.0])
