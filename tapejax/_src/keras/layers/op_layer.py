"""Operators on KerasTensors (``x + y``, ``x[:, 0]``, ``-x``) recorded as calls of an internal layer."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import array_ops, math_ops


def _unkey(key: Any) -> Any:
    if isinstance(key, tuple) and key and key[0] == "slice":
        return slice(*key[1:])
    if isinstance(key, tuple):
        return tuple(_unkey(k) for k in key)
    return key


_OPS = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "matmul": lambda a, b: math_ops.matmul(a, b),
    "negative": lambda a: -a,
    "abs": lambda a: abs(a),
}


class OpLayer(Layer):
    """One operator applied to its inputs (a node of a functional model, like Keras' ``Operation``)."""

    def __init__(self, op: str, params: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(name=kwargs.pop("name", None) or op, **kwargs)
        self.op = op
        self.params = dict(params or {})

    def call(self, *args: Any) -> Any:
        if self.op == "getitem":
            return args[0][_unkey(self.params["key"])]
        if self.op == "reshape":
            return array_ops.reshape(args[0], self.params["newshape"])
        return _OPS[self.op](*args)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "op": self.op, "params": self.params}


def apply(op: str, *args: Any, **params: Any) -> Any:
    """Records ``op`` on the KerasTensors among ``args`` (other arguments are constants of the op)."""
    return OpLayer(op, params)(*args)
