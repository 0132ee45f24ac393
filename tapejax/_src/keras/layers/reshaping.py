"""Keras' spatial reshaping layers: ``ZeroPadding1D/2D/3D``, ``Cropping1D/2D/3D``, ``UpSampling1D/2D/3D``."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.layers.convolutional import standardize_tuple
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import image_ops, math_ops, misc_ops, shape_ops

_WHICH = ("1st", "2nd", "3rd")


def _pairs(value: Any, rank: int, name: str, default_word: str) -> tuple[tuple[int, int], ...]:
    """Keras' padding/cropping argument: an int, ``rank`` ints (symmetric), or ``rank`` pairs."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * rank
    if hasattr(value, "__len__"):
        if len(value) != rank:
            raise ValueError(
                f"`{name}` should have {'two' if rank == 2 else 'three'} elements. Received: {name}={value}."
            )
        return tuple(
            standardize_tuple(v, 2, f"{_WHICH[i]} entry of {name}", allow_zero=True) for i, v in enumerate(value)
        )  # type: ignore[return-value]
    raise ValueError(
        f"`{name}` should be either an int, a tuple of {rank} ints ({default_word}), or a tuple of {rank} tuples of 2 "
        f"ints. Received: {name}={value}."
    )


def _spatial_axes(data_format: str, rank: int) -> list[int]:
    return list(range(2, 2 + rank)) if data_format == "channels_first" else list(range(1, 1 + rank))


class _ZeroPadding(Layer):
    rank = 0

    def __init__(self, padding: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        if self.rank == 1:
            self.padding: Any = standardize_tuple(padding, 2, "padding", allow_zero=True)
        else:
            self.padding = _pairs(padding, self.rank, "padding", "symmetric padding per spatial dimension")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _pads(self) -> tuple[tuple[int, int], ...]:
        return (self.padding,) if self.rank == 1 else self.padding

    def call(self, inputs: Any) -> Any:
        pads = [[0, 0]] * (self.rank + 2)
        for axis, p in zip(_spatial_axes(self.data_format, self.rank), self._pads(), strict=True):
            pads[axis] = list(p)
        return shape_ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        out = list(input_shape)
        for axis, p in zip(_spatial_axes(self.data_format, self.rank), self._pads(), strict=True):
            if out[axis] is not None:
                out[axis] += p[0] + p[1]
        return tuple(out)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros (``padding``: an int or ``(left, right)``).

    >>> import tapejax as tf
    >>> tf.keras.layers.ZeroPadding1D(2)(tf.ones([1, 3, 2])).shape
    TensorShape([1, 7, 2])
    """

    rank = 1

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns of images with zeros (``padding``: int, 2 ints, or 2 pairs)."""

    rank = 2

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes of volumes with zeros."""

    rank = 3

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class _Cropping(Layer):
    rank = 0

    def _crops(self) -> tuple[tuple[int, int], ...]:
        return (self.cropping,) if self.rank == 1 else self.cropping

    def _axes(self) -> list[int]:
        return [1] if self.rank == 1 else _spatial_axes(self.data_format, self.rank)

    def _check(self, shape: Any) -> None:
        for axis, c in zip(self._axes(), self._crops(), strict=True):
            if shape[axis] is not None and sum(c) >= shape[axis]:
                if self.rank == 1:
                    raise ValueError(
                        "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: "
                        f"inputs.shape={tuple(shape)}, cropping={self.cropping}"
                    )
                raise ValueError(
                    "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the "
                    f"input. Received: inputs.shape={tuple(shape)}, cropping={self.cropping}"
                )

    def call(self, inputs: Any) -> Any:
        shape = inputs.shape.as_list()
        self._check(shape)
        key = [slice(None)] * len(shape)
        for axis, (a, b) in zip(self._axes(), self._crops(), strict=True):
            key[axis] = slice(a, shape[axis] - b)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        self._check(input_shape)
        out = list(input_shape)
        for axis, c in zip(self._axes(), self._crops(), strict=True):
            if out[axis] is not None:
                out[axis] -= c[0] + c[1]
        return tuple(out)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "cropping": self.cropping}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(_Cropping):
    """Crops the steps axis (``cropping``: an int or ``(start, end)``)."""

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping: Any = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)


class Cropping2D(_Cropping):
    """Crops rows and columns of images (``cropping``: int, 2 ints, or 2 pairs).

    >>> import tapejax as tf
    >>> tf.keras.layers.Cropping2D(((1, 0), (2, 2)))(tf.ones([1, 5, 6, 3])).shape
    TensorShape([1, 4, 2, 3])
    """

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.cropping = _pairs(cropping, 2, "cropping", "symmetric_height_crop, symmetric_width_crop")
        self.input_spec = InputSpec(ndim=4)


class Cropping3D(_Cropping):
    """Crops the three spatial axes of volumes."""

    rank = 3

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.cropping = _pairs(cropping, 3, "cropping", "symmetric_dim1_crop, symmetric_dim2_crop, symmetric_dim3_crop")
        self.input_spec = InputSpec(ndim=5)


class UpSampling1D(Layer):
    """Repeats each step ``size`` times along the steps axis.

    Raises:
      TypeError: if ``size`` is not an int (Keras' message).
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"`size` must be an integer. Received: size={size} (of type {type(size)})")
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Any) -> Any:
        return misc_ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        steps = input_shape[1] * self.size if input_shape[1] is not None else None
        return (input_shape[0], steps, input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Repeats rows and columns (``interpolation="nearest"``) or resizes (``"bilinear"``, ``"bicubic"``...).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.UpSampling2D()(tf.reshape(tf.range(2.0), [1, 1, 2, 1]))[0, :, :, 0])
    tf.Tensor(
    [[0. 0. 1. 1.]
     [0. 0. 1. 1.]], shape=(2, 4), dtype=float32)
    """

    def __init__(
        self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        x = inputs
        if self.data_format == "channels_first":
            x = shape_ops.transpose(x, [0, 2, 3, 1])
        if self.interpolation == "nearest":
            x = misc_ops.repeat(x, self.size[0], axis=1)
            x = misc_ops.repeat(x, self.size[1], axis=2)
        else:
            h, w = x.shape[1], x.shape[2]
            x = image_ops.resize(x, (h * self.size[0], w * self.size[1]), method=self.interpolation)
            if x.dtype != inputs.dtype:
                x = math_ops.cast(x, inputs.dtype)
        if self.data_format == "channels_first":
            x = shape_ops.transpose(x, [0, 3, 1, 2])
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = list(input_shape)
        h, w = (2, 3) if self.data_format == "channels_first" else (1, 2)
        s[h] = s[h] * self.size[0] if s[h] is not None else None
        s[w] = s[w] * self.size[1] if s[w] is not None else None
        return tuple(s)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


class UpSampling3D(Layer):
    """Repeats the three spatial axes of volumes ``size`` times."""

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs: Any) -> Any:
        x = inputs
        for axis, factor in zip(_spatial_axes(self.data_format, 3), self.size, strict=True):
            x = misc_ops.repeat(x, factor, axis=axis)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = list(input_shape)
        for axis, factor in zip(_spatial_axes(self.data_format, 3), self.size, strict=True):
            s[axis] = s[axis] * factor if s[axis] is not None else None
        return tuple(s)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
