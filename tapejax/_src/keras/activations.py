"""``tf.keras.activations``: Keras 3.15's activation functions on tapejax ops, and ``get``.

Each function is the composition of tf ops that Keras' TensorFlow backend uses
(``keras/src/backend/tensorflow/nn.py``), so values and tape gradients are TF's: ``relu`` is
``tf.nn.relu``, ``hard_sigmoid`` is ``relu6(x + 3) / 6``, ``celu`` is ``max(x, 0) +
alpha * expm1(min(x, 0) / alpha)``, and so on.

As in Keras, the outputs of ``softmax`` and ``sigmoid`` carry their input as ``_keras_logits``
(Keras' cross-entropies compute from those logits when they find them), and a KerasTensor input
(``tf.keras.Input``) gives a KerasTensor: the call is recorded as a node of a functional model.

Differences from Keras: functions that Keras' TF backend applies to a Python list without converting it first
(``soft_shrink``, ``hard_shrink``, ``sparse_plus``, ``threshold``, ``tanh_shrink``, ``hard_tanh``,
``glu``) convert it here instead of failing; ``hard_silu``, ``mish`` and ``sparsemax`` accept
KerasTensors too (Keras 3.15's raise). The functional-model node of an activation is a private
layer (Keras': an ``Operation``), so a model config holding one does not load in Keras.
"""

from __future__ import annotations

import builtins
import functools
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from tapejax._src.keras import backend, object_config
from tapejax._src.keras.keras_tensor import KerasTensor
from tapejax._src.ops import (
    array_ops,
    clip_ops,
    creation_ops,
    index_ops,
    math_ops,
    nn_ops,
    reduction_ops,
    shape_ops,
)
from tapejax._src.tensor import Tensor

_MODULE = "keras.activations"


def _tensor(x: Any) -> Tensor:
    return array_ops.convert_to_tensor(x)


def _scalar(value: Any, like: Tensor) -> Tensor:
    return math_ops.cast(value, like.dtype)


_ACTIVATION_CALL: Any = None


def _activation_call_class() -> Any:
    """The layer recording an activation applied to a KerasTensor (Keras' ``ops.Operation`` node)."""
    global _ACTIVATION_CALL
    if _ACTIVATION_CALL is None:
        from tapejax._src.keras.layers.layer import Layer

        class ActivationCall(Layer):
            """One activation function with its arguments, as a node of a functional model."""

            def __init__(self, activation: str, arguments: dict[str, Any] | None = None, **kwargs: Any) -> None:
                kwargs.setdefault("autocast", False)
                super().__init__(**kwargs)
                self.activation = activation
                self.arguments = dict(arguments or {})

            def call(self, x: Any) -> Any:
                return ALL_OBJECTS_DICT[self.activation](x, **self.arguments)

            def get_config(self) -> dict[str, Any]:
                return {**super().get_config(), "activation": self.activation, "arguments": self.arguments}

        _ACTIVATION_CALL = ActivationCall
    return _ACTIVATION_CALL


