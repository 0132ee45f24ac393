"""The fused Keras losses of the op table: a loss call (cast, rank fix-up, per-sample loss, mask,
sample weights and reduction) is ONE op, so one compiled kernel and one tape node per call.

The per-sample formulas are Keras 3.15's (``keras/src/losses/losses.py``) as its TensorFlow backend
computes them (``keras/src/backend/tensorflow/nn.py``): probabilities are clipped to
``[1e-7, 1 - 1e-7]``, the sigmoid cross-entropy takes TF's stable form, and kinks take TF's
gradient conventions (``clip_by_value`` passes the gradient at its bounds, ``maximum(x, y)`` sends it
to ``x`` on ties, ``abs`` has gradient 0 at 0). ``tapejax._src.keras.losses`` holds the Keras API
built on :func:`fused_loss` and :data:`reduce_weighted_loss`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, TensorBase, VariableBase, bind
from tapejax._src.lazy import Pending
from tapejax._src.ops.math_ops import _abs_impl, _maximum_impl, _minimum_impl
from tapejax._src.ops.nn_ops import _softmax_xent_impl
from tapejax._src.ops.reduction_ops import tf_max_reduce
from tapejax._src.tensor import Tensor

EPSILON = 1e-7  # keras.backend.epsilon()'s default


# -- TF's conventions at kinks -------------------------------------------------------------------------
def _clip(x: Any, lo: float, hi: float) -> Any:
    # tf.clip_by_value: maximum(minimum(x, hi), lo). The gradient passes where lo <= x <= hi (at the
    # bounds too); a NaN stays NaN and gets a zero gradient (TF's masks are selects: a NaN
    # cotangent does not reach it).
    return _maximum(_minimum(x, hi), lo)


def _maximum(x: Any, y: Any) -> Any:
    """tf.maximum: NaN propagates; the gradient goes to ``x`` where ``x >= y`` (ties included)."""
    return _maximum_impl(x, jnp.asarray(y, x.dtype))


def _minimum(x: Any, y: Any) -> Any:
    """tf.minimum: NaN propagates; the gradient goes to ``x`` where ``x <= y`` (ties included)."""
    return _minimum_impl(x, jnp.asarray(y, x.dtype))


def _reduce_max(x: Any, axis: int) -> Any:
    # TF's Max gradient (a NaN row: NaN gradients), as tf.reduce_max.
    return tf_max_reduce(x, (axis,), False, False)


def squeeze_or_expand(x1: Any, x2: Any) -> tuple[Any, Any]:
    """Keras's ``squeeze_or_expand_to_same_rank``: fix ranks that differ by a trailing 1."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def _sigmoid_ce_with_logits(z: Any, x: Any) -> Any:
    # tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x * z + log1p(exp(-|x|)), written with
    # TF's where-branches so its derivative is TF's.
    cond = x >= 0
    relu_logits = jnp.where(cond, x, jnp.zeros_like(x))
    neg_abs_logits = jnp.where(cond, -x, x)
    return relu_logits - x * z + jnp.log1p(jnp.exp(neg_abs_logits))


def _bce_elements(yt: Any, yp: Any, eps: float) -> Any:
    o = _clip(yp, eps, 1.0 - eps)
    return -(yt * jnp.log(o) + (1 - yt) * jnp.log(1 - o))


def _l2_normalize(x: Any, axis: int, eps: float) -> Any:
    # keras.ops.normalize(order=2): x * min(rsqrt(sum(x^2)), 1 / epsilon).
    if x.ndim == 0:
        x = jnp.expand_dims(x, 0)
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * _minimum(inv_norm, 1.0 / eps)


def _logsumexp(x: Any, axis: int) -> Any:
    # tf.math.reduce_logsumexp's formula (a row of -inf gives -inf, with a zero gradient).
    raw_max = jnp.max(x, axis=axis, keepdims=True)
    my_max = jax.lax.stop_gradient(jnp.where(jnp.isfinite(raw_max), raw_max, jnp.zeros_like(raw_max)))
    return jnp.log(jnp.sum(jnp.exp(x - my_max), axis=axis)) + jnp.squeeze(my_max, axis)


