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
from jax.custom_derivatives import SymbolicZero

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import array_ops, math_ops, random_ops, reduction_ops, utils
from tapejax._src.tensor import Tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# TF's ReluGrad and Relu6Grad kernels take the output, LeakyReluGrad the input: the derivatives below
# read them (math_ops.reads_output / reads_input), so a second derivative is zeros, as TF's, not None,
# and relu's stays zeros at every order (TF's zeros for the output flow on through relu).
@jax.custom_jvp
def _relu_impl(x: Any) -> Any:
    return jnp.where((x >= 0) | (x != x), x, jnp.zeros_like(x))  # (NaN stays NaN, relu(-0.0) is -0.0: TF's)


@_relu_impl.defjvp
def _relu_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    y = _relu_impl(x)
    return y, math_ops.reads_output(jnp.where(y > 0, t, jnp.zeros_like(t)), y)


@jax.custom_jvp
def _relu6_impl(x: Any) -> Any:
    inside = jnp.where((x >= 0) | (x != x), x, jnp.zeros_like(x))
    return jnp.where((x < 6) | (x != x), inside, jnp.full_like(x, 6))


@_relu6_impl.defjvp
def _relu6_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    y = _relu6_impl(x)
    return y, math_ops.reads_output(jnp.where((y > 0) & (y < 6), t, jnp.zeros_like(t)), y)


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
        # TF's coefficients: math_ops.cast(0.044715, dtype) goes through float32 (a float64 input
        # sees float32(0.044715)); the Python float 0.7978845608028654 converts directly
        inner = jnp.asarray(0.7978845608028654, x.dtype) * (x + jnp.asarray(np.float32(0.044715), x.dtype) * x**3)
        return 0.5 * x * (1.0 + jnp.tanh(inner))
    # TF's 0.5 * x * erfc(-x * 0.7071...): exact in the negative tail, where 1 + erf(x / sqrt(2))
    # cancels (gelu(-8.0) is 6.2e-16 in TF, 0.0 in float32 by the cancelling form)
    return 0.5 * x * lax.erfc(-x * jnp.asarray(np.float32(0.7071067811865476), x.dtype))  # (cast via float32)


def _softmax_impl(x: Any, *, axis: int) -> Any:
    return jax.nn.softmax(x, axis=axis)


def _log_softmax_impl(x: Any, *, axis: int) -> Any:
    return jax.nn.log_softmax(x, axis=axis)


def _xent_parts(labels: Any, logits: Any, axis: int) -> tuple[Any, Any, Any]:
    """TF's SoftmaxCrossEntropyWithLogits kernel (xent_op.h): the loss, its ``backprop`` output
    ``softmax - labels`` and ``log_softmax(logits)``, all from ``logits - max(logits)``. So a row
    with an inf or NaN logit (or only -inf ones) is NaN throughout, as TF's, where a stable
    logsumexp would give finite entries."""
    # (no classes: a loss of 0 per row, as TF; a max needs one element)
    shifted = logits - jnp.max(logits, axis=axis, keepdims=True) if logits.shape[axis] else logits
    exp = jnp.exp(shifted)
    sum_exp = jnp.sum(exp, axis=axis, keepdims=True)
    log_sum = jnp.log(sum_exp)
    loss = jnp.sum(labels * (log_sum - shifted), axis=axis)
    return loss, exp / sum_exp - labels, shifted - log_sum


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def _softmax_xent_core(labels: Any, logits: Any, axis: int) -> Any:
    return _xent_parts(labels, logits, axis)[0]


def _softmax_xent_jvp(axis: int, primals: Any, tangents: Any) -> Any:
    # TF's gradient: grad * backprop for the logits, grad * -log_softmax(logits) for the labels,
    # whatever the labels sum to. A labels tangent that is a symbolic zero (labels not
    # differentiated) adds nothing, so a non-finite log_softmax does not reach the logits' gradient.
    labels, logits = primals
    d_labels, d_logits = tangents
    loss, backprop, log_softmax = _xent_parts(labels, logits, axis)
    out = jnp.zeros_like(loss)
    if type(d_logits) is not SymbolicZero:
        out = out + jnp.sum(backprop * d_logits, axis=axis)
    if type(d_labels) is not SymbolicZero:
        out = out - jnp.sum(log_softmax * d_labels, axis=axis)
    return loss, out


_softmax_xent_core.defjvp(_softmax_xent_jvp, symbolic_zeros=True)


