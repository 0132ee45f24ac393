"""tf.nn.isotonic_regression: values, segments, dtypes, result types and gradient as TF 2.21."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

X = tf.constant([[1.0, 3, 2, 4], [5, 5, 4, 6], [1, 2, 3, 4]])


def test_decreasing_fit_and_segments_match_tf():
    out = tf.nn.isotonic_regression(X)
    assert type(out).__name__ == "IsotonicRegression" and out.segments.dtype == tf.int32
    np.testing.assert_allclose(out.output.numpy(), [[2.5] * 4, [5.0] * 4, [2.5] * 4])
    # equal neighbours that were never pooled keep separate segments, as TF's
    np.testing.assert_array_equal(out.segments.numpy(), [[0, 0, 0, 0], [0, 1, 2, 2], [0, 0, 0, 0]])
    np.testing.assert_array_equal(tf.nn.isotonic_regression(tf.constant([3.0, 3, 3, 1])).segments.numpy(), [0, 1, 2, 3])


def test_increasing_and_axis_match_tf():
    out, seg = tf.nn.isotonic_regression(X, decreasing=False)
    np.testing.assert_allclose(out.numpy(), [[1, 2.5, 2.5, 4], [14 / 3, 14 / 3, 14 / 3, 6], [1, 2, 3, 4]], rtol=1e-6)
    np.testing.assert_array_equal(seg.numpy(), [[0, 1, 1, 2], [0, 0, 0, 1], [0, 1, 2, 3]])
    out, seg = tf.nn.isotonic_regression(X, axis=0)
    np.testing.assert_allclose(out.numpy(), [[3, 4, 3, 5], [3, 4, 3, 5], [1, 2, 3, 4]])
    np.testing.assert_array_equal(seg.numpy(), [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]])


@pytest.mark.parametrize(
    ("dtype", "want"),
    [(tf.int32, tf.float64), (tf.int16, tf.float32), (tf.float64, tf.float64), (tf.float16, tf.float16)],
)
def test_output_dtypes_follow_tfs_promotions(dtype, want):
    out = tf.nn.isotonic_regression(tf.cast(tf.constant([3, 1, 2]), dtype))
    assert out.output.dtype == want
    np.testing.assert_allclose(out.output.numpy(), [3, 1.5, 1.5])


def test_gradient_averages_over_segments():
    v = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = tf.nn.isotonic_regression(v).output
        z = tf.reduce_sum(y * [[1.0, 2, 3, 4]])
    np.testing.assert_allclose(tape.gradient(z, v).numpy(), [[2.5] * 4, [1, 2, 3.5, 3.5], [2.5] * 4])  # TF 2.21
