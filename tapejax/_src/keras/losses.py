"""``tf.keras.losses``: Keras 3.15's losses (the ``Loss`` base, the built-in classes and functions).

A built-in loss call (cast, Keras's rank fix-up, the per-sample loss, sample weights and the
reduction) is ONE fused op of the op table (``tapejax._src.ops.loss_ops``): one compiled kernel per
call, one node on the tape, and JAX supplies the gradient. ``CTC`` and user subclasses of ``Loss``
are written with tapejax ops and reduced by one more op. The functional forms (``huber``,
``kl_divergence``, ...) return the per-sample losses, as Keras's; metrics reuse them.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.keras import backend
from tapejax._src.ops import array_ops, loss_ops, math_ops, nn_ops, reduction_ops, shape_ops
from tapejax._src.ops.utils import as_tensor, shape_of
from tapejax._src.tensor import Tensor, keras_logits, keras_mask

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def _standardize_reduction(reduction: Any) -> Any:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{set(_REDUCTIONS)}. Received: reduction={reduction}"
        )
    return reduction


def _dtype_name(dtype: Any) -> str:
    """Keras's ``dtype_policies.get(dtype or floatx()).compute_dtype``."""
    if dtype is None:
        return backend.floatx()
    dtype = getattr(dtype, "compute_dtype", dtype)  # a DTypePolicy
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtype[len("mixed_") :]
    return dtypes_lib.as_dtype(dtype).name


