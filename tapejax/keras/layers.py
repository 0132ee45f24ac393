"""``tf.keras.layers``: Keras 3.15's layers, built on tapejax ops (the tape records every layer op)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.keras_tensor import KerasTensor as KerasTensor
from tapejax._src.keras.layers import deserialize as deserialize
from tapejax._src.keras.layers import serialize as serialize
from tapejax._src.keras.layers.dense import Dense as Dense
from tapejax._src.keras.layers.input_layer import Input as Input
from tapejax._src.keras.layers.input_layer import InputLayer as InputLayer
from tapejax._src.keras.layers.input_spec import InputSpec as InputSpec
from tapejax._src.keras.layers.layer import Layer as Layer
from tapejax._src.keras.layers.normalization import BatchNormalization as BatchNormalization
from tapejax._src.keras.layers.normalization import GroupNormalization as GroupNormalization
from tapejax._src.keras.layers.normalization import LayerNormalization as LayerNormalization
from tapejax._src.keras.layers.normalization import RMSNormalization as RMSNormalization
from tapejax._src.keras.layers.normalization import UnitNormalization as UnitNormalization


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.layers", name)
