"""tf.keras convolution and pooling layers against Keras 3.15 itself (TF backend): outputs, gradients
with respect to the inputs and the weights, weight names and shapes, configs and output shapes.

Run with the TF environment:
/tmp/tfenv/bin/python -m pytest -q -p no:cacheprovider tests/test_keras_parity_layers_conv.py
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(0)

# (class name, constructor kwargs, input shape)
CASES: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("Conv2D", {"filters": 3, "kernel_size": 3}, (2, 6, 7, 2)),
    (
        "Conv2D",
        {"filters": 4, "kernel_size": (2, 3), "strides": 2, "padding": "same", "activation": "relu"},
        (2, 7, 6, 3),
    ),
    (
        "Conv2D",
        {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same", "use_bias": False},
        (1, 7, 7, 2),
    ),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2, "strides": (1, 2)}, (2, 6, 7, 4)),
    (
        "Conv2D",
        {"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same", "data_format": "channels_first"},
        (2, 2, 5, 5),
    ),
    ("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 8, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "same"}, (2, 8, 3)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "data_format": "channels_first"}, (2, 3, 6)),
    ("Conv3D", {"filters": 2, "kernel_size": 2, "strides": (1, 2, 1), "padding": "same"}, (1, 4, 5, 3, 2)),
    ("Conv3D", {"filters": 4, "kernel_size": 2, "groups": 2}, (1, 3, 3, 3, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3}, (2, 4, 5, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 4, 3, 3)),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": (3, 2), "strides": 2, "padding": "same", "output_padding": 1},
        (1, 3, 4, 2),
    ),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "valid"}, (1, 3, 3, 2)),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "valid", "output_padding": (1, 0)},
        (1, 3, 3, 1),
    ),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 5, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "data_format": "channels_first"}, (1, 2, 3, 4)),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
        (2, 5, 3),
    ),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2}, (2, 4, 1)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": (2, 1, 2), "padding": "same"}, (1, 2, 3, 2, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 6, 3)),
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "padding": "same", "dilation_rate": 2}, (1, 7, 8, 2)),
    ("DepthwiseConv2D", {"kernel_size": 2, "data_format": "channels_first", "depth_multiplier": 3}, (1, 2, 4, 4)),
    ("DepthwiseConv1D", {"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2}, (2, 7, 3)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2, "padding": "same"}, (2, 5, 5, 3)),
    (
        "SeparableConv2D",
        {"filters": 3, "kernel_size": 2, "strides": 2, "dilation_rate": 2, "activation": "tanh"},
        (1, 7, 7, 2),
    ),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 3, "strides": 2, "data_format": "channels_first"}, (2, 2, 7)),
    ("MaxPooling2D", {}, (2, 5, 4, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 7, 2)),
    ("MaxPooling2D", {"pool_size": (2, 3), "strides": 1, "data_format": "channels_first"}, (1, 2, 4, 5)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 8, 3)),
    ("MaxPooling3D", {"pool_size": 2, "padding": "same"}, (1, 3, 4, 5, 2)),
    ("AveragePooling2D", {"pool_size": 2}, (2, 5, 4, 3)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 7, 2)),
    (
        "AveragePooling2D",
        {"pool_size": 2, "strides": 1, "padding": "same", "data_format": "channels_first"},
        (1, 2, 3, 3),
    ),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (2, 5, 3)),
    ("AveragePooling3D", {"pool_size": (2, 1, 2), "strides": 1}, (1, 3, 3, 3, 2)),
    ("GlobalAveragePooling2D", {}, (2, 3, 4, 5)),
    ("GlobalAveragePooling2D", {"keepdims": True, "data_format": "channels_first"}, (2, 3, 4, 5)),
    ("GlobalAveragePooling1D", {}, (2, 4, 3)),
    ("GlobalAveragePooling3D", {"keepdims": True}, (1, 2, 3, 2, 3)),
    ("GlobalMaxPooling2D", {}, (2, 3, 4, 5)),
    ("GlobalMaxPooling1D", {"data_format": "channels_first", "keepdims": True}, (2, 4, 3)),
    ("GlobalMaxPooling3D", {}, (1, 2, 3, 2, 3)),
]

ADAPTIVE_CASES: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("AdaptiveAveragePooling1D", {"output_size": 3}, (2, 5, 3)),
    ("AdaptiveMaxPooling1D", {"output_size": 3, "data_format": "channels_first"}, (2, 2, 7)),
    ("AdaptiveAveragePooling2D", {"output_size": (2, 3)}, (2, 7, 5, 2)),
    ("AdaptiveMaxPooling2D", {"output_size": (3, 4)}, (1, 3, 6, 2)),
    ("AdaptiveAveragePooling3D", {"output_size": 2, "data_format": "channels_first"}, (1, 2, 3, 4, 5)),
    ("AdaptiveMaxPooling3D", {"output_size": (1, 2, 3)}, (1, 3, 4, 5, 2)),
]


def _pair(name: str, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    keras_real.backend.clear_session()
    tf.keras.backend.clear_session()
    return getattr(tf.keras.layers, name)(**kwargs), getattr(keras_real.layers, name)(**kwargs)


def _to_last(x: Any, channels_first: bool) -> Any:
    return tf_real.experimental.numpy.moveaxis(x, 1, -1) if channels_first else x


def _to_first(x: Any, channels_first: bool) -> Any:
    return tf_real.experimental.numpy.moveaxis(x, -1, 1) if channels_first else x


def _ids(case: Any) -> str:
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("case", CASES + ADAPTIVE_CASES, ids=[_ids(c) for c in CASES + ADAPTIVE_CASES])
def test_layer_values_and_gradients_match_keras(case: Any) -> None:
    name, kwargs, shape = case
    # Keras' TF backend gives wrong values for some channels_first convolutions on CPU (Conv2D with
    # strides 2 and "same" padding drops the bias; its JAX backend agrees with tapejax), so the
    # reference for channels_first is Keras' channels_last layer on transposed inputs and outputs.
    first = kwargs.get("data_format") == "channels_first"
    ours, theirs = _pair(name, {**kwargs, "data_format": "channels_last"} if first else kwargs)
    if first:
        ours = getattr(tf.keras.layers, name)(**kwargs)
    x = RNG.normal(size=shape).astype(np.float32)
    y_theirs = _to_first(theirs(_to_last(x, first)), first)
    ours.build(shape)
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    weights = [RNG.normal(size=tuple(w.shape)).astype(np.float32) for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    ct = RNG.normal(size=tuple(y_theirs.shape)).astype(np.float32)

    xt = tf_real.constant(x)
    with tf_real.GradientTape() as tape:
        tape.watch(xt)
        y_theirs = _to_first(theirs(_to_last(xt, first)), first)
    g_theirs = tape.gradient(y_theirs, [xt, *theirs.trainable_weights], output_gradients=tf_real.constant(ct))

    xo = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xo)
        y_ours = ours(xo)
    g_ours = tape.gradient(y_ours, [xo, *ours.trainable_weights], output_gradients=tf.constant(ct))

    assert y_ours.shape == tuple(y_theirs.shape) and y_ours.dtype.name == y_theirs.dtype.name
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(g_ours, g_theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-4)
    reference = getattr(keras_real.layers, name)(**kwargs)
    unknown = (None, *shape[1:])
    assert ours.compute_output_shape(unknown) == reference.compute_output_shape(unknown)
    assert ours.compute_output_shape(shape) == reference.compute_output_shape(shape)


@pytest.mark.parametrize("case", CASES + ADAPTIVE_CASES, ids=[_ids(c) for c in CASES + ADAPTIVE_CASES])
def test_layer_config_matches_keras(case: Any) -> None:
    name, kwargs, _ = case
    ours, theirs = _pair(name, kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.built == theirs.built


def test_global_average_pooling1d_mask_matches_keras() -> None:
    ours, theirs = _pair("GlobalAveragePooling1D", {})
    x = RNG.normal(size=(3, 4, 2)).astype(np.float32)
    mask = np.array([[True, True, False, True], [False, False, False, True], [True] * 4])
    np.testing.assert_allclose(ours(x, mask=mask).numpy(), theirs(x, mask=mask).numpy(), rtol=1e-6)


def test_symbolic_output_shapes_match_keras() -> None:
    for name, kwargs, shape in CASES:
        ours, theirs = _pair(name, kwargs)
        out_ours = ours(
            tf.keras.Input(shape=(None,) * (len(shape) - 2) + (shape[-1],))
            if kwargs.get("data_format") != "channels_first"
            else tf.keras.Input(shape=(shape[1],) + (None,) * (len(shape) - 2))
        )
        out_theirs = theirs(
            keras_real.Input(shape=(None,) * (len(shape) - 2) + (shape[-1],))
            if kwargs.get("data_format") != "channels_first"
            else keras_real.Input(shape=(shape[1],) + (None,) * (len(shape) - 2))
        )
        assert tuple(out_ours.shape) == tuple(out_theirs.shape), (name, kwargs)


ERROR_CASES: list[tuple[str, dict[str, Any]]] = [
    ("Conv2D", {"filters": 0, "kernel_size": 3}),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "groups": 2}),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "groups": 0}),
    ("Conv2D", {"filters": 2, "kernel_size": (3, 3, 3)}),
    ("Conv2D", {"filters": 2, "kernel_size": 0}),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "causal"}),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "data_format": "nhwc"}),
    ("Conv2D", {"filters": 2, "kernel_size": "a"}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": -1}),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 0}),
    ("SeparableConv2D", {"filters": 0, "kernel_size": 3}),
    ("SeparableConv1D", {"filters": 1, "kernel_size": 3, "strides": 0}),
    ("MaxPooling2D", {"pool_size": 0}),
    ("AveragePooling1D", {"pool_size": (2, 2)}),
    ("GlobalMaxPooling2D", {"data_format": "x"}),
    ("AdaptiveAveragePooling2D", {"output_size": (1, 2, 3)}),
    ("AdaptiveMaxPooling1D", {"output_size": (1, 2)}),
    ("AdaptiveMaxPooling1D", {"output_size": 2.0}),
    ("AdaptiveMaxPooling3D", {"output_size": [2, 2]}),
    ("AdaptiveAveragePooling1D", {"output_size": 2, "data_format": "x"}),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[_ids(c) for c in ERROR_CASES])
def test_constructor_errors_match_keras(case: Any) -> None:
    name, kwargs = case
    with pytest.raises(Exception) as theirs:
        getattr(keras_real.layers, name)(**kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(tf.keras.layers, name)(**kwargs)
    assert str(ours.value) == str(theirs.value)


BUILD_ERROR_CASES: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("Conv2D", {"filters": 2, "kernel_size": 3, "groups": 2}, (1, 5, 5, 3)),
    ("Conv2D", {"filters": 2, "kernel_size": 4}, (1, 3, 5, 1)),
    ("Conv2D", {"filters": 2, "kernel_size": 2}, (1, 3, 3, 3, 1)),
    ("Conv1D", {"filters": 2, "kernel_size": 2}, (3, 1)),
    ("SeparableConv1D", {"filters": 2, "kernel_size": 5}, (1, 3, 1)),
    ("DepthwiseConv2D", {"kernel_size": 5}, (1, 3, 3, 1)),
    ("MaxPooling2D", {"pool_size": 2}, (1, 3, 3)),
    ("GlobalAveragePooling1D", {}, (1, 3, 3, 3)),
]


@pytest.mark.parametrize("case", BUILD_ERROR_CASES, ids=[_ids(c) for c in BUILD_ERROR_CASES])
def test_call_errors_match_keras(case: Any) -> None:
    name, kwargs, shape = case
    ours, theirs = _pair(name, kwargs)
    x = np.ones(shape, np.float32)
    with pytest.raises(Exception) as e_theirs:
        theirs(x)
    with pytest.raises(type(e_theirs.value)) as e_ours:
        ours(x)
    assert str(e_ours.value) == str(e_theirs.value)


@pytest.mark.parametrize(
    ("name", "dtype", "values"),
    [
        ("GlobalAveragePooling2D", "int32", np.arange(32).reshape(1, 4, 4, 2)),
        ("GlobalAveragePooling1D", "float16", np.full((1, 16, 1), 60000.0)),
        ("GlobalMaxPooling2D", "int32", np.arange(32).reshape(1, 4, 4, 2)),
        ("MaxPooling2D", "int32", np.arange(32).reshape(1, 4, 4, 2)),
    ],
)
def test_pooling_output_dtypes_match_keras(name: str, dtype: str, values: np.ndarray) -> None:
    kwargs = {"dtype": dtype} if dtype == "float16" else {}
    ours, theirs = _pair(name, kwargs)
    x = values.astype(dtype)
    y_ours, y_theirs = ours(tf.constant(x)), theirs(tf_real.constant(x))
    assert y_ours.dtype.name == y_theirs.dtype.name
    np.testing.assert_array_equal(y_ours.numpy(), y_theirs.numpy())
