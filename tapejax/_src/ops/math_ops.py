"""Element-wise math, reductions and comparisons (``tf.math``)."""

from __future__ import annotations

import builtins
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax._src import core as jax_core
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, TensorBase, VariableBase, bind, scalar_to_array
from tapejax._src.ops import float_to_int, utils
from tapejax._src.tensor import Tensor, convert_python


@jax.custom_jvp
def _abs_real(x: Any) -> Any:
    return jnp.abs(x)


# TF's AbsGrad is ``dy * sign(x)``: 0 at 0, NaN at NaN, and zeros (not None) at second order.
_abs_real.defjvp(lambda primals, tangents: (jnp.abs(primals[0]), tangents[0] * jnp.sign(primals[0])))


@jax.custom_jvp
def _sign_impl(x: Any) -> Any:
    return jnp.where(x == 0, jnp.zeros_like(x), jnp.sign(x))  # (sign(-0.0) is +0.0, as TF)


_sign_impl.defjvp(lambda primals, tangents: (_sign_impl(primals[0]), connected_zero(tangents[0])))


def _abs_impl(x: Any) -> Any:
    kind = "f" if x.dtype == jnp.bfloat16 else x.dtype.kind  # (bfloat16's NumPy kind is "V")
    if kind not in "fc":
        return jnp.abs(x)
    if kind == "f":
        return _abs_real(x)
    # TF's gradient at 0 is 0 (JAX's is 1 for reals, NaN for complex): route 0 to a constant.
    zero = x == 0
    return jnp.where(zero, jnp.zeros((), jnp.abs(x).dtype), jnp.abs(jnp.where(zero, jnp.ones_like(x), x)))


@jax.custom_jvp
def _maximum_impl(x: Any, y: Any) -> Any:
    # NaN in either argument propagates, as TF.
    return jnp.where((x >= y) | (x != x), x, y)


@_maximum_impl.defjvp
def _maximum_jvp(primals: Any, tangents: Any) -> Any:
    # TF's MaximumGrad: the gradient goes to x where x >= y (all of it on a tie), else to y, so a
    # NaN x passes it to y (x's own gradient is 0 there, not 1).
    x, y = primals
    return _maximum_impl(x, y), jnp.where(x >= y, tangents[0], tangents[1])


@jax.custom_jvp
def _minimum_impl(x: Any, y: Any) -> Any:
    return jnp.where((x <= y) | (x != x), x, y)


@_minimum_impl.defjvp
def _minimum_jvp(primals: Any, tangents: Any) -> Any:
    x, y = primals
    return _minimum_impl(x, y), jnp.where(x <= y, tangents[0], tangents[1])


# ``t * c``, linear in ``t``, whose transpose (the reverse-mode rule) is ``ct * c`` except that a zero
# ``ct`` gives 0 even where ``c`` is infinite: TF's SqrtGrad/RsqrtGrad kernels return 0 wherever the
# upstream gradient is 0, so ``tf.where(x > 0, tf.sqrt(x), 0.0)`` has no NaN gradient at 0. (A linear
# expression cannot test its own input, hence a primitive with its own transpose rule.)
_zero_safe_scale_p = Primitive("tapejax_zero_safe_scale")
_zero_safe_scale_p.def_impl(lambda t, c: t * c)
_zero_safe_scale_p.def_abstract_eval(lambda t, c: t)
mlir.register_lowering(_zero_safe_scale_p, mlir.lower_fun(lambda t, c: t * c, multiple_results=False))
batching.defbroadcasting(_zero_safe_scale_p)
ad.defjvp(_zero_safe_scale_p, lambda g, t, c: _zero_safe_scale_p.bind(g, c), lambda g, t, c: t * g)


def _zero_safe_scale_transpose(ct: Any, t: Any, c: Any) -> list[Any]:
    if type(ct) is ad.Zero:
        return [ad.Zero(t.aval), None]
    return [jnp.where(ct == 0, jnp.zeros_like(ct), ct * c), None]


ad.primitive_transposes[_zero_safe_scale_p] = _zero_safe_scale_transpose


# ``t``, reading ``x``: a derivative written with it depends on ``x`` (through floating-point data)
# the way TF's fused gradient kernels do (ReluGrad(dy, y), LeakyReluGrad(dy, x), Relu6Grad(dy, y) read a
# value of the op), so a higher-order gradient through it is zeros, as TF's, not None. Linear in ``t``:
# its transpose reads ``x`` again, so the dependency survives reverse mode. Its derivative with respect
# to ``x`` is 0: constant zeros when ``chain`` is False (TF's XxxGradGrad gives ``zeros_like(x)``,
# whose own gradient is None: the chain ends at the third order), zeros that still depend on the
# tangent when ``chain`` is True (``x`` is the op's output, so TF's zeros flow on into the op's own
# gradient: relu stays connected at every order).
_reads_p = Primitive("tapejax_reads")
_reads_p.def_impl(lambda t, x, *, chain: t)
_reads_p.def_abstract_eval(lambda t, x, *, chain: t)
mlir.register_lowering(_reads_p, mlir.lower_fun(lambda t, x, *, chain: t, multiple_results=False))
batching.defbroadcasting(_reads_p)
ad.defjvp(
    _reads_p,
    lambda g, t, x, *, chain: _reads_p.bind(g, x, chain=chain),
    lambda g, t, x, *, chain: _connected_zero_p.bind(g, cut=False) if chain else jnp.zeros_like(t),
)
ad.primitive_transposes[_reads_p] = lambda ct, t, x, *, chain: [
    ad.Zero(t.aval) if type(ct) is ad.Zero else _reads_p.bind(ct, x, chain=chain),
    None,
]


# Zeros of ``t``'s shape that still depend on ``t``: the derivative of an op whose TF gradient is
# zeros rather than None (``Sign``'s is ``zeros(shape(x))``), so that a gradient through it is a
# value and not None where TF's is (a whole tf.function's gradient). Linear in ``t``. ``cut``: the
# zeros read nothing in TF's op-by-op backward pass (SignGrad), so a dataflow walk of a recorded
# pullback stops here (dataflow.py): a higher-order gradient through it is None, as TF's.
_connected_zero_p = Primitive("tapejax_connected_zero")
_connected_zero_p.def_impl(lambda t, *, cut: jnp.zeros_like(t))
_connected_zero_p.def_abstract_eval(lambda t, *, cut: t)
mlir.register_lowering(_connected_zero_p, mlir.lower_fun(lambda t, *, cut: jnp.zeros_like(t), multiple_results=False))
batching.defvectorized(_connected_zero_p)
ad.deflinear(_connected_zero_p, lambda ct, *, cut: [_connected_zero_p.bind(ct, cut=cut)])


def connected_zero(t: Any) -> Any:
    """Zeros of ``t``'s shape, linear in ``t``: see ``_connected_zero_p`` (TF's zeros, not None)."""
    return _connected_zero_p.bind(t, cut=True)


def reads_output(t: Any, y: Any) -> Any:
    """``t`` reading the op's output ``y`` as TF's ReluGrad does (see ``_reads_p``, ``chain``)."""
    return _reads_p.bind(t, y, chain=True)


def reads_input(t: Any, x: Any) -> Any:
    """``t`` with a zero-valued floating-point dependency on ``x`` (see ``_reads_p``): for custom JVP
    rules of ops whose TF gradient kernel reads the op's input."""
    return _reads_p.bind(t, x, chain=False)


@jax.custom_jvp
def _sqrt_impl(x: Any) -> Any:
    return jnp.sqrt(x)


