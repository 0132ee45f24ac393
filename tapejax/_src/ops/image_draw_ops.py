"""``tf.image.draw_bounding_boxes``: one-pixel box outlines drawn in order, as TF's kernel."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

# TF's default colour table (draw_bounding_box_op.cc), used when no colours are given.
_DEFAULT_COLORS = (
    (1, 1, 0, 1),
    (0, 0, 1, 1),
    (1, 0, 0, 1),
    (0, 1, 0, 1),
    (0.5, 0, 0.5, 1),
    (0.5, 0.5, 0, 1),
    (0.5, 0, 0, 1),
    (0, 0, 0.5, 1),
    (0, 1, 1, 1),
    (1, 0, 1, 1),
)


def _draw_impl(images: Any, boxes: Any, colors: Any) -> Any:
    _, h, w, depth = images.shape
    rows = jnp.arange(h)[:, None]
    cols = jnp.arange(w)[None, :]
    # C's static_cast<int64_t>(coordinate * (size - 1)): truncation toward zero.
    corners = jnp.trunc(boxes.astype(jnp.float32) * jnp.array([h - 1, w - 1, h - 1, w - 1], jnp.float32))
    corners = corners.astype(jnp.int64)

    def draw_one(canvas: Any, box: Any, color: Any) -> Any:
        r0, c0, r1, c1 = box[0], box[1], box[2], box[3]
        r0c, r1c = jnp.maximum(r0, 0), jnp.minimum(r1, h - 1)
        c0c, c1c = jnp.maximum(c0, 0), jnp.minimum(c1, w - 1)
        drawn = (r0 <= r1) & (c0 <= c1) & (r1 >= 0) & (c1 >= 0) & (r0 < h) & (c0 < w)
        in_cols = (cols >= c0c) & (cols <= c1c)
        in_rows = (rows >= r0c) & (rows <= r1c)
        mask = ((rows == r0) & in_cols) | ((rows == r1) & in_cols) | ((cols == c0) & in_rows) | ((cols == c1) & in_rows)
        return jnp.where((mask & drawn)[:, :, None], color[:depth].astype(canvas.dtype), canvas)

    def per_image(image: Any, image_boxes: Any) -> Any:
        def body(i: int, canvas: Any) -> Any:
            return draw_one(canvas, image_boxes[i], colors[i % colors.shape[0]])

        return jax.lax.fori_loop(0, image_boxes.shape[0], body, image)

    return jax.vmap(per_image)(images, corners)


_draw = Op("DrawBoundingBoxesV2", _draw_impl, differentiable=False)


def draw_bounding_boxes(images: Any, boxes: Any, colors: Any, name: str | None = None) -> Tensor:
    """Draws the outlines of normalised boxes ``[batch, num_boxes, 4]`` (``[y_min, x_min, y_max, x_max]``)
    on ``[batch, height, width, depth]`` float images (``tf.image.draw_bounding_boxes``).

    Box ``i`` uses colour ``colors[i % len(colors)]`` (RGBA rows, the first ``depth`` channels used);
    ``colors=None`` is TF's default table. Later boxes are drawn over earlier ones.

    Differences from TensorFlow: TF registers no gradient (a gradient raises ``LookupError``); here the
    gradient is ``None``.

    >>> import tapejax as tf
    >>> out = tf.image.draw_bounding_boxes(tf.zeros([1, 3, 3, 1]), [[[0.0, 0.0, 1.0, 1.0]]], [[1.0, 0, 0, 1]])
    >>> print(out[0, ..., 0])
    tf.Tensor(
    [[1. 1. 1.]
     [1. 0. 1.]
     [1. 1. 1.]], shape=(3, 3), dtype=float32)
    """
    op = "DrawBoundingBoxesV2"
    img = utils.as_tensor(images, None, op)
    b = utils.as_tensor(boxes, np.dtype(np.float32), op)
    shape, bshape = utils.shape_of(img), utils.shape_of(b)
    if len(shape) != 4:
        raise utils.invalid_argument(f"{op}: The rank of the images should be 4, got shape {list(shape)}.")
    if shape[3] not in (1, 3, 4):
        raise utils.invalid_argument(
            f"{op}: Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA), got {shape[3]}."
        )
    if len(bshape) != 3 or bshape[2] != 4 or bshape[0] != shape[0]:
        raise utils.invalid_argument(
            f"{op}: boxes must be [batch, num_boxes, 4] for images {list(shape)}, got {list(bshape)}."
        )
    utils.require_kind(op, img, "f")
    if colors is None or (not utils.is_tensor(colors) and len(colors) == 0):
        table = np.asarray(_DEFAULT_COLORS, np.float32)
        if shape[3] == 1:
            table[:, 0] = 1
        c = utils.as_tensor(table, None, op)
    else:
        c = utils.as_tensor(colors, np.dtype(np.float32), op)
        cshape = utils.shape_of(c)
        if len(cshape) != 2 or cshape[1] < shape[3]:
            raise utils.invalid_argument(f"{op}: colors must be [num_colors, >= depth], got shape {list(cshape)}.")
    return bind(_draw, img, b, c)
