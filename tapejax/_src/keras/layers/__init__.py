"""Keras layers: the base layer, its machinery, and the layer families (one module each)."""

from __future__ import annotations

from typing import Any


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A layer from its config dict (``{"class_name", "config", ...}``), as ``tf.keras.layers.deserialize``.

    Raises:
      TypeError: for an unknown class name (Keras' message).
    """
    import tapejax.keras.layers as public

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not parse config: {config}")
    name = config["class_name"]
    objects = custom_objects or {}
    registered = config.get("registered_name")
    cls = (
        (objects.get(registered) if isinstance(registered, str) else None)
        or objects.get(name)
        or getattr(public, name, None)
    )
    if cls is None:
        from tapejax._src.keras.models import model as model_lib
        from tapejax._src.keras.models.functional import Functional

        cls = {"Sequential": _sequential(), "Model": model_lib.Model, "Functional": Functional}.get(name)
    if cls is None:
        raise TypeError(
            f"Could not locate class '{name}'. Make sure custom classes are decorated with "
            "`@keras.saving.register_keras_serializable()`. "
            f"Full object config: {config}"
        )
    inner = config.get("config", {})
    if hasattr(cls, "from_config"):
        try:
            return cls.from_config(inner, custom_objects=custom_objects)
        except TypeError as e:
            if "custom_objects" not in str(e):
                raise
            return cls.from_config(inner)
    return cls(**inner)


def serialize(layer: Any) -> dict[str, Any]:
    """A layer's config dict (``{"module", "class_name", "config", "registered_name"}``)."""
    from tapejax._src.keras.models.functional import _module_of

    out = {
        "module": _module_of(layer),
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": None,
    }
    build = layer.get_build_config()
    if build is not None:
        out["build_config"] = build
    return out


def _sequential() -> Any:
    from tapejax._src.keras.models.sequential import Sequential

    return Sequential
