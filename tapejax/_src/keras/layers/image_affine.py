"""Keras' geometric augmentation layers: RandomRotation, RandomZoom, RandomTranslation, RandomShear and
RandomPerspective (Keras 3.15's transform matrices, applied with TF's ``ImageProjectiveTransformV3`` kernel)."""

from __future__ import annotations

import math
from typing import Any

from tapejax._src.keras.layers.image_preprocessing import BaseImagePreprocessingLayer, _hw_axes
from tapejax._src.ops import array_ops, creation_ops, image_transform_ops, math_ops, shape_ops


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


def _homography(start: Any, end: Any) -> Any:
    """Keras' ``compute_homography_matrix``: the flat transforms mapping ``end`` corners to ``start`` corners."""
    from tapejax._src.ops import linalg_ops

    rows = []
    zeros, ones = creation_ops.zeros_like(end[:, 0, 0]), creation_ops.ones_like(end[:, 0, 0])
    for i in range(4):
        sx, sy, ex, ey = start[:, i, 0], start[:, i, 1], end[:, i, 0], end[:, i, 1]
        rows.append(shape_ops.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1))
        rows.append(shape_ops.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1))
    coefficients = shape_ops.stack(rows, axis=1)
    target = shape_ops.stack([start[:, i, j] for i in range(4) for j in range(2)], axis=-1)
    solution = linalg_ops.solve(coefficients, shape_ops.expand_dims(target, -1))
    return array_ops.reshape(solution, (-1, 8))


class RandomPerspective(BaseImagePreprocessingLayer):
    """Applies a random perspective warp to each image with probability drawn in ``factor`` (in training only).

    Each corner moves by up to ``scale / 2`` of its own coordinates; the warp is the homography
    between the corners (TF's kernel, constant fill with ``fill_value``).

    Args:
      factor: the probability, a number ``f`` in ``[0, 1]`` (drawn in ``[0, f]``) or a pair.
      scale: the corner displacement, in ``[0, 1]``.
      interpolation: ``"bilinear"`` or ``"nearest"``; fill_value, seed, data_format.

    Raises:
      ValueError: for ``scale`` outside ``[0, 1]``; NotImplementedError: for an unknown interpolation.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandomPerspective(scale=0.0)
    >>> print(tf.round(layer(tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]])))[0, :, :, 0])
    tf.Tensor(
    [[1. 2.]
     [3. 4.]], shape=(2, 2), dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        scale: float = 1.0,
        interpolation: str = "bilinear",
        fill_value: float = 0.0,
        seed: Any = None,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self._make_generator(seed)
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. Received: scale={scale}")
        if interpolation not in _AFFINE_INTERPOLATIONS:
            raise NotImplementedError(
                f"Unknown `interpolation` {interpolation}. Expected of one {_AFFINE_INTERPOLATIONS}."
            )

    def _transform(self, images: Any, training: Any) -> Any:
        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        batch = images.shape[0]
        h_axis, w_axis = _hw_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        probability = self._uniform((batch,), self.factor[0], self.factor[1])
        threshold = self._uniform((batch,), 0.0, 1.0)
        apply = array_ops.reshape(math_ops.less(threshold, probability), (batch, 1, 1, 1))
        displacement = self._uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, dtype=self.compute_dtype)
        corners = [[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]]
        start = shape_ops.tile(array_ops.constant([corners], dtype=self.compute_dtype), [batch, 1, 1])
        end = start + start * displacement
        transform = _homography(math_ops.cast(start, "float32"), math_ops.cast(end, "float32"))
        warped = affine_transform(
            images,
            transform,
            interpolation=self.interpolation,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        return math_ops.where(apply, warped, images)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
            "seed": self.seed,
        }