@_sqrt_impl.defjvp
def _sqrt_jvp(primals: Any, tangents: Any) -> Any:
    y = jnp.sqrt(primals[0])
    return y, _zero_safe_scale_p.bind(tangents[0], 0.5 / y)


@jax.custom_jvp
def _rsqrt_impl(x: Any) -> Any:
    return 1 / jnp.sqrt(x)


@_rsqrt_impl.defjvp
def _rsqrt_jvp(primals: Any, tangents: Any) -> Any:
    y = 1 / jnp.sqrt(primals[0])
    return y, _zero_safe_scale_p.bind(tangents[0], -0.5 * y * y * y)


def _squared_difference_impl(x: Any, y: Any) -> Any:
    d = x - y
    return d * jnp.conj(d)


def _floordiv_impl(x: Any, y: Any) -> Any:
    # TF's float FloorDiv is floor(x / y) (cwise_ops.h google_floor_div_real): inf // 2 = inf,
    # -1 // inf = -0.0, 1 // 0.1 = 10. jnp.floor_divide derives it from fmod (nan, -1, 9 there).
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.floor(x / y)
    return jnp.floor_divide(x, y)


def _require_ordered(x: Any) -> None:
    # TF's Less/Greater kernels are for real numbers only: bool and complex raise (bind turns this
    # trace-time TypeError into InvalidArgumentError); jnp orders both.
    if x.dtype.kind in "bc":
        raise TypeError(f"no kernel for {x.dtype} tensors; TF orders real numbers only")


def _less_impl(x: Any, y: Any) -> Any:
    _require_ordered(x)
    return jnp.less(x, y)


def _less_equal_impl(x: Any, y: Any) -> Any:
    _require_ordered(x)
    return jnp.less_equal(x, y)


def _greater_impl(x: Any, y: Any) -> Any:
    _require_ordered(x)
    return jnp.greater(x, y)


def _greater_equal_impl(x: Any, y: Any) -> Any:
    _require_ordered(x)
    return jnp.greater_equal(x, y)


def _pow_impl(x: Any, y: Any) -> Any:
    return _real_pow(x, y) if jnp.issubdtype(x.dtype, jnp.floating) else jnp.power(x, y)


@jax.custom_jvp
def _real_pow(x: Any, y: Any) -> Any:
    return jnp.power(x, y)


@_real_pow.defjvp
def _real_pow_jvp(primals: Any, tangents: Any) -> Any:
    # x's derivative is JAX's (and TF's) y * x ** (y - 1); the exponent's is TF's: z * log(x) where
    # x > 0, else 0 (JAX's is NaN for x < 0). Both use this rule again, for higher orders.
    x, y = primals
    dx, dy = tangents
    z = _real_pow(x, y)
    tx = dx * (y * _real_pow(x, y - 1))
    positive = x > 0
    log_x = jnp.where(positive, jnp.log(jnp.where(positive, x, jnp.ones_like(x))), jnp.zeros_like(x))
    return z, tx + dy * (z * log_x)


# -- the op table ----------------------------------------------------------------------------------
_add = Op("AddV2", jnp.add, same_dtype=True, numeric=True)
_subtract = Op("Sub", jnp.subtract, same_dtype=True)
_multiply = Op("Mul", jnp.multiply, same_dtype=True)
_divide = Op("RealDiv", jnp.divide, same_dtype=True)
_floordiv = Op("FloorDiv", _floordiv_impl, same_dtype=True, differentiable=False)
_mod = Op("FloorMod", jnp.mod, same_dtype=True)
_pow = Op("Pow", _pow_impl, same_dtype=True, numeric=True)
_negative = Op("Neg", jnp.negative)
_abs = Op("Abs", _abs_impl)
_sign = Op("Sign", _sign_impl)
_square = Op("Square", jnp.square)
_sqrt = Op("Sqrt", _sqrt_impl)
_rsqrt = Op("Rsqrt", _rsqrt_impl)
_exp = Op("Exp", jnp.exp)
_expm1 = Op("Expm1", jnp.expm1)
_log = Op("Log", jnp.log)
_log1p = Op("Log1p", jnp.log1p)
_sin = Op("Sin", jnp.sin)
_cos = Op("Cos", jnp.cos)
_tan = Op("Tan", jnp.tan)
_tanh = Op("Tanh", jnp.tanh)
_sinh = Op("Sinh", jnp.sinh)
_cosh = Op("Cosh", jnp.cosh)
_sigmoid = Op("Sigmoid", lax.logistic)  # JAX derivative y * (1 - y), as TF
_maximum = Op("Maximum", _maximum_impl, same_dtype=True, numeric=True)
_minimum = Op("Minimum", _minimum_impl, same_dtype=True, numeric=True)
_squared_difference = Op("SquaredDifference", _squared_difference_impl, same_dtype=True)
_round = Op("Round", jnp.round, differentiable=False)  # TF: half to even, no gradient
_floor = Op("Floor", jnp.floor, differentiable=False)
_ceil = Op("Ceil", jnp.ceil, differentiable=False)
_equal = Op("Equal", jnp.equal, same_dtype=True, differentiable=False)
_not_equal = Op("NotEqual", jnp.not_equal, same_dtype=True, differentiable=False)
_less = Op("Less", _less_impl, same_dtype=True, differentiable=False)
_less_equal = Op("LessEqual", _less_equal_impl, same_dtype=True, differentiable=False)
_greater = Op("Greater", _greater_impl, same_dtype=True, differentiable=False)
_greater_equal = Op("GreaterEqual", _greater_equal_impl, same_dtype=True, differentiable=False)
_logical_and = Op("LogicalAnd", jnp.logical_and, same_dtype=True, differentiable=False)
_logical_or = Op("LogicalOr", jnp.logical_or, same_dtype=True, differentiable=False)
_logical_xor = Op("LogicalXor", jnp.logical_xor, same_dtype=True, differentiable=False)
_logical_not = Op("LogicalNot", jnp.logical_not, differentiable=False)
_bitwise_and = Op("BitwiseAnd", jnp.bitwise_and, same_dtype=True, differentiable=False)
_bitwise_or = Op("BitwiseOr", jnp.bitwise_or, same_dtype=True, differentiable=False)
_bitwise_xor = Op("BitwiseXor", jnp.bitwise_xor, same_dtype=True, differentiable=False)
_invert = Op("Invert", jnp.invert, differentiable=False)
_is_nan = Op("IsNan", jnp.isnan, differentiable=False)
_is_finite = Op("IsFinite", jnp.isfinite, differentiable=False)
_cast = Op("Cast", lambda x, *, dtype: x.astype(dtype))


def _cast_int_impl(x: Any, *, dtype: np.dtype, saturating: bool = False) -> Any:
    # ``saturating``: inside a jit_compile=True function, whose casts TF compiles with XLA (NaN -> 0,
    # out of range -> the nearest limit); else TF's CPU kernel's values (float_to_int).
    return x.astype(dtype) if saturating else float_to_int.astype(x, dtype=dtype)


_cast_nondiff = Op("Cast", _cast_int_impl, differentiable=False)


def _require_kind(op_name: str, x: Any, kinds: str, what: str) -> None:
    if isinstance(x, (TensorBase, VariableBase)) and np.dtype(x._v.dtype).kind not in kinds:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"{op_name}: expected a {what} tensor, got {np.dtype(x._v.dtype).name}{list(x._v.shape)}.",
        )


def _float_unary(op: Op, x: Any, complex_ok: bool = True) -> Tensor:
    """Binds a unary op that TF only defines for floating (and complex) dtypes."""
    x = utils.as_tensor(x, None, op.name)
    if x._v.dtype.kind not in ("fc" if complex_ok else "f"):
        utils.require_float(op.name, x, complex_ok)
    return bind(op, x)


