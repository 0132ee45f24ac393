"""Values ``Model.fit`` reports and leaves behind, as Keras 3.15's TensorFlow backend does (checked in real Keras)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


def test_fit_with_use_ema_ends_with_the_moving_average_weights() -> None:
    # Keras calls optimizer.finalize_variable_values(trainable_weights) after the last epoch.
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], np.float32)
    y = np.array([[1.0], [2.0], [0.0]], np.float32)
    inp = keras.Input((2,))
    model = keras.Model(inp, keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")(inp))
    model.compile(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), "mse")
    model.fit(x, y, batch_size=3, epochs=0, verbose=0)
    np.testing.assert_array_equal(model.layers[1].kernel.numpy().ravel(), [1.0, 1.0])  # epochs=0: untouched
    model.fit(x, y, batch_size=3, epochs=3, verbose=0)
    # Real Keras 3.15 (TF backend): [0.7666851878166199, 0.47972220182418823].
    np.testing.assert_allclose(model.layers[1].kernel.numpy().ravel(), [0.76668519, 0.4797222], rtol=1e-6)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_per_output_losses_average_batches_as_keras_tf_backend(run_eagerly: bool) -> None:
    # 10 samples in batches of 4, 4, 2. The total loss is weighted by batch size; each output's loss
    # too when run eagerly, but in the compiled step every batch weighs 1 (Keras' TF backend sees
    # an unknown batch size there). Real Keras: compiled o1 6.0091 / o2 6.1378, eager 5.0812 / 5.262.
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 4)).astype(np.float32)
    y1 = rng.normal(size=(10, 1)).astype(np.float32)
    y2 = rng.normal(size=(10, 2)).astype(np.float32)
    inp = keras.Input((4,))
    o1 = keras.layers.Dense(1, name="o1", kernel_initializer="ones")(inp)
    o2 = keras.layers.Dense(2, name="o2", kernel_initializer="ones")(inp)
    model = keras.Model(inp, [o1, o2])
    model.compile(keras.optimizers.SGD(0.0), loss=["mse", "mse"], run_eagerly=run_eagerly)
    history = model.fit(x, [y1, y2], batch_size=4, epochs=1, verbose=0, shuffle=False).history
    p1 = x.sum(1, keepdims=True)
    starts = (0, 4, 8)
    l1 = [np.mean((p1[i : i + 4] - y1[i : i + 4]) ** 2) for i in starts]
    l2 = [np.mean((np.repeat(p1, 2, 1)[i : i + 4] - y2[i : i + 4]) ** 2) for i in starts]
    sizes = [4, 4, 2]
    weights = sizes if run_eagerly else None
    np.testing.assert_allclose(history["o1_loss"][0], np.average(l1, weights=weights), rtol=1e-5)
    np.testing.assert_allclose(history["o2_loss"][0], np.average(l2, weights=weights), rtol=1e-5)
    total = np.average(np.array(l1) + np.array(l2), weights=sizes)
    np.testing.assert_allclose(history["loss"][0], total, rtol=1e-5)
    np.testing.assert_allclose(history["o1_loss"][0], 5.0812 if run_eagerly else 6.0091, atol=1e-4)
