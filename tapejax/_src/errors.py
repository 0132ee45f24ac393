"""TensorFlow's exception classes (``tf.errors``)."""

from __future__ import annotations

import sys


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


class OperatorNotAllowedInGraphError(TypeError):
    """A symbolic tensor was used as a Python value while tracing (``tf.errors.OperatorNotAllowedInGraphError``).

    Raised inside ``tf.function`` for a Python ``if``/``while``, ``bool()`` or iteration (``for``
    without AutoGraph, unpacking, ``list()``) on a tensor whose value is only known when the compiled
    program runs. (``float()``/``int()`` raise TF's ``TypeError``, ``.numpy()`` its ``AttributeError``.)

    Differences from TensorFlow: tapejax runs no AutoGraph, so a Python ``if`` on a tensor raises this
    even where TF's AutoGraph would have turned it into ``tf.cond``.
    """


_BY_STATUS: dict[str, type[OpError]] = {
    "CANCELLED": CancelledError,
    "UNKNOWN": UnknownError,
    "INVALID_ARGUMENT": InvalidArgumentError,
    "DEADLINE_EXCEEDED": DeadlineExceededError,
    "NOT_FOUND": NotFoundError,
    "ALREADY_EXISTS": AlreadyExistsError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "RESOURCE_EXHAUSTED": ResourceExhaustedError,
    "FAILED_PRECONDITION": FailedPreconditionError,
    "ABORTED": AbortedError,
    "OUT_OF_RANGE": OutOfRangeError,
    "UNIMPLEMENTED": UnimplementedError,
    "INTERNAL": InternalError,
    "UNAVAILABLE": UnavailableError,
    "DATA_LOSS": DataLossError,
    "UNAUTHENTICATED": UnauthenticatedError,
}


def from_runtime(e: Exception, where: str) -> OpError:
    """TF's class for an error XLA raised while running (``jax.errors.JaxRuntimeError``, whose
    message starts with the status, e.g. ``RESOURCE_EXHAUSTED: Out of memory ...``)."""
    message = str(e)
    cls = _BY_STATUS.get(message.split(":", 1)[0].strip(), UnknownError)
    return cls(None, None, f"{where}: {message}")


def invalid_argument(message: str) -> InvalidArgumentError:
    """Builds an InvalidArgumentError from a message alone."""
    return InvalidArgumentError(None, None, message)


# TF's error codes (``tf.errors.INVALID_ARGUMENT``, ...).
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class NotImplementedInTapejaxError(AttributeError):
    """A TensorFlow name that tapejax does not provide (yet).

    An ``AttributeError``, so ``hasattr(tf, name)`` is False and ``getattr(tf, name, default)`` works.
    """


_UNSUPPORTED_DTYPES = ("string", "qint8", "quint8", "qint16", "quint16", "qint32", "resource", "variant")

# Namespaces searched for a "did you mean" hint, in order.
_HINT_NAMESPACES = ("tapejax", "tapejax.math", "tapejax.nn", "tapejax.linalg", "tapejax.random")


def missing_attribute(module_name: str, name: str) -> AttributeError:
    """The error for ``tf.<namespace>.<name>`` that tapejax lacks, used by the namespaces' ``__getattr__``.

    Dunder names get a plain ``AttributeError`` (Python's protocols probe them).
    """
    if name.startswith("__") and name.endswith("__"):
        return AttributeError(f"module {module_name!r} has no attribute {name!r}")
    tf_name = "tf" + module_name[len("tapejax") :] + "." + name
    hint = ""
    if name in _UNSUPPORTED_DTYPES:
        hint = f" tapejax has no {name} dtype: {name} tensors are not supported."
    for ns in _HINT_NAMESPACES:
        mod = sys.modules.get(ns)
        if ns != module_name and mod is not None and name in vars(mod):
            hint = f" Did you mean tf{ns[len('tapejax') :]}.{name}?"
            break
    return NotImplementedInTapejaxError(
        f"tapejax does not implement {tf_name} yet.{hint} See README.md for the supported names; "
        "contributions and issues are welcome."
    )


def tapejax_getattr(name: str) -> object:
    """``tapejax.__getattr__``: unknown top-level names say that tapejax does not implement them."""
    raise missing_attribute("tapejax", name)
