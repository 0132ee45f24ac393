"""Keras 3's ``saving_lib``: ``.weights.h5`` files and ``.keras`` archives, in Keras' exact layout.

Objects are found as Keras finds them: a Sequential's or functional model's ``layers`` first, then
every attribute in ``dir(obj)`` (sorted, private ones last) that the base ``Layer`` does not have;
a saveable (a layer or an optimizer) found at attribute ``a`` stores its own variables under
``a/vars``; one in a list, tuple or dict under ``a/<snake_case class name>[_n]``. An object found
twice is stored once, at the first path. So a file written by Keras 3 for an architecture loads
into the same architecture built from tapejax's layers, and the other way round.

Loading first reads and checks everything, then assigns: a file that does not match the model
raises Keras' ``ValueError`` and leaves every weight unchanged (Keras assigns the objects that
match before raising).
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import os
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src.keras.object_config import to_snake_case
from tapejax._src.keras.saving.h5_store import H5IOStore, require_h5py

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
VARS_FNAME_H5 = "model.weights.h5"
KERAS_VERSION = "3.15.1"  # (written to metadata.json: the Keras whose format these files follow)


# -- the walk ------------------------------------------------------------------------------------------
def _is_layer(obj: Any) -> bool:
    from tapejax._src.keras.layers.layer import Layer

    return isinstance(obj, Layer)


def _is_optimizer(obj: Any) -> bool:
    from tapejax._src.optimizers.base import Optimizer

    return isinstance(obj, Optimizer)


def _is_saveable(obj: Any) -> bool:
    return _is_layer(obj) or _is_optimizer(obj)


def _obj_type(obj: Any) -> str:
    from tapejax._src.keras.models.functional import Functional
    from tapejax._src.keras.models.sequential import Sequential

    if isinstance(obj, Sequential):
        return "Sequential"
    if isinstance(obj, Functional):
        return "Functional"
    return "Layer" if _is_layer(obj) else "Optimizer"


@functools.cache
def _skipset(obj_type: str) -> frozenset[str]:
    """The attributes not visited: those of a bare base object (Keras' ``get_attr_skipset``)."""
    if obj_type == "Optimizer":
        from tapejax._src.optimizers.keras_optimizers import SGD

        return frozenset(dir(SGD(1.0)))
    from tapejax._src.keras.layers.layer import Layer

    ref = Layer.__new__(Layer)
    Layer.__init__(ref, name="reference")
    names = set(dir(ref)) | {"_self_unconditional_dependency_names"}
    if obj_type == "Functional":
        names |= {"operations", "_operations"}
    if obj_type == "Sequential":
        names.add("_functional")
    return frozenset(names)


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    if _is_optimizer(obj):
        return  # (an optimizer's state is its own variables)
    obj_type = _obj_type(obj)
    skip = _skipset(obj_type)
    if obj_type in ("Sequential", "Functional"):
        yield "layers", obj.layers
    for attr in sorted(dir(obj), key=_name_key):
        if attr.startswith("__") or attr in skip:
            continue
        try:
            child = getattr(obj, attr)
        except Exception:
            continue
        yield attr, child


def _own_variables(obj: Any) -> list[Any]:
    if _is_optimizer(obj):
        return list(obj.variables)
    return [*obj._trainable_variables, *obj._non_trainable_variables]


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _unique(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _walk(obj: Any, path: str, visited: set[int]) -> Iterator[tuple[str, Any]]:
    """``(path, saveable)`` for ``obj`` and every saveable reachable from it, in Keras' order."""
    if id(obj) in visited:
        return
    visited.add(id(obj))
    yield path, obj
    for attr, child in _children(obj):
        if _is_saveable(child):
            yield from _walk(child, _join(path, attr), visited)
        elif isinstance(child, (list, tuple, dict)):
            yield from _walk_container(child, _join(path, attr), visited, set())


def _walk_container(container: Any, path: str, visited: set[int], containers: set[int]) -> Iterator[tuple[str, Any]]:
    if id(container) in containers:
        return
    containers.add(id(container))
    used: dict[str, int] = {}
    for item in container.values() if isinstance(container, dict) else container:
        if _is_saveable(item):
            yield from _walk(item, _join(path, _unique(to_snake_case(type(item).__name__), used)), visited)
        elif isinstance(item, (list, tuple, dict)):
            yield from _walk_container(item, _join(path, _unique("container", used)), visited, containers)


# -- writing and reading --------------------------------------------------------------------------------
def save_state(model: Any, store: H5IOStore) -> None:
    """Writes the variables of ``model`` and of every saveable under it into ``store``."""
    for path, obj in _walk(model, "", set()):
        name = getattr(obj, "name", None)
        entry = store.make(path, metadata={"name": name} if isinstance(name, str) else None)
        for i, v in enumerate(_own_variables(obj)):
            entry[str(i)] = np.asarray(v.numpy())


def _layer_count_error(obj: Any, variables: list[Any], n: int) -> ValueError:
    if not variables and not obj.built:
        return ValueError(
            f"Layer '{obj.name}' was never built and thus it doesn't have any variables. However the weights file "
            f"lists {n} variables for this layer.\nIn most cases, this error indicates that either:\n\n"
            "1. The layer is owned by a parent layer that implements a `build()` method, but calling the parent's "
            f"`build()` method did NOT create the state of the child layer '{obj.name}'. A `build()` method must "
            "create ALL state for the layer, including the state of any children layers.\n\n2. You need to "
            f"implement the `def build_from_config(self, config)` method on layer '{obj.name}', to specify how to "
            "rebuild it during loading. In this case, you might also want to implement the method that generates "
            "the build config at saving time, `def get_build_config(self)`. The method `build_from_config()` is "
            "meant to create the state of the layer (i.e. its variables) upon deserialization.",
        )
    return ValueError(
        f"Layer '{obj.name}' expected {len(variables)} variables, but received {n} variables during loading. "
        f"Expected: {[v.name for v in variables]}"
    )


def _read_own(obj: Any, entry: H5IOStore) -> list[tuple[Any, np.ndarray]]:
    """The ``(variable, value)`` pairs of one object, checked as Keras' ``load_own_variables`` does."""
    variables = _own_variables(obj)
    n = len(entry.keys())
    if _is_optimizer(obj):
        if n != len(variables):
            msg = (
                f"Skipping variable loading for optimizer '{obj.name}', because it has {len(variables)} variables "
                f"whereas the saved optimizer has {n} variables. "
            )
            if not variables:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=4)
            return []
    elif n != len(variables):
        raise _layer_count_error(obj, variables, n)
    pairs = []
    for i, v in enumerate(variables):
        value = entry[str(i)]
        if tuple(value.shape) != tuple(v.shape):
            raise ValueError(
                "The shape of the target variable and the shape of the target value in `variable.assign(value)` "
                f"must match. variable.shape={tuple(v.shape)}, Received: value.shape={tuple(value.shape)}. "
                f"Target variable: {v!r}"
            )
        pairs.append((v, value.astype(v.dtype.as_numpy_dtype)))
    return pairs


def load_state(model: Any, store: H5IOStore, skip_mismatch: bool = False, objects_to_skip: Any = None) -> None:
    """Assigns the variables stored in ``store`` to ``model`` and the saveables under it.

    Raises:
      ValueError: Keras' "A total of N objects could not be loaded" when an object's variables do not
        match the file (then nothing is assigned); with ``skip_mismatch`` a warning, and the objects
        that match are assigned.
    """
    pairs: list[tuple[Any, np.ndarray]] = []
    errors: list[tuple[Any, Exception]] = []
    for path, obj in _walk(model, "", {id(o) for o in objects_to_skip or ()}):
        try:
            pairs.extend(_read_own(obj, store.get(path)))
        except Exception as e:
            errors.append((obj, e))
    if errors:
        obj, error = errors[0]
        msg = (
            f"A total of {len(errors)} objects could not be loaded. Example error message for object {obj}:\n\n"
            f"{error}\n\nList of objects that could not be loaded:\n{[o for o, _ in errors]}"
        )
        if not skip_mismatch:
            raise ValueError(msg)
        warnings.warn(msg, stacklevel=3)
    for v, value in pairs:
        v.assign(value)


def save_weights_only(model: Any, filepath: Any) -> None:
    """``model.save_weights`` into a ``.weights.h5`` file."""
    if not model.built:
        raise ValueError(
            "You are saving a model that has not yet been built. Try building the model first by calling it on "
            "some data or by using `build()`."
        )
    store = H5IOStore(filepath, mode="w")
    try:
        save_state(model, store)
    finally:
        store.close()


def load_weights_only(model: Any, filepath: Any, skip_mismatch: bool = False, objects_to_skip: Any = None) -> None:
    """``model.load_weights`` from a ``.weights.h5`` file or a ``.keras`` archive."""
    if not model.built:
        raise ValueError(
            "You are loading weights into a model that has not yet been built. Try building the model first by "
            "calling it on some data or by using `build()`."
        )
    path = str(filepath)
    if path.endswith(".keras"):
        with zipfile.ZipFile(filepath, "r") as archive:
            store = H5IOStore(VARS_FNAME_H5, archive=archive, mode="r")
            try:
                load_state(model, store, skip_mismatch)
            finally:
                store.close()
        return
    store = H5IOStore(filepath, mode="r")
    try:
        load_state(model, store, skip_mismatch, objects_to_skip)
    finally:
        store.close()


# -- .keras archives ---------------------------------------------------------------------------------------
def serialize_model(model: Any) -> dict[str, Any]:
    """Keras' ``serialize_keras_object(model)``: module, class name, config, build and compile configs."""
    from tapejax._src.keras.saving.object_registration import get_registered_name

    cls = type(model)
    name = get_registered_name(cls)
    own = cls.__module__.startswith("tapejax.")
    if own and cls.__name__ in ("Sequential", "Model"):
        module, registered = "keras", None
    elif own and cls.__name__ == "Functional":
        module, registered = "keras.src.models.functional", "Functional"
    else:
        module, registered = cls.__module__, name
    out: dict[str, Any] = {
        "module": module,
        "class_name": cls.__name__,
        "config": model.get_config(),
        "registered_name": registered,
    }
    build = model.get_build_config() if hasattr(model, "get_build_config") else None
    if build is None and cls.__name__ == "Functional":
        build = {"input_shape": None}
    if build is not None:
        out["build_config"] = build
    compile_config = getattr(model, "get_compile_config", lambda: None)()
    out["compile_config"] = compile_config if compile_config is not None else {}
    return out


def deserialize_model(
    config: dict[str, Any],
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,  # noqa: A002 - Keras' name
) -> Any:
    """A model from :func:`serialize_model`'s dict (custom classes from ``custom_objects`` or the registry)."""
    from tapejax._src.keras.layers import deserialize
    from tapejax._src.keras.saving.object_registration import custom_objects_for_loading

    objects = custom_objects_for_loading(custom_objects)
    model = deserialize(config, custom_objects=objects)
    build = config.get("build_config")
    if build and not model.built and build.get("input_shape") is not None:
        if model._build_is_default:
            # Keras' default build of a subclassed model: a symbolic call, which builds every sublayer.
            model(_symbolic_inputs(build["input_shape"], model.input_dtype))
        else:
            model.build_from_config(build)
    compile_config = config.get("compile_config")
    if compile and compile_config and hasattr(model, "compile_from_config"):
        model.compile_from_config(compile_config)
    return model


def _symbolic_inputs(shape: Any, dtype: str) -> Any:
    from tapejax._src.keras.keras_tensor import KerasTensor

    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int) for d in shape):
        return KerasTensor(tuple(shape), dtype)
    if isinstance(shape, dict):
        return {k: _symbolic_inputs(v, dtype) for k, v in shape.items()}
    return [_symbolic_inputs(s, dtype) for s in shape]


