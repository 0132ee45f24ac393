"""Keras' image preprocessing layers: the base class (data formats, factors, single or batched images),
Resizing, CenterCrop, RandomFlip and RandomCrop (Keras 3.15's semantics, on tapejax ops).

The random layers (here and in ``image_affine.py`` / ``image_color.py``) draw only in training mode
(their ``call`` defaults to ``training=True``, as Keras'; a model called with ``training=False``
passes its inputs through). Without a ``seed`` they draw from tapejax's global generator
(``tf.random.set_seed``); with one, from their own ``tf.random.Generator``. Both states are lifted by
``tf.function``, so each compiled call draws anew. Their numbers differ from Keras'.
"""

from __future__ import annotations

import secrets
from typing import Any

from tapejax._src.core import bind
from tapejax._src.keras import backend
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import array_ops, clip_ops, image_ops, math_ops, random_ops, shape_ops
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
