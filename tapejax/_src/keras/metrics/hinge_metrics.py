"""Keras 3's hinge metrics: ``Hinge``, ``SquaredHinge`` and ``CategoricalHinge``, as means over samples."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.metrics.metrics_utils import to_tensor
from tapejax._src.keras.metrics.reduction_metrics import MeanMetricWrapper
from tapejax._src.ops.math_ops import cast, equal, logical_or, maximum, square, where
from tapejax._src.ops.reduction_ops import reduce_all, reduce_max, reduce_mean, reduce_sum


def _hinge_labels(y_true: Any) -> Any:
    """Keras's ``convert_binary_labels_to_hinge``: labels all in {0, 1} become {-1, 1}; others stay."""
    is_binary = reduce_all(logical_or(equal(y_true, 0.0), equal(y_true, 1.0)))
    return where(is_binary, 2.0 * y_true - 1.0, y_true)


# The per-sample functions Keras takes from keras.losses (its metric classes wrap them).
def hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are first mapped to -1/1."""
    y_pred = to_tensor(y_pred)
    y_true = _hinge_labels(cast(to_tensor(y_true), y_pred.dtype))
    return reduce_mean(maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(max(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels are first mapped to -1/1."""
    y_pred = to_tensor(y_pred)
    y_true = _hinge_labels(cast(to_tensor(y_true), y_pred.dtype))
    return reduce_mean(square(maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    y_pred = to_tensor(y_pred)
    y_true = cast(to_tensor(y_true), y_pred.dtype)
    pos = reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return maximum(neg - pos + 1.0, 0.0)


class _HingeWrapper(MeanMetricWrapper):
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class Hinge(_HingeWrapper):
    """The mean hinge loss (``tf.keras.metrics.Hinge``); 0/1 labels count as -1/1.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.Hinge()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.3
    """

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(fn=hinge, name=name, dtype=dtype)
        self._direction = "down"


class SquaredHinge(_HingeWrapper):
    """The mean squared hinge loss (``tf.keras.metrics.SquaredHinge``); 0/1 labels count as -1/1."""

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)
        self._direction = "down"


class CategoricalHinge(_HingeWrapper):
    """The mean categorical hinge loss of one-hot labels (``tf.keras.metrics.CategoricalHinge``)."""

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)
        self._direction = "down"