# -- the functional forms: per-sample losses ----------------------------------------------------------------
def _fused(
    fn: Callable[..., Any],
    y_true: Any,
    y_pred: Any,
    *extra: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: Any = None,
    dtype: str | None = None,
    wrapper: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Calls ``fn``'s fused formula with its normalized (hashable) parameters; see ``_FUSED``.

    ``sample_weight`` ... ``wrapper`` are :func:`loss_ops.fused_loss`'s (its defaults); ``kwargs`` are
    ``fn``'s own parameters.
    """
    formula, normalize = _FUSED[fn]
    if fn in _FROM_KERAS_LOGITS:
        logits = keras_logits(y_pred)
        if logits is not None:
            # Keras' TF backend: the output of a sigmoid/softmax activation is replaced by its logits, so
            # a saturated prediction keeps its exact loss and gradient.
            if kwargs.get("from_logits"):
                warnings.warn(
                    f'"`{fn.__name__}` received `from_logits=True`, but the `output` argument was produced by a '
                    f"{_FROM_KERAS_LOGITS[fn]} activation and thus does not represent logits. Was this intended?",
                    stacklevel=3,
                )
            y_pred, kwargs["from_logits"] = logits, True
    check = _CHECKS.get(fn)
    if check is not None:
        if "axis" in kwargs:
            check(shape_of(y_pred), axis=kwargs["axis"])
        else:
            check(shape_of(y_pred))
    return loss_ops.fused_loss(
        formula,
        as_tensor(y_true),
        as_tensor(y_pred),
        *extra,
        sample_weight=sample_weight,
        mask=mask,
        reduction=reduction,
        dtype=dtype,
        wrapper=wrapper,
        epsilon=backend.epsilon(),
        **normalize(**kwargs),
    )


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean squared error over the last axis: ``mean(square(y_true - y_pred), axis=-1)``.

    >>> import tapejax as tf
    >>> tf.keras.losses.mse([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    return _fused(mean_squared_error, y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean absolute error over the last axis: ``mean(abs(y_true - y_pred), axis=-1)``.

    >>> import tapejax as tf
    >>> tf.keras.losses.mae([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    return _fused(mean_absolute_error, y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), 1e-7)), axis=-1)``.

    >>> import tapejax as tf
    >>> tf.keras.losses.MAPE([[100.0, 200.0]], [[90.0, 210.0]]).numpy().round(4)
    array([7.5], dtype=float32)
    """
    return _fused(mean_absolute_percentage_error, y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(square(log(maximum(y_pred, 1e-7) + 1) - log(maximum(y_true, 1e-7) + 1)), axis=-1)``."""
    return _fused(mean_squared_logarithmic_error, y_true, y_pred)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """Minus the cosine similarity along ``axis`` (0 where either vector is zero).

    >>> import tapejax as tf
    >>> tf.keras.losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]).numpy()
    array([-0.        , -0.99999994], dtype=float32)
    """
    return _fused(cosine_similarity, y_true, y_pred, axis=axis)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Huber loss, averaged over the last axis: quadratic for errors up to ``delta``, linear beyond."""
    return _fused(huber, y_true, y_pred, delta=delta)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log(2)``."""
    return _fused(log_cosh, y_true, y_pred)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels become -1/1 first."""
    return _fused(hinge, y_true, y_pred)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels become -1/1 first."""
    return _fused(squared_hinge, y_true, y_pred)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    return _fused(categorical_hinge, y_true, y_pred)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``."""
    return _fused(kl_divergence, y_true, y_pred)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """Poisson loss ``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``."""
    return _fused(poisson, y_true, y_pred)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Binary cross-entropy, averaged over ``axis``; probabilities are clipped to ``[1e-7, 1 - 1e-7]``.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.binary_crossentropy([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> loss.numpy().round(3)
    array([0.916, 0.714], dtype=float32)
    """
    return _fused(
        binary_crossentropy, y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary cross-entropy scaled by the focal factor ``(1 - p_t) ** gamma``, averaged over ``axis``.

    Args:
      apply_class_balancing: also weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
      alpha: the class-1 weight of class balancing.
      gamma: the focusing parameter (0: plain binary cross-entropy).
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: squeeze labels towards 0.5 by this amount.
      axis: the axis averaged over.
    """
    return _fused(
        binary_focal_crossentropy, y_true, y_pred, apply_class_balancing=apply_class_balancing, alpha=alpha,
        gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
    )  # fmt: skip


def _check_categorical(fn_name: str, shape: tuple[int, ...], axis: Any = -1) -> None:
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    if shape and shape[-1] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1. "
            f"Received: y_pred.shape={shape}. Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=4,
        )


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Categorical cross-entropy of one-hot (or soft) labels; probabilities are renormalised and clipped.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> loss.numpy().round(4)
    array([0.0513, 2.3026], dtype=float32)
    """
    return _fused(
        categorical_crossentropy, y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: Any = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical cross-entropy weighted by ``alpha * (1 - p) ** gamma`` per class, summed over ``axis``.

    Args:
      alpha: a weight for all classes, or a list of one weight per class.
      gamma: the focusing parameter (0: ``alpha`` times the categorical cross-entropy).
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: mix labels with the uniform distribution by this amount.
      axis: the class axis.
    """
    return _fused(
        categorical_focal_crossentropy, y_true, y_pred, alpha=alpha, gamma=gamma, from_logits=from_logits,
        label_smoothing=label_smoothing, axis=axis,
    )  # fmt: skip


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Tensor:
    """Categorical cross-entropy with integer class labels.

    Args:
      from_logits: whether ``y_pred`` holds logits.
      ignore_class: a label value whose entries give 0 (a Loss object also leaves them out of the mean).
      axis: the class axis; only the last one is supported.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> loss.numpy().round(4)
    array([0.0513, 2.3026], dtype=float32)
    """
    return _fused(
        sparse_categorical_crossentropy, y_true, y_pred, from_logits=from_logits, ignore_class=ignore_class, axis=axis
    )


def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Tensor:
    """Dice loss ``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)`` over ``axis`` (None: all)."""
    return _fused(dice, y_true, y_pred, axis=axis)


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Tensor:
    """Tversky loss ``1 - tp / (tp + alpha * fp + beta * fn + 1e-7)`` over ``axis`` (None: all).

    Args:
      alpha: the weight of false positives.
      beta: the weight of false negatives.
      axis: the axes summed over.
    """
    return _fused(tversky, y_true, y_pred, alpha=alpha, beta=beta, axis=axis)


def circle(
    y_true: Any,
    y_pred: Any,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
) -> Tensor:
    """Circle loss of L2-normalized embeddings ``y_pred`` with integer labels ``y_true``, one per sample.

    Args:
      ref_labels: labels of the reference embeddings (default ``y_true``).
      ref_embeddings: the reference embeddings (default ``y_pred``).
      remove_diagonal: leave self-similarities out of the positive pairs.
      gamma: the scale of the similarity scores.
      margin: the relaxation margin.
    """
    extra = ()
    if ref_labels is not None or ref_embeddings is not None:
        extra = (
            as_tensor(y_true) if ref_labels is None else as_tensor(ref_labels),
            as_tensor(y_pred) if ref_embeddings is None else as_tensor(ref_embeddings),
        )
    return _fused(circle, y_true, y_pred, *extra, remove_diagonal=remove_diagonal, gamma=gamma, margin=margin)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Tensor:
    """Generalized cross-entropy ``(1 - p ** q) / q`` of the true class's probability ``p`` (integer labels).

    Args:
      q: the noise parameter in ``(0, 1)``: towards 0 cross-entropy, towards 1 mean absolute error.
    """
    return _fused(categorical_generalized_cross_entropy, y_true, y_pred, q=q)


def ctc(y_true: Any, y_pred: Any) -> Tensor:
    """CTC loss of integer labels ``(batch, max_length)`` (0 is the blank and padding) and logits
    ``(batch, frames, classes)``, one value per sample.

    Raises:
      ValueError: if ``y_true`` is not 2-D or ``y_pred`` not 3-D.

    Differences from Keras: the loss of float64 logits is computed in float64 (Keras's TF backend
    computes it in float32).
    """
    y_pred, y_true = as_tensor(y_pred), as_tensor(y_true)
    if len(shape_of(y_true)) != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={shape_of(y_true)}"
        )
    if len(shape_of(y_pred)) != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={shape_of(y_pred)}"
        )
    batch, frames = shape_of(y_pred)[:2]
    labels = math_ops.cast(y_true, "int32")
    label_length = reduction_ops.reduce_sum(math_ops.cast(math_ops.not_equal(labels, 0), "int32"), axis=-1)
    logit_length = array_ops.convert_to_tensor([frames] * batch, "int32")
    return nn_ops.ctc_loss(labels, y_pred, label_length, logit_length, logits_time_major=False, blank_index=0)


