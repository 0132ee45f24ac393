"""``tf.keras.layers.EinsumDense``: a dense layer written as an einsum of the input with a kernel."""

from __future__ import annotations

import re
from typing import Any

from tapejax._src.keras import activations, constraints, initializers, regularizers
from tapejax._src.keras.initializers import VarianceScaling
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import linalg_ops


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``: the kernel's shape is read from the
    equation, the input shape and ``output_shape``.

    Args:
      equation: ``"ab,bc->ac"``-style: the input's axes, the kernel's, the output's; ``...`` may stand for
        leading (``"...b,bc->...c"``) or trailing (``"ab...,bc->ac..."``) input axes.
      output_shape: the output's shape without the batch axis (an int for one axis); None entries are
        taken from the input.
      activation: an activation or its name (None: linear).
      bias_axes: the output axes (letters of the equation) a bias is added along, or None.
      kernel_initializer, bias_initializer: default ``"glorot_uniform"`` (its fans taken from the
        equation's input and output axes, as Keras) and ``"zeros"``.
      kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint.

    Raises:
      ValueError: for an equation of another form, or shapes that do not agree (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d")
    >>> layer(tf.ones([2, 3, 5])).shape, layer.kernel.shape, layer.bias.shape
    (TensorShape([2, 3, 4]), TensorShape([5, 4]), TensorShape([4]))

    Differences from Keras: LoRA and quantization are not implemented (``quantization_config`` must be
    None).
    """

    def __init__(
        self,
        equation: str,
        output_shape: Any,
        activation: Any = None,
        bias_axes: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        if quantization_config is not None:
            raise ValueError("tapejax's EinsumDense does not implement quantization: pass quantization_config=None.")
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape: Any) -> None:
        kernel_shape, bias_shape, _, input_axes, output_axes = _analyze_einsum_string(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            # Keras: the fans of a variance-scaling kernel come from the equation's axes.
            config = {**init.get_config(), "seed": init.seed, "input_axes": input_axes, "output_axes": output_axes}
            init = type(init).from_config(config)
        self._kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=init,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            dtype=self.dtype,
            trainable=True,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                dtype=self.dtype,
                trainable=True,
            )
            if bias_shape is not None
            else None
        )

    @property
    def kernel(self) -> Any:
        """The kernel weight (AttributeError before the layer is built)."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def call(self, inputs: Any, training: Any = None) -> Any:
        x = linalg_ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        _, _, full, _, _ = _analyze_einsum_string(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape
        )
        return tuple(full)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }


def _analyze_einsum_string(
    equation: str, bias_axes: str | None, input_shape: tuple[Any, ...], output_shape: Any
) -> Any:
    """Keras' analysis: ``(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes)``."""
    dots = re.sub(r"\.\.\.", "0", equation)
    split = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dots)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    split = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dots)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided=True)
    split = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dots)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _analyze_split_string(
    split: re.Match[str],
    bias_axes: str | None,
    input_shape: tuple[Any, ...],
    output_shape: Any,
    left_elided: bool = False,
) -> Any:
    input_spec, weight_spec, output_spec = split.group(1), split.group(2), split.group(3)
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    for dim in input_spec:
        in_dim = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            out_dim = output_shape[output_dim_map[dim]]
            if out_dim is not None and out_dim != in_dim:
                raise ValueError(
                    f"Input shape and output shape do not match at shared dimension '{dim}'. Input shape is "
                    f"{in_dim}, and output shape is {out_dim}."
                )
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                f"Dimension '{dim}' was specified in the output '{output_spec}' but has no corresponding dim in the "
                f"input spec '{input_spec}' or weight spec '{output_spec}'"
            )
    weight_shape: list[Any] = []
    input_axes: list[int] = []
    output_axes: list[int] = []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{dim}' did not have a match in either the input spec '{input_spec}' or the "
                f"output spec '{output_spec}'. For this layer, the weight must be fully specified."
            )
    bias_shape: list[Any] | None = None
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {char: output_shape[i + num_left_elided] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(
                    f"Bias dimension '{char}' was requested, but is not part of the output spec '{output_spec}'"
                )
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [idx_map[char] if char in bias_axes else 1 for char in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    return weight_shape, bias_shape, output_shape, input_axes, output_axes
