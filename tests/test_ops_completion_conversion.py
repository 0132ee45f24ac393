"""tf.register_tensor_conversion_function: a registry that every conversion consults for unknown types."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def _const_of(attr):
    def convert(value, dtype=None, name=None, as_ref=False):
        return tf.constant(getattr(value, attr), dtype)

    return convert


class Meters:
    def __init__(self, v):
        self.v = v


tf.register_tensor_conversion_function(Meters, _const_of("v"))


def test_registered_type_converts_in_ops_and_convert_to_tensor():
    # Values checked in TF 2.21.
    assert tf.add(Meters(2.0), 1.0).numpy() == 3.0
    got = tf.convert_to_tensor(Meters(3))
    assert got.dtype == tf.int32 and got.numpy() == 3
    assert tf.reduce_sum(Meters([1.0, 2.0])).numpy() == 3.0


def test_the_other_operands_dtype_is_preferred():
    out = tf.add(tf.constant(1.0), Meters(2))  # TF asks for float32 first: tf.constant(2, float32)
    assert out.dtype == tf.float32 and out.numpy() == 3.0
    assert tf.convert_to_tensor(Meters(2), dtype_hint=tf.float64).dtype == tf.float64


def test_gradient_flows_through_the_converted_tensor():
    v = tf.Variable(3.0)

    class Doubled:
        pass

    tf.register_tensor_conversion_function(Doubled, lambda m, dtype=None, name=None, as_ref=False: v * 2)
    with tf.GradientTape() as tape:
        y = tf.square(Doubled())
    assert tape.gradient(y, v).numpy() == 24.0  # TF 2.21: 24.0
    with tf.GradientTape() as tape:
        y = tf.convert_to_tensor(Doubled()) * 1.0
    assert tape.gradient(y, v).numpy() == 2.0


def test_priority_and_not_implemented_fall_through():
    class Box:
        v = 7

    calls = []

    def late(value, dtype=None, name=None, as_ref=False):
        calls.append("late")
        return tf.constant(value.v, dtype)

    def early(value, dtype=None, name=None, as_ref=False):
        calls.append("early")
        return NotImplemented

    tf.register_tensor_conversion_function(Box, late, priority=200)
    tf.register_tensor_conversion_function(Box, early, priority=1)
    assert tf.convert_to_tensor(Box()).numpy() == 7
    assert calls == ["early", "late"]


def test_subclasses_use_the_base_types_function():
    class Feet(Meters):
        pass

    assert tf.convert_to_tensor(Feet(4.0)).numpy() == 4.0


def test_tf_tensor_protocol():
    class Five:
        def __tf_tensor__(self, dtype=None, name=None):
            return tf.constant(5)

    assert tf.convert_to_tensor(Five()).numpy() == 5 and tf.add(Five(), 1).numpy() == 6


def test_errors_as_tf():
    class Bad:
        pass

    class Wide:
        pass

    tf.register_tensor_conversion_function(Bad, lambda m, dtype=None, name=None, as_ref=False: 5)
    tf.register_tensor_conversion_function(
        Wide, lambda m, dtype=None, name=None, as_ref=False: tf.constant(1, tf.int64)
    )
    with pytest.raises(RuntimeError, match="returned non-Tensor: 5"):
        tf.convert_to_tensor(Bad())
    with pytest.raises(RuntimeError, match="incompatible dtype: requested = int32, actual = int64"):
        tf.convert_to_tensor(Wide(), tf.int32)
    with pytest.raises(TypeError, match="must be callable"):
        tf.register_tensor_conversion_function(Bad, 3)
    with pytest.raises(TypeError, match="must be a type or a tuple of types"):
        tf.register_tensor_conversion_function("x", lambda: 0)
    with pytest.raises(TypeError, match="Python numeric types"):
        tf.register_tensor_conversion_function(np.ndarray, lambda: 0)
    with pytest.raises(ValueError, match="unsupported type"):
        tf.convert_to_tensor(object())


def test_inside_function():
    f = tf.function(lambda x: x + Meters(1.0))
    assert f(tf.constant(2.0)).numpy() == 3.0