def _no_params() -> dict[str, Any]:
    return {}


def _crossentropy_params(from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1) -> dict[str, Any]:
    return {"from_logits": bool(from_logits), "label_smoothing": float(label_smoothing), "axis": int(axis)}


def _binary_focal_params(
    apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0, **kwargs: Any
) -> dict[str, Any]:
    return {
        "apply_class_balancing": bool(apply_class_balancing),
        "alpha": float(alpha),
        "gamma": float(gamma),
        **_crossentropy_params(**kwargs),
    }


def _categorical_focal_params(alpha: Any = 0.25, gamma: float = 2.0, **kwargs: Any) -> dict[str, Any]:
    alpha = tuple(float(a) for a in alpha) if isinstance(alpha, (list, tuple)) else float(alpha)
    return {"alpha": alpha, "gamma": float(gamma), **_crossentropy_params(**kwargs)}


def _check_sparse(shape: tuple[int, ...], axis: int = -1) -> None:
    if axis != -1 and axis != len(shape) - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")


def _sparse_params(from_logits: bool = False, ignore_class: Any = None, axis: int = -1) -> dict[str, Any]:
    return {"from_logits": bool(from_logits), "ignore_class": None if ignore_class is None else int(ignore_class)}


def _axes(axis: Any) -> Any:
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else (None if axis is None else int(axis))


