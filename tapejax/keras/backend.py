"""``tf.keras.backend``: Keras' global settings."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.backend import clear_session as clear_session
from tapejax._src.keras.backend import epsilon as epsilon
from tapejax._src.keras.backend import floatx as floatx
from tapejax._src.keras.backend import get_uid as get_uid
from tapejax._src.keras.backend import image_data_format as image_data_format
from tapejax._src.keras.backend import is_float_dtype as is_float_dtype
from tapejax._src.keras.backend import is_int_dtype as is_int_dtype
from tapejax._src.keras.backend import set_epsilon as set_epsilon
from tapejax._src.keras.backend import set_floatx as set_floatx
from tapejax._src.keras.backend import set_image_data_format as set_image_data_format
from tapejax._src.keras.backend import standardize_dtype as standardize_dtype
from tapejax._src.keras.config import backend as backend
from tapejax._src.keras.keras_tensor import is_keras_tensor as is_keras_tensor


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.backend", name)
