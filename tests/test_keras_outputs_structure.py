"""Functional models' output and input structures, as Keras 3.15 returns them (checked in real Keras).

A one-element list or tuple of outputs is unpacked by an eager call (and so by ``predict``), kept by a
symbolic call and by ``model.output``; ``output_shape``/``input_shape`` list the flat tensors' shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras

X = np.arange(24, dtype=np.float32).reshape(8, 3) / 24.0
Y = np.linspace(-1.0, 1.0, 16, dtype=np.float32).reshape(8, 2)


def _model(kind: str) -> keras.Model:
    inp = keras.Input((3,), name="x")
    d1 = keras.layers.Dense(2, name="d1", kernel_initializer="ones")(inp)
    d2 = keras.layers.Dense(2, name="d2", kernel_initializer="zeros", bias_initializer="ones")(inp)
    outputs = {
        "single": d1,
        "list1": [d1],
        "tuple1": (d1,),
        "dict1": {"a": d1},
        "list2": [d1, d2],
        "tuple2": (d1, d2),
        "dict2": {"a": d1, "b": d2},
        "nested": {"a": [d1], "b": (d2,)},
    }[kind]
    return keras.Model(inp, outputs)


def _structure(x: object) -> object:
    """The containers of ``x`` with 'T' for a Tensor and 'A' for a NumPy array (what the tests compare)."""
    if isinstance(x, (list, tuple)):
        return type(x)(_structure(e) for e in x)
    if isinstance(x, dict):
        return {k: _structure(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return "A"
    assert isinstance(x, tf.Tensor), type(x)
    return "T"


# What Keras 3.15 (TF and JAX backends) returns from model(x) for each kind of ``outputs``.
CALL_STRUCTURE = {
    "single": "T",
    "list1": "T",
    "tuple1": "T",
    "dict1": {"a": "T"},
    "list2": ["T", "T"],
    "tuple2": ("T", "T"),
    "dict2": {"a": "T", "b": "T"},
    "nested": {"a": ["T"], "b": ("T",)},
}


@pytest.mark.parametrize("kind", list(CALL_STRUCTURE))
def test_call_and_predict_structure_matches_keras(kind: str) -> None:
    model = _model(kind)
    out = model(X)
    assert _structure(out) == CALL_STRUCTURE[kind]
    first = tf.nest.flatten(out)[0]
    np.testing.assert_allclose(first.numpy(), np.repeat(X.sum(1, keepdims=True), 2, axis=1), rtol=1e-6)
    as_arrays = tf.nest.map_structure(lambda s: "A", CALL_STRUCTURE[kind])
    assert _structure(model.predict(X, verbose=0)) == as_arrays
    assert _structure(model.predict_on_batch(X)) == as_arrays


def test_one_element_output_list_unpacked_also_on_a_non_chain_graph() -> None:
    # Two inputs: the general path of Functional.call (not the Sequential-like chain).
    a, b = keras.Input((2,)), keras.Input((2,))
    model = keras.Model([a, b], [keras.layers.Add()([a, b])])
    out = model([np.ones((1, 2), np.float32), np.ones((1, 2), np.float32)])
    assert isinstance(out, tf.Tensor)
    np.testing.assert_array_equal(out.numpy(), [[2.0, 2.0]])


@pytest.mark.parametrize("kind", ["list1", "tuple1"])
def test_symbolic_call_and_output_keep_one_element_container(kind: str) -> None:
    model = _model(kind)
    container = list if kind == "list1" else tuple
    out = model(keras.Input((3,)))
    assert type(out) is container and len(out) == 1 and out[0].shape == (None, 2)
    assert type(model.output) is container
    assert model.outputs == list(model.output)
    assert model.compute_output_shape((None, 3)) == container([(None, 2)])
    assert model.output_shape == (None, 2)
    # A model built on that symbolic call has a one-element list of outputs too: unpacked when called.
    inp = keras.Input((3,))
    outer = keras.Model(inp, model(inp))
    assert isinstance(outer(X), tf.Tensor)


def test_output_and_input_shape_are_flat_lists_as_keras() -> None:
    assert _model("dict1").output_shape == (None, 2)
    assert _model("dict2").output_shape == [(None, 2), (None, 2)]
    assert _model("nested").output_shape == [(None, 2), (None, 2)]
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    model = keras.Model({"a": a, "b": b}, keras.layers.Concatenate()([a, b]))
    assert model.input_shape == [(None, 3), (None, 4)]
    assert isinstance(model.input, dict)
    assert keras.Model({"a": a}, keras.layers.Dense(1)(a)).input_shape == (None, 3)


@pytest.mark.parametrize("inputs_as_list", [False, True])
def test_one_input_given_in_a_list_is_that_input(inputs_as_list: bool) -> None:
    inp = keras.Input((3,), name="a")
    model = keras.Model([inp] if inputs_as_list else inp, keras.layers.Dense(2, kernel_initializer="ones")(inp))
    expected = np.repeat(X.sum(1, keepdims=True), 2, axis=1)
    for given in ([X], (X,), {"a": X}):
        out = model(given)
        assert out.shape == (8, 2)  # was (1, 8, 2): the list was read as one stacked array
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_python_list_of_numbers_is_rejected_as_keras_does() -> None:
    inp = keras.Input((3,), name="a")
    model = keras.Model(inp, keras.layers.Dense(2)(inp))
    with pytest.raises(ValueError, match=r"expects 1 named input\(s\) with keys \['a'\], but it received 3 input"):
        model([[1.0, 2.0, 3.0]])


def test_fit_evaluate_one_element_list_output() -> None:
    model = _model("list1")
    model.compile("sgd", {"d1": "mse"}, metrics=["mae"])
    history = model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    y = [Y]
    assert sorted(history.history) == ["loss", "mae"]
    result = model.evaluate(X, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    assert sorted(model.evaluate(X, y, verbose=0, return_dict=True)) == ["loss", "mae"]
    assert model.metrics_names == ["loss", "compile_metrics"]
    # The loss is the plain single-output loss of the same weights.
    pred = model.predict(X, verbose=0)
    np.testing.assert_allclose(result[0], np.mean((pred - Y) ** 2), rtol=1e-5)


@pytest.mark.parametrize(
    ("kind", "y"),
    [("single", {"d1": Y}), ("dict1", {"d1": Y}), ("dict2", {"a": Y, "c": Y}), ("list2", {"x": Y, "y": Y})],
)
def test_target_dict_with_keys_naming_no_output_is_an_error(kind: str, y: object) -> None:
    # Keras 3.15 fails on these (TypeError from its loss, reading the keys as targets); tapejax paired
    # the targets with the outputs by position and trained silently.
    model = _model(kind)
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="do not match the model's outputs"):
        model.fit(X, y, epochs=1, batch_size=8, verbose=0)


def test_target_dict_keyed_by_output_names_trains_per_output() -> None:
    model = _model("list2")
    model.compile("sgd", "mse")
    history = model.fit(X, {"d2": Y, "d1": Y}, epochs=1, batch_size=8, verbose=0)
    assert sorted(history.history) == ["d1_loss", "d2_loss", "loss"]


def test_fit_nested_outputs_names_each_loss_by_its_path() -> None:
    # Keras 3.15 on JAX gives these names and values (its TF backend fails on this model: its data
    # adapter turns the targets' lists into tuples, and y_true no longer matches y_pred's structure).
    keras.backend.clear_session()
    inp = keras.Input((3,))
    d1 = keras.layers.Dense(2, name="d1", kernel_initializer="ones")(inp)
    d2 = keras.layers.Dense(2, name="d2", kernel_initializer="zeros")(inp)
    model = keras.Model(inp, {"a": [d1], "b": (d2,)})
    model.compile(keras.optimizers.SGD(0.01), "mse")
    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
    y = np.linspace(0, 1, 16, dtype=np.float32).reshape(8, 2)
    history = model.fit(x, {"a": [y], "b": (y,)}, batch_size=4, epochs=1, verbose=0, shuffle=False).history
    assert sorted(history) == ["a/d1_loss", "b/d2_loss", "loss"]
    np.testing.assert_allclose(
        [history["a/d1_loss"][0], history["b/d2_loss"][0], history["loss"][0]], [2.4572, 0.3437, 2.8009], atol=2e-4
    )
    assert model.metrics_names == ["loss", "a/d1_loss", "b/d2_loss"]
