"""Keras 3's reduction metrics: ``Sum``, ``Mean`` and ``MeanMetricWrapper`` (the mean of a function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.keras.metrics.metrics_utils import (
    apply_mask,
    keras_mask,
    rank,
    squeeze_or_expand_to_same_rank,
    to_tensor,
)
from tapejax._src.ops.math_ops import cast, divide_no_nan
from tapejax._src.ops.reduction_ops import reduce_mean, reduce_sum
from tapejax._src.ops.shape_ops import broadcast_to


def reduce_to_samplewise_values(values: Any, sample_weight: Any, reduce_fn: Callable[..., Any], dtype: str) -> Any:
    """Keras's helper: weight ``values`` and reduce them to one value per sample (axis 0).

    The weight's rank is matched to the values' (a trailing 1 squeezed or expanded); values with more
    dimensions than the weight are first reduced with ``reduce_fn`` over the extra ones.
    """
    mask = keras_mask(values)
    values = to_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = apply_mask(to_tensor(sample_weight, dtype), mask, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = rank(sample_weight), rank(values)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        # Broadcast: it does not change the product but changes the weight reduction below.
        sample_weight = broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    if rank(values) > 1:
        values = reduce_fn(values, axis=list(range(1, rank(values))))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the given values (``tf.keras.metrics.Sum``).

    Args:
      name: the metric's name.
      dtype: the dtype of the result.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.Sum()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1.0, 1.0, 0.0, 0.0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Adds the weighted sum of ``values``."""
        values, _ = reduce_to_samplewise_values(values, sample_weight, reduce_fn=reduce_sum, dtype=self.dtype)
        self.total.assign_add(reduce_sum(values))

    def reset_state(self) -> None:
        """Sets the sum back to 0."""
        self.total.assign(0)

    def result(self) -> Any:
        """The sum so far."""
        return cast(self.total, self.dtype)


class Mean(Metric):
    """The (weighted) mean of the given values (``tf.keras.metrics.Mean``): ``total / count``.

    Without weights, every sample (row along axis 0) counts 1; with weights, the weight sum is the
    count. Values with more dimensions than the weight are averaged over the extra ones first.

    Args:
      name: the metric's name.
      dtype: the dtype of the result.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0])
    >>> float(m.result())
    4.0
    >>> m.reset_state()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1.0, 1.0, 0.0, 0.0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Adds the weighted sum of ``values`` to the total and the weight sum (or sample count) to the count."""
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, reduce_fn=reduce_mean, dtype=self.dtype
        )
        self.total.assign_add(reduce_sum(values))
        if sample_weight is not None:
            num_samples: Any = reduce_sum(sample_weight)
        elif rank(values) >= 1:
            num_samples = int(values.shape[0])
        else:
            num_samples = 1
        self.count.assign_add(cast(num_samples, self.dtype))

    def reset_state(self) -> None:
        """Sets total and count back to 0."""
        self.total.assign(0)
        self.count.assign(0)

    def result(self) -> Any:
        """``total / count`` (0 before any update)."""
        return divide_no_nan(self.total, cast(self.count, self.dtype))


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)`` (``tf.keras.metrics.MeanMetricWrapper``).

    Args:
      fn: the function, returning one value per sample (or per element: averaged per sample).
      name: the metric's name; defaults to ``"mean_metric_wrapper"`` (made unique).
      dtype: the dtype of the result.
      **kwargs: keyword arguments passed on to ``fn``.

    >>> import tapejax as tf
    >>> m = tf.keras.metrics.MeanMetricWrapper(fn=lambda t, p: tf.abs(t - p))
    >>> m.update_state(tf.constant([1.0, 2.0]), tf.constant([1.5, 1.0]))
    >>> float(m.result())
    0.75
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name, dtype=dtype)  # pyright: ignore[reportArgumentType]
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds ``fn(y_true, y_pred)`` (weighted by ``sample_weight``, and by ``y_pred``'s Keras mask) to the mean."""
        mask = keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = apply_mask(sample_weight, mask, self.dtype)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        """Keras's config: name, dtype, ``fn`` serialized, and ``fn``'s keyword arguments."""
        from tapejax._src.keras.metrics import serialize

        config = {"fn": serialize(self._fn)}
        config.update(self._fn_kwargs)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A new wrapper from ``get_config()``'s dict (``fn`` deserialized).

        Differences from Keras: a built-in metric or loss function (``binary_accuracy``) is found by its
        name; Keras looks the name up among the metric classes and fails.
        """
        from tapejax._src.keras.metrics import deserialize_function

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)