def _numeric_unary(op: Op, x: Any, signed: bool = False) -> Tensor:
    """Binds a unary op that TF defines for numbers but not for bool (nor unsigned, if ``signed``)."""
    x = utils.as_tensor(x, None, op.name)
    kind = x._v.dtype.kind
    if kind == "b" or (signed and kind == "u"):
        utils.require_kind(op.name, x, "fci" if signed else "fciu", "signed numeric" if signed else "numeric")
    return bind(op, x)


# -- public wrappers -------------------------------------------------------------------------------
def add(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Returns ``x + y`` element-wise, with broadcasting (``tf.math.add``).

    >>> import tapejax as tf
    >>> print(tf.add(tf.constant([1.0, 2.0]), 1.0))
    tf.Tensor([2. 3.], shape=(2,), dtype=float32)
    """
    return bind(_add, x, y)


def subtract(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Returns ``x - y`` element-wise (``tf.math.subtract``)."""
    return bind(_subtract, x, y)


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Returns ``x * y`` element-wise (``tf.math.multiply``).

    Raises:
      InvalidArgumentError: if ``x`` and ``y`` are tensors of different dtypes.

    >>> import tapejax as tf
    >>> print(tf.multiply(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])))
    tf.Tensor([3. 8.], shape=(2,), dtype=float32)
    """
    return bind(_multiply, x, y)


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Computes Python-style division ``x / y`` (``tf.math.divide``); ints become floats."""
    return truediv(x, y)


def truediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``; as TF, int8/int16/uint8 divide in float32 and int32/int64 in float64.

    >>> import tapejax as tf
    >>> print(tf.constant(1) / tf.constant(2))
    tf.Tensor(0.5, shape=(), dtype=float64)
    """
    # Fast path: a floating tensor divided by anything is a plain RealDiv (bind converts scalars).
    if isinstance(x, (TensorBase, VariableBase)) and x._v.dtype.kind in "fc":
        return bind(_divide, x, y)
    if (
        isinstance(y, (TensorBase, VariableBase))
        and y._v.dtype.kind in "fc"
        and not isinstance(x, (TensorBase, VariableBase))
    ):
        return bind(_divide, x, y)
    x_arr, y_arr = _pair(x, y, "truediv")
    kind = np.dtype(x_arr.dtype).kind
    if kind == "b" or np.dtype(y_arr.dtype).kind == "b":
        raise TypeError(
            f"Invalid dtype bool in __truediv__ (RealDiv of {np.dtype(x_arr.dtype).name}{list(x_arr.shape)} and "
            f"{np.dtype(y_arr.dtype).name}{list(y_arr.shape)}), as TF. Fix: tf.cast to a float dtype."
        )
    if kind in "iu":
        float_dtype = np.float32 if np.dtype(x_arr.dtype).itemsize <= 2 else np.float64
        if x_arr.dtype != y_arr.dtype:
            raise _mismatch("RealDiv", x_arr, y_arr)
        return bind(_divide, cast(x, float_dtype), cast(y, float_dtype))
    return bind(_divide, x, y)


def realdiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` for real tensors of one dtype (``tf.realdiv``)."""
    return bind(_divide, x, y)


def floordiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x // y`` rounding toward negative infinity (``tf.math.floordiv``); not differentiable.

    Raises:
      InvalidArgumentError: on integer division by zero, as TF (checked eagerly, not under tf.function).
    """
    out = bind(_floordiv, x, y)
    _check_int_division(out, y, "FloorDiv")
    return out


def mod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x % y`` with the sign of ``y``, as Python (``tf.math.floormod``).

    Raises:
      InvalidArgumentError: on integer division by zero, as TF.
    """
    out = bind(_mod, x, y)
    _check_int_division(out, y, "FloorMod")
    return out


def _check_int_division(out: Any, y: Any, op_name: str) -> None:
    """TF raises on integer division by zero (XLA returns garbage): one extra reduction for ints only."""
    if out._v.dtype.kind in "iu" and _any_int_value(y, _any_zero, np.equal):
        raise errors.InvalidArgumentError(None, None, f"{op_name}: Integer division by zero")


def _check_int_power(y: Any) -> None:
    """TF raises on an integer power with a negative exponent (XLA returns 0 or garbage)."""
    if _any_int_value(y, _any_negative, np.less):
        raise errors.InvalidArgumentError(None, None, "Pow: Integers to negative integer powers are not allowed")


_any_zero = Op("AnyZero", lambda y: jnp.any(y == 0), differentiable=False)
_any_negative = Op("AnyNegative", lambda y: jnp.any(y < 0), differentiable=False)


def _any_int_value(y: Any, test: Op, host_test: Any) -> bool:
    """Whether ``test`` (``y == 0``, ``y < 0``) holds for some element of the integer operand ``y``:
    a Tensor by one reduction kernel, a Python value on the host. Checked on concrete values only:
    not under tf.function, where TF does not check either (its kernels do, at run time)."""
    if isinstance(y, (TensorBase, VariableBase)):
        arr = y._value
        if isinstance(arr, jax.core.Tracer) or type(jax_core.trace_ctx.trace) is not jax_core.EvalTrace:  # pyright: ignore[reportAttributeAccessIssue]
            return False
        return bool(test.kernel(())(arr))
    return bool(np.any(host_test(np.asarray(y), 0)))


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """``x ** y`` element-wise (``tf.math.pow``).

    >>> import tapejax as tf
    >>> print(tf.pow(tf.constant([2.0, 3.0]), 2))
    tf.Tensor([4. 9.], shape=(2,), dtype=float32)

    Raises:
      InvalidArgumentError: for integers raised to a negative integer power, as TF (checked eagerly,
        not under tf.function).
    """
    out = bind(_pow, x, y)
    if out._v.dtype.kind in "iu":
        _check_int_power(y)
    return out


def negative(x: Any, name: str | None = None) -> Tensor:
    """``-x`` (``tf.math.negative``); TF has no kernel for bool or unsigned integers."""
    return _numeric_unary(_negative, x, signed=True)


