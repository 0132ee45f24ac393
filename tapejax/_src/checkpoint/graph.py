"""The object graph a checkpoint stores: named edges between trackable objects, values at Variables.

An object's children are found as TF's ``AutoTrackable`` finds them: its attributes holding
Variables, Modules, layers, optimizers, metrics or lists/tuples/dicts of them (a list's children are
named ``"0"``, ``"1"``...; a dict's by key), in sorted order. A Keras layer adds its sublayers as
``"layer-<i>"`` (Keras' ``layers``, without InputLayers), so Sequential and functional models, which
hold their layers in no attribute, are covered. An optimizer's children are ``iterations``, its
learning rate and global state; its slots are recorded against the node of the variable they
belong to (TF's ``slot_variables``), so they are restored for that variable wherever it is found.

Each object is one node (the first path found, breadth-first, names its value's key, as TF does:
``"model/dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"``); further references are further edges.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src.variable import Variable

VALUE_SUFFIX = ".ATTRIBUTES/VARIABLE_VALUE"


def _layer_class() -> Any:
    from tapejax._src.keras.layers.layer import Layer

    return Layer


def _optimizer_class() -> Any:
    from tapejax._src.optimizers.base import Optimizer

    return Optimizer


def _metric_class() -> Any:
    from tapejax._src.keras.metrics.base_metric import Metric

    return Metric


def is_trackable(obj: Any) -> bool:
    """Whether ``obj`` can be a node: a Variable, a Module or layer, an optimizer, a metric, a Checkpoint."""
    from tapejax._src.checkpoint.checkpoint import Checkpoint
    from tapejax._src.module import Module

    return isinstance(obj, (Variable, Module, Checkpoint, _optimizer_class(), _metric_class()))


def _holds_trackable(value: Any, depth: int = 0) -> bool:
    if is_trackable(value):
        return True
    if depth > 8:
        return False
    if isinstance(value, (list, tuple)):
        return any(_holds_trackable(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_holds_trackable(v, depth + 1) for v in value.values())
    return False


def _attribute_children(obj: Any, skip: frozenset[str] | set[str]) -> Iterator[tuple[str, Any]]:
    for name in sorted(vars(obj)):
        if name in skip:
            continue
        value = vars(obj)[name]
        if _holds_trackable(value):
            yield name, value


def children(obj: Any) -> list[tuple[str, Any]]:
    """The named edges out of ``obj`` (Variables and containers included; other values skipped)."""
    from tapejax._src.checkpoint.checkpoint import Checkpoint

    if isinstance(obj, Variable):
        return []
    if isinstance(obj, (list, tuple)):
        return [(str(i), v) for i, v in enumerate(obj) if _holds_trackable(v)]
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items() if _holds_trackable(v)]
    if isinstance(obj, Checkpoint):
        return sorted(obj._children.items())
    if isinstance(obj, _optimizer_class()):
        out: list[tuple[str, Any]] = [("iterations", obj._iterations)]
        if isinstance(obj._learning_rate, Variable):
            out.append(("learning_rate", obj._learning_rate))
        out.extend((f"global-{i}", v) for i, v in enumerate(obj._glob or ()))
        return out
    layer_cls = _layer_class()
    if isinstance(obj, layer_cls):
        from tapejax._src.keras.layers.input_layer import InputLayer
        from tapejax._src.keras.layers.layer import _NOT_TRACKED

        out = list(_attribute_children(obj, _NOT_TRACKED | {"_functional"}))
        layers = obj.layers if hasattr(type(obj), "layers") else obj._layers
        out.extend((f"layer-{i}", x) for i, x in enumerate(x for x in layers if not isinstance(x, InputLayer)))
        return out
    ignored = getattr(obj, "_TF_MODULE_IGNORED_PROPERTIES", frozenset())
    return list(_attribute_children(obj, ignored))


def slot_records(optimizer: Any) -> list[tuple[Any, str, Any]]:
    """``(variable, slot name, slot variable)`` for every slot ``optimizer`` holds."""
    names = optimizer._slot_names() + (("average",) if optimizer.use_ema else ())
    out = []
    for uid, slots in optimizer._slots.items():
        ref = optimizer._refs.get(uid)
        v = ref() if ref is not None else None
        if v is None:
            continue
        for name, slot in zip(names, slots, strict=False):
            out.append((v, name, slot))
    return out


def _to_storable(value: Any) -> tuple[np.ndarray, str]:
    arr = np.asarray(value)
    name = arr.dtype.name
    if arr.dtype.kind == "V" or name in ("bfloat16",) or name.startswith("float8"):
        return arr.view(np.dtype(f"u{arr.dtype.itemsize}")), name
    return arr, name


def from_storable(arr: np.ndarray, dtype_name: str) -> np.ndarray:
    if arr.dtype.name == dtype_name:
        return arr
    import ml_dtypes

    return arr.view(np.dtype(getattr(ml_dtypes, dtype_name)))


def serialize(root: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The object graph of ``root`` (a JSON-able dict) and the values of its Variables by key."""
    ids: dict[int, int] = {id(root): 0}
    objects = [root]
    paths = [""]
    queue = deque([root])
    while queue:
        obj = queue.popleft()
        for name, child in children(obj):
            if id(child) not in ids:
                ids[id(child)] = len(objects)
                objects.append(child)
                paths.append(f"{paths[ids[id(obj)]]}/{name}".lstrip("/"))
                queue.append(child)
    nodes: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    slots_to_add: list[tuple[int, str, Any, str]] = []
    for index, obj in enumerate(objects):
        node: dict[str, Any] = {"children": [[name, ids[id(child)]] for name, child in children(obj)]}
        if isinstance(obj, Variable):
            key = f"{paths[index]}/{VALUE_SUFFIX}"
            arrays[key], node["dtype"] = _to_storable(obj.numpy())
            node["key"] = key
        if isinstance(obj, _optimizer_class()):
            node["slot_variables"] = []
            for v, slot_name, slot in slot_records(obj):
                if id(v) in ids:
                    slots_to_add.append((index, slot_name, slot, paths[ids[id(v)]]))
                    node["slot_variables"].append([ids[id(v)], slot_name, None])
        nodes.append(node)
    # Slot variables: nodes of their own, named as TF names them, referenced from the optimizer's records.
    for opt_index, slot_name, slot, var_path in slots_to_add:
        slot_index = len(nodes)
        key = f"{var_path}/.OPTIMIZER_SLOT/{paths[opt_index]}/{slot_name}/{VALUE_SUFFIX}"
        arrays[key], dtype_name = _to_storable(slot.numpy())
        nodes.append({"children": [], "key": key, "dtype": dtype_name})
        for record in nodes[opt_index]["slot_variables"]:
            if record[1] == slot_name and record[2] is None and paths[record[0]] == var_path:
                record[2] = slot_index
                break
    return {"format": "tapejax-checkpoint-1", "nodes": nodes}, arrays
