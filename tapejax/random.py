"""``tf.random``: stateful random ops and the global seed."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.random_ops import normal as normal
from tapejax._src.ops.random_ops import set_seed as set_seed
from tapejax._src.ops.random_ops import shuffle as shuffle
from tapejax._src.ops.random_ops import truncated_normal as truncated_normal
from tapejax._src.ops.random_ops import uniform as uniform


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.random", name)
