"""Convolutions (``tf.nn.conv1d/2d/3d``, ``convolution``, their transposes, depthwise, separable, atrous).

One implementation, ``lax.conv_general_dilated``, behind TF's op names: ``Conv2D`` (1-D and 2-D),
``Conv3D``, ``DepthwiseConv2dNative`` (a grouped convolution) and the transposes
``Conv2DBackpropInput`` / ``Conv3DBackpropInputV2``, written as the input gradient of the forward
convolution (flipped kernel, dilated input), so that they take any ``output_shape`` TF accepts.
Filters are TF's layout: ``spatial + [in_channels, out_channels]``. The wrappers check TF's argument
forms (strides and dilations as an int or a list of length N or N+2, ``"SAME"``/``"VALID"`` or
explicit paddings, ``data_format``) and raise TF's errors before anything runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import errors
from tapejax._src.core import Op, bind
from tapejax._src.ops import array_ops, utils
from tapejax._src.tensor import Tensor

_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}
_TYPE_NAMES = {
    "float16": "half",
    "bfloat16": "bfloat16",
    "float32": "float",
    "float64": "double",
    "int32": "int32",
}
_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _dimension_numbers(n: int, channels_first: bool, transpose: bool = False) -> tuple[str, str, str]:
    s = _SPATIAL[n]
    lhs = "NC" + s if channels_first else "N" + s + "C"
    # A transpose reads the forward filter with its channel axes swapped.
    return lhs, s + ("OI" if transpose else "IO"), lhs


def _conv_impl(
    x: Any,
    w: Any,
    *,
    strides: tuple[int, ...],
    padding: Any,
    dilations: tuple[int, ...],
    channels_first: bool,
    groups: int,
) -> Any:
    n = w.ndim - 2
    batch = x.shape[: x.ndim - n - 1]
    x3 = jnp.reshape(x, (-1, *x.shape[len(batch) :]))  # extra batch dimensions, as TF's conv2d
    y = lax.conv_general_dilated(
        x3,
        w,
        window_strides=strides,
        padding=padding,
        rhs_dilation=dilations,
        dimension_numbers=_dimension_numbers(n, channels_first),
        feature_group_count=groups,
    )
    return jnp.reshape(y, (*batch, *y.shape[1:]))


def _conv_transpose_impl(
    dy: Any,
    w: Any,
    *,
    pads: tuple[tuple[int, int], ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
    channels_first: bool,
) -> Any:
    # The input gradient of the forward convolution (what TF's Conv2DBackpropInput computes): the
    # flipped kernel, with input and output channels swapped, over the stride-dilated gradient.
    n = w.ndim - 2
    return lax.conv_general_dilated(
        dy,
        jnp.flip(w, axis=tuple(range(n))),
        window_strides=(1,) * n,
        padding=pads,
        lhs_dilation=strides,
        rhs_dilation=dilations,
        dimension_numbers=_dimension_numbers(n, channels_first, transpose=True),
    )


_conv2d = Op("Conv2D", _conv_impl, same_dtype=True)
_conv3d = Op("Conv3D", _conv_impl, same_dtype=True)
_depthwise_conv2d = Op("DepthwiseConv2dNative", _conv_impl, same_dtype=True)
_conv2d_backprop_input = Op("Conv2DBackpropInput", _conv_transpose_impl, same_dtype=True)
_conv3d_backprop_input = Op("Conv3DBackpropInputV2", _conv_transpose_impl, same_dtype=True)


# -- argument handling -------------------------------------------------------------------------------
def _sequence(value: Any, n: int, channel_index: int, name: str) -> list[int]:
    """TF's ``_get_sequence``: an int or a list of length 1, N or N+2 as N+2 ints."""
    if value is None:
        return [1] * (n + 2)
    if utils.is_tensor(value) or isinstance(value, np.ndarray):
        values = list(utils.static_ints(value, name))
    elif isinstance(value, (list, tuple)):
        values = [utils.static_int(v, name) for v in value]
    else:
        values = [utils.static_int(value, name)]
    if len(values) == n + 2:
        return values
    if len(values) == 1:
        values = values * n
    elif len(values) != n:
        raise ValueError(
            f"{name} should be of length 1, {n} or {n + 2}. Received: {name}={values} of length {len(values)}"
        )
    return [1, 1, *values] if channel_index == 1 else [1, *values, 1]


def _channels_first(op_name: str, data_format: Any, n: int) -> bool:
    s = _SPATIAL[n]
    if data_format is None or data_format == "N" + s + "C":
        return False
    if data_format == "NC" + s:
        return True
    raise errors.InvalidArgumentError(
        None,
        None,
        f"{op_name}: Value for attr 'data_format' of {data_format!r} is not in the list of allowed values: "
        f'"N{s}C", "NC{s}"',
    )


