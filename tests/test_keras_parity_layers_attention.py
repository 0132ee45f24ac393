"""Parity with real Keras 3.15 (TensorFlow backend) for the attention layers: the same config and
weights give the same outputs, attention scores, output masks, input gradients, weight paths and
get_config(). Runs only where Keras is installed (``/tmp/tfenv``)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
real_tf = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(3)


def _x(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.fixture(autouse=True)
def _fresh_names():
    tf.keras.backend.clear_session()
    keras_real.backend.clear_session()


def _run(layer, mod, inputs, kwargs, masks):
    """Calls ``layer`` on ``inputs`` (Keras masks attached per ``masks``), returns outputs and input grads."""
    tensors = [None if x is None else mod.constant(x) for x in inputs]
    for t, m in zip(tensors, masks, strict=True):
        if m is not None:
            t._keras_mask = mod.constant(m)
    tape = mod.GradientTape()
    with tape:
        for t in tensors:
            if t is not None:
                tape.watch(t)
        if isinstance(layer, (tf.keras.layers.Attention, keras_real.layers.Attention)):
            out = layer([t for t in tensors if t is not None], **kwargs)
        else:
            out = layer(*tensors, **kwargs)
        first = out[0] if isinstance(out, tuple) else out
        w = np.linspace(-1, 1, int(np.prod(first.shape)), dtype=np.float32).reshape(tuple(first.shape))
        loss = mod.reduce_sum(first * w)
    grads = tape.gradient(loss, [t for t in tensors if t is not None])
    return out, grads


def _check(name, ctor_kwargs, inputs, call_kwargs=None, masks=None, real_name=None):
    call_kwargs = call_kwargs or {}
    masks = masks or [None] * len(inputs)
    if name in ("MultiHeadAttention", "GroupQueryAttention"):
        # (the weights are set below; a glorot draw per kernel shape would only cost compile time)
        ctor_kwargs = {"kernel_initializer": "zeros", **ctor_kwargs}
    ours = getattr(tf.keras.layers, name)(**ctor_kwargs)
    real = getattr(keras_real.layers, real_name or name)(**ctor_kwargs)
    out, grads = _run(ours, tf, inputs, call_kwargs, masks)
    real.build(*_build_shapes(real, inputs))
    assert [w.path for w in ours.weights] == [w.path for w in real.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in real.weights]
    real.set_weights([w.numpy() for w in ours.weights])
    rout, rgrads = _run(real, real_tf, inputs, call_kwargs, masks)
    outs = out if isinstance(out, tuple) else (out,)
    routs = rout if isinstance(rout, tuple) else (rout,)
    assert len(outs) == len(routs)
    for y, yr in zip(outs, routs, strict=True):
        assert tuple(y.shape) == tuple(yr.shape) and y.dtype.name == yr.dtype.name
        np.testing.assert_allclose(y.numpy(), np.asarray(yr), rtol=2e-5, atol=2e-6)
    m, rm = getattr(outs[0], "_keras_mask", None), getattr(routs[0], "_keras_mask", None)
    assert (m is None) == (rm is None)
    if m is not None:
        np.testing.assert_array_equal(np.asarray(m), np.asarray(rm))
    for g, gr in zip(grads, rgrads, strict=True):
        np.testing.assert_allclose(g.numpy(), np.asarray(gr), rtol=1e-4, atol=1e-5)
    assert ours.get_config() == real.get_config()
    assert ours.get_build_config() == real.get_build_config()
    return ours, real


def _build_shapes(real, inputs):
    if isinstance(real, keras_real.layers.Attention):
        return ([x.shape for x in inputs if x is not None],)
    return tuple(None if x is None else x.shape for x in inputs)


Q, V, K = _x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 6)
ATT_MASK = RNG.random((2, 3, 5)) > 0.3
ATT_MASK[0, 1] = False  # a query that attends to nothing
Q_MASK = np.array([[True, True, False], [True, False, True]])
V_MASK = np.array([[True, True, True, False, False], [True, False, True, True, True]])


@pytest.mark.parametrize("scores", [False, True], ids=["dot_product_path", "softmax_path"])
@pytest.mark.parametrize(
    ("ctor", "call", "masks", "inputs"),
    [
        ({}, {}, None, (Q, V)),
        ({}, {"query_mask": Q_MASK}, None, (Q, V)),  # (ignored: Keras reads the query's Keras mask only)
        ({"value_dim": 5, "use_bias": False}, {"attention_mask": ATT_MASK}, None, (Q, V, K)),
        ({"output_shape": (2, 3), "use_gate": True}, {"use_causal_mask": True}, [Q_MASK, V_MASK], (Q, V)),
        ({"sliding_window": 2}, {"use_causal_mask": True, "attention_mask": ATT_MASK}, [None, V_MASK, None], (Q, V, K)),
    ],
    ids=["plain", "explicit_query_mask", "attention_mask_key", "keras_masks_causal_gate", "sliding_window"],
)
def test_multi_head_attention_matches_keras(ctor, call, masks, inputs, scores):
    _check(
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 3, **ctor},
        list(inputs),
        {**call, "return_attention_scores": scores},
        masks,
    )


@pytest.mark.parametrize("axes", [None, (2,), -2])
def test_multi_head_attention_attention_axes_matches_keras(axes):
    x, y = _x(2, 2, 3, 4), _x(2, 2, 3, 4)
    mask = RNG.random((2, 2, 3, 2, 3)) > 0.3 if axes is None else RNG.random((2, 2, 3, 3)) > 0.3
    _check(
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 2, "attention_axes": axes},
        [x, y],
        {"attention_mask": mask, "return_attention_scores": True},
    )


def test_multi_head_attention_unbuilt_config_matches_keras():
    kwargs = {"num_heads": 3, "key_dim": 2, "output_shape": 7, "attention_axes": 1, "dropout": 0.1, "seed": 4}
    assert (
        tf.keras.layers.MultiHeadAttention(**kwargs).get_config()
        == keras_real.layers.MultiHeadAttention(**kwargs).get_config()
    )


@pytest.mark.parametrize("scores", [False, True])
@pytest.mark.parametrize(
    ("ctor", "call", "masks", "inputs"),
    [
        ({}, {"attention_mask": ATT_MASK}, None, (Q, V)),
        # (Keras' GroupQueryAttention warns on a query carrying a Keras mask: the masks are passed.)
        (
            {"use_gate": True, "use_bias": False},
            {"use_causal_mask": True, "query_mask": Q_MASK, "value_mask": V_MASK},
            None,
            (Q, V, _x(2, 5, 4)),
        ),
        ({"sliding_window": 2}, {"value_mask": V_MASK}, None, (Q, V)),
    ],
    ids=["attention_mask", "masks_causal_gate", "value_mask_window"],
)
def test_group_query_attention_matches_keras(ctor, call, masks, inputs, scores):
    ours, _ = _check(
        "GroupQueryAttention",
        {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2, **ctor},
        list(inputs),
        {**call, "return_attention_scores": scores},
        masks,
    )
    assert ours.name == "grouped_query_attention"


@pytest.mark.parametrize(
    ("name", "ctor", "call", "masks", "inputs"),
    [
        ("Attention", {}, {}, None, (Q, V)),
        ("Attention", {"use_scale": True}, {"use_causal_mask": True}, [Q_MASK, V_MASK], (Q, V)),
        ("Attention", {"score_mode": "concat", "use_scale": True}, {}, [None, V_MASK, None], (Q, V, _x(2, 5, 4))),
        ("Attention", {"score_mode": "concat"}, {"use_causal_mask": True}, None, (Q, V)),
        ("AdditiveAttention", {}, {}, [Q_MASK, V_MASK], (Q, V)),
        ("AdditiveAttention", {"use_scale": False}, {"use_causal_mask": True}, None, (Q, V, _x(2, 5, 4))),
    ],
)
@pytest.mark.parametrize("scores", [False, True])
def test_luong_and_bahdanau_attention_match_keras(name, ctor, call, masks, inputs, scores):
    _check(name, ctor, list(inputs), {**call, "return_attention_scores": scores}, masks)


@pytest.mark.parametrize("name", ["MultiHeadAttention", "GroupQueryAttention"])
def test_regularization_losses_match_keras(name):
    # Keras' GroupQueryAttention also regularizes its own output (its base layer's activity regularizer).
    heads = {"num_heads": 2, "key_dim": 2} if name == "MultiHeadAttention" else {"head_dim": 2, "num_query_heads": 2}
    if name == "GroupQueryAttention":
        heads["num_key_value_heads"] = 1
    kwargs = {**heads, "activity_regularizer": "l2", "kernel_regularizer": "l1"}
    ours = getattr(tf.keras.layers, name)(kernel_initializer="zeros", **kwargs)
    real = getattr(keras_real.layers, name)(**kwargs)
    ours.build(Q.shape, V.shape)
    real.build(Q.shape, V.shape)
    real.set_weights([w.numpy() for w in ours.weights])
    ours(Q, V)
    real(Q, V)
    want = sorted(float(x) for x in real.losses)
    np.testing.assert_allclose(sorted(float(x) for x in ours.losses), want, rtol=1e-5)


def test_masked_self_attention_model_matches_keras():
    """Embedding(mask_zero) -> MultiHeadAttention(x, x) -> GlobalAveragePooling1D: the masks flow as Keras'."""

    def model(lib):
        ids = lib.keras.Input((4,), dtype="int32") if lib is tf else keras_real.Input((4,), dtype="int32")
        layers = tf.keras.layers if lib is tf else keras_real.layers
        e = layers.Embedding(10, 6, mask_zero=True)(ids)
        kwargs = {"kernel_initializer": "zeros"} if lib is tf else {}
        o = layers.MultiHeadAttention(2, 3, **kwargs)(e, e, use_causal_mask=True)
        model = (tf.keras.Model if lib is tf else keras_real.Model)(ids, layers.GlobalAveragePooling1D()(o))
        return model

    ours, real = model(tf), model(None)
    real.set_weights([w.numpy() for w in ours.weights])
    x = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(real(x)), rtol=1e-5, atol=1e-6)


def test_keras_archive_with_attention_layers_loads_in_keras(tmp_path):
    # (GroupQueryAttention is left out: its .weights.h5 entry is named after its class, see its docstring.)
    q, v = tf.keras.Input((3, 4)), tf.keras.Input((5, 4))
    outputs = [
        tf.keras.layers.MultiHeadAttention(2, 2, kernel_initializer="zeros")(q, v, use_causal_mask=True),
        tf.keras.layers.AdditiveAttention()([q, v]),
    ]
    model = tf.keras.Model([q, v], outputs)
    model.set_weights([_x(*w.shape) for w in model.weights])
    model.save(tmp_path / "m.keras")
    real = keras_real.models.load_model(tmp_path / "m.keras")
    for y, yr in zip(model([Q, V]), real([Q, V]), strict=True):
        np.testing.assert_allclose(y.numpy(), np.asarray(yr), rtol=1e-5, atol=1e-6)
