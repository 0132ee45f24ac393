"""``tf.keras.metrics``: Keras 3's stateful metrics, the metric functions, and ``get``/``serialize``/``deserialize``.

As in TF 2.21, the loss-named functions (``mse``, ``hinge``, ``binary_crossentropy``, ``kld``, ...) are
``tf.keras.losses``' per-sample loss functions (the same objects).
"""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.losses import binary_crossentropy as binary_crossentropy
from tapejax._src.keras.losses import binary_focal_crossentropy as binary_focal_crossentropy
from tapejax._src.keras.losses import categorical_crossentropy as categorical_crossentropy
from tapejax._src.keras.losses import categorical_focal_crossentropy as categorical_focal_crossentropy
from tapejax._src.keras.losses import huber as huber
from tapejax._src.keras.losses import mean_absolute_error as _mean_absolute_error
from tapejax._src.keras.losses import mean_squared_error as _mean_squared_error
from tapejax._src.keras.losses import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from tapejax._src.keras.metrics import AUC as AUC
from tapejax._src.keras.metrics import Accuracy as Accuracy
from tapejax._src.keras.metrics import BinaryAccuracy as BinaryAccuracy
from tapejax._src.keras.metrics import BinaryCrossentropy as BinaryCrossentropy
from tapejax._src.keras.metrics import BinaryIoU as BinaryIoU
from tapejax._src.keras.metrics import CategoricalAccuracy as CategoricalAccuracy
from tapejax._src.keras.metrics import CategoricalCrossentropy as CategoricalCrossentropy
from tapejax._src.keras.metrics import CategoricalHinge as CategoricalHinge
from tapejax._src.keras.metrics import ConcordanceCorrelation as ConcordanceCorrelation
from tapejax._src.keras.metrics import CosineSimilarity as CosineSimilarity
from tapejax._src.keras.metrics import F1Score as F1Score
from tapejax._src.keras.metrics import FalseNegatives as FalseNegatives
from tapejax._src.keras.metrics import FalsePositives as FalsePositives
from tapejax._src.keras.metrics import FBetaScore as FBetaScore
from tapejax._src.keras.metrics import Hinge as Hinge
from tapejax._src.keras.metrics import IoU as IoU
from tapejax._src.keras.metrics import KLDivergence as KLDivergence
from tapejax._src.keras.metrics import LogCoshError as LogCoshError
from tapejax._src.keras.metrics import Mean as Mean
from tapejax._src.keras.metrics import MeanAbsoluteError as MeanAbsoluteError
from tapejax._src.keras.metrics import MeanAbsolutePercentageError as MeanAbsolutePercentageError
from tapejax._src.keras.metrics import MeanIoU as MeanIoU
from tapejax._src.keras.metrics import MeanMetricWrapper as MeanMetricWrapper
from tapejax._src.keras.metrics import MeanSquaredError as MeanSquaredError
from tapejax._src.keras.metrics import MeanSquaredLogarithmicError as MeanSquaredLogarithmicError
from tapejax._src.keras.metrics import Metric as Metric
from tapejax._src.keras.metrics import OneHotIoU as OneHotIoU
from tapejax._src.keras.metrics import OneHotMeanIoU as OneHotMeanIoU
from tapejax._src.keras.metrics import PearsonCorrelation as PearsonCorrelation
from tapejax._src.keras.metrics import Poisson as Poisson
from tapejax._src.keras.metrics import Precision as Precision
from tapejax._src.keras.metrics import PrecisionAtRecall as PrecisionAtRecall
from tapejax._src.keras.metrics import R2Score as R2Score
from tapejax._src.keras.metrics import Recall as Recall
from tapejax._src.keras.metrics import RecallAtPrecision as RecallAtPrecision
from tapejax._src.keras.metrics import RootMeanSquaredError as RootMeanSquaredError
from tapejax._src.keras.metrics import SensitivityAtSpecificity as SensitivityAtSpecificity
from tapejax._src.keras.metrics import SparseCategoricalAccuracy as SparseCategoricalAccuracy
from tapejax._src.keras.metrics import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from tapejax._src.keras.metrics import SparseTopKCategoricalAccuracy as SparseTopKCategoricalAccuracy
from tapejax._src.keras.metrics import SpecificityAtSensitivity as SpecificityAtSensitivity
from tapejax._src.keras.metrics import SquaredHinge as SquaredHinge
from tapejax._src.keras.metrics import Sum as Sum
from tapejax._src.keras.metrics import TopKCategoricalAccuracy as TopKCategoricalAccuracy
from tapejax._src.keras.metrics import TrueNegatives as TrueNegatives
from tapejax._src.keras.metrics import TruePositives as TruePositives
from tapejax._src.keras.metrics import binary_accuracy as binary_accuracy
from tapejax._src.keras.metrics import categorical_accuracy as categorical_accuracy
from tapejax._src.keras.metrics import categorical_hinge as categorical_hinge
from tapejax._src.keras.metrics import concordance_correlation as concordance_correlation
from tapejax._src.keras.metrics import deserialize as deserialize
from tapejax._src.keras.metrics import get as get
from tapejax._src.keras.metrics import hinge as hinge
from tapejax._src.keras.metrics import kl_divergence as _kl_divergence
from tapejax._src.keras.metrics import log_cosh as _log_cosh
from tapejax._src.keras.metrics import mean_absolute_percentage_error as _mean_absolute_percentage_error
from tapejax._src.keras.metrics import mean_squared_logarithmic_error as _mean_squared_logarithmic_error
from tapejax._src.keras.metrics import pearson_correlation as pearson_correlation
from tapejax._src.keras.metrics import poisson as poisson
from tapejax._src.keras.metrics import serialize as serialize
from tapejax._src.keras.metrics import sparse_categorical_accuracy as sparse_categorical_accuracy
from tapejax._src.keras.metrics import sparse_top_k_categorical_accuracy as sparse_top_k_categorical_accuracy
from tapejax._src.keras.metrics import squared_hinge as squared_hinge
from tapejax._src.keras.metrics import top_k_categorical_accuracy as top_k_categorical_accuracy

# TF 2.21's legacy names of the loss functions (``tf.keras.metrics.mse is tf.keras.losses.mean_squared_error``).
mse = MSE = _mean_squared_error
mae = MAE = _mean_absolute_error
mape = MAPE = _mean_absolute_percentage_error
msle = MSLE = _mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = _kl_divergence
logcosh = _log_cosh


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.metrics", name)
