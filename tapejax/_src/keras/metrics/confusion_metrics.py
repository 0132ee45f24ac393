"""Keras 3's confusion-matrix metrics: counts, Precision, Recall, the X-at-Y metrics and AUC.

Each keeps weighted true/false positive/negative counts per threshold in Variables (a prediction
is positive when strictly above a threshold); evenly spaced thresholds are counted in buckets, as
Keras does (``metrics_utils.update_confusion_matrix_variables``).
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from tapejax._src.keras import backend
from tapejax._src.keras.metrics import metrics_utils
from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.keras.metrics.metrics_utils import ConfusionMatrix, to_tensor
from tapejax._src.ops.math_ops import (
    cast,
    divide_no_nan,
    equal,
    greater_equal,
    logical_and,
    maximum,
    minimum,
    sigmoid,
    where,
)
from tapejax._src.ops.math_ops import log as log_
from tapejax._src.ops.reduction_ops import reduce_max, reduce_mean, reduce_sum

TP, FP, TN, FN = (
    ConfusionMatrix.TRUE_POSITIVES,
    ConfusionMatrix.FALSE_POSITIVES,
    ConfusionMatrix.TRUE_NEGATIVES,
    ConfusionMatrix.FALSE_NEGATIVES,
)


class _ConfusionMatrixConditionCount(Metric):
    def __init__(
        self, confusion_matrix_cond: ConfusionMatrix, thresholds: Any = None, name: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), initializer="zeros", name="accumulator")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds this batch's (weighted) count at each threshold."""
        metrics_utils.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
        )

    def result(self) -> Any:
        """The count: a scalar for one threshold, else one count per threshold."""
        value = self.accumulator.read_value()
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives per threshold (``tf.keras.metrics.FalsePositives``).

    Args:
      thresholds: a float or list of floats in ``[0, 1]``; a prediction above one is positive (default 0.5).
      name: the metric's name.
      dtype: the dtype of the result.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(FP, thresholds=thresholds, name=name, dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives per threshold (``tf.keras.metrics.FalseNegatives``)."""

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(FN, thresholds=thresholds, name=name, dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives per threshold (``tf.keras.metrics.TrueNegatives``)."""

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(TN, thresholds=thresholds, name=name, dtype=dtype)


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives per threshold (``tf.keras.metrics.TruePositives``)."""

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(TP, thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionRecall(Metric):
    _second: ConfusionMatrix
    _second_name: str

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=default_threshold)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros", name="true_positives")
        setattr(self, self._second_name, self.add_variable(shape=(n,), initializer="zeros", name=self._second_name))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds this batch's (weighted) counts at each threshold."""
        metrics_utils.update_confusion_matrix_variables(
            {TP: self.true_positives, self._second: getattr(self, self._second_name)},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self) -> Any:
        """The ratio: a scalar for one threshold, else one value per threshold (0 where undefined)."""
        tp = self.true_positives
        result = divide_no_nan(tp, tp + getattr(self, self._second_name))
        return result[0] if len(self.thresholds) == 1 else result

    def reset_state(self) -> None:
        n = len(self.thresholds)
        self.true_positives.assign(np.zeros((n,), np.float32))
        getattr(self, self._second_name).assign(np.zeros((n,), np.float32))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecall):
    """``true_positives / (true_positives + false_positives)`` per threshold (``tf.keras.metrics.Precision``).

    Args:
      thresholds: a float or list of floats in ``[0, 1]``; a prediction above one is positive (default 0.5;
        with ``top_k``, every top-k prediction is positive).
      top_k: only the ``k`` largest predictions of each sample may be positive.
      class_id: compute the metric for this class (last axis) only.
      name: the metric's name.
      dtype: the dtype of the result.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _second, _second_name = FP, "false_positives"


class Recall(_PrecisionRecall):
    """``true_positives / (true_positives + false_negatives)`` per threshold (``tf.keras.metrics.Recall``).

    Args: as :class:`Precision`.
    """

    _second, _second_name = FN, "false_negatives"


class SensitivitySpecificityBase(Metric):
    """The base of the X-at-Y metrics: all four counts at ``num_thresholds`` evenly spaced thresholds."""

    def __init__(
        self, value: float, num_thresholds: int = 200, class_id: int | None = None, name: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(
                f"Argument `num_thresholds` must be an integer > 0. Received: num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros", name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), initializer="zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), initializer="zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), initializer="zeros", name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds this batch's (weighted) counts at each threshold."""
        metrics_utils.update_confusion_matrix_variables(
            {
                TP: self.true_positives,
                TN: self.true_negatives,
                FP: self.false_positives,
                FN: self.false_negatives,
            },
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def reset_state(self) -> None:
        n = len(self.thresholds)
        for v in (self.true_positives, self.false_positives, self.true_negatives, self.false_negatives):
            v.assign(np.zeros((n,), np.float32))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "class_id": self.class_id}

    def _find_max_under_constraint(self, constrained: Any, dependent: Any) -> Any:
        feasible = greater_equal(constrained, self.value)
        return maximum(reduce_max(where(feasible, dependent, 0.0)), 0.0)

    def _rates(self) -> tuple[Any, Any, Any, Any]:
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        sensitivity = divide_no_nan(tp, tp + fn)  # = recall
        specificity = divide_no_nan(tn, tn + fp)
        precision = divide_no_nan(tp, tp + fp)
        return sensitivity, specificity, sensitivity, precision


