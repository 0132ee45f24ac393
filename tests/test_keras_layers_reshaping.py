"""Keras' ZeroPadding1D/2D/3D, Cropping1D/2D/3D and UpSampling1D/2D/3D: values against NumPy in both
data formats, output shapes (also symbolic), errors, configs and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

L = tf.keras.layers
rng = np.random.default_rng(0)


def test_zero_padding_matches_numpy_pad_in_both_formats():
    x1 = rng.standard_normal((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(L.ZeroPadding1D((1, 2))(x1).numpy(), np.pad(x1, ((0, 0), (1, 2), (0, 0))))
    x2 = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    np.testing.assert_array_equal(
        L.ZeroPadding2D(((1, 0), (2, 3)))(x2).numpy(), np.pad(x2, ((0, 0), (1, 0), (2, 3), (0, 0)))
    )
    np.testing.assert_array_equal(
        L.ZeroPadding2D(1, data_format="channels_first")(x2).numpy(), np.pad(x2, ((0, 0), (0, 0), (1, 1), (1, 1)))
    )
    x3 = rng.standard_normal((1, 2, 3, 4, 2)).astype("float32")
    np.testing.assert_array_equal(L.ZeroPadding3D()(x3).numpy(), np.pad(x3, ((0, 0), (1, 1), (1, 1), (1, 1), (0, 0))))
    assert L.ZeroPadding2D((1, 2)).padding == ((1, 1), (2, 2))


def test_cropping_matches_numpy_slices():
    x1 = rng.standard_normal((2, 6, 3)).astype("float32")
    np.testing.assert_array_equal(L.Cropping1D((1, 2))(x1).numpy(), x1[:, 1:4])
    x2 = rng.standard_normal((2, 5, 6, 3)).astype("float32")
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (2, 2)))(x2).numpy(), x2[:, 1:, 2:4])
    np.testing.assert_array_equal(L.Cropping2D(1, data_format="channels_first")(x2).numpy(), x2[:, :, 1:5, 1:2])
    x3 = rng.standard_normal((1, 4, 4, 4, 2)).astype("float32")
    np.testing.assert_array_equal(L.Cropping3D()(x3).numpy(), x3[:, 1:3, 1:3, 1:3])
    with pytest.raises(ValueError, match="should be smaller than the corresponding spatial dimension"):
        L.Cropping2D(3)(x2)
    with pytest.raises(ValueError, match="must be smaller than the input length"):
        L.Cropping1D(3)(x1)
    with pytest.raises(ValueError, match="cannot be negative"):
        L.Cropping2D(-1)


def test_up_sampling_repeats_and_resizes():
    x1 = rng.standard_normal((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(L.UpSampling1D(3)(x1).numpy(), np.repeat(x1, 3, axis=1))
    x2 = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(x2).numpy(), np.repeat(np.repeat(x2, 2, 1), 3, 2))
    cf = L.UpSampling2D(2, data_format="channels_first")(x2).numpy()
    np.testing.assert_array_equal(cf, np.repeat(np.repeat(x2, 2, 2), 2, 3))
    bil = L.UpSampling2D(2, interpolation="bilinear")(x2)
    assert bil.shape == (2, 6, 8, 5) and bil.dtype == tf.float32
    x3 = rng.standard_normal((1, 2, 2, 2, 1)).astype("float32")
    np.testing.assert_array_equal(L.UpSampling3D()(x3).numpy(), np.repeat(np.repeat(np.repeat(x3, 2, 1), 2, 2), 2, 3))
    with pytest.raises(TypeError, match="`size` must be an integer"):
        L.UpSampling1D(2.0)


def test_symbolic_shapes_and_none_dimensions():
    x = tf.keras.Input((None, 6, 3))
    y = L.Cropping2D(((0, 0), (1, 1)))(L.ZeroPadding2D(2)(L.UpSampling2D()(x)))
    assert y.shape == (None, None, 14, 3)


def test_configs_round_trip():
    for layer in (
        L.ZeroPadding2D(((1, 0), (2, 3))),
        L.Cropping3D(1),
        L.UpSampling2D(3, interpolation="bilinear"),
        L.UpSampling1D(4),
    ):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_gradients_flow_back_through_padding_cropping_and_upsampling():
    x = tf.constant(rng.standard_normal((1, 4, 4, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.UpSampling2D()(L.Cropping2D(1)(L.ZeroPadding2D(1)(x))))
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g[0, :, :, 0], np.full((4, 4), 4.0))
