"""Keras' convolution layers: ``Conv1D/2D/3D``, their transposes, ``DepthwiseConv1D/2D``, ``SeparableConv1D/2D``.

Each layer is Keras 3.15's (``keras/src/layers/convolutional/``): the same constructor arguments and
defaults, validation messages, weights (names, shapes, order, initializers) and ``get_config`` keys.
The computation is ``tf.nn.convolution`` / ``tf.nn.conv_transpose`` (what Keras' TensorFlow backend
calls), so ``"same"`` padding is TF's (the extra padding after, i.e. bottom/right), then the bias and
the activation. Kernels are Keras' layouts: ``kernel_size + (in_channels // groups, filters)`` for a
convolution, ``kernel_size + (filters, in_channels)`` for a transpose, ``kernel_size + (in_channels,
depth_multiplier)`` for a depthwise kernel.

Differences from Keras: LoRA (``lora_rank``, ``enable_lora``) and quantization are not implemented.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src.keras import activations, constraints, initializers, regularizers
from tapejax._src.keras.backend import standardize_data_format
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import array_ops, conv_ops, nn_ops, shape_ops

_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


# -- Keras' argument handling (keras/src/utils/argument_validation.py, ops/operation_utils.py) ----------------
def standardize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple[Any, ...]:
    """An int or an iterable of ``n`` ints as a tuple of ``n`` ints (Keras' ``standardize_tuple``).

    Raises:
      ValueError: for another length, a non-integer element or a value < 1 (< 0 with ``allow_zero``).
    """
    error_msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, int):
        value_tuple: tuple[Any, ...] = (value,) * n
    else:
        try:
            value_tuple = tuple(value)
        except TypeError:
            raise ValueError(error_msg) from None
        if len(value_tuple) != n:
            raise ValueError(error_msg)
        for single_value in value_tuple:
            try:
                int(single_value)
            except (ValueError, TypeError):
                error_msg += f"including element {single_value} of type {type(single_value)}"
                raise ValueError(error_msg) from None
    if allow_zero:
        unqualified = {v for v in value_tuple if v < 0}
        req_msg = ">= 0"
    else:
        unqualified = {v for v in value_tuple if v <= 0}
        req_msg = "> 0"
    if unqualified:
        error_msg += f", including values {unqualified} that do not satisfy `value {req_msg}`"
        raise ValueError(error_msg)
    return value_tuple


def standardize_padding(value: Any, allow_causal: bool = False) -> Any:
    """``padding`` lower-cased and checked against ``"valid"``/``"same"`` (and ``"causal"``), as Keras."""
    if isinstance(value, (list, tuple)):
        return value
    padding = value.lower()
    allowed = {"valid", "same", "causal"} if allow_causal else {"valid", "same"}
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {allowed}. Received: {padding}")
    return padding


def _spatial(shape: Any, data_format: str) -> tuple[Any, ...]:
    shape = tuple(shape)
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


def _with_channels(batch: Any, spatial: Any, channels: Any, data_format: str) -> tuple[Any, ...]:
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def compute_conv_output_shape(
    input_shape: Any,
    filters: int,
    kernel_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Any,
    data_format: str,
    dilation_rate: tuple[int, ...],
) -> tuple[Any, ...]:
    """The output shape of a convolution (Keras' ``compute_conv_output_shape``; None dims stay None).

    Raises:
      ValueError: if the input's rank does not fit the kernel, or a ``"valid"`` output would be empty.
    """
    input_shape = tuple(input_shape)
    in_channels = input_shape[-1] if data_format == "channels_last" else input_shape[1]
    kernel_shape = (*kernel_size, in_channels, filters)
    if len(kernel_shape) != len(input_shape):
        raise ValueError(
            "Kernel shape must have the same length as input, but received "
            f"kernel of shape {kernel_shape} and input of shape {input_shape}."
        )
    out = []
    for size, k, s, d in zip(_spatial(input_shape, data_format), kernel_size, strides, dilation_rate, strict=True):
        if size is None:
            out.append(None)
        elif padding == "valid":
            n = (size - d * (k - 1) - 1) // s + 1
            if n <= 0:
                raise ValueError(
                    "Computed output size would be zero or negative. Received "
                    f"`inputs shape={input_shape}`, `kernel shape={kernel_shape}`, "
                    f"`dilation_rate={np.array(dilation_rate)}`, `strides={strides}`, `padding={padding}`."
                )
            out.append(n)
        elif padding in ("same", "causal"):
            out.append((size - 1) // s + 1)
        else:
            raise ValueError(f"`padding` must be either `'valid'` or `'same'`. Received {padding}.")
    return _with_channels(input_shape[0], out, filters, data_format)


def _transpose_output_size(
    size: Any, kernel: int, stride: int, padding: str, output_padding: Any, dilation: int
) -> Any:
    # Keras' _get_output_shape_given_tf_padding.
    if size is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return (size - 1) * stride + kernel + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + kernel % 2 + output_padding


def _tf_data_format(data_format: str, rank: int) -> str | None:
    return None if data_format == "channels_last" else "NC" + _SPATIAL[rank]


# -- the convolution -----------------------------------------------------------------------------------------------
class _ConvMixin(Layer):
    """The shared tail of every convolution layer: the bias along the channel axis, then the activation."""

    rank: int
    data_format: str
    activation: Any
    bias: Any

    def _bias_and_activation(self, outputs: Any) -> Any:
        if self.bias is not None:
            outputs = nn_ops.bias_add(outputs, self.bias, data_format=_tf_data_format(self.data_format, self.rank))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def _input_channel(self, input_shape: Any) -> Any:
        return input_shape[-1] if self.data_format == "channels_last" else input_shape[1]

    def _convolve(
        self, inputs: Any, kernel: Any, strides: tuple[int, ...], padding: str, dilation_rate: tuple[int, ...]
    ) -> Any:
        if padding == "causal":
            left = dilation_rate[0] * (kernel.shape[0] - 1)
            pads = [[0, 0], [left, 0], [0, 0]] if self.data_format == "channels_last" else [[0, 0], [0, 0], [left, 0]]
            inputs = shape_ops.pad(inputs, pads)
            padding = "valid"
        outputs = conv_ops.convolution(
            inputs,
            kernel,
            strides=list(strides),
            padding=padding.upper(),
            data_format=_tf_data_format(self.data_format, self.rank),
            dilations=list(dilation_rate),
        )
        if 0 in tuple(outputs.shape) and 0 not in tuple(inputs.shape):
            raise ValueError(
                "The convolution operation resulted in an empty output. Output shape: "
                f"{tuple(outputs.shape)}. This can happen if the input is too small for the given kernel size, "
                "strides, dilation rate, and padding mode. Please check the input shape and convolution parameters."
            )
        return outputs


class BaseConv(_ConvMixin):
    """The N-D convolution layer behind ``Conv1D``, ``Conv2D`` and ``Conv3D`` (Keras' ``BaseConv``).

    Args:
      rank: the number of spatial dimensions (1, 2 or 3).
      filters: the number of output channels (a positive int).
      kernel_size, strides, dilation_rate: an int or a tuple of ``rank`` ints; ``strides > 1`` and
        ``dilation_rate > 1`` cannot be combined.
      padding: ``"valid"``, ``"same"`` (TF's: output size ``ceil(size / stride)``) or, for ``rank=1``,
        ``"causal"`` (left padding only); case-insensitive.
      data_format: ``"channels_last"`` (the default, from ``tf.keras.backend.image_data_format()``)
        or ``"channels_first"``.
      groups: the input channels split into ``groups`` convolved separately (``filters`` and the
        input channels must be divisible by it).
      activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as ``Dense``.

    Raises:
      ValueError: for invalid arguments, and at build for input channels not divisible by ``groups``
        or an empty ``"valid"`` output (Keras' messages).

    Differences from Keras: LoRA (``lora_rank``, ``lora_alpha``, ``enable_lora``) and quantization are
    not implemented (``lora_rank=`` raises the ValueError of an unrecognized keyword argument).
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = filters
        self.groups = groups
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self.filters is not None and self.filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={self.filters}."
            )
        if self.groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={self.groups}.")
        if self.filters is not None and self.filters % self.groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={self.filters}."
            )
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )

    def build(self, input_shape: Any) -> None:
        input_channel = self._input_channel(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: input_channel})
        if input_channel % self.groups != 0:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. Received "
                f"groups={self.groups}, but the input has {input_channel} channels (full input shape is {input_shape})."
            )
        self.compute_output_shape(input_shape)  # (Keras' validation of the input shape)
        self._kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, input_channel // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    @property
    def kernel(self) -> Any:
        """The convolution kernel, ``kernel_size + (in_channels // groups, filters)``.

        Raises:
          AttributeError: before the layer is built.
        """
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def convolution_op(self, inputs: Any, kernel: Any) -> Any:
        """The convolution of ``inputs`` with ``kernel`` (no bias, no activation)."""
        return self._convolve(inputs, kernel, self.strides, self.padding, self.dilation_rate)

    def call(self, inputs: Any) -> Any:
        return self._bias_and_activation(self.convolution_op(inputs, self.kernel))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return compute_conv_output_shape(
            input_shape,
            self.filters,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv1D(BaseConv):
    """1-D convolution (temporal): inputs ``(batch, steps, channels)``, kernel ``(k, channels // groups, filters)``.

    ``padding="causal"`` pads ``dilation_rate * (kernel_size - 1)`` steps on the left only, so that
    output ``t`` sees inputs ``<= t``. See ``BaseConv`` for the arguments.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Conv1D(1, 2, padding="causal", kernel_initializer="ones")
    >>> print(layer(tf.reshape(tf.range(1.0, 4.0), [1, 3, 1]))[0, :, 0])
    tf.Tensor([1. 3. 5.], shape=(3,), dtype=float32)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation, use_bias,
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv2D(BaseConv):
    """2-D convolution: inputs ``(batch, rows, cols, channels)``, kernel ``kernel_size + (channels // groups, filters)``.

    See ``BaseConv`` for the arguments.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Conv2D(2, 3, kernel_initializer="ones", bias_initializer="ones")
    >>> y = layer(tf.ones([1, 4, 4, 1]))
    >>> y.shape, [w.shape for w in layer.weights]
    (TensorShape([1, 2, 2, 2]), [TensorShape([3, 3, 1, 2]), TensorShape([2])])
    >>> print(y[0, :, :, 0])
    tf.Tensor(
    [[10. 10.]
     [10. 10.]], shape=(2, 2), dtype=float32)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation, use_bias,
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv3D(BaseConv):
    """3-D convolution: inputs ``(batch, d1, d2, d3, channels)``; see ``BaseConv`` for the arguments."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1, 1),
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1, 1),
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation, use_bias,
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


# -- transposed convolution ------------------------------------------------------------------------------------------
class BaseConvTranspose(_ConvMixin):
    """The N-D transposed convolution behind ``Conv1DTranspose``... (Keras' ``BaseConvTranspose``).

    The output size along a spatial axis of size ``n`` (effective kernel ``k = (kernel - 1) * dilation + 1``,
    stride ``s``) is, with ``"valid"``: ``(n - 1) * s + k + output_padding`` (``output_padding``
    None: ``max(k, s) - k``); with ``"same"``: ``n * s`` (``output_padding`` None) or ``(n - 1) * s
    + k % 2 + output_padding``. The kernel is ``kernel_size + (filters, in_channels)``.

    Args:
      output_padding: None, or an int or tuple of ``rank`` ints, each < the stride.
      The others: as ``BaseConv`` (no ``groups``, no ``"causal"``).
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.output_padding = (
            None
            if output_padding is None
            else standardize_tuple(output_padding, rank, "output_padding", allow_zero=True)
        )
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self.filters is not None and self.filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={self.filters}."
            )
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}.")
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides, strict=True)):
                if op >= s:
                    raise ValueError(
                        f"`output_padding` must be strictly less than `strides` for all dimensions. At dimension {i}, "
                        f"`output_padding` is {op} but `strides` is {s}. Received: "
                        f"output_padding={self.output_padding}, strides={self.strides}"
                    )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )

    def build(self, input_shape: Any) -> None:
        input_channel = self._input_channel(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: input_channel})
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, self.filters, input_channel),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs: Any) -> Any:
        output_shape = self.compute_output_shape(tuple(inputs.shape))
        outputs = conv_ops.conv_transpose(
            inputs,
            self.kernel,
            output_shape,
            list(self.strides),
            padding=self.padding.upper(),
            data_format=_tf_data_format(self.data_format, self.rank),
            dilations=list(self.dilation_rate),
        )
        return self._bias_and_activation(outputs)

    def compute_output_shape(self, input_shape: Any) -> list[Any]:
        """The output shape, a list as Keras' (``compute_conv_transpose_output_shape``)."""
        input_shape = tuple(input_shape)
        spatial = [
            _transpose_output_size(
                size, k, s, self.padding, None if self.output_padding is None else self.output_padding[i], d
            )
            for i, (size, k, s, d) in enumerate(
                zip(
                    _spatial(input_shape, self.data_format),
                    self.kernel_size,
                    self.strides,
                    self.dilation_rate,
                    strict=True,
                )
            )
        ]
        return list(_with_channels(input_shape[0], spatial, self.filters, self.data_format))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution: ``(batch, steps, channels)`` to ``(batch, new_steps, filters)``.

    See ``BaseConvTranspose`` for the output size and the arguments.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Conv1DTranspose(1, 2, strides=2, kernel_initializer="ones")
    >>> print(layer(tf.constant([[[1.0], [2.0]]]))[0, :, 0])
    tf.Tensor([1. 1. 2. 2.], shape=(4,), dtype=float32)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            1, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution: ``(batch, rows, cols, channels)`` to ``(batch, new_rows, new_cols, filters)``.

    See ``BaseConvTranspose`` for the output size and the arguments.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: Any = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            2, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution (note Keras' argument order: ``data_format`` before ``output_padding``)."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1, 1),
        padding: Any = "valid",
        data_format: str | None = None,
        output_padding: Any = None,
        dilation_rate: Any = (1, 1, 1),
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            3, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


# -- depthwise and separable ---------------------------------------------------------------------------------------
def _depthwise(layer: _ConvMixin, inputs: Any, kernel: Any, strides: Any, padding: str, dilation_rate: Any) -> Any:
    # A depthwise kernel (*k, C, M) is a grouped convolution with C groups of M filters each:
    # output channel c * M + m, as tf.nn.depthwise_conv2d.
    shape = tuple(kernel.shape)
    grouped = array_ops.reshape(kernel, [*shape[:-2], 1, shape[-2] * shape[-1]])
    return layer._convolve(inputs, grouped, strides, padding, dilation_rate)


class BaseDepthwiseConv(_ConvMixin):
    """The depthwise convolution behind ``DepthwiseConv1D/2D`` (Keras' ``BaseDepthwiseConv``).

    Each input channel is convolved with its own ``depth_multiplier`` filters; output channel
    ``c * depth_multiplier + m``. The kernel is ``kernel_size + (in_channels, depth_multiplier)``.
    Unlike ``BaseConv``, ``strides > 1`` may be combined with ``dilation_rate > 1``.

    Args:
      depth_multiplier: the filters per input channel (a positive int).
      depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the kernel.
      The others: as ``BaseConv`` (no ``groups``, no ``"causal"``).
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self.depth_multiplier is not None and self.depth_multiplier <= 0:
            raise ValueError(
                "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                f"Received depth_multiplier={self.depth_multiplier}."
            )
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}")

    def build(self, input_shape: Any) -> None:
        input_channel = self._input_channel(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: input_channel})
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, input_channel, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.depth_multiplier * input_channel,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs: Any) -> Any:
        outputs = _depthwise(self, inputs, self.kernel, self.strides, self.padding, self.dilation_rate)
        return self._bias_and_activation(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        input_channel = self._input_channel(input_shape)
        return compute_conv_output_shape(
            input_shape,
            self.depth_multiplier * input_channel,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution (note Keras' argument order: ``padding, depth_multiplier, data_format``).

    See ``BaseDepthwiseConv``.
    """

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            1, depth_multiplier, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution: ``(batch, rows, cols, C)`` to ``(..., C * depth_multiplier)``.

    See ``BaseDepthwiseConv``.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.DepthwiseConv2D(2, depth_multiplier=2, depthwise_initializer="ones")
    >>> layer(tf.ones([1, 3, 3, 3])).shape, layer.kernel.shape
    (TensorShape([1, 2, 2, 6]), TensorShape([2, 2, 3, 2]))
    """

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: Any = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            2, depth_multiplier, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class BaseSeparableConv(_ConvMixin):
    """A depthwise convolution followed by a pointwise (``1x..x1``) one (Keras' ``BaseSeparableConv``).

    Weights, in order: ``depthwise_kernel`` ``kernel_size + (in_channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1,) * rank + (in_channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.

    Args:
      depth_multiplier: the depthwise filters per input channel.
      filters: the output channels.
      pointwise_initializer, pointwise_regularizer, pointwise_constraint: for the pointwise kernel.
      The others: as ``BaseDepthwiseConv``.
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self.depth_multiplier is not None and self.depth_multiplier <= 0:
            raise ValueError(
                "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                f"Received depth_multiplier={self.depth_multiplier}."
            )
        if self.filters is not None and self.filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={self.filters}."
            )
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received: kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0(s). Received: strides={self.strides}")

    def build(self, input_shape: Any) -> None:
        input_channel = self._input_channel(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: input_channel})
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=(*self.kernel_size, input_channel, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(*(1,) * self.rank, self.depth_multiplier * input_channel, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs: Any) -> Any:
        depthwise = _depthwise(self, inputs, self.depthwise_kernel, self.strides, self.padding, self.dilation_rate)
        ones = (1,) * self.rank
        outputs = self._convolve(depthwise, self.pointwise_kernel, ones, "valid", ones)
        return self._bias_and_activation(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return compute_conv_output_shape(
            input_shape,
            self.filters,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution (note Keras' argument order: ``dilation_rate`` before ``depth_multiplier``).

    See ``BaseSeparableConv``.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            1, depth_multiplier, filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
            use_bias, depthwise_initializer, pointwise_initializer, bias_initializer, depthwise_regularizer,
            pointwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
            pointwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class SeparableConv2D(BaseSeparableConv):
    """2-D separable convolution; see ``BaseSeparableConv``.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.SeparableConv2D(4, 3, depth_multiplier=2)
    >>> layer(tf.ones([1, 5, 5, 3])).shape
    TensorShape([1, 3, 3, 4])
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('depthwise_kernel', (3, 3, 3, 2)), ('pointwise_kernel', (1, 1, 6, 4)), ('bias', (4,))]
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            2, depth_multiplier, filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
            use_bias, depthwise_initializer, pointwise_initializer, bias_initializer, depthwise_regularizer,
            pointwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
            pointwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip
