"""tf.keras convolution and pooling layers: values against NumPy references written from the definitions
(TF's "same" padding, Keras' transposed-convolution output sizes), gradients through a GradientTape
against finite differences of those references, configs, string lookup, errors (Keras' messages),
Sequential / functional / tf.function use."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras
layers = keras.layers
RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


# -- NumPy references (channels_last; N-D) ------------------------------------------------------------------
def _same_pads(size: int, k_eff: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def np_conv(x, kernel, strides=1, padding="valid", dilation=1, groups=1):
    """Cross-correlation of x (batch, *spatial, C) with kernel (*k, C // groups, F), TF's padding."""
    n = kernel.ndim - 2
    strides = (strides,) * n if isinstance(strides, int) else strides
    dilation = (dilation,) * n if isinstance(dilation, int) else dilation
    ks = kernel.shape[:n]
    k_eff = [(k - 1) * d + 1 for k, d in zip(ks, dilation, strict=True)]
    pads = [_same_pads(x.shape[1 + i], k_eff[i], strides[i]) if padding == "same" else (0, 0) for i in range(n)]
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    out_sp = [(xp.shape[1 + i] - k_eff[i]) // strides[i] + 1 for i in range(n)]
    cin, f = kernel.shape[-2], kernel.shape[-1]
    fg = f // groups
    y = np.zeros((x.shape[0], *out_sp, f), np.float64)
    for pos in itertools.product(*[range(o) for o in out_sp]):
        for kpos in itertools.product(*[range(k) for k in ks]):
            idx = tuple(p * s + kk * d for p, s, kk, d in zip(pos, strides, kpos, dilation, strict=True))
            patch = xp[(slice(None), *idx)]  # (batch, C)
            for g in range(groups):
                y[(slice(None), *pos, slice(g * fg, (g + 1) * fg))] += (
                    patch[:, g * cin : (g + 1) * cin] @ kernel[(*kpos, slice(None), slice(g * fg, (g + 1) * fg))]
                )
    return y


def np_conv_transpose(x, kernel, out_spatial, strides=1, padding="valid", dilation=1):
    """The transpose of np_conv for an output of out_spatial sizes: kernel (*k, F, C) scattered from x."""
    n = kernel.ndim - 2
    strides = (strides,) * n if isinstance(strides, int) else strides
    dilation = (dilation,) * n if isinstance(dilation, int) else dilation
    ks = kernel.shape[:n]
    lo = [
        _same_pads(out_spatial[i], (ks[i] - 1) * dilation[i] + 1, strides[i])[0] if padding == "same" else 0
        for i in range(n)
    ]
    y = np.zeros((x.shape[0], *out_spatial, kernel.shape[-2]), np.float64)
    for pos in itertools.product(*[range(s) for s in x.shape[1:-1]]):
        for kpos in itertools.product(*[range(k) for k in ks]):
            idx = [p * s + kk * d - lo_ for p, s, kk, d, lo_ in zip(pos, strides, kpos, dilation, lo, strict=True)]
            if all(0 <= i < o for i, o in zip(idx, out_spatial, strict=True)):
                y[(slice(None), *idx)] += x[(slice(None), *pos)] @ kernel[kpos].T
    return y


def np_depthwise(x, kernel, **kw):
    """kernel (*k, C, M): each channel with its own M filters, output channel c * M + m."""
    *k, c, m = kernel.shape
    return np_conv(x, kernel.reshape(*k, 1, c * m), groups=c, **kw)


def np_pool(x, pool, strides, padding, mode):
    n = x.ndim - 2
    pads = [_same_pads(x.shape[1 + i], pool[i], strides[i]) if padding == "same" else (0, 0) for i in range(n)]
    fill = -np.inf if mode == "max" else np.nan
    xp = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)], constant_values=fill)
    out_sp = [(xp.shape[1 + i] - pool[i]) // strides[i] + 1 for i in range(n)]
    y = np.zeros((x.shape[0], *out_sp, x.shape[-1]))
    for pos in itertools.product(*[range(o) for o in out_sp]):
        window = xp[(slice(None), *[slice(p * s, p * s + k) for p, s, k in zip(pos, strides, pool, strict=True)])]
        window = window.reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None), *pos)] = window.max(axis=1) if mode == "max" else np.nanmean(window, axis=1)
    return y


