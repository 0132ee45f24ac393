"""``tf.keras``: the parts tapejax implements (optimizers, schedules, losses)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax.keras import activations as activations
from tapejax.keras import constraints as constraints
from tapejax.keras import initializers as initializers
from tapejax.keras import losses as losses
from tapejax.keras import optimizers as optimizers
from tapejax.keras import regularizers as regularizers


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras", name)
