"""Parity of the recurrent layers with real Keras 3.15: the same weights give the same outputs and states
(runs where Keras is installed)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")

import tapejax as tf  # noqa: E402

rng = np.random.default_rng(3)


def _pair(make, x):
    theirs = make(keras_real.layers)
    ours = make(tf.keras.layers)
    theirs(x)
    ours(x)
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.5 for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    return theirs, ours


def _compare(a, b):
    a = a if isinstance(a, (list, tuple)) else [a]
    b = b if isinstance(b, (list, tuple)) else [b]
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(np.asarray(y), np.asarray(x), rtol=1e-5, atol=1e-5)


CASES = [
    lambda L: L.SimpleRNN(4, return_sequences=True, return_state=True),
    lambda L: L.LSTM(4, return_sequences=True, return_state=True),
    lambda L: L.LSTM(3, go_backwards=True, return_sequences=True),
    lambda L: L.GRU(4, return_sequences=True, return_state=True),
    lambda L: L.GRU(3, reset_after=False, go_backwards=True),
    lambda L: L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True, return_state=True),
    lambda L: L.Bidirectional(L.LSTM(3, return_sequences=True)),
    lambda L: L.Bidirectional(L.GRU(3), merge_mode="sum"),
    lambda L: L.Bidirectional(L.LSTM(2, return_state=True), merge_mode=None),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_recurrent_layers_match_keras(case):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    theirs, ours = _pair(CASES[case], x)
    _compare(theirs(x), ours(x))


@pytest.mark.parametrize("case", [1, 3, 6])
def test_masked_sequences_match_keras(case):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    mask = np.array([[True, True, True, False, False], [True, False, True, True, False]])
    theirs, ours = _pair(CASES[case], x)
    _compare(theirs(x, mask=mask), ours(x, mask=tf.constant(mask)))


def test_time_distributed_dense_matches_keras():
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    theirs, ours = _pair(lambda L: L.TimeDistributed(L.Dense(2)), x)
    _compare(theirs(x), ours(x))


def test_config_keys_match_keras():
    for make in (
        lambda L: L.LSTM(3),
        lambda L: L.GRU(3),
        lambda L: L.SimpleRNN(3),
        lambda L: L.Bidirectional(L.LSTM(2)),
    ):
        assert set(make(tf.keras.layers).get_config()) == set(make(keras_real.layers).get_config())
