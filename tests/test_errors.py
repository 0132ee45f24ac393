"""tf.errors: TF's exception classes and codes, and the errors for names tapejax lacks."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

CLASSES = [
    ("CancelledError", 1),
    ("UnknownError", 2),
    ("InvalidArgumentError", 3),
    ("DeadlineExceededError", 4),
    ("NotFoundError", 5),
    ("AlreadyExistsError", 6),
    ("PermissionDeniedError", 7),
    ("ResourceExhaustedError", 8),
    ("FailedPreconditionError", 9),
    ("AbortedError", 10),
    ("OutOfRangeError", 11),
    ("UnimplementedError", 12),
    ("InternalError", 13),
    ("UnavailableError", 14),
    ("DataLossError", 15),
    ("UnauthenticatedError", 16),
]


@pytest.mark.parametrize(("name", "code"), CLASSES)
def test_error_classes_are_op_errors_with_tf_codes(name: str, code: int) -> None:
    cls = getattr(tf.errors, name)
    assert issubclass(cls, tf.errors.OpError) and issubclass(cls, Exception)
    assert cls.error_code == code
    constant = {1: "CANCELLED", 3: "INVALID_ARGUMENT", 5: "NOT_FOUND", 12: "UNIMPLEMENTED"}.get(code)
    if constant:
        assert getattr(tf.errors, constant) == code


def test_op_error_takes_tf_signature_and_keeps_the_message() -> None:
    e = tf.errors.InvalidArgumentError(None, None, "bad shape")
    assert str(e) == "bad shape" and e.message == "bad shape" and e.node_def is None and e.op is None
    assert str(tf.errors.NotFoundError("just a message")) == "just a message"
    with pytest.raises(tf.errors.OpError, match="bad shape"):
        raise e


def test_op_errors_raised_by_ops_are_invalid_argument() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.reshape(tf.ones([2, 3]), [5])
    assert info.value.error_code == tf.errors.INVALID_ARGUMENT
    assert "Reshape" in str(info.value) and "(2, 3)" in str(info.value)


def test_unimplemented_top_level_name_says_tapejax_does_not_implement_it() -> None:
    with pytest.raises(AttributeError, match=r"tapejax does not implement tf\.raw_ops"):
        _ = tf.raw_ops
    with pytest.raises(tf.errors.NotImplementedInTapejaxError):
        tf.Operation()  # (TF graph machinery: out of tapejax's scope)


def test_unimplemented_names_keep_hasattr_and_getattr_default_working() -> None:
    assert not hasattr(tf, "Operation")
    assert getattr(tf.nn, "conv2d_transpose_3d", None) is None
    assert issubclass(tf.errors.NotImplementedInTapejaxError, AttributeError)


@pytest.mark.parametrize(
    ("namespace", "name", "hint"),
    [
        (tf, "log", "tf.math.log"),
        (tf, "relu", "tf.nn.relu"),
        (tf, "matvec", "tf.linalg.matvec"),
        (tf.math, "norm", "tf.norm"),
        (tf.nn, "reduce_std", "tf.math.reduce_std"),
        (tf.linalg, "reshape", "tf.reshape"),
    ],
)
def test_missing_names_suggest_where_the_name_lives(namespace: object, name: str, hint: str) -> None:
    with pytest.raises(AttributeError, match=f"Did you mean {hint}"):
        getattr(namespace, name)


@pytest.mark.parametrize("namespace", [tf.math, tf.nn, tf.linalg, tf.random, tf.errors, tf.dtypes])
def test_every_namespace_reports_unimplemented_names(namespace: object) -> None:
    ns = namespace.__name__.replace("tapejax", "tf")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=f"tapejax does not implement {ns}.not_a_tf_name"):
        _ = namespace.not_a_tf_name  # type: ignore[attr-defined]


def test_dunder_lookups_get_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError) as info:
        _ = tf.__wrapped__  # type: ignore[attr-defined]
    assert not isinstance(info.value, tf.errors.NotImplementedInTapejaxError)


def test_from_import_of_a_missing_name_is_an_import_error() -> None:
    with pytest.raises(ImportError):
        from tapejax import not_a_tf_name  # type: ignore[attr-defined]  # noqa: F401


def test_string_dtype_is_reported_as_unsupported() -> None:
    with pytest.raises(AttributeError, match="string tensors are not supported"):
        _ = tf.string
    with pytest.raises(AttributeError, match="not supported"):
        _ = tf.dtypes.string


# -- exception classes of bad input, as TF 2.21's (verified against tensorflow-cpu 2.21) ----------------


def test_ragged_nested_list_raises_value_error_naming_it_non_rectangular() -> None:
    # TF: ValueError "Can't convert non-rectangular Python sequence to Tensor."
    for make in (tf.constant, tf.Variable, tf.convert_to_tensor):
        with pytest.raises(ValueError, match="non-rectangular") as info:
            make([[1, 2], [3]])
        assert not isinstance(info.value, TypeError)
    with pytest.raises(ValueError, match=r"^Const: .*non-rectangular"):
        tf.constant([[1.0, 2.0], [3.0]], dtype=tf.float32)


def test_list_mixing_none_or_bools_with_numbers_raises_value_error() -> None:
    # TF: ValueError "Can't convert Python sequence with mixed types to Tensor."; the first element
    # sets the dtype, so [2, True] is an int32 tensor while [True, 2] and [True, 2.0] fail.
    for value in ([1.0, None], [True, 2], [True, 2.0], [1, 1j]):
        with pytest.raises(ValueError, match="mixed types"):
            tf.constant(value)
    with pytest.raises(ValueError, match="mixed types"):
        tf.constant([1.0, None], dtype=tf.float32)  # was a silent NaN
    assert tf.constant([2, True]).numpy().tolist() == [2, 1]
    assert tf.constant([True, 2], dtype=tf.int32).numpy().tolist() == [1, 2]
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="mixed types"):
        v.assign([1.0, None])
    assert v.numpy().tolist() == [1.0, 2.0]


def test_python_int_outside_int64_raises_value_error_naming_the_op() -> None:
    # TF: ValueError "Can't convert Python sequence with out-of-range integer to Tensor."
    with pytest.raises(ValueError, match=r"^Const: .*out-of-range integer"):
        tf.constant(2**63)
    with pytest.raises(ValueError, match=r"^Const: .*out-of-range integer"):
        tf.constant([1, 2**63])
    with pytest.raises(ValueError, match=r"^AddV2: .*out-of-range integer"):
        _ = tf.constant(1) + 2**63
    v = tf.Variable(1)
    with pytest.raises(ValueError, match="out-of-range integer"):
        v.assign(2**63)
    assert int(v) == 1
    assert tf.constant(2**63, dtype=tf.uint64).numpy() == 2**63


def test_python_int_too_big_for_a_narrower_int_dtype_wraps_as_tf() -> None:
    # TF converts a Python int through int64 and casts it: no error, the value wraps around.
    assert int(tf.constant(2**31, dtype=tf.int32)) == -(2**31)
    assert tf.constant([2**31, 1], dtype=tf.int32).numpy().tolist() == [-(2**31), 1]
    assert int(tf.constant(1, dtype=tf.int32) + 2**31) == -(2**31) + 1
    assert int(tf.constant(-1, dtype=tf.uint8)) == 255
    v = tf.Variable(1)
    v.assign(2**31)
    assert int(v) == -(2**31)


def test_sliced_variable_assign_of_a_non_broadcasting_shape_raises_invalid_argument() -> None:
    # TF: InvalidArgumentError "Cannot broadcast input shape [3] into final shape [2]".
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot broadcast input shape \[3\] into final shape"):
        v[0].assign([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="ResourceStridedSliceAssign"):
        v[0:1].assign([[1.0, 2.0], [3.0, 4.0]])
    assert v.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    # TF drops leading 1s past the slice's rank, and broadcasts the value to the slice.
    v[0].assign([[5.0, 6.0]])
    v[1].assign([7.0])
    assert v.numpy().tolist() == [[5.0, 6.0], [7.0, 7.0]]


def test_stack_axis_out_of_range_raises_value_error() -> None:
    # TF: ValueError "Argument `axis` = 3 not in range [-2, 2)", checked before the shapes.
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    for axis in (2, 3, -3):
        with pytest.raises(ValueError, match=rf"Argument `axis` = {axis} not in range \[-2, 2\)"):
            tf.stack([a, b], axis=axis)
    with pytest.raises(ValueError, match="not in range"):
        tf.stack([a, tf.constant([1.0, 2.0, 3.0])], axis=3)
    assert tf.stack([a, b], axis=-2).shape == (2, 2)


def test_clip_by_value_bound_that_does_not_broadcast_raises_invalid_argument() -> None:
    # TF: InvalidArgumentError "Incompatible shapes: [2,3] vs. [2] [Op:Maximum]" (Minimum for the max
    # bound); bounds that broadcast but enlarge t stay a ValueError.
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Maximum: Incompatible shapes"):
        tf.clip_by_value(t, [0.0, 1.0], 5.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Minimum: Incompatible shapes"):
        tf.clip_by_value(t, 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="incompatible"):
        tf.clip_by_value(tf.constant([1.0, 2.0, 3.0]), [[0.0], [1.0]], 5.0)


def test_sparse_softmax_cross_entropy_labels_shape_mismatch_raises_value_error() -> None:
    # TF: ValueError "`labels.shape` must equal `logits.shape` except for the last dimension."
    logits = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError, match=r"`labels.shape` must equal `logits.shape`") as info:
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 1, 2]), logits=logits)
    assert not isinstance(info.value, tf.errors.InvalidArgumentError)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 5"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 5]), logits=logits)


def test_unstack_with_a_wrong_num_raises_invalid_argument() -> None:
    # TF 2.21: InvalidArgumentError "Input shape axis 0 must equal 2, got shape [3,2]".
    with pytest.raises(tf.errors.InvalidArgumentError, match="must equal 2"):
        tf.unstack(tf.zeros([3, 2]), num=2)
    assert len(tf.unstack(tf.zeros([3, 2]), num=2, axis=1)) == 2


def test_an_int_beyond_int64_for_a_small_unsigned_dtype_raises_value_error() -> None:
    # TF reads Python ints through int64 (uint64 only when asked for): numpy's OverflowError leaked.
    with pytest.raises(ValueError):
        tf.constant(2**63, tf.uint8)
    with pytest.raises(ValueError):
        _ = tf.constant([1], tf.uint8) + 2**63
    assert int(tf.constant(2**63, tf.uint64).numpy()) == 2**63


def test_a_float_list_too_big_for_float16_is_inf_without_a_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(tf.constant([1e5], tf.float16).numpy()).all()
