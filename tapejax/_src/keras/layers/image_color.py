"""Keras' color preprocessing layers: RandomContrast, RandomBrightness, RandomGrayscale, RandomInvert,
Solarization, AutoContrast, RandomColorDegeneration, RandomPosterization, RandomSaturation, RandomHue and
RandomColorJitter, Equalization, and the filters RandomSharpness and RandomGaussianBlur (Keras 3.15's
formulas, quirks included)."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.layers.image_preprocessing import BaseImagePreprocessingLayer, _hw_axes
from tapejax._src.ops import array_ops, clip_ops, creation_ops, index_ops, math_ops, reduction_ops, shape_ops


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


class RandomSharpness(BaseImagePreprocessingLayer):
    """Sharpens or blurs each image by a random factor (in training only).

    With ``s = 2 * u`` (``u`` drawn in ``factor``'s range) and ``smooth`` the image filtered by
    Keras' 3x3 kernel (1/13 around, 5/13 in the center), the output is
    ``images + (1 - s) * (smooth - images)`` clipped to ``value_range``: ``u = 0.5`` keeps the image.

    Args:
      factor: a number ``f`` in ``[0, 1]`` (draws in ``[0, f]``) or a pair.
      value_range, data_format, seed.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomSharpness((0.5, 0.5))
    >>> print(layer(tf.constant([[[[10.0], [20.0]]]]))[0, 0, :, 0])
    tf.Tensor([10. 20.], shape=(2,), dtype=float32)
    """

    _FACTOR_BOUNDS = (0, 1)
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
        from tapejax._src.ops import conv_ops

        u = self._uniform((images.shape[0],), self.factor[0], self.factor[1])
        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        if self.data_format == "channels_first":
            images = shape_ops.transpose(images, (0, 2, 3, 1))
        sharpness = array_ops.reshape(math_ops.cast(u * 2, self.compute_dtype), (-1, 1, 1, 1))
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = array_ops.constant([[a, a, a], [a, b, a], [a, a, a]], dtype=self.compute_dtype)
        kernel = shape_ops.tile(array_ops.reshape(kernel, (3, 3, 1, 1)), [1, 1, images.shape[-1], 1])
        smoothed = conv_ops.depthwise_conv2d(images, kernel, strides=[1, 1, 1, 1], padding="SAME")
        images = images + (1.0 - sharpness) * (smoothed - images)
        lo, hi = (math_ops.cast(v, images.dtype) for v in self.value_range)
        images = clip_ops.clip_by_value(images, lo, hi)
        if self.data_format == "channels_first":
            images = shape_ops.transpose(images, (0, 3, 1, 2))
        return images

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


def _gaussian_kernel(kernel_size: tuple[int, int], sigma: Any, channels: int, dtype: Any) -> Any:
    """Keras' ``gaussian_blur`` kernel (TensorFlow backend), its reshape of ``outer(y, x)`` included."""

    def kernel1d(size: int, s: Any) -> Any:
        x = math_ops.cast(creation_ops.range(size), dtype) - (size - 1) / 2
        k = math_ops.exp(-0.5 * (x / s) ** 2)
        return k / reduction_ops.reduce_sum(k)

    kx, ky = kernel1d(int(kernel_size[0]), sigma[0]), kernel1d(int(kernel_size[1]), sigma[1])
    kernel = shape_ops.expand_dims(ky, 1) * shape_ops.expand_dims(kx, 0)
    kernel = array_ops.reshape(kernel, (int(kernel_size[0]), int(kernel_size[1]), 1, 1))
    return shape_ops.tile(kernel, [1, 1, channels, 1])


class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Blurs each image with a Gaussian kernel with probability drawn in ``factor`` (in training only).

    One ``sigma`` pair (x, y) is drawn per call in ``sigma``'s range; the blurred images are clipped
    to ``value_range``.

    Args:
      factor: the blur probability, a number ``f`` in ``[0, 1]`` (drawn in ``[0, f]``) or a pair.
      kernel_size: an odd int or a pair of odd ints.
      sigma: a number in ``[0, 1]`` (drawn in ``[0, sigma]``) or a pair.
      value_range, data_format, seed.

    Raises:
      ValueError: for an even kernel size or factors out of range (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomGaussianBlur(factor=0.0)
    >>> print(layer(tf.constant([[[[10.0], [20.0]]]]))[0, 0, :, 0])
    tf.Tensor([10. 20.], shape=(2,), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        kernel_size: Any = 3,
        sigma: Any = 1.0,
        value_range: Any = (0, 255),
        data_format: Any = None,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._kernel_size(kernel_size, "kernel_size")
        self.sigma = self._named_factor(sigma, "sigma")
        self.value_range = value_range
        self.seed = seed
        self._make_generator(seed)

    @staticmethod
    def _kernel_size(size: Any, name: str) -> tuple[Any, Any]:
        message = f"{name} must be an odd number. Received: {name}={size}"
        if isinstance(size, (tuple, list)):
            if len(size) != 2:
                raise ValueError(
                    f"The `{name}` argument should be a number (or a list of two numbers) Received: {name}={size}"
                )
            if size[0] % 2 == 0 or size[1] % 2 == 0:
                raise ValueError(message)
            return size[0], size[1]
        if isinstance(size, (int, float)) and not isinstance(size, bool):
            if size % 2 == 0:
                raise ValueError(message)
            return size, size
        raise ValueError(message)

    def _named_factor(self, factor: Any, name: str) -> tuple[Any, Any]:
        lo, hi = self._FACTOR_BOUNDS
        message = (
            f"The `{name}` argument should be a number (or a list of two numbers) in the range [{lo}, {hi}]. "
            f"Received: factor={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > hi or factor[1] < lo:
                raise ValueError(message)
            lower, upper = sorted(factor)
            return lower, upper
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < lo or factor > hi:
                raise ValueError(message)
            factor = abs(factor)
            return max(-factor, lo), factor
        raise ValueError(message)

    def _transform(self, images: Any, training: Any) -> Any:
        from tapejax._src.ops import conv_ops

        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        batch = images.shape[0]
        probability = self._uniform((batch,), self.factor[0], self.factor[1])
        threshold = self._uniform((batch,), 0.0, 1.0)
        apply = array_ops.reshape(math_ops.less(threshold, probability), (batch, 1, 1, 1))
        sigma = self._uniform((2,), self.sigma[0], self.sigma[1], dtype=self.compute_dtype) + 1e-6
        x = shape_ops.transpose(images, (0, 2, 3, 1)) if self.data_format == "channels_first" else images
        kernel = _gaussian_kernel(self.kernel_size, sigma, x.shape[-1], x.dtype)
        blurred = conv_ops.depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME")
        if self.data_format == "channels_first":
            blurred = shape_ops.transpose(blurred, (0, 3, 1, 2))
        images = math_ops.where(apply, blurred, images)
        lo, hi = (math_ops.cast(v, images.dtype) for v in self.value_range)
        return clip_ops.clip_by_value(images, lo, hi)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "kernel_size": self.kernel_size,
            "sigma": self.sigma,
            "value_range": self.value_range,
            "seed": self.seed,
        }


class Equalization(BaseImagePreprocessingLayer):
    """Histogram equalization of each channel (Keras 3.15: one histogram per channel over the whole batch).

    Values are mapped to ``[0, 255]``, binned into ``bins`` bins, remapped through the normalized
    cumulative histogram and mapped back to ``value_range``; a channel with a single non-empty bin
    is left as it is. As Keras', the layer runs in training only (``training=False`` passes through).

    Args:
      value_range: the images' ``[min, max]``.
      bins: the number of histogram bins.
      data_format.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Equalization()
    >>> print(layer(tf.constant([[[[0.0], [64.0], [128.0], [192.0]]]]))[0, 0, :, 0])
    tf.Tensor([  0.  85. 170. 255.], shape=(4,), dtype=float32)

    Differences from Keras: an invalid ``value_range`` raises ValueError (Keras 3.15 fails with
    AttributeError on its missing message).
    """

    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, value_range: Any = (0, 255), bins: int = 256, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bins = bins
        self.value_range = _value_range_pair(value_range, self._VALUE_RANGE_VALIDATION_ERROR)
        self.data_format = backend.standardize_data_format(data_format)

    def _equalize_channel(self, channel: Any) -> Any:
        lo, hi = (float(v) for v in self.value_range)
        scale = 255.0 / (hi - lo)
        channel = channel * scale + (0.0 - lo * scale)
        bins = self.bins
        values = math_ops.cast(channel, "float32")
        indices = math_ops.cast(values * (bins - 1) / 255.0, "int32")
        indices = clip_ops.clip_by_value(indices, 0, bins - 1)
        hist = reduction_ops.reduce_sum(creation_ops.one_hot(array_ops.reshape(indices, [-1]), bins, dtype="int32"), 0)
        cdf = reduction_ops.cumsum(hist)
        cdf_min = index_ops.gather(cdf, reduction_ops.argmax(math_ops.greater(cdf, 0), output_type="int32"))
        denominator = cdf[-1] - cdf_min
        denominator = math_ops.where(math_ops.equal(denominator, 0), creation_ops.ones_like(denominator), denominator)
        table = math_ops.cast((cdf - cdf_min) * 255, channel.dtype) / math_ops.cast(denominator, channel.dtype)
        table = clip_ops.clip_by_value(
            math_ops.round(table), math_ops.cast(0, table.dtype), math_ops.cast(255, table.dtype)
        )
        scaled = clip_ops.clip_by_value(
            (channel / 255.0) * (bins - 1), math_ops.cast(0, channel.dtype), math_ops.cast(bins - 1, channel.dtype)
        )
        equalized = index_ops.gather(table, math_ops.cast(scaled, "int32"))
        nonzero = reduction_ops.reduce_sum(math_ops.cast(math_ops.greater(hist, 0), "int32"))
        equalized = math_ops.where(math_ops.less_equal(nonzero, 1), channel, equalized)
        back = (hi - lo) / 255.0
        return equalized * back + (lo - 0.0 * back)

    def _transform(self, images: Any, training: Any) -> Any:
        if not training:
            return images
        images = math_ops.cast(images, self.compute_dtype)
        axis = 1 if self.data_format == "channels_first" else 3
        channels = [
            self._equalize_channel(images[:, i] if axis == 1 else images[..., i]) for i in range(images.shape[axis])
        ]
        return math_ops.cast(shape_ops.stack(channels, axis=axis), self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}