def _x(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def _last_to_first(a):
    return np.moveaxis(a, -1, 1)


def _first_to_last(a):
    return np.moveaxis(a, 1, -1)


def _set_random_weights(layer):
    weights = [_x(*tuple(w.shape)) for w in layer.weights]
    layer.set_weights(weights)
    return weights


# -- convolutions ---------------------------------------------------------------------------------------------
CONV_CASES = [
    ("Conv2D", {"filters": 3, "kernel_size": 3}, (2, 6, 5, 2), "channels_last"),
    ("Conv2D", {"filters": 4, "kernel_size": (2, 3), "strides": 2, "padding": "same"}, (2, 7, 6, 3), "channels_last"),
    ("Conv2D", {"filters": 4, "kernel_size": (2, 3), "strides": 2, "padding": "same"}, (2, 7, 6, 3), "channels_first"),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 7, 6, 2), "channels_last"),
    ("Conv2D", {"filters": 4, "kernel_size": 2, "groups": 2, "strides": (1, 2)}, (2, 5, 6, 4), "channels_first"),
    ("Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 8, 2), "channels_last"),
    ("Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 8, 2), "channels_first"),
    ("Conv3D", {"filters": 2, "kernel_size": 2, "strides": (1, 2, 1), "padding": "same"}, (1, 4, 5, 3, 2), "channels_first"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs", "shape", "data_format"), CONV_CASES)
def test_conv_matches_numpy(name, kwargs, shape, data_format):
    layer = getattr(layers, name)(**kwargs, data_format=data_format)
    x = _x(*shape)
    x_in = x if data_format == "channels_last" else _last_to_first(x)
    layer.build(x_in.shape)
    kernel, bias = _set_random_weights(layer)
    y = layer(x_in)
    ref = np_conv(
        x,
        kernel,
        kwargs.get("strides", 1),
        kwargs.get("padding", "valid"),
        kwargs.get("dilation_rate", 1),
        kwargs.get("groups", 1),
    )
    ref = ref + bias
    assert y.dtype == tf.float32
    got = y.numpy() if data_format == "channels_last" else _first_to_last(y.numpy())
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    assert tuple(y.shape) == layer.compute_output_shape(x_in.shape)


def test_conv2d_weights_names_initializers_and_activation():
    layer = layers.Conv2D(4, 3, activation="relu", bias_initializer="ones")
    assert not layer.built
    with pytest.raises(AttributeError, match="You must build the layer before accessing `kernel`"):
        layer.kernel  # noqa: B018
    y = layer(tf.constant(_x(2, 5, 5, 3)))
    assert [w.path for w in layer.weights] == ["conv2d/kernel", "conv2d/bias"]
    assert layer.kernel.shape == (3, 3, 3, 4) and layer.bias.shape == (4,)
    np.testing.assert_array_equal(layer.bias.numpy(), np.ones(4))
    limit = np.sqrt(6 / (9 * 3 + 9 * 4))  # glorot_uniform: fans are receptive field * channels
    assert np.abs(layer.kernel.numpy()).max() <= limit
    assert y.numpy().min() >= 0
    assert layer.count_params() == 3 * 3 * 3 * 4 + 4


def test_conv1d_causal_sees_only_the_past():
    layer = layers.Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False, kernel_initializer="ones")
    x = np.arange(1.0, 9.0, dtype=np.float32).reshape(1, 8, 1)
    y = layer(x).numpy()[0, :, 0]
    # output t = x[t] + x[t - 2] + x[t - 4] (zeros before the start)
    expected = [sum(x[0, t - d, 0] for d in (0, 2, 4) if t - d >= 0) for t in range(8)]
    np.testing.assert_array_equal(y, expected)
    first = layers.Conv1D(
        1, 3, padding="causal", data_format="channels_first", use_bias=False, kernel_initializer="ones"
    )
    np.testing.assert_array_equal(first(np.moveaxis(x, -1, 1)).numpy()[0, 0], [1, 3, 6, 9, 12, 15, 18, 21])


TRANSPOSE_CASES = [
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3}, (2, 4, 5, 2), (6, 7)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 4, 3, 3), (8, 6)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 2), "strides": 2, "padding": "same", "output_padding": 1}, (1, 3, 4, 2), (6, 7)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 3}, (1, 3, 3, 2), (9, 9)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2, "output_padding": (1, 0)}, (1, 3, 3, 1), (9, 8)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 5, 5, 2), (5, 5)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1}, (2, 5, 3), (10,)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": (2, 1, 2), "padding": "same"}, (1, 2, 3, 2, 2), (4, 3, 4)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs", "shape", "out_spatial"), TRANSPOSE_CASES)
def test_conv_transpose_matches_numpy_and_keras_output_sizes(name, kwargs, shape, out_spatial):
    layer = getattr(layers, name)(**kwargs)
    x = _x(*shape)
    layer.build(x.shape)
    kernel, bias = _set_random_weights(layer)
    assert kernel.shape == (*layer.kernel_size, kwargs["filters"], shape[-1])
    y = layer(x)
    ref = np_conv_transpose(
        x, kernel, out_spatial, kwargs.get("strides", 1), kwargs.get("padding", "valid"), kwargs.get("dilation_rate", 1)
    )
    assert y.shape == ref.shape == (shape[0], *out_spatial, kwargs["filters"])
    np.testing.assert_allclose(y.numpy(), ref + bias, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape(x.shape) == [shape[0], *out_spatial, kwargs["filters"]]
    assert layer.compute_output_shape((None, *shape[1:])) == [None, *out_spatial, kwargs["filters"]]


def test_conv2d_transpose_channels_first_is_the_transposed_channels_last():
    last = layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    first = layers.Conv2DTranspose(3, 3, strides=2, padding="same", data_format="channels_first")
    x = _x(2, 3, 4, 2)
    last.build(x.shape)
    first.build(_last_to_first(x).shape)
    first.set_weights(_set_random_weights(last))
    np.testing.assert_allclose(first(_last_to_first(x)).numpy(), _last_to_first(last(x).numpy()), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"),
    [
        ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 6, 3)),
        ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "padding": "same", "dilation_rate": 2}, (1, 7, 8, 2)),
        ("DepthwiseConv1D", {"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2}, (2, 7, 3)),
    ],
)
def test_depthwise_conv_matches_numpy(name, kwargs, shape):
    layer = getattr(layers, name)(**kwargs)
    x = _x(*shape)
    layer.build(x.shape)
    kernel, bias = _set_random_weights(layer)
    assert kernel.shape == (*layer.kernel_size, shape[-1], kwargs.get("depth_multiplier", 1))
    ref = np_depthwise(
        x,
        kernel,
        strides=kwargs.get("strides", 1),
        padding=kwargs.get("padding", "valid"),
        dilation=kwargs.get("dilation_rate", 1),
    )
    np.testing.assert_allclose(layer(x).numpy(), ref + bias, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"),
    [
        ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2, "padding": "same"}, (2, 5, 5, 3)),
        ("SeparableConv1D", {"filters": 3, "kernel_size": 2, "strides": 2, "dilation_rate": 2}, (2, 9, 2)),
    ],
)
def test_separable_conv_matches_numpy(name, kwargs, shape):
    layer = getattr(layers, name)(**kwargs)
    x = _x(*shape)
    layer.build(x.shape)
    depthwise, pointwise, bias = _set_random_weights(layer)
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    mid = np_depthwise(
        x,
        depthwise,
        strides=kwargs.get("strides", 1),
        padding=kwargs.get("padding", "valid"),
        dilation=kwargs.get("dilation_rate", 1),
    )
    ref = mid @ pointwise.reshape(pointwise.shape[-2:]) + bias
    np.testing.assert_allclose(layer(x).numpy(), ref, rtol=1e-5, atol=1e-5)


