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
