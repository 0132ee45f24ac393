"""``tf.keras.losses``: Keras 3's losses, each one fused op on the tape.

A built-in loss call (cast, Keras's rank fix-up, the per-sample loss, sample weights and the
reduction) is ONE op of the op table: one compiled kernel per call, one node on the tape, and JAX
supplies the gradient. The formulas are Keras 3's (``keras/src/losses/losses.py`` and the
TensorFlow backend's ``nn.py``), including where TF clips (``epsilon = 1e-7``) and the stable form
of the sigmoid cross-entropy; clipping passes the gradient at the bounds, as ``tf.clip_by_value``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, TensorBase, VariableBase, bind
from tapejax._src.lazy import Pending
from tapejax._src.ops.math_ops import _abs_impl
from tapejax._src.tensor import Tensor

EPSILON = 1e-7
_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def _standardize_reduction(reduction: Any) -> Any:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {set(_REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return "none" if reduction is None else reduction


# -- pure per-sample losses (jnp), Keras's formulas ----------------------------------------------------
def _squeeze_or_expand(x1: Any, x2: Any) -> tuple[Any, Any]:
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


def _clip(x: Any, lo: float, hi: float) -> Any:
    # Written with where (not jnp.clip) so the gradient is 1 at the bounds, as tf.clip_by_value's.
    return jnp.where(x < lo, jnp.asarray(lo, x.dtype), jnp.where(x > hi, jnp.asarray(hi, x.dtype), x))


def _mse(yt: Any, yp: Any) -> Any:
    return jnp.mean(jnp.square(yt - yp), axis=-1)


def _mae(yt: Any, yp: Any) -> Any:
    return jnp.mean(_abs_impl(yt - yp), axis=-1)  # (TF's abs: gradient 0 where prediction = target)


def _bce(yt: Any, yp: Any, *, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1) -> Any:
    if label_smoothing:
        yt = yt * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x * z + log1p(exp(-|x|)), written with
        # TF's where-branches so its derivative is TF's.
        cond = yp >= 0
        relu_logits = jnp.where(cond, yp, jnp.zeros_like(yp))
        neg_abs_logits = jnp.where(cond, -yp, yp)
        per_element = relu_logits - yp * yt + jnp.log1p(jnp.exp(neg_abs_logits))
    else:
        o = _clip(yp, EPSILON, 1.0 - EPSILON)
        per_element = -(yt * jnp.log(o) + (1 - yt) * jnp.log(1 - o))
    return jnp.mean(per_element, axis=axis)


def _cce(yt: Any, yp: Any, *, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1) -> Any:
    if label_smoothing:
        num_classes = yt.shape[-1]
        yt = yt * (1.0 - label_smoothing) + (label_smoothing / num_classes)
    if from_logits:
        return -jnp.sum(yt * jax.nn.log_softmax(yp, axis=axis), axis=axis)
    o = yp / jnp.sum(yp, axis=axis, keepdims=True)
    o = _clip(o, EPSILON, 1.0 - EPSILON)
    return -jnp.sum(yt * jnp.log(o), axis=axis)


def _scce(yt: Any, yp: Any, *, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1) -> Any:
    if yt.ndim == yp.ndim and yt.shape[-1] == 1:
        yt = jnp.squeeze(yt, -1)
    valid = None
    if ignore_class is not None:
        valid = yt != jnp.asarray(ignore_class, yt.dtype)
        yt = yt * valid.astype(yt.dtype)
        yp = yp * jnp.expand_dims(valid, -1).astype(yp.dtype)
    labels = yt.astype(jnp.int32)
    logits = yp if from_logits else jnp.log(_clip(yp, EPSILON, 1 - EPSILON))
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    res = -jnp.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
    if valid is not None:
        res = jnp.where(valid, res, jnp.zeros_like(res))
    return res


class _LossFn:
    """One Keras loss function: its per-sample jnp formula and whether labels are class indices."""

    __slots__ = ("fn", "name", "op", "sparse", "squeeze")

    def __init__(self, name: str, fn: Callable[..., Any], squeeze: bool, sparse: bool = False) -> None:
        self.name = name
        self.fn = fn
        self.squeeze = squeeze
        self.sparse = sparse
        self.op = Op(name, functools.partial(_fused_impl, spec=self))


def _fused_impl(
    y_true: Any,
    y_pred: Any,
    *sample_weight: Any,
    spec: _LossFn,
    reduction: str,
    dtype: str | None,
    wrapper: bool,
    params: tuple[tuple[str, Any], ...],
) -> Any:
    if dtype is not None:
        y_pred = y_pred.astype(dtype)
        y_true = y_true.astype(dtype)
    elif not spec.sparse:
        y_true = y_true.astype(y_pred.dtype)
    if wrapper or spec.squeeze:
        y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    values = spec.fn(y_true, y_pred, **dict(params))
    mask = None
    if spec.sparse and dict(params).get("ignore_class") is not None:
        yt = y_true
        if yt.ndim == y_pred.ndim and yt.shape[-1] == 1:
            yt = jnp.squeeze(yt, -1)
        mask = (yt != jnp.asarray(dict(params)["ignore_class"], yt.dtype)).astype(values.dtype)
    return _reduce_weighted(values, sample_weight[0] if sample_weight else None, mask, reduction)


def _reduce_weighted(values: Any, sample_weight: Any, mask: Any, reduction: str) -> Any:
    """Keras's ``reduce_weighted_values``: mask and sample weight, then the reduction."""
    if mask is not None:
        if reduction in ("mean", "sum_over_batch_size"):
            total = jnp.asarray(mask.size, mask.dtype)
            valid = jnp.sum(mask)
            mask = mask * jnp.where(valid == 0, jnp.zeros_like(valid), total / jnp.where(valid == 0, 1, valid))
        if sample_weight is not None:
            sample_weight = sample_weight.astype(values.dtype)
            mask, sample_weight = _squeeze_or_expand(mask, sample_weight)
            sample_weight = sample_weight * mask
        else:
            sample_weight = mask
    if sample_weight is not None:
        sample_weight = sample_weight.astype(values.dtype)
        values, sample_weight = _squeeze_or_expand(values, sample_weight)
        values = values * sample_weight
    if reduction == "none" or values.shape in ((), (0,)):
        return values
    loss = jnp.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = jnp.sum(sample_weight).astype(loss.dtype)
            loss = jnp.where(divisor == 0, jnp.zeros_like(loss), loss / jnp.where(divisor == 0, 1, divisor))
        else:
            # True division (XLA would multiply by a rounded reciprocal of a constant).
            loss = loss / jax.lax.optimization_barrier(jnp.asarray(values.size, loss.dtype))
    return loss


