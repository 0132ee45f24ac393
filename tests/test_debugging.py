"""``tapejax.debugging.explain_gradient``: each reason a gradient is ``None`` is named.

Every scenario also checks that the gradient really is ``None`` (persistent tapes, so the
explanation and the gradient are read from the same recording).
"""

from __future__ import annotations

import pytest

import tapejax as tf
from tapejax.debugging import explain_gradient


def test_explain_connected_gradient_is_not_none():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x) is not None
    assert explain_gradient(tape, y, x).startswith("not None")


def test_explain_names_a_constant_that_was_never_watched():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    msg = explain_gradient(tape, y, x)
    assert msg.startswith("None")
    assert "never watched" in msg
    assert "tape.watch" in msg


def test_explain_names_trainable_false():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape(persistent=True) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    assert "trainable=False" in explain_gradient(tape, y, v)


def test_explain_names_watch_accessed_variables_false():
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    assert "watch_accessed_variables=False" in explain_gradient(tape, y, v)


def test_explain_names_an_integer_source():
    i = tf.Variable(3)
    with tf.GradientTape(persistent=True) as tape:
        y = i * i
    assert tape.gradient(y, i) is None
    msg = explain_gradient(tape, y, i)
    assert "source" in msg
    assert "integer" in msg


def test_explain_names_an_integer_target():
    x = tf.constant([1.0, 3.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x > 1.5
    assert tape.gradient(y, x) is None
    msg = explain_gradient(tape, y, x)
    assert "target" in msg
    assert "integer" in msg or "bool" in msg


def test_explain_names_a_source_with_no_path_to_the_target():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * 3.0
        _ = b * 2.0
    assert tape.gradient(y, b) is None
    msg = explain_gradient(tape, y, b)
    assert msg.startswith("None")
    assert "no path" in msg


def test_explain_names_a_value_that_left_through_numpy():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.constant(y.numpy()) * 2.0
    assert tape.gradient(z, x) is None
    msg = explain_gradient(tape, z, x)
    assert "left the tape" in msg
    assert ".numpy()" in msg


def test_explain_names_a_value_that_left_through_float():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.constant(float(y)) * 2.0
    assert tape.gradient(z, x) is None
    msg = explain_gradient(tape, z, x)
    assert "left the tape" in msg
    assert "float()" in msg


def test_explain_names_a_variable_read_only_through_numpy():
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.constant(v.numpy()) * 2.0
    assert tape.gradient(y, v) is None
    assert ".numpy()" in explain_gradient(tape, y, v)


def test_explain_names_a_variable_created_inside_the_tape_by_rebinding():
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
        w = tf.Variable(w - 0.1 * loss)  # the classic bug: rebinding instead of assign_sub
    assert tape.gradient(loss, w) is None
    msg = explain_gradient(tape, loss, w)
    assert "created inside the tape" in msg


@pytest.mark.parametrize(
    ("fn", "op_name"),
    [(tf.stop_gradient, "StopGradient"), (lambda x: tf.round(x), "Round")],
    ids=["stop_gradient", "round"],
)
def test_explain_names_the_non_differentiable_op(fn, op_name):
    x = tf.constant(2.3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = fn(x * 2.0) * 3.0
    assert tape.gradient(y, x) is None
    msg = explain_gradient(tape, y, x)
    assert "non-differentiable" in msg
    assert op_name in msg


def test_explain_names_a_target_computed_before_the_tape():
    x = tf.constant(2.0)
    y = x * x
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
    assert tape.gradient(y, x) is None
    assert "not computed from watched values" in explain_gradient(tape, y, x)


def test_explain_says_a_used_nonpersistent_tape_cannot_be_explained():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    msg = explain_gradient(tape, y, x)
    assert "already computed its gradient" in msg
    assert "persistent=True" in msg
