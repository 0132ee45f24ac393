"""TensorFlow's exception classes (``tf.errors``)."""

from __future__ import annotations


class OpError(Exception):
    """Base class of errors raised when an op fails (``tf.errors.OpError``).

    Args:
      node_def: Unused, kept for TensorFlow's signature.
      op: Unused, kept for TensorFlow's signature.
      message: What went wrong.
      *args: Ignored.
    """

    error_code = 2

    def __init__(self, node_def: object = None, op: object = None, message: str = "", *args: object) -> None:
        # TF's signature is (node_def, op, message); code that raises with one positional message
        # (the common ``raise InvalidArgumentError(msg)`` mistake) still reads well.
        if not message and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op

    def __str__(self) -> str:
        return self.message


class CancelledError(OpError):
    error_code = 1


class UnknownError(OpError):
    error_code = 2


class InvalidArgumentError(OpError):
    """An op received an invalid argument: wrong dtype, incompatible shapes, bad value."""

    error_code = 3


class DeadlineExceededError(OpError):
    error_code = 4


class NotFoundError(OpError):
    error_code = 5


class AlreadyExistsError(OpError):
    error_code = 6


class PermissionDeniedError(OpError):
    error_code = 7


class ResourceExhaustedError(OpError):
    error_code = 8


class FailedPreconditionError(OpError):
    error_code = 9


class AbortedError(OpError):
    error_code = 10


class OutOfRangeError(OpError):
    error_code = 11


class UnimplementedError(OpError):
    """The operation (or a TF name) is not implemented by tapejax."""

    error_code = 12


class InternalError(OpError):
    error_code = 13


class UnavailableError(OpError):
    error_code = 14


class DataLossError(OpError):
    error_code = 15


class UnauthenticatedError(OpError):
    error_code = 16


def invalid_argument(message: str) -> InvalidArgumentError:
    """Builds an InvalidArgumentError from a message alone."""
    return InvalidArgumentError(None, None, message)
