"""tf.conv, tf.conv2d_backprop_{input,filter}_v2, tf.extract_volume_patches, tf.nn.with_space_to_batch:
values against TF 2.21 (sums of squares checked there), numpy references, gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 5, 5, 3)).astype(np.float32)
W = RNG.standard_normal((3, 3, 3, 4)).astype(np.float32)


def _sumsq(t):
    return float(np.sum(np.square(t.numpy(), dtype=np.float64)))


def test_conv_matches_tf():
    # Sums of squares of TF 2.21's tf.conv outputs for the same inputs.
    assert _sumsq(tf.conv(X, W, [1, 2, 2, 1], "SAME")) == pytest.approx(1470.951904296875, rel=1e-5)
    explicit = tf.conv(X, W, [1, 1, 1, 1], "EXPLICIT", explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0])
    assert explicit.shape == (2, 6, 4, 4) and _sumsq(explicit) == pytest.approx(4093.63427734375, rel=1e-5)
    dilated = tf.conv(X, W, [1, 1, 1, 1], "VALID", dilations=[1, 2, 1, 1])
    assert dilated.shape == (2, 1, 3, 4) and _sumsq(dilated) == pytest.approx(836.900634765625, rel=1e-5)
    conv3d = tf.conv(tf.reshape(X, [2, 5, 5, 3, 1]), tf.ones([2, 2, 2, 1, 2]), [1, 1, 1, 1, 1], "VALID")
    assert conv3d.shape == (2, 4, 4, 2, 2) and _sumsq(conv3d) == pytest.approx(891.5042724609375, rel=1e-5)


def test_conv_groups_channels_first_and_batch_dims_agree_with_nn_conv2d():
    ref = tf.nn.conv2d(X, W, 1, "SAME")
    cf = tf.conv(np.transpose(X, [0, 3, 1, 2]), W, [1, 1, 1, 1], "SAME", data_format="CHANNELS_FIRST")
    np.testing.assert_allclose(np.transpose(cf.numpy(), [0, 2, 3, 1]), ref.numpy(), rtol=1e-5, atol=1e-5)
    bd = tf.conv(X.reshape(1, 2, 5, 5, 3), W, [1, 1, 1, 1], "SAME", batch_dims=2)
    np.testing.assert_allclose(bd.numpy().reshape(ref.shape), ref.numpy(), rtol=1e-5, atol=1e-5)
    grouped = tf.conv(X, W[:, :, :1, :3], [1, 1, 1, 1], "VALID", groups=3)
    per_group = [tf.nn.conv2d(X[..., i : i + 1], W[:, :, :1, i : i + 1], 1, "VALID") for i in range(3)]
    np.testing.assert_allclose(grouped.numpy(), tf.concat(per_group, -1).numpy(), rtol=1e-5, atol=1e-5)


def test_backprop_v2_ops_are_conv2d_gradients():
    dy = RNG.standard_normal((2, 3, 3, 4)).astype(np.float32)
    x, w = tf.Variable(X), tf.Variable(W)
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    gx, gw = tape.gradient(y, [x, w], output_gradients=tf.constant(dy))
    bi = tf.conv2d_backprop_input_v2(X, W, dy, [1, 2, 2, 1], "SAME")
    bf = tf.conv2d_backprop_filter_v2(X, W, dy, [1, 2, 2, 1], "SAME")
    assert bi.shape == X.shape and bf.shape == W.shape
    np.testing.assert_allclose(bi.numpy(), gx.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bf.numpy(), gw.numpy(), rtol=1e-5, atol=1e-5)


def test_conv_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="groups"):
        tf.conv(X, W, [1, 1, 1, 1], "SAME", groups=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="explicit_paddings"):
        tf.conv(X, W, [1, 1, 1, 1], "EXPLICIT", explicit_paddings=[0, 0, 1, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be 4-dimensional"):
        tf.conv(X[0], W, [1, 1, 1, 1], "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="out_backprop has shape"):
        tf.conv2d_backprop_filter_v2(X, W, np.ones((2, 5, 5, 4), np.float32), [1, 2, 2, 1], "SAME")


def _volume_patches_reference(x, k, s, padding):
    b, dims, ch = x.shape[0], x.shape[1:4], x.shape[4]
    if padding == "SAME":
        out = [-(-d // st) for d, st in zip(dims, s, strict=True)]
        total = [max((o - 1) * st + kk - d, 0) for o, st, kk, d in zip(out, s, k, dims, strict=True)]
        x = np.pad(x, [(0, 0)] + [(t // 2, t - t // 2) for t in total] + [(0, 0)])
    else:
        out = [(d - kk) // st + 1 for d, kk, st in zip(dims, k, s, strict=True)]
    y = np.zeros((b, *out, k[0] * k[1] * k[2] * ch), x.dtype)
    for i, j, m in np.ndindex(*out):
        patch = x[:, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1], m * s[2] : m * s[2] + k[2]]
        y[:, i, j, m] = patch.reshape(b, -1)
    return y


@pytest.mark.parametrize(
    ("k", "s", "padding"),
    [((2, 2, 2), (1, 1, 1), "VALID"), ((2, 3, 2), (2, 1, 2), "SAME"), ((3, 3, 3), (2, 2, 2), "SAME")],
)
def test_extract_volume_patches_matches_reference(k, s, padding):
    # The reference agrees exactly with TF 2.21 on these cases.
    x = RNG.standard_normal((2, 4, 5, 3, 2)).astype(np.float32)
    got = tf.extract_volume_patches(x, [1, *k, 1], [1, *s, 1], padding)
    want = _volume_patches_reference(x, k, s, padding)
    assert got.shape == want.shape and got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), want)


def test_extract_volume_patches_ints_errors_and_gradient():
    xi = np.arange(2 * 4 * 5 * 3 * 2, dtype=np.int32).reshape(2, 4, 5, 3, 2)
    got = tf.extract_volume_patches(xi, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), _volume_patches_reference(xi, (2, 2, 2), (1, 1, 1), "VALID"))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"input must be 5-dimensional\[4,5,3,2\]"):
        tf.extract_volume_patches(xi[0], [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(tf.errors.UnimplementedError, match="Only support ksizes across space"):
        tf.extract_volume_patches(xi, [2, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
    x = tf.constant(np.random.default_rng(1).standard_normal((1, 3, 5, 4, 2)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.extract_volume_patches(x, [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME")
        z = tf.reduce_sum(y * y)
    # TF 2.21's registered gradient on the same input: sums -23.27606 and 280 (patch counts)
    assert float(tf.reduce_sum(tape.gradient(z, x))) == pytest.approx(-23.27606201171875, rel=1e-5)
    assert float(tf.reduce_sum(tape.gradient(y, x))) == 280.0


@pytest.mark.parametrize(
    ("rate", "padding"),
    [([2, 2], "SAME"), ([2, 3], "VALID"), ([1, 1], "SAME"), ([3, 2], [[0, 0], [1, 2], [0, 3], [0, 0]])],
)
def test_with_space_to_batch_is_a_dilated_convolution(rate, padding):
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 2)).astype(np.float32)
    got = tf.nn.with_space_to_batch(x, rate, padding, lambda t, n, p: tf.nn.convolution(t, w, padding=p), [3, 2])
    want = tf.nn.convolution(x, w, padding=padding, dilations=rate)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)


def test_with_space_to_batch_spatial_dims_gradient_and_errors():
    x = tf.Variable(RNG.standard_normal((2, 1, 7, 6, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.nn.with_space_to_batch(x, [2], "VALID", lambda t, n, p: t * 2.0, spatial_dims=[2])
    assert y.shape == x.shape
    np.testing.assert_allclose(y.numpy(), 2 * x.numpy())
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.full(x.shape, 2.0))
    op = lambda t, n, p: t  # noqa: E731
    with pytest.raises(ValueError, match="`filter_shape` must be specified"):
        tf.nn.with_space_to_batch(X, [2, 2], "SAME", op)
    with pytest.raises(ValueError, match="monotonically increasing"):
        tf.nn.with_space_to_batch(X, [2, 2], "VALID", op, spatial_dims=[2, 1])
    with pytest.raises(ValueError, match="must be positive"):
        tf.nn.with_space_to_batch(X, [0, 2], "VALID", op)
