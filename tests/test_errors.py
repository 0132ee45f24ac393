"""tf.errors: TF's exception classes and codes, and the errors for names tapejax lacks."""

from __future__ import annotations

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
        tf.histogram_fixed_width()


def test_unimplemented_names_keep_hasattr_and_getattr_default_working() -> None:
    assert not hasattr(tf, "histogram_fixed_width")
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
