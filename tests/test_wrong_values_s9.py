"""Silent wrong values and faithfulness gaps left from session 8 (issue 18, engineer W).

Every expected value here was checked in TF 2.21 / Keras 3.15 (``/tmp/tfenv``), as each comment says.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax import keras


# -- a Keras weight frozen after creation is still watched (its tf.Variable keeps trainable=True) -------
def test_a_layer_frozen_after_build_is_still_watched_by_tapes() -> None:
    # Keras 3.15 on TF 2.21: `layer.trainable = False` sets the Keras Variable's flag (trainable_weights
    # leave it out), but the tf.Variable under it was made trainable and stays watched: gradients are
    # ones here, and watched_variables() lists both weights.
    d = keras.layers.Dense(2, kernel_initializer="ones")
    d.build((None, 3))
    d.trainable = False
    assert d.kernel.trainable is False and d.trainable_weights == []
    assert [w.name for w in d.non_trainable_weights] == ["kernel", "bias"]
    with tf.GradientTape() as t:
        y = tf.reduce_sum(d(tf.ones((1, 3))))
    gk, gb = t.gradient(y, [d.kernel, d.bias])
    np.testing.assert_array_equal(gk.numpy(), np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(gb.numpy(), np.ones(2, np.float32))
    assert {id(v) for v in t.watched_variables()} == {id(d.kernel), id(d.bias)}

    @tf.function
    def grad_in_function(x: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as t:
            y = tf.reduce_sum(d(x))
        return t.gradient(y, d.bias)

    np.testing.assert_array_equal(grad_in_function(tf.ones((1, 3))).numpy(), [1.0, 1.0])


def test_the_watch_flag_is_fixed_when_the_weight_is_created() -> None:
    # TF: a weight created with trainable=False is not watched, even after `.trainable = True` (then it
    # is in trainable_weights, and its gradient is None); one created trainable is watched after
    # `.trainable = False`.
    layer = keras.layers.Layer()
    late = layer.add_weight(shape=(2,), initializer="ones", trainable=False)
    late.trainable = True
    frozen = layer.add_weight(shape=(2,), initializer="ones")
    frozen.trainable = False
    assert [id(w) for w in layer.trainable_weights] == [id(late)]
    with tf.GradientTape() as t:
        y = tf.reduce_sum(late * 2.0 + frozen * 3.0)
    g_late, g_frozen = t.gradient(y, [late, frozen])
    assert g_late is None
    np.testing.assert_array_equal(g_frozen.numpy(), [3.0, 3.0])
    v = tf.Variable([1.0, 2.0], trainable=False)  # a plain tf.Variable: not watched
    with tf.GradientTape() as t:
        y = tf.reduce_sum(v * v)
    assert t.gradient(y, v) is None


def test_frozen_batch_normalization_watches_gamma_and_beta_not_its_moving_statistics() -> None:
    # TF 2.21 values (a frozen BatchNormalization normalizes with its moving statistics even with
    # training=True; gamma/beta still get gradients, the moving statistics, non-trainable from the
    # start, get None).
    bn = keras.layers.BatchNormalization()
    bn.build((None, 2))
    bn.trainable = False
    xb = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(bn(xb, training=True) ** 2)
    grads = t.gradient(y, bn.weights)
    np.testing.assert_allclose(grads[0].numpy(), [19.98, 57.9421], rtol=1e-5)
    np.testing.assert_allclose(grads[1].numpy(), [7.996, 13.993], rtol=1e-5)
    assert grads[2] is None and grads[3] is None
    assert sorted(v.name for v in t.watched_variables()) == ["beta", "gamma"]


def test_a_training_step_and_a_frozen_model_leave_frozen_weights_out() -> None:
    # Keras 3.15 on TF 2.21: a step over trainable_weights leaves the frozen first layer unchanged (these
    # are TF's values after fit's one SGD step on this batch; the step below is fit's train_step),
    # model.trainable = False empties trainable_weights and flips every weight's own flag, and the
    # weights are still watched.
    m = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(2, kernel_initializer="ones"),
            keras.layers.Dense(1, kernel_initializer="ones"),
        ]
    )
    m.layers[0].trainable = False
    with tf.GradientTape() as t:
        loss = keras.losses.MeanSquaredError()(np.zeros((4, 1), np.float32), m(np.ones((4, 3), np.float32)))
    keras.optimizers.SGD(0.1).apply_gradients(
        zip(t.gradient(loss, m.trainable_weights), m.trainable_weights, strict=True)
    )
    k0, b0, k1, b1 = (w.numpy() for w in m.weights)
    np.testing.assert_array_equal(k0, np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(b0, [0.0, 0.0])
    np.testing.assert_allclose(k1, [[-2.6], [-2.6]], rtol=1e-6)
    np.testing.assert_allclose(b1, [-1.2], rtol=1e-6)
    m.trainable = False
    assert m.trainable_weights == [] and len(m.non_trainable_weights) == 4
    assert [w.trainable for w in m.weights] == [False] * 4
    with tf.GradientTape() as t:
        y = tf.reduce_sum(m(tf.ones((1, 3))))
    assert all(g is not None for g in t.gradient(y, m.weights))


# -- reduce_max / reduce_min gradients at a NaN result -------------------------------------------------
def test_reduce_max_and_min_gradients_are_nan_where_the_result_is_nan() -> None:
    # TF 2.21's Max/Min gradient is indicators / count * upstream: a NaN result (no element equal to
    # it) gives 0 / 0, NaN for every element of its group; tapejax gave 0 (JAX's rule selects).
    nan = np.nan
    v = tf.Variable([nan, 1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        hi, lo = tf.reduce_max(v), tf.reduce_min(v)
    assert np.isnan(t.gradient(hi, v).numpy()).all() and np.isnan(t.gradient(lo, v).numpy()).all()
    w = tf.Variable(np.array([[nan, 1.0], [2.0, 2.0]], np.float64))
    with tf.GradientTape(persistent=True) as t:
        rows = tf.reduce_min(w, axis=1, keepdims=True)
        cols = tf.reduce_max(w, axis=0)
    np.testing.assert_array_equal(t.gradient(rows, w).numpy(), [[nan, nan], [0.5, 0.5]])
    np.testing.assert_array_equal(t.gradient(cols, w).numpy(), [[nan, 0.0], [nan, 1.0]])
    f = tf.function(lambda x: tf.reduce_max(x) * 0.0)  # (a zero upstream gradient: still NaN, as TF)
    with tf.GradientTape() as t:
        y = f(v)
    assert np.isnan(t.gradient(y, v).numpy()).all()
    # Ties still share, a NaN upstream gradient reaches every element (TF multiplies), second order 0.
    u = tf.Variable([3.0, 1.0, 3.0])
    with tf.GradientTape() as t2:
        with tf.GradientTape(persistent=True) as t1:
            y = tf.reduce_max(u * u)
            z = tf.reduce_max(u) * nan
        g = t1.gradient(y, u)
    np.testing.assert_array_equal(g.numpy(), [3.0, 0.0, 3.0])
    np.testing.assert_array_equal(t2.gradient(g, u).numpy(), [1.0, 0.0, 1.0])
    assert np.isnan(t1.gradient(z, u).numpy()).all()


# -- gradients through tf.function of ops without a TF gradient, w.r.t. 0-size sources -----------------
def test_function_gradient_of_an_op_without_tf_gradient_wrt_an_empty_source_is_none() -> None:
    # TF 2.21: Round, Floor and FloorDiv have no gradient, so None for any size (tapejax gave an
    # empty Tensor for a 0-size source through tf.function); round(e) + e is still connected: [].
    e = tf.Variable(np.zeros((0,), np.float32))
    for fn in (tf.round, tf.math.floor, lambda v: v // 2.0):
        f = tf.function(fn)
        with tf.GradientTape() as t:
            y = f(e)
        assert t.gradient(y, e) is None
    f = tf.function(lambda v: tf.round(v) + v)
    with tf.GradientTape() as t:
        y = f(e)
    assert t.gradient(y, e).shape == (0,)


def test_scatter_nd_of_bool_updates_combines_duplicates_by_or() -> None:
    # TF 2.21 computes ScatterNd for bool (tapejax raised): [False, True] at one index is True, as is
    # [True, False] (a logical or, not the last write), eagerly and in tf.function.
    got = tf.scatter_nd([[0], [0], [2], [2]], tf.constant([False, True, True, False]), [4])
    np.testing.assert_array_equal(got.numpy(), [True, False, True, False])
    f = tf.function(lambda u: tf.scatter_nd([[0, 1], [0, 1]], u, [2, 2]))
    np.testing.assert_array_equal(f(tf.constant([False, True])).numpy(), [[False, True], [False, False]])


def test_bools_in_int_list_arguments_as_tf() -> None:
    # TF 2.21 converts a Python list to an int32 Tensor with the type of its first element: a list
    # starting with a bool and holding a number, or holding a NumPy bool among numbers, is TF's
    # ValueError; bools after a number are 0s and 1s; an all-bool list with a NumPy bool is a bool
    # Tensor (InvalidArgumentError); squeeze's axis is an attribute (any bool is an int); eye's
    # num_rows may not be a bool (TypeError). tapejax accepted or refused the other way round.
    x = tf.ones([2, 1, 2])
    assert tf.reduce_sum(x, axis=[0, True]).shape == (2,)
    assert tf.transpose(tf.ones([2, 3]), [0, True]).shape == (2, 3)
    for bad in ([True, 1], [1, np.True_], [np.True_, 1]):
        with pytest.raises(ValueError, match="mixed types"):
            tf.reduce_sum(x, axis=bad)
    for bad in ([np.True_], [True, np.True_]):
        with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'Tidx' of bool"):
            tf.reduce_max(x, axis=bad)
    assert tf.squeeze(x, axis=[True, 1]).shape == (2, 2)
    for bad in (True, np.True_):
        with pytest.raises(TypeError):
            tf.eye(bad)
    assert tf.eye(2, True).shape == (2, 1)
