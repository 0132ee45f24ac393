"""Parity with real Keras 3.15: ``.weights.h5`` files written by Keras load into the same architecture
built from tapejax's layers, and the other way round (the files hold the same groups and datasets);
``.keras`` archives load both ways; a mismatched file raises Keras' exact message."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

import tapejax as tf  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TF's own numpy-2 __array__ warning


def _sequential(k):
    L = k.layers
    return k.Sequential([k.Input((3,)), L.Dense(4, activation="relu"), L.BatchNormalization(), L.Dense(2)])


def _functional(k):
    L = k.layers
    x = k.Input((3,), name="x")
    h = L.Dense(4)(x)
    return k.Model(x, [L.Dense(2)(h), L.Dense(2)(h)])


def _nested(k):
    L = k.layers
    inner = k.Sequential([k.Input((3,)), L.Dense(2)])
    return k.Sequential([k.Input((3,)), inner, L.Dense(1)])


def _subclassed(k):
    L = k.layers

    class MLP(k.Model):
        def __init__(self):
            super().__init__()
            self.hidden = L.Dense(4)
            self.blocks = [L.Dense(3), L.Dense(3)]
            self.out = L.Dense(1)

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return self.out(self.hidden(x))

    model = MLP()
    model(np.zeros((1, 3), np.float32))
    return model


def _layout(path):
    entries = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            entries[name] = tuple(obj.shape) if isinstance(obj, h5py.Dataset) else "group"

        f.visititems(visit)
    return entries


def _outputs(model, x):
    out = model(x)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("make", [_sequential, _functional, _nested, _subclassed])
def test_weights_h5_both_ways(make, tmp_path):
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    keras_real.utils.clear_session()
    tf.keras.backend.clear_session()
    theirs = make(keras_real)
    ours = make(tf.keras)
    # Keras -> tapejax (the batch-norm statistics too: they are set to non-default values first).
    for w in theirs.weights:
        w.assign(np.random.default_rng(len(w.path)).normal(size=w.shape).astype(np.float32) ** 2)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.load_weights(tmp_path / "k.weights.h5")
    for a, b in zip(_outputs(theirs, x), _outputs(ours, tf.constant(x)), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    # tapejax -> Keras: the same layout, and Keras reads it.
    ours.save_weights(tmp_path / "t.weights.h5")
    assert _layout(tmp_path / "t.weights.h5") == _layout(tmp_path / "k.weights.h5")
    fresh = make(keras_real)
    fresh.load_weights(tmp_path / "t.weights.h5")
    for a, b in zip(_outputs(fresh, x), _outputs(ours, tf.constant(x)), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_mismatch_error_matches_keras(tmp_path):
    keras_real.utils.clear_session()
    tf.keras.backend.clear_session()
    L = keras_real.layers
    keras_real.Sequential([keras_real.Input((3,)), L.Dense(4), L.Dense(2)]).save_weights(tmp_path / "k.weights.h5")
    wrong = keras_real.Sequential([keras_real.Input((3,)), L.Dense(4, use_bias=False), L.Dense(2)])
    with pytest.raises(ValueError) as theirs:
        wrong.load_weights(tmp_path / "k.weights.h5")
    T = tf.keras.layers
    ours_model = tf.keras.Sequential(
        [
            tf.keras.Input((3,)),
            T.Dense(4, use_bias=False, name=wrong.layers[0].name),
            T.Dense(2, name=wrong.layers[1].name),
        ]
    )
    with pytest.raises(ValueError) as ours:
        ours_model.load_weights(tmp_path / "k.weights.h5")
    assert str(ours.value) == str(theirs.value)


def _shared_functional(k):
    x = k.Input((3,), name="x")
    shared = k.layers.Dense(3, name="shared")
    y = shared(shared(x))
    return k.Model(x, [k.layers.Dense(2, name="a")(y), k.layers.Dense(1, name="b")(y)], name="two")


def _nested_functional(k):
    i = k.Input((3,), name="i")
    inner = k.Model(i, k.layers.Dense(2, name="d")(i), name="inner")
    x = k.Input((3,), name="x")
    return k.Model(x, k.layers.Dense(1, name="o")(inner(x)), name="outer")


def _strip_ids(config):
    if isinstance(config, dict):
        return {k: _strip_ids(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [_strip_ids(v) for v in config]
    return config


@pytest.mark.parametrize("make", [_sequential, _shared_functional])
def test_model_configs_equal_keras(make):
    keras_real.utils.clear_session()
    tf.keras.backend.clear_session()
    theirs = json.loads(json.dumps(make(keras_real).get_config()))
    ours = json.loads(json.dumps(make(tf.keras).get_config()))
    assert _strip_ids(ours) == _strip_ids(theirs)


@pytest.mark.parametrize("make", [_sequential, _shared_functional, _nested_functional])
def test_keras_archives_both_ways(make, tmp_path):
    x = np.random.default_rng(2).normal(size=(2, 3)).astype(np.float32)
    keras_real.utils.clear_session()
    tf.keras.backend.clear_session()
    theirs = make(keras_real)
    theirs.save(tmp_path / "k.keras")
    ours = tf.keras.models.load_model(tmp_path / "k.keras")
    for a, b in zip(_outputs(theirs, x), _outputs(ours, tf.constant(x)), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "t.keras")
    back = keras_real.models.load_model(tmp_path / "t.keras")
    assert type(back).__name__ == type(theirs).__name__
    for a, b in zip(_outputs(back, x), _outputs(ours, tf.constant(x)), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_compiled_model_with_optimizer_state_both_ways(tmp_path):
    x = np.random.default_rng(3).normal(size=(8, 3)).astype(np.float32)
    y = np.zeros((8, 2), np.float32)

    def make(k):
        model = _sequential(k)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        return model

    keras_real.utils.clear_session()
    tf.keras.backend.clear_session()
    theirs, ours = make(keras_real), make(tf.keras)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.save_weights(tmp_path / "t.weights.h5")
    assert _layout(tmp_path / "t.weights.h5") == _layout(tmp_path / "k.weights.h5")  # (optimizer/vars/0..13 too)
    ours.load_weights(tmp_path / "k.weights.h5")
    for a, b in zip(theirs.optimizer.variables, ours.optimizer.variables, strict=True):
        np.testing.assert_array_equal(b.numpy(), np.asarray(a))
    ours.save(tmp_path / "t.keras")
    back = keras_real.models.load_model(tmp_path / "t.keras")
    assert int(back.optimizer.iterations.numpy()) == 2
    theirs.save(tmp_path / "k.keras")
    assert int(tf.keras.models.load_model(tmp_path / "k.keras").optimizer.iterations.numpy()) == 2
