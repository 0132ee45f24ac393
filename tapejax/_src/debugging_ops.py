"""``tf.debugging``: TF's assertions (``assert_equal``, ``assert_rank``, ``Assert``, ``check_numerics`` ...).

Eager checks raise what TF 2.21 raises, with its message layout: value checks an
``InvalidArgumentError`` ("Condition x == y did not hold." then the failing indices and values),
static checks (rank, shape, dtype) a ``ValueError``/``TypeError``. A passing assertion returns None
(``check_numerics``/``assert_all_finite`` return their input), as TF's eager ones.

Differences from TensorFlow: inside ``tf.function`` a value check on a traced tensor is skipped
(tapejax compiles the function with XLA, which has no run-time assertion; TF raises
``InvalidArgumentError`` when the graph runs). Static checks (ranks, shapes, dtypes) still raise
while tracing, as in TF. Checks read the values back to the host (as TF's eager checks do).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.ops import array_ops, math_ops, reduction_ops, utils
from tapejax._src.tensor import Tensor

__all__ = [
    "Assert",
    "assert_all_finite",
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_integer",
    "assert_less",
    "assert_less_equal",
    "assert_near",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_none_equal",
    "assert_positive",
    "assert_proper_iterable",
    "assert_rank",
    "assert_rank_at_least",
    "assert_rank_in",
    "assert_same_float_dtype",
    "assert_scalar",
    "assert_shapes",
    "assert_type",
    "check_numerics",
    "disable_traceback_filtering",
    "enable_traceback_filtering",
    "get_log_device_placement",
    "is_numeric_tensor",
    "is_traceback_filtering_enabled",
    "set_log_device_placement",
]


def _tf_dtype_repr(x: Any) -> str:
    return f"<dtype: '{utils.dtype_name(x)}'>"


def _message_prefix(message: str | None) -> str:
    return f"{message}.  " if message else ""


def _shape_and_dtype_str(x: Any) -> str:
    return f"shape={tuple(x._v.shape)} dtype={utils.dtype_name(x)}"


def _shape_str(x: Any) -> str:
    return str(tuple(x._v.shape))


def _pretty_print(item: Any, summarize: float) -> str:
    """One item of a failed check's data, as TF's eager ``_pretty_print``."""
    if isinstance(item, (TensorBase, VariableBase)):
        arr = np.asarray(item._value)
        if arr.ndim == 0:
            return str(arr[()])
        flat = arr.reshape(-1)
        lst = [str(v) for v in flat[: int(min(summarize, flat.size))]]
        if len(lst) < flat.size:
            lst.append("...")
        return str(lst)
    return str(item)


def _summarize(item: Any, summarize: int | None) -> str:
    """One item of ``Assert``'s data, as TF's ``_summarize_eager`` (strings as TF string tensors: ``b'..'``)."""
    if isinstance(item, (str, bytes)):
        return str(item.encode() if isinstance(item, str) else item)
    t = utils.as_tensor(item, None, "Assert")
    arr = np.asarray(t._value)
    n = 3 if summarize is None else (arr.size if summarize < 0 else summarize)
    if arr.ndim:
        flat = arr.reshape(-1)
        lst = [str(v) for v in flat[:n]]
        if len(lst) < flat.size:
            lst.append("...")
    else:
        lst = [str(arr[()])] if n != 0 else []
    return ", ".join(lst)


_OP_NAMES = {
    math_ops.equal: "Equal",
    math_ops.not_equal: "NotEqual",
    math_ops.less: "Less",
    math_ops.less_equal: "LessEqual",
    math_ops.greater: "Greater",
    math_ops.greater_equal: "GreaterEqual",
}


def _binary(sym: str, compare: Any, x: Any, y: Any, message: str | None, summarize: int | None, data: Any) -> None:
    x, y = utils.as_tensors_like([x, y], _OP_NAMES[compare])
    test = compare(x, y)
    ok = utils.concrete(reduction_ops.reduce_all(test))
    if ok is None or bool(ok):  # traced: skipped (see the module docstring)
        return
    n: float = 3 if summarize is None else (1e9 if summarize < 0 else summarize)
    if data is None:
        xv, yv = np.asarray(x._value), np.asarray(y._value)
        data = [f"Condition x {sym} y did not hold."]
        if n > 0:
            if xv.shape == yv.shape and xv.ndim:
                mask = ~np.asarray(test._value)
                indices = np.argwhere(mask)
                k = int(min(n, indices.shape[0]))
                data += [f"Indices of first {k} different values:", indices[:k]]
                data += ["Corresponding x values:", xv[mask].reshape(-1)[:k]]
                data += ["Corresponding y values:", yv[mask].reshape(-1)[:k]]
            xf, yf = xv.reshape(-1), yv.reshape(-1)
            xs, ys = int(min(xf.size, n)), int(min(yf.size, n))
            data += [f"First {xs} elements of x:", xf[:xs], f"First {ys} elements of y:", yf[:ys]]
    if message is not None:
        data = [message, *data]
    raise errors.InvalidArgumentError(None, None, "\n".join(_pretty_print(d, n) for d in data))


def assert_equal(
    x: Any, y: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x == y`` element-wise (``tf.debugging.assert_equal``).

    Args:
      x: a tensor.
      y: a tensor of ``x``'s dtype, broadcastable to it (Python values adapt to ``x``'s dtype).
      message: a prefix of the error message.
      summarize: how many entries of each tensor the message shows (3 by default, all if negative).
      name: unused, kept for TF's signature.

    Raises:
      InvalidArgumentError: some elements differ; or the shapes do not broadcast / dtypes differ.

    >>> import tapejax as tf
    >>> tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    Traceback (most recent call last):
      ...
    tapejax._src.errors.InvalidArgumentError: Condition x == y did not hold.
    Indices of first 1 different values:
    [[1]]
    Corresponding x values:
    [2]
    Corresponding y values:
    [3]
    First 2 elements of x:
    [1 2]
    First 2 elements of y:
    [1 3]
    """
    _binary("==", math_ops.equal, x, y, message, summarize, None)