# -- pooling ------------------------------------------------------------------------------------------------------
POOL_CASES = [
    ("MaxPooling2D", {}, (2, 5, 4, 3), (2, 2), (2, 2), "valid", "channels_last"),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 7, 2), (3, 3), (2, 2), "same", "channels_last"),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 7, 2), (3, 3), (2, 2), "same", "channels_first"),
    ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "SAME"}, (2, 5, 3), (3,), (1,), "same", "channels_last"),
    ("MaxPooling3D", {"pool_size": 2, "padding": "same"}, (1, 3, 4, 5, 2), (2, 2, 2), (2, 2, 2), "same", "channels_first"),
    ("AveragePooling2D", {"pool_size": 2}, (2, 5, 4, 3), (2, 2), (2, 2), "valid", "channels_first"),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 7, 2), (3, 3), (2, 2), "same", "channels_last"),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (2, 5, 3), (2,), (2,), "same", "channels_first"),
    ("AveragePooling3D", {"pool_size": (2, 1, 2), "strides": 1}, (1, 3, 3, 3, 2), (2, 1, 2), (1, 1, 1), "valid", "channels_last"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs", "shape", "pool", "strides", "padding", "data_format"), POOL_CASES)
def test_pooling_matches_numpy(name, kwargs, shape, pool, strides, padding, data_format):
    layer = getattr(layers, name)(**kwargs, data_format=data_format)
    assert layer.built and layer.weights == []
    x = _x(*shape)
    x_in = x if data_format == "channels_last" else _last_to_first(x)
    y = layer(x_in)
    ref = np_pool(x, pool, strides, padding, "max" if name.startswith("Max") else "avg")
    got = y.numpy() if data_format == "channels_last" else _first_to_last(y.numpy())
    assert y.dtype == tf.float32 and got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    if layer.padding in ("valid", "same"):  # (Keras' compute_output_shape refuses "SAME", its call takes it)
        assert tuple(y.shape) == layer.compute_output_shape(x_in.shape)


@pytest.mark.parametrize(
    ("mode", "rank", "data_format", "keepdims"),
    [
        ("Average", 1, "channels_last", False),
        ("Average", 2, "channels_first", True),
        ("Average", 3, "channels_last", True),
        ("Max", 1, "channels_first", False),
        ("Max", 2, "channels_last", True),
        ("Max", 3, "channels_first", False),
    ],
)
def test_global_pooling_matches_numpy(mode, rank, data_format, keepdims):
    layer = getattr(layers, f"Global{mode}Pooling{rank}D")(data_format=data_format, keepdims=keepdims)
    x = _x(2, *(3,) * rank, 4)
    x_in = x if data_format == "channels_last" else _last_to_first(x)
    axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(range(2, rank + 2))
    ref = (np.mean if mode == "Average" else np.max)(x_in, axis=axes, keepdims=keepdims)
    y = layer(x_in)
    assert y.shape == ref.shape == layer.compute_output_shape(x_in.shape)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6, atol=1e-6)


