"""Keras' advanced activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (Keras 3.15's defaults)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tapejax._src.keras import activations, backend, constraints, initializers, regularizers
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import creation_ops, math_ops, reduction_ops


class ReLU(Layer):
    """Rectified linear unit: ``x`` above ``threshold`` (capped at ``max_value``), ``negative_slope *
    (x - threshold)`` below it.

    Args:
      max_value: the largest output (None: no cap); must be >= 0.
      negative_slope: the slope below the threshold; must be >= 0.
      threshold: the threshold; must be >= 0.

    Raises:
      ValueError: for a negative argument (Keras' messages).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.ReLU(max_value=1.0)(tf.constant([-1.0, 0.5, 2.0])))
    tf.Tensor([0.  0.5 1. ], shape=(3,), dtype=float32)
    """

    def __init__(
        self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be None or a negative value. Received: negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be None or a negative value. Received: threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.relu(
            inputs, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(Layer):
    """Leaky ReLU: ``x`` for ``x >= 0``, ``negative_slope * x`` below.

    Args:
      negative_slope: the slope below 0 (default 0.3, Keras 3's); ``alpha`` is its deprecated name.

    Raises:
      ValueError: if ``negative_slope`` is None or negative (Keras' message).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.LeakyReLU()(tf.constant([-10.0, 5.0])))
    tf.Tensor([-3.  5.], shape=(2,), dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. "
                f"Received: negative_slope={negative_slope}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha * x`` below, with ``alpha`` a learned weight of the
    input's shape without the batch axis (size 1 along ``shared_axes``).

    Args:
      alpha_initializer: default ``"Zeros"``.
      alpha_regularizer, alpha_constraint: for the ``alpha`` weight.
      shared_axes: the (1-based, batch excluded) axes sharing one alpha, e.g. ``[1, 2]`` for one alpha
        per channel of ``(batch, height, width, channels)`` images.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.5))
    >>> print(layer(tf.constant([[-2.0, 3.0]])))
    tf.Tensor([[-1.  3.]], shape=(1, 2), dtype=float32)
    """

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape: Any) -> None:
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        self.alpha = self.add_weight(
            shape=param_shape,
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {}
        if self.shared_axes:
            for i in range(1, len(input_shape)):
                if i not in self.shared_axes:
                    axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs: Any) -> Any:
        pos = activations.relu(inputs)
        neg = -self.alpha * activations.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }


class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below.

    Args:
      alpha: the scale of the negative part (default 1.0).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.ELU()(tf.constant([0.0, 2.0])))
    tf.Tensor([0. 2.], shape=(2,), dtype=float32)
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        # Keras' automatic config of ELU: name, then the constructor's arguments, then the base keys.
        config = super().get_config()
        return {"name": config.pop("name"), "alpha": self.alpha, **config}


def _large_negative_number(dtype: Any) -> float:
    return -30000.0 if backend.standardize_dtype(dtype) == "float16" else -1e9


class Softmax(Layer):
    """Softmax over ``axis`` (an int, or a tuple of axes normalized together); with a ``mask``, the
    masked-out entries get probability 0 (a fully masked row is all zeros).

    Args:
      axis: the axis (or axes) to normalize over (default -1).

    Call arguments: ``inputs``; ``mask``: a boolean (or 0/1) mask broadcastable to the inputs.

    Raises:
      ValueError: for a mask that does not broadcast to the inputs (Keras' messages).

    >>> import tapejax as tf
    >>> x = tf.constant([[1.0, 2.0, 1.0]])
    >>> print(tf.keras.layers.Softmax()(x, mask=tf.constant([[True, True, False]])))
    tf.Tensor([[0.26894143 0.7310586  0.        ]], shape=(1, 3), dtype=float32)
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            in_shape, m_shape = tuple(inputs.shape), tuple(mask.shape)
            if len(m_shape) > len(in_shape):
                raise ValueError(
                    "The `mask` must be broadcastable to `inputs` and must not have more dimensions. "
                    f"Received: inputs.shape={in_shape}, mask.shape={m_shape}"
                )
            for m_dim, i_dim in zip(m_shape[::-1], in_shape[::-1], strict=False):
                if m_dim is not None and i_dim is not None and m_dim not in (1, i_dim):
                    raise ValueError(
                        "The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or match the "
                        f"corresponding input dimension. Received: inputs.shape={in_shape}, mask.shape={m_shape}"
                    )
            if mask.dtype.name != "bool":
                mask = math_ops.greater(mask, math_ops.cast(0.5, mask.dtype))
            big_negative = creation_ops.fill(
                in_shape, math_ops.cast(_large_negative_number(inputs.dtype), inputs.dtype)
            )
            inputs = math_ops.where(mask, inputs, big_negative)
        if isinstance(self.axis, (tuple, list)) and len(self.axis) > 1:
            axis = list(self.axis)
            outputs = math_ops.exp(inputs - reduction_ops.reduce_logsumexp(inputs, axis=axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = math_ops.where(mask, outputs, creation_ops.zeros_like(outputs))
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class ThresholdedReLU(Layer):
    """``x`` where ``x > theta``, else 0 (Keras' legacy layer, still in ``tf.keras.layers``).

    Args:
      theta: the threshold (a float >= 0, default 1.0).

    Raises:
      ValueError: if ``theta`` is None or negative (Keras' messages).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.ThresholdedReLU(theta=0.5)(tf.constant([0.2, 0.5, 0.7])))
    tf.Tensor([0.  0.  0.7], shape=(3,), dtype=float32)
    """

    def __init__(self, theta: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None, expecting a float. Received: {theta}")
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}")
        self.supports_masking = True
        # Keras keeps theta as a tensor of the compute dtype (its config shows float32's rounding).
        self.theta = np.asarray(theta, dtype=self.compute_dtype)

    def call(self, inputs: Any) -> Any:
        theta = math_ops.cast(float(self.theta), inputs.dtype)
        return inputs * math_ops.cast(math_ops.greater(inputs, theta), self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "theta": float(self.theta)}