def save_model(model: Any, filepath: Any) -> None:
    """``model.save("x.keras")``: config.json, metadata.json and model.weights.h5 in a zip archive."""
    require_h5py()
    path = str(filepath)
    if not path.endswith(".keras"):
        raise ValueError(f"Invalid `filepath` argument: expected a `.keras` extension. Received: filepath={path}")
    if not model.built:
        warnings.warn(
            "You are saving a model that has not yet been built. It might not contain any weights yet. Consider "
            "building the model first by calling it on some data.",
            stacklevel=3,
        )
    config_json = json.dumps(serialize_model(model))
    metadata_json = json.dumps(
        {"keras_version": KERAS_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(METADATA_FILENAME, metadata_json)
        archive.writestr(CONFIG_FILENAME, config_json)
        store = H5IOStore(VARS_FNAME_H5, archive=archive, mode="w")
        try:
            save_state(model, store)
        finally:
            store.close()
    with open(path, "wb") as f:  # (written at the end: a failed save leaves no half-written file)
        f.write(buffer.getvalue())


def load_model(
    filepath: Any,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,  # noqa: A002 - Keras' name
) -> Any:
    """``tf.keras.models.load_model`` of a ``.keras`` archive."""
    require_h5py()
    path = str(filepath)
    if not (os.path.isfile(path) and zipfile.is_zipfile(path)):
        if path.endswith(".keras"):
            raise ValueError(
                f"File not found: filepath={path}. Please ensure the file is an accessible `.keras` zip file."
            )
        raise ValueError(
            f"File format not supported: filepath={path}. Keras 3 only supports V3 `.keras` files (tapejax reads "
            "no legacy H5 model files and no TF SavedModels)."
        )
    with zipfile.ZipFile(path, "r") as archive:
        config = json.loads(archive.read(CONFIG_FILENAME).decode())
        model = deserialize_model(config, custom_objects, compile=compile)
        if VARS_FNAME_H5 not in archive.namelist():
            raise ValueError(f"Expected a {VARS_FNAME_H5} or model.weights.npz file.")
        store = H5IOStore(io.BytesIO(archive.read(VARS_FNAME_H5)), mode="r")
        try:
            load_state(model, store)
        finally:
            store.close()
    return model
