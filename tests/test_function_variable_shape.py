"""tf.function over Variables declared with unknown dims whose values change shape between calls.

TF traces such a function once (the Variable's spec is its declared shape); tapejax compiles a
program per concrete shape, uncounted. Expected values and tracing counts are TF 2.21's.
"""

from __future__ import annotations

import numpy as np

import tapejax as tf


def test_captured_variable_of_unknown_shape_read_after_a_bigger_assign():
    v = tf.Variable([1.0, 2.0], shape=tf.TensorShape(None))

    @tf.function
    def f():
        return tf.reduce_sum(v) + tf.cast(tf.size(v), tf.float32)

    assert float(f()) == 5.0
    v.assign([1.0, 2.0, 3.0])
    assert float(f()) == 9.0  # (raised: the program compiled for shape (2,))
    v.assign([[1.0], [2.0]])
    assert float(f()) == 5.0
    v.assign([4.0, 5.0])
    assert float(f()) == 11.0
    assert f.experimental_get_tracing_count() == 1


def test_function_growing_a_captured_variable_each_call():
    w = tf.Variable([1.0], shape=[None])

    @tf.function
    def g():
        w.assign(tf.concat([w, [5.0]], 0))
        return tf.shape(w)

    assert g().numpy().tolist() == [2]
    assert g().numpy().tolist() == [3]
    np.testing.assert_array_equal(w.numpy(), [1.0, 5.0, 5.0])
    assert g.experimental_get_tracing_count() == 1


def test_variable_argument_of_unknown_shape_is_one_trace():
    @tf.function
    def k(var):
        return tf.reduce_sum(var)

    z = tf.Variable([1.0, 2.0], shape=[None])
    assert float(k(z)) == 3.0
    z.assign([1.0, 2.0, 3.0])
    assert float(k(z)) == 6.0
    assert float(k(tf.Variable([7.0], shape=[None]))) == 7.0
    assert k.experimental_get_tracing_count() == 1


def test_gradient_of_a_variable_of_changed_shape_inside_the_function():
    q = tf.Variable([1.0, 2.0], shape=[None])

    @tf.function
    def gq():
        with tf.GradientTape() as t:
            y = tf.reduce_sum(q * q)
        return t.gradient(y, q)

    np.testing.assert_array_equal(gq().numpy(), [2.0, 4.0])
    q.assign([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gq().numpy(), [2.0, 4.0, 6.0])
    with tf.GradientTape() as t:  # and the call recorded by an eager tape
        y = tf.function(lambda: tf.reduce_sum(q * q))()
    np.testing.assert_array_equal(t.gradient(y, q).numpy(), [2.0, 4.0, 6.0])
