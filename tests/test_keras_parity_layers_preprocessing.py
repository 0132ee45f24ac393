"""Parity of tapejax's preprocessing layers with real Keras 3.15 (runs only where keras is installed)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
import tensorflow as real_tf  # noqa: E402

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(1)


def _both(name, *args, **kwargs):
    return getattr(keras_real.layers, name)(*args, **kwargs), getattr(tf.keras.layers, name)(*args, **kwargs)


def _config(layer):
    c = dict(layer.get_config())
    c.pop("name")
    return c


IMAGES = RNG.uniform(0, 255, (2, 5, 7, 3)).astype(np.float32)
INT_IMAGES = RNG.integers(0, 255, (5, 7, 3)).astype(np.uint8)

DETERMINISTIC = [
    ("Rescaling", (1 / 255.0,), {"offset": 0.5}, IMAGES),
    ("Rescaling", (np.array([1.0, 2.0, 3.0], np.float32),), {}, IMAGES),
    ("Resizing", (3, 4), {}, IMAGES),
    ("Resizing", (8, 9), {"interpolation": "nearest"}, IMAGES),
    ("Resizing", (4, 4), {"interpolation": "bicubic", "crop_to_aspect_ratio": True}, IMAGES),
    ("Resizing", (6, 3), {"pad_to_aspect_ratio": True, "fill_value": 7.0}, IMAGES),
    ("Resizing", (3, 8), {"pad_to_aspect_ratio": True}, IMAGES),
    ("Resizing", (3, 3), {"interpolation": "area", "antialias": True}, IMAGES),
    ("Resizing", (3, 4), {}, INT_IMAGES),
    ("Resizing", (4, 3), {"data_format": "channels_first"}, IMAGES.transpose(0, 3, 1, 2)),
    ("CenterCrop", (3, 4), {}, IMAGES),
    ("CenterCrop", (6, 4), {}, IMAGES),
    ("CenterCrop", (2, 2), {"data_format": "channels_first"}, IMAGES.transpose(0, 3, 1, 2)),
    ("CenterCrop", (3, 3), {}, INT_IMAGES),
    ("CategoryEncoding", (), {"num_tokens": 5, "output_mode": "one_hot"}, np.array([[0], [3], [4]])),
    ("CategoryEncoding", (), {"num_tokens": 5, "output_mode": "one_hot"}, np.array([0, 3, 4])),
    ("CategoryEncoding", (), {"num_tokens": 5}, np.array([[0, 1, 1], [3, 4, 0]])),
    ("CategoryEncoding", (), {"num_tokens": 5, "output_mode": "count"}, np.array([[0, 1, 1], [3, 4, 0]])),
    ("CategoryEncoding", (), {"num_tokens": 5, "output_mode": "count"}, np.array([0, 1, 1, 2])),
    ("Discretization", (), {"bin_boundaries": [-1.0, 0.0, 1.5]}, RNG.standard_normal((3, 4)).astype(np.float32)),
    (
        "Discretization",
        (),
        {"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"},
        np.array([-1.0, 0.0, 2.0], np.float32),
    ),
    (
        "Discretization",
        (),
        {"bin_boundaries": [0.0, 1.0], "output_mode": "count"},
        np.array([[-1.0, 0.0, 2.0, 0.5]], np.float32),
    ),
    ("Normalization", (), {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, IMAGES),
    ("Normalization", (), {"mean": 2.0, "variance": 4.0, "axis": None, "invert": True}, IMAGES),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "x"), DETERMINISTIC)
def test_deterministic_layers_match_keras(name, args, kwargs, x):
    real, ours = _both(name, *args, **kwargs)
    yr = real(x)
    yo = ours(tf.constant(x))
    assert yo.dtype.name == yr.dtype.name
    assert tuple(yo.shape) == tuple(yr.shape)
    if x.dtype == np.uint8 and name == "Resizing":
        # tf.image.resize differs from TF's by ~1 ulp, which can flip the rounding of an exact .5:
        # allow a few off-by-one pixels (truncating instead of rounding would differ on about half).
        diff = np.abs(yo.numpy().astype(int) - np.asarray(yr).astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.1
    else:
        np.testing.assert_allclose(yo.numpy(), np.asarray(yr), rtol=1e-5, atol=1e-4)
    assert _config(ours) == _config(real)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(real.compute_output_shape(x.shape))


RANDOM = [
    ("RandomFlip", (), {}),
    ("RandomFlip", ("vertical",), {"seed": 3}),
    ("RandomContrast", (0.3,), {}),
    ("RandomContrast", ((0.1, 0.5),), {"value_range": (0, 1)}),
    ("RandomBrightness", (0.2,), {}),
    ("RandomBrightness", ((-0.5, 0.1),), {"value_range": (-1, 1)}),
    ("RandomCrop", (3, 4), {"seed": 5}),
    ("RandAugment", (), {"num_ops": 3, "factor": (0.1, 0.4), "seed": 2}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), RANDOM)
def test_random_layers_pass_through_in_inference_and_configs_match(name, args, kwargs):
    real, ours = _both(name, *args, **kwargs)
    yr = real(IMAGES, training=False)
    yo = ours(tf.constant(IMAGES), training=False)
    np.testing.assert_allclose(yo.numpy(), np.asarray(yr), rtol=1e-6)
    assert _config(ours) == _config(real)


def test_random_crop_of_small_images_matches_keras_in_training():
    real, ours = _both("RandomCrop", 6, 4, seed=1)
    np.testing.assert_allclose(ours(tf.constant(IMAGES)).numpy(), real(IMAGES).numpy(), rtol=1e-5, atol=1e-4)


def test_normalization_adapt_matches_keras():
    data = RNG.standard_normal((20, 3, 2)).astype(np.float32) * 3 + 1
    for axis in (-1, (1, 2), None):
        real, ours = _both("Normalization", axis=axis)
        real.adapt(data)
        ours.adapt(data)
        np.testing.assert_allclose(ours(tf.constant(data)).numpy(), real(data).numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            [w.numpy() for w in ours.weights][:2], [w.numpy() for w in real.weights][:2], rtol=1e-5
        )
        assert [w.name for w in ours.weights] == [w.name for w in real.weights]
        assert [w.dtype for w in ours.weights] == [w.dtype for w in real.weights]
    real, ours = _both("Normalization")
    batches = [data[:7], data[7:]]
    real.adapt(batches)
    ours.adapt(batches)
    np.testing.assert_allclose(ours.get_weights()[:2], real.get_weights()[:2], rtol=1e-5)


def test_discretization_adapt_matches_keras():
    data = RNG.standard_normal((50, 2)).astype(np.float32)
    real, ours = _both("Discretization", num_bins=4, epsilon=0.05)
    real.adapt(data)
    ours.adapt(data)
    np.testing.assert_allclose(ours.bin_boundaries, real.bin_boundaries)
    np.testing.assert_array_equal(ours(tf.constant(data)).numpy(), real(data).numpy())
    assert ours.get_config() == {**real.get_config(), "name": ours.name}


# Degenerate factor ranges (lower == upper) make the random transforms deterministic: Keras' matrices exactly.
AFFINE = [
    ("RandomRotation", ((0.1, 0.1),), {"fill_mode": mode, "interpolation": interpolation})
    for mode in ("reflect", "wrap", "constant", "nearest")
    for interpolation in ("bilinear", "nearest")
] + [
    ("RandomRotation", ((-0.3, -0.3),), {"data_format": "channels_first"}),
    ("RandomZoom", ((0.3, 0.3),), {}),
    ("RandomZoom", ((-0.4, -0.4), (0.2, 0.2)), {"fill_mode": "constant", "fill_value": 3.0}),
    ("RandomTranslation", ((0.2, 0.2), (-0.3, -0.3)), {}),
    ("RandomTranslation", ((-0.5, -0.5), (0.1, 0.1)), {"fill_mode": "wrap", "interpolation": "nearest"}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), AFFINE)
def test_affine_layers_match_keras_for_fixed_factors(name, args, kwargs):
    real, ours = _both(name, *args, **kwargs)
    x = IMAGES.transpose(0, 3, 1, 2) if kwargs.get("data_format") == "channels_first" else IMAGES
    np.testing.assert_allclose(ours(tf.constant(x)).numpy(), np.asarray(real(x)), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(ours(tf.constant(x), training=False).numpy(), x)
    assert _config(ours) == _config(real)


def test_affine_layer_gradient_is_tfs():
    real, ours = _both("RandomRotation", (0.05, 0.05))
    xr = real_tf.constant(IMAGES)
    with real_tf.GradientTape() as tape:
        tape.watch(xr)
        yr = real(xr)
        lr = real_tf.reduce_sum(yr * real_tf.sin(yr / 50.0))
    xo = tf.constant(IMAGES)
    with tf.GradientTape() as tape2:
        tape2.watch(xo)
        yo = ours(xo)
        lo = tf.reduce_sum(yo * tf.sin(yo / 50.0))
    np.testing.assert_allclose(tape2.gradient(lo, xo).numpy(), tape.gradient(lr, xr).numpy(), rtol=1e-4, atol=1e-4)


COLOR = [
    ("RandomGrayscale", (), {"factor": 1.0}, IMAGES),
    ("RandomGrayscale", (), {"factor": 1.0, "data_format": "channels_first"}, IMAGES.transpose(0, 3, 1, 2)),
    ("RandomGrayscale", (), {"factor": 0.0}, IMAGES),
    ("RandomInvert", ((1.0, 1.0),), {}, IMAGES),
    ("RandomInvert", ((1.0, 1.0),), {"value_range": (0, 1)}, IMAGES / 255.0),
    # (Keras draws thresholds in [lo, hi * 255]: only zero factors are deterministic; they invert every pixel.)
    ("Solarization", (), {}, IMAGES),
    ("Solarization", (), {"value_range": (0, 1)}, IMAGES / 255.0),
    ("RandomColorDegeneration", ((0.6, 0.6),), {}, IMAGES),
    ("RandomColorDegeneration", ((-0.5, -0.5),), {"value_range": (0, 1)}, IMAGES / 255.0),
    ("RandomPosterization", ((3, 3),), {}, IMAGES),
    ("RandomPosterization", ((6, 6),), {"value_range": (0, 1)}, IMAGES / 255.0),
    ("RandomSaturation", ((0.3, 0.3),), {}, IMAGES),
    (
        "RandomSaturation",
        ((0.8, 0.8),),
        {"value_range": (0, 1), "data_format": "channels_first"},
        IMAGES.transpose(0, 3, 1, 2) / 255.0,
    ),
    ("RandomHue", (0.0,), {}, IMAGES),
    (
        "RandomColorJitter",
        (),
        {"brightness_factor": (0.1, 0.1), "contrast_factor": (0.0, 0.0), "saturation_factor": (0.3, 0.3)},
        IMAGES,
    ),
    ("RandomColorJitter", (), {"saturation_factor": (0.7, 0.7), "value_range": (0, 1)}, IMAGES / 255.0),
    ("RandomSharpness", ((0.1, 0.1),), {}, IMAGES),
    (
        "RandomSharpness",
        ((0.9, 0.9),),
        {"value_range": (0, 1), "data_format": "channels_first"},
        IMAGES.transpose(0, 3, 1, 2) / 255.0,
    ),
    ("RandomGaussianBlur", ((1.0, 1.0),), {"sigma": (0.5, 0.5)}, IMAGES),
    ("RandomGaussianBlur", ((1.0, 1.0),), {"kernel_size": (5, 3), "sigma": (0.7, 0.7)}, IMAGES),
    ("RandomGaussianBlur", ((0.0, 0.0),), {"data_format": "channels_first"}, IMAGES.transpose(0, 3, 1, 2)),
    ("Equalization", (), {}, IMAGES),
    ("Equalization", (), {"value_range": (0, 1), "bins": 16}, IMAGES / 255.0),
    ("Equalization", (), {"data_format": "channels_first"}, np.round(IMAGES.transpose(0, 3, 1, 2) / 64) * 64),
    ("AutoContrast", (), {}, IMAGES),
    ("AutoContrast", (), {"value_range": (0, 1)}, IMAGES / 300.0),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "x"), COLOR)
def test_color_layers_match_keras_for_fixed_factors(name, args, kwargs, x):
    real, ours = _both(name, *args, **kwargs)
    yr = np.asarray(real(x))
    yo = ours(tf.constant(x))
    assert yo.dtype.name == str(yr.dtype)
    np.testing.assert_allclose(yo.numpy(), yr, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        ours(tf.constant(x), training=False).numpy(), np.asarray(real(x, training=False)), rtol=1e-5, atol=1e-4
    )
    assert _config(ours) == _config(real)


def test_pipeline_matches_keras_and_its_config():
    layers = [
        ("Rescaling", (0.5,), {"offset": 1.0}),
        ("CenterCrop", (3, 3), {}),
        ("RandomFlip", ("vertical",), {"seed": 1}),
    ]
    real = keras_real.layers.Pipeline([getattr(keras_real.layers, n)(*a, **k) for n, a, k in layers])
    ours = tf.keras.layers.Pipeline([getattr(tf.keras.layers, n)(*a, **k) for n, a, k in layers])
    np.testing.assert_allclose(
        ours(tf.constant(IMAGES), training=False).numpy(), np.asarray(real(IMAGES, training=False)), rtol=1e-6
    )
    rc, oc = real.get_config(), ours.get_config()
    assert [c["class_name"] for c in oc["layers"]] == [c["class_name"] for c in rc["layers"]]
    strip = lambda c: {k: v for k, v in c["config"].items() if k != "name"}  # noqa: E731
    assert [strip(c) for c in oc["layers"]] == [strip(c) for c in rc["layers"]]
    assert set(oc) == set(rc)


def test_random_hue_shift_matches_one_of_keras_two_signs():
    # The sign is random: compare with Keras' transform for both signs (its transform_images, fixed factors).
    real, ours = _both("RandomHue", (0.4, 0.4), seed=1)
    y = ours(tf.constant(IMAGES)).numpy()
    outs = [np.asarray(real.transform_images(IMAGES, {"factor": np.full((2,), s * 0.2, np.float32)})) for s in (1, -1)]
    for i in range(2):
        assert any(np.allclose(y[i], o[i], rtol=1e-4, atol=1e-2) for o in outs)


def test_perspective_warp_matches_keras_for_given_corners():
    from keras.src.backend.tensorflow import image as keras_tf_image

    from tapejax._src.keras.layers import image_affine

    h, w = IMAGES.shape[1:3]
    start = np.array([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]] * 2, np.float32)
    end = start + start * RNG.uniform(-0.3, 0.3, (2, 4, 2)).astype(np.float32)
    np.testing.assert_allclose(
        image_affine._homography(tf.constant(start), tf.constant(end)).numpy(),
        keras_tf_image.compute_homography_matrix(real_tf.constant(start), real_tf.constant(end)).numpy(),
        rtol=1e-4,
        atol=1e-5,
    )
    real = keras_tf_image.perspective_transform(IMAGES, start, end).numpy()
    ours = image_affine.affine_transform(
        tf.constant(IMAGES), image_affine._homography(tf.constant(start), tf.constant(end))
    )
    np.testing.assert_allclose(ours.numpy(), real, rtol=1e-4, atol=1e-2)
    r, o = _both("RandomPerspective", 0.7, scale=0.4, interpolation="nearest", fill_value=2.0, seed=3)
    assert _config(o) == _config(r)
