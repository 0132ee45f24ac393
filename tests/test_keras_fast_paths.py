"""What the Keras step's trimmed Python paths (issue 18) keep: weight order, ReLU, the fused loss call.

Values and orders checked in Keras 3.15 on TF 2.21.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


class _Block(keras.layers.Layer):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.a = keras.layers.Dense(2, name="a")
        self.b = keras.layers.Dense(2, name="b", use_bias=False)

    def build(self, shape: object) -> None:
        self.w = self.add_weight(shape=(2,), name="w")
        self.s = self.add_weight(shape=(), name="s", trainable=False)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return self.b(self.a(x)) * self.w + self.s


def test_weights_of_nested_and_leaf_layers_in_keras_order() -> None:
    keras.backend.clear_session()
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, name="first"), _Block(name="blk"), keras.layers.Dense(1, name="last")]
    )
    model.get_layer("blk").a.bias.trainable = False
    paths = lambda ws: [w.path.removeprefix("sequential/") for w in ws]  # noqa: E731
    assert paths(model.weights) == [
        "first/kernel", "first/bias", "blk/w", "blk/s", "blk/a/kernel", "blk/a/bias", "blk/b/kernel",
        "last/kernel", "last/bias",
    ]  # fmt: skip
    assert paths(model.trainable_weights) == [
        "first/kernel", "first/bias", "blk/w", "blk/a/kernel", "blk/b/kernel", "last/kernel", "last/bias",
    ]  # fmt: skip
    assert paths(model.non_trainable_weights) == ["blk/s", "blk/a/bias"]
    model.get_layer("blk").trainable = False
    assert paths(model.trainable_weights) == ["first/kernel", "first/bias", "last/kernel", "last/bias"]
    assert model.trainable_weights is not model.trainable_weights  # a new list each time, as Keras


@pytest.mark.parametrize("make", [tf.constant, tf.Variable, np.asarray], ids=["tensor", "variable", "numpy"])
def test_relu_default_and_parametrized(make: object) -> None:
    x = make(np.array([-2.0, -0.5, 0.0, 0.5, 7.0], np.float32))
    np.testing.assert_array_equal(keras.activations.relu(x).numpy(), [0.0, 0.0, 0.0, 0.5, 7.0])
    np.testing.assert_array_equal(keras.activations.relu(x, max_value=6.0).numpy(), [0.0, 0.0, 0.0, 0.5, 6.0])
    np.testing.assert_array_equal(keras.activations.relu(x, threshold=0.5).numpy(), [0.0, 0.0, 0.0, 0.0, 7.0])
    np.testing.assert_allclose(
        keras.activations.relu(x, negative_slope=0.1, threshold=1.0).numpy(), [-0.3, -0.15, -0.1, -0.05, 7.0], rtol=1e-6
    )


def test_fused_loss_call_keeps_checks_logits_and_weights() -> None:
    y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    logits = tf.constant([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]])
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    # Keras 3.15: 1.3014099597930908 unweighted; sample_weight [2, 0.5]: 1.0614815950393677.
    np.testing.assert_allclose(loss(y_true, logits).numpy(), 1.30140996, rtol=1e-6)
    np.testing.assert_allclose(loss(y_true, logits, sample_weight=[2.0, 0.5]).numpy(), 1.0614816, rtol=1e-6)
    # A softmax output is read back as its logits (Keras' TF backend), the same loss as from_logits.
    probs = keras.activations.softmax(logits)
    plain = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
    np.testing.assert_allclose(plain(y_true, probs).numpy(), 1.30140996, rtol=1e-6)
    with pytest.raises(ValueError, match="Only axis=-1"):
        keras.losses.sparse_categorical_crossentropy(np.array([0, 1]), logits, axis=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.losses.categorical_crossentropy(np.ones((2, 1), np.float32), tf.ones([2, 1]))
    assert any(issubclass(w.category, SyntaxWarning) for w in caught)
