"""Projective image transforms (TF's ``ImageProjectiveTransformV3`` kernel), the op under Keras'
``RandomRotation``, ``RandomZoom`` and ``RandomTranslation``.

Each output pixel ``(x, y)`` reads the input at ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
with ``k = c0 x + c1 y + 1`` (the flat transform ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps output
to input coordinates); out-of-range coordinates are first mapped by ``fill_mode`` as TF's
``MapCoordinate`` does (reflect, wrap, nearest, or constant: read ``fill_value``).

The gradient with respect to the images is TF's: the output gradient warped back by the inverse
transforms (same interpolation and fill mode, fill value 0), not the exact adjoint of the warp.
The transforms get no gradient, as in TF.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

_INTERPOLATIONS = ("NEAREST", "BILINEAR")
_FILL_MODES = ("REFLECT", "WRAP", "CONSTANT", "NEAREST")


def _trunc(v: Any) -> Any:
    return jnp.trunc(v)


def _map_coordinate(v: Any, length: int, mode: str) -> Any:
    """TF's MapCoordinate<mode> (float32 arithmetic, C++ truncating casts)."""
    if mode == "CONSTANT":
        return v
    top = np.float32(length - 1)
    if mode == "NEAREST":
        return jnp.clip(v, 0.0, top)
    if length <= 1:
        return jnp.zeros_like(v)
    if mode == "REFLECT":
        sz2 = np.float32(2 * length)
        neg = sz2 * _trunc(-v / sz2) + v
        neg = jnp.where(neg < -length, neg + sz2, -neg - 1)
        pos = v - sz2 * _trunc(v / sz2)
        pos = jnp.where(pos >= length, sz2 - pos - 1, pos)
    else:  # WRAP
        sz = np.float32(length - 1)
        neg = v + np.float32(length) * (_trunc(-v / sz) + 1)
        pos = v - np.float32(length) * _trunc(v / sz)
    v = jnp.where(v < 0, neg, jnp.where(v > top, pos, v))
    return jnp.clip(v, 0.0, top)


def _warp(
    images: Any, transforms: Any, fill_value: float, interpolation: str, fill_mode: str, out_hw: tuple[int, int]
) -> Any:
    b, h, w, _ = images.shape
    oh, ow = out_hw
    t = jnp.broadcast_to(transforms.astype(jnp.float32), (b, 8))[:, :, None, None]
    y, x = jnp.meshgrid(jnp.arange(oh, dtype=jnp.float32), jnp.arange(ow, dtype=jnp.float32), indexing="ij")
    projection = t[:, 6] * x + t[:, 7] * y + 1.0
    safe = jnp.where(projection == 0, 1.0, projection)
    in_x = _map_coordinate((t[:, 0] * x + t[:, 1] * y + t[:, 2]) / safe, w, fill_mode)
    in_y = _map_coordinate((t[:, 3] * x + t[:, 4] * y + t[:, 5]) / safe, h, fill_mode)
    batch = jnp.arange(b)[:, None, None]
    fill = jnp.asarray(fill_value, images.dtype)

    def read(yi: Any, xi: Any) -> Any:
        # Indices far outside the image are clipped before the integer cast (they read fill_value anyway).
        yi = jnp.clip(yi, -1.0, float(h)).astype(jnp.int32)
        xi = jnp.clip(xi, -1.0, float(w)).astype(jnp.int32)
        valid = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        values = images[batch, jnp.clip(yi, 0, h - 1), jnp.clip(xi, 0, w - 1)]
        return jnp.where(valid[..., None], values, fill)

    if interpolation == "NEAREST":
        rnd = lambda v: jnp.sign(v) * jnp.floor(jnp.abs(v) + 0.5)  # noqa: E731 - std::round: half away from zero
        out = read(rnd(in_y), rnd(in_x))
    else:
        y0, x0 = jnp.floor(in_y), jnp.floor(in_x)
        y1, x1 = y0 + 1, x0 + 1
        f = lambda v: v.astype(jnp.float32)  # noqa: E731 - TF reads each tap as float
        wx0, wx1 = (x1 - in_x)[..., None], (in_x - x0)[..., None]
        top = wx0 * f(read(y0, x0)) + wx1 * f(read(y0, x1))
        bottom = wx0 * f(read(y1, x0)) + wx1 * f(read(y1, x1))
        out = (y1 - in_y)[..., None] * top + (in_y - y0)[..., None] * bottom
        out = (
            out.astype(images.dtype)
            if jnp.issubdtype(images.dtype, jnp.floating)
            else jnp.trunc(out).astype(images.dtype)
        )
    return jnp.where((projection == 0)[..., None], fill, out)


