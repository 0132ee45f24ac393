"""``tf.keras``: the parts tapejax implements (layers, models, optimizers, losses, metrics, ...).

Its submodules and classes are imported on first use (``tf.keras.layers``, ``tf.keras.Model``,
``from tapejax.keras import layers``), so that a script using only a few of them does not import the
others (tf.keras.losses does not import the trainer, tf.keras.layers not the metrics).

>>> import tapejax as tf
>>> tf.keras.layers.Dense(2).units
2
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute

if _TYPE_CHECKING:
    from tapejax._src.keras.keras_tensor import KerasTensor as KerasTensor
    from tapejax._src.keras.layers.input_layer import Input as Input
    from tapejax._src.keras.layers.input_spec import InputSpec as InputSpec
    from tapejax._src.keras.layers.layer import DTypePolicy as DTypePolicy
    from tapejax._src.keras.layers.layer import Layer as Layer
    from tapejax._src.keras.models.model import Model as Model
    from tapejax._src.keras.models.sequential import Sequential as Sequential
    from tapejax._src.keras.variables import KerasVariable as Variable  # noqa: F401 - the public name
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

# Imported on first use: name -> (module, attribute), or the submodule itself (attribute None).
_LAZY: dict[str, tuple[str, str | None]] = {
    "KerasTensor": ("tapejax._src.keras.keras_tensor", "KerasTensor"),
    "Input": ("tapejax._src.keras.layers.input_layer", "Input"),
    "InputSpec": ("tapejax._src.keras.layers.input_spec", "InputSpec"),
    "DTypePolicy": ("tapejax._src.keras.layers.layer", "DTypePolicy"),
    "Layer": ("tapejax._src.keras.layers.layer", "Layer"),
    "Model": ("tapejax._src.keras.models.model", "Model"),
    "Sequential": ("tapejax._src.keras.models.sequential", "Sequential"),
    "Variable": ("tapejax._src.keras.variables", "KerasVariable"),
    **{
        name: (f"tapejax.keras.{name}", None)
        for name in (
            "activations",
            "backend",
            "callbacks",
            "config",
            "constraints",
            "initializers",
            "layers",
            "losses",
            "metrics",
            "models",
            "optimizers",
            "regularizers",
            "saving",
            "utils",
        )
    },
}


def __getattr__(name: str) -> _Any:
    where = _LAZY.get(name)
    if where is None:
        raise _missing_attribute("tapejax.keras", name)
    module = _importlib.import_module(where[0])
    value = module if where[1] is None else getattr(module, where[1])
    globals()[name] = value  # (a plain attribute from now on)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
