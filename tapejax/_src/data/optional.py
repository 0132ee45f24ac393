"""``tf.experimental.Optional``: a value that may be absent (what ``Iterator.get_next_as_optional`` gives)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.tensor import Tensor


class Optional:
    """A nested structure of tensors, or nothing (``tf.experimental.Optional``).

    >>> import tapejax as tf
    >>> it = iter(tf.data.Dataset.range(1))
    >>> opt = it.get_next_as_optional()
    >>> print(opt.has_value(), opt.get_value())
    tf.Tensor(True, shape=(), dtype=bool) tf.Tensor(0, shape=(), dtype=int64)
    >>> print(it.get_next_as_optional().has_value())
    tf.Tensor(False, shape=(), dtype=bool)

    Raises:
      InvalidArgumentError: ``get_value()`` of an empty optional (inside ``tf.function``: when the
        program runs, as TF).
    """

    def __init__(self, has: Any, get: Callable[[], Any], element_spec: Any) -> None:
        self._has = has
        self._get = get
        self._element_spec = element_spec

    @staticmethod
    def from_value(value: Any) -> Optional:
        """An optional holding ``value`` (a nested structure of tensors)."""
        structure_, flat = structure.normalize(value, "Optional.from_value")
        spec = structure.spec_of(structure_, flat)
        tensors = structure.to_tensors(spec, flat)
        return Optional(Tensor(np.bool_(True)), lambda: tensors, spec)

    @staticmethod
    def empty(element_spec: Any) -> Optional:
        """An optional with no value, of elements ``element_spec``."""

        def get() -> Any:
            raise errors.invalid_argument("The given optional does not have a value.")

        return Optional(Tensor(np.bool_(False)), get, element_spec)

    @staticmethod
    def _traced(has: Any, get: Callable[[], Any], element_spec: Any) -> Optional:
        return Optional(has, get, element_spec)

    @property
    def element_spec(self) -> Any:
        """The nested ``tf.TensorSpec`` of the value."""
        return self._element_spec

    def has_value(self, name: str | None = None) -> Any:
        """A scalar bool tensor: whether there is a value."""
        return self._has

    def get_value(self, name: str | None = None) -> Any:
        """The value."""
        return self._get()
