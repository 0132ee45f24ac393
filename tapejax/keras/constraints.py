"""``tf.keras.constraints``: Keras 3.15's weight constraints, ``get``, ``serialize`` and ``deserialize``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.constraints import Constraint as Constraint
from tapejax._src.keras.constraints import MaxNorm as MaxNorm
from tapejax._src.keras.constraints import MinMaxNorm as MinMaxNorm
from tapejax._src.keras.constraints import NonNeg as NonNeg
from tapejax._src.keras.constraints import UnitNorm as UnitNorm
from tapejax._src.keras.constraints import deserialize as deserialize
from tapejax._src.keras.constraints import get as get
from tapejax._src.keras.constraints import serialize as serialize

# Keras exports each class under its snake_case name too (the same class).
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.constraints", name)
