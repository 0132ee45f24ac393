"""The backward engine's caches and segmentation (tapejax/_src/backward.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import tapejax as tf
from tapejax._src import backward


def _step(w: tf.Variable, b: tf.Variable, x: float, y: float) -> list[tf.Tensor]:
    with tf.GradientTape() as tape:
        loss = tf.pow(x * w + b - y, 2)
    return tape.gradient(loss, [w, b])


def test_repeated_structure_reuses_one_signature_and_one_pullback() -> None:
    w, b = tf.Variable(0.5), tf.Variable(-1.0)
    _step(w, b, 2.0, 3.0)
    before = backward.cache_info()
    for x in (1.0, 2.0, 3.0):
        dw, db = _step(w, b, x, 7.0)
        err = x * 0.5 - 1.0 - 7.0
        np.testing.assert_allclose([float(dw), float(db)], [2 * err * x, 2 * err], rtol=1e-6)
    after = backward.cache_info()
    assert after["signatures"] == before["signatures"]
    assert after["pullbacks"] == before["pullbacks"]


def test_same_nodes_with_other_sources_do_not_share_a_cached_result() -> None:
    x, y = tf.constant(3.0), tf.constant(5.0)
    for source, want in ((x, 5.0), (y, 3.0), (x, 5.0)):
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            z = x * y
        assert float(tape.gradient(z, source)) == want


def test_identity_of_tensors_outside_the_nodes_is_part_of_the_key() -> None:
    a, c = tf.constant(2.0), tf.constant(4.0)
    for target, source, want in ((a, a, 1.0), (a, c, None), (a, a, 1.0)):
        with tf.GradientTape() as tape:
            tape.watch([a, c])
            _ = a * c  # the same node every time
        g = tape.gradient(target, source)
        assert (g is None and want is None) or float(g) == want


def test_segmented_backward_matches_jax_grad() -> None:
    n = backward.SEGMENT * 2 + 37
    x = tf.constant(np.float64(0.7))

    def chain(m, v):
        for i in range(n):
            v = m.sin(v) * 1.01 if i % 2 else v + 0.1
        return v

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = chain(tf, x)
    assert len(tape._nodes) > backward.SEGMENT
    got = tape.gradient(y, x)
    want = jax.grad(lambda v: chain(jnp, v))(jnp.float64(0.7))
    np.testing.assert_allclose(float(got), float(want), rtol=1e-10)
