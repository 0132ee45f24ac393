"""Parity with real Keras 3.15 (TensorFlow backend): output structures, fit's reported values, final weights.

Run in the TF venv: ``/tmp/tfenv/bin/python -m pytest -q -p no:cacheprovider tests/test_keras_value_parity.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
keras_real = pytest.importorskip("keras")

import tapejax as tf  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    yield
    # Real Keras fixes its global dtype policy at the first layer it builds (from floatx then): without
    # this, a later test that sets floatx would still get float32 layers from it.
    keras_real.backend.clear_session()
    tf.keras.backend.clear_session()


RNG = np.random.default_rng(3)
X = RNG.normal(size=(10, 4)).astype(np.float32)
Y_CLASS = RNG.integers(0, 3, size=(10,))
Y_REG = RNG.normal(size=(10, 2)).astype(np.float32)
SAMPLE_WEIGHT = RNG.uniform(0.1, 2.0, size=(10,)).astype(np.float32)
W_HIDDEN = (RNG.normal(size=(4, 5)) * 0.5).astype(np.float32)
W_OUT = (RNG.normal(size=(5, 3)) * 0.5).astype(np.float32)


def _structure(x: object) -> object:
    if isinstance(x, (list, tuple)):
        return type(x)(_structure(e) for e in x)
    if isinstance(x, dict):
        return {k: _structure(v) for k, v in x.items()}
    return "A" if isinstance(x, np.ndarray) else "T"


@pytest.mark.parametrize("kind", ["list1", "tuple1", "dict1", "list2", "nested"])
def test_call_predict_structures_match(kind: str) -> None:
    def build(keras: object) -> tuple[object, object, object]:
        inp = keras.Input((4,))
        a = keras.layers.Dense(2, name="a")(inp)
        b = keras.layers.Dense(3, name="b")(inp)
        outputs = {"list1": [a], "tuple1": (a,), "dict1": {"k": a}, "list2": [a, b], "nested": {"k": [a], "j": (b,)}}
        model = keras.Model(inp, outputs[kind])
        return _structure(model(X)), _structure(model.predict(X, verbose=0)), model.output_shape

    assert build(tf.keras) == build(keras_real)


def _fit_logs(keras: object, **compile_kwargs: object) -> tuple[dict[str, list[float]], list[float], np.ndarray]:
    inp = keras.Input((4,))
    hidden = keras.layers.Dense(5, activation="relu", name="h")(inp)
    o1 = keras.layers.Dense(3, activation="softmax", name="o1")(hidden)
    o2 = keras.layers.Dense(2, name="o2")(hidden)
    model = keras.Model(inp, [o1, o2])
    model.get_layer("h").set_weights([W_HIDDEN, np.zeros(5, np.float32)])
    model.get_layer("o1").set_weights([W_OUT, np.zeros(3, np.float32)])
    model.get_layer("o2").set_weights([W_OUT[:, :2], np.zeros(2, np.float32)])
    model.compile(
        loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]],
        **compile_kwargs,
    )  # fmt: skip
    history = model.fit(
        X, [Y_CLASS, Y_REG], sample_weight=SAMPLE_WEIGHT, batch_size=4, epochs=2, verbose=0, shuffle=False
    ).history
    evaluated = model.evaluate(X, [Y_CLASS, Y_REG], batch_size=3, verbose=0)
    return history, evaluated, model.get_layer("o1").get_weights()[0]


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_multi_output_fit_history_evaluate_and_weights_match(run_eagerly: bool) -> None:
    def optimizer(keras: object) -> object:
        return keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8)

    ours = _fit_logs(tf.keras, optimizer=optimizer(tf.keras), run_eagerly=run_eagerly)
    theirs = _fit_logs(keras_real, optimizer=optimizer(keras_real), run_eagerly=run_eagerly)
    assert sorted(ours[0]) == sorted(theirs[0])
    for name in theirs[0]:
        np.testing.assert_allclose(ours[0][name], theirs[0][name], rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-4, atol=1e-6)


def test_one_input_in_a_list_matches() -> None:
    def run(keras: object) -> np.ndarray:
        inp = keras.Input((4,))
        model = keras.Model([inp], keras.layers.Dense(2, kernel_initializer="ones")(inp))
        return np.asarray(model([X]))

    np.testing.assert_allclose(run(tf.keras), run(keras_real), rtol=1e-6)


def test_target_dict_naming_no_output_fails_in_both() -> None:
    for keras in (tf.keras, keras_real):
        inp = keras.Input((4,))
        model = keras.Model(inp, keras.layers.Dense(2, name="d")(inp))
        model.compile("sgd", "mse")
        with pytest.raises(TypeError):
            model.fit(X, {"other": Y_REG}, epochs=1, verbose=0)