def _accepts_keras_tensors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Lets ``fn`` take a KerasTensor (``tf.keras.Input``): the call is recorded as a functional-model node."""

    @functools.wraps(fn)
    def wrapper(x: Any, *args: Any, **kwargs: Any) -> Any:
        if type(x) is KerasTensor:
            arguments = dict(zip(list(fn.__code__.co_varnames[1 : fn.__code__.co_argcount]), args, strict=False))
            uid = backend.get_uid(fn.__name__)
            name = fn.__name__ if uid == 1 else f"{fn.__name__}_{uid - 1}"
            return _activation_call_class()(fn.__name__, {**arguments, **kwargs}, name=name)(x)
        return fn(x, *args, **kwargs)

    return wrapper


@_accepts_keras_tensors
def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Tensor:
    """Rectified linear unit: ``max(x, 0)`` by default.

    Args:
      x: input tensor.
      negative_slope: slope below ``threshold``.
      max_value: the largest value returned (saturation), or None.
      threshold: values at or below it are damped (``negative_slope``) or zeroed.

    >>> import tapejax as tf
    >>> x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    >>> print(tf.keras.activations.relu(x, negative_slope=0.5))
    tf.Tensor([-5.  -2.5  0.   5.  10. ], shape=(5,), dtype=float32)
    >>> print(tf.keras.activations.relu(x, max_value=5.0))
    tf.Tensor([0. 0. 0. 5. 5.], shape=(5,), dtype=float32)
    """
    if type(x) is Tensor and negative_slope == 0.0 and max_value is None and threshold == 0:
        return nn_ops.relu(x)  # (the defaults: what the steps below come to, without their checks)
    x = _tensor(x)
    # Keras' ReLU.static_call, op for op.
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return nn_ops.leaky_relu(x, alpha=negative_slope)
        negative_part: Any = nn_ops.relu(-x + threshold) if threshold != 0 else nn_ops.relu(-x)
    else:
        negative_part = 1
    clip_max = max_value is not None
    if threshold != 0:
        x = math_ops.where(x > _scalar(threshold, x), x, creation_ops.zeros_like(x))
    elif max_value == 6:
        x = nn_ops.relu6(x)
        clip_max = False
    else:
        x = nn_ops.relu(x)
    if clip_max:
        x = clip_ops.clip_by_value(x, _scalar(0.0, x), _scalar(max_value, x))
    if negative_slope != 0.0:
        x = x - negative_slope * negative_part
    return x


@_accepts_keras_tensors
def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """Leaky ReLU: ``x`` if positive, else ``negative_slope * x``."""
    return nn_ops.leaky_relu(x, alpha=negative_slope)


@_accepts_keras_tensors
def relu6(x: Any) -> Tensor:
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return nn_ops.relu6(x)


def _axes_last(fn: Callable[..., Tensor], x: Tensor, axis: Any) -> Tensor:
    """Keras' ``ops.softmax`` for a tuple of axes (or None: all of them): moved last, flattened."""
    rank = len(x.shape)
    if axis is None:
        return array_ops.reshape(fn(array_ops.reshape(x, [-1]), axis=-1), shape_ops.shape(x))
    axes = [a % rank for a in axis]
    keep = [v for v in builtins.range(rank) if v not in axes]
    xt = shape_ops.transpose(x, perm=[*keep, *axes])
    y = fn(array_ops.reshape(xt, [*(x.shape[v] for v in keep), -1]), axis=-1)
    y = array_ops.reshape(y, shape_ops.shape(xt))
    combined = [*keep, *axes]
    return shape_ops.transpose(y, perm=sorted(builtins.range(rank), key=combined.__getitem__))


@_accepts_keras_tensors
def softmax(x: Any, axis: Any = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple of ints, or None: all axes); keeps ``x`` as ``_keras_logits``.

    Warns (``UserWarning``, as Keras) when ``axis`` has size 1, where the result is always 1.

    >>> import tapejax as tf
    >>> print(tf.keras.activations.softmax(tf.constant([[0.0, 0.0], [1.0, 1.0]]), axis=None))
    tf.Tensor(
    [[0.13447072 0.13447072]
     [0.3655293  0.3655293 ]], shape=(2, 2), dtype=float32)
    """
    x = _tensor(x)
    rank = len(x.shape)
    if isinstance(axis, int) and -rank <= axis < rank and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {x.shape}. This axis has size 1. The "
            "softmax operation will always return the value 1, which is likely not what you intended. Did you mean "
            "to use a sigmoid instead?",
            stacklevel=2,
        )
    if axis is None or isinstance(axis, tuple):
        output = _axes_last(nn_ops.softmax, x, axis)
    else:
        output = nn_ops.softmax(x, axis=axis)
    output._keras_logits = x  # (Keras' cross-entropies read the logits back)
    return output


@_accepts_keras_tensors
def log_softmax(x: Any, axis: Any = -1) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``axis`` (an int, a tuple of ints, or None: all axes)."""
    x = _tensor(x)
    if axis is None or isinstance(axis, tuple):
        return _axes_last(nn_ops.log_softmax, x, axis)
    return nn_ops.log_softmax(x, axis=axis)


