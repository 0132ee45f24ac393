"""Gradient cases of the fused Keras losses (tapejax/_src/ops/loss_ops.py; tests/test_op_gradients.py).

Each reference is the loss written out in jnp from Keras's documented formula, with both inputs
differentiated (labels too: the fused op must not cut their gradient).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from op_case import Case

from tapejax._src.ops import loss_ops


def _focal_bce_logits(t, x):
    p = jax.nn.sigmoid(x)
    bce = jnp.maximum(x, 0) - x * t + jnp.log1p(jnp.exp(-jnp.abs(x)))
    p_t = t * p + (1 - t) * (1 - p)
    return jnp.mean((t * 0.3 + (1 - t) * 0.7) * (1 - p_t) ** 2.0 * bce, axis=-1)


def _cosine(t, p):
    return -jnp.sum(t * p, -1) / (jnp.linalg.norm(t, axis=-1) * jnp.linalg.norm(p, axis=-1))


CASES = [
    Case(
        "KerasLoss/binary_focal_crossentropy",
        lambda t, x: loss_ops.fused_loss(
            "binary_focal_crossentropy", t, x, apply_class_balancing=True, alpha=0.3, gamma=2.0, from_logits=True
        ),
        _focal_bce_logits,
        ((3, 4), (3, 4)),
    ),
    Case(
        "KerasLoss/cosine_similarity",
        lambda t, p: loss_ops.fused_loss("cosine_similarity", t, p, axis=-1),
        _cosine,
        ((3, 4), (3, 4)),
    ),
    Case(
        "ReduceWeightedLoss",
        lambda v, w: loss_ops.reduce_loss(v, w, "sum_over_batch_size"),
        lambda v, w: jnp.sum(v * w) / v.size,
        ((2, 3), (2, 3)),
    ),
]
