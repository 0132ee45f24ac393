"""Keras 3's config dicts for the namespaces' ``serialize`` / ``deserialize`` / ``get``.

A small, exact subset of ``keras.src.saving.serialization_lib``: an object becomes
``{"module", "class_name", "config", "registered_name"}`` (``"keras.initializers"`` and
``registered_name=None`` for Keras' own classes; the class's module and name for user classes), a
function ``{"class_name": "function", ...}``, a numpy array ``{"class_name": "__numpy__", ...}``;
``deserialize_object`` resolves a name or such a dict against a namespace's table of names as
Keras' ``deserialize_keras_object(config, module_objects=...)`` does, including its quirk of
returning an unknown name unchanged (``get`` then raises).

Differences from Keras: a ``lambda`` serializes as a function named ``"<lambda>"`` (Keras stores
its bytecode as ``"__lambda__"``, loadable only with ``safe_mode=False``); the registry of
``keras.saving.register_keras_serializable`` is not consulted (pass ``custom_objects``).
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.tensor import Tensor

# Keras' public classes and functions -> their namespace ("keras.initializers"); filled by the
# namespaces' modules (``register_public``).
_PUBLIC: dict[Any, str] = {}

_PLAIN_TYPES = (str, int, float, bool)


def to_snake_case(name: str) -> str:
    """Keras' ``naming.to_snake_case`` (``"L1L2"`` -> ``"l1l2"``, ``"MaxNorm"`` -> ``"max_norm"``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def register_public(module: str, *objects: Any) -> None:
    """Marks ``objects`` as Keras' own names in ``module`` (their configs name it, not ours)."""
    for obj in objects:
        _PUBLIC[obj] = module


def serialize_object(obj: Any) -> Any:
    """Keras' ``serialize_keras_object`` for the values initializers, regularizers and constraints hold.

    Raises:
      TypeError: for an object without ``get_config`` (Keras' message).
    """
    if obj is None or isinstance(obj, _PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_object(value) for key, value in obj.items()}
    if isinstance(obj, Tensor):
        return {
            "class_name": "__tensor__",
            "config": {"value": obj.numpy().tolist(), "dtype": dtypes_lib.as_dtype(obj.dtype).name},
        }
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.item()
    if isinstance(obj, dtypes_lib.DType):
        return obj.name
    public = _PUBLIC.get(obj) if isinstance(obj, types.FunctionType) else None
    if isinstance(obj, types.FunctionType):
        if public is not None:
            return {"module": public, "class_name": "function", "config": obj.__name__, "registered_name": obj.__name__}
        return {"module": "builtins", "class_name": "function", "config": obj.__name__, "registered_name": "function"}
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise TypeError(
            f"Cannot serialize object {obj} of type {type(obj)}. To be serializable, a class must implement the "
            "`get_config()` method."
        )
    config = get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {obj} should return a dict. It returned: {config}")
    inner = {key: serialize_object(value) for key, value in config.items()}
    cls = type(obj)
    module = _PUBLIC.get(cls)
    if module is not None:
        return {"module": module, "class_name": cls.__name__, "config": inner, "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": inner, "registered_name": cls.__name__}


def deserialize_value(config: Any) -> Any:
    """A plain config value back: lists, dicts, and the ``__numpy__`` / ``__tensor__`` dicts."""
    if isinstance(config, (list, tuple)):
        return [deserialize_value(x) for x in config]
    if isinstance(config, dict):
        if config.get("class_name") == "__numpy__":
            inner = config["config"]
            return np.array(inner["value"], dtype=inner["dtype"])
        if config.get("class_name") == "__tensor__":
            from tapejax._src.ops import array_ops

            inner = config["config"]
            return array_ops.constant(inner["value"], dtype=inner["dtype"])
        return {key: deserialize_value(value) for key, value in config.items()}
    return config


def _from_config(cls: Any, inner: Any, full: Any) -> Any:
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {full.get('class_name')},\ninstead got {type(inner)}")
    try:
        return cls.from_config(inner)
    except TypeError as e:
        raise TypeError(
            f"{cls} could not be deserialized properly. Please ensure that components that are Python object "
            "instances (layers, models, etc.) returned by `get_config()` are explicitly deserialized in the "
            f"model's `from_config()` method.\n\nconfig={full}.\n\nException encountered: {e}"
        ) from e


def deserialize_object(
    config: Any,
    module_objects: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Keras' ``deserialize_keras_object(config, module_objects=..., custom_objects=...)``.

    ``config`` is a name (looked up in ``custom_objects``, then ``module_objects``; an unknown name
    comes back unchanged, as in Keras), a config dict, ``None``, or a list of those.

    Raises:
      ValueError: for a dict without ``"class_name"``.
      TypeError: when the class's ``from_config`` rejects the config (Keras' message).
    """
    custom_objects = dict(custom_objects or {})
    if config is None:
        return None
    if isinstance(config, str) and custom_objects.get(config) is not None:
        return custom_objects[config]
    if isinstance(config, (list, tuple)):
        return [deserialize_object(x, module_objects, custom_objects) for x in config]
    inner: Any = None
    name: Any = config
    if isinstance(config, dict):
        inner = config.get("config")
        if "class_name" not in config:
            raise ValueError(f"Unknown `config` as a `dict`, config={config}")
        class_name = config["class_name"]
        registered = config.get("registered_name")
        custom_key = next(
            (
                k
                for k in (registered, class_name, inner if isinstance(inner, str) else None)
                if isinstance(k, str) and k in custom_objects
            ),
            None,
        )
        if custom_key is not None:
            target = custom_objects[custom_key]
            if isinstance(target, types.FunctionType):
                return target
            return _from_config(target, {} if inner is None else inner, config)
        if class_name == "function":
            name = config["config"] if config["module"] == "builtins" else config["registered_name"]
        else:
            if config.get("module", "_") is None:
                raise TypeError(
                    f"Cannot deserialize object of type `{class_name}`. If `{class_name}` is a custom class, please "
                    "register it using the `@keras.saving.register_keras_serializable()` decorator."
                )
            name = class_name
    try:
        target = module_objects[name]
    except (KeyError, TypeError):  # (an unknown or unhashable name: returned as is, like Keras)
        return name
    if isinstance(target, types.FunctionType):
        return target
    return _from_config(
        target, {} if inner is None else inner, config if isinstance(config, dict) else {"class_name": name}
    )
