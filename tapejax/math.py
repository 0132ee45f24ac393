"""``tf.math``: element-wise math, reductions and comparisons."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.math_ops import abs as abs  # noqa: A004
from tapejax._src.ops.math_ops import add as add
from tapejax._src.ops.math_ops import add_n as add_n
from tapejax._src.ops.math_ops import ceil as ceil
from tapejax._src.ops.math_ops import conj as conj
from tapejax._src.ops.math_ops import cos as cos
from tapejax._src.ops.math_ops import cosh as cosh
from tapejax._src.ops.math_ops import divide as divide
from tapejax._src.ops.math_ops import equal as equal
from tapejax._src.ops.math_ops import exp as exp
from tapejax._src.ops.math_ops import expm1 as expm1
from tapejax._src.ops.math_ops import floor as floor
from tapejax._src.ops.math_ops import floordiv as floordiv
from tapejax._src.ops.math_ops import floormod as floormod
from tapejax._src.ops.math_ops import greater as greater
from tapejax._src.ops.math_ops import greater_equal as greater_equal
from tapejax._src.ops.math_ops import imag as imag
from tapejax._src.ops.math_ops import is_finite as is_finite
from tapejax._src.ops.math_ops import is_nan as is_nan
from tapejax._src.ops.math_ops import less as less
from tapejax._src.ops.math_ops import less_equal as less_equal
from tapejax._src.ops.math_ops import log as log
from tapejax._src.ops.math_ops import log1p as log1p
from tapejax._src.ops.math_ops import logical_and as logical_and
from tapejax._src.ops.math_ops import logical_not as logical_not
from tapejax._src.ops.math_ops import logical_or as logical_or
from tapejax._src.ops.math_ops import logical_xor as logical_xor
from tapejax._src.ops.math_ops import maximum as maximum
from tapejax._src.ops.math_ops import minimum as minimum
from tapejax._src.ops.math_ops import mod as mod
from tapejax._src.ops.math_ops import multiply as multiply
from tapejax._src.ops.math_ops import negative as negative
from tapejax._src.ops.math_ops import not_equal as not_equal
from tapejax._src.ops.math_ops import pow as pow  # noqa: A004
from tapejax._src.ops.math_ops import real as real
from tapejax._src.ops.math_ops import round as round  # noqa: A004
from tapejax._src.ops.math_ops import rsqrt as rsqrt
from tapejax._src.ops.math_ops import sigmoid as sigmoid
from tapejax._src.ops.math_ops import sign as sign
from tapejax._src.ops.math_ops import sin as sin
from tapejax._src.ops.math_ops import sinh as sinh
from tapejax._src.ops.math_ops import sqrt as sqrt
from tapejax._src.ops.math_ops import square as square
from tapejax._src.ops.math_ops import squared_difference as squared_difference
from tapejax._src.ops.math_ops import subtract as subtract
from tapejax._src.ops.math_ops import tan as tan
from tapejax._src.ops.math_ops import tanh as tanh
from tapejax._src.ops.math_ops import truediv as truediv
from tapejax._src.ops.nn_ops import softplus as softplus
from tapejax._src.ops.reduction_ops import argmax as argmax
from tapejax._src.ops.reduction_ops import argmin as argmin
from tapejax._src.ops.reduction_ops import cumsum as cumsum
from tapejax._src.ops.reduction_ops import reduce_all as reduce_all
from tapejax._src.ops.reduction_ops import reduce_any as reduce_any
from tapejax._src.ops.reduction_ops import reduce_logsumexp as reduce_logsumexp
from tapejax._src.ops.reduction_ops import reduce_max as reduce_max
from tapejax._src.ops.reduction_ops import reduce_mean as reduce_mean
from tapejax._src.ops.reduction_ops import reduce_min as reduce_min
from tapejax._src.ops.reduction_ops import reduce_prod as reduce_prod
from tapejax._src.ops.reduction_ops import reduce_std as reduce_std
from tapejax._src.ops.reduction_ops import reduce_sum as reduce_sum
from tapejax._src.ops.reduction_ops import reduce_variance as reduce_variance


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.math", name)