def test_global_average_pooling_dtypes_are_keras_mean():
    # ints average to float32; float16 is summed in float32 (60000 * 16 overflows float16), as Keras' ops.mean
    y = layers.GlobalAveragePooling2D()(tf.constant(np.arange(32, dtype=np.int32).reshape(1, 4, 4, 2)))
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), [[15.0, 16.0]])
    big = layers.GlobalAveragePooling1D(dtype="float16")(np.full((1, 16, 1), 60000.0, np.float16))
    assert big.dtype == tf.float16 and big.numpy()[0, 0] == 60000.0
    assert layers.GlobalMaxPooling2D()(tf.ones([1, 2, 2, 1], tf.int32)).dtype == tf.int32


def test_global_average_pooling1d_averages_the_unmasked_steps():
    layer = layers.GlobalAveragePooling1D()
    x = _x(3, 4, 2)
    mask = np.array([[True, True, False, True], [False, False, False, True], [True] * 4])
    ref = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), ref, rtol=1e-6)
    first = layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    np.testing.assert_allclose(first(np.moveaxis(x, -1, 1), mask=mask).numpy()[..., 0], ref, rtol=1e-6)
    # the mask of an Embedding(mask_zero=True)-like input flows in, and no mask flows out
    inputs = tf.constant(x)
    inputs._keras_mask = tf.constant(mask)
    out = layer(inputs)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    assert getattr(out, "_keras_mask", None) is None


