"""tf.keras core, activation and regularization layers: values against NumPy, masks, training-only
randomness (eager, seeded, inside tf.function), gradients through a tape, configs and Keras' errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapejax as tf

L = tf.keras.layers
RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_names():
    tf.keras.backend.clear_session()


def _x(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _roundtrip(layer):
    """A layer rebuilt from its config has the same config."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def test_default_names_follow_keras_snake_case():
    assert L.SpatialDropout1D(0.1).name == "spatial_dropout1d"
    assert [L.ReLU().name, L.ReLU().name, L.PReLU().name] == ["re_lu", "re_lu_1", "p_re_lu"]
    assert L.RepeatVector(2).name == "repeat_vector"


# -- Dropout -------------------------------------------------------------------------------------------
def test_dropout_is_the_identity_unless_training():
    x = _x(3, 4)
    layer = L.Dropout(0.5)
    assert layer.built and layer.weights == []
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)


def test_dropout_in_training_zeroes_about_rate_and_scales_the_rest():
    x = np.ones((100, 100), np.float32)
    y = L.Dropout(0.3)(x, training=True).numpy()
    assert y.dtype == np.float32 and y.shape == (100, 100)
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / 0.7)}
    assert 0.27 < np.mean(y == 0) < 0.33


def test_dropout_rate_one_gives_zeros_and_rate_zero_the_input():
    x = _x(2, 3)
    np.testing.assert_array_equal(L.Dropout(1.0)(x, training=True).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(L.Dropout(0.0)(x, training=True).numpy(), x)


def test_dropout_noise_shape_broadcasts_one_mask():
    y = L.Dropout(0.5, noise_shape=(None, 1, 5))(np.ones((4, 3, 5), np.float32), training=True).numpy()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1], y.shape))


def test_seeded_dropouts_repeat_each_other_and_advance_per_call():
    x = np.ones((8, 8), np.float32)
    a, b = L.Dropout(0.5, seed=7), L.Dropout(0.5, seed=7)
    a1, a2 = a(x, training=True).numpy(), a(x, training=True).numpy()
    np.testing.assert_array_equal(a1, b(x, training=True).numpy())
    assert not np.array_equal(a1, a2)


def test_unseeded_dropout_repeats_after_set_seed():
    x = np.ones((8, 8), np.float32)
    tf.random.set_seed(3)
    first = L.Dropout(0.5)(x, training=True).numpy()
    tf.random.set_seed(3)
    np.testing.assert_array_equal(L.Dropout(0.5)(x, training=True).numpy(), first)


@pytest.mark.parametrize("seed", [None, 5])
def test_dropout_inside_function_draws_a_new_mask_per_call(seed):
    layer = L.Dropout(0.5, seed=seed)
    step = tf.function(lambda x: layer(x, training=True))
    x = tf.ones([8, 8])
    y1, y2 = step(x).numpy(), step(x).numpy()
    assert set(np.unique(y1).tolist()) <= {0.0, 2.0}
    assert not np.array_equal(y1, y2)


def test_dropout_gradient_is_the_kept_mask_scaled():
    x = tf.constant(_x(4, 5))
    layer = L.Dropout(0.4, seed=1)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, (y.numpy() != 0) / 0.6, rtol=1e-6)


def test_dropout_passes_the_mask_and_follows_the_outer_training_flag():
    model = tf.keras.Sequential([L.Masking(), L.Dropout(0.99)])
    x = np.ones((1, 50, 2), np.float32)
    x[0, 3] = 0.0
    y = model(x, training=True)
    assert np.mean(y.numpy() == 0) > 0.9
    assert y._keras_mask.numpy()[0, 3] == False  # noqa: E712
    np.testing.assert_array_equal(model(x).numpy(), x)


def test_dropout_config_and_errors():
    layer = L.Dropout(0.25, noise_shape=[None, 1], seed=3, name="d")
    config = _roundtrip(layer).get_config()
    assert {k: config[k] for k in ("name", "rate", "seed", "noise_shape")} == {
        "name": "d",
        "rate": 0.25,
        "seed": 3,
        "noise_shape": (None, 1),
    }
    with pytest.raises(ValueError, match=r"Expected a float value between 0 and 1. Received: rate=1.5"):
        L.Dropout(1.5)
    with pytest.raises(ValueError, match="Expected a tuple or list of integers"):
        L.Dropout(0.5, noise_shape="ab")
    with pytest.raises(ValueError, match="Received negative or zero value at index 1: 0"):
        L.Dropout(0.5, noise_shape=(None, 0))
    with pytest.raises(ValueError, match="`seed` must be an integer"):
        L.Dropout(0.5, seed="x")


