"""Functional models: ``tf.keras.Model(inputs, outputs)``, a graph of layer calls replayed on real inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import nest
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.keras import backend
from tapejax._src.keras.keras_tensor import KerasTensor, Node
from tapejax._src.keras.layers.input_layer import InputLayer
from tapejax._src.keras.models.model import Model
from tapejax._src.ops import array_ops, math_ops, shape_ops
from tapejax._src.tensor import Tensor, keras_mask


def _nodes_in_order(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Node]:
    """The nodes between ``inputs`` and ``outputs``, each after the nodes it reads (Keras' order)."""
    input_ids = {id(x) for x in inputs}
    order: list[Node] = []
    seen: set[int] = set()

    def visit(t: KerasTensor, stack: tuple[int, ...]) -> None:
        if t._keras_history is None:
            raise ValueError(
                f"Output tensors of a Functional model must be the output of a Keras layer; {t} is not (it does "
                "not come from a `keras.Input`)."
            )
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in seen:
            return
        if id(node) in stack:
            raise ValueError("The functional graph has a cycle.")
        if id(t) not in input_ids:
            for x in node.input_tensors:
                visit(x, (*stack, id(node)))
            if node.is_input:
                raise ValueError(
                    f"Functional model inputs must come from `keras.Input`; the graph reaches the input "
                    f"{t.name!r} that is not among the model's inputs."
                )
        seen.add(id(node))
        order.append(node)

    for out in outputs:
        visit(out, ())
    return order


class _Chain:
    """A graph that is one chain of single-tensor layer calls from its one input to its one output."""

    __slots__ = ("dtype", "layers", "nodes", "rank")

    def __init__(self, nodes: tuple[Node, ...], dtype: np.dtype, rank: int) -> None:
        self.nodes = nodes
        self.layers = tuple(node.operation for node in nodes)
        self.dtype = dtype  # the input's dtype: a Tensor of another dtype is cast first (the general path)
        self.rank = rank  # the input's rank: a Tensor of rank one more or less is reshaped first (the general path)

    def run(self, x: Tensor) -> Any:
        """The layers' calls on ``x`` (a Tensor of ``dtype`` and ``rank``), each on the previous one's output."""
        for layer in self.layers:
            outs = layer(x)
            if isinstance(outs, TensorBase):
                x = outs
            else:  # (zip checks that the layer returned one value, as the general loop does)
                node = self.nodes[self.layers.index(layer)]
                (x,) = (out for _, out in zip(node.output_tensors, nest.flatten(outs), strict=True))
        return x


def _chain_of(nodes: list[Node], inputs: list[KerasTensor], outputs: list[KerasTensor]) -> _Chain | None:
    """The calls of a Sequential-like graph, in order (see ``Functional.call``), else None."""
    if len(inputs) != 1 or len(outputs) != 1:
        return None
    try:
        dtype = np.dtype(dtypes_lib.as_dtype(backend.standardize_dtype(inputs[0].dtype))._np)
    except (TypeError, ValueError, AttributeError):
        return None
    chain = []
    prev = inputs[0]
    for node in nodes:
        if node.is_input:
            continue
        if not node.simple or node.call_args[0] is not prev or len(node.output_tensors) != 1:
            return None
        chain.append(node)
        prev = node.output_tensors[0]
    if prev is not outputs[0]:
        return None
    return _Chain(tuple(chain), dtype, len(inputs[0].shape))


def _unpack_singleton(x: Any) -> Any:
    """Keras' ``unpack_singleton``: the element of a one-element list or tuple, anything else as it is."""
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return x[0]
    return x


class Functional(Model):
    """A model defined by its symbolic inputs and outputs (``tf.keras.Model(inputs=..., outputs=...)``).

    Calling it runs the recorded layer calls on real tensors, in an order where each layer follows
    the layers it reads; ``training`` and masks reach every layer as in a direct call.

    Args:
      inputs: a KerasTensor from ``tf.keras.Input``, or a list/dict of them.
      outputs: KerasTensors computed from ``inputs`` (one, or a nested list/tuple/dict of them). A call
        returns them in this structure, except that a one-element list or tuple is unpacked to its
        tensor (as Keras); symbolic calls keep it.
      name: the model's name.

    Differences from Keras (TensorFlow backend): ``fit`` on outputs nested in lists inside a dict (e.g.
    ``{"a": [y1], "b": (y2,)}``) with targets of that structure trains, as Keras on JAX does; Keras on
    TensorFlow fails there (its data adapter turns the targets' lists into tuples).

    >>> import tapejax as tf
    >>> x = tf.keras.Input(shape=(3,))
    >>> y = tf.keras.layers.Dense(2, kernel_initializer="ones")(x)
    >>> model = tf.keras.Model(x, y)
    >>> print(model(tf.constant([[1.0, 1.0, 1.0]])))
    tf.Tensor([[3. 3.]], shape=(1, 2), dtype=float32)
    """

    _locks_after_build = False  # (mutable after build, as in Keras)

    def __new__(cls, *args: Any, **kwargs: Any) -> Functional:
        return object.__new__(cls)  # type: ignore[return-value]

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, **kwargs: Any) -> None:
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"Functional.__init__ got unexpected keyword arguments: {sorted(kwargs)}")
        Model.__init__(self, name=name, trainable=trainable)
        object.__setattr__(self, "_convert_input_args", False)
        flat_inputs = nest.flatten(inputs)
        flat_outputs = nest.flatten(outputs)
        for what, given, flat in (("inputs", inputs, flat_inputs), ("outputs", outputs, flat_outputs)):
            for x in flat:
                if not isinstance(x, KerasTensor):
                    raise ValueError(
                        f"All `{what}` values must be KerasTensors. Received: {what}={given} including invalid value "
                        f"{x} of type {type(x)}"
                    )
        s = object.__setattr__
        s(self, "_inputs_struct", inputs)
        s(self, "_outputs_struct", outputs)
        s(self, "_flat_inputs", flat_inputs)
        s(self, "_flat_outputs", flat_outputs)
        # The output layers' names: compile() names per-output losses and metrics by them (as Keras).
        s(self, "output_names", [x._keras_history[0].name for x in flat_outputs])
        s(self, "_nodes", _nodes_in_order(flat_inputs, flat_outputs))
        s(self, "_chain", _chain_of(self._nodes, flat_inputs, flat_outputs))
        layers: list[Any] = []
        for node in self._nodes:
            if all(node.operation is not x for x in layers):
                layers.append(node.operation)
        # Input layers first, in the order of the inputs, as Keras lists them.
        input_layers = [x._keras_history[0] for x in flat_inputs]
        layers = input_layers + [x for x in layers if all(x is not y for y in input_layers)]
        for layer in layers:
            self._track(layer)
        self.built = True

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._flat_outputs)

    @property
    def input(self) -> Any:
        return self._inputs_struct

    @property
    def output(self) -> Any:
        return self._outputs_struct

    @property
    def input_shape(self) -> Any:
        # As Keras: the shapes of the flat inputs (a list, also for dict inputs), one input unpacked.
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        # As Keras: the shapes of the flat outputs (a list, also for dict outputs), one output unpacked.
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _standardize_inputs(self, inputs: Any) -> list[Any]:
        struct = self._inputs_struct
        if isinstance(struct, dict) and isinstance(inputs, dict):
            flat = [inputs[k] for k in sorted(struct)] if set(inputs) >= set(struct) else None
            if flat is None:
                raise ValueError(
                    f"Missing data for inputs {sorted(set(struct) - set(inputs))}. Expected keys: {sorted(struct)}"
                )
        elif isinstance(inputs, dict):
            names = [x._keras_history[0].name for x in self._flat_inputs]
            flat = [inputs[n] for n in names] if all(n in inputs for n in names) else nest.flatten(inputs)
        elif isinstance(inputs, (list, tuple)):
            flat = nest.flatten(inputs)  # (as Keras, also for one input: ``model([x])`` is ``model(x)``)
        else:
            flat = [inputs] if len(self._flat_inputs) == 1 else nest.flatten(inputs)
        if len(flat) != len(self._flat_inputs):
            names = [x._keras_history[0].name for x in self._flat_inputs]
            raise ValueError(
                f'Layer "{self.name}" expects {len(names)} named input(s) with keys {names}, but it received '
                f"{len(flat)} input tensors. Pass inputs as a dict, e.g. `layer({{"
                + ", ".join(f"'{n}': ..." for n in names)
                + "})`."
            )
        out = []
        for x, spec in zip(flat, self._flat_inputs, strict=True):
            if not isinstance(x, (TensorBase, VariableBase, KerasTensor)):
                x = array_ops.convert_to_tensor(x)
            if isinstance(x, (TensorBase, VariableBase)):
                want = backend.standardize_dtype(spec.dtype)
                if x.dtype.name != want and (x.dtype.is_floating or backend.is_float_dtype(want)):
                    mask = keras_mask(x)
                    x = math_ops.cast(x, want)
                    if mask is not None:
                        x._keras_mask = mask
                # (Keras adjusts a rank off by one on the last axis.)
                rank, want_rank = len(x.shape), len(spec.shape)
                if rank == want_rank + 1 and x.shape[-1] == 1:
                    x = shape_ops.squeeze(x, axis=-1)
                elif rank == want_rank - 1 and spec.shape[-1] == 1:
                    x = shape_ops.expand_dims(x, axis=-1)
            out.append(x)
        return out

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        chain = self._chain
        if chain is not None and mask is None and type(inputs) is Tensor:
            # A Sequential's graph called on one Tensor that needs no cast or rank fix: the loop below
            # without its bookkeeping (each layer reads the previous one's output).
            v = inputs._v
            if v.dtype == chain.dtype and len(v.shape) == chain.rank:
                x = chain.run(inputs)
                if isinstance(self._outputs_struct, dict):
                    return nest.pack_sequence_as(self._outputs_struct, [x])
                return x  # (one output, or a one-element list or tuple of it: unpacked, as below)
        values: dict[int, Any] = {}
        flat = self._standardize_inputs(inputs)
        masks = nest.flatten(mask) if mask is not None else [None] * len(flat)
        for spec, x, m in zip(self._flat_inputs, flat, masks, strict=False):
            if m is not None and isinstance(x, TensorBase):
                x._keras_mask = m  # type: ignore[attr-defined]
            values[id(spec)] = x
        for node in self._nodes:
            if node.is_input:
                continue
            if node.simple:  # layer(x): one KerasTensor, nothing else
                outs = node.operation(values[id(node.call_args[0])])
                if len(node.output_tensors) == 1 and isinstance(outs, TensorBase):
                    values[id(node.output_tensors[0])] = outs
                    continue
                for t, v in zip(node.output_tensors, nest.flatten(outs), strict=True):
                    values[id(t)] = v
                continue
            leaves = nest.flatten((node.call_args, node.call_kwargs))
            leaves = [values[id(x)] if isinstance(x, KerasTensor) else x for x in leaves]
            args, kwargs = nest.pack_sequence_as((node.call_args, node.call_kwargs), leaves)
            outs = node.operation(*args, **kwargs)
            for t, v in zip(node.output_tensors, nest.flatten(outs), strict=True):
                values[id(t)] = v
        return _unpack_singleton(
            nest.pack_sequence_as(self._outputs_struct, [values[id(t)] for t in self._flat_outputs])
        )

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """KerasTensors of the outputs for symbolic inputs, in the structure of ``outputs`` (not unpacked)."""
        out = super().compute_output_spec(*args, **kwargs)
        struct = self._outputs_struct
        if isinstance(struct, (list, tuple)) and len(struct) == 1 and not isinstance(out, (list, tuple)):
            return type(struct)([out])  # (Keras' symbolic call keeps a one-element list; its eager call does not)
        return out

    def get_config(self) -> dict[str, Any]:
        layers = []
        for layer in self.layers:
            nodes = []
            for node in layer._inbound_nodes:
                if any(node is n for n in self._nodes) and not node.is_input:
                    nodes.append(_serialize_node(node))
            layers.append({**serialize_layer(layer), "name": layer.name, "inbound_nodes": nodes})

        def ref(t: KerasTensor) -> list[Any]:
            layer, node_index, tensor_index = t._keras_history  # type: ignore[misc]
            return [layer.name, node_index, tensor_index]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layers,
            "input_layers": nest.map_structure(ref, self._inputs_struct),
            "output_layers": nest.map_structure(ref, self._outputs_struct),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Functional:
        """A functional model rebuilt from ``get_config()`` (Keras 3's format, or Keras 2's node lists)."""
        return functional_from_config(cls, config, custom_objects=custom_objects)


