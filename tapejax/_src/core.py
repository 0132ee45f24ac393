"""The op table's machinery: ``Op``, ``bind`` and the recording hook.

Every tapejax op is one ``Op`` (a name, a pure ``jnp`` implementation and its flags) and every call
goes through :func:`bind`, the single interception point: it unwraps Tensors and Variables to JAX
arrays, queues the op for deferred execution (lazy.py) or, under a JAX trace, runs its cached
``jax.jit`` kernel, wraps the result, and lets active tapes record it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import numpy as np
from jax._src.array import ArrayImpl as _ArrayImpl
from jax._src.core import ShapedArray

from tapejax._src import conversion_registry, errors, executable_cache, lazy
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.lazy import Pending

if TYPE_CHECKING:
    from tapejax._src.tape import Tape

# TensorFlow has float64 and int64; JAX only has them with x64 enabled. Every tapejax op passes
# explicit dtypes, so the default float32/int32 of TF holds regardless.
jax.config.update("jax_enable_x64", True)


class Op:
    """One entry of the op table.

    Args:
      name: TF's op name, used in error messages and cache keys.
      impl: pure function of JAX arrays (positional) and hashable params (keyword-only).
      differentiable: whether tapes record it; non-differentiable ops give TF's ``None`` gradient.
      multiple_results: ``impl`` returns a tuple of arrays.
      same_dtype: all array arguments must share one dtype (TF never promotes implicitly); Python
        scalars adapt to it.
      sparse_grad: a row gather (``params, indices``; params = input 0, params ``axis``/``batch_dims``):
        a source read only through it gets TF's ``IndexedSlices`` gradient.
      runs_user_code: the implementation calls user code (pullbacks, custom gradients, functions):
        its exceptions propagate unchanged instead of becoming ``InvalidArgumentError``; never deferred.
      defer: may be queued by deferred execution (lazy.py); False for ops whose many outputs are
        better computed at the call (the row chunks of ``unstack``, which iteration uses).
      nondiff: positions of inputs whose gradient TF defines as ``None`` (``tf.pad``'s
        ``constant_values``): tapes record them as constants.
      numeric: a same-dtype op TF has no bool kernel for (``AddV2``, ``Maximum``): bool raises.
      jvp_impl: what forward mode (``ForwardAccumulator``) pushes tangents through instead of
        ``impl``: a custom gradient's plain forward function, as TF's accumulator ignores custom
        gradients (and ``jax.jvp`` cannot go through a ``jax.custom_vjp``).
      deps: for ops whose outputs do not each carry a gradient to every differentiable input (a
        recorded pullback, a custom gradient): ``deps(params, avals)`` gives, per output, the
        positions of the inputs a gradient reaches through it (TF's ``None`` where none does).
        ``avals`` are the inputs' ``(shape, numpy dtype)``. None: every output reaches every input.
    """

    __slots__ = (
        "_kernels",
        "deferrable",
        "deps",
        "differentiable",
        "impl",
        "jvp_impl",
        "multiple_results",
        "name",
        "nondiff",
        "numeric",
        "runs_user_code",
        "same_dtype",
        "sparse_grad",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        *,
        differentiable: bool = True,
        multiple_results: bool = False,
        same_dtype: bool = False,
        sparse_grad: bool = False,
        runs_user_code: bool = False,
        defer: bool = True,
        nondiff: tuple[int, ...] = (),
        numeric: bool = False,
        jvp_impl: Callable[..., Any] | None = None,
        deps: Callable[..., tuple[frozenset[int], ...]] | None = None,
    ) -> None:
        self.name = name
        self.deps = deps
        self.numeric = numeric
        self.jvp_impl = jvp_impl
        self.nondiff = frozenset(nondiff)
        self.deferrable = defer and not runs_user_code
        self.sparse_grad = sparse_grad
        self.runs_user_code = runs_user_code
        self.impl = impl
        self.differentiable = differentiable
        self.multiple_results = multiple_results
        self.same_dtype = same_dtype
        self._kernels: dict[tuple[Any, ...], Callable[..., Any]] = {}

    def kernel(self, params: tuple[tuple[str, Any], ...]) -> Callable[..., Any]:
        """The jitted implementation for these params (cached: params are part of the key)."""
        k = self._kernels.get(params)
        if k is None:
            fn = functools.partial(self.impl, **dict(params)) if params else self.impl
            k = jax.jit(fn)
            if not self.deferrable:  # (always run at the call: its executables saved on disk)
                k = executable_cache.Kernel(fn, k, ("kernel", self, params))
            self._kernels[params] = k
        return k

    def __repr__(self) -> str:
        return f"Op({self.name})"


# Set by ``tf.debugging.enable_check_numerics`` (check_numerics_mode.py): called on every op's
# result while any thread has the mode on; None otherwise, so the hot path pays one global read.
numerics_check: Callable[[Op, tuple[Any, ...], Any], None] | None = None


class _TapeState(threading.local):
    def __init__(self) -> None:
        # The active tapes of this thread, innermost last. ``bind`` only reads the list.
        self.tapes: list[Tape] = []


tape_state = _TapeState()

# Nonzero while a tf.function body is traced (concrete_function.py): an op reading a Variable is then
# run at once, so that the trace stages it, instead of being deferred (computed outside the trace).
staging_variable_reads = 0


# Host values: a row that iterating a CPU tensor yields holds a numpy value (see ``Tensor._rows``),
# immutable (a numpy scalar, or a read-only view of the tensor's buffer). ``bind`` queues it as a
# program input like an array; ``_value`` converts it to a device array for every other reader.
HOST_TYPES = (np.ndarray, np.generic)
_HOST_AVALS: dict[tuple[Any, ...], Any] = {}


def host_aval(v: Any) -> Any:
    """The aval of a host value (cached per shape and dtype)."""
    k = (v.shape, v.dtype)
    a = _HOST_AVALS.get(k)
    if a is None:
        a = _HOST_AVALS[k] = ShapedArray(v.shape, v.dtype)
    return a


def aval_of(v: Any) -> Any:
    """The aval ``bind`` gives a queued input: an array's or a pending value's, a host value's."""
    return v.aval if type(v) is _ArrayImpl or type(v) is Pending else host_aval(v)


def _to_device(v: Any) -> jax.Array:
    with jax.ensure_compile_time_eval():  # concrete even when first read inside a trace
        return jax.device_put(v)


def _get_value(self: Any) -> Any:
    """``_value`` of Tensors and Variables: the array, a pending value computed (and kept) first."""
    v = self._v
    t = type(v)
    if t is Pending:
        v = self._v = v.value if v.value is not None else lazy.force(v)
    elif t is not _ArrayImpl:
        if isinstance(v, HOST_TYPES):
            v = self._v = _to_device(v)
        elif traced_values:  # (a tracer: of another thread's trace, whose real value is read)
            real = real_value(self, v)
            if real is not None:
                return concrete(real)
    return v


def _set_value(self: Any, value: Any) -> None:
    self._v = value


# Orders the stores into Variables' ``_v`` (variable.py's updates, and the write-back below): each
# store of a value computed from the one read is a compare-and-set under it, so that threads
# updating one Variable lose no update (TF's assign_add is one op under the variable's lock). Held
# for a compare and a store only: never across a computation, a queue run or user code (a host
# callback assigning a Variable cannot deadlock on it). One lock for all Variables: as cheap as one
# each, with no lock to make per Variable.
variable_lock = threading.Lock()
_acquire = variable_lock.acquire  # (a ``with`` block costs about twice as much)
_release = variable_lock.release
_get_ident = threading.get_ident
_Tracer = jax.core.Tracer  # pyright: ignore[reportAttributeAccessIssue]

# Tensors and Variables whose ``_v`` a trace replaced with its tracer (the Variables a tf.function or
# control-flow trace lifts or assigns), by id: ``[the tracing thread's ident, the real value]``. Other
# threads read and update the real value here while the tracer is in (``real_value``, and the slow
# branches of ``bind``, ``_value`` and the Variable updates, taken for any non-array ``_v``); the trace
# puts it back when it ends (``put_back``): a trace changes no value another thread sees, and undoes
# no update another thread made meanwhile. Changed under ``variable_lock``; empty unless a trace runs.
traced_values: dict[int, list[Any]] = {}


def real_value(x: Any, v: Any) -> Any:
    """The real value of ``x`` (a Tensor or Variable whose ``_v`` was ``v``, not an array) where ``v``
    is the tracer of a trace on another thread; None otherwise (``v`` this thread's own, or the trace
    just ended: the caller reads ``_v`` again)."""
    e = traced_values.get(id(x))
    if e is not None:
        return e[1] if e[0] != _get_ident() else None
    now = x._v  # (the trace may have ended in between: its real value is back)
    return None if now is v or isinstance(now, _Tracer) else now


def update_held(x: Any, v: Any, compute: Callable[[Any], Any]) -> bool | None:
    """An update of ``x`` (its ``_v`` read as ``v``, not an array) where ``v`` may be the tracer of a
    trace on another thread: then ``compute(real value)`` (on arrays) is stored as the real value,
    compare-and-set as ``Variable._swap``, and True returned. False where ``v`` is not such a tracer
    (the caller goes on); None where the caller must read ``_v`` again (a trace put it or took it back)."""
    e = traced_values.get(id(x))
    if e is None:
        return False if x._v is v else None
    if e[0] == _get_ident():
        return False
    real = e[1]
    new = compute(concrete(real))
    _acquire()
    try:
        if traced_values.get(id(x)) is e and e[1] is real:
            e[1] = new
            return True
    finally:
        _release()
    return None


def put_tracer(x: Any, tracer: Any) -> None:
    """Gives ``x`` (a Tensor or Variable) the value ``tracer`` for this thread's trace; other threads
    keep reading and updating its real value (``traced_values``)."""
    if type(x._v) is Pending:
        concrete(x._v)  # (computed first: the queue outputs no value whose holder holds a tracer)
    with variable_lock:  # (at traces only: no hot path)
        _put_held(x, tracer)


def put_back(x: Any, original: Any) -> None:
    """Ends what :func:`put_tracer` started: ``x`` gets its real value back (with the updates other
    threads made meanwhile), or, where ``original`` is a tracer (an enclosing trace's), that tracer."""
    with variable_lock:
        _put_held(x, original)


def end_trace(x: Any, original: Any) -> None:
    """After a trace that read or assigned the Variable ``x`` (``original``: its value when the trace
    first touched it): where the trace put a tracer in, its real value back (or an enclosing trace's
    tracer, ``original``); a concrete value is left alone (a trace only reading ``x`` stores nothing:
    an update another thread made meanwhile stays)."""
    if isinstance(x._v, _Tracer):
        put_back(x, original)


def _put_held(x: Any, value: Any) -> None:
    """Stores ``value`` into ``x._v``, keeping ``traced_values`` (see there); under ``variable_lock``."""
    e = traced_values.get(id(x))
    if e is None:
        if isinstance(value, _Tracer):
            current = x._v
            if not isinstance(current, _Tracer):
                if type(current) is Pending and current.value is not None:
                    current = current.value
                traced_values[id(x)] = [_get_ident(), current]
        x._v = value
    elif e[0] != _get_ident():  # another thread's trace holds it: the real value is written
        e[1] = value
    elif isinstance(value, _Tracer):
        x._v = value
    else:  # this thread's trace puts ``x`` back (a concrete value): the real value, as others left it
        del traced_values[id(x)]
        x._v = e[1]


def concrete(v: Any) -> Any:
    """``v``, a Tensor's or Variable's ``_v``, as an array or tracer: a pending value computed, a host
    value put on the device; nothing stored back."""
    t = type(v)
    if t is Pending:
        return v.value if v.value is not None else lazy.force(v)
    if t is not _ArrayImpl and isinstance(v, HOST_TYPES):
        return _to_device(v)
    return v


def _get_variable_value(self: Any) -> Any:
    """``_value`` of Variables: as :func:`_get_value`, the computed array stored back only if the
    Variable still holds the pending value (an update on another thread may have stored a newer one)."""
    v = self._v
    if type(v) is _ArrayImpl:
        return v
    value = concrete(v)
    if value is v:  # (a tracer)
        if traced_values:  # (another thread's trace's: the real value)
            real = real_value(self, v)
            if real is not None:
                return concrete(real)
        return v
    _acquire()
    try:
        if self._v is v:
            self._v = value
    finally:
        _release()
    return value


def _set_variable_value(self: Any, value: Any) -> None:
    _acquire()  # (ordered with the compare-and-sets)
    try:
        if traced_values or isinstance(value, _Tracer):  # (a trace's value in or out: see traced_values)
            _put_held(self, value)
        else:
            self._v = value
    finally:
        _release()


class VariableBase:
    """Marker base of ``tf.Variable`` so that ``bind`` can recognise it without an import cycle.

    Its value is in ``_v``: an array, or a deferred :class:`~tapejax._src.lazy.Pending` value;
    ``_value`` is the array, computed first if it was pending.
    """

    __slots__ = ()
    _v: Any
    trainable: bool
    _value = property(_get_variable_value, _set_variable_value)


class TensorBase:
    """Marker base of ``tf.Tensor`` (defined in tensor.py); holds the one slot ``bind`` reads.

    ``_v`` is the value (an array or tracer, or a deferred ``Pending``); ``_value`` the array.
    """

    __slots__ = ("_v",)
    _value = property(_get_value, _set_value)


def _wrap(x: Any) -> Tensor:
    t = object.__new__(Tensor)
    t._v = x
    return t


def _wrap_pending(p: Pending) -> Tensor:
    t = object.__new__(Tensor)
    t._v = p
    p.owner = weakref.ref(t)
    return t


# Python scalars are converted to device arrays once, not on every call (``lr * g`` in a loop).
_SCALAR_CACHE: dict[tuple[type, Any, np.dtype], jax.Array] = {}


def scalar_to_array(value: Any, np_dtype: np.dtype, op_name: str) -> jax.Array:
    """A Python scalar as a JAX array of ``np_dtype``, TF's rules for lossy conversions."""
    key = (type(value), value, np_dtype)
    arr = _SCALAR_CACHE.get(key)
    if arr is None:
        # Concrete even when first met inside a trace (a cached tracer would leak into later calls).
        with jax.ensure_compile_time_eval():
            arr = jax.device_put(_python_to_numpy(value, np_dtype, op_name))
        if len(_SCALAR_CACHE) > 4096:
            _SCALAR_CACHE.clear()
        _SCALAR_CACHE[key] = arr
    return arr


def _python_to_numpy(value: Any, np_dtype: np.dtype, op_name: str) -> np.ndarray:
    kind = np_dtype.kind
    if isinstance(value, bool) and kind != "b" and not isinstance(value, np.bool_):
        pass  # TF converts True/False to 1/0 for numeric dtypes
    elif isinstance(value, complex) and kind != "c":
        raise TypeError(f"{op_name}: cannot convert {value!r} to EagerTensor of dtype {np_dtype.name}")
    elif isinstance(value, float) and kind in "iub":
        # TF refuses every Python float for an integer dtype, even a whole one (tf.constant(1.0, tf.int32)).
        raise TypeError(f"{op_name}: cannot convert {value!r} to EagerTensor of dtype {np_dtype.name}")
    elif isinstance(value, int) and not isinstance(value, bool):
        if kind == "b":
            raise TypeError(f"{op_name}: cannot convert {value!r} to EagerTensor of dtype bool")
        from tapejax._src.tensor import _leaves_to_numpy

        # TF reads a Python int through int64 (uint64 when asked for), wrapping it into smaller ints and
        # reading it as a double for floats: the rule lists of ints follow, for one element.
        return _leaves_to_numpy(value, [value], {"i"}, np_dtype, op_name).reshape(())
    elif kind == "b" and not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op_name}: cannot convert {value!r} to EagerTensor of dtype bool")
    if isinstance(value, (float, complex)) and abs(value) > 65504.0:  # float16's largest
        with np.errstate(over="ignore"):  # TF's cast makes a double too big for the dtype inf, silently
            return np.asarray(value, dtype=np_dtype)
    return np.asarray(value, dtype=np_dtype)