def abs(x: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """``|x|``; the gradient at 0 is 0, as TF (``tf.math.abs``). Complex input gives its real dtype.
    TF has no kernel for bool or unsigned integers."""
    return _numeric_unary(_abs, x, signed=True)


def sign(x: Any, name: str | None = None) -> Tensor:
    """-1, 0 or 1 by the sign of ``x``; its gradient is zero (``tf.math.sign``). TF has no kernel for
    bool or unsigned integers."""
    return _numeric_unary(_sign, x, signed=True)


def square(x: Any, name: str | None = None) -> Tensor:
    """``x * x`` (``tf.math.square``)."""
    return _numeric_unary(_square, x)


def sqrt(x: Any, name: str | None = None) -> Tensor:
    """Square root (``tf.math.sqrt``).

    As TF's gradient kernel, a zero upstream gradient gives 0 even at ``x == 0`` (where JAX's rule
    gives 0 · ∞ = NaN), so ``tf.where(x > 0, tf.sqrt(x), 0.0)`` has gradient 0 at ``x <= 0``.
    """
    return _float_unary(_sqrt, x)


def rsqrt(x: Any, name: str | None = None) -> Tensor:
    """``1 / sqrt(x)`` (``tf.math.rsqrt``); as :func:`sqrt`, a zero upstream gradient gives 0 at ``x == 0``."""
    return _float_unary(_rsqrt, x)


def exp(x: Any, name: str | None = None) -> Tensor:
    """``e ** x`` (``tf.math.exp``)."""
    return _float_unary(_exp, x)


def expm1(x: Any, name: str | None = None) -> Tensor:
    """``exp(x) - 1``, accurate near 0 (``tf.math.expm1``)."""
    return _float_unary(_expm1, x)


def log(x: Any, name: str | None = None) -> Tensor:
    """Natural logarithm (``tf.math.log``)."""
    return _float_unary(_log, x)


def log1p(x: Any, name: str | None = None) -> Tensor:
    """``log(1 + x)``, accurate near 0 (``tf.math.log1p``)."""
    return _float_unary(_log1p, x)


def sin(x: Any, name: str | None = None) -> Tensor:
    """Sine (``tf.math.sin``)."""
    return _float_unary(_sin, x)


def cos(x: Any, name: str | None = None) -> Tensor:
    """Cosine (``tf.math.cos``)."""
    return _float_unary(_cos, x)


def tan(x: Any, name: str | None = None) -> Tensor:
    """Tangent (``tf.math.tan``)."""
    return _float_unary(_tan, x)


def tanh(x: Any, name: str | None = None) -> Tensor:
    """Hyperbolic tangent (``tf.math.tanh``, ``tf.nn.tanh``)."""
    return _float_unary(_tanh, x)


def sinh(x: Any, name: str | None = None) -> Tensor:
    """Hyperbolic sine (``tf.math.sinh``)."""
    return _float_unary(_sinh, x)


def cosh(x: Any, name: str | None = None) -> Tensor:
    """Hyperbolic cosine (``tf.math.cosh``)."""
    return _float_unary(_cosh, x)


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    """``1 / (1 + exp(-x))`` (``tf.math.sigmoid``, ``tf.nn.sigmoid``)."""
    return _float_unary(_sigmoid, x)


def maximum(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Element-wise maximum; on ties TF gives all of the gradient to ``x`` (``tf.math.maximum``)."""
    return bind(_maximum, x, y)


def minimum(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Element-wise minimum; on ties TF gives all of the gradient to ``x`` (``tf.math.minimum``)."""
    return bind(_minimum, x, y)


def squared_difference(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``(x - y) * conj(x - y)`` (``tf.math.squared_difference``)."""
    return bind(_squared_difference, x, y)


def round(x: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """Rounds half to even (``tf.math.round``); not differentiable: tape gradients are ``None``."""
    return _numeric_unary(_round, x)


def floor(x: Any, name: str | None = None) -> Tensor:
    """Largest integer not greater than ``x`` (``tf.math.floor``); gradient ``None``."""
    return _float_unary(_floor, x, complex_ok=False)


def ceil(x: Any, name: str | None = None) -> Tensor:
    """Smallest integer not less than ``x`` (``tf.math.ceil``); gradient ``None``."""
    return _float_unary(_ceil, x, complex_ok=False)


def equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x == y`` element-wise, as a bool tensor (``tf.math.equal``)."""
    return bind(_equal, x, y)


def not_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x != y`` element-wise (``tf.math.not_equal``)."""
    return bind(_not_equal, x, y)


def less(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x < y`` element-wise (``tf.math.less``)."""
    return bind(_less, x, y)


def less_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x <= y`` element-wise (``tf.math.less_equal``)."""
    return bind(_less_equal, x, y)


def greater(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x > y`` element-wise (``tf.math.greater``)."""
    return bind(_greater, x, y)


def greater_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x >= y`` element-wise (``tf.math.greater_equal``)."""
    return bind(_greater_equal, x, y)


def logical_and(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Element-wise AND of bool tensors (``tf.math.logical_and``)."""
    _require_kind("LogicalAnd", x, "b", "bool")
    return bind(_logical_and, x, y)


def logical_or(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Element-wise OR of bool tensors (``tf.math.logical_or``)."""
    _require_kind("LogicalOr", x, "b", "bool")
    return bind(_logical_or, x, y)


def logical_xor(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Element-wise XOR of bool tensors (``tf.math.logical_xor``)."""
    _require_kind("LogicalXor", x, "b", "bool")
    return bind(_logical_xor, x, y)


def logical_not(x: Any, name: str | None = None) -> Tensor:
    """Element-wise NOT of a bool tensor (``tf.math.logical_not``)."""
    _require_kind("LogicalNot", x, "b", "bool")
    return bind(_logical_not, x)


def invert(x: Any) -> Tensor:
    """``~x``: logical NOT for bool tensors, bitwise NOT for integers."""
    _require_kind("Invert", x, "biu", "bool or integer")
    return bind(_invert, x)


def and_(x: Any, y: Any) -> Tensor:
    """``x & y``: logical AND for bool tensors, bitwise AND for integers."""
    _require_kind("BitwiseAnd", x, "biu", "bool or integer")
    return bind(_bitwise_and, x, y)


def or_(x: Any, y: Any) -> Tensor:
    """``x | y``: logical OR for bool tensors, bitwise OR for integers."""
    _require_kind("BitwiseOr", x, "biu", "bool or integer")
    return bind(_bitwise_or, x, y)


def xor_(x: Any, y: Any) -> Tensor:
    """``x ^ y``: logical XOR for bool tensors, bitwise XOR for integers."""
    _require_kind("BitwiseXor", x, "biu", "bool or integer")
    return bind(_bitwise_xor, x, y)


def is_nan(x: Any, name: str | None = None) -> Tensor:
    """Element-wise NaN test (``tf.math.is_nan``); floating tensors only, as TF."""
    return bind(_is_nan, _floating_input("IsNan", x))


def is_finite(x: Any, name: str | None = None) -> Tensor:
    """Element-wise finiteness test (``tf.math.is_finite``); floating tensors only, as TF."""
    return bind(_is_finite, _floating_input("IsFinite", x))


def _floating_input(op_name: str, x: Any) -> Any:
    x = utils.as_tensor(x, None, op_name)
    utils.require_kind(op_name, x, "f")  # (bfloat16 counts as floating there)
    return x


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Casts ``x`` to ``dtype`` (``tf.cast``).

    Casts between floating/complex types are differentiable; casts to integer or bool types stop
    the gradient (TF gives ``None``). Complex to real keeps the real part, as TF.

    >>> import tapejax as tf
    >>> print(tf.cast(tf.constant([1.7, -1.7]), tf.int32))
    tf.Tensor([ 1 -1], shape=(2,), dtype=int32)
    """
    target = dtypes_lib.as_dtype(dtype)
    if not isinstance(x, (TensorBase, VariableBase)):
        x = Tensor(convert_python(x, None, "Cast"))
    src_kind = "f" if x._v.dtype == jnp.bfloat16 else np.dtype(x._v.dtype).kind  # (bfloat16's kind is "V")
    if x._v.dtype == target._np:
        return x if isinstance(x, Tensor) else bind(_cast, x, dtype=target._np)
    if src_kind == "c" and target._np.kind != "c":
        x = bind(_real, x)
    differentiable = target.is_floating or target.is_complex
    if src_kind == "f" and target._np.kind in "iu" and _in_xla_compiled_trace():
        return bind(_cast_nondiff, x, dtype=target._np, saturating=True)
    return bind(_cast if differentiable and src_kind in "fc" else _cast_nondiff, x, dtype=target._np)


def _in_xla_compiled_trace() -> bool:
    from tapejax._src.function import in_xla_compiled_trace  # (function.py imports the ops)

    return in_xla_compiled_trace()


_real = Op("Real", jnp.real)
_imag = Op("Imag", jnp.imag)
_conj = Op("Conj", jnp.conj)


def real(x: Any, name: str | None = None) -> Tensor:
    """Real part (``tf.math.real``); TF raises TypeError for bool."""
    t = utils.as_tensor(x, None, "Real")
    if t._v.dtype.kind == "b":
        raise TypeError(f"Real: input must be a numeric tensor, but got tensor with dtype {t.dtype!r}.")
    return bind(_real, t)


def imag(x: Any, name: str | None = None) -> Tensor:
    """Imaginary part (``tf.math.imag``): of a real tensor, TF's ``zeros_like`` (gradient ``None``)."""
    t = utils.as_tensor(x, None, "Imag")
    if t._v.dtype.kind != "c":
        from tapejax._src.ops.creation_ops import zeros_like  # (creation_ops imports this module)

        return zeros_like(t)
    return bind(_imag, t)


def conj(x: Any, name: str | None = None) -> Tensor:
    """Complex conjugate (``tf.math.conj``)."""
    return bind(_conj, x)


def tensor_equals(x: Any, y: Any) -> Any:
    """``x == y`` as TF's ``Tensor.__eq__``: element-wise; ``False`` for None, a scalar ``False``
    Tensor for unbroadcastable shapes. Dtypes that differ raise as ``tf.equal`` does.

    Differences from TensorFlow: a Variable compared with a value of another dtype gives ``False``
    (TF's tf.Variable raises; Keras variables, which tapejax's also stand for, compare across dtypes,
    so that ``opt.learning_rate in opt.variables`` works among an optimizer's int64 counter).
    """
    if y is None:
        return False
    if _variable_across_dtypes(x, y):
        return False
    if not _broadcastable(x, y):
        return Tensor(np.asarray(False))
    return equal(x, y)


def tensor_not_equals(x: Any, y: Any) -> Any:
    """``x != y`` as TF's ``Tensor.__ne__`` (see :func:`tensor_equals`)."""
    if y is None:
        return True
    if _variable_across_dtypes(x, y):
        return True
    if not _broadcastable(x, y):
        return Tensor(np.asarray(True))
    return not_equal(x, y)


def _variable_across_dtypes(x: Any, y: Any) -> bool:
    if not (isinstance(x, VariableBase) or isinstance(y, VariableBase)):
        return False
    return (
        isinstance(x, (TensorBase, VariableBase))
        and isinstance(y, (TensorBase, VariableBase))
        and x._v.dtype != y._v.dtype
    )


def _broadcastable(x: Any, y: Any) -> bool:
    """Whether the shapes of ``x`` and ``y`` broadcast; True when one cannot be read (the op
    decides) and when the dtypes differ (``tf.equal`` raises for those first, as TF's Equal)."""
    xt, yt = isinstance(x, (TensorBase, VariableBase)), isinstance(y, (TensorBase, VariableBase))
    if xt and yt and x._v.dtype != y._v.dtype:
        return True
    if not (xt and yt) and (type(y) in (int, float, bool) or type(x) in (int, float, bool)):
        return True  # a Python scalar broadcasts (the common ``t == 0``)
    try:
        xs = x._v.shape if xt else np.shape(x)
        ys = y._v.shape if yt else np.shape(y)
        if xs == ys or not xs or not ys:
            return True
        np.broadcast_shapes(xs, ys)
    except ValueError:
        return False
    return True


def _pair(x: Any, y: Any, op_name: str) -> tuple[Any, Any]:
    xt = isinstance(x, (TensorBase, VariableBase))
    yt = isinstance(y, (TensorBase, VariableBase))
    if xt and yt:
        return x._value, y._value
    if xt:
        return x._value, convert_python(y, x._v.dtype, op_name)
    if yt:
        return convert_python(x, y._v.dtype, op_name), y._value
    xa = convert_python(x, None, op_name)
    return xa, convert_python(y, xa.dtype, op_name)


def _mismatch(op_name: str, x: Any, y: Any) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(
        None,
        None,
        f"{op_name}: cannot compute {op_name} of tensors with different dtypes "
        f"({np.dtype(x.dtype).name}{list(x.shape)}, {np.dtype(y.dtype).name}{list(y.shape)}): TensorFlow never "
        "converts dtypes implicitly. Fix: tf.cast one operand.",
    )


# -- selection and n-ary sums ------------------------------------------------------------------------
def _select_impl(c: Any, x: Any, y: Any) -> Any:
    # The JAX derivative routes the cotangent to the selected branch and zeros elsewhere, as TF.
    return jnp.where(c, x, y)


def _where_indices_impl(c: Any, *, size: int) -> Any:
    return jnp.argwhere(c, size=size).astype(jnp.int64)


def _add_n_impl(*xs: Any) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


_select = Op("SelectV2", _select_impl)
_where_indices = Op("Where", _where_indices_impl, differentiable=False)
_add_n = Op("AddN", _add_n_impl, same_dtype=True)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Selects from ``x`` where ``condition`` is true and from ``y`` elsewhere (``tf.where``).

    The three arguments broadcast together. With ``x`` and ``y`` omitted, returns the int64
    coordinates of the true (non-zero) elements of ``condition``, shape ``[num_true, rank]``.
    The gradient goes to the selected branch only (zeros for the other one).

    Raises:
      ValueError: if only one of ``x`` and ``y`` is given.
      InvalidArgumentError: if ``x`` and ``y`` differ in dtype, ``condition`` is not bool, or the
        shapes do not broadcast.

    >>> import tapejax as tf
    >>> print(tf.where(tf.constant([True, False]), tf.constant([1.0, 2.0]), 0.0))
    tf.Tensor([1. 0.], shape=(2,), dtype=float32)
    >>> print(tf.where([[True, False], [False, True]]))
    tf.Tensor(
    [[0 0]
     [1 1]], shape=(2, 2), dtype=int64)
    """
    if (x is None) != (y is None):
        raise ValueError("tf.where: x and y must both be non-None or both be None.")
    condition = utils.as_tensor(condition, None, "Where")
    if x is None:
        value = utils.concrete(condition)
        if value is None:
            raise TypeError(
                "tf.where(condition) with one argument has a data-dependent shape and cannot be traced; "
                "use tf.where(condition, x, y) inside compiled code."
            )
        return bind(_where_indices, condition, size=int(np.count_nonzero(value)))
    if condition._v.dtype.kind != "b":
        utils.require_kind("SelectV2", condition, "b", "bool condition")
    x, y = utils.as_tensors_like([x, y], "SelectV2")
    shapes = [utils.shape_of(t) for t in (condition, x, y)]
    if utils.broadcast_shapes(*shapes) is None:
        raise utils.invalid_argument(
            f"SelectV2: condition, x and y must be broadcastable, got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}."
        )
    return bind(_select, condition, x, y)


def add_n(inputs: Any, name: str | None = None) -> Tensor:
    """Adds a list of tensors of one shape and dtype element-wise (``tf.math.add_n``).

    Each input is converted on its own, as TF's: a Python list or NumPy array takes its own dtype
    (``[1.0]`` float32, ``np.array([2.0])`` float64), not another input's.

    Raises:
      ValueError: if ``inputs`` is empty or not a list.
      InvalidArgumentError: if the shapes or dtypes differ (``add_n`` does not broadcast); while
        ``tf.function`` traces, TypeError for dtypes, as TF's graph.

    >>> import tapejax as tf
    >>> print(tf.add_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), [5.0, 6.0]]))
    tf.Tensor([ 9. 12.], shape=(2,), dtype=float32)
    """
    if isinstance(inputs, (TensorBase, VariableBase)) or not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError(
            "tf.math.add_n: inputs must be a non-empty list of at least one Tensor with the same dtype and shape."
        )
    tensors = [utils.as_tensor(v._to_dense() if hasattr(v, "_to_dense") else v, None, "AddN") for v in inputs]
    _check_add_n_dtypes(tensors)
    shape0 = utils.shape_of(tensors[0])
    for i, t in enumerate(tensors[1:], 1):
        if utils.shape_of(t) != shape0:
            raise utils.invalid_argument(
                "Inputs to operation AddN of type AddN must have the same size and shape.  "
                f"Input 0: {list(shape0)} != input {i}: {list(utils.shape_of(t))} [Op:AddN]".replace(", ", ",")
            )
    return bind(_add_n, *tensors)


def _check_add_n_dtypes(tensors: list[Any]) -> None:
    """TF's AddN errors for inputs of different dtypes (its kernel names the dtypes the C++ way)."""
    from tapejax._src.function import in_trace

    d0 = tensors[0]._v.dtype
    for i, t in enumerate(tensors[1:], 1):
        if t._v.dtype != d0:
            if in_trace():
                names = ", ".join(utils.dtype_name(x) for x in tensors)
                raise TypeError(
                    f"Tensors in list passed to 'inputs' of 'AddN' Op have types [{names}] that don't all match."
                )
            want, got = (_CPP_DTYPE_NAMES.get(utils.dtype_name(x), utils.dtype_name(x)) for x in (tensors[0], t))
            raise utils.invalid_argument(
                f"cannot compute AddN as input #{i}(zero-based) was expected to be a {want} tensor but is a {got} "
                "tensor [Op:AddN]"
            )


_CPP_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def floormod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x % y`` with the sign of ``y`` (``tf.math.floormod``, same as ``tf.math.mod``)."""
    return mod(x, y)


# -- more element-wise math: inverse trigonometry, NaN-safe arithmetic, truncation, complex --------
def _div_no_nan_impl(x: Any, y: Any) -> Any:
    # Dividing by a safe 1 where y == 0 keeps the derivative finite there; the where then sends 0 to
    # both gradients, as TF's DivNoNan gradient (div_no_nan(g, y), g * div_no_nan(-x / y, y)).
    zero = y == 0
    q = x / jnp.where(zero, jnp.ones_like(y), y)
    return jnp.where(zero, jnp.zeros_like(q), q)


@jax.custom_jvp
def _mul_no_nan_impl(x: Any, y: Any) -> Any:
    p = x * y
    return jnp.where(y == 0, jnp.zeros_like(p), p)


@_mul_no_nan_impl.defjvp
def _mul_no_nan_jvp(primals: Any, tangents: Any) -> Any:
    # TF's gradients: mul_no_nan(g, y) for x and mul_no_nan(x, g) for y (0 wherever g is 0, even
    # for an infinite x): the zero-safe scale's transpose.
    x, y = primals
    tx, ty = tangents
    out = _mul_no_nan_impl(x, y)
    shape = out.shape
    # (TF's MulNoNan gradient does not conjugate, unlike Mul's: complex partials enter conjugated.)
    cx, cy = (jnp.conj(x), jnp.conj(y)) if out.dtype.kind == "c" else (x, y)
    t_x = tx * cy
    t_x = jnp.broadcast_to(jnp.where(y == 0, jnp.zeros_like(t_x), t_x), shape)
    t_y = _zero_safe_scale_p.bind(jnp.broadcast_to(ty, shape), jnp.broadcast_to(cx, shape))
    return out, t_x + t_y


@jax.custom_jvp
def _nextafter_impl(x1: Any, x2: Any) -> Any:
    return jnp.nextafter(x1, x2)


@_nextafter_impl.defjvp
def _nextafter_jvp(primals: Any, tangents: Any) -> Any:
    # TF's NextAfter gradient: ones for x1, zeros (not None) for x2.
    out = _nextafter_impl(*primals)
    t1 = jnp.broadcast_to(tangents[0], out.shape)
    return out, t1 + connected_zero(jnp.broadcast_to(tangents[1], out.shape))


@jax.custom_jvp
def _acosh_impl(x: Any) -> Any:
    return jnp.arccosh(x)


# TF's AcoshGrad is g / sinh(y): NaN below 1, where acosh is (JAX's 1 / sqrt(x**2 - 1) is finite there).
_acosh_impl.defjvp(lambda primals, tangents: (y := _acosh_impl(primals[0]), tangents[0] / jnp.sinh(y)))


@jax.custom_jvp
def _softsign_impl(x: Any) -> Any:
    return jax.nn.soft_sign(x)


# TF's SoftsignGrad is g / (1 + |x|)**2: 0 at +-inf (JAX's quotient rule gives inf - inf there).
_softsign_impl.defjvp(
    lambda primals, tangents: (_softsign_impl(primals[0]), tangents[0] / jnp.square(1 + jnp.abs(primals[0])))
)


def _truncatediv_impl(x: Any, y: Any) -> Any:
    if x.dtype.kind in "iu":
        x, y = jnp.broadcast_arrays(x, y)
        return lax.div(x, y)  # C division: rounds toward zero
    return jnp.trunc(x / y)


def _truncatemod_impl(x: Any, y: Any) -> Any:
    x, y = jnp.broadcast_arrays(x, y)
    return lax.rem(x, y)  # C fmod: the sign of x


def _angle_real_impl(x: Any) -> Any:
    return jnp.where(x < 0, jnp.full_like(x, np.pi), jnp.zeros_like(x))


def _saturate_cast_impl(x: Any, *, lo: Any, hi: Any, dtype: np.dtype, saturating: bool = False) -> Any:
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = jnp.real(x)
    if lo is not None:
        # ClipByValue's gradient: the upstream gradient inside [lo, hi], 0 outside.
        x = jnp.where(x < lo, jnp.asarray(lo, x.dtype), jnp.where(x > hi, jnp.asarray(hi, x.dtype), x))
    if saturating:  # (in a jit_compile=True function: XLA's cast, as TF's)
        return x.astype(dtype)
    return float_to_int.astype(x, dtype=dtype)  # (NaN, and a limit rounded past the range, as TF)


def _bitcast_impl(x: Any, *, dtype: np.dtype) -> Any:
    # Through bytes, as XLA has no complex bitcast (a complex number is its (real, imag) pair):
    # ``x``'s shape S becomes S + [n] for a narrower dtype, S[:-1] for a wider one, as TF.
    size_in, size_out = x.dtype.itemsize, dtype.itemsize
    shape = tuple(x.shape)
    if x.dtype.kind == "c":
        x = jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)
    raw = lax.bitcast_convert_type(x, np.uint8).reshape((*shape, size_in))
    if size_out < size_in:
        shape = (*shape, size_in // size_out)
    elif size_out > size_in:
        shape = shape[:-1]
    raw = raw.reshape((*shape, size_out))
    if dtype.kind == "c":
        part = np.dtype(np.float32 if dtype == np.complex64 else np.float64)
        pairs = lax.bitcast_convert_type(raw.reshape((*shape, 2, size_out // 2)), part)
        return lax.complex(pairs[..., 0], pairs[..., 1])
    return lax.bitcast_convert_type(raw[..., 0] if size_out == 1 else raw, dtype)


_acos = Op("Acos", jnp.arccos)
_acosh = Op("Acosh", _acosh_impl)
_asin = Op("Asin", jnp.arcsin)
_asinh = Op("Asinh", jnp.arcsinh)
_atan = Op("Atan", jnp.arctan)
_atanh = Op("Atanh", jnp.arctanh)
_atan2 = Op("Atan2", jnp.arctan2, same_dtype=True)
_reciprocal = Op("Reciprocal", lambda x: 1 / x)
_div_no_nan = Op("DivNoNan", _div_no_nan_impl, same_dtype=True)
_mul_no_nan = Op("MulNoNan", _mul_no_nan_impl, same_dtype=True)
_rint = Op("Rint", jnp.rint, differentiable=False)  # TF: gradient None
_nextafter = Op("NextAfter", _nextafter_impl, same_dtype=True)
_is_inf = Op("IsInf", jnp.isinf, differentiable=False)
_truncatediv = Op("TruncateDiv", _truncatediv_impl, same_dtype=True, differentiable=False)
# TF registers no gradient for TruncateMod (a gradient through it raises LookupError there).
_truncatemod = Op("TruncateMod", _truncatemod_impl, same_dtype=True, differentiable=False)
_angle = Op("Angle", jnp.angle)
_angle_real = Op("Angle", _angle_real_impl, differentiable=False)  # TF: where(x < 0, pi, 0)
_log_sigmoid = Op("LogSigmoid", jax.nn.log_sigmoid)  # -softplus(-x), as TF
_softsign = Op("Softsign", _softsign_impl)
_complex = Op("Complex", lax.complex, same_dtype=True)
_saturate_cast = Op("SaturateCast", _saturate_cast_impl)
_saturate_cast_nondiff = Op("SaturateCast", _saturate_cast_impl, differentiable=False)
_bitcast = Op("Bitcast", _bitcast_impl, differentiable=False)


def _floating_binary(op: Op, x: Any, y: Any, kinds: str = "f") -> Tensor:
    """Binds a binary op TF defines for floating (``kinds="fc"``: and complex) tensors of one dtype."""
    x, y = utils.as_tensors_like([x, y], op.name)
    utils.require_kind(op.name, x, kinds)
    return bind(op, x, y)


def acos(x: Any, name: str | None = None) -> Tensor:
    """Inverse cosine, NaN outside ``[-1, 1]`` (``tf.math.acos``).

    >>> import tapejax as tf
    >>> print(tf.math.acos(tf.constant([1.0, -1.0])))
    tf.Tensor([0.        3.1415927], shape=(2,), dtype=float32)
    """
    return _float_unary(_acos, x)


def acosh(x: Any, name: str | None = None) -> Tensor:
    """Inverse hyperbolic cosine (``tf.math.acosh``)."""
    return _float_unary(_acosh, x)


def asin(x: Any, name: str | None = None) -> Tensor:
    """Inverse sine (``tf.math.asin``)."""
    return _float_unary(_asin, x)


def asinh(x: Any, name: str | None = None) -> Tensor:
    """Inverse hyperbolic sine (``tf.math.asinh``)."""
    return _float_unary(_asinh, x)


def atan(x: Any, name: str | None = None) -> Tensor:
    """Inverse tangent (``tf.math.atan``)."""
    return _float_unary(_atan, x)


def atanh(x: Any, name: str | None = None) -> Tensor:
    """Inverse hyperbolic tangent (``tf.math.atanh``)."""
    return _float_unary(_atanh, x)


def atan2(y: Any, x: Any, name: str | None = None) -> Tensor:
    """The angle of the point ``(x, y)``, in ``[-pi, pi]`` (``tf.math.atan2``); real floats only.

    >>> import tapejax as tf
    >>> print(tf.math.atan2(1.0, -1.0))
    tf.Tensor(2.3561945, shape=(), dtype=float32)
    """
    return _floating_binary(_atan2, y, x)


def reciprocal(x: Any, name: str | None = None) -> Tensor:
    """``1 / x`` (``tf.math.reciprocal``).

    Differences from TensorFlow: integer tensors raise InvalidArgumentError (TF's CPU has no integer
    kernel either, and raises NotFoundError).
    """
    return _float_unary(_reciprocal, x)


def _int_to_float(x: Any, y: Any, op_name: str) -> tuple[Any, Any]:
    """Integers (tensors or Python ints) as ``truediv`` divides them: int8/int16/uint8 in float32,
    wider ones in float64."""
    if utils.is_tensor(x) and utils.is_tensor(y) and x._v.dtype != y._v.dtype:
        raise TypeError(
            f"`x` and `y` must have the same dtype, got {utils.dtype_name(x)} != {utils.dtype_name(y)} ({op_name})."
        )
    x, y = utils.as_tensors_like([x, y], op_name)
    if x._v.dtype.kind in "iu":
        float_dtype = np.float32 if x._v.dtype.itemsize <= 2 else np.float64
        x, y = cast(x, float_dtype), cast(y, float_dtype)
    return x, y


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``, and 0 wherever ``y`` is 0, even for ``x`` 0, inf or NaN (``tf.math.divide_no_nan``).

    Integers are divided as by ``truediv`` (int32 gives float64). The gradient is 0 where ``y`` is 0.

    >>> import tapejax as tf
    >>> print(tf.math.divide_no_nan(tf.constant([1.0, 1.0]), tf.constant([2.0, 0.0])))
    tf.Tensor([0.5 0. ], shape=(2,), dtype=float32)
    """
    x, y = _int_to_float(x, y, "DivNoNan")
    utils.require_kind("DivNoNan", x, "fc")
    return bind(_div_no_nan, x, y)


def reciprocal_no_nan(x: Any, name: str | None = None) -> Tensor:
    """``1 / x``, and 0 where ``x`` is 0 (``tf.math.reciprocal_no_nan``); floating or complex ``x``."""
    x = utils.as_tensor(x, None, "DivNoNan")
    utils.require_kind("DivNoNan", x, "fc")
    return bind(_div_no_nan, Tensor(scalar_to_array(1, np.dtype(x._v.dtype), "DivNoNan")), x)


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * y``, and 0 wherever ``y`` is 0, even for an infinite or NaN ``x`` (``tf.math.multiply_no_nan``)."""
    return _floating_binary(_mul_no_nan, x, y, "fc")


def rint(x: Any, name: str | None = None) -> Tensor:
    """Rounds to the nearest integer, half to even (``tf.math.rint``); gradient ``None``, as TF."""
    return _float_unary(_rint, x, complex_ok=False)


def nextafter(x1: Any, x2: Any, name: str | None = None) -> Tensor:
    """The next representable value after ``x1`` toward ``x2`` (``tf.math.nextafter``); float32/float64.

    Its gradient is TF's: 1 for ``x1``, zeros for ``x2``.
    """
    x1, x2 = utils.as_tensors_like([x1, x2], "NextAfter")
    if x1._v.dtype not in (np.float32, np.float64):
        utils.require_kind("NextAfter", x1, "", "float32 or float64")
    return bind(_nextafter, x1, x2)


def is_inf(x: Any, name: str | None = None) -> Tensor:
    """Element-wise infinity test (``tf.math.is_inf``); floating tensors only, as TF."""
    return bind(_is_inf, _floating_input("IsInf", x))


def truncatediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` rounded toward zero (``tf.truncatediv``); not differentiable.

    Raises:
      InternalError: on integer division by zero, as TF (checked eagerly, not under tf.function).

    >>> import tapejax as tf
    >>> print(tf.truncatediv(tf.constant([-7, 7]), 2))
    tf.Tensor([-3  3], shape=(2,), dtype=int32)
    """
    return _truncating(_truncatediv, x, y)


def truncatemod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """The remainder of :func:`truncatediv`, with the sign of ``x`` (C's ``fmod``; ``tf.truncatemod``).

    Differences from TensorFlow: TF registers no gradient for TruncateMod (a gradient through it
    raises LookupError); here the gradient is ``None``.

    Raises:
      InternalError: on integer division by zero, as TF.
    """
    return _truncating(_truncatemod, x, y)


def _truncating(op: Op, x: Any, y: Any) -> Tensor:
    x, y = utils.as_tensors_like([x, y], op.name)
    utils.require_kind(op.name, x, "fiu", "numeric")
    out = bind(op, x, y)
    if x._v.dtype.kind in "iu" and _any_int_value(y, _any_zero, np.equal):
        raise errors.InternalError(
            None, None, f"{op.name}: Integer division by zero (only integer div and mod raise), as TF."
        )
    return out


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """``scalar * x`` for a 0-D ``scalar`` (``tf.math.scalar_mul``).

    Raises:
      ValueError: if ``scalar`` is not 0-D, or is a tensor of a dtype other than ``x``'s.
    """
    x = utils.as_tensor(x, None, "scalar_mul")
    if utils.is_tensor(scalar) and scalar._v.dtype != x._v.dtype:
        raise ValueError(
            f"scalar: Tensor conversion requested dtype {utils.dtype_name(x)} for Tensor with dtype "
            f"{utils.dtype_name(scalar)}."
        )
    scalar = utils.as_tensor(scalar, x._v.dtype, "scalar_mul")
    if len(scalar._v.shape) != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {tuple(scalar._v.shape)}.")
    return bind(_multiply, scalar, x)


def angle(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The argument of a complex number (``tf.math.angle``); for real input ``pi`` where ``x < 0``, else 0.

    Real input is not differentiable (TF's ``where`` reads it only as a condition).
    """
    x = utils.as_tensor(input, None, "Angle")
    kind = x._v.dtype.kind
    if kind == "c":
        return bind(_angle, x)
    if kind not in "fV":
        raise TypeError(f"Cannot convert {np.pi} to EagerTensor of dtype {utils.dtype_name(x)} (tf.math.angle).")
    return bind(_angle_real, x)


def log_sigmoid(x: Any, name: str | None = None) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, computed stably (``tf.math.log_sigmoid``)."""
    return _float_unary(_log_sigmoid, x, complex_ok=False)


def softsign(features: Any, name: str | None = None) -> Tensor:
    """``x / (1 + |x|)`` (``tf.math.softsign``, ``tf.nn.softsign``).

    Differences from TensorFlow: a second derivative is computed (TF registers no gradient for
    SoftsignGrad and raises LookupError).
    """
    return _float_unary(_softsign, features, complex_ok=False)


def complex(real: Any, imag: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """The complex tensor ``real + imag * 1j`` (``tf.dtypes.complex``): float32 gives complex64,
    float64 complex128. Python numbers convert to float32 on their own, as TF.

    Raises:
      TypeError: unless both are float32 or both float64.

    >>> import tapejax as tf
    >>> print(tf.complex(1.0, 2.0))
    tf.Tensor((1+2j), shape=(), dtype=complex64)
    """
    re = utils.as_tensor(real, None, "Complex")
    im = utils.as_tensor(imag, None, "Complex")
    dtypes_ = (re._v.dtype, im._v.dtype)
    if dtypes_[0] != dtypes_[1] or dtypes_[0] not in (np.float32, np.float64):
        raise TypeError(
            f"The `real` and `imag` components have incorrect types: {utils.dtype_name(re)} {utils.dtype_name(im)}. "
            "They must be consistent, and one of [tf.float32, tf.float64]"
        )
    return bind(_complex, re, im)


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Casts ``value`` to ``dtype``, clamping out-of-range values to the limits of ``dtype`` first
    (``tf.dtypes.saturate_cast``). Complex to real keeps the real part.

    The gradient is the cast's (floating to floating only), zero where the value was clamped.
    As in TF, the clamp is TF's ``clip_by_value`` then ``cast``: NaN, and a limit that rounds past
    the integer range in the input's dtype (a float32 beyond int64's: 2**63), convert as
    :func:`cast` converts them (int64's lowest value, on x86-64 CPU).

    >>> import tapejax as tf
    >>> print(tf.saturate_cast(tf.constant([-1.0, 300.0, 3.7]), tf.uint8))
    tf.Tensor([  0 255   3], shape=(3,), dtype=uint8)
    """
    x = utils.as_tensor(value, None, "SaturateCast")
    target = dtypes_lib.as_dtype(dtype)
    in_np, out_np = np.dtype(x._v.dtype), target._np
    in_dtype = dtypes_lib.from_numpy(in_np)
    lo: Any = None
    hi: Any = None
    if in_np.kind == "c" and out_np.kind == "c":
        if in_dtype.real_dtype.max > target.real_dtype.max:
            lo = builtins.complex(target.real_dtype.min, target.real_dtype.min)
            hi = builtins.complex(target.real_dtype.max, target.real_dtype.max)
    elif in_np.kind == "b" or out_np.kind == "b":
        raise TypeError("Cannot find minimum value of <dtype: 'bool'> with type <dtype: 'bool'> (saturate_cast).")
    else:
        if in_np.kind == "c":
            in_dtype = in_dtype.real_dtype
        lo, hi = _saturation_limits(in_dtype, target.real_dtype if out_np.kind == "c" else target)
    diff = in_np.kind in "fcV" and out_np.kind in "fcV"
    op = _saturate_cast if diff else _saturate_cast_nondiff
    if dtypes_lib.np_kind(in_np) == "f" and out_np.kind in "iu" and _in_xla_compiled_trace():
        return bind(op, x, lo=lo, hi=hi, dtype=out_np, saturating=True)
    return bind(op, x, lo=lo, hi=hi, dtype=out_np)


def _saturation_limits(in_dtype: Any, out_dtype: Any) -> tuple[Any, Any]:
    """TF's clamp limits: the narrower range, nudged toward 0 where it is not representable."""
    np_in = in_dtype._np.type
    try:
        promoted: Any = np.promote_types(in_dtype._np, out_dtype._np)
    except TypeError:
        promoted = float
    lo = np_in(np.maximum(in_dtype.min, out_dtype.min))
    if np.array([lo, out_dtype.min], dtype=promoted)[0] < np.array([lo, out_dtype.min], dtype=promoted)[1]:
        lo = np.nextafter(lo, np_in(0), dtype=np_in)
    hi = np_in(np.minimum(float(in_dtype.max), float(out_dtype.max)))
    if np.array([hi, out_dtype.max], dtype=promoted)[0] > np.array([hi, out_dtype.max], dtype=promoted)[1]:
        hi = np.nextafter(hi, np_in(0), dtype=np_in)
    return lo.item(), hi.item()


def bitcast(input: Any, type: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's names
    """Reinterprets the bytes of ``input`` as ``type`` (``tf.bitcast``); not differentiable.

    A narrower ``type`` adds a last dimension; a wider one consumes a last dimension of the size ratio.

    Raises:
      InvalidArgumentError: if a wider ``type``'s size is not the last dimension times the input's.
    """
    x = utils.as_tensor(input, None, "Bitcast")
    target = dtypes_lib.as_dtype(type)._np
    size_in, size_out = np.dtype(x._v.dtype).itemsize, target.itemsize
    if size_out > size_in and (len(x._v.shape) == 0 or x._v.shape[-1] * size_in != size_out):
        raise utils.invalid_argument(
            f"Bitcast: cannot bitcast {utils.describe([x])} to {target.name}: the last dimension must be "
            f"{size_out // size_in}."
        )
    return bind(_bitcast, x, dtype=target)
