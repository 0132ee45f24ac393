"""Session 10's fixes of values and errors that differed from TF 2.21 (engineer W).

Each expectation was checked in TF 2.21 (the comments give TF's results); each test fails on the
session's start commit.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def test_gather_checks_indices_only_when_it_copies_something():
    # TF 2.21: gather(zeros([0, 3]), [5], axis=1) -> shape (0, 1), no error (nothing is copied, so
    # no index is checked); gather(zeros([2, 0]), [0], axis=1) -> InvalidArgumentError
    # "indices[0] = 0 is not in [0, 0)"; empty indices into an empty axis -> shape (2, 0).
    assert tf.gather(tf.zeros([0, 3]), [5], axis=1).shape == (0, 1)
    assert tf.gather(tf.zeros([2, 3, 0]), [[5], [0]], axis=1, batch_dims=1).shape == (2, 1, 0)
    assert tf.gather(tf.zeros([2, 0]), tf.zeros([0], tf.int32), axis=1).shape == (2, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"is not in \[0, 0\)"):
        tf.gather(tf.zeros([2, 0]), [0], axis=1)
    # tf.function: the same (TF: (0, 1)); tapejax's run-time index check saw the out-of-range index.
    f = tf.function(lambda p, i: tf.gather(p, i, axis=1))
    assert f(tf.zeros([0, 3]), tf.constant([5])).shape == (0, 1)


def test_gather_nd_into_empty_params_raises_as_tf():
    # TF 2.21: gather_nd(zeros([2, 0]), [[0]]) -> InvalidArgumentError "Requested more than 0
    # entries, but params is empty." (tapejax returned shape (1, 0)); also for indices with an empty
    # last axis ([2, 0] indices into zeros([0, 3])); no index tuples -> the empty result (0, 3).
    with pytest.raises(tf.errors.InvalidArgumentError, match="params is empty"):
        tf.gather_nd(tf.zeros([2, 0]), [[0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="params is empty"):
        tf.gather_nd(tf.zeros([0, 3]), tf.zeros([2, 0], tf.int32))
    assert tf.gather_nd(tf.zeros([0, 3]), tf.zeros([0, 1], tf.int32)).shape == (0, 3)
    # Under a tape TF raises too (ResourceGatherNd); tapejax gave a zero gradient.
    v = tf.Variable(tf.zeros([2, 0]))
    with tf.GradientTape() as tape, pytest.raises(tf.errors.InvalidArgumentError, match="params is empty"):
        tf.gather_nd(v, [[1]])
    del tape


def test_matrix_diag_of_empty_diagonal_off_the_main_one():
    # TF 2.21: tf.linalg.diag(zeros([0]), k=1, padding_value=5.) -> [[5.]] (a 1 x 1 matrix of padding);
    # with num_cols=2 and k=-1 -> [[5., 5.]]; batched [2, 0] -> shape (2, 1, 1). tapejax raised.
    np.testing.assert_array_equal(tf.linalg.diag(tf.zeros([0]), k=1, padding_value=5.0).numpy(), [[5.0]])
    np.testing.assert_array_equal(tf.linalg.diag(tf.zeros([0]), k=-1, num_cols=2, padding_value=5.0), [[5.0, 5.0]])
    assert tf.linalg.diag(tf.zeros([2, 0]), k=1).shape == (2, 1, 1)


def test_igamma_of_huge_arguments_is_bounded_as_tf():
    # TF 2.21 (Eigen: at most 2000 series terms) returns at once: igamma(1e30, 1e30) = 2.001e-27 in
    # float64 (its gradients: d/da -1.2525e-55, d/dx 1.0, also here: /tmp/W/i5.py's grid). XLA's
    # series has no iteration cap: tapejax ran for minutes. igamma(1e15, 1e15) = 1.778110713967036e-05.
    p = tf.math.igamma(tf.constant([1e30, 1e15], tf.float64), tf.constant([1e30, 1e15], tf.float64))
    np.testing.assert_allclose(p.numpy(), [2.001e-27, 1.778110713967036e-05], rtol=1e-9)


def test_bools_in_shape_arguments_as_tf():
    # TF 2.21 converts a shape list by its first element's type: [True, -1] / [True, 2] is ValueError
    # ("mixed types") for reshape, fill, broadcast_to and the random ops (tapejax: reshape(x, [True, -1])
    # gave shape (1, 4), fill/broadcast_to/uniform([True, 2]) gave (1, 2)); a NumPy bool among ints is
    # ValueError everywhere (zeros([np.True_, 2]) was (1, 2)); [2, True] is [2, 1].
    x = tf.range(4.0)
    for fn in (
        lambda d: tf.reshape(x, d),
        lambda d: tf.fill(d, 1.0),
        lambda d: tf.broadcast_to(1.0, d),
        lambda d: tf.random.uniform(d),
    ):
        with pytest.raises(ValueError, match="mixed types"):
            fn([True, -1])
        with pytest.raises(ValueError, match="mixed types"):
            fn([2, np.True_])
        assert fn([4, True]).shape == (4, 1)
    with pytest.raises(ValueError, match="mixed types"):
        tf.zeros([np.True_, 2])
    # zeros/ones convert with an explicit int32: [True, 2] is [1, 2]; np.True_ alone is 1; an
    # all-NumPy-bool list is TypeError.
    assert tf.ones([True, 2]).shape == (1, 2)
    assert tf.zeros(np.True_).shape == (1,)
    with pytest.raises(TypeError):
        tf.zeros([np.True_])
    # The random ops infer the shape's dtype: an all-bool list, a bool or a bool Tensor is a bool
    # shape, InvalidArgumentError (tapejax drew shape (1,)); so is a bool shape Tensor for zeros.
    for shape in ([True], True, tf.constant([True])):
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.random.normal(shape)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.zeros(tf.constant([True, True]))


def test_keras_variable_takes_keras_arguments_and_plain_tf_variables_are_no_weights():
    # Keras 3.15 (tf.keras in TF 2.21): keras.Variable(1.0) is a float32 weight named "variable...";
    # an initializer name or callable with shape; no shape for an initializer is ValueError
    # (tapejax: TypeError, name and path were required keyword arguments).
    v = tf.keras.Variable("ones", shape=(2,), name="w", trainable=False)
    assert (v.name, v.path, v.trainable, v.numpy().tolist()) == ("w", "w", False, [1.0, 1.0])
    assert tf.keras.Variable(1.0).dtype == tf.float32
    assert tf.keras.Variable(lambda shape, dtype: np.full(shape, 5.0), shape=(2,)).numpy().tolist() == [5.0, 5.0]
    with pytest.raises(ValueError, match="shape"):
        tf.keras.Variable("zeros")

    # A plain tf.Variable attribute is no weight of a Keras layer (TF 2.21: layer.weights == [],
    # model.trainable_weights == [], fit leaves it at 2.0 and save_weights does not save it);
    # tapejax tracked it and fit trained it (2.0 -> 1.0). A keras.Variable attribute is a weight.
    class Scale(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.plain = tf.Variable(2.0)
            self.weight = tf.keras.Variable(3.0, name="weight")

        def call(self, x):
            return x * self.plain * self.weight

    layer = Scale()
    assert [w.name for w in layer.weights] == ["weight"]
    model = tf.keras.Sequential([tf.keras.Input((1,)), layer])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    model.fit(np.ones([4, 1], np.float32), np.zeros([4, 1], np.float32), epochs=1, batch_size=4, verbose=0)
    assert float(layer.plain.numpy()) == 2.0 and float(layer.weight.numpy()) != 3.0
