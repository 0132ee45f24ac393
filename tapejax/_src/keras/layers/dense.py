"""``tf.keras.layers.Dense``: ``activation(inputs @ kernel + bias)``."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import activations, constraints, initializers, regularizers
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import linalg_ops, math_ops, nn_ops
from tapejax._src.tensor import Tensor

_relu = activations.relu


class Dense(Layer):
    """A densely-connected layer: ``activation(inputs @ kernel + bias)`` over the last axis.

    Args:
      units: the output size (a positive int).
      activation: an activation or its name (None: linear).
      use_bias: whether to add a bias.
      kernel_initializer, bias_initializer: default ``"glorot_uniform"`` and ``"zeros"``.
      kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint.

    Raises:
      ValueError: if ``units`` is not a positive int (Keras' message).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
    >>> print(layer(tf.constant([[1.0, 2.0, 3.0]])))
    tf.Tensor([[7. 7.]], shape=(1, 2), dtype=float32)

    Differences from Keras: LoRA and quantization are not implemented.
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        if quantization_config is not None:
            raise ValueError("tapejax's Dense does not implement quantization: pass quantization_config=None.")
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs: Any, training: Any = None) -> Any:
        rank = len(inputs._v.shape) if type(inputs) is Tensor else inputs.ndim  # (Tensor.ndim inline)
        x = linalg_ops.matmul(inputs, self.kernel) if rank == 2 else linalg_ops.tensordot(inputs, self.kernel, 1)
        if self.bias is not None:
            x = math_ops.add(x, self.bias)  # (Keras' ops.add: the AddV2 a hand-written ``x @ w + b`` records)
        activation = self.activation
        if activation is _relu and type(x) is Tensor:
            x = nn_ops.relu(x)  # (what activations.relu does with its defaults, without its two calls)
        elif activation is not None and activation is not activations.linear:  # (the identity: no call)
            x = activation(x)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
