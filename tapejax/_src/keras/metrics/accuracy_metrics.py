"""Keras 3's accuracy metrics: the per-sample functions and their ``MeanMetricWrapper`` classes."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.metrics.metrics_utils import rank, squeeze_or_expand_to_same_rank, to_tensor
from tapejax._src.keras.metrics.reduction_metrics import MeanMetricWrapper
from tapejax._src.ops.array_ops import reshape
from tapejax._src.ops.math_ops import cast, equal, greater
from tapejax._src.ops.reduction_ops import argmax, reduce_any
from tapejax._src.ops.segment_ops import in_top_k
from tapejax._src.ops.shape_ops import expand_dims, squeeze


def _same_dtype(y_pred: Any, y_true: Any) -> Any:
    return y_pred if y_pred.dtype == y_true.dtype else cast(y_pred, y_true.dtype)


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``y_pred == y_true`` (after Keras's rank fix-up), else 0.0 (float32)."""
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return cast(equal(y_true, y_pred), backend.floatx())


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """1.0 where ``y_pred > threshold`` equals the binary label ``y_true``, else 0.0 (float32).

    >>> import tapejax as tf
    >>> tf.keras.metrics.binary_accuracy([[1.0], [0.0]], [[0.7], [0.6]]).numpy().tolist()
    [[1.0], [0.0]]
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    # Keras compares in the promoted dtype of y_pred and the (float32) threshold.
    threshold = to_tensor(threshold)
    if y_pred.dtype != threshold.dtype:
        if y_pred.dtype == "float64":
            threshold = cast(threshold, "float64")
        else:
            y_pred = cast(y_pred, threshold.dtype)
    y_pred = cast(greater(y_pred, threshold), y_true.dtype)
    return cast(equal(y_true, y_pred), backend.floatx())


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``argmax(y_pred, -1) == argmax(y_true, -1)`` (one-hot labels), else 0.0 (float32)."""
    y_true = argmax(to_tensor(y_true), axis=-1)
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    reshape_matches = False
    true_shape = list(y_true.shape)
    if rank(y_true) == rank(y_pred):
        y_true = squeeze(y_true, -1)
        reshape_matches = True
    y_pred = _same_dtype(argmax(y_pred, axis=-1), y_true)
    matches = cast(equal(y_true, y_pred), backend.floatx())
    if reshape_matches:
        matches = reshape(matches, true_shape)
    return matches


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``argmax(y_pred, -1)`` equals the integer label ``y_true``, else 0.0 (float32)."""
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    reshape_matches = False
    true_shape = list(y_true.shape)
    if rank(y_true) == rank(y_pred) and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, -1)
        reshape_matches = True
    y_pred = _same_dtype(argmax(y_pred, axis=-1), y_true)
    matches = cast(equal(y_true, y_pred), backend.floatx())
    if reshape_matches:
        matches = reshape(matches, true_shape)
    if rank(matches) > 1 and matches.shape[-1] == 1:
        matches = squeeze(matches, -1)
    return matches


def _flatten_for_top_k(y_true: Any, y_pred: Any) -> tuple[Any, Any, list[int] | None]:
    true_shape = list(y_true.shape)
    if rank(y_pred) > 2:
        y_pred = reshape(y_pred, [-1, int(y_pred.shape[-1])])
    if rank(y_true) > 1:
        return reshape(y_true, [-1]), y_pred, true_shape
    return y_true, y_pred, None


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 where the one-hot label's class is among the ``k`` largest predictions, else 0.0 (float32)."""
    y_pred = to_tensor(y_pred)
    y_true = argmax(to_tensor(y_true, y_pred.dtype), axis=-1)
    y_true, y_pred, true_shape = _flatten_for_top_k(y_true, y_pred)
    matches = cast(in_top_k(cast(y_true, "int32"), y_pred, k), backend.floatx())
    return matches if true_shape is None else reshape(matches, true_shape)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False) -> Any:
    """1.0 where the integer label is among the ``k`` largest predictions, else 0.0 (float32).

    Args:
      from_sorted_ids: ``y_pred`` holds class ids sorted by score (best first) instead of scores.
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype if from_sorted_ids else "int32")
    y_true, y_pred, true_shape = _flatten_for_top_k(y_true, y_pred)
    if from_sorted_ids:
        matches = reduce_any(equal(expand_dims(y_true, 1), y_pred[:, :k]), axis=1)
    else:
        matches = in_top_k(y_true, y_pred, k)
    matches = cast(matches, backend.floatx())
    return matches if true_shape is None else reshape(matches, true_shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels (``tf.keras.metrics.Accuracy``).

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary labels (``tf.keras.metrics.BinaryAccuracy``)."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction is the one-hot label's class (``tf.keras.metrics.CategoricalAccuracy``)."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction is the integer label (``tf.keras.metrics.SparseCategoricalAccuracy``)."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is in the top ``k`` predictions (``tf.keras.metrics.TopKCategoricalAccuracy``)."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is in the top ``k`` predictions (``tf.keras.metrics.SparseTopKCategoricalAccuracy``).

    Args:
      k: how many of the best predictions count.
      from_sorted_ids: ``y_pred`` holds class ids sorted by score instead of scores.
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(
            fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k, from_sorted_ids=from_sorted_ids
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
