"""Keras' merging layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and the
functional forms): values against NumPy, Keras 3's masks and rank broadcasting, errors, configs,
gradients, and use in functional models."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras
L = keras.layers
rng = np.random.default_rng(0)
A = rng.standard_normal((2, 3, 4)).astype("float32")
B = rng.standard_normal((2, 3, 4)).astype("float32")
C = rng.standard_normal((2, 3, 4)).astype("float32")


@pytest.mark.parametrize(
    ("layer", "ref"),
    [
        (L.Add, lambda a, b, c: a + b + c),
        (L.Multiply, lambda a, b, c: a * b * c),
        (L.Average, lambda a, b, c: (a + b + c) / 3),
        (L.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
        (L.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
    ],
)
def test_elementwise_merges_match_numpy(layer, ref):
    out = layer()([A, B, C])
    assert out.dtype == tf.float32 and out.shape == (2, 3, 4)
    np.testing.assert_allclose(out.numpy(), ref(A, B, C), rtol=1e-6)


def test_subtract_takes_exactly_two_inputs():
    np.testing.assert_allclose(L.Subtract()([A, B]).numpy(), A - B)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Subtract()([A, B, C])


def test_lower_rank_inputs_get_axes_after_the_batch_axis():
    x = rng.standard_normal((2, 4)).astype("float32")
    out = L.Add()([A, x])
    np.testing.assert_allclose(out.numpy(), A + x[:, None, :], rtol=1e-6)


def test_merge_errors():
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        L.Add()(A)
    with pytest.raises(ValueError, match="different batch sizes"):
        L.Add()([A, A[:1]])
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Add()([A, A[:, :2]])


def test_concatenate_values_shapes_and_errors():
    x = rng.standard_normal((2, 3, 1)).astype("float32")
    np.testing.assert_array_equal(L.Concatenate()([A, x]).numpy(), np.concatenate([A, x], -1))
    np.testing.assert_array_equal(L.Concatenate(axis=1)([A, B]).numpy(), np.concatenate([A, B], 1))
    np.testing.assert_array_equal(L.concatenate([A, B], axis=0).numpy(), np.concatenate([A, B], 0))
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        L.Concatenate()([A, rng.standard_normal((2, 5, 1)).astype("float32")])
    assert L.Concatenate(axis=1).get_config()["axis"] == 1


def test_dot_axes_normalize_and_shapes():
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    y = rng.standard_normal((2, 4, 5)).astype("float32")
    np.testing.assert_allclose(L.Dot(axes=(1, 2))([x, y]).numpy(), np.einsum("bij,bki->bjk", x, y), rtol=1e-5)
    u = rng.standard_normal((3, 4)).astype("float32")
    v = rng.standard_normal((3, 4)).astype("float32")
    out = L.Dot(axes=1)([u, v])
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out.numpy()[:, 0], np.sum(u * v, 1), rtol=1e-5)
    cos = L.Dot(axes=-1, normalize=True)([u, v]).numpy()[:, 0]
    np.testing.assert_allclose(cos, np.sum(u * v, 1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1), rtol=1e-5)
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        L.Dot(axes=1)([u, rng.standard_normal((3, 5)).astype("float32")])
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        L.Dot(axes="x")
    assert L.Dot(axes=(1, 2), normalize=True).get_config()["axes"] == (1, 2)


def test_maximum_and_multiply_follow_keras_masks():
    x = tf.constant([[[1.0], [5.0]]])
    y = tf.constant([[[3.0], [2.0]]])
    x._keras_mask = tf.constant([[True, False]])
    y._keras_mask = tf.constant([[False, False]])
    out = L.Maximum()([x, y])
    # Masked entries of one input take the other's value; the output mask is the OR (values from Keras 3.15).
    np.testing.assert_array_equal(out.numpy(), [[[1.0], [5.0]]])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False]])
    prod = L.Multiply()([x, y])
    np.testing.assert_array_equal(prod.numpy(), [[[1.0], [0.0]]])
    np.testing.assert_array_equal(prod._keras_mask.numpy(), [[True, False]])


def test_concatenate_mask_is_any_over_the_concatenated_masks():
    emb = L.Embedding(5, 2, mask_zero=True)
    ids = tf.constant([[1, 0, 2]])
    out = L.Concatenate()([emb(ids), emb(ids)])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True]])


def test_functional_forms_in_a_model_and_gradients():
    a, b = keras.Input((4,)), keras.Input((4,))
    h = L.add([L.Dense(3)(a), L.Dense(3)(b)])
    out = L.Dense(1)(L.concatenate([h, L.multiply([a, b])]))
    model = keras.Model([a, b], out)
    assert model.output_shape == (None, 1)
    xa, xb = tf.constant(A[:, 0]), tf.constant(B[:, 0])
    with tf.GradientTape() as tape:
        tape.watch([xa, xb])
        y = tf.reduce_sum(model([xa, xb]))
    ga, gb = tape.gradient(y, [xa, xb])
    assert ga.shape == (2, 4) and gb.shape == (2, 4)
    eps = 1e-2
    xa2 = A[:, 0].copy()
    xa2[0, 0] += eps
    fd = (float(tf.reduce_sum(model([xa2, B[:, 0]]))) - float(y)) / eps
    np.testing.assert_allclose(float(ga[0, 0]), fd, rtol=2e-2, atol=2e-3)


def test_config_round_trip():
    for layer in (L.Add(name="a"), L.Concatenate(axis=2), L.Dot(axes=(1, 1), normalize=True)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
