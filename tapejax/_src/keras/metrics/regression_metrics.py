"""Keras 3's regression metrics: MSE, RMSE, MAE, MAPE, MSLE, cosine similarity, log-cosh and R2."""

from __future__ import annotations

import warnings
from typing import Any

from tapejax._src.context import executing_eagerly
from tapejax._src.keras.losses import (
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.keras.metrics.metrics_utils import (
    l2_normalize,
    rank,
    squeeze_or_expand_to_same_rank,
    to_tensor,
)
from tapejax._src.keras.metrics.reduction_metrics import Mean, MeanMetricWrapper
from tapejax._src.ops.math_ops import is_inf, sqrt, square, where
from tapejax._src.ops.reduction_ops import reduce_mean, reduce_sum
from tapejax._src.ops.shape_ops import broadcast_to, expand_dims


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


# Keras's metric form (the loss of that name is its negative).
def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """The cosine similarity of ``y_true`` and ``y_pred`` along ``axis`` (the metric's sign: +1 is alike)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce_sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class _Wrapper(MeanMetricWrapper):
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_Wrapper):
    """The mean of ``mean(square(y_true - y_pred), axis=-1)`` (``tf.keras.metrics.MeanSquaredError``).

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.MeanSquaredError()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanAbsoluteError(_Wrapper):
    """The mean of ``mean(abs(y_true - y_pred), axis=-1)`` (``tf.keras.metrics.MeanAbsoluteError``)."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name, dtype=dtype)
        self._direction = "down"


class MeanAbsolutePercentageError(_Wrapper):
    """The mean absolute percentage error (``tf.keras.metrics.MeanAbsolutePercentageError``)."""

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)
        self._direction = "down"


class MeanSquaredLogarithmicError(_Wrapper):
    """The mean squared logarithmic error (``tf.keras.metrics.MeanSquaredLogarithmicError``)."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)
        self._direction = "down"


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean of ``square(y_pred - y_true)`` (``tf.keras.metrics.RootMeanSquaredError``)."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # pyright: ignore[reportIncompatibleMethodOverride]
        """Adds the squared errors (weighted) to the mean."""
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(square(y_pred - y_true), sample_weight=sample_weight)

    def result(self) -> Any:
        """``sqrt(total / count)``."""
        return sqrt(super().result())


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity of labels and predictions along ``axis`` (``tf.keras.metrics.CosineSimilarity``).

    Differences from Keras: none (Keras's ``get_config`` leaves ``axis`` out, and so does this one).
    """

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class LogCoshError(_Wrapper):
    """The mean of ``log(cosh(y_pred - y_true))`` (``tf.keras.metrics.LogCoshError``)."""

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(log_cosh, name, dtype=dtype)
        self._direction = "down"


class R2Score(Metric):
    """The coefficient of determination, R² (``tf.keras.metrics.R2Score``), per output then aggregated.

    Args:
      class_aggregation: ``"uniform_average"`` (the mean over outputs), ``"variance_weighted_average"``
        (weighted by each output's variance) or ``None`` (one score per output).
      num_regressors: the number of independent regressors, for the adjusted R² (0: plain R²).
      name: the metric's name.
      dtype: the dtype of the result.

    Raises:
      ValueError: for an unknown ``class_aggregation``, a negative ``num_regressors``, or inputs that are
        not 2-D ``(batch, outputs)``.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.R2Score()
    >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
    >>> round(float(m.result()), 6)
    0.571429
    """

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected one of "
                f"{valid}. Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape: Any, y_pred_shape: Any) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        num_classes = int(y_pred_shape[-1])
        self.squared_sum = self.add_variable(name="squared_sum", shape=[num_classes], initializer="zeros")
        self.sum = self.add_variable(name="sum", shape=[num_classes], initializer="zeros")
        self.total_mse = self.add_variable(name="residual", shape=[num_classes], initializer="zeros")
        self.count = self.add_variable(name="count", shape=[num_classes], initializer="zeros")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulates the weighted sums of ``y_true``, ``y_true**2`` and squared residuals per output."""
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        sample_weight = to_tensor(1 if sample_weight is None else sample_weight, self.dtype)
        if rank(sample_weight) == 1:
            sample_weight = expand_dims(sample_weight, 1)
        sample_weight = broadcast_to(sample_weight, y_true.shape)
        weighted_y_true = y_true * sample_weight
        self.sum.assign(self.sum + reduce_sum(weighted_y_true, axis=0))
        self.squared_sum.assign(self.squared_sum + reduce_sum(y_true * weighted_y_true, axis=0))
        self.total_mse.assign(self.total_mse + reduce_sum(square(y_true - y_pred) * sample_weight, axis=0))
        self.count.assign(self.count + reduce_sum(sample_weight, axis=0))
        n = 1
        for d in y_true.shape:
            n *= int(d)
        self.num_samples.assign(self.num_samples + float(n))

    def result(self) -> Any:
        """The (adjusted) R² score, aggregated over outputs as ``class_aggregation`` says."""
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - self.total_mse / total
        raw_scores = where(is_inf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            r2 = reduce_mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = reduce_sum(total * raw_scores) / reduce_sum(total)
        else:
            r2 = raw_scores
        if self.num_regressors != 0:
            n = to_tensor(self.num_samples, r2.dtype)
            p = float(self.num_regressors)
            adjusted = 1.0 - ((1.0 - r2) * (n - 1.0)) / ((n - p) - 1.0)
            if executing_eagerly():
                num_samples = float(n.numpy())
                if p > num_samples - 1:
                    warnings.warn(
                        "More independent predictors than datapoints in adjusted R2 score. "
                        "Falling back to standard R2 score.",
                        stacklevel=2,
                    )
                elif p == num_samples - 1:
                    warnings.warn(
                        "Division by zero in Adjusted R2 score. Falling back to standard R2 score.", stacklevel=2
                    )
            # Keras's Python branches as a select, so that it also holds inside tf.function.
            r2 = where(n - 1.0 > p, adjusted, r2)
        return r2

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
