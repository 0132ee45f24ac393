"""Issue 14's tf.math ops: values, dtypes, shapes, TF's error classes and TF's gradient conventions.

Expected values were checked against TF 2.21 (tests/test_tf_parity_math.py compares with TF itself
where it is installed). Gradient-table cases are in tests/op_cases_math.py.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import tapejax as tf

IAE = tf.errors.InvalidArgumentError


def _grads(fn: Any, *xs: Any) -> list[Any]:
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = fn(*ts)
    return tape.gradient(y, ts)


def _np(g: Any) -> np.ndarray:
    return tf.convert_to_tensor(g).numpy()


# -- element-wise ------------------------------------------------------------------------------------
_UNARY = [
    (tf.math.acos, jnp.arccos, 0.3),
    (tf.math.asin, jnp.arcsin, 0.3),
    (tf.math.atan, jnp.arctan, 0.3),
    (tf.math.acosh, jnp.arccosh, 1.3),
    (tf.math.asinh, jnp.arcsinh, 0.3),
    (tf.math.atanh, jnp.arctanh, 0.3),
    (tf.math.erf, jsp.erf, 0.3),
    (tf.math.erfc, jsp.erfc, 0.3),
    (tf.math.erfinv, jsp.erfinv, 0.3),
    (tf.math.ndtri, jsp.ndtri, 0.3),
    (tf.math.lgamma, jsp.gammaln, 0.3),
    (tf.math.digamma, jsp.digamma, 0.3),
    (tf.math.bessel_i0, jsp.i0, 0.3),
    (tf.math.bessel_i0e, jsp.i0e, 0.3),
    (tf.math.bessel_i1, jsp.i1, 0.3),
    (tf.math.bessel_i1e, jsp.i1e, 0.3),
    (tf.math.reciprocal, lambda x: 1 / x, 0.3),
    (tf.math.log_sigmoid, lambda x: -jnp.logaddexp(0.0, -x), 0.3),
    (tf.math.softsign, lambda x: x / (1 + jnp.abs(x)), -0.3),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_unary_ops_keep_dtype_and_shape(dtype: Any) -> None:
    for fn, ref, v in _UNARY:
        x = np.array([[v, v / 2, v * 1.5]], dtype)
        got = fn(tf.constant(x))
        assert got.dtype == tf.as_dtype(dtype) and got.shape == (1, 3), fn.__name__
        np.testing.assert_allclose(got.numpy(), np.asarray(ref(x)), rtol=2e-6, err_msg=fn.__name__)


def test_float_only_ops_reject_integers_with_invalid_argument() -> None:
    i = tf.constant([1, 2])
    for fn, _, _ in _UNARY:
        with pytest.raises(IAE):
            fn(i)
    for fn2 in (tf.math.atan2, tf.math.xlogy, tf.math.multiply_no_nan, tf.math.igamma, tf.math.nextafter):
        with pytest.raises(IAE):
            fn2(i, i)
    for fn1 in (tf.math.is_inf, tf.math.rint, tf.math.lbeta):
        with pytest.raises(IAE):
            fn1(i)


def test_inverse_trig_outside_domain_is_nan_and_top_level_aliases_exist() -> None:
    assert np.isnan(tf.math.acos(2.0).numpy())
    assert tf.acos is tf.math.acos and tf.atan2 is tf.math.atan2 and tf.scalar_mul is tf.math.scalar_mul
    np.testing.assert_allclose(tf.atan2(1.0, -1.0).numpy(), 3 * np.pi / 4, rtol=1e-6)


def test_divide_no_nan_is_zero_where_y_is_zero_with_zero_gradients() -> None:
    out = tf.math.divide_no_nan(tf.constant([1.0, 0.0, np.inf]), tf.constant([2.0, 0.0, 0.0]))
    np.testing.assert_array_equal(out.numpy(), [0.5, 0.0, 0.0])
    gx, gy = _grads(tf.math.divide_no_nan, np.array([1.0, 3.0], np.float32), np.array([2.0, 0.0], np.float32))
    np.testing.assert_allclose(_np(gx), [0.5, 0.0])
    np.testing.assert_allclose(_np(gy), [-0.25, 0.0])


def test_divide_no_nan_of_integers_divides_in_float64_as_truediv() -> None:
    out = tf.math.divide_no_nan(tf.constant([1, 2, -3]), tf.constant([1, 0, 2]))
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), [1.0, 0.0, -1.5])
    assert tf.math.divide_no_nan(1, 2).dtype == tf.float64
    np.testing.assert_array_equal(tf.math.reciprocal_no_nan(tf.constant([2.0, 0.0])).numpy(), [0.5, 0.0])


def test_multiply_no_nan_values_and_tf_gradients() -> None:
    out = tf.math.multiply_no_nan(tf.constant([np.inf, np.nan, 1.0]), tf.constant([1.0, 0.0, -3.0]))
    np.testing.assert_array_equal(out.numpy(), [np.inf, 0.0, -3.0])
    # TF: dx = mul_no_nan(g, y), dy = mul_no_nan(x, g)
    gx, gy = _grads(tf.math.multiply_no_nan, np.array([5.0, 2.0], np.float32), np.array([0.0, 3.0], np.float32))
    np.testing.assert_allclose(_np(gx), [0.0, 3.0])
    np.testing.assert_allclose(_np(gy), [5.0, 2.0])


def test_xlogy_family_is_zero_at_x_zero_with_tf_gradients() -> None:
    x = np.array([0.0, 0.0, 1.0], np.float32)
    y = np.array([0.0, np.nan, 2.0], np.float32)
    np.testing.assert_allclose(tf.math.xlogy(x, y).numpy(), [0.0, 0.0, np.log(2.0)], rtol=1e-6)
    np.testing.assert_allclose(tf.math.xdivy(x, y).numpy(), [0.0, 0.0, 0.5])
    np.testing.assert_allclose(tf.math.xlog1py(x, y).numpy(), [0.0, 0.0, np.log(3.0)], rtol=1e-6)
    x0, y0 = np.array([0.0, 2.0], np.float32), np.array([0.0, 4.0], np.float32)
    gx, gy = _grads(tf.math.xlogy, x0, y0)
    np.testing.assert_allclose(_np(gx), [0.0, np.log(4.0)], rtol=1e-6)
    np.testing.assert_allclose(_np(gy), [0.0, 0.5])
    gx, gy = _grads(tf.math.xdivy, x0, y0)
    np.testing.assert_allclose(_np(gx), [0.0, 0.25])
    np.testing.assert_allclose(_np(gy), [0.0, -2.0 / 16])
    gx, gy = _grads(tf.math.xlog1py, x0, y0)
    np.testing.assert_allclose(_np(gx), [0.0, np.log(5.0)], rtol=1e-6)
    np.testing.assert_allclose(_np(gy), [0.0, 0.4], rtol=1e-6)


def test_rint_rounds_half_to_even_and_has_no_gradient() -> None:
    np.testing.assert_array_equal(tf.math.rint(tf.constant([0.5, 1.5, 2.5, -0.5])).numpy(), [0.0, 2.0, 2.0, -0.0])
    (g,) = _grads(tf.math.rint, np.array([0.3], np.float32))
    assert g is None


def test_nextafter_value_and_gradient_ones_and_zeros() -> None:
    assert tf.math.nextafter(tf.constant([1.0]), tf.constant([2.0])).numpy()[0] == np.nextafter(
        np.float32(1), np.float32(2)
    )
    g1, g2 = _grads(tf.math.nextafter, np.array([1.0, 2.0], np.float32), np.array([0.0, 3.0], np.float32))
    np.testing.assert_array_equal(_np(g1), [1.0, 1.0])
    assert g2 is not None
    np.testing.assert_array_equal(_np(g2), [0.0, 0.0])


def test_is_inf() -> None:
    np.testing.assert_array_equal(tf.math.is_inf(tf.constant([np.inf, -np.inf, 1.0, np.nan])).numpy(), [1, 1, 0, 0])


def test_truncatediv_and_truncatemod_round_toward_zero() -> None:
    i = tf.constant([-7, 7])
    np.testing.assert_array_equal(tf.truncatediv(i, 2).numpy(), [-3, 3])
    np.testing.assert_array_equal(tf.truncatemod(i, tf.constant([2, -2])).numpy(), [-1, 1])
    np.testing.assert_array_equal(tf.truncatediv(tf.constant([-3.0, 3.0]), 2.0).numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(
        tf.truncatemod(tf.constant([-7.5, 7.5]), tf.constant([2.0, -2.0])).numpy(), [-1.5, 1.5]
    )
    with pytest.raises(tf.errors.InternalError, match="division by zero"):
        tf.truncatediv(i, tf.constant([2, 0]))
    with pytest.raises(tf.errors.InternalError):
        tf.truncatemod(i, 0)


def test_scalar_mul_checks_the_scalar() -> None:
    x = tf.constant([1.0, -3.0])
    np.testing.assert_array_equal(tf.math.scalar_mul(2, x).numpy(), [2.0, -6.0])
    with pytest.raises(ValueError, match="0-D"):
        tf.math.scalar_mul(tf.constant([2.0]), x)
    with pytest.raises(ValueError, match="int32"):
        tf.math.scalar_mul(tf.constant(2), x)


def test_angle_of_complex_and_real_inputs() -> None:
    np.testing.assert_allclose(tf.math.angle(tf.constant([1 + 1j, -1j])).numpy(), [np.pi / 4, -np.pi / 2])
    assert tf.math.angle(tf.constant([1 + 1j])).dtype == tf.float64
    np.testing.assert_allclose(tf.math.angle(tf.constant([1.0, -3.0])).numpy(), [0.0, np.pi], rtol=1e-6)
    with pytest.raises(TypeError):
        tf.math.angle(tf.constant([1]))


def test_complex_requires_matching_float_parts() -> None:
    assert tf.complex(1.0, 2.0).dtype == tf.complex64
    z = tf.dtypes.complex(tf.constant([1.0], tf.float64), tf.constant([2.0], tf.float64))
    assert z.dtype == tf.complex128 and z.numpy()[0] == 1 + 2j
    for re, im in ((tf.constant(1.0), tf.constant(2.0, tf.float64)), (1, 2), (tf.constant([1.0], tf.float64), 2.0)):
        with pytest.raises(TypeError, match="incorrect types"):
            tf.complex(re, im)


def test_saturate_cast_clamps_and_its_gradient_is_zero_where_clamped() -> None:
    out = tf.saturate_cast(tf.constant([-1.0, 300.0, 3.7]), tf.uint8)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), [0, 255, 3])
    np.testing.assert_array_equal(tf.dtypes.saturate_cast(tf.constant([-1, 300, 3]), tf.int8).numpy(), [-1, 127, 3])
    np.testing.assert_array_equal(tf.saturate_cast(tf.constant([1 + 2j]), tf.float32).numpy(), [1.0])
    (g,) = _grads(lambda x: tf.saturate_cast(x, tf.float32), np.array([1e39, 2.0]))
    np.testing.assert_array_equal(_np(g), [0.0, 1.0])
    (g,) = _grads(lambda x: tf.cast(tf.saturate_cast(x, tf.int32), tf.float32), np.array([1.0], np.float32))
    assert g is None


def test_bitcast_changes_the_last_dimension_with_the_size_ratio() -> None:
    assert tf.bitcast(tf.constant([1.0]), tf.int32).numpy().tolist() == [1065353216]
    half = tf.bitcast(tf.constant([1.0]), tf.int16)
    assert half.shape == (1, 2) and half.numpy().tolist() == [[0, 16256]]
    assert tf.bitcast(half, tf.float32).numpy().tolist() == [1.0]
    with pytest.raises(IAE):
        tf.bitcast(tf.constant([1, 2, 3], tf.int16), tf.float32)


# -- special functions ---------------------------------------------------------------------------------
def test_special_function_values_checked_against_tf() -> None:
    np.testing.assert_allclose(tf.math.lgamma([-0.5, 0.0, 3.0]).numpy(), [1.2655121, np.inf, 0.6931472], rtol=1e-5)
    np.testing.assert_allclose(tf.math.erfcinv([0.5, 1.0, 2.0]).numpy(), [0.47693631, 0.0, -np.inf], rtol=1e-5)
    np.testing.assert_allclose(
        tf.math.polygamma([0.0, 1.0, 1.5], [2.0, 2.0, 2.0]).numpy(), [0.42278421, 0.64493412, np.nan], rtol=1e-5
    )
    np.testing.assert_allclose(tf.math.zeta([2.0, 0.5], [1.0, 1.0]).numpy(), [1.644934, np.nan], rtol=1e-5)
    np.testing.assert_allclose(tf.math.igamma([1.0, 2.0], [1.0, 0.5]).numpy(), [0.63212049, 0.09020401], rtol=1e-5)
    np.testing.assert_allclose(tf.math.igammac([1.0], [1.0]).numpy(), [1 - 0.63212049], rtol=1e-5)
    np.testing.assert_allclose(tf.math.betainc([1.0, 2.0], [1.0, 2.0], [0.5, 0.3]).numpy(), [0.5, 0.216], rtol=1e-5)
    np.testing.assert_allclose(tf.math.bessel_i1e([0.0, 1.0]).numpy(), [0.0, 0.20791042], rtol=1e-5)


def test_lbeta_reduces_the_last_axis() -> None:
    out = tf.math.lbeta(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(out.numpy(), [-0.69314718, -4.0943446], rtol=1e-5)
    np.testing.assert_array_equal(tf.math.lbeta(tf.zeros([2, 0])).numpy(), [-np.inf, -np.inf])
    with pytest.raises(IAE):
        tf.math.lbeta(tf.constant(3.0))


def test_special_function_gradients_none_where_tf_has_none() -> None:
    a, x = np.array([1.0, 2.0], np.float32), np.array([0.5, 1.5], np.float32)
    ga, gx = _grads(tf.math.polygamma, a, x)
    assert ga is None and gx is not None
    gs, gq = _grads(tf.math.zeta, np.array([3.0, 2.0], np.float32), x)
    assert gs is None and gq is not None
    ga, gb, gx = _grads(tf.math.betainc, a, a, np.array([0.3, 0.6], np.float32))
    assert ga is None and gb is None and gx is not None


def test_betainc_gradient_is_tfs_finite_value_at_the_tail() -> None:
    # TF's formula in log space with xlogy/xlog1py: d/dx I_x(1, 2) at x = 0 is 1 / B(1, 2) = 2.
    _, _, gx = _grads(
        tf.math.betainc, np.array([1.0], np.float32), np.array([2.0], np.float32), np.zeros(1, np.float32)
    )
    np.testing.assert_allclose(_np(gx), [2.0], rtol=1e-5)


# -- segment reductions ----------------------------------------------------------------------------------
_D = np.array([1.0, 2.0, 3.0, 4.0], np.float32)


def test_sorted_segment_reductions_values_and_empty_segments() -> None:
    ids = tf.constant([0, 0, 2, 2])
    np.testing.assert_array_equal(tf.math.segment_sum(_D, ids).numpy(), [3.0, 0.0, 7.0])
    np.testing.assert_array_equal(tf.math.segment_mean(_D, ids).numpy(), [1.5, 0.0, 3.5])
    np.testing.assert_array_equal(tf.math.segment_max(_D, ids).numpy(), [2.0, 0.0, 4.0])
    np.testing.assert_array_equal(tf.math.segment_min(_D, ids).numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(tf.math.segment_prod(_D, ids).numpy(), [2.0, 1.0, 12.0])
    mean_int = tf.math.segment_mean(tf.constant([1, 2, 4]), [0, 0, 1])
    assert mean_int.dtype == tf.int32 and mean_int.numpy().tolist() == [1, 4]
    rows = tf.math.segment_sum(tf.reshape(tf.range(8.0), [4, 2]), ids)
    assert rows.shape == (3, 2) and rows.numpy().tolist() == [[2.0, 4.0], [0.0, 0.0], [10.0, 12.0]]


def test_sorted_segment_ids_are_checked_as_tf() -> None:
    with pytest.raises(IAE, match="not increasing"):
        tf.math.segment_sum(_D, [1, 0, 0, 0])
    with pytest.raises(IAE, match="out of range"):
        tf.math.segment_sum(_D, [-1, 0, 0, 0])
    with pytest.raises(IAE, match="same size"):
        tf.math.segment_sum(_D, [0, 0, 0])
    with pytest.raises(IAE):
        tf.math.segment_sum(_D, tf.constant([0.0, 0, 1, 1]))


def test_unsorted_segment_reductions_drop_negative_ids_and_fill_empty_segments() -> None:
    ids = tf.constant([0, 2, -1, 2])
    f32 = np.finfo(np.float32)
    np.testing.assert_array_equal(tf.math.unsorted_segment_sum(_D, ids, 4).numpy(), [1.0, 0.0, 6.0, 0.0])
    np.testing.assert_array_equal(tf.math.unsorted_segment_max(_D, ids, 4).numpy(), [1.0, f32.min, 4.0, f32.min])
    np.testing.assert_array_equal(tf.math.unsorted_segment_min(_D, ids, 4).numpy(), [1.0, f32.max, 2.0, f32.max])
    np.testing.assert_array_equal(tf.math.unsorted_segment_prod(_D, ids, 4).numpy(), [1.0, 1.0, 8.0, 1.0])
    np.testing.assert_array_equal(tf.math.unsorted_segment_mean(_D, ids, 4).numpy(), [1.0, 0.0, 3.0, 0.0])
    np.testing.assert_allclose(tf.math.unsorted_segment_sqrt_n(_D, ids, 4).numpy(), [1.0, 0.0, 6 / np.sqrt(2), 0.0])
    int_max = tf.math.unsorted_segment_max(tf.constant([1, 2, 3, 4]), ids, 4)
    assert int_max.numpy().tolist() == [1, -(2**31), 4, -(2**31)]
    assert tf.math.unsorted_segment_mean(tf.constant([1, 2, 3, 4]), ids, 4).dtype == tf.float64
    two_d = tf.math.unsorted_segment_sum(tf.ones([2, 2, 3]), tf.constant([[0, 1], [1, 1]]), 2)
    assert two_d.numpy().tolist() == [[1.0] * 3, [3.0] * 3]


def test_unsorted_segment_arguments_are_checked_as_tf() -> None:
    with pytest.raises(IAE, match="out of range"):
        tf.math.unsorted_segment_sum(_D, [0, 2, 5, 2], 4)
    with pytest.raises(IAE, match="does not start with"):
        tf.math.unsorted_segment_sum(tf.ones([2, 2, 3]), [0, 1, 1], 2)
    with pytest.raises(IAE, match="negative"):
        tf.math.unsorted_segment_sum(_D, [0, 0, 1, 1], -1)


def test_segment_gradients_split_ties_and_handle_zeros_as_tf() -> None:
    d = np.array([2.0, 2.0, 3.0, 0.0, 5.0, 0.0, 0.0], np.float32)
    ids = [0, 0, 1, 1, 1, 2, 2]
    (g,) = _grads(lambda x: tf.math.segment_prod(x, ids), d)
    np.testing.assert_array_equal(_np(g), [2.0, 2.0, 0.0, 15.0, 0.0, 0.0, 0.0])
    (g,) = _grads(lambda x: tf.math.unsorted_segment_max(x, ids, 4), d)
    np.testing.assert_array_equal(_np(g), [0.5, 0.5, 0.0, 0.0, 1.0, 0.5, 0.5])
    (g,) = _grads(lambda x: tf.math.segment_max(x, [0, 0, 1]), np.array([-np.inf, -np.inf, 1.0], np.float32))
    np.testing.assert_array_equal(_np(g), [0.5, 0.5, 1.0])  # (the -inf a max starts from is not a tie)
    (g,) = _grads(lambda x: tf.math.unsorted_segment_sum(x, [0, -1], 2), np.array([1.0, 2.0], np.float32))
    np.testing.assert_array_equal(_np(g), [1.0, 0.0])


def test_sorted_segment_op_inside_function_needs_concrete_ids() -> None:
    @tf.function
    def f(x: Any, ids: Any) -> Any:
        return tf.math.segment_sum(x, ids)

    with pytest.raises(TypeError, match="unsorted_segment"):
        f(tf.constant(_D), tf.constant([0, 0, 1, 1]))


# -- counting, top-k, permutations ---------------------------------------------------------------------
def test_bincount_lengths_weights_and_axis() -> None:
    arr = tf.constant([1, 1, 3])
    assert tf.math.bincount(arr).numpy().tolist() == [0, 2, 0, 1]
    w = tf.math.bincount(arr, weights=tf.constant([0.5, 0.5, 2.0]))
    assert w.dtype == tf.float32 and w.numpy().tolist() == [0.0, 1.0, 0.0, 2.0]
    assert tf.math.bincount(arr, minlength=6, maxlength=2).numpy().tolist() == [0, 2]
    assert tf.math.bincount(arr, minlength=6).shape == (6,)
    assert tf.math.bincount(tf.constant([], tf.int32)).shape == (0,)
    assert tf.math.bincount(tf.constant([[1, 2], [0, 0]])).numpy().tolist() == [2, 1, 1]
    assert tf.math.bincount(tf.constant([[1, 2], [0, 0]]), axis=-1).numpy().tolist() == [[0, 1, 1], [2, 0, 0]]
    assert tf.math.bincount(arr, binary_output=True).numpy().tolist() == [0, 1, 0, 1]
    assert tf.math.bincount(arr, dtype=tf.float32).dtype == tf.float32
    assert tf.math.bincount(tf.constant([1, 1], tf.int64)).dtype == tf.int32
    with pytest.raises(IAE, match="non-negative"):
        tf.math.bincount(tf.constant([-1, 2]))


def test_confusion_matrix_counts_weights_and_checks_labels() -> None:
    cm = tf.math.confusion_matrix([0, 1, 2, 1], [0, 2, 2, 1])
    assert cm.dtype == tf.int32 and cm.numpy().tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    cm = tf.math.confusion_matrix([0, 1], [0, 1], num_classes=3, dtype=tf.float32)
    assert cm.dtype == tf.float32 and cm.shape == (3, 3)
    assert tf.math.confusion_matrix([0, 1], [0, 1], weights=tf.constant([2.0, 3.0])).numpy().tolist() == [
        [2, 0],
        [0, 3],
    ]
    with pytest.raises(IAE, match="negative"):
        tf.math.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(IAE, match="out of bound"):
        tf.math.confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_invert_permutation_and_its_checks() -> None:
    assert tf.math.invert_permutation([3, 4, 0, 2, 1]).numpy().tolist() == [2, 4, 3, 0, 1]
    with pytest.raises(IAE, match="duplicated"):
        tf.math.invert_permutation([0, 0])
    with pytest.raises(IAE, match="between"):
        tf.math.invert_permutation([0, 5])
    with pytest.raises(IAE, match="1D"):
        tf.math.invert_permutation([[0]])
    with pytest.raises(IAE):
        tf.math.invert_permutation([0.0])


def test_top_k_values_indices_ties_nan_and_errors() -> None:
    values, indices = tf.math.top_k(tf.constant([[1.0, 3.0, 3.0, 2.0]]), k=2)
    assert values.numpy().tolist() == [[3.0, 3.0]] and indices.numpy().tolist() == [[1, 2]]
    assert indices.dtype == tf.int32
    assert tf.math.top_k(tf.constant([1, 3, 3, 2]), k=2, index_type=tf.int64)[1].dtype == tf.int64
    v, i = tf.math.top_k(tf.constant([1.0, np.nan, 3.0]), k=2)
    assert np.isnan(v.numpy()[0]) and i.numpy().tolist() == [1, 2]
    for bad, k in ((tf.constant([1, 2]), 3), (tf.constant([1, 2]), -1), (tf.constant(1.0), 1)):
        with pytest.raises(IAE):
            tf.math.top_k(bad, k=k)


def test_approx_k_is_exact_on_cpu_with_lower_index_ties() -> None:
    x = tf.constant([[1.0, 5.0, 3.0, 5.0, 2.0], [0.0, -1.0, 4.0, 4.0, 9.0]])
    values, indices = tf.math.approx_max_k(x, 2)
    assert values.numpy().tolist() == [[5.0, 5.0], [9.0, 4.0]] and indices.numpy().tolist() == [[1, 3], [4, 2]]
    values, indices = tf.math.approx_min_k(x, 1, reduction_dimension=0)
    assert values.numpy().tolist() == [[0.0, -1.0, 3.0, 4.0, 2.0]] and indices.dtype == tf.int32
    for bad, k in ((tf.constant([1.0, 2.0]), 3), (tf.constant(1.0), 1), (tf.constant([1, 2]), 1)):
        with pytest.raises(IAE):
            tf.math.approx_max_k(bad, k)


def test_in_top_k_counts_ties_and_rejects_non_finite_targets() -> None:
    preds = tf.constant([[1.0, 3.0, 3.0, 2.0], [1.0, 3.0, 3.0, 2.0]])
    assert tf.math.in_top_k([2, 0], preds, 2).numpy().tolist() == [True, False]
    ties = tf.constant([[1.0, 3.0, 3.0, 3.0]] * 2)
    assert tf.math.in_top_k([1, 3], ties, 2).numpy().tolist() == [True, True]
    assert tf.math.in_top_k([1], tf.constant([[1.0, np.nan, 3.0, 3.0]]), 2).numpy().tolist() == [False]
    assert tf.math.in_top_k([5], tf.constant([[1.0, 2.0, 3.0, 3.0]]), 2).numpy().tolist() == [False]
    with pytest.raises(ValueError, match="float32"):
        tf.math.in_top_k([1], tf.constant([[1.0, 2.0]], tf.float64), 1)


def test_count_nonzero_zero_fraction_and_monotonicity() -> None:
    x = tf.constant([[0, 1], [2, 0]])
    out = tf.math.count_nonzero(x, axis=0)
    assert out.dtype == tf.int64 and out.numpy().tolist() == [1, 1]
    kd = tf.math.count_nonzero(tf.constant([[0.0, 1.0], [2.0, 0.0]]), keepdims=True, dtype=tf.int32)
    assert kd.dtype == tf.int32 and kd.shape == (1, 1) and int(kd.numpy()[0, 0]) == 2
    assert int(tf.math.count_nonzero(tf.constant([True, False]))) == 1
    zf = tf.math.zero_fraction(tf.constant([0, 1, 0, 2]))
    assert zf.dtype == tf.float32 and float(zf) == 0.5
    assert np.isnan(float(tf.math.zero_fraction(tf.constant([], tf.float64))))
    assert bool(tf.math.is_non_decreasing([1, 1, 2])) and not bool(tf.math.is_strictly_increasing([1, 1, 2]))
    assert bool(tf.math.is_strictly_increasing(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    with pytest.raises(TypeError, match="numeric"):
        tf.math.is_non_decreasing(tf.constant([True, False]))


# -- scans, norms, composites ------------------------------------------------------------------------
def test_cumprod_exclusive_reverse_and_tf_gradient_at_zero() -> None:
    assert tf.math.cumprod(tf.constant([1, 2, 3]), exclusive=True, reverse=True).numpy().tolist() == [6, 3, 1]
    # TF's gradient divides by x with div_no_nan: 0 at the zero (the true derivative is 2 there).
    (g,) = _grads(tf.math.cumprod, np.array([1.0, 2.0, 0.0, 3.0], np.float32))
    np.testing.assert_array_equal(_np(g), [3.0, 1.0, 0.0, 0.0])


def test_cumulative_logsumexp_exclusive_starts_at_minus_inf() -> None:
    out = tf.math.cumulative_logsumexp(tf.constant([0.0, 1.0, 2.0]), exclusive=True)
    np.testing.assert_allclose(out.numpy(), [-np.inf, 0.0, 1.3132617], rtol=1e-6)
    (g,) = _grads(lambda x: tf.math.cumulative_logsumexp(x, exclusive=True), np.array([1.0, 2.0, 0.0, 3.0], np.float32))
    np.testing.assert_allclose(_np(g), [1.5136697, 1.3962992, 0.09003056, 0.0], rtol=1e-5)


def test_euclidean_norm_of_integers_truncates_and_l2_normalize_respects_epsilon() -> None:
    norm = tf.math.reduce_euclidean_norm(tf.constant([[1, 1], [3, 4]]), axis=1)
    assert norm.dtype == tf.int32 and norm.numpy().tolist() == [1, 5]
    np.testing.assert_allclose(tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy(), [0.6, 0.8])
    np.testing.assert_allclose(tf.math.l2_normalize(tf.constant([3e-7, 4e-7]), epsilon=1e-6).numpy(), [3e-4, 4e-4])
    (g,) = _grads(lambda x: tf.math.l2_normalize(x, epsilon=1e-6), np.array([3e-7, 4e-7], np.float32))
    np.testing.assert_allclose(_np(g), [1e3, 1e3], rtol=1e-5)  # the clamped norm is a constant


def test_polyval_and_accumulate_n() -> None:
    assert float(tf.math.polyval([1.0, 2.0, 3.0], 2.0)) == 11.0
    assert tf.math.polyval([], tf.constant([2.0, 3.0])).numpy().tolist() == [0.0, 0.0]
    assert tf.math.polyval([tf.constant([1.0, 2.0])], tf.constant(2.0)).numpy().tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        tf.math.polyval(tf.constant([1.0]), 2.0)
    total = tf.math.accumulate_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])
    assert total.numpy().tolist() == [4.0, 6.0]
    with pytest.raises(ValueError):
        tf.math.accumulate_n([])


def test_softmax_reexports_are_tf_nn_functions() -> None:
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax


def test_bessel_and_ndtri_gradients_are_tfs_at_special_points() -> None:
    x = np.array([0.0, 1.0], np.float32)
    (g0,) = _grads(tf.math.bessel_i0, x)
    (g1,) = _grads(tf.math.bessel_i1, x)
    (g1e,) = _grads(tf.math.bessel_i1e, x)
    np.testing.assert_allclose(_np(g0), [0.0, jsp.i1(1.0)], rtol=1e-5)
    np.testing.assert_allclose(_np(g1)[0], 1.0)  # TF's value at 0 (the true derivative is 0.5)
    np.testing.assert_allclose(_np(g1e)[0], 0.5)
    (gn,) = _grads(tf.math.erfcinv, np.array([2.0], np.float32))
    assert _np(gn)[0] == -np.inf  # TF: -sqrt(pi)/2 * exp(inf)


def test_bitcast_of_complex_goes_through_the_real_and_imaginary_parts() -> None:
    z = tf.constant([1 + 2j], tf.complex64)
    as_f32 = tf.bitcast(z, tf.float32)
    assert as_f32.shape == (1, 2) and as_f32.numpy().tolist() == [[1.0, 2.0]]
    assert tf.bitcast(z, tf.float64).shape == (1,)
    assert tf.bitcast(z, tf.int16).numpy().tolist() == [[0, 16256, 0, 16384]]
    back = tf.bitcast(tf.constant([[0, 16256, 0, 16384]], tf.int16), tf.complex64)
    assert back.dtype == tf.complex64 and back.numpy().tolist() == [1 + 2j]
    assert tf.bitcast(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.complex64).numpy().tolist() == [1 + 2j, 3 + 4j]


def test_argument_errors_have_tfs_classes() -> None:
    with pytest.raises(TypeError, match="same dtype"):
        tf.math.divide_no_nan(tf.constant([1.0]), tf.constant([2.0], tf.float64))
    with pytest.raises(TypeError):
        tf.math.l2_normalize(tf.constant([3, 4]))
    with pytest.raises(IAE):
        tf.math.unsorted_segment_sum(_D, [0, 0, 1, 1], 2.0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        tf.math.bincount(tf.constant([1, 1]), weights=tf.constant([3.0, 4.0]), binary_output=True)
    with pytest.raises(IAE):
        tf.math.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="not compatible"):
        tf.math.accumulate_n([tf.constant([1.0]), tf.constant([1.0, 2.0])])
    with pytest.raises(TypeError):
        tf.saturate_cast(tf.constant([True]), tf.int32)
    with pytest.raises(IAE):  # as TF: the Python float coefficient is float32
        tf.math.polyval([1.0, 2.0], tf.constant(3.0, tf.float64))


def test_confusion_matrix_truncates_float_labels_as_tf() -> None:
    cm = tf.math.confusion_matrix(tf.constant([0.0, 1.7]), [0, 1])
    assert cm.numpy().tolist() == [[1, 0], [0, 1]]


def test_python_ids_and_labels_are_read_on_the_host_inside_function() -> None:
    @tf.function
    def f(x: Any) -> Any:
        return (
            tf.math.segment_sum(x, [0, 0, 1, 1]),
            tf.math.bincount([1, 1, 3]),
            tf.math.confusion_matrix([0, 1], [1, 1]),
            tf.math.invert_permutation([1, 2, 0]),
        )

    seg, counts, cm, perm = f(tf.constant(_D))
    assert seg.numpy().tolist() == [3.0, 7.0] and counts.numpy().tolist() == [0, 2, 0, 1]
    assert cm.numpy().tolist() == [[0, 1], [0, 1]] and perm.numpy().tolist() == [2, 0, 1]


def test_special_functions_at_the_domain_edges_give_tfs_values() -> None:
    nan, inf = np.nan, np.inf
    a = tf.constant([0.0, -1.0, 0.0, inf, 1.0])
    x = tf.constant([1.0, 0.0, 0.0, 2.0, 0.0])
    np.testing.assert_array_equal(tf.math.igamma(a, x).numpy(), [nan, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(tf.math.igammac(tf.constant([0.0, inf]), tf.constant([1.0, 2.0])).numpy(), [nan, 1.0])
    zeta = tf.math.zeta(tf.constant([0.0, 2.0, inf, inf, inf, 1.0]), tf.constant([1.0, inf, 0.5, 1.0, 2.0, nan]))
    np.testing.assert_array_equal(zeta.numpy(), [nan, 0.0, inf, 1.0, 0.0, inf])
    betainc = tf.math.betainc(tf.constant([2.0, 0.0]), tf.constant([0.0, 1.0]), tf.constant([0.5, 0.0]))
    np.testing.assert_array_equal(betainc.numpy(), [nan, nan])
    # TF's zeta gradient in q, -x * zeta(x + 1, q), is finite at x == 1
    (gq,) = _grads(lambda q: tf.math.zeta(tf.constant([1.0]), q), np.array([1.5], np.float32))
    np.testing.assert_allclose(_np(gq), [-0.9348022], rtol=1e-5)
    # for a > 0 the x == 0 rule leaves the gradient in x alone: TF's exp(-x + (a - 1) log x - lgamma(a)) is 0 at a == 2
    _, gx = _grads(tf.math.igamma, np.array([2.0], np.float32), np.array([0.0], np.float32))
    np.testing.assert_array_equal(_np(gx), [0.0])


def test_acosh_and_softsign_gradients_at_the_edges_are_tfs() -> None:
    (g,) = _grads(tf.math.acosh, np.array([-2.5, 2.0], np.float32))
    assert np.isnan(_np(g)[0]) and np.isclose(_np(g)[1], 1 / np.sqrt(3))  # TF: g / sinh(acosh(x))
    (g,) = _grads(tf.math.softsign, np.array([-np.inf, 0.0, np.inf], np.float32))
    np.testing.assert_array_equal(_np(g), [0.0, 1.0, 0.0])  # TF: g / (1 + |x|) ** 2


def test_top_k_returns_tf_namedtuple_with_values_and_indices():
    r = tf.math.top_k([1.0, 3.0, 2.0], 2)
    assert type(r).__name__ == "TopKV2" and r._fields == ("values", "indices")  # TF 2.21's
    np.testing.assert_array_equal(r.values.numpy(), [3.0, 2.0])
    np.testing.assert_array_equal(r.indices.numpy(), [1, 2])
    values, indices = r
    assert values is r.values and indices is r.indices


def test_in_top_k_accepts_python_lists():
    got = tf.math.in_top_k([1, 0], [[0.1, 0.9], [0.8, 0.2]], 1)
    np.testing.assert_array_equal(got.numpy(), [True, True])
