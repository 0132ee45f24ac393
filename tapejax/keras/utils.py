"""``tf.keras.utils``: seeding, label encoding, normalization."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.data_adapter import pack_x_y_sample_weight as pack_x_y_sample_weight
from tapejax._src.keras.data_adapter import unpack_x_y_sample_weight as unpack_x_y_sample_weight
from tapejax._src.keras.progbar import Progbar as Progbar
from tapejax._src.keras.utils import get_file as get_file
from tapejax._src.keras.utils import normalize as normalize
from tapejax._src.keras.utils import set_random_seed as set_random_seed
from tapejax._src.keras.utils import to_categorical as to_categorical


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.utils", name)
