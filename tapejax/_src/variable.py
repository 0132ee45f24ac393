"""``tf.Variable``: the only mutable object."""

from __future__ import annotations

import functools
import itertools
import weakref
from collections.abc import Iterator
from typing import Any, NoReturn

import jax
import jax.core
import numpy as np

from tapejax._src import core, errors, lazy
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import HOST_TYPES, Op, TensorBase, VariableBase, _ArrayImpl, tape_state
from tapejax._src.distribute import context as distribute_context
from tapejax._src.lazy import Pending, force, hold
from tapejax._src.ops import array_ops
from tapejax._src.tensor import (
    Reference,
    Tensor,
    TensorOperators,
    TensorShape,
    _device_name,
    _numpy_copy,
    _numpy_text,
    convert_python,
)

# Creation order: ``GradientTape.watched_variables()`` is ordered by it, as in TF.
_creation_counter = itertools.count()

# ``core.variable_lock``'s methods (a ``with`` block costs about twice as much: every update takes it).
_acquire = core.variable_lock.acquire
_release = core.variable_lock.release


def _note_variable_exit(v: Variable, how: str) -> None:
    """Tells active tapes that a Variable's value left for numpy (``explain_gradient`` reports it)."""
    _accessed(v)
    for tape in tape_state.tapes:
        exits = getattr(tape, "_exits", None)
        if exits is not None:
            exits[("var", id(v))] = (how, v)


def _accessed(v: Variable) -> None:
    """A trainable Variable read or assigned outside an op is watched by active tapes that watch
    accessed Variables (TF's ``variable_accessed``: ``watched_variables()`` lists it)."""
    if v._auto_watch:
        for tape in tape_state.tapes:
            if getattr(tape, "_auto", False):
                tape._vars[id(v)] = v  # type: ignore[attr-defined]


@functools.cache
def _function_lib() -> Any:
    """tapejax._src.function (imported on first use: it imports this module)."""
    from tapejax._src import function

    return function


