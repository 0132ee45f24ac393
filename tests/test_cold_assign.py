"""Variable assignments join the deferred queue (``Variable._update``, ``_slice_update``): the same
values, errors and tape behaviour as eager execution (``TAPEJAX_DEFER=0``), and a program that
assigns compiles once with the ops around it. Expected values of the TF-specific cases were checked
in TF 2.21 (bool ``assign_add`` raises, ``read_value=False`` watches nothing)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy


def _both(fn: Callable[[], list[Any]]) -> list[Any]:
    """``fn`` queued and eager (deferral off): the same values, bit for bit; returns the queued ones."""
    lazy.flush()
    queued = [np.asarray(v) for v in fn()]
    previous = lazy.set_enabled(False)
    try:
        eager = [np.asarray(v) for v in fn()]
    finally:
        lazy.set_enabled(previous)
    for q, e in zip(queued, eager, strict=True):
        assert q.dtype == e.dtype
        np.testing.assert_array_equal(q, e)
    return queued


def test_reads_between_assignments_see_each_value() -> None:
    def run() -> list[Any]:
        v = tf.Variable([1.0, 2.0])
        reads = [v.read_value()]
        v.assign_add([1.0, 1.0])
        reads.append(tf.identity(v))
        v.assign_sub(v * 0.5)
        reads.append(v + 0.0)
        v.assign([9.0, 8.0])
        v.assign_add(v)
        return [*reads, v.numpy()]

    got = _both(run)
    np.testing.assert_array_equal(got[:3], [[1, 2], [2, 3], [1, 1.5]])
    np.testing.assert_array_equal(got[3], [18, 16])


def test_aliasing_values_keep_their_snapshot() -> None:
    def run() -> list[Any]:
        a, b = tf.Variable([1.0]), tf.Variable([5.0])
        a.assign(b)
        b.assign_add([1.0])  # a keeps 5
        w = tf.Variable([1.0, 2.0])
        t = w * 1.0
        w.assign(w * 2)
        w.assign_add(w)  # (the doubled value, twice)
        u = tf.Variable(tf.constant([3.0]) * 2.0)  # a Variable made from a queued value, then assigned
        u.assign_sub([1.0])
        return [a.numpy(), b.numpy(), t, w.numpy(), u.numpy()]

    got = _both(run)
    assert [g.tolist() for g in got] == [[5.0], [6.0], [1.0, 2.0], [4.0, 8.0], [5.0]]


def test_int_and_bool_variables() -> None:
    def run() -> list[Any]:
        i = tf.Variable([1, 2])
        i.assign_add([2147483647, 1])  # wraps, as TF
        j = tf.Variable(5, dtype=tf.int64)
        j.assign_sub(7)
        b = tf.Variable([True, False])
        b.assign([False, True])
        return [i.numpy(), j.numpy(), b.numpy()]

    got = _both(run)
    assert got[0].tolist() == [-(2**31), 3] and got[1] == -2 and got[2].tolist() == [False, True]
    b = tf.Variable([True, False])
    for method in (b.assign_add, b.assign_sub):  # TF has no bool kernel for them
        with pytest.raises(tf.errors.InvalidArgumentError, match="bool"):
            method([True, True])
    assert b.numpy().tolist() == [True, False]


def test_read_value_and_use_locking() -> None:
    v = tf.Variable([1.0, 2.0])
    assert v.assign_add([1.0, 1.0], read_value=False) is None
    assert v.assign_sub([1.0, 1.0], use_locking=True) is v
    assert v.assign([3.0, 4.0], read_value=False) is None
    assert v.numpy().tolist() == [3.0, 4.0]


def test_errors_leave_the_variable_unchanged() -> None:
    v = tf.Variable([1.0, 2.0])
    v.assign_add(tf.constant([1.0, 1.0]) * 2.0)  # a queued value, not read yet
    pending = tf.constant([1.0]) * 3.0
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"AssignAddVariableOp.*\[2\].*\[1\]"):
        v.assign_add(pending)
    with pytest.raises(tf.errors.InvalidArgumentError, match="AssignSubVariableOp"):
        v.assign_sub(1.0)  # no broadcasting, not even a scalar (TF)
    with pytest.raises(ValueError, match="dtype mismatch"):
        v.assign_add(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign(pending)
    with pytest.raises(TypeError):
        tf.Variable([1, 2]).assign_add([1.5, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot broadcast"):
        v[0:2].assign(tf.constant([1.0, 2.0, 3.0]) * 1.0)
    assert v.numpy().tolist() == [3.0, 4.0]


def test_assignments_inside_a_tape() -> None:
    def run() -> list[Any]:
        v = tf.Variable(2.0)
        with tf.GradientTape() as tape:
            v.assign_add(1.0)
            y = v * v
        g = tape.gradient(y, v)  # 2 * 3
        assert tape.watched_variables() == (v,)
        x = tf.constant(3.0)
        u = tf.Variable(0.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            u.assign(x * 2)  # no gradient through an assignment: u is a leaf
            z = u * x
        gx = tape.gradient(z, x)
        with tf.GradientTape() as quiet:
            v.assign_add(1.0, read_value=False)
            v.assign_sub(1.0, read_value=False)
            v.assign(5.0, read_value=False)
        assert quiet.watched_variables() == ()  # (TF: only a read value is an access)
        return [g, gx, v.numpy()]

    assert [float(g) for g in _both(run)] == [6.0, 6.0, 5.0]


def test_sliced_assignments_queue_and_broadcast() -> None:
    def run() -> list[Any]:
        v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
        v[0].assign(tf.constant([[7.0, 8.0, 9.0]]) * 1.0)  # a leading 1 dropped (TF's rule)
        v[1, 1:].assign(v[0, :2] * 2.0)
        v[:, 0].assign(4.0)
        return [v.numpy()]

    (got,) = _both(run)
    assert got.tolist() == [[4.0, 8.0, 9.0], [4.0, 14.0, 16.0]]


def test_assignments_inside_tf_function() -> None:
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x: Any) -> Any:
        w.assign_add(x)
        w.assign_sub(x * 0.5)
        w[0].assign(w[1])
        return w.read_value()

    assert f(tf.constant([2.0, 4.0])).numpy().tolist() == [4.0, 4.0]
    assert w.numpy().tolist() == [4.0, 4.0]
    assert f(tf.constant([2.0, 2.0])).numpy().tolist() == [5.0, 5.0]


class _Quiet(lazy.Recent):
    """A run history that never turns dynamic: a new structure compiles one program, whatever ran before."""

    def append(self, new: bool) -> None:
        pass


def test_a_program_with_assignments_compiles_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lazy, "_recent", _Quiet())
    monkeypatch.setattr(lazy, "_SEEN", set())
    n = random.SystemRandom().randrange(16, 4096)  # (a length new to every cache)
    x = np.linspace(0.0, 1.0, n, dtype=np.float32)
    lazy.flush()
    compiles: list[str] = []

    def listen(event: str, duration: float, **kwargs: Any) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(event)

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        v = tf.Variable(x)
        t = tf.constant(x)
        v.assign_add(t * 2.0)
        v.assign_sub(t)
        v[1:3].assign(t[:2] * 4.0)
        got = v.numpy()
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)
    want = x * np.float32(2.0) + x - x
    want[1:3] = x[:2] * np.float32(4.0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert len(compiles) == 1
