"""``tf.Tensor``: an immutable wrapper of one JAX array, and ``tf.TensorShape``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np
from jax._src import core as _jax_core
from jax._src.array import ArrayImpl

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors, transfer
from tapejax._src.core import HOST_TYPES, TensorBase, VariableBase, _wrap, bind, scalar_to_array, tape_state

# Rows per kernel call when iterating a tensor outside any tape.
_ROW_CHUNK = 32


class TensorShape:
    """The (static) shape of a Tensor, as TF's ``tf.TensorShape``.

    Compares equal to tuples and lists of the same dims.

    >>> import tapejax as tf
    >>> s = tf.constant([[1, 2, 3], [4, 5, 6]]).shape
    >>> s, s.as_list(), s.rank, s == (2, 3)
    (TensorShape([2, 3]), [2, 3], 2, True)
    """

    __slots__ = ("_dims",)

    def __init__(self, dims: Any) -> None:
        if dims is None:
            self._dims: tuple[int | None, ...] | None = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, (int, np.integer)):
            self._dims = (int(dims),)
        else:
            self._dims = tuple(None if d is None else int(d) for d in dims)

    @property
    def rank(self) -> int | None:
        return None if self._dims is None else len(self._dims)

    @property
    def ndims(self) -> int | None:
        return self.rank

    @property
    def dims(self) -> list[int | None] | None:
        return None if self._dims is None else list(self._dims)

    def as_list(self) -> list[int | None]:
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self) -> int | None:
        if self._dims is None or None in self._dims:
            return None
        return math.prod(d for d in self._dims if d is not None)

    def is_fully_defined(self) -> bool:
        return self._dims is not None and None not in self._dims

    def is_compatible_with(self, other: Any) -> bool:
        other = TensorShape(other)
        if self._dims is None or other._dims is None:
            return True
        return len(self._dims) == len(other._dims) and all(
            a is None or b is None or a == b for a, b in zip(self._dims, other._dims, strict=True)
        )

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} are incompatible")

    def concatenate(self, other: Any) -> TensorShape:
        return TensorShape(self.as_list() + TensorShape(other).as_list())

    def __len__(self) -> int:
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __bool__(self) -> bool:
        """Whether the rank is known, as TF's (so ``TensorShape([])`` is true, though it has no dims)."""
        return self._dims is not None

    def __iter__(self) -> Iterator[int | None]:
        return iter(self.as_list())

    def __getitem__(self, key: Any) -> Any:
        if self._dims is None:  # unknown rank: TF's answers (None, or a shape of unknown sizes)
            if not isinstance(key, slice):
                return None
            if key.step is not None:
                raise ValueError("Steps are not yet handled")
            start = 0 if key.start is None else key.start
            if key.stop is None or start < 0 or key.stop < 0:
                return TensorShape(None)
            return TensorShape([None] * (key.stop - start))
        dims = self.as_list()
        if isinstance(key, slice):
            return TensorShape(dims[key])
        return dims[key]

    def __eq__(self, other: object) -> bool:
        try:
            other_dims = TensorShape(other)._dims
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other_dims

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._dims)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


class Reference:
    """A hashable reference to a Tensor or Variable (``t.ref()``); ``deref()`` gives it back."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def deref(self) -> Any:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


def _host_rows(v: Any) -> bool:
    """Whether iterating ``v`` yields views of its host buffer: on CPU, where that buffer is the array's."""
    return all(d.platform == "cpu" for d in v.devices())


def _device_rows(v: Any) -> Iterator[Any]:
    """The rows of array ``v`` as device arrays, 32 at a time from one cached kernel."""
    n = v.shape[0]
    size = min(n, _ROW_CHUNK)
    kernel = array_ops._unstack.kernel((("num", size), ("axis", 0)))
    for begin in range(0, n, size):
        start = min(begin, n - size)  # the last chunk overlaps the previous one
        yield from kernel(v, scalar_to_array(start, np.dtype(np.int32), "Unpack"))[begin - start :]


def _host(t: Any) -> Any:
    """What numpy conversions read: a row's host value as it is (see ``core.HOST_TYPES``), else the array."""
    v = t._v
    return v if isinstance(v, HOST_TYPES) else t._value


def _numpy_copy(value: Any) -> Any:
    """``numpy()``'s result: a numpy scalar for rank 0 (already a copy), else a copied ndarray."""
    arr = np.asarray(value)
    return arr[()] if arr.ndim == 0 else np.array(arr)


def _note_exit(t: Any, how: str) -> None:
    """Tells active tapes that a watched value left for numpy (``explain_gradient`` reports it)."""
    for tape in tape_state.tapes:
        if id(t) in tape._watched:
            tape._exits[id(t)] = (how, t)


