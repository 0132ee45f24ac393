"""Parity with real Keras 3.15 of nested compile structures, their log names and sample weights (in /tmp/tfenv)."""

from __future__ import annotations

import contextlib

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
