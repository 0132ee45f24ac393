"""Keras' cross-entropies read the logits of a sigmoid/softmax output (Keras' TF backend, ``_keras_logits``):
saturated predictions keep their exact loss and gradient."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

X = np.array([[30.0, -30.0], [2.0, 1.0]], "float32")
Y = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")


def test_saturated_sigmoid_and_softmax_outputs_give_keras_values():
    # Values printed by Keras 3.15 (TF 2.21) for the same inputs; clipped probabilities would give ~16.1.
    p = tf.keras.activations.sigmoid(tf.constant(X))
    np.testing.assert_allclose(tf.keras.losses.binary_crossentropy(Y, p).numpy(), [30.0, 0.72009486], rtol=1e-6)
    np.testing.assert_allclose(float(tf.keras.losses.BinaryCrossentropy()(Y, p)), 15.360047, rtol=1e-6)
    q = tf.keras.activations.softmax(tf.constant(X))
    np.testing.assert_allclose(tf.keras.losses.categorical_crossentropy(Y, q).numpy(), [60.0, 0.31326166], rtol=1e-6)
    np.testing.assert_allclose(float(tf.keras.losses.CategoricalCrossentropy()(Y, q)), 30.156631, rtol=1e-6)
    s = tf.keras.losses.sparse_categorical_crossentropy(np.array([1, 0]), q).numpy()
    np.testing.assert_allclose(s, [60.0, 0.31326166], rtol=1e-6)


def test_gradient_through_a_dense_softmax_layer_is_the_logits_gradient():
    dense = tf.keras.layers.Dense(2, activation="softmax", kernel_initializer="ones", bias_initializer="zeros")
    x = tf.constant([[40.0, -40.0]])
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.CategoricalCrossentropy()(tf.constant([[0.0, 1.0]]), dense(x))
    g = tape.gradient(loss, dense.bias)
    # softmax(logits) - labels: logits are [0, 0] here (kernel of ones): [0.5, -0.5].
    np.testing.assert_allclose(g.numpy(), [0.5, -0.5], rtol=1e-6)


def test_from_logits_on_an_activation_output_warns_as_keras():
    p = tf.keras.activations.sigmoid(tf.constant(X))
    with pytest.warns(UserWarning, match="does not represent logits"):
        tf.keras.losses.binary_crossentropy(Y, p, from_logits=True)
