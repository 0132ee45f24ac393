"""Parity of fit/evaluate/predict with real Keras 3.15 (runs where Keras is installed: /tmp/tfenv)."""

from __future__ import annotations

import re

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")

import tapejax as tf  # noqa: E402


@pytest.fixture
def float64():
    tf.keras.backend.clear_session()
    tf.keras.backend.set_floatx("float64")
    keras_real.config.set_floatx("float64")
    yield
    tf.keras.backend.set_floatx("float32")
    keras_real.config.set_floatx("float32")


def _pair(build):
    ours, theirs = build(tf.keras), build(keras_real)
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def test_history_evaluate_predict_equal_keras(float64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 3))
    labels = rng.integers(0, 3, size=(10,))

    def build(k):
        return k.Sequential(
            [k.Input((3,)), k.layers.Dense(5, activation="relu"), k.layers.Dense(3, activation="softmax")]
        )

    ours, theirs = _pair(build)
    for model, k in ((ours, tf.keras), (theirs, keras_real)):
        model.compile(k.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    kwargs = {"batch_size": 4, "epochs": 3, "shuffle": False, "verbose": 0, "validation_split": 0.2}
    h_ours, h_theirs = ours.fit(x, labels, **kwargs), theirs.fit(x, labels, **kwargs)
    assert sorted(h_ours.history) == sorted(h_theirs.history)
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=1e-6, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.evaluate(x, labels, verbose=0), theirs.evaluate(x, labels, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6)
    assert ours.metrics_names == theirs.metrics_names


def test_multi_output_logs_and_order_equal_keras(float64):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3))
    y_a, y_b = rng.normal(size=(8, 1)), rng.integers(0, 2, size=(8,))

    def build(k):
        inp = k.Input((3,))
        return k.Model(inp, [k.layers.Dense(1, name="a")(inp), k.layers.Dense(2, activation="softmax", name="b")(inp)])

    ours, theirs = _pair(build)
    for model in (ours, theirs):
        model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                      metrics=[["mae", "mse"], ["accuracy"]], weighted_metrics=[["mae"], None])  # fmt: skip
    w = np.linspace(0.5, 1.5, 8)
    r_ours = ours.evaluate(x, [y_a, y_b], sample_weight=w, verbose=0, return_dict=True)
    r_theirs = theirs.evaluate(x, [y_a, y_b], sample_weight=w, verbose=0, return_dict=True)
    assert list(r_ours) == list(r_theirs)
    np.testing.assert_allclose(list(r_ours.values()), list(r_theirs.values()), rtol=1e-6)
    np.testing.assert_allclose(
        ours.evaluate(x, [y_a, y_b], verbose=0), theirs.evaluate(x, [y_a, y_b], verbose=0), rtol=1e-6
    )


def test_progress_bar_lines_equal_keras_up_to_timings(capsys, float64):
    x, y = np.ones((6, 2)), np.ones((6, 1))

    def build(k):
        return k.Sequential([k.Input((2,)), k.layers.Dense(1, kernel_initializer="zeros")])

    ours, theirs = _pair(build)
    texts = []
    for model, k in ((ours, tf.keras), (theirs, keras_real)):
        model.compile(k.optimizers.SGD(0.1), "mse", metrics=["mae"])
        for verbose in (1, 2):
            model.fit(x, y, batch_size=3, epochs=2, verbose=verbose)
        model.evaluate(x, y, verbose=1)
        text = capsys.readouterr().out
        text = re.sub(r"\d+(ms|us|s)/step", "T/step", text)
        text = re.sub(r"\x1b\[1m\d+s\x1b\[0m", "ETA", text)
        text = re.sub(r" - \d+s - ", " - ETA - ", text)
        text = re.sub("[\b]+", "", text)  # (backspaces and padding depend on the timings' widths)
        texts.append(re.sub(" +(?=[\r\n]|$)", "", text))
    assert texts[0] == texts[1]


def _callback_model(k):
    model = k.Sequential([k.Input((1,)), k.layers.Dense(1)])
    model.compile(k.optimizers.SGD(0.1), "mse", metrics=["accuracy"])
    model.stop_training = False
    return model


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # (Keras' own np.array of its TF Variable)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"monitor": "loss", "patience": 2},
        {"monitor": "val_accuracy", "patience": 1, "baseline": 0.55, "min_delta": 0.01, "mode": "max"},
        {"monitor": "loss", "patience": 1, "mode": "max", "start_from_epoch": 2},
    ],
)
def test_early_stopping_and_plateau_follow_keras_on_the_same_logs(kwargs):
    values = [0.5, 0.45, 0.6, 0.44, 0.58, 0.59, 0.2, 0.7]
    traces = []
    for k in (tf.keras, keras_real):
        model = _callback_model(k)
        stop = k.callbacks.EarlyStopping(**kwargs)
        plateau = k.callbacks.ReduceLROnPlateau(
            monitor=kwargs["monitor"], mode=kwargs.get("mode", "auto"), factor=0.5, patience=1, cooldown=1, min_lr=0.02
        )
        trace = []
        for cb in (stop, plateau):
            cb.set_model(model)
            cb.on_train_begin()
        for epoch, value in enumerate(values):
            stop.on_epoch_end(epoch, {kwargs["monitor"]: value})
            plateau.on_epoch_end(epoch, {kwargs["monitor"]: value})
            lr = float(np.asarray(model.optimizer.learning_rate))
            trace.append((model.stop_training, stop.wait, stop.best, stop.stopped_epoch, round(lr, 6), plateau.wait))
        traces.append(trace)
    assert traces[0] == traces[1]


def test_csv_logger_file_equals_keras(tmp_path):
    logs = [{"loss": 0.5, "accuracy": 0.25}, {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.75}]
    texts = []
    for k in (tf.keras, keras_real):
        path = tmp_path / f"{k.__name__}.csv"
        for append in (False, True):
            logger = k.callbacks.CSVLogger(str(path), separator=";", append=append)
            logger.set_model(_callback_model(k))
            logger.on_train_begin()
            for epoch, log in enumerate(logs):
                logger.on_epoch_end(epoch, dict(log))
            logger.on_train_end()
        texts.append(path.read_text())
    assert texts[0] == texts[1]
