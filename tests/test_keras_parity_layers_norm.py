"""Parity of tapejax's normalization layers with real Keras 3.15 (runs only where keras is installed)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
import tensorflow as real_tf  # noqa: E402

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(0)


def _pair(name, weights=None, **config):
    real = getattr(keras_real.layers, name)(**config)
    ours = getattr(tf.keras.layers, name)(**config)
    return real, ours


def _set_same(real, ours, shape):
    real.build(shape)
    ours.build(shape)
    ws = [RNG.standard_normal(w.shape).astype(np.float32) for w in real.weights]
    ws = [
        np.abs(w) + 0.5 if "variance" in w_.path or "stddev" in w_.path else w
        for w, w_ in zip(ws, real.weights, strict=True)
    ]
    real.set_weights(ws)
    ours.set_weights(ws)


def _grads_real(layer, x, **kw):
    xt = real_tf.constant(x)
    with real_tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, **kw)
        loss = real_tf.reduce_sum(y * real_tf.sin(y))
    gx, *gw = tape.gradient(loss, [xt, *layer.trainable_weights])
    return y.numpy(), gx.numpy(), [g.numpy() for g in gw]


def _grads_ours(layer, x, **kw):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, **kw)
        loss = tf.reduce_sum(y * tf.sin(y))
    gx, *gw = tape.gradient(loss, [xt, *layer.trainable_weights])
    return y.numpy(), gx.numpy(), [g.numpy() for g in gw]


def _check(real, ours, x, **kw):
    yr, gxr, gwr = _grads_real(real, x, **kw)
    yo, gxo, gwo = _grads_ours(ours, x, **kw)
    np.testing.assert_allclose(yo, yr, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gxo, gxr, rtol=1e-4, atol=1e-4)
    assert len(gwo) == len(gwr)
    for a, b in zip(gwo, gwr, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    for a, b in zip(ours.get_weights(), real.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


CASES = [
    ("BatchNormalization", {}, (4, 3), {"training": True}),
    ("BatchNormalization", {}, (4, 3), {"training": False}),
    ("BatchNormalization", {"axis": 1, "momentum": 0.5, "center": False}, (2, 3, 4), {"training": True}),
    ("BatchNormalization", {"scale": False, "epsilon": 0.1}, (2, 2, 2, 3), {"training": True}),
    (
        "BatchNormalization",
        {"renorm": True, "renorm_clipping": {"rmax": 1.2, "rmin": 0.8, "dmax": 0.3}},
        (5, 3),
        {"training": True},
    ),
    ("LayerNormalization", {}, (3, 5), {}),
    ("LayerNormalization", {"axis": [1, 2], "epsilon": 0.01}, (2, 3, 4), {}),
    ("LayerNormalization", {"axis": 1, "center": False}, (2, 3, 4), {}),
    ("GroupNormalization", {"groups": 2}, (2, 3, 4), {}),
    ("GroupNormalization", {"groups": -1, "axis": 1}, (2, 4, 3), {}),
    ("GroupNormalization", {"groups": 3, "scale": False}, (2, 2, 2, 6), {}),
    ("UnitNormalization", {}, (3, 4), {}),
    ("UnitNormalization", {"axis": [1, 2]}, (2, 3, 4), {}),
    ("RMSNormalization", {}, (3, 4), {}),
    ("RMSNormalization", {"axis": [1, 2], "epsilon": 0.1}, (2, 3, 4), {}),
]


@pytest.mark.parametrize(("name", "config", "shape", "kw"), CASES)
def test_values_gradients_and_updates_match_keras(name, config, shape, kw):
    real, ours = _pair(name, **config)
    _set_same(real, ours, shape)
    x = RNG.standard_normal(shape).astype(np.float32) * 2 + 1
    _check(real, ours, x, **kw)
    assert [w.path.split("/")[-1] for w in ours.weights] == [w.path.split("/")[-1] for w in real.weights]
    assert [w.trainable for w in ours.weights] == [w.trainable for w in real.weights]


@pytest.mark.parametrize(("name", "config", "shape", "kw"), CASES)
def test_config_matches_keras(name, config, shape, kw):
    real, ours = _pair(name, **config)
    real.build(shape)
    ours.build(shape)
    rc, oc = real.get_config(), ours.get_config()
    rc.pop("name"), oc.pop("name")
    assert oc == rc


def test_batchnorm_masked_statistics_match_keras():
    real, ours = _pair("BatchNormalization", momentum=0.0)
    _set_same(real, ours, (2, 4, 3))
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    mask = np.array([[True, True, False, False], [True, False, True, True]])
    yr = real(x, training=True, mask=mask).numpy()
    yo = ours(tf.constant(x), training=True, mask=tf.constant(mask)).numpy()
    np.testing.assert_allclose(yo, yr, rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.get_weights(), real.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_layer_and_batch_normalization_dtypes_match_keras(dtype):
    for name in ("BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization"):
        cfg = {"groups": 2} if name == "GroupNormalization" else {}
        real, ours = _pair(name, **cfg)
        x = RNG.standard_normal((2, 4)).astype(dtype)
        yr = real(x, training=True) if name == "BatchNormalization" else real(x)
        yo = ours(tf.constant(x), training=True) if name == "BatchNormalization" else ours(tf.constant(x))
        assert yo.dtype.name == yr.dtype.name, name
        np.testing.assert_allclose(yo.numpy(), yr.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(("inner", "shape", "iterations"), [("Dense", (4, 3), 1), ("Conv2D", (2, 5, 5, 2), 3)])
def test_spectral_normalization_matches_keras(inner, shape, iterations):
    cfg = {"units": 3} if inner == "Dense" else {"filters": 4, "kernel_size": 3}
    real = keras_real.layers.SpectralNormalization(
        getattr(keras_real.layers, inner)(**cfg), power_iterations=iterations
    )
    ours = tf.keras.layers.SpectralNormalization(getattr(tf.keras.layers, inner)(**cfg), power_iterations=iterations)
    _set_same(real, ours, shape)
    # The same weights in the same order (kernel, vector_u, bias), each under the wrapper's path.
    assert [w.path.split("/")[-2:] for w in ours.weights] == [w.path.split("/")[-2:] for w in real.weights]
    x = RNG.standard_normal(shape).astype(np.float32)
    for _ in range(2):
        np.testing.assert_allclose(
            ours(tf.constant(x), training=True).numpy(), real(x, training=True).numpy(), rtol=1e-4, atol=1e-5
        )
    for a, b in zip(ours.get_weights(), real.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours(tf.constant(x)).numpy(), real(x).numpy(), rtol=1e-4, atol=1e-5)
    rc, oc = real.get_config(), ours.get_config()
    assert oc["power_iterations"] == rc["power_iterations"] and oc["layer"]["class_name"] == rc["layer"]["class_name"]
