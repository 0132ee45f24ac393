"""Parity with TF 2.21 of tf.data loops inside tf.function that the fast paths of issue 18 change
(block pulls): run in the TF venv (``/tmp/tfenv/bin/python -m pytest tests/test_data_perf_parity.py``)."""

from __future__ import annotations

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402


def _taped_loop(framework):
    w = framework.Variable(2.0, dtype=framework.float64)
    ds = framework.data.Dataset.from_tensor_slices(np.arange(4.0))

    @framework.function
    def run():
        with framework.GradientTape() as tape:
            loss = framework.constant(0.0, framework.float64)
            for x in ds:
                loss += w * x + 1.0
        tape.gradient(loss, w)
        return loss

    return float(run())


def test_a_tape_may_record_a_block_loop():
    # The next block's pull waits on the previous inner loop through an operand: a tape recording the
    # loop must not make JAX differentiate that host callback (it raised 'IO callbacks do not support
    # JVP'). In the TF venv only: the gradient of a loop costs seconds of XLA compile.
    assert _taped_loop(tf) == _taped_loop(tf_real) == 16.0


@pytest.mark.parametrize("prefetch", [False, True])
def test_loops_and_reduce_over_partial_batches_match_tf(prefetch):
    def digits(framework):
        ds = framework.data.Dataset.range(11).batch(4).repeat(2)  # [4, 4, 3] twice: a partial batch mid-stream
        if prefetch:
            ds = ds.prefetch(framework.data.AUTOTUNE)

        @framework.function
        def run():
            s, n = framework.constant(0, framework.int64), framework.constant(0)
            for x in ds:
                s = s * 100 + framework.reduce_sum(x)
                n += 1
            total = ds.reduce(framework.constant(0, framework.int64), lambda t, e: t * 100 + framework.reduce_sum(e))
            return s, n, total

        return [int(v) for v in run()]

    assert digits(tf) == digits(tf_real)