# -- per-sample losses: Keras's formulas -----------------------------------------------------------------
def _mse(yt: Any, yp: Any) -> Any:
    return jnp.mean(jnp.square(yt - yp), axis=-1)


def _mae(yt: Any, yp: Any) -> Any:
    return jnp.mean(_abs_impl(yt - yp), axis=-1)


def _mape(yt: Any, yp: Any, *, eps: float) -> Any:
    diff = _abs_impl((yt - yp) / _maximum(_abs_impl(yt), eps))
    return 100.0 * jnp.mean(diff, axis=-1)


def _msle(yt: Any, yp: Any, *, eps: float) -> Any:
    first_log = jnp.log(_maximum(yp, eps) + 1.0)
    second_log = jnp.log(_maximum(yt, eps) + 1.0)
    return jnp.mean(jnp.square(first_log - second_log), axis=-1)


def _cosine_similarity(yt: Any, yp: Any, *, eps: float, axis: int = -1) -> Any:
    return -jnp.sum(_l2_normalize(yt, axis, eps) * _l2_normalize(yp, axis, eps), axis=axis)


def _huber(yt: Any, yp: Any, *, delta: float = 1.0) -> Any:
    d = jnp.asarray(delta, yp.dtype)
    error = yp - yt
    abs_error = _abs_impl(error)
    half = jnp.asarray(0.5, yp.dtype)
    return jnp.mean(jnp.where(abs_error <= d, half * jnp.square(error), d * abs_error - half * jnp.square(d)), axis=-1)


def _log_cosh(yt: Any, yp: Any) -> Any:
    x = yp - yt
    return jnp.mean(x + jax.nn.softplus(x * -2.0) - jnp.asarray(math.log(2.0), yp.dtype), axis=-1)


def _hinge_labels(yt: Any) -> Any:
    # Keras converts 0/1 labels to -1/1 when every label is 0 or 1.
    is_binary = jnp.all((yt == 0) | (yt == 1))
    return jnp.where(is_binary, 2.0 * yt - 1.0, yt)


def _hinge(yt: Any, yp: Any) -> Any:
    return jnp.mean(_maximum(1.0 - _hinge_labels(yt) * yp, 0.0), axis=-1)


def _squared_hinge(yt: Any, yp: Any) -> Any:
    return jnp.mean(jnp.square(_maximum(1.0 - _hinge_labels(yt) * yp, 0.0)), axis=-1)


def _categorical_hinge(yt: Any, yp: Any) -> Any:
    pos = jnp.sum(yt * yp, axis=-1)
    neg = _reduce_max((1.0 - yt) * yp, -1)
    return _maximum(neg - pos + 1.0, 0.0)


def _kl_divergence(yt: Any, yp: Any, *, eps: float) -> Any:
    yt = _clip(yt, eps, 1.0)
    yp = _clip(yp, eps, 1.0)
    return jnp.sum(yt * jnp.log(yt / yp), axis=-1)


def _poisson(yt: Any, yp: Any, *, eps: float) -> Any:
    return jnp.mean(yp - yt * jnp.log(yp + jnp.asarray(eps, yp.dtype)), axis=-1)


