"""Colour spaces and colour adjustments of images (``tf.image``): grayscale, HSV, YIQ, YUV, hue, saturation.

The HSV kernels are TF's formulas (``colorspace_op.h``): ``select`` chains whose JAX derivative is
the derivative of the branch taken, as TF's registered ``RGBToHSV`` gradient.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, bind
from tapejax._src.ops import image_ops, linalg_ops, shape_ops, utils
from tapejax._src.tensor import Tensor

_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617], [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021], [0.6208248, -0.64720424, 1.70423049]]
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512], [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _rgb_to_hsv(x: Any) -> Any:
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    # Max and min as TF's gradient picks them at ties (red, then green, then blue biggest; the
    # smallest from the other end), not jnp.max's split of the gradient between tied inputs.
    v = jnp.where((r >= b) & (r >= g), r, jnp.where(g >= b, g, b))
    mn = jnp.where((r < b) & (r < g), r, jnp.where(g < b, g, b))
    rng = v - mn
    # TF's saturation gradient passes nothing to a smallest channel at exactly 0 (its cast(x > 0)).
    mn_s = jnp.where(mn > 0, mn, jax.lax.stop_gradient(mn))
    s = jnp.where(v > 0, (v - mn_s) / jnp.where(v > 0, v, 1), 0)
    safe = jnp.where(rng > 0, rng, 1)
    norm = 1 / (6 * safe)
    h = jnp.where(r == v, norm * (g - b), jnp.where(g == v, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6))
    h = jnp.where(rng > 0, h, 0)
    h = jnp.where(h < 0, h + 1, h)
    return jnp.stack([h, s, v], axis=-1).astype(x.dtype)


def _hsv_to_rgb(x: Any) -> Any:
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    dh = h * 6
    dr = jnp.clip(jnp.abs(dh - 3) - 1, 0, 1)
    dg = jnp.clip(-jnp.abs(dh - 2) + 2, 0, 1)
    db = jnp.clip(-jnp.abs(dh - 4) + 2, 0, 1)
    one_s = 1 - s
    return jnp.stack([(one_s + s * dr) * v, (one_s + s * dg) * v, (one_s + s * db) * v], axis=-1).astype(x.dtype)


def _adjust_hue_impl(x: Any, delta: Any) -> Any:
    hsv = _rgb_to_hsv(x)
    h = jnp.mod(hsv[..., 0] + delta, 1.0)
    return _hsv_to_rgb(jnp.stack([h, hsv[..., 1], hsv[..., 2]], axis=-1))


def _adjust_saturation_impl(x: Any, factor: Any) -> Any:
    hsv = _rgb_to_hsv(x)
    s = jnp.clip(hsv[..., 1] * factor, 0.0, 1.0)
    return _hsv_to_rgb(jnp.stack([hsv[..., 0], s, hsv[..., 2]], axis=-1))


_rgb_to_hsv_op = Op("RGBToHSV", _rgb_to_hsv)
_hsv_to_rgb_op = Op("HSVToRGB", _hsv_to_rgb)
_adjust_hue = Op("AdjustHue", _adjust_hue_impl, same_dtype=True)
_adjust_saturation = Op("AdjustSaturation", _adjust_saturation_impl, same_dtype=True)


def _rgb(images: Any, op_name: str, kinds: str = "f") -> Any:
    """The images as a tensor; TF's errors: RGBToHSV/HSVToRGB raise FailedPreconditionError for a last
    dimension other than 3, AdjustHue/AdjustSaturation InvalidArgumentError (and below rank 3)."""
    t = utils.as_tensor(images, None, op_name)
    shape = utils.shape_of(t)
    adjust = op_name.startswith("Adjust")
    if adjust and len(shape) < 3:
        raise utils.invalid_argument(f"{op_name}: input must be at least 3-D, got shape {list(shape)}.")
    if not shape or shape[-1] != 3:
        message = f"{op_name}: input must have 3 channels but input only has {shape[-1] if shape else 0} channels."
        if adjust:
            raise utils.invalid_argument(message)
        raise errors.FailedPreconditionError(None, None, message)
    utils.require_kind(op_name, t, kinds)
    return t


def rgb_to_hsv(images: Any, name: str | None = None) -> Tensor:
    """RGB in ``[0, 1]`` to HSV, hue in ``[0, 1)`` (``tf.image.rgb_to_hsv``); float input, last axis 3.

    >>> import tapejax as tf
    >>> print(tf.image.rgb_to_hsv(tf.constant([0.0, 0.5, 0.5])))
    tf.Tensor([0.5 1.  0.5], shape=(3,), dtype=float32)
    """
    return bind(_rgb_to_hsv_op, _rgb(images, "RGBToHSV"))


def hsv_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """HSV (all in ``[0, 1]``) to RGB (``tf.image.hsv_to_rgb``).

    Differences from TensorFlow: TF registers no gradient for HSVToRGB (a gradient raises
    ``LookupError``); here it is the derivative of TF's formula.
    """
    return bind(_hsv_to_rgb_op, _rgb(images, "HSVToRGB"))


def _linear(images: Any, kernel: list[list[float]], op_name: str) -> Tensor:
    t = utils.as_tensor(images, None, op_name)
    shape = utils.shape_of(t)
    if not shape or shape[-1] != 3:
        raise utils.invalid_argument(f"{op_name}: the last dimension must be 3, got shape {list(shape)}.")
    utils.require_kind(op_name, t, "f")
    k = utils.as_tensor(np.asarray(kernel, t._v.dtype), None, op_name)
    return linalg_ops.tensordot(t, k, [[len(shape) - 1], [0]])


def rgb_to_yiq(images: Any) -> Tensor:
    """RGB to YIQ (``tf.image.rgb_to_yiq``): a linear map of the last axis (size 3)."""
    return _linear(images, _RGB_TO_YIQ, "rgb_to_yiq")


def yiq_to_rgb(images: Any) -> Tensor:
    """YIQ to RGB (``tf.image.yiq_to_rgb``)."""
    return _linear(images, _YIQ_TO_RGB, "yiq_to_rgb")


def rgb_to_yuv(images: Any) -> Tensor:
    """RGB to YUV (``tf.image.rgb_to_yuv``): a linear map of the last axis (size 3)."""
    return _linear(images, _RGB_TO_YUV, "rgb_to_yuv")


def yuv_to_rgb(images: Any) -> Tensor:
    """YUV to RGB (``tf.image.yuv_to_rgb``)."""
    return _linear(images, _YUV_TO_RGB, "yuv_to_rgb")


def rgb_to_grayscale(images: Any, name: str | None = None) -> Tensor:
    """The luma ``0.2989 R + 0.5870 G + 0.1140 B``, keeping a last axis of size 1 and the dtype
    (``tf.image.rgb_to_grayscale``).

    >>> import tapejax as tf
    >>> print(tf.image.rgb_to_grayscale(tf.constant([[[255, 255, 0]]], tf.uint8)))
    tf.Tensor([[[226]]], shape=(1, 1, 1), dtype=uint8)
    """
    t = utils.as_tensor(images, None, "rgb_to_grayscale")
    orig = dtypes_lib.as_dtype(t._v.dtype)
    flt = image_ops.convert_image_dtype(t, dtypes_lib.float32)
    weights = utils.as_tensor(np.asarray([0.2989, 0.5870, 0.1140], np.float32), None, "rgb_to_grayscale")
    gray = linalg_ops.tensordot(flt, weights, [[-1 % max(len(utils.shape_of(flt)), 1)], [0]])
    return image_ops.convert_image_dtype(shape_ops.expand_dims(gray, -1), orig)


def grayscale_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """Repeats a single-channel image's last axis 3 times (``tf.image.grayscale_to_rgb``).

    Raises:
      ValueError: if the last dimension is not 1 or the rank is below 2.
    """
    t = utils.as_tensor(images, None, "grayscale_to_rgb")
    shape = utils.shape_of(t)
    if len(shape) < 2:
        raise ValueError(f"A grayscale image (shape {shape}) must be at least two-dimensional.")
    if shape[-1] != 1:
        raise ValueError(f"Last dimension of a grayscale image should be size 1, got shape {shape}.")
    return shape_ops.tile(t, [1] * (len(shape) - 1) + [3])


def _float_adjust(op: Op, image: Any, value: Any, op_name: str) -> Tensor:
    t = _rgb(image, op_name, "fiu")
    orig = t._v.dtype
    flt = t if orig in (np.float16, np.float32) else image_ops.convert_image_dtype(t, dtypes_lib.float32)
    v = utils.as_tensor(value, np.float32, op_name)
    if utils.shape_of(v):
        raise utils.invalid_argument(
            f"{op_name}: the adjustment must be a scalar, got shape {list(utils.shape_of(v))}."
        )
    from tapejax._src.ops import math_ops

    v = math_ops.cast(v, dtypes_lib.as_dtype(flt._v.dtype))
    return image_ops.convert_image_dtype(bind(op, flt, v), dtypes_lib.as_dtype(orig))


def adjust_hue(image: Any, delta: Any, name: str | None = None) -> Tensor:
    """Rotates the hue of RGB images by ``delta`` (a fraction of the colour circle, in ``[-1, 1]``)
    (``tf.image.adjust_hue``).

    Raises:
      ValueError: for a Python ``delta`` outside ``[-1, 1]``.

    Differences from TensorFlow: TF registers no gradient for AdjustHue (a gradient raises
    ``LookupError``); here it is the derivative of the HSV round trip.
    """
    if isinstance(delta, (int, float)) and not -1 <= delta <= 1:
        raise ValueError("delta must be in the interval [-1, 1]")
    return _float_adjust(_adjust_hue, image, delta, "AdjustHue")


def adjust_saturation(image: Any, saturation_factor: Any, name: str | None = None) -> Tensor:
    """Scales the saturation of RGB images by ``saturation_factor``, clipped to ``[0, 1]``
    (``tf.image.adjust_saturation``).

    Differences from TensorFlow: TF registers no gradient for AdjustSaturation (a gradient raises
    ``LookupError``); here it is the derivative of the HSV round trip.
    """
    return _float_adjust(_adjust_saturation, image, saturation_factor, "AdjustSaturation")
