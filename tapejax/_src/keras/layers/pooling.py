"""Keras' pooling layers: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` and the global poolings.

Each layer is Keras 3.15's (``keras/src/layers/pooling/``): the same arguments, defaults, messages and
``get_config`` keys; the layers have no weights and are built at construction, as in Keras. Windowed
pooling is ``tf.nn.max_pool`` / ``tf.nn.avg_pool`` (what Keras' TensorFlow backend calls): ``"same"``
padding is TF's (extra padding after) and an average does not count the padding.
"""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.backend import standardize_data_format
from tapejax._src.keras.layers.convolutional import _SPATIAL, standardize_tuple
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import index_ops, math_ops, pool_ops, reduction_ops, shape_ops


def compute_pooling_output_shape(
    input_shape: Any, pool_size: tuple[int, ...], strides: tuple[int, ...], padding: Any, data_format: str
) -> tuple[Any, ...]:
    """The output shape of a pooling (Keras' ``compute_pooling_output_shape``; None dims stay None).

    Raises:
      ValueError: for a padding other than ``"valid"``/``"same"``, or an empty ``"valid"`` output.
    """
    input_shape = tuple(input_shape)
    spatial = input_shape[1:-1] if data_format == "channels_last" else input_shape[2:]
    if padding not in ("valid", "same"):
        raise ValueError(f"Argument `padding` must be either 'valid' or 'same'. Received: padding={padding}")
    out: list[Any] = []
    for size, k, s in zip(spatial, pool_size, strides, strict=True):
        if size is None:
            out.append(None)
        elif padding == "valid":
            n = (size - k) // s + 1
            if n <= 0:
                raise ValueError(
                    f"Computed output size would be zero or negative. Received: `inputs.shape={input_shape}`, "
                    f"`pool_size={list(pool_size)}`, `strides={strides}`, `padding={padding}`."
                )
            out.append(n)
        else:
            out.append((size - 1) // s + 1)
    if data_format == "channels_last":
        return (input_shape[0], *out, input_shape[-1])
    return (input_shape[0], input_shape[1], *out)


class BasePooling(Layer):
    """The windowed pooling behind ``MaxPooling*`` and ``AveragePooling*`` (Keras' ``BasePooling``).

    Args:
      pool_size: an int or a tuple of ``pool_dimensions`` ints.
      strides: an int or a tuple of ints; None (the default): ``pool_size``.
      pool_dimensions: 1, 2 or 3.
      pool_mode: ``"max"`` or ``"average"``.
      padding: ``"valid"`` or ``"same"`` (case-insensitive, kept as given in the config, as Keras).
      data_format: ``"channels_last"`` (default: ``image_data_format()``) or ``"channels_first"``.
    """

    def __init__(
        self,
        pool_size: Any,
        strides: Any,
        pool_dimensions: int,
        pool_mode: str = "max",
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides", allow_zero=True)
        self.pool_mode = pool_mode
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True  # (Keras' _build_at_init: no weights)

    def call(self, inputs: Any) -> Any:
        n = len(self.pool_size)
        fmt = ("N" + _SPATIAL[n] + "C") if self.data_format == "channels_last" else ("NC" + _SPATIAL[n])
        if self.pool_mode == "max":
            pool = pool_ops.max_pool
        elif self.pool_mode == "average":
            pool = pool_ops.avg_pool
        else:
            raise ValueError(f"`pool_mode` must be either 'max' or 'average'. Received: {self.pool_mode}.")
        return pool(inputs, list(self.pool_size), list(self.strides), self.padding.upper(), fmt)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return compute_pooling_output_shape(input_shape, self.pool_size, self.strides, self.padding, self.data_format)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class MaxPooling1D(BasePooling):
    """The maximum over windows of ``pool_size`` steps of ``(batch, steps, features)``; see ``BasePooling``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.constant([1.0, 3.0, 2.0, 5.0, 4.0]), [1, 5, 1])
    >>> print(tf.keras.layers.MaxPooling1D(pool_size=2, strides=1)(x)[0, :, 0])
    tf.Tensor([3. 3. 5. 5.], shape=(4,), dtype=float32)
    """

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, 1, "max", padding, data_format, name, **kwargs)


class MaxPooling2D(BasePooling):
    """The maximum over ``pool_size`` windows of ``(batch, rows, cols, channels)``; see ``BasePooling``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> print(tf.keras.layers.MaxPooling2D()(x)[0, :, :, 0])
    tf.Tensor(
    [[ 5.  7.]
     [13. 15.]], shape=(2, 2), dtype=float32)
    """

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, 2, "max", padding, data_format, name, **kwargs)


