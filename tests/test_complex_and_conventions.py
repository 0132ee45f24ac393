"""Complex gradients (TF's conjugate convention, TF_SEMANTICS.md §6) and the op gradient conventions
where TensorFlow differs from naive autodiff (§7): kinks, ties, cut ops, routing, broadcasting."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import tapejax as tf


def _np(t):
    return np.asarray(t.numpy())


def _close(t, expected, rtol=1e-6, atol=1e-6):
    np.testing.assert_allclose(_np(t), np.asarray(expected), rtol=rtol, atol=atol)


def _grad(fn, *xs, **kwargs):
    """Gradient of fn(*xs) w.r.t. each x (watched constants); a single result for one input."""
    with tf.GradientTape() as tape:
        tape.watch(list(xs))
        y = fn(*xs)
    g = tape.gradient(y, list(xs), **kwargs)
    return g[0] if len(xs) == 1 else g


Z = np.array([1.0 + 2.0j, -0.5 + 1.5j, 3.0 - 1.0j], dtype=np.complex64)


def _z():
    return tf.constant(Z, dtype=tf.complex64)


# -- §6 complex ------------------------------------------------------------------------------------


def test_gradient_of_abs_squared_is_two_z():
    g = _grad(lambda z: tf.math.real(z * tf.math.conj(z)), _z())
    assert g.dtype == tf.complex64
    _close(g, 2.0 * Z, rtol=1e-5)


def test_gradient_of_holomorphic_square_is_conjugate_of_derivative():
    g = _grad(lambda z: z * z, _z())
    _close(g, 2.0 * np.conj(Z), rtol=1e-5)


def test_gradient_of_real_part_is_one():
    _close(_grad(tf.math.real, _z()), np.ones(3, np.complex64))


def test_gradient_of_imag_part_is_one_j():
    _close(_grad(tf.math.imag, _z()), np.full(3, 1j, np.complex64))


def test_gradient_of_complex_abs_is_z_over_abs_z():
    _close(_grad(tf.abs, _z()), Z / np.abs(Z), rtol=1e-5)


# -- §7 kinks -------------------------------------------------------------------------------------------


def test_abs_gradient_at_zero_is_zero():
    _close(_grad(tf.abs, tf.constant([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0])


def test_relu_gradient_at_zero_is_zero():
    _close(_grad(tf.nn.relu, tf.constant([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])


def test_relu6_gradient_is_zero_at_zero_and_at_six():
    _close(_grad(tf.nn.relu6, tf.constant([-1.0, 0.0, 3.0, 6.0, 7.0])), [0.0, 0.0, 1.0, 0.0, 0.0])


def test_selu_gradient_at_zero_is_the_scale():
    # TF's SeluGrad selects on the output being < 0: at 0 the gradient is scale, not scale * alpha.
    _close(_grad(tf.nn.selu, tf.constant([-1.0, 0.0, 2.0])), [0.6467686, 1.050701, 1.050701])


def test_elu_and_selu_gradients_at_nan_are_the_linear_branch_as_tf():
    # TF's EluGrad/SeluGrad select on the output being < 0, which NaN is not (JAX's rule gave NaN).
    x = tf.constant([np.nan, -1.0])
    _close(_grad(tf.nn.elu, x), [1.0, np.exp(-1.0)])
    _close(_grad(tf.nn.selu, x), [1.050701, 0.6467686])


@pytest.mark.parametrize(
    "fn", [tf.nn.relu, tf.nn.relu6, lambda x: tf.clip_by_value(x, 0.0, 1.0)], ids=["relu", "relu6", "clip"]
)
def test_nan_passes_through_relu_relu6_and_clip_with_zero_gradient(fn):
    x = tf.constant([np.nan, 0.5])
    assert np.isnan(_np(fn(x))[0])
    _close(_grad(fn, x), [0.0, 1.0])


def test_clip_by_value_sends_the_gradient_of_a_nan_element_to_clip_value_min():
    # TF: minimum(t, hi) routes a NaN's gradient to hi, then maximum(NaN, lo) routes it to lo.
    x, lo, hi = tf.constant([np.nan, -1.0, 0.0, 3.0, 7.0]), tf.constant(0.0), tf.constant(1.0)
    gx, glo, ghi = _grad(tf.clip_by_value, x, lo, hi)
    _close(gx, [0.0, 0.0, 1.0, 0.0, 0.0])
    _close(glo, 2.0)
    _close(ghi, 2.0)


def test_pow_gradient_for_the_exponent_is_zero_where_the_base_is_not_positive():
    # TF: z * log(x) where x > 0, else 0 (JAX's own rule gives NaN for x < 0).
    base, exponent = tf.constant([-2.0, 0.0, 2.0, -2.0]), tf.constant([2.0, 2.0, 2.0, 3.0])
    gb, ge = _grad(tf.pow, base, exponent)
    _close(gb, [-4.0, 0.0, 4.0, 12.0])
    _close(ge, [0.0, 0.0, 4.0 * np.log(2.0), 0.0])


def test_pow_second_derivatives_follow_tfs_rule_too():
    # TF 2.21's values; d/dy of dz/dx at x < 0 was NaN when the rule used JAX's own pow inside.
    x, y = tf.constant(-2.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, y])
        with tf.GradientTape() as inner:
            inner.watch([x, y])
            z = tf.pow(x, y)
        gx, gy = inner.gradient(z, [x, y])
    _close(gx, -4.0)
    _close(gy, 0.0)
    gxx, gxy = outer.gradient(gx, [x, y])
    _close(gxx, 2.0)
    _close(gxy, -2.0)
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            z = tf.pow(x, 3.0)
        g = inner.gradient(z, x)
    _close(g, 27.0)
    _close(outer.gradient(g, x), 18.0)


def test_clip_by_value_with_a_nan_bound_gives_nan_as_tf():
    out = tf.clip_by_value(tf.constant([-1.0, 2.0, 8.0]), 0.0, float("nan"))
    assert np.isnan(_np(out)).all()


def test_leaky_relu_gradient_at_zero_is_alpha():
    g = _grad(lambda x: tf.nn.leaky_relu(x, alpha=0.3), tf.constant([-1.0, 0.0, 2.0]))
    _close(g, [0.3, 0.3, 1.0])


# -- §7 ties ---------------------------------------------------------------------------------------------


def test_maximum_tie_sends_all_gradient_to_first_argument():
    gx, gy = _grad(tf.maximum, tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 2.0, 2.0]))
    _close(gx, [0.0, 1.0, 1.0])
    _close(gy, [1.0, 0.0, 0.0])


def test_minimum_tie_sends_all_gradient_to_first_argument():
    gx, gy = _grad(tf.minimum, tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 2.0, 2.0]))
    _close(gx, [1.0, 1.0, 0.0])
    _close(gy, [0.0, 0.0, 1.0])


def test_clip_by_value_passes_gradient_at_the_bounds():
    g = _grad(lambda x: tf.clip_by_value(x, 0.0, 1.0), tf.constant([-1.0, 0.0, 0.5, 1.0, 2.0]))
    _close(g, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_reduce_max_splits_gradient_equally_among_ties():
    _close(_grad(tf.reduce_max, tf.constant([1.0, 3.0, 3.0, 2.0])), [0.0, 0.5, 0.5, 0.0])


def test_reduce_min_splits_gradient_equally_among_ties():
    _close(_grad(tf.reduce_min, tf.constant([2.0, 1.0, 1.0, 1.0])), [0.0, 1 / 3, 1 / 3, 1 / 3])


def test_reduce_max_with_axis_splits_ties_per_row():
    x = tf.constant([[1.0, 5.0, 5.0], [7.0, 0.0, 1.0]])
    _close(_grad(lambda t: tf.reduce_max(t, axis=1), x), [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


# -- §7 no gradient ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: tf.round(x) * 2.0,
        lambda x: tf.floor(x) * 2.0,
        lambda x: tf.argmax(x),
        lambda x: tf.cast(x, tf.int32),
    ],
    ids=["round", "floor", "argmax", "cast_to_int"],
)
def test_non_differentiable_ops_give_none_not_zeros(fn):
    assert _grad(fn, tf.constant([0.4, 1.6, -2.5])) is None


def test_sign_gradient_is_zeros_not_none():
    g = _grad(tf.sign, tf.constant([-2.0, 0.0, 3.0]))
    assert g is not None
    _close(g, [0.0, 0.0, 0.0])


# -- §7 routing and broadcasting ----------------------------------------------------------------------


def test_where_routes_gradient_to_the_selected_branch():
    cond = tf.constant([True, False, True])
    ga, gb = _grad(lambda a, b: tf.where(cond, a, b), tf.constant([1.0, 2.0, 3.0]), tf.constant([4.0, 5.0, 6.0]))
    _close(ga, [1.0, 0.0, 1.0])
    _close(gb, [0.0, 1.0, 0.0])


def test_sqrt_and_rsqrt_give_zero_gradient_for_zero_upstream_at_zero():
    # TF's SqrtGrad/RsqrtGrad return 0 where the upstream gradient is 0 (JAX's rule: 0 * inf = NaN),
    # so the classic guard tf.where(x > 0, tf.sqrt(x), 0) has no NaN gradient.
    x = tf.constant([-1.0, 0.0, 4.0])
    g = _grad(lambda x: tf.where(x > 0.0, tf.sqrt(x), 0.0), x)
    _close(g, [0.0, 0.0, 0.25])
    g = _grad(lambda x: tf.where(x > 0.0, tf.math.rsqrt(x), 0.0), x)
    _close(g, [0.0, 0.0, -0.0625])
    # A nonzero upstream keeps TF's values: inf at 0, NaN below.
    g = _grad(tf.sqrt, x)
    assert np.isnan(_np(g)[0]) and _np(g)[1] == np.inf and _np(g)[2] == 0.25
    # Second order through nested tapes, forward mode and jacobians are unchanged.
    v = tf.constant(4.0)
    with tf.GradientTape() as outer:
        outer.watch(v)
        with tf.GradientTape() as inner:
            inner.watch(v)
            y = tf.sqrt(v)
        dy = inner.gradient(y, v)
    _close(outer.gradient(dy, v), -0.03125)
    with tf.autodiff.ForwardAccumulator(v, tf.constant(1.0)) as acc:
        y = tf.math.rsqrt(v)
    _close(acc.jvp(y), -0.0625)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0.0, tf.sqrt(x), 0.0)
    _close(tape.jacobian(y, x), np.diag([0.0, 0.0, 0.25]))


def test_broadcast_gradient_is_summed_back_to_each_input_shape():
    x_np = np.array([[1.0], [2.0], [3.0]], np.float32)
    y_np = np.array([[1.0, 10.0, 100.0, 1000.0]], np.float32)
    gx, gy = _grad(lambda x, y: x * y, tf.constant(x_np), tf.constant(y_np))
    assert gx.shape == (3, 1)
    assert gy.shape == (1, 4)
    _close(gx, np.full((3, 1), 1111.0))
    _close(gy, np.full((1, 4), 6.0))


def test_broadcast_gradient_of_scalar_stays_scalar():
    m = np.arange(6, dtype=np.float32).reshape(2, 3)
    gs, gm = _grad(lambda s, x: s * x, tf.constant(2.0), tf.constant(m))
    assert gs.shape == ()
    _close(gs, m.sum())
    _close(gm, np.full((2, 3), 2.0))


@st.composite
def _broadcast_pair(draw):
    out = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))

    def operand():
        drop = draw(st.integers(0, len(out)))
        return tuple(1 if draw(st.booleans()) else d for d in out[drop:])

    return operand(), operand()


def _sum_to_shape(g, shape):
    """Hand-written unbroadcast: sum the broadcast (leading and size-1) axes back to ``shape``."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True).reshape(shape)


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_broadcast_pair())
def test_broadcast_gradients_sum_back_for_any_compatible_shapes(shapes):
    a_shape, b_shape = shapes
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(a_shape).astype(np.float32)
    b_np = rng.standard_normal(b_shape).astype(np.float32)
    ga, gb = _grad(lambda a, b: a * b - b * b, tf.constant(a_np), tf.constant(b_np))
    a_full, b_full = np.broadcast_arrays(a_np, b_np)
    assert ga.shape == a_shape
    assert gb.shape == b_shape
    _close(ga, _sum_to_shape(b_full, a_shape), rtol=1e-5, atol=1e-5)
    _close(gb, _sum_to_shape(a_full - 2.0 * b_full, b_shape), rtol=1e-5, atol=1e-5)


# -- §7 losses and norms --------------------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


LOGITS = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], np.float32)


def test_softmax_cross_entropy_gradient_is_softmax_minus_labels():
    labels = tf.constant([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
    g = _grad(lambda z: tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=z), tf.constant(LOGITS))
    _close(g, _softmax(LOGITS) - _np(labels), rtol=1e-5, atol=1e-6)


def test_sparse_softmax_cross_entropy_takes_int_labels_and_gradient_is_softmax_minus_one_hot():
    labels = tf.constant([2, 0])
    g = _grad(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=z), tf.constant(LOGITS))
    one_hot = np.eye(3, dtype=np.float32)[[2, 0]]
    _close(g, _softmax(LOGITS) - one_hot, rtol=1e-5, atol=1e-6)


def test_norm_gradient_at_zero_is_nan():
    g = _grad(tf.norm, tf.constant([0.0, 0.0, 0.0]))
    assert np.all(np.isnan(_np(g)))


def test_norm_gradient_away_from_zero_is_x_over_norm():
    x = np.array([3.0, 4.0], np.float32)
    _close(_grad(tf.norm, tf.constant(x)), x / 5.0)