# -- spatial dropouts, noise ------------------------------------------------------------------------------
def test_spatial_dropouts_drop_whole_channels():
    y = L.SpatialDropout1D(0.5)(np.ones((4, 6, 8), np.float32), training=True).numpy()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    y = L.SpatialDropout2D(0.5, data_format="channels_first")(np.ones((3, 6, 4, 5), np.float32), training=True).numpy()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :, :1, :1], y.shape))
    # The mask shapes Keras draws (the layers' own helper, without drawing).
    assert L.SpatialDropout2D(0.5)._noise_shape((3, 4, 5, 6)) == (3, 1, 1, 6)
    assert L.SpatialDropout3D(0.5)._noise_shape((2, 3, 4, 5, 6)) == (2, 1, 1, 1, 6)
    assert L.SpatialDropout3D(0.5, data_format="channels_first")._noise_shape((2, 3, 4, 5, 6)) == (2, 3, 1, 1, 1)


def test_spatial_dropout_config_is_keras_short_form_and_checks_rank():
    layer = L.SpatialDropout2D(0.2, seed=1, name="s")
    assert layer.get_config() == {
        "rate": 0.2,
        "seed": 1,
        "name": "s",
        "dtype": "float32",
        "data_format": "channels_last",
    }
    _roundtrip(layer)
    assert L.SpatialDropout1D(0.2).get_config() == {
        "rate": 0.2,
        "seed": None,
        "name": "spatial_dropout1d",
        "dtype": "float32",
    }
    with pytest.raises(TypeError):
        L.SpatialDropout1D(0.2, trainable=False)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        L.SpatialDropout1D(0.2)(np.ones((2, 3), np.float32))


def test_gaussian_noise_adds_noise_of_stddev_in_training_only():
    x = np.zeros((200, 100), np.float32)
    layer = L.GaussianNoise(0.5, seed=2)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert y.dtype == np.float32
    assert abs(y.mean()) < 0.02 and abs(y.std() - 0.5) < 0.02
    with pytest.raises(ValueError, match="Received: stddev=2"):
        L.GaussianNoise(2)
    assert _roundtrip(layer).stddev == 0.5


def test_gaussian_dropout_multiplies_by_noise_of_mean_one():
    x = np.full((200, 100), 2.0, np.float32)
    layer = L.GaussianDropout(0.2)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy() / 2
    assert abs(y.mean() - 1) < 0.02 and abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.02
    assert _roundtrip(layer).rate == 0.2


def test_alpha_dropout_values_match_the_formula():
    rate = 0.3
    x = _x(50, 40)
    y = L.AlphaDropout(rate, seed=4)(x, training=True).numpy()
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    kept = np.isclose(y, a * x + b, atol=1e-5)
    np.testing.assert_allclose(y[~kept], a * alpha_p + b, rtol=1e-5)
    assert 0.25 < np.mean(~kept) < 0.35
    np.testing.assert_array_equal(L.AlphaDropout(rate)(x).numpy(), x)


def test_activity_regularization_adds_the_batch_mean_l1_l2_loss():
    x = _x(4, 3)
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    (loss,) = layer.losses
    np.testing.assert_allclose(loss.numpy(), (0.1 * np.abs(x).sum() + 0.01 * (x**2).sum()) / 4, rtol=1e-5)
    config = _roundtrip(layer).get_config()
    assert "activity_regularizer" not in config and (config["l1"], config["l2"]) == (0.1, 0.01)


# -- core -----------------------------------------------------------------------------------------------------
def test_activation_applies_the_named_function():
    x = _x(2, 5)
    layer = L.Activation("softmax")
    assert layer.built
    y = layer(x).numpy()
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(-1, keepdims=True), rtol=1e-5)
    assert layer.get_config()["activation"] == "softmax"
    assert _roundtrip(L.Activation(tf.keras.activations.relu)).activation is tf.keras.activations.relu


