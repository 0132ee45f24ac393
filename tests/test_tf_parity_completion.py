"""Issue 14's completion ops against TensorFlow itself (skipped without it): the same program run
with ``m = tensorflow`` and ``m = tapejax``, values, dtypes, shapes and gradients compared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax as tj

tf_real = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)


def _run(m: Any, f: Callable[..., Any], xs: list[np.ndarray], grads: bool) -> tuple[list[np.ndarray], list[Any]]:
    ts = [m.constant(x) for x in xs]
    with m.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        outs = f(m, *ts)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        floats = [o for o in outs if o.dtype.is_floating]
        y = m.add_n([m.reduce_sum(o * o) for o in floats])
    if not grads:
        return [o.numpy() for o in outs], []
    gs = tape.gradient(y, ts)
    return [o.numpy() for o in outs], [None if g is None else m.convert_to_tensor(g).numpy() for g in gs]


def _same(f: Callable[..., Any], xs: list[np.ndarray], atol: float = 1e-5, grads: bool = True) -> None:
    (want, want_g), (got, got_g) = _run(tf_real, f, xs, grads), _run(tj, f, xs, grads)
    for w, g in zip(want, got, strict=True):
        assert w.dtype == g.dtype and w.shape == g.shape
        np.testing.assert_allclose(g, w, atol=atol, rtol=atol)
    if grads:
        for w, g in zip(want_g, got_g, strict=True):
            assert (w is None) == (g is None)
            if w is not None:
                np.testing.assert_allclose(g, w, atol=atol, rtol=atol)


CASES: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "sqrtm": (
        lambda m, x: m.linalg.sqrtm(m.matmul(x, x, transpose_b=True) + 3 * m.eye(3, dtype=x.dtype)),
        [RNG.standard_normal((2, 3, 3))],
    ),
    "conv": (
        lambda m, x, w: m.conv(x, w, [1, 2, 1, 1], "SAME"),
        [RNG.standard_normal((2, 5, 6, 3)), RNG.standard_normal((3, 2, 3, 4))],
    ),
    "isotonic": (lambda m, x: m.nn.isotonic_regression(x, axis=0)[0], [RNG.standard_normal((6, 3))]),
    "isotonic_segments": (lambda m, x: m.nn.isotonic_regression(x, decreasing=False), [RNG.standard_normal((2, 7))]),
    "approx_top_k": (lambda m, x: m.approx_top_k(x, 3), [RNG.standard_normal((4, 9)).astype(np.float32)]),
    "eigh_tridiagonal_values": (
        lambda m, a, b: m.linalg.eigh_tridiagonal(a, b),
        [RNG.standard_normal(5), RNG.standard_normal(4)],
    ),
    "volume_patches": (
        lambda m, x: m.extract_volume_patches(x, [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME"),
        [RNG.standard_normal((1, 3, 5, 4, 2))],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name):
    f, xs = CASES[name]
    # TF's eigh_tridiagonal gradient runs through its bisection (not the eigenvalues' derivative);
    # TF registers no gradient for Conv (LookupError).
    _same(f, xs, grads=name not in ("eigh_tridiagonal_values", "conv"))


def test_logm_and_nms_family_match_tensorflow():
    m = RNG.standard_normal((4, 4)) + 1j * RNG.standard_normal((4, 4)) + 3 * np.eye(4)
    np.testing.assert_allclose(tj.linalg.logm(m).numpy(), tf_real.linalg.logm(m).numpy(), atol=1e-10)
    ov, sc = RNG.uniform(size=(8, 8)).astype(np.float32), RNG.uniform(size=8).astype(np.float32)
    np.testing.assert_array_equal(
        tj.image.non_max_suppression_overlaps(ov, sc, 5, 0.4, 0.1).numpy(),
        tf_real.image.non_max_suppression_overlaps(ov, sc, 5, 0.4, 0.1).numpy(),
    )
    c, s = RNG.uniform(size=(2, 9, 1, 2)), RNG.uniform(0.02, 0.4, size=(2, 9, 1, 2))
    boxes = np.concatenate([c - s, c + s], -1).astype(np.float32)
    scores = RNG.uniform(size=(2, 9, 4)).astype(np.float32)
    for pad in (False, True):
        want = tf_real.image.combined_non_max_suppression(boxes, scores, 3, 7, 0.45, 0.1, pad_per_class=pad)
        got = tj.image.combined_non_max_suppression(boxes, scores, 3, 7, 0.45, 0.1, pad_per_class=pad)
        for w, g in zip(want, got, strict=True):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)


def test_samplers_and_sampled_losses_match_tensorflow():
    classes = np.array([[1, 7], [3, 0]], np.int64)
    for name in ("uniform_candidate_sampler", "log_uniform_candidate_sampler"):
        want = getattr(tf_real.random, name)(classes, 2, 5, False, 20)
        got = getattr(tj.random, name)(classes, 2, 5, False, 20)
        np.testing.assert_allclose(got[1].numpy(), want[1].numpy(), rtol=1e-6)
        assert [t.dtype.name for t in got] == [t.dtype.name for t in want]
    w, b = RNG.standard_normal((20, 4)).astype(np.float32), RNG.standard_normal(20).astype(np.float32)
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    sv = (
        np.array([5, 1, 9], np.int64),
        np.array([[0.3, 0.2], [0.5, 0.1]], np.float32),
        np.array([0.2, 0.6, 0.3], np.float32),
    )
    for fn in ("nce_loss", "sampled_softmax_loss"):
        want = getattr(tf_real.nn, fn)(w, b, classes, x, 3, 20, num_true=2, sampled_values=sv)
        got = getattr(tj.nn, fn)(w, b, classes, x, 3, 20, num_true=2, sampled_values=sv)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


def test_glimpse_and_tensor_array_match_tensorflow():
    img = RNG.standard_normal((2, 6, 7, 2)).astype(np.float32)
    offsets = np.array([[0.2, -0.3], [-0.9, 0.8]], np.float32)
    for centered, normalized in ((True, True), (False, False), (True, False)):
        kw = {"centered": centered, "normalized": normalized, "noise": "zero"}
        np.testing.assert_array_equal(
            tj.image.extract_glimpse(img, [3, 4], offsets * (1 if normalized else 4), **kw).numpy(),
            tf_real.image.extract_glimpse(img, [3, 4], offsets * (1 if normalized else 4), **kw).numpy(),
        )
    results = []
    for m in (tf_real, tj):
        ta = m.TensorArray(m.float32, size=0, dynamic_size=True, clear_after_read=False)
        for i in range(3):
            ta = ta.write(i, m.constant([float(i), 2.0 * i]))
        results.append((ta.stack().numpy(), ta.gather([2, 0]).numpy(), ta.concat().numpy(), int(ta.size())))
    for w, g in zip(*results, strict=True):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
