"""Spectral and framing ops (``tf.signal``): FFTs, shifts, frames, windows, STFT.

The FFTs act on the innermost 1, 2 or 3 dimensions as TF's kernels do, on ``jnp.fft``. Their JAX
derivatives are TF's registered gradients (``_fft_grad``: ``ifft(g) * n``; ``RFFT``/``IRFFT``: the
true adjoints with TF's Hermitian masks), so no gradient is written by hand here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import math_ops, utils
from tapejax._src.tensor import Tensor

Ints = tuple[int, ...]

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_REAL_OF = {v: k for k, v in _COMPLEX_OF.items()}


# -- FFTs ----------------------------------------------------------------------------------------
def _fft_impl(x: Any, *, rank: int) -> Any:
    return jnp.fft.fftn(x, axes=tuple(range(-rank, 0)))


def _ifft_impl(x: Any, *, rank: int) -> Any:
    return jnp.fft.ifftn(x, axes=tuple(range(-rank, 0)))


def _rfft_impl(x: Any, *, fft_length: Ints) -> Any:
    return jnp.fft.rfftn(x, s=fft_length, axes=tuple(range(-len(fft_length), 0)))


def _irfft_impl(x: Any, *, fft_length: Ints) -> Any:
    return jnp.fft.irfftn(x, s=fft_length, axes=tuple(range(-len(fft_length), 0)))


_fft = Op("FFT", _fft_impl)
_ifft = Op("IFFT", _ifft_impl)
_fft2d = Op("FFT2D", _fft_impl)
_ifft2d = Op("IFFT2D", _ifft_impl)
_fft3d = Op("FFT3D", _fft_impl)
_ifft3d = Op("IFFT3D", _ifft_impl)
_rfft = Op("RFFT", _rfft_impl)
_irfft = Op("IRFFT", _irfft_impl)
_rfft2d = Op("RFFT2D", _rfft_impl)
_irfft2d = Op("IRFFT2D", _irfft_impl)
_rfft3d = Op("RFFT3D", _rfft_impl)
_irfft3d = Op("IRFFT3D", _irfft_impl)


def _check_rank(op_name: str, x: Any, rank: int) -> None:
    shape = utils.shape_of(x)
    if len(shape) < rank:
        raise utils.invalid_argument(
            f"{op_name}: Input must have rank of at least {rank} but got: {list(shape)}. "
            f"Fix: the transform runs over the innermost {rank} dimension(s); tf.reshape the input."
        )


def _complex_fft(op: Op, x: Any, rank: int) -> Tensor:
    t = utils.as_tensor(x, np.complex64, op.name)
    if t._v.dtype not in _REAL_OF:
        raise utils.invalid_argument(
            f"{op.name}: Value for attr 'Tcomplex' of {utils.dtype_name(t)} is not in the list of allowed "
            "values: complex64, complex128. Fix: tf.cast the input to tf.complex64."
        )
    _check_rank(op.name, t, rank)
    return bind(op, t, rank=rank)


def fft(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Fast Fourier transform over the innermost dimension (``tf.signal.fft``).

    Args:
      input: a complex64 or complex128 tensor of rank >= 1.

    Raises:
      InvalidArgumentError: for a non-complex input or a scalar.

    >>> import tapejax as tf
    >>> print(tf.signal.fft(tf.constant([1 + 0j, 1 + 0j], tf.complex64)))
    tf.Tensor([2.+0.j 0.+0.j], shape=(2,), dtype=complex64)
    """
    return _complex_fft(_fft, input, 1)


