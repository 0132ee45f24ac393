"""Cosine transforms and mel features (``tf.signal.dct``/``idct``, ``linear_to_mel_weight_matrix``,
``mfccs_from_log_mel_spectrograms``).

The DCTs are TF's constructions on ``jnp.fft`` (``dct_ops._dct_internal``: types I to IV through a
padded real FFT), since ``jax.scipy.fft.dct`` has only type II; their JAX derivative is the
derivative of those linear maps, as TF's gradient through its FFTs.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import math_ops, signal_ops, utils
from tapejax._src.tensor import Tensor


def _dct_impl(x: Any, *, type: int, n: int | None, norm: str | None) -> Any:  # noqa: A002 - TF's name
    if n is not None:
        length = x.shape[-1]
        x = x[..., :n] if n <= length else jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - length)])
    dim = x.shape[-1]
    dim_f = jnp.asarray(dim, x.dtype)
    complex_dtype = jnp.result_type(x.dtype, jnp.complex64)
    if type == 1:
        return jnp.real(jnp.fft.rfft(jnp.concatenate([x, x[..., -2:0:-1]], axis=-1)))
    if type == 2:
        scale = 2.0 * jnp.exp(-1j * (jnp.arange(dim, dtype=x.dtype) * math.pi * 0.5 / dim_f)).astype(complex_dtype)
        out = jnp.real(jnp.fft.rfft(x, n=2 * dim)[..., :dim] * scale)
        if norm == "ortho":
            n1 = 0.5 / jnp.sqrt(dim_f)
            weights = jnp.full((dim,), n1 * math.sqrt(2.0), x.dtype).at[0].set(n1)
            out = out * weights
        return out.astype(x.dtype)
    if type == 3:
        if norm == "ortho":
            n1 = jnp.sqrt(dim_f)
            x = x * jnp.full((dim,), n1 * math.sqrt(0.5), x.dtype).at[0].set(n1)
        else:
            x = x * dim_f
        scale = 2.0 * jnp.exp(1j * (jnp.arange(dim, dtype=x.dtype) * math.pi * 0.5 / dim_f)).astype(complex_dtype)
        return jnp.fft.irfft(scale * x.astype(complex_dtype), n=2 * dim)[..., :dim].astype(x.dtype)
    out = _dct_impl(x, type=2, n=2 * dim, norm=None)[..., 1::2]
    if norm == "ortho":
        out = out * (math.sqrt(0.5) / jnp.sqrt(dim_f))
    return out.astype(x.dtype)


_dct = Op("DCT", _dct_impl)


def _dct_args(op_name: str, input: Any, type: int, n: Any, axis: int, norm: Any) -> tuple[Any, int | None]:  # noqa: A002
    t = utils.as_tensor(input, None, op_name)
    if axis != -1:
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    n_int = None if n is None else utils.static_int(n, "n")
    if n_int is not None and n_int < 1:
        raise ValueError("n should be a positive integer or None")
    if type not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if type == 1:
        if norm == "ortho":
            raise ValueError("Normalization is not supported for the Type-I DCT.")
        shape = utils.shape_of(t)
        if shape and shape[-1] < 2:
            raise ValueError("Type-I DCT requires the dimension to be greater than one.")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")
    if t._v.dtype not in (np.float32, np.float64) and t._v.dtype != np.float16:
        raise utils.invalid_argument(f"{op_name}: expected a float32 or float64 input, got {utils.describe([t])}.")
    return t, n_int


def dct(input: Any, type: int = 2, n: Any = None, axis: int = -1, norm: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Discrete cosine transform of types I-IV over the last axis (``tf.signal.dct``).

    Args:
      input: ``[..., samples]`` float32 or float64.
      type: 1, 2, 3 or 4.
      n: the transform length: the input is truncated or zero-padded to it.
      axis: must be -1 (as TF).
      norm: None or ``"ortho"`` (not for type I).

    >>> import tapejax as tf
    >>> print(tf.abs(tf.round(tf.signal.dct(tf.constant([1.0, 1.0, 1.0, 1.0]), norm="ortho"))))
    tf.Tensor([2. 0. 0. 0.], shape=(4,), dtype=float32)
    """
    t, n_int = _dct_args("dct", input, type, n, axis, norm)
    return bind(_dct, t, type=int(type), n=n_int, norm=norm)


