"""Parity of the spatial reshaping layers with real Keras 3.15 (runs where Keras is installed)."""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")

import tapejax as tf  # noqa: E402

rng = np.random.default_rng(2)


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"),
    [
        ("ZeroPadding1D", {"padding": (1, 3)}, (2, 3, 2)),
        ("ZeroPadding2D", {"padding": ((1, 0), (0, 2))}, (2, 3, 4, 2)),
        ("ZeroPadding2D", {"padding": 1, "data_format": "channels_first"}, (2, 3, 4, 2)),
        ("ZeroPadding3D", {"padding": (1, 0, 2)}, (1, 2, 3, 2, 2)),
        ("Cropping1D", {"cropping": (0, 2)}, (2, 5, 2)),
        ("Cropping2D", {"cropping": ((1, 1), (0, 2))}, (2, 4, 5, 2)),
        ("Cropping3D", {"cropping": ((1, 0), (0, 1), (1, 1))}, (1, 3, 3, 4, 2)),
        ("UpSampling1D", {"size": 3}, (2, 3, 2)),
        ("UpSampling2D", {"size": (2, 3)}, (2, 3, 4, 2)),
        ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, (2, 3, 4, 2)),
        ("UpSampling3D", {"size": (1, 2, 2), "data_format": "channels_first"}, (1, 2, 2, 3, 2)),
    ],
)
def test_reshaping_layers_match_keras(name, kwargs, shape):
    x = rng.standard_normal(shape).astype("float32")
    want = np.asarray(getattr(keras_real.layers, name)(**kwargs)(x))
    ours = getattr(tf.keras.layers, name)(**kwargs)
    got = ours(x).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    theirs = getattr(keras_real.layers, name)(**kwargs).get_config()
    mine = ours.get_config()
    assert set(mine) == set(theirs)
    for key in set(theirs) - {"name", "dtype"}:
        assert mine[key] == theirs[key], key