def _tversky_params(alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> dict[str, Any]:
    return {"alpha": float(alpha), "beta": float(beta), "axis": _axes(axis)}


def _circle_params(remove_diagonal: bool = True, gamma: float = 80.0, margin: float = 0.4) -> dict[str, Any]:
    return {"remove_diagonal": bool(remove_diagonal), "gamma": float(gamma), "margin": float(margin)}


# Each fused functional form: its formula in loss_ops.FORMULAS and its parameters' normalizer.
_FUSED: dict[Callable[..., Any], tuple[str, Callable[..., dict[str, Any]]]] = {
    mean_squared_error: ("mean_squared_error", _no_params),
    mean_absolute_error: ("mean_absolute_error", _no_params),
    mean_absolute_percentage_error: ("mean_absolute_percentage_error", _no_params),
    mean_squared_logarithmic_error: ("mean_squared_logarithmic_error", _no_params),
    cosine_similarity: ("cosine_similarity", lambda axis=-1: {"axis": int(axis)}),
    huber: ("huber", lambda delta=1.0: {"delta": float(delta)}),
    log_cosh: ("log_cosh", _no_params),
    hinge: ("hinge", _no_params),
    squared_hinge: ("squared_hinge", _no_params),
    categorical_hinge: ("categorical_hinge", _no_params),
    kl_divergence: ("kl_divergence", _no_params),
    poisson: ("poisson", _no_params),
    binary_crossentropy: ("binary_crossentropy", _crossentropy_params),
    binary_focal_crossentropy: ("binary_focal_crossentropy", _binary_focal_params),
    categorical_crossentropy: ("categorical_crossentropy", _crossentropy_params),
    categorical_focal_crossentropy: ("categorical_focal_crossentropy", _categorical_focal_params),
    sparse_categorical_crossentropy: ("sparse_categorical_crossentropy", _sparse_params),
    dice: ("dice", lambda axis=None: {"axis": _axes(axis)}),
    tversky: ("tversky", _tversky_params),
    circle: ("circle", _circle_params),
    categorical_generalized_cross_entropy: ("categorical_generalized_cross_entropy", lambda q: {"q": float(q)}),
}

# Keras's checks of the functional forms (the classes call them too): ``check(y_pred.shape, axis=...)``.
_CHECKS: dict[Callable[..., Any], Callable[..., None]] = {
    categorical_crossentropy: functools.partial(_check_categorical, "categorical_crossentropy"),
    categorical_focal_crossentropy: functools.partial(_check_categorical, "categorical_focal_crossentropy"),
    sparse_categorical_crossentropy: _check_sparse,
}


# -- the classes -----------------------------------------------------------------------------------------------
def _auto_name(cls: type) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", cls.__name__).lower()


class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight=None)``.

    Subclass it and implement ``call(y_true, y_pred)`` returning per-sample losses (written with
    tapejax ops); ``__call__`` casts the inputs to ``dtype``, applies ``sample_weight`` and reduces.

    Args:
      reduction: ``"sum_over_batch_size"`` (the mean over all loss values, the default) or its alias
        ``"mean"``, ``"sum"``, ``"mean_with_sample_weight"`` (the sum divided by the sum of the
        weights), or ``"none"``/``None`` (no reduction).
      name: the loss's name (default: the class name in snake case).
      dtype: the computation dtype (default ``tf.keras.backend.floatx()``, float32).

    Raises:
      ValueError: for an unknown ``reduction``.

    A Keras mask on ``y_pred`` (``_keras_mask``, set by masking layers) and the masks of the
    built-in losses (``ignore_class``, ``Circle``) leave entries out, as in Keras.

    Differences from Keras: Keras's TF backend recovers the
    logits when ``y_pred`` is the direct output of a ``softmax``/``sigmoid``; tapejax uses the
    probabilities as given (clipped to ``[1e-7, 1 - 1e-7]``), which differs only for saturated
    probabilities. ``y_true``/``y_pred`` are tensors, not nested structures.

    >>> import tapejax as tf
    >>> class SquaredError(tf.keras.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.square(y_pred - y_true)
    >>> float(SquaredError(reduction="sum")([0.0, 0.0], [1.0, 3.0]))
    10.0
    """

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None) -> None:
        self.name = name or _auto_name(type(self))
        self.reduction = _standardize_reduction(reduction)
        self._dtype = _dtype_name(dtype)

    @property
    def dtype(self) -> str:
        """The computation dtype's name."""
        return self._dtype

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """The per-sample losses (subclasses implement it)."""
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        in_mask = keras_mask(y_pred)
        y_true = math_ops.cast(as_tensor(y_true), self._dtype)
        y_pred = math_ops.cast(as_tensor(y_pred), self._dtype)
        values = as_tensor(self.call(y_true, y_pred))
        out_mask = keras_mask(values)
        if in_mask is not None and out_mask is not None:
            mask = math_ops.logical_and(math_ops.cast(in_mask, "bool"), math_ops.cast(out_mask, "bool"))
        else:
            mask = out_mask if in_mask is None else in_mask
        values = math_ops.cast(values, self._dtype)
        if sample_weight is not None:
            sample_weight = math_ops.cast(as_tensor(sample_weight), self._dtype)
        return loss_ops.reduce_loss(values, sample_weight, self.reduction, mask=mask)

    def get_config(self) -> dict[str, Any]:
        """``{"name": ..., "reduction": ...}`` (subclasses add their arguments)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        """``cls(**config)``."""
        return cls(**config)


def _squeeze_or_expand(x1: Any, x2: Any) -> tuple[Any, Any]:
    """Keras's ``squeeze_or_expand_to_same_rank`` on tensors."""
    s1, s2 = shape_of(x1), shape_of(x2)
    if len(s1) == len(s2) + 1 and s1[-1] == 1:
        if len(s2) == 1:
            x2 = shape_ops.expand_dims(x2, -1)
        else:
            x1 = shape_ops.squeeze(x1, -1)
    if len(s2) == len(s1) + 1 and s2[-1] == 1:
        if len(s1) == 1:
            x1 = shape_ops.expand_dims(x1, -1)
        else:
            x2 = shape_ops.squeeze(x2, -1)
    return x1, x2


class LossFunctionWrapper(Loss):
    """A ``Loss`` from a function ``fn(y_true, y_pred, **kwargs)`` of per-sample losses.

    The built-in functions run as one fused op (loss, weights and reduction together).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: Any = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        if self.fn in _FUSED:
            return _fused(self.fn, y_true, y_pred, wrapper=True, **self._fn_kwargs)
        y_true, y_pred = _squeeze_or_expand(as_tensor(y_true), as_tensor(y_pred))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        if self.fn not in _FUSED:
            return super().__call__(y_true, y_pred, sample_weight)
        if sample_weight is not None:
            sample_weight = as_tensor(sample_weight)
        mask = keras_mask(y_pred)
        return _fused(
            self.fn, y_true, y_pred, sample_weight=sample_weight, mask=None if mask is None else as_tensor(mask),
            reduction=self.reduction, dtype=self._dtype, wrapper=True, **self._fn_kwargs,
        )  # fmt: skip

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        if "fn" in config:
            config = {**config, "fn": deserialize(config["fn"])}
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A built-in class: its config is Keras's (``Loss``'s plus the names in ``_config_keys``)."""

    _config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), **{k: getattr(self, k) for k in self._config_keys}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)