def _module_of(layer: Any) -> str:
    return "keras.layers" if type(layer).__module__.startswith("tapejax.") else type(layer).__module__


def serialize_layer(layer: Any) -> dict[str, Any]:
    """A layer's entry in a model's config, as Keras' ``serialize_keras_object`` writes it."""
    from tapejax._src.keras.models.model import Model
    from tapejax._src.keras.saving.object_registration import get_registered_name
    from tapejax._src.keras.saving.saving_lib import serialize_model

    if isinstance(layer, Model):
        return serialize_model(layer)
    own = type(layer).__module__.startswith("tapejax.")
    entry = {
        "module": _module_of(layer),
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": None if own else get_registered_name(type(layer)),
    }
    build = None if isinstance(layer, InputLayer) else layer.get_build_config()
    if build is not None:
        entry["build_config"] = build
    return entry


def _serialize_node(node: Node) -> dict[str, Any]:
    """A recorded call in Keras 3's format: its args and kwargs, KerasTensors as ``__keras_tensor__`` dicts."""
    from tapejax._src.keras.object_config import serialize_object

    def value(x: Any) -> Any:
        if isinstance(x, KerasTensor):
            layer, node_index, tensor_index = x._keras_history  # type: ignore[misc]
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": list(x.shape),
                    "dtype": x.dtype,
                    "keras_history": [layer.name, node_index, tensor_index],
                },
            }
        if isinstance(x, (list, tuple)):
            return [value(v) for v in x]
        if isinstance(x, dict):
            return {k: value(v) for k, v in x.items()}
        return serialize_object(x)

    return {"args": value(list(node.call_args)), "kwargs": value(dict(node.call_kwargs))}


