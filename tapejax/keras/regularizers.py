"""``tf.keras.regularizers``: Keras 3.15's weight penalties, ``get``, ``serialize`` and ``deserialize``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.regularizers import L1 as L1
from tapejax._src.keras.regularizers import L1L2 as L1L2
from tapejax._src.keras.regularizers import L2 as L2
from tapejax._src.keras.regularizers import OrthogonalRegularizer as OrthogonalRegularizer
from tapejax._src.keras.regularizers import Regularizer as Regularizer
from tapejax._src.keras.regularizers import deserialize as deserialize
from tapejax._src.keras.regularizers import get as get
from tapejax._src.keras.regularizers import serialize as serialize

# Keras exports each class under its snake_case name too (the same class).
l1 = L1
l1_l2 = L1L2
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.regularizers", name)
