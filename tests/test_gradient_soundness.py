"""Silent wrong gradients, by class: custom gradients whose outputs alias their inputs, nested tapes
that lost a dependency of the inner pullback, and TF's None (versus zeros) at higher order.

Expected values are TF 2.21's (the issue's examples) or ``jax.grad`` of the same program in float64.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax.debugging import explain_gradient


def _val(t):
    return None if t is None else np.asarray(t.numpy())


# -- 1. custom gradients whose outputs alias inputs ------------------------------------------------


@tf.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return tf.clip_by_norm(dy, 0.5)

    return y, backward


def test_custom_gradient_returning_its_input_gets_only_the_custom_gradient():
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    assert float(t.gradient(output, v)) == pytest.approx(2.0)  # TF: 2.0 (was 6.0: identity path added)


def test_custom_gradient_output_is_a_new_tensor():
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = clip_gradients(x)
    assert y is not x
    assert float(t.gradient(y, x)) == pytest.approx(0.5)


@pytest.mark.parametrize("container", ["tuple", "list", "dict"])
def test_custom_gradient_aliasing_one_of_several_outputs_in_a_nest(container):
    @tf.custom_gradient
    def two(a, b):
        def backward(dy1, dy2):
            return 10 * dy1, 100 * dy2

        if container == "dict":
            return {"p": a, "q": b * 1.0}, backward
        return (a, b) if container == "tuple" else [a, b], backward

    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([a, b])
        out = two(a, b)
        p, q = (out["p"], out["q"]) if container == "dict" else out
        s = p + 2 * q
    ga, gb = t.gradient(s, [a, b])
    assert (float(ga), float(gb)) == pytest.approx((10.0, 200.0))


def test_custom_gradient_returning_a_variable_read_gets_only_the_custom_gradient():
    w = tf.Variable(3.0)

    @tf.custom_gradient
    def f(x):
        y = w.read_value()

        def backward(dp, dq, variables=None):
            return dp * 7.0, [dq * 5.0]

        return (x, y), backward

    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        p, q = f(x)
        s = p + q
    assert float(t.gradient(s, x)) == pytest.approx(7.0)
    assert float(t.gradient(s, w)) == pytest.approx(5.0)


def test_custom_gradient_aliasing_inside_function_under_an_outer_tape():
    @tf.function
    def fn(v):
        return clip_gradients(v * v)

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        out = fn(v)
    assert float(t.gradient(out, v)) == pytest.approx(2.0)


def test_custom_gradient_inside_function_is_kept_for_an_outer_tape():
    @tf.custom_gradient
    def scaled_identity(x):
        return x * 1.0, lambda dy: 3.0 * dy

    @tf.function
    def fn(x):
        return scaled_identity(x) * 2.0

    x = tf.constant(1.5)
    with tf.GradientTape() as t:
        t.watch(x)
        y = fn(x)
    assert float(t.gradient(y, x)) == pytest.approx(6.0)  # the custom 3, not the forward's 1


def test_custom_gradient_aliasing_with_a_tape_inside_function():
    @tf.function
    def fn(v):
        with tf.GradientTape() as t:
            out = clip_gradients(v * v)
        return t.gradient(out, v)

    assert float(fn(tf.Variable(2.0))) == pytest.approx(2.0)


def test_custom_gradient_aliasing_under_nested_tapes():
    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            out = clip_gradients(x * x * x)
        g = t1.gradient(out, x)
    # TF 2.21: 6.0 and 6.0 (0.5 * 3x^2, then its derivative 0.5 * 6x).
    assert float(g) == pytest.approx(6.0)
    assert float(t2.gradient(g, x)) == pytest.approx(6.0)


def test_custom_gradient_returning_none_for_an_input_gives_none():
    @tf.custom_gradient
    def f(x, y):
        return x * y, lambda dy: (dy * 2.0, None)

    x, y = tf.constant(1.0), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, y])
        z = f(x, y)
    gx, gy = t.gradient(z, [x, y])
    assert float(gx) == pytest.approx(2.0)
    assert gy is None  # TF: None (was zeros)
    assert float(t.gradient(z, y, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0.0
    assert "returned None" in explain_gradient(t, z, y)


def test_custom_gradient_returning_zeros_is_connected():
    @tf.custom_gradient
    def f(x):
        return x * 2.0, lambda dy: tf.zeros_like(dy)

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        z = f(x)
    assert float(t.gradient(z, x)) == 0.0  # a value, as TF's (not None)


# -- 2. nested tapes: the outer tape sees everything the inner pullback reads ---------------------


def _penalty_jax(w, x):
    def out(x):
        return jnp.sum((x @ w) ** 2)

    gx = jax.grad(out)(x)
    return jnp.sum(gx**2)


def test_gradient_penalty_outer_tape_sees_the_inner_pullbacks_dependency():
    x = tf.constant([[1.0, 2.0]])
    w = tf.Variable([[0.5], [-1.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape(watch_accessed_variables=False) as inner:
            inner.watch(x)
            out = tf.reduce_sum(tf.matmul(x, w) ** 2)
        gx = inner.gradient(out, x)
        penalty = tf.reduce_sum(gx**2)
    np.testing.assert_allclose(_val(outer.gradient(penalty, w)), [[-6.0], [-48.0]], rtol=1e-6)  # TF 2.21


_X0 = np.array([[1.0, 2.0], [-0.5, 0.3]])
_W0 = np.array([[0.5], [-1.0]])


@pytest.mark.parametrize(
    ("inner_auto", "inner_watch_w", "outer_auto", "outer_watch", "persistent", "x_is_variable"),
    list(
        itertools.product(
            [True, False], [True, False], [True, False], ["none", "w", "x", "both"], [True, False], [True, False]
        )
    ),
)
def test_nested_tapes_every_watch_mix_matches_jax(
    inner_auto, inner_watch_w, outer_auto, outer_watch, persistent, x_is_variable
):
    x = tf.Variable(_X0, name="x") if x_is_variable else tf.constant(_X0)
    w = tf.Variable(_W0, name="w")
    with tf.GradientTape(persistent=persistent, watch_accessed_variables=outer_auto) as outer:
        if outer_watch in ("w", "both"):
            outer.watch(w)
        if outer_watch in ("x", "both"):
            outer.watch(x)
        with tf.GradientTape(persistent=persistent, watch_accessed_variables=inner_auto) as inner:
            inner.watch(x)
            if inner_watch_w:
                inner.watch(w)
            out = tf.reduce_sum(tf.matmul(x, w) ** 2)
        gx = inner.gradient(out, x)
        penalty = tf.reduce_sum(gx**2)
    gw_outer, gx_outer = outer.gradient(penalty, [w, x])
    watches_w = outer_auto or outer_watch in ("w", "both")
    watches_x = outer_watch in ("x", "both") or (x_is_variable and outer_auto)
    want_w = jax.grad(_penalty_jax, 0)(_W0, _X0)
    want_x = jax.grad(_penalty_jax, 1)(_W0, _X0)
    if watches_w:
        np.testing.assert_allclose(_val(gw_outer), want_w, rtol=1e-12)
    else:
        assert gw_outer is None
    if watches_x:
        np.testing.assert_allclose(_val(gx_outer), want_x, rtol=1e-12)
    else:
        assert gx_outer is None


def test_three_nested_tapes_gradient_penalty_of_a_gradient_penalty():
    x0 = np.array([0.3, -0.7])
    w0 = np.array([1.2, 0.4])
    x = tf.constant(x0)
    w = tf.Variable(w0)
    with tf.GradientTape() as t0:
        with tf.GradientTape(watch_accessed_variables=False) as t1:
            t1.watch(x)
            with tf.GradientTape(watch_accessed_variables=False) as t2:
                t2.watch(x)
                y = tf.reduce_sum(tf.sin(x * w) * w)
            g2 = t2.gradient(y, x)
            p1 = tf.reduce_sum(g2**2)
        g1 = t1.gradient(p1, x)
        p0 = tf.reduce_sum(g1**2)
    got = t0.gradient(p0, w)

    def f(w, x):
        def g2(x):
            return jax.grad(lambda x: jnp.sum(jnp.sin(x * w) * w))(x)

        g1 = jax.grad(lambda x: jnp.sum(g2(x) ** 2))(x)
        return jnp.sum(g1**2)

    np.testing.assert_allclose(_val(got), jax.grad(f)(w0, x0), rtol=1e-10)


def test_jacobian_inside_an_outer_tape_depends_on_unwatched_variable():
    x0 = np.array([0.5, -1.5])
    w0 = np.array([[1.0, 2.0], [0.5, -0.3]])
    x = tf.constant(x0)
    w = tf.Variable(w0)
    with tf.GradientTape() as outer:
        with tf.GradientTape(watch_accessed_variables=False) as inner:
            inner.watch(x)
            y = tf.tanh(tf.linalg.matvec(w, x))
        j = inner.jacobian(y, x)
        loss = tf.reduce_sum(j**2)
    want = jax.grad(lambda w: jnp.sum(jax.jacrev(lambda x: jnp.tanh(w @ x))(x0) ** 2))(w0)
    np.testing.assert_allclose(_val(outer.gradient(loss, w)), want, rtol=1e-10)


def test_batch_jacobian_inside_an_outer_tape_depends_on_unwatched_variable():
    x0 = np.array([[0.5, -1.5], [0.2, 0.1], [1.0, 0.0]])
    w0 = np.array([[1.0, 2.0], [0.5, -0.3]])
    x = tf.constant(x0)
    w = tf.Variable(w0)
    with tf.GradientTape() as outer:
        with tf.GradientTape(watch_accessed_variables=False) as inner:
            inner.watch(x)
            y = tf.sin(tf.matmul(x, w))
        j = inner.batch_jacobian(y, x)
        loss = tf.reduce_sum(j**2)

    def f(w):
        per_example = jax.vmap(jax.jacrev(lambda xi: jnp.sin(xi @ w)))(x0)
        return jnp.sum(per_example**2)

    np.testing.assert_allclose(_val(outer.gradient(loss, w)), jax.grad(f)(w0), rtol=1e-10)


def test_forward_accumulator_inside_an_outer_tape_depends_on_unwatched_variable():
    x0 = np.array([0.5, -1.5])
    w0 = np.array([1.3, 0.7])
    x = tf.constant(x0)
    w = tf.Variable(w0)
    v = np.array([1.0, 2.0])
    with tf.GradientTape() as outer:
        with tf.autodiff.ForwardAccumulator(x, tf.constant(v)) as acc:
            y = tf.reduce_sum(tf.exp(x * w))
        jvp = acc.jvp(y)
    want = jax.grad(lambda w: jax.jvp(lambda x: jnp.sum(jnp.exp(x * w)), (x0,), (v,))[1])(w0)
    np.testing.assert_allclose(_val(outer.gradient(jvp, w)), want, rtol=1e-10)


# -- 3. None versus zeros at higher order ----------------------------------------------------------


def _second(f, x0=0.7):
    x = tf.constant(x0)
    with tf.GradientTape(persistent=True) as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = f(x)
        g = t1.gradient(y, x)
    return g, t2.gradient(g, x), t2, x


# Every expectation below was checked on TF 2.21.
_SECOND_IS_NONE = {
    "3x": lambda x: 3.0 * x,
    "x+1": lambda x: x + 1.0,
    "neg": lambda x: -x,
    "x/2": lambda x: x / 2.0,
    "sign": tf.sign,
    "maximum": lambda x: tf.maximum(x, 0.5),
    "minimum": lambda x: tf.minimum(x, 2.0),
    "clip": lambda x: tf.clip_by_value(x, 0.0, 1.0),
    "where": lambda x: tf.where(x > 0, x, 2.0 * x),
    "reduce_sum": lambda x: tf.reduce_sum(tf.stack([x, x])),
    "reduce_max": lambda x: tf.reduce_max(tf.stack([x, 2.0 * x])),
    "reduce_mean": lambda x: tf.reduce_mean(tf.stack([x, x])),
    "identity": tf.identity,
    "reshape": lambda x: tf.reshape(x, [1]),
    "stop_gradient": lambda x: tf.stop_gradient(x) * x,
    "gather": lambda x: tf.gather(tf.stack([x, x]), 0),
    "tile": lambda x: tf.reduce_sum(tf.tile([x], [3])),
    "floormod": lambda x: tf.math.floormod(x, 0.5),
}

_SECOND_IS_ZERO = {
    "relu": tf.nn.relu,
    "relu6": tf.nn.relu6,
    "leaky_relu": tf.nn.leaky_relu,
    "abs": tf.abs,
    "elu": tf.nn.elu,
    "selu": tf.nn.selu,
    "pow1": lambda x: tf.pow(x, 1.0),
}


@pytest.mark.parametrize("name", sorted(_SECOND_IS_NONE))
def test_second_derivative_with_no_path_to_the_source_is_none(name):
    g, gg, t2, x = _second(_SECOND_IS_NONE[name])
    assert g is not None
    assert gg is None
    zero = t2.gradient(g, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert float(zero) == 0.0


@pytest.mark.parametrize("name", sorted(_SECOND_IS_ZERO))
def test_second_derivative_through_a_kept_zero_dependency_is_zeros(name):
    _, gg, _, _ = _second(_SECOND_IS_ZERO[name])
    assert gg is not None
    assert float(gg) == 0.0


@pytest.mark.parametrize(
    ("f", "want"),
    [(lambda x: x * x, 2.0), (lambda x: tf.square(2.0 * x + 1.0), 8.0), (tf.exp, float(np.exp(0.7)))],
)
def test_second_derivative_with_a_path_is_a_value(f, want):
    _, gg, _, _ = _second(f)
    assert float(gg) == pytest.approx(want, rel=1e-6)


def test_first_order_relu_and_abs_gradients_keep_tf_conventions():
    x = tf.constant([-1.0, 0.0, 2.0, float("nan")])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        r, a, lr = tf.nn.relu(x), tf.abs(x), tf.nn.leaky_relu(x, alpha=0.1)
    np.testing.assert_array_equal(_val(t.gradient(r, x)), [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(_val(t.gradient(a, x)), [-1.0, 0.0, 1.0, np.nan])  # TF: dy * sign(x)
    np.testing.assert_allclose(_val(t.gradient(lr, x)), [0.1, 0.1, 1.0, 0.1])


def test_third_derivative_none_after_the_polynomial_runs_out():
    x = tf.constant(1.5)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x * x
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    assert float(g2) == pytest.approx(2.0)
    assert t3.gradient(g2, x) is None  # d3(x^2)/dx3: TF gives None


def test_explain_gradient_explains_a_higher_order_none():
    x = tf.constant(0.7)
    with tf.GradientTape(persistent=True) as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = 3.0 * x
        g = t1.gradient(y, x)
    msg = explain_gradient(t2, g, x)
    assert msg.startswith("None: the target depends on the source only through a gradient"), msg
    assert t2.gradient(g, x) is None


# -- the same classes through tf.function (one recorded op: its derivative's dataflow decides) ----


def test_function_output_that_does_not_depend_on_an_input_gives_none():
    @tf.function
    def f(x, y):
        return x * 2.0

    x, y = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        s = f(x, y)
    gx, gy = t.gradient(s, [x, y])
    assert float(gx) == 2.0
    assert gy is None  # TF 2.21: None (was zeros)


def test_function_through_ops_without_gradient_gives_none():
    @tf.function
    def f(x):
        return tf.round(x) + tf.stop_gradient(x)

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        s = f(x)
    assert t.gradient(s, x) is None


@pytest.mark.parametrize(
    ("name", "fn", "first", "second"),
    [  # TF 2.21: value of the gradient of fn(x) through a tf.function, and of d/dx of d(fn(x) * x)/dx
        ("relu", tf.nn.relu, 1.0, 2.0),
        ("sign", tf.sign, 0.0, 0.0),
        ("maximum", lambda x: tf.maximum(x, 2.0), 0.0, 0.0),
        ("floor", tf.floor, None, None),
        ("where", lambda x: tf.where(x > 0, x, 0.0), 1.0, 2.0),
    ],
)
def test_function_gradient_none_ness_matches_tf(name, fn, first, second):
    x = tf.constant(0.7)
    with tf.GradientTape() as t:
        t.watch(x)
        s = tf.function(fn)(x)
    g = t.gradient(s, x)
    assert (None if g is None else float(g)) == first

    @tf.function
    def h(x):
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = fn(x) * x
        return t1.gradient(y, x)

    with tf.GradientTape() as t:
        t.watch(x)
        s = h(x)
    gg = t.gradient(s, x)
    assert (None if gg is None else float(gg)) == second


def test_function_second_derivative_with_no_path_is_none():
    @tf.function
    def h(x):
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = 3.0 * x
        return t1.gradient(y, x)

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        s = h(x)
    assert float(s) == 3.0
    assert t.gradient(s, x) is None


def test_sign_gradient_is_zeros_even_for_an_infinite_upstream():
    x = tf.constant([-2.0, 0.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.sign(x)
    g = t.gradient(y, x, output_gradients=tf.constant([np.inf, 1.0, np.nan]))
    np.testing.assert_array_equal(_val(g), [0.0, 0.0, 0.0])  # TF: zeros(shape(x))


# -- captured values: what a custom gradient's backward reads from outside -------------------------


def test_custom_gradient_backward_reading_a_captured_watched_tensor_is_differentiable_again():
    z = tf.constant(2.0)
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(z)

        @tf.custom_gradient
        def f(x):
            def g(dy):
                return dy * z * z

            return x * 1.0, g

        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        gx = inner.gradient(y, x)
        s = gx * 1.0
    assert float(gx) == 4.0
    assert float(outer.gradient(s, z)) == pytest.approx(4.0)  # TF 2.21: 4.0 (was None)


def test_custom_gradient_forward_reading_a_captured_tensor_gives_it_no_first_order_gradient():
    z = tf.constant(2.0)
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch([z, x])

        @tf.custom_gradient
        def h(x):
            return x * z, lambda dy: dy

        y = h(x)
    gx, gz = t.gradient(y, [x, z])
    assert float(gx) == 1.0
    assert gz is None  # TF runs f unrecorded: None


def test_traced_cond_input_read_only_through_round_gets_none():
    @tf.function
    def f(x, y):
        with tf.GradientTape() as t:
            t.watch([x, y])
            r = tf.cond(x > 0, lambda: x * 2.0, lambda: tf.round(y))
        return t.gradient(r, [x, y])

    gx, gy = f(tf.constant(1.0), tf.constant(2.0))
    assert float(gx) == 2.0
    assert gy is None  # TF 2.21: None (was zeros)


def test_traced_bounded_while_loop_input_it_does_not_read_gets_none():
    @tf.function
    def f(x, y):
        with tf.GradientTape() as t:
            t.watch([x, y])
            body = lambda i, a: (i + 1, a * x)  # noqa: E731
            r = tf.while_loop(lambda i, a: i < 3, body, [0, tf.constant(1.0)], maximum_iterations=3)[1]
        return t.gradient(r, [x, y])

    gx, gy = f(tf.constant(1.0), tf.constant(2.0))
    assert float(gx) == 3.0
    assert gy is None


def test_explain_gradient_explains_a_function_input_its_derivative_does_not_reach():
    @tf.function
    def f(x):
        return tf.round(x) * 2.0

    x = tf.constant(1.2)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = f(x)
    assert t.gradient(y, x) is None
    msg = explain_gradient(t, y, x)
    assert msg.startswith("None: the path from the source enters function[f]"), msg


@pytest.mark.parametrize(
    ("name", "fn", "third_is_none"),
    [
        ("relu", tf.nn.relu, False),
        ("relu6", tf.nn.relu6, False),
        ("leaky_relu", tf.nn.leaky_relu, True),
        ("abs", tf.abs, True),
    ],
)
def test_third_derivative_follows_which_value_tf_gradient_kernel_reads(name, fn, third_is_none):
    # TF 2.21: ReluGrad/Relu6Grad read the output, whose zeros flow back through relu at every order;
    # LeakyReluGrad reads the input and AbsGrad is dy * sign(x): their chain ends after the second order.
    x = tf.constant([1.0, -2.0], tf.float64)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            with tf.GradientTape() as t0:
                t0.watch(x)
                y = fn(x)
            g0 = t0.gradient(y, x)
            y1 = tf.reduce_sum(g0 * g0)
        g1 = t1.gradient(y1, x)
        y2 = tf.reduce_sum(g1 * g1)
    g2 = t2.gradient(y2, x)
    if third_is_none:
        assert g2 is None
    else:
        np.testing.assert_array_equal(_val(g2), [0.0, 0.0])


def test_second_order_through_a_traced_loop_whose_carry_feeds_itself_is_a_value():
    # A loop body's carry depends on itself across iterations: a single walk of the body would drop
    # that dependency and give None where the Hessian-vector product is [32, 48] (checked eagerly).
    def loop(x):
        body = lambda i, a: (i + 1, a * x[i] + x[i])  # noqa: E731
        return tf.while_loop(lambda i, a: i < 2, body, (0, tf.ones([2], x.dtype)), maximum_iterations=2)[1]

    def hv(f):
        x = tf.constant([0.5, 1.5], tf.float64)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.reduce_sum(f(x))
            g = t1.gradient(y, x)
            s = tf.reduce_sum(g * g)
        return t2.gradient(s, x)

    np.testing.assert_allclose(_val(hv(loop)), [32.0, 48.0])
    np.testing.assert_allclose(_val(hv(tf.function(loop))), [32.0, 48.0])
    np.testing.assert_allclose(_val(tf.function(lambda: hv(loop))()), [32.0, 48.0])


def test_relu_and_relu6_keep_the_sign_of_zero_and_nan_as_tf():
    x = tf.constant([-0.0, 0.0, -1.0, 7.0, float("nan")])
    np.testing.assert_array_equal(np.signbit(_val(tf.nn.relu(x))), [True, False, False, False, False])
    np.testing.assert_array_equal(_val(tf.nn.relu(x)), [0.0, 0.0, 0.0, 7.0, np.nan])
    np.testing.assert_array_equal(_val(tf.nn.relu6(x)), [0.0, 0.0, 0.0, 6.0, np.nan])
    assert np.signbit(_val(tf.nn.relu6(x))[0])


def test_cholesky_of_complex_hermitian_reads_the_lower_triangle_conjugated():
    a = np.array([[4, 1 - 2j, 0.5j], [1 + 2j, 6, 1], [-0.5j, 1, 3]], np.complex128)
    a_low = np.tril(a) + np.triu(np.full((3, 3), 99 + 7j), 1)  # TF reads only the lower triangle
    got = _val(tf.linalg.cholesky(tf.constant(a_low)))
    np.testing.assert_allclose(got, np.linalg.cholesky(a), rtol=1e-12)  # (was 0.88 off: no conjugate)


def test_gradient_of_one_output_ignores_another_outputs_infinite_derivative():
    @tf.function
    def f(x):
        return [tf.math.log(x), 2.0 * x]

    x = tf.constant(0.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)[1]
    assert float(t.gradient(y, x)) == 2.0  # (TF 2.21 gives NaN inside tf.function: documented difference)
