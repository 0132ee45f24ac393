"""Keras' symbolic tensors (``tf.keras.Input``, ``KerasTensor``) and the graph of layer calls (``Node``)
that functional models are built from."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src import nest
from tapejax._src.keras import backend


class KerasTensor:
    """A symbolic tensor: a shape (None dims allowed) and a dtype, and the layer call that made it.

    Calling a layer on KerasTensors builds the layer and gives KerasTensors of its outputs' shapes,
    recording the call (a :class:`Node`) so that ``tf.keras.Model(inputs, outputs)`` can replay it.
    Arithmetic operators and indexing on KerasTensors are recorded the same way.

    >>> import tapejax as tf
    >>> tf.keras.backend.clear_session()
    >>> x = tf.keras.Input(shape=(3,))
    >>> x
    <KerasTensor shape=(None, 3), dtype=float32, sparse=False, ragged=False, name=keras_tensor>
    >>> tf.keras.layers.Dense(2)(x).shape
    (None, 2)
    """

    def __init__(
        self,
        shape: Any,
        dtype: Any = "float32",
        sparse: bool = False,
        ragged: bool = False,
        record_history: bool = True,
        name: str | None = None,
    ) -> None:
        from tapejax._src.keras.layers.input_spec import standardize_shape

        self._shape = standardize_shape(shape)
        self._dtype = backend.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        uid = backend.get_uid("keras_tensor")
        self.name = name or ("keras_tensor" if uid == 1 else f"keras_tensor_{uid - 1}")
        self._keras_history: tuple[Any, int, int] | None = None
        self._keras_mask: Any = None

    @property
    def shape(self) -> tuple[int | None, ...]:
        return self._shape

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def reshape(self, newshape: Any) -> KerasTensor:
        from tapejax._src.keras.layers import op_layer

        return op_layer.apply("reshape", self, newshape=tuple(newshape))

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={self._shape}, dtype={self._dtype}, sparse={self.sparse}, "
            f"ragged={self.ragged}, name={self.name}>"
        )

    def __iter__(self) -> Any:
        raise NotImplementedError(
            "Iterating over a symbolic KerasTensor is not supported (its length is not known until the model runs)."
        )

    def __bool__(self) -> bool:
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError(
            "A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. It doesn't have any actual "
            "numerical value. You cannot convert it to a NumPy array."
        )

    def numpy(self) -> Any:
        raise ValueError("A KerasTensor is symbolic: it doesn't have any actual numerical value.")

    # Operators: recorded as calls of an internal op layer, as Keras records `keras.ops` on KerasTensors.
    def _binary(self, name: str, other: Any, reverse: bool = False) -> KerasTensor:
        from tapejax._src.keras.layers import op_layer

        return op_layer.apply(name, other, self) if reverse else op_layer.apply(name, self, other)

    def __add__(self, o: Any) -> KerasTensor:
        return self._binary("add", o)

    def __radd__(self, o: Any) -> KerasTensor:
        return self._binary("add", o, True)

    def __sub__(self, o: Any) -> KerasTensor:
        return self._binary("subtract", o)

    def __rsub__(self, o: Any) -> KerasTensor:
        return self._binary("subtract", o, True)

    def __mul__(self, o: Any) -> KerasTensor:
        return self._binary("multiply", o)

    def __rmul__(self, o: Any) -> KerasTensor:
        return self._binary("multiply", o, True)

    def __truediv__(self, o: Any) -> KerasTensor:
        return self._binary("truediv", o)

    def __rtruediv__(self, o: Any) -> KerasTensor:
        return self._binary("truediv", o, True)

    def __pow__(self, o: Any) -> KerasTensor:
        return self._binary("pow", o)

    def __matmul__(self, o: Any) -> KerasTensor:
        return self._binary("matmul", o)

    def __neg__(self) -> KerasTensor:
        from tapejax._src.keras.layers import op_layer

        return op_layer.apply("negative", self)

    def __abs__(self) -> KerasTensor:
        from tapejax._src.keras.layers import op_layer

        return op_layer.apply("abs", self)

    def __getitem__(self, key: Any) -> KerasTensor:
        from tapejax._src.keras.layers import op_layer

        return op_layer.apply("getitem", self, key=_hashable_key(key))


def _hashable_key(key: Any) -> Any:
    if isinstance(key, slice):
        return ("slice", key.start, key.stop, key.step)
    if isinstance(key, tuple):
        return tuple(_hashable_key(k) for k in key)
    return key


def is_keras_tensor(x: Any) -> bool:
    """Whether ``x`` is a symbolic KerasTensor (``tf.keras.backend.is_keras_tensor``)."""
    return isinstance(x, KerasTensor)


def any_symbolic(args: Any, kwargs: Any = None) -> bool:
    """Whether a KerasTensor is among the (nested) arguments."""
    for x in (*args, *kwargs.values()) if kwargs else args:
        t = type(x)
        if t is KerasTensor:
            return True
        if (t is list or t is tuple or t is dict or isinstance(x, (list, tuple, dict))) and any(
            isinstance(y, KerasTensor) for y in nest.flatten(x)
        ):
            return True
    return False


class Node:
    """One call of a layer on KerasTensors: its arguments (with the KerasTensors in them) and outputs."""

    def __init__(self, operation: Any, call_args: tuple[Any, ...], call_kwargs: dict[str, Any], outputs: Any) -> None:
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [x for x in nest.flatten((call_args, call_kwargs)) if isinstance(x, KerasTensor)]
        self.output_tensors = [x for x in nest.flatten(outputs) if isinstance(x, KerasTensor)]
        self.parent_nodes = [
            x._keras_history[0]._inbound_nodes[x._keras_history[1]]
            for x in self.input_tensors
            if x._keras_history is not None
        ]
        self.simple = len(call_args) == 1 and not call_kwargs and isinstance(call_args[0], KerasTensor)
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (operation, node_index, i)

    @property
    def is_input(self) -> bool:
        return not self.input_tensors


def spec_of(x: Any) -> tuple[tuple[int | None, ...], np.dtype] | None:
    """A KerasTensor's (shape, numpy dtype), for :func:`tapejax._src.function.output_specs`."""
    if isinstance(x, KerasTensor):
        from tapejax._src import dtypes as dtypes_lib

        return x.shape, np.dtype(dtypes_lib.as_dtype(x.dtype)._np)
    return None
