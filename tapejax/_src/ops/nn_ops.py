"""Neural-network ops (``tf.nn``): activations, softmax, cross-entropies, ``bias_add``, ``moments``, ``dropout``.

Each activation is written so that its JAX derivative is TF's at the kinks: ``relu`` has gradient
0 at 0, ``relu6`` 0 at 0 and at 6, ``leaky_relu`` ``alpha`` at 0; cross-entropies with respect to
the logits are ``softmax - labels``.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src.core import Op, bind
from tapejax._src.ops import array_ops, math_ops, random_ops, utils
from tapejax._src.tensor import Tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# TF's ReluGrad, Relu6Grad and LeakyReluGrad kernels take the input: the derivatives below read it
# (math_ops.reads_input), so a second derivative is zeros, as TF's, not None.
@jax.custom_jvp
def _relu_impl(x: Any) -> Any:
    return jnp.where(x > 0, x, jnp.zeros_like(x)) + utils.nans_of(x)


@_relu_impl.defjvp
def _relu_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    return _relu_impl(x), math_ops.reads_input(jnp.where(x > 0, t, jnp.zeros_like(t)), x)


@jax.custom_jvp
def _relu6_impl(x: Any) -> Any:
    inside = jnp.where(x > 0, x, jnp.zeros_like(x))
    return jnp.where(x < 6, inside, jnp.full_like(x, 6)) + utils.nans_of(x)


@_relu6_impl.defjvp
def _relu6_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    return _relu6_impl(x), math_ops.reads_input(jnp.where((x > 0) & (x < 6), t, jnp.zeros_like(t)), x)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _leaky_relu_core(x: Any, alpha: float) -> Any:
    return jnp.where(x > 0, x, x * jnp.asarray(alpha, x.dtype))


@_leaky_relu_core.defjvp
def _leaky_relu_jvp(alpha: float, primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    return _leaky_relu_core(x, alpha), math_ops.reads_input(jnp.where(x > 0, t, t * jnp.asarray(alpha, t.dtype)), x)


def _leaky_relu_impl(x: Any, *, alpha: float) -> Any:
    return _leaky_relu_core(x, alpha)


# TF's EluGrad and SeluGrad select on the output being < 0: at 0 and at NaN the gradient is the
# linear branch's (1, or the scale), so the selects here test x < 0 as well.
def _elu_impl(x: Any) -> Any:
    return jnp.where(x < 0, jnp.expm1(jnp.where(x < 0, x, jnp.zeros_like(x))), x)


def _selu_impl(x: Any) -> Any:
    negative = jnp.asarray(_SELU_ALPHA, x.dtype) * jnp.expm1(jnp.where(x < 0, x, jnp.zeros_like(x)))
    return jnp.asarray(_SELU_SCALE, x.dtype) * jnp.where(x < 0, negative, x)


def _gelu_impl(x: Any, *, approximate: bool) -> Any:
    if approximate:
        inner = jnp.asarray(0.7978845608028654, x.dtype) * (x + jnp.asarray(0.044715, x.dtype) * x**3)
        return 0.5 * x * (1.0 + jnp.tanh(inner))
    return 0.5 * x * (1.0 + lax.erf(x / jnp.asarray(1.4142135623730951, x.dtype)))


def _softmax_impl(x: Any, *, axis: int) -> Any:
    return jax.nn.softmax(x, axis=axis)


def _log_softmax_impl(x: Any, *, axis: int) -> Any:
    return jax.nn.log_softmax(x, axis=axis)


def _softmax_xent_impl(labels: Any, logits: Any, *, axis: int) -> Any:
    # TF's gradient is softmax - labels for the logits and -log_softmax for the labels, whatever
    # the sum of the labels: the stop_gradient terms make JAX's derivative exactly that.
    lse = jax.nn.logsumexp(logits, axis=axis, keepdims=True)
    const_lse = lax.stop_gradient(lse)
    loss = jnp.sum(labels * (const_lse - logits), axis=axis)
    return loss + jnp.squeeze(lse - const_lse, axis)


def _sparse_softmax_xent_impl(labels: Any, logits: Any) -> Any:
    lse = jax.nn.logsumexp(logits, axis=-1)
    picked = jnp.take_along_axis(logits, labels[..., None].astype(jnp.int32), axis=-1)[..., 0]
    return lse - picked


def _sigmoid_xent_impl(labels: Any, logits: Any) -> Any:
    # TF's formula: max(x, 0) - x * z + log(1 + exp(-|x|)), written with TF's where()s.
    zeros = jnp.zeros_like(logits)
    cond = logits >= zeros
    relu_logits = jnp.where(cond, logits, zeros)
    neg_abs_logits = jnp.where(cond, -logits, logits)
    return relu_logits - logits * labels + jnp.log1p(jnp.exp(neg_abs_logits))


def _l2_loss_impl(t: Any) -> Any:
    return jnp.sum(t * t, dtype=t.dtype) / 2


def _bias_add_impl(value: Any, bias: Any, *, channel_axis: int) -> Any:
    shape = [1] * value.ndim
    shape[channel_axis] = bias.shape[0]
    return value + jnp.reshape(bias, shape)


def _moments_impl(y: Any, *, axes: tuple[int, ...], keepdims: bool) -> Any:
    # TF's formula: the variance uses stop_gradient(mean).
    mean = jnp.mean(y, axis=axes, keepdims=True, dtype=y.dtype)
    variance = jnp.mean(jnp.square(y - lax.stop_gradient(mean)), axis=axes, keepdims=True, dtype=y.dtype)
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean, variance


def _dropout_impl(x: Any, noise: Any, *, rate: float) -> Any:
    # TF: keep where uniform noise >= rate, scale the kept values by 1 / (1 - rate).
    keep = noise >= jnp.asarray(rate, noise.dtype)
    return jnp.where(keep, x * jnp.asarray(1.0 / (1.0 - rate), x.dtype), jnp.zeros_like(x))


_relu = Op("Relu", _relu_impl)
_relu6 = Op("Relu6", _relu6_impl)
_leaky_relu = Op("LeakyRelu", _leaky_relu_impl)
_elu = Op("Elu", _elu_impl)
_selu = Op("Selu", _selu_impl)
_gelu = Op("Gelu", _gelu_impl)
_softplus = Op("Softplus", jax.nn.softplus)
_softmax = Op("Softmax", _softmax_impl)
_log_softmax = Op("LogSoftmax", _log_softmax_impl)
_softmax_xent = Op("SoftmaxCrossEntropyWithLogits", _softmax_xent_impl, same_dtype=True)
_sparse_softmax_xent = Op("SparseSoftmaxCrossEntropyWithLogits", _sparse_softmax_xent_impl)
_sigmoid_xent = Op("SigmoidCrossEntropyWithLogits", _sigmoid_xent_impl, same_dtype=True)
_l2_loss = Op("L2Loss", _l2_loss_impl)
_bias_add = Op("BiasAdd", _bias_add_impl, same_dtype=True)
_moments = Op("Moments", _moments_impl, multiple_results=True)
_dropout = Op("Dropout", _dropout_impl)


def _float_input(op_name: str, x: Any) -> Any:
    x = utils.as_tensor(x, None, op_name)
    if x._v.dtype.kind != "f":
        utils.require_float(op_name, x, complex_ok=False)
    return x


def _real_input(op_name: str, x: Any) -> Any:
    x = utils.as_tensor(x, None, op_name)
    if x._v.dtype.kind not in "fiu":
        utils.require_kind(op_name, x, "fiu", "real numeric")
    return x


def relu(features: Any, name: str | None = None) -> Tensor:
    """``max(features, 0)``; the gradient at 0 is 0, as TF (``tf.nn.relu``).

    >>> import tapejax as tf
    >>> print(tf.nn.relu(tf.constant([-1.0, 0.0, 2.0])))
    tf.Tensor([0. 0. 2.], shape=(3,), dtype=float32)
    """
    return bind(_relu, _real_input("Relu", features))


def relu6(features: Any, name: str | None = None) -> Tensor:
    """``min(max(features, 0), 6)``; the gradient is 0 at 0 and at 6, as TF (``tf.nn.relu6``)."""
    return bind(_relu6, _real_input("Relu6", features))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """``features`` if positive, else ``alpha * features``; gradient ``alpha`` at 0 (``tf.nn.leaky_relu``).

    >>> import tapejax as tf
    >>> print(tf.nn.leaky_relu(tf.constant([-1.0, 2.0])))
    tf.Tensor([-0.2  2. ], shape=(2,), dtype=float32)
    """
    x = _float_input("LeakyRelu", features)
    return bind(_leaky_relu, x, alpha=float(alpha))


def elu(features: Any, name: str | None = None) -> Tensor:
    """``features`` if positive, else ``exp(features) - 1`` (``tf.nn.elu``)."""
    return bind(_elu, _float_input("Elu", features))


def selu(features: Any, name: str | None = None) -> Tensor:
    """Scaled ELU with TF's constants (``tf.nn.selu``)."""
    return bind(_selu, _float_input("Selu", features))


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """Gaussian error linear unit, exact (erf) or the tanh approximation (``tf.nn.gelu``).

    >>> import tapejax as tf
    >>> print(tf.nn.gelu(tf.constant([0.0, 1.0])))
    tf.Tensor([0.        0.8413447], shape=(2,), dtype=float32)
    """
    return bind(_gelu, _float_input("Gelu", features), approximate=bool(approximate))