_MSE = _LossFn("mean_squared_error", _mse, squeeze=True)
_MAE = _LossFn("mean_absolute_error", _mae, squeeze=True)
_BCE = _LossFn("binary_crossentropy", _bce, squeeze=False)
_CCE = _LossFn("categorical_crossentropy", _cce, squeeze=False)
_SCCE = _LossFn("sparse_categorical_crossentropy", _scce, squeeze=False, sparse=True)
_reduce_op = Op(
    "reduce_weighted_loss", lambda v, *sw, reduction: _reduce_weighted(v, sw[0] if sw else None, None, reduction)
)


def _shape(x: Any) -> tuple[int, ...]:
    if isinstance(x, (TensorBase, VariableBase)):
        return tuple(x._v.shape)
    return tuple(np.shape(x))


def _check_shapes(spec: _LossFn, y_true: Any, y_pred: Any, wrapper: bool) -> None:
    """Keras's (TF backend's) argument checks, raised as ValueError before anything runs."""
    st, sp = _shape(y_true), _shape(y_pred)
    if spec is _SCCE:
        if len(st) == len(sp) and st and st[-1] == 1:
            st = st[:-1]
        if len(sp) < 1 or st != sp[:-1]:
            raise ValueError(
                "sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` without its last (class) "
                f"dimension. Received: y_true.shape={list(_shape(y_true))}, y_pred.shape={list(sp)}"
            )
    elif spec in (_BCE, _CCE):
        if wrapper:
            st, sp = _squeezed_shapes(st, sp)
        if st != sp:
            raise ValueError(
                f"{spec.name}: arguments `target` and `output` must have the same shape. "
                f"Received: target.shape={list(st)}, output.shape={list(sp)}"
            )


