"""Higher-order derivatives, jacobians and forward mode (TF_SEMANTICS.md §5).

Values are compared with ``jax.grad`` / ``jax.jacrev`` / ``jax.jvp`` of the same program written once
with operators only, so that it runs on tapejax Tensors and on ``jnp`` arrays alike.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf

RTOL = 2e-5
ATOL = 1e-5


def _np(t):
    return np.asarray(t.numpy())


def _close(t, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(_np(t), np.asarray(expected), rtol=rtol, atol=atol)


def _f_scalar(x):
    """A scalar function with non-constant higher derivatives."""
    return x * x * x / (1.0 + x * x)


def _f_vec(x):
    """R^3 -> R^3 with cross terms; its scalar objective is the sum of the outputs."""
    return x * x * x + x * x[0] * x[1]


def _f_vec_sum(x):
    return jnp.sum(_f_vec(x))


def _jvp_ref(fn):
    """J(fn)(X3) @ V3 by jax (jitted: eager jax transformations compile op by op)."""
    return jax.jit(lambda x, v: jax.jvp(fn, (x,), (v,))[1])(jnp.asarray(X3), jnp.asarray(V3))


X3 = np.array([0.5, -1.2, 2.0], dtype=np.float32)
V3 = np.array([1.0, 0.5, -2.0], dtype=np.float32)
W = np.array([[0.3, -0.5, 1.0, 0.2], [1.5, 0.7, -0.4, 0.1]], dtype=np.float32)


# -- nested tapes -----------------------------------------------------------------------------------


def test_nested_tapes_give_second_derivative_tf_docs_example():
    x = tf.constant(5.0)
    with tf.GradientTape() as g:
        g.watch(x)
        with tf.GradientTape() as gg:
            gg.watch(x)
            y = x * x
        dy_dx = gg.gradient(y, x)
    d2y_dx2 = g.gradient(dy_dx, x)
    _close(dy_dx, 10.0)
    _close(d2y_dx2, 2.0)


def test_three_nested_tapes_give_third_derivative_of_cube():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x * x * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    _close(d1, 12.0)
    _close(d2, 12.0)
    _close(d3, 6.0)


def test_nested_second_derivative_matches_jax_grad_of_grad():
    x0 = 0.7
    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = _f_scalar(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    _close(dy, jax.jit(jax.grad(_f_scalar))(jnp.float32(x0)))
    _close(d2y, jax.jit(jax.grad(jax.grad(_f_scalar)))(jnp.float32(x0)))


def test_inner_gradient_taken_after_outer_tape_closed_is_not_recorded():
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
    dy = inner.gradient(y, x)
    _close(dy, 6.0)
    assert outer.gradient(dy, x) is None


# -- jacobian -----------------------------------------------------------------------------------------


def test_jacobian_has_target_shape_plus_source_shape_and_matches_jacrev():
    x_np = np.arange(1.0, 7.0, dtype=np.float32).reshape(3, 2) / 4.0

    def f(x):
        return (x @ W) * (x @ W)

    x = tf.constant(x_np)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    j = tape.jacobian(y, x)
    assert j.shape == (3, 4, 3, 2)
    _close(j, jax.jit(jax.jacrev(f))(jnp.asarray(x_np)))


def test_jacobian_with_scalar_source_has_the_target_shape():
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.constant([1.0, 2.0, 3.0]) * x * x
    j = tape.jacobian(y, x)
    assert j.shape == (3,)
    _close(j, [3.0, 6.0, 9.0])


def test_jacobian_with_scalar_target_has_the_gradient_shape():
    x = tf.constant(X3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x[0] * x[1] * x[2]
    j = tape.jacobian(y, x)
    assert j.shape == (3,)
    _close(j, [X3[1] * X3[2], X3[0] * X3[2], X3[0] * X3[1]])


def test_jacobian_of_vector_function_matches_jacrev():
    x = tf.constant(X3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _f_vec(x)
    _close(tape.jacobian(y, x), jax.jit(jax.jacrev(_f_vec))(jnp.asarray(X3)))


def test_jacobian_with_respect_to_variable():
    v = tf.Variable(X3)
    with tf.GradientTape() as tape:
        y = _f_vec(v)
    _close(tape.jacobian(y, v), jax.jit(jax.jacrev(_f_vec))(jnp.asarray(X3)))


def test_jacobian_structured_sources_mirror_the_nest_and_unconnected_is_none():
    a = tf.constant([1.0, 2.0])
    b = tf.constant(3.0)
    unused = tf.constant([[1.0, 1.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch([a, b, unused])
        y = a * b
    j = tape.jacobian(y, {"a": a, "rest": [b, unused]})
    assert isinstance(j, dict) and isinstance(j["rest"], list)
    _close(j["a"], np.diag([3.0, 3.0]))
    _close(j["rest"][0], [1.0, 2.0])
    assert j["rest"][1] is None


def test_jacobian_unconnected_zero_gives_zeros_of_full_jacobian_shape():
    a = tf.constant([1.0, 2.0])
    unused = tf.constant([[1.0, 1.0, 1.0]], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([a, unused])
        y = a * a
    ja, ju = tape.jacobian(y, [a, unused], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    _close(ja, np.diag([2.0, 4.0]))
    assert ju.shape == (2, 1, 3)
    assert ju.dtype == tf.float64
    _close(ju, np.zeros((2, 1, 3)))


def test_jacobian_on_nonpersistent_tape_is_allowed_once():
    x = tf.constant(X3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    _close(tape.jacobian(y, x), np.diag(2.0 * X3))
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.jacobian(y, x)


@pytest.mark.parametrize("method", ["jacobian", "batch_jacobian"])
def test_jacobian_without_pfor_on_nonpersistent_tape_raises_runtime_error(method):
    x = tf.constant(np.ones((2, 3), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(RuntimeError, match="GradientTape must be created with persistent=True"):
        getattr(tape, method)(y, x, experimental_use_pfor=False)


def test_jacobian_without_pfor_on_persistent_tape_matches_pfor():
    x = tf.constant(X3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = _f_vec(x)
    loop = tape.jacobian(y, x, experimental_use_pfor=False)
    vectorised = tape.jacobian(y, x, parallel_iterations=2)
    _close(loop, jax.jit(jax.jacrev(_f_vec))(jnp.asarray(X3)))
    _close(vectorised, _np(loop))


def test_hessian_via_outer_jacobian_of_inner_gradient():
    x = tf.constant(X3)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = _f_vec(x)
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x)
    assert h.shape == (3, 3)
    _close(g, jax.jit(jax.grad(_f_vec_sum))(jnp.asarray(X3)))
    _close(h, jax.jit(jax.hessian(_f_vec_sum))(jnp.asarray(X3)))


# -- batch_jacobian -------------------------------------------------------------------------------------


def test_batch_jacobian_stacks_per_example_jacobians():
    x_np = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.1]], dtype=np.float32)

    def f(x):
        h = x @ W
        return h * h

    x = tf.constant(x_np)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (3, 4, 2)
    expected = jax.jit(jax.vmap(jax.jacrev(lambda row: f(row[None, :])[0])))(jnp.asarray(x_np))
    _close(bj, expected)


def test_batch_jacobian_of_rank_three_tensors_has_batch_then_target_then_source_dims():
    x_np = np.arange(12, dtype=np.float32).reshape(2, 3, 2) / 10.0
    x = tf.constant(x_np)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (2, 3, 2, 3, 2)
    expected = np.stack([np.diag(2.0 * x_np[i].ravel()).reshape(3, 2, 3, 2) for i in range(2)])
    _close(bj, expected)


def test_batch_jacobian_of_an_unconnected_source_is_zeros_of_the_target_dtype_even_without_zero():
    # TF returns zeros here whatever unconnected_gradients says ("for compatibility").
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    n = tf.constant([[1, 2], [3, 4]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.ones([2, 1])
    j = tape.batch_jacobian(y, x)
    assert j.shape == (2, 1, 2) and j.dtype == tf.float32
    np.testing.assert_array_equal(j.numpy(), np.zeros((2, 1, 2)))
    assert tape.batch_jacobian(y, n).dtype == tf.float32


def test_batch_jacobian_unconnected_zero_has_batch_jacobian_shape():
    x = tf.constant(np.ones((2, 3), np.float32))
    other = tf.constant(np.ones((2, 4), np.float32))
    with tf.GradientTape() as tape:
        tape.watch([x, other])
        y = x * 2.0
    bj = tape.batch_jacobian(y, other, unconnected_gradients="zero")
    assert bj.shape == (2, 3, 4)
    _close(bj, np.zeros((2, 3, 4)))


@pytest.mark.parametrize(
    ("target_shape", "source_shape"), [((3,), (3, 2)), ((3, 2), (3,))], ids=["target_rank1", "source_rank1"]
)
def test_batch_jacobian_requires_rank_at_least_two(target_shape, source_shape):
    x = tf.constant(np.ones(source_shape, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.constant(np.ones(target_shape, np.float32)) * 1.0
    with pytest.raises(ValueError, match="must have rank at least 2"):
        tape.batch_jacobian(y, x)


def test_batch_jacobian_requires_equal_first_dimensions():
    x = tf.constant(np.ones((3, 2), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.constant(np.ones((4, 2), np.float32)) * 1.0
    with pytest.raises(ValueError, match="Need first dimension of target shape"):
        tape.batch_jacobian(y, x)


# -- ForwardAccumulator ---------------------------------------------------------------------------------


def test_forward_accumulator_jvp_matches_jax_jvp():
    x = tf.constant(X3)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(V3)) as acc:
        y = _f_vec(x)
    expected = _jvp_ref(_f_vec)
    _close(acc.jvp(y), expected)


def test_forward_accumulator_accepts_variable_primals():
    v = tf.Variable(X3)
    with tf.autodiff.ForwardAccumulator(v, tf.constant(V3)) as acc:
        y = v * v
    _close(acc.jvp(y), 2.0 * X3 * V3)


def test_forward_accumulator_list_primals_and_nested_jvp():
    a = tf.constant(2.0)
    b = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator([a, b], [tf.constant(1.0), tf.constant(10.0)]) as acc:
        p = a * b
        q = a * a
        r = b * 1.0
    out = acc.jvp({"p": p, "rest": [q, (r,)]})
    assert isinstance(out, dict) and isinstance(out["rest"], list) and isinstance(out["rest"][1], tuple)
    _close(out["p"], 1.0 * 3.0 + 2.0 * 10.0)
    _close(out["rest"][0], 4.0)
    _close(out["rest"][1][0], 10.0)


def test_forward_accumulator_jvp_of_a_dict_keeps_its_key_order():
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = x * 3.0
        z = x * 5.0
    out = acc.jvp({"z": z, "y": y})
    assert list(out) == ["z", "y"]
    _close(out["z"], 5.0)


def test_forward_accumulator_takes_a_custom_gradient_functions_forward_tangent_when_it_has_one():
    # TF's accumulator: the forward ops' tangent where they carry one (jax.jvp could not go through
    # the custom gradient at all), so log(1 + exp(100)) gives TF's NaN.
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)
        return tf.math.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))

    x = tf.constant([0.5, 100.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 2.0])) as acc:
        y = log1pexp(x) * 3.0
    out = acc.jvp(y).numpy()
    np.testing.assert_allclose(out[0], 3.0 / (1.0 + np.exp(-0.5)), rtol=1e-6)
    assert np.isnan(out[1])
    with tf.GradientTape() as tape:  # a tape still uses the custom gradient
        tape.watch(x)
        y = log1pexp(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0 / (1.0 + np.exp(-0.5)), 1.0], rtol=1e-6)


def test_forward_accumulator_takes_the_custom_gradient_where_the_forward_ops_carry_no_tangent():
    # A straight-through estimator (TF 2.21's values): round and stop_gradient carry no tangent, so
    # TF's accumulator transposes the custom gradient for those outputs, and only those.
    @tf.custom_gradient
    def straight_through(x):
        return (tf.round(x), tf.stop_gradient(x) * 3.0, x * 2.0), lambda d1, d2, d3: d1 * 5.0 + d2 * 7.0 + d3 * 11.0

    x = tf.constant(2.3)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        r, s, t = straight_through(x)
    _close(acc.jvp(r), 5.0)  # (the custom gradient's Jacobian is [5, 7, 11] down the outputs)
    _close(acc.jvp(s), 7.0)
    _close(acc.jvp(t), 2.0)


def test_forward_accumulator_unconnected_is_none_or_zeros():
    x = tf.constant(1.0)
    z = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = z * 2.0
    assert acc.jvp(y) is None
    zeros = acc.jvp(y, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zeros.shape == (2,)
    _close(zeros, [0.0, 0.0])


def test_forward_accumulator_ignores_ops_run_outside_its_block():
    x = tf.constant(2.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    with acc:
        inside = x * x
    outside = x * x
    _close(acc.jvp(inside), 4.0)
    assert acc.jvp(outside) is None


def test_forward_over_backward_gives_hessian_vector_product():
    x = tf.constant(X3)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(V3)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = _f_vec(x)
        g = tape.gradient(y, x)
    hvp = acc.jvp(g)
    expected = _jvp_ref(jax.grad(_f_vec_sum))
    _close(hvp, expected)


def test_backward_over_forward_gives_hessian_vector_product():
    x = tf.constant(X3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, tf.constant(V3)) as acc:
            y = _f_vec(x)
        jvp = acc.jvp(y)
    hvp = tape.gradient(jvp, x)
    expected = _jvp_ref(jax.grad(_f_vec_sum))
    _close(hvp, expected)
