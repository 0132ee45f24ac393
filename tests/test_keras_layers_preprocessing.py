"""tf.keras preprocessing layers: values against NumPy, adapt, randomness in training only (eager and tf.function),
seeds, configs, errors, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

L = tf.keras.layers
RNG = np.random.default_rng(2)
IMAGES = RNG.uniform(0, 255, (2, 4, 6, 3)).astype(np.float32)


# -- Normalization ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("axis", "reduce"), [(-1, (0, 1)), ((1, 2), (0,)), (None, (0, 1, 2))])
def test_normalization_adapt_on_array_matches_numpy(axis, reduce) -> None:
    data = RNG.standard_normal((10, 3, 2)).astype(np.float32) * 3 + 1
    layer = L.Normalization(axis=axis)
    layer.adapt(data)
    mean = data.mean(reduce, keepdims=True)
    std = data.std(reduce, keepdims=True)
    y = layer(tf.constant(data))
    assert y.dtype == tf.float32 and y.shape == data.shape
    np.testing.assert_allclose(y.numpy(), (data - mean) / std, rtol=1e-4, atol=1e-5)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.weights[2].dtype == tf.int64 and layer.trainable_weights == []


def test_normalization_adapt_on_batches_and_tensors_equals_adapt_on_the_whole() -> None:
    data = RNG.standard_normal((12, 3)).astype(np.float32)
    whole = L.Normalization()
    whole.adapt(data)
    for source in ([data[:5], data[5:]], (b for b in (data[:4], data[4:])), tf.constant(data)):
        layer = L.Normalization()
        layer.adapt(source)
        np.testing.assert_allclose(layer.get_weights()[0], whole.get_weights()[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer.get_weights()[1], whole.get_weights()[1], rtol=1e-5)


def test_normalization_and_discretization_adapt_on_a_dataset() -> None:
    data = RNG.standard_normal((10, 3)).astype(np.float32)
    layer = L.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(data).batch(4))
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(0), rtol=1e-5, atol=1e-6)
    flat = L.Normalization(axis=None)
    flat.adapt(tf.data.Dataset.from_tensor_slices(data[:, 0]))  # unbatched scalars: batched by 128, as Keras
    np.testing.assert_allclose(flat.adapt_variance.numpy(), data[:, 0].var(), rtol=1e-5)
    bins = L.Discretization(num_bins=2)
    bins.adapt(tf.data.Dataset.from_tensor_slices(data).batch(5))
    assert len(bins.bin_boundaries) == 1


def test_normalization_given_statistics_invert_and_config() -> None:
    layer = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.0])
    x = np.array([[3.0, 2.5]], np.float32)
    np.testing.assert_allclose(layer(tf.constant(x)).numpy(), [[1.0, 0.5 / 1e-7]], rtol=1e-6)
    inv = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
    np.testing.assert_allclose(inv(tf.constant(x)).numpy(), [[7.0, 9.5]])
    config = inv.get_config()
    assert config["mean"] == [1.0, 2.0] and config["axis"] == (-1,) and config["invert"] is True
    clone = L.Normalization.from_config(config)
    np.testing.assert_allclose(clone(tf.constant(x)).numpy(), [[7.0, 9.5]])


def test_normalization_errors() -> None:
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="must have the same shape"):
        L.Normalization(mean=[1.0], variance=[1.0, 2.0])
    with pytest.raises(ValueError, match="adapt\\(\\) received an empty iterable"):
        L.Normalization().adapt([])
    layer = L.Normalization()
    layer.adapt(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.ones((4, 2), np.float32))
    with pytest.raises(TypeError, match="Unsupported data type"):
        L.Normalization().adapt(3.0)


def test_normalization_gradient_and_tf_function() -> None:
    layer = L.Normalization(mean=[1.0, 3.0], variance=[4.0, 16.0])
    x = tf.constant([[2.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x) ** 2)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[2 * 0.5 / 2, 2 * (-0.5) / 4]])
    np.testing.assert_allclose(tf.function(layer)(x).numpy(), layer(x).numpy(), rtol=1e-6)


# -- Rescaling, CategoryEncoding, Discretization ---------------------------------------------------------
def test_rescaling_values_dtype_and_config() -> None:
    layer = L.Rescaling(scale=1 / 255.0, offset=-0.5)
    y = layer(tf.constant([[0, 255]], dtype=tf.uint8))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), [[-0.5, 0.5]], rtol=1e-6)
    per_channel = L.Rescaling(np.array([1.0, 2.0, 3.0], np.float32))
    np.testing.assert_allclose(per_channel(tf.constant(IMAGES)).numpy(), IMAGES * [1.0, 2.0, 3.0], rtol=1e-6)
    config = per_channel.get_config()
    assert config["scale"] == {"class_name": "__numpy__", "config": {"value": [1.0, 2.0, 3.0], "dtype": "float32"}}
    clone = L.Rescaling.from_config(config)
    np.testing.assert_array_equal(clone.scale, per_channel.scale)
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = L.Rescaling(3.0, 1.0)(x)
    np.testing.assert_allclose(tape.gradient(out, x).numpy(), [3.0, 3.0])


@pytest.mark.parametrize(
    ("mode", "inputs", "expected"),
    [
        ("one_hot", [2, 0], [[0, 0, 1, 0], [1, 0, 0, 0]]),
        ("one_hot", [[3], [1]], [[0, 0, 0, 1], [0, 1, 0, 0]]),
        ("multi_hot", [[0, 1, 1], [3, 3, 2]], [[1, 1, 0, 0], [0, 0, 1, 1]]),
        ("count", [[0, 1, 1], [3, 3, 2]], [[1, 2, 0, 0], [0, 0, 1, 2]]),
        ("count", [1, 1, 3], [0, 2, 0, 1]),
        ("binary", [1, 3], [0, 1, 0, 1]),
    ],
)
def test_category_encoding(mode, inputs, expected) -> None:
    layer = L.CategoryEncoding(num_tokens=4, output_mode=mode)
    y = layer(tf.constant(inputs))
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), np.array(expected, np.float32))
    assert tuple(layer.compute_output_shape(np.shape(inputs))) == tuple(y.shape)


def test_category_encoding_count_weights_and_errors() -> None:
    layer = L.CategoryEncoding(3, output_mode="count")
    y = layer(tf.constant([[0, 2, 2]]), count_weights=tf.constant([[0.5, 1.0, 2.0]]))
    np.testing.assert_allclose(y.numpy(), [[0.5, 0.0, 3.0]])
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        L.CategoryEncoding(3)(tf.constant([0]), count_weights=tf.constant([1.0]))
    with pytest.raises(ValueError, match="Unknown arg for output_mode: tf_idf"):
        L.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match="`num_tokens` must be >= 1"):
        L.CategoryEncoding(0)
    assert L.CategoryEncoding(3, "binary").get_config()["output_mode"] == "multi_hot"


def test_discretization_buckets_as_numpy_digitize() -> None:
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    bounds = [-0.5, 0.0, 0.7]
    layer = L.Discretization(bin_boundaries=bounds)
    y = layer(tf.constant(x))
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy(), np.digitize(x, bounds))
    hot = L.Discretization(bin_boundaries=bounds, output_mode="one_hot")(tf.constant([0.0, -1.0]))
    np.testing.assert_array_equal(hot.numpy(), np.eye(4, dtype=np.float32)[[2, 0]])


def test_discretization_adapt_num_bins_quantiles() -> None:
    layer = L.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(np.arange(100, dtype=np.float32))
    # Keras 3.15's approximate quantiles of 0..99 (checked in real Keras).
    np.testing.assert_allclose(layer.bin_boundaries, [23.999983, 48.999981, 73.999985], rtol=1e-6)
    y = layer(tf.constant([0.0, 30.0, 99.0]))
    np.testing.assert_array_equal(y.numpy(), [0, 1, 3])
    clone = L.Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries


def test_discretization_errors() -> None:
    with pytest.raises(ValueError, match="You need to set either `num_bins` or `bin_boundaries`"):
        L.Discretization()
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries` should not be set"):
        L.Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="Unknown value for `output_mode`"):
        L.Discretization(bin_boundaries=[0.0], output_mode="bad")
    with pytest.raises(ValueError, match="Cannot adapt a Discretization layer"):
        L.Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match="call `adapt\\(dataset\\)` before"):
        L.Discretization(num_bins=3)(tf.constant([1.0]))


# -- image layers ---------------------------------------------------------------------------------------------
def test_resizing_bilinear_matches_tf_image_resize_and_nearest_keeps_dtype() -> None:
    y = L.Resizing(2, 3)(tf.constant(IMAGES))
    np.testing.assert_allclose(y.numpy(), tf.image.resize(tf.constant(IMAGES), (2, 3)).numpy(), rtol=1e-6)
    ints = tf.constant(IMAGES.astype(np.uint8))
    assert L.Resizing(8, 3, interpolation="nearest")(ints).dtype == tf.uint8
    rounded = L.Resizing(2, 3)(ints)
    assert rounded.dtype == tf.uint8
    np.testing.assert_array_equal(rounded.numpy(), np.round(tf.image.resize(ints, (2, 3)).numpy()).astype(np.uint8))


def test_resizing_crop_and_pad_to_aspect_ratio() -> None:
    x = np.arange(4 * 6, dtype=np.float32).reshape(1, 4, 6, 1)
    # crop: a 4x4 center box of the 4x6 image, resized to 2x2.
    cropped = L.Resizing(2, 2, crop_to_aspect_ratio=True)(tf.constant(x))
    np.testing.assert_allclose(cropped.numpy(), tf.image.resize(x[:, :, 1:5], (2, 2)).numpy(), rtol=1e-6, atol=1e-6)
    # pad: to 6x6 with fill_value rows above and below, then resized to 3x3.
    padded = L.Resizing(3, 3, pad_to_aspect_ratio=True, fill_value=-1.0)(tf.constant(x))
    ref = np.pad(x, [(0, 0), (1, 1), (0, 0), (0, 0)], constant_values=-1.0)
    np.testing.assert_allclose(padded.numpy(), tf.image.resize(ref, (3, 3)).numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio`"):
        L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)(tf.constant(x))
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        L.Resizing(2, 2, interpolation="cubic")(tf.constant(x))


def test_resizing_gradient_flows_and_channels_first() -> None:
    x = tf.constant(IMAGES[:1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.Resizing(2, 3)(x))
    g = tape.gradient(y, x)
    assert g.shape == x.shape and float(tf.reduce_sum(g)) == pytest.approx(2 * 3 * 3, rel=1e-5)
    cf = L.Resizing(2, 3, data_format="channels_first")(tf.constant(IMAGES.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(
        cf.numpy().transpose(0, 2, 3, 1), L.Resizing(2, 3)(tf.constant(IMAGES)).numpy(), rtol=1e-6
    )


def test_center_crop() -> None:
    y = L.CenterCrop(2, 3)(tf.constant(IMAGES))
    np.testing.assert_array_equal(y.numpy(), IMAGES[:, 1:3, 1:4])
    single = L.CenterCrop(2, 2)(tf.constant(IMAGES[0]))
    np.testing.assert_array_equal(single.numpy(), IMAGES[0, 1:3, 2:4])
    # Larger than the input: aspect-ratio crop then bilinear resize.
    big = L.CenterCrop(8, 8)(tf.constant(IMAGES))
    np.testing.assert_allclose(big.numpy(), tf.image.resize(IMAGES[:, :, 1:5], (8, 8)).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="Expected image tensor to have rank 3"):
        L.CenterCrop(1, 1)(tf.ones((2, 2)))


def test_random_flip_flips_each_image_or_not_and_only_in_training() -> None:
    layer = L.RandomFlip("horizontal", seed=7)
    x = tf.constant(np.repeat(IMAGES[:1], 16, axis=0))
    y = layer(x).numpy()
    flipped = [np.array_equal(img, IMAGES[0, :, ::-1]) for img in y]
    same = [np.array_equal(img, IMAGES[0]) for img in y]
    assert all(f or s for f, s in zip(flipped, same, strict=True)) and any(flipped) and any(same)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())
    both = L.RandomFlip(seed=3)(x).numpy()
    assert all(np.array_equal(img, IMAGES[0]) or np.array_equal(img, IMAGES[0, ::-1, ::-1]) for img in both)


def test_random_layers_follow_the_global_seed_and_their_own_seed() -> None:
    x = tf.constant(IMAGES)
    tf.random.set_seed(11)
    a = L.RandomBrightness(0.5)(x).numpy()
    tf.random.set_seed(11)
    b = L.RandomBrightness(0.5)(x).numpy()
    np.testing.assert_array_equal(a, b)
    c = L.RandomContrast(0.5, seed=4)(x).numpy()
    d = L.RandomContrast(0.5, seed=4)(x).numpy()
    np.testing.assert_array_equal(c, d)


def test_random_layers_draw_anew_on_each_tf_function_call() -> None:
    for layer in (L.RandomBrightness(0.5, seed=1), L.RandomBrightness(0.5)):
        step = tf.function(lambda t, layer=layer: layer(t, training=True))
        x = tf.constant(np.full((1, 2, 2, 1), 100.0, np.float32))
        first, second = step(x).numpy(), step(x).numpy()
        assert not np.array_equal(first, second)


def test_random_contrast_and_brightness_values() -> None:
    x = tf.constant(IMAGES)
    y = L.RandomContrast((0.2, 0.2), seed=1)(x).numpy()
    mean = IMAGES.mean((1, 2), keepdims=True)
    factor = (y - mean) / (IMAGES - mean)  # one factor per image, in [1 - 0.2, 1 + 0.2]
    unclipped = (y > 0) & (y < 255)
    for i in range(2):
        f = factor[i][unclipped[i]]
        np.testing.assert_allclose(f, f[0], rtol=1e-3)
        assert 0.8 <= f[0] <= 1.2
    one_sided = L.RandomContrast(0.2, seed=1)  # Keras 3.15: factor 0.2 means (0, 0.2): factors in [1, 1.2]
    assert one_sided.factor == (0, 0.2)
    z = L.RandomBrightness((0.1, 0.3), value_range=(0, 255), seed=2)(x).numpy()
    delta = (z - IMAGES)[z < 255].reshape(-1)
    assert np.all((delta >= 0.1 * 255 - 1e-3) & (delta <= 0.3 * 255 + 1e-3))
    with pytest.raises(ValueError, match="in the range \\[0, 1\\]"):
        L.RandomContrast(1.5)
    with pytest.raises(ValueError, match="The `value_range` argument should be a list of two numbers"):
        L.RandomBrightness(0.1, value_range=3)


def test_random_crop_windows() -> None:
    x = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6, 1)
    y = L.RandomCrop(3, 4, seed=3)(tf.constant(x)).numpy()
    assert y.shape == (2, 3, 4, 1)
    h0, w0 = np.argwhere(x[0, :, :, 0] == y[0, 0, 0, 0])[0]
    np.testing.assert_array_equal(y, x[:, h0 : h0 + 3, w0 : w0 + 4])
    np.testing.assert_array_equal(L.RandomCrop(3, 4)(tf.constant(x), training=False).numpy(), x)


def test_random_translation_shifts_by_whole_pixels() -> None:
    x = RNG.uniform(0, 1, (1, 4, 5, 2)).astype(np.float32)
    # Fixed shifts: 1/4 of the height down, 2/5 of the width left.
    y = L.RandomTranslation((0.25, 0.25), (-0.4, -0.4), fill_mode="constant", fill_value=-1.0)(tf.constant(x)).numpy()
    expected = np.full_like(x, -1.0)
    expected[:, 1:, :3] = x[:, :3, 2:]
    np.testing.assert_allclose(y, expected, atol=1e-6)
    wrapped = L.RandomTranslation(0.0, (0.4, 0.4), fill_mode="wrap", interpolation="nearest")(tf.constant(x)).numpy()
    np.testing.assert_array_equal(wrapped, np.roll(x, 2, axis=2))


def test_random_rotation_quarter_turn_and_reflect_fill() -> None:
    x = RNG.uniform(0, 1, (2, 3, 3, 1)).astype(np.float32)
    y = L.RandomRotation((0.25, 0.25), fill_mode="constant", interpolation="nearest")(tf.constant(x)).numpy()
    np.testing.assert_array_equal(y, np.rot90(x, k=1, axes=(1, 2)))
    identity = L.RandomRotation(0.0)(tf.constant(x)).numpy()
    np.testing.assert_allclose(identity, x, atol=1e-6)
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` mirror"):
        L.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="Unknown `interpolation` bicubic"):
        L.RandomZoom(0.1, interpolation="bicubic")


def test_random_zoom_out_shrinks_about_the_center() -> None:
    x = np.arange(1, 26, dtype=np.float32).reshape(1, 5, 5, 1)
    y = L.RandomZoom((1.0, 1.0), fill_mode="constant", interpolation="nearest")(tf.constant(x)).numpy()
    # Zoom factor 2 (an image half the size): output pixel (i, j) reads input (2i - 2, 2j - 2).
    expected = np.zeros_like(x)
    expected[0, 1:4, 1:4, 0] = x[0, 0:5:2, 0:5:2, 0]
    np.testing.assert_array_equal(y, expected)
    with pytest.raises(ValueError, match=r"in the range \(-1.0, 1.0\]. Received: input_number=-1.0"):
        L.RandomZoom(-1.0)
    with pytest.raises(ValueError, match=r"in the range \[-1.0, 1.0\]. Received: input_number=1.5"):
        L.RandomTranslation(0.1, 1.5)


def test_random_perspective_moves_the_corners() -> None:
    from tapejax._src.keras.layers.image_affine import _homography

    start = np.array([[[0.0, 0.0], [3.0, 0.0], [0.0, 2.0], [3.0, 2.0]]], np.float32)
    end = start * np.array([[[1.0, 1.0], [1.2, 1.0], [1.0, 0.9], [1.1, 1.1]]], np.float32)
    t = _homography(tf.constant(start), tf.constant(end)).numpy()[0]
    for (sx, sy), (ex, ey) in zip(start[0], end[0], strict=True):  # output corner (ex, ey) reads input (sx, sy)
        k = t[6] * ex + t[7] * ey + 1
        np.testing.assert_allclose(
            [(t[0] * ex + t[1] * ey + t[2]) / k, (t[3] * ex + t[4] * ey + t[5]) / k], [sx, sy], atol=1e-4
        )
    x = tf.constant(IMAGES)
    np.testing.assert_allclose(L.RandomPerspective(scale=0.0)(x).numpy(), IMAGES, rtol=1e-5)
    np.testing.assert_array_equal(L.RandomPerspective()(x, training=False).numpy(), IMAGES)
    with pytest.raises(ValueError, match="The `scale` argument should be a number in the range"):
        L.RandomPerspective(scale=1.5)


def test_rand_augment_applies_its_draws_in_training_only() -> None:
    layer = L.RandAugment(num_ops=1, factor=0.3, seed=3)
    x = tf.constant(IMAGES)
    assert len(layer._layers) == 11
    np.testing.assert_array_equal(layer(x, training=False).numpy(), IMAGES)
    step = tf.function(lambda t: layer(t))  # (one compiled program: the eleven layers compile once)
    outs = [step(x).numpy() for _ in range(3)]
    assert all(o.shape == IMAGES.shape and np.all((o >= 0) & (o <= 255)) for o in outs)
    assert not all(np.array_equal(outs[0], o) for o in outs[1:])


def test_affine_layers_inside_tf_function_draw_per_call_and_pass_gradients() -> None:
    layer = L.RandomRotation(0.5, seed=3)
    x = tf.constant(IMAGES)
    step = tf.function(lambda t: layer(t))
    assert not np.array_equal(step(x).numpy(), step(x).numpy())
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.RandomTranslation((0.0, 0.0), (0.0, 0.0))(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.ones_like(IMAGES), atol=1e-5)


def test_color_layers_against_numpy() -> None:
    x = tf.constant(IMAGES)
    gray = (IMAGES * np.array([0.2989, 0.5870, 0.1140], np.float32)).sum(-1, keepdims=True)
    np.testing.assert_allclose(L.RandomGrayscale(1.0)(x).numpy(), np.broadcast_to(gray, IMAGES.shape), rtol=1e-5)
    np.testing.assert_array_equal(L.RandomGrayscale(1.0)(x, training=False).numpy(), IMAGES)
    np.testing.assert_allclose(L.RandomInvert((1.0, 1.0))(x).numpy(), 255 - IMAGES, rtol=1e-6)
    np.testing.assert_array_equal(L.RandomInvert(0.0)(x).numpy(), IMAGES)
    np.testing.assert_allclose(L.Solarization()(x).numpy(), 255 - IMAGES, rtol=1e-6)
    low, high = IMAGES.min((1, 2), keepdims=True), IMAGES.max((1, 2), keepdims=True)
    np.testing.assert_allclose(L.AutoContrast()(x).numpy(), (IMAGES - low) * 255 / (high - low), rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match="`factor` should be between 0 and 1"):
        L.RandomGrayscale(1.5)
    with pytest.raises(ValueError, match="The `value_range` argument should be a list of two numbers"):
        L.AutoContrast(value_range=5)
    with pytest.raises(ValueError, match=r"in the range \[0, 1\]. Received: input_number=2"):
        L.Solarization(addition_factor=2)


def test_random_shear_uses_one_of_the_two_signs() -> None:
    from tapejax._src.ops.image_transform_ops import image_projective_transform_v3

    x = tf.constant(IMAGES[:1])
    y = L.RandomShear(x_factor=(0.3, 0.3), y_factor=(0.1, 0.1), fill_mode="constant")(x).numpy()
    plus, minus = (
        image_projective_transform_v3(x, [1.0, s * 0.3, 0.0, s * 0.1, 1.0, 0.0, 0.0, 0.0]).numpy() for s in (1, -1)
    )
    assert np.allclose(y, plus, atol=1e-4) or np.allclose(y, minus, atol=1e-4)
    config = L.RandomShear(0.2).get_config()
    assert config["x_factor"] == (-0.2, 0.2)
    with pytest.raises(TypeError, match=r"input_number=-0\.2"):  # (Keras 3.15 cannot restore it either)
        L.RandomShear.from_config(config)
    with pytest.raises(ValueError, match=r"in the range \[0, 1.0\]. Received: input_number=-0.5"):
        L.RandomShear(x_factor=(-0.5, 0.5))


def test_color_degeneration_posterization_and_pipeline() -> None:
    x = tf.constant(IMAGES)
    gray = (IMAGES * np.array([0.2989, 0.5870, 0.1140], np.float32)).sum(-1, keepdims=True)
    blended = L.RandomColorDegeneration((0.5, 0.5))(x).numpy()
    np.testing.assert_allclose(blended, IMAGES + 0.5 * (gray - IMAGES), rtol=1e-5)
    posterized = L.RandomPosterization((3, 3))(x).numpy()
    np.testing.assert_array_equal(posterized, (IMAGES.astype(np.uint8) >> 5 << 5).astype(np.float32))
    bits = L.RandomPosterization(4, seed=1)(x).numpy()  # 1 to 3 bits kept per image
    for img, src in zip(bits, IMAGES.astype(np.uint8), strict=True):
        assert any(np.array_equal(img, (src >> (8 - b) << (8 - b)).astype(np.float32)) for b in (1, 2, 3))
    pipeline = L.Pipeline([L.Rescaling(2.0), L.RandomFlip("horizontal", seed=2), L.CenterCrop(2, 2)])
    np.testing.assert_allclose(pipeline(x, training=False).numpy(), 2 * IMAGES[:, 1:3, 2:4], rtol=1e-6)
    clone = L.Pipeline.from_config(pipeline.get_config())
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in pipeline.layers]
    with pytest.raises(ValueError, match="`Pipeline` config must contain a `layers` key"):
        L.Pipeline.from_config({"name": "p"})


def test_random_saturation_and_hue_in_hsv_space() -> None:
    x = tf.constant(IMAGES)
    gray = L.RandomSaturation((0.0, 0.0))(x).numpy()
    np.testing.assert_allclose(gray, np.broadcast_to(IMAGES.max(-1, keepdims=True), IMAGES.shape), rtol=1e-5)
    same = L.RandomSaturation((0.5, 0.5))(x).numpy()
    np.testing.assert_allclose(same, IMAGES, rtol=1e-4, atol=1e-3)
    hsv = tf.image.rgb_to_hsv(x / 255.0).numpy()
    shifted = tf.image.rgb_to_hsv(L.RandomHue((0.4, 0.4), seed=2)(x) / 255.0).numpy()
    delta = (shifted[..., 0] - hsv[..., 0]) % 1.0  # +0.2 or -0.2 (0.8) per image
    for d in delta:
        assert np.allclose(d, 0.2, atol=1e-3) or np.allclose(d, 0.8, atol=1e-3)
    np.testing.assert_array_equal(L.RandomHue(0.5)(x, training=False).numpy(), IMAGES)
    jitter = L.RandomColorJitter(brightness_factor=(0.1, 0.1), saturation_factor=(0.0, 0.0))
    expected = np.clip(IMAGES + 0.1 * 255, 0, 255).max(-1, keepdims=True)
    np.testing.assert_allclose(jitter(x).numpy(), np.broadcast_to(expected, IMAGES.shape), rtol=1e-5)
    assert len(jitter._layers) == 2
    dot = np.pad(np.ones((1, 1, 1, 1), np.float32), [(0, 0), (1, 1), (1, 1), (0, 0)])
    blurred = L.RandomSharpness((0.0, 0.0))(tf.constant(dot)).numpy()
    np.testing.assert_allclose(blurred[0, :, :, 0], [[1 / 13] * 3, [1 / 13, 5 / 13, 1 / 13], [1 / 13] * 3], rtol=1e-5)
    g = np.exp(-0.5 * (np.arange(3) - 1.0) ** 2 / (0.5 + 1e-6) ** 2)
    g /= g.sum()
    gauss = L.RandomGaussianBlur((1.0, 1.0), sigma=(0.5, 0.5))(tf.constant(dot)).numpy()
    np.testing.assert_allclose(gauss[0, :, :, 0], np.outer(g, g), rtol=1e-4)
    # Equalization: 4 distinct values, equally frequent, spread to 0, 85, 170, 255; one value: unchanged.
    levels = np.tile(np.array([10.0, 20.0, 30.0, 40.0], np.float32), 4).reshape(1, 4, 4, 1)
    np.testing.assert_allclose(L.Equalization()(tf.constant(levels)).numpy(), (levels / 10 - 1) * 85)
    np.testing.assert_array_equal(L.Equalization()(tf.constant(np.full((1, 2, 2, 1), 7.0, np.float32))).numpy(), 7.0)
    with pytest.raises(ValueError, match="kernel_size must be an odd number"):
        L.RandomGaussianBlur(kernel_size=4)


@pytest.mark.parametrize(
    "layer",
    [
        L.Resizing(3, 2, interpolation="nearest", pad_to_aspect_ratio=True, fill_value=1.0),
        L.CenterCrop(2, 2, data_format="channels_first"),
        L.RandomFlip("vertical", seed=5),
        L.RandomContrast((0.1, 0.4), value_range=(0, 1), seed=2),
        L.RandomBrightness(0.3, seed=1),
        L.RandomCrop(2, 3, seed=9),
        L.RandomRotation((-0.2, 0.3), fill_mode="wrap", seed=1),
        L.RandomZoom(0.2, (-0.1, 0.3), interpolation="nearest", fill_value=2.0),
        L.RandomTranslation(0.1, 0.2, fill_mode="nearest", data_format="channels_first"),
        L.RandomGrayscale(0.3, seed=2),
        L.RandomInvert((0.2, 0.6), value_range=(0, 1)),
        L.Solarization((0.1, 0.2), 0.5, value_range=(-1, 1), seed=3),
        L.AutoContrast(value_range=(0, 1)),
        L.RandomShear((0.0, 0.2), (0.1, 0.3), interpolation="nearest", seed=4),
        L.RandomPerspective((0.2, 0.9), scale=0.3, fill_value=1.0, seed=5),
        L.RandomColorDegeneration(0.3, value_range=(0, 1), seed=5),
        L.RandomPosterization((2, 6), seed=6),
        L.RandomSaturation(0.4, seed=7),
        L.RandomSharpness((0.2, 0.8), value_range=(0, 1)),
        L.RandomGaussianBlur(0.5, kernel_size=(3, 5), sigma=(0.2, 0.9), seed=9),
        L.Equalization(value_range=(0, 1), bins=64),
        L.RandAugment(value_range=(0, 1), num_ops=3, factor=(0.1, 0.3), interpolation="nearest", seed=2),
        L.RandomHue((0.1, 0.3), value_range=(0, 1), data_format="channels_first"),
        L.RandomColorJitter(brightness_factor=0.1, contrast_factor=0.2, saturation_factor=0.3, hue_factor=0.1, seed=8),
        L.Rescaling(2.0, offset=1.0),
        L.CategoryEncoding(5, output_mode="count"),
        L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="multi_hot"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip_and_deserialize(layer) -> None:
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    restored = L.deserialize(L.serialize(layer))
    assert type(restored) is type(layer) and restored.get_config() == config


def test_preprocessing_in_sequential_and_inference_mode() -> None:
    model = tf.keras.Sequential([L.Rescaling(1 / 255.0), L.RandomFlip(seed=1), L.CenterCrop(2, 3)])
    y = model(tf.constant(IMAGES), training=False)
    np.testing.assert_allclose(y.numpy(), IMAGES[:, 1:3, 1:4] / 255.0, rtol=1e-6)