def test_identity_and_masking():
    x = _x(2, 4, 3)
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    assert L.Identity()(x).numpy().tolist() == x.tolist()
    layer = L.Masking()
    y = layer(x)
    np.testing.assert_array_equal(y.numpy(), x)
    np.testing.assert_array_equal(y._keras_mask.numpy(), (x != 0).any(-1))
    x2 = x.copy()
    x2[0, 2] = 5.0
    y2 = L.Masking(mask_value=5.0)(x2)
    np.testing.assert_array_equal(y2.numpy()[0, 2], np.zeros(3))
    assert y2._keras_mask.numpy().tolist() == [[True, True, False, True], [True, True, True, True]]
    assert _roundtrip(L.Masking(mask_value=2.0)).mask_value == 2.0
    serialized = {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float32"}}
    layer = L.Masking.from_config({"mask_value": serialized})  # Keras' form of an array mask_value
    y = layer(np.array([[[1.0, 2.0], [0.0, 2.0]]], np.float32))
    assert y._keras_mask.numpy().tolist() == [[False, True]]


def test_embedding_looks_up_rows_and_masks_zero():
    table = _x(5, 3)
    layer = L.Embedding(5, 3, mask_zero=True, weights=[table])
    assert [w.path for w in layer.weights] == ["embedding/embeddings"]
    ids = np.array([[0, 4, 2], [1, 0, -1]])
    y = layer(ids)
    assert y.shape == (2, 3, 3) and y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), table[ids])
    np.testing.assert_array_equal(y._keras_mask.numpy(), ids != 0)
    np.testing.assert_array_equal(layer(ids.astype(np.float32)).numpy(), table[ids])  # floats cast to int32
    assert getattr(L.Embedding(5, 3)(ids), "_keras_mask", None) is None


def test_embedding_defaults_config_and_errors():
    layer = L.Embedding(10, 4)
    with pytest.raises(AttributeError, match="You must build the layer"):
        layer.embeddings  # noqa: B018
    layer(np.array([1]))
    w = layer.embeddings.numpy()
    assert w.shape == (10, 4) and np.abs(w).max() <= 0.05
    config = _roundtrip(layer).get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert config["embeddings_initializer"]["config"] == {"seed": None, "minval": -0.05, "maxval": 0.05}
    assert config["mask_zero"] is False and config["quantization_config"] is None
    with pytest.raises(
        ValueError, match=r"`input_dim` must be a positive integer. Received: input_dim=0 \(of type int\)"
    ):
        L.Embedding(0, 2)
    with pytest.raises(ValueError, match="`output_dim` must be a positive integer"):
        L.Embedding(2, 1.5)
    with pytest.warns(UserWarning, match="`input_length` is deprecated"):
        L.Embedding(3, 2, input_length=5)
    with pytest.raises(tf.errors.InvalidArgumentError):
        L.Embedding(3, 2)(np.array([3]))


def test_embedding_gradient_accumulates_repeated_ids():
    table = _x(4, 2)
    layer = L.Embedding(4, 2, weights=table)
    ids = np.array([[1, 1, 3]])
    with tf.GradientTape() as tape:
        y = layer(ids)
        loss = tf.reduce_sum(y * tf.constant([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]))
    g = tape.gradient(loss, layer.embeddings)
    g = tf.convert_to_tensor(g).numpy()
    np.testing.assert_allclose(g, [[0, 0], [4, 6], [0, 0], [5, 6]])


def test_flatten_values_and_channels_first():
    x = _x(2, 3, 4)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(
        L.Flatten(data_format="channels_first")(x).numpy(), np.transpose(x, (0, 2, 1)).reshape(2, 12)
    )
    assert L.Flatten()(np.ones(3, np.float32)).shape == (3, 1)
    assert L.Flatten().compute_output_shape((None, 3, None)) == (None, None)
    assert L.Flatten().compute_output_shape((2, 3, 4)) == (2, 12)
    assert _roundtrip(L.Flatten(data_format="channels_first")).data_format == "channels_first"
    with pytest.raises(ValueError, match="expected min_ndim=1, found ndim=0"):
        L.Flatten()(tf.constant(1.0))


def test_reshape_values_shapes_and_errors():
    x = _x(4, 6)
    layer = L.Reshape((3, -1))
    assert layer.built
    np.testing.assert_array_equal(layer(x).numpy(), x.reshape(4, 3, 2))
    assert layer.compute_output_shape((None, 6)) == (None, 3, 2)
    assert layer.compute_output_shape((None, None)) == (None, 3, None)
    assert _roundtrip(L.Reshape([2, 3])).target_shape == (2, 3)
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="must be a non-negative integer, or `-1`"):
        L.Reshape((-2, 3))
    with pytest.raises(ValueError, match="The total size of the tensor must be unchanged"):
        L.Reshape((4,))(x)


