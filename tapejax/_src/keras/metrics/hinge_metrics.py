"""Keras 3's hinge metrics: ``Hinge``, ``SquaredHinge`` and ``CategoricalHinge``, as means over samples."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.losses import categorical_hinge, hinge, squared_hinge
from tapejax._src.keras.metrics.reduction_metrics import MeanMetricWrapper


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
