"""tf.Variable: creation, printing, assignment rules, slicing and use as a tensor."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def test_repr_of_a_scalar_variable() -> None:
    assert repr(tf.Variable(1.0, name="x")) == "<tf.Variable 'x:0' shape=() dtype=float32, numpy=1.0>"


def test_repr_of_a_vector_variable_with_the_default_name() -> None:
    v = tf.Variable([1.0, 2.0, 3.0])
    assert repr(v) == ("<tf.Variable 'Variable:0' shape=(3,) dtype=float32, numpy=array([1., 2., 3.], dtype=float32)>")
    assert str(v) == repr(v)


def test_name_gets_the_output_suffix() -> None:
    assert tf.Variable(1.0, name="w").name == "w:0"
    assert tf.Variable(1.0).name == "Variable:0"


def test_variable_without_initial_value_raises_value_error() -> None:
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()


def test_callable_initial_value() -> None:
    v = tf.Variable(lambda: tf.ones([2]))
    assert v.numpy().tolist() == [1.0, 1.0]


def test_initial_value_dtype_rules() -> None:
    assert tf.Variable(1).dtype == tf.int32
    assert tf.Variable(1.0).dtype == tf.float32
    assert tf.Variable(np.array([1.0])).dtype == tf.float64
    assert tf.Variable([1, 2], dtype=tf.float32).dtype == tf.float32


def test_trainable_defaults_to_true() -> None:
    assert tf.Variable(1.0).trainable is True
    assert tf.Variable(1.0, trainable=False).trainable is False


def test_shape_is_a_tensor_shape() -> None:
    v = tf.Variable(tf.zeros([2, 3]))
    assert isinstance(v.shape, tf.TensorShape)
    assert v.shape == (2, 3) and v.shape.as_list() == [2, 3] and v.shape[1] == 3
    assert v.get_shape() == [2, 3] and v.ndim == 2 and len(v) == 2


def test_declared_shape_with_unknown_dimension_accepts_other_sizes() -> None:
    v = tf.Variable([1.0, 2.0], shape=tf.TensorShape([None]))
    v.assign([1.0, 2.0, 3.0])
    assert v.shape.as_list() == [None] and v.numpy().tolist() == [1.0, 2.0, 3.0]


def test_assign_is_in_place_and_returns_the_variable() -> None:
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is v
    assert v.numpy().tolist() == [3.0, 4.0]
    assert v.assign_add([1.0, 1.0]) is v
    assert v.numpy().tolist() == [4.0, 5.0]
    assert v.assign_sub(tf.constant([4.0, 4.0])) is v
    assert v.numpy().tolist() == [0.0, 1.0]
    assert v.assign([7.0, 7.0], read_value=False) is None


def test_assign_with_wrong_shape_raises_and_keeps_the_value() -> None:
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1.0, 2.0, 3.0])  # (assign_add/assign_sub: InvalidArgumentError, tested below)
    assert v.numpy().tolist() == [1.0, 2.0]


def test_assign_add_and_sub_need_exactly_the_value_shape() -> None:
    """TF's AssignAddVariableOp/AssignSubVariableOp: no broadcasting, InvalidArgumentError."""
    v = tf.Variable([1.0, 2.0])
    for bad in ([1.0, 2.0, 3.0], 1.0, tf.constant([1.0])):
        with pytest.raises(
            tf.errors.InvalidArgumentError, match=r"AssignAddVariableOp.*shape \[2\].*shapes must be equal"
        ):
            v.assign_add(bad)
        with pytest.raises(tf.errors.InvalidArgumentError, match="AssignSubVariableOp"):
            v.assign_sub(bad)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    v.assign_add([1.0, 1.0]).assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [1.5, 2.5])
    c = tf.Variable(0)
    c.assign_add(1)  # scalars: the optimizers' step counters
    assert int(c) == 1


def test_assign_with_wrong_dtype_raises_and_keeps_the_value() -> None:
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="dtype"):
        v.assign(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="dtype"):
        v.assign_add(tf.constant([1.0, 2.0], tf.float64))
    assert v.numpy().tolist() == [1.0, 2.0]


def test_assign_of_a_lossy_python_value_raises_type_error() -> None:
    # TF 2.21: tf.Variable(1).assign(1.5) raises TypeError (cannot convert to the int32 dtype).
    v = tf.Variable([1, 2])
    with pytest.raises(TypeError):
        v.assign([1.5, 2.0])
    assert v.numpy().tolist() == [1, 2]


def test_read_value_is_a_snapshot() -> None:
    v = tf.Variable(1.0)
    snap = v.read_value()
    val = v.value()
    v.assign(2.0)
    assert type(snap) is tf.Tensor and float(snap) == 1.0 and float(val) == 1.0 and float(v) == 2.0


def test_sliced_assignment() -> None:
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    v[0, 1].assign(5.0)
    v[1].assign([7.0, 8.0])
    v[:, 0].assign(tf.constant([0.0, 0.0]))
    assert v.numpy().tolist() == [[0.0, 5.0], [0.0, 8.0]]


def test_sliced_assignment_with_wrong_shape_or_dtype_raises() -> None:
    v = tf.Variable([1.0, 2.0])
    # TF 2.21: InvalidArgumentError "Cannot broadcast input shape [2] into final shape []".
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot broadcast"):
        v[0].assign([1.0, 2.0])
    with pytest.raises(ValueError, match="dtype"):
        v[0].assign(tf.constant(1))
    assert v.numpy().tolist() == [1.0, 2.0]


def test_slice_of_a_variable_reads_as_a_tensor() -> None:
    v = tf.Variable([1.0, 2.0, 3.0])
    s = v[1:]
    assert isinstance(s, tf.Tensor) and s.numpy().tolist() == [2.0, 3.0]


