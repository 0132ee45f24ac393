"""tf.keras normalization layers: values against NumPy, moving statistics (eager, tape, tf.function), configs, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapejax as tf

L = tf.keras.layers
RNG = np.random.default_rng(0)


def _x(*shape: int) -> np.ndarray:
    return (RNG.standard_normal(shape) * 2 + 1).astype(np.float32)


def _np_norm(x: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    x = x.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


# -- BatchNormalization --------------------------------------------------------------------------
def test_batchnorm_weights_named_and_trainable_as_keras() -> None:
    tf.keras.backend.clear_session()
    bn = L.BatchNormalization()
    bn.build((None, 3))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.path for w in bn.trainable_weights] == ["batch_normalization/gamma", "batch_normalization/beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    np.testing.assert_array_equal(bn.moving_variance.numpy(), np.ones(3, np.float32))
    assert bn.count_params() == 12
    bn2 = L.BatchNormalization(center=False, scale=False)
    bn2.build((2, 5, 4))
    assert [w.name for w in bn2.weights] == ["moving_mean", "moving_variance"]


def test_batchnorm_training_uses_batch_statistics_and_updates_moving_ones() -> None:
    x = _x(6, 3)
    gamma, beta = np.array([1.0, 2.0, 0.5], np.float32), np.array([0.0, -1.0, 3.0], np.float32)
    bn = L.BatchNormalization(momentum=0.9, epsilon=1e-3)
    bn.build(x.shape)
    bn.gamma.assign(gamma)
    bn.beta.assign(beta)
    y = bn(tf.constant(x), training=True)
    assert y.shape == (6, 3) and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), _np_norm(x, (0,), 1e-3) * gamma + beta, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
    # Inference: the moving statistics, and no update.
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    y = bn(tf.constant(x))
    np.testing.assert_allclose(y.numpy(), (x - mm) / np.sqrt(mv + 1e-3) * gamma + beta, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)


def test_batchnorm_not_trainable_runs_in_inference_mode() -> None:
    x = _x(4, 2)
    bn = L.BatchNormalization(trainable=False)
    y = bn(tf.constant(x), training=True)
    np.testing.assert_allclose(y.numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(2, np.float32))
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_batchnorm_channels_first_axis() -> None:
    x = _x(2, 3, 4)
    bn = L.BatchNormalization(axis=1, momentum=0.0)
    y = bn(tf.constant(x), training=True)
    np.testing.assert_allclose(y.numpy(), _np_norm(x, (0, 2), 1e-3), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean((0, 2)), rtol=1e-5, atol=1e-6)


def test_batchnorm_updates_moving_statistics_inside_tf_function_on_every_call() -> None:
    bn = L.BatchNormalization(momentum=0.5)
    x = _x(8, 2)

    @tf.function
    def step(t):
        return bn(t, training=True)

    step(tf.constant(x))
    first = bn.moving_mean.numpy().copy()
    np.testing.assert_allclose(first, 0.5 * x.mean(0), rtol=1e-5)
    step(tf.constant(x))
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.75 * x.mean(0), rtol=1e-5)


def test_batchnorm_gradients_match_finite_differences() -> None:
    x = _x(5, 2).astype(np.float64)
    bn = L.BatchNormalization(dtype="float64")
    bn.build(x.shape)
    bn.gamma.assign([1.5, -0.5])
    w = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, 0.0], [2.0, 1.0], [0.0, -3.0]])

    def ref(xv, gamma, beta):
        return np.sum(w * np.tanh(_np_norm(xv, (0,), 1e-3) * gamma + beta))

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(w * tf.tanh(bn(xt, training=True)))
    gx, gg, gb = tape.gradient(loss, [xt, bn.gamma, bn.beta])
    eps = 1e-6
    gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
    num_x = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        num_x[i] = (ref(x + d, gamma, beta) - ref(x - d, gamma, beta)) / (2 * eps)
    num_g = np.array([(ref(x, gamma + e, beta) - ref(x, gamma - e, beta)) / (2 * eps) for e in np.eye(2) * eps])
    num_b = np.array([(ref(x, gamma, beta + e) - ref(x, gamma, beta - e)) / (2 * eps) for e in np.eye(2) * eps])
    np.testing.assert_allclose(gx.numpy(), num_x, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gg.numpy(), num_g, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gb.numpy(), num_b, rtol=1e-5, atol=1e-7)


def test_batchnorm_mask_excludes_entries_from_statistics() -> None:
    x = _x(2, 3, 2)
    mask = np.array([[True, False, True], [True, True, False]])
    bn = L.BatchNormalization(momentum=0.0, epsilon=0.0)
    bn(tf.constant(x), training=True, mask=tf.constant(mask))
    kept = x[mask]  # (4, 2)
    np.testing.assert_allclose(bn.moving_mean.numpy(), kept.sum(0) / (4 + 1e-7), rtol=1e-5)
    with pytest.raises(ValueError, match="one dimension less than the inputs"):
        bn(tf.constant(x), training=True, mask=tf.constant(np.ones((2, 3, 2), bool)))


def test_batchnorm_renorm_clipping_validation() -> None:
    with pytest.raises(ValueError, match="invalid keys for `renorm_clipping`"):
        L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0, "bad": 1})
    with pytest.raises(ValueError, match="rmax should be greater than rmin"):
        L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.0, "rmin": 2.0})
    bn = L.BatchNormalization(renorm=True)
    bn.build((None, 2))
    assert [w.name for w in bn.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev",
    ]  # fmt: skip


def test_batchnorm_in_sequential_and_input_spec() -> None:
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4), L.BatchNormalization()])
    assert model(tf.constant(_x(2, 3)), training=True).shape == (2, 4)
    assert len(model.non_trainable_weights) == 2
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        model.layers[-1](tf.constant(_x(2, 5)))


def test_batchnorm_float16_statistics_in_float32() -> None:
    x = np.array([[60000.0], [-60000.0]], np.float16)
    bn = L.BatchNormalization(dtype="float16", epsilon=0.0)
    y = bn(tf.constant(x), training=True)
    assert y.dtype == tf.float16
    np.testing.assert_array_equal(y.numpy(), np.array([[1.0], [-1.0]], np.float16))


# -- LayerNormalization, GroupNormalization, UnitNormalization, RMSNormalization --------------------------
@pytest.mark.parametrize(
    ("axis", "shape", "axes"), [(-1, (3, 4), (1,)), ([1, 2], (2, 3, 4), (1, 2)), (1, (2, 3, 4), (1,))]
)
def test_layernorm_matches_numpy(axis, shape, axes) -> None:
    x = _x(*shape)
    ln = L.LayerNormalization(axis=axis, epsilon=1e-2)
    ln.build(shape)
    gamma = _x(*ln.gamma.shape)
    beta = _x(*ln.beta.shape)
    ln.set_weights([gamma, beta])
    bshape = [1] * len(shape)
    for a in axes:
        bshape[a] = shape[a]
    expected = _np_norm(x, axes, 1e-2) * gamma.reshape(bshape) + beta.reshape(bshape)
    np.testing.assert_allclose(ln(tf.constant(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert ln.axis == sorted(axes) or ln.axis == [axis]


def test_layernorm_float64_input_computed_in_float64_returned_as_policy_dtype() -> None:
    x = np.array([[1.0, 2.0, 4.0]])
    y = L.LayerNormalization()(tf.constant(x))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), _np_norm(x, (1,), 1e-3), rtol=1e-6)


def test_layernorm_rms_scaling_warns_and_skips_beta() -> None:
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        ln = L.LayerNormalization(rms_scaling=True, epsilon=0.0)
    x = _x(2, 3)
    y = ln(tf.constant(x))
    assert [w.name for w in ln.weights] == ["gamma"]
    np.testing.assert_allclose(y.numpy(), x / np.sqrt(x.var(1, keepdims=True)), rtol=1e-5)
    assert ln.get_config()["rms_scaling"] is True


def test_layernorm_invalid_axis() -> None:
    with pytest.raises(TypeError, match="Expected an int or a list/tuple of ints"):
        L.LayerNormalization(axis="last")


@pytest.mark.parametrize(("groups", "axis", "shape"), [(2, -1, (2, 3, 4)), (-1, 1, (2, 4, 3)), (1, -1, (3, 6))])
def test_groupnorm_matches_numpy(groups, axis, shape) -> None:
    x = _x(*shape)
    gn = L.GroupNormalization(groups=groups, axis=axis)
    gn.build(shape)
    gamma, beta = _x(*gn.gamma.shape), _x(*gn.beta.shape)
    gn.set_weights([gamma, beta])
    xm = np.moveaxis(x, axis, -1)
    c = xm.shape[-1]
    g = c if groups == -1 else groups
    grouped = xm.reshape(*xm.shape[:-1], g, c // g)
    red = (*range(1, grouped.ndim - 2), grouped.ndim - 1)
    expected = _np_norm(grouped, red, 1e-3).reshape(xm.shape) * gamma + beta
    np.testing.assert_allclose(gn(tf.constant(x)).numpy(), np.moveaxis(expected, -1, axis), rtol=1e-5, atol=1e-5)


def test_groupnorm_errors() -> None:
    with pytest.raises(ValueError, match="invalid value for argument `groups`"):
        L.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r"Number of groups \(3\) must be a multiple of the number of channels \(4\)"):
        L.GroupNormalization(groups=3).build((2, 4))
    with pytest.raises(ValueError, match=r"cannot be more than the number of channels \(4\)"):
        L.GroupNormalization().build((2, 4))


def test_unit_normalization() -> None:
    x = _x(2, 3, 4)
    y = L.UnitNormalization(axis=[1, 2])(tf.constant(x))
    np.testing.assert_allclose(y.numpy(), x / np.sqrt((x**2).sum((1, 2), keepdims=True)), rtol=1e-5)
    zero = L.UnitNormalization()(tf.zeros((1, 3)))
    np.testing.assert_array_equal(zero.numpy(), np.zeros((1, 3), np.float32))
    assert L.UnitNormalization().built
    with pytest.raises(TypeError, match="Invalid value for `axis` argument"):
        L.UnitNormalization(axis=1.5)


def test_rms_normalization() -> None:
    x = _x(2, 5)
    layer = L.RMSNormalization()
    layer.build(x.shape)
    scale = _x(5)
    layer.set_weights([scale])
    y = layer(tf.constant(x))
    np.testing.assert_allclose(y.numpy(), x / np.sqrt((x**2).mean(1, keepdims=True) + 1e-6) * scale, rtol=1e-5)
    assert [w.name for w in layer.weights] == ["scale"]


# -- shared: configs, gradients through tapes and tf.function ---------------------------------------------
LAYERS = [
    (L.BatchNormalization, {"axis": 1, "momentum": 0.9, "epsilon": 0.01, "center": False, "gamma_regularizer": "l2"}),
    (L.BatchNormalization, {"renorm": True, "renorm_clipping": {"rmax": 2.0}, "synchronized": True}),
    (L.LayerNormalization, {"axis": [1, 2], "scale": False, "beta_initializer": "ones"}),
    (L.GroupNormalization, {"groups": 2, "gamma_constraint": "non_neg"}),
    (L.UnitNormalization, {"axis": [1, 2]}),
    (L.RMSNormalization, {"axis": -1, "epsilon": 1e-3}),
]


@pytest.mark.parametrize(("cls", "config"), LAYERS)
def test_config_round_trip_gives_equal_config_and_outputs(cls, config) -> None:
    layer = cls(**config)
    x = tf.constant(_x(2, 3, 4))
    y = layer(x)
    clone = cls.from_config(layer.get_config())
    assert clone(x).shape == y.shape
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        clone(x).numpy(), y.numpy(), rtol=1e-5, atol=1e-6
    )  # (1-ulp differences between fused programs)
    assert clone.get_config() == layer.get_config()
    for key, value in config.items():
        if key.endswith(("regularizer", "constraint", "initializer")):
            assert layer.get_config()[key]["class_name"]
        elif key == "axis" and cls in (L.LayerNormalization, L.RMSNormalization) and isinstance(value, int):
            assert layer.get_config()[key] == [value]  # (a list once built, as Keras)
        elif key != "renorm_clipping":
            assert layer.get_config()[key] == value


def test_lookup_through_layers_deserialize() -> None:
    layer = L.deserialize({"class_name": "LayerNormalization", "config": {"axis": 1, "epsilon": 0.5}})
    assert isinstance(layer, L.LayerNormalization) and layer.epsilon == 0.5


@pytest.mark.parametrize(("cls", "config"), LAYERS)
def test_tape_gradients_equal_inside_and_outside_tf_function(cls, config) -> None:
    layer = cls(**config)
    x = tf.constant(_x(2, 3, 4))
    layer(x)

    def grads(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(tf.sin(layer(t)))
        return tape.gradient(loss, [t, *layer.trainable_weights])

    eager = grads(x)
    compiled = tf.function(grads)(x)
    assert all(g is not None for g in eager)
    for a, b in zip(eager, compiled, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_no_warnings_by_default() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.LayerNormalization()(tf.ones((1, 2)))


def test_layers_without_a_training_argument_accept_training_as_keras() -> None:
    # (A base-layer rule: Keras passes `training` only to call() signatures that take it.)
    x = tf.constant(_x(2, 3))
    np.testing.assert_allclose(
        L.LayerNormalization()(x, training=True).numpy(), L.LayerNormalization()(x).numpy(), rtol=1e-5, atol=1e-6
    )
    model = tf.keras.Sequential([L.LayerNormalization(), L.BatchNormalization(momentum=0.0)])
    model(x, training=True)
    ln = _np_norm(x.numpy(), (1,), 1e-3)
    np.testing.assert_allclose(model.layers[1].moving_mean.numpy(), ln.mean(0), rtol=1e-5, atol=1e-6)


def test_spectral_normalization_converges_to_the_largest_singular_value() -> None:
    tf.keras.backend.clear_session()
    layer = L.SpectralNormalization(L.Dense(3, use_bias=False), power_iterations=20)
    layer.build((None, 4))
    kernel = _x(4, 3)
    layer.layer.kernel.assign(kernel)
    assert [w.path for w in layer.weights] == ["spectral_normalization/dense/kernel", "spectral_normalization/vector_u"]
    x = tf.constant(_x(2, 4))
    y = layer(x, training=True)
    normalized = kernel / np.linalg.svd(kernel, compute_uv=False)[0]
    np.testing.assert_allclose(layer.layer.kernel.numpy(), normalized, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y.numpy(), x.numpy() @ normalized, rtol=1e-4, atol=1e-5)
    before = layer.layer.kernel.numpy().copy()
    layer(x)  # inference: no update
    np.testing.assert_array_equal(layer.layer.kernel.numpy(), before)


def test_spectral_normalization_in_tf_function_errors_and_config() -> None:
    layer = L.SpectralNormalization(L.Dense(2, kernel_initializer="ones"))
    step = tf.function(lambda t: layer(t, training=True))
    step(tf.ones((1, 2)))
    np.testing.assert_allclose(layer.layer.kernel.numpy(), np.full((2, 2), 0.5), rtol=1e-5)
    zero = L.SpectralNormalization(L.Dense(2, kernel_initializer="zeros"))
    zero(tf.ones((1, 2)), training=True)
    np.testing.assert_array_equal(zero.layer.kernel.numpy(), np.zeros((2, 2), np.float32))  # (left as it is)
    with pytest.raises(ValueError, match="`power_iterations` should be greater than zero"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="object has no attribute 'kernel' nor 'embeddings'"):
        L.SpectralNormalization(L.LayerNormalization())(tf.ones((1, 2)))
    config = layer.get_config()
    clone = L.SpectralNormalization.from_config(config)
    assert clone.power_iterations == 1 and isinstance(clone.layer, L.Dense) and clone.layer.units == 2