def test_permute_and_repeat_vector():
    x = _x(2, 3, 4, 5)
    np.testing.assert_array_equal(L.Permute((3, 1, 2))(x).numpy(), np.transpose(x, (0, 3, 1, 2)))
    assert L.Permute((2, 1)).compute_output_shape((None, 3, 4)) == (None, 4, 3)
    assert _roundtrip(L.Permute([2, 1])).dims == (2, 1)
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        L.Permute((2, 1))(x)
    v = _x(2, 3)
    np.testing.assert_array_equal(L.RepeatVector(4)(v).numpy(), np.repeat(v[:, None], 4, axis=1))
    assert L.RepeatVector(4).compute_output_shape((None, 3)) == (None, 4, 3)
    assert _roundtrip(L.RepeatVector(4)).n == 4
    with pytest.raises(TypeError, match="Expected an integer value for `n`"):
        L.RepeatVector(2.0)
    with pytest.raises(ValueError, match="Received: n=0"):
        L.RepeatVector(0)


def test_lambda_passes_arguments_mask_and_training():
    seen = {}

    def fn(x, mask=None, training=None, k=1.0):
        seen.update(mask=mask, training=training)
        return x * k

    layer = L.Lambda(fn, arguments={"k": 3.0}, mask=lambda inputs, mask: tf.constant([True, False]))
    y = layer(np.ones(2, np.float32), training=True)
    np.testing.assert_array_equal(y.numpy(), [3.0, 3.0])
    assert seen["training"] is True
    assert y._keras_mask.numpy().tolist() == [True, False]
    assert L.Lambda(lambda x: x[:, :2]).compute_output_shape((None, 5)) == (None, 2)
    assert L.Lambda(lambda x: x, output_shape=(7,)).compute_output_shape((3, 5)) == (3, 7)


def test_lambda_config_roundtrip_needs_unsafe_mode_for_python_lambdas():
    layer = L.Lambda(lambda x, a=2.0: x * a + 1.0, output_shape=(3,), arguments={"a": 4.0})
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__" and config["arguments"] == {"a": 4.0}
    with pytest.raises(ValueError, match="disallowed by default"):
        L.Lambda.from_config(config)
    clone = L.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_array_equal(clone(np.ones(3, np.float32)).numpy(), [5.0, 5.0, 5.0])
    assert clone.compute_output_shape((None, 3)) == (None, 3)
    named = L.Lambda(tf.keras.activations.relu).get_config()
    assert named["function"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "relu",
        "registered_name": "function",
    }
    assert L.Lambda.from_config(named).function is tf.keras.activations.relu
    with pytest.raises(TypeError, match="Could not locate function 'nope'"):
        L.Lambda.from_config({**named, "function": {**named["function"], "config": "nope"}})


# -- activation layers -----------------------------------------------------------------------------------------
def _np_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    y = np.where(x > threshold, x, negative_slope * (x - threshold))
    return y if max_value is None else np.minimum(y, max_value)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"max_value": 1.0}, {"negative_slope": 0.2}, {"threshold": 0.5, "max_value": 2.0, "negative_slope": 0.1}],
)
def test_relu_matches_numpy(kwargs):
    x = _x(3, 7) * 2
    layer = L.ReLU(**kwargs)
    np.testing.assert_allclose(layer(x).numpy(), _np_relu(x, **kwargs), rtol=1e-6, atol=1e-6)
    assert _roundtrip(layer).get_config() == layer.get_config()


def test_relu_errors_and_leaky_relu_default_slope():
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value"):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be None"):
        L.ReLU(negative_slope=None)
    with pytest.raises(ValueError, match="threshold of a ReLU layer cannot be None"):
        L.ReLU(threshold=-1)
    x = _x(4, 4)
    layer = L.LeakyReLU()
    assert layer.negative_slope == 0.3 and layer.get_config()["negative_slope"] == 0.3
    np.testing.assert_allclose(layer(x).numpy(), np.where(x >= 0, x, 0.3 * x), rtol=1e-6)
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        assert L.LeakyReLU(alpha=0.1).negative_slope == 0.1
    with pytest.raises(ValueError, match="cannot be None or negative value"):
        L.LeakyReLU(-0.5)