class MaxPooling3D(BasePooling):
    """The maximum over ``pool_size`` windows of ``(batch, d1, d2, d3, channels)``; see ``BasePooling``.

    Differences from Keras: none (as TF, float16/bfloat16/float32 inputs only).
    """

    def __init__(
        self,
        pool_size: Any = (2, 2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, 3, "max", padding, data_format, name, **kwargs)


class AveragePooling1D(BasePooling):
    """The mean over windows of ``pool_size`` steps of ``(batch, steps, features)``; see ``BasePooling``."""

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, 1, "average", padding, data_format, name, **kwargs)


class AveragePooling2D(BasePooling):
    """The mean over ``pool_size`` windows of ``(batch, rows, cols, channels)``; see ``BasePooling``.

    With ``"same"`` padding, a window's mean is over its elements inside the input only.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
    >>> print(tf.keras.layers.AveragePooling2D(2, padding="same")(x)[0, :, :, 0])
    tf.Tensor(
    [[2.  3.5]
     [6.5 8. ]], shape=(2, 2), dtype=float32)
    """

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, 2, "average", padding, data_format, name, **kwargs)


class AveragePooling3D(BasePooling):
    """The mean over ``pool_size`` windows of ``(batch, d1, d2, d3, channels)``; see ``BasePooling``."""

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, 3, "average", padding, data_format, name, **kwargs)


def _keras_mean(x: Any, axis: Any, keepdims: bool = False) -> Any:
    """Keras' ``ops.mean``: computed in float32 (float64 for float64), the result in the input's
    floating dtype, or float32 for integer and bool inputs."""
    name = x.dtype.name
    compute = "float64" if name == "float64" else "float32"
    result = compute if ("int" in name or name == "bool") else name
    out = reduction_ops.reduce_mean(math_ops.cast(x, compute), axis=axis, keepdims=keepdims)
    return out if result == compute else math_ops.cast(out, result)


