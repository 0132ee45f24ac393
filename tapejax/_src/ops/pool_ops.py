"""Pooling (``tf.nn.max_pool*``, ``avg_pool*``, ``pool``, ``max_pool_with_argmax``) on ``lax.reduce_window``.

Max pooling's derivative routes each window's gradient to the FIRST maximum of the window (row-major
order) on ties, which is TF's ``MaxPoolGrad`` convention (1-D and 2-D); ``reduce_window``'s max
derivative (select-and-scatter with ``>=``) does the same. TF's ``MaxPool3DGrad`` instead gives the
whole gradient to every tied maximum, which ``_max_pool3d_impl`` reproduces. Average pooling divides by the number of elements
inside the input (padding is not counted), as TF's ``AvgPool`` with ``"SAME"`` padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, bind
from tapejax._src.ops import conv_ops, utils
from tapejax._src.tensor import Tensor

Padding = str | tuple[tuple[int, int], ...]


def _lowest(dtype: Any) -> Any:
    # The identity of max, so that reduce_window takes its differentiable max form.
    if np.dtype(dtype).kind in "iu":
        return np.array(np.iinfo(dtype).min, dtype)
    return np.array(-np.inf, dtype)


def _max_pool_impl(
    x: Any, *, window: tuple[int, ...], strides: tuple[int, ...], padding: Padding, dilation: tuple[int, ...]
) -> Any:
    return lax.reduce_window(x, _lowest(x.dtype), lax.max, window, strides, padding, window_dilation=dilation)


def _explicit_pads(
    shape: tuple[int, ...],
    window: tuple[int, ...],
    strides: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Padding,
) -> tuple[tuple[int, int], ...]:
    if not isinstance(padding, str):
        return padding
    pads = []
    for d, k, s, r in zip(shape, window, strides, dilation, strict=True):
        k = (k - 1) * r + 1
        total = max((-(-d // s) - 1) * s + k - d, 0) if padding == "SAME" else 0
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _max_pool3d_impl(
    x: Any, *, window: tuple[int, ...], strides: tuple[int, ...], padding: Padding, dilation: tuple[int, ...]
) -> Any:
    # TF's MaxPool3DGrad gives each window's whole gradient to EVERY element equal to the window's
    # maximum (MaxPoolGrad, in 1-D and 2-D, gives it to the first one): the value is the max, the
    # derivative the sum, over the window's elements, of (element == max) * tangent.
    y = lax.reduce_window(
        lax.stop_gradient(x), _lowest(x.dtype), lax.max, window, strides, padding, window_dilation=dilation
    )
    pads = _explicit_pads(x.shape, window, strides, dilation, padding)
    padded = jnp.pad(x, pads, constant_values=_lowest(x.dtype))
    inside = np.pad(np.ones(x.shape, bool), pads)
    tangent_part = jnp.zeros_like(y)
    for offset in np.ndindex(*window):
        index = tuple(
            slice(o * r, o * r + (n - 1) * s + 1, s)
            for o, r, n, s in zip(offset, dilation, y.shape, strides, strict=True)
        )
        cand = padded[index]
        hit = inside[index] & (lax.stop_gradient(cand) == y)
        tangent_part = tangent_part + jnp.where(hit, cand - lax.stop_gradient(cand), jnp.zeros_like(cand))
    return y + tangent_part


def _avg_pool_impl(
    x: Any, *, window: tuple[int, ...], strides: tuple[int, ...], padding: Padding, dilation: tuple[int, ...]
) -> Any:
    zero = np.array(0, x.dtype)
    total = lax.reduce_window(x, zero, lax.add, window, strides, padding, window_dilation=dilation)
    # How many input elements each window covers (TF does not count the padding).
    ones = np.ones([d if w != 1 or s != 1 else 1 for d, w, s in zip(x.shape, window, strides, strict=True)], x.dtype)
    count = lax.reduce_window(ones, zero, lax.add, window, strides, padding, window_dilation=dilation)
    return total / count


def _max_pool_argmax_impl(
    x: Any, *, window: tuple[int, ...], strides: tuple[int, ...], pads: tuple[tuple[int, int], ...],
    include_batch: bool, index_dtype: Any,
) -> Any:  # fmt: skip
    n, h, w, c = x.shape
    out = lax.reduce_window(x, _lowest(x.dtype), lax.max, window, strides, ((0, 0), *pads, (0, 0)))
    oh, ow = out.shape[1], out.shape[2]
    padded = jnp.pad(x, ((0, 0), *pads, (0, 0)), constant_values=_lowest(x.dtype))
    # Each window's candidates in row-major order; argmax takes the first maximum, as TF.
    cands, rows, cols = [], [], []
    for di in range(window[1]):
        for dj in range(window[2]):
            cands.append(
                padded[
                    :,
                    di : di + (oh - 1) * strides[1] + 1 : strides[1],
                    dj : dj + (ow - 1) * strides[2] + 1 : strides[2],
                    :,
                ]
            )
            rows.append(jnp.arange(oh) * strides[1] + di - pads[0][0])
            cols.append(jnp.arange(ow) * strides[2] + dj - pads[1][0])
    k = jnp.argmax(jnp.stack(cands), axis=0)  # [n, oh, ow, c]
    row = jnp.take_along_axis(jnp.stack(rows)[:, None, :, None, None], k[None], axis=0)[0]
    col = jnp.take_along_axis(jnp.stack(cols)[:, None, None, :, None], k[None], axis=0)[0]
    flat = (row.astype(np.int64) * w + col) * c + jnp.arange(c)
    if include_batch:
        flat = flat + jnp.arange(n).reshape(n, 1, 1, 1).astype(np.int64) * (h * w * c)
    return out, lax.stop_gradient(flat.astype(index_dtype))


_max_pool = Op("MaxPool", _max_pool_impl)
_max_pool3d = Op("MaxPool3D", _max_pool3d_impl)
_avg_pool = Op("AvgPool", _avg_pool_impl)
_avg_pool3d = Op("AvgPool3D", _avg_pool_impl)
_max_pool_with_argmax = Op("MaxPoolWithArgmax", _max_pool_argmax_impl, multiple_results=True)

_MAX_TYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64", "uint8", "int16", "int8", "uint16")
_MAX3D_TYPES = ("float16", "bfloat16", "float32")
_AVG_TYPES = ("float16", "bfloat16", "float32", "float64")
_TYPE_NAMES = {"float16": "half", "float32": "float", "float64": "double"}


def _check_dtype(op_name: str, x: Any, allowed: Sequence[str]) -> None:
    name = utils.dtype_name(x)
    if name not in allowed:
        listed = ", ".join(_TYPE_NAMES.get(a, a) for a in allowed)
        raise errors.InvalidArgumentError(
            None,
            None,
            f"{op_name}: Value for attr 'T' of {name} is not in the list of allowed values: {listed} "
            f"(got {utils.describe([x])}). Fix: tf.cast the input to tf.float32.",
        )


def _pool(
    op: Op,
    n: int,
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: Any,
    dilations: Any,
    explicit_ok: bool,
    allowed: Sequence[str],
) -> Tensor:
    x = utils.as_tensor(input, None, op.name)
    _check_dtype(op.name, x, allowed)
    channels_first = conv_ops._channels_first(op.name, data_format, n)
    pad = conv_ops._padding(op.name, padding, n, channels_first, explicit_ok)
    ci = 1 if channels_first else n + 1
    window = conv_ops._sequence(ksize, n, ci, "ksize")
    stride = conv_ops._sequence(strides, n, ci, "strides")
    dilation = conv_ops._sequence(dilations, n, ci, "dilations")
    sx = utils.shape_of(x)
    if len(sx) != n + 2:
        raise utils.invalid_argument(
            f"{op.name}: tensor_in_shape must have {n} spatial dimensions: input shape {list(sx)} (rank {n + 2} expected)."
        )
    if any(k <= 0 for k in window):
        raise utils.invalid_argument(
            f"{op.name}: Sliding window ksize must be positive. The specified ksize is: {window}"
        )
    if any(s <= 0 for s in stride):
        raise utils.invalid_argument(f"{op.name}: Stride must be > 0, but got {stride}")
    if window[0] != 1 or stride[0] != 1:
        raise errors.UnimplementedError(None, None, f"{op.name}: Pooling is not yet supported on the batch dimension.")
    if window[ci] != 1 or stride[ci] != 1:
        raise errors.UnimplementedError(
            None,
            None,
            f"{op.name}: tapejax does not pool across the channel dimension (ksize={window}, strides={stride}).",
        )
    if not isinstance(pad, str):
        pad = ((0, 0), (0, 0), *pad) if channels_first else ((0, 0), *pad, (0, 0))
    return bind(op, x, window=tuple(window), strides=tuple(stride), padding=pad, dilation=tuple(dilation))


def max_pool2d(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    name: str | None = None,
) -> Tensor:
    """The maximum of each ``ksize`` window of ``[N, H, W, C]`` (``tf.nn.max_pool2d``).

    Args:
      ksize, strides: an int or a list of length 1, 2 or 4 (batch and channel entries 1).
      padding: ``"SAME"``, ``"VALID"`` or explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.

    The gradient goes to the first maximum of each window (row-major) on ties, as TF.

    Raises:
      InvalidArgumentError: for bool, complex, uint32/uint64 input, a rank other than 4, ksize or strides < 1.

    Differences from TensorFlow: a window of NaN gives NaN (TF's CPU kernel skips NaN) and a window
    of -inf gives -inf (TF gives the dtype's lowest value); ``"NCHW"`` runs on CPU too.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> print(tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")[0, :, :, 0])
    tf.Tensor(
    [[ 5.  7.]
     [13. 15.]], shape=(2, 2), dtype=float32)
    """
    return _pool(_max_pool, 2, input, ksize, strides, padding, data_format, None, True, _MAX_TYPES)


def max_pool1d(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NWC",
    name: str | None = None,
) -> Tensor:
    """The maximum of each window of ``[N, W, C]`` (``tf.nn.max_pool1d``); see ``max_pool2d``."""
    return _pool(_max_pool, 1, input, ksize, strides, padding, data_format, None, True, _MAX_TYPES)


def max_pool3d(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: str = "NDHWC",
    name: str | None = None,
) -> Tensor:
    """The maximum of each window of ``[N, D, H, W, C]`` (``tf.nn.max_pool3d``); float16/bfloat16/float32 only, as TF.

    On ties, every maximum of a window gets the window's whole gradient, as TF's ``MaxPool3DGrad``
    (``max_pool2d`` gives it to the first one only).
    """
    return _pool(_max_pool3d, 3, input, ksize, strides, padding, data_format, None, False, _MAX3D_TYPES)


def _rank_n(op_name: str, input: Any) -> int:  # noqa: A002 - TF's name
    n = len(utils.shape_of(input)) - 2
    if n not in (1, 2, 3):
        raise ValueError(
            f"`input.shape.rank` must be 3, 4 or 5. Received: input.shape={utils.shape_of(input)} of rank {n + 2}."
        )
    return n


def max_pool(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str | None = None,
    name: str | None = None,
) -> Tensor:
    """``max_pool1d``, ``max_pool2d`` or ``max_pool3d`` by the rank of ``input`` (``tf.nn.max_pool``)."""
    n = _rank_n("MaxPool", input)
    if n == 3:
        return max_pool3d(input, ksize, strides, padding, data_format or "NDHWC")
    fmt = data_format or ("NWC" if n == 1 else "NHWC")
    return (max_pool1d if n == 1 else max_pool2d)(input, ksize, strides, padding, fmt)


def avg_pool2d(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: str = "NHWC",
    name: str | None = None,
) -> Tensor:
    """The mean of each ``ksize`` window of ``[N, H, W, C]``; padding is not counted (``tf.nn.avg_pool2d``).

    Raises:
      InvalidArgumentError: for non-floating input, a rank other than 4, ksize or strides < 1.
      TypeError: for explicit paddings (TF's AvgPool takes only ``"SAME"``/``"VALID"``).

    >>> import tapejax as tf
    >>> print(tf.nn.avg_pool2d(tf.ones([1, 3, 3, 1]), ksize=2, strides=2, padding="SAME")[0, :, :, 0])
    tf.Tensor(
    [[1. 1.]
     [1. 1.]], shape=(2, 2), dtype=float32)
    """
    return _pool(_avg_pool, 2, input, ksize, strides, padding, data_format, None, False, _AVG_TYPES)


def avg_pool1d(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: str = "NWC",
    name: str | None = None,
) -> Tensor:
    """The mean of each window of ``[N, W, C]`` (``tf.nn.avg_pool1d``); see ``avg_pool2d``."""
    return _pool(_avg_pool, 1, input, ksize, strides, padding, data_format, None, False, _AVG_TYPES)


def avg_pool3d(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: str = "NDHWC",
    name: str | None = None,
) -> Tensor:
    """The mean of each window of ``[N, D, H, W, C]`` (``tf.nn.avg_pool3d``); see ``avg_pool2d``."""
    return _pool(_avg_pool3d, 3, input, ksize, strides, padding, data_format, None, False, _AVG_TYPES)


def avg_pool(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: str | None = None,
    name: str | None = None,
) -> Tensor:
    """``avg_pool1d``, ``avg_pool2d`` or ``avg_pool3d`` by the rank of ``input`` (``tf.nn.avg_pool``)."""
    n = _rank_n("AvgPool", input)
    fmt = data_format or ("N" + conv_ops._SPATIAL[n] + "C")
    return (avg_pool1d, avg_pool2d, avg_pool3d)[n - 1](input, ksize, strides, padding, fmt)


def pool(
    input: Any,  # noqa: A002 - TF's name
    window_shape: Any,
    pooling_type: str,
    strides: Any = None,
    padding: str = "VALID",
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """``"MAX"`` or ``"AVG"`` pooling over N = ``len(window_shape)`` spatial dimensions, with dilations (``tf.nn.pool``).

    Raises:
      ValueError: for another ``pooling_type``, ``"SAME"`` padding or strides > 1 with dilations > 1.
    """
    window = list(utils.static_ints(window_shape, "window_shape"))
    n = len(window)
    if n not in (1, 2, 3):
        raise ValueError(f"`len(window_shape)` must be 1, 2, or 3. Received: window_shape={window_shape}")
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"{n}-D {pooling_type} pooling is not supported.")
    stride = [1] * n if strides is None else list(utils.static_ints(strides, "strides"))
    dilation = [1] * n if dilations is None else list(utils.static_ints(dilations, "dilations"))
    if len(stride) != n or len(dilation) != n:
        raise ValueError(f"strides and dilations must have length {n}, got strides={stride}, dilations={dilation}")
    if any(d < 1 for d in dilation):
        raise ValueError(f"all values of `dilation_rate` must be positive. Received: dilation_rate={dilation}")
    if any(d > 1 for d in dilation):
        if padding == "SAME":
            raise ValueError(
                "pooling with 'SAME' padding is not implemented for `dilation_rate` > 1. Received: "
                f"padding={padding} and dilation_rate={dilation}"
            )
        if any(s > 1 for s in stride):
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={stride} and dilation_rate={dilation}"
            )
    if data_format is not None:
        data_format = "NC" + conv_ops._SPATIAL[n] if data_format.startswith("NC") else "N" + conv_ops._SPATIAL[n] + "C"
    if pooling_type == "MAX":
        op, allowed = (_max_pool3d, _MAX3D_TYPES) if n == 3 else (_max_pool, _MAX_TYPES)
    else:
        op, allowed = (_avg_pool3d if n == 3 else _avg_pool), _AVG_TYPES
    return _pool(op, n, input, window, stride, padding, data_format, dilation, False, allowed)


def max_pool_with_argmax(
    input: Any,  # noqa: A002 - TF's name
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: str = "NHWC",
    output_dtype: Any = np.int64,
    include_batch_in_index: bool = False,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """``max_pool2d`` of ``[N, H, W, C]`` and the flat index of each maximum (``tf.nn.max_pool_with_argmax``).

    The index of ``[b, y, x, c]`` is ``((b * H + y) * W + x) * C + c``, without the ``b`` term unless
    ``include_batch_in_index``; on ties, the first maximum of the window (row-major), as TF.

    Returns:
      ``(output, argmax)``: the pooled values and their indices (``output_dtype``, int64 by default).

    Raises:
      ValueError: for a ``data_format`` other than ``"NHWC"``.
    """
    if data_format != "NHWC":
        raise ValueError(
            f"`data_format` values other  than 'NHWC' are not supported. Received: data_format={data_format}"
        )
    index_dtype = dtypes_lib.as_dtype(output_dtype).as_numpy_dtype
    if np.dtype(index_dtype) not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise utils.invalid_argument(
            f"MaxPoolWithArgmax: Value for attr 'Targmax' of {np.dtype(index_dtype).name} is not in the list of "
            "allowed values: int32, int64"
        )
    x = utils.as_tensor(input, None, "MaxPoolWithArgmax")
    _check_dtype("MaxPoolWithArgmax", x, _MAX_TYPES)
    pad = conv_ops._padding("MaxPoolWithArgmax", padding, 2, False, False)
    window = conv_ops._sequence(ksize, 2, 3, "ksize")
    stride = conv_ops._sequence(strides, 2, 3, "strides")
    sx = utils.shape_of(x)
    if len(sx) != 4:
        raise utils.invalid_argument(f"MaxPoolWithArgmax: input must be 4-dimensional, got shape {list(sx)}")
    if any(k <= 0 for k in window) or any(s <= 0 for s in stride):
        raise utils.invalid_argument(f"MaxPoolWithArgmax: ksize and strides must be positive: {window}, {stride}")
    if window[0] != 1 or window[3] != 1 or stride[0] != 1 or stride[3] != 1:
        raise errors.UnimplementedError(
            None, None, "MaxPoolWithArgmax: Pooling is not yet supported on the batch or depth dimension."
        )
    pads = []
    for d, k, s in zip(sx[1:3], window[1:3], stride[1:3], strict=True):
        total = max((-(-d // s) - 1) * s + k - d, 0) if pad == "SAME" else 0
        pads.append((total // 2, total - total // 2))
    return bind(
        _max_pool_with_argmax,
        x,
        window=tuple(window),
        strides=tuple(stride),
        pads=tuple(pads),
        include_batch=bool(include_batch_in_index),
        index_dtype=np.dtype(index_dtype),
    )
