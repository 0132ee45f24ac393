"""Gradient cases of tf.signal (tests/test_op_gradients.py): complex inputs are built from real ones."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from op_case import Case

import tapejax as tf
from tapejax._src.ops import signal_spectral_ops


def _c(x: Any, y: Any) -> Any:
    """x + iy as a tapejax complex tensor (complex64 from float32, complex128 from float64)."""
    d = tf.complex64 if x.dtype == tf.float32 else tf.complex128
    return tf.cast(x, d) + tf.cast(y, d) * 1j


def _parts(z: Any) -> Any:
    return tf.concat([tf.math.real(z), tf.math.imag(z)], axis=-1)


def _jparts(z: Any) -> Any:
    return jnp.concatenate([jnp.real(z), jnp.imag(z)], axis=-1)


def _complex_case(name: str, fn: Any, jfn: Any, shape: tuple[int, ...]) -> Case:
    return Case(name, lambda x, y: _parts(fn(_c(x, y))), lambda x, y: _jparts(jfn(x + 1j * y)), (shape, shape))


_AX = {1: (-1,), 2: (-2, -1), 3: (-3, -2, -1)}


def _flat_parts(zs: list[Any]) -> Any:
    return tf.concat([tf.reshape(_parts(z), [-1]) for z in zs], 0)


def _jflat_parts(zs: list[Any]) -> Any:
    return jnp.concatenate([_jparts(z).reshape(-1) for z in zs])


def _complex_ffts(z: Any) -> Any:
    s = tf.signal
    return _flat_parts([s.fft(z), s.ifft(z), s.fft2d(z), s.ifft2d(z), s.fft3d(z), s.ifft3d(z)])


def _jcomplex_ffts(z: Any) -> Any:
    f, i = jnp.fft.fftn, jnp.fft.ifftn
    return _jflat_parts([f(z, axes=_AX[1]), i(z, axes=_AX[1]), f(z, axes=_AX[2]), i(z, axes=_AX[2]), f(z), i(z)])


def _real_ffts(x: Any, y: Any) -> Any:
    s, z = tf.signal, _c(x, y)
    # Padded / cropped lengths, an odd irfft length (no Nyquist bin), and each rank.
    spectra = [s.rfft(x, [7]), s.rfft(x, [2]), s.rfft2d(x), s.rfft3d(x)]
    signals = [s.irfft(z, [5]), s.irfft(z), s.irfft2d(z), s.irfft3d(z, [2, 3, 3])]
    return tf.concat([_flat_parts(spectra), *[tf.reshape(r, [-1]) for r in signals]], 0)


def _jreal_ffts(x: Any, y: Any) -> Any:
    z = x + 1j * y
    spectra = [jnp.fft.rfft(x, 7), jnp.fft.rfft(x, 2), jnp.fft.rfftn(x, axes=_AX[2]), jnp.fft.rfftn(x)]
    signals = [jnp.fft.irfft(z, 5), jnp.fft.irfft(z), jnp.fft.irfftn(z, axes=_AX[2]), jnp.fft.irfftn(z, (2, 3, 3))]
    return jnp.concatenate([_jflat_parts(spectra), *[r.reshape(-1) for r in signals]])


def _dcts(x: Any) -> Any:
    s = tf.signal
    # Types II and IV run inside mfccs and mdct; the parity tests cover every type's values.
    outs = [s.dct(x, 1), s.idct(x, 2, n=7, norm="ortho"), s.mfccs_from_log_mel_spectrograms(x)]
    outs += [s.mdct(tf.reshape(x, [-1]), 4, window_fn=None), s.inverse_mdct(x[:, :4], window_fn=None)]
    return tf.concat([tf.reshape(o, [-1]) for o in outs], 0)


def _jdcts(x: Any) -> Any:
    d = signal_spectral_ops._dct_impl
    outs = [d(x, type=1, n=None, norm=None), d(x, type=3, n=7, norm="ortho"), signal_spectral_ops._mfcc_impl(x)]
    flat = x.reshape(-1)
    frames = jnp.stack([flat[i : i + 4] for i in range(0, 7, 2)]) / jnp.sqrt(2.0)
    outs.append(d(signal_spectral_ops._mdct_fold_impl(frames), type=4, n=None, norm=None))
    unfolded = signal_spectral_ops._mdct_unfold_impl(d(x[:, :4], type=4, n=None, norm=None) * (0.5 / 4)) / jnp.sqrt(2.0)
    outs.append(jnp.concatenate([unfolded[0, :4], unfolded[0, 4:] + unfolded[1, :4], unfolded[1, 4:]]))
    return jnp.concatenate([o.reshape(-1) for o in outs])


CASES = [
    Case("signal_dct_idct_mfcc", _dcts, _jdcts, ((2, 5),)),
    _complex_case("signal_complex_ffts", _complex_ffts, _jcomplex_ffts, (2, 3, 4)),
    Case("signal_real_ffts", _real_ffts, _jreal_ffts, ((2, 3, 4), (2, 3, 4))),
    Case(
        "signal_fftshift_frame_overlap_and_add",
        lambda x: tf.signal.overlap_and_add(tf.signal.frame(tf.signal.fftshift(x) * x, 3, 2, pad_end=True), 2),
        lambda x: _jola(_jframe(jnp.fft.fftshift(x) * x)),
        ((2, 6),),
    ),
    Case(
        "signal_inverse_stft_window",
        lambda x: tf.signal.inverse_stft_window_fn(2, lambda n, dtype: x * x)(4, x.dtype),
        lambda x: x * x / jnp.tile(jnp.square(x * x)[:2] + jnp.square(x * x)[2:], 2),
        ((4,),),
        "pos",
    ),
]


def _jframe(x: Any) -> Any:
    return jnp.stack([jnp.pad(x, ((0, 0), (0, 1)))[:, i : i + 3] for i in (0, 2, 4)], axis=1)


def _jola(f: Any) -> Any:
    return jnp.zeros((2, 7)).at[:, 0:3].add(f[:, 0]).at[:, 2:5].add(f[:, 1]).at[:, 4:7].add(f[:, 2])


def _nd_ffts(x: Any, y: Any) -> Any:
    s, z = tf.signal, _c(x, y)
    outs = [s.fftnd(z, axes=[0, 2]), s.ifftnd(z, [3, 2], axes=[-1, 1], norm="ortho"), s.rfftnd(x, [4, 5], [1, 2])]
    spectra = _flat_parts(outs)
    signals = [s.irfftnd(z, axes=[0, 2], norm="forward"), s.irfftnd(z, [2, 5], [1, 2])]
    return tf.concat([spectra, *[tf.reshape(r, [-1]) for r in signals]], 0)


def _jnd_ffts(x: Any, y: Any) -> Any:
    z, f = x + 1j * y, jnp.fft
    outs = [f.fftn(z, axes=(0, 2)), f.ifftn(z, (3, 2), axes=(2, 1), norm="ortho"), f.rfftn(x, (4, 5), (1, 2))]
    signals = [f.irfftn(z, axes=(0, 2), norm="forward"), f.irfftn(z, (2, 5), (1, 2))]
    return jnp.concatenate([_jflat_parts(outs), *[r.reshape(-1) for r in signals]])


CASES.append(Case("signal_fftnd_family", _nd_ffts, _jnd_ffts, ((2, 3, 4), (2, 3, 4))))
