"""``tf.nest``: flatten, pack and map nested structures (dicts in sorted key order), as TensorFlow."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.nest import assert_same_structure as assert_same_structure
from tapejax._src.nest import flatten as flatten
from tapejax._src.nest import is_nested as is_nested
from tapejax._src.nest import map_structure as map_structure
from tapejax._src.nest import pack_sequence_as as pack_sequence_as


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.nest", name)
