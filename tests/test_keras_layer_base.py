"""tf.keras.layers.Layer: building, tracking, training resolution, losses, masks, input specs, configs,
and layers inside GradientTape and tf.function (Keras 3.15's rules)."""

from __future__ import annotations

import typing

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


class Scale(keras.layers.Layer):
    def __init__(self, init="ones", **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer=self.init, name="w")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="count")

    def call(self, x):
        return x * self.w


def test_layer_builds_on_first_call_from_the_input_shape():
    layer = Scale()
    assert not layer.built and layer.weights == []
    y = layer(tf.constant([[1.0, 2.0, 3.0]]))
    assert layer.built
    assert [w.name for w in layer.weights] == ["w", "count"]
    assert [w.path for w in layer.weights] == ["scale/w", "scale/count"]
    assert layer.w.shape == (3,) and layer.count.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy(), [[1.0, 2.0, 3.0]])


def test_numpy_and_list_inputs_become_float32_tensors():
    layer = Scale()
    y = layer(np.ones((2, 3)))  # float64 numpy: cast to the compute dtype, as Keras
    assert y.dtype == tf.float32
    assert layer([[1.0, 2.0, 3.0]]).dtype == tf.float32


def test_add_weight_defaults_glorot_for_floats_zeros_for_ints():
    layer = keras.layers.Layer()
    w = layer.add_weight(shape=(50, 40))
    i = layer.add_weight(shape=(3,), dtype="int32")
    limit = np.sqrt(6 / 90)
    assert np.all(np.abs(w.numpy()) <= limit) and np.std(w.numpy()) > limit / 4
    np.testing.assert_array_equal(i.numpy(), [0, 0, 0])
    assert w.trainable and w.name == "variable_0" and i.name == "variable_1"


def test_default_names_count_per_class_and_restart_after_clear_session():
    assert [keras.layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        keras.layers.Dense(1, name="a/b")


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = keras.layers.Dense(3)
        self.stack = []
        self.stack.append(keras.layers.Dense(2))
        self.table = {"b": keras.layers.Dense(1)}
        self.v = keras.Variable(1.0, name="v")  # (a plain tf.Variable is no weight, as Keras 3.15)

    def call(self, x):
        return self.table["b"](self.stack[0](self.first(x))) * self.v


def test_layers_in_attributes_lists_and_dicts_are_tracked_in_assignment_order():
    block = Block()
    block(tf.ones([2, 4]))
    assert [layer.name for layer in block._layers] == ["dense", "dense_1", "dense_2"]
    names = [w.path if hasattr(w, "path") else w.name for w in block.weights]
    assert names == [
        "v",
        "block/dense/kernel",
        "block/dense/bias",
        "block/dense_1/kernel",
        "block/dense_1/bias",
        "block/dense_2/kernel",
        "block/dense_2/bias",
    ]
    assert len(block.trainable_variables) == 7 and block.submodules[0] is block.first


def test_freezing_a_layer_moves_all_its_weights_to_non_trainable_and_reaches_sublayers():
    block = Block()
    block(tf.ones([2, 4]))
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 7
    assert not block.first.trainable
    block.first.trainable = True
    assert len(block.first.trainable_weights) == 2


class Probe(keras.layers.Layer):
    seen: typing.ClassVar[list] = []

    def call(self, x, training=None):
        Probe.seen.append(training)
        return x


class Outer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = Probe()
        self.forced = Probe()

    def call(self, x, training=None):
        x = self.inner(x)
        return self.forced(x, training=False)


def test_training_reaches_nested_layers_unless_they_are_passed_it_explicitly():
    Probe.seen = []
    outer = Outer()
    outer(tf.ones([1]), training=True)
    assert Probe.seen == [True, False]
    Probe.seen = []
    outer(tf.ones([1]))
    assert Probe.seen == [None, False]


def test_training_default_of_the_signature_is_used_without_an_outer_value():
    class Default(keras.layers.Layer):
        def call(self, x, training=True):
            return x * (2.0 if training else 1.0)

    np.testing.assert_allclose(Default()(tf.ones([1])).numpy(), [2.0])
    np.testing.assert_allclose(Default()(tf.ones([1]), training=False).numpy(), [1.0])


class Penalized(keras.layers.Layer):
    def call(self, x):
        self.add_loss(tf.reduce_sum(x))
        return x


def test_add_loss_holds_the_last_calls_losses_and_regularizers_are_computed_on_access():
    layer = Penalized()
    layer(tf.ones([2]))
    layer(tf.ones([3]))
    assert [float(x) for x in layer.losses] == [3.0]
    dense = keras.layers.Dense(2, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.5))
    dense(tf.ones([1, 3]))
    np.testing.assert_allclose([float(x) for x in dense.losses], [0.5 * 6.0])


def test_activity_regularizer_loss_is_divided_by_the_batch_size():
    dense = keras.layers.Dense(1, kernel_initializer="ones", activity_regularizer=keras.regularizers.L1(1.0))
    dense(tf.ones([4, 2]))
    np.testing.assert_allclose([float(x) for x in dense.losses], [4 * 2.0 / 4])


def test_regularization_loss_is_differentiable_through_a_tape():
    dense = keras.layers.Dense(1, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.1))
    with tf.GradientTape() as tape:
        dense(tf.ones([1, 2]))
        loss = tf.add_n(dense.losses)
    g = tape.gradient(loss, dense.kernel)
    np.testing.assert_allclose(g.numpy(), 0.2 * np.ones((2, 1)), rtol=1e-6)