def _check_dtype(op_name: str, x: Any, allowed: Sequence[str]) -> None:
    name = utils.dtype_name(x)
    if name not in allowed:
        listed = ", ".join(_TYPE_NAMES[a] for a in allowed)
        raise errors.InvalidArgumentError(
            None,
            None,
            f"{op_name}: Value for attr 'T' of {name} is not in the list of allowed values: {listed} "
            f"(got {utils.describe([x])}). Fix: tf.cast the input to tf.float32.",
        )


def _padding(
    op_name: str, padding: Any, n: int, channels_first: bool, explicit_ok: bool
) -> str | tuple[tuple[int, int], ...]:
    """``"SAME"``/``"VALID"``, or explicit ``[[0, 0], [lo, hi], ..., [0, 0]]`` as spatial pairs."""
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            allowed = '"SAME", "VALID", "EXPLICIT"' if explicit_ok else '"SAME", "VALID"'
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{op_name}: Value for attr 'padding' of {padding!r} is not in the list of allowed values: {allowed}",
            )
        return padding
    if not explicit_ok or not isinstance(padding, (list, tuple, np.ndarray)):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    flat = utils.static_ints(padding, "padding")
    if len(flat) != 2 * (n + 2) or np.shape(padding) not in ((n + 2, 2), ()):
        raise ValueError(
            f"When `padding` is a list, it must be of the form [[0, 0], [pad_top, pad_bottom], ...] with {n + 2} "
            f"pairs. Received: padding={padding}"
        )
    pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(n + 2)]
    if any(p < 0 for pair in pairs for p in pair):
        raise utils.invalid_argument(f"{op_name}: All elements of explicit_paddings must be nonnegative, got {pairs}")
    outer = (0, 1) if channels_first else (0, n + 1)
    if any(pairs[i] != (0, 0) for i in outer):
        raise utils.invalid_argument(
            f"{op_name}: Nonzero explicit padding in the batch or depth dimensions is not supported, got {pairs}"
        )
    return tuple(pairs[2:] if channels_first else pairs[1:-1])


def _spatial(values: list[int], channels_first: bool) -> tuple[int, ...]:
    return tuple(values[2:] if channels_first else values[1:-1])


