"""tf.image: values (checked against TF 2.21), dtypes, shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def _img(shape: tuple[int, ...] = (2, 4, 5, 3)) -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 1, shape).astype(np.float32)


def test_flips_transpose_and_rot90_move_pixels_as_tf() -> None:
    x = np.arange(6).reshape(2, 3, 1)
    assert tf.image.flip_left_right(x).numpy()[..., 0].tolist() == [[2, 1, 0], [5, 4, 3]]
    assert tf.image.flip_up_down(x).numpy()[..., 0].tolist() == [[3, 4, 5], [0, 1, 2]]
    assert tf.image.transpose(x).numpy()[..., 0].tolist() == [[0, 3], [1, 4], [2, 5]]
    # Counter-clockwise, batch or single image, any k.
    assert tf.image.rot90(x).numpy()[..., 0].tolist() == [[2, 5], [1, 4], [0, 3]]
    assert tf.image.rot90(x, k=-1).numpy()[..., 0].tolist() == [[3, 0], [4, 1], [5, 2]]
    assert tf.image.rot90(x[None], k=2).numpy()[0, ..., 0].tolist() == [[5, 4, 3], [2, 1, 0]]
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        tf.image.flip_left_right(np.zeros((2, 3)))


def test_resize_dtype_rules_follow_tf() -> None:
    u8 = (_img() * 255).astype(np.uint8)
    assert tf.image.resize(u8, [3, 4]).dtype == tf.float32
    assert tf.image.resize(u8, [3, 4], method="nearest").dtype == tf.uint8
    assert tf.image.resize(u8.astype(np.float64), [3, 4], method="bicubic").dtype == tf.float32
    assert tf.image.resize(u8[0], [3, 4], method=tf.image.ResizeMethod.AREA).shape == (3, 4, 3)


def test_resize_values_match_tf() -> None:
    x = tf.constant([[[0.0], [4.0], [8.0]]])  # [1, 3, 1]
    # Half-pixel centres (TF 2): bilinear, nearest, bicubic (TF's table of Keys weights), area.
    np.testing.assert_allclose(tf.image.resize(x, [1, 2]).numpy()[0, :, 0], [1.0, 7.0])
    np.testing.assert_allclose(tf.image.resize(x, [1, 5], "nearest").numpy()[0, :, 0], [0, 0, 4, 8, 8])
    np.testing.assert_allclose(
        tf.image.resize(x, [1, 4], "bicubic").numpy()[0, :, 0],
        [-0.20895523, 2.2263799, 5.7736201, 8.2089558],
        rtol=1e-6,
    )
    np.testing.assert_allclose(tf.image.resize(x, [1, 2], "area").numpy()[0, :, 0], [4 / 3, 20 / 3], rtol=1e-6)
    np.testing.assert_allclose(
        tf.image.resize(x, [1, 2], antialias=True).numpy()[0, :, 0], [1.5000001, 6.5000005], rtol=1e-6
    )
    np.testing.assert_allclose(
        tf.image.resize(x, [1, 2], "lanczos3").numpy()[0, :, 0], [0.49285659, 7.5071435], rtol=1e-5
    )


def test_resize_preserve_aspect_ratio_and_errors() -> None:
    x = _img()
    assert tf.image.resize(x, [8, 20], preserve_aspect_ratio=True).shape == (2, 8, 10, 3)
    assert tf.image.resize(x, [3, 20], preserve_aspect_ratio=True).shape == (2, 3, 4, 3)
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        tf.image.resize(x[0, 0], [2, 2])
    with pytest.raises(ValueError, match="2 elements"):
        tf.image.resize(x, [2, 2, 2])
    with pytest.raises(ValueError, match="not implemented"):
        tf.image.resize(x, [2, 2], method="cubic")
    with pytest.raises(NotImplementedError, match="gaussian"):
        tf.image.resize(x, [2, 2], method=tf.image.ResizeMethod.GAUSSIAN)


def test_crops_and_pads_place_the_image_as_tf() -> None:
    x = np.arange(20, dtype=np.float32).reshape(4, 5, 1)
    assert tf.image.crop_to_bounding_box(x, 1, 2, 2, 3).numpy()[..., 0].tolist() == [[7, 8, 9], [12, 13, 14]]
    padded = tf.image.pad_to_bounding_box(x, 1, 2, 6, 8).numpy()[..., 0]
    assert padded.shape == (6, 8) and padded[1, 2] == 0 and padded[2, 3] == 6 and padded.sum() == x.sum()
    assert tf.image.resize_with_crop_or_pad(x, 2, 7).numpy()[..., 0].tolist() == [
        [0, 5, 6, 7, 8, 9, 0],
        [0, 10, 11, 12, 13, 14, 0],
    ]
    assert tf.image.central_crop(x, 0.5).numpy()[..., 0].tolist() == [[6, 7, 8], [11, 12, 13]]
    assert tf.image.resize_with_pad(x, 3, 3).shape == (3, 3, 1)
    with pytest.raises(ValueError):
        tf.image.crop_to_bounding_box(x, 3, 0, 2, 2)
    with pytest.raises(ValueError, match="central_fraction"):
        tf.image.central_crop(x, 0.0)


def test_convert_image_dtype_scales_as_tf() -> None:
    assert tf.image.convert_image_dtype(np.array([0, 128, 255], np.uint8), tf.float32).numpy().tolist() == [
        0.0,
        np.float32(128 / 255),
        1.0,
    ]
    assert tf.image.convert_image_dtype(np.array([0.0, 0.5, 1.0], np.float32), tf.uint8).numpy().tolist() == [
        0,
        127,
        255,
    ]
    assert tf.image.convert_image_dtype(
        np.array([-0.5, 2.0], np.float32), tf.uint8, saturate=True
    ).numpy().tolist() == [0, 255]
    # The docstring example of TF: int8 -> int16 -> int8.
    i16 = tf.image.convert_image_dtype(np.array([1, 2, 127, 127], np.int8), tf.int16)
    assert i16.numpy().tolist() == [256, 512, 32512, 32512]
    assert tf.image.convert_image_dtype(i16, tf.int8).numpy().tolist() == [1, 2, 127, 127]
    with pytest.raises(AttributeError, match="floating point or integer"):
        tf.image.convert_image_dtype(np.zeros(2, np.float32), tf.bool)


def test_pixel_adjustments_keep_dtype_and_saturate() -> None:
    u8 = np.array([[[10, 200, 250]]], np.uint8)
    assert tf.image.adjust_brightness(u8, 0.1).numpy().tolist() == [[[35, 225, 255]]]
    x = np.array([[[0.0], [1.0]], [[2.0], [3.0]]], np.float32)
    np.testing.assert_allclose(tf.image.adjust_contrast(x, 2.0).numpy()[..., 0], [[-1.5, 0.5], [2.5, 4.5]])
    np.testing.assert_allclose(tf.image.adjust_gamma(x, 2, 0.5).numpy()[..., 0], [[0, 0.5], [2, 4.5]])
    with pytest.raises(ValueError, match="non-negative"):
        tf.image.adjust_gamma(x, -1)
    s = tf.image.per_image_standardization(np.arange(8, dtype=np.uint8).reshape(2, 2, 2))
    assert s.dtype == tf.float32
    np.testing.assert_allclose(s.numpy().mean(), 0, atol=1e-6)
    np.testing.assert_allclose(s.numpy().std(), 1, atol=1e-6)


def test_metrics_total_variation_psnr_gradients_and_sobel() -> None:
    x = _img()
    tv = tf.image.total_variation(x)
    want = np.abs(np.diff(x, axis=1)).sum((1, 2, 3)) + np.abs(np.diff(x, axis=2)).sum((1, 2, 3))
    np.testing.assert_allclose(tv.numpy(), want, rtol=1e-5)
    p = tf.image.psnr(x, x * 0.9, 1.0)
    np.testing.assert_allclose(p.numpy(), -10 * np.log10(((x * 0.1) ** 2).mean((1, 2, 3))), rtol=1e-5)
    dy, dx = tf.image.image_gradients(x)
    np.testing.assert_allclose(dy.numpy()[:, :-1], np.diff(x, axis=1), rtol=1e-6)
    assert (dx.numpy()[:, :, -1] == 0).all()
    edges = tf.image.sobel_edges(x)
    assert edges.shape == (2, 4, 5, 3, 2)
    # Reflected borders: an image that is constant has no edges; a horizontal ramp has dx = 8 * slope.
    ramp = np.tile(np.arange(5, dtype=np.float32)[None, None, :, None], (1, 4, 1, 1))
    np.testing.assert_allclose(tf.image.sobel_edges(ramp).numpy()[0, 1, 2, 0], [0.0, 8.0])
    with pytest.raises(ValueError, match="4D"):
        tf.image.image_gradients(x[0])


def test_extract_patches_orders_features_row_col_channel() -> None:
    x = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)
    p = tf.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "VALID")
    assert p.shape == (2, 2, 2, 8)
    assert p.numpy()[0, 0, 0].tolist() == x[0, :2, :2].reshape(-1).tolist()
    assert tf.image.extract_patches(x, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME").shape == (2, 2, 2, 18)


def test_color_spaces_round_trip_and_match_tf_values() -> None:
    rgb = np.array([[0.2, 0.7, 0.7], [0.9, 0.9, 0.1], [0.0, 0.0, 0.0], [0.1, 0.4, 0.8]], np.float32)
    hsv = tf.image.rgb_to_hsv(rgb).numpy()
    np.testing.assert_allclose(hsv[0], [0.5, 0.71428573, 0.7], rtol=1e-6)
    np.testing.assert_allclose(tf.image.hsv_to_rgb(hsv).numpy(), rgb, atol=1e-6)
    np.testing.assert_allclose(tf.image.yiq_to_rgb(tf.image.rgb_to_yiq(rgb)).numpy(), rgb, atol=1e-4)
    np.testing.assert_allclose(tf.image.yuv_to_rgb(tf.image.rgb_to_yuv(rgb)).numpy(), rgb, atol=1e-4)
    gray = tf.image.rgb_to_grayscale((rgb * 255).astype(np.uint8)[None])
    assert gray.dtype == tf.uint8 and gray.shape == (1, 4, 1)
    assert tf.image.grayscale_to_rgb(gray).shape == (1, 4, 3)
    with pytest.raises(tf.errors.FailedPreconditionError, match="3 channels"):
        tf.image.rgb_to_hsv(rgb[:, :2])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.image.rgb_to_yiq(rgb[:, :2])


def test_adjust_hue_and_saturation_match_tf_values() -> None:
    rgb = np.array([[[0.2, 0.7, 0.7], [0.9, 0.9, 0.1]]], np.float32)
    np.testing.assert_allclose(tf.image.adjust_hue(rgb, 0.25).numpy(), [[[0.45, 0.2, 0.7], [0.1, 0.9, 0.5]]], atol=1e-6)
    np.testing.assert_allclose(
        tf.image.adjust_saturation(rgb, 0.5).numpy(), [[[0.45, 0.7, 0.7], [0.9, 0.9, 0.5]]], atol=1e-6
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 3-D"):
        tf.image.adjust_saturation(rgb[0], 0.5)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        tf.image.adjust_hue(rgb, 1.5)
    assert tf.image.adjust_saturation((rgb * 255).astype(np.uint8), 2.0).dtype == tf.uint8


def test_random_flips_flip_whole_images_or_nothing_and_repeat_after_set_seed() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4, 1)
    tf.random.set_seed(7)
    first = tf.image.random_flip_left_right(x).numpy()
    for got, image in zip(first, x, strict=True):
        assert got.tolist() in (image.tolist(), image[:, ::-1].tolist())
    tf.random.set_seed(7)
    np.testing.assert_array_equal(tf.image.random_flip_left_right(x).numpy(), first)
    got = tf.image.random_flip_up_down(x[0]).numpy()
    assert got.tolist() in (x[0].tolist(), x[0][::-1].tolist())
    u8 = (x * 10).astype(np.uint8)
    assert tf.image.random_flip_up_down(u8).dtype == tf.uint8


def test_random_color_ops_stay_in_range_and_check_arguments() -> None:
    img = _img((1, 3, 4, 3))
    b = tf.image.random_brightness(img, 0.2).numpy() - img
    assert np.ptp(b) < 1e-6 and abs(b.flat[0]) <= 0.2  # one delta for the whole image
    assert tf.image.random_contrast((img * 255).astype(np.uint8), 0.5, 1.5).dtype == tf.uint8
    assert tf.image.random_saturation(img, 0.5, 1.5).shape == img.shape
    assert tf.image.random_hue(img, 0.1).shape == img.shape
    with pytest.raises(ValueError, match="non-negative"):
        tf.image.random_brightness(img, -0.1)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(img, 1.0, 0.5)
    with pytest.raises(ValueError, match="lower must be non-negative"):
        tf.image.random_saturation(img, -1.0, 0.5)
    with pytest.raises(ValueError, match=r"<= 0\.5"):
        tf.image.random_hue(img, 0.6)


def test_random_crop_takes_a_window_of_the_input() -> None:
    x = np.arange(5 * 6, dtype=np.int32).reshape(5, 6, 1)
    for _ in range(3):
        c = tf.image.random_crop(x, [2, 3, 1]).numpy()[..., 0]
        i, j = np.argwhere(x[..., 0] == c[0, 0])[0]
        assert c.tolist() == x[i : i + 2, j : j + 3, 0].tolist()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Need value\.shape >= size"):
        tf.image.random_crop(x, [6, 1, 1])


def test_ssim_is_one_for_equal_images_and_lower_for_noise() -> None:
    a = _img((2, 16, 16, 3))
    b = np.clip(a + np.random.default_rng(1).normal(0, 0.2, a.shape), 0, 1).astype(np.float32)
    same = tf.image.ssim(a, a, 1.0)
    assert same.shape == (2,) and same.dtype == tf.float32
    np.testing.assert_allclose(same.numpy(), 1.0, rtol=1e-6)
    noisy = tf.image.ssim(a, b, 1.0).numpy()
    assert (noisy < 0.9).all() and (noisy > 0).all()
    assert tf.image.ssim(a, b, 1.0, filter_size=5, return_index_map=True).shape == (2, 12, 12)
    u8 = tf.image.ssim((a * 255).astype(np.uint8), (b * 255).astype(np.uint8), 255)
    np.testing.assert_allclose(u8.numpy(), noisy, atol=2e-2)
    np.testing.assert_allclose(tf.image.ssim_multiscale(a, a, 1.0, filter_size=1).numpy(), 1.0, rtol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="filter_size"):
        tf.image.ssim(a[:, :5], b[:, :5], 1.0)
    with pytest.raises(ValueError, match="not compatible"):
        tf.image.ssim(a, b[:, :8], 1.0)


_BOXES = np.array(
    [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1], [0, 100, 1, 101]],
    np.float32,
)
_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)


def test_non_max_suppression_matches_tf_examples() -> None:
    # Values from TF 2.21.
    assert tf.image.non_max_suppression(_BOXES, _SCORES, 3, 0.5).numpy().tolist() == [3, 0, 5]
    assert tf.image.non_max_suppression(_BOXES, _SCORES, 3, 0.5, score_threshold=0.4).numpy().tolist() == [3, 0]
    assert tf.image.non_max_suppression(_BOXES, _SCORES, 0).shape == (0,)
    # Swapped corners are the same box.
    assert tf.image.non_max_suppression(_BOXES[:, [2, 3, 0, 1]], _SCORES, 3, 0.5).numpy().tolist() == [3, 0, 5]
    idx, scores = tf.image.non_max_suppression_with_scores(_BOXES, _SCORES, 6, 0.5, 0.0, 0.5)
    assert idx.numpy().tolist() == [3, 0, 1, 5, 4, 2]
    np.testing.assert_allclose(scores.numpy(), [0.95, 0.9, 0.38400355, 0.3, 0.2560026, 0.19697244], rtol=1e-5)
    padded, valid = tf.image.non_max_suppression_padded(_BOXES, _SCORES, 5, 0.5, pad_to_max_output_size=True)
    assert padded.numpy().tolist() == [3, 0, 5, 0, 0] and int(valid) == 3
    assert tf.image.non_max_suppression_padded(_BOXES, _SCORES, 5, 0.5)[0].numpy().tolist() == [3, 0, 5]
    batch, counts = tf.image.non_max_suppression_padded(
        np.stack([_BOXES, _BOXES[::-1]]), np.stack([_SCORES, _SCORES]), 5, 0.5, pad_to_max_output_size=True
    )
    assert batch.numpy().tolist() == [[3, 0, 5, 0, 0], [3, 0, 1, 0, 0]] and counts.numpy().tolist() == [3, 3]
    with pytest.raises(ValueError, match="must be True for batched input"):
        tf.image.non_max_suppression_padded(np.stack([_BOXES]), np.stack([_SCORES]), 5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="incompatible shape"):
        tf.image.non_max_suppression(_BOXES, _SCORES[:3], 3)


def test_stateless_random_ops_repeat_for_a_seed_and_keep_tf_checks() -> None:
    img = _img((2, 6, 5, 3))
    ops = [
        lambda s: tf.image.stateless_random_flip_left_right(img, s),
        lambda s: tf.image.stateless_random_flip_up_down(img[0], s),
        lambda s: tf.image.stateless_random_brightness(img, 0.3, s),
        lambda s: tf.image.stateless_random_contrast(img, 0.2, 1.8, s),
        lambda s: tf.image.stateless_random_saturation(img, 0.2, 1.8, s),
        lambda s: tf.image.stateless_random_hue(img, 0.3, s),
        lambda s: tf.image.stateless_random_crop(img, [1, 3, 2, 3], s),
    ]
    for op in ops:
        a, b = op([3, 4]).numpy(), op([3, 4]).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)  # (fused or not: float rounding may differ)
    changed = [not np.array_equal(ops[2]([i, 0]).numpy(), ops[2]([3, 4]).numpy()) for i in range(3)]
    assert any(changed)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.stateless_random_contrast(img, 1.0, 0.5, [1, 2])


def test_crop_and_resize_samples_as_tf() -> None:
    img = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    full = tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [4, 4])
    np.testing.assert_allclose(full.numpy(), img)
    # A flipped box, a one-row crop at the box centre, and extrapolation outside the image.
    flipped = tf.image.crop_and_resize(img, [[1.0, 1.0, 0.0, 0.0]], [0], [2, 2]).numpy()[0, ..., 0]
    assert flipped.tolist() == [[15.0, 12.0], [3.0, 0.0]]
    center = tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [1, 1]).numpy()
    np.testing.assert_allclose(center, [[[[7.5]]]])
    outside = tf.image.crop_and_resize(img, [[-1.0, 0.0, 0.0, 1.0]], [0], [2, 2], extrapolation_value=-1.0)
    assert outside.numpy()[0, ..., 0].tolist() == [[-1.0, -1.0], [0.0, 3.0]]
    near = tf.image.crop_and_resize(img.astype(np.uint8), [[0.0, 0.0, 0.5, 0.5]], [0], [2, 2], "nearest")
    assert near.dtype == tf.float32 and near.numpy()[0, ..., 0].tolist() == [[0.0, 2.0], [8.0, 10.0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside"):
        tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [1], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="positive"):
        tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [0, 2])


def test_draw_bounding_boxes_draws_outlines_in_order_as_tf() -> None:
    img = np.zeros((1, 5, 6, 3), np.float32)
    boxes = np.array([[[0.1, 0.2, 0.8, 0.9], [-0.5, -0.5, 0.5, 0.5], [0.6, 0.6, 1.5, 1.5]]], np.float32)
    colors = np.array([[1, 0, 0, 1], [0, 1, 0, 1]], np.float32)
    out = tf.image.draw_bounding_boxes(img, boxes, colors).numpy()
    # TF 2.21's output: boxes clipped at the image, the green box drawn over the red one.
    assert out[0, ..., 0].tolist() == [
        [0, 1, 0, 1, 1, 0],
        [0, 1, 0, 0, 1, 0],
        [0, 0, 0, 1, 1, 1],
        [0, 1, 1, 1, 1, 0],
        [0, 0, 0, 1, 0, 0],
    ]
    assert out[0, ..., 1].tolist() == [[0, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0], [0] * 6, [0] * 6]
    assert tf.image.draw_bounding_boxes(img[..., :1], boxes, None).shape == (1, 5, 6, 1)
    x = tf.constant(img)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.image.draw_bounding_boxes(x, boxes, colors))
    assert tape.gradient(y, x) is None
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank of the images"):
        tf.image.draw_bounding_boxes(img[0], boxes, colors)
