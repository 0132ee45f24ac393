"""Keras 3's intersection-over-union metrics: ``IoU``, ``MeanIoU``, ``BinaryIoU``, ``OneHotIoU``, ``OneHotMeanIoU``.

Each accumulates a ``num_classes x num_classes`` confusion matrix (rows: true class, columns:
predicted class) in an integer Variable by default, and reports ``TP / (TP + FP + FN)`` averaged
over the target classes that occurred.
"""

from __future__ import annotations

import warnings
from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.keras.metrics.metrics_utils import rank, squeeze_or_expand_to_same_rank, to_tensor
from tapejax._src.ops.array_ops import reshape
from tapejax._src.ops.diag_ops import diag_part
from tapejax._src.ops.index_ops import gather
from tapejax._src.ops.math_ops import cast, greater, greater_equal, less, logical_and, not_equal, where
from tapejax._src.ops.reduction_ops import argmax, reduce_sum
from tapejax._src.ops.segment_ops import unsorted_segment_sum
from tapejax._src.ops.shape_ops import broadcast_to


def _confusion_matrix(labels: Any, predictions: Any, num_classes: int, weights: Any, dtype: str) -> Any:
    """Keras's ``metrics_utils.confusion_matrix``: weights scattered (added) at ``[label, prediction]``."""
    labels, predictions = squeeze_or_expand_to_same_rank(to_tensor(labels, dtype), to_tensor(predictions, dtype))
    ids = cast(labels, "int32") * num_classes + cast(predictions, "int32")
    values = to_tensor(weights, dtype)
    flat = unsorted_segment_sum(values, ids, num_classes * num_classes)
    return reshape(flat, [num_classes, num_classes])


class _IoUBase(Metric):
    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            name="total_confusion_matrix", shape=(num_classes, num_classes), initializer="zeros", dtype=self.dtype
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """Adds this batch's (weighted) confusion matrix; labels outside ``[0, num_classes)`` are skipped."""
        if not self.sparse_y_true:
            y_true = argmax(to_tensor(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = argmax(to_tensor(y_pred), axis=self.axis)
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        if rank(y_pred) > 1:
            y_pred = reshape(y_pred, [-1])
        if rank(y_true) > 1:
            y_true = reshape(y_true, [-1])
        if sample_weight is None:
            sample_weight = 1
        elif hasattr(sample_weight, "dtype") and "float" in str(sample_weight.dtype) and "int" in self.dtype:
            warnings.warn(
                "You are passing weight as `float`, but dtype is `int`. This may result in an incorrect weight "
                "due to type casting Consider using integer weights.",
                stacklevel=2,
            )
        sample_weight = to_tensor(sample_weight, self.dtype)
        if rank(sample_weight) > 1:
            sample_weight = reshape(sample_weight, [-1])
        sample_weight = broadcast_to(sample_weight, y_true.shape)
        num_cls = to_tensor(self.num_classes, y_true.dtype)
        in_bounds = logical_and(
            logical_and(greater_equal(y_true, 0), less(y_true, num_cls)),
            logical_and(greater_equal(y_pred, 0), less(y_pred, num_cls)),
        )
        if self.ignore_class is not None:
            in_bounds = logical_and(in_bounds, not_equal(y_true, to_tensor(self.ignore_class, y_true.dtype)))
        zero = to_tensor(0, y_true.dtype)
        y_true = where(in_bounds, y_true, zero)
        y_pred = where(in_bounds, y_pred, zero)
        sample_weight = where(in_bounds, sample_weight, to_tensor(0, sample_weight.dtype))
        current_cm = _confusion_matrix(y_true, y_pred, self.num_classes, sample_weight, self.dtype)
        return self.total_cm.assign(self.total_cm + current_cm)


class IoU(_IoUBase):
    """The mean intersection-over-union of ``target_class_ids`` (``tf.keras.metrics.IoU``).

    Per class, ``IoU = TP / (TP + FP + FN)``; the result averages it over the target classes with a
    nonzero denominator.

    Args:
      num_classes: the number of classes.
      target_class_ids: the classes to average over.
      name: the metric's name.
      dtype: the dtype of the confusion matrix (default ``"int32"``).
      ignore_class: a label whose samples are skipped.
      sparse_y_true: labels are class ids (else one-hot/scores: argmax over ``axis``).
      sparse_y_pred: predictions are class ids (else scores: argmax over ``axis``).
      axis: the class axis of non-sparse inputs.

    Raises:
      ValueError: if a target class id is ``>= num_classes``.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.IoU(num_classes=2, target_class_ids=[0])
    >>> _ = m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            name=name,
            num_classes=num_classes,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
            dtype=dtype,
        )
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [{0}, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self) -> Any:
        """The mean IoU over the target classes that occurred (0 if none did)."""
        cm = self.total_cm
        sum_over_row = cast(reduce_sum(cm, axis=0), self.dtype)
        sum_over_col = cast(reduce_sum(cm, axis=1), self.dtype)
        true_positives = cast(diag_part(cm), self.dtype)
        denominator = sum_over_row + sum_over_col - true_positives
        ids = to_tensor(self.target_class_ids, "int32")
        true_positives = cast(gather(true_positives, ids), "float32")
        denominator = cast(gather(denominator, ids), "float32")
        valid_entries = cast(greater(denominator, 1e-9), "float32")
        num_valid_entries = reduce_sum(valid_entries)
        iou = true_positives / (denominator + backend.epsilon())
        iou = where(cast(valid_entries, "bool"), iou, 0.0)
        return reduce_sum(iou, axis=self.axis) / (num_valid_entries + backend.epsilon())

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of binary labels, a prediction ``>= threshold`` counting as class 1 (``tf.keras.metrics.BinaryIoU``).

    Args:
      target_class_ids: the classes (of 0 and 1) to average over.
      threshold: predictions at or above it are class 1.
    """

    def __init__(
        self, target_class_ids: Any = (0, 1), threshold: float = 0.5, name: str | None = None, dtype: Any = None
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, "float32")
        y_pred = cast(greater_equal(y_pred, self.threshold), self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self._dtype,
        }


class MeanIoU(IoU):
    """The IoU averaged over all ``num_classes`` classes (``tf.keras.metrics.MeanIoU``).

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.MeanIoU(num_classes=2)
    >>> _ = m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            name=name,
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)),
            axis=axis,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self._dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotIoU(IoU):
    """IoU of one-hot labels (argmax over ``axis``) and scores (``tf.keras.metrics.OneHotIoU``)."""

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "name": self.name,
            "dtype": self._dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(MeanIoU):
    """The mean IoU of one-hot labels and scores over all classes (``tf.keras.metrics.OneHotMeanIoU``)."""

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            axis=axis,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self._dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
