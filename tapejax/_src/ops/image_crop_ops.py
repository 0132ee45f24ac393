"""``tf.image.crop_and_resize``: bilinear or nearest crops of normalised boxes, as TF's kernel.

Sample positions are TF's (``crop_and_resize_op.cc``): ``y1 * (h - 1) + i * (y2 - y1) * (h - 1) /
(crop_h - 1)``, or the box centre for a crop of one row; positions outside the image take
``extrapolation_value``. The JAX derivative of the bilinear formula is TF's gradient for the image
and for the boxes; for ``"nearest"`` TF's box gradient is still the bilinear one
(``CropAndResizeGradBoxes`` has no nearest form), and so it is here.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor


def _positions(lo: Any, hi: Any, size: int, crop: int) -> Any:
    steps = jnp.arange(crop, dtype=jnp.float32)
    if crop > 1:
        scale = (hi - lo) * (size - 1) / (crop - 1)
        return lo[:, None] * (size - 1) + steps[None, :] * scale[:, None]
    return jnp.broadcast_to((0.5 * (lo + hi) * (size - 1))[:, None], (lo.shape[0], crop))


def _weights(pos: Any, size: int, method: str) -> Any:
    """``[n, crop, size]`` interpolation weights of each sample position along one axis (zero rows
    outside the image): TF's ``(1 - lerp) * v[floor] + lerp * v[ceil]``, or the nearest pixel."""
    pixels = jnp.arange(size)
    if method == "nearest":
        w = (jnp.floor(pos + 0.5)[..., None] == pixels).astype(pos.dtype)  # C's roundf, in-image positions
    else:
        lo, hi = jnp.floor(pos), jnp.ceil(pos)
        lerp = (pos - lo)[..., None]
        w = (1 - lerp) * (lo[..., None] == pixels) + lerp * (hi[..., None] == pixels)
        w = jnp.where((lo == hi)[..., None], (lo[..., None] == pixels).astype(pos.dtype), w)
    inside = (pos >= 0) & (pos <= size - 1)
    return jnp.where(inside[..., None], w, 0), inside


def _sample(image: Any, boxes: Any, box_ind: Any, extrapolation: Any, crop: tuple[int, int], method: str) -> Any:
    h, w = image.shape[1], image.shape[2]
    # Written as two weight matrices (a linear map of the image) rather than gathers: its gradient
    # is the same scatter as TF's, and XLA cannot round one position two ways into two gathers.
    wy, in_y = _weights(_positions(boxes[:, 0], boxes[:, 2], h, crop[0]), h, method)  # [n, ch, h]
    wx, in_x = _weights(_positions(boxes[:, 1], boxes[:, 3], w, crop[1]), w, method)  # [n, cw, w]
    out = jnp.einsum("nih,njw,nhwd->nijd", wy, wx, image[box_ind], precision=jax.lax.Precision.HIGHEST)
    valid = in_y[:, :, None] & in_x[:, None, :]
    return jnp.where(valid[..., None], out, extrapolation)


def _crop_and_resize_impl(
    image: Any, boxes: Any, box_ind: Any, extrapolation: Any, *, crop: tuple[int, int], method: str
) -> Any:
    image = image.astype(jnp.float32)
    boxes = boxes.astype(jnp.float32)
    extrapolation = extrapolation.astype(jnp.float32)
    if method == "bilinear":
        return _sample(image, boxes, box_ind, extrapolation, crop, "bilinear")
    sg = jax.lax.stop_gradient
    # Value and image gradient of the nearest crop; the boxes' gradient of the bilinear one (TF's).
    nearest = _sample(image, sg(boxes), box_ind, extrapolation, crop, "nearest")
    bilinear = _sample(sg(image), boxes, box_ind, sg(extrapolation), crop, "bilinear")
    return nearest + (bilinear - sg(bilinear))


_crop_and_resize = Op("CropAndResize", _crop_and_resize_impl, nondiff=(2, 3))


def crop_and_resize(
    image: Any,
    boxes: Any,
    box_indices: Any,
    crop_size: Any,
    method: str = "bilinear",
    extrapolation_value: float = 0.0,
    name: str | None = None,
) -> Tensor:
    """Crops boxes out of a batch of images and resizes them to ``crop_size`` (``tf.image.crop_and_resize``).

    Args:
      image: ``[batch, height, width, depth]``, any real dtype.
      boxes: ``[num_boxes, 4]`` float ``[y1, x1, y2, x2]`` in normalised coordinates (``y * (height - 1)``
        is the pixel row); ``y1 > y2`` flips the crop.
      box_indices: ``[num_boxes]`` int32 image of each box, in ``[0, batch)``.
      crop_size: ``[crop_height, crop_width]``, both positive.
      method: ``"bilinear"`` or ``"nearest"``.
      extrapolation_value: the value of samples outside the image.

    Returns:
      float32 ``[num_boxes, crop_height, crop_width, depth]``.

    Raises:
      InvalidArgumentError: for bad ranks, shapes, a box index outside the batch or a non-positive size.

    >>> import tapejax as tf
    >>> img = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> print(tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [2, 2])[0, ..., 0])
    tf.Tensor(
    [[ 0.  3.]
     [12. 15.]], shape=(2, 2), dtype=float32)
    """
    op = "CropAndResize"
    img = utils.as_tensor(image, None, op)
    b = utils.as_tensor(boxes, np.dtype(np.float32), op)
    ind = utils.as_tensor(box_indices, np.dtype(np.int32), op)
    shape, bshape, ishape = utils.shape_of(img), utils.shape_of(b), utils.shape_of(ind)
    if len(shape) != 4:
        raise utils.invalid_argument(f"{op}: input image must be 4-D, got shape {list(shape)}.")
    if len(bshape) != 2 or bshape[1] != 4:
        raise utils.invalid_argument(f"{op}: boxes must be 2-D [num_boxes, 4], got shape {list(bshape)}.")
    if ishape != (bshape[0],):
        raise utils.invalid_argument(f"{op}: box_index has incompatible shape {list(ishape)}: expected [{bshape[0]}].")
    utils.require_kind(op, img, "fiu")
    utils.require_kind(op, b, "f")
    utils.require_kind(op, ind, "i")
    size = utils.static_ints(crop_size, "crop_size")
    if len(size) != 2 or size[0] <= 0 or size[1] <= 0:
        raise utils.invalid_argument(f"{op}: crop dimensions must be positive, got {list(size)}.")
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got {method!r}.")
    values = utils.concrete(ind)
    if values is not None and values.size and (values.min() < 0 or values.max() >= shape[0]):
        raise utils.invalid_argument(f"{op}: box_index has values outside [0, batch_size) (batch_size {shape[0]}).")
    return bind(
        _crop_and_resize,
        img,
        b,
        ind,
        np.float32(extrapolation_value),
        crop=(size[0], size[1]),
        method=str(method),
    )
