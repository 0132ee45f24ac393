"""compile() with nested loss/metric/weight structures: values, Keras 3.15's log names, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


@pytest.fixture
def float64():
    tf.keras.backend.clear_session()
    tf.keras.backend.set_floatx("float64")
    yield
    tf.keras.backend.set_floatx("float32")


def _nested_model():
    inp = tf.keras.Input((3,), name="x")
    a = tf.keras.layers.Dense(2, name="dense_a")(inp)
    b = tf.keras.layers.Dense(1, activation="sigmoid", name="dense_b")(inp)
    c = tf.keras.layers.Dense(4, activation="softmax", name="dense_c")(inp)
    return tf.keras.Model(inp, {"a": a, "bc": [b, c]})


def test_dict_of_lists_losses_weights_metrics_and_sample_weights(float64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3))
    y = {"a": rng.normal(size=(6, 2)), "bc": [(rng.random((6, 1)) > 0.5) * 1.0, np.eye(4)[np.arange(6) % 4]]}
    w_a, w_b = np.linspace(0.5, 1.5, 6), np.linspace(2.0, 1.0, 6)
    model = _nested_model()
    model.compile(
        "sgd",
        loss={"a": "mse", "bc": ["binary_crossentropy", "categorical_crossentropy"]},
        loss_weights={"a": 0.5, "bc": [1.0, 2.0]},
        metrics={"a": ["mae"], "bc": [["accuracy"], ["accuracy", "mse"]]},
        weighted_metrics={"a": ["mae"], "bc": [None, None]},
    )
    sample_weight = {"a": w_a, "bc": [w_b, np.ones(6)]}
    logs = model.evaluate(x, y, sample_weight=sample_weight, batch_size=6, verbose=0, return_dict=True)
    # Names and order as Keras 3.15 gives them for this model (checked there).
    assert list(logs) == [
        "a_loss", "bc/dense_b_loss", "bc/dense_c_loss", "dense_a_mae", "dense_a_weighted_mae",
        "dense_b_accuracy", "dense_c_accuracy", "dense_c_mse", "loss",
    ]  # fmt: skip
    assert model.metrics_names == ["loss", "compile_metrics", "a_loss", "bc/dense_b_loss", "bc/dense_c_loss"]
    pred = model.predict(x, verbose=0)
    p_a, p_b, p_c = pred["a"], pred["bc"][0], pred["bc"][1]
    eps = 1e-7
    mse_a = np.sum(((p_a - y["a"]) ** 2).mean(-1) * w_a) / 6
    pb = np.clip(p_b, eps, 1 - eps)
    bce = np.sum(-(y["bc"][0] * np.log(pb) + (1 - y["bc"][0]) * np.log(1 - pb)).mean(-1) * w_b) / 6
    cce = np.mean(-np.sum(y["bc"][1] * np.log(np.clip(p_c / p_c.sum(-1, keepdims=True), eps, 1 - eps)), -1))
    np.testing.assert_allclose(logs["a_loss"], mse_a, rtol=1e-6)
    np.testing.assert_allclose(logs["bc/dense_b_loss"], bce, rtol=1e-6)
    np.testing.assert_allclose(logs["bc/dense_c_loss"], cce, rtol=1e-6)
    np.testing.assert_allclose(logs["loss"], 0.5 * mse_a + bce + 2.0 * cce, rtol=1e-6)
    np.testing.assert_allclose(logs["dense_a_mae"], np.abs(p_a - y["a"]).mean(), rtol=1e-6)
    np.testing.assert_allclose(
        logs["dense_a_weighted_mae"], np.sum(np.abs(p_a - y["a"]).mean(-1) * w_a) / w_a.sum(), rtol=1e-6
    )
    np.testing.assert_allclose(logs["dense_c_mse"], ((p_c - y["bc"][1]) ** 2).mean(), rtol=1e-6)
    np.testing.assert_allclose(logs["dense_c_accuracy"], np.mean(p_c.argmax(-1) == np.arange(6) % 4))

    # An output without a loss; flat weights follow the flattened loss structure: a -> 2.0, bc[0] -> 1.0 (no
    # loss), bc[1] -> 3.0.
    model.compile("sgd", loss={"a": "mse", "bc": [None, "mse"]}, loss_weights=[2.0, 1.0, 3.0])
    logs = model.evaluate(x, y, batch_size=6, verbose=0, return_dict=True)
    assert list(logs) == ["a_loss", "bc/dense_c_loss", "loss"]
    mse_c = ((p_c - y["bc"][1]) ** 2).mean()
    np.testing.assert_allclose(logs["loss"], 2.0 * ((p_a - y["a"]) ** 2).mean() + 3.0 * mse_c, rtol=1e-6)
    np.testing.assert_allclose(logs["bc/dense_c_loss"], mse_c, rtol=1e-6)


def test_nested_structure_errors_are_keras():
    x = np.zeros((4, 3), "float32")
    y = {"a": np.ones((4, 2), "float32"), "bc": [np.ones((4, 1), "float32"), np.eye(4, dtype="float32")]}
    model = _nested_model()
    model.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match="You should provide one `sample_weight` array per output in `y`"):
        model.fit(x, y, sample_weight=[np.ones(4), np.ones(4)], verbose=0)
    with pytest.raises(ValueError, match="it should only have one scalar score per sample"):
        model.fit(x, y, sample_weight=np.ones((4, 2)), verbose=0)
    model.compile("sgd", loss="mse", metrics=["mae"])
    with pytest.raises(ValueError, match=r"(?s)Expected an instance of dict.*Invalid `metrics`.*output names of the"):
        model.evaluate(x, y, verbose=0)
    model.compile("sgd", loss=["mse", "mse"], loss_weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="`loss_weights` must match the number of losses, got 2 losses and 3"):
        model.evaluate(x, y, verbose=0)