def softplus(features: Any, name: str | None = None) -> Tensor:
    """``log(exp(features) + 1)``, computed stably (``tf.nn.softplus``, ``tf.math.softplus``)."""
    return bind(_softplus, _float_input("Softplus", features))


def _softmax_axis(op_name: str, x: Any, axis: Any) -> int:
    shape = utils.shape_of(x)
    if not shape:
        raise utils.invalid_argument(f"{op_name}: logits must have rank >= 1, got a scalar.")
    return utils.normalize_axis(op_name, -1 if axis is None else utils.static_int(axis, "axis"), len(shape), shape)


def softmax(logits: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """``exp(logits) / sum(exp(logits), axis)``, along the last axis by default (``tf.nn.softmax``).

    >>> import tapejax as tf
    >>> print(tf.nn.softmax(tf.constant([0.0, 0.0])))
    tf.Tensor([0.5 0.5], shape=(2,), dtype=float32)
    """
    x = _float_input("Softmax", logits)
    return bind(_softmax, x, axis=_softmax_axis("Softmax", x, axis))


def log_softmax(logits: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """``logits - log(sum(exp(logits), axis))`` (``tf.nn.log_softmax``)."""
    x = _float_input("LogSoftmax", logits)
    return bind(_log_softmax, x, axis=_softmax_axis("LogSoftmax", x, axis))


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """Cross-entropy between ``labels`` (a distribution per row) and ``softmax(logits)``.

    ``tf.nn.softmax_cross_entropy_with_logits``; the result drops ``axis``. The gradient with
    respect to ``logits`` is ``softmax(logits) - labels``, as TF.

    Raises:
      InvalidArgumentError: if the shapes do not broadcast or the dtypes differ.

    >>> import tapejax as tf
    >>> print(tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]]))
    tf.Tensor([0.6931472], shape=(1,), dtype=float32)
    """
    x = _float_input("SoftmaxCrossEntropyWithLogits", logits)
    z = utils.as_tensor(labels, x._v.dtype, "SoftmaxCrossEntropyWithLogits")
    utils.check_same_dtype("SoftmaxCrossEntropyWithLogits", [z, x])
    sx, sz = utils.shape_of(x), utils.shape_of(z)
    if utils.broadcast_shapes(sx, sz) is None:
        raise utils.invalid_argument(
            f"SoftmaxCrossEntropyWithLogits: logits and labels must be broadcastable: logits_size={list(sx)} "
            f"labels_size={list(sz)}"
        )
    ax = _softmax_axis("SoftmaxCrossEntropyWithLogits", x, axis)
    return bind(_softmax_xent, z, x, axis=ax - len(sx))


def sparse_softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Tensor:
    """Cross-entropy between integer class ``labels`` and ``softmax(logits)`` over the last axis.

    ``tf.nn.sparse_softmax_cross_entropy_with_logits``: ``labels`` has shape ``logits.shape[:-1]``
    (int32/int64). The gradient with respect to ``logits`` is ``softmax - one_hot(labels)``.

    Raises:
      ValueError: for scalar logits, or labels whose shape is not ``logits.shape[:-1]``.
      InvalidArgumentError: for a label outside ``[0, num_classes)``.

    >>> import tapejax as tf
    >>> print(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1], logits=[[0.0, 0.0]]))
    tf.Tensor([0.6931472], shape=(1,), dtype=float32)
    """
    x = _float_input("SparseSoftmaxCrossEntropyWithLogits", logits)
    z = utils.as_tensor(labels, None, "SparseSoftmaxCrossEntropyWithLogits")
    if z._v.dtype.kind not in "iu":
        utils.require_kind("SparseSoftmaxCrossEntropyWithLogits", z, "iu", "int32 or int64 labels")
    sx, sz = utils.shape_of(x), utils.shape_of(z)
    if not sx:
        raise ValueError(f"Logits cannot be scalars - received shape {sx}.")
    if len(sz) != len(sx) - 1:
        raise ValueError(
            f"Rank mismatch: Rank of labels (received {len(sz)}) should equal rank of logits minus 1 (received {len(sx)})."
        )
    if sz != sx[:-1]:
        # TF's Python wrapper checks the static shapes (a ValueError) before the kernel would.
        raise ValueError(
            f"SparseSoftmaxCrossEntropyWithLogits: `labels.shape` must equal `logits.shape` except for the last "
            f"dimension. Received: labels.shape={sz} and logits.shape={sx} (labels are class indices, one per "
            "row of logits)."
        )
    values = utils.concrete(z)
    if values is not None and values.size:
        bad = np.flatnonzero((values < 0) | (values >= sx[-1]))
        if bad.size:
            raise utils.invalid_argument(
                f"SparseSoftmaxCrossEntropyWithLogits: Received a label value of {int(values.reshape(-1)[bad[0]])} "
                f"which is outside the valid range of [0, {sx[-1]})."
            )
    return bind(_sparse_softmax_xent, z, x)


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Tensor:
    """Element-wise logistic loss ``max(x, 0) - x * z + log(1 + exp(-|x|))`` (``tf.nn.sigmoid_cross_entropy_with_logits``).

    Raises:
      ValueError: if ``labels`` and ``logits`` have different shapes.

    >>> import tapejax as tf
    >>> print(tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[0.0]))
    tf.Tensor([0.6931472], shape=(1,), dtype=float32)
    """
    x = _float_input("SigmoidCrossEntropyWithLogits", logits)
    z = utils.as_tensor(labels, x._v.dtype, "SigmoidCrossEntropyWithLogits")
    utils.check_same_dtype("SigmoidCrossEntropyWithLogits", [z, x])
    if utils.shape_of(x) != utils.shape_of(z):
        raise ValueError(
            f"`logits` and `labels` must have the same shape, received ({utils.shape_of(x)} vs {utils.shape_of(z)})."
        )
    return bind(_sigmoid_xent, z, x)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """``sum(t ** 2) / 2`` as a scalar (``tf.nn.l2_loss``).

    >>> import tapejax as tf
    >>> print(tf.nn.l2_loss(tf.constant([1.0, 2.0])))
    tf.Tensor(2.5, shape=(), dtype=float32)
    """
    return bind(_l2_loss, _float_input("L2Loss", t))


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """Adds the 1-D ``bias`` along the channel axis: last for ``N...C`` (default), 1 for ``NC...`` (``tf.nn.bias_add``).

    Raises:
      InvalidArgumentError: if ``bias`` is not 1-D, ``value`` has rank < 2, or the sizes differ.

    >>> import tapejax as tf
    >>> print(tf.nn.bias_add(tf.zeros([2, 2]), tf.constant([1.0, 2.0])))
    tf.Tensor(
    [[1. 2.]
     [1. 2.]], shape=(2, 2), dtype=float32)
    """
    v, b = utils.as_tensors_like([value, bias], "BiasAdd")
    sv, sb = utils.shape_of(v), utils.shape_of(b)
    if len(sb) != 1:
        raise utils.invalid_argument(f"BiasAdd: Biases must be 1D: {list(sb)}")
    if len(sv) < 2:
        raise utils.invalid_argument(f"BiasAdd: Input tensor must be at least 2D: {list(sv)}")
    if data_format is not None and data_format.startswith("NC"):
        channel_axis = 1
    elif data_format is None or (data_format.startswith("N") and data_format.endswith("C")):
        channel_axis = len(sv) - 1
    else:
        raise ValueError(f"bias_add: data_format must be of the form `N...C` or `NC...`, got {data_format!r}.")
    if sv[channel_axis] != sb[0]:
        raise utils.invalid_argument(
            f"BiasAdd: Must provide as many biases as the channel dimension of the input tensor: {list(sb)} vs. {list(sv)}"
        )
    return bind(_bias_add, v, b, channel_axis=channel_axis)


def moments(
    x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: str | None = None
) -> tuple[Tensor, Tensor]:
    """Mean and (population) variance of ``x`` over ``axes`` (``tf.nn.moments``).

    float16 input is computed in float32 and cast back, as TF.

    >>> import tapejax as tf
    >>> mean, variance = tf.nn.moments(tf.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> print(mean)
    tf.Tensor(2.5, shape=(), dtype=float32)
    >>> print(variance)
    tf.Tensor(1.25, shape=(), dtype=float32)
    """
    t = _float_input("Moments", x)
    axes_ = utils.reduction_axes("Moments", axes, utils.shape_of(t))
    if axes_ is None:
        axes_ = tuple(range(len(utils.shape_of(t))))
    if t._v.dtype == np.float16:
        mean, variance = bind(_moments, math_ops.cast(t, np.float32), axes=axes_, keepdims=bool(keepdims))
        return math_ops.cast(mean, np.float16), math_ops.cast(variance, np.float16)
    mean, variance = bind(_moments, t, axes=axes_, keepdims=bool(keepdims))
    return mean, variance


def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: int | None = None, name: str | None = None) -> Tensor:
    """Zeroes each element with probability ``rate`` and scales the rest by ``1 / (1 - rate)`` (``tf.nn.dropout``).

    The mask is drawn from tapejax's global random state (see ``tf.random.set_seed``);
    ``noise_shape`` broadcasts one mask across dimensions (``None`` entries take ``x``'s size).

    Raises:
      ValueError: if ``rate`` is not in ``[0, 1)`` or ``x`` is not floating.

    >>> import tapejax as tf
    >>> print(tf.nn.dropout(tf.ones([3]), rate=0.0))
    tf.Tensor([1. 1. 1.], shape=(3,), dtype=float32)
    """
    if utils.is_tensor(rate):
        value = utils.concrete(rate)
        if value is None or value.ndim != 0:
            raise TypeError("dropout: tapejax needs `rate` as a Python float or a concrete scalar tensor.")
        rate = float(value)
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= float(rate) < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}")
    t = utils.as_tensor(x, None, "Dropout")
    if t._v.dtype.kind != "f":
        raise ValueError(
            f"`x.dtype` must be a floating point tensor as `x` will be scaled. Received: x_dtype={t.dtype!r}"
        )
    if rate == 0:
        return t if isinstance(t, Tensor) else array_ops.identity(t)
    rate = float(rate)
    shape = utils.shape_of(t)
    if noise_shape is None:
        mask_shape = shape
    else:
        dims = list(noise_shape.as_list() if hasattr(noise_shape, "as_list") else noise_shape)
        if len(dims) != len(shape):
            raise ValueError(f"dropout: noise_shape {dims} must have the rank of x's shape {shape}.")
        mask_shape = tuple(
            s if d is None else utils.static_int(d, "noise_shape") for d, s in zip(dims, shape, strict=True)
        )
        try:
            np.broadcast_shapes(mask_shape, shape)
        except ValueError:
            raise ValueError(
                f"dropout: noise_shape {list(mask_shape)} does not broadcast to x's shape {shape}."
            ) from None
    noise = random_ops.uniform(mask_shape, dtype=t._v.dtype, seed=seed)
    return bind(_dropout, t, noise, rate=float(rate))
