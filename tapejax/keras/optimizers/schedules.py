"""``tf.keras.optimizers.schedules``: learning rate schedules (Keras 3 formulas)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.optimizers.schedules import CosineDecay as CosineDecay
from tapejax._src.optimizers.schedules import ExponentialDecay as ExponentialDecay
from tapejax._src.optimizers.schedules import InverseTimeDecay as InverseTimeDecay
from tapejax._src.optimizers.schedules import LearningRateSchedule as LearningRateSchedule
from tapejax._src.optimizers.schedules import PiecewiseConstantDecay as PiecewiseConstantDecay
from tapejax._src.optimizers.schedules import PolynomialDecay as PolynomialDecay
from tapejax._src.optimizers.schedules import deserialize as deserialize
from tapejax._src.optimizers.schedules import serialize as serialize


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.optimizers.schedules", name)
