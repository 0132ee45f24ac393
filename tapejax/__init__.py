"""tapejax: TensorFlow's eager autodiff API on JAX. Use as ``import tapejax as tf``."""

__version__ = "0.1.0"

from typing import TYPE_CHECKING as _TYPE_CHECKING

from tapejax import autodiff as autodiff
from tapejax import autograph as autograph
from tapejax import config as config
from tapejax import debugging as debugging
from tapejax import distribute as distribute
from tapejax import dtypes as dtypes
from tapejax import errors as errors
from tapejax import image as image
from tapejax import linalg as linalg
from tapejax import math as math
from tapejax import nest as nest
from tapejax import nn as nn
from tapejax import random as random
from tapejax import signal as signal
from tapejax import summary as summary
from tapejax import train as train
from tapejax import types as types
from tapejax._src.batch_function import nondifferentiable_batch_function as nondifferentiable_batch_function
from tapejax._src.context import AggregationMethod as AggregationMethod
from tapejax._src.context import DeviceSpec as DeviceSpec
from tapejax._src.context import VariableAggregation as VariableAggregation
from tapejax._src.context import VariableSynchronization as VariableSynchronization

# array, scatter and utility ops; execution context (issue 14)
from tapejax._src.context import control_dependencies as control_dependencies
from tapejax._src.context import device as device
from tapejax._src.context import executing_eagerly as executing_eagerly
from tapejax._src.context import get_current_name_scope as get_current_name_scope
from tapejax._src.context import get_static_value as get_static_value
from tapejax._src.context import gradients as gradients
from tapejax._src.context import group as group
from tapejax._src.context import hessians as hessians
from tapejax._src.context import init_scope as init_scope
from tapejax._src.context import inside_function as inside_function
from tapejax._src.context import is_symbolic_tensor as is_symbolic_tensor
from tapejax._src.context import is_tensor as is_tensor
from tapejax._src.context import name_scope as name_scope
from tapejax._src.context import no_op as no_op
from tapejax._src.context import tuple as tuple  # noqa: A004
from tapejax._src.control_flow import cond as cond
from tapejax._src.control_flow import while_loop as while_loop
from tapejax._src.conversion_registry import register_tensor_conversion_function as register_tensor_conversion_function
from tapejax._src.core import bind as bind
from tapejax._src.critical_section import CriticalSection as CriticalSection
from tapejax._src.custom_gradient import custom_gradient as custom_gradient
from tapejax._src.custom_gradient import stop_gradient as stop_gradient
from tapejax._src.debugging_ops import Assert as Assert
from tapejax._src.debugging_ops import assert_equal as assert_equal
from tapejax._src.debugging_ops import assert_greater as assert_greater
from tapejax._src.debugging_ops import assert_less as assert_less
from tapejax._src.debugging_ops import assert_rank as assert_rank
from tapejax._src.dtypes import DType as DType
from tapejax._src.dtypes import as_dtype as as_dtype
from tapejax._src.dtypes import bfloat16 as bfloat16
from tapejax._src.dtypes import bool as bool  # noqa: A004
from tapejax._src.dtypes import complex64 as complex64
from tapejax._src.dtypes import complex128 as complex128
from tapejax._src.dtypes import double as double

# core ops, dtypes and TF namespaces (tf.math, tf.nn, tf.linalg, tf.random, tf.errors, tf.dtypes)
from tapejax._src.dtypes import float16 as float16
from tapejax._src.dtypes import float32 as float32
from tapejax._src.dtypes import float64 as float64
from tapejax._src.dtypes import half as half
from tapejax._src.dtypes import int8 as int8
from tapejax._src.dtypes import int16 as int16
from tapejax._src.dtypes import int32 as int32
from tapejax._src.dtypes import int64 as int64
from tapejax._src.dtypes import uint8 as uint8
from tapejax._src.dtypes import uint16 as uint16
from tapejax._src.dtypes import uint32 as uint32
from tapejax._src.dtypes import uint64 as uint64
from tapejax._src.function import function as function

