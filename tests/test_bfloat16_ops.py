"""bfloat16 through ops that branched on NumPy's dtype kind (bfloat16's is "V", not "f"): each case
took the integer or non-float branch before (an error, a zero gradient or a silent NaN). Expected
values are TF 2.21's; the saturating image conversions of float16/float32 shared the bug's fix."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

BF = tf.bfloat16


def _grads(fn, *xs):
    with tf.GradientTape() as t:
        t.watch(list(xs))
        y = fn(*xs)
    return [y, *t.gradient(y, list(xs))]


def _scatter_max_grad():
    w = tf.constant([1.0, 2.0, 3.0], BF)
    y, g = _grads(
        lambda x: tf.tensor_scatter_nd_max(x, [[0], [1]], tf.constant([2.0, 4.0], BF)) * w,
        tf.constant([1.0, 5.0, 3.0], BF),
    )
    return [y, g]  # (the gradient was 0: the max's tie rule was skipped for non-"fc" kinds)


def _scatter_min_grads():
    w = tf.constant([1.0, 2.0, 3.0], BF)
    x, u = tf.constant([1.0, 5.0, 3.0], BF), tf.constant([2.0, 4.0], BF)
    return _grads(lambda a, b: tf.tensor_scatter_nd_min(a, [[0], [1]], b) * w, x, u)


CASES = {
    # empty max/min: the identity -inf/inf (was np.iinfo(bfloat16): InvalidArgumentError)
    "reduce_max_empty": (lambda: [tf.reduce_max(tf.zeros([0], BF))], [-np.inf]),
    "reduce_min_empty": (lambda: [tf.reduce_min(tf.zeros([2, 0], BF), axis=1)], [[np.inf, np.inf]]),
    "scatter_nd_max_grad": (_scatter_max_grad, [[2.0, 10.0, 9.0], [0.0, 2.0, 3.0]]),
    "scatter_nd_min_grads": (_scatter_min_grads, [[1.0, 8.0, 9.0], [1.0, 0.0, 3.0], [0.0, 2.0]]),
    # variance/std (was TypeError "input must be either real or complex")
    "reduce_variance_std": (
        lambda: [
            tf.math.reduce_variance(tf.constant([1.0, 3.0, 5.0, 7.0], BF)),
            tf.math.reduce_std(tf.constant([1.0, 3.0, 5.0, 7.0], BF)),
        ],
        [5.0, 2.234375],
    ),
    "reduce_variance_grad": (lambda: _grads(tf.math.reduce_variance, tf.constant([1.0, 3.0], BF))[1:], [[-1.0, 1.0]]),
    # dropout (was ValueError "must be a floating point tensor")
    "dropout": (lambda: [tf.nn.dropout(tf.constant([1.0, 2.0], BF), 0.0)], [[1.0, 2.0]]),
    # is_non_decreasing / is_strictly_increasing (was TypeError "Expected x to be numeric")
    "monotone": (
        lambda: [
            tf.math.is_non_decreasing(tf.constant([1.0, 2.0, 2.0], BF)),
            tf.math.is_strictly_increasing(tf.constant([1.0, 2.0, 2.0], BF)),
        ],
        [True, False],
    ),
    # saturating image conversion (bfloat16 was np.iinfo'd; the max nudged below the float's rounding of
    # the integer max was missed for every float: it compared in the float's own dtype)
    "convert_image_bf16_uint8": (
        lambda: [tf.image.convert_image_dtype(tf.constant([-0.5, 0.25, 1.5], BF), tf.uint8, saturate=True)],
        [[0, 64, 255]],
    ),
    "convert_image_bf16_int16": (
        lambda: [tf.image.convert_image_dtype(tf.constant([-2.0, 0.5, 2.0], BF), tf.int16, saturate=True)],
        [[-32768, 16384, 32640]],
    ),
    "convert_image_f16_int16_int32": (
        lambda: [
            tf.image.convert_image_dtype(tf.constant([-2.0, 2.0], tf.float16), d, saturate=True)
            for d in (tf.int16, tf.int32)
        ],
        [[-32768, 32752], [-65504, 65504]],
    ),
    "convert_image_f32_int32": (
        lambda: [tf.image.convert_image_dtype(tf.constant([-2.0, 2.0]), tf.int32, saturate=True)],
        [[-2147483648, 2147483520]],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bfloat16_kind_branches_match_tf(case):
    fn, want = CASES[case]
    got = fn()
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if case.startswith("convert_image") or case == "monotone":
            np.testing.assert_array_equal(g.numpy(), w)
        else:
            assert g.dtype == BF, case
            np.testing.assert_array_equal(tf.cast(g, tf.float32).numpy(), w)


def test_bfloat16_sparse_labels_out_of_range_raise():
    # (the label check skipped bfloat16 labels: the loss was NaN; TF raises)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 5"):
        tf.keras.losses.sparse_categorical_crossentropy(
            tf.constant([1.0, 5.0], BF), tf.constant([[0.3, 0.7], [0.6, 0.4]])
        )


def test_bfloat16_dropout_keeps_dtype():
    y = tf.nn.dropout(tf.constant([1.0, 2.0, 3.0, 4.0], BF), 0.5, seed=1)
    assert y.dtype == BF
    v = tf.cast(y, tf.float32).numpy()
    assert np.all((v == 0) | (v == 2 * np.array([1.0, 2.0, 3.0, 4.0])))


_LINALG = {
    "svd": lambda m: tf.linalg.svd(m),
    "qr": lambda m: tf.linalg.qr(m),
    "eigh": lambda m: tf.linalg.eigh(m),
    "cholesky": lambda m: tf.linalg.cholesky(m),
    "inv": lambda m: tf.linalg.inv(m),
    "det": lambda m: tf.linalg.det(m),
    "pinv": lambda m: tf.linalg.pinv(m),
    "solve": lambda m: tf.linalg.solve(m, m),
    "lu": lambda m: tf.linalg.lu(m),
    "logdet": lambda m: tf.linalg.logdet(m),
    "slogdet": lambda m: tf.linalg.slogdet(m),
    "lstsq": lambda m: tf.linalg.lstsq(m, m),
}


def test_bfloat16_linear_algebra_raises_tf_s_attr_error():
    # TF's linear-algebra ops do not list bfloat16 (an attr error); before: qr and det computed, inv,
    # cholesky and solve crashed in XLA (NotImplementedError), the rest raised NotFoundError.
    m = tf.constant([[2.0, 1.0], [1.0, 3.0]], BF)
    for name, fn in _LINALG.items():
        with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'T' of bfloat16"):
            fn(m)
            pytest.fail(name)
    with pytest.raises(ValueError, match="expm does not support"):
        tf.linalg.expm(m)
    with pytest.raises(tf.errors.NotFoundError):  # (TF lists bfloat16 here, with no CPU kernel)
        tf.linalg.triangular_solve(m, m)


def test_float16_inverse_and_missing_kernels():
    m = tf.constant([[2.0, 1.0], [1.0, 3.0]], tf.float16)
    # TF has a half MatrixInverse kernel (XLA crashed: NotImplementedError); values are TF 2.21's
    want = [[0.60009765625, -0.199951171875], [-0.199951171875, 0.39990234375]]
    np.testing.assert_array_equal(tf.linalg.inv(m).numpy(), np.array(want, np.float16))
    for name in ("cholesky", "det", "solve"):  # (TF: NotFoundError, no CPU kernel; XLA crashed)
        with pytest.raises(tf.errors.NotFoundError):
            _LINALG[name](m)