def test_input_spec_errors_use_keras_messages():
    dense = keras.layers.Dense(2)
    with pytest.raises(ValueError, match=r"expected min_ndim=2, found ndim=1"):
        dense(tf.ones([3]))
    dense(tf.ones([1, 3]))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        dense(tf.ones([1, 4]))


def test_call_without_super_init_raises_runtime_error():
    class Broken(keras.layers.Layer):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="forgot to call `super"):
        Broken()(tf.ones([1]))


def test_unknown_constructor_keyword_raises():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        keras.layers.Dense(2, foo=1)


class MaskFirst(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, x):
        return x

    def compute_mask(self, inputs, previous_mask):
        return tf.not_equal(inputs[..., 0], 0.0)


class ReadMask(keras.layers.Layer):
    got = None

    def call(self, x, mask=None):
        ReadMask.got = mask
        return x


def test_masks_propagate_to_the_next_layers_mask_argument():
    x = tf.constant([[[1.0], [0.0], [2.0]]])
    y = MaskFirst()(x)
    ReadMask()(y)
    np.testing.assert_array_equal(ReadMask.got.numpy(), [[True, False, True]])


def test_get_config_round_trip_of_dense():
    dense = keras.layers.Dense(3, activation="relu", use_bias=False, name="d")
    config = dense.get_config()
    assert config["units"] == 3 and config["activation"] == "relu" and config["name"] == "d"
    clone = keras.layers.Dense.from_config(config)
    assert clone.get_config() == config


def test_set_weights_checks_count_and_shapes_and_changes_nothing_on_error():
    dense = keras.layers.Dense(2)
    dense(tf.ones([1, 3]))
    before = dense.get_weights()
    with pytest.raises(ValueError, match="was expecting 2 weights"):
        dense.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"weight shape \(2,\) is not compatible"):
        dense.set_weights([np.ones((3, 2)), np.ones((3,))])
    for a, b in zip(before, dense.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    dense.set_weights([np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_array_equal(dense(tf.ones([1, 3])).numpy(), [[3.0, 3.0]])


def test_count_params_of_an_unbuilt_layer_raises():
    with pytest.raises(ValueError, match="isn't built"):
        keras.layers.Dense(2).count_params()


def test_layer_first_called_inside_tf_function_builds_concrete_weights_and_traces_as_tf():
    dense = keras.layers.Dense(2, kernel_initializer="ones")

    @tf.function
    def f(x):
        return dense(x)

    np.testing.assert_array_equal(f(tf.ones([1, 3])).numpy(), [[3.0, 3.0]])
    assert dense.built and isinstance(dense.kernel.numpy(), np.ndarray)
    f(tf.ones([1, 3]))
    assert f.experimental_get_tracing_count() == 2  # TF 2.21: 2 (the first call created Variables: traced twice)
    dense.kernel.assign(2 * np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(f(tf.ones([1, 3])).numpy(), [[6.0, 6.0]])  # the weight is lifted, not baked in


def test_random_weights_created_inside_tf_function_differ_between_layers():
    a, b = keras.layers.Dense(4), keras.layers.Dense(4)

    @tf.function
    def f(x):
        return a(x) + b(x)

    f(tf.ones([1, 4]))
    assert not np.allclose(a.kernel.numpy(), b.kernel.numpy())


def test_constraint_is_applied_by_the_optimizer_after_each_update():
    dense = keras.layers.Dense(1, kernel_initializer="ones", kernel_constraint=keras.constraints.NonNeg())
    dense(tf.ones([1, 2]))
    opt = keras.optimizers.SGD(learning_rate=10.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(dense(tf.ones([1, 2])))
    opt.apply_gradients(zip(tape.gradient(loss, dense.trainable_weights), dense.trainable_weights, strict=False))
    np.testing.assert_array_equal(dense.kernel.numpy(), np.zeros((2, 1)))  # 1 - 10 < 0, projected to 0
    np.testing.assert_allclose(dense.bias.numpy(), [-10.0])  # unconstrained


def test_keras_variable_repr_and_path():
    dense = keras.layers.Dense(1, kernel_initializer="zeros", name="out")
    dense.build((None, 2))
    assert repr(dense.kernel).startswith("<Variable path=out/kernel, shape=(2, 1), dtype=float32, value=")
    assert dense.built


class PassMask(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, x, mask=None):
        return x * 1.0


def test_a_numpy_mask_is_passed_on_as_a_bool_tensor():
    out = PassMask()(tf.constant([[[1.0], [2.0]]]), mask=np.array([[True, False]]))
    assert isinstance(out._keras_mask, tf.Tensor) and out._keras_mask.dtype == tf.bool
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False]])


def test_freezing_a_sublayer_leaves_its_weights_out_of_the_models_trainable_weights():
    # Keras 3 flips the frozen layer's weights to trainable=False (checked in Keras 3.15: 2 and 2).
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    assert not model.layers[0].kernel.trainable
    assert all(w is not model.layers[0].kernel for w in model.trainable_variables)
    model.layers[0].trainable = True
    assert len(model.trainable_weights) == 4 and model.layers[0].kernel.trainable