def _softmax_xent_impl(labels: Any, logits: Any, *, axis: int) -> Any:
    return _softmax_xent_core(labels, logits, axis)


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
    # TF's formula: the variance uses stop_gradient(mean); its SquaredDifference of complex values
    # is d * conj(d); integer means truncate (reduce_mean's kernel).
    if y.dtype.kind in "iu":
        mean = reduction_ops._mean_impl(y, axis=axes, keepdims=True)
        variance = reduction_ops._mean_impl(jnp.square(y - mean), axis=axes, keepdims=True)
    else:
        mean = jnp.mean(y, axis=axes, keepdims=True, dtype=y.dtype)
        d = y - lax.stop_gradient(mean)
        variance = jnp.mean(
            d * jnp.conj(d) if y.dtype.kind == "c" else jnp.square(d), axis=axes, keepdims=True, dtype=y.dtype
        )
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
    # TF's alpha is a float32 attribute: a float64 input is scaled by float32(alpha), as there.
    return bind(_leaky_relu, x, alpha=float(np.float32(alpha)))


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

    float16 input is computed in float32 and cast back, as TF. int32/int64 input gives truncated
    integer moments and complex input a complex variance ``mean(d * conj(d))``, as TF.

    >>> import tapejax as tf
    >>> mean, variance = tf.nn.moments(tf.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> print(mean)
    tf.Tensor(2.5, shape=(), dtype=float32)
    >>> print(variance)
    tf.Tensor(1.25, shape=(), dtype=float32)
    """
    t = utils.as_tensor(x, None, "Moments")
    if t._v.dtype.kind not in "fc" and t._v.dtype not in (np.int32, np.int64):
        utils.require_kind("Moments", t, "fc", "floating, complex, int32 or int64")  # TF's SquaredDifference types
    axes_ = utils.reduction_axes("Moments", axes, utils.shape_of(t))
    if axes_ is None:
        axes_ = tuple(range(len(utils.shape_of(t))))
    if t._v.dtype == np.float16:
        mean, variance = bind(_moments, math_ops.cast(t, np.float32), axes=axes_, keepdims=bool(keepdims))
        return math_ops.cast(mean, np.float16), math_ops.cast(variance, np.float16)
    mean, variance = bind(_moments, t, axes=axes_, keepdims=bool(keepdims))
    return mean, variance


def _dropout_args(x: Any, rate: Any, noise_shape: Any) -> tuple[Tensor, float, tuple[int, ...]]:
    """``dropout``'s checked input, rate and mask shape (shared by the stateful and stateless forms)."""
    if utils.is_tensor(rate):
        value = utils.concrete(rate)
        if value is None or value.ndim != 0:
            raise TypeError("dropout: tapejax needs `rate` as a Python float or a concrete scalar tensor.")
        rate = float(value)
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= float(rate) < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}")
    t = utils.as_tensor(x, None, "Dropout")
    if dtypes_lib.np_kind(t._v.dtype) != "f":
        raise ValueError(
            f"`x.dtype` must be a floating point tensor as `x` will be scaled. Received: x_dtype={t.dtype!r}"
        )
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
    return t, float(rate), mask_shape


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
    t, rate, mask_shape = _dropout_args(x, rate, noise_shape)
    if rate == 0:
        return t if isinstance(t, Tensor) else array_ops.identity(t)
    noise = random_ops.uniform(mask_shape, dtype=t._v.dtype, seed=seed)
    return bind(_dropout, t, noise, rate=rate)


def stateless_dropout(
    x: Any, rate: Any, seed: Any, rng_alg: Any = None, noise_shape: Any = None, name: str | None = None
) -> Tensor:
    """:func:`dropout` with the mask determined by ``seed``, a shape-``[2]`` int tensor
    (``tf.nn.experimental.stateless_dropout``): the same seed drops the same elements.

    Raises:
      ValueError: as :func:`dropout`; InvalidArgumentError: for a bad seed.

    >>> import tapejax as tf
    >>> from tapejax._src.ops.nn_ops import stateless_dropout
    >>> a = stateless_dropout(tf.ones([4]), 0.5, seed=[1, 2])
    >>> bool(tf.reduce_all(a == stateless_dropout(tf.ones([4]), 0.5, seed=[1, 2])))
    True

    Differences from TensorFlow: the masks differ from TF's (JAX's generator); ``rng_alg`` is ignored.
    """
    from tapejax._src.ops import stateless_random_ops

    t, rate, mask_shape = _dropout_args(x, rate, noise_shape)
    if rate == 0:
        return t if isinstance(t, Tensor) else array_ops.identity(t)
    noise = stateless_random_ops.stateless_uniform(mask_shape, seed=seed, dtype=t._v.dtype)
    return bind(_dropout, t, noise, rate=rate)


# -- more of tf.nn: swish, crelu, normalization, LRN, embeddings, more losses, depth <-> space -------
def _swish_impl(x: Any, beta: Any) -> Any:
    return x * jax.nn.sigmoid(beta * x)


def _lrn_impl(x: Any, *, depth_radius: int, bias: float, alpha: float, beta: float) -> Any:
    window = (1, 1, 1, 2 * depth_radius + 1)
    pads = ((0, 0), (0, 0), (0, 0), (depth_radius, depth_radius))
    sqr_sum = lax.reduce_window(x * x, np.array(0, x.dtype), lax.add, window, (1, 1, 1, 1), pads)
    return x / (jnp.asarray(bias, x.dtype) + jnp.asarray(alpha, x.dtype) * sqr_sum) ** jnp.asarray(beta, x.dtype)


def _depth_to_space_impl(x: Any, *, block_size: int, channels_first: bool) -> Any:
    if channels_first:
        x = jnp.transpose(x, (0, 2, 3, 1))
    n, h, w, c = x.shape
    b = block_size
    y = jnp.reshape(
        jnp.transpose(jnp.reshape(x, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5)), (n, h * b, w * b, -1)
    )
    return jnp.transpose(y, (0, 3, 1, 2)) if channels_first else y


def _space_to_depth_impl(x: Any, *, block_size: int, channels_first: bool) -> Any:
    if channels_first:
        x = jnp.transpose(x, (0, 2, 3, 1))
    n, h, w, c = x.shape
    b = block_size
    y = jnp.reshape(
        jnp.transpose(jnp.reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5)), (n, h // b, w // b, -1)
    )
    return jnp.transpose(y, (0, 3, 1, 2)) if channels_first else y


_swish = Op("Swish", _swish_impl, same_dtype=True)
_lrn = Op("LRN", _lrn_impl)
_depth_to_space = Op("DepthToSpace", _depth_to_space_impl)
_space_to_depth = Op("SpaceToDepth", _space_to_depth_impl)


