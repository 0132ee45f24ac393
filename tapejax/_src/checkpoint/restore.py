"""Matching a stored object graph to live objects: values assigned as soon as their object exists.

A child that does not exist yet under a Keras layer (a weight created when the layer is built on
its first call) waits on that layer; the layer's build hands it back here (deferred restoration, as
TF does). Optimizer slots are created for a matched variable that has none yet, then assigned.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src.checkpoint import graph as graph_lib
from tapejax._src.variable import Variable

DEFERRED_ATTR = "_deferred_restorations"


class Restoration:
    """One ``restore``: the stored graph, its values, and which stored node went to which object."""

    def __init__(self, save_path: str, graph: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.save_path = save_path
        self.nodes: list[dict[str, Any]] = graph["nodes"]
        self.arrays = arrays
        self.matched: dict[int, Any] = {}
        self.pending_slots: list[tuple[int, int, str, int]] = []

    # -- matching ----------------------------------------------------------------------------------
    def bind(self, node_id: int, obj: Any) -> None:
        """Matches stored node ``node_id`` to ``obj``, assigns its value, then matches its children."""
        if node_id in self.matched:
            return
        self.matched[node_id] = obj
        node = self.nodes[node_id]
        if "key" in node and isinstance(obj, Variable):
            self._assign(obj, node)
        live = dict(graph_lib.children(obj)) if node["children"] else {}
        for name, child_id in node["children"]:
            child = live.get(name)
            if child is not None:
                self.bind(child_id, child)
            elif _can_defer(obj):
                _defer(obj, self, name, child_id)
        for var_id, slot_name, slot_id in node.get("slot_variables", ()):
            if slot_id is not None:
                self.pending_slots.append((node_id, var_id, slot_name, slot_id))
        self._restore_slots()

    def _assign(self, v: Variable, node: dict[str, Any]) -> None:
        value = graph_lib.from_storable(self.arrays[node["key"]], node["dtype"])
        if tuple(value.shape) != tuple(v.shape):
            raise ValueError(
                f"Received incompatible tensor with shape {tuple(value.shape)} when attempting to restore variable "
                f"with shape {tuple(v.shape)} and name {v.name}:0."
            )
        v.assign(value.astype(v.dtype.as_numpy_dtype))

    def _restore_slots(self) -> None:
        waiting = []
        for opt_id, var_id, slot_name, slot_id in self.pending_slots:
            if opt_id not in self.matched or var_id not in self.matched:
                waiting.append((opt_id, var_id, slot_name, slot_id))
                continue
            optimizer, variable = self.matched[opt_id], self.matched[var_id]
            if not isinstance(variable, Variable) or not hasattr(optimizer, "_slots"):
                continue
            if variable._uid not in optimizer._slots:
                optimizer._create_slots([variable])
            names = optimizer._slot_names() + (("average",) if optimizer.use_ema else ())
            if slot_name in names:
                slot = optimizer._slots[variable._uid][names.index(slot_name)]
                self.matched[slot_id] = slot
                self._assign(slot, self.nodes[slot_id])
        self.pending_slots = waiting

    # -- reporting ---------------------------------------------------------------------------------
    def node_paths(self) -> dict[int, str]:
        paths = {0: "(root)"}
        queue = [0]
        while queue:
            node_id = queue.pop(0)
            for name, child_id in self.nodes[node_id]["children"]:
                if child_id not in paths:
                    paths[child_id] = f"{paths[node_id]}.{name}"
                    queue.append(child_id)
        return paths

    def unresolved(self) -> list[str]:
        """The stored values not matched to an object yet."""
        paths = self.node_paths()
        return [
            paths.get(i, node["key"]) for i, node in enumerate(self.nodes) if "key" in node and i not in self.matched
        ]

    def unmatched_live(self, root: Any) -> list[Any]:
        """The live Variables under ``root`` (and optimizer slots) that no stored value went to."""
        matched = {id(x) for x in self.matched.values()}
        out = []
        seen: set[int] = set()
        queue = [root]
        while queue:
            obj = queue.pop(0)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, Variable) and id(obj) not in matched:
                out.append(obj)
            if hasattr(obj, "_slots") and hasattr(obj, "_refs"):
                out.extend(s for _, _, s in graph_lib.slot_records(obj) if id(s) not in matched)
            queue.extend(child for _, child in graph_lib.children(obj))
        return out


def _can_defer(obj: Any) -> bool:
    from tapejax._src.keras.layers.layer import Layer

    return isinstance(obj, Layer)


def _defer(layer: Any, restoration: Restoration, name: str, child_id: int) -> None:
    pending = layer.__dict__.get(DEFERRED_ATTR)
    if pending is None:
        pending = []
        object.__setattr__(layer, DEFERRED_ATTR, pending)
    pending.append((restoration, name, child_id))


def restore_deferred(layer: Any) -> None:
    """Called when ``layer`` has built: restores the values that waited for its weights and sublayers."""
    pending = layer.__dict__.pop(DEFERRED_ATTR, None)
    if not pending:
        return
    live = dict(graph_lib.children(layer))
    for restoration, name, child_id in pending:
        child = live.get(name)
        if child is None:
            _defer(layer, restoration, name, child_id)
        else:
            restoration.bind(child_id, child)
