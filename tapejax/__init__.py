"""tapejax: TensorFlow's eager autodiff API on JAX. Use as ``import tapejax as tf``."""

from tapejax._src.core import bind as bind
from tapejax._src.dtypes import DType as DType
from tapejax._src.dtypes import as_dtype as as_dtype
from tapejax._src.dtypes import float32 as float32
from tapejax._src.ops.array_ops import constant as constant
from tapejax._src.ops.array_ops import convert_to_tensor as convert_to_tensor
from tapejax._src.ops.linalg_ops import matmul as matmul
from tapejax._src.ops.math_ops import add as add
from tapejax._src.ops.math_ops import multiply as multiply
from tapejax._src.ops.math_ops import pow as pow  # noqa: A004
from tapejax._src.tensor import Tensor as Tensor
from tapejax._src.tensor import TensorShape as TensorShape
from tapejax._src.variable import Variable as Variable
# autodiff
from tapejax._src.indexed_slices import IndexedSlices as IndexedSlices
from tapejax._src.tape import GradientTape as GradientTape
from tapejax._src.tape import UnconnectedGradients as UnconnectedGradients
from tapejax._src.custom_gradient import custom_gradient as custom_gradient
from tapejax._src.custom_gradient import stop_gradient as stop_gradient
from tapejax import autodiff as autodiff
from tapejax import debugging as debugging
# Keras optimizers, losses, tf.Module
from tapejax._src.module import Module as Module
from tapejax import keras as keras
from tapejax import optimizers as optimizers
from tapejax._src.function import cond as cond
from tapejax._src.function import function as function
from tapejax._src.function import while_loop as while_loop
