"""tf.keras attention layers (MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention):
values against NumPy references with the same weights, Keras' mask combinations and its two attention
paths, dropout in training, gradients through a tape, tf.function, functional models, configs and
Keras' errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
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


def _with_mask(x: np.ndarray, mask: np.ndarray | None):
    t = tf.constant(x)
    if mask is not None:
        t._keras_mask = tf.constant(mask)
    return t


def _set_random_weights(layer) -> list[np.ndarray]:
    weights = [_x(*w.shape) * 0.5 for w in layer.weights]
    layer.set_weights(weights)
    return weights


def _softmax(xp, s, mask, zero_masked):
    """Keras' masked softmax: the Softmax layer (zeroes masked entries) or dot_product_attention's."""
    if mask is not None:
        s = xp.where(mask, s, -1e9)
    e = xp.exp(s - s.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return xp.where(mask, p, 0.0) if (mask is not None and zero_masked) else p


def _mha_reference(xp, w, q, v, k, mask, key_dim, zero_masked, repeats=1):
    """Multi-head attention on rank-3 inputs, written from Keras' equations (weights in Keras' order)."""
    wq, bq, wk, bk, wv, bv, wo, bo = w
    qp = xp.einsum("btd,dnh->btnh", q, wq) + bq
    kp = xp.repeat(xp.einsum("bsd,dnh->bsnh", k, wk) + bk, repeats, axis=2)
    vp = xp.repeat(xp.einsum("bsd,dnh->bsnh", v, wv) + bv, repeats, axis=2)
    s = xp.einsum("bsnh,btnh->bnts", kp, qp) / np.sqrt(key_dim)
    p = _softmax(xp, s, None if mask is None else mask[:, None], zero_masked)
    o = xp.einsum("bnts,bsnh->btnh", p, vp)
    return xp.einsum("btnh,nhd->btd", o, wo) + bo, p


Q, V, K = _x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 6)
Q_MASK = np.array([[True, True, False], [True, False, True]])
V_MASK = np.array([[True, True, True, False, False], [True, False, True, True, True]])
CAUSAL = np.tril(np.ones((3, 5), bool))[None]


# -- MultiHeadAttention --------------------------------------------------------------------------------
def test_mha_weights_follow_keras_names_shapes_and_order():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, kernel_initializer="zeros")
    layer(tf.constant(Q), tf.constant(V), key=tf.constant(K))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("multi_head_attention/query/kernel", (4, 2, 3)),
        ("multi_head_attention/query/bias", (2, 3)),
        ("multi_head_attention/key/kernel", (6, 2, 3)),
        ("multi_head_attention/key/bias", (2, 3)),
        ("multi_head_attention/value/kernel", (4, 2, 5)),
        ("multi_head_attention/value/bias", (2, 5)),
        ("multi_head_attention/attention_output/kernel", (2, 5, 4)),
        ("multi_head_attention/attention_output/bias", (4,)),
    ]
    assert layer.query_dense.equation == "abc,cde->abde"
    assert layer.output_dense.equation == "abcd,cde->abe"
    # Keras' sublayers, whose default names use the counters: a later Dropout is "dropout_1".
    assert [sub.name for sub in layer._layers] == ["query", "key", "value", "softmax", "dropout", "attention_output"]
    assert L.Dropout(0.1).name == "dropout_1"


@pytest.mark.parametrize("scores", [False, True], ids=["dot_product_path", "softmax_path"])
def test_mha_matches_numpy_with_keras_masks_attention_mask_and_causal(scores):
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, kernel_initializer="zeros")
    att_mask = RNG.random((2, 3, 5)) > 0.2
    q, v = _with_mask(Q, Q_MASK), _with_mask(V, V_MASK)
    layer.build(Q.shape, V.shape)
    w = _set_random_weights(layer)
    out = layer(q, v, attention_mask=att_mask, use_causal_mask=True, return_attention_scores=scores)
    mask = att_mask & Q_MASK[:, :, None] & V_MASK[:, None, :] & CAUSAL
    want, want_scores = _mha_reference(np, w, Q, V, V, mask, 2, zero_masked=scores)
    got = out[0] if scores else out
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got._keras_mask.numpy(), Q_MASK)  # the query's mask is the output's
    if scores:
        assert out[1].shape == (2, 2, 3, 5) and out[1].dtype == tf.float32
        np.testing.assert_allclose(out[1].numpy(), want_scores, rtol=1e-5, atol=1e-6)


def test_mha_query_attending_to_nothing_follows_keras_two_paths():
    # Keras: dot_product_attention (no dropout, no scores) averages all values uniformly, the masked
    # Softmax layer (scores returned) gives zero weights.
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, kernel_initializer="zeros")
    layer.build(Q.shape, V.shape)
    w = _set_random_weights(layer)
    att_mask = np.ones((2, 3, 5), bool)
    att_mask[0, 1] = False
    fast = layer(Q, V, attention_mask=att_mask)
    slow, probs = layer(Q, V, attention_mask=att_mask, return_attention_scores=True)
    np.testing.assert_allclose(probs.numpy()[0, :, 1], np.zeros((2, 5)))
    np.testing.assert_allclose(slow.numpy(), _mha_reference(np, w, Q, V, V, att_mask, 2, True)[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(slow.numpy()[0, 1], w[-1], atol=1e-6)  # only the output bias
    np.testing.assert_allclose(
        fast.numpy(), _mha_reference(np, w, Q, V, V, att_mask, 2, False)[0], rtol=1e-5, atol=1e-5
    )
    vp = np.einsum("sd,dnh->snh", V[0], w[4]) + w[5]
    np.testing.assert_allclose(
        fast.numpy()[0, 1], np.einsum("nh,nhd->d", vp.mean(0), w[6]) + w[7], rtol=1e-5, atol=1e-5
    )


def test_mha_explicit_query_mask_is_ignored_and_value_mask_argument_is_used():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, kernel_initializer="zeros")
    layer.build(Q.shape, V.shape)
    w = _set_random_weights(layer)
    out = layer(Q, V, query_mask=Q_MASK, value_mask=V_MASK)
    want = _mha_reference(np, w, Q, V, V, np.broadcast_to(V_MASK[:, None, :], (2, 3, 5)), 2, False)[0]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)


def test_mha_attention_axes_output_shape_and_config_roundtrip():
    layer = L.MultiHeadAttention(
        num_heads=2, key_dim=2, attention_axes=-2, output_shape=(2, 3), use_gate=True, kernel_initializer="zeros"
    )
    assert layer.get_config()["attention_axes"] == (-2,)
    x = _x(2, 2, 3, 4)
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 2, 3, 2, 3) and scores.shape == (2, 2, 2, 3, 3)
    np.testing.assert_allclose(scores.numpy().sum(-1), np.ones((2, 2, 2, 3)), rtol=1e-5)
    config = layer.get_config()
    assert config["attention_axes"] == (2,) and config["output_shape"] == (2, 3) and config["use_gate"]
    assert [w.path.split("/")[1] for w in layer.weights[::2]] == ["query", "key", "gate", "value", "attention_output"]
    clone = L.MultiHeadAttention.from_config(config)
    assert clone.get_config() == config
    assert layer.get_build_config() == {"shapes_dict": {"query_shape": (2, 2, 3, 4), "value_shape": (2, 2, 3, 4)}}
    clone.build_from_config(layer.get_build_config())
    assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in layer.weights]
    assert layer.compute_output_shape((2, 2, 3, 4), (2, 2, 3, 4)) == (2, 2, 3, 2, 3)
    assert tf.keras.layers.deserialize(tf.keras.layers.serialize(layer)).get_config() == config


def test_mha_gradients_match_jax_of_the_reference():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, kernel_initializer="zeros")
    layer.build(Q.shape, V.shape)
    w = _set_random_weights(layer)
    mask = np.broadcast_to(V_MASK[:, None, :], (2, 3, 5)) & CAUSAL
    q, v = tf.constant(Q), _with_mask(V, V_MASK)
    with tf.GradientTape() as tape:
        tape.watch([q, v])
        loss = tf.reduce_sum(tf.sin(layer(q, v, use_causal_mask=True)))
    grads = tape.gradient(loss, [q, v, *layer.trainable_weights])

    def ref(q, v, *w):
        return jnp.sum(jnp.sin(_mha_reference(jnp, w, q, v, v, mask, 2, False)[0]))

    want = jax.jit(jax.grad(ref, argnums=tuple(range(10))))(Q, V, *w)
    for g, gw in zip(grads, want, strict=True):
        np.testing.assert_allclose(g.numpy(), np.asarray(gw), rtol=1e-4, atol=1e-5)


def test_mha_dropout_in_training_only():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.5, seed=3, kernel_initializer="zeros")
    layer.build(Q.shape, V.shape)
    weights = _set_random_weights(layer)
    inference, _ = layer(Q, V, return_attention_scores=True)
    want, want_probs = _mha_reference(np, weights, Q, V, V, None, 2, True)
    np.testing.assert_allclose(inference.numpy(), want, rtol=1e-5, atol=1e-5)
    trained, trained_probs = layer(Q, V, return_attention_scores=True, training=True)
    assert not np.allclose(trained.numpy(), want, atol=1e-3)
    np.testing.assert_allclose(trained_probs.numpy(), want_probs, rtol=1e-5)  # the scores before dropout


def test_mha_in_tf_function_and_functional_model():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, kernel_initializer="zeros")
    layer.build(Q.shape, V.shape)
    w = _set_random_weights(layer)
    f = tf.function(lambda q, v: layer(q, v, use_causal_mask=True))
    want = _mha_reference(np, w, Q, V, V, np.broadcast_to(CAUSAL, (2, 3, 5)), 2, False)[0]
    np.testing.assert_allclose(f(tf.constant(Q), tf.constant(V)).numpy(), want, rtol=1e-5, atol=1e-5)
    qi, vi = tf.keras.Input((3, 4)), tf.keras.Input((5, 4))
    out = layer(qi, vi, use_causal_mask=True)
    assert out.shape == (None, 3, 4)
    model = tf.keras.Model([qi, vi], out)
    np.testing.assert_allclose(model([Q, V]).numpy(), want, rtol=1e-5, atol=1e-5)


def test_mha_errors_follow_keras():
    with pytest.raises(ValueError, match="invalid value for argument `num_heads`"):
        L.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="invalid value for argument `key_dim`"):
        L.MultiHeadAttention(num_heads=1, key_dim=2.0)
    with pytest.raises(ValueError, match="`sliding_window` must be `None` or a positive integer"):
        L.MultiHeadAttention(num_heads=1, key_dim=2, sliding_window=0)
    with pytest.raises(ValueError, match="`attention_axes` must be an int, list, or tuple"):
        L.MultiHeadAttention(num_heads=1, key_dim=2, attention_axes="1")
    with pytest.raises(ValueError, match="Flash attention is not supported"):
        L.MultiHeadAttention(num_heads=1, key_dim=2, flash_attention=True)
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`, except the last one"):
        L.MultiHeadAttention(num_heads=1, key_dim=2).build((2, 3, 4), (2, 5, 4), (2, 6, 4))


# -- GroupQueryAttention -------------------------------------------------------------------------------
def test_group_query_attention_matches_numpy_and_keras_names():
    layer = L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2, kernel_initializer="zeros")
    assert layer.name == "grouped_query_attention"
    layer.build(Q.shape, V.shape)
    shapes = [(4, 4, 2), (4, 2), (4, 2, 2), (2, 2), (4, 2, 2), (2, 2), (4, 2, 4), (4,)]
    assert [tuple(w.shape) for w in layer.weights] == shapes
    w = _set_random_weights(layer)
    q = _with_mask(Q, Q_MASK)
    out, scores = layer(q, V, value_mask=V_MASK, use_causal_mask=True, return_attention_scores=True)
    mask = Q_MASK[:, :, None] & V_MASK[:, None, :] & CAUSAL
    want, want_scores = _mha_reference(np, w, Q, V, V, mask, 2, True, repeats=2)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert L.GroupQueryAttention.from_config(config).get_config() == config
    assert tf.keras.layers.serialize(layer)["class_name"] == "GroupQueryAttention"
    with pytest.raises(ValueError, match="`num_query_heads` must be divisible by `num_key_value_heads`"):
        L.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)


# -- Attention, AdditiveAttention ----------------------------------------------------------------------
def _luong_reference(q, v, k, scores, q_mask, v_mask, causal):
    mask = np.ones(scores.shape, bool)
    if v_mask is not None:
        mask &= v_mask[:, None, :]
    if causal:
        mask &= np.tril(np.ones(scores.shape[-2:], bool))
    s = np.where(mask, scores, scores - 1e9)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = p @ v
    if q_mask is not None:
        out = np.where(q_mask[..., None], out, 0.0)
    return out, p


@pytest.mark.parametrize(
    ("ctor", "causal"),
    [({}, False), ({"use_scale": True}, True), ({"score_mode": "concat", "use_scale": True}, False)],
)
def test_attention_matches_numpy(ctor, causal):
    layer = L.Attention(**ctor)
    k = _x(2, 5, 4)
    q, v = _with_mask(Q, Q_MASK), _with_mask(V, V_MASK)
    layer.build([Q.shape, V.shape, k.shape])
    w = [np.float32(1.7), np.float32(0.6)][: len(layer.weights)]
    layer.set_weights(w)
    out, probs = layer([q, v, tf.constant(k)], return_attention_scores=True, use_causal_mask=causal)
    scale = w[0] if ctor.get("use_scale") else 1.0
    if ctor.get("score_mode") == "concat":
        scores = w[1] * np.tanh(scale * (Q[:, :, None] + k[:, None])).sum(-1)
    else:
        scores = Q @ k.transpose(0, 2, 1) * scale
    want, want_p = _luong_reference(Q, V, k, scores, Q_MASK, V_MASK, causal)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probs.numpy(), want_p, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(out._keras_mask.numpy(), Q_MASK)


def test_additive_attention_matches_numpy_with_gradient_to_scale():
    layer = L.AdditiveAttention()
    assert "score_mode" not in layer.get_config()
    layer.build([Q.shape, V.shape])
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [("additive_attention/scale", (4,))]
    scale = _x(4)
    layer.set_weights([scale])
    v = _with_mask(V, V_MASK)
    with tf.GradientTape() as tape:
        out = layer([tf.constant(Q), v])
        loss = tf.reduce_sum(out * out)
    grad = tape.gradient(loss, layer.scale)

    def ref(scale):
        scores = jnp.sum(scale * jnp.tanh(Q[:, :, None] + V[:, None]), -1)
        s = jnp.where(V_MASK[:, None, :], scores, scores - 1e9)
        return jax.nn.softmax(s, -1) @ V

    np.testing.assert_allclose(out.numpy(), jax.jit(ref)(scale), rtol=1e-5, atol=1e-6)
    want = jax.jit(jax.grad(lambda s: jnp.sum(ref(s) ** 2)))(scale)
    np.testing.assert_allclose(grad.numpy(), want, rtol=1e-4, atol=1e-5)
    config = layer.get_config()
    assert L.AdditiveAttention.from_config(config).get_config() == config


def test_attention_dropout_sequential_tf_function_and_errors():
    layer = L.Attention(dropout=0.5, seed=1)
    inference = layer([Q, V])
    np.testing.assert_array_equal(layer([Q, V], training=False).numpy(), inference.numpy())
    assert not np.allclose(layer([Q, V], training=True).numpy(), inference.numpy(), atol=1e-3)
    f = tf.function(lambda q, v: layer([q, v]))
    np.testing.assert_allclose(f(tf.constant(Q), tf.constant(V)).numpy(), inference.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="Invalid value for argument score_mode"):
        L.Attention(score_mode="add")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        L.Attention()(tf.constant(Q))
    with pytest.raises(ValueError, match="accepts inputs list of length 2 or 3"):
        L.Attention()([Q])
