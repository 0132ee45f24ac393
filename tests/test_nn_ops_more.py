"""tf.nn's convolutions, pooling, normalization, embeddings and losses: values, dtypes, shapes, errors.

Expected values were checked against TF 2.21 (CPU); tests/test_tf_parity_nn.py compares with TF itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

InvalidArgumentError = tf.errors.InvalidArgumentError
UnimplementedError = tf.errors.UnimplementedError


def _np(x: object) -> np.ndarray:
    return tf.convert_to_tensor(x).numpy()


# -- convolutions ---------------------------------------------------------------------------------------
def test_conv2d_same_values_and_dtype_follow_the_input() -> None:
    for dtype in (tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32):
        y = tf.nn.conv2d(tf.ones([1, 4, 4, 2], dtype), tf.ones([3, 3, 2, 3], dtype), 1, "SAME")
        assert y.dtype == dtype and y.shape == (1, 4, 4, 3)
        np.testing.assert_array_equal(_np(tf.cast(y, tf.float32))[0, :2, :2, 0], [[8, 12], [12, 18]])


def test_conv2d_strides_dilations_and_explicit_padding_shapes() -> None:
    x, w = tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3])
    assert tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME").shape == (1, 2, 2, 3)
    assert tf.nn.conv2d(x, w, 2, "SAME", dilations=2).shape == (1, 2, 2, 3)
    assert tf.nn.conv2d(x, w, (2, 1), "VALID").shape == (1, 1, 2, 3)
    y = tf.nn.conv2d(x, w, 1, [[0, 0], [1, 0], [0, 2], [0, 0]])
    assert y.shape == (1, 3, 4, 3)
    assert tf.nn.conv2d(x, tf.ones([5, 5, 2, 3]), 1, "VALID").shape == (1, 0, 0, 3)  # TF: empty, no error


def test_conv2d_grouped_batched_and_channels_first() -> None:
    assert tf.nn.conv2d(tf.ones([1, 4, 4, 4]), tf.ones([3, 3, 2, 6]), 1, "SAME").shape == (1, 4, 4, 6)
    assert tf.nn.conv2d(tf.ones([2, 1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 1, "SAME").shape == (2, 1, 4, 4, 3)
    x = np.random.default_rng(0).normal(size=(2, 5, 4, 3)).astype(np.float32)
    w = np.random.default_rng(1).normal(size=(2, 3, 3, 4)).astype(np.float32)
    nhwc = tf.nn.conv2d(x, w, 2, "SAME")
    nchw = tf.nn.conv2d(np.transpose(x, (0, 3, 1, 2)), w, 2, "SAME", data_format="NCHW")
    np.testing.assert_allclose(_np(nchw), np.transpose(_np(nhwc), (0, 3, 1, 2)), rtol=1e-5, atol=1e-5)


def test_conv2d_python_float64_input_stays_float64() -> None:
    y = tf.nn.conv2d(np.ones([1, 3, 3, 1]), np.ones([2, 2, 1, 1]), 1, "VALID")
    assert y.dtype == tf.float64
    np.testing.assert_array_equal(_np(y).ravel(), [4, 4, 4, 4])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2], tf.int64), tf.ones([3, 3, 2, 3], tf.int64), 1, "SAME"),
         InvalidArgumentError, "int64 is not in the list of allowed values"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 4, 3]), 1, "SAME"),
         InvalidArgumentError, "input depth must be evenly divisible by filter depth: 2 vs 4"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3], tf.float64), 1, "SAME"),
         InvalidArgumentError, "dtype"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2]), 1, "SAME"),
         InvalidArgumentError, "filter must be 4-dimensional"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), [2, 2, 2], "SAME"),
         ValueError, "strides should be of length 1, 2 or 4"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), [2, 2, 2, 1], "SAME"),
         UnimplementedError, "strides in the batch and depth"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 0, "SAME"),
         InvalidArgumentError, "Strides must be > 0"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 1, "SAME", dilations=[2, 1, 1, 1]),
         UnimplementedError, "dilations in the batch and depth"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 1, "same"),
         InvalidArgumentError, "padding"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 1, [[1, 0], [1, 0], [0, 2], [0, 0]]),
         InvalidArgumentError, "Nonzero explicit padding in the batch or depth"),
        (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 1, "SAME", data_format="NWHC"),
         InvalidArgumentError, "data_format"),
        (lambda: tf.nn.conv1d(tf.ones([1, 5, 2]), tf.ones([3, 2, 4]), 1, [[0, 0], [1, 1], [0, 0]]),
         TypeError, "Expected string for argument 'padding'"),
        (lambda: tf.nn.conv3d(tf.ones([1, 3, 3, 3, 2], tf.int32), tf.ones([2, 2, 2, 2, 1], tf.int32), [1] * 5, "SAME"),
         InvalidArgumentError, "int32 is not in the list"),
        (lambda: tf.nn.atrous_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 3]), 0, "SAME"),
         ValueError, "must be positive"),
    ],
)  # fmt: skip
def test_convolution_errors_are_tfs(call: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()  # type: ignore[operator]


def test_conv1d_conv3d_convolution_shapes() -> None:
    y = tf.nn.conv1d(tf.ones([1, 5, 2]), tf.ones([3, 2, 4]), 1, "SAME")
    assert y.shape == (1, 5, 4)
    np.testing.assert_array_equal(_np(y)[0, :, 0], [4, 6, 6, 6, 4])
    y = tf.nn.conv3d(tf.ones([1, 3, 3, 3, 2]), tf.ones([2, 2, 2, 2, 1]), [1, 1, 1, 1, 1], "SAME")
    assert y.shape == (1, 3, 3, 3, 1)
    np.testing.assert_array_equal(_np(y)[0, 0, 0, :, 0], [16, 16, 8])
    assert tf.nn.convolution(tf.ones([1, 5, 2]), tf.ones([3, 2, 4])).shape == (1, 3, 4)


def test_conv2d_transpose_takes_every_output_shape_tf_accepts() -> None:
    dy, w = tf.ones([1, 2, 2, 3]), tf.ones([3, 3, 5, 3])
    y = tf.nn.conv2d_transpose(dy, w, [1, 4, 4, 5], 2, "SAME")
    assert y.shape == (1, 4, 4, 5) and y.dtype == tf.float32
    np.testing.assert_array_equal(_np(y)[0, :, 0, 0], [3, 3, 6, 3])
    assert tf.nn.conv2d_transpose(dy, w, [1, 3, 3, 5], 2, "SAME").shape == (1, 3, 3, 5)
    assert tf.nn.conv2d_transpose(dy, w, [1, 6, 6, 5], 2, "VALID").shape == (1, 6, 6, 5)
    assert tf.nn.conv_transpose(dy, w, tf.constant([1, 4, 4, 5]), 2, "SAME").shape == (1, 4, 4, 5)
    yi = tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 3], tf.int32), tf.ones([3, 3, 5, 3], tf.int32), [1, 4, 4, 5], 2)
    assert yi.dtype == tf.int32
    assert tf.nn.conv1d_transpose(tf.ones([1, 2, 3]), tf.ones([3, 5, 3]), [1, 4, 5], 2).shape == (1, 4, 5)
    y3 = tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 3]), tf.ones([3, 3, 3, 5, 3]), [1, 4, 4, 4, 5], 2)
    assert y3.shape == (1, 4, 4, 4, 5)


def test_conv2d_transpose_errors() -> None:
    dy, w = tf.ones([1, 2, 2, 3]), tf.ones([3, 3, 5, 3])
    with pytest.raises(
        InvalidArgumentError, match="Size of out_backprop doesn't match computed: actual = 2, computed = 4"
    ):
        tf.nn.conv2d_transpose(dy, w, [1, 7, 7, 5], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="requires input_sizes to contain 4 values"):
        tf.nn.conv2d_transpose(dy, w, [4, 4, 5], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="filter and out_backprop must have the same out_depth"):
        tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 4]), w, [1, 4, 4, 5], 2, "SAME")


def test_depthwise_and_separable_conv2d() -> None:
    x = tf.reshape(tf.range(32.0), [1, 4, 4, 2])
    y = tf.nn.depthwise_conv2d(x, tf.reshape(tf.range(36.0), [3, 3, 2, 2]), [1, 1, 1, 1], "SAME")
    assert y.shape == (1, 4, 4, 4)
    np.testing.assert_array_equal(_np(y).ravel()[:8], [584, 604, 728, 752, 968, 1004, 1184, 1226])
    assert tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), [1, 2, 2, 1], "SAME").shape == (
        1,
        2,
        2,
        4,
    )
    s = tf.nn.separable_conv2d(
        tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), tf.ones([1, 1, 4, 5]), [1, 1, 1, 1], "SAME"
    )
    np.testing.assert_array_equal(_np(s)[0, 0, :2, 0], [16, 24])
    with pytest.raises(InvalidArgumentError, match="int32 is not in the list"):
        tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2], tf.int32), tf.ones([3, 3, 2, 2], tf.int32), [1, 1, 1, 1], "SAME")
    with pytest.raises(TypeError, match="strides"):
        tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="equal length strides"):
        tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), [1, 2, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="same depth: 2 vs 3"):
        tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 3, 2]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="all values of strides must be 1"):
        tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), [1, 2, 2, 1], "SAME", dilations=[2, 2])
    with pytest.raises(ValueError, match="pointwise_filter"):
        tf.nn.separable_conv2d(
            tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), tf.ones([2, 1, 4, 5]), [1, 1, 1, 1], "SAME"
        )


def test_conv2d_gradients_reach_input_and_filter() -> None:
    x, w = tf.constant(np.ones([1, 3, 3, 1], np.float32)), tf.Variable(np.ones([2, 2, 1, 1], np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID"))
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_array_equal(_np(gx)[0, :, :, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(_np(gw).ravel(), [4, 4, 4, 4])


# -- pooling --------------------------------------------------------------------------------------------
def test_max_pool_gradient_goes_to_the_first_maximum_on_ties() -> None:
    x = tf.ones([1, 2, 2, 1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    np.testing.assert_array_equal(_np(tape.gradient(y, x)).ravel(), [1, 0, 0, 0])  # TF 2.21
    x = tf.constant([[[3.0], [1.0], [3.0], [3.0]]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool1d(x, 3, 1, "VALID")
    np.testing.assert_array_equal(_np(y).ravel(), [3, 3])
    np.testing.assert_array_equal(_np(tape.gradient(y, x)).ravel(), [1, 0, 1, 0])  # TF 2.21


def test_max_pool3d_gradient_goes_to_every_tied_maximum() -> None:
    # TF's MaxPool3DGrad, unlike MaxPoolGrad, gives the whole gradient to each tied maximum.
    x = tf.ones([1, 2, 2, 2, 1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool3d(x, 2, 2, "VALID")
    np.testing.assert_array_equal(_np(tape.gradient(y, x)).ravel(), [1] * 8)  # TF 2.21
    x = tf.constant([1.0, 2.0, 2.0, 0.0], shape=[1, 1, 1, 4, 1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool3d(x, [1, 1, 3], 1, "VALID")
    np.testing.assert_array_equal(_np(tape.gradient(y, x)).ravel(), [0, 2, 2, 0])  # TF 2.21


def test_max_pool_keeps_integer_dtypes_and_rejects_others() -> None:
    for dtype in (tf.int32, tf.int64, tf.uint8, tf.int16, tf.int8, tf.uint16, tf.float64):
        x = tf.cast(tf.reshape(tf.range(16), [1, 4, 4, 1]), dtype)
        y = tf.nn.max_pool2d(x, 2, 2, "SAME")
        assert y.dtype == dtype
        np.testing.assert_array_equal(_np(tf.cast(y, tf.int32)).ravel(), [5, 7, 13, 15])
    with pytest.raises(InvalidArgumentError, match="bool is not in the list"):
        tf.nn.max_pool2d(tf.ones([1, 4, 4, 2], tf.bool), 2, 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="float64 is not in the list"):
        tf.nn.max_pool3d(tf.ones([1, 4, 4, 4, 2], tf.float64), 2, 2, "SAME")


def test_avg_pool_same_does_not_count_padding() -> None:
    y = tf.nn.avg_pool2d(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), 3, 1, "SAME")
    np.testing.assert_allclose(_np(y).ravel()[:6], [2.5, 3.0, 4.0, 4.5, 4.5, 5.0])
    assert tf.nn.avg_pool2d(tf.ones([1, 4, 4, 2], tf.float16), 2, 2, "SAME").dtype == tf.float16
    assert tf.nn.avg_pool2d(tf.ones([1, 4, 4, 2]), 5, 1, "VALID").shape == (1, 0, 0, 2)


def test_pooling_errors_are_tfs() -> None:
    x = tf.ones([1, 4, 4, 2])
    with pytest.raises(InvalidArgumentError, match="int32 is not in the list"):
        tf.nn.avg_pool2d(tf.ones([1, 4, 4, 2], tf.int32), 2, 2, "SAME")
    with pytest.raises(TypeError, match="Expected string for argument 'padding'"):
        tf.nn.avg_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    assert tf.nn.max_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]).shape == (1, 3, 3, 2)
    with pytest.raises(UnimplementedError, match="batch dimension"):
        tf.nn.max_pool2d(x, [2, 2, 2, 1], 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="ksize must be positive"):
        tf.nn.max_pool2d(x, 0, 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="2 spatial dimensions"):
        tf.nn.max_pool2d(tf.ones([4, 4, 2]), 2, 1, "VALID")
    with pytest.raises(ValueError, match="rank` must be 3, 4 or 5"):
        tf.nn.max_pool(tf.ones([1, 2, 2, 2, 2, 1]), 2, 2, "VALID")
    with pytest.raises(ValueError, match="'SAME' padding is not implemented"):
        tf.nn.pool(x, [2, 2], "MAX", padding="SAME", dilations=[2, 2])
    with pytest.raises(ValueError, match="2-D MIN pooling is not supported"):
        tf.nn.pool(x, [2, 2], "MIN")


def test_generic_pool_and_rank_dispatch() -> None:
    y = tf.nn.pool(tf.reshape(tf.range(25.0), [1, 5, 5, 1]), [2, 2], "AVG", padding="VALID", dilations=[2, 2])
    assert y.shape == (1, 3, 3, 1)
    np.testing.assert_array_equal(_np(y).ravel()[:4], [6, 7, 8, 11])
    assert tf.nn.max_pool(tf.ones([1, 5, 2]), 2, 2, "VALID").shape == (1, 2, 2)
    assert tf.nn.avg_pool(tf.ones([1, 4, 4, 4, 2]), 2, 2, "SAME").shape == (1, 2, 2, 2, 2)


def test_max_pool_with_argmax_indices_are_tfs() -> None:
    out, idx = tf.nn.max_pool_with_argmax(tf.reshape(tf.range(32.0), [1, 4, 4, 2]), 2, 2, "SAME")
    assert idx.dtype == tf.int64 and out.shape == (1, 2, 2, 2)
    np.testing.assert_array_equal(_np(idx).ravel(), [10, 11, 14, 15, 26, 27, 30, 31])
    x = tf.reshape(tf.range(64.0), [2, 4, 4, 2])
    _, with_batch = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME", include_batch_in_index=True)
    np.testing.assert_array_equal(_np(with_batch)[1].ravel(), [42, 43, 46, 47, 58, 59, 62, 63])
    _, i32 = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME", output_dtype=tf.int32)
    assert i32.dtype == tf.int32
    np.testing.assert_array_equal(_np(i32)[1].ravel(), [10, 11, 14, 15, 26, 27, 30, 31])
    _, ties = tf.nn.max_pool_with_argmax(tf.ones([1, 4, 4, 2], tf.int32), 2, 2, "SAME")
    np.testing.assert_array_equal(_np(ties).ravel(), [0, 1, 4, 5, 16, 17, 20, 21])


# -- activations, normalization ---------------------------------------------------------------------------
def test_silu_swish_crelu_values() -> None:
    np.testing.assert_allclose(_np(tf.nn.silu(tf.constant([-1.0, 0.0, 2.0]), beta=2.0)), [-0.11920292, 0.0, 1.9640275])
    np.testing.assert_allclose(_np(tf.nn.swish(tf.constant([-1.0, 0.0, 2.0]))), [-0.26894143, 0.0, 1.7615942])
    with pytest.raises(InvalidArgumentError):
        tf.nn.silu(tf.constant([1, 2]))
    y = tf.nn.crelu(tf.constant([[-1.0, 0.0, 2.0]]))
    assert y.shape == (1, 6)
    np.testing.assert_array_equal(_np(y), [[0, 0, 2, 1, 0, 0]])
    assert tf.nn.crelu(tf.constant([[-1, 0, 2]]), axis=0).dtype == tf.int32


def test_silu_gradient_reaches_beta() -> None:
    x, beta = tf.constant([0.5, -1.0]), tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(beta)
        y = tf.reduce_sum(tf.nn.silu(x, beta))
    s = 1 / (1 + np.exp(-1.5 * np.array([0.5, -1.0])))
    np.testing.assert_allclose(_np(tape.gradient(y, beta)), np.sum(np.array([0.5, -1.0]) ** 2 * s * (1 - s)), rtol=1e-6)


def test_local_response_normalization_values_and_errors() -> None:
    y = tf.nn.local_response_normalization(tf.reshape(tf.range(12.0), [1, 1, 2, 6]), depth_radius=2)
    np.testing.assert_allclose(_np(y).ravel()[:8], [0, 0.2581989, 0.3592106, 0.40089184, 0.53935987, 0.70014, 0.4898979, 0.46056613], rtol=1e-5)  # fmt: skip
    assert tf.nn.lrn(tf.ones([1, 1, 2, 6], tf.float16)).dtype == tf.float16
    with pytest.raises(InvalidArgumentError, match="float64 is not in the list"):
        tf.nn.lrn(tf.ones([1, 1, 2, 6], tf.float64))
    with pytest.raises(InvalidArgumentError, match="4-dimensional"):
        tf.nn.lrn(tf.ones([1, 2, 6]))


def test_batch_normalization_and_moment_helpers() -> None:
    np.testing.assert_allclose(
        _np(tf.nn.batch_normalization(tf.constant([1.0, 2.0]), 1.0, 4.0, None, None, 0.0)), [0, 0.5]
    )
    y = tf.nn.batch_normalization(tf.constant([1.0, 2.0], tf.float64), tf.constant(1.0), 4.0, 0.5, 2.0, 1e-3)
    assert y.dtype == tf.float64
    np.testing.assert_allclose(_np(y), [0.5, 1.49987507], rtol=1e-7)
    mean, var = tf.nn.normalize_moments(tf.constant(4.0), tf.constant([2.0, 4.0]), tf.constant([2.0, 10.0]), None)
    np.testing.assert_allclose(_np(mean), [0.5, 1.0])
    np.testing.assert_allclose(_np(var), [0.25, 1.5])
    count, m_ss, v_ss, shift = tf.nn.sufficient_statistics(
        tf.constant([[1.0, 2.0], [3.0, 4.0]]), [0], shift=1.0, keepdims=True
    )
    assert count.dtype == tf.float32 and float(count) == 2.0 and float(shift) == 1.0
    np.testing.assert_allclose(_np(m_ss), [[2, 4]])
    np.testing.assert_allclose(_np(v_ss), [[4, 10]])
    assert tf.nn.sufficient_statistics(tf.ones([2, 2]), [0])[3] is None
    count, m_ss, _, _ = tf.nn.sufficient_statistics(tf.constant([[1, 2], [3, 4]]), [0])
    assert count.dtype == tf.int32 and int(count) == 2 and m_ss.dtype == tf.int32
    for dtype in (tf.float32, tf.float16):
        x, w = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype), tf.constant([[1.0], [3.0]], dtype)
        mean, var = tf.nn.weighted_moments(x, [0], w)
        assert mean.dtype == dtype and mean.shape == (2,)
        np.testing.assert_allclose(_np(tf.cast(mean, tf.float32)), [2.5, 3.5])
        np.testing.assert_allclose(_np(tf.cast(var, tf.float32)), [0.75, 0.75])
    assert tf.nn.weighted_moments(x, [0], w, keepdims=True)[0].shape == (1, 2)


def test_depth_to_space_and_space_to_depth() -> None:
    y = tf.nn.depth_to_space(tf.reshape(tf.range(8), [1, 1, 2, 4]), 2)
    assert y.shape == (1, 2, 4, 1) and y.dtype == tf.int32
    np.testing.assert_array_equal(_np(y).ravel(), [0, 1, 4, 5, 2, 3, 6, 7])
    z = tf.nn.space_to_depth(tf.reshape(tf.range(8), [1, 2, 4, 1]), 2)
    np.testing.assert_array_equal(_np(z).ravel(), [0, 1, 4, 5, 2, 3, 6, 7])
    assert tf.nn.space_to_depth(tf.ones([1, 2, 2, 1], tf.bool), 2).shape == (1, 1, 1, 4)
    x = np.random.default_rng(0).normal(size=(1, 8, 2, 3)).astype(np.float32)
    nchw = tf.nn.depth_to_space(x, 2, data_format="NCHW")
    nhwc = tf.nn.depth_to_space(np.transpose(x, (0, 2, 3, 1)), 2)
    np.testing.assert_array_equal(_np(nchw), np.transpose(_np(nhwc), (0, 3, 1, 2)))
    with pytest.raises(InvalidArgumentError, match="Input depth dimension 3 should be divisible by: 4"):
        tf.nn.depth_to_space(tf.reshape(tf.range(6), [1, 1, 2, 3]), 2)
    with pytest.raises(InvalidArgumentError, match="must be at least minimum 2"):
        tf.nn.depth_to_space(tf.reshape(tf.range(8), [1, 1, 2, 4]), 1)
    with pytest.raises(InvalidArgumentError, match="Input rank should be: 4 instead of: 3"):
        tf.nn.depth_to_space(tf.reshape(tf.range(8), [1, 2, 4]), 2)
    with pytest.raises(InvalidArgumentError, match="Image width 3 and height 2 should be divisible by block_size: 2"):
        tf.nn.space_to_depth(tf.reshape(tf.range(6), [1, 2, 3, 1]), 2)


# -- embeddings and losses --------------------------------------------------------------------------------
def test_embedding_lookup_rows_max_norm_shards_and_errors() -> None:
    params = tf.reshape(tf.range(12.0), [4, 3])
    y = tf.nn.embedding_lookup(params, [[0, 3], [1, 1]])
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(_np(y)[0, 1], [9, 10, 11])
    clipped = tf.nn.embedding_lookup(params, [0, 3], max_norm=2.0)
    np.testing.assert_allclose(
        _np(clipped).ravel(), [0, 0.8944272, 1.7888544, 1.0357836, 1.1508707, 1.2659577], rtol=1e-6
    )
    shards = [tf.reshape(tf.range(6.0), [2, 3]), tf.reshape(tf.range(6.0, 9.0), [1, 3])]
    np.testing.assert_array_equal(_np(tf.nn.embedding_lookup(shards, [2, 0]))[:, 0], [6, 0])
    with pytest.raises(InvalidArgumentError):
        tf.nn.embedding_lookup(params, [5])


def test_embedding_lookup_of_a_variable_gives_indexed_slices() -> None:
    v = tf.Variable(np.ones([4, 2], np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.embedding_lookup(v, [1, 1, 3]))
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(_np(g), [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_weighted_cross_entropy_and_log_poisson_loss() -> None:
    y = tf.nn.weighted_cross_entropy_with_logits(tf.constant([1.0, 0.0]), tf.constant([0.5, -1.0]), 2.0)
    np.testing.assert_allclose(_np(y), [0.948154, 0.31326175], rtol=1e-6)
    with pytest.raises(ValueError, match="must have the same shape"):
        tf.nn.weighted_cross_entropy_with_logits(tf.constant([1.0, 0.0, 1.0]), tf.constant([0.5, -1.0]), 2.0)
    z = tf.nn.log_poisson_loss(tf.constant([1.0, 0.0, 3.0]), tf.constant([0.5, -1.0, 1.0]), compute_full_loss=True)
    np.testing.assert_allclose(_np(z), [1.1487212, 0.36787945, 1.4823633], rtol=1e-6)
    with pytest.raises(ValueError, match="must have the same shape"):
        tf.nn.log_poisson_loss(tf.constant([1.0, 0.0]), tf.constant([0.5, -1.0, 1.0]))


def test_compute_average_loss_and_scale_regularization_loss() -> None:
    loss = tf.constant([1.0, 2.0, 3.0])
    assert float(tf.nn.compute_average_loss(loss)) == 2.0
    assert float(tf.nn.compute_average_loss(loss, global_batch_size=6)) == 1.0
    np.testing.assert_allclose(float(tf.nn.compute_average_loss(loss, sample_weight=[1.0, 0.0, 2.0])), 7 / 3, rtol=1e-6)
    assert float(tf.nn.compute_average_loss(loss, global_batch_size=0)) == 0.0
    assert float(tf.nn.compute_average_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]]))) == 5.0
    assert tf.nn.compute_average_loss(tf.constant([1, 2, 3])).dtype == tf.float64  # TF: int32 / int32
    assert tf.nn.compute_average_loss(tf.constant([1.0], tf.float64)).dtype == tf.float64
    with pytest.raises(ValueError, match="at least rank 1"):
        tf.nn.compute_average_loss(tf.constant(2.0))
    with pytest.raises(TypeError, match="integer"):
        tf.nn.compute_average_loss(loss, global_batch_size=2.0)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.nn.compute_average_loss(loss, global_batch_size=-2)
    assert float(tf.nn.scale_regularization_loss([tf.constant(3.0), tf.constant(2.0)])) == 5.0


def test_ctc_loss_values_dtypes_and_errors() -> None:
    # -log(3/4): of the 4 equally likely 2-frame paths over {blank, 1}, 3 collapse to [1].
    loss = tf.nn.ctc_loss([[1]], tf.zeros([2, 1, 2]), label_length=[1], logit_length=[2])
    np.testing.assert_allclose(_np(loss), [-np.log(0.75)], rtol=1e-6)
    logits = np.random.default_rng(0).normal(size=(6, 3, 5)).astype(np.float32)
    labels, ll, gl = np.array([[1, 2, 2], [3, 3, 0], [4, 0, 0]], np.int32), [3, 2, 1], [6, 5, 3]
    np.testing.assert_allclose(_np(tf.nn.ctc_loss(labels, logits, ll, gl)), [8.255633, 6.4572964, 3.9533231], rtol=1e-5)
    np.testing.assert_allclose(  # TF 2.21 (its blank rotation: a label equal to the blank reads the class below)
        _np(tf.nn.ctc_loss(labels, logits, ll, gl, blank_index=-1)), [5.5070143, 6.5781727, 3.3610852], rtol=1e-5
    )
    batch_major = tf.nn.ctc_loss(labels, np.transpose(logits, (1, 0, 2)), ll, gl, logits_time_major=False)
    np.testing.assert_allclose(_np(batch_major), [8.255633, 6.4572964, 3.9533231], rtol=1e-5)
    assert tf.nn.ctc_loss(labels, tf.cast(logits, tf.float16), ll, gl).dtype == tf.float16
    with pytest.raises(InvalidArgumentError, match="int32 or int64"):
        tf.nn.ctc_loss(labels.astype(np.float32), logits, ll, gl)
    with pytest.raises(InvalidArgumentError, match="label 5 is outside"):
        tf.nn.ctc_loss(np.full([3, 3], 5, np.int32), logits, ll, gl)
    with pytest.raises(ValueError, match="label_length and logit_length"):
        tf.nn.ctc_loss(labels, logits, ll, None)
    with pytest.raises(InvalidArgumentError, match="batch sizes differ"):
        tf.nn.ctc_loss(labels[:2], logits, ll[:2], gl[:2])


def test_dilation2d_and_erosion2d_values_gradients_and_errors() -> None:
    x, f = tf.reshape(tf.range(32.0), [1, 4, 4, 2]), tf.reshape(tf.range(18.0), [3, 3, 2]) / 10
    ones = [1, 1, 1, 1]
    np.testing.assert_allclose(  # TF 2.21
        _np(tf.nn.dilation2d(x, f, ones, "SAME", "NHWC", ones)).ravel()[:8],
        [11.6, 12.7, 13.6, 14.7, 15.6, 16.7, 15.4, 16.5],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        _np(tf.nn.dilation2d(x, f, ones, "SAME", "NHWC", [1, 2, 2, 1])).ravel()[:4], [21.6, 22.7, 23.6, 24.7]
    )
    np.testing.assert_allclose(
        _np(tf.nn.erosion2d(x, f, [1, 2, 2, 1], "VALID", "NHWC", ones)).ravel(), [-1.6, -0.7], atol=1e-6
    )
    assert tf.nn.dilation2d(tf.cast(x, tf.int32), tf.cast(f, tf.int32), ones, "SAME", "NHWC", ones).dtype == tf.int32
    xt, ft = tf.ones([1, 3, 3, 1]), tf.zeros([2, 2, 1])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([xt, ft])
        y = tf.nn.dilation2d(xt, ft, ones, "VALID", "NHWC", ones)
        e = tf.nn.erosion2d(xt, ft, ones, "VALID", "NHWC", ones)
    # ties: the first maximum of each window, for the input and the filter (TF 2.21)
    np.testing.assert_array_equal(_np(tape.gradient(y, xt)).ravel(), [1, 1, 0, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(_np(tape.gradient(y, ft)).ravel(), [4, 0, 0, 0])
    np.testing.assert_array_equal(_np(tape.gradient(e, ft)).ravel(), [0, 0, 0, -4])
    with pytest.raises(ValueError, match="other  than 'NHWC'"):
        tf.nn.dilation2d(x, f, ones, "SAME", "NCHW", ones)
    with pytest.raises(TypeError, match="Expected list for 'strides'"):
        tf.nn.dilation2d(x, f, 1, "SAME", "NHWC", 1)
    with pytest.raises(InvalidArgumentError, match="same depth: 2 vs 3"):
        tf.nn.dilation2d(x, tf.ones([3, 3, 3]), ones, "SAME", "NHWC", ones)


def test_batch_norm_with_global_normalization_scales_only_when_asked() -> None:
    x = tf.constant([1.0, 2.0])
    np.testing.assert_allclose(
        _np(tf.nn.batch_norm_with_global_normalization(x, 1.0, 4.0, 0.5, 2.0, 1e-3, True)), [0.5, 1.4998751]
    )
    np.testing.assert_allclose(
        _np(tf.nn.batch_norm_with_global_normalization(x, 1.0, 4.0, 0.5, 2.0, 1e-3, False)), [0.5, 0.99993753]
    )


def test_depthwise_conv2d_backprops_are_the_convolutions_gradients() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(1, 5, 5, 2)).astype(np.float32), rng.normal(size=(3, 3, 2, 2)).astype(np.float32)
    dy = rng.normal(size=(1, 3, 3, 4)).astype(np.float32)
    got_x = tf.nn.depthwise_conv2d_backprop_input([1, 5, 5, 2], w, dy, [1, 2, 2, 1], "SAME")
    np.testing.assert_allclose(
        _np(got_x).ravel()[:4], [2.6295452, -4.1998963, -0.36532947, -1.7535043], rtol=1e-5
    )  # TF
    got_w = tf.nn.depthwise_conv2d_backprop_filter(x, [3, 3, 2, 2], dy, [1, 2, 2, 1], "SAME")
    np.testing.assert_allclose(_np(got_w).ravel()[:4], [0.10789758, 1.5190668, 1.1871554, 0.44123128], rtol=1e-5)  # TF
    xt, wt = tf.constant(x), tf.constant(w)
    with tf.GradientTape() as tape:
        tape.watch([xt, wt])
        y = tf.nn.depthwise_conv2d(xt, wt, [1, 2, 2, 1], "SAME")
    gx, gw = tape.gradient(y, [xt, wt], output_gradients=tf.constant(dy))
    np.testing.assert_allclose(_np(got_x), _np(gx), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(got_w), _np(gw), rtol=1e-5, atol=1e-5)
    with pytest.raises(InvalidArgumentError, match="Number of rows of out_backprop doesn't match computed: actual = 3"):
        tf.nn.depthwise_conv2d_backprop_input([1, 7, 7, 2], w, dy, [1, 2, 2, 1], "SAME")


def test_collapse_repeated_and_ctc_unique_labels() -> None:
    collapsed, lengths = tf.nn.collapse_repeated(
        tf.constant([[1, 1, 2, 2, 2, 3], [4, 4, 4, 5, 5, 5]]), tf.constant([6, 4])
    )
    np.testing.assert_array_equal(_np(collapsed), [[1, 2, 3], [4, 5, 0]])  # TF 2.21
    np.testing.assert_array_equal(_np(lengths), [3, 2])
    assert collapsed.dtype == tf.int32 and lengths.dtype == tf.int32
    unique, idx = tf.nn.ctc_unique_labels(tf.constant([[3, 4, 4, 3], [1, 1, 2, 0]]))
    assert unique.dtype == tf.int64 and idx.dtype == tf.int32
    np.testing.assert_array_equal(_np(unique), [[3, 4, 0, 0], [1, 2, 0, 0]])  # TF 2.21
    np.testing.assert_array_equal(_np(idx), [[0, 1, 1, 0], [0, 0, 1, 2]])


def test_approx_top_k_and_space_to_batch_are_the_top_level_functions() -> None:
    assert tf.nn.approx_max_k is tf.math.approx_max_k and tf.nn.approx_min_k is tf.math.approx_min_k
    assert tf.nn.space_to_batch is tf.space_to_batch  # as TF


def test_all_candidate_sampler_and_compute_accidental_hits() -> None:
    true_classes = tf.constant([[1, 3], [0, 2]], tf.int64)
    sampled, true_count, sampled_count = tf.nn.all_candidate_sampler(true_classes, 2, 4, True)
    assert sampled.dtype == tf.int64 and true_count.shape == (2, 2) and sampled_count.dtype == tf.float32
    np.testing.assert_array_equal(_np(sampled), [0, 1, 2, 3])
    rows, ids, weights = tf.nn.compute_accidental_hits(true_classes, tf.constant([3, 0, 1, 3], tf.int64), 2)
    np.testing.assert_array_equal(_np(rows), [0, 0, 1])  # TF 2.21: the last position of a repeated candidate
    np.testing.assert_array_equal(_np(ids), [2, 3, 1])
    assert rows.dtype == tf.int32 and ids.dtype == tf.int64
    np.testing.assert_array_equal(_np(weights), [-np.finfo(np.float32).max] * 3)
    assert tf.nn.compute_accidental_hits(true_classes, tf.constant([5, 6], tf.int64), 2)[0].shape == (0,)
    with pytest.raises(InvalidArgumentError, match="int64"):
        tf.nn.all_candidate_sampler(tf.constant([[1, 3]]), 2, 4, True)
    with pytest.raises(InvalidArgumentError, match="num_true columns"):
        tf.nn.compute_accidental_hits(true_classes, tf.constant([3], tf.int64), 3)
