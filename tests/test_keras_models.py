"""tf.keras models: Sequential, functional models (tf.keras.Input), subclassed models; summary(),
get_layer, count_params; models under a GradientTape and inside tf.function."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras
layers = keras.layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


# Printed by Keras 3.15 (TF 2.21) for the same models.
KERAS_SEQUENTIAL_SUMMARY = """Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (5, 4)                 │            16 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (5, 2)                 │            10 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 26 (104.00 B)
 Trainable params: 26 (104.00 B)
 Non-trainable params: 0 (0.00 B)"""

KERAS_FUNCTIONAL_SUMMARY = """Model: "func"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ inp (InputLayer)                │ (None, 3)              │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ d (Dense)                       │ (None, 2)              │             8 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 1)              │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 11 (44.00 B)
 Trainable params: 11 (44.00 B)
 Non-trainable params: 0 (0.00 B)"""

KERAS_UNBUILT_SUMMARY = """Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ ?                      │   0 (unbuilt) │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)"""


def test_sequential_builds_on_first_call_and_prints_keras_summary():
    model = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    assert not model.built
    y = model(np.zeros((5, 3), "float32"))
    assert y.shape == (5, 2) and model.built
    assert _summary(model) == KERAS_SEQUENTIAL_SUMMARY
    assert [w.path for w in model.weights] == [
        "sequential/dense/kernel",
        "sequential/dense/bias",
        "sequential/dense_1/kernel",
        "sequential/dense_1/bias",
    ]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]


def test_unbuilt_sequential_summary_shows_unbuilt_layers():
    model = keras.Sequential([layers.Dense(2)])
    assert _summary(model) == KERAS_UNBUILT_SUMMARY


def test_functional_model_summary_and_layers_list_input_layers_first():
    x = keras.Input((3,), name="inp")
    h = layers.Dense(2, name="d")(x)
    z = layers.Dense(1)(h)
    model = keras.Model(x, [h, z], name="func")
    assert _summary(model) == KERAS_FUNCTIONAL_SUMMARY
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense"]
    assert model.get_layer("d") is model.layers[1] and model.get_layer(index=2).name == "dense"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")


def test_sequential_with_input_is_built_at_once_with_none_batch():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(1)])
    assert model.built and model.output_shape == (None, 1) and model.input_shape == (None, 3)
    assert model.count_params() == 21
    model2 = keras.Sequential([layers.Dense(4, input_shape=(3,))])
    assert model2.built and model2.output_shape == (None, 4)


def test_sequential_add_pop_and_errors():
    model = keras.Sequential()
    model.add(keras.Input((2,)))
    model.add(layers.Dense(3, name="a"))
    model.add(layers.Dense(1, name="b"))
    assert model.output_shape == (None, 1)
    popped = model.pop()
    assert popped.name == "b" and model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="should have unique names"):
        model.add(layers.Dense(1, name="a"))
    with pytest.raises(ValueError, match=r"Only instances of `keras\.Layer`"):
        model.add(3)
    with pytest.raises(ValueError, match="has no layers"):
        keras.Sequential().build((None, 2))


def _weights_like(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.weights])


def test_functional_multi_input_multi_output_matches_numpy():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    shared = layers.Dense(4, name="shared")
    ha = shared(layers.Dense(3, name="pa")(a))
    hb = shared(b)
    out1 = layers.Dense(1, name="o1")(ha)
    out2 = ha - hb
    model = keras.Model(inputs=[a, b], outputs={"first": out1, "diff": out2})
    _weights_like(model)
    xa = np.ones((2, 2), "float32")
    xb = np.full((2, 3), 0.5, "float32")
    got = model([xa, xb])
    w = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}

    def dense(name, x):
        k, bias = w[name]
        return x @ k + bias

    ha_np = dense("shared", dense("pa", xa))
    np.testing.assert_allclose(got["first"].numpy(), dense("o1", ha_np), rtol=1e-5)
    np.testing.assert_allclose(got["diff"].numpy(), ha_np - dense("shared", xb), rtol=1e-5)
    # Inputs by name, as a dict.
    got2 = model({"a": xa, "b": xb})
    np.testing.assert_allclose(got2["first"].numpy(), got["first"].numpy(), rtol=1e-6, atol=1e-6)
    assert len(shared._inbound_nodes) == 2


def test_nested_models_and_operators_on_keras_tensors():
    inner = keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_initializer="ones")], name="inner")
    x = keras.Input((3,))
    y = inner(x) * 2.0 + 1.0
    outer = keras.Model(x, y[:, :1])
    assert outer.output_shape == (None, 1)
    np.testing.assert_allclose(outer(np.ones((1, 3), "float32")).numpy(), [[7.0]])
    assert outer.layers[1] is inner and len(outer.trainable_weights) == 2


def test_functional_model_rejects_non_keras_tensors():
    x = keras.Input((2,))
    with pytest.raises(ValueError, match="All `outputs` values must be KerasTensors"):
        keras.Model(x, tf.ones([2]))
    other = keras.Input((2,))
    with pytest.raises(ValueError, match=r"must come from `keras\.Input`"):
        keras.Model(x, layers.Dense(1)(other))


class MLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="relu")
        self.out = layers.Dense(1)

    def call(self, x, training=False):
        return self.out(self.hidden(x))


def _grads(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    return loss, tape.gradient(loss, model.trainable_weights)


def test_model_gradients_match_jax_grad_of_the_same_math():
    import jax
    import jax.numpy as jnp

    model = MLP()
    x = np.random.default_rng(1).standard_normal((6, 3)).astype("float32")
    y = np.random.default_rng(2).standard_normal((6, 1)).astype("float32")
    model(x)
    loss, grads = _grads(model, x, y)

    def ref(ws):
        k1, b1, k2, b2 = ws
        return jnp.mean((jnp.maximum(x @ k1 + b1, 0) @ k2 + b2 - y) ** 2)

    ref_loss, ref_grads = jax.value_and_grad(ref)([w.numpy() for w in model.trainable_weights])
    np.testing.assert_allclose(float(loss), float(ref_loss), rtol=1e-6)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g.numpy(), np.asarray(r), rtol=1e-5, atol=1e-7)


def test_training_step_in_tf_function_equals_eager_step():
    x = np.random.default_rng(1).standard_normal((6, 3)).astype("float32")
    y = np.random.default_rng(2).standard_normal((6, 1)).astype("float32")
    eager, compiled = MLP(), MLP()
    eager(x)
    compiled(x)
    compiled.set_weights(eager.get_weights())
    opt_e, opt_c = keras.optimizers.Adam(0.01), keras.optimizers.Adam(0.01)

    def step(model, opt):
        loss, grads = _grads(model, x, y)
        opt.apply_gradients(zip(grads, model.trainable_weights, strict=False))
        return loss

    fstep = tf.function(lambda: step(compiled, opt_c))
    for _ in range(3):
        le = step(eager, opt_e)
        lc = fstep()
        np.testing.assert_allclose(float(le), float(lc), rtol=1e-5)
    for a, b in zip(eager.get_weights(), compiled.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_subclassed_model_summary_uses_build_shapes():
    model = MLP()
    model(np.zeros((5, 3), "float32"))
    text = _summary(model)
    assert "│ dense (Dense)                   │ (5, 8)                 │            32 │" in text
    assert " Total params: 41 (164.00 B)" in text


def test_sequential_config_round_trip_rebuilds_the_same_architecture():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)], name="s")
    clone = keras.Sequential.from_config(model.get_config())
    assert clone.output_shape == (None, 1) and [type(x).__name__ for x in clone.layers] == ["Dense", "Dense"]
    clone.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6, atol=1e-6)
