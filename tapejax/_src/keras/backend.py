"""Keras' global settings (``tf.keras.backend``): floatx, epsilon, image data format, layer-name uids."""

from __future__ import annotations

import collections
import os
import threading
from typing import Any

from tapejax._src import dtypes as dtypes_lib

_FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")


class _Settings(threading.local):
    def __init__(self) -> None:
        self.uids: collections.defaultdict[str, int] = collections.defaultdict(int)
        # Keras' per-thread session state (``global_state``), reset by ``clear_session``: the global dtype
        # policy and the ``tf.keras.config`` switches (None: never set, the default applies).
        self.dtype_policy: Any = None
        self.safe_mode: bool | None = None
        self.interactive_logging: bool | None = None
        self.traceback_filtering: bool | None = None
        self.flash_attention: bool | None = None


_settings = _Settings()
_globals: dict[str, Any] = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
# Debugging caps of fit's epochs and of each epoch's steps (fit/evaluate/predict), as Keras reads them.
_globals["max_epochs"] = int(os.environ["KERAS_MAX_EPOCHS"]) if "KERAS_MAX_EPOCHS" in os.environ else None
_globals["max_steps_per_epoch"] = (
    int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"]) if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ else None
)


def floatx() -> str:
    """The default float type of new layers' weights and computations, as a string (``"float32"``).

    >>> import tapejax as tf
    >>> tf.keras.backend.floatx()
    'float32'
    """
    return _globals["floatx"]


def set_floatx(value: str) -> None:
    """Sets the default float type (one of ``"bfloat16"``, ``"float16"``, ``"float32"``, ``"float64"``)."""
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {set(_FLOAT_TYPES)}")
    _globals["floatx"] = value


def epsilon() -> float:
    """The fuzz factor of Keras' numerics (``1e-7``)."""
    return _globals["epsilon"]


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor."""
    _globals["epsilon"] = float(value)


def image_data_format() -> str:
    """``"channels_last"`` (the default) or ``"channels_first"``."""
    return _globals["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Sets the image data format of layers created afterwards."""
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. Received: data_format={data_format}"
        )
    _globals["image_data_format"] = data_format


def standardize_data_format(data_format: str | None) -> str:
    """A layer's ``data_format`` argument, None meaning the global setting."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def get_uid(prefix: str = "") -> int:
    """The next id of ``prefix`` (1, 2, ...), for unique default layer names."""
    _settings.uids[prefix] += 1
    return _settings.uids[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Resets Keras' session state, as Keras does: the layer-name counters (``dense``, ``dense_1``... start
    again), the global dtype policy and the ``tf.keras.config`` switches (unsafe deserialization,
    interactive logging, traceback filtering, flash attention); floatx, epsilon and the image data format stay."""
    _settings.uids.clear()
    _settings.dtype_policy = None
    _settings.safe_mode = None
    _settings.interactive_logging = None
    _settings.traceback_filtering = None
    _settings.flash_attention = None


def standardize_dtype(dtype: Any) -> str:
    """A dtype (string, DType, numpy dtype, None for floatx) as Keras' string name."""
    if dtype is None:
        return floatx()
    if hasattr(dtype, "name") and isinstance(dtype.name, str) and not isinstance(dtype, str):
        return dtypes_lib.as_dtype(dtype.name).name if dtype.name != "bool" else "bool"
    return dtypes_lib.as_dtype(dtype).name


def is_float_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a floating type."""
    return standardize_dtype(dtype) in _FLOAT_TYPES


def is_int_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a (signed or unsigned) integer type."""
    return standardize_dtype(dtype).startswith(("int", "uint"))
