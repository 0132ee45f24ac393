"""``tf.nn``: activations, softmax, cross-entropies, ``bias_add``, ``moments``, ``dropout``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.math_ops import sigmoid as sigmoid
from tapejax._src.ops.math_ops import tanh as tanh
from tapejax._src.ops.nn_ops import bias_add as bias_add
from tapejax._src.ops.nn_ops import dropout as dropout
from tapejax._src.ops.nn_ops import elu as elu
from tapejax._src.ops.nn_ops import gelu as gelu
from tapejax._src.ops.nn_ops import l2_loss as l2_loss
from tapejax._src.ops.nn_ops import leaky_relu as leaky_relu
from tapejax._src.ops.nn_ops import log_softmax as log_softmax
from tapejax._src.ops.nn_ops import moments as moments
from tapejax._src.ops.nn_ops import relu as relu
from tapejax._src.ops.nn_ops import relu6 as relu6
from tapejax._src.ops.nn_ops import selu as selu
from tapejax._src.ops.nn_ops import sigmoid_cross_entropy_with_logits as sigmoid_cross_entropy_with_logits
from tapejax._src.ops.nn_ops import softmax as softmax
from tapejax._src.ops.nn_ops import softmax_cross_entropy_with_logits as softmax_cross_entropy_with_logits
from tapejax._src.ops.nn_ops import softplus as softplus
from tapejax._src.ops.nn_ops import sparse_softmax_cross_entropy_with_logits as sparse_softmax_cross_entropy_with_logits


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.nn", name)
