"""NumPy values onto the device by XLA's transfer (tapejax/_src/transfer.py): values, dtypes, copies."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import transfer


@pytest.mark.parametrize(
    "value",
    [
        np.float32(1.5),
        np.array(7, np.int64),
        np.arange(6, dtype=np.float16).reshape(2, 3),
        np.array([True, False]),
        np.array([1 + 2j], np.complex128),
        np.arange(12, dtype=np.uint8)[::3],  # strided
        np.zeros((0, 4), np.float64),
    ],
)
def test_put_equals_device_put(value: np.ndarray) -> None:
    got, want = transfer.put(value), jax.device_put(np.array(value))
    assert got.dtype == want.dtype and got.shape == want.shape and not got.committed
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_put_copies_the_host_memory() -> None:
    host = np.arange(1024, dtype=np.float32)  # aligned: a CPU transfer could use it in place
    direct = transfer.put(host)
    t = tf.constant(host)
    x = host * 2 + tf.Variable(np.ones(1024, np.float32))
    host[:] = -1.0  # the caller changes its array afterwards
    np.testing.assert_array_equal(np.asarray(direct), np.arange(1024, dtype=np.float32))
    np.testing.assert_array_equal(t.numpy(), np.arange(1024, dtype=np.float32))
    np.testing.assert_array_equal(x.numpy(), np.arange(1024, dtype=np.float32) * 2 + 1)


def test_numpy_scalar_operand_of_a_variable() -> None:
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = (np.float32(3.0) * w - np.float32(1.0)) ** 2
    assert float(loss) == 25.0 and float(tape.gradient(loss, w)) == 30.0


def test_put_follows_the_default_device() -> None:
    device = jax.devices()[-1]
    with jax.default_device(device):
        assert transfer.put(np.ones(2, np.float32)).devices() == {device}


def test_other_dtypes_take_device_put() -> None:
    assert not transfer.fast(np.array(["a"]))
    assert transfer.fast(np.ones(2, np.float32))
