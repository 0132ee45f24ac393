"""tf.cond / tf.while_loop / tf.switch_case: gradients through data-dependent loops, Variables assigned
inside branches and loop bodies, and TF's errors for mismatched branches and loop vars.

Values marked "TF 2.21" were computed with TensorFlow 2.21 on the same programs.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import while_grad

# -- the reverse-differentiable loop (while_grad.py) ---------------------------------------------


def _looped(x, w, n, cap):
    def body(s, c):
        return s[0] + 1, jnp.sin(s[1]) * c[0] + s[1] * 0.5

    return while_grad.while_loop(lambda s, c: s[0] < c[1], body, (jnp.int32(0), x), (w, n), capacity=cap)[1]


def _unrolled(x, w, n):
    for _ in range(n):
        x = jnp.sin(x) * w + x * 0.5
    return x


def test_while_grad_matches_jax_grad_of_the_unrolled_loop():
    # capacity 4 < 11 trips: the stored states are thinned (stride 4) and recomputed going back.
    x, w = jnp.array([0.3, -1.2]), jnp.array(1.3)
    grad = jax.jit(jax.grad(lambda x, w, n: _looped(x, w, n, 4).sum(), argnums=(0, 1)))
    unrolled_grad = jax.jit(jax.grad(lambda x, w: _unrolled(x, w, 11).sum(), argnums=(0, 1)))
    want = unrolled_grad(x, w)
    for g, e in zip(grad(x, w, 11), want, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    np.testing.assert_allclose(grad(x, w, 0)[0], [1.0, 1.0])  # no trip: the identity
    # Test the tester: a loop whose body differs by one part in a thousand fails the comparison
    # (d/dw of the loop run with w * 1.001, by the chain rule, from the same compiled program).
    wrong = 1.001 * unrolled_grad(x, w * 1.001)[1]
    assert not np.allclose(grad(x, w, 11)[1], wrong, rtol=1e-6)


# -- tf.while_loop under a tape --------------------------------------------------------------------

X = tf.Variable(1.5)


def _sin_loop(n):
    _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.sin(y) * X), (tf.constant(0), X * 1.0))
    return y


def _first_and_second(n):
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = _sin_loop(n)
        g = t1.gradient(y, X)
    return y, g, t2.gradient(g, X)


_traced_first_and_second = tf.function(_first_and_second)

# TF 2.21 (tf.function and eagerly): y, dy/dx, d2y/dx2.
_TF = {
    0: (1.5, 1.0, 0.0),
    1: (1.4962425, 1.1036007, -1.354768),
    5: (1.4957817, 1.1234788, -1.9367726),
}


def test_gradients_through_a_data_dependent_while_loop_in_a_function_are_tfs(monkeypatch):
    # One program for every trip count; a buffer of 4 states, so that 5 trips thin it (stride 2) and
    # the second-order gradient goes back through recomputed states too.
    monkeypatch.setattr(while_grad, "default_capacity", lambda state: 4)
    for n, want in _TF.items():
        got = [float(t.numpy()) for t in _traced_first_and_second(tf.constant(n))]
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)


def test_gradients_through_an_eager_while_loop_are_tfs():
    got = [float(t.numpy()) for t in _first_and_second(tf.constant(1))]
    np.testing.assert_allclose(got, _TF[1], rtol=2e-6)


def test_a_traced_loop_gradient_agrees_with_finite_differences():
    @tf.function
    def grad(x, n):
        with tf.GradientTape() as t:
            t.watch(x)
            _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * tf.cos(y) + x), (0, x))
        return y, t.gradient(y, x)

    x, eps = 0.7, 1e-3
    _, g = grad(tf.constant(x, tf.float64), tf.constant(6))
    hi, _ = grad(tf.constant(x + eps, tf.float64), tf.constant(6))
    lo, _ = grad(tf.constant(x - eps, tf.float64), tf.constant(6))
    np.testing.assert_allclose(g.numpy(), (hi.numpy() - lo.numpy()) / (2 * eps), rtol=1e-5)


def test_maximum_iterations_tensor_bounds_a_differentiated_loop():
    @tf.function
    def f(m):
        with tf.GradientTape() as t:
            _, y = tf.while_loop(
                lambda i, y: y < 100.0, lambda i, y: (i + 1, y * X), (0, X * 1.0), maximum_iterations=m
            )
        return y, t.gradient(y, X)

    y, g = f(tf.constant(2))  # stopped by the bound: x ** 3
    np.testing.assert_allclose([y.numpy(), g.numpy()], [1.5**3, 3 * 1.5**2], rtol=1e-6)
    y, g = f(tf.constant(50))  # stopped by the condition: 1.5 ** 12 = 129.7
    np.testing.assert_allclose([y.numpy(), g.numpy()], [1.5**12, 12 * 1.5**11], rtol=1e-5)


def test_back_prop_false_gives_no_gradient_in_a_function_and_is_ignored_eagerly():
    def loop():
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * X), (0, X * 1.0), back_prop=False)
        return y

    @tf.function
    def traced():
        with tf.GradientTape() as t:
            y = loop()
        return t.gradient(y, X)

    assert traced() is None  # TF 2.21: None
    with tf.GradientTape() as t:
        y = loop()
    np.testing.assert_allclose(t.gradient(y, X).numpy(), 4 * 1.5**3)  # TF 2.21 eager: 13.5


# -- Variables assigned inside control flow (values: TF 2.21) ---------------------------------------


def test_assign_in_a_cond_branch_writes_back_only_when_taken():
    v = tf.Variable(1.0)
    f = tf.function(lambda p: tf.cond(p, lambda: v.assign_add(1.0) * 10.0, lambda: v * 1.0))
    assert float(f(tf.constant(True)).numpy()) == 20.0 and float(v.numpy()) == 2.0
    assert float(f(tf.constant(False)).numpy()) == 2.0 and float(v.numpy()) == 2.0


def test_a_read_after_an_assign_in_a_branch_sees_the_new_value_and_differentiates_as_the_variable():
    w = tf.Variable(3.0)

    @tf.function
    def g(p):
        with tf.GradientTape() as t:
            r = tf.cond(p, lambda: (w.assign(w * 2.0), w * w)[1], lambda: w * 5.0)
        return r, t.gradient(r, w)

    assert [float(x.numpy()) for x in g(tf.constant(True))] == [36.0, 12.0]
    assert [float(x.numpy()) for x in g(tf.constant(False))] == [30.0, 5.0]
    assert float(w.numpy()) == 6.0


def test_assign_in_a_while_body_is_carried_and_variables_read_get_gradients():
    a, b = tf.Variable(0.0), tf.Variable(2.0)

    @tf.function
    def h(n):
        with tf.GradientTape() as t:

            def body(i, acc):
                a.assign_add(1.0)
                return i + 1, acc + a * b

            _, acc = tf.while_loop(lambda i, acc: i < n, body, (0, tf.constant(0.0)))
        return acc, t.gradient(acc, [a, b])

    acc, (ga, gb) = h(tf.constant(3))
    assert [float(acc.numpy()), float(ga.numpy()), float(gb.numpy()), float(a.numpy())] == [12.0, 6.0, 6.0, 3.0]
    h(tf.constant(0))
    assert float(a.numpy()) == 3.0


def test_random_draws_in_a_traced_loop_advance_the_global_generator():
    tf.random.set_seed(5)
    f = tf.function(
        lambda n: tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + tf.random.uniform([])), (0, 0.0))
    )
    first, second = f(tf.constant(2))[1], f(tf.constant(2))[1]
    assert float(first.numpy()) != float(second.numpy())


def test_an_optimizer_step_inside_a_while_loop_equals_the_same_steps_eagerly():
    x = tf.constant([[1.0, 2.0], [3.0, -1.0]])
    y = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    init = [[0.5, -0.3], [0.2, 0.8]]

    def step(w, opt):
        with tf.GradientTape() as t:
            loss = tf.reduce_mean((x @ w - y) ** 2)
        opt.apply_gradients([(t.gradient(loss, w), w)])
        return loss

    w1, opt1 = tf.Variable(init), tf.keras.optimizers.Adam(0.1)
    train = tf.function(
        lambda n: tf.while_loop(lambda i, loss: i < n, lambda i, loss: (i + 1, step(w1, opt1)), (0, 0.0))
    )
    _, loss = train(tf.constant(5))
    w2, opt2 = tf.Variable(init), tf.keras.optimizers.Adam(0.1)
    for _ in range(5):
        eager_loss = step(w2, opt2)
    np.testing.assert_allclose(loss.numpy(), eager_loss.numpy(), rtol=1e-6)  # TF 2.21: 0.54034936
    np.testing.assert_allclose(w1.numpy(), w2.numpy(), rtol=1e-6, atol=1e-6)
    assert int(opt1.iterations.numpy()) == 5


def test_assign_in_switch_case_branches():
    v = tf.Variable(0)
    f = tf.function(lambda i: tf.switch_case(i, [lambda: v.assign_add(1), lambda: v.assign_add(10)]))
    f(tf.constant(1))
    f(tf.constant(0))
    assert int(v.numpy()) == 11


# -- TF's errors -------------------------------------------------------------------------------------


def test_cond_branches_with_different_dtypes_raise_tfs_type_error():
    f = tf.function(lambda p: tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(1)))
    with pytest.raises(
        TypeError, match=r"true_fn and false_fn arguments to tf.cond must have the same number, type"
    ) as e:
        f(tf.constant(True))
    assert "have different types" in str(e.value)


def test_cond_branches_with_different_structures_raise_tfs_type_error():
    f = tf.function(lambda p: tf.cond(p, lambda: {"a": tf.constant(1.0)}, lambda: {"b": tf.constant(1.0)}))
    with pytest.raises(TypeError, match="The two structures don't have the same nested structure"):
        f(tf.constant(True))


def test_switch_case_branches_with_different_dtypes_raise_tfs_type_error():
    f = tf.function(lambda i: tf.switch_case(i, [lambda: tf.constant(1.0), lambda: tf.constant(1)]))
    with pytest.raises(TypeError, match=r"branches\[0\] and branches\[1\] arguments to tf.switch_case"):
        f(tf.constant(0))


def test_while_loop_var_changing_dtype_or_shape_raises_tfs_errors():
    n = tf.constant(3)
    dtype = tf.function(
        lambda n: tf.while_loop(
            lambda i, x: i < n, lambda i, x: (i + 1, tf.cast(x, tf.float64)), (0, tf.constant([1.0]))
        )
    )
    with pytest.raises(
        TypeError, match=r"enters the loop with type <dtype: 'float32'> but has type <dtype: 'float64'>"
    ):
        dtype(n)
    shape = tf.function(
        lambda n: tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, tf.concat([x, x], 0)), (0, tf.constant([1.0])))
    )
    with pytest.raises(
        ValueError, match=r"enters the loop with shape \(1,\), but has shape \(2,\) after one iteration"
    ):
        shape(n)
    struct = tf.function(lambda n: tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1,), (0, tf.constant([1.0]))))
    with pytest.raises(ValueError, match="The two structures don't have the same"):
        struct(n)


def test_assign_inside_a_traced_scan_step_is_carried():
    v = tf.Variable(0.0)
    f = tf.function(lambda xs: tf.scan(lambda a, x: (v.assign_add(x), a + v)[1], xs, initializer=tf.constant(0.0)))
    np.testing.assert_array_equal(f(tf.constant([1.0, 2.0, 3.0])).numpy(), [1.0, 4.0, 10.0])  # TF 2.21
    assert float(v.numpy()) == 6.0


def test_an_eager_while_loop_returns_tensors_as_tf():
    i, x = tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2.0), (0, 1.0))
    assert (i.dtype, int(i.numpy()), x.dtype, float(x.numpy())) == (tf.int32, 3, tf.float32, 8.0)
    with pytest.raises(ValueError, match="same nested structure"):  # checked after each step, as TF's
        tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, (x, x)), [0, 1.0])


def test_nested_cond_in_a_while_body_and_while_in_a_cond_branch_assign_as_tf():
    a = tf.Variable(0.0)

    @tf.function
    def f(n):
        def body(i):
            tf.cond(i % 2 == 0, lambda: a.assign_add(1.0), lambda: a.assign_sub(0.5))
            return i + 1

        tf.while_loop(lambda i: i < n, body, [0])
        inner = lambda: tf.while_loop(lambda j, s: j < n, lambda j, s: (j + 1, s + a), (0, 0.0))[1]  # noqa: E731
        return tf.cond(n > 2, inner, lambda: a * 1.0)

    assert float(f(tf.constant(5)).numpy()) == 10.0 and float(a.numpy()) == 2.0  # TF 2.21


def test_a_non_bool_or_non_scalar_condition_raises_tfs_invalid_argument_error():
    cond = tf.function(lambda p: tf.cond(p, lambda: 1.0, lambda: 2.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input 'pred' passed int32 expected bool"):
        cond(tf.constant(1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be a scalar, but it has shape"):
        cond(tf.constant([True, False]))
    loop = tf.function(lambda n: tf.while_loop(lambda i: n - i, lambda i: i + 1, [0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input 'input' passed int32 expected bool"):
        loop(tf.constant(3))
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        tf.function(lambda x: tf.cond(True, lambda: x, lambda: -x))(tf.constant(3.0))
