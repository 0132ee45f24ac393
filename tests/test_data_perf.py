"""tf.data feeding fast paths (issue 18): elements reach the device by XLA's transfer (a copy, never
an alias of the pipeline's numpy memory), and ``for x in dataset`` inside ``tf.function`` pulls
blocks of elements per host callback with the exact semantics of one pull per element."""

from __future__ import annotations

import jax
import ml_dtypes
import numpy as np
import pytest

import tapejax as tf
from tapejax._src.data.device import to_arrays

Dataset = tf.data.Dataset


def _aligned(n):
    """A float32 array at a 64-byte boundary (the memory XLA's CPU client would use in place)."""
    buf = np.zeros(4 * n + 64, np.uint8)
    start = -buf.ctypes.data % 64
    return buf[start : start + 4 * n].view(np.float32)


@pytest.mark.parametrize(
    "value",
    [
        np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2],  # not contiguous
        np.array(True),  # 0-d stays 0-d
        np.zeros((2, 0, 3), np.complex64),
        np.array([1.5, -2.0], ml_dtypes.bfloat16),
        np.array([[1, 2]], np.uint16),
        np.array([7], np.int64),
        _aligned(16),
    ],
    ids=["strided", "scalar", "empty", "bfloat16", "uint16", "int64", "aligned"],
)
def test_to_arrays_values_dtypes_and_no_alias(value):
    (out,) = to_arrays((value,))
    assert isinstance(out, jax.Array) and not out.committed  # as jax.device_put without a device
    assert out.dtype == value.dtype and out.shape == value.shape
    np.testing.assert_array_equal(np.asarray(out), value)
    before = value.copy()
    value[...] = value.dtype.type(1)  # the pipeline (or the user) reuses its buffer
    np.testing.assert_array_equal(np.asarray(out), before)


def test_prefetched_elements_are_copies_of_the_pipeline_buffers():
    rows = np.arange(40, dtype=np.float32).reshape(20, 2)
    seen = [x.numpy().copy() for (x,) in Dataset.from_tensor_slices((rows,)).batch(4).prefetch(2)]
    rows[:] = -1  # from_tensor_slices holds its own copy, and the batches theirs
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(40, dtype=np.float32).reshape(20, 2))


def _digits(ds):
    """``for x in ds`` in a tf.function: (the sums of the elements as two-digit groups, in order; count)."""

    @tf.function
    def run():
        s, n = tf.constant(0, tf.int64), tf.constant(0)
        for x in ds:
            s = s * 100 + tf.reduce_sum(x)
            n += 1
        return s, n

    s, n = run()
    return int(s), int(n)


def _count_block_pulls(monkeypatch):
    from tapejax._src.data import graph

    calls = []
    reserve = graph.HostReader.reserve
    monkeypatch.setattr(graph.HostReader, "reserve", lambda self, n: (calls.append(n), reserve(self, n))[1])
    return calls


def test_a_loop_reads_blocks_in_order_with_the_partial_last_block(monkeypatch):
    calls = _count_block_pulls(monkeypatch)

    @tf.function
    def run():  # is each element the previous one plus one, and how many
        ok, prev, n = tf.constant(True), tf.constant(-1, tf.int64), tf.constant(0)
        for x in Dataset.range(150):
            ok = tf.logical_and(ok, tf.equal(x, prev + 1))
            prev, n = x, n + 1
        return ok, prev, n

    ok, last, n = run()
    assert (bool(ok), int(last), int(n)) == (True, 149, 150)
    assert len(calls) == 4  # blocks of 64, 64, 22, then the end: one callback each, not one per element
    ok, last, n = run()  # the next run reads a fresh pass
    assert (bool(ok), int(last), int(n)) == (True, 149, 150)


def test_partial_batches_between_full_blocks_keep_their_order():
    # [0 1 2] [3 4 5] [6] [0 1 2] [3 4 5] [6]: the batch of one (another shape) comes mid-stream.
    # TF 2.21: 31206031206 and 6 (for loop and reduce).
    ds = Dataset.range(7).batch(3).repeat(2)
    assert _digits(ds) == (31206031206, 6)
    total = tf.function(lambda: ds.reduce(tf.constant(0, tf.int64), lambda s, x: s * 100 + tf.reduce_sum(x)))()
    assert int(total) == 31206031206


def test_a_prefetched_pipeline_is_read_in_order():
    ds = Dataset.range(9).map(lambda x: x % 7).prefetch(tf.data.AUTOTUNE)  # 0..6, 0, 1
    assert _digits(ds) == (102030405060001, 9)


def test_a_pipeline_error_comes_after_the_elements_before_it():
    def gen():
        yield from (np.int64(i) for i in range(1, 6))
        raise ValueError("bad record 6")  # (TF: InvalidArgumentError, as PyFunc maps a ValueError)

    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))
    seen = []

    @tf.function
    def run():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += tf.numpy_function(lambda v: seen.append(int(v)) or v, [x], tf.int64)
        return s

    run.get_concrete_function()  # (its trace calls the function once on zeros)
    seen.clear()
    with pytest.raises(tf.errors.InvalidArgumentError, match="bad record 6"):
        run()
    assert seen == [1, 2, 3, 4, 5]  # the body ran on every element the pipeline gave before failing


def test_only_an_autotune_prefetch_buffer_grows_for_a_block_reader():
    fixed = Dataset.range(100).prefetch(2)._iter()
    auto = Dataset.range(100).prefetch(tf.data.AUTOTUNE)._iter()
    fixed.reserve(40)
    auto.reserve(40)
    assert (fixed._buffer.size, auto._buffer.size) == (2, 40)  # TF keeps a buffer size it was given
    assert [int(next(auto)[0]) for _ in range(3)] == [0, 1, 2]
    for it in (fixed, auto):
        it.close()


def test_elements_of_4_mb_are_pulled_one_at_a_time(monkeypatch):
    calls = _count_block_pulls(monkeypatch)
    ds = Dataset.from_tensors(np.ones((1024, 1024), np.float32)).repeat(2)
    total = tf.function(lambda: ds.reduce(tf.constant(0.0), lambda s, x: s + x[0, 0]))()
    assert float(total) == 2.0 and not calls
