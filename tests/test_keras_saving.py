"""Keras 3 saving: ``.weights.h5`` layout (the groups and datasets Keras 3.15 writes for the same
models, checked in Keras), round trips, Keras' errors with the weights left unchanged, ``.keras``
archives, custom objects, ``to_json``/``model_from_json``, and h5py as an optional dependency."""

from __future__ import annotations

import json
import sys
import zipfile

import numpy as np
import pytest

import tapejax as tf

h5py = pytest.importorskip("h5py")

L = tf.keras.layers
_X = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)


def _layout(path):
    out = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = (tuple(obj.shape), obj.dtype.name)
            elif "name" in obj.attrs:
                out[name] = obj.attrs["name"]

        f.visititems(visit)
    return out


def _sequential():
    return tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4), L.BatchNormalization(), L.Dense(2)])


def _randomize(model, seed=1):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.uniform(0.5, 1.5, size=tuple(w.shape)).astype(np.float32))


def test_sequential_layout_is_keras(tmp_path):
    tf.keras.backend.clear_session()
    _sequential().save_weights(tmp_path / "m.weights.h5")
    f32 = "float32"
    assert _layout(tmp_path / "m.weights.h5") == {
        "layers/batch_normalization/vars": "batch_normalization",
        **{f"layers/batch_normalization/vars/{i}": ((4,), f32) for i in range(4)},
        "layers/dense/vars": "dense",
        "layers/dense/vars/0": ((3, 4), f32),
        "layers/dense/vars/1": ((4,), f32),
        "layers/dense_1/vars": "dense_1",
        "layers/dense_1/vars/0": ((4, 2), f32),
        "layers/dense_1/vars/1": ((2,), f32),
        "vars": "sequential",
    }


class _MLP(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(4)
        self.blocks = [L.Dense(3), L.Dense(3)]
        self.out = L.Dense(1)
        self.opt = tf.keras.optimizers.Adam()

    def build(self, input_shape):  # (builds the sublayers without a call: faster)
        for block in self.blocks:
            block.build((None, 3))
        self.hidden.build((None, 3))
        self.out.build((None, 4))
        self.opt.build(self.hidden.trainable_weights)

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.out(self.hidden(x))


def test_subclassed_layout_is_keras(tmp_path):
    # Attributes in sorted order, lists by class name, `layers` (a Model property) holds `out`, found
    # last; an optimizer attribute stores iterations, learning rate, then each variable's slots.
    tf.keras.backend.clear_session()
    model = _MLP()
    model.build((None, 3))
    model.save_weights(tmp_path / "m.weights.h5")
    layout = _layout(tmp_path / "m.weights.h5")
    assert [k for k in layout if k.endswith("/vars") or k == "vars"] == [
        "blocks/dense/vars",
        "blocks/dense_1/vars",
        "hidden/vars",
        "layers/dense_3/vars",
        "opt/vars",
        "vars",
    ]
    assert [layout[f"opt/vars/{i}"] for i in range(6)] == [
        ((), "int64"),
        ((), "float32"),
        ((3, 4), "float32"),
        ((3, 4), "float32"),
        ((4,), "float32"),
        ((4,), "float32"),
    ]
    other = _MLP()
    other.build((None, 3))
    _randomize(model)
    model.opt.iterations.assign(5)
    model.save_weights(tmp_path / "m.weights.h5")
    other.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(model.weights, other.weights, strict=True):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    assert int(other.opt.iterations.numpy()) == 5


def test_mismatched_file_raises_keras_error_and_changes_nothing(tmp_path):
    tf.keras.backend.clear_session()
    tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4), L.Dense(2)]).save_weights(tmp_path / "a.weights.h5")
    wrong = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(5), L.Dense(2)])
    before = [w.numpy() for w in wrong.weights]
    with pytest.raises(ValueError) as info:
        wrong.load_weights(tmp_path / "a.weights.h5")
    message = str(info.value)
    assert message.startswith(
        "A total of 2 objects could not be loaded. Example error message for object <Dense name=dense_2, built=True>:"
        "\n\nThe shape of the target variable and the shape of the target value in `variable.assign(value)` must "
        "match. variable.shape=(3, 5), Received: value.shape=(3, 4). Target variable: <Variable path="
    )
    assert message.endswith(
        "List of objects that could not be loaded:\n[<Dense name=dense_2, built=True>, <Dense name=dense_3, built=True>]"
    )
    for a, b in zip(before, wrong.weights, strict=True):
        np.testing.assert_array_equal(b.numpy(), a)
    no_bias = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4, use_bias=False), L.Dense(2)])
    with pytest.raises(ValueError, match=r"Layer 'dense_4' expected 1 variables, but received 2 variables"):
        no_bias.load_weights(tmp_path / "a.weights.h5")
    # skip_mismatch: a warning instead (the objects that match are loaded: here the second layer).
    with pytest.warns(UserWarning, match="A total of 1 objects could not be loaded"):
        no_bias.load_weights(tmp_path / "a.weights.h5", skip_mismatch=True)
    with h5py.File(tmp_path / "a.weights.h5", "r") as f:
        np.testing.assert_array_equal(no_bias.layers[1].kernel.numpy(), f["layers/dense_1/vars/0"][()])


