"""``tf.types.experimental``: ``ConcreteFunction``, ``PolymorphicFunction`` and ``GenericFunction``.

``PolymorphicFunction`` and its older name ``GenericFunction`` are the class of ``tf.function``'s result.
"""

from typing import Any as _Any

from tapejax._src import function as _function
from tapejax._src.concrete_function import ConcreteFunction as ConcreteFunction
from tapejax._src.errors import missing_attribute as _missing_attribute

PolymorphicFunction = _function.Function
GenericFunction = _function.Function


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.types.experimental", name)