@_accepts_keras_tensors
def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` if ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    res = nn_ops.elu(x)
    if alpha == 1:
        return res
    x = _tensor(x)
    return math_ops.where(x > 0, res, alpha * res)


@_accepts_keras_tensors
def selu(x: Any) -> Tensor:
    """Scaled exponential linear unit (``alpha=1.67326324``, ``scale=1.05070098``)."""
    return nn_ops.selu(x)


@_accepts_keras_tensors
def softplus(x: Any) -> Tensor:
    """``log(exp(x) + 1)``."""
    return nn_ops.softplus(x)


@_accepts_keras_tensors
def softsign(x: Any) -> Tensor:
    """``x / (abs(x) + 1)``."""
    return math_ops.softsign(x)


@_accepts_keras_tensors
def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = _tensor(x)
    zeros = creation_ops.zeros_like(x)
    return math_ops.where(x > threshold, x - threshold, math_ops.where(x < -threshold, x + threshold, zeros))


@_accepts_keras_tensors
def sparse_plus(x: Any) -> Tensor:
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``."""
    x = _tensor(x)
    return math_ops.where(
        x <= -1, creation_ops.zeros_like(x), math_ops.where(x < 1, (1 / 4) * math_ops.pow(x + 1, 2), x)
    )


@_accepts_keras_tensors
def silu(x: Any) -> Tensor:
    """Swish (SiLU): ``x * sigmoid(x)``; also ``swish``.

    >>> import tapejax as tf
    >>> print(tf.keras.activations.get("swish")(tf.constant([0.0, 1.0])))
    tf.Tensor([0.        0.7310586], shape=(2,), dtype=float32)
    """
    return nn_ops.silu(x)


@_accepts_keras_tensors
def squareplus(x: Any, b: float = 4) -> Tensor:
    """``(x + sqrt(x**2 + b)) / 2``; ``b`` is the smoothness."""
    x = _tensor(x)
    return (x + math_ops.sqrt(math_ops.square(x) + _scalar(b, x))) / 2


@_accepts_keras_tensors
def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit ``x * P(X <= x)``, exact (erf) or the tanh approximation."""
    return nn_ops.gelu(x, approximate=approximate)


@_accepts_keras_tensors
def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """Continuously differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    x = _tensor(x)
    return math_ops.maximum(x, 0.0) + alpha * math_ops.expm1(math_ops.minimum(x, 0.0) / alpha)


@_accepts_keras_tensors
def glu(x: Any, axis: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` with ``x`` split in halves ``a, b`` along ``axis``.

    Raises:
      ValueError: if the size of ``axis`` is odd (Keras' message).
    """
    x = _tensor(x)
    if x.shape[axis] % 2 != 0:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={x.shape} with axis={axis}")
    x1, x2 = shape_ops.split(x, num_or_size_splits=2, axis=axis)
    return x1 * math_ops.sigmoid(x2)


@_accepts_keras_tensors
def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent."""
    return math_ops.tanh(x)


@_accepts_keras_tensors
def tanh_shrink(x: Any) -> Tensor:
    """``x - tanh(x)``."""
    x = _tensor(x)
    return x - math_ops.tanh(x)


@_accepts_keras_tensors
def hard_tanh(x: Any) -> Tensor:
    """``x`` clipped to ``[-1, 1]``."""
    return clip_ops.clip_by_value(_tensor(x), -1.0, 1.0)


@_accepts_keras_tensors
def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """``x`` where ``|x| > threshold``, else 0."""
    x = _tensor(x)
    return math_ops.where(math_ops.abs(x) > threshold, x, creation_ops.zeros_like(x))


@_accepts_keras_tensors
def threshold(x: Any, threshold: float, default_value: float) -> Tensor:
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = _tensor(x)
    return math_ops.where(x > threshold, x, default_value)


@_accepts_keras_tensors
def sigmoid(x: Any) -> Tensor:
    """``1 / (1 + exp(-x))``; the output keeps ``x`` as ``_keras_logits``, as Keras' does."""
    x = _tensor(x)
    output = math_ops.sigmoid(x)
    output._keras_logits = x
    return output


@_accepts_keras_tensors
def exponential(x: Any) -> Tensor:
    """``exp(x)``; integer and bool inputs are cast to ``floatx()`` (float32 by default) first."""
    x = _tensor(x)
    if x.dtype.is_integer or x.dtype.is_bool:
        x = math_ops.cast(x, backend.floatx())
    return math_ops.exp(x)


@_accepts_keras_tensors
def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    x = _tensor(x)
    return nn_ops.relu6(x + _scalar(3.0, x)) / _scalar(6.0, x)


@_accepts_keras_tensors
def log_sigmoid(x: Any) -> Tensor:
    """``log(sigmoid(x))``, computed stably."""
    return math_ops.log_sigmoid(x)


@_accepts_keras_tensors
def sparse_sigmoid(x: Any) -> Tensor:
    """0 for ``x <= -1``, ``(x + 1) / 2`` for ``-1 < x < 1``, 1 for ``x >= 1``."""
    x = _tensor(x)
    return math_ops.where(x <= -1, _scalar(0.0, x), math_ops.where(x >= 1, _scalar(1.0, x), 0.5 * (x + 1)))


@_accepts_keras_tensors
def hard_silu(x: Any) -> Tensor:
    """Hard SiLU (hard swish): ``x * hard_sigmoid(x)``; also ``hard_swish``."""
    x = _tensor(x)
    return x * hard_sigmoid(x)


def linear(x: Any) -> Any:
    """The identity: returns ``x`` unchanged (the activation of ``None``)."""
    return x


@_accepts_keras_tensors
def mish(x: Any) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = _tensor(x)
    return x * math_ops.tanh(nn_ops.softplus(x))


@_accepts_keras_tensors
def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """Sparsemax along ``axis``: ``max(x - tau, 0)``, Keras 3.15's formula.

    Differences from the paper (Martins et al., 2016), kept as Keras has them (every backend):
    ``tau`` is ``(sum of the cumulative sums over the support - 1) / k``, not ``(cumsum_k - 1) / k``.
    The two agree when the support has one element; otherwise Keras' rows do not sum to 1
    (``sparsemax([1.0, 0.5, -1.0])`` is ``[0.25, 0, 0]`` in Keras and here).
    """
    logits = _tensor(x)
    logits_sorted = index_ops.sort(logits, direction="DESCENDING", axis=axis)
    logits_cumsum = reduction_ops.cumsum(logits_sorted, axis=axis)
    r = creation_ops.range(1, logits.shape[axis] + 1, dtype=logits.dtype)
    r_shape = [1] * len(logits.shape)
    r_shape[axis] = -1
    r = array_ops.reshape(r, r_shape)
    support = logits_sorted - (logits_cumsum - 1) / r > 0
    logits_cumsum_safe = math_ops.where(support, logits_cumsum, 0.0)
    k = reduction_ops.reduce_sum(math_ops.cast(support, logits.dtype), axis=axis, keepdims=True)
    tau = (reduction_ops.reduce_sum(logits_cumsum_safe, axis=axis, keepdims=True) - 1) / k
    return math_ops.maximum(logits - tau, 0.0)


_ALL = (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus, soft_shrink,
    sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid, sparse_sigmoid, exponential,
    hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear, mish, log_softmax, log_sigmoid, sparsemax,
)  # fmt: skip
ALL_OBJECTS_DICT: dict[str, Callable[..., Any]] = {fn.__name__: fn for fn in _ALL}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
object_config.register_public(_MODULE, *_ALL)


def serialize(activation: Any) -> Any:
    """The activation's config: its name for Keras' own functions (``"relu"``), else a config dict.

    Raises:
      ValueError: for an object whose config has no ``"config"`` entry (Keras' message).
      TypeError: for a callable object without ``get_config``.

    >>> import tapejax as tf
    >>> tf.keras.activations.serialize(tf.keras.activations.swish)
    'silu'
    """
    fn_config = object_config.serialize_object(activation)
    if "config" not in fn_config:  # (None: TypeError, as Keras)
        raise ValueError(
            f"Unknown activation function '{activation}' cannot be serialized due to invalid function name. Make sure "
            "to use an activation name that matches the references defined in activations.py or use "
            "`@keras.saving.register_keras_serializable()`to register any custom activations. "
            f"config={fn_config}"
        )
    if not isinstance(activation, types.FunctionType):
        return fn_config
    if fn_config["module"] != _MODULE:
        fn_config["config"] = activation.__name__
        return fn_config
    return fn_config["config"]


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The activation function a name or config dict names (an unknown name comes back unchanged, as Keras)."""
    return object_config.deserialize_object(config, ALL_OBJECTS_DICT, custom_objects)


def get(identifier: Any) -> Callable[..., Any]:
    """The activation function for ``identifier``: None (``linear``), a name, a config dict or a callable.

    Raises:
      ValueError: if ``identifier`` names no activation (Keras' message).

    >>> import tapejax as tf
    >>> tf.keras.activations.get("relu") is tf.keras.activations.relu
    True
    >>> tf.keras.activations.get(None).__name__
    'linear'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")