def test_prelu_weight_shared_axes_values_and_gradient():
    x = _x(2, 3, 4, 5)
    layer = L.PReLU(shared_axes=[1, 2])
    layer.build(x.shape)
    assert [w.name for w in layer.weights] == ["alpha"] and layer.alpha.shape == (1, 1, 5)
    alpha = RNG.random((1, 1, 5)).astype(np.float32)
    layer.set_weights([alpha])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(y * y)
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, alpha * x), rtol=1e-6)
    gx, ga = tape.gradient(loss, [xt, layer.alpha])
    np.testing.assert_allclose(gx.numpy(), 2 * y.numpy() * np.where(x > 0, 1, alpha), rtol=1e-5)
    np.testing.assert_allclose(
        ga.numpy(), (2 * y.numpy() * np.minimum(x, 0)).sum((0, 1, 2), keepdims=True)[0], rtol=1e-5
    )
    with pytest.raises(ValueError, match="expected axis 3 of input shape to have value 5"):
        layer(np.ones((2, 3, 4, 6), np.float32))
    config = _roundtrip(L.PReLU(shared_axes=2)).get_config()
    assert config["shared_axes"] == [2] and config["alpha_initializer"]["class_name"] == "Zeros"


def test_elu_values_and_keras_config_order():
    x = _x(3, 4)
    np.testing.assert_allclose(
        L.ELU(alpha=0.7)(x).numpy(), np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), rtol=1e-5, atol=1e-6
    )
    layer = L.ELU(alpha=0.7)
    assert list(layer.get_config()) == ["name", "alpha", "trainable", "dtype"]
    assert _roundtrip(layer).alpha == 0.7


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def test_softmax_axis_axes_and_masks():
    x = _x(2, 3, 4)
    np.testing.assert_allclose(L.Softmax()(x).numpy(), _np_softmax(x, -1), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=1)(x).numpy(), _np_softmax(x, 1), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=(1, 2))(x).numpy(), _np_softmax(x, (1, 2)), rtol=1e-5)
    mask = np.array([[True, True, False, True]])  # broadcast over the batch and the middle axis
    y = L.Softmax()(x, mask=mask).numpy()
    ref = _np_softmax(np.where(mask, x, -1e9), -1) * mask
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-7)
    y = L.Softmax()(x[0], mask=np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [1, 1, 1, 1]])).numpy()
    np.testing.assert_array_equal(y[1], np.zeros(4))
    with pytest.raises(ValueError, match="must not have more dimensions"):
        L.Softmax()(x[0], mask=np.ones((1, 1, 3, 4), bool))
    with pytest.raises(ValueError, match="Each mask dimension must be 1 or match"):
        L.Softmax()(x[0], mask=np.ones((2, 4), bool))
    assert _roundtrip(L.Softmax(axis=(1, 2))).axis == (1, 2)


def test_softmax_gradient_matches_the_jacobian():
    x = _x(1, 3)
    xt = tf.constant(x)
    w = np.array([[1.0, -2.0, 0.5]], np.float32)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = L.Softmax()(xt)
        loss = tf.reduce_sum(y * w)
    s = _np_softmax(x, -1)[0]
    jac = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(tape.gradient(loss, xt).numpy()[0], jac @ w[0], rtol=1e-5, atol=1e-7)


# -- in models, inside tf.function ----------------------------------------------------------------------------------
def test_layers_in_a_sequential_model_train_inside_function():
    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,), dtype="int32"),
            L.Embedding(6, 3),
            L.Flatten(),
            L.Dense(4),
            L.LeakyReLU(),
            L.Dropout(0.2, seed=1),
            L.Dense(2),
            L.Softmax(),
        ]
    )
    assert model.output_shape == (None, 2)
    ids = tf.constant([[1, 2, 3, 0], [5, 4, 0, 0]])
    opt = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            y = model(ids, training=True)
            loss = -tf.reduce_mean(tf.math.log(y[:, 0]))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    before = model.layers[0].embeddings.numpy().copy()
    losses = [float(step(ids)) for _ in range(3)]
    assert losses[-1] < losses[0]
    assert not np.array_equal(model.layers[0].embeddings.numpy(), before)


def test_symbolic_shapes_of_core_layers():
    x = tf.keras.Input((4, 6))
    assert L.Flatten()(x).shape == (None, 24)
    assert L.Reshape((-1, 3))(x).shape == (None, 8, 3)
    assert L.Permute((2, 1))(x).shape == (None, 6, 4)
    assert L.RepeatVector(3)(L.Flatten()(x)).shape == (None, 3, 24)
    assert L.Embedding(5, 2)(tf.keras.Input((3,), dtype="int32")).shape == (None, 3, 2)
    for layer in (L.Dropout(0.5), L.GaussianNoise(0.1), L.ReLU(), L.Softmax(), L.Masking(), L.Identity()):
        assert layer(x).shape == (None, 4, 6)


