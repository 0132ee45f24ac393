"""N-dimensional FFTs over chosen axes (``tf.signal.fftnd`` family and the raw ``tf.fftnd`` ops).

TF 2.21 runs ``FFTND``/``IFFTND``/``RFFTND``/``IRFFTND`` on GPU only (on CPU every call raises
``NotFoundError``: no kernel); here they run everywhere on ``jnp.fft``, with TF's defaults (every
axis, the input's own lengths) and its ``norm`` scalings. TF registers no gradient for these four
ops; here it is the true derivative, as for the 1-3-D transforms.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

Ints = tuple[int, ...]

_COMPLEX = (np.dtype(np.complex64), np.dtype(np.complex128))
_REAL = (np.dtype(np.float32), np.dtype(np.float64))
_NORMS = ("backward", "forward", "ortho")


def _fftnd_impl(x: Any, *, fft_length: Ints, axes: Ints, norm: str) -> Any:
    return jnp.fft.fftn(x, s=fft_length, axes=axes, norm=norm)


def _ifftnd_impl(x: Any, *, fft_length: Ints, axes: Ints, norm: str) -> Any:
    return jnp.fft.ifftn(x, s=fft_length, axes=axes, norm=norm)


def _rfftnd_impl(x: Any, *, fft_length: Ints, axes: Ints, norm: str) -> Any:
    return jnp.fft.rfftn(x, s=fft_length, axes=axes, norm=norm)


def _irfftnd_impl(x: Any, *, fft_length: Ints, axes: Ints, norm: str) -> Any:
    return jnp.fft.irfftn(x, s=fft_length, axes=axes, norm=norm)


_fftnd = Op("FFTND", _fftnd_impl)
_ifftnd = Op("IFFTND", _ifftnd_impl)
_rfftnd = Op("RFFTND", _rfftnd_impl)
_irfftnd = Op("IRFFTND", _irfftnd_impl)


def _transform(op: Op, x: Any, fft_length: Any, axes: Any, norm: Any) -> Tensor:
    real_input = op is _rfftnd
    t = utils.as_tensor(x, np.dtype(np.float32 if real_input else np.complex64), op.name)
    dtype = t._v.dtype
    if real_input and dtype not in _REAL:
        raise ValueError(
            f"RFFT requires tf.float32 or tf.float64 inputs, got: {utils.describe([t])}. "
            "Fix: tf.cast the input to tf.float32."
        )
    if op is _irfftnd and dtype not in _COMPLEX:
        raise ValueError(
            f"IRFFT requires tf.complex64 or tf.complex128 inputs, got: {utils.describe([t])}. "
            "Fix: tf.cast the input to tf.complex64."
        )
    if not real_input and dtype not in _COMPLEX:
        raise utils.invalid_argument(
            f"{op.name}: Value for attr 'Tcomplex' of {utils.dtype_name(t)} is not in the list of allowed "
            "values: complex64, complex128. Fix: tf.cast the input to tf.complex64."
        )
    shape = utils.shape_of(t)
    rank = len(shape)
    ax = tuple(range(rank)) if axes is None else utils.static_ints(axes, "axes")
    if len(ax) > rank:
        raise ValueError(f"{op.name}: Shape must be at least rank {len(ax)} but is rank {rank}.")
    ax = tuple(utils.normalize_axis(op.name, a, rank, shape) for a in ax)
    if len(set(ax)) != len(ax):
        raise utils.invalid_argument(f"{op.name}: axes must be distinct, got {list(ax)}.")
    if fft_length is None:
        n = tuple(shape[a] for a in ax)
        if op is _irfftnd and n:
            n = (*n[:-1], max(0, 2 * (n[-1] - 1)))
    else:
        if hasattr(fft_length, "as_list"):  # a TensorShape, which TF converts
            fft_length = fft_length.as_list()
        n = utils.static_ints(fft_length, "fft_length")
        if len(n) != len(ax) or any(d < 0 for d in n):
            raise utils.invalid_argument(
                f"{op.name}: fft_length must hold one non-negative length per axis ({len(ax)}), got {list(n)}."
            )
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"{op.name}: norm must be one of {_NORMS} or None, got {norm!r}.")
    if not ax:
        return t
    if 0 in shape or math.prod(n) == 0:
        # TF skips padding an empty input; jnp.fft cannot transform zero-length axes either way.
        raise utils.invalid_argument(
            f"{op.name}: cannot transform an empty input (shape {list(shape)}, lengths {list(n)})."
        )
    return bind(op, t, fft_length=n, axes=ax, norm=norm)


def fftnd(
    input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None, name: str | None = None
) -> Tensor:
    """N-D fast Fourier transform of a complex tensor over ``axes`` (``tf.signal.fftnd``).

    Args:
      input_tensor: complex64 or complex128.
      fft_length: one length per axis; each axis is cropped or zero-padded to it. Default: its size.
      axes: the axes to transform (default: all of them).
      norm: ``"backward"`` (default: no scaling), ``"ortho"`` (``1/sqrt(n)``) or ``"forward"`` (``1/n``).

    Raises:
      InvalidArgumentError: for a non-complex input.

    Differences from TensorFlow: TF 2.21 has a kernel for it on GPU only (on CPU it raises
    ``NotFoundError``) and registers no gradient; here it runs on every device and is differentiable.

    >>> import tapejax as tf
    >>> print(tf.signal.fftnd(tf.constant([[1 + 0j, 2], [3, 4]], tf.complex64)))
    tf.Tensor(
    [[10.+0.j -2.+0.j]
     [-4.+0.j  0.+0.j]], shape=(2, 2), dtype=complex64)
    """
    return _transform(_fftnd, input_tensor, fft_length, axes, norm)


def ifftnd(
    input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None, name: str | None = None
) -> Tensor:
    """Inverse of :func:`fftnd` (``tf.signal.ifftnd``); ``norm="backward"`` scales by ``1/n``."""
    return _transform(_ifftnd, input_tensor, fft_length, axes, norm)


def rfftnd(
    input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None, name: str | None = None
) -> Tensor:
    """N-D FFT of a real tensor over ``axes``: the last axis keeps its ``n // 2 + 1`` unique
    frequencies (``tf.signal.rfftnd``); float32 gives complex64, float64 complex128.

    Raises:
      ValueError: for a non-float input.

    >>> import tapejax as tf
    >>> print(tf.signal.rfftnd(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    tf.Tensor(
    [[10.+0.j -2.+0.j]
     [-4.+0.j  0.+0.j]], shape=(2, 2), dtype=complex64)
    """
    return _transform(_rfftnd, input_tensor, fft_length, axes, norm)


def irfftnd(
    input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None, name: str | None = None
) -> Tensor:
    """Inverse of :func:`rfftnd` (``tf.signal.irfftnd``): the last axis' default length is
    ``2 * (m - 1)`` for ``m`` input frequencies; complex64 gives float32.

    Raises:
      ValueError: for a non-complex input.
    """
    return _transform(_irfftnd, input_tensor, fft_length, axes, norm)


def raw_fftnd(input: Any, fft_length: Any, axes: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The raw ``FFTND`` op (``tf.fftnd``): :func:`tf.signal.fftnd` with required lengths and axes."""
    return _transform(_fftnd, input, fft_length, axes, None)


def raw_ifftnd(input: Any, fft_length: Any, axes: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The raw ``IFFTND`` op (``tf.ifftnd``): :func:`tf.signal.ifftnd` with required lengths and axes."""
    return _transform(_ifftnd, input, fft_length, axes, None)


def raw_rfftnd(
    input: Any,  # noqa: A002 - TF's name
    fft_length: Any,
    axes: Any,
    Tcomplex: Any = None,
    name: str | None = None,
) -> Tensor:
    """The raw ``RFFTND`` op (``tf.rfftnd``): :func:`tf.signal.rfftnd` with required lengths and axes.

    ``Tcomplex`` must be the complex dtype matching the input (complex64 for float32), as TF checks.
    """
    _check_pair(input, Tcomplex, "RFFTND", "Tcomplex")
    return _transform(_rfftnd, input, fft_length, axes, None)


def raw_irfftnd(
    input: Any,  # noqa: A002 - TF's name
    fft_length: Any,
    axes: Any,
    Treal: Any = None,
    name: str | None = None,
) -> Tensor:
    """The raw ``IRFFTND`` op (``tf.irfftnd``): :func:`tf.signal.irfftnd` with required lengths and axes.

    ``Treal`` must be the real dtype matching the input (float32 for complex64), as TF checks.
    """
    _check_pair(input, Treal, "IRFFTND", "Treal")
    return _transform(_irfftnd, input, fft_length, axes, None)


def _check_pair(x: Any, attr: Any, op_name: str, attr_name: str) -> None:
    if attr is None:
        return
    from tapejax._src import dtypes as dtypes_lib

    want = dtypes_lib.as_dtype(attr).as_numpy_dtype
    t = utils.as_tensor(x, np.dtype(np.float32 if attr_name == "Tcomplex" else np.complex64), op_name)
    pairs = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}
    if attr_name == "Treal":
        pairs = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}
    if pairs.get(t._v.dtype) is not None and np.dtype(pairs[t._v.dtype]) != np.dtype(want):
        raise utils.invalid_argument(
            f"{op_name}: {attr_name}={dtypes_lib.as_dtype(attr).name} does not match the input's "
            f"{utils.dtype_name(t)}. Fix: leave {attr_name} out."
        )
