"""tf.nn.fractional_max_pool / fractional_avg_pool: pooling and gradients equal TF 2.21's for TF's own
region sequences (tests/data/fractional_pool_tf221.json); the sequences follow TF's rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.core import bind
from tapejax._src.ops import fractional_pool_ops

TF_OUT = json.loads((Path(__file__).parent / "data" / "fractional_pool_tf221.json").read_text())
X = np.asarray(TF_OUT["x"], np.float32)


@pytest.mark.parametrize("case", TF_OUT["cases"], ids=lambda c: f"{c['fn']}-{c['pr']}-{c['ov']}")
def test_pooling_and_gradient_match_tf_for_its_sequences(case):
    op = fractional_pool_ops._max_pool if case["fn"] == "max" else fractional_pool_ops._avg_pool
    v = tf.Variable(X)
    rows, cols = tf.constant(case["rows"], tf.int64), tf.constant(case["cols"], tf.int64)
    with tf.GradientTape() as tape:
        out = bind(op, v, rows, cols, overlapping=case["ov"], is_max=case["fn"] == "max")
        y = tf.reduce_sum(out * tf.reshape(tf.range(tf.size(out), dtype=tf.float32), out.shape))
    np.testing.assert_allclose(out.numpy(), case["out"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), case["grad"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", TF_OUT["cases"][1:3], ids=lambda c: f"{c['pr']}-{c['ov']}")
def test_public_ops_shapes_dtypes_and_sequences(case):
    for fn in (tf.nn.fractional_max_pool, tf.nn.fractional_avg_pool):
        out, rows, cols = fn(X, case["ratio"], case["pr"], case["ov"], seed=7)
        assert out.shape == np.shape(case["out"]) and out.dtype == tf.float32
        assert rows.dtype == cols.dtype == tf.int64
        for seq, n in ((rows.numpy(), 7), (cols.numpy(), 9)):
            assert len(seq) == len(case["rows" if n == 7 else "cols"]) and seq[0] == 0 and seq[-1] == n
            k = n // (len(seq) - 1)
            assert set(np.diff(seq).tolist()) <= {k, k + 1}  # TF's region sizes


def test_seeds_and_errors():
    tf.random.set_seed(1)
    a = [tf.nn.fractional_max_pool(X, [1, 1.44, 1.73, 1], seed=3)[1].numpy() for _ in range(4)]
    tf.random.set_seed(1)
    b = [tf.nn.fractional_max_pool(X, [1, 1.44, 1.73, 1], seed=3)[1].numpy() for _ in range(4)]
    np.testing.assert_array_equal(a, b)
    assert tf.nn.fractional_max_pool(X, 1.5)[0].shape == (2, 4, 6, 3)  # TF 2.21
    with pytest.raises(ValueError, match=r"first and last elements with value 1\.0"):
        tf.nn.fractional_max_pool(X, [1, 1.5, 1.5, 2])
    with pytest.raises(ValueError, match=r"should be >= 1\.0"):
        tf.nn.fractional_avg_pool(X, [1, 0.5, 1.5, 1])
