"""``tf.keras.utils``: seeding, label encoding, normalization."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.config import disable_interactive_logging as disable_interactive_logging
from tapejax._src.keras.config import enable_interactive_logging as enable_interactive_logging
from tapejax._src.keras.config import is_interactive_logging_enabled as is_interactive_logging_enabled
from tapejax._src.keras.data_adapter import pack_x_y_sample_weight as pack_x_y_sample_weight
from tapejax._src.keras.data_adapter import unpack_x_y_sample_weight as unpack_x_y_sample_weight
from tapejax._src.keras.progbar import Progbar as Progbar
from tapejax._src.keras.saving.object_registration import CustomObjectScope as CustomObjectScope
from tapejax._src.keras.saving.object_registration import custom_object_scope as custom_object_scope
from tapejax._src.keras.saving.object_registration import get_custom_objects as get_custom_objects
from tapejax._src.keras.saving.object_registration import get_registered_name as get_registered_name
from tapejax._src.keras.saving.object_registration import get_registered_object as get_registered_object
from tapejax._src.keras.saving.object_registration import register_keras_serializable as register_keras_serializable
from tapejax._src.keras.utils import get_file as get_file
from tapejax._src.keras.utils import normalize as normalize
from tapejax._src.keras.utils import set_random_seed as set_random_seed
from tapejax._src.keras.utils import to_categorical as to_categorical


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.utils", name)