def np_adaptive(x, out, mode):
    """Output i of an axis of size L pools [floor(i * L / out), ceil((i + 1) * L / out))."""
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for pos in itertools.product(*[range(o) for o in out]):
        sl = [slice((p * n) // o, -(-((p + 1) * n) // o)) for p, n, o in zip(pos, x.shape[1:-1], out, strict=True)]
        window = x[(slice(None), *sl)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None), *pos)] = window.max(axis=1) if mode == "Max" else window.mean(axis=1)
    return y


@pytest.mark.parametrize(
    ("name", "output_size", "shape", "data_format"),
    [
        ("AdaptiveAveragePooling1D", 3, (2, 5, 3), "channels_last"),
        ("AdaptiveMaxPooling1D", 1, (2, 2, 3), "channels_first"),  # (Keras' TF backend crashes here)
        ("AdaptiveMaxPooling2D", (2, 3), (1, 7, 5, 2), "channels_last"),
        ("AdaptiveAveragePooling2D", (5, 4), (1, 3, 4, 2), "channels_first"),
        ("AdaptiveAveragePooling3D", (2, 2, 3), (1, 4, 5, 3, 2), "channels_last"),
        ("AdaptiveMaxPooling3D", 2, (1, 4, 3, 3, 2), "channels_first"),
    ],
)
def test_adaptive_pooling_matches_numpy(name, output_size, shape, data_format):
    layer = getattr(layers, name)(output_size, data_format=data_format)
    n = len(shape) - 2
    assert layer.output_size == ((output_size,) * n if isinstance(output_size, int) else output_size)
    x = _x(*shape)
    x_in = x if data_format == "channels_last" else _last_to_first(x)
    y = layer(x_in)
    ref = np_adaptive(x, layer.output_size, "Max" if "Max" in name else "Average")
    got = y.numpy() if data_format == "channels_last" else _first_to_last(y.numpy())
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    assert tuple(y.shape) == layer.compute_output_shape(x_in.shape)
    assert layer.get_config()["output_size"] == layer.output_size
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_adaptive_pooling_argument_errors_are_keras():
    with pytest.raises(TypeError, match=r"`output_size` must be an integer or \(height, width\) tuple"):
        layers.AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(ValueError, match="For 1D input, `output_size` tuple must have length 1"):
        layers.AdaptiveMaxPooling1D((1, 2))
    with pytest.raises(ValueError, match="Invalid data_format: x"):
        layers.AdaptiveMaxPooling3D(2, data_format="x")


# -- gradients ------------------------------------------------------------------------------------------------------
def _finite_difference(f, a, ct, eps=1e-3):
    g = np.zeros_like(a, np.float64)
    for i in np.ndindex(a.shape):
        up, down = a.astype(np.float64).copy(), a.astype(np.float64).copy()
        up[i] += eps
        down[i] -= eps
        g[i] = np.sum(ct * (f(up) - f(down))) / (2 * eps)
    return g


