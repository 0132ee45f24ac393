"""DType objects and TF's dtype rules: inference, no implicit promotion, Python scalars adapt."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tapejax as tf

ALL = ["float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
       "uint32", "uint64", "bool", "complex64", "complex128"]  # fmt: skip


@pytest.mark.parametrize("name", ALL)
def test_dtype_objects_exist_at_top_level_and_in_tf_dtypes(name: str) -> None:
    d = getattr(tf, name)
    assert isinstance(d, tf.DType) and d is getattr(tf.dtypes, name)
    assert d.name == name and repr(d) == f"tf.{name}"
    assert tf.as_dtype(name) is d and tf.as_dtype(d) is d
    assert pickle.loads(pickle.dumps(d)) == d


def test_dtype_properties() -> None:
    assert tf.float32.is_floating and not tf.float32.is_integer and tf.bfloat16.is_floating
    assert tf.int32.is_integer and not tf.int32.is_unsigned and tf.uint8.is_unsigned
    assert tf.complex64.is_complex and tf.complex64.real_dtype == tf.float32
    assert tf.bool.is_bool and not tf.bool.is_numeric
    assert tf.float32.as_numpy_dtype is np.float32 and tf.int64.as_numpy_dtype is np.int64
    assert tf.int32.max == 2**31 - 1 and tf.int8.min == -128 and tf.uint8.max == 255
    assert tf.float32.max == pytest.approx(3.4028235e38) and tf.float16.min == -65504.0
    assert tf.float64.size == 8 and tf.half is tf.float16 and tf.double is tf.float64


def test_dtype_equality_with_numpy_types_and_names() -> None:
    assert tf.float32 == np.float32 and tf.float32 == np.dtype("float32") and tf.float32 == "float32"
    assert tf.float32 != tf.float64 and tf.float32 != None  # noqa: E711
    assert hash(tf.float32) == hash(tf.as_dtype(np.float32))


def test_as_dtype_of_python_types() -> None:
    assert tf.as_dtype(float) is tf.float32
    assert tf.as_dtype(int) is tf.int32
    assert tf.as_dtype(bool) is tf.bool
    assert tf.as_dtype(np.int16) is tf.int16


@pytest.mark.parametrize(
    "call",
    [
        lambda: tf.as_dtype(None),
        lambda: tf.cast(tf.constant([1.0]), None),
        lambda: tf.zeros([2], dtype=None),
        lambda: tf.eye(2, dtype=None),
        lambda: tf.random.normal([2], dtype=None),
    ],
    ids=["as_dtype", "cast", "zeros", "eye", "random.normal"],
)
def test_dtype_none_raises_type_error_where_tf_does(call: object) -> None:
    # np.dtype(None) is float64: these silently gave float64 results.
    with pytest.raises(TypeError, match="None to a TensorFlow DType"):
        call()  # type: ignore[operator]


def test_output_type_none_means_the_default_as_tf() -> None:
    x = tf.constant([1.0, 3.0])
    assert tf.argmax(x, output_type=None).dtype == tf.int64
    assert tf.shape(x, out_type=None).dtype == tf.int32
    assert tf.constant(1.0, dtype=None).dtype == tf.float32


def test_bad_dtype_names_raise_type_error_saying_what_is_supported() -> None:
    with pytest.raises(TypeError, match="float32"):
        tf.as_dtype("floaty")
    with pytest.raises(TypeError, match="not implemented"):
        tf.as_dtype("string")
    with pytest.raises(TypeError):
        tf.constant([1.0], dtype="flaot32")
    with pytest.raises(TypeError):
        tf.zeros([2], dtype="int")


# -- inference ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (1.0, "float32"),
        (1, "int32"),
        (True, "bool"),
        ([1, 2], "int32"),
        ([1, 2.5], "float32"),
        ([[True], [False]], "bool"),
        (2**40, "int64"),
        (1 + 2j, "complex128"),
        (np.float64(1.5), "float64"),
        (np.array([1.0, 2.0]), "float64"),
        (np.array([1, 2], np.int64), "int64"),
        (np.float32(1), "float32"),
        (np.array([1, 2], np.uint8), "uint8"),
        ([], "float32"),
    ],
    ids=repr,
)
def test_constant_infers_tf_dtypes(value: object, dtype: str) -> None:
    assert tf.constant(value).dtype.name == dtype
    assert tf.convert_to_tensor(value).dtype.name == dtype


def test_dtype_argument_converts_ints_to_floats() -> None:
    t = tf.constant([1, 2, 3], dtype=tf.float32)
    assert t.dtype == tf.float32 and t.numpy().tolist() == [1.0, 2.0, 3.0]
    assert tf.constant(np.array([1.5]), dtype=tf.float32).dtype == tf.float32


def test_lossy_python_conversions_raise_type_error() -> None:
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.constant([1, 2.5], dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.constant(1 + 1j, dtype=tf.float32)


def test_mixing_bools_and_ints_raises() -> None:
    # TF 2.21: ValueError "Can't convert Python sequence with mixed types to Tensor." (the first
    # element, a bool, sets the dtype; [1, True] is an int32 tensor).
    with pytest.raises(ValueError, match="mixed types"):
        tf.constant([True, 1])


def test_convert_to_tensor_of_a_tensor_with_another_dtype_raises_value_error() -> None:
    # TF 2.21: ValueError "Tensor conversion requested dtype float64 for Tensor with dtype float32".
    with pytest.raises(ValueError, match="float64"):
        tf.convert_to_tensor(tf.constant([1.0]), dtype=tf.float64)
    with pytest.raises(ValueError, match="float64"):
        tf.convert_to_tensor(tf.Variable([1.0]), dtype=tf.float64)


def test_convert_to_tensor_dtype_hint_is_a_soft_preference() -> None:
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(1.5, dtype_hint=tf.int32).dtype == tf.float32


def test_constant_with_shape_broadcasts_a_scalar_or_reshapes() -> None:
    assert tf.constant(0.0, shape=[2, 2]).numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert tf.constant([1, 2, 3, 4], shape=[2, 2]).shape == (2, 2)
    with pytest.raises(TypeError, match="shape"):
        tf.constant([1, 2, 3], shape=[2, 2])


# -- no implicit promotion ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b"),
    [("int32", "float32"), ("float64", "float32"), ("int32", "int64"), ("float16", "float32")],
)
def test_tensors_of_different_dtypes_never_promote(a: str, b: str) -> None:
    x, y = tf.ones([2], dtype=a), tf.ones([2], dtype=b)
    for op in (lambda: x * y, lambda: x + y, lambda: tf.maximum(x, y), lambda: x < y):
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"{a}.*{b}"):
            op()


def test_int32_times_float32_is_an_invalid_argument_error_and_an_op_error() -> None:
    with pytest.raises(tf.errors.OpError):
        tf.constant(1) * tf.constant(1.0)


def test_python_scalars_adapt_to_the_tensor() -> None:
    assert (tf.constant(1.0, tf.float64) + 1).dtype == tf.float64
    assert (tf.constant(1, tf.int64) * 2).dtype == tf.int64
    assert (0.5 * tf.constant(1.0, tf.float16)).dtype == tf.float16
    assert (tf.constant([1, 2], tf.uint8) + 1).dtype == tf.uint8


def test_a_python_float_does_not_adapt_to_an_int_tensor() -> None:
    with pytest.raises(TypeError):
        tf.constant(1) * 1.5


def test_float64_numpy_operand_keeps_float64_and_mismatches_float32() -> None:
    assert (tf.constant(np.array([1.0])) * 2.0).dtype == tf.float64
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant([1.0]) * tf.constant(np.array([1.0]))


def test_float64_and_int64_work_end_to_end() -> None:
    x = tf.constant([1.0, 2.0], tf.float64)
    assert tf.reduce_sum(tf.exp(x) * x).dtype == tf.float64
    i = tf.constant([1, 2], tf.int64)
    assert tf.reduce_sum(i * i).dtype == tf.int64 and int(tf.reduce_sum(i * i)) == 5


def test_cast_between_dtypes() -> None:
    assert tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist() == [1, -1]
    assert tf.cast(tf.constant([1, 0]), tf.bool).numpy().tolist() == [True, False]
    assert tf.cast(tf.constant([1 + 2j]), tf.float32).numpy().tolist() == [1.0]
    assert tf.dtypes.cast(tf.constant([1]), "float64").dtype == tf.float64
    t = tf.constant([1.0])
    assert tf.cast(t, tf.float32) is t
