"""tf.keras.activations: values against NumPy formulas, gradients through tapes and tf.function, get/serialize."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import tapejax as tf

A = tf.keras.activations
X = np.array([-7.0, -3.0, -1.5, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 6.5], np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(x))


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf)(x)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# name, kwargs, numpy reference of the elementwise functions.
ELEMENTWISE: list[tuple[str, dict[str, Any], Any]] = [
    ("relu", {}, lambda x: np.maximum(x, 0)),
    ("relu", {"negative_slope": 0.1}, lambda x: np.where(x > 0, x, 0.1 * x)),
    ("relu", {"max_value": 2.0}, lambda x: np.clip(x, 0, 2.0)),
    ("relu", {"max_value": 6}, lambda x: np.clip(x, 0, 6.0)),
    ("relu", {"threshold": 1.0}, lambda x: np.where(x > 1.0, x, 0.0)),
    (
        "relu",
        {"negative_slope": 0.5, "max_value": 2.0, "threshold": -1.0},
        lambda x: np.clip(np.where(x > -1.0, x, 0.0), 0, 2.0) - 0.5 * np.maximum(-x - 1.0, 0),
    ),
    ("leaky_relu", {}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("relu6", {}, lambda x: np.clip(x, 0, 6)),
    ("elu", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("elu", {"alpha": 0.5}, lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    ("celu", {"alpha": 2.0}, lambda x: np.maximum(x, 0) + 2.0 * np.expm1(np.minimum(x, 0) / 2.0)),
    ("selu", {}, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("softplus", {}, _softplus),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("squareplus", {}, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    ("squareplus", {"b": 1}, lambda x: (x + np.sqrt(x * x + 1)) / 2),
    ("soft_shrink", {}, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0))),
    ("sparse_plus", {}, lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x))),
    ("silu", {}, lambda x: x * _sigmoid(x)),
    ("swish", {}, lambda x: x * _sigmoid(x)),
    ("gelu", {}, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    (
        "gelu",
        {"approximate": True},
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    ),
    ("tanh", {}, np.tanh),
    ("tanh_shrink", {}, lambda x: x - np.tanh(x)),
    ("hard_tanh", {}, lambda x: np.clip(x, -1, 1)),
    ("hard_shrink", {}, lambda x: np.where(np.abs(x) > 0.5, x, 0.0)),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}, lambda x: np.where(x > 0.5, x, -2.0)),
    ("sigmoid", {}, _sigmoid),
    ("sparse_sigmoid", {}, lambda x: np.clip(0.5 * (x + 1), 0, 1)),
    ("exponential", {}, np.exp),
    ("hard_sigmoid", {}, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hard_silu", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("hard_swish", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("linear", {}, lambda x: x),
    ("mish", {}, lambda x: x * np.tanh(_softplus(x))),
    ("log_sigmoid", {}, lambda x: -_softplus(-x)),
]


@pytest.mark.parametrize(("name", "kwargs", "reference"), ELEMENTWISE, ids=lambda v: str(v) if not callable(v) else "")
def test_elementwise_activation_matches_numpy(name: str, kwargs: dict[str, Any], reference: Any) -> None:
    for dtype in (np.float32, np.float64):
        got = getattr(A, name)(tf.constant(X.astype(dtype)), **kwargs)
        assert got.dtype.name == np.dtype(dtype).name and got.shape == X.shape
        np.testing.assert_allclose(got.numpy(), reference(X.astype(np.float64)), rtol=2e-6, atol=2e-6)


def test_relu_docstring_values_from_keras() -> None:
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]  # Keras' own examples
    np.testing.assert_array_equal(A.relu(x).numpy(), [0.0, 0.0, 0.0, 5.0, 10.0])
    np.testing.assert_array_equal(A.relu(x, negative_slope=0.5).numpy(), [-5.0, -2.5, 0.0, 5.0, 10.0])
    np.testing.assert_array_equal(A.relu(x, max_value=5.0).numpy(), [0.0, 0.0, 0.0, 5.0, 5.0])
    np.testing.assert_array_equal(A.relu(x, threshold=5.0).numpy(), [0.0, 0.0, 0.0, 0.0, 10.0])


def test_exponential_of_integers_is_float32() -> None:
    got = A.exponential(tf.constant([0, 1]))
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), [1.0, np.e], rtol=1e-6)


def _softmax_np(x: np.ndarray, axis: Any) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


M = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7.0


@pytest.mark.parametrize("axis", [-1, 0, 1, (0, 2), (1, 2), None])
def test_softmax_and_log_softmax_over_axes(axis: Any) -> None:
    want = _softmax_np(M.astype(np.float64), axis)
    np.testing.assert_allclose(A.softmax(tf.constant(M), axis=axis).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(A.log_softmax(tf.constant(M), axis=axis).numpy(), np.log(want), rtol=1e-5, atol=1e-6)


def test_softmax_over_a_size_one_axis_warns_as_keras() -> None:
    with pytest.warns(UserWarning, match="This axis has size 1"):
        out = A.softmax(tf.constant([[1.0], [2.0]]))
    np.testing.assert_array_equal(out.numpy(), [[1.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A.softmax(tf.constant([[1.0], [2.0]]), axis=0)


def test_glu_splits_in_halves_and_rejects_odd_sizes() -> None:
    x = np.array([[1.0, -2.0, 0.5, 3.0]], np.float32)
    np.testing.assert_allclose(A.glu(x).numpy(), x[:, :2] * _sigmoid(x[:, 2:]), rtol=1e-6)
    with pytest.raises(ValueError, match="axis size must be divisible by 2"):
        A.glu(tf.constant([[1.0, 2.0, 3.0]]))


def _sparsemax_keras_np(z: np.ndarray) -> np.ndarray:
    """Keras 3.15's formula (every backend): tau from the SUM of the cumulative sums over the support."""
    s = -np.sort(-z, axis=-1)
    cs = np.cumsum(s, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    support = s - (cs - 1) / k > 0
    tau = (np.where(support, cs, 0.0).sum(-1, keepdims=True) - 1) / support.sum(-1, keepdims=True)
    return np.maximum(z - tau, 0)


def test_sparsemax_matches_keras_formula() -> None:
    z = np.random.default_rng(1).normal(size=(5, 6)).astype(np.float32) * 2
    got = A.sparsemax(tf.constant(z)).numpy()
    np.testing.assert_allclose(got, _sparsemax_keras_np(z.astype(np.float64)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(A.sparsemax(tf.constant(z.T), axis=0).numpy(), got.T, rtol=1e-5, atol=1e-6)
    # Where the support has one element Keras' tau is the textbook one: a one-hot projection.
    np.testing.assert_allclose(A.sparsemax(tf.constant([[3.0, 0.5, -1.0]])).numpy(), [[1.0, 0.0, 0.0]])
    # Keras' value (checked in Keras 3.15, TF and JAX backends) for a support of two, where the
    # textbook projection is [0.75, 0.25, 0].
    np.testing.assert_allclose(A.sparsemax(tf.constant([[1.0, 0.5, -1.0]])).numpy(), [[0.25, 0.0, 0.0]])


def test_gradients_flow_through_a_tape_with_tf_conventions() -> None:
    x = tf.constant([-1.0, 0.0, 0.5, 1.0, 3.0, 6.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        hs, relu_capped, celu = A.hard_sigmoid(x), A.relu(x, max_value=6.0), A.celu(x)
    # relu6's gradient is 0 at 0 and at 6 (TF's Relu6Grad); hard_sigmoid is relu6(x + 3) / 6.
    np.testing.assert_allclose(tape.gradient(relu_capped, x).numpy(), [0, 0, 1, 1, 1, 0])
    np.testing.assert_allclose(tape.gradient(hs, x).numpy(), np.array([1, 1, 1, 1, 0, 0]) / 6, rtol=1e-6)
    # celu = max(x, 0) + expm1(min(x, 0)): TF's max and min both pass the gradient to x at a tie,
    # so TF's gradient at 0 is 2 (checked against Keras 3.15 on TF).
    np.testing.assert_allclose(tape.gradient(celu, x).numpy(), [np.exp(-1), 2, 1, 1, 1, 1], rtol=1e-6)


@pytest.mark.parametrize("name", ["gelu", "softmax", "sparsemax", "hard_silu"])
def test_activation_works_inside_tf_function_with_gradients(name: str) -> None:
    fn = getattr(A, name)
    x = tf.Variable([[-1.5, 0.25, 2.0, 0.5]])

    @tf.function
    def step() -> Any:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(fn(x) * tf.constant([[1.0, 2.0, 3.0, 4.0]]))
        return y, tape.gradient(y, x)

    with tf.GradientTape() as tape:
        y_eager = tf.reduce_sum(fn(x) * tf.constant([[1.0, 2.0, 3.0, 4.0]]))
    g_eager = tape.gradient(y_eager, x)
    y, g = step()
    np.testing.assert_allclose(y.numpy(), y_eager.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(g.numpy(), g_eager.numpy(), rtol=1e-6, atol=1e-6)


def test_get_resolves_names_none_callables_and_function_configs() -> None:
    assert A.get("relu") is A.relu
    assert A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get(None) is A.linear
    fn = lambda x: x  # noqa: E731
    assert A.get(fn) is fn
    assert A.get({"class_name": "function", "config": "gelu", "module": "builtins"}) is A.gelu
    assert (
        A.get({"class_name": "function", "config": "tanh", "module": "keras.activations", "registered_name": "tanh"})
        is A.tanh
    )
    for bad in ("nope", 5, {"class_name": "function", "config": "nope", "module": "builtins"}):
        with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
            A.get(bad)


def test_serialize_and_deserialize_round_trip() -> None:
    assert A.serialize(A.relu) == "relu"
    assert A.serialize(A.swish) == "silu"  # (Keras serializes the alias under the function's name)
    for name in ("relu", "softmax", "hard_silu", "gelu", "sparsemax", "log_sigmoid"):
        assert A.deserialize(A.serialize(A.get(name))) is A.get(name)
    assert A.deserialize("nope") == "nope"  # Keras returns an unknown name unchanged

    def my_activation(x: Any) -> Any:
        return x

    config = A.serialize(my_activation)  # (checked against Keras 3.15)
    assert config == {
        "module": "builtins",
        "class_name": "function",
        "config": "my_activation",
        "registered_name": "function",
    }
    assert A.deserialize(config, custom_objects={"my_activation": my_activation}) is my_activation
    assert A.deserialize("my_activation", custom_objects={"my_activation": my_activation}) is my_activation


@pytest.mark.parametrize("namespace", ["activations", "initializers", "regularizers", "constraints"])
def test_namespace_holds_exactly_tf_keras_names(namespace: str) -> None:
    import json
    import pathlib

    want = set(json.loads((pathlib.Path(__file__).parent / "data" / "keras_names.json").read_text())[namespace])
    module = getattr(tf.keras, namespace)
    assert {n for n in vars(module) if not n.startswith("_")} == want
    with pytest.raises(AttributeError, match=f"tf.keras.{namespace}.nope"):
        module.nope  # noqa: B018


def test_softmax_and_sigmoid_outputs_carry_their_logits_as_keras() -> None:
    z = tf.constant([[1.0, 2.0, 3.0]])
    for out in (A.softmax(z), A.softmax(z, axis=None), A.sigmoid(z)):
        assert out._keras_logits is z
    assert not hasattr(A.relu(z), "_keras_logits") and not hasattr(tf.nn.softmax(z), "_keras_logits")


def test_activations_of_keras_inputs_are_functional_model_nodes() -> None:
    x = tf.keras.Input(shape=(4,))
    outputs = [A.relu(x, max_value=2.0), A.threshold(x, 0.5, -1.0), A.glu(x, axis=-1), A.sparsemax(x), A.relu(x)]
    assert [o.shape for o in outputs] == [(None, 4), (None, 4), (None, 2), (None, 4), (None, 4)]
    assert outputs[0]._keras_history[0].name != outputs[-1]._keras_history[0].name  # (unique node names)
    model = tf.keras.Model(x, outputs)
    v = tf.constant([[-1.0, 0.5, 2.0, 3.0]])
    want = [A.relu(v, max_value=2.0), A.threshold(v, 0.5, -1.0), A.glu(v), A.sparsemax(v), A.relu(v)]
    for got, expected in zip(model(v), want, strict=True):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    assert A.linear(x) is x