# autodiff
from tapejax._src.indexed_slices import IndexedSlices as IndexedSlices
from tapejax._src.initializers import constant_initializer as constant_initializer
from tapejax._src.initializers import ones_initializer as ones_initializer
from tapejax._src.initializers import random_normal_initializer as random_normal_initializer
from tapejax._src.initializers import random_uniform_initializer as random_uniform_initializer
from tapejax._src.initializers import zeros_initializer as zeros_initializer

# Keras optimizers, losses, tf.Module
from tapejax._src.module import Module as Module
from tapejax._src.ops.array_ops import constant as constant
from tapejax._src.ops.array_ops import convert_to_tensor as convert_to_tensor
from tapejax._src.ops.array_ops import identity as identity
from tapejax._src.ops.array_ops import newaxis as newaxis
from tapejax._src.ops.array_ops import reshape as reshape
from tapejax._src.ops.array_ops import unstack as unstack
from tapejax._src.ops.clip_ops import clip_by_global_norm as clip_by_global_norm
from tapejax._src.ops.clip_ops import clip_by_norm as clip_by_norm
from tapejax._src.ops.clip_ops import clip_by_value as clip_by_value
from tapejax._src.ops.conv_extra_ops import conv as conv
from tapejax._src.ops.conv_extra_ops import conv2d_backprop_filter_v2 as conv2d_backprop_filter_v2
from tapejax._src.ops.conv_extra_ops import conv2d_backprop_input_v2 as conv2d_backprop_input_v2
from tapejax._src.ops.conv_extra_ops import extract_volume_patches as extract_volume_patches
from tapejax._src.ops.creation_ops import eye as eye
from tapejax._src.ops.creation_ops import fill as fill
from tapejax._src.ops.creation_ops import linspace as linspace
from tapejax._src.ops.creation_ops import one_hot as one_hot
from tapejax._src.ops.creation_ops import ones as ones
from tapejax._src.ops.creation_ops import ones_like as ones_like
from tapejax._src.ops.creation_ops import range as range  # noqa: A004
from tapejax._src.ops.creation_ops import zeros as zeros
from tapejax._src.ops.creation_ops import zeros_like as zeros_like
from tapejax._src.ops.decomposition_ops import eig as eig
from tapejax._src.ops.decomposition_ops import eigvals as eigvals
from tapejax._src.ops.functional_ops import case as case
from tapejax._src.ops.functional_ops import foldl as foldl
from tapejax._src.ops.functional_ops import foldr as foldr
from tapejax._src.ops.functional_ops import grad_pass_through as grad_pass_through
from tapejax._src.ops.functional_ops import map_fn as map_fn
from tapejax._src.ops.functional_ops import numpy_function as numpy_function
from tapejax._src.ops.functional_ops import py_function as py_function
from tapejax._src.ops.functional_ops import recompute_grad as recompute_grad
from tapejax._src.ops.functional_ops import scan as scan
from tapejax._src.ops.functional_ops import switch_case as switch_case
from tapejax._src.ops.functional_ops import vectorized_map as vectorized_map
from tapejax._src.ops.index_ops import argsort as argsort
from tapejax._src.ops.index_ops import boolean_mask as boolean_mask
from tapejax._src.ops.index_ops import gather as gather
from tapejax._src.ops.index_ops import gather_nd as gather_nd
from tapejax._src.ops.index_ops import sort as sort
from tapejax._src.ops.linalg_more_ops import sqrtm as matrix_square_root  # noqa: F401 - TF's second name
from tapejax._src.ops.linalg_ops import einsum as einsum
from tapejax._src.ops.linalg_ops import matmul as matmul
from tapejax._src.ops.linalg_ops import norm as norm
from tapejax._src.ops.linalg_ops import tensordot as tensordot
from tapejax._src.ops.logging_ops import print as print  # noqa: A004
from tapejax._src.ops.math_ops import abs as abs  # noqa: A004
from tapejax._src.ops.math_ops import acos as acos
from tapejax._src.ops.math_ops import acosh as acosh
from tapejax._src.ops.math_ops import add as add
from tapejax._src.ops.math_ops import add_n as add_n
from tapejax._src.ops.math_ops import asin as asin
from tapejax._src.ops.math_ops import asinh as asinh
from tapejax._src.ops.math_ops import atan as atan
from tapejax._src.ops.math_ops import atan2 as atan2
from tapejax._src.ops.math_ops import atanh as atanh
from tapejax._src.ops.math_ops import bitcast as bitcast
from tapejax._src.ops.math_ops import cast as cast
from tapejax._src.ops.math_ops import complex as complex  # noqa: A004
from tapejax._src.ops.math_ops import cos as cos
from tapejax._src.ops.math_ops import cosh as cosh
from tapejax._src.ops.math_ops import divide as divide
from tapejax._src.ops.math_ops import equal as equal
from tapejax._src.ops.math_ops import exp as exp
from tapejax._src.ops.math_ops import floor as floor
from tapejax._src.ops.math_ops import greater as greater
from tapejax._src.ops.math_ops import greater_equal as greater_equal
from tapejax._src.ops.math_ops import less as less
from tapejax._src.ops.math_ops import less_equal as less_equal
from tapejax._src.ops.math_ops import logical_and as logical_and
from tapejax._src.ops.math_ops import logical_not as logical_not
from tapejax._src.ops.math_ops import logical_or as logical_or
from tapejax._src.ops.math_ops import maximum as maximum
from tapejax._src.ops.math_ops import minimum as minimum
from tapejax._src.ops.math_ops import multiply as multiply
from tapejax._src.ops.math_ops import negative as negative
from tapejax._src.ops.math_ops import not_equal as not_equal
from tapejax._src.ops.math_ops import pow as pow  # noqa: A004
from tapejax._src.ops.math_ops import realdiv as realdiv
from tapejax._src.ops.math_ops import round as round  # noqa: A004
from tapejax._src.ops.math_ops import saturate_cast as saturate_cast
from tapejax._src.ops.math_ops import scalar_mul as scalar_mul
from tapejax._src.ops.math_ops import sigmoid as sigmoid
from tapejax._src.ops.math_ops import sign as sign
from tapejax._src.ops.math_ops import sin as sin
from tapejax._src.ops.math_ops import sinh as sinh
from tapejax._src.ops.math_ops import sqrt as sqrt
from tapejax._src.ops.math_ops import square as square
from tapejax._src.ops.math_ops import subtract as subtract
from tapejax._src.ops.math_ops import tan as tan
from tapejax._src.ops.math_ops import tanh as tanh
from tapejax._src.ops.math_ops import truediv as truediv
from tapejax._src.ops.math_ops import truncatediv as truncatediv
from tapejax._src.ops.math_ops import truncatemod as truncatemod
from tapejax._src.ops.math_ops import where as where
from tapejax._src.ops.misc_more_ops import approx_top_k as approx_top_k
from tapejax._src.ops.misc_more_ops import check_pinned as check_pinned
from tapejax._src.ops.misc_more_ops import guarantee_const as guarantee_const
from tapejax._src.ops.misc_more_ops import random_index_shuffle as random_index_shuffle
from tapejax._src.ops.misc_ops import batch_to_space as batch_to_space
from tapejax._src.ops.misc_ops import broadcast_dynamic_shape as broadcast_dynamic_shape
from tapejax._src.ops.misc_ops import broadcast_static_shape as broadcast_static_shape
from tapejax._src.ops.misc_ops import dynamic_partition as dynamic_partition
from tapejax._src.ops.misc_ops import dynamic_stitch as dynamic_stitch
from tapejax._src.ops.misc_ops import ensure_shape as ensure_shape
from tapejax._src.ops.misc_ops import histogram_fixed_width as histogram_fixed_width
from tapejax._src.ops.misc_ops import histogram_fixed_width_bins as histogram_fixed_width_bins
from tapejax._src.ops.misc_ops import identity_n as identity_n
from tapejax._src.ops.misc_ops import meshgrid as meshgrid
from tapejax._src.ops.misc_ops import parallel_stack as parallel_stack
from tapejax._src.ops.misc_ops import repeat as repeat
from tapejax._src.ops.misc_ops import required_space_to_batch_paddings as required_space_to_batch_paddings
from tapejax._src.ops.misc_ops import reverse_sequence as reverse_sequence
from tapejax._src.ops.misc_ops import roll as roll
from tapejax._src.ops.misc_ops import searchsorted as searchsorted
from tapejax._src.ops.misc_ops import sequence_mask as sequence_mask
from tapejax._src.ops.misc_ops import shape_n as shape_n
from tapejax._src.ops.misc_ops import space_to_batch as space_to_batch
from tapejax._src.ops.misc_ops import space_to_batch_nd as space_to_batch_nd
from tapejax._src.ops.misc_ops import timestamp as timestamp
from tapejax._src.ops.misc_ops import unique as unique
from tapejax._src.ops.misc_ops import unique_with_counts as unique_with_counts
from tapejax._src.ops.misc_ops import unravel_index as unravel_index
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
from tapejax._src.ops.reduction_ops import reduce_sum as reduce_sum
from tapejax._src.ops.scatter_ops import scatter_nd as scatter_nd
from tapejax._src.ops.scatter_ops import tensor_scatter_nd_add as tensor_scatter_nd_add
from tapejax._src.ops.scatter_ops import tensor_scatter_nd_max as tensor_scatter_nd_max
from tapejax._src.ops.scatter_ops import tensor_scatter_nd_min as tensor_scatter_nd_min
from tapejax._src.ops.scatter_ops import tensor_scatter_nd_sub as tensor_scatter_nd_sub
from tapejax._src.ops.scatter_ops import tensor_scatter_nd_update as tensor_scatter_nd_update
from tapejax._src.ops.shape_ops import broadcast_to as broadcast_to
from tapejax._src.ops.shape_ops import concat as concat
from tapejax._src.ops.shape_ops import expand_dims as expand_dims
from tapejax._src.ops.shape_ops import pad as pad
from tapejax._src.ops.shape_ops import rank as rank
from tapejax._src.ops.shape_ops import reverse as reverse
from tapejax._src.ops.shape_ops import shape as shape
from tapejax._src.ops.shape_ops import size as size
from tapejax._src.ops.shape_ops import slice as slice  # noqa: A004
from tapejax._src.ops.shape_ops import split as split
from tapejax._src.ops.shape_ops import squeeze as squeeze
from tapejax._src.ops.shape_ops import stack as stack
from tapejax._src.ops.shape_ops import strided_slice as strided_slice
from tapejax._src.ops.shape_ops import tile as tile
from tapejax._src.ops.shape_ops import transpose as transpose
from tapejax._src.ops.signal_fftnd_ops import raw_fftnd as fftnd  # noqa: F401 - the raw op TF exports
from tapejax._src.ops.signal_fftnd_ops import raw_ifftnd as ifftnd  # noqa: F401 - the raw op TF exports
from tapejax._src.ops.signal_fftnd_ops import raw_irfftnd as irfftnd  # noqa: F401 - the raw op TF exports
from tapejax._src.ops.signal_fftnd_ops import raw_rfftnd as rfftnd  # noqa: F401 - the raw op TF exports
from tapejax._src.submodules import package_dir as _package_dir
from tapejax._src.submodules import package_getattr as __getattr__  # noqa: F401 - lazy submodules; unknown names say so
from tapejax._src.tape import GradientTape as GradientTape
from tapejax._src.tape import UnconnectedGradients as UnconnectedGradients
from tapejax._src.tensor import Tensor as Tensor
from tapejax._src.tensor import TensorShape as TensorShape
from tapejax._src.tensor_array import TensorArray as TensorArray
from tapejax._src.tensor_spec import TensorSpec as TensorSpec
from tapejax._src.tensor_spec import TypeSpec as TypeSpec
from tapejax._src.tensor_spec import type_spec_from_value as type_spec_from_value
from tapejax._src.variable import Variable as Variable

# tf.keras, tf.data and tf.optimizers are imported on first use (see _src/submodules.py).
if _TYPE_CHECKING:
    from tapejax import data as data
    from tapejax import keras as keras
    from tapejax import optimizers as optimizers


def __dir__() -> list[str]:
    return _package_dir(list(globals()))
