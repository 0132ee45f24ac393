"""``tf.keras.losses``: Keras 3.15's losses (TF 2.21's names): classes, functional forms, lookup."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.losses import CTC as CTC
from tapejax._src.keras.losses import BinaryCrossentropy as BinaryCrossentropy
from tapejax._src.keras.losses import BinaryFocalCrossentropy as BinaryFocalCrossentropy
from tapejax._src.keras.losses import CategoricalCrossentropy as CategoricalCrossentropy
from tapejax._src.keras.losses import CategoricalFocalCrossentropy as CategoricalFocalCrossentropy
from tapejax._src.keras.losses import CategoricalGeneralizedCrossEntropy as CategoricalGeneralizedCrossEntropy
from tapejax._src.keras.losses import CategoricalHinge as CategoricalHinge
from tapejax._src.keras.losses import Circle as Circle
from tapejax._src.keras.losses import CosineSimilarity as CosineSimilarity
from tapejax._src.keras.losses import Dice as Dice
from tapejax._src.keras.losses import Hinge as Hinge
from tapejax._src.keras.losses import Huber as Huber
from tapejax._src.keras.losses import KLDivergence as KLDivergence
from tapejax._src.keras.losses import LogCosh as LogCosh
from tapejax._src.keras.losses import Loss as Loss
from tapejax._src.keras.losses import MeanAbsoluteError as MeanAbsoluteError
from tapejax._src.keras.losses import MeanAbsolutePercentageError as MeanAbsolutePercentageError
from tapejax._src.keras.losses import MeanSquaredError as MeanSquaredError
from tapejax._src.keras.losses import MeanSquaredLogarithmicError as MeanSquaredLogarithmicError
from tapejax._src.keras.losses import Poisson as Poisson
from tapejax._src.keras.losses import Reduction as Reduction
from tapejax._src.keras.losses import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from tapejax._src.keras.losses import SquaredHinge as SquaredHinge
from tapejax._src.keras.losses import Tversky as Tversky
from tapejax._src.keras.losses import binary_crossentropy as binary_crossentropy
from tapejax._src.keras.losses import binary_focal_crossentropy as binary_focal_crossentropy
from tapejax._src.keras.losses import categorical_crossentropy as categorical_crossentropy
from tapejax._src.keras.losses import categorical_focal_crossentropy as categorical_focal_crossentropy
from tapejax._src.keras.losses import categorical_generalized_cross_entropy as categorical_generalized_cross_entropy
from tapejax._src.keras.losses import categorical_hinge as categorical_hinge
from tapejax._src.keras.losses import circle as circle
from tapejax._src.keras.losses import cosine_similarity as cosine_similarity
from tapejax._src.keras.losses import ctc as ctc
from tapejax._src.keras.losses import deserialize as deserialize
from tapejax._src.keras.losses import dice as dice
from tapejax._src.keras.losses import get as get
from tapejax._src.keras.losses import hinge as hinge
from tapejax._src.keras.losses import huber as huber
from tapejax._src.keras.losses import kl_divergence as _kl_divergence
from tapejax._src.keras.losses import log_cosh as _log_cosh
from tapejax._src.keras.losses import mean_absolute_error as _mean_absolute_error
from tapejax._src.keras.losses import mean_absolute_percentage_error as _mean_absolute_percentage_error
from tapejax._src.keras.losses import mean_squared_error as _mean_squared_error
from tapejax._src.keras.losses import mean_squared_logarithmic_error as _mean_squared_logarithmic_error
from tapejax._src.keras.losses import poisson as poisson
from tapejax._src.keras.losses import serialize as serialize
from tapejax._src.keras.losses import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from tapejax._src.keras.losses import squared_hinge as squared_hinge
from tapejax._src.keras.losses import tversky as tversky

# TF 2.21's tf.keras.losses names these functions by their legacy aliases only.
KLD = kld = kullback_leibler_divergence = _kl_divergence
logcosh = _log_cosh
MAE = mae = _mean_absolute_error
MAPE = mape = _mean_absolute_percentage_error
MSE = mse = _mean_squared_error
MSLE = msle = _mean_squared_logarithmic_error


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.losses", name)