def _inverse_flat(transforms: Any) -> Any:
    m = jnp.concatenate([transforms.astype(jnp.float32), jnp.ones((transforms.shape[0], 1), jnp.float32)], 1)
    inv = jnp.linalg.inv(m.reshape(-1, 3, 3)).reshape(-1, 9)
    return (inv / inv[:, 8:9])[:, :8]


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5))
def _transform(images: Any, transforms: Any, fill_value: float, interpolation: str, fill_mode: str, out_hw: Any) -> Any:
    return _warp(images, transforms, fill_value, interpolation, fill_mode, out_hw)


def _transform_fwd(
    images: Any, transforms: Any, fill_value: float, interpolation: str, fill_mode: str, out_hw: Any
) -> Any:
    return _warp(images, transforms, fill_value, interpolation, fill_mode, out_hw), (transforms, images.shape)


def _transform_bwd(fill_value: float, interpolation: str, fill_mode: str, out_hw: Any, res: Any, g: Any) -> Any:
    transforms, shape = res
    grad = _warp(g, _inverse_flat(transforms), 0.0, interpolation, fill_mode, (shape[1], shape[2]))
    return grad, jnp.zeros_like(transforms)


_transform.defvjp(_transform_fwd, _transform_bwd)


def _impl(images: Any, transforms: Any, *, fill_value: float, interpolation: str, fill_mode: str, out_hw: Any) -> Any:
    return _transform(images, transforms, fill_value, interpolation, fill_mode, out_hw)


_image_projective_transform = Op("ImageProjectiveTransformV3", _impl, nondiff=(1,))


def image_projective_transform_v3(
    images: Any,
    transforms: Any,
    output_shape: Any = None,
    fill_value: float = 0.0,
    interpolation: str = "BILINEAR",
    fill_mode: str = "CONSTANT",
) -> Tensor:
    """Applies projective transforms to a batch of images ``(b, h, w, c)`` (TF's ``ImageProjectiveTransformV3``).

    Args:
      images: a rank-4 tensor.
      transforms: ``(8,)``, ``(1, 8)`` or ``(b, 8)`` float transforms mapping output to input coordinates.
      output_shape: ``(height, width)`` of the output (default: the input's).
      fill_value: the value read outside the image in ``"CONSTANT"`` mode.
      interpolation: ``"NEAREST"`` or ``"BILINEAR"``.
      fill_mode: ``"REFLECT"``, ``"WRAP"``, ``"CONSTANT"`` or ``"NEAREST"``.

    Raises:
      ValueError: for an unknown interpolation or fill mode, or bad ranks.

    >>> import tapejax as tf
    >>> from tapejax._src.ops.image_transform_ops import image_projective_transform_v3
    >>> x = tf.reshape(tf.range(4, dtype=tf.float32), (1, 1, 4, 1))
    >>> shift = tf.constant([1.0, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0])  # reads x - 1
    >>> print(image_projective_transform_v3(x, shift)[0, 0, :, 0])
    tf.Tensor([0. 0. 1. 2.], shape=(4,), dtype=float32)
    """
    t = utils.as_tensor(images, None, "ImageProjectiveTransformV3")
    shape = utils.shape_of(t)
    if len(shape) != 4:
        raise ValueError(f"ImageProjectiveTransformV3: images must be rank 4, got shape {list(shape)}.")
    interpolation, fill_mode = str(interpolation).upper(), str(fill_mode).upper()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"ImageProjectiveTransformV3: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}."
        )
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"ImageProjectiveTransformV3: fill_mode must be one of {_FILL_MODES}, got {fill_mode!r}.")
    tr = utils.as_tensor(transforms, np.dtype(np.float32), "ImageProjectiveTransformV3")
    tshape = utils.shape_of(tr)
    if len(tshape) == 1:
        from tapejax._src.ops import shape_ops

        tr = shape_ops.expand_dims(tr, 0)
        tshape = (1, *tshape)
    if len(tshape) != 2 or tshape[1] != 8 or tshape[0] not in (1, shape[0]):
        raise ValueError(
            f"ImageProjectiveTransformV3: transforms must have shape (8,), (1, 8) or ({shape[0]}, 8), got {list(tshape)}."
        )
    if tr._v.dtype != np.float32:
        from tapejax._src.ops import math_ops

        tr = math_ops.cast(tr, np.float32)
    out_hw = (shape[1], shape[2]) if output_shape is None else tuple(utils.static_ints(output_shape, "output_shape"))
    return bind(
        _image_projective_transform,
        t,
        tr,
        fill_value=float(fill_value),
        interpolation=interpolation,
        fill_mode=fill_mode,
        out_hw=out_hw,
    )
