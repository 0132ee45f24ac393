"""``tf.keras.Model``: a layer with model introspection (``layers``, ``get_layer``, ``summary``).

``Model(inputs, outputs)`` makes a functional model; subclasses define ``call`` (subclassed models).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from tapejax._src import nest
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.keras.saving.saving_api import SavingMixin
from tapejax._src.keras.trainer import Trainer


class Model(Trainer, SavingMixin, Layer):
    """A model: layers grouped with introspection, and Keras' training API (``compile``, ``fit``, ``evaluate``, ``predict``).

    ``tf.keras.Model(inputs, outputs)`` builds a functional model; subclassing ``tf.keras.Model``
    and defining ``call`` makes a subclassed model.

    >>> import tapejax as tf
    >>> tf.keras.backend.clear_session()
    >>> class MLP(tf.keras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = tf.keras.layers.Dense(4, activation="relu")
    ...         self.out = tf.keras.layers.Dense(1)
    ...     def call(self, x, training=False):
    ...         return self.out(self.hidden(x))
    >>> model = MLP()
    >>> model(tf.zeros([2, 3])).shape
    TensorShape([2, 1])
    >>> [w.path for w in model.trainable_weights]
    ['mlp/dense/kernel', 'mlp/dense/bias', 'mlp/dense_1/kernel', 'mlp/dense_1/bias']
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if len(args) >= 2 or "inputs" in kwargs or ("outputs" in kwargs and args):
            from tapejax._src.keras.models.functional import Functional

            if cls is Model:
                return Functional.__new__(Functional, *args, **kwargs)
            if not issubclass(cls, Functional) and cls.__init__ is Model.__init__:
                # A subclass without its own __init__ called as CustomModel(inputs, outputs) (the Keras
                # guide's pattern): a functional model with the subclass's methods, as Keras injects.
                return Functional.__new__(_functional_subclass(cls), *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)  # type: ignore[return-value]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs:  # Model(inputs, outputs) called on a subclass of Functional
            raise TypeError(
                "Model.__init__ takes (inputs, outputs) only for functional models: `tf.keras.Model(inputs, outputs)`."
            )
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)

    @property
    def layers(self) -> list[Layer]:
        """The model's direct sublayers, in tracking order."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A sublayer by name or by index (``layers[index]``).

        Raises:
          ValueError: if neither or both are given, or no layer has the name (Keras' messages).
        """
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Callable[..., Any] | None = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Prints Keras' table of the layers: name (type), output shape, parameter count; then the totals.

        Args:
          print_fn: called with each line (default ``print``).
        """
        print_fn = print_fn or print
        widths = (31, 22, 13)
        rows = []
        for layer in self._summary_layers():
            built = layer.built
            params = f"{layer.count_params():,}" if built else "0 (unbuilt)"
            rows.append((f"{layer.name} ({type(layer).__name__})", _output_shape_text(layer), params))
        bars = ["━" * (w + 2) for w in widths]
        thin = ["─" * (w + 2) for w in widths]
        lines = [f'Model: "{self.name}"', "┏" + "┳".join(bars) + "┓"]
        lines.append("┃ " + " ┃ ".join(_cells(("Layer (type)", "Output Shape", "Param #"), widths)[0]) + " ┃")
        lines.append("┡" + "╇".join(bars) + "┩")
        for i, row in enumerate(rows):
            if i:
                lines.append("├" + "┼".join(thin) + "┤")
            for cells in _cells(row, widths):
                lines.append("│ " + " │ ".join(cells) + " │")
        lines.append("└" + "┴".join(thin) + "┘")
        weights = self.weights if self.built or self.weights else []
        trainable = self.trainable_weights
        non_trainable = self.non_trainable_weights
        lines.append(f" Total params: {_count_and_size(weights)}")
        lines.append(f" Trainable params: {_count_and_size(trainable)}")
        lines.append(f" Non-trainable params: {_count_and_size(non_trainable)}")
        for line in lines:
            print_fn(line)

    def _summary_layers(self) -> list[Layer]:
        return self.layers

    def count_params(self) -> int:
        if not self.built and not self.weights:
            raise ValueError(
                "You tried to call `count_params` on layer '" + self.name + "', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))


@functools.cache
def _functional_subclass(cls: type) -> type:
    from tapejax._src.keras.models.functional import Functional

    return type(cls.__name__, (cls, Functional), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})


def _cells(row: tuple[str, str, str], widths: tuple[int, int, int]) -> list[list[str]]:
    """A table row as lines of cells: the first two left-aligned and wrapped, the count right-aligned."""
    cols = [textwrap.wrap(row[0], widths[0]) or [""], textwrap.wrap(row[1], widths[1]) or [""], [row[2]]]
    height = max(len(c) for c in cols)
    out = []
    for i in range(height):
        a = cols[0][i] if i < len(cols[0]) else ""
        b = cols[1][i] if i < len(cols[1]) else ""
        c = cols[2][i] if i < len(cols[2]) else ""
        out.append([a.ljust(widths[0]), b.ljust(widths[1]), c.rjust(widths[2])])
    return out


def _output_shape_text(layer: Layer) -> str:
    nodes = [n for n in layer._inbound_nodes if not n.is_input or type(layer).__name__ == "InputLayer"]
    if nodes:
        shapes = nest.map_structure(lambda t: t.shape, nodes[-1].outputs)
        return _shape_text(shapes)
    shapes_args = layer.__dict__.get("_build_shapes")
    if not layer.built or shapes_args is None:
        return "?"
    a, k = shapes_args
    shape = a[0] if a else (next(iter(k.values())) if k else None)
    if shape is None:
        return "?"
    try:
        return _shape_text(layer.compute_output_shape(shape))
    except Exception:
        return "?"


def _shape_text(shapes: Any) -> str:
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes):
        return "(" + ", ".join(str(d) for d in shapes) + ("," if len(shapes) == 1 else "") + ")"
    if isinstance(shapes, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shapes.items()) + "}"
    return "[" + ", ".join(_shape_text(s) for s in shapes) + "]"


def _readable_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count_and_size(weights: list[Any]) -> str:
    count = int(sum(int(np.prod(w.shape)) for w in weights))
    size = sum(int(np.prod(w.shape)) * np.dtype(w.dtype.as_numpy_dtype).itemsize for w in weights)
    return f"{count:,} ({_readable_size(size)})"
