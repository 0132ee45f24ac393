"""``tf.keras.saving``: Keras 3's ``.keras`` and ``.weights.h5`` files, and the custom-object registry."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.saving.object_registration import CustomObjectScope as CustomObjectScope
from tapejax._src.keras.saving.object_registration import custom_object_scope as custom_object_scope
from tapejax._src.keras.saving.object_registration import get_custom_objects as get_custom_objects
from tapejax._src.keras.saving.object_registration import get_registered_name as get_registered_name
from tapejax._src.keras.saving.object_registration import get_registered_object as get_registered_object
from tapejax._src.keras.saving.object_registration import register_keras_serializable as register_keras_serializable
from tapejax._src.keras.saving.saving_api import load_model as load_model
from tapejax._src.keras.saving.saving_api import load_weights as load_weights
from tapejax._src.keras.saving.saving_api import save_model as save_model
from tapejax._src.keras.saving.saving_api import save_weights as save_weights
from tapejax._src.keras.saving.serialization import deserialize_keras_object as deserialize_keras_object
from tapejax._src.keras.saving.serialization import serialize_keras_object as serialize_keras_object


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.saving", name)
