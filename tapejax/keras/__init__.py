"""``tf.keras``: the parts tapejax implements (optimizers, schedules, losses)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.keras_tensor import KerasTensor as KerasTensor
from tapejax._src.keras.layers.input_layer import Input as Input
from tapejax._src.keras.layers.input_spec import InputSpec as InputSpec
from tapejax._src.keras.layers.layer import DTypePolicy as DTypePolicy
from tapejax._src.keras.layers.layer import Layer as Layer
from tapejax._src.keras.models.model import Model as Model
from tapejax._src.keras.models.sequential import Sequential as Sequential
from tapejax._src.keras.variables import KerasVariable as Variable
from tapejax.keras import activations as activations
from tapejax.keras import backend as backend
from tapejax.keras import callbacks as callbacks
from tapejax.keras import config as config
from tapejax.keras import constraints as constraints
from tapejax.keras import initializers as initializers
from tapejax.keras import layers as layers
from tapejax.keras import losses as losses
from tapejax.keras import metrics as metrics
from tapejax.keras import models as models
from tapejax.keras import optimizers as optimizers
from tapejax.keras import regularizers as regularizers
from tapejax.keras import saving as saving
from tapejax.keras import utils as utils


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras", name)
