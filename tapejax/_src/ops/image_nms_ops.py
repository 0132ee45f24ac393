"""Non-maximum suppression (``tf.image.non_max_suppression``, ``_with_scores``, ``_padded``).

One greedy pass of TF's kernel (``non_max_suppression_op.cc``) with static shapes: at each of
``max_output_size`` steps the highest remaining score is selected if it is above
``score_threshold``, and every other candidate's score is multiplied by TF's suppression weight
(hard NMS: dropped above ``iou_threshold``; Soft-NMS: ``exp(-0.5 iou^2 / soft_nms_sigma)``).
TF's lazy priority queue selects the same boxes, since weights only lower scores. The public
functions cut the padded result to the number selected (read back eagerly), as TF's dynamic shapes.

Differences from TensorFlow: among exactly tied scores the lower index is taken first (TF's
priority queue leaves their order unspecified); inside ``tf.function`` only the padded form works
(XLA needs static shapes); batched ``non_max_suppression_padded`` runs the same greedy pass per
batch entry, which agrees with TF's tiled batched kernel for boxes given as ``[ymin, xmin, ymax,
xmax]`` (checked) but was seen to differ from it for boxes with swapped corners.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import shape_ops, utils
from tapejax._src.tensor import Tensor


def _iou(boxes: Any) -> Any:
    """TF's IOU matrix: corners in any order; 0 where a box has no area."""
    ymin = jnp.minimum(boxes[:, 0], boxes[:, 2])
    xmin = jnp.minimum(boxes[:, 1], boxes[:, 3])
    ymax = jnp.maximum(boxes[:, 0], boxes[:, 2])
    xmax = jnp.maximum(boxes[:, 1], boxes[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    h = jnp.maximum(jnp.minimum(ymax[:, None], ymax[None]) - jnp.maximum(ymin[:, None], ymin[None]), 0)
    w = jnp.maximum(jnp.minimum(xmax[:, None], xmax[None]) - jnp.maximum(xmin[:, None], xmin[None]), 0)
    inter = h * w
    valid = (area[:, None] > 0) & (area[None] > 0)
    return jnp.where(valid, inter / jnp.where(valid, area[:, None] + area[None] - inter, 1), 0)


def _nms_impl(
    boxes: Any, scores: Any, iou_threshold: Any, score_threshold: Any, sigma: Any, *, max_output_size: int
) -> Any:
    iou = _iou(boxes.astype(jnp.float32))
    thr = score_threshold.astype(jnp.float32)
    s0 = scores.astype(jnp.float32)
    scale = jnp.where(sigma > 0, -0.5 / jnp.where(sigma > 0, sigma, 1), 0.0).astype(jnp.float32)
    neg = jnp.float32(-jnp.inf)
    s0 = jnp.where(s0 > thr, s0, neg)

    def step(k: int, carry: Any) -> Any:
        s, idx, out_scores, count = carry
        i = jnp.argmax(s)
        valid = s[i] > thr
        idx = idx.at[k].set(jnp.where(valid, i, 0).astype(jnp.int32))
        out_scores = out_scores.at[k].set(jnp.where(valid, s[i], 0))
        sim = iou[i]
        # Soft-NMS decays every overlap (the IOU threshold is not used); hard NMS drops a candidate
        # overlapping the selected box by more than the threshold.
        hard_drop = (sigma <= 0) & (sim > iou_threshold)
        decayed = jnp.where((s == neg) | hard_drop, neg, s * jnp.exp(scale * sim * sim))
        decayed = jnp.where(decayed > thr, decayed, neg).at[i].set(neg)
        return jnp.where(valid, decayed, s), idx, out_scores, count + valid.astype(jnp.int32)

    init = (s0, jnp.zeros(max_output_size, jnp.int32), jnp.zeros(max_output_size, jnp.float32), jnp.int32(0))
    if max_output_size == 0 or boxes.shape[0] == 0:
        _, idx, out_scores, count = init
    else:
        _, idx, out_scores, count = jax.lax.fori_loop(0, max_output_size, step, init)
    return idx, out_scores.astype(scores.dtype), count


_nms = Op("NonMaxSuppressionV5", _nms_impl, multiple_results=True, differentiable=False)


def _batched_nms_impl(
    boxes: Any, scores: Any, iou_threshold: Any, score_threshold: Any, *, max_output_size: int
) -> Any:
    lead = boxes.shape[:-2]
    flat_b = boxes.reshape(-1, *boxes.shape[-2:])
    flat_s = scores.reshape(-1, scores.shape[-1])
    zero = jnp.zeros((), jnp.float32)
    idx, _, count = jax.vmap(
        lambda b, s: _nms_impl(b, s, iou_threshold, score_threshold, zero, max_output_size=max_output_size)
    )(flat_b, flat_s)
    return idx.reshape(*lead, max_output_size), count.reshape(lead)


_batched_nms = Op("NonMaxSuppressionPadded", _batched_nms_impl, multiple_results=True, differentiable=False)


def _inputs(boxes: Any, scores: Any, op_name: str, batched: bool = False) -> tuple[Any, Any]:
    b = utils.as_tensor(boxes, np.float32, op_name)
    s = utils.as_tensor(scores, b._v.dtype, op_name)
    sb, ss = utils.shape_of(b), utils.shape_of(s)
    if not batched and (len(sb) != 2 or sb[-1] != 4):
        raise utils.invalid_argument(f"{op_name}: boxes must be 2-D [num_boxes, 4], got shape {list(sb)}.")
    if batched and (len(sb) < 2 or sb[-1] != 4):
        raise utils.invalid_argument(f"{op_name}: boxes must be [..., num_boxes, 4], got shape {list(sb)}.")
    if ss != sb[:-1]:
        raise utils.invalid_argument(
            f"{op_name}: scores has incompatible shape {list(ss)} for boxes of shape {list(sb)}: expected {list(sb[:-1])}."
        )
    utils.require_kind(op_name, b, "f")
    utils.require_kind(op_name, s, "f")
    return b, s


def _max_output(max_output_size: Any, op_name: str) -> int:
    n = utils.static_int(max_output_size, "max_output_size")
    if n < 0:
        raise utils.invalid_argument(f"{op_name}: max_output_size must be non-negative, got {n}.")
    return n


def _cut(x: Tensor, count: Tensor) -> Tensor:
    n = utils.static_int(count, "the number of selected boxes")
    return shape_ops.slice(x, [0], [n])


def non_max_suppression_with_scores(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    soft_nms_sigma: float = 0.0,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """Greedy (Soft-)NMS returning ``(selected_indices, selected_scores)`` (``tf.image.non_max_suppression_with_scores``).

    With ``soft_nms_sigma > 0`` overlapping boxes are not removed but their scores decay by
    ``exp(-0.5 iou^2 / soft_nms_sigma)``; the returned scores are the decayed ones.
    """
    b, s = _inputs(boxes, scores, "NonMaxSuppressionV5")
    n = _max_output(max_output_size, "NonMaxSuppressionV5")
    if soft_nms_sigma < 0:
        raise utils.invalid_argument("NonMaxSuppressionV5: soft_nms_sigma must be non-negative.")
    idx, out_scores, count = bind(
        _nms,
        b,
        s,
        np.float32(iou_threshold),
        np.float32(score_threshold),
        np.float32(soft_nms_sigma),
        max_output_size=n,
    )
    return _cut(idx, count), _cut(out_scores, count)


def non_max_suppression(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    name: str | None = None,
) -> Tensor:
    """Indices of the boxes greedy NMS keeps, highest score first (``tf.image.non_max_suppression``).

    Args:
      boxes: ``[num_boxes, 4]`` ``[y1, x1, y2, x2]`` (either corner order).
      scores: ``[num_boxes]``.
      max_output_size: the most boxes to keep.
      iou_threshold: a box overlapping a kept one by more than this is dropped.
      score_threshold: boxes scoring at most this are dropped.

    >>> import tapejax as tf
    >>> boxes = tf.constant([[0.0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 10, 1, 11]])
    >>> print(tf.image.non_max_suppression(boxes, tf.constant([0.9, 0.8, 0.7]), 3))
    tf.Tensor([0 2], shape=(2,), dtype=int32)
    """
    return non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold, score_threshold)[0]


def non_max_suppression_padded(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    pad_to_max_output_size: bool = False,
    name: str | None = None,
    sorted_input: bool = False,
    canonicalized_coordinates: bool = False,
    tile_size: int = 512,
) -> tuple[Tensor, Tensor]:
    """Greedy NMS with indices padded with 0 to ``max_output_size`` and the number valid
    (``tf.image.non_max_suppression_padded``); batched ``[..., num_boxes, 4]`` input needs
    ``pad_to_max_output_size=True``. ``sorted_input``, ``canonicalized_coordinates`` and
    ``tile_size`` are hints TF uses for speed and are ignored.

    Raises:
      ValueError: for batched input without ``pad_to_max_output_size``.
    """
    batched = len(utils.shape_of(boxes)) > 2
    if batched and not pad_to_max_output_size:
        raise ValueError(f"'pad_to_max_output_size' (value {pad_to_max_output_size}) must be True for batched input")
    b, s = _inputs(boxes, scores, "NonMaxSuppressionPadded", batched=True)
    n = _max_output(max_output_size, "NonMaxSuppressionPadded")
    idx, count = bind(_batched_nms, b, s, np.float32(iou_threshold), np.float32(score_threshold), max_output_size=n)
    if batched:
        return idx, count
    if not pad_to_max_output_size:
        idx = _cut(idx, count)
    return idx, count
