"""``tf.keras.models``: ``Model`` and ``Sequential``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.models.model import Model as Model
from tapejax._src.keras.models.sequential import Sequential as Sequential
from tapejax._src.keras.saving.saving_api import load_model as load_model
from tapejax._src.keras.saving.saving_api import model_from_json as model_from_json
from tapejax._src.keras.saving.saving_api import save_model as save_model


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.models", name)
