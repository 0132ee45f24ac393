"""Parity of the merging layers with real Keras 3.15 (runs where Keras is installed)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")

import tapejax as tf  # noqa: E402

rng = np.random.default_rng(1)


@pytest.mark.parametrize(
    ("name", "kwargs", "shapes"),
    [
        ("Add", {}, [(2, 3), (2, 3), (2, 3)]),
        ("Add", {}, [(2, 3, 4), (2, 4)]),
        ("Subtract", {}, [(2, 3), (2, 3)]),
        ("Multiply", {}, [(2, 3), (2, 3)]),
        ("Average", {}, [(2, 3), (2, 3), (2, 3)]),
        ("Maximum", {}, [(2, 3), (2, 3)]),
        ("Minimum", {}, [(2, 3), (2, 3)]),
        ("Concatenate", {"axis": 1}, [(2, 3, 4), (2, 5, 4)]),
        ("Dot", {"axes": (1, 2)}, [(2, 5, 3), (2, 4, 5)]),
        ("Dot", {"axes": -1, "normalize": True}, [(2, 6), (2, 6)]),
        ("Dot", {"axes": 2}, [(2, 3, 4), (2, 5, 4)]),
    ],
)
def test_merging_layers_match_keras(name, kwargs, shapes):
    inputs = [rng.standard_normal(s).astype("float32") for s in shapes]
    want = np.asarray(getattr(keras_real.layers, name)(**kwargs)(inputs))
    got = getattr(tf.keras.layers, name)(**kwargs)(inputs).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    config = getattr(keras_real.layers, name)(**kwargs).get_config()
    ours = getattr(tf.keras.layers, name)(**kwargs).get_config()
    assert set(ours) == set(config)
