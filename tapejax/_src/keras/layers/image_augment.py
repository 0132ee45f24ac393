"""Keras' ``RandAugment``: ``num_ops`` augmentations per call, each picked at random among eleven layers."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.layers import image_affine, image_color
from tapejax._src.keras.layers.image_preprocessing import BaseImagePreprocessingLayer
from tapejax._src.ops import math_ops


class RandAugment(BaseImagePreprocessingLayer):
    """Applies ``num_ops`` augmentations drawn at random (with repetition) from Keras' eleven (in training only).

    The layers, in Keras' order: RandomShear, RandomTranslation, RandomRotation, RandomBrightness,
    RandomColorDegeneration, RandomContrast, RandomSharpness, RandomPosterization, Solarization,
    AutoContrast, Equalization, each built with ``factor`` (and ``value_range``, ``interpolation``).
    As Keras', every layer is computed and the drawn one selected, so a call costs all eleven.

    Args:
      value_range: the images' ``(min, max)``.
      num_ops: the number of augmentations applied in turn.
      factor: a number ``f`` in ``[0, 1]`` (the range ``[0, f]``) or a pair: the strength of each layer.
      interpolation, seed, data_format.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RandAugment(num_ops=2, factor=0.3, seed=1)
    >>> layer.factor, layer.random_posterization.factor
    ((0, 0.3), (1, 2))
    >>> print(layer(tf.ones((1, 1, 1, 1)), training=False))
    tf.Tensor([[[[1.]]]], shape=(1, 1, 1, 1), dtype=float32)

    Differences from Keras: each selected augmentation draws its own random parameters (Keras draws
    each layer's once per call, shared by repeated selections); the numbers differ from Keras'.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = (
        "random_shear",
        "random_translation",
        "random_rotation",
        "random_brightness",
        "random_color_degeneration",
        "random_contrast",
        "random_sharpness",
        "random_posterization",
        "solarization",
        "auto_contrast",
        "equalization",
    )

    def __init__(
        self,
        value_range: Any = (0, 255),
        num_ops: int = 2,
        factor: Any = 0.5,
        interpolation: str = "bilinear",
        seed: Any = None,
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self._make_generator(seed)
        common = {"seed": seed, "data_format": data_format, **kwargs}
        ranged = {"value_range": value_range, **common}
        f = self.factor
        self.random_shear = image_affine.RandomShear(x_factor=f, y_factor=f, interpolation=interpolation, **common)
        self.random_translation = image_affine.RandomTranslation(
            height_factor=f, width_factor=f, interpolation=interpolation, **common
        )
        self.random_rotation = image_affine.RandomRotation(factor=f, interpolation=interpolation, **common)
        self.random_brightness = image_color.RandomBrightness(factor=f, **ranged)
        self.random_color_degeneration = image_color.RandomColorDegeneration(factor=f, **ranged)
        self.random_contrast = image_color.RandomContrast(factor=f, **ranged)
        self.random_sharpness = image_color.RandomSharpness(factor=f, **ranged)
        self.solarization = image_color.Solarization(addition_factor=f, threshold_factor=f, **ranged)
        self.random_posterization = image_color.RandomPosterization(factor=max(1, int(8 * f[1])), **ranged)
        self.auto_contrast = image_color.AutoContrast(value_range=value_range, data_format=data_format, **kwargs)
        self.equalization = image_color.Equalization(value_range=value_range, data_format=data_format, **kwargs)

    def _transform(self, images: Any, training: Any) -> Any:
        images = math_ops.cast(images, self.compute_dtype)
        if not training:
            return images
        indices = self._uniform((self.num_ops,), 0, len(self._AUGMENT_LAYERS), dtype="int32")
        for i in range(self.num_ops):
            for idx, name in enumerate(self._AUGMENT_LAYERS):
                augmented = math_ops.cast(getattr(self, name)._transform(images, True), images.dtype)
                images = math_ops.where(math_ops.equal(indices[i], idx), augmented, images)
        return math_ops.cast(images, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_ops": self.num_ops,
            "factor": self.factor,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
