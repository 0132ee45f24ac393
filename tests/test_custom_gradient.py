"""``tf.stop_gradient`` and ``tf.custom_gradient`` (TF_SEMANTICS.md §6, §10)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def _np(t):
    return np.asarray(t.numpy())


def _close(t, expected, rtol=1e-6, atol=1e-6):
    np.testing.assert_allclose(_np(t), np.asarray(expected), rtol=rtol, atol=atol)


# -- stop_gradient --------------------------------------------------------------------------------------


def test_stop_gradient_is_identity_forward():
    x = tf.constant([1.0, -2.0])
    _close(tf.stop_gradient(x), [1.0, -2.0])


def test_stop_gradient_blocks_only_its_own_path():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x)
    _close(tape.gradient(y, x), 3.0)


def test_gradient_through_stop_gradient_alone_is_none():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stop_gradient(x * x)
    assert tape.gradient(y, x) is None


def test_stop_gradient_on_variable_blocks_it():
    v = tf.Variable(2.0)
    w = tf.Variable(5.0)
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(v) * w
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None
    _close(gw, 2.0)


# -- custom_gradient ---------------------------------------------------------------------------------


@tf.custom_gradient
def _scaled_square(x):
    """Forward x*x; gradient deliberately 10*upstream so the custom rule is observable."""

    def grad(upstream):
        return upstream * 10.0

    return x * x, grad


@tf.custom_gradient
def _identity_with_square_grad(x):
    """Forward x; gradient upstream * x*x (the true derivative would be 1)."""

    def grad(upstream):
        return upstream * x * x

    return x * 1.0, grad


def test_custom_gradient_replaces_the_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _scaled_square(x)
    _close(y, 9.0)
    _close(tape.gradient(y, x), 10.0)


def test_custom_gradient_log1pexp_tf_docs_example_is_stable():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    _close(tape.gradient(y, x), 1.0)


def test_custom_gradient_outside_a_tape_returns_the_forward_value():
    _close(_scaled_square(tf.constant(4.0)), 16.0)


def test_custom_gradient_receives_the_upstream_gradient():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _scaled_square(x)
    _close(tape.gradient(y, x, output_gradients=tf.constant([1.0, -3.0])), [10.0, -30.0])


def test_custom_gradient_composes_with_the_chain_rule():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _scaled_square(x * 3.0) * 2.0
    # d/dx [2 * f(3x)] = 2 * 10 * 3 under the custom rule f' := 10.
    _close(tape.gradient(y, x), 60.0)


@pytest.mark.parametrize("container", [tuple, list], ids=["tuple", "list"])
def test_custom_gradient_returns_one_gradient_per_input(container):
    @tf.custom_gradient
    def mul(a, b):
        def grad(upstream):
            return container([upstream * b * 2.0, upstream * a * 3.0])

        return a * b, grad

    a = tf.constant(2.0)
    b = tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = mul(a, b)
    ga, gb = tape.gradient(y, [a, b])
    _close(ga, 10.0)
    _close(gb, 6.0)


def test_custom_gradient_with_two_outputs_gets_one_upstream_per_output():
    @tf.custom_gradient
    def two(x):
        def grad(dy1, dy2):
            return dy1 * 20.0 + dy2 * 300.0

        return (x * 2.0, x * 3.0), grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = two(x)
    _close(a, 2.0)
    _close(b, 3.0)
    _close(tape.gradient([a, b], x, output_gradients=[1.0, 2.0]), 20.0 + 600.0)


def test_custom_gradient_wrong_number_of_gradients_raises_value_error():
    @tf.custom_gradient
    def bad(x):
        def grad(upstream):
            return upstream, upstream

        return x * 2.0, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bad(x)
    with pytest.raises(
        ValueError, match=r"custom_gradient function expected to return 1 gradients, but returned 2 instead\."
    ):
        tape.gradient(y, x)


def test_custom_gradient_reading_a_variable_passes_variables_keyword():
    v = tf.Variable(3.0)
    seen = {}

    @tf.custom_gradient
    def f(x):
        def grad(upstream, variables=None):
            seen["variables"] = variables
            return upstream * v * 2.0, [upstream * x * 4.0]

        return x * v, grad

    x = tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gv = tape.gradient(y, [x, v])
    _close(y, 15.0)
    _close(gx, 6.0)
    _close(gv, 20.0)
    assert len(seen["variables"]) == 1


def test_custom_gradient_variable_passed_as_argument_is_an_input_not_a_variables_entry():
    # TF leaves Variables that are inputs out of ``variables``: grad_fn needs no keyword for them.
    @tf.custom_gradient
    def f(x):
        return x * 2.0, lambda upstream: upstream * 7.0

    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = f(v)
    _close(tape.gradient(y, v), 7.0)

    w = tf.Variable(5.0)
    seen = {}

    @tf.custom_gradient
    def g(x):
        def grad(upstream, variables=None):
            seen["variables"] = variables
            return upstream * w, [upstream * x]

        return x * w, grad

    with tf.GradientTape() as tape:
        y = g(v)
    gv, gw = tape.gradient(y, [v, w])
    _close(gv, 5.0)
    _close(gw, 3.0)
    assert len(seen["variables"]) == 1


def test_custom_gradient_reading_a_variable_without_variables_keyword_raises_type_error():
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def f(x):
        def grad(upstream):
            return upstream * v

        return x * v, grad

    x = tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match="variables"):
            f(x)


def test_gradient_of_gradient_through_custom_gradient():
    @tf.custom_gradient
    def cube(x):
        def grad(upstream):
            return upstream * 3.0 * x * x

        return x * x * x, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    _close(dy, 12.0)
    _close(d2y, 12.0)


def test_ops_inside_grad_fn_are_recorded_by_an_outer_tape():
    # The outer tape differentiates the custom rule (x*x -> 2x), not the true derivative (1 -> 0).
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = _identity_with_square_grad(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    _close(y, 3.0)
    _close(dy, 9.0)
    _close(d2y, 6.0)


def test_custom_gradient_on_a_persistent_tape_can_be_differentiated_twice():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = _scaled_square(x)
    _close(tape.gradient(y, x), 10.0)
    _close(tape.gradient(y, x), 10.0)


def test_custom_gradient_sees_dict_arguments_in_the_callers_key_order():
    @tf.custom_gradient
    def g(d):
        vals = list(d.values())
        return vals[0] * 3.0 + vals[1], lambda dy: [dy * 3.0, dy]  # one gradient per flattened input

    x, z = tf.constant(1.0), tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch([x, z])
        y = g({"b": x, "a": z})
    _close(y, 8.0)
    gx, gz = tape.gradient(y, [x, z])  # TF 2.21: flattened in sorted key order, a (z) then b (x)
    _close(gx, 1.0)
    _close(gz, 3.0)


def test_custom_gradient_variable_passed_as_keyword_needs_no_variables_keyword():
    @tf.custom_gradient
    def h(x, v=None):
        return x * v, lambda dy: dy * v

    v, x = tf.Variable(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = h(x, v=v)
    gx, gv = tape.gradient(y, [x, v])
    _close(gx, 2.0)
    assert gv is None  # TF: a keyword argument is not an input of the custom gradient