# -- global pooling ------------------------------------------------------------------------------------------------
class BaseGlobalPooling(Layer):
    """The pooling over all spatial axes (Keras' ``BaseGlobalPooling``).

    Args:
      pool_dimensions: 1, 2 or 3 spatial axes.
      data_format: ``"channels_last"`` (default: ``image_data_format()``) or ``"channels_first"``.
      keepdims: keep the spatial axes with size 1 (default False: ``(batch, channels)``).
    """

    _reduce: Any = None

    def __init__(
        self, pool_dimensions: int, data_format: str | None = None, keepdims: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True  # (Keras' _build_at_init: no weights)

    def _spatial_axes(self, rank: int) -> list[int]:
        return list(range(1, rank - 1)) if self.data_format == "channels_last" else list(range(2, rank))

    def call(self, inputs: Any) -> Any:
        reduce = type(self)._reduce
        if reduce is None:
            raise NotImplementedError
        return reduce(inputs, axis=self._spatial_axes(len(inputs.shape)), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        input_shape = tuple(input_shape)
        n = len(input_shape) - 2
        if self.data_format == "channels_last":
            return (input_shape[0], *((1,) * n if self.keepdims else ()), input_shape[-1])
        return (input_shape[0], input_shape[1], *((1,) * n if self.keepdims else ()))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps of ``(batch, steps, features)``; with a mask, over the unmasked steps only.

    Args:
      data_format, keepdims: see ``BaseGlobalPooling``.

    Call arguments:
      inputs: a 3-D tensor.
      mask: ``(batch, steps)`` booleans, True for the steps to average (taken from the input's mask);
        the output has no mask.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.constant([1.0, 2.0, 9.0]), [1, 3, 1])
    >>> print(tf.keras.layers.GlobalAveragePooling1D()(x, mask=tf.constant([[True, True, False]])))
    tf.Tensor([[1.5]], shape=(1, 1), dtype=float32)
    """

    _reduce = staticmethod(_keras_mean)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        steps_axis = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return _keras_mean(inputs, axis=steps_axis, keepdims=self.keepdims)
        expanded = shape_ops.expand_dims(mask, 2 if self.data_format == "channels_last" else 1)
        expanded = math_ops.cast(expanded, "bool")
        inputs = math_ops.where(expanded, inputs, 0)
        float_mask = math_ops.cast(expanded, inputs.dtype)
        return math_ops.divide(
            reduction_ops.reduce_sum(inputs, axis=steps_axis, keepdims=self.keepdims),
            reduction_ops.reduce_sum(float_mask, axis=steps_axis, keepdims=self.keepdims),
        )

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """The mean over the rows and columns of ``(batch, rows, cols, channels)``; see ``BaseGlobalPooling``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2])
    >>> print(tf.keras.layers.GlobalAveragePooling2D()(x))
    tf.Tensor([[3. 4.]], shape=(1, 2), dtype=float32)
    >>> tf.keras.layers.GlobalAveragePooling2D(keepdims=True)(x).shape
    TensorShape([1, 1, 1, 2])
    """

    _reduce = staticmethod(_keras_mean)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """The mean over the three spatial axes of a 5-D input; see ``BaseGlobalPooling``."""

    _reduce = staticmethod(_keras_mean)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(3, data_format, keepdims, **kwargs)


class GlobalMaxPooling1D(BaseGlobalPooling):
    """The maximum over the steps of ``(batch, steps, features)``; see ``BaseGlobalPooling``."""

    _reduce = staticmethod(reduction_ops.reduce_max)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(1, data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(BaseGlobalPooling):
    """The maximum over the rows and columns of ``(batch, rows, cols, channels)``; see ``BaseGlobalPooling``."""

    _reduce = staticmethod(reduction_ops.reduce_max)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(BaseGlobalPooling):
    """The maximum over the three spatial axes of a 5-D input; see ``BaseGlobalPooling``."""

    _reduce = staticmethod(reduction_ops.reduce_max)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(3, data_format, keepdims, **kwargs)


# -- adaptive pooling ----------------------------------------------------------------------------------------------
def _adaptive_windows(size: int, out: int) -> tuple[int, int, list[int]]:
    """Keras' two-pool gather: the small and big window sizes and, per output, its row in the
    concatenation of the small-window and big-window poolings (stride 1, "valid")."""
    small = -(-size // out)
    big = small + 1
    small_len = max(1, size - small + 1)
    rows = []
    for i in range(out):
        start = min((i * size) // out, size - 1)
        end = min(-(-((i + 1) * size) // out), size)
        rows.append(start + small_len if end - start == big else start)
    return small, big, rows


def _output_size(output_size: Any, n: int) -> tuple[int, ...]:
    # Each Keras class' own checks and messages.
    if isinstance(output_size, int):
        return (output_size,) * n
    if n == 1:
        if isinstance(output_size, (tuple, list)):
            if len(output_size) != 1:
                raise ValueError(f"For 1D input, `output_size` tuple must have length 1. Received: {output_size}")
            return tuple(output_size)
        raise TypeError(
            f"`output_size` must be an integer or tuple of 1 integer. Received: {output_size} of type {type(output_size)}"
        )
    if isinstance(output_size, (tuple, list)) and len(output_size) == n:
        return tuple(output_size)
    what = "(height, width)" if n == 2 else "(depth, height, width)"
    raise TypeError(
        f"`output_size` must be an integer or {what} tuple. Received: {output_size} of type {type(output_size)}"
    )


class BaseAdaptivePooling(Layer):
    """Pooling to a fixed output size, whatever the input's (Keras' ``BaseAdaptivePooling``).

    Output ``i`` of a spatial axis of size ``L`` pools the window ``[floor(i * L / out), ceil((i + 1) * L / out))``
    (PyTorch's adaptive pooling), computed as Keras does: a stride-1 pooling with each of the two window
    sizes, gathered, axis by axis.

    Args:
      output_size: an int or a tuple of ``rank`` ints, the spatial size of the output.
      data_format: ``"channels_last"`` (default: ``image_data_format()``) or ``"channels_first"``.

    Differences from Keras: an input axis no longer than the small window (e.g. ``L = 2``,
    ``output_size = 1``) is pooled (Keras' TF backend crashes the process with a floating point exception).
    """

    _pooling_type = ""

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = data_format or standardize_data_format(None)
        if self.data_format not in {"channels_first", "channels_last"}:
            raise ValueError(f"Invalid data_format: {self.data_format}. Expected 'channels_first' or 'channels_last'.")

    def call(self, inputs: Any) -> Any:
        n = len(inputs.shape) - 2
        if n not in (1, 2, 3):
            kind = "adaptive_average_pool" if self._pooling_type == "AVG" else "adaptive_max_pool"
            raise ValueError(f"{kind} supports 1D, 2D, or 3D inputs only.")
        first = self.data_format == "channels_first"
        fmt = ("NC" + _SPATIAL[n]) if first else ("N" + _SPATIAL[n] + "C")
        out = inputs
        for i, target in enumerate(self.output_size):
            axis = i + (2 if first else 1)
            size = int(out.shape[axis])
            small, big, rows = _adaptive_windows(size, target)
            pooled = []
            for window in (small, big):
                if window <= size:  # (a window longer than the axis is never gathered)
                    shape = [1] * n
                    shape[i] = window
                    pooled.append(pool_ops.pool(out, shape, self._pooling_type, [1] * n, "VALID", fmt))
            out = index_ops.gather(shape_ops.concat(pooled, axis) if len(pooled) > 1 else pooled[0], rows, axis=axis)
        return out

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """The mean over ``output_size`` adaptive windows of ``(batch, steps, features)``; see ``BaseAdaptivePooling``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(5.0), [1, 5, 1])
    >>> print(tf.keras.layers.AdaptiveAveragePooling1D(3)(x)[0, :, 0])
    tf.Tensor([0.5 2.  3.5], shape=(3,), dtype=float32)
    """

    _pooling_type = "AVG"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(_output_size(output_size, 1), data_format, **kwargs)


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """The mean over ``output_size`` adaptive windows of ``(batch, rows, cols, channels)``; see ``BaseAdaptivePooling``."""

    _pooling_type = "AVG"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(_output_size(output_size, 2), data_format, **kwargs)


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """The mean over ``output_size`` adaptive windows of a 5-D input; see ``BaseAdaptivePooling``."""

    _pooling_type = "AVG"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(_output_size(output_size, 3), data_format, **kwargs)


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """The maximum over ``output_size`` adaptive windows of ``(batch, steps, features)``; see ``BaseAdaptivePooling``."""

    _pooling_type = "MAX"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(_output_size(output_size, 1), data_format, **kwargs)


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """The maximum over ``output_size`` adaptive windows of ``(batch, rows, cols, channels)``; see ``BaseAdaptivePooling``."""

    _pooling_type = "MAX"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(_output_size(output_size, 2), data_format, **kwargs)


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """The maximum over ``output_size`` adaptive windows of a 5-D input; see ``BaseAdaptivePooling``."""

    _pooling_type = "MAX"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(_output_size(output_size, 3), data_format, **kwargs)
