"""bfloat16 gradients (NumPy calls its kind "V", not "f"): through tf.function and tf.cond (the
dataflow walk every traced op shares, tf.while_loop's too), tf.cast and tf.abs. Expected values are
TF 2.21's."""

from __future__ import annotations

import numpy as np

import tapejax as tf


def _grad(fn, x):
    with tf.GradientTape() as t:
        t.watch(x)
        y = fn(x)
    g = t.gradient(y, x)
    return None if g is None else tf.cast(g, tf.float32).numpy()


def test_bfloat16_gradient_through_function_and_cond():
    x = tf.constant([-1.5, 0.0, 2.0], tf.bfloat16)
    # (all None before: the dataflow walk took bfloat16 values for non-differentiable ones)
    np.testing.assert_array_equal(_grad(tf.function(lambda b: b * b), x), [-3.0, 0.0, 4.0])
    f = tf.function(lambda b: tf.cond(b[0] < 0, lambda: b * b, lambda: b))
    np.testing.assert_array_equal(_grad(f, x), [-3.0, 0.0, 4.0])


def test_bfloat16_cast_and_abs_gradients_are_tf_s():
    x = tf.constant([-1.5, 0.0, 2.0], tf.bfloat16)
    np.testing.assert_array_equal(_grad(lambda a: tf.cast(a, tf.float32) * 2.0, x), [2.0, 2.0, 2.0])  # (was None)
    np.testing.assert_array_equal(_grad(tf.abs, x), [-1.0, 0.0, 1.0])  # TF: 0 at 0 (was 1)


def test_bfloat16_custom_gradient_returns_its_gradient():
    @tf.custom_gradient
    def f(a):
        return a * a, lambda dy: dy * 3.0

    x = tf.constant([1.5, 2.0], tf.bfloat16)
    np.testing.assert_array_equal(_grad(f, x), [3.0, 3.0])  # TF 2.21 (was None)
