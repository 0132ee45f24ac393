"""tf.signal: values (checked against TF 2.21), dtypes, shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def _x(shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    return np.random.default_rng(0).normal(size=shape).astype(dtype)


def test_complex_ffts_match_numpy_over_innermost_dims() -> None:
    z = (_x((2, 3, 4)) + 1j * _x((2, 3, 4))[::-1]).astype(np.complex64)
    for fn, want in (
        (tf.signal.fft, np.fft.fft(z)),
        (tf.signal.ifft, np.fft.ifft(z)),
        (tf.signal.fft2d, np.fft.fft2(z)),
        (tf.signal.ifft2d, np.fft.ifft2(z)),
        (tf.signal.fft3d, np.fft.fftn(z)),
        (tf.signal.ifft3d, np.fft.ifftn(z)),
    ):
        got = fn(tf.constant(z))
        assert got.dtype == tf.complex64 and got.shape == z.shape
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)


def test_fft_rejects_real_input_and_too_low_rank() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="complex64, complex128"):
        tf.signal.fft(tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank of at least 1"):
        tf.signal.fft(tf.constant(1 + 0j, tf.complex64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank of at least 2"):
        tf.signal.fft2d(tf.constant([1 + 0j], tf.complex64))


def test_rfft_dtypes_and_fft_length_pads_or_crops() -> None:
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    assert tf.signal.rfft(x).dtype == tf.complex64
    assert tf.signal.rfft(tf.cast(x, tf.float64)).dtype == tf.complex128
    # Values from TF 2.21.
    np.testing.assert_allclose(tf.signal.rfft(x, fft_length=[2]).numpy(), [3.0, -1.0])
    np.testing.assert_allclose(
        tf.signal.rfft(x, fft_length=[6]).numpy(), [10, -3.5 - 4.330127j, 2.5 + 0.8660253j, -2], rtol=1e-6
    )
    with pytest.raises(ValueError, match=r"float32 or tf\.float64"):
        tf.signal.rfft(tf.constant([1, 2]))


def test_irfft_default_and_odd_fft_length_match_tf() -> None:
    spectrum = tf.signal.rfft(tf.constant([1.0, 2.0, 3.0, 4.0]))
    back = tf.signal.irfft(spectrum)
    assert back.dtype == tf.float32
    np.testing.assert_allclose(back.numpy(), [1, 2, 3, 4], rtol=1e-6)
    np.testing.assert_allclose(
        tf.signal.irfft(spectrum, fft_length=[5]).numpy(), [0.4, 1.6391548, 1.9297718, 2.8702283, 3.1608453], rtol=1e-5
    )
    with pytest.raises(ValueError, match=r"complex64 or tf\.complex128"):
        tf.signal.irfft(tf.constant([1.0, 2.0]))


def test_rfft2d_rfft3d_and_inverses_round_trip() -> None:
    x = tf.constant(_x((2, 3, 4, 6), np.float64))
    np.testing.assert_allclose(tf.signal.rfft2d(x).numpy(), np.fft.rfftn(x.numpy(), axes=(-2, -1)), atol=1e-12)
    np.testing.assert_allclose(tf.signal.irfft2d(tf.signal.rfft2d(x)).numpy(), x.numpy(), atol=1e-12)
    np.testing.assert_allclose(tf.signal.irfft3d(tf.signal.rfft3d(x)).numpy(), x.numpy(), atol=1e-12)
    assert tf.signal.rfft3d(x, fft_length=[3, 5, 7]).shape == (2, 3, 5, 4)


def test_fftshift_and_ifftshift_follow_numpy_on_all_or_given_axes() -> None:
    x = np.arange(15).reshape(3, 5)
    assert tf.signal.fftshift(x).numpy().tolist() == np.fft.fftshift(x).tolist()
    assert tf.signal.ifftshift(x, axes=1).numpy().tolist() == np.fft.ifftshift(x, axes=1).tolist()
    assert tf.signal.fftshift(x.tolist(), axes=[-2]).numpy().tolist() == np.fft.fftshift(x, axes=0).tolist()


def test_frame_counts_frames_as_tf_with_and_without_pad_end() -> None:
    x = tf.reshape(tf.range(22.0), [2, 11])
    assert tf.signal.frame(x, 4, 3).shape == (2, 3, 4)
    padded = tf.signal.frame(x, 4, 3, pad_end=True, pad_value=-1.0)
    assert padded.shape == (2, 4, 4)
    assert padded.numpy()[0, -1].tolist() == [9.0, 10.0, -1.0, -1.0]
    assert tf.signal.frame(x, 12, 1).shape == (2, 0, 12)
    assert tf.signal.frame(tf.transpose(x), 3, 2, axis=0).shape == (5, 3, 2)


def test_overlap_and_add_sums_overlaps_and_rejects_rank_1() -> None:
    frames = tf.reshape(tf.range(6.0), [1, 3, 2])
    assert tf.signal.overlap_and_add(frames, 1).numpy().tolist() == [[0.0, 3.0, 7.0, 5.0]]
    assert tf.signal.overlap_and_add(frames, 3).numpy().tolist() == [[0.0, 1.0, 0.0, 2.0, 3.0, 0.0, 4.0, 5.0]]
    with pytest.raises(ValueError, match="rank at least 2"):
        tf.signal.overlap_and_add(tf.ones([3]), 1)


def test_windows_match_tf_values() -> None:
    # TF's periodic window of odd length is the symmetric one.
    np.testing.assert_allclose(tf.signal.hann_window(5).numpy(), [0, 0.5, 1, 0.5, 0], atol=1e-7)
    np.testing.assert_allclose(tf.signal.hann_window(4, periodic=False).numpy(), [0, 0.75, 0.75, 0], atol=1e-7)
    np.testing.assert_allclose(tf.signal.hamming_window(4).numpy(), [0.08, 0.54, 1.0, 0.54], atol=1e-6)
    assert tf.signal.hann_window(1).numpy().tolist() == [1.0]
    np.testing.assert_allclose(tf.signal.kaiser_window(5, beta=3.0).numpy(), np.kaiser(5, 3.0), rtol=1e-5)
    np.testing.assert_allclose(
        tf.signal.vorbis_window(4).numpy(), [0.2280144, 0.9736578, 0.9736578, 0.2280142], rtol=1e-5
    )
    kbd = tf.signal.kaiser_bessel_derived_window(6, dtype=tf.float64).numpy()
    np.testing.assert_allclose(kbd[:3] ** 2 + kbd[3:] ** 2, np.ones(3))  # power complementary (Princen-Bradley)
    assert tf.signal.hann_window(3, dtype=tf.float64).dtype == tf.float64
    with pytest.raises(ValueError, match="floating point"):
        tf.signal.hann_window(3, dtype=tf.int32)


def test_stft_shape_dtype_and_inverse_reconstructs_the_signal() -> None:
    x = _x((2, 64))
    s = tf.signal.stft(x, frame_length=16, frame_step=4)
    assert s.shape == (2, 13, 9) and s.dtype == tf.complex64
    np.testing.assert_allclose(
        s.numpy()[0, 0], np.fft.rfft(x[0, :16] * tf.signal.hann_window(16).numpy()), rtol=1e-4, atol=1e-4
    )
    assert tf.signal.stft(x, 10, 5, pad_end=True).shape == (2, 13, 9)
    y = tf.signal.inverse_stft(s, 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4))
    assert y.shape == (2, 64) and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy()[:, 12:-12], x[:, 12:-12], rtol=1e-4, atol=1e-4)


def test_dct_types_match_scipy_conventions_and_idct_inverts() -> None:
    x = _x((2, 6), np.float64)
    # TF's unnormalised DCT-II is scipy's: 2 * sum x_n cos(pi k (2n + 1) / 2N).
    n = np.arange(6)
    want = 2 * (x[:, None, :] * np.cos(np.pi * n[:, None] * (2 * n[None, :] + 1) / 12)).sum(-1)
    np.testing.assert_allclose(tf.signal.dct(tf.constant(x)).numpy(), want, atol=1e-10)
    for t in (2, 3, 4):
        back = tf.signal.idct(tf.signal.dct(tf.constant(x), t, norm="ortho"), t, norm="ortho")
        np.testing.assert_allclose(back.numpy(), x, atol=1e-10)
    assert tf.signal.dct(x.astype(np.float32), 1, n=9).shape == (2, 9)
    with pytest.raises(ValueError, match="Type-I DCT"):
        tf.signal.dct(x, 1, norm="ortho")
    with pytest.raises(NotImplementedError, match="axis must be -1"):
        tf.signal.dct(x, axis=0)
    with pytest.raises(ValueError, match="Types I, II, III and IV"):
        tf.signal.idct(x, 5)


def test_mel_matrix_and_mfccs_match_tf_values() -> None:
    m = tf.signal.linear_to_mel_weight_matrix(4, 9, 8000, 100.0, 4000.0)
    assert m.shape == (9, 4) and m.dtype == tf.float32
    assert (m.numpy()[0] == 0).all()  # the DC bin
    np.testing.assert_allclose(m.numpy()[2], [0.0, 0.87155014, 0.12844986, 0.0], atol=1e-6)  # TF 2.21
    with pytest.raises(ValueError, match="Nyquist"):
        tf.signal.linear_to_mel_weight_matrix(upper_edge_hertz=5000.0)
    x = _x((3, 8))
    np.testing.assert_allclose(
        tf.signal.mfccs_from_log_mel_spectrograms(x).numpy(),
        tf.signal.dct(x).numpy() / np.sqrt(16.0),
        rtol=1e-6,
        atol=1e-6,
    )


def test_mdct_shapes_and_inverse_reconstructs_the_interior() -> None:
    x = _x((2, 64))
    m = tf.signal.mdct(x, 16)
    assert m.shape == (2, 7, 8) and m.dtype == tf.float32
    assert tf.signal.mdct(x, 16, pad_end=True).shape == (2, 8, 8)
    y = tf.signal.inverse_mdct(m)
    assert y.shape == (2, 64)
    # Vorbis windows are power complementary: every sample covered by two frames comes back.
    np.testing.assert_allclose(y.numpy()[:, 8:-8], x[:, 8:-8], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        tf.signal.inverse_mdct(tf.signal.mdct(x, 16, norm="ortho"), norm="ortho").numpy()[:, 8:-8],
        x[:, 8:-8],
        atol=1e-4,
    )
    with pytest.raises(ValueError, match="multiple of 4"):
        tf.signal.mdct(x, 10)