def _numpy_text(value: Any, is_repr: bool) -> str:
    arr = np.asarray(value)
    text = str(arr[()]) if arr.ndim == 0 else (repr(arr) if is_repr else str(arr))
    if "\n" in text:
        text = "\n" + text
    return text


# The graph name a traced tensor prints with: tapejax tensors have no graph names (TF prints its
# argument's or op's name, "x:0", "mul:0"), so one placeholder stands for them all.
TRACED_NAME = "traced:0"


def _is_traced(t: Any) -> bool:
    """Whether ``t`` holds a JAX tracer (inside ``tf.function``, a custom gradient's backward, ``jax.jit``)."""
    return isinstance(t._v, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]


# TF's errors for a Python conversion of a traced tensor, raised where it happens (inside the function
# body, so ``try``/``except`` there sees TF's class). Differences from TensorFlow: all but the
# OperatorNotAllowedInGraphError ones are subclasses of TF's builtin class (TypeError, AttributeError,
# NotImplementedError) that are also JAX's TracerArrayConversionError, so tapejax's own fallbacks for
# value-dependent code (tf.data's eager element functions) and code written for JAX still catch them.
GRAPH_ADVICE = (
    "You can attempt the following resolutions to the problem: If you are running in Graph mode, use Eager "
    "execution mode or decorate this function with @tf.function. If you are using AutoGraph, you can try "
    "decorating this function with @tf.function. If that does not work, then you may be using an unsupported "
    "feature or your source code may not be visible to AutoGraph. See https://github.com/tensorflow/tensorflow/"
    "blob/master/tensorflow/python/autograph/g3doc/reference/limitations.md#access-to-source-code for more "
    "information."
)


class SymbolicTypeError(jax.errors.TracerArrayConversionError):
    """``float()``, ``int()``, ``complex()`` or an index of a traced tensor: TF's ``TypeError``."""

    def __init__(self, message: str) -> None:
        TypeError.__init__(self, message)


class SymbolicAttributeError(AttributeError, jax.errors.TracerArrayConversionError):
    """``.numpy()`` of a traced tensor: TF's ``AttributeError`` (a symbolic tensor has no ``numpy``)."""

    def __init__(self, message: str) -> None:
        AttributeError.__init__(self, message)


class SymbolicArrayError(NotImplementedError, jax.errors.TracerArrayConversionError):
    """``np.asarray`` of a traced tensor: TF's ``NotImplementedError``."""

    def __init__(self, message: str) -> None:
        NotImplementedError.__init__(self, message)


def _symbolic_error(how: str) -> Exception:
    """TF's error for ``how`` (the conversion) applied to a traced tensor."""
    if how == "bool":
        return errors.OperatorNotAllowedInGraphError(
            f"Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. {GRAPH_ADVICE}"
        )
    if how == "iter":
        return errors.OperatorNotAllowedInGraphError(
            f"Iterating over a symbolic `tf.Tensor` is not allowed. {GRAPH_ADVICE}"
        )
    if how == "numpy":
        return SymbolicAttributeError("'SymbolicTensor' object has no attribute 'numpy'")
    if how == "array":
        return SymbolicArrayError(
            f"Cannot convert a symbolic tf.Tensor ({TRACED_NAME}) to a numpy array. This error may indicate that "
            "you're trying to pass a Tensor to a NumPy call, which is not supported."
        )
    return SymbolicTypeError(
        {
            "float": "float() argument must be a string or a real number, not 'SymbolicTensor'",
            "int": "int() argument must be a string, a bytes-like object or a real number, not 'SymbolicTensor'",
            "complex": "complex() first argument must be a string or a number, not 'SymbolicTensor'",
            "index": "'SymbolicTensor' object cannot be interpreted as an integer",
        }[how]
    )


def _device_name(value: Any) -> str:
    try:
        dev = next(iter(value.devices()))
    except (AttributeError, StopIteration, jax.errors.ConcretizationTypeError):
        return ""
    return f"/job:localhost/replica:0/task:0/device:{dev.platform.upper()}:{dev.id}"