def _check_labels(spec: _LossFn, y_true: Any, y_pred: Any, ignore_class: Any) -> None:
    """TF raises on a class index outside ``[0, classes)`` (XLA would wrap -1 round or give NaN).

    Checked when the labels are already computed arrays (input data, as usual); labels still pending
    in the queue or traced (tf.function) are not read, so as not to run the queue early."""
    v = y_true._v if isinstance(y_true, (TensorBase, VariableBase)) else y_true
    if isinstance(v, jax.core.Tracer) or type(v) is Pending:  # pyright: ignore[reportAttributeAccessIssue]
        return
    labels = np.asarray(v)
    if labels.size == 0 or labels.dtype.kind not in "iuf":
        return
    labels = labels.astype(np.int64)  # (float labels are cast to int, as Keras does)
    if ignore_class is not None:
        labels = labels[labels != ignore_class]
    classes = (y_pred._v if isinstance(y_pred, (TensorBase, VariableBase)) else np.asarray(y_pred)).shape[-1]
    bad = labels[(labels < 0) | (labels >= classes)]
    if bad.size:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"{spec.name}: Received a label value of {int(bad[0])} which is outside the valid range of "
            f"[0, {classes}). Label values: {labels.reshape(-1)[:16].tolist()}",
        )


def _squeezed_shapes(st: tuple[int, ...], sp: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    a, b = _squeeze_or_expand(np.empty(st, np.int8), np.empty(sp, np.int8))
    return a.shape, b.shape


def _call(
    spec: _LossFn,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    *,
    reduction: str,
    dtype: str | None,
    wrapper: bool,
    **params: Any,
) -> Tensor:
    _check_shapes(spec, y_true, y_pred, wrapper)
    if spec.sparse:
        _check_labels(spec, y_true, y_pred, params.get("ignore_class"))
    args = (y_true, y_pred) if sample_weight is None else (y_true, y_pred, sample_weight)
    return bind(spec.op, *args, reduction=reduction, dtype=dtype, wrapper=wrapper, params=tuple(sorted(params.items())))


def _dtype_name(dtype: Any) -> str:
    return "float32" if dtype is None else dtypes_lib.as_dtype(dtype).name


# -- the functional forms --------------------------------------------------------------------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean squared error over the last axis: ``mean(square(y_true - y_pred), axis=-1)``.

    >>> import tapejax as tf
    >>> tf.keras.losses.mean_squared_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    return _call(_MSE, y_true, y_pred, reduction="none", dtype=None, wrapper=False)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean absolute error over the last axis: ``mean(abs(y_true - y_pred), axis=-1)``.

    >>> import tapejax as tf
    >>> tf.keras.losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    return _call(_MAE, y_true, y_pred, reduction="none", dtype=None, wrapper=False)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Binary cross-entropy, averaged over ``axis``; probabilities are clipped to ``[1e-7, 1 - 1e-7]``.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.binary_crossentropy([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> loss.numpy().round(3)
    array([0.916, 0.714], dtype=float32)
    """
    return _call(
        _BCE, y_true, y_pred, reduction="none", dtype=None, wrapper=False,
        from_logits=bool(from_logits), label_smoothing=float(label_smoothing), axis=int(axis),
    )  # fmt: skip


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Categorical cross-entropy of one-hot (or soft) labels; probabilities are renormalised and clipped.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> loss.numpy().round(4)
    array([0.0513, 2.3026], dtype=float32)
    """
    return _call(
        _CCE, y_true, y_pred, reduction="none", dtype=None, wrapper=False,
        from_logits=bool(from_logits), label_smoothing=float(label_smoothing), axis=int(axis),
    )  # fmt: skip


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Tensor:
    """Categorical cross-entropy with integer class labels.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> loss.numpy().round(4)
    array([0.0513, 2.3026], dtype=float32)
    """
    if axis not in (-1, len(_shape(y_pred)) - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    return _call(
        _SCCE, y_true, y_pred, reduction="none", dtype=None, wrapper=False,
        from_logits=bool(from_logits), ignore_class=ignore_class,
    )  # fmt: skip


# -- the classes ---------------------------------------------------------------------------------------
def _auto_name(cls: type) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", cls.__name__).lower()


class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight=None)``.

    Subclass it and implement ``call(y_true, y_pred)`` returning per-sample losses (written with
    tapejax ops); ``__call__`` casts the inputs to ``dtype``, applies ``sample_weight`` and reduces.

    Args:
      reduction: ``"sum_over_batch_size"`` (the mean over all loss values), ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"`` (sum divided by the sum of the weights), or ``"none"``/``None``.
      name: the loss's name.
      dtype: the computation dtype (default float32, Keras's ``floatx``).

    Raises:
      ValueError: for an unknown ``reduction``.

    Differences from TensorFlow: Keras's TF backend recovers the logits when ``y_pred`` is the
    direct output of a ``softmax``/``sigmoid`` op (``_keras_logits``); tapejax always uses the
    probabilities as given (clipped to ``[1e-7, 1 - 1e-7]``), which differs only for saturated
    probabilities. Keras masks (``_keras_mask``) are not supported; ``ignore_class`` is.
    """

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None) -> None:
        self.name = name or _auto_name(type(self))
        self.reduction = _standardize_reduction(reduction)
        self._dtype = _dtype_name(dtype)

    @property
    def dtype(self) -> str:
        return self._dtype

    def call(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        from tapejax._src.ops import math_ops

        y_true = math_ops.cast(_as_tensor(y_true), self._dtype)
        y_pred = math_ops.cast(_as_tensor(y_pred), self._dtype)
        values = self.call(y_true, y_pred)
        args = (values,) if sample_weight is None else (values, math_ops.cast(_as_tensor(sample_weight), self._dtype))
        return bind(_reduce_op, *args, reduction=self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)


def _as_tensor(x: Any) -> Any:
    if isinstance(x, (TensorBase, VariableBase)):
        return x
    from tapejax._src.ops import array_ops

    return array_ops.convert_to_tensor(x)


class _FusedLoss(Loss):
    """A built-in loss: ``__call__`` is one fused op (cast, per-sample loss, weights, reduction)."""

    _spec: _LossFn

    def _params(self) -> dict[str, Any]:
        return {}

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return _call(self._spec, y_true, y_pred, reduction="none", dtype=self._dtype, wrapper=True, **self._params())

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        return _call(
            self._spec, y_true, y_pred, sample_weight,
            reduction=self.reduction, dtype=self._dtype, wrapper=True, **self._params(),
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class MeanSquaredError(_FusedLoss):
    """Mean of squared errors: ``mean(square(y_true - y_pred))``.

    Args:
      reduction: see :class:`Loss`.
      name: the loss's name.
      dtype: the computation dtype.

    >>> import tapejax as tf
    >>> mse = tf.keras.losses.MeanSquaredError()
    >>> float(mse([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """

    _spec = _MSE

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(_FusedLoss):
    """Mean of absolute errors: ``mean(abs(y_true - y_pred))``.

    Args:
      reduction: see :class:`Loss`.
      name: the loss's name.
      dtype: the computation dtype.

    >>> import tapejax as tf
    >>> float(tf.keras.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """

    _spec = _MAE

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class _SmoothedCrossentropy(_FusedLoss):
    """What binary and categorical cross-entropy share: ``from_logits``, ``label_smoothing``, ``axis``."""

    from_logits: bool
    label_smoothing: float
    axis: int

    def _params(self) -> dict[str, Any]:
        return {
            "from_logits": bool(self.from_logits),
            "label_smoothing": float(self.label_smoothing),
            "axis": int(self.axis),
        }

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class BinaryCrossentropy(_SmoothedCrossentropy):
    """Binary cross-entropy for 0/1 labels and probabilities (or logits with ``from_logits=True``).

    Args:
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: squeeze labels towards 0.5 by this amount.
      axis: the axis averaged over.
      reduction: see :class:`Loss`.
      name: the loss's name.
      dtype: the computation dtype.

    >>> import tapejax as tf
    >>> bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(bce([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8])), 4)
    0.8655
    """

    _spec = _BCE

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(_SmoothedCrossentropy):
    """Cross-entropy between one-hot labels and probabilities (or logits with ``from_logits=True``).

    Args:
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: mix labels with the uniform distribution by this amount.
      axis: the class axis.
      reduction: see :class:`Loss`.
      name: the loss's name.
      dtype: the computation dtype.

    >>> import tapejax as tf
    >>> cce = tf.keras.losses.CategoricalCrossentropy()
    >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    _spec = _CCE

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_FusedLoss):
    """Cross-entropy between integer class labels and probabilities (or logits with ``from_logits=True``).

    Args:
      from_logits: whether ``y_pred`` holds logits.
      ignore_class: a label value whose entries contribute nothing (and are not counted).
      reduction: see :class:`Loss`.
      name: the loss's name.
      dtype: the computation dtype.

    >>> import tapejax as tf
    >>> scce = tf.keras.losses.SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    _spec = _SCCE

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: Any = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _params(self) -> dict[str, Any]:
        return {"from_logits": bool(self.from_logits), "ignore_class": self.ignore_class}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class}


_BY_NAME: dict[str, Any] = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}
_CLASSES: dict[str, type[Loss]] = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
    )
}


def get(identifier: Any) -> Any:
    """A loss from its name (``"mse"``, ``"binary_crossentropy"``, ``"MeanSquaredError"``), or ``identifier``
    itself if it is already callable.

    Raises:
      ValueError: for an unknown name.
    """
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if identifier in _BY_NAME:
            return _BY_NAME[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