class MeanSquaredError(_BuiltinLoss):
    """Mean of squared errors: ``mean(square(y_true - y_pred))``.

    >>> import tapejax as tf
    >>> float(tf.keras.losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(_BuiltinLoss):
    """Mean of absolute errors: ``mean(abs(y_true - y_pred))``.

    >>> import tapejax as tf
    >>> round(float(tf.keras.losses.MeanAbsoluteError()([1.0, 0.3, 1.0], [1.9, 0.3, 1.8])), 6)
    0.566667
    """

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(_BuiltinLoss):
    """Mean absolute percentage error: ``100 * mean(abs((y_true - y_pred) / y_true))``.

    >>> import tapejax as tf
    >>> round(float(tf.keras.losses.MeanAbsolutePercentageError()([100.0, 200.0, 300.0], [90.0, 210.0, 310.0])), 4)
    6.1111
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "mean_absolute_percentage_error", dtype: Any = None
    ):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Mean squared logarithmic error: ``mean(square(log(y_true + 1) - log(y_pred + 1)))``."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "mean_squared_logarithmic_error", dtype: Any = None
    ):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(_BuiltinLoss):
    """Minus the cosine similarity of ``y_true`` and ``y_pred`` along ``axis``.

    Args:
      axis: the feature axis (as in Keras, it is not part of ``get_config()``).
    """

    def __init__(
        self, axis: int = -1, reduction: Any = "sum_over_batch_size", name: str = "cosine_similarity", dtype: Any = None
    ):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)


