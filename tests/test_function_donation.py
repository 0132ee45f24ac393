"""tf.function donates the old buffers of the Variables its program overwrites (issue 18, memory).

Donation is seen through the buffer's address: a donated input's buffer is reused for the new value,
which otherwise is a fresh allocation made while the old value is still alive. Every case where
something else still holds the old value must read it unchanged.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tapejax as tf


def _pointer(v: tf.Variable) -> int:
    return v._value.unsafe_buffer_pointer()


def _adder() -> tuple[tf.Variable, object]:
    v = tf.Variable(np.arange(6, dtype=np.float32))

    @tf.function
    def step(x):
        v.assign_add(tf.ones(6) * x)
        return tf.reduce_sum(v)

    return v, step


ONE = np.float32(1.0)


def test_assigned_variable_buffers_are_donated():
    v, step = _adder()
    w = tf.Variable(np.ones(4, np.float32))

    @tf.function
    def scale(var):
        var.assign(var * 3.0)

    step(tf.constant(ONE))
    scale(w)
    p, q = _pointer(v), _pointer(w)
    out = step(tf.constant(ONE))
    scale(w)  # a Variable argument (lifted: an explicit input of the program)
    assert _pointer(v) == p and _pointer(w) == q
    np.testing.assert_array_equal(v.numpy(), np.arange(6) + 2.0)
    assert float(out) == float(np.sum(np.arange(6) + 2.0))
    np.testing.assert_array_equal(w.numpy(), [9.0] * 4)


def test_first_run_donates_arrays_its_trace_captured():
    # >= 1 MiB: the first run looks past the finished trace's references to v's array (JAX keeps them
    # alive through the trace of the tape's gradient).
    v = tf.Variable(np.zeros(1 << 18, np.float32))

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(v * x)
        v.assign_sub(tape.gradient(loss, v))

    p = _pointer(v)
    step(tf.constant(ONE))
    assert _pointer(v) == p
    step(tf.constant(np.float32(2.0)))
    assert _pointer(v) == p
    np.testing.assert_array_equal(v.numpy()[:3], [-3.0] * 3)


def test_old_values_still_held_elsewhere_are_not_donated():
    v, step = _adder()
    step(tf.constant(ONE))
    kinds = {
        "read_value": lambda: v.read_value(),
        "identity": lambda: tf.identity(v),
        "indexed_slices": lambda: tf.IndexedSlices(v.read_value(), tf.constant([0, 1, 2, 3, 4, 5])).values,
        "deferred": lambda: v * 2.0,  # a queued op whose input is v's array
        "numpy": lambda: v.numpy(),  # a view of the buffer (JAX copies rather than donate it)
        "variable": lambda: tf.Variable(v),  # shares v's array
    }
    for n, (kind, hold) in enumerate(kinds.items()):
        old = np.arange(6, dtype=np.float32) + 1.0 + n
        held = hold()
        step(tf.constant(ONE))
        np.testing.assert_array_equal(v.numpy(), old + 1.0, err_msg=kind)
        np.testing.assert_array_equal(np.asarray(held), old * 2.0 if kind == "deferred" else old, err_msg=kind)


def test_same_variable_passed_twice():
    v = tf.Variable(np.ones(3, np.float32))

    @tf.function
    def step(a, b):
        a.assign_add(tf.ones(3))
        b.assign_add(tf.ones(3))

    step(v, v)
    step(v, v)
    np.testing.assert_array_equal(v.numpy(), [5.0] * 3)


def test_tape_saved_value_and_recording_tape():
    v, step = _adder()
    step(tf.constant(ONE))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(v * v)
    step(tf.constant(ONE))  # the tape (not recording now) saved v's old value
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), 2.0 * (np.arange(6) + 1.0))
    x = tf.constant(ONE)
    with tf.GradientTape() as tape2:
        tape2.watch(x)
        y2 = tf.reduce_sum(v * x)
        step(x)  # called while a tape records
    assert float(tape2.gradient(y2, x)) == float(np.sum(np.arange(6) + 2.0))
    np.testing.assert_array_equal(v.numpy(), np.arange(6) + 3.0)


def test_failed_runtime_check_leaves_variables_unchanged():
    v = tf.Variable(np.arange(4, dtype=np.float32))

    @tf.function
    def step(i):
        v.assign(v * 2.0 + tf.gather(v, i))

    step(tf.constant([0, 1, 2, 3]))
    p = _pointer(v)
    step(tf.constant([0, 0, 0, 0]))
    assert _pointer(v) == p  # a checked program donates too
    before = v.numpy()
    with pytest.raises(tf.errors.InvalidArgumentError, match="is not in"):
        step(tf.constant([0, 9, 0, 0]))
    np.testing.assert_array_equal(v.numpy(), before)
    step(tf.constant([1, 1, 1, 1]))
    np.testing.assert_array_equal(v.numpy(), before * 2.0 + before[1])


def test_host_callback_error_leaves_variables_unchanged():
    v, _ = _adder()

    def fail(x):
        if float(x) > 1.0:
            raise ValueError("boom")
        return x

    @tf.function
    def step(x):
        v.assign_add(tf.ones(6) * tf.py_function(fail, [x], tf.float32))

    step(tf.constant(ONE))
    with pytest.raises(Exception, match="boom"):
        step(tf.constant(np.float32(5.0)))
    np.testing.assert_array_equal(v.numpy(), np.arange(6) + 1.0)


def test_outputs_xla_cannot_write_in_place():
    # A passed-through value, a value also returned, a new shape: not donated, no warning, right values.
    v = tf.Variable(np.ones(2, np.float32))
    w = tf.Variable(np.zeros(2, np.float32))
    u = tf.Variable(np.ones(2, np.float32), shape=tf.TensorShape(None))

    @tf.function
    def step(x, var):
        w.assign(v)
        v.assign_add(x)
        var.assign(tf.concat([var, var], 0))
        return v.read_value()

    out = step(tf.ones(2), u)
    out2 = step(tf.ones(2), u)
    np.testing.assert_array_equal(out.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(out2.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(w.numpy(), [2.0, 2.0])
    assert u.numpy().shape == (8,)


def test_variables_sharing_a_captured_tensors_array():
    # Two Variables made from one Tensor the body also reads: lifted apart (and neither donated into the
    # other); TF 2.21 gives [4, 8], a = [2, 4], b = [1, 2].
    t = tf.constant([1.0, 2.0])
    a, b = tf.Variable(t), tf.Variable(t)

    @tf.function
    def f():
        a.assign_add(t)
        return a + b + t

    np.testing.assert_array_equal(f().numpy(), [4.0, 8.0])
    np.testing.assert_array_equal(a.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(b.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_read_only_program_keeps_no_copy_of_its_trace_time_value():
    # JAX keeps the trace's constants table alive with the program (custom_jvp rules of a tape's gradient):
    # the first run moves the Variable's buffer out of it, so the value at trace time is not kept for good.
    v = tf.Variable(np.ones(1 << 18, np.float32))

    @tf.function
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(v * x)
        return tape.gradient(y, x)

    ref = weakref.ref(v._value)
    assert float(grad(tf.constant(ONE))) == float(1 << 18)
    v.assign(np.zeros(1 << 18, np.float32))
    gc.collect()
    old = ref()
    assert old is None or old.is_deleted()
    assert float(grad(tf.constant(ONE))) == 0.0
