"""Keras' recurrent layers: LSTM/GRU/SimpleRNN against NumPy step loops with the same weights (masks,
go_backwards, return_state, stateful), stacked cells, Bidirectional, TimeDistributed, gradients through
a tape against jax.grad, tf.function, configs."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf

L = tf.keras.layers
rng = np.random.default_rng(0)
# One input shape and (mostly) 4 units throughout: the layers of different tests then share their
# compiled programs (the file is XLA-compile bound).
X = rng.standard_normal((2, 4, 3)).astype("float32")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, kernel, recurrent, bias, mask=None, backwards=False):
    b, t, _ = x.shape
    u = recurrent.shape[0]
    h, c = np.zeros((b, u)), np.zeros((b, u))
    outs = []
    steps = range(t - 1, -1, -1) if backwards else range(t)
    for i in steps:
        z = x[:, i] @ kernel + h @ recurrent + bias
        zi, zf, zc, zo = np.split(z, 4, axis=1)
        c_new = sigmoid(zf) * c + sigmoid(zi) * np.tanh(zc)
        h_new = sigmoid(zo) * np.tanh(c_new)
        if mask is not None:
            m = mask[:, i : i + 1]
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    return np.stack(outs, 1), h, c


def np_gru(x, kernel, recurrent, bias, reset_after=True):
    b, t, _ = x.shape
    u = recurrent.shape[0]
    h = np.zeros((b, u))
    outs = []
    for i in range(t):
        ib, rb = (bias[0], bias[1]) if reset_after else (bias, np.zeros(3 * u))
        xz, xr, xh = np.split(x[:, i] @ kernel + ib, 3, axis=1)
        if reset_after:
            rz, rr, rh = np.split(h @ recurrent + rb, 3, axis=1)
            z, r = sigmoid(xz + rz), sigmoid(xr + rr)
            hh = np.tanh(xh + r * rh)
        else:
            rz, rr = np.split(h @ recurrent[:, : 2 * u], 2, axis=1)
            z, r = sigmoid(xz + rz), sigmoid(xr + rr)
            hh = np.tanh(xh + (r * h) @ recurrent[:, 2 * u :])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1), h


def _randomize(layer):
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in layer.weights])
    return [w.numpy() for w in layer.weights]


def test_lstm_matches_numpy_with_keras_weight_layout():
    layer = L.LSTM(4, return_sequences=True, return_state=True)
    layer(X)
    assert [w.path for w in layer.weights] == [
        "lstm/lstm_cell/kernel",
        "lstm/lstm_cell/recurrent_kernel",
        "lstm/lstm_cell/bias",
    ]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 16), (4, 16), (16,)]
    kernel, recurrent, bias = _randomize(layer)
    seq, h, c = layer(X)
    ref_seq, ref_h, ref_c = np_lstm(X, kernel, recurrent, bias)
    for got, want in ((seq, ref_seq), (h, ref_h), (c, ref_c)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_lstm_unit_forget_bias_initializes_the_forget_gate_to_one():
    layer = L.LSTM(4)
    layer(X)
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 4 + [1] * 4 + [0] * 8)


def test_masked_steps_keep_the_states_and_repeat_the_output():
    layer = L.LSTM(4, return_sequences=True, return_state=True)
    layer(X)
    kernel, recurrent, bias = _randomize(layer)
    mask = np.array([[True, False, True, False], [True, False, False, True]])
    seq, h, c = layer(X, mask=tf.constant(mask))
    ref_seq, ref_h, ref_c = np_lstm(X, kernel, recurrent, bias, mask=mask)
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), ref_c, rtol=1e-5, atol=1e-6)
    # The output mask follows the input mask when sequences are returned (Keras' compute_mask).
    np.testing.assert_array_equal(seq._keras_mask.numpy(), mask)


def test_embedding_mask_reaches_the_lstm():
    ids = tf.constant([[3, 1, 0, 0], [2, 0, 0, 0]])
    emb = L.Embedding(5, 3, mask_zero=True)
    lstm = L.LSTM(2)
    out = lstm(emb(ids))
    # The last output is the output at each row's last unmasked step.
    full = L.LSTM(2, return_sequences=True)
    full(emb(ids))
    full.set_weights(lstm.get_weights())
    seq = full(emb(ids)).numpy()
    np.testing.assert_allclose(out.numpy(), np.stack([seq[0, 1], seq[1, 0]]), rtol=1e-5)


def test_go_backwards_runs_from_the_end_and_returns_the_reversed_sequence():
    layer = L.LSTM(4, return_sequences=True, go_backwards=True)
    layer(X)
    kernel, recurrent, bias = _randomize(layer)
    ref_seq, _, _ = np_lstm(X, kernel, recurrent, bias, backwards=True)
    np.testing.assert_allclose(layer(X).numpy(), ref_seq, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_numpy(reset_after):
    layer = L.GRU(4, return_sequences=True, reset_after=reset_after)
    layer(X)
    assert tuple(layer.cell.bias.shape) == ((2, 12) if reset_after else (12,))
    kernel, recurrent, bias = _randomize(layer)
    ref_seq, _ = np_gru(X, kernel, recurrent, bias, reset_after)
    np.testing.assert_allclose(layer(X).numpy(), ref_seq, rtol=1e-5, atol=1e-6)


def test_simple_rnn_and_rnn_over_a_cell_agree():
    layer = L.SimpleRNN(4, return_sequences=True)
    layer(X)
    kernel, recurrent, bias = _randomize(layer)
    h = np.zeros((2, 4))
    outs = []
    for i in range(4):
        h = np.tanh(X[:, i] @ kernel + bias + h @ recurrent)
        outs.append(h)
    np.testing.assert_allclose(layer(X).numpy(), np.stack(outs, 1), rtol=1e-5, atol=1e-6)
    generic = L.RNN(L.SimpleRNNCell(4), return_sequences=True)
    generic(X)
    generic.set_weights(layer.get_weights())
    np.testing.assert_allclose(generic(X).numpy(), layer(X).numpy(), rtol=1e-6, atol=1e-6)


def test_stacked_cells_return_nested_states():
    layer = L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_state=True)
    out, lstm_states, gru_state = layer(X)
    assert out.shape == (2, 2) and [s.shape for s in lstm_states] == [(2, 3), (2, 3)] and gru_state[0].shape == (2, 2)
    np.testing.assert_allclose(out.numpy(), gru_state[0].numpy())


def test_initial_state_and_stateful_layers():
    layer = L.GRU(4, return_state=True)
    out, state = layer(X)
    out2, _ = layer(X, initial_state=[state])
    assert not np.allclose(out.numpy(), out2.numpy())
    stateful = L.GRU(4, stateful=True)
    stateful(X)
    stateful.set_weights(layer.get_weights())
    stateful.reset_state()
    first = stateful(X).numpy()
    second = stateful(X).numpy()
    np.testing.assert_allclose(first, layer(X)[0].numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(second, layer(X, initial_state=[layer(X)[1]])[0].numpy(), rtol=1e-5, atol=1e-6)
    stateful.reset_state()
    np.testing.assert_allclose(stateful(X).numpy(), first, rtol=1e-6, atol=1e-6)


def test_bidirectional_merges_forward_and_reversed_backward_outputs():
    tf.keras.backend.clear_session()
    layer = L.Bidirectional(L.LSTM(4, return_sequences=True))
    out = layer(X)
    assert out.shape == (2, 4, 8)
    assert [w.path.split("/")[1] for w in layer.weights] == ["forward_lstm"] * 3 + ["backward_lstm"] * 3
    fw = layer.forward_layer(X).numpy()
    bw = layer.backward_layer(X).numpy()[:, ::-1]
    np.testing.assert_allclose(out.numpy(), np.concatenate([fw, bw], -1), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.LSTM(3), merge_mode="max")


def test_time_distributed_applies_the_layer_to_every_step():
    dense = L.Dense(2)
    out = L.TimeDistributed(dense)(X)
    assert out.shape == (2, 4, 2)
    k, b = dense.get_weights()
    np.testing.assert_allclose(out.numpy(), X @ k + b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        L.TimeDistributed(L.Dense(2))(X[:, 0])


def test_lstm_gradients_match_jax_grad_eagerly_and_in_tf_function():
    layer = L.LSTM(4)
    layer(X)
    kernel, recurrent, bias = _randomize(layer)

    def ref(ws, x):
        k, r, b = ws
        h = c = jnp.zeros((x.shape[0], r.shape[0]))
        for i in range(x.shape[1]):
            z = x[:, i] @ k + h @ r + b
            zi, zf, zc, zo = jnp.split(z, 4, axis=1)
            c = jax.nn.sigmoid(zf) * c + jax.nn.sigmoid(zi) * jnp.tanh(zc)
            h = jax.nn.sigmoid(zo) * jnp.tanh(c)
        return jnp.sum(h**2)

    want = jax.grad(ref)([kernel, recurrent, bias], X)
    x = tf.constant(X)

    def grads():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        return tape.gradient(loss, layer.trainable_weights)

    for got in (grads(), tf.function(grads)()):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g.numpy(), np.asarray(w), rtol=2e-4, atol=1e-6)


def test_dropout_only_in_training():
    layer = L.GRU(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a = layer(X).numpy()
    np.testing.assert_allclose(a, layer(X).numpy(), rtol=1e-5, atol=1e-7)  # (two fused programs may differ by 1 ulp)
    assert not np.allclose(layer(X, training=True).numpy(), a)


def test_configs_round_trip():
    for layer in (
        L.LSTM(3, return_sequences=True, dropout=0.1),
        L.GRU(2, reset_after=False),
        L.SimpleRNN(4),
        L.Bidirectional(L.GRU(2), merge_mode="ave"),
    ):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert L.LSTM(3).units == 3 and L.GRU(2, reset_after=False).reset_after is False
    with pytest.raises(ValueError, match="expected a positive integer"):
        L.LSTM(0)
