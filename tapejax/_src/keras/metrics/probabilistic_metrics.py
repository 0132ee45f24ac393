"""Keras 3's probabilistic metrics: KL divergence, Poisson and the cross-entropies, as means over samples."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from tapejax._src.keras.metrics.reduction_metrics import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence of ``y_true`` from ``y_pred`` (``tf.keras.metrics.KLDivergence``).

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.KLDivergence()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    0.4581
    """

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """The mean Poisson loss ``y_pred - y_true * log(y_pred)`` (``tf.keras.metrics.Poisson``)."""

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(fn=poisson, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy (``tf.keras.metrics.BinaryCrossentropy``).

    Args:
      from_logits: ``y_pred`` holds logits instead of probabilities.
      label_smoothing: squeeze the labels towards 0.5 by this amount.
    """

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ) -> None:
        super().__init__(
            binary_crossentropy, name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy of one-hot labels (``tf.keras.metrics.CategoricalCrossentropy``).

    Args:
      from_logits: ``y_pred`` holds logits instead of probabilities.
      label_smoothing: mix the labels with the uniform distribution by this amount.
      axis: the class axis.
    """

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ) -> None:
        super().__init__(
            categorical_crossentropy,
            name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy of integer labels (``tf.keras.metrics.SparseCategoricalCrossentropy``).

    Args:
      from_logits: ``y_pred`` holds logits instead of probabilities.
      ignore_class: a label whose samples contribute 0 (they still count in the mean, as Keras).
      axis: the class axis (only -1).
    """

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
    ) -> None:
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }
