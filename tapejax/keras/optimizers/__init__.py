"""``tf.keras.optimizers``: the Keras 3 optimizers, with Keras's exact update rules, on optax."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.optimizers.base import Optimizer as Optimizer
from tapejax._src.optimizers.keras_optimizers import SGD as SGD
from tapejax._src.optimizers.keras_optimizers import Adadelta as Adadelta
from tapejax._src.optimizers.keras_optimizers import Adagrad as Adagrad
from tapejax._src.optimizers.keras_optimizers import Adam as Adam
from tapejax._src.optimizers.keras_optimizers import Adamax as Adamax
from tapejax._src.optimizers.keras_optimizers import AdamW as AdamW
from tapejax._src.optimizers.keras_optimizers import Lion as Lion
from tapejax._src.optimizers.keras_optimizers import Nadam as Nadam
from tapejax._src.optimizers.keras_optimizers import RMSprop as RMSprop
from tapejax._src.optimizers.keras_optimizers import deserialize as deserialize
from tapejax._src.optimizers.keras_optimizers import get as get
from tapejax._src.optimizers.keras_optimizers import serialize as serialize
from tapejax._src.optimizers.optax_wrapper import Optax as Optax
from tapejax.keras.optimizers import schedules as schedules


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.optimizers", name)
