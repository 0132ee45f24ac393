"""The cases of test_faithfulness_s7.py against real TF 2.21 (run with TF's Python: /tmp/tfenv)."""

from __future__ import annotations

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
EDGES = [np.nan, np.inf, -np.inf, 0.0, -0.5, -0.99, 127.5, 128.0, -129.0, 255.9, 256.0, 32768.0, -32769.0]
EDGES += [65504.0, 70000.0, 2.0**31, -(2.0**31), -(2.0**31) - 1, 2.0**32, 2.0**63, -(2.0**63), 2.0**64, 1e30, 3e38]


@pytest.mark.parametrize("source", FLOATS)
def test_float_to_int_cast_matches_tf(source: str) -> None:
    # Sizes around every packet size (8, 16, 32), shapes of rank 1 and 2, random magnitudes.
    rng = np.random.default_rng(FLOATS.index(source))
    values = np.concatenate([EDGES, 10.0 ** rng.uniform(-1, 25, 500) * rng.choice([-1, 1], 500)])
    for target in INTS:
        for shape in [(1,), (7,), (8,), (21,), (3, 15), (45,), (100,)]:
            v = rng.choice(values, int(np.prod(shape))).reshape(shape)
            want = tf_real.cast(tf_real.cast(tf_real.constant(v, tf_real.float64), source), target).numpy()
            got = tf.cast(tf.cast(tf.constant(v, tf.float64), source), target).numpy()
            np.testing.assert_array_equal(got, want, err_msg=f"{source}->{target} {shape}")


def test_saturate_cast_and_convert_image_dtype_match_tf() -> None:
    v = np.array([np.nan, np.inf, -np.inf, 1e30, -5.5, 300.0, 70000.0, 3e9] * 5, np.float32)
    for target in INTS:
        want = tf_real.saturate_cast(tf_real.constant(v), target).numpy()
        np.testing.assert_array_equal(tf.saturate_cast(tf.constant(v), target).numpy(), want, err_msg=target)
        for saturate in (False, True):
            want = tf_real.image.convert_image_dtype(tf_real.constant(v / 1e3), target, saturate=saturate).numpy()
            got = tf.image.convert_image_dtype(tf.constant(v / 1e3), target, saturate=saturate).numpy()
            np.testing.assert_array_equal(got, want, err_msg=f"{target} {saturate}")