def ifft(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Inverse FFT over the innermost dimension (``tf.signal.ifft``); complex input only."""
    return _complex_fft(_ifft, input, 1)


def fft2d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """2-D FFT over the innermost two dimensions (``tf.signal.fft2d``); complex input only."""
    return _complex_fft(_fft2d, input, 2)


def ifft2d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """2-D inverse FFT over the innermost two dimensions (``tf.signal.ifft2d``); complex input only."""
    return _complex_fft(_ifft2d, input, 2)


def fft3d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """3-D FFT over the innermost three dimensions (``tf.signal.fft3d``); complex input only."""
    return _complex_fft(_fft3d, input, 3)


def ifft3d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """3-D inverse FFT over the innermost three dimensions (``tf.signal.ifft3d``); complex input only."""
    return _complex_fft(_ifft3d, input, 3)


def _fft_length(fft_length: Any, default: Ints, rank: int, op_name: str) -> Ints:
    if fft_length is None:
        return default
    n = utils.static_ints(fft_length, "fft_length")
    if len(n) != rank or any(d < 0 for d in n):
        raise utils.invalid_argument(f"{op_name}: fft_length must be {rank} non-negative integer(s), got {list(n)}.")
    return n


def _real_fft(op: Op, x: Any, fft_length: Any, rank: int) -> Tensor:
    t = utils.as_tensor(x, np.float32, op.name)
    if t._v.dtype not in _COMPLEX_OF:
        raise ValueError(
            f"{op.name} requires tf.float32 or tf.float64 inputs, got: {utils.describe([t])}. "
            "Fix: tf.cast the input to tf.float32."
        )
    _check_rank(op.name, t, rank)
    n = _fft_length(fft_length, utils.shape_of(t)[-rank:], rank, op.name)
    return bind(op, t, fft_length=n)


def _inverse_real_fft(op: Op, x: Any, fft_length: Any, rank: int) -> Tensor:
    t = utils.as_tensor(x, np.complex64, op.name)
    _check_rank(op.name, t, rank)
    if t._v.dtype not in _REAL_OF:
        raise ValueError(
            f"{op.name} requires tf.complex64 or tf.complex128 inputs, got: {utils.describe([t])}. "
            "Fix: tf.cast the input to tf.complex64."
        )
    inner = utils.shape_of(t)[-rank:]
    n = _fft_length(fft_length, (*inner[:-1], max(0, 2 * (inner[-1] - 1))), rank, op.name)
    return bind(op, t, fft_length=n)


def rfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """FFT of a real signal over the innermost dimension: the ``fft_length // 2 + 1`` unique
    frequencies (``tf.signal.rfft``).

    Args:
      input_tensor: float32 (giving complex64) or float64 (giving complex128), rank >= 1.
      fft_length: ``[n]``; the signal is cropped or zero-padded to ``n``. Default: its length.

    Raises:
      ValueError: for a non-float input.

    >>> import tapejax as tf
    >>> print(tf.signal.rfft(tf.constant([1.0, 2.0, 3.0, 4.0])))
    tf.Tensor([10.+0.j -2.+2.j -2.+0.j], shape=(3,), dtype=complex64)
    """
    return _real_fft(_rfft, input_tensor, fft_length, 1)


def irfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """Inverse of :func:`rfft` (``tf.signal.irfft``): a real signal of length ``fft_length``
    (default ``2 * (n - 1)`` for ``n`` input frequencies); complex64 gives float32."""
    return _inverse_real_fft(_irfft, input_tensor, fft_length, 1)


def rfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """2-D :func:`rfft` over the innermost two dimensions (``tf.signal.rfft2d``)."""
    return _real_fft(_rfft2d, input_tensor, fft_length, 2)


def irfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """2-D :func:`irfft` over the innermost two dimensions (``tf.signal.irfft2d``)."""
    return _inverse_real_fft(_irfft2d, input_tensor, fft_length, 2)


def rfft3d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """3-D :func:`rfft` over the innermost three dimensions (``tf.signal.rfft3d``).

    Differences from TensorFlow: TF registers no gradient for RFFT3D (a gradient raises
    ``LookupError``); here it is the true derivative, as for ``rfft2d``.
    """
    return _real_fft(_rfft3d, input_tensor, fft_length, 3)


def irfft3d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """3-D :func:`irfft` over the innermost three dimensions (``tf.signal.irfft3d``).

    Differences from TensorFlow: TF registers no gradient for IRFFT3D (a gradient raises
    ``LookupError``); here it is the true derivative, as for ``irfft2d``.
    """
    return _inverse_real_fft(_irfft3d, input_tensor, fft_length, 3)


# -- shifts --------------------------------------------------------------------------------------
def _roll_impl(x: Any, *, shift: Ints, axis: Ints) -> Any:
    return jnp.roll(x, shift, axis)


_roll = Op("Roll", _roll_impl)


def _shift(x: Any, axes: Any, sign: int, op_name: str) -> Tensor:
    t = utils.as_tensor(x, None, op_name)
    shape = utils.shape_of(t)
    rank = len(shape)
    if axes is None:
        ax: Ints = tuple(range(rank))
    else:
        ax = tuple(utils.normalize_axis(op_name, a, rank, shape) for a in utils.static_ints(axes, "axes"))
    if not ax:
        return t
    return bind(_roll, t, shift=tuple(sign * (shape[a] // 2) for a in ax), axis=ax)


def fftshift(x: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """Moves the zero frequency to the centre (``tf.signal.fftshift``), over ``axes`` (default all).

    >>> import tapejax as tf
    >>> print(tf.signal.fftshift(tf.constant([0, 1, 2, -2, -1])))
    tf.Tensor([-2 -1  0  1  2], shape=(5,), dtype=int32)
    """
    return _shift(x, axes, 1, "fftshift")


def ifftshift(x: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """The inverse of :func:`fftshift` (``tf.signal.ifftshift``); differs from it for odd lengths."""
    return _shift(x, axes, -1, "ifftshift")


# -- frames --------------------------------------------------------------------------------------
def _frame_impl(
    x: Any, pad_value: Any, *, frame_length: int, frame_step: int, num_frames: int, pad: int, axis: int
) -> Any:
    if pad:
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, pad)
        x = jnp.pad(x, widths, constant_values=pad_value)
    index = np.arange(num_frames)[:, None] * frame_step + np.arange(frame_length)[None, :]
    return jnp.take(x, index, axis=axis)


def _overlap_and_add_impl(x: Any, *, frame_step: int) -> Any:
    frames, length = x.shape[-2], x.shape[-1]
    out_length = max(0, (frames - 1) * frame_step + length) if frames else length * 0
    index = (np.arange(frames)[:, None] * frame_step + np.arange(length)[None, :]).reshape(-1)
    out = jnp.zeros((*x.shape[:-2], out_length), x.dtype)
    return out.at[..., index].add(x.reshape(*x.shape[:-2], frames * length))


_frame = Op("Frame", _frame_impl, nondiff=(1,))
_overlap_and_add = Op("OverlapAndAdd", _overlap_and_add_impl)


def frame(
    signal: Any,
    frame_length: Any,
    frame_step: Any,
    pad_end: bool = False,
    pad_value: Any = 0,
    axis: Any = -1,
    name: str | None = None,
) -> Tensor:
    """Slices ``signal``'s ``axis`` into overlapping frames (``tf.signal.frame``).

    The ``axis`` of length N becomes two axes ``[num_frames, frame_length]``, frame ``i`` starting
    at ``i * frame_step``. Without ``pad_end``, ``num_frames = max(0, 1 + (N - frame_length) //
    frame_step)``; with it, ``ceil(N / frame_step)`` frames, the end padded with ``pad_value``.

    >>> import tapejax as tf
    >>> print(tf.signal.frame(tf.range(5), 3, 2))
    tf.Tensor(
    [[0 1 2]
     [2 3 4]], shape=(2, 3), dtype=int32)
    """
    t = utils.as_tensor(signal, None, "frame")
    shape = utils.shape_of(t)
    if not shape:
        raise ValueError(f"frame: signal must have rank at least 1, got shape {list(shape)}.")
    length = utils.static_int(frame_length, "frame_length")
    step = utils.static_int(frame_step, "frame_step")
    if length < 0 or step <= 0:
        raise utils.invalid_argument(f"frame: frame_length must be >= 0 and frame_step > 0, got {length} and {step}.")
    ax = utils.normalize_axis("frame", utils.static_int(axis, "axis"), len(shape), shape)
    n = shape[ax]
    if pad_end:
        num_frames = -(-n // step)
        pad = max(0, length + step * (num_frames - 1) - n)
    else:
        num_frames = max(0, 1 + (n - length) // step)
        pad = 0
    value = utils.as_tensor(pad_value, t._v.dtype, "frame")
    if utils.shape_of(value):
        raise ValueError(f"frame: pad_value must be a scalar, got shape {list(utils.shape_of(value))}.")
    utils.check_same_dtype("frame", [t, value])
    return bind(_frame, t, value, frame_length=length, frame_step=step, num_frames=num_frames, pad=pad, axis=ax)


def overlap_and_add(signal: Any, frame_step: Any, name: str | None = None) -> Tensor:
    """Sums overlapping frames ``[..., frames, frame_length]`` into a signal (``tf.signal.overlap_and_add``).

    The output has length ``(frames - 1) * frame_step + frame_length``.

    Raises:
      ValueError: if ``signal``'s rank is below 2 or ``frame_step`` is not an integer.

    >>> import tapejax as tf
    >>> print(tf.signal.overlap_and_add(tf.ones([3, 2]), 1))
    tf.Tensor([1. 2. 2. 1.], shape=(4,), dtype=float32)
    """
    t = utils.as_tensor(signal, None, "overlap_and_add")
    if len(utils.shape_of(t)) < 2:
        raise ValueError(f"overlap_and_add: signal must have rank at least 2, got shape {list(utils.shape_of(t))}.")
    if isinstance(frame_step, float) or (utils.is_tensor(frame_step) and frame_step._v.dtype.kind not in "iu"):
        raise ValueError(f"frame_step must be an integer. Got {frame_step!r}")
    step = utils.static_int(frame_step, "frame_step")
    if step <= 0:
        raise utils.invalid_argument(f"overlap_and_add: frame_step must be positive, got {step}.")
    return bind(_overlap_and_add, t, frame_step=step)


# -- windows -------------------------------------------------------------------------------------
def _raised_cosine_impl(*, length: int, periodic: bool, a: float, b: float, dtype: np.dtype) -> Any:
    if length == 1:
        return jnp.ones([1], dtype)
    # TF's n: a periodic window of odd length is the symmetric one (window_length + periodic * even - 1).
    n = jnp.asarray(length + (int(periodic) * (1 - length % 2)) - 1, dtype)
    arg = jnp.asarray(2 * np.pi, dtype) * jnp.arange(length, dtype=dtype) / n
    return (a - b * jnp.cos(arg)).astype(dtype)


def _kaiser_impl(*, length: int, beta: float, dtype: np.dtype) -> Any:
    import jax.scipy.special as jsp

    if length == 1:
        return jnp.ones([1], dtype)
    # TF's formulation with the scaled Bessel function i0e (stable for large beta).
    halflen = jnp.asarray((length - 1) / 2.0, dtype)
    arg = (jnp.arange(length, dtype=dtype) - halflen) / halflen
    beta_t = jnp.asarray(beta, dtype)
    num = beta_t * jnp.sqrt(jnp.maximum(1 - arg * arg, 0))
    return (jnp.exp(num - beta_t) * jsp.i0e(num) / jsp.i0e(beta_t)).astype(dtype)


def _vorbis_impl(*, length: int, dtype: np.dtype) -> Any:
    arg = (jnp.arange(length, dtype=dtype) + 0.5) / length
    return jnp.sin(np.pi / 2.0 * jnp.square(jnp.sin(np.pi * arg))).astype(dtype)


def _kbd_impl(*, length: int, beta: float, dtype: np.dtype) -> Any:
    csum = jnp.cumsum(_kaiser_impl(length=length // 2 + 1, beta=beta, dtype=dtype))
    half = jnp.sqrt(csum[:-1] / csum[-1])
    return jnp.concatenate([half, half[::-1]])


_raised_cosine = Op("RaisedCosineWindow", _raised_cosine_impl, differentiable=False)
_kaiser = Op("KaiserWindow", _kaiser_impl, differentiable=False)
_vorbis = Op("VorbisWindow", _vorbis_impl, differentiable=False)
_kbd = Op("KaiserBesselDerivedWindow", _kbd_impl, differentiable=False)


def _window_args(window_length: Any, dtype: Any) -> tuple[int, np.dtype]:
    d = dtypes_lib.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found {d!r}")
    length = utils.static_int(window_length, "window_length")
    if length < 0:
        raise utils.invalid_argument(f"window_length must be non-negative, got {length}.")
    return length, d._np


def hann_window(
    window_length: Any, periodic: bool = True, dtype: Any = dtypes_lib.float32, name: str | None = None
) -> Tensor:
    """A Hann window ``0.5 - 0.5 cos(2 pi n / N)`` (``tf.signal.hann_window``).

    As TF, ``N`` is ``window_length`` for a periodic window of even length, else ``window_length - 1``.

    >>> import tapejax as tf
    >>> print(tf.signal.hann_window(4))
    tf.Tensor([0.  0.5 1.  0.5], shape=(4,), dtype=float32)
    """
    length, d = _window_args(window_length, dtype)
    return bind(_raised_cosine, length=length, periodic=bool(periodic), a=0.5, b=0.5, dtype=d)


def hamming_window(
    window_length: Any, periodic: bool = True, dtype: Any = dtypes_lib.float32, name: str | None = None
) -> Tensor:
    """A Hamming window ``0.54 - 0.46 cos(2 pi n / N)`` (``tf.signal.hamming_window``); ``N`` as
    :func:`hann_window`'s."""
    length, d = _window_args(window_length, dtype)
    return bind(_raised_cosine, length=length, periodic=bool(periodic), a=0.54, b=0.46, dtype=d)


def kaiser_window(
    window_length: Any, beta: float = 12.0, dtype: Any = dtypes_lib.float32, name: str | None = None
) -> Tensor:
    """A Kaiser window ``I0(beta sqrt(1 - (2n/(L-1) - 1)^2)) / I0(beta)`` (``tf.signal.kaiser_window``)."""
    length, d = _window_args(window_length, dtype)
    return bind(_kaiser, length=length, beta=float(beta), dtype=d)


def vorbis_window(window_length: Any, dtype: Any = dtypes_lib.float32, name: str | None = None) -> Tensor:
    """The Vorbis power-complementary window ``sin(pi/2 sin^2(pi (n + 0.5) / L))`` (``tf.signal.vorbis_window``)."""
    length, d = _window_args(window_length, dtype)
    return bind(_vorbis, length=length, dtype=d)


def kaiser_bessel_derived_window(
    window_length: Any, beta: float = 12.0, dtype: Any = dtypes_lib.float32, name: str | None = None
) -> Tensor:
    """A Kaiser-Bessel-derived window (``tf.signal.kaiser_bessel_derived_window``): the square root
    of the normalised cumulative sum of a Kaiser window of ``window_length // 2 + 1``, mirrored."""
    length, d = _window_args(window_length, dtype)
    return bind(_kbd, length=length, beta=float(beta), dtype=d)


# -- short-time Fourier transform --------------------------------------------------------------
def _default_fft_length(frame_length: int) -> int:
    return 1 if frame_length <= 1 else 2 ** math.ceil(math.log2(frame_length))


def stft(
    signals: Any,
    frame_length: Any,
    frame_step: Any,
    fft_length: Any = None,
    window_fn: Callable[..., Any] | None = hann_window,
    pad_end: bool = False,
    name: str | None = None,
) -> Tensor:
    """Short-time Fourier transform of real ``signals`` ``[..., samples]`` (``tf.signal.stft``).

    Frames the signal (:func:`frame`), multiplies each frame by ``window_fn(frame_length,
    dtype=...)`` and takes its :func:`rfft` of ``fft_length`` (default: the smallest power of 2
    >= ``frame_length``). Returns ``[..., frames, fft_length // 2 + 1]`` complex values.

    >>> import tapejax as tf
    >>> tf.signal.stft(tf.zeros([16]), frame_length=8, frame_step=4).shape
    TensorShape([3, 5])
    """
    t = utils.as_tensor(signals, None, "stft")
    if t._v.dtype not in _COMPLEX_OF:
        raise ValueError(f"stft: signals must be float32 or float64, got {utils.describe([t])}.")
    length = utils.static_int(frame_length, "frame_length")
    n = _default_fft_length(length) if fft_length is None else utils.static_int(fft_length, "fft_length")
    framed = frame(t, length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        framed = math_ops.multiply(framed, window_fn(length, dtype=dtypes_lib.as_dtype(t._v.dtype)))
    return rfft(framed, [n])


def _inverse_window_impl(window: Any, *, frame_step: int) -> Any:
    length = window.shape[0]
    overlaps = -(-length // frame_step)
    denom = jnp.pad(jnp.square(window), (0, overlaps * frame_step - length))
    denom = jnp.sum(denom.reshape(overlaps, frame_step), axis=0, keepdims=True)
    denom = jnp.tile(denom, (overlaps, 1)).reshape(-1)
    return window / denom[:length]


_inverse_window = Op("InverseStftWindow", _inverse_window_impl)


def inverse_stft_window_fn(
    frame_step: Any, forward_window_fn: Callable[..., Any] = hann_window, name: str | None = None
) -> Callable[..., Tensor]:
    """A ``window_fn`` for :func:`inverse_stft` that inverts :func:`stft` with ``forward_window_fn``
    (``tf.signal.inverse_stft_window_fn``): the forward window divided by the sum of the squared
    windows overlapping each sample."""
    step = utils.static_int(frame_step, "frame_step")

    def inverse_window(frame_length: Any, dtype: Any) -> Tensor:
        return bind(_inverse_window, forward_window_fn(frame_length, dtype=dtype), frame_step=step)

    return inverse_window


def inverse_stft(
    stfts: Any,
    frame_length: Any,
    frame_step: Any,
    fft_length: Any = None,
    window_fn: Callable[..., Any] | None = hann_window,
    name: str | None = None,
) -> Tensor:
    """Inverse of :func:`stft` (``tf.signal.inverse_stft``): ``irfft`` of each frame, cropped or
    padded to ``frame_length``, windowed and overlap-added. Use
    ``window_fn=tf.signal.inverse_stft_window_fn(frame_step)`` for perfect reconstruction."""
    from tapejax._src.ops import shape_ops

    t = utils.as_tensor(stfts, np.complex64, "inverse_stft")
    if t._v.dtype not in _REAL_OF:
        raise ValueError(f"inverse_stft: stfts must be complex64 or complex128, got {utils.describe([t])}.")
    length = utils.static_int(frame_length, "frame_length")
    n = _default_fft_length(length) if fft_length is None else utils.static_int(fft_length, "fft_length")
    real_frames = irfft(t, [n])
    rank = len(utils.shape_of(real_frames))
    real_frames = shape_ops.slice(real_frames, [0] * rank, [*utils.shape_of(real_frames)[:-1], min(n, length)])
    if n < length:
        real_frames = shape_ops.pad(real_frames, [[0, 0]] * (rank - 1) + [[0, length - n]])
    if window_fn is not None:
        real_frames = math_ops.multiply(real_frames, window_fn(length, dtype=dtypes_lib.as_dtype(real_frames._v.dtype)))
    return overlap_and_add(real_frames, frame_step)
