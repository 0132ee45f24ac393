"""Cold start: one-off programs compile fewer XLA programs (issue 18, part 2).

A layer's weights built eagerly stay queued until its first call (``function.escape_trace`` outside
any trace), and a sliced Variable assignment is one compiled scatter (``variable._set_kernel``).
Values are checked against NumPy; the paths are checked by what they leave behind (a pending weight,
the scatter kernel's cache).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy, variable


def _x(*shape: int) -> np.ndarray:
    return (np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) % 7 - 3) / 4


def test_eager_layer_weights_stay_queued_until_the_first_call() -> None:
    layer = tf.keras.layers.Dense(3, kernel_initializer="ones", bias_initializer="zeros", activation="relu")
    layer.build((2, 4))
    assert type(layer.kernel._v) is lazy.Pending  # not forced by add_weight (one program with the call)
    x = _x(2, 4)
    out = layer(tf.constant(x))
    np.testing.assert_array_equal(out.numpy(), np.maximum(x @ np.ones((4, 3), np.float32), 0))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.ones((4, 3), np.float32))
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(3, np.float32))


def test_layer_built_inside_tf_function_holds_concrete_weights() -> None:
    layer = tf.keras.layers.Dense(2, kernel_initializer="ones")

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return layer(x)

    np.testing.assert_array_equal(f(tf.constant(_x(1, 3))).numpy(), _x(1, 3) @ np.ones((3, 2), np.float32))
    assert type(layer.kernel._v) is not lazy.Pending
    np.testing.assert_array_equal(layer.kernel.numpy(), np.ones((3, 2), np.float32))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ((0, 1), 9.0),
        ((slice(None), 1), [1.0, 2.0, 3.0]),
        ((slice(None, None, 2),), [[5.0, 6.0, 7.0, 8.0]]),  # broadcast over the selected rows
        ((Ellipsis, -1), 4.0),
    ],
)
def test_sliced_assign_matches_numpy(key: tuple, value: object) -> None:
    v = tf.Variable(_x(3, 4))
    v[key].assign(value)
    want = _x(3, 4)
    want[key] = value
    np.testing.assert_array_equal(v.numpy(), want)


def test_sliced_assign_compiles_one_scatter_per_key() -> None:
    v = tf.Variable(np.zeros((2, 5), np.float64))
    kernels = variable._SLICE_ASSIGN._kernels  # (one scatter op per static key: its params)
    before = len(kernels)
    v[1, 1:4:2].assign([7.0, 8.0])
    assert len(kernels) == before + 1
    v[1, 1:4:2].assign([1.0, 2.0])  # same key: the same kernel
    assert len(kernels) == before + 1
    np.testing.assert_array_equal(v.numpy(), [[0, 0, 0, 0, 0], [0, 1, 0, 2, 0]])


def test_sliced_assign_with_tensor_index_and_errors_leave_variable_unchanged() -> None:
    v = tf.Variable(_x(3, 4))
    v[tf.constant(2), 0].assign(1.5)  # a Tensor index becomes an int key
    want = _x(3, 4)
    want[2, 0] = 1.5
    np.testing.assert_array_equal(v.numpy(), want)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot broadcast input shape"):
        v[0].assign([1.0, 2.0])
    with pytest.raises(ValueError, match="dtype mismatch"):
        v[0, 0].assign(tf.constant(1, tf.int32))
    np.testing.assert_array_equal(v.numpy(), want)


def test_sliced_assign_inside_tf_function() -> None:
    v = tf.Variable(_x(2, 3))

    @tf.function
    def f() -> None:
        v[0, :2].assign([10.0, 20.0])

    f()
    want = _x(2, 3)
    want[0, :2] = [10.0, 20.0]
    np.testing.assert_array_equal(v.numpy(), want)


def test_range_is_queued_with_the_ops_that_follow() -> None:
    if not lazy.ENABLED:
        pytest.skip("deferred execution is off (TAPEJAX_DEFER=0): nothing is queued")
    r = tf.range(2, 20, 3)
    assert type(r._v) is lazy.Pending  # (NumPy start/delta made bind run the kernel on its own)
    np.testing.assert_array_equal((r * 3 % 4).numpy(), np.arange(2, 20, 3, dtype=np.int32) * 3 % 4)
    f = tf.range(0.5, 3.0, 0.7)
    np.testing.assert_array_equal(f.numpy(), np.float32(0.5) + np.arange(4, dtype=np.float32) * np.float32(0.7))
    from tapejax._src.ops import creation_ops

    # The bounds' device copies are cached by dtype and bytes: -0.0 is not 0.0, 1 (int32) not 1 (int64).
    assert not np.signbit(np.asarray(creation_ops._device_scalar(np.asarray(0.0, np.float32))))
    assert np.signbit(np.asarray(creation_ops._device_scalar(np.asarray(-0.0, np.float32))))
    assert creation_ops._device_scalar(np.asarray(1, np.int64)).dtype == np.int64
    assert creation_ops._device_scalar(np.asarray(1, np.int32)).dtype == np.int32


def test_the_import_digest_counts_as_a_recent_sources_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from tapejax._src import compile_cache, executable_cache

    walks: list[int] = []

    def counted_digest() -> str:
        walks.append(1)
        return "the digest at import"

    monkeypatch.setattr(compile_cache, "source_digest", "the digest at import")
    monkeypatch.setattr(compile_cache, "sources_digest", counted_digest)
    monkeypatch.setattr(executable_cache, "_checked", [0.0, True])
    monkeypatch.setattr(compile_cache, "source_digest_at", time.monotonic())
    assert executable_cache._sources_unchanged() and not walks  # (within a second of the import's digest)
    monkeypatch.setattr(compile_cache, "source_digest_at", 0.0)
    assert executable_cache._sources_unchanged() and walks == [1]