def silu(features: Any, beta: Any = 1.0, name: str | None = None) -> Tensor:
    """``features * sigmoid(beta * features)`` (``tf.nn.silu``, ``tf.nn.swish``); ``beta`` gets a gradient too.

    >>> import tapejax as tf
    >>> print(tf.nn.silu(tf.constant([0.0, 1.0])))
    tf.Tensor([0.        0.7310586], shape=(2,), dtype=float32)
    """
    x = utils.as_tensor(features, None, "Swish")
    utils.require_float("Sigmoid", x)
    b = math_ops.cast(utils.as_tensor(beta, None, "Swish"), x._v.dtype)
    return bind(_swish, x, b)


swish = silu


def crelu(features: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """``concat([relu(features), relu(-features)], axis)`` (``tf.nn.crelu``): twice the size along ``axis``."""
    from tapejax._src.ops import shape_ops

    x = _real_input("Relu", features)
    return shape_ops.concat([relu(x), relu(math_ops.negative(x))], axis)


def batch_normalization(
    x: Any, mean: Any, variance: Any, offset: Any, scale: Any, variance_epsilon: Any, name: str | None = None
) -> Tensor:
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset`` (``tf.nn.batch_normalization``).

    ``mean``, ``variance``, ``offset`` and ``scale`` broadcast against ``x``; ``offset`` and ``scale``
    may be None. TF's formula: ``x * inv + (offset - mean * inv)`` with ``inv = scale * rsqrt(variance +
    variance_epsilon)`` cast to ``x``'s dtype.

    >>> import tapejax as tf
    >>> print(tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0))
    tf.Tensor([-1.  1.], shape=(2,), dtype=float32)
    """
    t = utils.as_tensor(x, None, "batchnorm")
    dtype = t._v.dtype
    mean_t = utils.as_tensor(mean, dtype, "batchnorm")
    inv = math_ops.rsqrt(math_ops.add(utils.as_tensor(variance, dtype, "batchnorm"), variance_epsilon))
    if scale is not None:
        inv = math_ops.multiply(inv, utils.as_tensor(scale, inv._v.dtype, "batchnorm"))
    shift = math_ops.negative(math_ops.multiply(math_ops.cast(mean_t, inv._v.dtype), inv))
    if offset is not None:
        shift = math_ops.add(math_ops.cast(utils.as_tensor(offset, inv._v.dtype, "batchnorm"), inv._v.dtype), shift)
    return math_ops.add(math_ops.multiply(t, math_ops.cast(inv, dtype)), math_ops.cast(shift, dtype))


def normalize_moments(
    counts: Any, mean_ss: Any, variance_ss: Any, shift: Any, name: str | None = None
) -> tuple[Tensor, Tensor]:
    """Mean and variance from ``sufficient_statistics``' sums (``tf.nn.normalize_moments``).

    Returns:
      ``(mean, variance)``: ``mean_ss / counts (+ shift)`` and ``variance_ss / counts - (mean_ss / counts)**2``.
    """
    divisor = math_ops.reciprocal(counts)
    shifted_mean = math_ops.multiply(mean_ss, divisor)
    mean = shifted_mean if shift is None else math_ops.add(shifted_mean, shift)
    variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor), math_ops.square(shifted_mean))
    return mean, variance


def sufficient_statistics(
    x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: str | None = None
) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """The count, sum and sum of squares of ``x`` (less ``shift``) over ``axes`` (``tf.nn.sufficient_statistics``).

    Returns:
      ``(count, mean_ss, variance_ss, shift)``: ``count`` a scalar of ``x``'s dtype, ``shift`` as a
      tensor (None if None).

    >>> import tapejax as tf
    >>> count, s, ss, _ = tf.nn.sufficient_statistics(tf.constant([1.0, 2.0, 3.0]), axes=[0])
    >>> print(count, s, ss)
    tf.Tensor(3.0, shape=(), dtype=float32) tf.Tensor(6.0, shape=(), dtype=float32) tf.Tensor(14.0, shape=(), dtype=float32)
    """
    from tapejax._src.ops import array_ops, reduction_ops

    t = utils.as_tensor(x, None, "SufficientStatistics")
    shape = utils.shape_of(t)
    axes_ = utils.reduction_axes("SufficientStatistics", axes, shape) or ()
    counts = array_ops.constant(int(np.prod([shape[a] for a in axes_])), dtype=t.dtype)
    if shift is not None:
        shift = utils.as_tensor(shift, t._v.dtype, "SufficientStatistics")
        centred = math_ops.subtract(t, shift)
    else:
        centred = t
    m_ss = reduction_ops.reduce_sum(centred, list(axes_), keepdims=keepdims)
    v_ss = reduction_ops.reduce_sum(math_ops.square(centred), list(axes_), keepdims=keepdims)
    return counts, m_ss, v_ss, shift


def weighted_moments(
    x: Any, axes: Any, frequency_weights: Any, keepdims: bool = False, name: str | None = None
) -> tuple[Tensor, Tensor]:
    """Weighted mean and variance of ``x`` over ``axes``, ``frequency_weights`` broadcast to ``x`` (``tf.nn.weighted_moments``).

    float16 input is computed in float32 and cast back, as TF. int32/int64 input gives truncated
    integer moments and complex input a complex variance ``mean(d * conj(d))``, as TF.
    """
    from tapejax._src.ops import creation_ops, reduction_ops, shape_ops

    t = utils.as_tensor(x, None, "WeightedMoments")
    dtype = t._v.dtype
    if dtype == np.float16:
        t = math_ops.cast(t, np.float32)
    w = utils.as_tensor(frequency_weights, t._v.dtype, "WeightedMoments")
    if w._v.dtype != t._v.dtype:
        w = math_ops.cast(w, t._v.dtype)
    axes_ = list(utils.reduction_axes("WeightedMoments", axes, utils.shape_of(t)) or ())
    weighted_sum = reduction_ops.reduce_sum(math_ops.multiply(w, t), axes_, keepdims=True)
    sum_of_weights = reduction_ops.reduce_sum(math_ops.add(w, creation_ops.zeros_like(t)), axes_, keepdims=True)
    divisor = math_ops.reciprocal(sum_of_weights)
    mean = math_ops.multiply(weighted_sum, divisor)
    distsq = reduction_ops.reduce_sum(math_ops.multiply(w, math_ops.squared_difference(t, mean)), axes_, keepdims=True)
    variance = math_ops.multiply(distsq, divisor)
    if not keepdims:
        mean, variance = shape_ops.squeeze(mean, axes_), shape_ops.squeeze(variance, axes_)
    if dtype == np.float16:
        mean, variance = math_ops.cast(mean, np.float16), math_ops.cast(variance, np.float16)
    return mean, variance


def local_response_normalization(
    input: Any,  # noqa: A002 - TF's name
    depth_radius: int = 5,
    bias: float = 1.0,
    alpha: float = 1.0,
    beta: float = 0.5,
    name: str | None = None,
) -> Tensor:
    """``input / (bias + alpha * sqr_sum) ** beta``, ``sqr_sum`` over ``depth_radius`` channels each side (``tf.nn.lrn``).

    Raises:
      InvalidArgumentError: for a rank other than 4, or a dtype other than float16/bfloat16/float32 (TF's LRN).
    """
    x = utils.as_tensor(input, None, "LRN")
    name_ = utils.dtype_name(x)
    if name_ not in ("float16", "bfloat16", "float32"):
        raise utils.invalid_argument(
            f"LRN: Value for attr 'T' of {name_} is not in the list of allowed values: half, bfloat16, float "
            f"(got {utils.describe([x])}). Fix: tf.cast the input to tf.float32."
        )
    if len(utils.shape_of(x)) != 4:
        raise utils.invalid_argument(f"LRN: in must be 4-dimensional, got shape {list(utils.shape_of(x))}")
    radius = utils.static_int(depth_radius, "depth_radius")
    if radius < 0:
        raise utils.invalid_argument(f"LRN: depth_radius = {radius} must be non-negative.")
    return bind(_lrn, x, depth_radius=radius, bias=float(bias), alpha=float(alpha), beta=float(beta))


lrn = local_response_normalization


def _block_args(op_name: str, input: Any, block_size: Any, data_format: str) -> tuple[Any, int, bool, tuple[int, ...]]:  # noqa: A002 - TF's name
    x = utils.as_tensor(input, None, op_name)
    b = utils.static_int(block_size, "block_size")
    if b < 2:
        raise utils.invalid_argument(f"{op_name}: Value for attr 'block_size' of {b} must be at least minimum 2")
    if data_format not in ("NHWC", "NCHW"):
        raise utils.invalid_argument(
            f"{op_name}: Value for attr 'data_format' of {data_format!r} is not in the list of allowed values: "
            '"NHWC", "NCHW"'
        )
    shape = utils.shape_of(x)
    if len(shape) != 4:
        raise utils.invalid_argument(f"{op_name}: Input rank should be: 4 instead of: {len(shape)}")
    channels_first = data_format == "NCHW"
    n, h, w, c = (shape[0], shape[2], shape[3], shape[1]) if channels_first else shape
    return x, b, channels_first, (n, h, w, c)


def depth_to_space(input: Any, block_size: int, data_format: str = "NHWC", name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Moves blocks of ``block_size**2`` channels into ``block_size x block_size`` spatial blocks (``tf.nn.depth_to_space``).

    Raises:
      InvalidArgumentError: if the depth is not divisible by ``block_size**2``, the rank is not 4, or
        ``block_size < 2``.

    >>> import tapejax as tf
    >>> print(tf.reshape(tf.nn.depth_to_space(tf.reshape(tf.range(4), [1, 1, 1, 4]), 2), [2, 2]))
    tf.Tensor(
    [[0 1]
     [2 3]], shape=(2, 2), dtype=int32)
    """
    x, b, channels_first, (_, _, _, c) = _block_args("DepthToSpace", input, block_size, data_format)
    if c % (b * b):
        raise utils.invalid_argument(f"DepthToSpace: Input depth dimension {c} should be divisible by: {b * b}")
    return bind(_depth_to_space, x, block_size=b, channels_first=channels_first)


def space_to_depth(input: Any, block_size: int, data_format: str = "NHWC", name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Moves ``block_size x block_size`` spatial blocks into channels (``tf.nn.space_to_depth``).

    Raises:
      InvalidArgumentError: if height or width is not divisible by ``block_size``, the rank is not 4,
        or ``block_size < 2``.
    """
    x, b, channels_first, (_, h, w, _) = _block_args("SpaceToDepth", input, block_size, data_format)
    if h % b or w % b:
        raise utils.invalid_argument(
            f"SpaceToDepth: Image width {w} and height {h} should be divisible by block_size: {b}"
        )
    return bind(_space_to_depth, x, block_size=b, channels_first=channels_first)


def embedding_lookup(params: Any, ids: Any, max_norm: Any = None, name: str | None = None) -> Tensor:
    """The rows of ``params`` at ``ids`` (``tf.nn.embedding_lookup``); shape ``ids.shape + params.shape[1:]``.

    ``params`` may be a list of shards split by TF's ``"div"`` strategy (the first ``N % P`` shards hold
    one row more). A Variable read through it gets an ``IndexedSlices`` gradient, as TF. With
    ``max_norm``, each looked-up embedding whose L2 norm exceeds it is scaled down to it.

    Raises:
      InvalidArgumentError: for an id outside ``[0, rows)``.
      ValueError: for an empty list of shards.

    Differences from TensorFlow: shards must be sized as the ``"div"`` strategy splits rows (TF reads
    others at the indices its partition computes); a Variable read through several shards gets a dense
    gradient.

    >>> import tapejax as tf
    >>> print(tf.nn.embedding_lookup(tf.constant([[0.0, 1.0], [2.0, 3.0]]), [1, 1]))
    tf.Tensor(
    [[2. 3.]
     [2. 3.]], shape=(2, 2), dtype=float32)
    """
    from tapejax._src.ops import clip_ops, index_ops, shape_ops

    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Length of `params` must be non-zero.")
        if len(params) == 1:
            table = params[0]
        else:
            sizes = [utils.shape_of(p)[0] for p in params]
            total, parts = sum(sizes), len(sizes)
            div = [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
            if sizes != div:
                raise ValueError(
                    f"embedding_lookup: shards of {sizes} rows are not the 'div' partition of {total} rows ({div}); "
                    "tapejax takes only shards sized as TF's 'div' strategy splits them."
                )
            table = shape_ops.concat(list(params), 0)
    else:
        table = params
    result = index_ops.gather(table, ids)
    if max_norm is None:
        return result
    ids_rank = len(utils.shape_of(ids))
    axes = list(range(ids_rank, len(utils.shape_of(result))))
    return clip_ops.clip_by_norm(result, max_norm, axes=axes)


def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any, name: str | None = None) -> Tensor:
    """Sigmoid cross-entropy with positive examples weighted by ``pos_weight`` (``tf.nn.weighted_cross_entropy_with_logits``).

    ``(1 - z) * x + (1 + (pos_weight - 1) * z) * (log1p(exp(-|x|)) + relu(-x))``, TF's formula.

    Raises:
      ValueError: if ``labels`` and ``logits`` have different shapes.
    """
    x = _float_input("WeightedCrossEntropyWithLogits", logits)
    z = utils.as_tensor(labels, x._v.dtype, "WeightedCrossEntropyWithLogits")
    if utils.shape_of(x) != utils.shape_of(z):
        raise ValueError(
            f"`logits` and `labels` must have the same shape, received ({utils.shape_of(x)} vs {utils.shape_of(z)})."
        )
    # TF's ``1 + (pos_weight - 1) * labels``: a Python pos_weight stays a Python number.
    pw = pos_weight - 1 if isinstance(pos_weight, numbers.Number) else math_ops.subtract(pos_weight, 1)
    log_weight = math_ops.add(math_ops.multiply(pw, z), 1)
    softplus_neg = math_ops.add(
        math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(x)))), relu(math_ops.negative(x))
    )
    return math_ops.add(math_ops.multiply(math_ops.subtract(1, z), x), math_ops.multiply(log_weight, softplus_neg))


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False, name: str | None = None) -> Tensor:
    """``exp(log_input) - log_input * targets`` (+ Stirling's term for targets > 1) (``tf.nn.log_poisson_loss``).

    Raises:
      ValueError: if ``log_input`` and ``targets`` have different shapes.
    """
    from tapejax._src.ops import creation_ops

    li = utils.as_tensor(log_input, None, "LogPoissonLoss")
    t = utils.as_tensor(targets, li._v.dtype, "LogPoissonLoss")
    if utils.shape_of(li) != utils.shape_of(t):
        raise ValueError(
            f"`log_input` and `targets` must have the same shape, received ({utils.shape_of(li)} vs {utils.shape_of(t)})."
        )
    result = math_ops.subtract(math_ops.exp(li), math_ops.multiply(li, t))
    if not compute_full_loss:
        return result
    stirling = math_ops.add(
        math_ops.subtract(math_ops.multiply(t, math_ops.log(t)), t),
        math_ops.multiply(0.5, math_ops.log(math_ops.multiply(2 * np.pi, t))),
    )
    zeros = creation_ops.zeros_like(t)
    cond = math_ops.logical_and(math_ops.greater_equal(t, zeros), math_ops.less_equal(t, creation_ops.ones_like(t)))
    return math_ops.add(result, math_ops.where(cond, zeros, stirling))


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None, global_batch_size: Any = None) -> Tensor:
    """``sum(per_example_loss * sample_weight) / global_batch_size`` (``tf.nn.compute_average_loss``).

    ``global_batch_size`` defaults to ``per_example_loss.shape[0]`` times the current strategy's replicas
    (``tf.distribute``: inside ``strategy.run``, the global batch); a zero global batch size gives 0.

    Raises:
      RuntimeError: without ``global_batch_size`` in a strategy's cross-replica context (TF's message).
      ValueError: for a scalar ``per_example_loss``.
      TypeError: for a non-integer ``global_batch_size``.
      InvalidArgumentError: for a non-scalar or negative ``global_batch_size``.

    >>> import tapejax as tf
    >>> print(tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]), global_batch_size=6))
    tf.Tensor(1.0, shape=(), dtype=float32)
    """
    from tapejax._src.ops import reduction_ops, shape_ops

    loss = utils.as_tensor(per_example_loss, None, "compute_average_loss")
    dtype = loss._v.dtype
    shape = utils.shape_of(loss)
    if not shape:
        raise ValueError(
            "Invalid value passed for `per_example_loss`. Expected a tensor with at least rank 1. Received "
            f"per_example_loss={loss} with rank 0"
        )
    if sample_weight is not None:
        w = math_ops.cast(utils.as_tensor(sample_weight, None, "compute_average_loss"), np.float32)
        scaled = math_ops.cast(loss, np.float32)
        w_rank, l_rank = len(utils.shape_of(w)), len(shape)
        if w_rank and w_rank - l_rank == 1:
            w = shape_ops.squeeze(w, [-1])
        elif w_rank and l_rank - w_rank == 1:
            w = shape_ops.expand_dims(w, -1)
        loss = math_ops.cast(math_ops.multiply(scaled, w), dtype)
    if global_batch_size is None:
        # Under a tf.distribute strategy: the per-replica batch times the replicas, as TF.
        batch = utils.as_tensor(shape[0] * _replicas("compute_average_loss"), None, "compute_average_loss")
    else:
        batch = utils.as_tensor(global_batch_size, None, "compute_average_loss")
        value = utils.concrete(batch)
        if value is not None and value.ndim != 0:
            raise utils.invalid_argument(f"global_batch_size must be scalar. Received shape {list(value.shape)}")
        if batch._v.dtype.kind not in "iu":
            raise TypeError(f"global_batch_size must be an integer. Received dtype {utils.dtype_name(batch)}")
        if value is not None and value < 0:
            raise utils.invalid_argument(f"global_batch_size must be non-negative. Received {int(value)}")
    return math_ops.divide_no_nan(reduction_ops.reduce_sum(loss), math_ops.cast(batch, dtype))


def scale_regularization_loss(regularization_loss: Any) -> Tensor:
    """The sum of ``regularization_loss`` (a tensor or list) divided by the number of replicas (``tf.nn.scale_regularization_loss``).

    Raises:
      RuntimeError: inside a strategy's scope but outside its ``run`` (TF's message).
    """
    from tapejax._src.ops import reduction_ops

    return math_ops.divide(reduction_ops.reduce_sum(regularization_loss), _replicas("scale_regularization_loss"))


def _replicas(where: str) -> int:
    """The current tf.distribute strategy's replica count; TF's RuntimeError in its cross-replica context."""
    from tapejax._src.distribute import strategy

    if strategy.has_strategy() and strategy.in_cross_replica_context():
        raise RuntimeError(
            f"You are calling `{where}` in cross replica context, while it was expected to be called in replica context."
        )
    return strategy.get_strategy().num_replicas_in_sync


def _ctc_loss_impl(
    logits: Any, labels: Any, label_length: Any, logit_length: Any, *, time_major: bool, blank: int
) -> Any:
    if time_major:
        logits = jnp.transpose(logits, (1, 0, 2))
    dtype = logits.dtype
    if dtype in (jnp.float16, jnp.bfloat16):  # as TF: computed in float32
        logits = logits.astype(jnp.float32)
    labels = labels.astype(jnp.int32)
    if blank:
        # TF's rotation: the blank class moves to 0, the classes before it up by one (a label equal to
        # the blank then reads the class just below it, as in TF).
        logits = jnp.concatenate([logits[:, :, blank : blank + 1], logits[:, :, :blank], logits[:, :, blank + 1 :]], 2)
        labels = jnp.where(labels < blank, labels + 1, labels)
    frames, max_label = logits.shape[1], labels.shape[1]
    logit_paddings = (jnp.arange(frames)[None, :] >= logit_length[:, None]).astype(logits.dtype)
    label_paddings = (jnp.arange(max_label)[None, :] >= label_length[:, None]).astype(logits.dtype)
    import optax  # (here, not at the top: optax's import is a sizeable part of ``import tapejax``)

    loss = optax.ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=0)
    return loss.astype(dtype)


_ctc_loss = Op("CTCLossDense", _ctc_loss_impl, nondiff=(1, 2, 3))


def ctc_loss(
    labels: Any,
    logits: Any,
    label_length: Any,
    logit_length: Any,
    logits_time_major: bool = True,
    unique: Any = None,
    blank_index: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Connectionist temporal classification loss, ``-log p(labels | logits)`` per sequence (``tf.nn.ctc_loss``).

    Args:
      labels: dense ``[batch, max_label_length]`` int32/int64 class ids (entries past ``label_length``
        are ignored).
      logits: unnormalized ``[frames, batch, classes]`` (``[batch, frames, classes]`` when
        ``logits_time_major`` is False).
      label_length, logit_length: ``[batch]`` lengths.
      unique: accepted and ignored (a TPU speed-up in TF).
      blank_index: the blank class, 0 by default; negative counts from ``classes``.

    Returns:
      A ``[batch]`` tensor of logits' dtype. The gradient with respect to ``logits`` is TF's
      (softmax minus the CTC posteriors); labels and lengths get None.

    Raises:
      InvalidArgumentError: for non-integer labels or lengths, a label outside ``[0, classes)``, or
        a batch size that differs between arguments.
      ValueError: for sparse labels (tapejax has no SparseTensor) or missing lengths.

    Differences from TensorFlow: computed by ``optax.ctc_loss``, which stands in -1e5 for log(0): a
    label sequence no alignment can reach (too long for its frames) gives a loss of about 1e5 (TF's
    dense kernel gives another large finite value). float64 works (TF's dense kernel raises); the
    second derivative is the true one (TF's is NaN). A label outside ``[0, classes)`` raises (TF
    returns an arbitrary value).

    >>> import tapejax as tf
    >>> loss = tf.nn.ctc_loss([[1]], tf.zeros([2, 1, 2]), label_length=[1], logit_length=[2])
    >>> print(loss)  # 3 of the 4 equally likely paths give [1]: -log(3/4)
    tf.Tensor([0.2876821], shape=(1,), dtype=float32)
    """
    if hasattr(labels, "indices") and hasattr(labels, "dense_shape"):
        raise ValueError("tf.nn.ctc_loss: tapejax takes dense labels with label_length, not a SparseTensor.")
    if label_length is None or logit_length is None:
        raise ValueError("tf.nn.ctc_loss: dense labels need both label_length and logit_length.")
    x = _float_input("CTCLoss", logits)
    ints = [utils.as_tensor(v, None, "CTCLoss") for v in (labels, label_length, logit_length)]
    for what, t in zip(("labels", "label_length", "logit_length"), ints, strict=True):
        if t._v.dtype.kind not in "iu":
            raise utils.invalid_argument(
                f"CTCLoss: {what} must be int32 or int64, got {utils.describe([t])}. Fix: tf.cast it to tf.int32."
            )
    z, label_len, logit_len = ints
    sx, sz = utils.shape_of(x), utils.shape_of(z)
    if len(sx) != 3 or len(sz) != 2:
        raise utils.invalid_argument(f"CTCLoss: logits must be 3-D and labels 2-D, got {list(sx)} and {list(sz)}")
    classes = sx[2]
    batch = sx[1] if logits_time_major else sx[0]
    if sz[0] != batch or utils.shape_of(label_len) != (batch,) or utils.shape_of(logit_len) != (batch,):
        raise utils.invalid_argument(
            f"CTCLoss: batch sizes differ: logits {list(sx)} (time_major={logits_time_major}), labels {list(sz)}, "
            f"label_length {list(utils.shape_of(label_len))}, logit_length {list(utils.shape_of(logit_len))}"
        )
    blank = 0 if blank_index is None else utils.static_int(blank_index, "blank_index")
    if blank < 0:
        blank += classes
    if not 0 <= blank < classes:
        raise utils.invalid_argument(f"CTCLoss: blank_index {blank_index} is outside [-{classes}, {classes}).")
    values, lengths = utils.concrete(z), utils.concrete(label_len)
    if values is not None and lengths is not None and values.size:
        used = np.arange(sz[1])[None, :] < lengths[:, None]
        bad = used & ((values < 0) | (values >= classes))
        if bad.any():
            raise utils.invalid_argument(
                f"CTCLoss: label {int(values[bad][0])} is outside [0, {classes}) (logits have {classes} classes)."
            )
    return bind(_ctc_loss, x, z, label_len, logit_len, time_major=bool(logits_time_major), blank=blank)


