"""fit/predict inputs: class_weight with one-hot targets, predict on generators, Keras' generator checks."""

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


def _model(weights):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(3, activation="softmax")])
    model.set_weights(weights)
    model.compile(tf.keras.optimizers.SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    return model


def test_class_weight_with_one_hot_targets_weighs_by_the_argmax_class(float64):
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(12, 3)), rng.integers(0, 3, size=(12,))
    one_hot = np.eye(3)[labels]
    init = [rng.normal(size=(3, 3)) * 0.5, np.zeros(3)]
    model = _model(init)
    history = model.fit(x, one_hot, batch_size=4, epochs=2, class_weight={0: 2.0, 1: 0.5}, shuffle=False, verbose=0)
    # The same data, weights and class_weight in Keras 3.15 (TF backend, float64) give these losses.
    np.testing.assert_allclose(history.history["loss"], [1.336366, 1.234952], atol=1e-6)


def test_predict_on_a_generator_and_keras_generator_checks(float64):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 3))
    model = _model([rng.normal(size=(3, 3)), np.zeros(3)])

    def batches(wrap):
        for i in range(0, 10, 4):
            yield wrap(x[i : i + 4])

    with pytest.warns(UserWarning, match="Your input ran out of data"):  # (a finite generator: Keras warns too)
        from_generator = model.predict(batches(lambda b: (b,)), verbose=0)
    np.testing.assert_allclose(from_generator, model.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"the generator must return a tuple, either \(input,\)"):
        model.predict(batches(lambda b: b), verbose=0)
    with pytest.raises(ValueError, match=r"the generator must yield at least one batch\. Received an empty generator"):
        model.evaluate((b for b in []), verbose=0)
