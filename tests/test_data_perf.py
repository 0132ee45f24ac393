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