class Huber(_BuiltinLoss):
    """Huber loss: ``0.5 * x**2`` for ``|x| <= delta``, ``delta * |x| - 0.5 * delta**2`` beyond.

    Args:
      delta: where the loss turns from quadratic to linear (as in Keras, it is not part of
        ``get_config()``).

    >>> import tapejax as tf
    >>> round(float(tf.keras.losses.Huber()([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])), 3)
    0.155
    """

    def __init__(
        self, delta: float = 1.0, reduction: Any = "sum_over_batch_size", name: str = "huber_loss", dtype: Any = None
    ):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(_BuiltinLoss):
    """Logarithm of the hyperbolic cosine of the error ``y_pred - y_true``, averaged."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "log_cosh", dtype: Any = None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class Hinge(_BuiltinLoss):
    """Hinge loss ``maximum(1 - y_true * y_pred, 0)`` for -1/1 labels (0/1 labels are converted)."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "hinge", dtype: Any = None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(_BuiltinLoss):
    """Squared hinge loss ``square(maximum(1 - y_true * y_pred, 0))`` (0/1 labels are converted to -1/1)."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "squared_hinge", dtype: Any = None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(_BuiltinLoss):
    """Categorical hinge loss ``maximum(neg - pos + 1, 0)`` of one-hot labels."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "categorical_hinge", dtype: Any = None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(_BuiltinLoss):
    """Kullback-Leibler divergence ``y_true * log(y_true / y_pred)`` (both clipped to ``[1e-7, 1]``)."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "kl_divergence", dtype: Any = None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(_BuiltinLoss):
    """Poisson loss ``y_pred - y_true * log(y_pred)``."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "poisson", dtype: Any = None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class BinaryCrossentropy(_BuiltinLoss):
    """Binary cross-entropy for 0/1 labels and probabilities (or logits with ``from_logits=True``).

    Args:
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: squeeze labels towards 0.5 by this amount.
      axis: the axis averaged over.

    >>> import tapejax as tf
    >>> bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(bce([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8])), 4)
    0.8655
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
            from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
        )  # fmt: skip
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary cross-entropy scaled by the focal factor ``(1 - p_t) ** gamma`` (Lin et al., 2018).

    Args:
      apply_class_balancing: also weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
      alpha: the class-1 weight of class balancing.
      gamma: the focusing parameter (0: plain binary cross-entropy).
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: squeeze labels towards 0.5 by this amount.
      axis: the axis averaged over.

    >>> import tapejax as tf
    >>> loss = tf.keras.losses.BinaryFocalCrossentropy(gamma=2, from_logits=True)
    >>> round(float(loss([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8])), 3)
    0.691
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
            apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
            from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
        )  # fmt: skip
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


class CategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy between one-hot labels and probabilities (or logits with ``from_logits=True``).

    Args:
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: mix labels with the uniform distribution by this amount.
      axis: the class axis.

    >>> import tapejax as tf
    >>> cce = tf.keras.losses.CategoricalCrossentropy()
    >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
            from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
        )  # fmt: skip
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Categorical cross-entropy weighted by ``alpha * (1 - p) ** gamma`` (Lin et al., 2018).

    Args:
      alpha: a weight for all classes, or a list of one weight per class.
      gamma: the focusing parameter.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: mix labels with the uniform distribution by this amount.
      axis: the class axis.

    >>> import tapejax as tf
    >>> cce = tf.keras.losses.CategoricalFocalCrossentropy()
    >>> round(float(cce([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 5)
    0.23315
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(
        self,
        alpha: Any = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
            alpha=alpha, gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
        )  # fmt: skip
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy between integer class labels and probabilities (or logits with ``from_logits=True``).

    Args:
      from_logits: whether ``y_pred`` holds logits.
      ignore_class: a label value whose entries contribute nothing (and are not counted in the mean).
      axis: the class axis; only the last one is supported.

    >>> import tapejax as tf
    >>> scce = tf.keras.losses.SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: Any = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
            from_logits=from_logits, ignore_class=ignore_class, axis=axis,
        )  # fmt: skip
        self.from_logits = from_logits
        self.ignore_class = ignore_class


class CTC(_BuiltinLoss):
    """Connectionist temporal classification loss of integer labels (0: blank) and logits; see :func:`ctc`."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "ctc", dtype: Any = None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)


