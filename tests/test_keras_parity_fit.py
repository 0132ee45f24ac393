"""Parity of fit/evaluate/predict, and of nested compile structures (their log names and sample weights), with
real Keras 3.15 (runs where Keras is installed: /tmp/tfenv)."""

from __future__ import annotations

import contextlib
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


# -- nested compile structures, their log names and sample weights ---------------------------------------
def _nested_model(k):
    inp = k.Input((3,), name="x")
    a = k.layers.Dense(2, name="dense_a")(inp)
    b = k.layers.Dense(1, activation="sigmoid", name="dense_b")(inp)
    c = k.layers.Dense(4, activation="softmax", name="dense_c")(inp)
    return k.Model(inp, {"a": a, "bc": [b, c]})


def _list_model(k):
    inp = k.Input((3,), name="x")
    return k.Model(inp, [k.layers.Dense(2, name="out_a")(inp), k.layers.Dense(1, name="out_b")(inp)])


def _one_output_list_model(k):
    inp = k.Input((3,), name="x")
    return k.Model(inp, [k.layers.Dense(2, name="out")(inp)])


_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(8, 3))
_W = np.linspace(0.5, 1.5, 8)
_Y_NESTED = {"a": _RNG.normal(size=(8, 2)), "bc": [(_RNG.random((8, 1)) > 0.5) * 1.0, np.eye(4)[np.arange(8) % 4]]}
_Y_LIST = [_RNG.normal(size=(8, 2)), _RNG.normal(size=(8, 1))]

CASES = {
    "dict_of_lists": (
        _nested_model,
        {
            "loss": {"a": "mse", "bc": ["binary_crossentropy", "categorical_crossentropy"]},
            "loss_weights": {"a": 0.5, "bc": [1.0, 2.0]},
            "metrics": {"a": ["mae"], "bc": [["accuracy"], ["accuracy", "mse"]]},
            "weighted_metrics": {"a": ["mae"], "bc": [None, ["accuracy"]]},
        },
        _Y_NESTED,
        {"a": _W, "bc": [_W[::-1], np.ones(8)]},
    ),
    "partial_loss_flat_weights": (
        _nested_model,
        {"loss": {"a": "mse", "bc": [None, "crossentropy"]}, "loss_weights": [2.0, 1.0, 0.5], "metrics": None},
        _Y_NESTED,
        _W,
    ),
    "list_outputs_dict_losses": (
        _list_model,
        {
            "loss": {"out_b": "mae", "out_a": "mse"},
            "loss_weights": {"out_a": 1.0, "out_b": 3.0},
            "metrics": {"out_b": ["mse", "mae"]},
            "weighted_metrics": ["mae", "mae"],
        },
        _Y_LIST,
        [_W, _W[::-1]],
    ),
    "one_loss_for_all": (_list_model, {"loss": "mse", "metrics": [["mae"], ["mae", "mse"]]}, _Y_LIST, None),
    "one_output_list_plain_target": (
        _one_output_list_model,
        {"loss": "mse", "metrics": ["mae"], "weighted_metrics": ["mse"]},
        _Y_LIST[0],
        _W,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_nested_losses_metrics_and_weights_equal_keras(case, float64):
    build, compile_kwargs, y, sample_weight = CASES[case]
    ours, theirs = build(tf.keras), build(keras_real)
    theirs.set_weights(ours.get_weights())
    results = []
    # An output without a loss leaves its layer without gradients: tapejax warns, as Keras' TF backend (its JAX
    # backend's gradients are zeros, without a warning).
    partial = "None" in repr(compile_kwargs["loss"])
    for model in (ours, theirs):
        model.compile("sgd", **compile_kwargs)
        warns = partial and (model is ours or keras_real.backend.backend() == "tensorflow")
        with pytest.warns(UserWarning, match="Gradients do not exist") if warns else contextlib.nullcontext():
            history = model.fit(_X, y, sample_weight=sample_weight, batch_size=4, epochs=1, shuffle=False, verbose=0)
        logs = model.evaluate(_X, y, sample_weight=sample_weight, batch_size=8, verbose=0, return_dict=True)
        results.append((history.history, logs, model.metrics_names))
    (h_ours, e_ours, names_ours), (h_theirs, e_theirs, names_theirs) = results
    assert names_ours == names_theirs
    assert list(e_ours) == list(e_theirs)
    np.testing.assert_allclose(list(e_ours.values()), list(e_theirs.values()), rtol=1e-6)
    assert sorted(h_ours) == sorted(h_theirs)
    for key in h_theirs:
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-6, err_msg=key)


def test_metrics_not_matching_a_nested_output_raise_like_keras():
    errors = []
    for k in (tf.keras, keras_real):
        model = _nested_model(k)
        model.compile("sgd", loss="mse", metrics=["mae"])
        with pytest.raises(ValueError) as info:
            model.fit(_X, _Y_NESTED, verbose=0)
        errors.append(str(info.value).splitlines())
    assert errors[0][0] == errors[1][0]
    assert errors[0][1][:60] == errors[1][1][:60]


# Keras' own warnings for a compiled, untrained model: NumPy's on saving the unbuilt optimizer's variables, and
# on loading (its own files too) the saved unbuilt optimizer into one compile_from_config built.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer:UserWarning")
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adamw"])
def test_compile_config_equals_keras_and_reloads_both_ways(optimizer, tmp_path):
    configs = []
    for k, file in ((tf.keras, "ours.keras"), (keras_real, "keras.keras")):
        k.backend.clear_session()
        model = k.Sequential([k.Input((3,)), k.layers.Dense(2)])
        model.compile(optimizer, k.losses.MeanSquaredError(), metrics=["mae", k.metrics.AUC()], loss_weights=None)
        configs.append(model.get_compile_config())
        model.save(tmp_path / file)
    theirs = dict(configs[1])
    if keras_real.backend.backend() != "tensorflow":  # (tapejax writes jit_compile as Keras' TF backend does)
        theirs["jit_compile"] = configs[0]["jit_compile"]
    assert configs[0] == theirs  # (jit_compile: "auto" is False on a CPU-only machine in Keras' TF backend)
    back_in_keras = keras_real.models.load_model(tmp_path / "ours.keras")
    back_in_ours = tf.keras.models.load_model(tmp_path / "keras.keras")
    assert back_in_ours.get_compile_config() == configs[1]
    assert back_in_keras.get_compile_config()["optimizer"] == configs[1]["optimizer"]
