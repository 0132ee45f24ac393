"""The raw convolution ops TF exports beside ``tf.nn``'s: ``tf.conv`` (N-D, groups, extra batch
dimensions), ``tf.conv2d_backprop_filter_v2`` / ``tf.conv2d_backprop_input_v2``, and
``tf.extract_volume_patches``; plus ``tf.nn.with_space_to_batch``, which runs an op on a
dilated input through ``space_to_batch_nd``.

TF 2.21 registers no kernel at all for the two ``*_v2`` ops and no gradient for ``Conv``; here
they compute what their definitions say (the gradients of ``conv2d``; the convolution) and are
differentiable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import errors
from tapejax._src.core import Op, bind
from tapejax._src.ops import conv_ops, utils
from tapejax._src.tensor import Tensor

Ints = tuple[int, ...]

_conv_op = Op("Conv", conv_ops._conv_impl, same_dtype=True)


def _explicit_pairs(explicit_paddings: Any, n: int) -> list[list[int]]:
    flat = list(utils.static_ints(list(explicit_paddings), "explicit_paddings")) if len(explicit_paddings) else []
    if len(flat) != 2 * (n + 2):
        raise utils.invalid_argument(
            f"explicit_paddings attribute must contain {2 * (n + 2)} values, but got: {len(flat)}"
        )
    return [flat[2 * i : 2 * i + 2] for i in range(n + 2)]


def _padding_arg(padding: str, explicit_paddings: Any, n: int) -> Any:
    if padding == "EXPLICIT":
        return _explicit_pairs(explicit_paddings, n)
    if len(explicit_paddings):
        raise utils.invalid_argument(
            f"explicit_paddings must be empty if padding is not EXPLICIT, but got padding={padding!r}."
        )
    return padding


def conv(
    input: Any,  # noqa: A002 - TF's name
    filter: Any,  # noqa: A002 - TF's name
    strides: Any,
    padding: str,
    explicit_paddings: Any = (),
    data_format: str = "CHANNELS_LAST",
    dilations: Any = (),
    batch_dims: int = 1,
    groups: int = 1,
    name: str | None = None,
) -> Tensor:
    """The raw N-D convolution op (``tf.conv``): the spatial rank is the filter's rank minus 2.

    Args:
      input: ``batch_dims`` batch dimensions, then the spatial ones and channels
        (``data_format="CHANNELS_LAST"``), or channels then spatial (``"CHANNELS_FIRST"``).
      filter: ``spatial + [in_channels / groups, out_channels]``.
      strides, dilations: ``N + 2`` values (batch and channel entries 1); ``dilations`` may be empty.
      padding: ``"SAME"``, ``"VALID"`` or ``"EXPLICIT"`` (with ``explicit_paddings``: ``2 * (N + 2)``
        values, zeros for batch and channels).
      groups: the number of channel groups; the input depth must be ``groups * in_channels``.

    Raises:
      InvalidArgumentError: for mismatched ranks, depths or groups.

    Differences from TensorFlow: TF's CPU kernel supports only ``CHANNELS_LAST``, ``groups=1`` and
    ``batch_dims=1``, and TF registers no gradient for it; here all run and it is differentiable.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
    >>> print(tf.conv(x, tf.ones([2, 2, 1, 1]), [1, 1, 1, 1], "VALID")[0, :, :, 0])
    tf.Tensor(
    [[ 8. 12.]
     [20. 24.]], shape=(2, 2), dtype=float32)
    """
    x, w = conv_ops._operands("Conv", input, filter, (*conv_ops._FLOATS, "int32"))
    sw, sx = utils.shape_of(w), utils.shape_of(x)
    n = len(sw) - 2
    if n not in conv_ops._SPATIAL:
        raise utils.invalid_argument(f"Conv: filter must be 3-, 4- or 5-dimensional, got {list(sw)}")
    if data_format not in ("CHANNELS_LAST", "CHANNELS_FIRST"):
        raise utils.invalid_argument(
            f"Conv: Value for attr 'data_format' of {data_format!r} is not in the list of allowed values: "
            '"CHANNELS_FIRST", "CHANNELS_LAST"'
        )
    batch_dims = utils.static_int(batch_dims, "batch_dims")
    if len(sx) != batch_dims + n + 1:
        raise utils.invalid_argument(
            f"Conv: input must be {batch_dims + n + 1}-dimensional ({batch_dims} batch dimension(s), {n} spatial, "
            f"channels) for a {n + 2}-D filter, got {list(sx)}"
        )
    channels_first = data_format == "CHANNELS_FIRST"
    in_ch = sx[batch_dims] if channels_first else sx[-1]
    groups = utils.static_int(groups, "groups")
    if groups < 1 or in_ch != sw[-2] * groups:
        raise utils.invalid_argument(
            f"Conv: input depth ({in_ch}) must equal filter input depth ({sw[-2]}) times groups ({groups})."
        )
    if sw[-1] % groups:
        raise utils.invalid_argument(f"Conv: output depth must be evenly divisible by groups: {sw[-1]} vs {groups}")
    pad = conv_ops._padding("Conv", _padding_arg(padding, explicit_paddings, n), n, channels_first, True)
    ss, dd = conv_ops._strides_dilations("Conv", n, channels_first, strides, list(dilations) or None)
    return bind(_conv_op, x, w, strides=ss, padding=pad, dilations=dd, channels_first=channels_first, groups=groups)


def _backprop_input_impl(x: Any, w: Any, dy: Any, **params: Any) -> Any:
    _, pullback = jax.vjp(lambda a: conv_ops._conv_impl(a, w, groups=1, **params), jnp.zeros_like(x))
    return pullback(dy)[0]


def _backprop_filter_impl(x: Any, w: Any, dy: Any, **params: Any) -> Any:
    _, pullback = jax.vjp(lambda f: conv_ops._conv_impl(x, f, groups=1, **params), jnp.zeros_like(w))
    return pullback(dy)[0]


_backprop_input_v2 = Op("Conv2DBackpropInputV2", _backprop_input_impl, same_dtype=True)
_backprop_filter_v2 = Op("Conv2DBackpropFilterV2", _backprop_filter_impl, same_dtype=True)


def _backprop(
    op: Op, input: Any, filter: Any, out_backprop: Any, strides: Any, padding: str,  # noqa: A002
    explicit_paddings: Any, data_format: str, dilations: Any,
) -> Tensor:  # fmt: skip
    x, w, dy = utils.as_tensors_like([input, filter, out_backprop], op.name)
    conv_ops._check_dtype(op.name, x, conv_ops._FLOATS)
    channels_first = conv_ops._channels_first(op.name, data_format, 2)
    pad = conv_ops._padding(op.name, _padding_arg(padding, explicit_paddings, 2), 2, channels_first, True)
    ss, dd = conv_ops._strides_dilations(op.name, 2, channels_first, strides, dilations)
    sx, sw, sdy = utils.shape_of(x), utils.shape_of(w), utils.shape_of(dy)
    if len(sx) != 4 or len(sw) != 4 or len(sdy) != 4:
        raise utils.invalid_argument(
            f"{op.name}: input, filter and out_backprop must be 4-D, got {list(sx)}, {list(sw)}, {list(sdy)}"
        )
    params = {"strides": ss, "padding": pad, "dilations": dd, "channels_first": channels_first}
    want = jax.eval_shape(
        lambda a, f: conv_ops._conv_impl(a, f, groups=1, **params),
        jax.ShapeDtypeStruct(sx, x._v.dtype),
        jax.ShapeDtypeStruct(sw, x._v.dtype),
    ).shape
    if tuple(want) != tuple(sdy):
        raise utils.invalid_argument(
            f"{op.name}: out_backprop has shape {list(sdy)}, but the convolution of input {list(sx)} with "
            f"filter {list(sw)} has shape {list(want)}."
        )
    return bind(op, x, w, dy, **params)


def conv2d_backprop_input_v2(
    input: Any,  # noqa: A002 - TF's name
    filter: Any,  # noqa: A002 - TF's name
    out_backprop: Any,
    strides: Any,
    padding: str,
    use_cudnn_on_gpu: bool = True,
    explicit_paddings: Any = (),
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
) -> Tensor:
    """The gradient of ``conv2d`` with respect to its input, shaped like ``input``
    (``tf.conv2d_backprop_input_v2``: ``Conv2DBackpropInput`` taking the input tensor, not its shape).

    Raises:
      InvalidArgumentError: if ``out_backprop`` is not shaped as the convolution's output.

    Differences from TensorFlow: TF 2.21 has no kernel for this op (every call raises
    ``NotFoundError``); here it computes the gradient its definition names.
    """
    return _backprop(
        _backprop_input_v2, input, filter, out_backprop, strides, padding, explicit_paddings, data_format, dilations
    )


def conv2d_backprop_filter_v2(
    input: Any,  # noqa: A002 - TF's name
    filter: Any,  # noqa: A002 - TF's name
    out_backprop: Any,
    strides: Any,
    padding: str,
    use_cudnn_on_gpu: bool = True,
    explicit_paddings: Any = (),
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
) -> Tensor:
    """The gradient of ``conv2d`` with respect to its filter, shaped like ``filter``
    (``tf.conv2d_backprop_filter_v2``: ``Conv2DBackpropFilter`` taking the filter tensor, not its shape).

    Raises:
      InvalidArgumentError: if ``out_backprop`` is not shaped as the convolution's output.

    Differences from TensorFlow: TF 2.21 has no kernel for this op (every call raises
    ``NotFoundError``); here it computes the gradient its definition names.

    >>> import tapejax as tf
    >>> x = tf.ones([1, 3, 3, 1])
    >>> g = tf.conv2d_backprop_filter_v2(x, tf.zeros([2, 2, 1, 1]), tf.ones([1, 2, 2, 1]), [1, 1, 1, 1], "VALID")
    >>> print(g[:, :, 0, 0])
    tf.Tensor(
    [[4. 4.]
     [4. 4.]], shape=(2, 2), dtype=float32)
    """
    return _backprop(
        _backprop_filter_v2, input, filter, out_backprop, strides, padding, explicit_paddings, data_format, dilations
    )


# -- volume patches ------------------------------------------------------------------------------
def _volume_patches_impl(x: Any, *, sizes: Ints, strides: Ints, padding: str) -> Any:
    c = x.shape[-1]
    # conv_general_dilated_patches orders a patch's features channel-major (c, kp, kr, kc); TF's
    # ExtractVolumePatches orders them (kp, kr, kc, c).
    patches = jax.lax.conv_general_dilated_patches(
        x,
        filter_shape=sizes,
        window_strides=strides,
        padding=padding,
        dimension_numbers=("NDHWC", "DHWIO", "NDHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )
    k = sizes[0] * sizes[1] * sizes[2]
    lead = patches.shape[:-1]
    return jnp.swapaxes(patches.reshape(*lead, c, k), -1, -2).reshape(*lead, k * c)


_volume_patches = Op("ExtractVolumePatches", _volume_patches_impl)


def extract_volume_patches(
    input: Any,  # noqa: A002 - TF's name
    ksizes: Any,
    strides: Any,
    padding: str,
    name: str | None = None,
) -> Tensor:
    """3-D patches of a volume batch ``[b, planes, rows, cols, c]`` flattened into the depth
    (``tf.extract_volume_patches``): ``[b, out_planes, out_rows, out_cols, kp * kr * kc * c]``.

    Args:
      ksizes, strides: ``[1, planes, rows, cols, 1]`` each.
      padding: ``"VALID"`` or ``"SAME"``.

    Raises:
      InvalidArgumentError: for a non-5-D input.
      UnimplementedError: for sizes or strides not of the form ``[1, p, r, c, 1]``, as TF.

    Its gradient is TF's registered one (each input entry collects the gradients of the patch
    entries it was copied to).

    Differences from TensorFlow: TF 2.21's tape returns ``None`` instead for some inputs (seen for a
    batch of 2, and for 1x1x1 patches) although it registers that gradient; here it is always given.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1])
    >>> print(tf.extract_volume_patches(x, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")[0, 0, 0, 0])
    tf.Tensor([0. 1. 2. 3. 4. 5. 6. 7.], shape=(8,), dtype=float32)
    """
    t = utils.as_tensor(input, None, "ExtractVolumePatches")
    if len(utils.shape_of(t)) != 5:
        raise utils.invalid_argument(
            f"ExtractVolumePatches: input must be 5-dimensional[{','.join(map(str, utils.shape_of(t)))}]"
        )
    if padding not in ("VALID", "SAME"):
        raise utils.invalid_argument(
            f"ExtractVolumePatches: Value for attr 'padding' of {padding!r} is not in the list of allowed values: "
            '"SAME", "VALID"'
        )
    utils.require_kind("ExtractVolumePatches", t, "fiu")

    def five(value: Any, what: str) -> Ints:
        v = utils.static_ints(value, what)
        if len(v) != 5:
            raise utils.invalid_argument(
                f"ExtractVolumePatches: {what} must be [1, planes, rows, cols, 1], got {list(v)}."
            )
        if v[0] != 1 or v[4] != 1:
            raise errors.UnimplementedError(None, None, f"Only support {what} across space. [Op:ExtractVolumePatches]")
        return v[1:4]

    return bind(_volume_patches, t, sizes=five(ksizes, "ksizes"), strides=five(strides, "strides"), padding=padding)


# -- with_space_to_batch --------------------------------------------------------------------------
def with_space_to_batch(
    input: Any,  # noqa: A002 - TF's name
    dilation_rate: Any,
    padding: Any,
    op: Callable[[Any, int, str], Any],
    filter_shape: Any = None,
    spatial_dims: Any = None,
    data_format: str | None = None,
) -> Any:
    """Runs ``op(converted_input, num_spatial_dims, "VALID")`` on ``input`` moved by
    ``space_to_batch_nd`` with block ``dilation_rate``, then moves the result back
    (``tf.nn.with_space_to_batch``): an op on a dilated grid, e.g. an atrous convolution.

    Args:
      dilation_rate: one positive int per spatial dimension; all ones runs
        ``op(input, num_spatial_dims, padding)`` unchanged.
      padding: ``"VALID"``, ``"SAME"`` (needs ``filter_shape``) or explicit ``2 * (N + 2)`` values.
      op: ``op(input, num_spatial_dims, padding)``.
      filter_shape: the filter's spatial shape first (``SAME`` pads ``(filter - 1) * rate``).
      spatial_dims: increasing positive axes of the spatial dimensions (default: the ones after
        the batch, or after the channels for an ``"NC..."`` ``data_format``).

    Raises:
      ValueError: for a bad ``dilation_rate``, ``spatial_dims`` or ``padding``, as TF.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> pool = lambda t, n, p: tf.nn.pool(t, [2, 2], "MAX", padding=p)
    >>> print(tf.nn.with_space_to_batch(x, [2, 2], "VALID", pool)[0, :, :, 0])
    tf.Tensor(
    [[10. 11.]
     [14. 15.]], shape=(2, 2), dtype=float32)
    """
    from tapejax._src.ops import misc_ops

    x = utils.as_tensor(input, None, "with_space_to_batch")
    rate = np.asarray(utils.static_ints(dilation_rate, "dilation_rate"), np.int64)
    if np.ndim(dilation_rate) not in (1,) and not utils.is_tensor(dilation_rate):
        raise ValueError(f"`dilation_rate.shape.rank` must be 1. Received: dilation_rate={dilation_rate}")
    n = len(rate)
    start = 2 if data_format is not None and data_format.startswith("NC") else 1
    dims = list(range(start, n + start)) if spatial_dims is None else [int(d) for d in spatial_dims]
    if dims != sorted(set(dims)) or any(d < 1 for d in dims) or len(dims) != n:
        raise ValueError(
            "`spatial_dims` must be a monotonically increasing sequence of positive integers. "
            f"Received: spatial_dims={list(spatial_dims) if spatial_dims is not None else dims}"
        )
    shape = utils.shape_of(x)
    need = dims[-1] if start == 2 else dims[-1] + 1
    if len(shape) < need:
        raise ValueError(f"`input.shape.rank` must be at least {need}. Received: input.shape={list(shape)}")
    if np.any(rate < 1):
        raise ValueError(f"`dilation_rate` must be positive. Received: dilation_rate={rate}")
    if np.all(rate == 1):
        return op(x, n, padding)
    if isinstance(padding, str) and padding == "SAME":
        if filter_shape is None:
            raise ValueError(
                f"`filter_shape` must be specified for `padding='SAME'`. Received: filter_shape={filter_shape} "
                f"and padding={padding}"
            )
        extra = (np.asarray(utils.static_ints(filter_shape, "filter_shape"), np.int64)[:n] - 1) * rate
        base = np.stack([extra // 2, extra - extra // 2], axis=1)
    elif isinstance(padding, str) and padding == "VALID":
        base = np.zeros([n, 2], np.int64)
    elif not isinstance(padding, str):
        pairs = np.asarray(utils.static_ints(padding, "padding"), np.int64).reshape(n + 2, 2)
        base = pairs[2:] if start == 2 else pairs[1:-1]
    else:
        raise ValueError(f"`padding` must be one of 'SAME' or 'VALID'. Received: padding={padding}")
    spatial = np.asarray([shape[d] for d in dims], np.int64)
    full = spatial + base[:, 0] + base[:, 1]
    extra_end = (rate - full % rate) % rate
    paddings = np.stack([base[:, 0], base[:, 1] + extra_end], axis=1)
    crops = np.stack([np.zeros_like(extra_end), extra_end], axis=1)

    def adjust(orig: np.ndarray, fill: int) -> np.ndarray:
        # TF's _with_space_to_batch_adjust: rows for every dimension 1..max(spatial_dims), ``fill`` in gaps.
        out = np.full((dims[-1], *orig.shape[1:]), fill, orig.dtype)
        out[np.asarray(dims) - 1] = orig
        return out

    block = adjust(rate, 1).tolist()
    converted = misc_ops.space_to_batch_nd(x, block, adjust(paddings, 0).tolist())
    result = op(converted, n, "VALID")
    return misc_ops.batch_to_space(result, block, adjust(crops, 0).tolist())