def batch_norm_with_global_normalization(
    input: Any,  # noqa: A002 - TF's name
    mean: Any,
    variance: Any,
    beta: Any,
    gamma: Any,
    variance_epsilon: Any,
    scale_after_normalization: bool,
    name: str | None = None,
) -> Tensor:
    """``batch_normalization(input, mean, variance, beta, gamma or None, variance_epsilon)`` (``tf.nn.batch_norm_with_global_normalization``).

    ``gamma`` scales only when ``scale_after_normalization``.
    """
    return batch_normalization(
        input, mean, variance, beta, gamma if scale_after_normalization else None, variance_epsilon
    )


def _collapse_repeated_impl(labels: Any, seq_length: Any, *, new_maxlen: int) -> Any:
    batch, maxlen = labels.shape
    differs = jnp.concatenate([jnp.ones((batch, 1), bool), labels[:, 1:] != labels[:, :-1]], axis=1)
    keep = differs & (jnp.arange(maxlen)[None, :] < seq_length[:, None])
    position = jnp.where(keep, jnp.cumsum(keep, axis=1) - 1, new_maxlen)  # dropped entries land out of range
    rows = jnp.broadcast_to(jnp.arange(batch)[:, None], labels.shape)
    out = jnp.zeros((batch, new_maxlen), labels.dtype).at[rows, position].set(labels, mode="drop")
    return out, jnp.sum(keep, axis=1).astype(seq_length.dtype)


