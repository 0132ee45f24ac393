"""Keras' ``serialize_keras_object`` / ``deserialize_keras_object`` for the objects tapejax implements.

A custom layer's ``get_config`` uses them for the layers and other Keras objects it holds; the
module named in a config (``"keras.layers"``, ``"keras.initializers"``...) picks the namespace that
rebuilds it, and registered custom classes are found by their registered name.

Differences from Keras: objects of other kinds (losses and metrics given as classes of one's own
without registration, lambdas) are not rebuilt; shared objects are not de-duplicated.
"""

from __future__ import annotations

import types
from typing import Any

from tapejax._src.keras.object_config import deserialize_value, serialize_object


def serialize_keras_object(obj: Any) -> Any:
    """A Keras object's config dict (``{"module", "class_name", "config", "registered_name", ...}``).

    >>> import tapejax as tf
    >>> config = tf.keras.saving.serialize_keras_object(tf.keras.layers.Dense(2, name="d"))
    >>> config["module"], config["class_name"], config["config"]["units"]
    ('keras.layers', 'Dense', 2)
    >>> tf.keras.saving.deserialize_keras_object(config).name
    'd'
    """
    from tapejax._src.keras.layers.layer import Layer
    from tapejax._src.keras.models.functional import serialize_layer
    from tapejax._src.keras.saving.object_registration import _GLOBAL_CUSTOM_NAMES
    from tapejax._src.optimizers.base import Optimizer
    from tapejax._src.optimizers.keras_optimizers import serialize as serialize_optimizer

    if isinstance(obj, Layer):
        return serialize_layer(obj)
    if isinstance(obj, Optimizer):
        return {**serialize_optimizer(obj), "registered_name": None}
    from tapejax._src.keras import losses, metrics
    from tapejax._src.keras.metrics.base_metric import Metric

    if isinstance(obj, losses.Loss) and type(obj).__module__.startswith("tapejax."):
        return losses.serialize(obj)
    if isinstance(obj, Metric) and type(obj).__module__.startswith("tapejax."):
        return metrics.serialize(obj)
    if isinstance(obj, types.FunctionType) and obj in _GLOBAL_CUSTOM_NAMES:
        return {
            "module": obj.__module__,
            "class_name": "function",
            "config": _GLOBAL_CUSTOM_NAMES[obj],
            "registered_name": _GLOBAL_CUSTOM_NAMES[obj],
        }
    config = serialize_object(obj)
    if isinstance(config, dict) and type(obj) in _GLOBAL_CUSTOM_NAMES:
        config["registered_name"] = _GLOBAL_CUSTOM_NAMES[type(obj)]
    return config


def deserialize_keras_object(config: Any, custom_objects: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """The object ``serialize_keras_object`` described (plain values come back as they are).

    Raises:
      TypeError: for a class that cannot be found (register it or pass ``custom_objects``).
    """
    from tapejax._src.keras import activations, constraints, initializers, losses, metrics, regularizers
    from tapejax._src.keras.layers import deserialize as deserialize_layer
    from tapejax._src.keras.saving.object_registration import custom_objects_for_loading
    from tapejax._src.optimizers.keras_optimizers import deserialize as deserialize_optimizer

    del kwargs  # (safe_mode: tapejax never runs stored bytecode)
    if not isinstance(config, dict) or "class_name" not in config:
        return deserialize_value(config)
    if config["class_name"] in ("__numpy__", "__tensor__"):
        return deserialize_value(config)
    objects = custom_objects_for_loading(custom_objects)
    registered = config.get("registered_name")
    if config["class_name"] == "function" and isinstance(registered, str) and registered in objects:
        return objects[registered]
    module = config.get("module") or ""
    namespaces = {
        "keras.activations": activations.deserialize,
        "keras.initializers": initializers.deserialize,
        "keras.regularizers": regularizers.deserialize,
        "keras.constraints": constraints.deserialize,
        "keras.losses": losses.deserialize,
        "keras.metrics": metrics.deserialize,
    }
    if module in namespaces:
        return namespaces[module](config, custom_objects=objects)
    if module == "keras.optimizers" or module.startswith("keras.optimizers."):
        return deserialize_optimizer(config, custom_objects=objects)
    cls = objects.get(registered) if isinstance(registered, str) else None
    if cls is None and not module.startswith("keras"):
        cls = objects.get(config["class_name"])
    if cls is None or _is_layer_class(cls):
        return deserialize_layer(config, custom_objects=objects)
    return cls.from_config(config.get("config", {}))


def _is_layer_class(cls: Any) -> bool:
    from tapejax._src.keras.layers.layer import Layer

    return isinstance(cls, type) and issubclass(cls, Layer)
