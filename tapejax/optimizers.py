"""``tapejax.optimizers``: the Keras optimizers (same objects as ``tapejax.keras.optimizers``)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax.keras.optimizers import SGD as SGD
from tapejax.keras.optimizers import Adadelta as Adadelta
from tapejax.keras.optimizers import Adagrad as Adagrad
from tapejax.keras.optimizers import Adam as Adam
from tapejax.keras.optimizers import Adamax as Adamax
from tapejax.keras.optimizers import AdamW as AdamW
from tapejax.keras.optimizers import Lion as Lion
from tapejax.keras.optimizers import Nadam as Nadam
from tapejax.keras.optimizers import Optax as Optax
from tapejax.keras.optimizers import Optimizer as Optimizer
from tapejax.keras.optimizers import RMSprop as RMSprop
from tapejax.keras.optimizers import schedules as schedules


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.optimizers", name)