def idct(input: Any, type: int = 2, n: Any = None, axis: int = -1, norm: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Inverse DCT (``tf.signal.idct``): the DCT of the inverse type (II <-> III; I and IV are their
    own), so ``idct(dct(x, norm="ortho"), norm="ortho") == x``; without ``norm`` it is scaled by
    ``2 * N`` (``2 * (N - 1)`` for type I), as TF's."""
    t, n_int = _dct_args("idct", input, type, n, axis, norm)
    return bind(_dct, t, type={1: 1, 2: 3, 3: 2, 4: 4}[int(type)], n=n_int, norm=norm)


_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _mel_matrix_impl(
    *, num_mel_bins: int, num_spectrogram_bins: int, sample_rate: float, lower: float, upper: float, dtype: np.dtype
) -> Any:
    def hertz_to_mel(f: Any) -> Any:
        return _MEL_HIGH_FREQUENCY_Q * jnp.log(1.0 + f / _MEL_BREAK_FREQUENCY_HERTZ)

    nyquist = jnp.asarray(sample_rate, dtype) / 2.0
    linear = jnp.linspace(jnp.asarray(0, dtype), nyquist, num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = hertz_to_mel(linear)[:, None]
    edges = jnp.linspace(
        hertz_to_mel(jnp.asarray(lower, dtype)), hertz_to_mel(jnp.asarray(upper, dtype)), num_mel_bins + 2, dtype=dtype
    )
    lower_mel, center_mel, upper_mel = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    lower_slopes = (bins_mel - lower_mel) / (center_mel - lower_mel)
    upper_slopes = (upper_mel - bins_mel) / (upper_mel - center_mel)
    weights = jnp.maximum(jnp.asarray(0, dtype), jnp.minimum(lower_slopes, upper_slopes))
    return jnp.pad(weights, [(1, 0), (0, 0)]).astype(dtype)


_mel_matrix = Op("LinearToMelWeightMatrix", _mel_matrix_impl, differentiable=False)


def linear_to_mel_weight_matrix(
    num_mel_bins: int = 20,
    num_spectrogram_bins: int = 129,
    sample_rate: Any = 8000,
    lower_edge_hertz: float = 125.0,
    upper_edge_hertz: float = 3800.0,
    dtype: Any = dtypes_lib.float32,
    name: str | None = None,
) -> Tensor:
    """A ``[num_spectrogram_bins, num_mel_bins]`` matrix of triangular mel filters (HTK's mel scale,
    ``1127 ln(1 + f / 700)``; the DC bin gets no weight) (``tf.signal.linear_to_mel_weight_matrix``).

    Raises:
      ValueError: for a non-positive ``num_mel_bins`` or ``sample_rate``, bad edges or a non-float dtype.

    >>> import tapejax as tf
    >>> tf.signal.linear_to_mel_weight_matrix(num_mel_bins=8, num_spectrogram_bins=33).shape
    TensorShape([33, 8])
    """
    d = dtypes_lib.as_dtype(dtype)
    rate = float(utils.concrete(sample_rate)) if utils.is_tensor(sample_rate) else float(sample_rate)
    if num_mel_bins <= 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower_edge_hertz < 0.0:
        raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower_edge_hertz}")
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError(f"lower_edge_hertz {lower_edge_hertz:.1f} >= upper_edge_hertz {upper_edge_hertz:.1f}")
    if rate <= 0.0:
        raise ValueError(f"sample_rate must be positive. Got: {sample_rate}")
    if upper_edge_hertz > rate / 2:
        raise ValueError(
            "upper_edge_hertz must not be larger than the Nyquist frequency (sample_rate / 2). "
            f"Got {upper_edge_hertz} for sample_rate: {sample_rate}"
        )
    if not d.is_floating:
        raise ValueError(f"dtype must be a floating point type. Got: {d!r}")
    return bind(
        _mel_matrix,
        num_mel_bins=int(num_mel_bins),
        num_spectrogram_bins=int(num_spectrogram_bins),
        sample_rate=rate,
        lower=float(lower_edge_hertz),
        upper=float(upper_edge_hertz),
        dtype=d._np,
    )


def _mfcc_impl(x: Any) -> Any:
    return _dct_impl(x, type=2, n=None, norm=None) / jnp.sqrt(jnp.asarray(x.shape[-1] * 2.0, x.dtype))


_mfcc = Op("MfccsFromLogMel", _mfcc_impl)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms: Any, name: str | None = None) -> Tensor:
    """MFCCs of ``[..., num_mel_bins]`` log-mel spectrograms (``tf.signal.mfccs_from_log_mel_spectrograms``):
    an orthonormal-like DCT-II, ``dct(x) / sqrt(2 * num_mel_bins)``, as TF (HTK's scaling).

    Raises:
      ValueError: for an empty last axis.
    """
    t, _ = _dct_args("mfccs_from_log_mel_spectrograms", log_mel_spectrograms, 2, None, -1, None)
    shape = utils.shape_of(t)
    if not shape or shape[-1] == 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {shape[-1] if shape else 0}")
    return bind(_mfcc, t)