class Variable(VariableBase, TensorOperators):
    """A mutable tensor-like value, as TF's ``tf.Variable``.

    Usable wherever a Tensor is (operators and ops read its current value); trainable Variables read
    inside a ``GradientTape`` are watched automatically. Updates are atomic across threads, as TF's:
    ``assign``, ``assign_add``, ``assign_sub`` and sliced assignments of one Variable from several
    threads give one of their serial orders (none is lost), and a read sees a whole value.

    Args:
      initial_value: a Tensor, a value convertible to one, or a callable returning one.
      trainable: whether tapes watch it automatically (fixed at creation, as TF's ``trainable`` of the
        underlying variable: a Keras weight frozen later is still watched) and optimizers update it.
      name: the variable's name; ``.name`` gets TF's ``":0"`` suffix.
      dtype: convert ``initial_value`` to this dtype.
      shape: the allowed shape (``None`` dims accept any size); defaults to the initial value's.
      aggregation: a ``tf.VariableAggregation``: under a ``tf.distribute`` strategy, how the replicas'
        assignments in ``strategy.run`` combine (``SUM`` adds their changes, ``MEAN`` averages; default NONE).

    Raises:
      ValueError: if ``initial_value`` is missing; if it is a Tensor or Variable whose dtype is not
        ``dtype`` (no implicit cast, as TF: Python values and numpy arrays are converted to ``dtype``,
        numpy arrays with numpy's cast, so ``np.array([1.5])`` becomes ``[1]`` for ``tf.int32``); or if
        ``name`` is not a string.
      TypeError: if a Python value does not fit ``dtype`` (``1.5`` or ``1.0`` for ``tf.int32``).
      RuntimeError: on ``v += x``, ``-=``, ``*=``, ``/=`` and ``**=`` (use ``assign_add``, ``assign_sub``
        or ``assign``), instead of silently rebinding ``v`` to a Tensor.

    Differences from TensorFlow: TF's ``-=`` message suggests ``out = variable * value``; ours says
    ``out = variable - value``.

    >>> import tapejax as tf
    >>> v = tf.Variable([1.0, 2.0], name="w")
    >>> v
    <tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>
    >>> _ = v.assign_add([1.0, 1.0])
    >>> print(v * 2)
    tf.Tensor([4. 6.], shape=(2,), dtype=float32)
    """

    # numpy arrays and scalars on the left defer to the Variable's operators (as to a Tensor's), so
    # ``np.float64(2) * v`` is a float32 Tensor, as TF, not a float64 ndarray.
    __array_priority__ = 100

    __slots__ = ("__weakref__", "_auto_watch", "_name", "_shape", "_uid", "_v", "trainable")

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool | None = None,
        validate_shape: bool = True,
        caching_device: Any = None,
        name: str | None = None,
        variable_def: Any = None,
        dtype: Any = None,
        import_scope: Any = None,
        constraint: Any = None,
        synchronization: Any = None,
        aggregation: Any = None,
        shape: Any = None,
        experimental_enable_variable_lifting: bool = True,
    ) -> None:
        if (
            type(initial_value) is Tensor
            and name is None
            and dtype is None
            and shape is None
            and aggregation is None
            and not tape_state.tapes
            and not distribute_context._stack.entries
        ):
            # ``tf.Variable(w - lr * g)``, a loop's rebinding: what ``_construct`` does for a Tensor of an
            # array or deferred value with no other argument, inline.
            arr = initial_value._v
            t = type(arr)
            if t is Pending or t is _ArrayImpl:
                _function_lib().note_variable_created()  # (tf.function: on the first trace only)
                self._v = arr
                if t is Pending:
                    hold(arr, self)
                self.trainable = self._auto_watch = True if trainable is None else bool(trainable)
                self._name = "Variable:0"
                self._shape = None
                self._uid = next(_creation_counter)
                return
        if initial_value is None:
            raise ValueError("The `initial_value` arg (None) must be specified.")
        if name is not None and not isinstance(name, str):
            raise ValueError(
                f"name for name_scope must be a string. tf.Variable got name={name!r} of type "
                f"{type(name).__name__}; pass a str (name='w')."
            )
        function_lib = _function_lib()
        function_lib.note_variable_created(self)  # tf.function: on the first trace only (TF's ValueError)
        # Created inside tf.function (a trace is a tape): its initial value is computed eagerly.
        if tape_state.tapes and function_lib.in_trace():
            with function_lib.escape_trace():
                self._construct(initial_value, trainable, name, dtype, shape)
        else:
            self._construct(initial_value, trainable, name, dtype, shape)
        if aggregation is not None:  # tf.distribute: how the replicas' assignments combine
            distribute_context.set_aggregation(self, aggregation)

    def _construct(self, initial_value: Any, trainable: bool | None, name: str | None, dtype: Any, shape: Any) -> None:
        if callable(initial_value) and not isinstance(initial_value, (TensorBase, VariableBase)):
            initial_value = initial_value()
        np_dtype = None if dtype is None else dtypes_lib.as_dtype(dtype)._np
        if isinstance(initial_value, (TensorBase, VariableBase)):
            arr = initial_value._v  # a deferred value stays deferred (w = tf.Variable(w - lr * g))
            if np_dtype is not None and arr.dtype != np_dtype:
                raise ValueError(_initial_dtype_message(initial_value, np.dtype(np_dtype), arr))
        elif np_dtype is not None and isinstance(initial_value, (np.ndarray, np.generic)):
            # TF casts numpy values to `dtype` as numpy does (1.5 -> 1 for int32), unlike Python floats.
            arr = convert_python(np.asarray(initial_value).astype(np_dtype), None, "Variable")
        else:
            arr = convert_python(initial_value, np_dtype, "Variable")
        if isinstance(arr, jax.core.Tracer):
            arr = _function_lib().lift_initial_value(arr)  # a function's first trace: as TF, computed now
        if arr is None or isinstance(arr, jax.core.Tracer):
            raise ValueError(
                "tf.Variable: cannot create a Variable from a traced value (inside jax.jit or a gradient "
                "function); create Variables outside of compiled code."
            )
        if distribute_context._stack.entries:  # inside a tf.distribute strategy's scope: replicated on its mesh
            arr = distribute_context.place_new_variable(force(arr) if type(arr) is Pending else arr)
        self._v = arr
        if type(arr) is Pending:
            hold(arr, self)
        self.trainable = self._auto_watch = True if trainable is None else bool(trainable)
        self._name = f"{name or 'Variable'}:0" if name is None or ":" not in name else name
        # None: the initial value's shape, which assignments then keep (built when asked for).
        self._shape = None if shape is None else TensorShape(shape)
        if self._shape is not None and not self._shape.is_compatible_with(arr.shape):
            raise ValueError(
                f"tf.Variable: initial value of shape {arr.shape} is incompatible with shape={self._shape}."
            )
        self._uid = next(_creation_counter)

    # -- properties ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> dtypes_lib.DType:
        return dtypes_lib.from_numpy(self._v.dtype)

    @property
    def shape(self) -> TensorShape:
        """The declared shape (``shape=`` at creation, ``None`` dims allowed), as TF."""
        return TensorShape(self._v.shape) if self._shape is None else self._shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return len(self._v.shape)

    @property
    def device(self) -> str:
        return _device_name(self._value)

    @property
    def initial_value(self) -> Tensor:
        return Tensor(self._value)

    def numpy(self) -> Any:
        """The current value as a numpy array (a numpy scalar for rank-0)."""
        if tape_state.tapes:
            _no_python_value_in_trace("numpy")
            _note_variable_exit(self, ".numpy()")
        return _numpy_copy(self._value)

    def read_value(self) -> Tensor:
        """A snapshot of the current value; recorded as a read by active tapes."""
        return array_ops.identity(self)

    def value(self) -> Tensor:
        """A snapshot of the current value (same as :meth:`read_value`)."""
        return array_ops.identity(self)

    def ref(self) -> Reference:
        return Reference(self)

    def experimental_ref(self) -> Reference:
        return Reference(self)

    # -- assignment ---------------------------------------------------------------------------------
    def _checked(self, value: Any, op_name: str, shape: bool = True) -> Any:
        """``value`` as an array of this Variable's dtype (and, with ``shape``, an allowed shape), or a ValueError."""
        for tape in tape_state.tapes:
            on_assign = getattr(tape, "_on_assign", None)
            if on_assign is not None:
                on_assign(self)  # tf.function lifts Variables it assigns
        dtype = self._v.dtype
        if isinstance(value, (TensorBase, VariableBase)):
            arr = value._v  # a deferred value stays deferred (v.assign(v * 2) joins the queue)
            if type(arr) is not Pending and type(arr) is not _ArrayImpl:
                arr = value._value  # (a host row as a device array; a tracer as it is)
            if arr.dtype != dtype:
                raise ValueError(
                    f"{op_name} on Variable '{self._name}': dtype mismatch: the variable is "
                    f"{np.dtype(dtype).name}, the value is {np.dtype(arr.dtype).name}{list(arr.shape)}. "
                    "Fix: tf.cast the value."
                )
        else:
            # A Python value that does not fit the dtype (1.5 into an int Variable) raises TypeError, as TF.
            arr = convert_python(value, dtype, op_name)
        if shape and not self.shape.is_compatible_with(arr.shape):
            raise ValueError(
                f"Cannot {op_name} variable '{self._name}': Shape mismatch. The variable shape {self.shape}, "
                f"and the assigned value shape {TensorShape(arr.shape)} are incompatible."
            )
        return arr

    def assign(self, value: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True) -> Any:
        """Sets the value in place (not differentiable: no gradient flows into ``value``).

        Raises:
          ValueError: if the shape or dtype does not match; the Variable is then unchanged.
        """
        self._store(self._checked(value, "assign"))
        return self._read_back(read_value)

    def _store(self, new: Any) -> None:
        """Makes ``new`` (an array, tracer or Pending of this Variable's dtype and an allowed shape) its value."""
        current = self._v
        if (
            isinstance(new, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]
            or isinstance(current, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]
            or (tape_state.tapes and _function_lib().in_trace())  # (a constant assigned in a trace: staged)
        ):
            if core.traced_values:  # (another thread's trace holds the Variable: its real value is set)
                done = core.update_held(self, current, lambda _: force(new) if type(new) is Pending else new)
                if done is None:
                    return self._store(new)
                if done:
                    return None
            # (under a trace: the assignment's differentiation rule, on arrays)
            core.put_tracer(self, _assignment(core.concrete(current), force(new) if type(new) is Pending else new))
            return None
        if type(new) is Pending:
            hold(new, self)  # a run outputs it while the Variable holds it
        _acquire()  # (ordered with the compare-and-sets of _swap and core's reads)
        try:
            self._v = new
        finally:
            _release()

    def _swap(self, current: Any, new: Any) -> bool:
        """Stores ``new``, computed from ``current``, if the Variable still holds ``current`` (or its
        computed value); False if another thread stored a value since (the caller computes again).

        Compare-and-set under ``core.variable_lock``: an update of one Variable by several threads
        loses none (each is one of the serial orders), and a read sees the old or the new value.
        A pending ``new`` is owned by the Variable first (a run outputs it while the Variable holds it).
        """
        if type(new) is Pending:
            new.owner = weakref.ref(self)  # (its only holder: the Tensor ``bind`` made is dropped)
            new.more_owners = None
        _acquire()
        try:
            v = self._v
            if v is current or (type(current) is Pending and v is current.value):
                if isinstance(new, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
                    core._put_held(self, new)  # (the real value kept for other threads: core.traced_values)
                else:
                    self._v = new
                return True
        finally:
            _release()
        return False

    def _read_back(self, read_value: bool) -> Any:
        """What ``assign*`` returns: the Variable (read, so tapes watch it, as TF's read), or None."""
        if not read_value:
            return None
        if tape_state.tapes:
            _accessed(self)
        return self

    def assign_add(self, delta: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True) -> Any:
        """Adds ``delta`` in place, atomically (``use_locking`` is ignored: always locked, as TF's resource Variables).

        Raises:
          InvalidArgumentError: unless ``delta`` has exactly the value's shape (no broadcasting, not
            even a scalar: TF's AssignAddVariableOp); the Variable is then unchanged.
          ValueError: on a dtype mismatch.
        """
        self._update(_ASSIGN_ADD, self._delta(delta, "assign_add", "AssignAddVariableOp"))
        return self._read_back(read_value)

    def assign_sub(self, delta: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True) -> Any:
        """Subtracts ``delta`` in place (checked as :meth:`assign_add`)."""
        self._update(_ASSIGN_SUB, self._delta(delta, "assign_sub", "AssignSubVariableOp"))
        return self._read_back(read_value)

    def _delta(self, delta: Any, method: str, op_name: str) -> Any:
        arr = self._checked(delta, method, shape=False)
        if np.dtype(arr.dtype) == np.bool_:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{op_name}: no kernel for bool variables, as TF (Variable '{self._name}', shape "
                f"{list(self._v.shape)}). Fix: tf.cast to a numeric dtype, or use assign().",
            )
        current = tuple(self._v.shape)
        if tuple(arr.shape) != current:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{op_name}: Cannot update variable '{self._name}' with shape {list(current)} using a Tensor "
                f"with shape {list(arr.shape)}, shapes must be equal.",
            )
        return arr

    def _update(self, op: Op, delta: Any) -> None:
        """Stores ``op(value, delta)`` (checked: same dtype and shape): queued with the ops around it
        (one compiled program, and a later process loads it whole from the executable cache), or run
        at once where ops are not deferred (under a trace, ``TAPEJAX_DEFER=0``, numerics checks).

        Atomic, as TF's: computed from the value read and stored only if the Variable still holds it
        (:meth:`_swap`), else computed again from the newer value another thread stored."""
        while True:
            current = self._v
            if _queueable(current, delta):
                # Through ``bind`` (its shape check, step replay's plans), on fresh Tensors: tapes record
                # nothing of it (no gradient flows through an assignment) and watch nothing.
                new = core.bind(op, core._wrap(current), core._wrap(delta))._v
            else:
                if core.traced_values:  # (another thread's trace holds the Variable: its real value is updated)
                    done = core.update_held(
                        self,
                        current,
                        lambda real: op.kernel(())(real, force(delta) if type(delta) is Pending else delta),
                    )
                    if done:
                        return
                    if done is None:
                        continue
                new = op.kernel(())(core.concrete(current), force(delta) if type(delta) is Pending else delta)
                if isinstance(new, jax.core.Tracer) or isinstance(current, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
                    new = _assignment(core.concrete(current), new)  # (under a trace: as _store)
                    # (the real value kept for other threads: core.traced_values)
                    _acquire()
                    try:
                        v = self._v
                        if v is current or (type(current) is Pending and v is current.value):
                            core._put_held(self, new)
                            return
                    finally:
                        _release()
                    continue
            # (``_swap``, inline: every optimizer update takes this)
            if type(new) is Pending:
                new.owner = weakref.ref(self)  # (its only holder: the Tensor ``bind`` made is dropped)
                new.more_owners = None
            _acquire()
            try:
                v = self._v
                if v is current or (type(current) is Pending and v is current.value):
                    self._v = new
                    return
            finally:
                _release()

    def _assign_array(self, arr: Any) -> None:
        """Trusted in-place write of an array already of the right dtype and shape (optimizers)."""
        if type(arr) is _ArrayImpl and type(self._v) is _ArrayImpl:  # (``_store``'s common case, inline)
            _acquire()
            try:
                self._v = arr
            finally:
                _release()
        else:
            self._store(arr)

    # -- Python protocol ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        from tapejax._src.function import in_trace

        # Inside tf.function (also before the Variable is lifted): TF's graph form, without the value.
        if in_trace() or isinstance(self._v, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
            return f"<tf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}>"
        return (
            f"<tf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={_numpy_text(self._value, True)}>"
        )

    def __str__(self) -> str:
        return self.__repr__()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if tape_state.tapes:
            _no_python_value_in_trace("numpy")
            _note_variable_exit(self, "np.asarray()")
        arr = np.asarray(self._value)
        return arr if dtype is None else arr.astype(dtype)

    def __jax_array__(self) -> Any:
        return self._value

    def __hash__(self) -> int:
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len is not well defined for a rank-0 Variable.")
        return self._value.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar Variable.")
        return iter(array_ops.unstack(self))

    def __bool__(self) -> bool:
        if tape_state.tapes:
            _no_python_value_in_trace("bool")
            _accessed(self)
        return bool(np.asarray(self._value))

    def __float__(self) -> float:
        if tape_state.tapes:
            _no_python_value_in_trace("float")
            _note_variable_exit(self, "float()")
        return float(np.asarray(self._value))

    def __int__(self) -> int:
        if tape_state.tapes:
            _no_python_value_in_trace("int")
            _accessed(self)
        return int(np.asarray(self._value))

    def __index__(self) -> int:
        if self._value.ndim != 0 or not np.issubdtype(self._value.dtype, np.integer):
            raise TypeError(
                f"Only integer scalar Variables can be converted to an index, not {self.dtype.name}{self.shape}"
            )
        if tape_state.tapes:
            _no_python_value_in_trace("index")
        return int(np.asarray(self._value))

    # TF's ResourceVariable defines these so that `v += 1` fails instead of rebinding `v` to a Tensor
    # and leaving the Variable unchanged; the other in-place operators keep Python's default, as TF.
    def __iadd__(self, other: Any) -> NoReturn:
        raise self._in_place_error("`variable += value`", "`variable.assign_add(value)`", "`out = variable + value`")

    def __isub__(self, other: Any) -> NoReturn:
        raise self._in_place_error("`variable -= value`", "`variable.assign_sub(value)`", "`out = variable - value`")

    def __imul__(self, other: Any) -> NoReturn:
        raise self._in_place_error("`var *= value`", "`var.assign(var * value)`", "`out = var * value`")

    def __itruediv__(self, other: Any) -> NoReturn:
        raise self._in_place_error("`var /= value`", "`var.assign(var / value)`", "`out = var / value`")

    __idiv__ = __itruediv__
    __irealdiv__ = __itruediv__

    def __ipow__(self, other: Any) -> NoReturn:
        raise self._in_place_error("`var **= value`", "`var.assign(var ** value)`", "`out = var ** value`")

    def _in_place_error(self, statement: str, fix: str, out: str) -> RuntimeError:
        return RuntimeError(
            f"{statement} with `tf.Variable`s is not supported. Use {fix} to modify the variable, or {out} "
            f"if you need to get a new output Tensor. (Variable '{self._name}': shape={self.shape} "
            f"dtype={self.dtype.name}; it is unchanged.)"
        )

    def __getitem__(self, key: Any) -> SlicedVariable:
        t = array_ops.strided_slice_from_key(self, key)
        sliced = SlicedVariable(t._v, self, key)  # (a queued slice stays queued)
        if type(t._v) is Pending:
            hold(t._v, sliced)
        for tape in tape_state.tapes:
            alias = getattr(tape, "_alias", None)
            if alias is not None:
                alias(t, sliced)  # the tape recorded `t`; the user holds `sliced`
        return sliced

    def __deepcopy__(self, memo: Any) -> Variable:
        return Variable(np.array(self._value), trainable=self.trainable, name=self._name.split(":")[0])


def _initial_dtype_message(value: TensorBase | VariableBase, np_dtype: np.dtype, arr: Any) -> str:
    """TF's ValueError text for a Tensor or Variable initial value whose dtype is not ``dtype=``."""
    want, have = np_dtype.name, np.dtype(arr.dtype).name
    fix = f"Fix: tf.cast(initial_value, tf.{want}) first, or leave out dtype= to keep {have}."
    if isinstance(value, Variable):
        return (
            f"Incompatible type conversion requested to type {want} for `tf.Variable` '{value.name}' of type "
            f"{have} and shape {TensorShape(arr.shape)}. {fix}"
        )
    return (
        f"initial_value: Tensor conversion requested dtype {want} for Tensor with dtype {have} and shape "
        f"{TensorShape(arr.shape)}. {fix}"
    )


class SlicedVariable(Tensor):
    """``v[key]``: a Tensor that can also be assigned into the Variable (``v[0, 1].assign(5.0)``)."""

    __slots__ = ("_key", "_var")

    def __init__(self, value: Any, var: Variable, key: Any) -> None:
        super().__init__(value)
        self._var = var
        self._key = key

    def assign(self, value: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True) -> Any:
        """Writes ``value`` into the slice of the Variable (TF's sliced assignment).

        ``value`` broadcasts to the slice, after leading 1s past the slice's rank are dropped (TF's rule).

        Raises:
          InvalidArgumentError: if ``value``'s shape does not fit the slice; the Variable is unchanged.
          ValueError: if ``value`` is a Tensor of another dtype.
        """
        var = self._var
        dtype = var._v.dtype
        if isinstance(value, (TensorBase, VariableBase)):
            arr = value._v  # (a deferred value stays deferred)
            if type(arr) is not Pending and type(arr) is not _ArrayImpl:
                arr = value._value
            if arr.dtype != dtype:
                raise ValueError(
                    f"sliced assign on Variable '{var.name}': dtype mismatch ({np.dtype(arr.dtype).name} value "
                    f"into a {np.dtype(dtype).name} variable)."
                )
        else:
            arr = convert_python(value, dtype, "ResourceStridedSliceAssign")
        key = _index_key(self._key)
        while True:  # (atomic, as Variable._update)
            current = var._v
            if core.traced_values and type(current) is not _ArrayImpl and type(current) is not Pending:
                # (another thread's trace holds the Variable: its real value is updated)
                try:
                    done = core.update_held(var, current, lambda real: core.concrete(_scatter(var, real, key, arr)))
                except (TypeError, ValueError) as e:
                    raise ValueError(f"sliced assign on Variable '{var.name}': {e}") from None
                if done:
                    return var if read_value else None
                if done is None:
                    continue
            try:
                new = _scatter(var, current, key, arr)
            except (TypeError, ValueError) as e:
                raise ValueError(f"sliced assign on Variable '{var.name}': {e}") from None
            if type(new) is not Pending and (
                isinstance(new, jax.core.Tracer) or isinstance(current, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]
            ):
                new = _assignment(core.concrete(current), new)  # (under a trace: as Variable._store)
            if var._swap(current, new):
                return var if read_value else None


def _index_key(key: Any) -> Any:
    key = tuple(key) if type(key) is list else key if isinstance(key, tuple) else (key,)  # (as strided_slice_from_key)
    return tuple(int(np.asarray(k._value)) if isinstance(k, (TensorBase, VariableBase)) else k for k in key)


def _scatter(var: Variable, x: Any, key: Any, value: Any) -> Any:
    """``x`` (the Variable's ``_v``) with ``value`` written at ``key``: an array, tracer, or Pending (queued)."""
    static = _static_key(key)
    if static is None:  # (lists, arrays, bools: computed here)
        x = core.concrete(x)
        value = force(value) if type(value) is Pending else value
    # (the slice's shape without computing it: eager x[key] compiled and ran a slice for its shape)
    target = _slice_shape(tuple(x.shape), np.dtype(x.dtype), static) if static is not None else tuple(x[key].shape)
    shape = tuple(value.shape)
    if shape != target:
        # TF's StridedSliceAssignBCast: leading 1s past the slice's rank drop ([[1, 2]] fits a row),
        # then the value broadcasts to the slice (never the slice to the value).
        extra = len(shape) - len(target)
        kept = shape[max(extra, 0) :]
        if any(d != 1 for d in shape[: max(extra, 0)]) or any(
            d not in (1, t) for d, t in zip(kept[::-1], target[::-1], strict=False)
        ):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"ResourceStridedSliceAssign: Cannot broadcast input shape {list(shape)} into final shape "
                f"{list(target)}: assigning a value of shape {shape} into the slice {key} of Variable "
                f"'{var.name}' (shape {tuple(x.shape)}, dtype {np.dtype(x.dtype).name}). Fix: give the value "
                "the slice's shape, or one that broadcasts to it.",
            )
        if extra > 0:
            if static is not None:
                return _slice_update(x, value, static, kept)
            value = value.reshape(kept)
    if static is not None:
        return _slice_update(x, value, static, None)
    return x.at[key].set(value)


@functools.lru_cache(maxsize=256)
def _slice_shape(shape: tuple[int, ...], dtype: np.dtype, static: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of ``x[key]`` for an ``x`` of ``shape`` and the static form of ``key`` (no trace once seen)."""
    key = tuple(slice(*k[1:]) if type(k) is tuple else k for k in static)
    return tuple(jax.eval_shape(lambda a: a[key], jax.ShapeDtypeStruct(shape, dtype)).shape)


def _queueable(current: Any, operand: Any) -> bool:
    """Whether an update of a Variable holding ``current`` by ``operand`` is queued through ``bind``
    (:meth:`Variable._update`, :func:`_slice_update`): both concrete or pending values (the operand
    may be a host value too), ops deferred, no trace staging Variable reads, no numerics checks."""
    tc, to = type(current), type(operand)
    return (
        (tc is Pending or tc is _ArrayImpl)
        and (to is Pending or to is _ArrayImpl or to in HOST_TYPES)
        and lazy.ENABLED
        and not core.staging_variable_reads
        and core.numerics_check is None
    )


def _slice_update(x: Any, value: Any, static: tuple[Any, ...], shape: tuple[int, ...] | None) -> Any:
    """``x`` with ``value`` (reshaped to ``shape`` first unless None) set at the static key: queued with
    the ops around it as one scatter (see :meth:`Variable._update`), or run at once."""
    if _queueable(x, value):
        return core.bind(_SLICE_ASSIGN, core._wrap(x), core._wrap(value), index=static, shape=shape)._v
    if type(x) is Pending:
        x = force(x)
    if type(value) is Pending:
        value = force(value)
    return _SLICE_ASSIGN.kernel((("index", static), ("shape", shape)))(x, value)


def _static_key(key: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``key`` (ints, slices, ``...``, None) in a hashable form (the ``index`` param of the sliced assignment op), else None."""
    out: list[Any] = []
    for k in key:
        if type(k) is slice and all(b is None or type(b) is int for b in (k.start, k.stop, k.step)):
            out.append(("slice", k.start, k.stop, k.step))
        elif k is None or k is Ellipsis or type(k) is int:
            out.append(k)
        else:  # (lists, arrays, NumPy integers, bools: the eager path)
            return None
    return tuple(out)


def _set_at(x: Any, value: Any, *, index: tuple[Any, ...], shape: tuple[int, ...] | None) -> Any:
    key = tuple(slice(*k[1:]) if type(k) is tuple else k for k in index)
    return x.at[key].set(value if shape is None else value.reshape(shape))


def _add(a: Any, b: Any) -> Any:
    return a + b


def _sub(a: Any, b: Any) -> Any:
    return a - b


# Assignments as ops (never recorded by tapes: no gradient flows through an assignment), so that a
# deferred one joins the queue's program (and the executable cache) instead of compiling and running
# a kernel of its own, which also computed its inputs first. A sliced assignment is one scatter per
# key, shape and dtype (eagerly, ``x.at[key].set`` dispatched each of its five primitives on its own):
# the same primitives, data movement only.
_ASSIGN_ADD = Op("AssignAddVariableOp", _add, differentiable=False)
_ASSIGN_SUB = Op("AssignSubVariableOp", _sub, differentiable=False)
_SLICE_ASSIGN = Op("ResourceStridedSliceAssign", _set_at, differentiable=False)


@jax.custom_jvp
def _assignment(current: Any, new: Any) -> Any:
    return new


@_assignment.defjvp
def _assignment_jvp(primals: tuple[Any, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    # The stored value is `new`, but it differentiates as the Variable itself: gradients of later
    # reads go to the Variable, none through the assignment into `new`'s sources (TF's rule).
    return primals[1], tangents[0]


def _no_python_value_in_trace(how: str) -> None:
    """Raises TF's error where a Variable's Python value is asked for while a tf.function is traced:
    the value at trace time would be frozen into the program (stale on every later call)."""
    from tapejax._src.function import in_trace
    from tapejax._src.tensor import _symbolic_error

    if not in_trace():
        return
    if how == "numpy":  # v.numpy(), np.asarray(v): TF's ResourceVariable.numpy
        raise NotImplementedError("numpy() is only available when eager execution is enabled.")
    if how == "index":
        raise _symbolic_error("index")
    raise _symbolic_error("bool" if how == "bool" else "numpy")  # float(v), int(v) call numpy() in TF
