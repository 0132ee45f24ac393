"""A Keras layer constructed frozen (``trainable=False``): its weights are not trained (Keras 3.15 on TF 2.21).

Keras' ``Layer._track_variable`` sets a new weight's ``trainable`` to False when its layer is not
trainable; the weight stays watched by tapes (it was created trainable). Values checked in Keras-on-TF.
"""

import numpy as np

import tapejax as tf

keras = tf.keras


def test_a_layer_built_frozen_has_untrained_weights_and_fit_leaves_them():
    d = keras.layers.Dense(2, trainable=False)
    d.build((None, 3))
    assert (d.kernel.trainable, d.trainable, len(d.trainable_weights), len(d.non_trainable_weights)) == (False, False, 0, 2)
    m = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(2, trainable=False, kernel_initializer="ones"),
            keras.layers.Dense(1, kernel_initializer="ones"),
        ]
    )
    assert len(m.trainable_variables) == 2
    m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    m.fit(np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32), epochs=1, verbose=0)
    frozen_kernel, frozen_bias, kernel, bias = (w.numpy() for w in m.weights)
    np.testing.assert_array_equal(frozen_kernel, np.ones((3, 2)))  # (Keras-on-TF: unchanged)
    np.testing.assert_array_equal(frozen_bias, np.zeros(2))
    np.testing.assert_allclose(kernel, [[0.64], [0.64]], rtol=1e-6)  # (Keras-on-TF's values)
    np.testing.assert_allclose(bias, [-0.12], rtol=1e-6)


def test_a_frozen_layers_weights_are_still_watched_and_unfreezing_trains_them():
    d = keras.layers.Dense(1, trainable=False, kernel_initializer="ones")
    x = tf.ones((1, 2))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(d(x))
    np.testing.assert_array_equal(tape.gradient(y, d.kernel).numpy(), np.ones((2, 1)))  # (TF: watched)
    d.trainable = True
    assert d.kernel.trainable and len(d.trainable_weights) == 2
