"""``tf.keras.activations``: Keras 3.15's activation functions, ``get``, ``serialize`` and ``deserialize``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.activations import celu as celu
from tapejax._src.keras.activations import deserialize as deserialize
from tapejax._src.keras.activations import elu as elu
from tapejax._src.keras.activations import exponential as exponential
from tapejax._src.keras.activations import gelu as gelu
from tapejax._src.keras.activations import get as get
from tapejax._src.keras.activations import glu as glu
from tapejax._src.keras.activations import hard_shrink as hard_shrink
from tapejax._src.keras.activations import hard_sigmoid as hard_sigmoid
from tapejax._src.keras.activations import hard_silu as hard_silu
from tapejax._src.keras.activations import hard_tanh as hard_tanh
from tapejax._src.keras.activations import leaky_relu as leaky_relu
from tapejax._src.keras.activations import linear as linear
from tapejax._src.keras.activations import log_sigmoid as log_sigmoid
from tapejax._src.keras.activations import log_softmax as log_softmax
from tapejax._src.keras.activations import mish as mish
from tapejax._src.keras.activations import relu as relu
from tapejax._src.keras.activations import relu6 as relu6
from tapejax._src.keras.activations import selu as selu
from tapejax._src.keras.activations import serialize as serialize
from tapejax._src.keras.activations import sigmoid as sigmoid
from tapejax._src.keras.activations import silu as silu
from tapejax._src.keras.activations import soft_shrink as soft_shrink
from tapejax._src.keras.activations import softmax as softmax
from tapejax._src.keras.activations import softplus as softplus
from tapejax._src.keras.activations import softsign as softsign
from tapejax._src.keras.activations import sparse_plus as sparse_plus
from tapejax._src.keras.activations import sparse_sigmoid as sparse_sigmoid
from tapejax._src.keras.activations import sparsemax as sparsemax
from tapejax._src.keras.activations import squareplus as squareplus
from tapejax._src.keras.activations import tanh as tanh
from tapejax._src.keras.activations import tanh_shrink as tanh_shrink
from tapejax._src.keras.activations import threshold as threshold

# Keras exports the same functions under these names too.
swish = silu
hard_swish = hard_silu


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.activations", name)