# -- MDCT ---------------------------------------------------------------------------------------
def _mdct_fold_impl(frames: Any) -> Any:
    """TF's rearrangement of windowed frames [a, b, c, d] into [-c_r - d, a - b_r] (then a DCT-IV)."""
    a, b, c, d = jnp.split(frames, 4, axis=-1)
    return jnp.concatenate([-c[..., ::-1] - d, a - b[..., ::-1]], axis=-1)


def _mdct_unfold_impl(x: Any) -> Any:
    """The inverse's rearrangement of IDCT-IV halves [p, q] into [q, -q_r, -p_r, -p]."""
    p, q = jnp.split(x, 2, axis=-1)
    return jnp.concatenate([q, -q[..., ::-1], -p[..., ::-1], -p], axis=-1)


_mdct_fold = Op("MdctFold", _mdct_fold_impl)
_mdct_unfold = Op("MdctUnfold", _mdct_unfold_impl)


def mdct(
    signals: Any,
    frame_length: Any,
    window_fn: Any = signal_ops.vorbis_window,
    pad_end: bool = False,
    norm: Any = None,
    name: str | None = None,
) -> Tensor:
    """Modified discrete cosine transform of ``[..., samples]`` signals (``tf.signal.mdct``):
    frames of ``frame_length`` (a multiple of 4) with 50% overlap, windowed (``vorbis_window`` by
    default; ``window_fn=None`` scales by ``1/sqrt(2)``), folded and DCT-IV transformed into
    ``[..., frames, frame_length // 2]``.

    Raises:
      ValueError: if ``frame_length`` is not a multiple of 4.

    >>> import tapejax as tf
    >>> tf.signal.mdct(tf.zeros([16]), frame_length=8).shape
    TensorShape([3, 4])
    """
    t = utils.as_tensor(signals, None, "mdct")
    if not utils.shape_of(t):
        raise ValueError(f"mdct: signals must have rank at least 1, got shape {list(utils.shape_of(t))}.")
    length = utils.static_int(frame_length, "frame_length")
    if length % 4 != 0:
        raise ValueError("The frame length must be a multiple of 4.")
    framed = signal_ops.frame(t, length, length // 2, pad_end=pad_end)
    if window_fn is None:
        framed = math_ops.multiply(framed, np.asarray(1.0 / np.sqrt(2), t._v.dtype))
    else:
        framed = math_ops.multiply(framed, window_fn(length, dtype=dtypes_lib.as_dtype(t._v.dtype)))
    return dct(bind(_mdct_fold, framed), type=4, norm=norm)


def inverse_mdct(
    mdcts: Any, window_fn: Any = signal_ops.vorbis_window, norm: Any = None, name: str | None = None
) -> Tensor:
    """Inverse of :func:`mdct` (``tf.signal.inverse_mdct``): DCT-IV of ``[..., frames, half]``,
    unfolded to frames of ``2 * half``, windowed and overlap-added (perfect reconstruction with a
    power-complementary window such as the default ``vorbis_window``).
    """
    t = utils.as_tensor(mdcts, None, "inverse_mdct")
    shape = utils.shape_of(t)
    if len(shape) < 2:
        raise ValueError(f"inverse_mdct: mdcts must have rank at least 2, got shape {list(shape)}.")
    half = shape[-1]
    if norm is None:
        result = math_ops.multiply(dct(t, type=4), np.asarray(0.5 / half, t._v.dtype))
    elif norm == "ortho":
        result = dct(t, type=4, norm="ortho")
    else:
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")
    frames = bind(_mdct_unfold, result)
    if window_fn is None:
        frames = math_ops.multiply(frames, np.asarray(1.0 / np.sqrt(2), t._v.dtype))
    else:
        frames = math_ops.multiply(frames, window_fn(2 * half, dtype=dtypes_lib.as_dtype(t._v.dtype)))
    return signal_ops.overlap_and_add(frames, half)
