"""Gradients through traced control flow and tf.function of constants a tape watches.

A watched Tensor whose value is concrete (made eagerly, or a constant made inside a trace) and that
a traced ``while_loop``/``cond`` body or a ``tf.function`` closes over must reach the gradient, to
every order, as TF's captured inputs do. Expected values were computed with TF 2.21.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import tensor, transfer

C = np.float32(1.5)


@pytest.fixture
def concrete_constants(monkeypatch):
    """A constant made inside a JAX trace is a concrete array (the direct transfer), not a staged value
    (``jax.device_put``, what tapejax makes there): the gradients must not depend on which."""
    monkeypatch.setattr(tensor, "_to_device", lambda host: transfer.put(np.asarray(host)))


def _loop(x):
    def body(i, a):
        k = tf.constant(0.5)  # made inside the body
        return i + 1, a * x * C + k * x + 0.25  # a NumPy scalar and a Python float closed over

    return tf.while_loop(lambda i, a: i < 3, body, (0, tf.constant(1.0)))[1]


def _orders(f, make):
    x = make()
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = f(x)
        g = t1.gradient(y, x)
    return y, g, t2.gradient(g, x)


def _values(ts):
    return [None if t is None else float(t) for t in ts]


_LOOP_TF = [3.04912, 9.3275, 21.525]  # TF 2.21: value, first and second derivative at 0.7


def test_second_order_through_a_traced_loop_of_a_constant_made_inside_the_function(concrete_constants):
    got = tf.function(lambda: _orders(_loop, lambda: tf.constant(np.float32(0.7))), autograph=False)()
    np.testing.assert_allclose(_values(got), _LOOP_TF, rtol=1e-5)


def test_persistent_tape_gradients_of_a_traced_loop_inside_the_function(concrete_constants):
    @tf.function
    def f():
        x = tf.constant(0.7)
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), (0, tf.constant(1.0)))[1]
            z = y * C
        return t.gradient(y, x), t.gradient(z, x)

    np.testing.assert_allclose(_values(f()), [1.47, 2.205], rtol=1e-5)  # TF 2.21: 3 x^2, 4.5 x^2


def test_cond_of_a_watched_constant_made_inside_the_function(concrete_constants):
    @tf.function
    def f(p):
        x = tf.constant(2.0)
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.cond(p, lambda: x * x * C, lambda: x + C)
        return t.gradient(y, x)

    assert float(f(tf.constant(True))) == 6.0  # TF 2.21
    assert float(f(tf.constant(False))) == 1.0


def test_captured_watched_tensor_reaches_the_gradient_of_a_function_call():
    x = tf.constant(2.0)
    f = tf.function(lambda: x * x)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f()
    assert float(t.gradient(y, x)) == 4.0  # TF 2.21 (was None)
    with tf.GradientTape() as t:  # not watched: the plain program, no gradient
        y = f()
    assert t.gradient(y, x) is None
    assert f.experimental_get_tracing_count() == 1


def test_captured_watched_tensor_through_a_loop_in_a_function():
    x = tf.constant(0.7)

    @tf.function
    def f(n):
        return tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * x + x * C), (0, tf.constant(1.0)))[1]

    for _ in range(2):  # the second call reuses the program that takes x as an input
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(tf.constant(3))
        np.testing.assert_allclose(_values([y, t.gradient(y, x)]), [2.6425, 7.275], rtol=1e-5)  # TF 2.21
    assert f.experimental_get_tracing_count() == 1  # TF 2.21: 1


def test_tensor_computed_from_a_watched_one_captured_by_a_cond_in_a_function():
    x = tf.constant(0.7)
    with tf.GradientTape() as t:
        t.watch(x)
        z = x * 2.0

        @tf.function
        def h():
            return tf.cond(z > 0, lambda: z * z, lambda: z)

        y = h()
    np.testing.assert_allclose(float(t.gradient(y, x)), 5.6, rtol=1e-6)  # TF 2.21


def test_vectorized_map_passes_the_gradient_to_a_watched_tensor_it_closes_over():
    x, z = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch([x, z])
        y = tf.vectorized_map(lambda a: a * a * z, x)
    gx, gz = t.gradient(y, [x, z])
    np.testing.assert_array_equal(gx.numpy(), [6.0, 12.0])
    assert float(gz) == 5.0  # TF 2.21 (was None)


def test_recompute_grad_gives_a_tensor_it_closes_over_no_gradient_as_tf():
    def run():
        x, z = tf.constant(2.0), tf.constant(3.0)
        with tf.GradientTape() as t:
            t.watch([x, z])
            y = tf.recompute_grad(lambda a: a * a * z)(x)
        return t.gradient(y, [x, z])

    for gx, gz in (run(), tf.function(run)()):  # TF 2.21: 12 and None, eagerly and traced (traced was 4)
        assert float(gx) == 12.0
        assert gz is None