def test_conv2d_gradients_match_finite_differences_of_numpy():
    layer = layers.Conv2D(2, 2, strides=2, padding="same", activation="tanh")
    x = _x(1, 3, 3, 2)
    layer.build(x.shape)
    kernel, bias = _set_random_weights(layer)
    y_ref = np.tanh(np_conv(x, kernel, 2, "same") + bias)
    ct = _x(*y_ref.shape)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
    gx, gk, gb = tape.gradient(y, [xt, layer.kernel, layer.bias], output_gradients=tf.constant(ct))
    fd_x = _finite_difference(lambda a: np.tanh(np_conv(a, kernel, 2, "same") + bias), x, ct)
    fd_k = _finite_difference(lambda a: np.tanh(np_conv(x, a, 2, "same") + bias), kernel, ct)
    fd_b = _finite_difference(lambda a: np.tanh(np_conv(x, kernel, 2, "same") + a), bias, ct)
    np.testing.assert_allclose(gx.numpy(), fd_x, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gk.numpy(), fd_k, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), fd_b, rtol=1e-3, atol=1e-4)


def test_conv2d_transpose_gradients_match_finite_differences_of_numpy():
    layer = layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1, use_bias=False)
    x = _x(1, 2, 2, 2)
    layer.build(x.shape)
    (kernel,) = _set_random_weights(layer)
    ct = _x(1, 4, 4, 2)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
    gx, gk = tape.gradient(y, [xt, layer.kernel], output_gradients=tf.constant(ct))
    fd_x = _finite_difference(lambda a: np_conv_transpose(a, kernel, (4, 4), 2, "same"), x, ct)
    fd_k = _finite_difference(lambda a: np_conv_transpose(x, a, (4, 4), 2, "same"), kernel, ct)
    np.testing.assert_allclose(gx.numpy(), fd_x, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gk.numpy(), fd_k, rtol=1e-3, atol=1e-4)


def test_separable_and_pooling_gradients_match_finite_differences():
    sep = layers.SeparableConv1D(2, 2, padding="same", use_bias=False)
    x = _x(1, 4, 2)
    sep.build(x.shape)
    dw, pw = _set_random_weights(sep)

    def ref(a):
        mid = np_depthwise(a, dw, padding="same")
        return np_pool(mid @ pw[0], (2,), (2,), "valid", "max").mean(axis=1)

    pool = layers.MaxPooling1D(2)
    gap = layers.GlobalAveragePooling1D()
    ct = _x(1, 2)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = gap(pool(sep(xt)))
    gx, gdw = tape.gradient(y, [xt, sep.depthwise_kernel], output_gradients=tf.constant(ct))
    np.testing.assert_allclose(y.numpy(), ref(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx.numpy(), _finite_difference(ref, x, ct), rtol=1e-3, atol=1e-4)
    fd_dw = _finite_difference(
        lambda a: np_pool(np_depthwise(x, a, padding="same") @ pw[0], (2,), (2,), "valid", "max").mean(axis=1), dw, ct
    )
    np.testing.assert_allclose(gdw.numpy(), fd_dw, rtol=1e-3, atol=1e-4)


# -- configs, lookup, models ------------------------------------------------------------------------------------
ALL_LAYERS = [
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "groups": 2}, (2, 6, 4)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "kernel_regularizer": "l2", "activation": "relu"}, (2, 6, 6, 3)),
    ("Conv3D", {"filters": 2, "kernel_size": 2, "data_format": "channels_first", "bias_constraint": "non_neg"}, (1, 2, 3, 3, 3)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}, (2, 4, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "padding": "same", "use_bias": False}, (2, 4, 4, 3)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 2, 2, 1)),
    ("DepthwiseConv1D", {"kernel_size": 2, "depth_multiplier": 2}, (2, 5, 3)),
    ("DepthwiseConv2D", {"kernel_size": 2, "depthwise_initializer": "he_normal"}, (2, 4, 4, 3)),
    ("SeparableConv1D", {"filters": 2, "kernel_size": 2, "pointwise_regularizer": "l1"}, (2, 5, 3)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 2, "depth_multiplier": 2}, (2, 4, 4, 3)),
    ("MaxPooling1D", {"pool_size": 3, "padding": "same"}, (2, 5, 3)),
    ("MaxPooling2D", {"strides": 1}, (2, 4, 4, 3)),
    ("MaxPooling3D", {"data_format": "channels_first"}, (1, 2, 4, 4, 4)),
    ("AveragePooling1D", {"pool_size": 2}, (2, 5, 3)),
    ("AveragePooling2D", {"pool_size": (1, 2)}, (2, 4, 4, 3)),
    ("AveragePooling3D", {"pool_size": 2}, (1, 2, 2, 2, 1)),
    ("GlobalAveragePooling1D", {"keepdims": True}, (2, 5, 3)),
    ("GlobalAveragePooling2D", {}, (2, 4, 4, 3)),
    ("GlobalAveragePooling3D", {"data_format": "channels_first"}, (1, 2, 2, 2, 1)),
    ("GlobalMaxPooling1D", {}, (2, 5, 3)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (2, 4, 4, 3)),
    ("GlobalMaxPooling3D", {}, (1, 2, 2, 2, 1)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs", "shape"), ALL_LAYERS)
def test_config_round_trip_and_deserialize_give_equal_configs(name, kwargs, shape):
    layer = getattr(layers, name)(**kwargs)
    config = layer.get_config()
    for clone in (
        type(layer).from_config(config),
        layers.deserialize({"class_name": name, "config": config}),
        layers.deserialize(layers.serialize(layer)),
    ):
        assert type(clone) is type(layer) and clone.get_config() == config
    assert layer.compute_output_shape((None, *shape[1:]))[0] is None


@pytest.mark.parametrize(("name", "kwargs", "shape"), [ALL_LAYERS[1], ALL_LAYERS[3], ALL_LAYERS[8]])
def test_from_config_clone_computes_the_same(name, kwargs, shape):
    layer = getattr(layers, name)(**kwargs)
    x = _x(*shape)
    y = layer(x)
    clone = type(layer).from_config(layer.get_config())
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), y.numpy(), rtol=1e-6, atol=1e-6)
    assert [w.path for w in clone.weights] == [w.path for w in layer.weights]


