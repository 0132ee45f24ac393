"""Keras' registry of custom objects: ``register_keras_serializable``, ``custom_object_scope``.

A registered class or function is known by ``"package>name"``; configs name it so, and loading a
model finds it without ``custom_objects``.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}


class _Scope(threading.local):
    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}


_scope = _Scope()


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """A decorator registering a class or function under ``"package>name"`` (``name``: its own by default).

    Raises:
      ValueError: for a class without ``get_config`` (Keras' message).

    >>> import tapejax as tf
    >>> @tf.keras.saving.register_keras_serializable(package="demo")
    ... class Twice(tf.keras.layers.Layer):
    ...     def call(self, x):
    ...         return 2 * x
    >>> tf.keras.saving.get_registered_name(Twice)
    'demo>Twice'
    >>> tf.keras.saving.get_registered_object("demo>Twice") is Twice
    True
    """

    def decorator(arg: Any) -> Any:
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is registered under, or its ``__name__``."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(
    name: str, custom_objects: dict[str, Any] | None = None, module_objects: dict[str, Any] | None = None
) -> Any:
    """The object registered (or in a ``custom_object_scope``, ``custom_objects``, ``module_objects``) as ``name``."""
    if name in _scope.objects:
        return _scope.objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects() -> dict[str, Any]:
    """The global registry itself (a dict: entries added to it are registered)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """A context in which ``custom_objects`` are known by name when deserializing (``custom_object_scope``)."""

    def __init__(self, custom_objects: dict[str, Any] | None) -> None:
        self.custom_objects = custom_objects or {}
        self.backup: dict[str, Any] | None = None

    def __enter__(self) -> CustomObjectScope:
        self.backup = dict(_scope.objects)
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc: object) -> None:
        _scope.objects = dict(self.backup or {})


custom_object_scope = CustomObjectScope


def custom_objects_for_loading(custom_objects: dict[str, Any] | None) -> dict[str, Any]:
    """Every object known by name while loading: registered ones, the scope's, then ``custom_objects``."""
    import tapejax.keras.layers as public

    out: dict[str, Any] = {}
    for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
        out[registered] = obj
        short = getattr(obj, "__name__", None)
        # (by class name too, for configs without a registered name; never in place of a built-in layer)
        if isinstance(short, str) and not hasattr(public, short):
            out.setdefault(short, obj)
    out.update(_scope.objects)
    out.update(custom_objects or {})
    return out
