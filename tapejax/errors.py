"""``tf.errors``: TensorFlow's exception classes and error codes."""

from typing import Any as _Any

from tapejax._src.errors import ABORTED as ABORTED
from tapejax._src.errors import ALREADY_EXISTS as ALREADY_EXISTS
from tapejax._src.errors import CANCELLED as CANCELLED
from tapejax._src.errors import DATA_LOSS as DATA_LOSS
from tapejax._src.errors import DEADLINE_EXCEEDED as DEADLINE_EXCEEDED
from tapejax._src.errors import FAILED_PRECONDITION as FAILED_PRECONDITION
from tapejax._src.errors import INTERNAL as INTERNAL
from tapejax._src.errors import INVALID_ARGUMENT as INVALID_ARGUMENT
from tapejax._src.errors import NOT_FOUND as NOT_FOUND
from tapejax._src.errors import OK as OK
from tapejax._src.errors import OUT_OF_RANGE as OUT_OF_RANGE
from tapejax._src.errors import PERMISSION_DENIED as PERMISSION_DENIED
from tapejax._src.errors import RESOURCE_EXHAUSTED as RESOURCE_EXHAUSTED
from tapejax._src.errors import UNAUTHENTICATED as UNAUTHENTICATED
from tapejax._src.errors import UNAVAILABLE as UNAVAILABLE
from tapejax._src.errors import UNIMPLEMENTED as UNIMPLEMENTED
from tapejax._src.errors import UNKNOWN as UNKNOWN
from tapejax._src.errors import AbortedError as AbortedError
from tapejax._src.errors import AlreadyExistsError as AlreadyExistsError
from tapejax._src.errors import CancelledError as CancelledError
from tapejax._src.errors import DataLossError as DataLossError
from tapejax._src.errors import DeadlineExceededError as DeadlineExceededError
from tapejax._src.errors import FailedPreconditionError as FailedPreconditionError
from tapejax._src.errors import InternalError as InternalError
from tapejax._src.errors import InvalidArgumentError as InvalidArgumentError
from tapejax._src.errors import NotFoundError as NotFoundError
from tapejax._src.errors import NotImplementedInTapejaxError as NotImplementedInTapejaxError
from tapejax._src.errors import OperatorNotAllowedInGraphError as OperatorNotAllowedInGraphError
from tapejax._src.errors import OpError as OpError
from tapejax._src.errors import OutOfRangeError as OutOfRangeError
from tapejax._src.errors import PermissionDeniedError as PermissionDeniedError
from tapejax._src.errors import ResourceExhaustedError as ResourceExhaustedError
from tapejax._src.errors import UnauthenticatedError as UnauthenticatedError
from tapejax._src.errors import UnavailableError as UnavailableError
from tapejax._src.errors import UnimplementedError as UnimplementedError
from tapejax._src.errors import UnknownError as UnknownError
from tapejax._src.errors import missing_attribute as _missing_attribute


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.errors", name)