class Dice(_BuiltinLoss):
    """Dice loss ``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`` over ``axis``.

    Args:
      axis: the axes summed over (None: all, giving one scalar).

    >>> import tapejax as tf
    >>> y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    >>> y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    >>> tf.keras.losses.Dice(axis=(1, 2, 3), reduction=None)(y_true, y_pred).numpy()
    array([0.5       , 0.75757575], dtype=float32)
    """

    _config_keys = ("axis",)

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "dice", axis: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(_BuiltinLoss):
    """Tversky loss ``1 - tp / (tp + alpha * fp + beta * fn)`` over ``axis`` (Salehi et al., 2017).

    Args:
      alpha: the weight of false positives.
      beta: the weight of false negatives.
      axis: the axes summed over (None: all).
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


class Circle(_BuiltinLoss):
    """Circle loss (Sun et al., 2020) of integer labels and L2-normalized embeddings.

    Only the samples with a positive loss count in the mean (Keras's mask).

    Args:
      gamma: the scale of the similarity scores.
      margin: the relaxation margin.
      remove_diagonal: leave self-similarities out of the positive pairs.
    """

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: Any = "sum_over_batch_size",
        name: str = "circle",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            circle, name=name, reduction=reduction, dtype=dtype,
            gamma=gamma, margin=margin, remove_diagonal=remove_diagonal,
        )  # fmt: skip
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal


class CategoricalGeneralizedCrossEntropy(_BuiltinLoss):
    """Generalized cross-entropy ``(1 - p ** q) / q`` (Zhang and Sabuncu, 2018) of integer labels.

    Args:
      q: the noise parameter in ``(0, 1)``.

    Raises:
      ValueError: if ``q`` is not in ``(0, 1)``.
    """

    _config_keys = ("q",)

    def __init__(
        self,
        q: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype, q=q)
        self.q = q


class Reduction:
    """The legacy reduction names (``tf.keras.losses.Reduction``); Keras 3's losses take the strings."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        """The four names."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: Any) -> None:
        """Raises ValueError unless ``key`` is one of :meth:`all`."""
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


# -- lookup and serialization -------------------------------------------------------------------------------
_CLASSES: tuple[type[Loss], ...] = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, MeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, Circle, CategoricalGeneralizedCrossEntropy, CTC,
)  # fmt: skip
_FUNCTIONS: tuple[Callable[..., Any], ...] = (*_FUSED, ctc)
# Keras 3.15 leaves the generalized cross-entropy out of its lookup table: get() and deserialize() raise.
_UNLISTED = (CategoricalGeneralizedCrossEntropy, categorical_generalized_cross_entropy)
ALL_OBJECTS: dict[str, Any] = {obj.__name__: obj for obj in (*_CLASSES, *_FUNCTIONS) if obj not in _UNLISTED}
ALL_OBJECTS.update(
    {
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "kld": kl_divergence,
        "KLD": kl_divergence,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
        "mape": mean_absolute_percentage_error,
        "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "MSLE": mean_squared_logarithmic_error,
    }
)


