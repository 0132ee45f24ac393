"""Parity with Keras 3.15 on TF 2.21 for the fixes of tests/test_wrong_values_s8.py (run in the TF venv).

Keras losses on edge values (NaN, +-inf, 0, 1, tiny, 1 - tiny): values and gradients with respect
to both inputs, and gradients through ``tf.function`` with respect to 0-size sources.
"""

from __future__ import annotations

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

_EDGE = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0, 1e-8, -1.0, 0.5, 1 - 1e-8, 2.0, -0.0, 30.0], np.float32)
_LOSSES = [
    ("MeanSquaredLogarithmicError", {}),
    ("Hinge", {}),
    ("CategoricalHinge", {}),
    ("KLDivergence", {}),
    ("BinaryCrossentropy", {}),
    ("CategoricalCrossentropy", {}),
    ("CategoricalCrossentropy", {"from_logits": True}),
    ("CategoricalFocalCrossentropy", {}),
    ("LogCosh", {}),
    ("Poisson", {}),
]


def _run(m, name, kwargs, yt, yp):
    vt, vp = m.Variable(yt), m.Variable(yp)
    with m.GradientTape() as t:
        y = getattr(m.keras.losses, name)(**kwargs)(vt, vp)
    gt, gp = t.gradient(y, [vt, vp])
    return [np.asarray(x.numpy(), np.float64) for x in (y, gt, gp)]


def _same(a, b):
    return (
        a.shape == b.shape
        and np.array_equal(np.isnan(a), np.isnan(b))
        and np.array_equal(np.isposinf(a), np.isposinf(b))
        and np.array_equal(np.isneginf(a), np.isneginf(b))
        and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=2e-4, atol=1e-6)
    )


@pytest.mark.parametrize(("name", "kwargs"), _LOSSES, ids=[f"{n}{'_logits' if k else ''}" for n, k in _LOSSES])
def test_keras_loss_values_and_gradients_on_edge_values_match_keras_on_tf(name, kwargs) -> None:
    rng = np.random.RandomState(0)
    for _ in range(3):
        yp = rng.choice(_EDGE, size=(4, 3)).astype(np.float32)
        if kwargs.get("from_logits"):
            yp[~np.isfinite(yp)] = 0.0  # (non-finite logits: TF's fused kernel differs, a known difference)
        yt = rng.choice(np.array([0.0, 1.0, 0.5, 0.2], np.float32), size=(4, 3))
        ours, theirs = _run(tf, name, kwargs, yt, yp), _run(tf_real, name, kwargs, yt, yp)
        for part, a, b in zip(("value", "grad y_true", "grad y_pred"), ours, theirs, strict=True):
            assert _same(a, b), f"{name}{kwargs} {part}\ny_true={yt.tolist()}\ny_pred={yp.tolist()}\nours {a}\nTF {b}"


@pytest.mark.parametrize("body", ["prod", "stop", "cond"])
def test_function_gradient_wrt_empty_sources_matches_tf(body) -> None:
    def grads(m):
        fns = {
            "prod": lambda v: m.reduce_prod(v, axis=0),
            "stop": lambda v: m.reduce_sum(m.stop_gradient(v)) + 1.0,
            "cond": lambda v: m.cond(m.constant(True), lambda: m.reduce_sum(v * 2.0), lambda: m.constant(0.0)),
        }
        f = m.function(fns[body])
        v = m.Variable(np.zeros((0,), np.float32))
        with m.GradientTape(persistent=True) as t:
            y = f(v)
        return [t.gradient(y, v, unconnected_gradients=u) for u in ("none", "zero")]

    for ours, theirs in zip(grads(tf), grads(tf_real), strict=True):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert tuple(ours.shape) == tuple(theirs.shape)
