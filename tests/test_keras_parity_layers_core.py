"""Parity with real Keras 3.15 (TensorFlow backend) for the core, activation and regularization layers:
the same config and weights give the same outputs, masks, losses, input gradients and get_config().
Runs only where Keras is installed (``/tmp/tfenv``)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
real_tf = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(1)


def _x(*shape: int) -> np.ndarray:
    return (RNG.standard_normal(shape) * 2).astype(np.float32)


@pytest.fixture(autouse=True)
def _fresh_names():
    tf.keras.backend.clear_session()
    keras_real.backend.clear_session()


def _both(cls_name, *args, **kwargs):
    # ThresholdedReLU is only in TF's tf.keras.layers (Keras' legacy export).
    real = getattr(keras_real.layers, cls_name, None) or getattr(real_tf.keras.layers, cls_name)
    return getattr(tf.keras.layers, cls_name)(*args, **kwargs), real(*args, **kwargs)


def _check(name, args, kwargs, x, *, call_kwargs=None, grad=True, weights=None):
    """Outputs, masks, input gradients (of sum(y * w)) and configs of tapejax's layer vs Keras'."""
    ours, real = _both(name, *args, **kwargs)
    call_kwargs = call_kwargs or {}
    if weights is not None:
        ours.build(x.shape)
        real.build(x.shape)
        ours.set_weights(weights)
        real.set_weights(weights)
    xt, xr = tf.constant(x), real_tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = ours(xt, **call_kwargs)
        w = np.linspace(-1, 1, int(np.prod(y.shape)), dtype=np.float32).reshape(tuple(y.shape))
        loss = tf.reduce_sum(y * w)
    with real_tf.GradientTape() as rtape:
        rtape.watch(xr)
        yr = real(xr, **call_kwargs)
        rloss = real_tf.reduce_sum(yr * w)
    assert tuple(y.shape) == tuple(yr.shape) and y.dtype.name == yr.dtype.name
    np.testing.assert_allclose(y.numpy(), np.asarray(yr), rtol=1e-5, atol=1e-6)
    rmask = getattr(yr, "_keras_mask", None)
    mask = getattr(y, "_keras_mask", None)
    assert (mask is None) == (rmask is None)
    if mask is not None:
        np.testing.assert_array_equal(np.asarray(mask), np.asarray(rmask))
    if grad:
        np.testing.assert_allclose(
            tape.gradient(loss, xt).numpy(), np.asarray(rtape.gradient(rloss, xr)), rtol=1e-5, atol=1e-6
        )
    assert ours.get_config() == real.get_config()
    assert [w.path for w in ours.weights] == [w.path for w in real.weights]
    return ours, real


@pytest.mark.parametrize(
    "name, args, kwargs, shape",
    [
        ("Activation", ("gelu",), {}, (2, 5)),
        ("Activation", ("softmax",), {}, (2, 5)),
        ("Identity", (), {}, (2, 3)),
        ("Flatten", (), {}, (2, 3, 4)),
        ("Flatten", (), {"data_format": "channels_first"}, (2, 3, 4)),
        ("Reshape", ((2, -1),), {}, (3, 4, 2)),
        ("Permute", ((3, 1, 2),), {}, (2, 3, 4, 5)),
        ("RepeatVector", (3,), {}, (2, 4)),
        ("ReLU", (), {}, (3, 5)),
        ("ReLU", (), {"max_value": 1.5, "negative_slope": 0.2, "threshold": 0.5}, (3, 5)),
        ("ReLU", (), {"max_value": 6.0}, (3, 5)),
        ("LeakyReLU", (), {}, (3, 5)),
        ("ELU", (), {"alpha": 0.7}, (3, 5)),
        ("ThresholdedReLU", (0.3,), {}, (3, 5)),
        ("Softmax", (), {}, (2, 3, 4)),
        ("Softmax", (), {"axis": (1, 2)}, (2, 3, 4)),
        ("Dropout", (0.5,), {"noise_shape": (None, 1), "seed": 3}, (3, 5)),
        ("GaussianNoise", (0.2,), {"seed": 1}, (3, 5)),
        ("GaussianDropout", (0.2,), {}, (3, 5)),
        ("AlphaDropout", (0.2,), {}, (3, 5)),
        ("SpatialDropout2D", (0.3,), {"data_format": "channels_first"}, (2, 3, 4, 5)),
    ],
)
def test_stateless_layers_match_keras(name, args, kwargs, shape):
    _check(name, args, kwargs, _x(*shape))


def test_prelu_matches_keras_with_the_same_alpha():
    x = _x(2, 3, 4, 5)
    alpha = RNG.random((1, 1, 5)).astype(np.float32)
    _check("PReLU", (), {"shared_axes": [1, 2], "alpha_regularizer": "l2"}, x, weights=[alpha])


def test_softmax_mask_matches_keras():
    x = _x(2, 3, 4)
    mask = RNG.random((3, 4)) > 0.4
    mask[1] = False
    _check("Softmax", (), {}, x, call_kwargs={"mask": mask})
    _check("Softmax", (), {"axis": 1}, x, call_kwargs={"mask": mask.astype(np.float32)})


def test_masking_matches_keras():
    x = _x(2, 4, 3)
    x[0, 1] = 1.5
    x[1, 2] = 1.5
    _check("Masking", (), {"mask_value": 1.5}, x)


def test_embedding_matches_keras_with_the_same_table():
    table = _x(6, 3)
    ids = np.array([[0, 5, 2, -1], [1, 0, 0, 3]], np.int32)
    ours, real = _both("Embedding", 6, 3, mask_zero=True)
    ours.build(None)
    real.build(None)
    ours.set_weights([table])
    real.set_weights([table])
    y, yr = ours(ids), real(ids)
    np.testing.assert_array_equal(y.numpy(), np.asarray(yr))
    np.testing.assert_array_equal(y._keras_mask.numpy(), np.asarray(yr._keras_mask))
    w = np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 4, 3)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(ours(ids) * w)
    with real_tf.GradientTape() as rtape:
        rloss = real_tf.reduce_sum(real(ids) * w)
    g = tf.convert_to_tensor(tape.gradient(loss, ours.embeddings)).numpy()
    gr = real_tf.convert_to_tensor(rtape.gradient(rloss, real.embeddings)).numpy()
    np.testing.assert_allclose(g, gr, rtol=1e-6)
    assert ours.get_config() == real.get_config()
    assert [v.path for v in ours.weights] == [v.path for v in real.weights]


def test_activity_regularization_loss_matches_keras():
    x = _x(4, 3)
    ours, real = _check("ActivityRegularization", (), {"l1": 0.1, "l2": 0.02}, x)
    np.testing.assert_allclose(ours.losses[0].numpy(), np.asarray(real.losses[0]), rtol=1e-6)


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("Dropout", (0.3,), {"noise_shape": [None, 2], "seed": 1}),
        ("SpatialDropout1D", (0.3,), {"seed": 2}),
        ("SpatialDropout3D", (0.1,), {}),
        ("GaussianNoise", (0.3,), {}),
        ("AlphaDropout", (0.3,), {"noise_shape": (None, 1)}),
        ("LeakyReLU", (0.1,), {"name": "lr"}),
        ("PReLU", (), {"alpha_constraint": "non_neg", "shared_axes": 1}),
        ("Embedding", (5, 2), {"embeddings_regularizer": "l1", "mask_zero": True}),
        ("Reshape", ([3, 2],), {}),
        ("Permute", ([2, 1],), {}),
        ("Masking", (), {"mask_value": 2.0}),
        ("Activation", ("relu6",), {"dtype": "float64", "trainable": False}),
    ],
)
def test_configs_match_keras(name, args, kwargs):
    ours, real = _both(name, *args, **kwargs)
    assert ours.get_config() == real.get_config()
    assert ours.name == real.name and ours.built == real.built
    clone = type(ours).from_config(real.get_config())
    assert clone.get_config() == real.get_config()


def test_error_messages_match_keras():
    cases = [
        ("Dropout", (2.0,), {}),
        ("Dropout", (0.5,), {"noise_shape": (None, -1)}),
        ("ReLU", (), {"threshold": -1.0}),
        ("LeakyReLU", (-1.0,), {}),
        ("Reshape", ((-1, -1),), {}),
        ("Permute", ((1, 3),), {}),
        ("RepeatVector", (0,), {}),
        ("Embedding", (0, 2), {}),
        ("GaussianNoise", (1.5,), {}),
    ]
    for name, args, kwargs in cases:
        with pytest.raises(ValueError) as real_err:
            getattr(keras_real.layers, name)(*args, **kwargs)
        with pytest.raises(ValueError) as our_err:
            getattr(tf.keras.layers, name)(*args, **kwargs)
        assert str(our_err.value) == str(real_err.value), name


def test_lambda_config_loads_in_both_directions():
    real = keras_real.layers.Lambda(lambda x: x * 3.0 + 1.0, output_shape=(4,))
    ours = tf.keras.layers.Lambda.from_config(real.get_config(), safe_mode=False)
    x = _x(2, 4)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(real(x)), rtol=1e-6)
    back = keras_real.layers.Lambda.from_config(tf.keras.layers.Lambda(lambda x: x - 2.0).get_config(), safe_mode=False)
    np.testing.assert_allclose(np.asarray(back(x)), x - 2.0, rtol=1e-6)
    named = keras_real.layers.Lambda(keras_real.activations.relu, arguments={"max_value": 1.0})
    assert tf.keras.layers.Lambda(tf.keras.activations.relu, arguments={"max_value": 1.0}).get_config() == (
        named.get_config()
    )


@pytest.mark.parametrize(
    "equation, output_shape, bias_axes, input_shape",
    [
        ("abc,cde->abde", (None, 2, 4), "de", (2, 3, 5)),
        ("...b,bc->...c", 4, "c", (2, 3, 5)),
        ("abc...,cd->abd...", (3, 4), "d", (2, 3, 5, 6)),
        ("abc,dce->abde", (3, 2, 4), "be", (2, 3, 5)),
    ],
)
def test_einsum_dense_matches_keras(equation, output_shape, bias_axes, input_shape):
    kwargs = {"output_shape": output_shape, "bias_axes": bias_axes, "activation": "tanh"}
    shapes = keras_real.layers.EinsumDense(equation, **kwargs, name="shapes")
    shapes.build(input_shape)
    weights = [RNG.standard_normal(w.shape).astype(np.float32) for w in shapes.weights]
    ours, real = _check("EinsumDense", (equation,), kwargs, _x(*input_shape), weights=weights)
    unknown = (None, *input_shape[1:])
    assert ours.compute_output_shape(unknown) == real.compute_output_shape(unknown)


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False, "logit_soft_cap": 2.0}, {"reverse_dtype": "float64"}])
def test_reversible_embedding_matches_keras(kwargs):
    ours, real = _both("ReversibleEmbedding", 5, 3, mask_zero=True, **kwargs)
    ours.build(None)
    real.build(None)
    weights = [RNG.standard_normal(w.shape).astype(np.float32) for w in real.weights]
    ours.set_weights(weights)
    real.set_weights(weights)
    ids, h = np.array([[1, 0, 4]]), _x(2, 3)
    y, yr = ours(ids), real(ids)
    np.testing.assert_array_equal(y.numpy(), np.asarray(yr))
    np.testing.assert_array_equal(y._keras_mask.numpy(), np.asarray(yr._keras_mask))
    y, yr = ours(h, reverse=True), real(h, reverse=True)
    assert y.dtype.name == yr.dtype.name
    np.testing.assert_allclose(y.numpy(), np.asarray(yr), rtol=1e-5, atol=1e-6)
    assert ours.get_config() == real.get_config()
    assert [w.path for w in ours.weights] == [w.path for w in real.weights]