def test_config_keys_and_values_are_keras():
    config = layers.Conv2D(4, 3, padding="SAME").get_config()
    assert list(config) == [
        "name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding", "data_format",
        "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    ]  # fmt: skip
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1) and config["padding"] == "same"
    assert config["activation"] == "linear" and config["data_format"] == "channels_last"
    assert layers.MaxPooling2D(padding="SAME").get_config()["padding"] == "SAME"  # Keras keeps pooling's as given
    pool = layers.MaxPooling2D(3).get_config()
    assert (pool["pool_size"], pool["strides"], pool["name"]) == ((3, 3), (3, 3), "max_pooling2d_1")
    assert layers.Conv2DTranspose(2, 3).get_config()["output_padding"] is None
    assert layers.GlobalAveragePooling1D().get_config()["keepdims"] is False


def test_keras_aliases_are_the_same_classes():
    assert layers.Convolution2D is layers.Conv2D and layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool3D is layers.AveragePooling3D
    assert (
        layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D and layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D
    )


def test_default_names_follow_keras():
    names = [
        layers.Conv2D(1, 1).name,
        layers.Conv2D(1, 1).name,
        layers.Conv1DTranspose(1, 1).name,
        layers.DepthwiseConv2D(1).name,
        layers.SeparableConv1D(1, 1).name,
        layers.MaxPool2D().name,
        layers.GlobalAvgPool1D().name,
    ]
    assert names == [
        "conv2d",
        "conv2d_1",
        "conv1d_transpose",
        "depthwise_conv2d",
        "separable_conv1d",
        "max_pooling2d",
        "global_average_pooling1d",
    ]