def _check_unit(name: str, value: float) -> None:
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1]. Received: {name}={value}")


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) over thresholds whose specificity is at least ``specificity``.

    ``tf.keras.metrics.SensitivityAtSpecificity``.

    Args:
      specificity: the required specificity, in ``[0, 1]``.
      num_thresholds: how many evenly spaced thresholds to try.
      class_id: compute the metric for this class (last axis) only.
    """

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_unit("specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        sensitivity, specificity, _, _ = self._rates()
        return self._find_max_under_constraint(specificity, sensitivity)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "specificity": self.specificity}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity over thresholds whose sensitivity is at least ``sensitivity``.

    ``tf.keras.metrics.SpecificityAtSensitivity``; arguments as :class:`SensitivityAtSpecificity`.
    """

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_unit("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        sensitivity, specificity, _, _ = self._rates()
        return self._find_max_under_constraint(sensitivity, specificity)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "sensitivity": self.sensitivity}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision over thresholds whose recall is at least ``recall`` (``tf.keras.metrics.PrecisionAtRecall``).

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.PrecisionAtRecall(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    def __init__(
        self, recall: float, num_thresholds: int = 200, class_id: int | None = None, name: Any = None, dtype: Any = None
    ) -> None:
        _check_unit("recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(value=recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        _, _, recall, precision = self._rates()
        return self._find_max_under_constraint(recall, precision)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "recall": self.recall}


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall over thresholds whose precision is at least ``precision`` (``tf.keras.metrics.RecallAtPrecision``)."""

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_unit("precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(value=precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        _, _, recall, precision = self._rates()
        return self._find_max_under_constraint(precision, recall)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "precision": self.precision}


class AUCCurve(enum.Enum):
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key: str) -> AUCCurve:
        if key in ("pr", "PR"):
            return AUCCurve.PR
        if key in ("roc", "ROC"):
            return AUCCurve.ROC
        if key in ("prgain", "PRGAIN"):
            return AUCCurve.PRGAIN
        raise ValueError(f'Invalid AUC curve value: "{key}". Expected values are ["PR", "ROC", "PRGAIN"]')


class AUCSummationMethod(enum.Enum):
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key: str) -> AUCSummationMethod:
        if key in ("interpolation", "Interpolation"):
            return AUCSummationMethod.INTERPOLATION
        if key in ("majoring", "Majoring"):
            return AUCSummationMethod.MAJORING
        if key in ("minoring", "Minoring"):
            return AUCSummationMethod.MINORING
        raise ValueError(
            f'Invalid AUC summation method value: "{key}". Expected values are ["interpolation", "majoring", "minoring"]'
        )


class AUC(Metric):
    """The approximate area under the ROC or precision-recall curve (``tf.keras.metrics.AUC``).

    A Riemann sum over the confusion counts at ``num_thresholds`` thresholds (the first just below 0,
    the last just above 1); the PR curve with ``"interpolation"`` uses Davis & Goadrich's interpolation.

    Args:
      num_thresholds: the number of thresholds (> 1).
      curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"``.
      summation_method: ``"interpolation"``, ``"minoring"`` or ``"majoring"``.
      name: the metric's name.
      dtype: the dtype of the result.
      thresholds: explicit thresholds in ``[0, 1]`` (then ``num_thresholds`` is their number + 2).
      multi_label: keep counts per label (a 2-D ``y_pred``) and average the per-label AUCs.
      num_labels: the number of labels with ``multi_label`` (else learnt from the first batch).
      label_weights: per-label weights of the average (multi_label) or of the counts (otherwise).
      from_logits: apply a sigmoid to ``y_pred`` first.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: Any = "ROC",
        summation_method: Any = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
                np.array([0.0, *thresholds, 1.0])
            )
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - backend.epsilon(), *thresholds, 1.0 + backend.epsilon()])
        self.curve = curve if isinstance(curve, AUCCurve) else AUCCurve.from_str(curve)
        self.summation_method = (
            summation_method
            if isinstance(summation_method, AUCSummationMethod)
            else AUCSummationMethod.from_str(summation_method)
        )
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else to_tensor(label_weights, self.dtype)
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list[float]:
        """The thresholds, including the two just outside ``[0, 1]``."""
        return list(self._thresholds)

    def _build(self, shape: Any) -> None:
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                    f"Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = int(shape[1])
            variable_shape: list[int] = [self.num_thresholds, self._num_labels]
        else:
            variable_shape = [self.num_thresholds]
        self._build_input_shape = shape
        self.true_positives = self.add_variable(shape=variable_shape, initializer="zeros", name="true_positives")
        self.false_positives = self.add_variable(shape=variable_shape, initializer="zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape=variable_shape, initializer="zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape=variable_shape, initializer="zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds this batch's (weighted) confusion counts at each threshold."""
        y_pred = to_tensor(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        label_weights = None if self.multi_label else self.label_weights
        if self._from_logits:
            y_pred = sigmoid(y_pred)
        metrics_utils.update_confusion_matrix_variables(
            {TP: self.true_positives, TN: self.true_negatives, FP: self.false_positives, FN: self.false_negatives},
            y_true,
            y_pred,
            self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=label_weights,
        )

    def _by_label(self, terms: Any) -> Any:
        if not self.multi_label:
            return reduce_sum(terms)
        by_label_auc = reduce_sum(terms, axis=0)
        if self.label_weights is None:
            return reduce_mean(by_label_auc)
        label_weights = cast(self.label_weights, by_label_auc.dtype)
        return divide_no_nan(reduce_sum(by_label_auc * label_weights), reduce_sum(label_weights))

    def interpolate_pr_auc(self) -> Any:
        """The PR-AUC with Davis & Goadrich's interpolation between thresholds (Keras's formula)."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, maximum(dp, 0.0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = where(
            logical_and(p[: n - 1] > 0, p[1:] > 0),
            divide_no_nan(p[: n - 1], maximum(p[1:], 0.0)),
            p[1:] * 0.0 + 1.0,
        )
        increment = divide_no_nan(prec_slope * (dtp + intercept * log_(safe_p_ratio)), maximum(tp[1:] + fn[1:], 0.0))
        return self._by_label(increment)

    def result(self) -> Any:
        """The area under the curve (for ``multi_label``, the (weighted) mean over labels)."""
        if self.curve == AUCCurve.PR and self.summation_method == AUCSummationMethod.INTERPOLATION:
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == AUCCurve.ROC:
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == AUCCurve.PR:
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scaling = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scaling * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scaling * divide_no_nan(fp, tp)
            no_tp = equal(tp, 0.0)
            recall_gain = maximum(where(no_tp, 0.0, recall_gain), 0.0)
            precision_gain = where(no_tp, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        n = self.num_thresholds
        if self.summation_method == AUCSummationMethod.INTERPOLATION:
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == AUCSummationMethod.MINORING:
            heights = minimum(y[: n - 1], y[1:])
        else:
            heights = maximum(y[: n - 1], y[1:])
        return self._by_label((x[: n - 1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            for v in (self.true_positives, self.false_positives, self.true_negatives, self.false_negatives):
                v.assign(np.zeros(tuple(v.shape), np.float32))

    def get_config(self) -> dict[str, Any]:
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve.value,
            "summation_method": self.summation_method.value,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