_PY_DEFAULT = {float: np.dtype(np.float32), bool: np.dtype(np.bool_), complex: np.dtype(np.complex128)}


def _default_array(value: Any, op_name: str) -> Any:
    """Converts a non-Tensor argument with TF's default dtypes (float32, int32)."""
    if isinstance(value, (jax.Array, np.ndarray, np.generic)):
        if isinstance(value, jax.Array) or value.dtype.isnative:
            return value
        return value.astype(value.dtype.newbyteorder("="))  # big-endian NumPy: the same values, native bytes
    t = type(value)
    if t in _PY_DEFAULT:
        return scalar_to_array(value, _PY_DEFAULT[t], op_name)
    if t is int and -(2**31) <= value < 2**31:
        return scalar_to_array(value, np.dtype(np.int32), op_name)
    from tapejax._src.tensor import convert_python

    return convert_python(value, None, op_name)


def _packs_tensors(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and any(isinstance(v, (TensorBase, VariableBase)) for v in value)


def _hinted_array(value: Any, np_dtype: np.dtype, op_name: str) -> Any:
    """Converts a non-Tensor argument of a same-dtype op to the dtype of its tensor partner."""
    if isinstance(value, (int, float, complex)):
        return scalar_to_array(value, np_dtype, op_name)
    from tapejax._src.tensor import convert_python

    return convert_python(value, np_dtype, op_name)


def bind(op: Op, *args: Any, **params: Any) -> Any:
    """Runs ``op`` on ``args`` (queued for deferred execution, see lazy.py, or at once inside a JAX
    trace) and lets the active tapes record it.

    Tensors and Variables are unwrapped; other arguments are converted with TF's dtype rules. Shape
    and dtype errors raise here either way. Returns a Tensor, or a tuple of Tensors for
    multiple-result ops.
    """
    key = tuple(params.items()) if params else ()
    batch = lazy._queue.batch
    plan = batch.plan
    if (
        plan is not None
        and lazy.ENABLED
        and lazy.REPLAY
        and not staging_variable_reads
        and not (lazy.tape_structures.dynamic and tape_state.tapes)
    ):
        result = _replay(batch, plan, op, key, args)
        if result is not None:
            # (bind's last lines, below; the inputs read first: a numerics check computes the result)
            tapes = tape_state.tapes
            if tapes:
                vals = (result[0] if op.multiple_results else result)._v.node.inputs
            if numerics_check is not None:
                numerics_check(op, args, result)
            if tapes:
                reads: dict[int, Any] = {}
                for tape in tapes:
                    tape._record(op, key, args, vals, result, reads)
            return result
    vals: list[Any] = []
    avals: list[Any] = []  # deferral needs every value concrete (ArrayImpl) or pending: never tracers
    deferred = lazy.ENABLED and op.deferrable
    if deferred and lazy.tape_structures.dynamic and tape_state.tapes:
        # While tape structures keep changing, a recorded op runs at the call: queueing it would only
        # add bookkeeping to the op-by-op run that follows (see lazy.tape_structures).
        deferred = False
        lazy.op_at_call()
    convert = False
    for a in args:
        if type(a) is Tensor or isinstance(a, (TensorBase, VariableBase)):
            v = a._v
        elif type(a) is Pending:  # a deferred constant a tape recorded (pullback residuals)
            v = a
        else:
            vals.append(None)  # converted below, once the dtype hint is known
            avals.append(None)
            convert = True
            continue
        vals.append(v)
        t = type(v)
        if t is _ArrayImpl or t is Pending:
            avals.append(v.aval)
        elif isinstance(v, HOST_TYPES):  # a row of a CPU tensor (immutable): a program input too
            avals.append(host_aval(v))
        else:
            if traced_values and (real := real_value(a, v)) is not None:
                # (another thread's trace holds it: its real value, as an array)
                vals[-1] = v = concrete(real)
                avals.append(v.aval)
                continue
            deferred = False
            avals.append(v)
    if deferred and staging_variable_reads and any(isinstance(a, VariableBase) for a in args):
        deferred = False
    if convert:
        hint = None
        for v in vals:
            if v is not None:
                hint = v.dtype
                break
        for i, a in enumerate(args):
            if vals[i] is None:
                ta = type(a)
                if (ta is float or ta is int) and op.same_dtype and hint is not None:
                    v = _SCALAR_CACHE.get((ta, a, hint))  # ``lr * g``: a dict lookup
                    if v is None:
                        v = _hinted_array(a, hint, op.name)
                elif hasattr(a, "_to_dense"):
                    # An IndexedSlices: densified by a recorded op, as TF, and the op bound again, so
                    # that Python values beside it take its dtype as they would a Tensor's.
                    return bind(op, *[x._to_dense() if hasattr(x, "_to_dense") else x for x in args], **params)
                elif ta in (list, tuple) and _packs_tensors(a):
                    # A list holding Tensors is packed by a recorded stack op, so gradients reach them.
                    from tapejax._src.ops.array_ops import convert_to_tensor

                    packed = convert_to_tensor(a)
                    args = (*args[:i], packed, *args[i + 1 :])
                    v = packed._v
                elif conversion_registry.ACTIVE and (conv := conversion_registry.convert(a, None, hint)) is not None:
                    # A registered conversion's Tensor is the argument, so tapes see how it was made.
                    args = (*args[:i], conv, *args[i + 1 :])
                    v = conv._v
                elif op.same_dtype and hint is not None:
                    v = _hinted_array(a, hint, op.name)
                else:
                    v = _default_array(a, op.name)
                    if op.same_dtype:  # (no Tensor: the first value's dtype is the rest's, as TF)
                        hint = v.dtype
                vals[i] = v
                t = type(v)
                if t is _ArrayImpl or t is Pending:
                    avals[i] = v.aval
                else:
                    deferred = False
                    avals[i] = v
    if op.same_dtype and len(vals) > 1:
        d0 = avals[0].dtype
        if avals[1].dtype != d0 if len(avals) == 2 else any(a.dtype != d0 for a in avals):
            raise _dtype_mismatch(op, vals)
        if op.numeric and d0.kind == "b":
            raise errors.InvalidArgumentError(
                None, None, f"{op.name}: no kernel for bool tensors ({_describe(vals)}), as TF. Fix: tf.cast them."
            )
    if deferred:
        k = (op, key, tuple(avals))
        out_avals = lazy._AVALS.get(k)
        if out_avals is None:
            try:
                out_avals = lazy.out_avals(k, op._kernels.get(key) or op.kernel(key))
            except (TypeError, ValueError) as e:
                raise _op_error(op, vals, e) from None
        outs = lazy.record(op, key, out_avals, vals)
        if op.multiple_results:
            result: Any = tuple([_wrap_pending(p) for p in outs])
        else:  # (_wrap_pending, inline)
            p = outs[0]
            result = object.__new__(Tensor)
            result._v = p
            p.owner = weakref.ref(result)
    else:
        for i, v in enumerate(vals):
            if type(v) is Pending:
                vals[i] = lazy.force(v)
        try:
            out = (op._kernels.get(key) or op.kernel(key))(*vals)
        except (TypeError, ValueError) as e:
            if op.runs_user_code:
                raise
            raise _op_error(op, vals, e) from None
        except jax.errors.JaxRuntimeError as e:  # (out of memory, ...): TF's class for it
            raise errors.from_runtime(e, op.name) from e
        result = tuple([_wrap(o) for o in out]) if op.multiple_results else _wrap(out)
    if numerics_check is not None:  # tf.debugging.enable_check_numerics (check_numerics_mode.py)
        numerics_check(op, args, result)
    tapes = tape_state.tapes
    if tapes:
        # One read Tensor per Variable argument, shared by all tapes, so that a gradient computed
        # on an inner tape refers to the same Tensors an outer tape recorded.
        reads: dict[int, Any] = {}
        for tape in tapes:
            tape._record(op, key, args, vals, result, reads)
    return result


def _replay(batch: Any, plan: tuple[Any, ...], op: Op, key: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
    """``bind``'s step-replay path: the op queued at the next position of ``batch``, a batch that
    repeats a compiled program, from that program's plan (``lazy.Program.plan``); None, with nothing
    changed, when the call is not the plan's at that position (``bind``'s general path then takes it).

    The plan holds what ``bind`` and ``lazy.record`` computed for the same op at this position: its
    params, its signature, per input its wiring (a batch position, or a leaf index) and aval, and its
    output avals. A call matches when it is the same op with equal params and each argument is a
    Tensor or Variable whose value is the same batch output, or a leaf of the same index and aval
    (or a Python scalar of a same-dtype op, converted to that dtype as ``bind`` converts it beside a
    Tensor argument). Then its shape check and output avals are the plan's
    and its signature the program's: no avals tuple, lookup or signature is built. Every batch
    position before it was queued here (``_Batch.plan``), so the batch values it reads have the
    plan's avals. The batch is left exactly as ``lazy.record`` would leave it.
    """
    nodes = batch.nodes
    pos = len(nodes)
    if pos >= lazy.MAX_QUEUE or batch.leaf_bytes > lazy.MAX_QUEUE_BYTES:
        # Full: ``lazy.record`` runs the queue before queueing an op. Run it here for an op it would
        # queue (deferrable, its arguments concrete), so that this op can start the next queue from
        # its plan. (Only an op the general path then refuses with a shape or dtype error sees the
        # full queue run one op earlier than without replay: the same values.)
        if not op.deferrable:
            return None
        for a in args:
            if isinstance(a, (TensorBase, VariableBase)):
                t = type(a._v)
                if t is not _ArrayImpl and t is not Pending and not isinstance(a._v, HOST_TYPES):
                    return None
            elif type(a) is not float and type(a) is not int:
                return None
        lazy.flush()
        batch = lazy._queue.batch
        plan = batch.plan
        if plan is None:
            return None
        nodes = batch.nodes
        pos = len(nodes)
    if pos >= len(plan):
        return None
    sop, skey, sig, spec, out_avals = plan[pos]
    if sop is not op or skey != key or len(spec) != len(args):
        return None
    gen = batch.gen
    leaves = batch.leaves
    leaf_at = batch.leaf_at
    mark = len(leaves)
    added = 0
    vals = []
    held = scalar = False
    for a, (r, av, nbytes) in zip(args, spec, strict=True):
        if type(a) is Tensor or isinstance(a, (TensorBase, VariableBase)):
            v = a._v
            held = True
        elif (type(a) is float or type(a) is int) and op.same_dtype:
            # bind's conversion, when a Tensor is beside it (its dtype is the plan's: same-dtype op)
            v = _SCALAR_CACHE.get((type(a), a, av.dtype))
            if v is None:
                try:
                    v = _hinted_array(a, av.dtype, op.name)
                except Exception:  # (bind's general path raises it, as it would have)
                    break
            scalar = True
        else:
            break
        vals.append(v)
        t = type(v)
        if t is Pending:
            n = v.node  # (read before value, as _Batch.ref)
            if n is not None and v.value is None:
                if n.gen != gen or r != (n.pos, v.index):
                    break
                continue
            v = v.value  # computed: its value is the leaf (as _Batch.ref)
            t = type(v)
        if t is _ArrayImpl:
            if v.aval != av:
                break
        elif not isinstance(v, HOST_TYPES) or _HOST_AVALS.get((v.shape, v.dtype)) != av:
            break
        j = leaf_at.get(id(v))
        if j is None:
            if r != len(leaves):
                break
            leaf_at[id(v)] = r
            leaves.append(v)
            added += nbytes
        elif j != r:
            break
    else:
        if not scalar or held:  # (only Python scalars: bind converts them with TF's defaults)
            # The node and its Pending outputs, as lazy.record makes them.
            node = object.__new__(lazy.LazyNode)
            node.op = op
            node.key = key
            node.inputs = vals
            node.gen = gen
            node.pos = pos
            if op.multiple_results:
                outs = tuple([Pending(node, i, a) for i, a in enumerate(out_avals)])
                node.outs = outs
                result: Any = tuple([_wrap_pending(p) for p in outs])
            else:
                p = object.__new__(Pending)
                p.node = node
                p.index = 0
                p.aval = out_avals
                p.shape = out_avals.shape
                p.dtype = out_avals.dtype
                p.value = p.more_owners = None
                node.outs = (p,)
                result = object.__new__(Tensor)
                result._v = p
                p.owner = weakref.ref(result)
            if added:
                batch.leaf_bytes += added
            batch.sigs.append(sig)
            nodes.append(node)
            return result
    # Not the plan's call: the leaves it added are taken back.
    for v in leaves[mark:]:
        del leaf_at[id(v)]
    del leaves[mark:]
    return None


def _describe(vals: list[Any]) -> str:
    return ", ".join(f"{dtypes_lib.from_numpy(np.dtype(v.dtype)).name}{list(np.shape(v))}" for v in vals)


def _dtype_mismatch(op: Op, vals: list[Any]) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(
        None,
        None,
        f"{op.name}: cannot compute {op.name} of tensors with different dtypes ({_describe(vals)}): "
        "TensorFlow never converts dtypes implicitly. Fix: tf.cast one operand, e.g. "
        f"tf.cast(y, {dtypes_lib.from_numpy(np.dtype(vals[0].dtype))!r}).",
    )


def _op_error(op: Op, vals: list[Any], e: Exception) -> errors.InvalidArgumentError:
    msg = str(e).split("\n")[0]
    return errors.InvalidArgumentError(None, None, f"{op.name}: invalid arguments ({_describe(vals)}): {msg}")


# Last, because tensor.py builds on this module (its dunders are ops bound here).
from tapejax._src.tensor import Tensor  # noqa: E402