def test_image_data_format_default_is_read_at_construction():
    keras.backend.set_image_data_format("channels_first")
    try:
        assert layers.Conv2D(1, 1).data_format == "channels_first"
        assert layers.GlobalMaxPooling2D().data_format == "channels_first"
    finally:
        keras.backend.set_image_data_format("channels_last")
    assert layers.Conv2D(1, 1).data_format == "channels_last"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: layers.Conv2D(0, 3), "Invalid value for argument `filters`. Expected a strictly positive value."),
        (
            lambda: layers.Conv2D(3, 3, groups=2),
            "The number of filters must be evenly divisible by the number of groups.",
        ),
        (lambda: layers.Conv2D(2, (3, 3, 3)), "The `kernel_size` argument must be a tuple of 2 integers."),
        (lambda: layers.Conv2D(2, 3, strides=2, dilation_rate=2), "`strides > 1` not supported in conjunction with"),
        (lambda: layers.Conv2D(2, 3, padding="causal"), "The `padding` argument must be a list/tuple or one of"),
        (lambda: layers.Conv2D(2, 3, data_format="nhwc"), "The `data_format` argument must be one of"),
        (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), "`output_padding` must be strictly less"),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "Invalid value for argument `depth_multiplier`."),
        (lambda: layers.MaxPooling2D(0), "including values {0} that do not satisfy `value > 0`"),
        (lambda: layers.Conv2D(2, 3, lora_rank=2), "Unrecognized keyword arguments passed to Conv2D"),
    ],
)
def test_constructor_errors_are_keras_value_errors(build, message):
    with pytest.raises(ValueError, match=pytest.importorskip("re").escape(message)):
        build()


def test_build_and_call_errors_are_keras_value_errors():
    with pytest.raises(
        ValueError, match="The number of input channels must be evenly divisible by the number of groups"
    ):
        layers.Conv2D(2, 3, groups=2)(np.ones((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        layers.Conv2D(2, 4)(np.ones((1, 3, 5, 1), np.float32))
    with pytest.raises(ValueError, match="expected min_ndim=3, found ndim=2"):
        layers.Conv1D(2, 2)(np.ones((3, 1), np.float32))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.MaxPooling2D()(np.ones((1, 3, 3), np.float32))
    conv = layers.Conv2D(2, 3)
    conv(np.ones((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        conv(np.ones((1, 5, 5, 4), np.float32))


def test_layers_in_sequential_functional_and_tf_function_train():
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.SeparableConv2D(4, 3),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )
    assert model.output_shape == (None, 2)
    assert [tuple(w.shape) for w in model.trainable_weights] == [
        (3, 3, 1, 4), (4,), (3, 3, 4, 1), (1, 1, 4, 4), (4,), (4, 2), (2,)
    ]  # fmt: skip
    rng = np.random.default_rng(1)  # (fixed weights: the loss decrease below does not depend on the draw)
    model.set_weights([rng.uniform(-0.5, 0.5, size=tuple(w.shape)).astype(np.float32) for w in model.weights])
    x = tf.constant(rng.normal(size=(3, 8, 8, 1)).astype(np.float32))
    opt = keras.optimizers.SGD(0.05)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x)))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights, strict=True))
        return loss

    eager = tf.reduce_mean(tf.square(model(x))).numpy()
    losses = [float(step(x)) for _ in range(3)]
    assert losses[0] == pytest.approx(eager, rel=1e-5)
    assert losses[2] < losses[0]

    inputs = keras.Input(shape=(None, None, 3))
    outputs = layers.Conv2DTranspose(2, 3, strides=2, padding="same")(layers.DepthwiseConv2D(3, padding="same")(inputs))
    assert tuple(outputs.shape) == (None, None, None, 2)
    functional = keras.Model(inputs, outputs)
    assert functional(_x(1, 3, 5, 3)).shape == (1, 6, 10, 2)


def test_kernel_regularizer_and_float64_policy():
    layer = layers.Conv1D(2, 2, kernel_regularizer=keras.regularizers.L2(0.5), dtype="float64")
    y = layer(np.ones((1, 3, 2)))
    assert y.dtype == tf.float64 and layer.kernel.dtype == tf.float64
    (loss,) = layer.losses
    np.testing.assert_allclose(loss.numpy(), 0.5 * np.sum(layer.kernel.numpy() ** 2))
    pool = layers.AveragePooling1D(2, dtype="float64")
    assert pool(np.ones((1, 4, 2))).dtype == tf.float64
