"""Optional parity of tf.signal and tf.image with TensorFlow itself (skipped where TF is not installed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapejax as tf

tf_real = pytest.importorskip("tensorflow")

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(2, 3, 4, 6)).astype(np.float32)
_Z = (_X + 1j * _X[..., ::-1]).astype(np.complex64)
_SIG = _RNG.normal(size=(2, 40)).astype(np.float32)


def _same(got: Any, want: Any, tol: float = 1e-4) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"])
def test_complex_fft_matches_tf(name: str) -> None:
    _same(getattr(tf.signal, name)(_Z), getattr(tf_real.signal, name)(_Z))


@pytest.mark.parametrize(
    ("name", "fft_length"),
    [
        ("rfft", None),
        ("rfft", [9]),
        ("rfft2d", [2, 5]),
        ("rfft3d", [3, 5, 7]),
        ("irfft", [9]),
        ("irfft", [11]),
        ("irfft2d", [5, 3]),
        ("irfft3d", None),
    ],
)
def test_real_fft_matches_tf(name: str, fft_length: Any) -> None:
    x = _Z if name.startswith("i") else _X
    _same(getattr(tf.signal, name)(x, fft_length), getattr(tf_real.signal, name)(x, fft_length))


def test_frame_overlap_and_add_windows_match_tf() -> None:
    for args in [(3, 2), (4, 3, True, 5.0), (12, 1, True)]:
        _same(tf.signal.frame(_SIG, *args), tf_real.signal.frame(_SIG, *args))
    _same(tf.signal.overlap_and_add(_X, 2), tf_real.signal.overlap_and_add(_X, 2))
    for n in (1, 5, 8):
        for name in ("hann_window", "hamming_window"):
            _same(getattr(tf.signal, name)(n, False), getattr(tf_real.signal, name)(n, False))
        for name in ("kaiser_window", "vorbis_window", "kaiser_bessel_derived_window"):
            _same(getattr(tf.signal, name)(n), getattr(tf_real.signal, name)(n))


@pytest.mark.parametrize("args", [(8, 4), (10, 3, 16), (7, 2, 4)])
def test_stft_and_inverse_stft_match_tf(args: tuple[int, ...]) -> None:
    _same(tf.signal.stft(_SIG, *args, pad_end=True), tf_real.signal.stft(_SIG, *args, pad_end=True))
    spectra = tf_real.signal.stft(_SIG, *args).numpy()
    _same(
        tf.signal.inverse_stft(spectra, *args, window_fn=tf.signal.inverse_stft_window_fn(args[1])),
        tf_real.signal.inverse_stft(spectra, *args, window_fn=tf_real.signal.inverse_stft_window_fn(args[1])),
    )


# -- tf.image ----------------------------------------------------------------------------------
_IMG = _RNG.uniform(0, 1, size=(2, 5, 7, 3)).astype(np.float32)
_U8 = (_IMG * 255).astype(np.uint8)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5"])
def test_resize_matches_tf_every_method_size_and_antialias(method: str) -> None:
    for size in [(3, 4), (9, 13), (2, 20)]:
        for antialias in (False, True):
            _same(
                tf.image.resize(_IMG, size, method, antialias=antialias),
                tf_real.image.resize(_IMG, size, method, antialias=antialias),
                2e-5,
            )
    _same(tf.image.resize(_U8, (4, 9), method), tf_real.image.resize(_U8, (4, 9), method), 1e-3)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "lanczos3"])
def test_resize_gradient_matches_tf(method: str) -> None:
    ct = _RNG.normal(size=(2, 3, 9, 3)).astype(np.float32)
    x_tf, x = tf_real.constant(_IMG), tf.constant(_IMG)
    with tf_real.GradientTape() as g_tf:
        g_tf.watch(x_tf)
        y_tf = tf_real.reduce_sum(tf_real.image.resize(x_tf, (3, 9), method) * ct)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(tf.image.resize(x, (3, 9), method) * ct)
    _same(g.gradient(y, x), g_tf.gradient(y_tf, x_tf), 1e-5)


def test_geometry_crops_pads_patches_match_tf() -> None:
    for k in range(4):
        _same(tf.image.rot90(_IMG, k), tf_real.image.rot90(_IMG, k))
    for th, tw in [(8, 8), (3, 10), (2, 2)]:
        _same(tf.image.resize_with_pad(_IMG, th, tw), tf_real.image.resize_with_pad(_IMG, th, tw))
        _same(tf.image.resize_with_crop_or_pad(_IMG, th, tw), tf_real.image.resize_with_crop_or_pad(_IMG, th, tw))
    for fraction in (0.3, 0.77):
        _same(tf.image.central_crop(_IMG, fraction), tf_real.image.central_crop(_IMG, fraction))
    args = ([1, 3, 3, 1], [1, 2, 3, 1], [1, 2, 1, 1], "SAME")
    _same(tf.image.extract_patches(_IMG, *args), tf_real.image.extract_patches(_IMG, *args))


def test_dtype_conversion_and_adjustments_match_tf() -> None:
    i16 = (_IMG * 60000 - 30000).astype(np.int16)
    for value in (_U8, i16, _IMG * 1.2 - 0.1):
        for dtype in ("uint8", "int16", "int32", "float32", "float64"):
            saturate = value.dtype.kind == "f" and dtype[0] in "ui"
            _same(
                tf.image.convert_image_dtype(value, tf.as_dtype(dtype), saturate),
                tf_real.image.convert_image_dtype(value, tf_real.as_dtype(dtype), saturate),
                1e-6,
            )
    for value in (_IMG, _U8):
        t = tf_real.constant(value)
        _same(tf.image.adjust_brightness(value, 0.2), tf_real.image.adjust_brightness(t, 0.2))
        _same(tf.image.adjust_contrast(value, 1.7), tf_real.image.adjust_contrast(t, 1.7), 1e-3)
        _same(tf.image.adjust_gamma(value, 0.7, 1.3), tf_real.image.adjust_gamma(t, 0.7, 1.3), 1e-3)
        _same(tf.image.per_image_standardization(value), tf_real.image.per_image_standardization(t))
        _same(tf.image.adjust_hue(value, 0.3), tf_real.image.adjust_hue(t, 0.3), 1.0)
        _same(tf.image.adjust_saturation(value, 1.7), tf_real.image.adjust_saturation(t, 1.7), 1.0)
        _same(tf.image.rgb_to_grayscale(value), tf_real.image.rgb_to_grayscale(t))
    t = tf_real.constant(_IMG)
    _same(tf.image.total_variation(_IMG), tf_real.image.total_variation(t), 1e-3)
    _same(tf.image.psnr(_IMG, _IMG[::-1], 1.0), tf_real.image.psnr(t, t[::-1], 1.0))
    _same(tf.image.sobel_edges(_IMG), tf_real.image.sobel_edges(t))


def test_color_spaces_and_rgb_to_hsv_gradient_match_tf_at_ties() -> None:
    rgb = _RNG.uniform(0, 1, size=(12, 3)).astype(np.float32)
    rgb[:6] = [[0.5, 0.5, 0.5], [0.2, 0.7, 0.7], [0, 0, 0], [0.9, 0.9, 0.1], [0.9, 0.1, 0.9], [0, 0.5, 0.2]]
    for name in ("rgb_to_hsv", "hsv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb"):
        _same(getattr(tf.image, name)(rgb), getattr(tf_real.image, name)(rgb), 1e-5)
    for d in (-0.7, 0.3, 1.0):
        _same(tf.image.adjust_hue(rgb[None], d), tf_real.image.adjust_hue(rgb[None], d), 1e-5)
    ct = _RNG.normal(size=rgb.shape).astype(np.float32)
    x_tf, x = tf_real.constant(rgb), tf.constant(rgb)
    with tf_real.GradientTape() as g_tf:
        g_tf.watch(x_tf)
        y_tf = tf_real.reduce_sum(tf_real.image.rgb_to_hsv(x_tf) * ct)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(tf.image.rgb_to_hsv(x) * ct)
    _same(g.gradient(y, x), g_tf.gradient(y_tf, x_tf), 1e-4)


def test_ssim_and_ssim_multiscale_match_tf() -> None:
    a = _RNG.uniform(0, 1, size=(2, 24, 20, 3)).astype(np.float32)
    b = np.clip(a + _RNG.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    _same(tf.image.ssim(a, b, 1.0), tf_real.image.ssim(a, b, 1.0), 1e-5)
    _same(tf.image.ssim(a, b, 1.0, return_index_map=True), tf_real.image.ssim(a, b, 1.0, return_index_map=True), 1e-5)
    _same(tf.image.ssim(a[:1], b, 1.0, 5, 0.8), tf_real.image.ssim(a[:1], b, 1.0, 5, 0.8), 1e-5)
    big = _RNG.uniform(0, 1, size=(2, 50, 45, 3)).astype(np.float32)
    big2 = np.clip(big + _RNG.normal(0, 0.1, big.shape), 0, 1).astype(np.float32)
    _same(
        tf.image.ssim_multiscale(big, big2, 1.0, filter_size=3),
        tf_real.image.ssim_multiscale(big, big2, 1.0, filter_size=3),
        1e-5,
    )


@pytest.mark.parametrize("dct_type", [1, 2, 3, 4])
def test_dct_and_idct_match_tf(dct_type: int) -> None:
    x = _X[0, 0]
    for norm in (None, "ortho") if dct_type != 1 else (None,):
        for n in (None, 4, 10):
            _same(tf.signal.dct(x, dct_type, n, norm=norm), tf_real.signal.dct(x, dct_type, n, norm=norm))
            _same(tf.signal.idct(x, dct_type, n, norm=norm), tf_real.signal.idct(x, dct_type, n, norm=norm))


def test_mel_matrix_and_mfccs_match_tf() -> None:
    for args in [(), (8, 33, 16000, 20.0, 7000.0), (40, 257, 22050, 0.0, 11025.0)]:
        _same(tf.signal.linear_to_mel_weight_matrix(*args), tf_real.signal.linear_to_mel_weight_matrix(*args), 1e-5)
    _same(tf.signal.mfccs_from_log_mel_spectrograms(_X), tf_real.signal.mfccs_from_log_mel_spectrograms(_X), 1e-5)


def test_non_max_suppression_matches_tf_on_random_boxes() -> None:
    rng = np.random.default_rng(3)
    for trial in range(12):
        n = int(rng.integers(1, 30))
        yx = rng.uniform(0, 10, (n, 2))
        boxes = np.concatenate([yx, yx + rng.uniform(0.5, 4, (n, 2))], 1).astype(np.float32)
        if trial % 3 == 0:
            boxes = boxes[:, [2, 3, 0, 1]]
        scores = (rng.permutation(n) / n + 0.01).astype(np.float32)
        args = (int(rng.integers(0, n + 3)), float(rng.uniform(0.1, 0.9)), float(rng.choice([-np.inf, 0.3])))
        _same(
            tf.image.non_max_suppression(boxes, scores, *args), tf_real.image.non_max_suppression(boxes, scores, *args)
        )
        sigma = float(rng.choice([0.0, 0.5]))
        for got, want in zip(
            tf.image.non_max_suppression_with_scores(boxes, scores, *args, sigma),
            tf_real.image.non_max_suppression_with_scores(boxes, scores, *args, sigma),
            strict=True,
        ):
            _same(got, want, 1e-5)


@pytest.mark.parametrize("norm", [None, "ortho"])
def test_mdct_and_inverse_mdct_match_tf(norm: Any) -> None:
    for window in ("vorbis_window", None):
        ours = None if window is None else getattr(tf.signal, window)
        theirs = None if window is None else getattr(tf_real.signal, window)
        _same(tf.signal.mdct(_SIG, 8, ours, True, norm), tf_real.signal.mdct(_SIG, 8, theirs, True, norm))
        spectra = tf_real.signal.mdct(_SIG, 12, theirs, False, norm).numpy()
        _same(tf.signal.inverse_mdct(spectra, ours, norm), tf_real.signal.inverse_mdct(spectra, theirs, norm))


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize_values_and_gradients_match_tf(method: str) -> None:
    boxes = _RNG.uniform(-0.3, 1.3, (6, 4)).astype(np.float32)
    boxes[1] = [0.8, 0.9, 0.1, 0.2]
    ind = np.array([0, 1, 0, 1, 0, 1], np.int32)
    for size in ([3, 4], [1, 5]):
        _same(
            tf.image.crop_and_resize(_IMG, boxes, ind, size, method, -1.0),
            tf_real.image.crop_and_resize(_IMG, boxes, ind, size, method, -1.0),
        )
    ct = _RNG.normal(size=(6, 3, 4, 3)).astype(np.float32)
    img_tf, boxes_tf = tf_real.constant(_IMG), tf_real.constant(boxes)
    img, b = tf.constant(_IMG), tf.constant(boxes)
    with tf_real.GradientTape() as g_tf:
        g_tf.watch([img_tf, boxes_tf])
        y_tf = tf_real.reduce_sum(tf_real.image.crop_and_resize(img_tf, boxes_tf, ind, [3, 4], method) * ct)
    with tf.GradientTape() as g:
        g.watch([img, b])
        y = tf.reduce_sum(tf.image.crop_and_resize(img, b, ind, [3, 4], method) * ct)
    for got, want in zip(g.gradient(y, [img, b]), g_tf.gradient(y_tf, [img_tf, boxes_tf]), strict=True):
        _same(got, want, 1e-3)


def test_draw_bounding_boxes_matches_tf_on_random_boxes() -> None:
    rng = np.random.default_rng(4)
    for trial in range(9):
        depth = (1, 3, 4)[trial % 3]
        img = rng.uniform(0, 1, (2, int(rng.integers(2, 9)), int(rng.integers(2, 9)), depth)).astype(np.float32)
        boxes = rng.uniform(-0.5, 1.5, (2, int(rng.integers(1, 6)), 4)).astype(np.float32)
        colors = rng.uniform(0, 1, (int(rng.integers(1, 4)), 4)).astype(np.float32) if trial % 4 else None
        _same(
            tf.image.draw_bounding_boxes(img, boxes, colors), tf_real.image.draw_bounding_boxes(img, boxes, colors), 0
        )
