"""tf.debugging.enable_check_numerics / disable_check_numerics: TF's per-thread NaN/Inf checking mode."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import core


@pytest.fixture
def checking():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def test_op_producing_inf_raises_naming_the_op_and_counts(checking):
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.math.log(tf.constant([1.0, 0.0, 0.0]))
    msg = str(e.value)
    assert 'output 0 of eagerly-executing op "Log" (# of outputs: 1)' in msg
    assert "dtype: <dtype: 'float32'>" in msg and "shape: (3,)" in msg
    assert "# of -Inf elements: 2" in msg and "Tensor had -Inf values" in msg
    assert "Input tensor: tf.Tensor([1. 0. 0.], shape=(3,), dtype=float32)" in msg


def test_nan_from_binary_op_lists_both_inputs(checking):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r'op "RealDiv"(?s:.*)# of \+NaN elements: 1') as e:
        tf.constant([0.0, 1.0]) / tf.constant([0.0, 1.0])
    assert "Input tensors (2):" in str(e.value)


def test_finite_integer_and_safe_ops_pass(checking):
    assert tf.math.log(tf.constant([1.0])).numpy() == 0.0
    assert (tf.constant([1, 2]) // 1).dtype == tf.int32
    # TF does not check its "safe" ops (Maximum, Reshape, ...): NaN passes through them.
    assert np.isnan(tf.maximum(tf.constant([np.nan]), 1.0).numpy()).all()
    assert np.isnan(tf.reshape(tf.constant([np.nan]), [1, 1]).numpy()).all()


def test_mode_is_per_thread_and_off_after_disable(checking):
    out = []
    t = threading.Thread(target=lambda: out.append(tf.math.log(tf.constant(0.0))))
    t.start()
    t.join()
    assert out[0].numpy() == -np.inf  # another thread is not checked, as TF's thread-local callback
    tf.debugging.disable_check_numerics()
    assert core.numerics_check is None  # the hot path is back to one global read of None
    assert tf.math.log(tf.constant(0.0)).numpy() == -np.inf
    tf.debugging.disable_check_numerics()  # a second disable is a no-op


def test_enabling_twice_needs_one_disable():
    tf.debugging.enable_check_numerics()
    tf.debugging.enable_check_numerics()
    tf.debugging.disable_check_numerics()
    assert core.numerics_check is None


def test_gradient_tape_still_records(checking):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.math.log(x) * x
    assert tape.gradient(y, x).numpy() == pytest.approx(np.log(2.0) + 1.0)
