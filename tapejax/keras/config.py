"""``tf.keras.config``: Keras 3.15's global settings (floatx, epsilon, image data format, dtype policy, switches)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.backend import epsilon as epsilon
from tapejax._src.keras.backend import floatx as floatx
from tapejax._src.keras.backend import image_data_format as image_data_format
from tapejax._src.keras.backend import set_epsilon as set_epsilon
from tapejax._src.keras.backend import set_floatx as set_floatx
from tapejax._src.keras.backend import set_image_data_format as set_image_data_format
from tapejax._src.keras.config import backend as backend
from tapejax._src.keras.config import disable_flash_attention as disable_flash_attention
from tapejax._src.keras.config import disable_interactive_logging as disable_interactive_logging
from tapejax._src.keras.config import disable_traceback_filtering as disable_traceback_filtering
from tapejax._src.keras.config import dtype_policy as dtype_policy
from tapejax._src.keras.config import enable_flash_attention as enable_flash_attention
from tapejax._src.keras.config import enable_interactive_logging as enable_interactive_logging
from tapejax._src.keras.config import enable_traceback_filtering as enable_traceback_filtering
from tapejax._src.keras.config import enable_unsafe_deserialization as enable_unsafe_deserialization
from tapejax._src.keras.config import is_flash_attention_enabled as is_flash_attention_enabled
from tapejax._src.keras.config import is_interactive_logging_enabled as is_interactive_logging_enabled
from tapejax._src.keras.config import is_nnx_enabled as is_nnx_enabled
from tapejax._src.keras.config import is_traceback_filtering_enabled as is_traceback_filtering_enabled
from tapejax._src.keras.config import max_epochs as max_epochs
from tapejax._src.keras.config import max_steps_per_epoch as max_steps_per_epoch
from tapejax._src.keras.config import set_dtype_policy as set_dtype_policy
from tapejax._src.keras.config import set_max_epochs as set_max_epochs
from tapejax._src.keras.config import set_max_steps_per_epoch as set_max_steps_per_epoch


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.config", name)