def _bce(
    yt: Any, yp: Any, *, eps: float, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    if label_smoothing:
        yt = yt * (1.0 - label_smoothing) + 0.5 * label_smoothing
    per_element = _sigmoid_ce_with_logits(yt, yp) if from_logits else _bce_elements(yt, yp, eps)
    return jnp.mean(per_element, axis=axis)


def _binary_focal(
    yt: Any,
    yp: Any,
    *,
    eps: float,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    if label_smoothing:
        yt = yt * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Keras's TF backend recovers the logits of its own sigmoid: the cross-entropy is the stable one.
        bce = _sigmoid_ce_with_logits(yt, yp)
        yp = jax.nn.sigmoid(yp)
    else:
        bce = _bce_elements(yt, yp, eps)
    p_t = yt * yp + (1 - yt) * (1 - yp)
    focal_bce = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (yt * alpha + (1 - yt) * (1 - alpha)) * focal_bce
    return jnp.mean(focal_bce, axis=axis)


def _smooth_categorical(yt: Any, label_smoothing: float) -> Any:
    if label_smoothing:
        yt = yt * (1.0 - label_smoothing) + (label_smoothing / yt.shape[-1])
    return yt


def _cce(
    yt: Any, yp: Any, *, eps: float, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    yt = _smooth_categorical(yt, label_smoothing)
    if from_logits:
        # tf.nn.softmax_cross_entropy_with_logits, as Keras' TF backend: its gradient is
        # softmax - labels whatever the labels sum to.
        return _softmax_xent_impl(yt, yp, axis=axis)
    o = yp / jnp.sum(yp, axis=axis, keepdims=True)
    o = _clip(o, eps, 1.0 - eps)
    return -jnp.sum(yt * jnp.log(o), axis=axis)


def _categorical_focal(
    yt: Any,
    yp: Any,
    *,
    eps: float,
    alpha: Any = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    yt = _smooth_categorical(yt, label_smoothing)
    if from_logits:
        yp = jax.nn.softmax(yp, axis=axis)
    output = yp / jnp.sum(yp, axis=axis, keepdims=True)
    output = _clip(output, eps, 1.0 - eps)
    cce = -yt * jnp.log(output)
    weighting_factor = jnp.power(1.0 - output, gamma) * jnp.asarray(alpha, output.dtype)
    return jnp.sum(weighting_factor * cce, axis=axis)


def _scce(
    yt: Any, yp: Any, *, eps: float, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Any:
    if yt.ndim == yp.ndim and yt.shape[-1] == 1:
        yt = jnp.squeeze(yt, -1)
    valid = None
    if ignore_class is not None:
        valid = yt != jnp.asarray(ignore_class, yt.dtype)
        yt = yt * valid.astype(yt.dtype)
        yp = yp * jnp.expand_dims(valid, -1).astype(yp.dtype)
    labels = yt.astype(jnp.int32)
    logits = yp if from_logits else jnp.log(_clip(yp, eps, 1 - eps))
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    res = -jnp.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
    if valid is None:
        return res
    return jnp.where(valid, res, jnp.zeros_like(res)), valid  # (Keras's mask on the result)


def _dice(yt: Any, yp: Any, *, eps: float, axis: Any = None) -> Any:
    intersection = jnp.sum(yt * yp, axis=axis)
    dice = (2.0 * intersection) / (jnp.sum(yt, axis=axis) + jnp.sum(yp, axis=axis) + eps)
    return 1 - dice


def _tversky(yt: Any, yp: Any, *, eps: float, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Any:
    intersection = jnp.sum(yt * yp, axis=axis)
    fp = jnp.sum((1 - yp) * yt, axis=axis)
    fn = jnp.sum(yp * (1 - yt), axis=axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + eps)


def _circle(
    yt: Any,
    yp: Any,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    *,
    remove_diagonal: bool = True,
    gamma: float = 80.0,
    margin: float = 0.4,
) -> Any:
    yt = yt.astype(jnp.int32)
    ref_embeddings = yp if ref_embeddings is None else ref_embeddings
    ref_labels = yt if ref_labels is None else ref_labels.astype(jnp.int32)
    optim_pos, optim_neg = margin, 1 + margin
    delta_pos, delta_neg = margin, 1 - margin
    distances = _maximum(1 - jnp.matmul(yp, ref_embeddings.T), 0.0)
    query = yt.reshape(-1, 1) if yt.ndim == 1 else yt
    key = ref_labels.reshape(-1, 1) if ref_labels.ndim == 1 else ref_labels
    positive = query == key.T
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~jnp.eye(query.size, key.size, dtype=bool)
    pos_weights = _maximum((optim_pos + distances) * positive.astype(distances.dtype), 0.0)
    neg_weights = _maximum((optim_neg - distances) * negative.astype(distances.dtype), 0.0)
    pos_wdists = -1 * gamma * pos_weights * (delta_pos - distances)
    neg_wdists = gamma * neg_weights * (delta_neg - distances)
    minus_inf = jnp.asarray(-np.inf, distances.dtype)
    p_loss = _logsumexp(jnp.where(positive, pos_wdists, minus_inf), axis=1)
    n_loss = _logsumexp(jnp.where(negative, neg_wdists, minus_inf), axis=1)
    loss = jax.nn.softplus(p_loss + n_loss)
    return loss, loss > 0  # (Keras's mask: only the positive losses count)


def _generalized_cross_entropy(yt: Any, yp: Any, *, q: float = 0.5) -> Any:
    one_hot = jax.nn.one_hot(yt.astype(jnp.int64), yp.shape[-1], dtype=yp.dtype)
    p = jnp.sum(yp * one_hot, axis=-1)
    return (1 - jnp.power(p, q)) / q


@dataclasses.dataclass(frozen=True)
class Formula:
    """One Keras loss function: its per-sample formula and how its functional form treats inputs.

    ``squeeze``: the functional form fixes ranks (``squeeze_or_expand_to_same_rank``) itself.
    ``labels``: ``"float"`` (cast to the prediction's dtype) or ``"int"`` (class indices, kept).
    ``eps``: the formula takes Keras's fuzz factor (``keras.backend.epsilon()``) as ``eps``.
    """

    name: str
    fn: Callable[..., Any]
    squeeze: bool = False
    labels: str = "float"
    eps: bool = False


FORMULAS: dict[str, Formula] = {
    f.name: f
    for f in (
        Formula("mean_squared_error", _mse, squeeze=True),
        Formula("mean_absolute_error", _mae, squeeze=True),
        Formula("mean_absolute_percentage_error", _mape, squeeze=True, eps=True),
        Formula("mean_squared_logarithmic_error", _msle, squeeze=True, eps=True),
        Formula("cosine_similarity", _cosine_similarity, squeeze=True, eps=True),
        Formula("huber", _huber, squeeze=True),
        Formula("log_cosh", _log_cosh, squeeze=True),
        Formula("hinge", _hinge),
        Formula("squared_hinge", _squared_hinge),
        Formula("categorical_hinge", _categorical_hinge),
        Formula("kl_divergence", _kl_divergence, eps=True),
        Formula("poisson", _poisson, eps=True),
        Formula("binary_crossentropy", _bce, eps=True),
        Formula("binary_focal_crossentropy", _binary_focal, eps=True),
        Formula("categorical_crossentropy", _cce, eps=True),
        Formula("categorical_focal_crossentropy", _categorical_focal, eps=True),
        Formula("sparse_categorical_crossentropy", _scce, labels="int", eps=True),
        Formula("dice", _dice, eps=True),
        Formula("tversky", _tversky, eps=True),
        Formula("circle", _circle, labels="int"),
        Formula("categorical_generalized_cross_entropy", _generalized_cross_entropy, labels="int"),
    )
}


# -- the reduction: Keras's reduce_weighted_values --------------------------------------------------------
def reduce_weighted(values: Any, sample_weight: Any, mask: Any, reduction: Any) -> Any:
    """Keras's ``reduce_weighted_values``: mask and sample weight merged, applied, then the reduction."""
    if mask is not None:
        mask = mask.astype(values.dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            # Valid entries weigh total / valid, so the mean is over the valid entries only.
            total = jnp.asarray(mask.size, values.dtype)
            valid = jnp.sum(mask)
            mask = mask * jnp.where(valid == 0, jnp.zeros_like(valid), total / jnp.where(valid == 0, 1, valid))
        if sample_weight is not None:
            mask, sample_weight = squeeze_or_expand(mask, sample_weight.astype(values.dtype))
            sample_weight = sample_weight * mask
        else:
            sample_weight = mask
    if sample_weight is not None:
        sample_weight = sample_weight.astype(values.dtype)
        values, sample_weight = squeeze_or_expand(values, sample_weight)
        values = values * sample_weight
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = jnp.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = jnp.sum(sample_weight).astype(loss.dtype)
    elif values.size == 0:
        return jnp.zeros_like(loss)  # (divide_no_nan)
    else:
        # True division (XLA would multiply by a rounded reciprocal of a constant).
        divisor = jax.lax.optimization_barrier(jnp.asarray(values.size, loss.dtype))
    return jnp.where(divisor == 0, jnp.zeros_like(loss), loss / jnp.where(divisor == 0, 1, divisor))


def _split(rest: tuple[Any, ...], masked: bool, weighted: bool) -> tuple[tuple[Any, ...], Any, Any]:
    """``rest`` = the formula's extra arrays, then the Keras mask if ``masked``, then the weights if ``weighted``."""
    sample_weight = rest[-1] if weighted else None
    rest = rest[:-1] if weighted else rest
    mask = rest[-1] if masked else None
    return (rest[:-1] if masked else rest), mask, sample_weight


def _merge_masks(in_mask: Any, out_mask: Any) -> Any:
    if in_mask is None or out_mask is None:
        return out_mask if in_mask is None else in_mask
    return in_mask.astype(bool) & out_mask.astype(bool)


def _fused_impl(
    y_true: Any,
    y_pred: Any,
    *rest: Any,
    loss: str,
    reduction: Any,
    dtype: str | None,
    wrapper: bool,
    masked: bool,
    weighted: bool,
    epsilon: float,
    params: tuple[tuple[str, Any], ...],
) -> Any:
    formula = FORMULAS[loss]
    extra, in_mask, sample_weight = _split(rest, masked, weighted)
    if dtype is not None:  # a Loss object: Keras converts both to its dtype
        y_pred = y_pred.astype(dtype)
        y_true = y_true.astype(dtype)
    elif formula.labels == "float":
        y_true = y_true.astype(y_pred.dtype)
    if wrapper or formula.squeeze:
        y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    kwargs = {"eps": epsilon, **dict(params)} if formula.eps else dict(params)
    values = formula.fn(y_true, y_pred, *extra, **kwargs)
    out_mask = None
    if isinstance(values, tuple):
        values, out_mask = values
    if reduction in (None, "none") and sample_weight is None and in_mask is None:
        return values
    return reduce_weighted(values, sample_weight, _merge_masks(in_mask, out_mask), reduction)


def _reduce_impl(values: Any, *rest: Any, reduction: Any, masked: bool, weighted: bool) -> Any:
    _, mask, sample_weight = _split(rest, masked, weighted)
    return reduce_weighted(values, sample_weight, mask, reduction)


keras_loss = Op("KerasLoss", _fused_impl)
reduce_weighted_loss = Op("ReduceWeightedLoss", _reduce_impl)


def _optional(*arrays: Any) -> tuple[Any, ...]:
    return tuple(a for a in arrays if a is not None)


def reduce_loss(values: Any, sample_weight: Any, reduction: Any, mask: Any = None) -> Tensor:
    """Keras's ``reduce_weighted_values`` of per-sample ``values`` (Tensors) as one op.

    Args:
      mask: Keras's mask (bool): in a mean, the masked-out entries are not counted.
    """
    return bind(
        reduce_weighted_loss, values, *_optional(mask, sample_weight), reduction=reduction,
        masked=mask is not None, weighted=sample_weight is not None,
    )  # fmt: skip


# -- checks made before anything runs, as Keras's TF backend makes them ------------------------------------
def _shape(x: Any) -> tuple[int, ...]:
    if isinstance(x, (TensorBase, VariableBase)):
        return tuple(x._v.shape)
    return tuple(np.shape(x))


def _squeezed_shapes(st: tuple[int, ...], sp: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    a, b = squeeze_or_expand(np.empty(st, np.int8), np.empty(sp, np.int8))
    return a.shape, b.shape


def _check_shapes(loss: str, y_true: Any, y_pred: Any, wrapper: bool) -> None:
    st, sp = _shape(y_true), _shape(y_pred)
    if loss == "sparse_categorical_crossentropy":
        if len(st) == len(sp) and st and st[-1] == 1:
            st = st[:-1]
        if len(sp) < 1 or st != sp[:-1]:
            raise ValueError(
                "sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` without its last (class) "
                f"dimension. Received: y_true.shape={list(_shape(y_true))}, y_pred.shape={list(sp)}"
            )
    elif loss in ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy"):
        if wrapper:
            st, sp = _squeezed_shapes(st, sp)
        if st != sp:
            raise ValueError(
                f"{loss}: arguments `target` and `output` must have the same shape. "
                f"Received: target.shape={list(st)}, output.shape={list(sp)}"
            )


def _check_labels(y_true: Any, y_pred: Any, ignore_class: Any) -> None:
    """TF raises on a class index outside ``[0, classes)`` (XLA would wrap -1 round or give NaN).

    Checked when the labels are already computed arrays (input data, as usual); labels still pending
    in the queue or traced (tf.function) are not read, so as not to run the queue early."""
    v = y_true._v if isinstance(y_true, (TensorBase, VariableBase)) else y_true
    if isinstance(v, jax.core.Tracer) or type(v) is Pending:  # pyright: ignore[reportAttributeAccessIssue]
        return
    labels = np.asarray(v)
    if labels.size == 0 or dtypes_lib.np_kind(labels.dtype) not in "iuf":
        return
    labels = labels.astype(np.int64)  # (float labels are cast to int, as Keras does)
    if ignore_class is not None:
        labels = labels[labels != ignore_class]
    classes = _shape(y_pred)[-1]
    bad = labels[(labels < 0) | (labels >= classes)]
    if bad.size:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"sparse_categorical_crossentropy: Received a label value of {int(bad[0])} which is outside the valid "
            f"range of [0, {classes}). Label values: {labels.reshape(-1)[:16].tolist()}",
        )


def fused_loss(
    loss: str,
    y_true: Any,
    y_pred: Any,
    *extra: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: Any = None,
    dtype: str | None = None,
    wrapper: bool = False,
    epsilon: float = EPSILON,
    **params: Any,
) -> Tensor:
    """One fused Keras loss call: ``loss`` names the formula (a key of :data:`FORMULAS`).

    Args:
      extra: the formula's further arrays (``circle``'s reference labels and embeddings).
      sample_weight: Keras's sample weights, broadcast to the per-sample losses.
      mask: Keras's mask of ``y_pred`` (bool), merged with the loss's own (``ignore_class``).
      reduction: Keras's reduction, or None for the per-sample values.
      dtype: the Loss object's dtype both inputs are cast to; None: the functional form's rule.
      wrapper: fix ranks first, as ``LossFunctionWrapper.call`` does.
      epsilon: Keras's fuzz factor (clipping bounds, the ``+ eps`` of Poisson, Dice, Tversky).
      params: the formula's static parameters (hashable).
    """
    _check_shapes(loss, y_true, y_pred, wrapper)
    if loss == "sparse_categorical_crossentropy":
        _check_labels(y_true, y_pred, params.get("ignore_class"))
    return bind(
        keras_loss, y_true, y_pred, *extra, *_optional(mask, sample_weight), loss=loss, reduction=reduction,
        dtype=dtype, wrapper=wrapper, masked=mask is not None, weighted=sample_weight is not None,
        epsilon=float(epsilon), params=tuple(sorted(params.items())),
    )  # fmt: skip