def _revive(value: Any, created: dict[str, Any], keras3: bool) -> Any:
    """A node's serialized call argument: ``__keras_tensor__`` dicts become the layers' output tensors."""
    from tapejax._src.keras.object_config import deserialize_value

    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        name, node_index, tensor_index = value["config"]["keras_history"]
        return _output_tensor(created, name, node_index, tensor_index, keras3)
    if isinstance(value, dict) and value.get("class_name") in ("__numpy__", "__tensor__"):
        return deserialize_value(value)
    if isinstance(value, dict):
        return {k: _revive(v, created, keras3) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_revive(v, created, keras3) for v in value)
    return value


def _output_tensor(created: dict[str, Any], name: str, node_index: int, tensor_index: int, keras3: bool) -> Any:
    layer = created.get(name)
    if layer is None:
        raise ValueError(f"Invalid Functional model configuration. Missing node: {name}")
    if keras3 and isinstance(layer, Functional):
        node_index -= 1  # (as Keras reads it: its functional models start with a node of their own)
    if len(layer._inbound_nodes) <= node_index:
        raise IndexError(f"Layer node index out of bounds: layer {name}, node {node_index}")
    return layer._inbound_nodes[node_index].output_tensors[tensor_index]


def _deserialize_node(node_data: Any, created: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Keras' ``deserialize_node``: the ``(args, kwargs)`` of one recorded layer call."""
    if not node_data:
        return [], {}
    if isinstance(node_data, list):  # Keras 2's format: [[layer name, node index, tensor index(, kwargs)], ...]
        tensors = []
        kwargs: dict[str, Any] = {}
        for entry in node_data:
            if len(entry) not in (3, 4):
                raise ValueError("Cannot deserialize the model (invalid config data?)")
            if len(entry) == 4:
                kwargs = entry[3]
            tensors.append(_output_tensor(created, entry[0], entry[1], entry[2], keras3=False))
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs
    args = _revive(node_data["args"], created, keras3=True)
    kwargs = _revive(node_data["kwargs"], created, keras3=True)
    return list(args), dict(kwargs)


def functional_from_config(cls: Any, config: dict[str, Any], custom_objects: Any = None) -> Any:
    """Keras' ``functional_from_config``: creates the layers, replays their calls (a call waits until
    the tensors it reads exist, so shared layers at different depths work), then ``cls(inputs, outputs)``.

    Raises:
      ValueError: for a config whose graph has loops or disconnected nodes (Keras' message).
    """
    from tapejax._src.keras.layers import deserialize

    config = dict(config)
    layers_data = config.pop("layers")
    input_layers = config.pop("input_layers")
    output_layers = config.pop("output_layers")
    name = config.pop("name", None)
    trainable = config.pop("trainable", None)
    keras3 = any(isinstance(node, dict) for data in layers_data for node in data["inbound_nodes"])
    created: dict[str, Any] = {}
    unprocessed: dict[str, list[Any]] = {}
    for layer_data in layers_data:
        layer = deserialize(layer_data, custom_objects=custom_objects)
        created[layer_data["name"]] = layer
        for node_data in layer_data["inbound_nodes"]:
            unprocessed.setdefault(layer_data["name"], []).append(node_data)
    while unprocessed:
        progress = False
        for layer_data in layers_data:
            layer_name = layer_data["name"]
            pending = unprocessed.get(layer_name)
            if pending is None:
                continue
            done = 0
            while done < len(pending):
                try:
                    args, kwargs = _deserialize_node(pending[done], created)
                except IndexError:
                    break
                created[layer_name](*args, **kwargs)
                done += 1
            if done >= len(pending):
                progress = True
                del unprocessed[layer_name]
            elif done > 0:
                progress = True
                unprocessed[layer_name] = pending[done:]
        if not progress:
            raise ValueError(
                "Invalid Functional model configuration. The graph of the Functional model either has loops or "
                f"disconnected nodes. The following nodes failed to be resolved: {unprocessed}"
            )

    def map_tensors(tensors: Any) -> Any:
        if isinstance(tensors, list) and len(tensors) == 3 and isinstance(tensors[0], str):
            return _output_tensor(created, tensors[0], tensors[1], tensors[2], keras3)
        if isinstance(tensors, dict):
            return {k: map_tensors(v) for k, v in tensors.items()}
        if isinstance(tensors, tuple):
            return tuple(map_tensors(v) for v in tensors)
        return [map_tensors(v) for v in tensors]

    kwargs: dict[str, Any] = {"name": name}
    if trainable is not None:
        kwargs["trainable"] = trainable
    model = cls(inputs=map_tensors(input_layers), outputs=map_tensors(output_layers), **kwargs)
    return model


__all__ = ["Functional", "InputLayer", "functional_from_config"]
