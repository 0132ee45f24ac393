"""tf.function called with NumPy arguments: passed to the compiled program without a Tensor each
(dtypes, traces, tapes and the caller's arrays as in TF; values checked against NumPy)."""

import numpy as np
import pytest

import tapejax as tf


def test_numpy_dtypes_kept_and_one_trace_with_tensors():
    # TF 2.21: float64 stays float64, float32 float32, np.int64 scalar int64, bool bool;
    # a NumPy array and a Tensor of its shape and dtype share one trace.
    f = tf.function(lambda x: x + x)
    x64 = np.array([1.5, 2.0])
    out = f(x64)
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), x64 + x64)
    assert f(np.array([1.0, 2.0], np.float32)).dtype == tf.float32
    s = f(np.int64(3))
    assert s.dtype == tf.int64 and s.shape == () and s.numpy() == 6
    assert tf.function(tf.logical_not)(np.array([True, False])).dtype == tf.bool
    assert f.experimental_get_tracing_count() == 3
    f(tf.constant([7.0, 8.0], tf.float64))
    f(np.array([3.0, 4.0]))
    assert f.experimental_get_tracing_count() == 3


def test_caller_changing_its_array_after_the_call_does_not_change_the_result():
    # The program may still be running when the call returns; it must not read the caller's memory.
    f = tf.function(lambda a: tf.reduce_sum(tf.matmul(a, a)))
    ref = f(np.ones((600, 600), np.float32)).numpy()
    for _ in range(3):
        a = np.ones((600, 600), np.float32)
        out = f(a)
        a[:] = 2.0
        assert out.numpy() == ref == 600.0**3


def test_numpy_arguments_under_a_tape_and_with_variables():
    w = tf.Variable([[1.0], [2.0]])

    @tf.function
    def loss(x, y):
        return tf.reduce_sum((tf.matmul(x, w) - y) ** 2)

    x = np.array([[1.0, 0.5], [2.0, -1.0]], np.float32)
    y = np.array([[1.0], [0.0]], np.float32)
    with tf.GradientTape() as tape:
        out = loss(x, y)
    grad = tape.gradient(out, w)
    r = x @ np.array([[1.0], [2.0]], np.float32) - y
    np.testing.assert_allclose(out.numpy(), np.sum(r**2), rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), 2 * x.T @ r, rtol=1e-6)
    assert loss.experimental_get_tracing_count() == 1


def test_numpy_arguments_of_a_concrete_function_and_a_step_that_assigns():
    v = tf.Variable(0.0, dtype=tf.float64)

    @tf.function
    def step(x):
        v.assign_add(tf.reduce_sum(x))
        return v

    c = step.get_concrete_function(tf.TensorSpec([2], tf.float64))
    c(np.array([1.0, 2.0]))
    step(np.array([3.0, 4.0]))
    assert v.numpy() == 10.0
    with pytest.raises(TypeError):
        c(np.array([1.0, 2.0, 3.0], np.float32))


def test_unsupported_numpy_dtype_raises_type_error():
    f = tf.function(lambda x: x)
    with pytest.raises(TypeError, match="not supported"):
        f(np.array(["a", "b"]))