def test_arithmetic_on_variables_returns_tensors() -> None:
    v = tf.Variable([1.0, 2.0])
    for out in (v + 1, 1 + v, v * v, v - v, -v, v / 2, v**2, abs(v), v > 1):
        assert type(out) is tf.Tensor
    assert (tf.reshape(v, [1, 2]) @ tf.reshape(v, [2, 1])).numpy().tolist() == [[5.0]]


def test_variables_work_in_ops() -> None:
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    assert float(tf.reduce_sum(v)) == 10.0
    assert tf.matmul(v, v).numpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert tf.concat([v, v], 0).shape == (4, 2)
    assert tf.stack([v[0], v[1]]).shape == (2, 2)
    assert tf.convert_to_tensor(v).shape == (2, 2)


def test_variable_from_an_expression_of_variables() -> None:
    w = tf.Variable([1.0, 2.0])
    g = tf.constant([0.5, 0.5])
    w2 = tf.Variable(w - 0.1 * g)
    assert w2.numpy().tolist() == pytest.approx([0.95, 1.95])
    assert tf.Variable(w).numpy().tolist() == [1.0, 2.0]


def test_python_protocol_of_variables() -> None:
    v = tf.Variable([1.0, 2.0])
    assert [float(x) for x in v] == [1.0, 2.0]
    assert np.asarray(v).tolist() == [1.0, 2.0]
    assert float(tf.Variable(2.5)) == 2.5 and int(tf.Variable(3)) == 3
    with pytest.raises(TypeError, match=r"ref\(\)"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1 and v.ref().deref() is v


def test_numpy_of_a_scalar_variable_is_a_numpy_scalar() -> None:
    assert type(tf.Variable(1.0).numpy()) is np.float32


def test_numpy_of_a_vector_variable_is_a_writable_copy() -> None:
    v = tf.Variable([1.0, 2.0])
    a = v.numpy()
    assert isinstance(a, np.ndarray) and a.flags.writeable
    a[0] = 9.0
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_in_place_operators_raise_runtime_error_and_keep_the_variable() -> None:
    # TF 2.21 (ResourceVariable.__iadd__ ...): RuntimeError "`variable += value` with `tf.Variable`s is not
    # supported. Use `variable.assign_add(value)` ..."; //=, %=, @=, &=, |=, ^= keep Python's default.
    v = tf.Variable([1.0, 2.0], name="w")
    w = v
    cases = {
        "+=": r"`variable \+= value`.*`variable\.assign_add\(value\)`",
        "-=": r"`variable -= value`.*`variable\.assign_sub\(value\)`.*`out = variable - value`",
        "*=": r"`var \*= value`.*`var\.assign\(var \* value\)`",
        "/=": r"`var /= value`.*`var\.assign\(var / value\)`",
        "**=": r"`var \*\*= value`.*`var\.assign\(var \*\* value\)`",
    }
    for op, message in cases.items():
        with pytest.raises(RuntimeError, match=message + r".*'w:0': shape=\(2,\) dtype=float32"):
            exec(f"w {op} 2.0")
        assert w is v
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    c = tf.Variable(7)
    d = c
    d //= 2
    assert type(d) is tf.Tensor and int(d) == 3 and int(c) == 7


def test_tensor_initial_value_of_another_dtype_raises_value_error() -> None:
    # TF 2.21: ValueError "initial_value: Tensor conversion requested dtype int32 for Tensor with dtype
    # float32: ..."; from a Variable, "Incompatible type conversion requested to type int32 ...". No cast.
    with pytest.raises(ValueError, match="requested dtype int32 for Tensor with dtype float32 and shape"):
        tf.Variable(tf.constant(1.5), dtype=tf.int32)
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        tf.Variable(tf.constant([1, 2]), dtype=tf.float32)
    with pytest.raises(ValueError, match="requested dtype float64 for Tensor with dtype float32"):
        tf.Variable(lambda: tf.constant(1.0), dtype=tf.float64)
    with pytest.raises(ValueError, match=r"Incompatible type conversion requested to type int32.*float32"):
        tf.Variable(tf.Variable(1.5), dtype=tf.int32)
    assert tf.Variable(tf.constant(1.5), dtype=tf.float32).dtype == tf.float32


def test_python_and_numpy_initial_values_convert_to_dtype_as_tf() -> None:
    # TF 2.21: Python values must fit the dtype (TypeError "Cannot convert 1.5 to EagerTensor of dtype
    # int32"); numpy values are cast as numpy casts them (np.array([1.5]) -> [1] for int32).
    assert tf.Variable(1, dtype=tf.float32).numpy() == np.float32(1.0)
    with pytest.raises(TypeError, match=r"1\.5 to EagerTensor of dtype int32"):
        tf.Variable(1.5, dtype=tf.int32)
    v = tf.Variable(np.float32(1.5), dtype=tf.int32)
    assert v.dtype == tf.int32 and v.numpy() == 1
    v = tf.Variable(np.array([1.5, -1.7]), dtype=tf.int32)
    assert v.dtype == tf.int32 and v.numpy().tolist() == [1, -1]
    assert tf.Variable(np.array([1.5]), dtype=tf.float32).dtype == tf.float32


def test_non_string_name_raises_value_error() -> None:
    # TF 2.21: ValueError "name for name_scope must be a string." (for 3, 3.5 and b"x").
    for name in (3, b"w"):
        with pytest.raises(ValueError, match=r"name for name_scope must be a string\..*" + type(name).__name__):
            tf.Variable(1.0, name=name)  # pyright: ignore[reportArgumentType]
