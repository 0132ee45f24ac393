"""Keras 3's correlation metrics: Pearson's and Lin's concordance correlation, as means over samples."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.metrics.metrics_utils import squeeze_or_expand_to_same_rank, to_tensor
from tapejax._src.keras.metrics.reduction_metrics import MeanMetricWrapper
from tapejax._src.ops.math_ops import square
from tapejax._src.ops.reduction_ops import reduce_mean, reduce_std, reduce_variance


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Pearson's correlation of ``y_true`` and ``y_pred`` along ``axis`` (one value per sample).

    >>> import tapejax as tf
    >>> r = tf.keras.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
    >>> [round(v, 4) for v in r.numpy().tolist()]
    [0.9934]
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true_norm = y_true - reduce_mean(y_true, axis=axis, keepdims=True)
    y_pred_norm = y_pred - reduce_mean(y_pred, axis=axis, keepdims=True)
    y_true_norm = y_true_norm / reduce_std(y_true_norm, axis=axis, keepdims=True)
    y_pred_norm = y_pred_norm / reduce_std(y_pred_norm, axis=axis, keepdims=True)
    return reduce_mean(y_true_norm * y_pred_norm, axis=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Lin's concordance correlation of ``y_true`` and ``y_pred`` along ``axis``, as Keras computes it.

    Differences from Keras: none; note that Keras's covariance term is ``(y_true - mean(y_pred)) *
    (y_pred - mean(y_pred))`` (it centres ``y_true`` on the prediction mean), reproduced here.
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true_mean = reduce_mean(y_true, axis=axis, keepdims=True)
    y_pred_mean = reduce_mean(y_pred, axis=axis, keepdims=True)
    y_true_var = reduce_variance(y_true - y_true_mean, axis=axis, keepdims=True)
    y_pred_var = reduce_variance(y_pred - y_pred_mean, axis=axis, keepdims=True)
    covar = (y_true - y_pred_mean) * (y_pred - y_pred_mean)
    norm = y_true_var + y_pred_var + square(y_true_mean - y_pred_mean)
    return reduce_mean(2.0 * covar / (norm + backend.epsilon()), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples of Pearson's correlation along ``axis`` (``tf.keras.metrics.PearsonCorrelation``)."""

    def __init__(self, name: str = "pearson_correlation", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples of the concordance correlation (``tf.keras.metrics.ConcordanceCorrelation``)."""

    def __init__(self, name: str = "concordance_correlation", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