def assert_none_equal(
    x: Any, y: Any, summarize: int | None = None, message: str | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x != y`` element-wise (``tf.debugging.assert_none_equal``)."""
    _binary("!=", math_ops.not_equal, x, y, message, summarize, None)


def assert_less(
    x: Any, y: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x < y`` element-wise (``tf.debugging.assert_less``)."""
    _binary("<", math_ops.less, x, y, message, summarize, None)


def assert_less_equal(
    x: Any, y: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x <= y`` element-wise (``tf.debugging.assert_less_equal``)."""
    _binary("<=", math_ops.less_equal, x, y, message, summarize, None)


def assert_greater(
    x: Any, y: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x > y`` element-wise (``tf.debugging.assert_greater``)."""
    _binary(">", math_ops.greater, x, y, message, summarize, None)


def assert_greater_equal(
    x: Any, y: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x >= y`` element-wise (``tf.debugging.assert_greater_equal``)."""
    _binary(">=", math_ops.greater_equal, x, y, message, summarize, None)


def _unary(cond: str, x: Any, message: str | None, summarize: int | None, flip: bool, compare: Any) -> None:
    x = utils.as_tensor(x, None, "assert")
    if x._v.dtype == np.bool_:
        raise TypeError("Cannot convert 0 to EagerTensor of dtype bool")
    prefix, cond_line, x_line = (
        _message_prefix(message),
        f"Condition {cond} did not hold element-wise:",
        f"x ({_shape_and_dtype_str(x)}) = ",
    )
    # TF's assert_non_positive misses the newline between these two lines: kept, as TF prints it.
    data = [prefix, cond_line + x_line, x] if cond == "x <= 0" else [prefix, cond_line, x_line, x]
    zero = Tensor(np.zeros((), x._v.dtype))
    a, b = (x, zero) if flip else (zero, x)
    _binary("", compare, a, b, None, summarize, data)


def assert_positive(x: Any, message: str | None = None, summarize: int | None = None, name: str | None = None) -> None:
    """Raises ``InvalidArgumentError`` unless ``x > 0`` element-wise (``tf.debugging.assert_positive``).

    >>> import tapejax as tf
    >>> tf.debugging.assert_positive(tf.constant([1.0, 2.0])) is None
    True
    """
    _unary("x > 0", x, message, summarize, False, math_ops.less)


def assert_negative(x: Any, message: str | None = None, summarize: int | None = None, name: str | None = None) -> None:
    """Raises ``InvalidArgumentError`` unless ``x < 0`` element-wise (``tf.debugging.assert_negative``)."""
    _unary("x < 0", x, message, summarize, True, math_ops.less)


def assert_non_negative(
    x: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x >= 0`` element-wise (``tf.debugging.assert_non_negative``)."""
    _unary("x >= 0", x, message, summarize, False, math_ops.less_equal)


def assert_non_positive(
    x: Any, message: str | None = None, summarize: int | None = None, name: str | None = None
) -> None:
    """Raises ``InvalidArgumentError`` unless ``x <= 0`` element-wise (``tf.debugging.assert_non_positive``)."""
    _unary("x <= 0", x, message, summarize, True, math_ops.less_equal)


def Assert(condition: Any, data: Iterable[Any], summarize: int | None = None, name: str | None = None) -> None:
    """Raises ``InvalidArgumentError`` listing ``data`` if ``condition`` is false (``tf.debugging.Assert``).

    Args:
      condition: a Python or tensor boolean scalar.
      data: the values the error message shows (tensors, numbers, strings).
      summarize: how many entries of each tensor to show (3 by default, all if negative).
      name: unused, kept for TF's signature.

    >>> import tapejax as tf
    >>> tf.debugging.Assert(False, [tf.constant([1.0, 2.0]), "hi"])
    Traceback (most recent call last):
      ...
    tapejax._src.errors.InvalidArgumentError: Expected 'False' to be true. Summarized data: 1.0, 2.0
    b'hi'
    """
    value = utils.concrete(condition) if isinstance(condition, (TensorBase, VariableBase)) else condition
    if value is None or bool(value):  # traced: skipped (see the module docstring)
        return
    items = "\n".join(_summarize(d, summarize) for d in data)
    raise errors.InvalidArgumentError(None, None, f"Expected '{condition!s}' to be true. Summarized data: {items}")


def assert_near(
    x: Any,
    y: Any,
    rtol: Any = None,
    atol: Any = None,
    message: str | None = None,
    summarize: int | None = None,
    name: str | None = None,
) -> None:
    """Raises ``InvalidArgumentError`` unless ``|x - y| < atol + rtol * |y|`` everywhere (``tf.debugging.assert_near``).

    ``rtol``/``atol`` default to ``10 * eps`` of the (real) dtype.

    Raises:
      ValueError: integer inputs, or ``y`` of another dtype than ``x``.
    """
    x = utils.as_tensor(x, None, "assert_near")
    y = utils.as_tensor(y, x._v.dtype, "assert_near")
    if y._v.dtype != x._v.dtype:
        raise ValueError(
            f"y: Tensor conversion requested dtype {utils.dtype_name(x)} for Tensor with dtype {utils.dtype_name(y)}: "
            f"{y!r}"
        )
    real = np.dtype(x._v.dtype)
    if real.kind == "c":
        real = np.real(np.zeros((), real)).dtype
    if real.kind != "f" and real != dtypes_lib.bfloat16._np:
        raise ValueError(f"data type {real.type} not inexact")
    eps = float(np.finfo(real).eps)
    rtol_t = utils.as_tensor(10 * eps if rtol is None else rtol, real, "assert_near")
    atol_t = utils.as_tensor(10 * eps if atol is None else atol, real, "assert_near")
    tol = math_ops.add(atol_t, math_ops.multiply(rtol_t, math_ops.abs(y)))
    condition = reduction_ops.reduce_all(math_ops.less(math_ops.abs(math_ops.subtract(x, y)), tol))
    data = [
        _message_prefix(message),
        f"x and y not equal to tolerance rtol = {rtol_t!s}, atol = {atol_t!s}",
        f"x ({_shape_and_dtype_str(x)}) = ",
        x,
        f"y ({_shape_and_dtype_str(y)}) = ",
        y,
    ]
    Assert(condition, data, summarize=summarize)


def assert_integer(x: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ``TypeError`` unless ``x`` has an integer dtype (``tf.debugging.assert_integer``)."""
    x = utils.as_tensor(x, None, "assert_integer")
    if np.dtype(x._v.dtype).kind not in "iu":
        raise TypeError(
            f'{_message_prefix(message)}Expected "x" to be integer type.  Found: tensor of dtype {_tf_dtype_repr(x)}'
        )


def assert_type(tensor: Any, tf_type: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ``TypeError`` unless ``tensor`` has dtype ``tf_type`` (``tf.debugging.assert_type``).

    >>> import tapejax as tf
    >>> tf.debugging.assert_type(tf.constant(1.0), tf.int32)
    Traceback (most recent call last):
      ...
    TypeError: tensor must be of type tf.int32; got tf.float32
    """
    want = dtypes_lib.as_dtype(tf_type)
    t = utils.as_tensor(tensor, None, "assert_type")
    got = dtypes_lib.as_dtype(t._v.dtype)
    if got != want:
        raise TypeError(f"{_message_prefix(message)}tensor must be of type {want!r}; got {got!r}")


def _static_rank(rank: Any) -> int:
    if isinstance(rank, (TensorBase, VariableBase, np.ndarray)):
        v = utils.concrete(rank)
        if v is None:
            raise TypeError("tapejax needs a static rank: pass a Python int, not a traced tensor.")
        if v.ndim != 0:
            raise ValueError("Rank must be a scalar.")
        return int(v)
    if isinstance(rank, (list, tuple)):
        raise ValueError("Rank must be a scalar.")
    return utils.static_int(rank, "rank")


def assert_rank(x: Any, rank: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ``ValueError`` unless ``x`` has rank ``rank`` (``tf.debugging.assert_rank``).

    >>> import tapejax as tf
    >>> tf.debugging.assert_rank(tf.zeros([2, 3]), 2) is None
    True
    """
    x = utils.as_tensor(x, None, "assert_rank")
    r = _static_rank(rank)
    if len(x._v.shape) != r:
        raise ValueError(
            f"{_message_prefix(message)}Tensor  must have rank {r}.  Received rank {len(x._v.shape)}, shape {_shape_str(x)}"
        )


def assert_rank_at_least(x: Any, rank: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ``ValueError`` unless ``x`` has rank ``rank`` or more (``tf.debugging.assert_rank_at_least``)."""
    x = utils.as_tensor(x, None, "assert_rank_at_least")
    r = _static_rank(rank)
    if len(x._v.shape) < r:
        raise ValueError(
            f"{_message_prefix(message)}Tensor  must have rank at least {r}.  Received rank {len(x._v.shape)}, "
            f"shape {_shape_str(x)}"
        )


def assert_rank_in(x: Any, ranks: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ``ValueError`` unless ``x``'s rank is one of ``ranks`` (``tf.debugging.assert_rank_in``)."""
    x = utils.as_tensor(x, None, "assert_rank_in")
    rs = tuple(_static_rank(r) for r in ranks)
    if len(x._v.shape) not in rs:
        raise ValueError(
            f"{_message_prefix(message)}Tensor  must have rank in {rs}.  Received rank {len(x._v.shape)}, "
            f"shape {_shape_str(x)}"
        )


def assert_scalar(tensor: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ``ValueError`` unless ``tensor`` is a scalar (``tf.debugging.assert_scalar``)."""
    t = utils.as_tensor(tensor, None, "assert_scalar")
    if len(t._v.shape) != 0:
        raise ValueError(f"{_message_prefix(message)}Expected scalar shape, saw shape: {_shape_str(t)}.")


def _known(size: Any) -> bool:
    if size is None:
        return False
    try:
        int(size)
    except (ValueError, TypeError):
        return False
    return True


def assert_shapes(
    shapes: Any, data: Any = None, summarize: int | None = None, message: str | None = None, name: str | None = None
) -> None:
    """Raises ``ValueError`` unless the tensors' shapes match the symbolic shapes (``tf.debugging.assert_shapes``).

    Args:
      shapes: ``[(tensor, shape), ...]`` (or a dict): each shape a tuple of ints (exact sizes), strings
        (a symbol: one size wherever it appears), ``None`` or ``"."`` (any size), with an optional
        leading ``...`` or ``"*"`` for any number of leading dimensions. A scalar counts as shape ``(1,)``.
      data, summarize: unused (every shape is static in tapejax); kept for TF's signature.
      message: a prefix of the error message.
      name: unused.

    >>> import tapejax as tf
    >>> tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "M")), (tf.zeros([3]), ("M",))]) is None
    True
    """
    prefix = _message_prefix(message)
    items = shapes.items() if isinstance(shapes, dict) else shapes
    constraints = [(utils.as_tensor(x, None, "assert_shapes"), s) for x, s in items if s is not None]
    parsed = []
    for t, spec in constraints:
        if not (hasattr(spec, "__iter__") or hasattr(spec, "__getitem__")):
            raise ValueError(
                f"{prefix}Tensor {_shape_and_dtype_str(t)}.  Specified shape must be an iterable.  An iterable has "
                f"the attribute `__iter__` or `__getitem__`.  Received specified shape: {spec}"
            )
        spec_t = tuple(spec.as_list() if hasattr(spec, "as_list") else spec)
        innermost = False
        for i, symbol in enumerate(spec_t):
            if not (symbol is Ellipsis or (isinstance(symbol, str) and symbol == "*")):
                continue
            if i != 0:
                raise ValueError(
                    f"{prefix}Tensor {_shape_and_dtype_str(t)} specified shape index {i}.  Symbol `...` or `*` for a "
                    "variable number of unspecified dimensions is only allowed as the first entry"
                )
            innermost = True
        sizes = tuple(t._v.shape) or (1,)
        symbolic = (spec_t[1:] if innermost else spec_t) or (1,)
        parsed.append((t, innermost, sizes, symbolic))
    for t, innermost, _, symbolic in parsed:
        rank = len(symbolic)
        if innermost:
            if rank not in (0, 1):
                assert_rank_at_least(t, rank, message=message)
        elif rank in (0, 1):
            assert_rank_in(t, [0, 1], message=message)
        else:
            assert_rank(t, rank, message=message)
    specified: dict[Any, tuple[int, Any, int]] = {}
    for t, innermost, sizes, symbolic in parsed:
        for i, symbol in enumerate(symbolic):
            if symbol is None or (isinstance(symbol, str) and symbol == "."):
                continue
            dim = i - len(symbolic) if innermost else i
            actual = sizes[dim]
            if _known(symbol) or symbol in specified:
                if _known(symbol):
                    want, how = int(symbol), "Specified explicitly"
                else:
                    want, by, at = specified[symbol]
                    how = f"Specified by tensor {_shape_and_dtype_str(by)} dimension {at}"
                if int(actual) != want:
                    raise ValueError(
                        f"{prefix}{how}.  Tensor {_shape_and_dtype_str(t)} dimension {dim} must have size {want}.  "
                        f"Received size {actual}, shape {_shape_str(t)}"
                    )
            else:
                specified[symbol] = (actual, t, dim)


def assert_same_float_dtype(tensors: Any = None, dtype: Any = None) -> dtypes_lib.DType:
    """The floating dtype shared by ``tensors`` (and ``dtype``), float32 if none (``tf.debugging.assert_same_float_dtype``).

    Raises:
      ValueError: dtypes differ, or the common dtype is not floating.

    >>> import tapejax as tf
    >>> tf.debugging.assert_same_float_dtype([tf.constant(1.0)])
    tf.float32
    """
    want = None if dtype is None else dtypes_lib.as_dtype(dtype)
    first = None
    for t in tensors or ():
        got = dtypes_lib.as_dtype(t.dtype)
        if want is None:
            want, first = got, t
        elif got != want:
            where = f" as {first!s}" if first is not None else ""
            raise ValueError(
                f"{t!s}, type=<dtype: '{got.name}'>, must be of the same type (<dtype: '{want.name}'>){where}."
            )
    if want is None:
        return dtypes_lib.float32
    if not want.is_floating:
        raise ValueError(f"Expected floating point type, got <dtype: '{want.name}'>.")
    return want


def assert_proper_iterable(values: Any) -> None:
    """Raises ``TypeError`` unless ``values`` is iterable and not a tensor, array or string (``tf.debugging.assert_proper_iterable``)."""
    if isinstance(values, (TensorBase, VariableBase, np.ndarray, str, bytes)):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: {type(values)}')
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Tensor:
    """``tensor`` unchanged, or ``InvalidArgumentError`` if it holds NaN or Inf (``tf.debugging.check_numerics``).

    Its gradient is the identity.

    Raises:
      InvalidArgumentError: NaN/Inf values ("<message> : Tensor had NaN values"), or a
        non-floating tensor (TF's kernel exists for bfloat16, half, float and double).

    Differences from TensorFlow: the gradient is not checked for NaN/Inf (TF's gradient is).

    >>> import tapejax as tf
    >>> tf.debugging.check_numerics(tf.constant([1.0, float("nan")]), "bad")
    Traceback (most recent call last):
      ...
    tapejax._src.errors.InvalidArgumentError: bad : Tensor had NaN values [Op:CheckNumerics]
    """
    x = utils.as_tensor(tensor, None, "CheckNumerics")
    d = np.dtype(x._v.dtype)
    if d.kind != "f" and d != dtypes_lib.bfloat16._np:
        raise utils.invalid_argument(
            f"CheckNumerics: expected a bfloat16, half, float or double tensor, got {utils.describe([x])}. "
            "Fix: tf.cast the input to tf.float32."
        )
    v = utils.concrete(x)
    if v is not None:
        v = v.astype(np.float64)
        has_inf, has_nan = bool(np.isinf(v).any()), bool(np.isnan(v).any())
        if has_inf or has_nan:
            status = "Inf and NaN" if has_inf and has_nan else ("Inf" if has_inf else "NaN")
            raise utils.invalid_argument(f"{message} : Tensor had {status} values [Op:CheckNumerics]")
    return array_ops.identity(x)


def assert_all_finite(x: Any, message: str, name: str | None = None) -> Tensor:
    """``x`` unchanged, or ``InvalidArgumentError`` if it holds NaN or Inf (``tf.debugging.assert_all_finite``)."""
    return check_numerics(x, message)


def is_numeric_tensor(tensor: Any) -> bool:
    """Whether ``tensor`` is a Tensor (not a Variable, as TF) of a numeric (non-bool) dtype (``tf.debugging.is_numeric_tensor``)."""
    return isinstance(tensor, TensorBase) and np.dtype(tensor._v.dtype) != np.bool_


class _Flags(threading.local):
    def __init__(self) -> None:
        self.log_device_placement = False


_flags = _Flags()
_traceback_filtering = [True]


def set_log_device_placement(enabled: bool) -> None:
    """Sets the log-device-placement flag (``tf.debugging.set_log_device_placement``).

    Differences from TensorFlow: the flag is kept (:func:`get_log_device_placement` reads it) but
    tapejax logs nothing: XLA places a whole program, not op by op.
    """
    _flags.log_device_placement = bool(enabled)


def get_log_device_placement() -> bool:
    """The flag :func:`set_log_device_placement` set, False by default."""
    return _flags.log_device_placement


def enable_traceback_filtering() -> None:
    """Turns the traceback-filtering flag on (``tf.debugging.enable_traceback_filtering``).

    Differences from TensorFlow: the flag is kept but tapejax filters no traceback frames.
    """
    _traceback_filtering[0] = True


def disable_traceback_filtering() -> None:
    """Turns the traceback-filtering flag off (``tf.debugging.disable_traceback_filtering``)."""
    _traceback_filtering[0] = False


def is_traceback_filtering_enabled() -> bool:
    """The traceback-filtering flag (True by default, as TF)."""
    return _traceback_filtering[0]
