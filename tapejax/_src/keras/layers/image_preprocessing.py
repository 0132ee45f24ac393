"""Keras' image preprocessing layers: Resizing, CenterCrop and the random augmentations RandomFlip,
RandomContrast, RandomBrightness and RandomCrop (Keras 3.15's semantics, on tapejax ops).

The random layers draw only in training mode (their ``call`` defaults to ``training=True``, as
Keras'; a model called with ``training=False`` passes its inputs through). Without a ``seed`` they
draw from tapejax's global generator (``tf.random.set_seed``); with one, from their own
``tf.random.Generator``. Both states are lifted by ``tf.function``, so each compiled call draws anew.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from tapejax._src.core import bind
from tapejax._src.keras import backend
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import (
    array_ops,
    clip_ops,
    creation_ops,
    image_ops,
    image_transform_ops,
    math_ops,
    random_ops,
    reduction_ops,
    shape_ops,
)
from tapejax._src.ops.image_random_ops import _crop as _dynamic_crop

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _hw_axes(data_format: str) -> tuple[int, int]:
    return (-2, -1) if data_format == "channels_first" else (-3, -2)


def resize_images(
    images: Any,
    size: tuple[int, int],
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str = "channels_last",
) -> Any:
    """Keras' ``ops.image.resize`` on the TensorFlow backend (center crop or pad to the target's aspect ratio first).

    Raises:
      ValueError: for an unknown interpolation, a fill mode other than ``"constant"``, both aspect
        options, or images not of rank 3 or 4 (Keras' messages).
    """
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {RESIZE_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )
    if fill_mode != "constant":
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Only `'constant'` is supported. Received: fill_mode={fill_mode}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). Received: size={size}")
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received input with "
            f"shape: images.shape={tuple(images.shape)}"
        )
    if data_format == "channels_first":
        images = shape_ops.transpose(images, (0, 2, 3, 1) if rank == 4 else (1, 2, 0))
    height, width = images.shape[-3], images.shape[-2]
    target_height, target_width = size
    if crop_to_aspect_ratio:
        # Keras' float32 arithmetic for the crop box.
        crop_height = max(min(height, int(_f32(width * target_height) / _f32(target_width))), 1)
        crop_width = max(min(width, int(_f32(height * target_width) / _f32(target_height))), 1)
        h0 = int(_f32(height - crop_height) / 2)
        w0 = int(_f32(width - crop_width) / 2)
        images = images[..., h0 : h0 + crop_height, w0 : w0 + crop_width, :]
    elif pad_to_aspect_ratio:
        pad_height = max(height, int(_f32(width * target_height) / _f32(target_width)))
        pad_width = max(width, int(_f32(height * target_width) / _f32(target_height)))
        h0 = int(_f32(pad_height - height) / 2)
        w0 = int(_f32(pad_width - width) / 2)
        if h0 > 0 or w0 > 0:
            paddings = [[0, 0]] * (rank - 3) + [[h0, h0], [w0, w0], [0, 0]]
            fill = math_ops.cast(array_ops.constant(fill_value), images.dtype)
            images = shape_ops.pad(images, paddings, constant_values=fill)
    resized = image_ops.resize(images, size, method=interpolation, antialias=antialias)
    if data_format == "channels_first":
        resized = shape_ops.transpose(resized, (0, 3, 1, 2) if rank == 4 else (2, 0, 1))
    return resized


def _f32(value: float) -> float:
    import numpy as np

    return float(np.float32(value))


class BaseImagePreprocessingLayer(Layer):
    """The base of the image preprocessing layers: ``data_format``, the ``factor`` argument, batched or single images.

    Subclasses implement ``_transform(images, training)`` on a batch ``(b, h, w, c)`` (or channels
    first); single images ``(h, w, c)`` are run as a batch of one.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS: tuple[float, float] = (-1, 1)

    def __init__(
        self, factor: Any = None, bounding_box_format: Any = None, data_format: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = backend.standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. Received: factor={factor}"
            )

    def _set_factor(self, factor: Any) -> None:
        lo, hi = self._FACTOR_BOUNDS
        message = (
            "The `factor` argument should be a number (or a list of two numbers) in the range "
            f"[{lo}, {hi}]. Received: factor={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > hi or factor[1] < lo:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < lo or factor > hi:
                raise ValueError(message)
            factor = abs(factor)
            lower, upper = max(-factor, lo), factor
        else:
            raise ValueError(message)
        self.factor = (lower, upper)

    def _uniform(self, shape: Any, minval: float, maxval: float, dtype: Any = "float32") -> Any:
        generator = self.__dict__.get("_generator")
        if generator is not None:
            return generator.uniform(shape, minval=minval, maxval=maxval, dtype=dtype)
        return random_ops.uniform(shape, minval=minval, maxval=maxval, dtype=dtype)

    def _make_generator(self, seed: Any) -> None:
        from tapejax._src.random_generator import Generator

        object.__setattr__(self, "_generator", None if seed is None else Generator.from_seed(seed))

    def _transform(self, images: Any, training: Any) -> Any:
        raise NotImplementedError

    def call(self, data: Any, training: Any = True) -> Any:
        if isinstance(data, dict):
            raise NotImplementedError(
                f"tapejax's {type(self).__name__} takes image tensors; dicts of images, labels, bounding boxes and "
                "segmentation masks are not supported yet."
            )
        images = array_ops.convert_to_tensor(data)
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(
                f"Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: "
                f"data.shape={tuple(images.shape)}"
            )
        if rank == 3:
            return shape_ops.squeeze(self._transform(shape_ops.expand_dims(images, 0), training), [0])
        return self._transform(images, training)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


def _saturate_cast(x: Any, dtype: Any) -> Any:
    import numpy as np

    info = np.iinfo(dtype.as_numpy_dtype) if dtype.is_integer else None
    if info is not None:
        x = clip_ops.clip_by_value(x, math_ops.cast(info.min, x.dtype), math_ops.cast(info.max, x.dtype))
    return math_ops.cast(x, dtype)


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to ``(height, width)`` (optionally cropping or padding to the target's aspect ratio first).

    Args:
      height, width: the output size.
      interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"area"``, ``"lanczos3"``, ``"lanczos5"``.
      crop_to_aspect_ratio: center-crop to the target aspect ratio before resizing.
      pad_to_aspect_ratio: pad (with ``fill_value``) to the target aspect ratio before resizing.
      fill_mode: ``"constant"`` only; fill_value: the padding value.
      antialias: antialiasing when downsampling.
      data_format: ``"channels_last"`` or ``"channels_first"``.

    Integer images come back rounded and saturated to their dtype, as Keras'.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Resizing(1, 2)
    >>> print(layer(tf.constant([[[1.0], [3.0]], [[5.0], [7.0]]]))[..., 0])
    tf.Tensor([[3. 5.]], shape=(1, 2), dtype=float32)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.data_format = backend.standardize_data_format(data_format)
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.height_axis, self.width_axis = _hw_axes(self.data_format)

    def _transform(self, images: Any, training: Any) -> Any:
        resized = resize_images(
            images,
            (self.height, self.width),
            interpolation=self.interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        if resized.dtype == images.dtype:
            return resized
        if images.dtype.is_integer:
            resized = math_ops.round(resized)
        return _saturate_cast(resized, images.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
            "data_format": self.data_format,
        }


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the center ``(height, width)`` of images; smaller images are cropped to the aspect ratio and resized.

    The output is in the layer's compute dtype (float32).

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(9, dtype=tf.float32), (3, 3, 1))
    >>> print(tf.keras.layers.CenterCrop(1, 1)(x))
    tf.Tensor([[[4.]]], shape=(1, 1, 1), dtype=float32)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def _transform(self, images: Any, training: Any) -> Any:
        inputs = math_ops.cast(images, self.compute_dtype)
        h_axis, w_axis = _hw_axes(self.data_format)
        h_diff = inputs.shape[h_axis] - self.height
        w_diff = inputs.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            h0, w0 = h_diff // 2, w_diff // 2
            if self.data_format == "channels_first":
                return inputs[:, :, h0 : h0 + self.height, w0 : w0 + self.width]
            return inputs[:, h0 : h0 + self.height, w0 : w0 + self.width, :]
        return resize_images(inputs, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                "`input_shape` must be a non-nested tuple or list of rank-1 with size 3 (unbatched) or 4 (batched). "
            )
        h_axis, w_axis = _hw_axes(self.data_format)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width, "data_format": self.data_format}


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image horizontally and/or vertically with probability 1/2 (in training only).

    Args:
      mode: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"`` (one draw flips both).
      seed: makes the draws reproducible (the layer's own generator).
      data_format: ``"channels_last"`` or ``"channels_first"``.

    >>> import tapejax as tf
    >>> x = tf.constant([[[[1.0], [2.0]]]])
    >>> print(tf.keras.layers.RandomFlip("horizontal")(x, training=False)[0, 0, :, 0])
    tf.Tensor([1. 2.], shape=(2,), dtype=float32)

    Differences from Keras: the random numbers differ from Keras' (the seed generator's state is not
    among the layer's variables).
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, mode: str = "horizontal_and_vertical", seed: Any = None, data_format: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self._make_generator(seed)
        self.mode = mode

    def _transform(self, images: Any, training: Any) -> Any:
        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        flips = math_ops.less_equal(self._uniform((images.shape[0], 1, 1, 1), 0.0, 1.0), 0.5)
        h_axis, v_axis = (-1, -2) if self.data_format == "channels_first" else (-2, -3)
        out = images
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = math_ops.where(flips, shape_ops.reverse(out, [len(out.shape) + h_axis]), out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = math_ops.where(flips, shape_ops.reverse(out, [len(out.shape) + v_axis]), out)
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode, "data_format": self.data_format}


class RandomContrast(BaseImagePreprocessingLayer):
    """Scales each image's deviation from its mean by a random factor, then clips to ``value_range``.

    As Keras 3.15, ``factor`` ``f`` (in ``[0, 1]``) gives ``factor = (0, f)`` and draws the contrast
    factor uniformly in ``[1 - factor[0], 1 + factor[1]]`` per image, in training only.

    Args:
      factor: a number or a pair in ``[0, 1]``.
      value_range: the images' ``(min, max)``, default ``(0, 255)``.
      seed: makes the draws reproducible.

    >>> import tapejax as tf
    >>> x = tf.constant([[[[10.0], [30.0]]]])
    >>> print(tf.keras.layers.RandomContrast(0.5)(x, training=False)[0, 0, :, 0])
    tf.Tensor([10. 30.], shape=(2,), dtype=float32)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        factor = self._uniform(
            (images.shape[0], 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1], dtype=self.compute_dtype
        )
        h_axis, w_axis = _hw_axes(self.data_format)
        mean = reduction_ops.reduce_mean(images, 4 + h_axis, keepdims=True)
        mean = reduction_ops.reduce_mean(mean, 4 + w_axis, keepdims=True)
        outputs = (images - mean) * math_ops.cast(factor, images.dtype) + mean
        lo, hi = (math_ops.cast(v, images.dtype) for v in self.value_range)
        return clip_ops.clip_by_value(outputs, lo, hi)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomBrightness(BaseImagePreprocessingLayer):
    """Adds a random delta to each image, ``uniform(factor) * (value_range[1] - value_range[0])``, then clips.

    Args:
      factor: a number ``f`` in ``[-1, 1]`` (the range ``[-|f|, |f|]``) or a pair ``(lower, upper)``.
      value_range: the images' ``[min, max]``, default ``(0, 255)``.
      seed: makes the draws reproducible.

    Raises:
      ValueError: for a ``factor`` out of range or a ``value_range`` that is not a pair (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomBrightness((0.5, 0.5), value_range=(0, 1))
    >>> print(layer(tf.constant([[[[0.2], [0.7]]]]))[0, 0, :, 0])
    tf.Tensor([0.7 1. ], shape=(2,), dtype=float32)
    """

    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: Any = None, **kwargs: Any) -> None:
        super().__init__(factor=factor, **kwargs)
        self.seed = seed
        self._make_generator(seed)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(self._VALUE_RANGE_VALIDATION_ERROR + f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        delta = self._uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1])
        delta = delta * float(self.value_range[1] - self.value_range[0])
        images = images + math_ops.cast(delta, images.dtype)
        lo, hi = (math_ops.cast(v, images.dtype) for v in self.value_range)
        return clip_ops.clip_by_value(images, lo, hi)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomCrop(BaseImagePreprocessingLayer):
    """Crops a random ``(height, width)`` window of the images, the same for the whole batch (in training only).

    Inputs no larger than the target are center-cropped to its aspect ratio and resized. In
    inference the inputs pass through unchanged (Keras 3.15's behaviour).

    Args:
      height, width: the crop size.
      seed: makes the draws reproducible (default: a random seed, recorded in the config as Keras does).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomCrop(2, 2, seed=1)
    >>> layer(tf.zeros((1, 4, 5, 3))).shape
    TensorShape([1, 2, 2, 3])
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, height: int, width: int, seed: Any = None, data_format: Any = None, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else secrets.randbelow(10**9)
        self._make_generator(seed)
        self.data_format = backend.standardize_data_format(data_format)
        self.height_axis, self.width_axis = _hw_axes(self.data_format)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        images = math_ops.cast(images, self.compute_dtype)
        in_h, in_w = images.shape[self.height_axis], images.shape[self.width_axis]
        if in_h > self.height and in_w > self.width:
            h0 = math_ops.cast(self._uniform((), 0.0, float(in_h - self.height + 1)), "int32")
            w0 = math_ops.cast(self._uniform((), 0.0, float(in_w - self.width + 1)), "int32")
            zero = array_ops.constant(0, dtype="int32")
            if self.data_format == "channels_last":
                offsets, size = [zero, h0, w0, zero], (images.shape[0], self.height, self.width, images.shape[3])
            else:
                offsets, size = [zero, zero, h0, w0], (images.shape[0], images.shape[1], self.height, self.width)
            return bind(_dynamic_crop, images, shape_ops.stack(offsets), size=size)
        crop_h = max(min(in_h, int(float(in_w * self.height) / self.width)), 1)
        crop_w = max(min(in_w, int(float(in_h * self.width) / self.height)), 1)
        h0, w0 = int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2)
        # (Keras slices the target's height and width from the aspect-ratio box's corner, not the box.)
        if self.data_format == "channels_last":
            images = images[:, h0 : h0 + self.height, w0 : w0 + self.width, :]
        else:
            images = images[:, :, h0 : h0 + self.height, w0 : w0 + self.width]
        if images.shape[self.height_axis] != self.height or images.shape[self.width_axis] != self.width:
            images = resize_images(images, (self.height, self.width), data_format=self.data_format)
            images = math_ops.cast(images, self.compute_dtype)
        return images

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "seed": self.seed,
            "data_format": self.data_format,
        }


def affine_transform(
    images: Any,
    transform: Any,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str = "channels_last",
) -> Any:
    """Keras' ``ops.image.affine_transform`` on the TensorFlow backend: TF's ``ImageProjectiveTransformV3``."""
    if interpolation not in _AFFINE_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {_AFFINE_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )
    if fill_mode not in _AFFINE_FILL_MODES:
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Expected of one {_AFFINE_FILL_MODES}. Received: fill_mode={fill_mode}"
        )
    if data_format == "channels_first":
        images = shape_ops.transpose(images, (0, 2, 3, 1))
    out = image_transform_ops.image_projective_transform_v3(
        images,
        math_ops.cast(transform, "float32"),
        fill_value=fill_value,
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
    )
    if data_format == "channels_first":
        out = shape_ops.transpose(out, (0, 3, 1, 2))
    return out


_AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
_AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "reflect")  # (Keras' order in its message)


def _check_fill_and_interpolation(fill_mode: str, interpolation: str) -> None:
    supported_fill = ("reflect", "wrap", "constant", "nearest")
    if fill_mode not in supported_fill:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {supported_fill}.")
    if interpolation not in _AFFINE_INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {_AFFINE_INTERPOLATIONS}.")


class _AffineLayer(BaseImagePreprocessingLayer):
    """An image layer drawing one affine transform per image (in training) and warping with it."""

    def _transform(self, images: Any, training: Any) -> Any:
        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        h_axis, w_axis = _hw_axes(self.data_format)
        transform = self._draw_transform(images.shape[0], images.shape[h_axis], images.shape[w_axis])
        return affine_transform(
            images,
            transform,
            interpolation=self.interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def _draw_transform(self, batch: int, height: int, width: int) -> Any:
        raise NotImplementedError


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle, ``factor * 360`` degrees, about its center (in training only).

    Args:
      factor: a number ``f`` in ``[-1, 1]`` (angles in ``[-f, f] * 360``) or a pair ``(lower, upper)``.
      fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``, as TF's kernel.
      interpolation: ``"bilinear"`` or ``"nearest"``.
      seed, fill_value, data_format.

    Raises:
      ValueError: for a ``factor`` out of range; NotImplementedError: for an unknown fill mode or
      interpolation (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomRotation((0.25, 0.25), fill_mode="constant")
    >>> x = tf.reshape(tf.range(4, dtype=tf.float32), (1, 2, 2, 1))
    >>> print(tf.round(layer(x))[0, :, :, 0])
    tf.Tensor(
    [[1. 3.]
     [0. 2.]], shape=(2, 2), dtype=float32)
    """

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: Any = None,
        fill_value: float = 0.0,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.seed = seed
        self._make_generator(seed)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        _check_fill_and_interpolation(fill_mode, interpolation)

    def _draw_transform(self, batch: int, height: int, width: int) -> Any:
        angle = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        angle = angle * (math.pi / 180.0)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        cos, sin = math_ops.cos(angle), math_ops.sin(angle)
        # Keras' _compute_affine_matrix with no shear, scale 1, no translation.
        a0, a1 = cos, -sin
        a2 = cx - cx * a0 - cy * a1
        b0, b1 = sin, cos
        b2 = cy - cx * b0 - cy * b1
        zeros = creation_ops.zeros((batch,))
        return shape_ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "data_format": self.data_format,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }


class _TwoFactorLayer(_AffineLayer):
    """RandomZoom / RandomTranslation: separate height and width factors, validated as Keras does."""

    _USE_BASE_FACTOR = False
    _FACTOR_VALIDATION_ERROR = ""
    _LOWER_OPEN = False

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str,
        interpolation: str,
        seed: Any,
        fill_value: float,
        data_format: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._factor_range(height_factor, "height_factor")
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = self._factor_range(width_factor, "width_factor")
        _check_fill_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self._make_generator(seed)

    def _factor_range(self, factor: Any, factor_name: str) -> tuple[float, float]:
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
            self._check_factor_range(factor[0])
            self._check_factor_range(factor[1])
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            self._check_factor_range(factor)
            factor = abs(factor)
            lower, upper = -factor, factor
        else:
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
        return lower, upper

    def _check_factor_range(self, number: float) -> None:
        if number > 1.0 or (number <= -1.0 if self._LOWER_OPEN else number < -1.0):
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: input_number={number}")

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }


class RandomZoom(_TwoFactorLayer):
    """Zooms each image in or out by a random factor about its center (in training only).

    A height factor ``f`` draws the zoom in ``[1 + lower, 1 + upper]`` (``[1 - |f|, 1 + |f|]`` for a
    number): values above 1 show a smaller image (zoom out), as Keras'. Without ``width_factor`` the
    width zooms as the height.

    Args:
      height_factor: a number in ``(-1, 1]`` or a pair.
      width_factor: the same for the width (None: the height's zoom).
      fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomZoom((0.5, 0.5), fill_mode="constant", interpolation="nearest")
    >>> x = tf.reshape(tf.range(1, 10, dtype=tf.float32), (1, 3, 3, 1))
    >>> print(layer(x)[0, :, :, 0])
    tf.Tensor(
    [[0. 0. 0.]
     [0. 5. 0.]
     [0. 0. 0.]], shape=(3, 3), dtype=float32)
    """

    _FACTOR_VALIDATION_ERROR = (
        "The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) in the "
        "range (-1.0, 1.0]. "
    )
    _LOWER_OPEN = True

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: Any = None,
        fill_value: float = 0.0,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(height_factor, width_factor, fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _draw_transform(self, batch: int, height: int, width: int) -> Any:
        height_zoom = self._uniform((batch, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        if self.width_factor is not None:
            width_zoom = self._uniform((batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        else:
            width_zoom = height_zoom
        zeros = creation_ops.zeros((batch, 1))
        x_offset = ((width - 1.0) / 2.0) * (1.0 - width_zoom)
        y_offset = ((height - 1.0) / 2.0) * (1.0 - height_zoom)
        return shape_ops.concat([width_zoom, zeros, x_offset, zeros, height_zoom, y_offset, zeros, zeros], axis=1)


class RandomTranslation(_TwoFactorLayer):
    """Shifts each image by a random fraction of its height and width (in training only).

    Args:
      height_factor, width_factor: numbers in ``[-1, 1]`` (shifts in ``[-|f|, |f|]`` of the size) or pairs.
      fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomTranslation(0.0, (0.5, 0.5), fill_mode="constant")
    >>> x = tf.reshape(tf.range(1, 5, dtype=tf.float32), (1, 1, 4, 1))
    >>> print(layer(x)[0, 0, :, 0])
    tf.Tensor([0. 0. 1. 2.], shape=(4,), dtype=float32)
    """

    _FACTOR_VALIDATION_ERROR = (
        "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "
    )

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: Any = None,
        fill_value: float = 0.0,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(height_factor, width_factor, fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _draw_transform(self, batch: int, height: int, width: int) -> Any:
        dy = self._uniform((batch, 1), self.height_lower, self.height_upper) * float(height)
        dx = self._uniform((batch, 1), self.width_lower, self.width_upper) * float(width)
        zeros, ones = creation_ops.zeros((batch, 1)), creation_ops.ones((batch, 1))
        return shape_ops.concat([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)


def _value_range_pair(value_range: Any, message: str) -> list[Any]:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(message + f"Received: value_range={value_range}")
    return sorted(value_range)


def _transform_value_range(images: Any, original_range: Any, target_range: Any, dtype: Any) -> Any:
    """Keras' linear map of pixel values from ``original_range`` to ``target_range`` (in ``dtype``)."""
    if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
        return images
    images = math_ops.cast(images, dtype)
    o_min, o_max = (math_ops.cast(v, dtype) for v in original_range)
    t_min, t_max = (math_ops.cast(v, dtype) for v in target_range)
    return (images - o_min) / (o_max - o_min) * (t_max - t_min) + t_min


def _rgb_to_grayscale(images: Any, data_format: str) -> Any:
    """Keras' ``ops.image.rgb_to_grayscale`` (weights 0.2989, 0.5870, 0.1140; one channel out)."""
    channels_axis = -1 if data_format == "channels_last" else -3
    if images.shape[channels_axis] not in (1, 3):
        raise ValueError(
            "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with shape: "
            f"images.shape={tuple(images.shape)}"
        )
    if images.shape[channels_axis] == 1:
        return images
    original = images.dtype
    x = images if original.is_floating else math_ops.cast(images, "float32")
    weights = array_ops.constant([0.2989, 0.5870, 0.1140], dtype=x.dtype)
    shape = [1, 1, 1, 1]
    shape[channels_axis] = 3
    gray = reduction_ops.reduce_sum(x * array_ops.reshape(weights, shape), channels_axis, keepdims=True)
    return math_ops.cast(gray, original)


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Turns each image to grayscale (kept with its channel count) with probability ``factor`` (in training only).

    Args:
      factor: the probability, in ``[0, 1]``.
      data_format, seed.

    Raises:
      ValueError: for ``factor`` outside ``[0, 1]`` (Keras' message).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomGrayscale(factor=1.0)
    >>> print(tf.round(layer(tf.constant([[[[10.0, 20.0, 30.0]]]]))))
    tf.Tensor([[[[18. 18. 18.]]]], shape=(1, 1, 1, 3), dtype=float32)
    """

    def __init__(self, factor: float = 0.5, data_format: Any = None, seed: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        self.data_format = backend.standardize_data_format(data_format)
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        apply = math_ops.less(self._uniform((images.shape[0],), 0.0, 1.0), float(self.factor))
        apply = array_ops.reshape(apply, (images.shape[0], 1, 1, 1))
        return math_ops.where(apply, _rgb_to_grayscale(images, self.data_format), images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(BaseImagePreprocessingLayer):
    """Inverts each image (``value_range[1] - x``) with a random probability drawn in ``factor`` (in training only).

    Args:
      factor: a number ``f`` in ``[0, 1]`` (probabilities drawn in ``[0, f]``) or a pair.
      value_range, seed, data_format.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomInvert((1.0, 1.0), value_range=(0, 1))
    >>> print(layer(tf.constant([[[[0.25]]]]))[0, 0, 0])
    tf.Tensor([0.75], shape=(1,), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any = 1.0, value_range: Any = (0, 255), seed: Any = None, data_format: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        batch = images.shape[0]
        probability = self._uniform((batch,), self.factor[0], self.factor[1])
        threshold = self._uniform((batch,), 0.0, 1.0)
        apply = array_ops.reshape(math_ops.less(threshold, probability), (batch, 1, 1, 1))
        images = math_ops.cast(images, self.compute_dtype)
        return math_ops.where(apply, math_ops.cast(self.value_range[1], images.dtype) - images, images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class Solarization(BaseImagePreprocessingLayer):
    """Solarizes images: adds a random ``addition``, then inverts the pixels above a random ``threshold`` (in training).

    Values are mapped to ``[0, 255]`` for the operation and back to ``value_range``.

    Args:
      addition_factor, threshold_factor: a number ``f`` in ``[0, 1]`` (draws in ``[0, f * 255]``) or a pair
        ``(lo, hi)`` (draws in ``[lo, hi * 255]``: Keras 3.15 scales only the upper bound).
      value_range, seed.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Solarization()  # (thresholds drawn in [0, 0]: every pixel inverted)
    >>> print(layer(tf.constant([[[[64.0], [200.0]]]]))[0, 0, :, 0])
    tf.Tensor([191.  55.], shape=(2,), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "
    _FACTOR_VALIDATION_ERROR = (
        "The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two numbers) in "
        "the range [0, 1]. "
    )

    def __init__(
        self,
        addition_factor: Any = 0.0,
        threshold_factor: Any = 0.0,
        value_range: Any = (0, 255),
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self._make_generator(seed)
        self.addition_factor = self._factor_pair(addition_factor, "addition_factor")
        self.threshold_factor = self._factor_pair(threshold_factor, "threshold_factor")
        self.value_range = _value_range_pair(value_range, self._VALUE_RANGE_VALIDATION_ERROR)

    def _factor_pair(self, factor: Any, factor_name: str) -> tuple[Any, Any]:
        def check(number: float) -> None:
            if number > 1.0 or number < 0:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: input_number={number}")

        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
            check(factor[0])
            check(factor[1])
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            check(factor)
            lower, upper = 0, factor
        else:
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
        return lower, upper

    def _transform(self, images: Any, training: Any) -> Any:
        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        shape = (images.shape[0], 1, 1, 1)
        dtype = self.compute_dtype
        additions = self._uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255, dtype=dtype)
        thresholds = self._uniform(shape, self.threshold_factor[0], self.threshold_factor[1] * 255, dtype=dtype)
        x = _transform_value_range(images, self.value_range, (0, 255), dtype)
        x = clip_ops.clip_by_value(x + additions, math_ops.cast(0, x.dtype), math_ops.cast(255, x.dtype))
        x = math_ops.where(math_ops.less(x, thresholds), x, 255 - x)
        return _transform_value_range(x, (0, 255), self.value_range, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "addition_factor": self.addition_factor,
            "threshold_factor": self.threshold_factor,
            "seed": self.seed,
        }


class AutoContrast(BaseImagePreprocessingLayer):
    """Stretches each image's channels to the full ``value_range`` (the darkest pixel to its min, the brightest to its max).

    Channels whose values are all equal are left as they are. Applied in training and inference.

    Args:
      value_range: the images' ``[min, max]``, default ``(0, 255)``.

    >>> import tapejax as tf
    >>> print(tf.round(tf.keras.layers.AutoContrast()(tf.constant([[[[50.0], [100.0]]]])))[0, 0, :, 0])
    tf.Tensor([  0. 255.], shape=(2,), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = _value_range_pair(value_range, self._VALUE_RANGE_VALIDATION_ERROR)

    def _transform(self, images: Any, training: Any) -> Any:
        original = images
        x = _transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = math_ops.cast(x, self.compute_dtype)
        low = reduction_ops.reduce_min(x, [1, 2], keepdims=True)
        high = reduction_ops.reduce_max(x, [1, 2], keepdims=True)
        scale = 255.0 / (high - low)
        x = x * scale + (-low * scale)
        results = clip_ops.clip_by_value(x, math_ops.cast(0.0, x.dtype), math_ops.cast(255.0, x.dtype))
        results = _transform_value_range(results, (0, 255), self.value_range, self.compute_dtype)
        return math_ops.where(math_ops.is_nan(results), math_ops.cast(original, results.dtype), results)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range}


class RandomShear(_AffineLayer):
    """Shears each image along x and y by random factors with a random common sign (in training only).

    Output pixel ``(x, y)`` reads the input at ``(x + sx * y, sy * x + y)``, with ``sx``, ``sy``
    drawn in ``x_factor``, ``y_factor`` and both negated with probability 1/2.

    Args:
      x_factor, y_factor: a number ``f`` in ``[0, 1]`` (draws in ``[-f, f]``) or a pair in ``[0, 1]``.
      interpolation, fill_mode, fill_value, data_format, seed: as ``RandomRotation``.

    Raises:
      ValueError: for factors out of range; NotImplementedError: for an unknown fill mode or
      interpolation (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomShear(x_factor=0.0, y_factor=0.0)
    >>> print(layer(tf.constant([[[[1.0], [2.0]]]]))[0, 0, :, 0])
    tf.Tensor([1. 2.], shape=(2,), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_VALIDATION_ERROR = (
        "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1.0]. "
    )

    def __init__(
        self,
        x_factor: Any = 0.0,
        y_factor: Any = 0.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        data_format: Any = None,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._factor_range(x_factor, "x_factor")
        self.y_factor = self._factor_range(y_factor, "y_factor")
        _check_fill_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self._make_generator(seed)

    def _factor_range(self, factor: Any, factor_name: str) -> tuple[Any, Any]:
        def check(number: float) -> None:
            if number > 1.0 or number < 0.0:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: input_number={number}")

        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
            check(factor[0])
            check(factor[1])
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            check(factor)
            factor = abs(factor)
            lower, upper = -factor, factor
        else:
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
        return lower, upper

    def _draw_transform(self, batch: int, height: int, width: int) -> Any:
        dtype = self.compute_dtype
        invert = self._uniform((batch, 1), 0.0, 1.0, dtype=dtype)
        sign = math_ops.where(
            math_ops.greater(invert, 0.5), -creation_ops.ones_like(invert), creation_ops.ones_like(invert)
        )
        shear_y = self._uniform((batch, 1), self.y_factor[0], self.y_factor[1], dtype=dtype) * sign
        shear_x = self._uniform((batch, 1), self.x_factor[0], self.x_factor[1], dtype=dtype) * sign
        zeros, ones = creation_ops.zeros((batch, 1), dtype=dtype), creation_ops.ones((batch, 1), dtype=dtype)
        return shape_ops.concat([ones, shear_x, zeros, shear_y, ones, zeros, zeros, zeros], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "x_factor": self.x_factor,
            "y_factor": self.y_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }


class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """Blends each image with its grayscale version by a random factor, then clips to ``value_range`` (in training).

    ``images + factor * (grayscale - images)``, with ``factor`` drawn per image in ``factor``'s range.

    Args:
      factor: a number ``f`` in ``[-1, 1]`` (draws in ``[-|f|, |f|]``) or a pair.
      value_range, data_format, seed.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomColorDegeneration((1.0, 1.0))
    >>> print(tf.round(layer(tf.constant([[[[10.0, 20.0, 30.0]]]]))))
    tf.Tensor([[[[18. 18. 18.]]]], shape=(1, 1, 1, 3), dtype=float32)
    """

    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: Any = None, seed: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range_pair(value_range, self._VALUE_RANGE_VALIDATION_ERROR)
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        factor = self._uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1])
        if not training:
            return images
        images = math_ops.cast(images, self.compute_dtype)
        factor = math_ops.cast(factor, self.compute_dtype)
        images = images + factor * (_rgb_to_grayscale(images, self.data_format) - images)
        lo, hi = (math_ops.cast(v, images.dtype) for v in self.value_range)
        return clip_ops.clip_by_value(images, lo, hi)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomPosterization(BaseImagePreprocessingLayer):
    """Keeps a random number of the high bits (``1..factor``) of each image's 8-bit values (in training only).

    Values are mapped to ``[0, 255]``, truncated to uint8, their ``8 - bits`` low bits cleared, and
    mapped back to ``value_range``.

    Args:
      factor: an int ``f`` in ``[1, 8]`` (bits drawn in ``[1, f)``, or exactly ``f`` when the range
        is a single value) or a pair.
      value_range, data_format, seed.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomPosterization(factor=(2, 2))
    >>> print(layer(tf.constant([[[[100.0], [200.0]]]]))[0, 0, :, 0])
    tf.Tensor([ 64. 192.], shape=(2,), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8
    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: Any = None, seed: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range_pair(value_range, self._VALUE_RANGE_VALIDATION_ERROR)
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        batch = images.shape[0]
        if self.factor[0] != self.factor[1]:
            bits = self._uniform((batch,), int(self.factor[0]), int(self.factor[1]), dtype="int32")
        else:
            bits = creation_ops.fill((batch,), int(self.factor[0]))
        if not training:
            return images
        shift = math_ops.cast(self._MAX_FACTOR - bits, self.compute_dtype)
        step = array_ops.reshape(math_ops.pow(math_ops.cast(2.0, self.compute_dtype), shift), (batch, 1, 1, 1))
        x = _transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = math_ops.cast(math_ops.cast(x, "uint8"), self.compute_dtype)
        x = math_ops.floor(x / step) * step  # (x >> s) << s on uint8 values
        return _transform_value_range(x, (0, 255), self.value_range, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


def _hsv(images: Any, data_format: str, to_hsv: bool) -> Any:
    from tapejax._src.ops import image_color_ops

    convert = image_color_ops.rgb_to_hsv if to_hsv else image_color_ops.hsv_to_rgb
    if data_format == "channels_first":
        return shape_ops.transpose(convert(shape_ops.transpose(images, (0, 2, 3, 1))), (0, 3, 1, 2))
    return convert(images)


def _replace_channel(images: Any, index: int, channel: Any, data_format: str) -> Any:
    axis = 1 if data_format == "channels_first" else 3
    parts = [images[:, i] if axis == 1 else images[..., i] for i in range(3)]
    parts[index] = channel
    return shape_ops.stack(parts, axis=axis)


class RandomSaturation(BaseImagePreprocessingLayer):
    """Scales each image's HSV saturation by a random factor (in training only).

    As Keras 3.15: ``u`` drawn in ``factor``'s range gives the multiplier ``u / (1 - u + epsilon())``
    (``u = 0.5``: unchanged, ``u = 0``: grayscale); the scaled saturation is clipped to ``value_range``.

    Args:
      factor: a number ``f`` in ``[-1, 1]`` (draws in ``[-|f|, |f|]``) or a pair.
      value_range, data_format, seed.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomSaturation((0.0, 0.0))
    >>> print(layer(tf.constant([[[[100.0, 50.0, 0.0]]]])))
    tf.Tensor([[[[100. 100. 100.]]]], shape=(1, 1, 1, 3), dtype=float32)
    """

    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: Any = None, seed: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range_pair(value_range, self._VALUE_RANGE_VALIDATION_ERROR)
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        u = self._uniform((images.shape[0],), self.factor[0], self.factor[1])
        if not training:
            return images
        factor = math_ops.cast(u / (1 - u + backend.epsilon()), self.compute_dtype)
        factor = array_ops.reshape(factor, (images.shape[0], 1, 1))
        hsv = _hsv(images, self.data_format, to_hsv=True)
        s = hsv[:, 1] if self.data_format == "channels_first" else hsv[..., 1]
        lo, hi = (math_ops.cast(v, s.dtype) for v in self.value_range)
        s = clip_ops.clip_by_value(s * factor, lo, hi)
        return _hsv(_replace_channel(hsv, 1, s, self.data_format), self.data_format, to_hsv=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomHue(BaseImagePreprocessingLayer):
    """Shifts each image's hue by a random amount, ``±factor / 2`` of the hue circle (in training only).

    Images are mapped from ``value_range`` to ``[0, 1]``, shifted in HSV (wrapping around), clipped
    and mapped back.

    Args:
      factor: a number ``f`` in ``[0, 1]`` (shifts in ``[0, f] / 2`` with a random sign) or a pair.
      value_range, data_format, seed.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomHue(0.0)
    >>> print(tf.round(layer(tf.constant([[[[200.0, 100.0, 50.0]]]]))))
    tf.Tensor([[[[200. 100.  50.]]]], shape=(1, 1, 1, 3), dtype=float32)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), data_format: Any = None, seed: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self._make_generator(seed)

    def _transform(self, images: Any, training: Any) -> Any:
        batch = images.shape[0]
        invert = self._uniform((batch,), 0.0, 1.0)
        sign = math_ops.where(
            math_ops.greater(invert, 0.5), -creation_ops.ones_like(invert), creation_ops.ones_like(invert)
        )
        shift = sign * self._uniform((batch,), self.factor[0], self.factor[1]) * 0.5
        if not training:
            return images
        images = math_ops.cast(images, self.compute_dtype)
        x = _transform_value_range(images, self.value_range, (0, 1), "float32")
        shift = array_ops.reshape(math_ops.cast(shift, x.dtype), (batch, 1, 1))
        hsv = _hsv(x, self.data_format, to_hsv=True)
        h = (hsv[:, 0] if self.data_format == "channels_first" else hsv[..., 0]) + shift
        h = math_ops.where(math_ops.greater(h, 1.0), h - 1.0, h)
        h = math_ops.where(math_ops.less(h, 0.0), h + 1.0, h)
        rgb = _hsv(_replace_channel(hsv, 0, h, self.data_format), self.data_format, to_hsv=False)
        rgb = clip_ops.clip_by_value(rgb, math_ops.cast(0, rgb.dtype), math_ops.cast(1, rgb.dtype))
        return math_ops.cast(_transform_value_range(rgb, (0, 1), self.value_range, "float32"), self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomColorJitter(BaseImagePreprocessingLayer):
    """Applies RandomBrightness, RandomContrast, RandomSaturation and RandomHue in turn (those given), in training only.

    Args:
      value_range: the images' ``(min, max)``, passed to each part.
      brightness_factor, contrast_factor, saturation_factor, hue_factor: each part's ``factor`` (None: skipped).
      seed, data_format.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomColorJitter(brightness_factor=(0.5, 0.5), value_range=(0, 1))
    >>> print(layer(tf.constant([[[[0.25]]]]))[0, 0, 0])
    tf.Tensor([0.75], shape=(1,), dtype=float32)

    Differences from Keras: each part draws from its own generator (Keras': from the jitter layer's).
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        brightness_factor: Any = None,
        contrast_factor: Any = None,
        saturation_factor: Any = None,
        hue_factor: Any = None,
        seed: Any = None,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        common = {"value_range": value_range, "seed": seed}
        self.random_brightness = None if brightness_factor is None else RandomBrightness(brightness_factor, **common)
        self.random_contrast = None if contrast_factor is None else RandomContrast(contrast_factor, **common)
        self.random_saturation = None if saturation_factor is None else RandomSaturation(saturation_factor, **common)
        self.random_hue = None if hue_factor is None else RandomHue(hue_factor, **common)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        images = math_ops.cast(images, self.compute_dtype)
        for part in (self.random_brightness, self.random_contrast, self.random_saturation, self.random_hue):
            if part is not None:
                images = part._transform(images, True)
        return math_ops.cast(images, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor,
            "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor,
            "seed": self.seed,
        }
