"""More non-maximum suppression (``tf.image.non_max_suppression_overlaps`` and
``tf.image.combined_non_max_suppression``), on the greedy pass of ``image_nms_ops``.

Differences from TensorFlow: among exactly tied scores the lower index (for combined NMS: the lower
class, then the earlier selection) comes first; TF's sort leaves their order unspecified.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import image_nms_ops, utils
from tapejax._src.tensor import Tensor


def _overlaps_impl(overlaps: Any, scores: Any, threshold: Any, score_threshold: Any, *, max_output_size: int) -> Any:
    neg = jnp.float32(-jnp.inf)
    s0 = scores.astype(jnp.float32)
    s0 = jnp.where(s0 > score_threshold, s0, neg)

    def step(k: int, carry: Any) -> Any:
        s, idx, count = carry
        i = jnp.argmax(s)
        valid = s[i] > score_threshold
        idx = idx.at[k].set(jnp.where(valid, i, 0).astype(jnp.int32))
        # TF reads overlaps[candidate, selected] (checked against TF 2.21 on a non-symmetric matrix).
        dropped = jnp.where(overlaps[:, i] > threshold, neg, s).at[i].set(neg)
        return jnp.where(valid, dropped, s), idx, count + valid.astype(jnp.int32)

    init = (s0, jnp.zeros(max_output_size, jnp.int32), jnp.int32(0))
    if max_output_size == 0 or scores.shape[0] == 0:
        return init[1], init[2]
    _, idx, count = jax.lax.fori_loop(0, max_output_size, step, init)
    return idx, count


_nms_overlaps = Op("NonMaxSuppressionWithOverlaps", _overlaps_impl, multiple_results=True, differentiable=False)


def non_max_suppression_overlaps(
    overlaps: Any,
    scores: Any,
    max_output_size: Any,
    overlap_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    name: str | None = None,
) -> Tensor:
    """Greedy NMS on a given overlap matrix (``tf.image.non_max_suppression_overlaps``): the indices
    kept, highest score first.

    Args:
      overlaps: float32 ``[n, n]``; candidate ``j`` is dropped when ``overlaps[j, i]`` exceeds
        ``overlap_threshold`` for a kept box ``i``.
      scores: float32 ``[n]``.
      max_output_size: the most boxes to keep.
      score_threshold: boxes scoring at most this are dropped.

    Raises:
      InvalidArgumentError: for a non-square ``overlaps`` or ``scores`` of another length.

    >>> import tapejax as tf
    >>> overlaps = tf.constant([[1.0, 0.7, 0.0], [0.7, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> print(tf.image.non_max_suppression_overlaps(overlaps, tf.constant([0.9, 0.8, 0.7]), 3))
    tf.Tensor([0 2], shape=(2,), dtype=int32)
    """
    op = "NonMaxSuppressionWithOverlaps"
    ov = utils.as_tensor(overlaps, np.float32, op)
    sc = utils.as_tensor(scores, np.float32, op)
    so, ss = utils.shape_of(ov), utils.shape_of(sc)
    if len(so) != 2 or so[0] != so[1]:
        raise utils.invalid_argument(f"{op}: overlaps must be a square matrix, got shape {list(so)}.")
    if ss != so[:1]:
        raise utils.invalid_argument(f"{op}: scores has incompatible shape {list(ss)} for overlaps {list(so)}.")
    for t in (ov, sc):
        if t._v.dtype != np.float32:
            raise utils.invalid_argument(f"{op}: expected float32 overlaps and scores, got {utils.describe([ov, sc])}.")
    n = image_nms_ops._max_output(max_output_size, op)
    idx, count = bind(
        _nms_overlaps, ov, sc, np.float32(overlap_threshold), np.float32(score_threshold), max_output_size=n
    )
    return image_nms_ops._cut(idx, count)


def _combined_impl(
    boxes: Any, scores: Any, iou_threshold: Any, score_threshold: Any, *,
    per_class: int, max_detections: int, clip: bool,
) -> Any:  # fmt: skip
    num_classes = scores.shape[-1]
    shared = boxes.shape[2] == 1
    zero = jnp.zeros((), jnp.float32)

    def one_class(bx: Any, sc: Any, c: Any) -> Any:
        b = bx[:, 0] if shared else jnp.take(bx, c, axis=1)
        idx, s, count = image_nms_ops._nms_impl(
            b, sc[:, c], iou_threshold, score_threshold, zero, max_output_size=per_class
        )
        valid = jnp.arange(per_class) < count
        return b[idx], jnp.where(valid, s, -jnp.inf), valid

    def one_image(bx: Any, sc: Any) -> Any:
        b, s, valid = jax.vmap(lambda c: one_class(bx, sc, c))(jnp.arange(num_classes))
        classes = jnp.repeat(jnp.arange(num_classes, dtype=jnp.float32), per_class)
        b, s, valid = b.reshape(-1, 4), s.reshape(-1), valid.reshape(-1)
        k = min(max_detections, s.shape[0])
        order = jnp.argsort(-s, stable=True)[:k]
        b, s, classes, valid = b[order], s[order], classes[order], valid[order]
        if clip:
            b = jnp.clip(b, 0.0, 1.0)
        pad = max_detections - k
        b = jnp.pad(jnp.where(valid[:, None], b, 0.0), ((0, pad), (0, 0)))
        s = jnp.pad(jnp.where(valid, s, 0.0), (0, pad))
        classes = jnp.pad(jnp.where(valid, classes, 0.0), (0, pad))
        return b, s, classes, jnp.sum(valid).astype(jnp.int32)

    return jax.vmap(one_image)(boxes, scores)


_combined_nms = Op("CombinedNonMaxSuppression", _combined_impl, multiple_results=True, differentiable=False)


def combined_non_max_suppression(
    boxes: Any,
    scores: Any,
    max_output_size_per_class: Any,
    max_total_size: Any,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    pad_per_class: bool = False,
    clip_boxes: bool = True,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Greedy NMS per class and per image, then the best detections over all classes
    (``tf.image.combined_non_max_suppression``).

    Args:
      boxes: float32 ``[batch, num_boxes, q, 4]``; ``q`` is 1 (boxes shared by every class) or
        ``num_classes``.
      scores: float32 ``[batch, num_boxes, num_classes]``.
      max_output_size_per_class: the most boxes NMS keeps per class.
      max_total_size: the most detections kept per image.
      pad_per_class: pad the outputs to ``min(max_output_size_per_class * num_classes,
        max_total_size)`` instead of ``max_total_size``.
      clip_boxes: clip the output coordinates to ``[0, 1]``.

    Returns:
      ``(nmsed_boxes, nmsed_scores, nmsed_classes, valid_detections)``: float32 ``[batch, d, 4]``,
      ``[batch, d]``, ``[batch, d]`` (classes as floats, as TF) and int32 ``[batch]``, sorted by
      decreasing score and zero-padded.

    Raises:
      InvalidArgumentError: for mismatched shapes or a ``q`` other than 1 or ``num_classes``.

    >>> import tapejax as tf
    >>> boxes = tf.constant([[[[0.0, 0, 1, 1]], [[0, 0.1, 1, 1.1]]]])
    >>> out = tf.image.combined_non_max_suppression(boxes, tf.constant([[[0.9, 0.1], [0.8, 0.7]]]), 2, 3)
    >>> print(out[1], out[2], out[3])
    tf.Tensor([[0.9 0.7 0. ]], shape=(1, 3), dtype=float32) tf.Tensor([[0. 1. 0.]], shape=(1, 3), dtype=float32) tf.Tensor([2], shape=(1,), dtype=int32)
    """
    op = "CombinedNonMaxSuppression"
    b = utils.as_tensor(boxes, np.float32, op)
    s = utils.as_tensor(scores, np.float32, op)
    sb, ss = utils.shape_of(b), utils.shape_of(s)
    if len(sb) != 4 or sb[-1] != 4:
        raise utils.invalid_argument(f"{op}: boxes must be 4-D [batch, num_boxes, q, 4], got shape {list(sb)}.")
    if len(ss) != 3 or ss[:2] != sb[:2]:
        raise utils.invalid_argument(
            f"{op}: scores must be [batch, num_boxes, num_classes], got {list(ss)} for {list(sb)}."
        )
    if sb[2] not in (1, ss[2]):
        raise utils.invalid_argument(f"{op}: third dimension of boxes must be either 1 or {ss[2]}, got {sb[2]}.")
    for t in (b, s):
        if t._v.dtype != np.float32:
            raise utils.invalid_argument(f"{op}: expected float32 boxes and scores, got {utils.describe([b, s])}.")
    per_class = image_nms_ops._max_output(max_output_size_per_class, op)
    total = utils.static_int(max_total_size, "max_total_size")
    if total <= 0:
        raise utils.invalid_argument(f"{op}: max_total_size must be > 0, got {total}.")
    detections = min(per_class * ss[2], total) if pad_per_class else total
    return bind(
        _combined_nms,
        b,
        s,
        np.float32(iou_threshold),
        np.float32(score_threshold),
        per_class=per_class,
        max_detections=detections,
        clip=bool(clip_boxes),
    )