class TensorOperators:
    """Python operators of Tensor and Variable, each one op of the op table."""

    __slots__ = ()

    # The commonest operators bind their op directly (tf.add & co. are exactly this bind).
    def __add__(self, other: Any) -> Tensor:
        return bind(math_ops._add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return bind(math_ops._add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return bind(math_ops._subtract, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return bind(math_ops._subtract, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return bind(math_ops._multiply, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return bind(math_ops._multiply, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return math_ops.truediv(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return math_ops.truediv(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return math_ops.floordiv(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return math_ops.floordiv(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return math_ops.mod(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return math_ops.mod(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return math_ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return math_ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return linalg_ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return linalg_ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return math_ops.negative(self)

    def __abs__(self) -> Tensor:
        return math_ops.abs(self)

    def __invert__(self) -> Tensor:
        return math_ops.invert(self)

    def __and__(self, other: Any) -> Tensor:
        return math_ops.and_(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return math_ops.and_(other, self)

    def __or__(self, other: Any) -> Tensor:
        return math_ops.or_(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return math_ops.or_(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return math_ops.xor_(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return math_ops.xor_(other, self)

    def __lt__(self, other: Any) -> Tensor:
        return math_ops.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return math_ops.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return math_ops.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return math_ops.greater_equal(self, other)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        return math_ops.tensor_equals(self, other)

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return math_ops.tensor_not_equals(self, other)


class Tensor(TensorBase, TensorOperators):
    """An immutable multidimensional array, as TF's eager ``tf.Tensor``.

    Wraps one JAX array (or tracer). Created by ops and ``tf.constant``; never mutated.

    >>> import tapejax as tf
    >>> t = tf.constant([1.0, 2.0, 3.0])
    >>> print(t * 2)
    tf.Tensor([2. 4. 6.], shape=(3,), dtype=float32)
    >>> t
    <tf.Tensor: shape=(3,), dtype=float32, numpy=array([1., 2., 3.], dtype=float32)>

    Inside ``tf.function``, a custom gradient's backward function, or any JAX trace, a tensor's value
    is not known yet, and it prints in TF's symbolic form (``tf.print`` prints its value when the
    program runs):

    >>> @tf.function
    ... def f(x):
    ...     print(x * 2, repr(x))
    ...     return x
    >>> _ = f(tf.constant([1.0, 2.0]))
    Tensor("traced:0", shape=(2,), dtype=float32) <tf.Tensor 'traced:0' shape=(2,) dtype=float32>

    Differences from TensorFlow:
      * A traced tensor's name (in its symbolic form and ``.name``) is always ``traced:0``: tapejax
        tensors have no graph names, where TF gives the argument's or the op's (``Tensor("x:0", ...)``,
        ``Tensor("mul:0", ...)``). The shape is always fully known (XLA shapes are static), where TF
        may print ``None`` dims.
      * A custom gradient's backward function is traced (it runs as part of a compiled program), so
        Python's ``print`` there shows this symbolic form while it is traced, where eager TF runs it
        eagerly and prints the values each time; ``tf.print`` prints them in both.
    """

    # TF's EagerTensor accepts weak references; Keras masks, and the logits of Keras' softmax/sigmoid
    # outputs (which its cross-entropies use instead of the probabilities), ride on tensors.
    __slots__ = ("__weakref__", "_keras_logits", "_keras_mask")
    # numpy defers to our reflected operators (``np.float32(2) * t`` is a Tensor, as in TF).
    __array_priority__ = 100

    def __init__(self, value: Any) -> None:
        self._v = value

    # -- properties (known without computing a deferred value) ------------------------------------
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._v.shape)

    def get_shape(self) -> TensorShape:
        return TensorShape(self._v.shape)

    @property
    def dtype(self) -> dtypes_lib.DType:
        return dtypes_lib.from_numpy(self._v.dtype)

    @property
    def ndim(self) -> int:
        return len(self._v.shape)

    @property
    def device(self) -> str:
        return _device_name(self._value)

    @property
    def name(self) -> str:
        if _is_traced(self):
            return TRACED_NAME
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def __format__(self, format_spec: str) -> str:
        """``f"{t:.4f}"`` formats the value, as TF's (``f"{t}"`` is the numpy value's text).

        A traced tensor has no value yet: ``f"{t}"`` is its symbolic form, a format spec raises.
        """
        if _is_traced(self):
            if not format_spec:
                return str(self)
            raise TypeError(
                f"unsupported format string passed to Tensor.__format__: {format_spec!r} formats a value, and "
                f"{self} is traced (inside tf.function or a custom gradient), its value not known until the "
                "program runs. Fix: tf.print(t) prints the value then (or format it outside the function)."
            )
        return format(self.numpy(), format_spec)

    def numpy(self) -> Any:
        """The value as a numpy array (a numpy scalar for rank-0 tensors), a copy."""
        if tape_state.tapes:
            if _is_traced(self):
                raise _symbolic_error("numpy")
            _note_exit(self, ".numpy()")
        return _numpy_copy(_host(self))

    def ref(self) -> Reference:
        return Reference(self)

    def experimental_ref(self) -> Reference:
        return Reference(self)

    def set_shape(self, shape: Any) -> None:
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape {TensorShape(shape)}.")

    # -- Python protocol --------------------------------------------------------------------------
    def __repr__(self) -> str:
        if _is_traced(self):
            return f"<tf.Tensor '{TRACED_NAME}' shape={self.shape} dtype={self.dtype.name}>"
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_numpy_text(_host(self), True)}>"

    def __str__(self) -> str:
        if _is_traced(self):
            return f'Tensor("{TRACED_NAME}", shape={self.shape}, dtype={self.dtype.name})'
        return f"tf.Tensor({_numpy_text(_host(self), False)}, shape={self.shape}, dtype={self.dtype.name})"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if tape_state.tapes:
            if _is_traced(self):
                raise _symbolic_error("array")
            _note_exit(self, "numpy conversion (np.asarray)")
        arr = np.asarray(_host(self))
        return arr if dtype is None else arr.astype(dtype)

    def __jax_array__(self) -> Any:
        return self._value

    def __len__(self) -> int:
        if not self._v.shape:
            raise TypeError("len is not well defined for a rank-0 tensor.")
        return self._v.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if not self._v.shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        v = self._value
        if not tape_state.tapes and type(v) is ArrayImpl:
            # Nothing records it now: one dispatch per 32 rows.
            return self._rows(v)
        if _is_traced(self):
            from tapejax._src.function import in_trace

            if in_trace():  # TF's graph tensors are not iterable (AutoGraph turns a `for` into a loop op)
                raise _symbolic_error("iter")
        # Recorded: one dispatch per 16 rows (indexing a JAX array row by row costs ~150 µs a row).
        return iter(array_ops.unstack(self))

    def _rows(self, v: Any) -> Iterator[Tensor]:
        """Rows of ``v`` (this tensor's array).

        On a CPU device the rows are views of the array's host buffer (numpy values, immutable; see
        ``core.HOST_TYPES``): no dispatch at all, and an op on a row takes it as a program input.
        Elsewhere they come 32 at a time from one cached kernel. (JAX's own iteration compiles a
        slice per chunk position: for 1000 rows, about 110 MB more resident memory. A kernel's
        compile grows with its outputs: 32 rows cost about 40 MB once, at about 1.7 µs a row; 16
        rows about 20 MB, at 2.6 µs a row.)
        """
        values = np.asarray(v) if _host_rows(v) else _device_rows(v)  # np.asarray: zero-copy on CPU, read-only
        for i, row in enumerate(values):
            # A row taken while a tape records is a recorded slice, as TF's iteration takes it.
            yield self[i] if tape_state.tapes else _wrap(row)

    def __bool__(self) -> bool:
        try:
            return bool(np.asarray(_host(self)))
        except jax.errors.TracerArrayConversionError:
            raise _symbolic_error("bool") from None

    def __float__(self) -> float:
        if tape_state.tapes:
            if _is_traced(self):
                raise _symbolic_error("float")
            _note_exit(self, "float()")
        try:
            return float(np.asarray(_host(self)))
        except jax.errors.TracerArrayConversionError:
            raise _symbolic_error("float") from None

    def __int__(self) -> int:
        try:
            return int(np.asarray(_host(self)))
        except jax.errors.TracerArrayConversionError:
            raise _symbolic_error("int") from None

    def __index__(self) -> int:
        if self._value.ndim != 0 or not np.issubdtype(self._value.dtype, np.integer):
            raise TypeError(
                f"Only integer scalar tensors can be converted to an index, not {self.dtype.name}{self.shape}"
            )
        try:
            return int(np.asarray(_host(self)))
        except jax.errors.TracerArrayConversionError:
            raise _symbolic_error("index") from None

    def __complex__(self) -> complex:
        try:
            return complex(np.asarray(_host(self)))
        except jax.errors.TracerArrayConversionError:
            raise _symbolic_error("complex") from None

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError(
            "'tapejax.Tensor' object does not support item assignment: Tensors are immutable. "
            "Use a tf.Variable and v[...].assign(value), or tf.tensor_scatter_nd_update."
        )

    def __getitem__(self, key: Any) -> Tensor:
        return array_ops.strided_slice_from_key(self, key)

    def __reduce__(self) -> tuple[Any, ...]:
        return Tensor, (np.asarray(self._value),)

    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo: Any) -> Tensor:
        return self


jax.tree_util.register_pytree_node(
    Tensor,
    lambda t: ((t._value,), None),
    lambda _, children: Tensor(children[0]),
)


class _NotedSlot:
    """A Tensor slot that notes its first assignment (``used``): until then no Tensor holds a value
    there, so :func:`keras_mask` / :func:`keras_logits` answer None without reading it (a read of an
    unset slot raises AttributeError: about 0.7 us, against 0.05 us). Reads, ``hasattr`` and ``del``
    behave as the plain slot's (unset: AttributeError, as TF's EagerTensor)."""

    __slots__ = ("member", "used")

    def __init__(self, member: Any) -> None:
        self.member = member
        self.used = False

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self if obj is None else self.member.__get__(obj, owner)

    def __set__(self, obj: Any, value: Any) -> None:
        self.used = True
        self.member.__set__(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.member.__delete__(obj)


_MASK_SLOT = _NotedSlot(Tensor.__dict__["_keras_mask"])
_LOGITS_SLOT = _NotedSlot(Tensor.__dict__["_keras_logits"])
Tensor._keras_mask = _MASK_SLOT  # type: ignore[assignment,misc]
Tensor._keras_logits = _LOGITS_SLOT  # type: ignore[assignment,misc]


def keras_mask(x: Any) -> Any:
    """``getattr(x, "_keras_mask", None)``, without the failed read where no Tensor ever had a mask."""
    if type(x) is Tensor and not _MASK_SLOT.used:
        return None
    return getattr(x, "_keras_mask", None)


def keras_logits(x: Any) -> Any:
    """``getattr(x, "_keras_logits", None)``, as :func:`keras_mask`."""
    if type(x) is Tensor and not _LOGITS_SLOT.used:
        return None
    return getattr(x, "_keras_logits", None)


# -- conversion -------------------------------------------------------------------------------------
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# What TF's converters (py_seq_tensor.cc) call each Python element: "B" a Python bool (an int to
# the int and float converters), "b" a numpy bool (a bool only), "i" an int, "f" a float, "c" a complex.
_PY_KIND: dict[type, str] = {bool: "B", int: "i", float: "f", complex: "c"}
# The kinds each requested dtype's converter takes without falling back to TF's inference.
_ACCEPTS = {"b": {"B", "b"}, "i": {"i", "B"}, "f": {"f", "i", "B"}, "c": {"c", "f", "i", "B"}}


def _type_kind(t: type) -> str | None:
    k = _PY_KIND.get(t)
    if k is None:
        if issubclass(t, np.bool_):
            k = "b"
        elif issubclass(t, bool):
            k = "B"
        elif issubclass(t, (int, np.integer)):
            k = "i"
        elif issubclass(t, (float, np.floating)):
            k = "f"
        elif issubclass(t, (complex, np.complexfloating)):
            k = "c"
    return k


def _target_kind(np_dtype: np.dtype) -> str:
    kind = np_dtype.kind
    return "i" if kind == "u" else "f" if kind == "V" else kind  # "V": ml_dtypes' bfloat16


def _unsupported(x: Any, op_name: str) -> Exception:
    if isinstance(x, (str, bytes)):
        return TypeError(
            f"{op_name}: tapejax cannot convert {type(x).__name__} {x!r} to a Tensor: strings are not implemented "
            "(only numbers, bools, nested lists of them, numpy/JAX arrays, Tensors and Variables are)."
        )
    return ValueError(
        f"{op_name}: Attempt to convert a value ({x!r}) with an unsupported type ({type(x)!r}) to a Tensor."
    )


def _mixed_types(value: Any, first: Any, kinds: set[str | None], op_name: str) -> ValueError:
    names = {"B": "bool", "b": "numpy bool", "i": "int", "f": "float", "c": "complex", None: "non-number"}
    found = ", ".join(sorted(names[k] for k in kinds))
    return ValueError(
        f"{op_name}: Can't convert Python sequence with mixed types to Tensor: {_short(value)} mixes {found} "
        f"elements; TF takes the dtype from the first element (a {type(first).__name__}) and every other must "
        "convert to it (an int or float does not become a bool, a complex not a float; None and lists are not "
        "numbers). Fix: make the elements one type."
    )


def _out_of_range(value: Any, op_name: str, double: bool = False) -> ValueError:
    if double:
        return ValueError(
            f"{op_name}: Can't convert Python sequence with a value out of range for a double-precision float: "
            f"{_short(value)}."
        )
    return ValueError(
        f"{op_name}: Can't convert Python sequence with out-of-range integer to Tensor: {_short(value)} holds an "
        "int outside int64's range, through which TF converts Python ints. Fix: pass a float, or dtype=tf.uint64 "
        "for 2**63 <= x < 2**64."
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_sequence(x: Any) -> bool:
    return isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim > 0)


def _sequence_leaves(value: Any, op_name: str) -> tuple[tuple[int, ...], list[Any]]:
    """The shape and the flat elements of a nested sequence, by TF's rule: the first element at each
    depth sets the length there, and every other element at that depth must have it.

    An empty tensor's other elements are not read ([[], [1]] has shape (2, 0), as in TF).
    """
    shape: list[int] = []
    x = value
    while _is_sequence(x):
        shape.append(len(x))
        if not len(x):
            return tuple(shape), []
        x = x[0]
    if len(shape) == 1:
        return (shape[0],), list(value)
    leaves: list[Any] = []
    _collect(value, 0, shape, leaves, op_name)
    return tuple(shape), leaves


def _collect(x: Any, depth: int, shape: list[int], leaves: list[Any], op_name: str) -> None:
    if not _is_sequence(x) or len(x) != shape[depth]:
        got = f"has length {len(x)}" if _is_sequence(x) else f"is the scalar {_short(x)}"
        raise ValueError(
            f"{op_name}: Can't convert non-rectangular Python sequence to Tensor: an element at depth {depth} "
            f"{got}, where the first element there has length {shape[depth]} (so the shape would be "
            f"{tuple(shape)}). A Tensor is rectangular: pad the lists to one length."
        )
    if depth == len(shape) - 1:
        leaves.extend(x)
    else:
        for e in x:
            _collect(e, depth + 1, shape, leaves, op_name)


def _leaf_kinds(leaves: list[Any]) -> tuple[list[Any], set[str | None]]:
    types = set(map(type, leaves))
    if np.ndarray in types:  # TF reads a 0-d array as its scalar (a deeper one is a list, not a leaf)
        leaves = [x[()] if type(x) is np.ndarray and x.ndim == 0 else x for x in leaves]
        types = set(map(type, leaves))
    return leaves, {_type_kind(t) for t in types}


def _tf_inferred_dtype(value: Any, leaves: list[Any], kinds: set[str | None], op_name: str) -> np.dtype:
    """TF's dtype for these elements (no dtype requested): the first element's type decides (bool,
    int32 or int64 if one is too big, float32, complex128) and every other must convert to it; the
    int converter restarts as float at the first float, so [1, 2.0] is float32."""
    k0 = _type_kind(type(leaves[0]))
    if k0 is None:
        raise _unsupported(leaves[0], op_name)
    if k0 in "Bb":
        if not kinds <= _ACCEPTS["b"]:
            raise _mixed_types(value, leaves[0], kinds, op_name)
        return np.dtype(np.bool_)
    if k0 in "fc":
        if not kinds <= _ACCEPTS[k0]:
            raise _mixed_types(value, leaves[0], kinds, op_name)
        if k0 == "c":
            return np.dtype(np.complex128)
        # A NumPy double or half first keeps its dtype (TF's converters for double and half); a Python
        # float, np.float32 or np.longdouble first is float32.
        t0 = type(leaves[0])
        return np.dtype(np.float64 if issubclass(t0, np.float64) else np.float16 if t0 is np.float16 else np.float32)
    if kinds <= _ACCEPTS["i"]:
        lo, hi = min(leaves), max(leaves)
        if lo >= _INT32_MIN and hi <= _INT32_MAX:
            return np.dtype(np.int32)
        if lo >= _INT64_MIN and hi <= _INT64_MAX:
            return np.dtype(np.int64)
        raise _out_of_range(value, op_name)
    if not kinds <= _ACCEPTS["f"]:
        raise _mixed_types(value, leaves[0], kinds, op_name)
    # Ints read before the first float must fit int64 ([1, 2**63, 2.0] fails, [1, 2.0, 2**63] does not).
    head = leaves[: next(i for i, x in enumerate(leaves) if _type_kind(type(x)) == "f")]
    if head and not (min(head) >= _INT64_MIN and max(head) <= _INT64_MAX):
        raise _out_of_range(value, op_name)
    return np.dtype(np.float32)


def _leaves_to_numpy(value: Any, leaves: list[Any], kinds: set[str | None], np_dtype: np.dtype, op_name: str) -> Any:
    """``leaves`` (which the converter for ``np_dtype`` accepts) as a flat array of ``np_dtype``."""
    target = _target_kind(np_dtype)
    if target == "i":
        lo, hi = min(leaves), max(leaves)
        if lo >= _INT64_MIN and hi <= (_INT64_MAX if np_dtype.kind == "i" else 2**64 - 1):
            try:
                return np.asarray(leaves, dtype=np_dtype)
            except OverflowError:
                if lo >= _INT64_MIN and hi <= _INT64_MAX:
                    # TF converts ints that do not fit through int64 and casts: they wrap (2**31 in int32 is -2**31).
                    return np.asarray(leaves, dtype=np.int64).astype(np_dtype)
        raise _out_of_range(value, op_name)
    if "i" in kinds and target in "fc":
        # TF reads an int as a double first (2**1000 is then inf in float32; 2**1100 does not convert).
        try:
            wide = np.asarray(leaves, dtype=np.complex128 if target == "c" else np.float64)
        except OverflowError:
            raise _out_of_range(value, op_name, double=True) from None
        with np.errstate(over="ignore"):  # TF's cast makes a double too big for the dtype inf, silently
            return wide.astype(np_dtype)
    with np.errstate(over="ignore"):  # (floats too big for float16/float32: inf, silently, as TF)
        return np.asarray(leaves, dtype=np_dtype)


_TAKE_ANY_FLOAT = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.complex128))


def _python_sequence_to_numpy(value: Any, np_dtype: np.dtype | None, op_name: str) -> np.ndarray:
    """A nested list/tuple of Python (or numpy) numbers as an array, by TF's conversion rules.

    Raises:
      ValueError: for a non-rectangular sequence, mixed element types, None or other non-numbers, or
        an int outside int64 (TF's classes).
      TypeError: when the elements convert, but not to ``np_dtype`` (floats for an int dtype).
    """
    shape, leaves = _sequence_leaves(value, op_name)
    if not leaves:
        return np.zeros(shape, dtype=np_dtype or np.float32)  # TF: an empty list is float32
    leaves, kinds = _leaf_kinds(leaves)
    if np_dtype is not None and type(leaves[0]) is np.float16 and np_dtype not in _TAKE_ANY_FLOAT:
        # A requested dtype without a converter of its own (half, bfloat16, integers, complex64) has
        # TF convert the sequence as half first (its first element's): a finite float beyond half raises.
        with np.errstate(over="ignore"):
            if any(_type_kind(type(x)) == "f" and np.isfinite(x) and np.isinf(np.float16(x)) for x in leaves):
                raise _out_of_range(value, op_name, double=True)
    if np_dtype is None:
        np_dtype = _tf_inferred_dtype(value, leaves, kinds, op_name)
        flat = _leaves_to_numpy(value, leaves, kinds, np_dtype, op_name)
        if np_dtype.kind == "f" and np_dtype.itemsize < 8 and not np.isfinite(flat).all():
            # TF's inferred float32/half converter refuses a finite float that becomes inf ([1.0, 1e39]);
            # an int too big for the dtype is inf silently, as is any value when a dtype is requested.
            for x, y in zip(leaves, flat, strict=True):
                if _type_kind(type(x)) == "f" and np.isfinite(x) and np.isinf(y):
                    raise _out_of_range(value, op_name, double=True)
        return flat.reshape(shape)
    elif not kinds <= _ACCEPTS[_target_kind(np_dtype)]:
        # TF converts what the requested dtype's converter refuses as if no dtype were given (errors
        # of that conversion win), then refuses to cast the result to the requested dtype.
        _tf_inferred_dtype(value, leaves, kinds, op_name)
        raise TypeError(f"{op_name}: cannot convert {value!r} to EagerTensor of dtype {np.dtype(np_dtype).name}")
    return _leaves_to_numpy(value, leaves, kinds, np_dtype, op_name).reshape(shape)


def _infer_python_dtype(value: Any, op_name: str = "convert_to_tensor") -> np.dtype:
    """One dtype for the numbers, arrays and Tensors of ``value`` when its pieces are converted one by
    one (auto-packing ``[tensor, 2.0]``, ``tf.stack`` of lists): a Tensor's or array's kind, else
    bool, int32 (int64 if too big), float32, complex128. ``value`` may be ragged here: the op that
    packs the pieces checks their shapes."""
    flat = list(_flatten(value)) if isinstance(value, (list, tuple)) else [value]
    kinds = set()
    big = False
    for x in flat:
        if isinstance(x, (bool, np.bool_)):
            kinds.add("b")
        elif isinstance(x, (int, np.integer)):
            kinds.add("i")
            big = big or not (_INT32_MIN <= int(x) <= _INT32_MAX)
        elif isinstance(x, (float, np.floating)):
            kinds.add("f")
        elif isinstance(x, (complex, np.complexfloating)):
            kinds.add("c")
        elif isinstance(x, (TensorBase, VariableBase)):
            kinds.add(np.dtype(x._value.dtype).kind)
        elif isinstance(x, np.ndarray):
            kinds.add(x.dtype.kind)
        else:
            raise _unsupported(x, op_name)
    if "c" in kinds:
        return np.dtype(np.complex128)
    if "f" in kinds:
        return np.dtype(np.float32)
    if "i" in kinds or "u" in kinds:
        if "b" in kinds and isinstance(flat[0], (bool, np.bool_)):
            # TF converts the rest to the first element's dtype: an int is not a bool ([2, True] is an int).
            raise TypeError(f"{op_name}: Can't convert a mix of bools and ints {value!r} to a Tensor")
        return np.dtype(np.int64 if big else np.int32)
    if "b" in kinds:
        return np.dtype(np.bool_)
    return np.dtype(np.float32)  # empty list: TF gives float32


def _check_np_dtype(np_dtype: np.dtype, value: Any) -> None:
    if np_dtype not in dtypes_lib._BY_NP:
        raise TypeError(
            f"tapejax cannot convert {value!r} to a Tensor: dtype {np_dtype} is not supported "
            "(strings and objects are not implemented)."
        )


def _to_device(host: np.ndarray | np.generic) -> Any:
    """A new host array as a device array, by a transfer (``transfer.put``: a copy, about 5 us for a
    scalar where ``jax.device_put`` takes 50).

    Not ``jnp.asarray``: that compiles a small XLA program per shape and dtype (40-60 ms each on a
    2-core CPU), which dominated the first run of small programs.
    """
    if type(_jax_core.trace_ctx.trace) is not _jax_core.EvalTrace:
        # Inside a JAX trace (tf.function, a traced loop body) device_put stages the value into the
        # trace, as before; the direct transfer would make a concrete constant of it instead.
        return jax.device_put(np.array(host))
    return transfer.put(np.asarray(host))


def convert_python(value: Any, np_dtype: np.dtype | None, op_name: str = "convert_to_tensor") -> Any:
    """Converts a non-Tensor value (Python number, nested list, numpy or JAX array) to an array."""
    from tapejax._src.core import _python_to_numpy

    if isinstance(value, (TensorBase, VariableBase)):
        arr = value._value
        if np_dtype is not None and arr.dtype != np_dtype:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{op_name}: Tensor conversion requested dtype {np.dtype(np_dtype).name} for Tensor with "
                f"dtype {np.dtype(arr.dtype).name}. Fix: tf.cast it first.",
            )
        return arr
    if hasattr(value, "_to_dense"):  # an IndexedSlices (ops that take it through tapes use ops/utils.as_tensor)
        return convert_python(value._to_dense(), np_dtype, op_name)
    if isinstance(value, jax.Array):
        _check_np_dtype(value.dtype, value)
        return value if np_dtype is None or value.dtype == np_dtype else value.astype(np_dtype)
    if isinstance(value, (np.ndarray, np.generic)):
        if not value.dtype.isnative:  # big-endian NumPy (TF accepts it): the same values in native bytes
            value = value.astype(value.dtype.newbyteorder("="))
        _check_np_dtype(value.dtype, value)
        if np_dtype is None or value.dtype == np_dtype:
            return _to_device(value)  # (transfer.put copies: the caller may change its array afterwards)
        return _to_device(value.astype(np_dtype))  # (NumPy's cast, as TF's: 2.5 -> 2 for an int dtype)
    if isinstance(value, (bool, int, float, complex)):
        return _to_device(_python_to_numpy(value, np_dtype or _infer_python_dtype(value, op_name), op_name))
    if isinstance(value, (list, tuple)):
        if any(isinstance(x, (TensorBase, VariableBase)) for x in _flatten(value)):
            target = np_dtype or _infer_python_dtype(value, op_name)
            parts = [convert_python(x, target, op_name) for x in value]
            shapes = {tuple(np.shape(p)) for p in parts}
            if len(shapes) > 1:
                raise ValueError(
                    f"{op_name}: Can't convert non-rectangular Python sequence to Tensor: its elements have the "
                    f"shapes {[tuple(np.shape(p)) for p in parts]}. Fix: make them one shape (or use tf.stack)."
                )
            return _to_device(np.asarray(parts))
        return _to_device(_python_sequence_to_numpy(value, np_dtype, op_name))
    from tapejax._src import conversion_registry

    converted = conversion_registry.convert(value, np_dtype)  # tf.register_tensor_conversion_function
    if converted is not None:
        return convert_python(converted, np_dtype, op_name)
    raise _unsupported(value, op_name)


def _flatten(value: Any) -> Iterator[Any]:
    for x in value:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


# Last: the op modules build on Tensor, and Tensor's dunders call them.
from tapejax._src.ops import array_ops, linalg_ops, math_ops  # noqa: E402
