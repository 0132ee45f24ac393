"""Keras 3's F-scores: ``FBetaScore`` and ``F1Score`` (multi-class/multi-label, with averaging)."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.keras.metrics.metrics_utils import to_tensor
from tapejax._src.ops.math_ops import abs as abs_
from tapejax._src.ops.math_ops import cast, greater, greater_equal, logical_and
from tapejax._src.ops.reduction_ops import reduce_max, reduce_mean, reduce_sum
from tapejax._src.ops.shape_ops import expand_dims


class FBetaScore(Metric):
    """The F-beta score, ``(1 + beta**2) * P * R / (beta**2 * P + R)`` (``tf.keras.metrics.FBetaScore``).

    Inputs are 2-D ``(batch, classes)``. Without ``threshold`` the largest prediction of each row is
    the positive one; with it, every prediction above it is positive.

    Args:
      average: ``None`` (one score per class), ``"micro"`` (counts pooled over classes), ``"macro"``
        (mean of the per-class scores) or ``"weighted"`` (weighted by each class's label sum).
      beta: the weight of recall (a Python float > 0).
      threshold: a Python float in ``(0, 1]``, or ``None``.
      name: the metric's name.
      dtype: the dtype of the result.

    Raises:
      ValueError: for an invalid ``average``, ``beta`` or ``threshold``, or inputs that are not 2-D.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(v, 4) for v in m.result().numpy().tolist()]
    [0.3846, 0.9091, 0.8333]
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: "
                f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape: Any, y_pred_shape: Any) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        num_classes = int(y_pred_shape[-1])
        init_shape = (num_classes,) if self.average != "micro" else ()

        def zeros_variable(name: str) -> Any:
            return self.add_variable(name=name, shape=init_shape, initializer="zeros", dtype=self.dtype)

        self.true_positives = zeros_variable("true_positives")
        self.false_positives = zeros_variable("false_positives")
        self.false_negatives = zeros_variable("false_negatives")
        self.intermediate_weights = zeros_variable("intermediate_weights")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds this batch's (weighted) true positives, false positives and false negatives per class."""
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            threshold = reduce_max(y_pred, axis=-1, keepdims=True)
            # Predictions equal to the row maximum are positive (all of them on ties), unless 0.
            y_pred = logical_and(greater_equal(y_pred, threshold), greater(abs_(y_pred), 1e-9))
        else:
            y_pred = greater(y_pred, self.threshold)
        y_pred = cast(y_pred, self.dtype)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, self.dtype)

        def weighted_sum(val: Any) -> Any:
            if sample_weight is not None:
                val = val * expand_dims(sample_weight, 1)
            return reduce_sum(val, axis=self.axis)

        self.true_positives.assign(self.true_positives + weighted_sum(y_pred * y_true))
        self.false_positives.assign(self.false_positives + weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.assign(self.false_negatives + weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.assign(self.intermediate_weights + weighted_sum(y_true))

    def result(self) -> Any:
        """The F-beta score(s), averaged as ``average`` says."""
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + backend.epsilon())
        recall = tp / (tp + self.false_negatives + backend.epsilon())
        b2 = self.beta**2
        f_score = (precision * recall) / (b2 * precision + recall + backend.epsilon()) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (reduce_sum(self.intermediate_weights) + backend.epsilon())
            return reduce_sum(f_score * weights)
        if self.average is not None:
            return reduce_mean(f_score)
        return f_score

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "name": self.name,
            "dtype": self.dtype,
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """The F1 score, ``2 * P * R / (P + R)`` (``tf.keras.metrics.F1Score``); arguments as :class:`FBetaScore`."""

    def __init__(
        self, average: str | None = None, threshold: float | None = None, name: str = "f1_score", dtype: Any = None
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config
