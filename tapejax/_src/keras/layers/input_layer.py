"""``tf.keras.Input`` and ``tf.keras.layers.InputLayer``: the symbolic entry points of functional models."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.keras_tensor import KerasTensor, Node
from tapejax._src.keras.layers.input_spec import standardize_shape
from tapejax._src.keras.layers.layer import Layer


class InputLayer(Layer):
    """The layer behind ``tf.keras.Input``: it holds the model input's KerasTensor.

    Args:
      shape: the input's shape without the batch dimension.
      batch_size: the fixed batch size, if any.
      dtype: the input's dtype (default ``floatx()``).
      input_tensor: an existing KerasTensor to use as the input.
    """

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        ragged: bool | None = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        optional: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same time.")
        if shape is None and batch_shape is None and input_tensor is None:
            raise ValueError("You must pass a `shape` argument.")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(
                    f"Argument `input_tensor` must be a KerasTensor. Received invalid type: input_tensor={input_tensor} "
                    f"(of type {type(input_tensor)})"
                )
            batch_shape = input_tensor.shape
            dtype = input_tensor.dtype
        elif shape is not None:
            batch_shape = (batch_size, *standardize_shape(shape))
        self._batch_shape = standardize_shape(batch_shape)
        self._dtype = backend.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = optional
        if input_tensor is None:
            input_tensor = KerasTensor(self._batch_shape, self._dtype, name=name)
        self._input_tensor = input_tensor
        Node(self, (), {}, input_tensor)
        self.built = True

    @property
    def batch_shape(self) -> tuple[int | None, ...]:
        return self._batch_shape

    @property
    def dtype(self) -> str:
        return self._dtype

    def call(self) -> Any:
        return None

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_shape": list(self._batch_shape),
            "dtype": self._dtype,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "name": self._name,
            "optional": self.optional,
        }


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    ragged: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic input of a functional model (``tf.keras.Input``): a KerasTensor of shape ``(batch, *shape)``.

    >>> import tapejax as tf
    >>> tf.keras.Input(shape=(28, 28), dtype="int32").shape
    (None, 28, 28)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer.output