def test_file_errors(tmp_path):
    tf.keras.backend.clear_session()
    model = _sequential()
    with pytest.raises(ValueError, match=r"The filename must end in `\.weights\.h5`\. Received: filepath=.*a\.h5"):
        model.save_weights(tmp_path / "a.h5")
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "missing.weights.h5")
    (tmp_path / "bad.weights.h5").write_text("junk")
    with pytest.raises(OSError, match="file signature not found"):
        model.load_weights(tmp_path / "bad.weights.h5")
    for name in ("missing.keras", "bad.keras"):  # (Keras' message for both)
        (tmp_path / "bad.keras").write_text("junk")
        with pytest.raises(ValueError, match=r"File not found: filepath=.*\. Please ensure the file is an accessible"):
            tf.keras.models.load_model(tmp_path / name)
    unbuilt = tf.keras.Sequential([L.Dense(4)])
    with pytest.raises(ValueError, match="You are saving a model that has not yet been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")
    model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="You are loading weights into a model that has not yet been built"):
        unbuilt.load_weights(tmp_path / "m.weights.h5")


def test_keras_archive_round_trip(tmp_path):
    tf.keras.backend.clear_session()
    model = _sequential()
    _randomize(model)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        assert set(json.loads(archive.read("metadata.json"))) == {"keras_version", "date_saved"}
    assert (config["module"], config["class_name"], config["registered_name"]) == ("keras", "Sequential", None)
    assert config["build_config"] == {"input_shape": [None, 3]} and config["compile_config"] == {}
    loaded = tf.keras.models.load_model(tmp_path / "m.keras")
    assert loaded.get_config() == model.get_config()
    for a, b in zip(loaded.weights, model.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # (the two calls may run as differently fused programs, e.g. when the test runs alone: the lazy
    # engine's last-bit rounding differences; the weights above are compared exactly)
    np.testing.assert_allclose(np.asarray(loaded(_X)), np.asarray(model(_X)), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"Invalid `filepath` argument: expected a `\.keras` extension"):
        model.save(tmp_path / "m.zip")
    # load_weights also reads an archive.
    other = _sequential()
    other.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(np.asarray(other(_X)), np.asarray(model(_X)))


def test_functional_archive_and_json(tmp_path):
    tf.keras.backend.clear_session()
    x = tf.keras.Input((3,), name="x")
    shared = L.Dense(3, name="shared")
    y = shared(shared(x))
    model = tf.keras.Model(x, [L.Dense(2, name="a")(y), L.Dense(1, name="b")(y)], name="two")
    _randomize(model)
    model.save(tmp_path / "f.keras")
    loaded = tf.keras.models.load_model(tmp_path / "f.keras")
    assert type(loaded).__name__ == "Functional" and loaded.name == "two"
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for a, b in zip(model(_X), loaded(_X), strict=True):
        np.testing.assert_array_equal(np.asarray(b), np.asarray(a))
    other = tf.keras.models.model_from_json(model.to_json())
    other.load_weights(tmp_path / "f.keras")
    for a, b in zip(model.weights, other.weights, strict=True):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    fresh = tf.keras.models.model_from_json(model.to_json())
    assert fresh.get_config() == model.get_config()
    assert [tuple(w.shape) for w in fresh.weights] == [tuple(w.shape) for w in model.weights]


@tf.keras.saving.register_keras_serializable(package="tests")
class _Scale(tf.keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class _Unregistered(_Scale):
    pass


def test_custom_objects(tmp_path):
    tf.keras.backend.clear_session()
    assert tf.keras.saving.get_registered_name(_Scale) == "tests>_Scale"
    assert tf.keras.saving.get_registered_object("tests>_Scale") is _Scale
    model = tf.keras.Sequential([tf.keras.Input((3,)), _Scale(3.0)])
    model.layers[0].w.assign([1.0, 2.0, 3.0])
    model.save(tmp_path / "c.keras")
    loaded = tf.keras.models.load_model(tmp_path / "c.keras")
    np.testing.assert_allclose(np.asarray(loaded(_X)), _X * [3.0, 6.0, 9.0], rtol=1e-6)
    other = tf.keras.Sequential([tf.keras.Input((3,)), _Unregistered(3.0)])
    other.save(tmp_path / "u.keras")
    with pytest.raises(TypeError, match="Could not locate class '_Unregistered'"):
        tf.keras.models.load_model(tmp_path / "u.keras")
    assert type(tf.keras.models.load_model(tmp_path / "u.keras", custom_objects={"_Unregistered": _Unregistered}))
    with tf.keras.saving.custom_object_scope({"_Unregistered": _Unregistered}):
        assert isinstance(tf.keras.models.load_model(tmp_path / "u.keras").layers[0], _Unregistered)
    with pytest.raises(ValueError, match=r"Cannot register a class that does not have a get_config\(\) method\."):
        tf.keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


@tf.keras.saving.register_keras_serializable(package="tests")
class _Regressor(tf.keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units)
        self.out = L.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model_archive_round_trip(tmp_path):
    # Rebuilt from its build config by a symbolic call (Keras' default build), then its weights loaded.
    tf.keras.backend.clear_session()
    model = _Regressor(units=3)
    expected = np.asarray(model(_X))
    model.save(tmp_path / "s.keras")
    loaded = tf.keras.models.load_model(tmp_path / "s.keras")
    assert isinstance(loaded, _Regressor) and loaded.units == 3
    np.testing.assert_array_equal(np.asarray(loaded(_X)), expected)


def test_registered_class_named_like_a_builtin_shadows_nothing(tmp_path):
    tf.keras.backend.clear_session()

    @tf.keras.saving.register_keras_serializable(package="tests_shadow", name="Dense")
    class Dense(L.Dense):
        pass

    tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(2)]).save(tmp_path / "plain.keras")
    tf.keras.Sequential([tf.keras.Input((3,)), Dense(2)]).save(tmp_path / "custom.keras")
    assert type(tf.keras.models.load_model(tmp_path / "plain.keras").layers[0]) is L.Dense
    assert type(tf.keras.models.load_model(tmp_path / "custom.keras").layers[0]) is Dense