def _strides_dilations(
    op_name: str, n: int, channels_first: bool, strides: Any, dilations: Any
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    ci = 1 if channels_first else n + 1
    s = _sequence(strides, n, ci, "strides")
    d = _sequence(dilations, n, ci, "dilations")
    if s[0] != 1 or s[ci] != 1:
        raise errors.UnimplementedError(
            None,
            None,
            f"{op_name}: Current implementation does not yet support strides in the batch and depth dimensions.",
        )
    if d[0] != 1 or d[ci] != 1:
        raise errors.UnimplementedError(
            None,
            None,
            f"{op_name}: Current implementation does not yet support dilations in the batch and depth dimensions.",
        )
    ss, dd = _spatial(s, channels_first), _spatial(d, channels_first)
    if any(v <= 0 for v in ss):
        raise utils.invalid_argument(f"{op_name}: Strides must be > 0, got strides={s}.")
    if any(v <= 0 for v in dd):
        raise utils.invalid_argument(f"{op_name}: Dilated rates should be larger than 0, got dilations={d}.")
    return ss, dd


def _operands(op_name: str, input: Any, filters: Any, allowed: Sequence[str]) -> tuple[Any, Any]:  # noqa: A002 - TF's name
    x, w = utils.as_tensors_like([input, filters], op_name)
    _check_dtype(op_name, x, allowed)
    return x, w


def _check_ranks(op_name: str, sx: tuple[int, ...], sw: tuple[int, ...], n: int) -> None:
    if len(sw) != n + 2:
        raise utils.invalid_argument(f"{op_name}: filter must be {n + 2}-dimensional: {list(sw)}")
    if len(sx) < n + 2:
        raise utils.invalid_argument(f"{op_name}: input must be at least {n + 2}-dimensional: {list(sx)}")


def _conv(
    op: Op,
    n: int,
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    strides: Any,
    padding: Any,
    data_format: Any,
    dilations: Any,
    explicit_ok: bool,
    allowed: Sequence[str],
) -> Tensor:
    x, w = _operands(op.name, input, filters, allowed)
    channels_first = _channels_first(op.name, data_format, n)
    pad = _padding(op.name, padding, n, channels_first, explicit_ok)
    ss, dd = _strides_dilations(op.name, n, channels_first, strides, dilations)
    sx, sw = utils.shape_of(x), utils.shape_of(w)
    _check_ranks(op.name, sx, sw, n)
    in_ch = sx[len(sx) - n - 1] if channels_first else sx[-1]
    if sw[-2] == 0 or in_ch % sw[-2]:
        raise utils.invalid_argument(
            f"{op.name}: input depth must be evenly divisible by filter depth: {in_ch} vs {sw[-2]} "
            f"(input {list(sx)}, filter {list(sw)}: filters are spatial + [in_channels, out_channels])"
        )
    groups = in_ch // sw[-2]
    if sw[-1] % groups:
        raise utils.invalid_argument(
            f"{op.name}: output depth must be evenly divisible by number of groups: {sw[-1]} vs {groups}"
        )
    return bind(op, x, w, strides=ss, padding=pad, dilations=dd, channels_first=channels_first, groups=groups)


# -- public functions --------------------------------------------------------------------------------
def conv2d(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """2-D convolution of ``input`` (``batch_shape + [H, W, C]``) with ``filters`` ``[fh, fw, C, out]`` (``tf.nn.conv2d``).

    Args:
      input: float16/bfloat16/float32/float64/int32 tensor of rank >= 4 (leading dimensions are batch).
      filters: ``[filter_height, filter_width, in_channels, out_channels]``; ``in_channels`` may divide
        the input's channels (a grouped convolution).
      strides, dilations: an int or a list of length 1, 2 or 4 (batch and channel entries 1).
      padding: ``"SAME"``, ``"VALID"`` or explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.
      data_format: ``"NHWC"`` or ``"NCHW"``.

    Raises:
      InvalidArgumentError: for other dtypes, mismatched channels or dtypes, bad padding strings.
      UnimplementedError: for strides or dilations other than 1 on the batch or channel axis.

    Differences from TensorFlow: ``"NCHW"`` runs on every device (TF's reference CPU kernel refuses
    it; its default oneDNN build accepts it).

    >>> import tapejax as tf
    >>> print(tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), strides=1, padding="VALID")[0, :, :, 0])
    tf.Tensor(
    [[4. 4.]
     [4. 4.]], shape=(2, 2), dtype=float32)
    """
    return _conv(_conv2d, 2, input, filters, strides, padding, data_format, dilations, True, (*_FLOATS, "int32"))


def conv1d(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    stride: Any,
    padding: Any,
    data_format: str = "NWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """1-D convolution of ``input`` (``batch_shape + [W, C]``) with ``filters`` ``[fw, C, out]`` (``tf.nn.conv1d``).

    ``padding`` is ``"SAME"`` or ``"VALID"``; ``data_format`` ``"NWC"`` or ``"NCW"``.

    >>> import tapejax as tf
    >>> print(tf.nn.conv1d(tf.ones([1, 3, 1]), tf.ones([2, 1, 1]), stride=1, padding="VALID")[0, :, 0])
    tf.Tensor([2. 2.], shape=(2,), dtype=float32)
    """
    if data_format not in ("NWC", "NCW", None):
        raise ValueError(f'data_format must be "NWC" or "NCW". Received: data_format={data_format}')
    return _conv(_conv2d, 1, input, filters, stride, padding, data_format, dilations, False, (*_FLOATS, "int32"))


def conv3d(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NDHWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """3-D convolution of ``[N, D, H, W, C]`` with ``filters`` ``[fd, fh, fw, C, out]`` (``tf.nn.conv3d``).

    ``padding`` is ``"SAME"`` or ``"VALID"``; ``data_format`` ``"NDHWC"`` or ``"NCDHW"``.

    Differences from TensorFlow: ``strides`` and ``dilations`` may also be an int or a list of
    length 3 (TF wants 5 values); dilations > 1 run on CPU too (TF's CPU kernel refuses them).
    """
    return _conv(_conv3d, 3, input, filters, strides, padding, data_format, dilations, False, _FLOATS)


def convolution(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    strides: Any = None,
    padding: str = "VALID",
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """N-D convolution, N = ``rank(filters) - 2`` in 1..3 (``tf.nn.convolution``).

    ``data_format`` None or ``N...C`` is channels last, ``NC...`` channels first.
    """
    sw = utils.shape_of(filters)
    n = len(sw) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"`num_spatial_dims` must be 1, 2, or 3. Received: num_spatial_dims={n}.")
    if data_format is not None:
        data_format = "NC" + _SPATIAL[n] if data_format.startswith("NC") else "N" + _SPATIAL[n] + "C"
    op, allowed = (_conv3d, _FLOATS) if n == 3 else (_conv2d, (*_FLOATS, "int32"))
    return _conv(op, n, input, filters, strides, padding, data_format, dilations, n == 2, allowed)


def atrous_conv2d(value: Any, filters: Any, rate: int, padding: str, name: str | None = None) -> Tensor:
    """2-D convolution with holes: ``conv2d`` with ``dilations=rate`` (``tf.nn.atrous_conv2d``).

    Raises:
      ValueError: if ``rate`` is not positive.
    """
    rate = utils.static_int(rate, "rate")
    if rate < 1:
        raise ValueError(f"all values of `dilation_rate` must be positive. Received: dilation_rate=[{rate} {rate}]")
    return conv2d(value, filters, strides=1, padding=padding, dilations=rate)


def _output_shape(output_shape: Any) -> tuple[int, ...]:
    if hasattr(output_shape, "as_list"):
        output_shape = output_shape.as_list()
    return utils.static_ints(output_shape, "output_shape")


def _conv_transpose(
    op: Op,
    n: int,
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: Any,
    data_format: Any,
    dilations: Any,
    explicit_ok: bool,
    allowed: Sequence[str],
) -> Tensor:
    dy, w = _operands(op.name, input, filters, allowed)
    channels_first = _channels_first(op.name, data_format, n)
    pad = _padding(op.name, padding, n, channels_first, explicit_ok)
    ss, dd = _strides_dilations(op.name, n, channels_first, strides, dilations)
    sdy, sw = utils.shape_of(dy), utils.shape_of(w)
    if len(sw) != n + 2:
        raise utils.invalid_argument(f"{op.name}: filter must be {n + 2}-dimensional: {list(sw)}")
    if len(sdy) != n + 2:
        raise utils.invalid_argument(f"{op.name}: out_backprop must be {n + 2}-dimensional: {list(sdy)}")
    out = _output_shape(output_shape)
    if len(out) != n + 2:
        raise utils.invalid_argument(
            f"{op.name} requires input_sizes to contain {n + 2} values, but got: {len(out)} (output_shape={list(out)})"
        )
    ci = 1 if channels_first else n + 1
    if sdy[ci] != sw[-1]:
        raise utils.invalid_argument(
            f"{op.name}: filter and out_backprop must have the same out_depth ({sw[-1]} vs {sdy[ci]}; input "
            f"{list(sdy)}, filter {list(sw)}: filters are spatial + [output_channels, input_channels])"
        )
    if out[ci] != sw[-2]:
        raise utils.invalid_argument(
            f"{op.name}: input and filter must have the same depth: {out[ci]} vs {sw[-2]} (output_shape {list(out)})"
        )
    if out[0] != sdy[0]:
        raise utils.invalid_argument(
            f"{op.name}: batch of output_shape {list(out)} differs from the input's {list(sdy)}"
        )
    in_sp, out_sp = _spatial(list(out), channels_first), _spatial(list(sdy), channels_first)
    pads = []
    for i in range(n):
        k = (sw[i] - 1) * dd[i] + 1
        if pad == "SAME":
            total = max((-(-in_sp[i] // ss[i]) - 1) * ss[i] + k - in_sp[i], 0)
            lo, hi = total // 2, total - total // 2
        elif pad == "VALID":
            lo, hi = 0, 0
        else:
            lo, hi = pad[i]
        computed = max((in_sp[i] + lo + hi - k) // ss[i] + 1, 0)
        if computed != out_sp[i]:
            raise utils.invalid_argument(
                f"{op.name}: Size of out_backprop doesn't match computed: actual = {out_sp[i]}, computed = "
                f"{computed} spatial_dim: {i + (2 if channels_first else 1)} input: {in_sp[i]} filter: {sw[i]} "
                f"output: {out_sp[i]} stride: {ss[i]} dilation: {dd[i]}"
            )
        before = k - 1 - lo
        pads.append((before, in_sp[i] + k - 1 - ((out_sp[i] - 1) * ss[i] + 1) - before))
    return bind(op, dy, w, pads=tuple(pads), strides=ss, dilations=dd, channels_first=channels_first)


def conv2d_transpose(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: Any = "SAME",
    data_format: str = "NHWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """The transpose of ``conv2d`` (its gradient with respect to the input) (``tf.nn.conv2d_transpose``).

    Args:
      input: ``[N, H, W, in_channels]``.
      filters: ``[fh, fw, output_channels, in_channels]`` (the forward convolution's filter).
      output_shape: the 4 values of the result's shape; any shape whose ``conv2d`` gives ``input``'s.

    Raises:
      InvalidArgumentError: if ``conv2d`` of ``output_shape`` does not give ``input``'s shape, or the
        channels disagree.

    Differences from TensorFlow: dilations > 1 run on CPU too (TF's CPU kernel refuses them).

    >>> import tapejax as tf
    >>> print(tf.nn.conv2d_transpose(tf.ones([1, 1, 1, 1]), tf.ones([2, 2, 1, 1]), [1, 2, 2, 1], 1, "VALID")[0, :, :, 0])
    tf.Tensor(
    [[1. 1.]
     [1. 1.]], shape=(2, 2), dtype=float32)
    """
    return _conv_transpose(
        _conv2d_backprop_input, 2, input, filters, output_shape, strides, padding, data_format, dilations, True,
        (*_FLOATS, "int32"),
    )  # fmt: skip


def conv1d_transpose(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """The transpose of ``conv1d``; ``filters`` is ``[fw, output_channels, in_channels]`` (``tf.nn.conv1d_transpose``)."""
    if data_format not in ("NWC", "NCW", None):
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}")
    return _conv_transpose(
        _conv2d_backprop_input, 1, input, filters, output_shape, strides, padding, data_format, dilations, False,
        (*_FLOATS, "int32"),
    )  # fmt: skip


def conv3d_transpose(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NDHWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """The transpose of ``conv3d``; ``filters`` is ``[fd, fh, fw, output_channels, in_channels]`` (``tf.nn.conv3d_transpose``)."""
    return _conv_transpose(
        _conv3d_backprop_input, 3, input, filters, output_shape, strides, padding, data_format, dilations, False,
        _FLOATS,
    )  # fmt: skip


def conv_transpose(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """The transpose of ``convolution``, N = ``len(output_shape) - 2`` in 1..3 (``tf.nn.conv_transpose``)."""
    n = len(_output_shape(output_shape)) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"`output_shape` must be of length 3, 4 or 5. Received: output_shape of length {n + 2}.")
    if data_format is not None:
        data_format = "NC" + _SPATIAL[n] if data_format.startswith("NC") else "N" + _SPATIAL[n] + "C"
    op, allowed = (_conv3d_backprop_input, _FLOATS) if n == 3 else (_conv2d_backprop_input, (*_FLOATS, "int32"))
    return _conv_transpose(
        op, n, input, filters, output_shape, strides, padding, data_format, dilations, n == 2, allowed
    )


def atrous_conv2d_transpose(
    value: Any, filters: Any, output_shape: Any, rate: int, padding: str, name: str | None = None
) -> Tensor:
    """The transpose of ``atrous_conv2d`` (``tf.nn.atrous_conv2d_transpose``).

    Raises:
      ValueError: if ``rate`` is not positive.
    """
    rate = utils.static_int(rate, "rate")
    if rate < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d_transpose(value, filters, output_shape, 1, padding, dilations=rate)


def depthwise_conv2d(
    input: Any,  # noqa: A002 - TF's name
    filter: Any,  # noqa: A002 - TF's name
    strides: Any,
    padding: Any,
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """Convolves each input channel with its own ``channel_multiplier`` filters (``tf.nn.depthwise_conv2d``).

    Args:
      input: ``[N, H, W, C]`` (or ``NCHW``).
      filter: ``[fh, fw, C, channel_multiplier]``; output channel ``c * channel_multiplier + m``.
      strides: 4 values ``[1, s, s, 1]`` (equal row and column strides).
      dilations: 2 values (the atrous rates along height and width).

    Raises:
      InvalidArgumentError: if the channels differ or the strides along height and width differ.
      ValueError: for dilations > 1 with strides > 1.

    Differences from TensorFlow: dilations > 1 with strides > 1 raise the ValueError of TF's warning
    (TF warns, then returns a result shaped unlike the strided dilated convolution).
    """
    op_name = "DepthwiseConv2dNative"
    x, w = _operands(op_name, input, filter, _FLOATS)
    if not isinstance(strides, (list, tuple)) or len(strides) != 4:
        raise TypeError(
            f"Expected list of 4 values for 'strides' argument to 'depthwise_conv2d_native' Op, not {strides!r}."
        )
    channels_first = _channels_first(op_name, data_format, 2)
    s = [utils.static_int(v, "strides") for v in strides]
    if _spatial(s, channels_first)[0] != _spatial(s, channels_first)[1]:
        raise utils.invalid_argument(
            f"{op_name}: Current implementation only supports equal length strides in the row and column dimensions."
        )
    rates = [1, 1] if dilations is None else _sequence(dilations, 2, 3, "dilations")[1:3]
    if any(r < 1 for r in rates):
        raise ValueError(f"all values of `dilation_rate` must be positive. Received: dilation_rate={rates}")
    if any(r > 1 for r in rates) and any(v > 1 for v in s):
        # TF only warns, then returns a result of another shape than the strided dilated convolution's.
        raise ValueError(
            f"When dilation rate is greater than 1, then all values of strides must be 1. Received: `dilation rate` "
            f"{rates} and `strides` {s}"
        )
    pad = _padding(op_name, padding, 2, channels_first, True)
    ss, dd = _strides_dilations(op_name, 2, channels_first, s, rates)
    sx, sw = utils.shape_of(x), utils.shape_of(w)
    _check_ranks(op_name, sx, sw, 2)
    in_ch = sx[-3] if channels_first else sx[-1]
    if in_ch != sw[2]:
        raise utils.invalid_argument(f"{op_name}: input and filter must have the same depth: {in_ch} vs {sw[2]}")
    w = array_ops.reshape(w, [sw[0], sw[1], 1, sw[2] * sw[3]])
    return bind(
        _depthwise_conv2d, x, w, strides=ss, padding=pad, dilations=dd, channels_first=channels_first, groups=in_ch
    )


def separable_conv2d(
    input: Any,  # noqa: A002 - TF's name
    depthwise_filter: Any,
    pointwise_filter: Any,
    strides: Any,
    padding: Any,
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """``depthwise_conv2d`` followed by a 1x1 ``conv2d`` with ``pointwise_filter`` (``tf.nn.separable_conv2d``).

    Raises:
      ValueError: if ``pointwise_filter`` is not ``[1, 1, C * channel_multiplier, out]``.
    """
    sp = utils.shape_of(pointwise_filter)
    if len(sp) != 4 or sp[0] != 1 or sp[1] != 1:
        raise ValueError(
            f"pointwise_filter must be [1, 1, in_channels * channel_multiplier, out_channels], got {list(sp)}"
        )
    depthwise = depthwise_conv2d(
        input, depthwise_filter, strides, padding, data_format=data_format, dilations=dilations
    )
    return conv2d(depthwise, pointwise_filter, 1, "VALID", data_format=data_format or "NHWC")


# -- morphology ---------------------------------------------------------------------------------------
def _dilation2d_impl(
    x: Any, f: Any, *, strides: tuple[int, int], rates: tuple[int, int], pads: tuple[tuple[int, int], ...]
) -> Any:
    # Each output is the max over the window of input + filter; taking the FIRST maximum (argmax) makes
    # the derivative go to it alone, input and filter, as TF's Dilation2DBackprop kernels do.
    _, h, w, _ = x.shape
    fh, fw, _ = f.shape
    oh = (h + pads[0][0] + pads[0][1] - (fh - 1) * rates[0] - 1) // strides[0] + 1
    ow = (w + pads[1][0] + pads[1][1] - (fw - 1) * rates[1] - 1) // strides[1] + 1
    padded = jnp.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    inside = np.pad(np.ones((h, w), bool), pads)
    lowest = np.array(np.iinfo(x.dtype).min if x.dtype.kind in "iu" else -np.inf, x.dtype)
    cands = []
    for i in range(fh):
        for j in range(fw):
            rows = slice(i * rates[0], i * rates[0] + (oh - 1) * strides[0] + 1, strides[0])
            cols = slice(j * rates[1], j * rates[1] + (ow - 1) * strides[1] + 1, strides[1])
            cands.append(jnp.where(inside[rows, cols][None, :, :, None], padded[:, rows, cols, :] + f[i, j], lowest))
    stacked = jnp.stack(cands)
    first = jnp.argmax(stacked, axis=0)
    return jnp.take_along_axis(stacked, first[None], axis=0)[0]


_dilation2d = Op("Dilation2D", _dilation2d_impl, same_dtype=True)


def _list4(value: Any, what: str, op: str) -> tuple[int, int]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Expected list for '{what}' argument to '{op}' Op, not {value!r}.")
    values = [utils.static_int(v, what) for v in value]
    if len(values) != 4:
        raise utils.invalid_argument(
            f"Dilation2D: Length for attr '{what}' of {len(values)} must be at least minimum 4"
        )
    if values[0] != 1 or values[3] != 1:
        raise utils.invalid_argument(
            f"Dilation2D: Current implementation does not yet support {what} in the batch and depth dimensions."
        )
    if values[1] < 1 or values[2] < 1:
        raise utils.invalid_argument(f"Dilation2D: {what} must be positive, got {values}")
    return values[1], values[2]


def dilation2d(
    input: Any,  # noqa: A002 - TF's name
    filters: Any,
    strides: Any,
    padding: str,
    data_format: str,
    dilations: Any,
    name: str | None = None,
) -> Tensor:
    """Grayscale morphological dilation: the max over each window of ``input + filters`` (``tf.nn.dilation2d``).

    Args:
      input: ``[N, H, W, C]`` of a real dtype.
      filters: ``[fh, fw, C]``.
      strides, dilations: 4 values ``[1, s_h, s_w, 1]`` / ``[1, r_h, r_w, 1]``.
      padding: ``"SAME"`` or ``"VALID"``.
      data_format: ``"NHWC"`` (the only one TF supports).

    The gradient goes to the first maximum of each window (row-major), for ``input`` and ``filters``, as TF.

    Raises:
      InvalidArgumentError: if the channels differ, for bool or complex input.
      ValueError: for a ``data_format`` other than ``"NHWC"``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(4.0), [1, 2, 2, 1])
    >>> print(tf.nn.dilation2d(x, tf.zeros([2, 2, 1]), [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1]))
    tf.Tensor([[[[3.]]]], shape=(1, 1, 1, 1), dtype=float32)
    """
    if data_format != "NHWC":
        raise ValueError(
            f"`data_format` values other  than 'NHWC' are not supported. Received: data_format={data_format}"
        )
    x, f = utils.as_tensors_like([input, filters], "Dilation2D")
    if x._v.dtype.kind not in "fiu" and utils.dtype_name(x) != "bfloat16":
        raise utils.invalid_argument(
            f"Dilation2D: Value for attr 'T' of {utils.dtype_name(x)} is not in the list of allowed values "
            f"(real numbers) (got {utils.describe([x])})."
        )
    s = _list4(strides, "strides", "dilation2d")
    r = _list4(dilations, "rates", "dilation2d")
    pad = _padding("Dilation2D", padding, 2, False, False)
    sx, sf = utils.shape_of(x), utils.shape_of(f)
    if len(sx) != 4 or len(sf) != 3:
        raise utils.invalid_argument(
            f"Dilation2D: input must be 4-dimensional and filter 3-dimensional: {list(sx)}, {list(sf)}"
        )
    if sx[3] != sf[2]:
        raise utils.invalid_argument(f"Dilation2D: input and filter must have the same depth: {sx[3]} vs {sf[2]}")
    pads = []
    for d, k, stride, rate in zip(sx[1:3], sf[:2], s, r, strict=True):
        k = (k - 1) * rate + 1
        if pad == "SAME":
            total = max((-(-d // stride) - 1) * stride + k - d, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    return bind(_dilation2d, x, f, strides=s, rates=r, pads=tuple(pads))


def erosion2d(
    value: Any, filters: Any, strides: Any, padding: str, data_format: str, dilations: Any, name: str | None = None
) -> Tensor:
    """Grayscale morphological erosion: ``-dilation2d(-value, reversed filters)`` (``tf.nn.erosion2d``).

    See ``dilation2d`` for the arguments; the gradient goes to the first minimum of each window.
    """
    from tapejax._src.ops import math_ops, shape_ops

    if data_format != "NHWC":
        raise ValueError(
            f"`data_format` values other  than 'NHWC' are not supported. Received: data_format={data_format}"
        )
    x, f = utils.as_tensors_like([value, filters], "Erosion2D")
    flipped = shape_ops.reverse(f, [0, 1])
    return math_ops.negative(dilation2d(math_ops.negative(x), flipped, strides, padding, data_format, dilations))


# -- depthwise gradients ------------------------------------------------------------------------------
def _depthwise_params(
    strides: tuple[int, ...], padding: Any, dilations: tuple[int, ...], channels_first: bool, groups: int
) -> dict[str, Any]:
    return {
        "strides": strides,
        "padding": padding,
        "dilations": dilations,
        "channels_first": channels_first,
        "groups": groups,
    }


def _depthwise_backprop_input_impl(
    w: Any, dy: Any, *, input_shape: tuple[int, ...], strides: tuple[int, ...], padding: Any,
    dilations: tuple[int, ...], channels_first: bool,
) -> Any:  # fmt: skip
    # TF's DepthwiseConv2dNativeBackpropInput is the input gradient of the depthwise convolution.
    fh, fw, c, m = w.shape
    params = _depthwise_params(strides, padding, dilations, channels_first, c)
    grouped = jnp.reshape(w, (fh, fw, 1, c * m))
    _, pullback = jax.vjp(lambda x: _conv_impl(x, grouped, **params), jnp.zeros(input_shape, dy.dtype))
    return pullback(dy)[0]


def _depthwise_backprop_filter_impl(
    x: Any, dy: Any, *, filter_shape: tuple[int, ...], strides: tuple[int, ...], padding: Any,
    dilations: tuple[int, ...], channels_first: bool,
) -> Any:  # fmt: skip
    fh, fw, c, m = filter_shape
    params = _depthwise_params(strides, padding, dilations, channels_first, c)
    _, pullback = jax.vjp(
        lambda w: _conv_impl(x, jnp.reshape(w, (fh, fw, 1, c * m)), **params), jnp.zeros(filter_shape, dy.dtype)
    )
    return pullback(dy)[0]


_depthwise_backprop_input = Op("DepthwiseConv2dNativeBackpropInput", _depthwise_backprop_input_impl, same_dtype=True)
_depthwise_backprop_filter = Op("DepthwiseConv2dNativeBackpropFilter", _depthwise_backprop_filter_impl, same_dtype=True)


def _depthwise_backprop_args(
    op_name: str,
    input_shape: tuple[int, ...],
    filter_shape: tuple[int, ...],
    dy: Any,
    strides: Any,
    padding: Any,
    data_format: str,
    dilations: Any,
) -> dict[str, Any]:
    _check_dtype(op_name, dy, _FLOATS)
    channels_first = _channels_first(op_name, data_format, 2)
    pad = _padding(op_name, padding, 2, channels_first, True)
    ss, dd = _strides_dilations(op_name, 2, channels_first, strides, dilations)
    sdy = utils.shape_of(dy)
    if len(input_shape) != 4 or len(filter_shape) != 4 or len(sdy) != 4:
        raise utils.invalid_argument(
            f"{op_name}: input, filter and out_backprop must be 4-D, got {list(input_shape)}, {list(filter_shape)}, {list(sdy)}"
        )
    ci = 1 if channels_first else 3
    if input_shape[ci] != filter_shape[2]:
        raise utils.invalid_argument(
            f"{op_name}: input and filter must have the same depth: {input_shape[ci]} vs {filter_shape[2]}"
        )
    if sdy[ci] != filter_shape[2] * filter_shape[3] or sdy[0] != input_shape[0]:
        raise utils.invalid_argument(
            f"{op_name}: out_backprop {list(sdy)} does not fit input {list(input_shape)} and filter {list(filter_shape)}"
        )
    in_sp, out_sp = _spatial(list(input_shape), channels_first), _spatial(list(sdy), channels_first)
    for i, what in enumerate(("rows", "columns")):
        k = (filter_shape[i] - 1) * dd[i] + 1
        if pad == "SAME":
            computed = -(-in_sp[i] // ss[i])
        else:
            lo, hi = (0, 0) if pad == "VALID" else pad[i]
            computed = max((in_sp[i] + lo + hi - k) // ss[i] + 1, 0)
        if computed != out_sp[i]:
            raise utils.invalid_argument(
                f"{op_name}: Number of {what} of out_backprop doesn't match computed: actual = {out_sp[i]}, "
                f"computed = {computed}"
            )
    return {"strides": ss, "padding": pad, "dilations": dd, "channels_first": channels_first}


def depthwise_conv2d_backprop_input(
    input_sizes: Any,
    filter: Any,  # noqa: A002 - TF's name
    out_backprop: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
) -> Tensor:
    """The gradient of ``depthwise_conv2d`` with respect to its input (``tf.nn.depthwise_conv2d_backprop_input``).

    Args:
      input_sizes: the 4 values of the input's shape.
      filter: ``[fh, fw, in_channels, channel_multiplier]``.
      out_backprop: the gradient of the depthwise convolution's output.
      strides, dilations: 4 values (or an int, or 2 values).

    Raises:
      InvalidArgumentError: if ``out_backprop``'s shape is not the convolution's output shape.

    Differences from TensorFlow: with dilations > 1 this is the gradient of the dilated convolution
    (TF 2.21's CPU kernel ignores ``dilations``).
    """
    input_shape = tuple(_output_shape(input_sizes))
    w, dy = utils.as_tensors_like([filter, out_backprop], "DepthwiseConv2dNativeBackpropInput")
    params = _depthwise_backprop_args(
        "DepthwiseConv2dNativeBackpropInput",
        input_shape,
        utils.shape_of(w),
        dy,
        strides,
        padding,
        data_format,
        dilations,
    )
    return bind(_depthwise_backprop_input, w, dy, input_shape=input_shape, **params)


def depthwise_conv2d_backprop_filter(
    input: Any,  # noqa: A002 - TF's name
    filter_sizes: Any,
    out_backprop: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
) -> Tensor:
    """The gradient of ``depthwise_conv2d`` with respect to its filter (``tf.nn.depthwise_conv2d_backprop_filter``).

    Args:
      input: the depthwise convolution's input.
      filter_sizes: the 4 values of the filter's shape ``[fh, fw, in_channels, channel_multiplier]``.
      out_backprop: the gradient of the depthwise convolution's output.

    Raises:
      InvalidArgumentError: if ``out_backprop``'s shape is not the convolution's output shape.

    Differences from TensorFlow: with dilations > 1 this is the gradient of the dilated convolution
    (TF 2.21's CPU kernel ignores ``dilations``).
    """
    filter_shape = tuple(_output_shape(filter_sizes))
    x, dy = utils.as_tensors_like([input, out_backprop], "DepthwiseConv2dNativeBackpropFilter")
    params = _depthwise_backprop_args(
        "DepthwiseConv2dNativeBackpropFilter",
        utils.shape_of(x),
        filter_shape,
        dy,
        strides,
        padding,
        data_format,
        dilations,
    )
    return bind(_depthwise_backprop_filter, x, dy, filter_shape=filter_shape, **params)