def _ctc_unique_labels_impl(labels: Any) -> Any:
    # Per row: the distinct labels in order of first appearance (zero-padded) and each label's index in them.
    n = labels.shape[1]
    first = jnp.argmax(labels[:, :, None] == labels[:, None, :], axis=2)  # first position holding labels[b, j]
    is_first = first == jnp.arange(n)[None, :]
    rank = jnp.cumsum(is_first, axis=1) - 1
    idx = jnp.take_along_axis(rank, first, axis=1).astype(jnp.int32)
    rows = jnp.broadcast_to(jnp.arange(labels.shape[0])[:, None], labels.shape)
    target = jnp.where(is_first, rank, n)
    unique = jnp.zeros(labels.shape, jnp.int64).at[rows, target].set(labels.astype(jnp.int64), mode="drop")
    return unique, idx


_collapse_repeated = Op("CollapseRepeated", _collapse_repeated_impl, differentiable=False, multiple_results=True)
_ctc_unique_labels = Op("CtcUniqueLabels", _ctc_unique_labels_impl, differentiable=False, multiple_results=True)


def collapse_repeated(labels: Any, seq_length: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Merges consecutive repeated labels of each row, within ``seq_length`` (``tf.nn.collapse_repeated``).

    Returns:
      ``(collapsed, new_seq_length)``: ``[batch, max(new_seq_length)]`` labels, zero-padded, and the new lengths.

    Differences from TensorFlow: the result's width depends on the values, so tapejax needs them
    concrete (eagerly, not traced inside ``tf.function``).

    >>> import tapejax as tf
    >>> collapsed, lengths = tf.nn.collapse_repeated(tf.constant([[1, 1, 2, 2, 2, 3]]), tf.constant([6]))
    >>> print(collapsed)
    tf.Tensor([[1 2 3]], shape=(1, 3), dtype=int32)
    """
    z = utils.as_tensor(labels, None, "CollapseRepeated")
    n = utils.as_tensor(seq_length, None, "CollapseRepeated")
    sz = utils.shape_of(z)
    if len(sz) != 2 or utils.shape_of(n) != sz[:1]:
        raise utils.invalid_argument(
            f"collapse_repeated: labels must be [batch, max_length] and seq_length [batch], got {list(sz)} and "
            f"{list(utils.shape_of(n))}"
        )
    values, lengths = utils.concrete(z), utils.concrete(n)
    if values is None or lengths is None:
        raise TypeError("tf.nn.collapse_repeated: tapejax needs concrete labels (its result's shape depends on them).")
    keep = np.concatenate([np.ones((sz[0], 1), bool), values[:, 1:] != values[:, :-1]], axis=1)
    keep &= np.arange(sz[1])[None, :] < lengths[:, None]
    new_maxlen = int(keep.sum(axis=1).max()) if sz[0] else 0
    return bind(_collapse_repeated, z, n, new_maxlen=new_maxlen)


def ctc_unique_labels(labels: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Each row's distinct labels (in order of first appearance, zero-padded, int64) and the index of
    every label among them (int32) (``tf.nn.ctc_unique_labels``).

    >>> import tapejax as tf
    >>> unique, idx = tf.nn.ctc_unique_labels(tf.constant([[3, 4, 4, 3]]))
    >>> print(unique, idx)
    tf.Tensor([[3 4 0 0]], shape=(1, 4), dtype=int64) tf.Tensor([[0 1 1 0]], shape=(1, 4), dtype=int32)
    """
    z = utils.as_tensor(labels, None, "CtcUniqueLabels")
    if len(utils.shape_of(z)) != 2:
        raise utils.invalid_argument(
            f"ctc_unique_labels: labels must be [batch, max_length], got {list(utils.shape_of(z))}"
        )
    return bind(_ctc_unique_labels, z)


def _int64_classes(op_name: str, value: Any, what: str) -> Any:
    t = utils.as_tensor(value, np.int64, op_name)
    if t._v.dtype != np.int64:
        raise utils.invalid_argument(
            f"cannot compute {op_name} as {what} was expected to be a int64 tensor but is a {utils.dtype_name(t)} "
            "tensor. Fix: tf.cast it to tf.int64."
        )
    return t


def all_candidate_sampler(
    true_classes: Any, num_true: int, num_sampled: int, unique: bool, seed: int | None = None, name: str | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Every class ``0 .. num_sampled - 1``, with expected counts of 1 (``tf.nn.all_candidate_sampler``; for tests).

    Returns:
      ``(sampled_candidates, true_expected_count, sampled_expected_count)``: int64 ``[num_sampled]``,
      float32 ones ``[batch, num_true]`` and ``[num_sampled]``.

    Raises:
      InvalidArgumentError: if ``true_classes`` is not int64 or has not ``num_true`` columns.
    """
    from tapejax._src.ops import creation_ops

    classes = _int64_classes("AllCandidateSampler", true_classes, "input #0(zero-based)")
    shape = utils.shape_of(classes)
    num_true, num_sampled = utils.static_int(num_true, "num_true"), utils.static_int(num_sampled, "num_sampled")
    if len(shape) != 2 or shape[1] != num_true:
        raise utils.invalid_argument(
            f"AllCandidateSampler: true_classes must have num_true columns, expected: {shape[-1] if shape else 0} "
            f"was: {num_true}"
        )
    return (
        creation_ops.range(num_sampled, dtype=np.int64),
        creation_ops.ones([shape[0], num_true], np.float32),
        creation_ops.ones([num_sampled], np.float32),
    )


def compute_accidental_hits(
    true_classes: Any, sampled_candidates: Any, num_true: int, seed: int | None = None, name: str | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Where a sampled candidate equals one of a row's true classes (``tf.nn.compute_accidental_hits``).

    One hit per (row, true class) found among the candidates, at the candidate's last position, in
    row order then true-class order, as TF's kernel.

    Returns:
      ``(indices, ids, weights)``: the rows (int32), the candidates' positions (int64) and
      ``-float32 max`` weights (float32), one entry per hit.

    Raises:
      InvalidArgumentError: for non-int64 inputs or a column count other than ``num_true``.
      TypeError: inside ``tf.function`` (the number of hits depends on the values).

    >>> import tapejax as tf
    >>> hits = tf.nn.compute_accidental_hits(tf.constant([[1, 3]], tf.int64), tf.constant([3, 0, 1], tf.int64), 2)
    >>> print(hits[1])
    tf.Tensor([2 0], shape=(2,), dtype=int64)
    """
    from tapejax._src.ops import array_ops

    classes = _int64_classes("ComputeAccidentalHits", true_classes, "input #0(zero-based)")
    sampled = _int64_classes("ComputeAccidentalHits", sampled_candidates, "input #1(zero-based)")
    shape = utils.shape_of(classes)
    num_true = utils.static_int(num_true, "num_true")
    if len(shape) != 2 or shape[1] != num_true:
        raise utils.invalid_argument(
            f"ComputeAccidentalHits: true_classes must have num_true columns, expected: {num_true} was: "
            f"{shape[-1] if shape else 0}"
        )
    true_values, sampled_values = utils.concrete(classes), utils.concrete(sampled)
    if true_values is None or sampled_values is None:
        raise TypeError(
            "tf.nn.compute_accidental_hits: tapejax needs concrete values (the number of hits depends on them)."
        )
    position = {int(c): j for j, c in enumerate(sampled_values.reshape(-1))}  # the last position of each candidate
    hits = [(i, position[int(c)]) for i, row in enumerate(true_values) for c in row if int(c) in position]
    rows = np.array([i for i, _ in hits], np.int32)
    ids = np.array([j for _, j in hits], np.int64)
    weights = np.full(len(hits), -np.finfo(np.float32).max, np.float32)
    return array_ops.constant(rows), array_ops.constant(ids), array_ops.constant(weights)
