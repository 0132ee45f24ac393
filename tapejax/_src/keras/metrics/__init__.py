"""``tf.keras.metrics`` (Keras 3.15's semantics): stateful metric classes, metric functions and lookup.

``get``/``serialize``/``deserialize`` follow Keras 3: a metric is found by its class name, the class
name in snake case (``"mean_io_u"``) or an alias (``"mse"``, ``"MAE"``, ``"bce"``, ...); classes are
instantiated with their defaults.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tapejax._src.keras import losses as _losses
from tapejax._src.keras import object_config
from tapejax._src.keras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from tapejax._src.keras.metrics.base_metric import Metric, to_snake_case
from tapejax._src.keras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from tapejax._src.keras.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from tapejax._src.keras.metrics.f_score_metrics import F1Score, FBetaScore
from tapejax._src.keras.metrics.hinge_metrics import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from tapejax._src.keras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from tapejax._src.keras.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    kl_divergence,
    poisson,
)
from tapejax._src.keras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from tapejax._src.keras.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
    log_cosh,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
)

ALL_OBJECTS: tuple[type[Metric], ...] = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives,
    ConcordanceCorrelation, PearsonCorrelation,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore,
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
)  # fmt: skip

ALL_OBJECTS_DICT: dict[str, type[Metric]] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)

# Functions by name, for deserializing a ``MeanMetricWrapper``'s ``fn``.
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy, pearson_correlation, concordance_correlation,
        hinge, squared_hinge, categorical_hinge, kl_divergence, poisson, cosine_similarity, log_cosh,
        mean_absolute_percentage_error, mean_squared_logarithmic_error, _losses.huber,
        _losses.binary_focal_crossentropy, _losses.categorical_focal_crossentropy,
        _losses.mean_squared_error, _losses.mean_absolute_error, _losses.binary_crossentropy,
        _losses.categorical_crossentropy, _losses.sparse_categorical_crossentropy,
    )
}  # fmt: skip


object_config.register_public("keras.metrics", *ALL_OBJECTS)


def serialize(metric: Any) -> Any:
    """A metric's Keras config dict: ``{"module", "class_name", "config", "registered_name"}``.

    Functions serialize to their name (``class_name="function"``), as Keras.

    >>> import tapejax as tf
    >>> tf.keras.metrics.serialize(tf.keras.metrics.Mean(name="m"))["config"]
    {'name': 'm', 'dtype': 'float32'}
    """
    return object_config.serialize_object(metric)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A metric (instance) from ``serialize``'s dict or a name (``"AUC"``, ``"mse"``), as Keras.

    Args:
      config: a name or a config dict.
      custom_objects: extra names (classes or functions) to look up first.

    Returns:
      The metric; as Keras, an unknown name comes back unchanged (``get`` then raises).
    """
    return object_config.deserialize_object(config, ALL_OBJECTS_DICT, custom_objects)


def deserialize_function(config: Any) -> Any:
    """A metric or loss function from its serialized form (``{"class_name": "function", "config": name}``)."""
    name = config.get("config") if isinstance(config, dict) else config
    fn = _FUNCTIONS.get(name) if isinstance(name, str) else None
    if fn is None:
        return deserialize(config)
    return fn


def get(identifier: Any) -> Any:
    """A metric from a name, config dict, class, instance or function (``tf.keras.metrics.get``).

    Names and classes give a new instance; instances and functions are returned as they are.

    Raises:
      ValueError: ``"Could not interpret metric identifier: ..."`` for anything else.

    >>> import tapejax as tf
    >>> tf.keras.metrics.get("mse")
    <MeanSquaredError name=mean_squared_error>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


__all__ = [
    "AUC",
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "categorical_accuracy",
    "categorical_hinge",
    "concordance_correlation",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "pearson_correlation",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]
