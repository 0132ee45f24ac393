"""``tf.types``: the ``experimental`` types of functions (``ConcreteFunction``, ``PolymorphicFunction``)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax.types import experimental as experimental


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.types", name)
