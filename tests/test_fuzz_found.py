"""Regression tests for the divergences from TF 2.21 that the differential fuzzer
(tests/test_tf_fuzz_parity.py) found. Expected values were checked in TF 2.21 and are written here
as literals, so this file runs without TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

INF = np.inf


def test_float_floordiv_is_floor_of_quotient():
    # TF's float FloorDiv is floor(x / y): before, inf // 2 was nan, -1 // inf was -1, 1 // 0.1 was 9
    # and -0.5 // -0.92 was -0.0.
    x = np.array([-0.5, INF, 1, -1, 1, -INF, 5, 0, -0.0, 7], np.float32)
    y = np.array([-0.92, 2, INF, INF, 0.1, -3, 0, 0, 3, -0.0], np.float32)
    want = np.array([0.0, INF, 0.0, -0.0, 10.0, INF, INF, np.nan, -0.0, -INF], np.float32)
    for dt in (np.float32, np.float16):
        got = tf.math.floordiv(x.astype(dt), y.astype(dt)).numpy()
        np.testing.assert_array_equal(got, want.astype(dt))
        np.testing.assert_array_equal(np.signbit(got[:7]), np.signbit(want[:7]))  # not NaN's sign
    got = (tf.constant(x) // tf.constant(y)).numpy()
    np.testing.assert_array_equal(np.signbit(got[:7]), np.signbit(want[:7]))
    np.testing.assert_array_equal(tf.math.floordiv(tf.constant([-7, 7]), 2).numpy(), [-4, 3])


@pytest.mark.parametrize("op", [tf.less, tf.less_equal, tf.greater, tf.greater_equal])
@pytest.mark.parametrize("value", [[1 + 1j], [True]])
def test_ordering_comparisons_refuse_complex_and_bool(op, value):
    # TF has no Less/Greater kernel for complex or bool (InvalidArgumentError); they computed here.
    x = tf.constant(value)
    with pytest.raises(tf.errors.InvalidArgumentError, match="no kernel"):
        op(x, x)
    with pytest.raises(tf.errors.InvalidArgumentError):
        _ = x < x


def test_sign_refuses_unsigned():
    # TF's Sign has no uint8 kernel; it returned [1] here.
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.sign(np.array([3], np.uint8))
    np.testing.assert_array_equal(tf.sign(np.array([-3, 0, 2], np.int8)).numpy(), [-1, 0, 1])


@pytest.mark.parametrize(
    ("src", "shape", "want"),
    [((0,), [0, -1], (0, 1)), ((0, 3, 2), [0, -1], (0, 6)), ((0, 3, 2), [-1, 0], (6, 0)),
     ((0, 3), [0, -1, 0], (0, 3, 0)), ((4, 0), [0, -1], (0, 4)), ((0, 3), [2, -1], (2, 0))],
)  # fmt: skip
def test_reshape_infers_minus_one_of_empty_tensor_as_tf(src, shape, want):
    # TF's ReshapeOp leaves zero sizes and the input's zero dimensions out of the -1's quotient;
    # these raised InvalidArgumentError here.
    assert tf.reshape(np.zeros(src, np.int32), shape).shape == want
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.reshape(np.zeros((2, 3), np.int32), [0, -1])


def test_pad_bool_with_default_zero():
    # TF pads with the dtype's zero (False) when constant_values is the Python 0, and MirrorPad
    # ignores it; bool raised TypeError here in every mode.
    x = np.array([[True, False], [False, False]])
    got = tf.pad(x, [[1, 1], [1, 0]], mode="SYMMETRIC").numpy()
    want = [[1, 1, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0]]
    np.testing.assert_array_equal(got, np.array(want, bool))
    got = tf.pad(x, [[1, 1], [1, 0]]).numpy()
    np.testing.assert_array_equal(got, np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]], bool))
    got = tf.pad(np.array([1.5, 2.0]), [[1, 1]], mode="REFLECT", constant_values=3).numpy()
    np.testing.assert_array_equal(got, [2.0, 1.5, 2.0, 1.5])


def test_sort_descending_gradient_goes_to_first_tie():
    # TF sorts descending with top_k (ties keep the lower index first): the gradient of the top
    # 0.5 goes to index 0; here it went to index 3 (jnp.sort reverses an ascending sort).
    x = tf.Variable(np.array([0.5, 0.5, -1, 0.5, 2, -1], np.float32))
    with tf.GradientTape() as tape:
        y = tf.sort(x, direction="DESCENDING")[:2] * [1.0, 10.0]
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [10, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(tf.sort(x, direction="DESCENDING").numpy(), [2, 0.5, 0.5, 0.5, -1, -1])
    with tf.GradientTape() as tape:
        y = tf.sort(x)[:2] * [1.0, 10.0]
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0, 0, 1, 0, 0, 10])


def test_imag_of_real_is_unconnected_and_real_of_bool_raises():
    # TF's tf.math.imag of a real tensor is zeros_like (gradient None; it was zeros here);
    # tf.math.real of bool raises TypeError (it computed here).
    x = tf.Variable([1.5, -2.0])
    with tf.GradientTape() as tape:
        y = tf.math.imag(x)
    assert tape.gradient(y, x) is None
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0])
    assert tf.math.imag(tf.constant([3, 4])).dtype == tf.int32
    np.testing.assert_array_equal(tf.math.imag(tf.constant([1 + 2j])).numpy(), [2.0])
    with pytest.raises(TypeError):
        tf.math.real(tf.constant([True]))


def test_maximum_minimum_gradient_at_nan_goes_to_other_argument():
    # TF's MaximumGrad/MinimumGrad route the gradient to x where x >= y (x <= y), else to y: a NaN
    # x gets 0 and y gets it. Here a NaN x got 1 (and y 0).
    x = np.array([np.nan, 0.3, 2.0, 0.5], np.float32)
    v = tf.Variable(x)
    c = tf.Variable(0.5)
    with tf.GradientTape(persistent=True) as tape:
        hi = tf.maximum(v, c)
        lo = tf.minimum(v, c)
    np.testing.assert_array_equal(tape.gradient(hi, v).numpy(), [0, 0, 1, 1])
    np.testing.assert_array_equal(tape.gradient(lo, v).numpy(), [0, 1, 0, 1])
    assert float(tape.gradient(hi, c)) == 2.0  # the NaN and the 0.3 positions
    assert float(tape.gradient(lo, c)) == 2.0
    np.testing.assert_array_equal(np.isnan(hi.numpy()), [True, False, False, False])
    with tf.GradientTape() as outer:  # second order still through the rule
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.maximum(v * v, 1.0))
        g = inner.gradient(y, v)
    np.testing.assert_array_equal(outer.gradient(g, v).numpy(), [0, 0, 2, 0])


def test_leaky_relu_float64_uses_float32_alpha():
    # TF's LeakyRelu takes alpha as a float32 attribute: float64 values are scaled by float32(0.2)
    # (-0.10000000149011612 for -0.5; it was -0.1 here), and so is the gradient.
    x = tf.Variable(np.array([-0.5, 2.0, -3.0]))
    with tf.GradientTape() as tape:
        y = tf.nn.leaky_relu(x, alpha=0.1)
    assert y.numpy().tolist() == [-0.05000000074505806, 2.0, -0.30000000447034836]
    assert tape.gradient(y, x).numpy().tolist() == [0.10000000149011612, 1.0, 0.10000000149011612]
    assert tf.nn.leaky_relu(np.array([-0.5, 1.0])).numpy().tolist() == [-0.10000000149011612, 1.0]


def test_segment_reduction_of_empty_trailing_dim():
    # A data tensor with a 0-size trailing dim crashed with ZeroDivisionError (a reshape to -1);
    # TF 2.21: segment_mean of (1, 12, 0) with ids [2] is (3, 12, 0).
    assert tf.math.segment_mean(np.zeros((1, 12, 0), np.int32), [2]).shape == (3, 12, 0)
    assert tf.math.segment_sum(np.zeros((2, 0), np.float32), [0, 0]).shape == (1, 0)
    assert tf.math.unsorted_segment_sum(np.zeros((2, 3, 0)), [[0, 1, 1], [0, 0, 1]], 2).shape == (2, 0)


def test_clip_by_norm_with_nan_norm_is_nan():
    # TF divides by maximum(norm, clip_norm), which keeps a NaN norm: the whole group is NaN. Here
    # a NaN or inf - inf norm left the values unclipped ([3, 4] stayed [3, 4]).
    x = np.array([[1.0, np.nan, 2.0], [3.0, 4.0, 0.0], [np.inf, 1.0, 0.0]], np.float32)
    assert np.isnan(tf.clip_by_norm(x, 1.0).numpy()).all()
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.clip_by_norm(v, 1.0, axes=[1])
    np.testing.assert_allclose(y.numpy(), [[np.nan] * 3, [0.6, 0.8, 0.0], [np.nan, 0.0, 0.0]], rtol=1e-6)
    g = tape.gradient(y, v).numpy()
    np.testing.assert_allclose(g[1], [0.032, -0.024, 0.2], rtol=1e-5)
    assert np.isnan(g[0]).all() and np.isnan(g[2]).all()


@pytest.mark.parametrize("op", [tf.math.reduce_variance, tf.math.reduce_std])
def test_reduce_variance_of_bool_raises_invalid_argument(op):
    # TF 2.21: InvalidArgumentError for bool (its Mean kernel has no bool), TypeError for integers;
    # bool raised TypeError here.
    with pytest.raises(tf.errors.InvalidArgumentError):
        op(np.array([True]))
    with pytest.raises(TypeError):
        op(np.array([1, 2]))


def test_bool_scalars_as_int_arguments_as_tf():
    # TF converts a Python bool scalar to its int32 axis argument (reduce_sum(axis=True) sums axis 1);
    # these raised TypeError here. An op whose kernel takes the dtype from the value refuses it with
    # InvalidArgumentError (gather's axis, roll's shift/axis; TypeError here), a list mixing bools and
    # ints is TF's ValueError, and cumsum's exclusive/reverse must be bools (TypeError; 0 computed here).
    x = np.array([[1.5, -2.5], [3.25, 0.5]], np.float32)
    np.testing.assert_array_equal(tf.reduce_sum(x, axis=True).numpy(), [-1.0, 3.75])
    np.testing.assert_array_equal(tf.reduce_max(x, axis=[True]).numpy(), [1.5, 3.25])
    assert float(tf.reduce_sum(x, axis=[True, False])) == 2.75
    np.testing.assert_array_equal(tf.cumsum(x, axis=True).numpy(), [[1.5, -1.0], [3.25, 3.75]])
    assert tf.argmax(x, axis=True).numpy().tolist() == [0, 0]
    with pytest.raises(ValueError, match="mixed types"):
        tf.reduce_sum(x, axis=[True, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Taxis"):
        tf.gather(x, [1], axis=False)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tshift"):
        tf.roll(x, True, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Taxis"):
        tf.roll(x, 1, False)
    for kw in ({"exclusive": 0}, {"reverse": np.bool_(True)}):
        with pytest.raises(TypeError, match="Expected bool for argument"):
            tf.cumsum(x, **kw)
        with pytest.raises(TypeError, match="Expected bool for argument"):
            tf.math.cumprod(x, **kw)
    np.testing.assert_array_equal(tf.cumsum(x, exclusive=None).numpy(), np.cumsum(x, 0))


def test_bool_index_keys_as_tf():
    # TF reads a Python bool key as a mask (ValueError "mask cannot be scalar") and refuses a bool slice
    # bound (InvalidArgumentError); here x[True] raised TypeError and v[0:True].assign wrote v[0].
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="mask cannot be scalar"):
        v[True].assign(5.0)
    with pytest.raises(ValueError, match="mask cannot be scalar"):
        tf.constant([1.0, 2.0])[False]
    with pytest.raises(tf.errors.InvalidArgumentError):
        v[0:True].assign([5.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_sequence_mask_float_maxlen_and_lengths():
    # TF compares range(maxlen) with the lengths cast to maxlen's dtype: a float maxlen gives ceil(maxlen)
    # columns and float comparisons; float lengths with an int maxlen truncate. TypeError here before.
    assert tf.sequence_mask([1, 2], 3.5).numpy().tolist() == [[True, False, False, False], [True, True, False, False]]
    got = tf.sequence_mask([1.5, 2.0, -0.5], 3.0).numpy().tolist()
    assert got == [[True, True, False], [True, True, False], [False, False, False]]
    got = tf.sequence_mask([1.5, 2.0, -0.5], 3).numpy().tolist()
    assert got == [[True, False, False], [True, True, False], [False, False, False]]
    assert tf.sequence_mask(np.array([1.5, 2.25])).numpy().tolist() == [[True, True, False], [True, True, True]]
    assert tf.sequence_mask([True, False], 2).numpy().tolist() == [[True, False], [False, False]]
    assert tf.sequence_mask([0, 2], 0.0).shape == (2, 0)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.sequence_mask([1], -2.0)


def test_norm_and_moments_of_integers_as_tf():
    # TF's ord 1 / inf norms (sums and maxima of abs) compute for signed ints, and tf.nn.moments of
    # int32/int64 gives truncated integer moments; both raised InvalidArgumentError here.
    xi = np.array([[1, -5], [2, 3]], np.int32)
    for ord_, axis, want in [(1, None, 11), (1, 0, [3, 8]), (INF, -2, [2, 5]), (1, [0, 1], 8), (INF, [0, 1], 6)]:
        got = tf.norm(xi, ord=ord_, axis=axis)
        assert got.dtype == tf.int32
        np.testing.assert_array_equal(got.numpy(), want)
    assert int(tf.norm(np.array([-(2**31), 3], np.int32), ord=INF)) == 3  # abs wraps, as TF's kernel
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.norm(xi)  # sqrt of ints
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.norm(np.array([1, 250], np.uint8), ord=1)
    with pytest.raises(TypeError):
        tf.norm(xi, ord=3)
    mean, var = tf.nn.moments(np.array([-1, -2, 4, 7], np.int32), axes=[0])
    assert (mean.dtype, int(mean), int(var)) == (tf.int32, 2, 13)
    mean, var = tf.nn.moments(xi, axes=[0, 1], keepdims=True)
    assert (mean.numpy().tolist(), var.numpy().tolist()) == ([[0]], [[9]])
    mean, var = tf.nn.moments(np.array([1 + 1j, 2], np.complex64), axes=[0])
    assert (complex(mean), complex(var)) == (1.5 + 0.5j, 0.5 + 0j)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.moments(np.array([1, 2], np.uint8), axes=[0])


def test_norm_and_reduce_std_sqrt_gradient_zero_for_zero_upstream():
    # TF's SqrtGrad is 0 where the upstream gradient is 0, even at a zero or NaN output; tf.norm's and
    # reduce_std's sqrt gave 0 * inf = NaN here (TF 2.21 values below).
    v = tf.Variable(np.float64(-0.09))
    with tf.GradientTape() as tape:
        y = tf.maximum(tf.math.reduce_std(tf.stack([v, v])), 0.5)
    assert float(tape.gradient(y, v)) == 0.0
    x = np.array([-2.36, 4.95, INF, np.nan, INF, -1e37, 1.0, -0.99], np.float32)
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.sin(tf.clip_by_value(tf.norm(v), 0, 0))
    g = tape.gradient(y, v).numpy()
    np.testing.assert_array_equal(g, [-0.0, 0.0, np.nan, np.nan, np.nan, -0.0, 0.0, -0.0])


def test_softmax_cross_entropy_gradient_on_nonfinite_logits_as_tf():
    # TF's kernel shifts by max(logits): a row with an inf logit is NaN throughout (value and
    # gradient); here the gradient had finite entries (a stable logsumexp). The labels' gradient is
    # -log_softmax; second-order gradients w.r.t. the logits as TF's.
    z = tf.Variable(np.array([[INF, 2.0, 3.0], [-INF, 2.0, 3.0]], np.float32))
    lab = tf.Variable(np.array([[0.2, 0.3, 0.5], [0.0, 0.3, 0.7]], np.float32))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=z)
    gz, gl = tape.gradient(loss, [z, lab])
    assert np.isnan(loss.numpy()).all() and np.isnan(gz.numpy()[0]).all() and np.isnan(gl.numpy()[0]).all()
    np.testing.assert_allclose(gz.numpy()[1], [0.0, -0.03105858, 0.03105861], rtol=1e-5)
    np.testing.assert_allclose(gl.numpy()[1], [INF, 1.3132616, 0.31326166], rtol=1e-6)
    z = tf.Variable(np.array([[0.5, 0.25, -1.0]], np.float32))
    lab = tf.Variable(np.array([[0.0, 1.0, 0.0]], np.float32))
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as tape:
            loss = tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=z)
        s = tf.reduce_sum(tape.gradient(loss, z) * [1.0, 2.0, 3.0])
    np.testing.assert_allclose(outer.gradient(s, z).numpy(), [[-0.3056748, 0.15096505, 0.15470968]], rtol=1e-5)


def test_gelu_erfinv_zeta_as_tf():
    # gelu: TF's 0.5 * x * erfc(-x * cast(0.7071..)) (the constant cast through float32); the
    # 1 + erf form here lost the negative tail (gelu(-8.0) was 0.0 in float32) and float64 digits.
    # erfinv(-0.0) is +0.0 in TF. zeta's q gradient is -x * zeta(x + 1, q) even where zeta(x, q)
    # is NaN (x < 1); it was 0 here.
    np.testing.assert_allclose(tf.nn.gelu(np.float32(-8.0)).numpy(), -4.976774e-15, rtol=1e-5)
    np.testing.assert_allclose(
        tf.nn.gelu(np.array([-1.0, -4.5])).numpy(), [-0.15865525807260966, -1.5289534600675305e-05], rtol=1e-13
    )
    assert not np.signbit(tf.math.erfinv(np.array([-0.0], np.float32)).numpy()[0])
    q = tf.Variable([0.95, 2.0])
    with tf.GradientTape() as tape:
        y = tf.math.zeta(tf.constant([0.25, 1.0]), q)
    np.testing.assert_allclose(tape.gradient(y, q).numpy(), [-1.1726661, -0.64493407], rtol=1e-5)


def test_bincount_in_function_does_not_drop_bins():
    # Inside tf.function bincount(x, minlength=3) had 3 bins, silently dropping larger values
    # (TF: max(x) + 1 = 5 bins); its length is data-dependent, so it raises unless minlength >= maxlength.
    x = np.array([4, 1, 0], np.int32)
    with pytest.raises(TypeError, match="data-dependent"):
        tf.function(lambda a: tf.math.bincount(a, minlength=3))(x)
    got = tf.function(lambda a: tf.math.bincount(a, minlength=3, maxlength=3))(x)
    assert got.numpy().tolist() == [1, 1, 0]
    assert tf.math.bincount(x, minlength=3).numpy().tolist() == [1, 1, 0, 0, 1]


def test_softmax_cross_entropy_with_no_rows_or_no_classes():
    # Seed 40435: TF 2.21 gives a loss of 0 per row when the class axis is empty (and an empty loss
    # for no rows), gradients of the inputs' shapes; tapejax raised (a max over an empty axis).
    for shape, axis, want in [((0, 4), 0, np.zeros(4)), ((3, 0), -1, np.zeros(3)), ((0, 4), -1, np.zeros(0))]:
        labels = tf.Variable(np.zeros(shape, np.float32))
        logits = tf.Variable(np.zeros(shape, np.float32))
        with tf.GradientTape() as t:
            y = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits, axis=axis)
        np.testing.assert_array_equal(y.numpy(), want)
        assert [g.shape for g in t.gradient(y, [labels, logits])] == [shape, shape]


def test_igamma_gradients_at_edges_as_tf():
    # Seed 40368 and a grid of edge values: TF's _IgammaGrad is IgammaGradA(a, x) (0 at x == 0 and at
    # a == inf, -0.0 at x == inf for a > 0; XLA's is NaN there) and exp(-x + (a-1) log x - lgamma a),
    # times the upstream gradient even where the value is special-cased (igamma(-0.5, 0)'s x-gradient
    # is inf). Values checked in TF 2.21 (float64; float32 the same). igammac's gradient is the same
    # partials negated (one code path; left out here, as the values: each is another slow compile).
    a = np.array([2.0, 0.3, np.inf, np.inf, -2.0, 0.5, -0.5, 2.0], np.float64)
    x = np.array([np.inf, np.inf, 1.0, np.inf, np.inf, 0.0, 0.0, 1.0], np.float64)
    av, xv = tf.Variable(a), tf.Variable(x)
    with tf.GradientTape() as t:
        p = tf.math.igamma(av, xv)
    ga, gx = t.gradient(p, [av, xv])
    np.testing.assert_array_equal(ga.numpy()[:7], [-0.0, -0.0, 0.0, 0.0, np.nan, 0.0, 0.0])
    np.testing.assert_array_equal(np.signbit(ga.numpy()[:4]), [True, True, False, False])
    np.testing.assert_array_equal(gx.numpy()[:7], [np.nan, 0.0, np.nan, np.nan, 0.0, np.inf, np.inf])
    np.testing.assert_allclose([ga.numpy()[7], gx.numpy()[7]], [-0.27619604570283474, 0.3678794411714423], rtol=1e-12)


def test_reverse_repeated_axis_of_empty_tensor_and_cross_shape_error_in_function():
    # Seed 50000: TF's eager ReverseV2 returns an empty input before checking for a repeated axis
    # (a non-empty one raises InvalidArgumentError); seed 50058: inside tf.function TF's shape check
    # of Cross raises ValueError (eagerly FailedPreconditionError).
    assert tf.reverse(tf.zeros((0, 2)), [0, -2]).shape == (0, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than once"):
        tf.reverse(tf.ones((1, 2)), [0, 0])
    with pytest.raises(ValueError, match="Dimension must be 3 but is 2"):
        tf.function(tf.linalg.cross)(tf.zeros((4, 2)), tf.zeros((4, 2)))
    with pytest.raises(tf.errors.FailedPreconditionError):
        tf.linalg.cross(tf.zeros((4, 2)), tf.zeros((4, 2)))