def test_dense_takes_keras_quantization_config():
    assert L.Dense(2).get_config()["quantization_config"] is None
    assert L.Dense.from_config(L.Dense(2).get_config()).units == 2
    with pytest.raises(ValueError, match="does not implement quantization"):
        L.Dense(2, quantization_config={"mode": "int8"})


def test_h5py_is_optional(tmp_path, monkeypatch):
    tf.keras.backend.clear_session()
    model = _sequential()
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install tapejax\[keras\]"):
        model.save_weights(tmp_path / "m.weights.h5")


def test_compiled_model_keeps_optimizer_state_and_compile(tmp_path):
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(2)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    model.fit(np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32), batch_size=2, epochs=1, verbose=0)
    model.save(tmp_path / "c.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["compile_config"]["loss"] == "mse"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    loaded = tf.keras.models.load_model(tmp_path / "c.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 2
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    assert tf.keras.models.load_model(tmp_path / "c.keras", compile=False).optimizer is None


@tf.keras.saving.register_keras_serializable(package="tests")
class _Block(tf.keras.layers.Layer):
    """A layer holding a layer: its config serializes it (the Keras pattern)."""

    def __init__(self, inner=None, **kwargs):
        super().__init__(**kwargs)
        self.inner = tf.keras.saving.deserialize_keras_object(inner) if isinstance(inner, dict) else inner

    def call(self, x):
        return self.inner(x)

    def get_config(self):
        return {**super().get_config(), "inner": tf.keras.saving.serialize_keras_object(self.inner)}


def test_serialize_and_deserialize_keras_object(tmp_path):
    tf.keras.backend.clear_session()
    S = tf.keras.saving
    config = S.serialize_keras_object(L.Dense(3, name="d"))
    assert (config["module"], config["class_name"], config["registered_name"]) == ("keras.layers", "Dense", None)
    assert S.deserialize_keras_object(config).get_config() == L.Dense(3, name="d").get_config()
    assert S.serialize_keras_object(_Block(L.Dense(2)))["registered_name"] == "tests>_Block"
    adam = S.deserialize_keras_object(S.serialize_keras_object(tf.keras.optimizers.Adam(0.5)))
    assert type(adam).__name__ == "Adam" and float(adam.learning_rate.numpy()) == 0.5
    assert S.deserialize_keras_object(S.serialize_keras_object(tf.keras.regularizers.L2(0.25))).get_config() == {
        "l2": 0.25
    }
    assert type(S.deserialize_keras_object(S.serialize_keras_object(tf.keras.losses.Huber()))).__name__ == "Huber"
    assert S.deserialize_keras_object([1, {"a": 2}]) == [1, {"a": 2}]
    model = tf.keras.Sequential([tf.keras.Input((3,)), _Block(L.Dense(2, kernel_initializer="ones"))])
    model.save(tmp_path / "b.keras")
    loaded = tf.keras.models.load_model(tmp_path / "b.keras")
    assert loaded.layers[0].inner.units == 2
    np.testing.assert_allclose(np.asarray(loaded(_X)), np.asarray(model(_X)), rtol=1e-6, atol=1e-6)
