"""``tf.keras.losses``: Keras 3's losses (classes and functional forms), each one fused op on the tape."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.losses import BinaryCrossentropy as BinaryCrossentropy
from tapejax._src.keras.losses import CategoricalCrossentropy as CategoricalCrossentropy
from tapejax._src.keras.losses import Loss as Loss
from tapejax._src.keras.losses import MeanAbsoluteError as MeanAbsoluteError
from tapejax._src.keras.losses import MeanSquaredError as MeanSquaredError
from tapejax._src.keras.losses import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from tapejax._src.keras.losses import binary_crossentropy as binary_crossentropy
from tapejax._src.keras.losses import categorical_crossentropy as categorical_crossentropy
from tapejax._src.keras.losses import get as get
from tapejax._src.keras.losses import mean_absolute_error as mean_absolute_error
from tapejax._src.keras.losses import mean_squared_error as mean_squared_error
from tapejax._src.keras.losses import sparse_categorical_crossentropy as sparse_categorical_crossentropy

# Keras's legacy aliases, still common in TF 2.x code.
mse = mean_squared_error
MSE = mean_squared_error
mae = mean_absolute_error
MAE = mean_absolute_error


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.losses", name)
