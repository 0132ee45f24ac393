"""tf.keras.activations / initializers / regularizers / constraints against Keras 3.15 itself (TF backend).

Run with the TF environment:
/tmp/tfenv/bin/python -m pytest -q -p no:cacheprovider tests/test_keras_parity_basics.py
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

# Kinks and saturation points of the piecewise activations, and ordinary values.
GRID = np.array([-7.0, -6.0, -3.0, -2.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.5, 3.0, 6.0, 7.0], np.float32)
MATRIX = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)


def _grad_ours(fn: Any, x: np.ndarray, ct: np.ndarray) -> np.ndarray:
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.gradient(y, t, output_gradients=tf.constant(ct)).numpy()


def _grad_theirs(fn: Any, x: np.ndarray, ct: np.ndarray) -> np.ndarray:
    t = tf_real.constant(x)
    with tf_real.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.gradient(y, t, output_gradients=tf_real.constant(ct)).numpy()


ACTIVATION_CASES = [
    ("relu", {}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"threshold": 0.5}),
    ("relu", {"negative_slope": 0.2, "max_value": 3.0, "threshold": -1.0}),
    ("relu", {"negative_slope": 0.5, "threshold": 0.25}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("relu6", {}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
    ("softmax", {"axis": None}),
    ("softmax", {"axis": (0, 1)}),
    ("log_softmax", {}),
    ("log_softmax", {"axis": None}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("celu", {}),
    ("celu", {"alpha": 2.0}),
    ("selu", {}),
    ("softplus", {}),
    ("softsign", {}),
    ("squareplus", {}),
    ("squareplus", {"b": 1.0}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 1.0}),
    ("sparse_plus", {}),
    ("silu", {}),
    ("swish", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("glu", {}),
    ("glu", {"axis": 0}),
    ("tanh", {}),
    ("tanh_shrink", {}),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}),
    ("sigmoid", {}),
    ("sparse_sigmoid", {}),
    ("exponential", {}),
    ("hard_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("hard_tanh", {}),
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}),
    ("linear", {}),
    ("mish", {}),
    ("log_sigmoid", {}),
    ("sparsemax", {}),
    ("sparsemax", {"axis": 0}),
]


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATION_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_values_and_gradients_match_keras(name: str, kwargs: dict[str, Any], dtype: Any) -> None:
    if name in ("softmax", "log_softmax", "glu", "sparsemax"):
        x = np.concatenate([MATRIX, GRID[:12].reshape(4, 3)], axis=1).astype(dtype)
    else:
        x = np.stack([GRID, GRID[::-1] * 0.5]).astype(dtype)
    ours = lambda t: getattr(tf.keras.activations, name)(t, **kwargs)  # noqa: E731
    theirs = lambda t: getattr(keras_real.activations, name)(t, **kwargs)  # noqa: E731
    want, got = theirs(tf_real.constant(x)), ours(tf.constant(x))
    assert tuple(got.shape) == tuple(want.shape) and got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-5, atol=1e-6)
    if name == "linear":
        return
    ct = np.cos(np.arange(np.asarray(want).size)).reshape(want.shape).astype(dtype)
    np.testing.assert_allclose(_grad_ours(ours, x, ct), _grad_theirs(theirs, x, ct), rtol=1e-5, atol=1e-6)


def test_activation_names_resolve_and_serialize_as_in_keras() -> None:
    for name in tf.keras.activations.deserialize.__globals__["ALL_OBJECTS_DICT"]:
        ours = tf.keras.activations.get(name)
        theirs = keras_real.activations.get(name)
        assert ours.__name__ == theirs.__name__
        assert tf.keras.activations.serialize(ours) == keras_real.activations.serialize(theirs)


def test_custom_activation_serializes_as_in_keras() -> None:
    def my_activation(x: Any) -> Any:
        return x

    assert tf.keras.activations.serialize(my_activation) == keras_real.activations.serialize(my_activation)


INITIALIZER_NAMES = sorted(keras_real.src.initializers.ALL_OBJECTS_DICT)


@pytest.mark.parametrize("name", [n for n in INITIALIZER_NAMES if n.lower() not in ("constant", "initializer")])
def test_initializer_string_lookup_and_config_match_keras(name: str) -> None:
    ours, theirs = tf.keras.initializers.get(name), keras_real.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    assert tf.keras.initializers.serialize(ours) == keras_real.initializers.serialize(theirs)


@pytest.mark.parametrize(
    ("cls", "kwargs", "shape"),
    [
        ("Zeros", {}, (2, 3)),
        ("Ones", {}, (4,)),
        ("Constant", {"value": 2.5}, (2, 2)),
        ("Constant", {"value": [1.0, 2.0, 3.0]}, (2, 3)),
        ("Identity", {"gain": 2.0}, (3, 4)),
        ("Identity", {}, (4, 2)),
        ("STFT", {}, (8, 1, 5)),
        ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True}, (6, 1, 4)),
        ("STFT", {"window": None, "scaling": None}, (4, 1, 3)),
    ],
)
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_deterministic_initializers_match_keras(
    cls: str, kwargs: dict[str, Any], shape: tuple[int, ...], dtype: Any
) -> None:
    want = getattr(keras_real.initializers, cls)(**kwargs)(shape, dtype=dtype)
    got = getattr(tf.keras.initializers, cls)(**kwargs)(shape, dtype=dtype)
    assert got.dtype.name == want.dtype.name and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "shape", [(), (5,), (4, 6), (3, 3, 8, 16), (2, 3, 4, 5, 6)], ids=lambda s: "x".join(map(str, s)) or "scalar"
)
def test_compute_fans_matches_keras(shape: tuple[int, ...]) -> None:
    from keras.src.initializers.random_initializers import compute_fans as theirs

    from tapejax._src.keras.initializers import compute_fans as ours

    assert ours(shape) == theirs(shape)
    if len(shape) >= 2:
        assert ours(shape, (0,), (1,)) == theirs(shape, (0,), (1,))


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("L1", {}),
        ("L1", {"l1": 0.3}),
        ("L2", {}),
        ("L2", {"l2": 0.3}),
        ("L1L2", {}),
        ("L1L2", {"l1": 0.1, "l2": 0.2}),
        ("OrthogonalRegularizer", {}),
        ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regularizers_match_keras(cls: str, kwargs: dict[str, Any], dtype: Any) -> None:
    theirs, ours = getattr(keras_real.regularizers, cls)(**kwargs), getattr(tf.keras.regularizers, cls)(**kwargs)
    if cls == "OrthogonalRegularizer" and dtype == np.float64:
        # Keras' float32 factor times a float64 weight raises in TF; tapejax casts the factor (a
        # documented difference) and gives Keras' float32 value in float64.
        with pytest.raises(tf_real.errors.InvalidArgumentError):
            theirs(tf_real.constant(MATRIX.astype(dtype)))
        got = ours(tf.constant(MATRIX.astype(dtype)))
        assert got.dtype == tf.float64
        np.testing.assert_allclose(got.numpy(), np.asarray(theirs(tf_real.constant(MATRIX))), rtol=1e-6)
        return
    assert ours.get_config() == theirs.get_config()
    assert tf.keras.regularizers.serialize(ours) == keras_real.regularizers.serialize(theirs)
    x = MATRIX.astype(dtype)
    want, got = theirs(tf_real.constant(x)), ours(tf.constant(x))
    assert got.dtype.name == want.dtype.name and tuple(got.shape) == ()
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-5)
    if kwargs or cls != "L1L2":  # (L1L2() is the constant 0: no gradient in either)
        ct = np.array(1.0, dtype)
        np.testing.assert_allclose(_grad_ours(ours, x, ct), _grad_theirs(theirs, x, ct), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("MaxNorm", {}),
        ("MaxNorm", {"max_value": 1.5, "axis": 1}),
        ("MaxNorm", {"max_value": 1.0, "axis": [0, 1]}),
        ("UnitNorm", {}),
        ("UnitNorm", {"axis": 1}),
        ("NonNeg", {}),
        ("MinMaxNorm", {}),
        ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.5, "rate": 0.5, "axis": 1}),
        ("Constraint", {}),
    ],
)
def test_constraints_match_keras(cls: str, kwargs: dict[str, Any]) -> None:
    theirs, ours = getattr(keras_real.constraints, cls)(**kwargs), getattr(tf.keras.constraints, cls)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert tf.keras.constraints.serialize(ours) == keras_real.constraints.serialize(theirs)
    x = MATRIX * 2.0
    want, got = theirs(tf_real.constant(x)), ours(tf.constant(x))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


@pytest.mark.parametrize("namespace", ["regularizers", "constraints"])
def test_string_lookup_tables_match_keras(namespace: str) -> None:
    theirs = getattr(keras_real.src, namespace).ALL_OBJECTS_DICT
    ours = getattr(tf.keras, namespace).deserialize.__globals__["ALL_OBJECTS_DICT"]
    assert {k: v.__name__ for k, v in ours.items()} == {k: v.__name__ for k, v in theirs.items()}
    for bad in ("l1_l2", "nope"):
        with pytest.raises(ValueError, match="Could not interpret"):
            getattr(tf.keras, namespace).get(bad)


def test_public_names_are_tf_keras_names() -> None:
    import json
    import pathlib

    names = json.loads((pathlib.Path(__file__).parent / "data" / "keras_names.json").read_text())
    for namespace in ("activations", "initializers", "regularizers", "constraints"):
        theirs = getattr(tf_real.keras, namespace)
        ours = getattr(tf.keras, namespace)
        for name in names[namespace]:
            # The same object kind: a class where Keras has a class (the snake_case aliases are classes too).
            assert isinstance(getattr(ours, name), type) == isinstance(getattr(theirs, name), type), name
