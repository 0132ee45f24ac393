"""tf.debugging's assertions: TF 2.21's error classes and message layouts (checked on TF 2.21), and what
happens inside tf.function (value checks on traced tensors are skipped; static checks raise)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

IAE = tf.errors.InvalidArgumentError
x = tf.constant([1.0, 2.0, 3.0])
y = tf.constant([1.0, 5.0, 3.0])


def _msg(fn, cls=Exception) -> str:
    with pytest.raises(cls) as e:
        fn()
    return e.value.message if isinstance(e.value, tf.errors.OpError) else str(e.value)


def test_binary_asserts_pass_silently() -> None:
    assert tf.debugging.assert_equal(x, x) is None
    assert tf.debugging.assert_less_equal(x, y) is None
    assert tf.debugging.assert_equal(x, tf.constant([1.0, 2.0, 3.0])) is None
    assert tf.debugging.assert_equal(tf.zeros([0]), tf.ones([0])) is None
    assert tf.debugging.assert_greater(y, 0.5) is None


def test_assert_equal_message_lists_the_failing_indices_and_values() -> None:
    assert _msg(lambda: tf.debugging.assert_equal(x, y), IAE) == (
        "Condition x == y did not hold.\nIndices of first 1 different values:\n[[1]]\nCorresponding x values:\n[2.]\n"
        "Corresponding y values:\n[5.]\nFirst 3 elements of x:\n[1. 2. 3.]\nFirst 3 elements of y:\n[1. 5. 3.]"
    )
    assert _msg(lambda: tf.debugging.assert_equal(x, y, message="hello", summarize=1), IAE) == (
        "hello\nCondition x == y did not hold.\nIndices of first 1 different values:\n[[1]]\nCorresponding x values:\n"
        "[2.]\nCorresponding y values:\n[5.]\nFirst 1 elements of x:\n[1.]\nFirst 1 elements of y:\n[1.]"
    )
    # different shapes: no indices; a scalar: none either
    assert _msg(lambda: tf.debugging.assert_equal(x, 1.0), IAE) == (
        "Condition x == y did not hold.\nFirst 3 elements of x:\n[1. 2. 3.]\nFirst 1 elements of y:\n[1.]"
    )
    assert _msg(lambda: tf.debugging.assert_equal(tf.constant(1), tf.constant(2)), IAE) == (
        "Condition x == y did not hold.\nFirst 1 elements of x:\n[1]\nFirst 1 elements of y:\n[2]"
    )
    m = _msg(lambda: tf.debugging.assert_equal(tf.zeros([2, 3]), tf.ones([2, 3]), summarize=-1), IAE)
    assert m.startswith("Condition x == y did not hold.\nIndices of first 6 different values:\n[[0 0]\n [0 1]\n")


@pytest.mark.parametrize(
    ("fn", "head"),
    [
        (
            tf.debugging.assert_none_equal,
            "Condition x != y did not hold.\nIndices of first 2 different values:\n[[0]\n [2]]",
        ),
        (tf.debugging.assert_less, "Condition x < y did not hold.\nIndices of first 2 different values:\n[[0]\n [2]]"),
        (tf.debugging.assert_greater, "Condition x > y did not hold.\nIndices of first 3 different values:"),
        (tf.debugging.assert_greater_equal, "Condition x >= y did not hold.\nIndices of first 1 different values:"),
    ],
)
def test_each_binary_assert_names_its_condition(fn, head) -> None:
    assert _msg(lambda: fn(x, y), IAE).startswith(head)


def test_binary_assert_shape_and_dtype_errors_are_invalid_argument() -> None:
    with pytest.raises(IAE):
        tf.debugging.assert_equal(x, tf.constant([1.0, 2.0]))
    with pytest.raises(IAE):
        tf.debugging.assert_equal(x, tf.constant([1, 2, 3]))


def test_unary_asserts_messages() -> None:
    assert _msg(lambda: tf.debugging.assert_positive(tf.constant([1.0, -1.0])), IAE) == (
        "\nCondition x > 0 did not hold element-wise:\nx (shape=(2,) dtype=float32) = \n['1.0', '-1.0']"
    )
    neg4 = -tf.constant([1.0, 2.0, 3.0, 4.0])
    assert _msg(lambda: tf.debugging.assert_positive(neg4, message="m"), IAE) == (
        "m.  \nCondition x > 0 did not hold element-wise:\nx (shape=(4,) dtype=float32) = \n['-1.0', '-2.0', '-3.0', '...']"
    )
    assert _msg(lambda: tf.debugging.assert_positive(neg4, summarize=2), IAE).endswith("['-1.0', '-2.0', '...']")
    assert _msg(lambda: tf.debugging.assert_positive(tf.constant(-1)), IAE).endswith("(shape=() dtype=int32) = \n-1")
    assert _msg(lambda: tf.debugging.assert_negative(x), IAE).startswith(
        "\nCondition x < 0 did not hold element-wise:\n"
    )
    assert _msg(lambda: tf.debugging.assert_non_negative(tf.constant([1, -1])), IAE) == (
        "\nCondition x >= 0 did not hold element-wise:\nx (shape=(2,) dtype=int32) = \n['1', '-1']"
    )
    # TF's own message lacks a newline here; kept.
    assert _msg(lambda: tf.debugging.assert_non_positive(x), IAE) == (
        "\nCondition x <= 0 did not hold element-wise:x (shape=(3,) dtype=float32) = \n['1.0', '2.0', '3.0']"
    )
    assert tf.debugging.assert_non_negative(tf.constant([0, 1])) is None


def test_assert_near_tolerances_and_message() -> None:
    assert tf.debugging.assert_near(x, x + 1e-7) is None
    assert _msg(lambda: tf.debugging.assert_near(x, y), IAE) == (
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b''\n"
        "b'x and y not equal to tolerance rtol = tf.Tensor(1.1920929e-06, shape=(), dtype=float32), "
        "atol = tf.Tensor(1.1920929e-06, shape=(), dtype=float32)'\n"
        "b'x (shape=(3,) dtype=float32) = '\n1.0, 2.0, 3.0\nb'y (shape=(3,) dtype=float32) = '\n1.0, 5.0, 3.0"
    )
    f64 = tf.constant([1.0], tf.float64)
    assert "rtol = tf.Tensor(2.220446049250313e-15, shape=(), dtype=float64)" in _msg(
        lambda: tf.debugging.assert_near(f64, f64 + 1.0), IAE
    )
    with pytest.raises(ValueError, match="not inexact"):
        tf.debugging.assert_near(tf.constant([1]), tf.constant([2]))
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        tf.debugging.assert_near(x, tf.constant([1, 2, 3]))


def test_static_asserts_raise_type_and_value_errors() -> None:
    assert _msg(lambda: tf.debugging.assert_integer(x, message="m"), TypeError) == (
        "m.  Expected \"x\" to be integer type.  Found: tensor of dtype <dtype: 'float32'>"
    )
    assert tf.debugging.assert_integer(tf.constant(1)) is None
    assert (
        _msg(lambda: tf.debugging.assert_type(x, tf.int32), TypeError)
        == "tensor must be of type tf.int32; got tf.float32"
    )
    assert tf.debugging.assert_type(x, tf.float32) is None
    assert _msg(lambda: tf.debugging.assert_rank(x, 2, message="m"), ValueError) == (
        "m.  Tensor  must have rank 2.  Received rank 1, shape (3,)"
    )
    assert _msg(lambda: tf.debugging.assert_rank(x, tf.constant(2)), ValueError).startswith("Tensor  must have rank 2.")
    assert _msg(lambda: tf.debugging.assert_rank(x, [2]), ValueError) == "Rank must be a scalar."
    assert _msg(lambda: tf.debugging.assert_rank_at_least(x, 2), ValueError) == (
        "Tensor  must have rank at least 2.  Received rank 1, shape (3,)"
    )
    assert _msg(lambda: tf.debugging.assert_rank_in(x, [0, 2]), ValueError) == (
        "Tensor  must have rank in (0, 2).  Received rank 1, shape (3,)"
    )
    assert _msg(lambda: tf.debugging.assert_scalar(x), ValueError) == "Expected scalar shape, saw shape: (3,)."
    assert tf.debugging.assert_scalar(tf.constant(1.0)) is None and tf.debugging.assert_rank(x, 1) is None


def test_assert_shapes_symbols_sizes_and_ellipsis() -> None:
    assert tf.debugging.assert_shapes([(x, ("N",)), (tf.zeros([3, 3]), ("N", "M"))]) is None
    assert _msg(lambda: tf.debugging.assert_shapes([(x, ("N",)), (tf.zeros([2, 3]), ("N", "M"))]), ValueError) == (
        "Specified by tensor shape=(3,) dtype=float32 dimension 0.  Tensor shape=(2, 3) dtype=float32 dimension 0 "
        "must have size 3.  Received size 2, shape (2, 3)"
    )
    assert _msg(lambda: tf.debugging.assert_shapes([(x, (4,))]), ValueError) == (
        "Specified explicitly.  Tensor shape=(3,) dtype=float32 dimension 0 must have size 4.  Received size 3, shape (3,)"
    )
    assert _msg(lambda: tf.debugging.assert_shapes([(x, ("N", "M"))], message="m"), ValueError) == (
        "m.  Tensor  must have rank 2.  Received rank 1, shape (3,)"
    )
    assert _msg(lambda: tf.debugging.assert_shapes([(x, ())]), ValueError).startswith(
        "Specified explicitly.  Tensor shape=(3,) dtype=float32 dimension 0 must have size 1."
    )
    tf.debugging.assert_shapes([(tf.constant(1.0), (1,))])  # a scalar counts as (1,)
    tf.debugging.assert_shapes([(tf.zeros([2, 3, 4]), (..., "N")), (tf.zeros([4]), ("N",))])
    tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("*", 3)), (x, "N"), (x, (None,)), (x, ("."))])
    assert "is only allowed as the first entry" in _msg(
        lambda: tf.debugging.assert_shapes([(tf.zeros([2, 3, 4]), (2, ..., 4))]), ValueError
    )


def test_assert_same_float_dtype() -> None:
    assert tf.debugging.assert_same_float_dtype() is tf.float32
    assert tf.debugging.assert_same_float_dtype([x, x]) is tf.float32
    assert tf.debugging.assert_same_float_dtype(None, tf.float64) is tf.float64
    assert _msg(lambda: tf.debugging.assert_same_float_dtype([x, tf.constant(1.0, tf.float64)]), ValueError) == (
        "tf.Tensor(1.0, shape=(), dtype=float64), type=<dtype: 'float64'>, must be of the same type "
        "(<dtype: 'float32'>) as tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)."
    )
    assert _msg(lambda: tf.debugging.assert_same_float_dtype([tf.constant(1)]), ValueError) == (
        "Expected floating point type, got <dtype: 'int32'>."
    )


def test_assert_proper_iterable() -> None:
    assert tf.debugging.assert_proper_iterable([1]) is None
    for bad in ("abc", x, np.ones(2)):
        with pytest.raises(TypeError, match='to be a "proper" iterable'):
            tf.debugging.assert_proper_iterable(bad)
    with pytest.raises(TypeError, match="to be iterable"):
        tf.debugging.assert_proper_iterable(1)


def test_assert_op_message_and_truthiness() -> None:
    assert _msg(lambda: tf.debugging.Assert(False, [x, "hi", 3]), IAE) == (
        "Expected 'False' to be true. Summarized data: 1.0, 2.0, 3.0\nb'hi'\n3"
    )
    assert _msg(lambda: tf.debugging.Assert(tf.constant(False), ["hi"]), IAE) == (
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b'hi'"
    )
    x4 = tf.constant([1.0, 2.0, 3.0, 4.0])
    assert _msg(lambda: tf.debugging.Assert(False, [x4, 2.5], summarize=2), IAE).endswith("1.0, 2.0, ...\n2.5")
    assert _msg(lambda: tf.debugging.Assert(False, [x4], summarize=-1), IAE).endswith("1.0, 2.0, 3.0, 4.0")
    assert _msg(lambda: tf.debugging.Assert(False, [True, tf.constant([True, False])]), IAE).endswith(
        "True\nTrue, False"
    )
    assert tf.debugging.Assert(True, [x]) is None and tf.debugging.Assert(tf.constant(1), ["x"]) is None


def test_check_numerics_passes_values_through_and_reports_nan_inf() -> None:
    out = tf.debugging.check_numerics(x, "bad")
    assert out.dtype == tf.float32 and np.array_equal(out.numpy(), x.numpy())
    assert _msg(lambda: tf.debugging.check_numerics(tf.constant([1.0, np.inf]), "bad"), IAE) == (
        "bad : Tensor had Inf values [Op:CheckNumerics]"
    )
    assert "bad : Tensor had NaN values" in _msg(
        lambda: tf.debugging.assert_all_finite(tf.constant([np.nan]), "bad"), IAE
    )
    assert "m : Tensor had Inf and NaN values" in _msg(
        lambda: tf.debugging.check_numerics(tf.constant([np.nan, np.inf]), "m"), IAE
    )
    with pytest.raises(IAE, match="CheckNumerics"):
        tf.debugging.check_numerics(tf.constant([1]), "bad")


def test_check_numerics_gradient_is_identity() -> None:
    v = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(v)
        out = tf.debugging.check_numerics(v * 2.0, "m")
    assert float(tape.gradient(out, v)) == 2.0


def test_is_numeric_tensor_and_flags() -> None:
    assert tf.debugging.is_numeric_tensor(x)
    assert not tf.debugging.is_numeric_tensor(tf.constant(True))
    assert not tf.debugging.is_numeric_tensor(1.0) and not tf.debugging.is_numeric_tensor(tf.Variable(1.0))
    assert tf.debugging.get_log_device_placement() is False
    tf.debugging.set_log_device_placement(True)
    assert tf.debugging.get_log_device_placement() is True
    tf.debugging.set_log_device_placement(False)
    assert tf.debugging.is_traceback_filtering_enabled()
    tf.debugging.disable_traceback_filtering()
    assert not tf.debugging.is_traceback_filtering_enabled()
    tf.debugging.enable_traceback_filtering()
    assert tf.debugging.is_traceback_filtering_enabled()


def test_inside_function_value_checks_are_skipped_and_static_checks_raise() -> None:
    @tf.function
    def value_check(t):
        tf.debugging.assert_positive(t)
        tf.debugging.Assert(t > 0.0, [t])
        return tf.debugging.check_numerics(t, "m") * 2.0

    assert float(value_check(tf.constant(-1.0))) == -2.0  # TF raises when the graph runs

    @tf.function
    def rank_check(t):
        tf.debugging.assert_rank(t, 2)
        return t

    with pytest.raises(ValueError, match="must have rank 2"):
        rank_check(tf.constant(1.0))


def test_top_level_aliases_are_the_debugging_functions() -> None:
    assert tf.assert_equal is tf.debugging.assert_equal and tf.Assert is tf.debugging.Assert
    assert tf.assert_less is tf.debugging.assert_less and tf.assert_greater is tf.debugging.assert_greater
    assert tf.assert_rank is tf.debugging.assert_rank
