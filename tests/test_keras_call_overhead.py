"""The behaviour kept by the Keras call fast paths (issue 18): a Sequential's chain of layer calls, the
one-tensor layer call, ``weights`` and the loss clearing; values checked in Keras 3.15 on TF 2.21."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.keras.layers import layer as layer_module

keras = tf.keras


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def _mlp() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(2, kernel_initializer="ones"),
            keras.layers.Dense(1, kernel_initializer="ones"),
        ]
    )


def test_sequential_of_dense_records_the_ops_of_the_hand_written_model():
    # No cast, identity, reshape or extra read: the program is the hand-written one (Keras' Dense adds
    # its bias with ops.add, the AddV2 of `x @ w + b`).
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
    x = tf.ones([2, 3])
    with tf.GradientTape() as tape:
        y = model(x, training=True)
    w1, b1, w2, b2 = model.trainable_weights
    with tf.GradientTape() as hand_tape:
        y_hand = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    assert [n.op.name for n in tape._nodes] == [n.op.name for n in hand_tape._nodes]
    assert [n.op.name for n in tape._nodes] == ["MatMul", "AddV2", "Relu", "MatMul", "AddV2"]
    np.testing.assert_array_equal(y.numpy(), y_hand.numpy())


def test_dense_bias_gradient_sums_over_every_leading_axis():
    dense = keras.layers.Dense(2, kernel_initializer="ones")
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(2, 2, 3))
    with tf.GradientTape() as tape:
        y = dense(x)
    kernel_grad, bias_grad = tape.gradient(y, [dense.kernel, dense.bias])
    np.testing.assert_array_equal(bias_grad.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(kernel_grad.numpy(), np.tile(x.numpy().reshape(4, 3).sum(0)[:, None], (1, 2)))


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((2, 3), "float32"), ((2, 3), "float64"), ((2, 3), "int32"), ((2, 3, 1), "float32")],
    ids=["same", "float64-cast", "int-cast", "rank-plus-one-squeezed"],
)
def test_sequential_call_casts_and_fixes_the_rank_of_its_input_as_keras(shape, dtype):
    out = _mlp()(tf.constant(np.arange(6).reshape(shape).astype(dtype)))
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), [[6.0], [24.0]])  # Keras 3.15's values, every case


def test_sequential_call_adds_the_missing_last_axis_of_size_one():
    model = keras.Sequential(
        [keras.Input((3, 1)), keras.layers.Flatten(), keras.layers.Dense(1, kernel_initializer="ones")]
    )
    np.testing.assert_array_equal(
        model(tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))).numpy(), [[3.0], [12.0]]
    )


def test_masks_reach_the_layers_of_a_sequential_from_the_input_or_the_argument():
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    x._keras_mask = tf.constant([True, False])
    np.testing.assert_array_equal(_mlp()(x)._keras_mask.numpy(), [True, False])
    out = _mlp()(tf.constant(np.ones((2, 3), np.float32)), mask=tf.constant([False, True]))
    np.testing.assert_array_equal(out._keras_mask.numpy(), [False, True])


def _probe_class(seen: list) -> type:
    class Probe(keras.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    return Probe


def test_training_reaches_every_layer_of_a_sequential_and_an_explicit_value_is_inherited_after_it():
    seen: list = []
    probe = _probe_class(seen)
    model = keras.Sequential([keras.Input((2,)), probe(), probe()])
    seen.clear()
    model(tf.ones([1, 2]), training=True)
    model(tf.ones([1, 2]))
    assert seen == [True, True, None, None]

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = probe(), probe(), probe()

        def call(self, x):  # (no `training` argument: the value passed to the outer call still reaches them)
            return self.c(self.b(self.a(x), training=False))

    seen.clear()
    Outer()(tf.ones([1, 2]), training=True)
    assert seen == [True, False, False]  # Keras 3.15: the explicit False is the context's value after it


class _Penalized(keras.layers.Layer):
    def call(self, x):
        self.add_loss(tf.reduce_sum(x))
        return x


def test_losses_are_cleared_at_each_outer_call_once_a_layer_added_one(monkeypatch):
    # (as in a fresh process: no loss added yet, so calls skip the clearing until the first add_loss)
    monkeypatch.setattr(layer_module, "_losses_added", False)
    model = keras.Sequential([keras.Input((2,)), _Penalized(), keras.layers.Dense(1)])
    model(tf.ones([1, 2]))
    model(tf.ones([3, 2]))
    assert [float(v) for v in model.losses] == [6.0]
    model.layers[0](tf.ones([1, 2]))
    assert [float(v) for v in model.losses] == [2.0]


def test_weights_of_a_layer_used_twice_are_listed_once_in_the_order_of_first_use():
    shared = keras.layers.Dense(3, name="shared")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="top")(shared(shared(inputs))))
    paths = ["shared/kernel", "shared/bias", "top/kernel", "top/bias"]
    assert [w.path for w in model.weights] == paths  # Keras 3.15's list
    assert [w.path for w in model.trainable_weights] == paths
    shared.trainable = False
    assert [w.path for w in model.trainable_weights] == paths[2:]
    assert [w.path for w in model.non_trainable_weights] == paths[:2]