def serialize(loss: Any) -> Any:
    """A loss's config dict (Keras 3's format): ``{"module", "class_name", "config", "registered_name"}``.

    >>> import tapejax as tf
    >>> tf.keras.losses.serialize(tf.keras.losses.Huber())["config"]
    {'name': 'huber_loss', 'reduction': 'sum_over_batch_size'}
    >>> tf.keras.losses.serialize(tf.keras.losses.mse)["config"]
    'mean_squared_error'
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        builtin = type(loss) in _CLASSES
        return {
            "module": "keras.losses" if builtin else None,
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None if builtin else type(loss).__name__,
        }
    if inspect.isfunction(loss):
        return {"module": "builtins", "class_name": "function", "config": loss.__name__, "registered_name": "function"}
    raise ValueError(f"Cannot serialize {loss!r}: expected a Loss instance or a loss function.")


def _lookup(name: str, custom_objects: dict[str, Any] | None) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in ALL_OBJECTS:
        return ALL_OBJECTS[name]
    raise ValueError(f"Could not interpret loss identifier: {name}")


def deserialize(name: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The loss a :func:`serialize` dict (or a name) describes.

    Args:
      name: a config dict, or the name of a loss function or class (a class is instantiated).
      custom_objects: more names to look up (user classes and functions).

    Raises:
      ValueError: for an unknown name.

    Differences from Keras: the aliases (``"mse"``, ``"kld"``, ...) resolve, as in :func:`get`
    (Keras 3.15 raises); an unknown name raises (Keras returns it unchanged).
    """
    if isinstance(name, dict):
        class_name = name.get("class_name")
        config = name.get("config")
        if class_name == "function":
            return _lookup(config, custom_objects)
        cls = _lookup(class_name, custom_objects)
        return cls.from_config(config or {})
    if isinstance(name, str):
        obj = _lookup(name, custom_objects)
        return obj() if obj in _CLASSES else obj  # (Keras instantiates its own classes only)
    raise ValueError(f"Could not interpret loss identifier: {name}")


def get(identifier: Any) -> Any:
    """A loss from a name (``"mse"``, ``"binary_crossentropy"``, ``"Huber"``: a class is instantiated),
    a config dict, a function or a ``Loss``; None stays None.

    Raises:
      ValueError: for an unknown name or a value that is not a loss (as in Keras 3.15, the names of
        ``CategoricalGeneralizedCrossEntropy`` and its function are unknown).

    >>> import tapejax as tf
    >>> tf.keras.losses.get("mse").__name__
    'mean_squared_error'
    >>> tf.keras.losses.get("CategoricalCrossentropy").name
    'categorical_crossentropy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


# The cross-entropies that read a sigmoid/softmax output's logits (Keras' TF backend ``_get_logits``).
_FROM_KERAS_LOGITS = {
    binary_crossentropy: "Sigmoid",
    categorical_crossentropy: "Softmax",
    sparse_categorical_crossentropy: "Softmax",
}