def test_no_warnings_from_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.Embedding(3, 2)(np.array([1]))
        L.LeakyReLU(0.1)(np.ones(2, np.float32))


# -- EinsumDense -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "equation, output_shape, bias_axes, input_shape, kernel_shape, bias_shape",
    [
        ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,)),
        ("abc,cde->abde", (None, 2, 4), "de", (2, 3, 5), (5, 2, 4), (2, 4)),
        ("abc...,cd->abd...", (3, 4), "d", (2, 3, 5, 6), (5, 4), (4, 1)),
    ],
)
def test_einsum_dense_matches_numpy(equation, output_shape, bias_axes, input_shape, kernel_shape, bias_shape):
    layer = L.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, activation="relu")
    layer.build(input_shape)
    assert tuple(layer.kernel.shape) == kernel_shape
    assert (layer.bias is None) == (bias_shape is None)
    weights = [_x(*w.shape) for w in layer.weights]
    layer.set_weights(weights)
    x = _x(*input_shape)
    ref = np.einsum(equation, x, weights[0]) + (weights[1] if bias_shape else 0)
    y = layer(x)
    assert tuple(y.shape) == ref.shape and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), np.maximum(ref, 0), rtol=1e-5, atol=1e-5)
    _roundtrip(layer)


def test_einsum_dense_gradients_and_kernel_fans():
    layer = L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c")
    x = tf.constant(_x(4, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x) ** 2)
    gx, gk, gb = tape.gradient(loss, [x, layer.kernel, layer.bias])
    k, y = layer.kernel.numpy(), x.numpy() @ layer.kernel.numpy()
    np.testing.assert_allclose(gx.numpy(), 2 * y @ k.T, rtol=1e-5)
    np.testing.assert_allclose(gk.numpy(), x.numpy().T @ (2 * y), rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), 2 * y.sum(0), rtol=1e-5)
    # Glorot's fans come from the equation's axes: fan_in 5, fan_out 20 * 40.
    big = L.EinsumDense("ab,bcd->acd", output_shape=(20, 40))
    big.build((None, 5))
    limit = np.sqrt(6 / (5 + 800))
    assert 0.9 * limit < np.abs(big.kernel.numpy()).max() <= limit


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation 'abc->ab'"):
        L.EinsumDense("abc->ab", 4).build((2, 3))
    with pytest.raises(ValueError, match="Bias dimension 'd' was requested"):
        L.EinsumDense("ab,bc->ac", 4, bias_axes="d").build((2, 3))
    with pytest.raises(ValueError, match="do not match at shared dimension 'b'"):
        L.EinsumDense("ab,bc->ab", 5).build((2, 3))
    with pytest.raises(AttributeError, match="You must build the layer"):
        L.EinsumDense("ab,bc->ac", 4).kernel  # noqa: B018


def test_thresholded_relu():
    x = _x(3, 4)
    layer = L.ThresholdedReLU(theta=0.5)
    np.testing.assert_array_equal(layer(x).numpy(), np.where(x > 0.5, x, 0))
    assert _roundtrip(layer).get_config()["theta"] == 0.5
    assert L.ThresholdedReLU(0.3).get_config()["theta"] == float(np.float32(0.3))
    with pytest.raises(ValueError, match=r"should be >=0\. Received: -1"):
        L.ThresholdedReLU(-1)


def test_reversible_embedding_projects_back_with_tied_or_own_weights():
    ids, h = np.array([[1, 0, 3]]), _x(2, 3)
    tied = L.ReversibleEmbedding(4, 3, mask_zero=True)
    y = tied(ids)
    np.testing.assert_array_equal(y.numpy(), tied.embeddings.numpy()[ids])
    assert y._keras_mask.numpy().tolist() == [[True, False, True]]
    np.testing.assert_allclose(tied(h, reverse=True).numpy(), h @ tied.embeddings.numpy().T, rtol=1e-5)
    own = L.ReversibleEmbedding(4, 3, tie_weights=False, logit_soft_cap=2.0)
    own.build()
    assert [w.name for w in own.weights] == ["embeddings", "reverse_embeddings"]
    logits = h @ own.reverse_embeddings.numpy()
    np.testing.assert_allclose(own(h, reverse=True).numpy(), np.tanh(logits / 2) * 2, rtol=1e-5)
    assert own.compute_output_shape((None, 3), reverse=True) == [None, 4]
    assert _roundtrip(own).get_config()["tie_weights"] is False
