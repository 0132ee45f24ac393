"""``tf.cond`` and ``tf.while_loop``: eagerly Python control flow, traced one ``lax`` op a tape records.

Traced (inside ``tf.function``), the branch and loop functions are traced into pure JAX functions of
arrays. The Variables they read become inputs of the op, and those they assign (``assign*``,
``scatter_*``, an optimizer's update) also outputs: a ``while_loop`` carries their values through
its iterations, and after the op they are written back, so a branch not taken leaves a Variable
unchanged and a read after an assignment sees the new value, as TF. The global random state is
threaded the same way when a function draws from it, and so are (read-only) the concrete Tensors an
active tape records (a watched constant): closed over, the ops on them would run outside the trace and
the gradient would not reach them. A traced ``while_loop`` is reverse-
differentiable (to any order) with a trip count known only at run time: see ``while_grad.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dataflow, errors, nest, random_state, while_grad
from tapejax._src.core import Op, TensorBase, VariableBase, _wrap, bind, tape_state
from tapejax._src.custom_gradient import _ReadLogger
from tapejax._src.function import _Discovery, _is_traced, in_trace
from tapejax._src.tape import _INEXACT, recorded_tensors
from tapejax._src.tensor import convert_python


def _array(x: Any) -> Any:
    """A leaf as an array; Python numbers with TF's dtypes (float32, int32), not jnp's 64-bit ones."""
    if isinstance(x, (TensorBase, VariableBase)):
        return x._value
    if isinstance(x, jax.Array):
        return x
    return convert_python(x, None)


class _Scope(_Discovery):
    """Stands in for the tape stack while control flow traces its functions: notes the Variables they
    read and those they assign (with their values before the first assignment, to restore them).

    A ``_Discovery``, so that code inside knows it is traced (``tf.executing_eagerly()`` is False).
    """

    def __init__(self, tracked: list[dict[int, Any]]) -> None:
        super().__init__()
        self.assigned: dict[int, Any] = {}
        self.tracked = tracked  # the Tensors the tapes outside record, by id (one dict per tape)
        self.lifted: dict[int, Any] = {}  # those of them the functions read as concrete values

    def _record(self, op: Op, params: Any, args: tuple[Any, ...], vals: Any, result: Any, reads: Any) -> None:
        for a, v in zip(args, vals, strict=False):
            if isinstance(a, VariableBase):
                self.variables.setdefault(id(a), a)
            elif isinstance(a, TensorBase) and not isinstance(v, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
                if v.dtype in _INEXACT:  # (told to an enclosing tf.function's trace: see _Functions)
                    self.tensors.setdefault(id(a), a)
                if self.tracked and any(id(a) in w for w in self.tracked):
                    self.lifted.setdefault(id(a), a)

    def _on_assign(self, var: Any) -> None:
        self.variables.setdefault(id(var), var)
        if id(var) not in self.assigned:
            self.assigned[id(var)] = var
            self.originals[id(var)] = var._value


class _Functions:
    """Functions of arrays traced into pure JAX functions, with the state they touch threaded through.

    Each function returns ``(tuple of arrays, structure)``; traced, it takes ``(*args, *state values)``
    and returns ``(*arrays, *written values)``
    (``written``: the state some function assigns); ``consts`` are the other values it closes over
    (``jax.closure_convert``). The state are Variables and the global random state, found by tracing
    until no new one appears.
    """

    def __init__(self, fns: list[Callable[..., Any]], avals: list[Any], what: str) -> None:
        self.state: list[Any] = []
        self.written: list[bool] = []
        # Variables only read whose (traced) values the functions close over: their consts stand for
        # them (bound as the Variables), with no second trace to make them state.
        self.const_vars: dict[int, Any] = {}
        # A concrete Tensor a tape outside records (a watched constant, made eagerly or inside a
        # tf.function's trace) is state too, only read: were it closed over, the ops on it would run
        # outside the trace (deferred, or folded as constants), and no input of the op would carry it.
        tracked = recorded_tensors()
        for _ in range(8):
            scope = _Scope(tracked)
            self.trees: list[Any] = []
            self.fns: list[Any] = []
            self.consts: list[list[Any]] = []
            self.rng_drawn = False
            self.assigns: list[bool] = []
            for fn in fns:
                before = len(scope.assigned)
                f, consts = _closure_convert(self._pure(fn, scope), *avals, *self._state_avals())
                self.fns.append(f)
                self.consts.append(list(consts))
                self.assigns.append(len(scope.assigned) > before)
            new_reads = [v for v in scope.variables.values() if all(v is not s for s in self.state)]
            # The concrete Tensors read are captured by an enclosing trace (tf.function, control flow):
            # it lifts them where a tape records them (Function._lifting_recorded).
            for outer in tape_state.tapes:
                if isinstance(outer, _Discovery):
                    for k, t in scope.tensors.items():
                        outer.tensors.setdefault(k, t)
            new_tensors = [t for t in scope.lifted.values() if all(t is not s for s in self.state)]
            if not scope.assigned and not self.rng_drawn and not new_tensors and self._closed_over(new_reads):
                self.const_vars = {id(v._v): v for v in new_reads}
                return
            grown = False
            for v in [*scope.variables.values(), *new_tensors]:
                if all(v is not s for s in self.state):
                    self.state.append(v)
                    self.written.append(False)
                    grown = True
            for v in [*scope.assigned.values(), *([random_state.GLOBAL] if self.rng_drawn else [])]:
                i = next(i for i, s in enumerate([*self.state, v]) if s is v)
                if i == len(self.state):
                    self.state.append(v)
                    self.written.append(True)
                    grown = True
                elif not self.written[i]:
                    self.written[i] = True
                    grown = True
            if not grown:
                return
        raise RuntimeError(f"{what}: the Variables its functions touch kept changing between traces.")

    def _closed_over(self, variables: list[Any]) -> bool:
        """Whether each Variable's value is a traced value among the hoisted consts."""
        ids = {id(c) for cs in self.consts for c in cs}
        return all(isinstance(v._v, jax.core.Tracer) and id(v._v) in ids for v in variables)  # pyright: ignore[reportAttributeAccessIssue]

    def _state_avals(self) -> list[Any]:
        return [jax.ShapeDtypeStruct(np.shape(s._value), s._value.dtype) for s in self.state]

    def _pure(self, fn: Callable[..., Any], scope: _Scope) -> Callable[..., Any]:
        def run(*arrays: Any) -> tuple[Any, ...]:
            n = len(arrays) - len(self.state)
            saved_tapes = tape_state.tapes
            saved = [s._value for s in self.state]
            rng = random_state.GLOBAL
            rng_before = rng._value
            tape_state.tapes = [scope]  # type: ignore[list-item]
            try:
                for s, a in zip(self.state, arrays[n:], strict=True):
                    s._value = a
                rng_in = rng._value
                out, tree = fn(*arrays[:n])
                if rng._value is not rng_in:
                    self.rng_drawn = True
                new = [s._value for s, w in zip(self.state, self.written, strict=True) if w]
            finally:
                tape_state.tapes = saved_tapes
                for k, v in scope.assigned.items():
                    if all(v is not s for s in self.state):
                        v._value = scope.originals[k]
                for s, a in zip(self.state, saved, strict=True):
                    s._value = a
                rng._value = rng_before
            self.trees.append(tree)
            return (*out, *new)

        return run

    def inputs(self) -> list[Any]:
        """The state as op inputs: Variables and Tensors themselves (so that tapes see their reads), the random key."""
        return [s if isinstance(s, (VariableBase, TensorBase)) else s._value for s in self.state]

    def write_back(self, values: list[Any]) -> None:
        """Assigns the written state's new values (after telling tf.function traces, as ``assign`` does)."""
        it = iter(values)
        for s, w in zip(self.state, self.written, strict=True):
            if not w:
                continue
            v = next(it)._value
            if isinstance(s, VariableBase):
                for tape in tape_state.tapes:
                    hook = getattr(tape, "_on_assign", None)
                    if hook is not None:
                        hook(s)
                s._assign_array(v)  # type: ignore[attr-defined]
            else:
                s._value = v


def _closure_convert(fn: Callable[..., Any], *avals: Any) -> tuple[Callable[..., Any], list[Any]]:
    """``jax.closure_convert`` hoisting EVERY traced value ``fn`` closes over (it keeps integer ones
    closed over: a loop bound read by ``cond`` would then leak into a later trace of the op)."""
    closed = jax.make_jaxpr(fn)(*avals)
    consts = list(closed.consts)
    pos = [i for i, c in enumerate(consts) if isinstance(c, jax.core.Tracer)]  # pyright: ignore[reportAttributeAccessIssue]
    jaxpr = closed.jaxpr

    def converted(*args: Any) -> tuple[Any, ...]:
        n = len(args) - len(pos)
        cs = list(consts)
        for i, v in zip(pos, args[n:], strict=True):
            cs[i] = v
        return tuple(jax.core.eval_jaxpr(jaxpr, cs, *args[:n]))

    return converted, [consts[i] for i in pos]


def _leaves(structure: Any, what: str) -> list[Any]:
    """The arrays of ``structure``'s leaves (None leaves left out)."""
    out = []
    for x in nest.flatten(structure):
        if x is None:
            continue
        if _is_tensor_array(x):
            out.append(x._dense()._value)
            continue
        if not isinstance(x, (TensorBase, VariableBase, jax.Array, np.ndarray, np.generic, int, float, bool, complex)):
            raise TypeError(f"{what}: cannot convert {x!r} (a {type(x).__name__}) to a Tensor.")
        out.append(_array(x))
    return out


def _pack(structure: Any, values: list[Any]) -> Any:
    """``structure`` with its (not None) leaves replaced by ``values``, arrays wrapped as Tensors (a
    TensorArray leaf: a TensorArray holding its value as its elements)."""
    it = iter(values)
    leaves = []
    for x in nest.flatten(structure):
        if x is None:
            leaves.append(None)
        elif _is_tensor_array(x):
            leaves.append(x._like(_as_tensor(next(it))))
        else:
            leaves.append(_as_tensor(next(it)))
    return nest.pack_sequence_as(structure, leaves)


def _as_tensor(v: Any) -> Any:
    return v if isinstance(v, TensorBase) else _wrap(v)


def _is_tensor_array(x: Any) -> bool:
    from tapejax._src.tensor_array import TensorArray

    return isinstance(x, TensorArray)


def _pack_vars(structure: Any, values: list[Any], templates: list[Any]) -> Any:
    """The loop vars ``structure`` holding ``values``: a TensorArray (its template) holds its value as
    its elements Tensor (a probing stand-in is passed as it is)."""
    leaves = []
    for v, t in zip(values, templates, strict=True):
        if _is_tensor_array(t):
            leaves.append(t if t._probe else t._like(_as_tensor(v)))
        else:
            leaves.append(_as_tensor(v))
    return nest.pack_sequence_as(structure, leaves)


def _probe_element_shapes(body: Callable[..., Any], structure: Any, flat: list[Any]) -> None:
    """Traces ``body`` once to learn the element shapes of TensorArray loop vars it writes (TF infers
    them from the first write); the arrays' element shapes are set from it."""
    unknown = [k for k, x in enumerate(flat) if _is_tensor_array(x) and x._buf is None and not x._known_element_shape()]
    if not unknown:
        return
    templates = [x._probe_copy() if k in unknown else x for k, x in enumerate(flat)]
    arrays = [np.zeros((), np.int32) if _is_tensor_array(x) and k in unknown else None for k, x in enumerate(flat)]
    avals = []
    for k, x in enumerate(flat):
        a = arrays[k] if arrays[k] is not None else _leaves([x], "tf.while_loop")[0]
        avals.append(jax.ShapeDtypeStruct(np.shape(a), a.dtype))

    def probe(*values: Any) -> Any:
        body(*_as_args(_pack_vars(structure, list(values), templates)))
        return (), None

    _Functions([probe], avals, "tf.while_loop")
    for k in unknown:
        flat[k]._element_shape = templates[k]._element_shape


def _symbolic(structure: Any) -> Any:
    """``structure`` with its leaves as TF prints a graph's values (for error messages)."""

    def show(x: Any) -> Any:
        if isinstance(x, (TensorBase, VariableBase)):
            a = x._value
            return _Shown(f"Tensor(shape={tuple(np.shape(a))}, dtype={np.dtype(a.dtype).name})")
        return x

    return nest.map_structure(show, structure)


class _Shown:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _check_branches(trees: list[Any], names: list[str], op: str) -> None:
    """TF's check that branches return the same structure and dtypes (cond_v2._check_same_outputs)."""

    def error(b: int, detail: str) -> TypeError:
        return TypeError(
            f"{names[0]} and {names[b]} arguments to {op} must have the same number, type, and overall structure "
            f"of return values.\n\n{names[0]} output: {_symbolic(trees[0])!r}\n{names[b]} output: "
            f"{_symbolic(trees[b])!r}\n\nError details:\n{detail}"
        )

    for b in range(1, len(trees)):
        try:
            nest.assert_same_structure(trees[0], trees[b])
        except (ValueError, TypeError) as e:
            raise error(b, str(e)) from None
        for x, y in zip(nest.flatten(trees[0]), nest.flatten(trees[b]), strict=True):
            if (x is None) != (y is None):
                raise error(b, f"{x!r} and {y!r} have different types")
            if x is None:
                continue
            if _is_tensor_array(x) != _is_tensor_array(y):
                raise error(b, f"{x!r} and {y!r} have different types")
            a, c = _spec(x), _spec(y)
            if a.dtype != c.dtype:
                raise error(b, f"{_symbolic(x)!r} and {_symbolic(y)!r} have different types")
            if np.shape(a) != np.shape(c):
                raise ValueError(
                    f"{op}: {names[0]} returns a value of shape {tuple(np.shape(a))} where {names[b]} returns shape "
                    f"{tuple(np.shape(c))}. Inside tf.function tapejax needs branch outputs of equal shapes (TF "
                    "would give the result an unknown shape). Fix: reshape or pad one of them."
                )


def _spec(x: Any) -> Any:
    """The shape and dtype of a traced output leaf (read, not computed: its trace has ended)."""
    if _is_tensor_array(x):
        shape = x._buf.shape.as_list() if x._buf is not None else [len(x._tensors), *x._merged_shape().as_list()]
        return jax.ShapeDtypeStruct(tuple(shape), x.dtype.as_numpy_dtype)
    a = _array(x)
    return jax.ShapeDtypeStruct(np.shape(a), a.dtype)


def _as_pred(x: Any, what: str) -> Any:
    """A traced condition as a scalar bool array; otherwise TF's InvalidArgumentError (its kernels'
    words: ``Switch`` for ``tf.cond``'s ``pred``, ``LoopCond`` for a ``tf.while_loop``'s ``cond``)."""
    a = _array(x)
    if a.dtype != np.bool_:
        arg, node = ("pred", "Switch") if what == "tf.cond" else ("input", "LoopCond")
        raise errors.InvalidArgumentError(
            None,
            None,
            f"{what}: Input '{arg}' passed {np.dtype(a.dtype).name} expected bool ({node}). Fix: compare it, e.g. "
            "x > 0, or tf.cast it to tf.bool.",
        )
    if np.shape(a) != ():
        raise errors.InvalidArgumentError(
            None, None, f"{what}: The second input must be a scalar, but it has shape {list(np.shape(a))}"
        )
    return a


def cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    name: str | None = None,
) -> Any:
    """Runs ``true_fn()`` if ``pred`` else ``false_fn()`` (``tf.cond``).

    Eagerly only the taken branch runs (and is recorded by tapes, so gradients flow through it, as in
    TF). Inside ``tf.function`` both branches are traced into one ``lax.cond``, an op tapes record;
    Variables assigned in a branch are written back after it (unchanged if that branch is not taken).

    Raises:
      TypeError: (traced) if the branches return different structures or dtypes (TF's message), or
        ``pred`` is a Python bool inside ``tf.function`` (as TF).
      ValueError: (traced) if they return different shapes (see below).
      InvalidArgumentError: (traced) if ``pred`` is not a scalar bool (TF's class).

    Differences from TensorFlow: traced branches must return equal shapes (TF gives the result an
    unknown shape); a structure mismatch with different numbers of values is TF's ``TypeError`` too
    (TF 2.21 raises a bare ``AssertionError`` there).

    >>> import tapejax as tf
    >>> v = tf.Variable(1.0)
    >>> f = tf.function(lambda p: tf.cond(p, lambda: v.assign_add(1.0) * 10.0, lambda: v * 1.0))
    >>> print(f(tf.constant(True)).numpy(), v.numpy(), f(tf.constant(False)).numpy(), v.numpy())
    20.0 2.0 2.0 2.0
    """
    if true_fn is None or false_fn is None:
        raise TypeError("tf.cond: true_fn and false_fn are required.")
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    if isinstance(pred, bool) and in_trace():
        raise TypeError("pred must not be a Python bool", pred)  # TF's (graph) check
    if not _is_traced(pred):
        return true_fn() if bool(pred) else false_fn()
    p = _as_pred(pred, "tf.cond")

    def arrays_of(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            y = fn()
            return tuple(_leaves(y, "tf.cond")), y

        return run

    fns = _Functions([arrays_of(true_fn), arrays_of(false_fn)], [], "tf.cond")
    _check_branches(fns.trees, ["true_fn", "false_fn"], "tf.cond")
    return _run_branches("Cond", p, fns)


def _run_branches(name: str, index: Any, fns: _Functions) -> Any:
    """One ``lax.cond``/``lax.switch`` op over the traced branches; the written state is assigned after."""
    ns = len(fns.state)
    sizes = [len(c) for c in fns.consts]
    offsets = np.cumsum([0, *sizes])
    branches = fns.fns

    def impl(i: Any, *args: Any) -> Any:
        state, consts = args[:ns], args[ns:]
        calls = [
            (lambda f=f, a=a, b=b: tuple(f(*state, *consts[a:b])))
            for f, a, b in zip(branches, offsets[:-1], offsets[1:], strict=True)
        ]
        if len(calls) == 2 and i.dtype == np.bool_:
            return jax.lax.cond(i, calls[0], calls[1])
        return jax.lax.switch(i, calls)

    out = _bind(name, impl, [index, *fns.inputs()], [c for cs in fns.consts for c in cs], variables=fns.const_vars)
    n_out = len(out) - sum(fns.written)
    fns.write_back(out[n_out:])
    return _pack(fns.trees[0], out[:n_out])


def while_loop(
    cond: Callable[..., Any],
    body: Callable[..., Any],
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    maximum_iterations: Any = None,
    name: str | None = None,
) -> Any:
    """Repeats ``body`` while ``cond`` is true (``tf.while_loop``); returns the final loop vars.

    Eagerly this is a Python loop (differentiable on a tape, as TF eager). Inside ``tf.function`` it
    is one op tapes record, a ``lax.while_loop`` that a gradient differentiates with a trip count
    known only at run time (``while_grad.py``: the states are kept in a buffer of a static size,
    thinned when it fills), to any order; ``back_prop=False`` gives no gradient, as TF's. Variables
    the body assigns are carried through the loop and written back after it.

    Raises:
      ValueError: (traced) if the body returns another structure than ``loop_vars``, or a loop var
        changes shape (TF's messages).
      TypeError: (traced) if a loop var changes dtype (TF's message).

    Differences from TensorFlow: a traced loop var cannot change shape, even with
    ``shape_invariants`` (XLA's shapes are static); ``cond`` may not assign Variables.

    >>> import tapejax as tf
    >>> x = tf.Variable(2.0)
    >>> @tf.function
    ... def f(n):
    ...     with tf.GradientTape() as tape:
    ...         _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x), (0, tf.constant(1.0)))
    ...     return y, tape.gradient(y, x)
    >>> print([t.numpy() for t in f(tf.constant(3))])  # x ** 3 and 3 * x ** 2
    [np.float32(8.0), np.float32(12.0)]
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if loop_vars is None or (isinstance(loop_vars, (list, tuple, dict)) and not loop_vars):
        raise ValueError("'loop_vars' must be provided.")
    leaves = nest.flatten(loop_vars)
    # Inside tf.function the loop is traced even over Python numbers, as TF builds a graph loop (the
    # condition may read a traced value).
    if not in_trace() and not any(_is_traced(x) for x in leaves) and not _is_traced(maximum_iterations):
        return _eager_while(cond, body, loop_vars, maximum_iterations)
    return _traced_while(cond, body, loop_vars, back_prop, maximum_iterations)


def _eager_while(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, maximum_iterations: Any) -> Any:
    """TF's eager loop: Python, the structure checked after each step, the results converted to Tensors."""
    from tapejax._src.ops.array_ops import convert_to_tensor

    vars_ = loop_vars
    limit = None if maximum_iterations is None else int(maximum_iterations)
    i = 0
    while (limit is None or i < limit) and bool(cond(*_as_args(vars_))):
        vars_ = body(*_as_args(vars_))
        if isinstance(loop_vars, (list, tuple)):
            nest.assert_same_structure(list(loop_vars), list(vars_))
        i += 1
    return nest.map_structure(lambda x: x if _is_tensor_array(x) else convert_to_tensor(x), vars_)


def _traced_while(
    cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, back_prop: bool, maximum_iterations: Any
) -> Any:
    structure = loop_vars
    flat = nest.flatten(loop_vars)
    if any(x is None for x in flat):
        raise ValueError("tf.while_loop: a loop var is None; every loop var must be a Tensor or a Python number.")
    _probe_element_shapes(body, structure, flat)
    init = _leaves(loop_vars, "tf.while_loop")
    avals = [jax.ShapeDtypeStruct(np.shape(a), a.dtype) for a in init]

    def cond_fn(*arrays: Any) -> tuple[Any, ...]:
        return (_as_pred(cond(*_as_args(_pack_vars(structure, list(arrays), flat))), "tf.while_loop"),), None

    def body_fn(*arrays: Any) -> tuple[Any, ...]:
        out = body(*_as_args(_pack_vars(structure, list(arrays), flat)))
        if not nest.is_nested(out):
            out = [out]
        try:
            nest.assert_same_structure(out, structure, check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(str(e)) from None
        new = _leaves(out, "tf.while_loop")
        for k, (a, b) in enumerate(zip(init, new, strict=True)):
            if a.dtype != b.dtype:
                raise TypeError(
                    f"Loop var loop_vars[{k}] enters the loop with type {_dtype_name(a)} but has type "
                    f"{_dtype_name(b)} after 1 iteration. loop_vars[{k}] type should remain constant."
                )
            if np.shape(a) != np.shape(b):
                raise ValueError(
                    f"Input tensor `loop_vars[{k}]` enters the loop with shape {_shape_str(a)}, but has shape "
                    f"{_shape_str(b)} after one iteration. To allow the shape to vary across iterations, use the "
                    "`shape_invariants` argument of tf.while_loop to specify a less-specific shape. (tapejax: "
                    "inside tf.function a loop var's shape cannot vary, even with shape_invariants.)"
                )
        return tuple(new), None

    fns = _Functions([cond_fn, body_fn], avals, "tf.while_loop")
    if fns.assigns[0]:
        raise ValueError("tf.while_loop: tapejax does not support Variable assignments in `cond` (only in `body`).")
    limit = maximum_iterations
    if isinstance(limit, (TensorBase, VariableBase)):
        limit = limit._value
    static_limit = limit if isinstance(limit, int) or (limit is None) else None
    nx = len(init)
    written = fns.written
    ns = len(fns.state)
    c_fn, b_fn = fns.fns
    nc = len(fns.consts[0])
    carry_state = [a for a, w in zip(fns.state, written, strict=True) if w]
    cap = while_grad.default_capacity((*init, *[s._value for s in carry_state]))
    if static_limit is not None:
        cap = min(cap, max(2, static_limit))
    counted = limit is not None

    def state_of(carried: Any, fixed: Any) -> list[Any]:
        it_c, it_f = iter(carried), iter(fixed)
        return [next(it_c) if w else next(it_f) for w in written]

    def impl(*args: Any, plain: bool = False) -> tuple[Any, ...]:
        x0, st, rest = args[:nx], args[nx : nx + ns], args[nx + ns :]
        lim, rest = (rest[0], rest[1:]) if counted and static_limit is None else (static_limit, rest)
        cc, bc = rest[:nc], rest[nc:]
        carried0 = [a for a, w in zip(st, written, strict=True) if w]
        fixed = tuple(a for a, w in zip(st, written, strict=True) if not w)
        k_fixed = len(fixed)

        def c(x: Any, k: Any) -> Any:
            t, xs = (x[0], x[1:]) if counted else (None, x)
            go = c_fn(*xs[:nx], *state_of(xs[nx:], k[:k_fixed]), *k[k_fixed : k_fixed + nc])[0]
            return go if t is None else jnp.logical_and(t < k[-1], go)

        def b(x: Any, k: Any) -> Any:
            t, xs = (x[0], x[1:]) if counted else (None, x)
            out = b_fn(*xs[:nx], *state_of(xs[nx:], k[:k_fixed]), *k[k_fixed + nc : len(k) - counted])
            return out if t is None else (t + 1, *out)

        t0 = (jnp.zeros((), jnp.asarray(lim).dtype),) if counted else ()
        x = (*t0, *x0, *carried0)
        k = (*fixed, *cc, *bc, *((jnp.asarray(lim),) if counted else ()))
        if plain:
            out = jax.lax.while_loop(lambda x: c(x, k), lambda x: tuple(b(x, k)), x)
        else:
            out = while_grad.while_loop(c, b, x, k, capacity=cap)
        return tuple(out[1:] if counted else out)

    dyn_limit = [limit] if counted and static_limit is None else []
    out = _bind(
        "While",
        impl,
        [*init_inputs(loop_vars), *fns.inputs(), *dyn_limit],
        [*fns.consts[0], *fns.consts[1]],
        variables=fns.const_vars,
        differentiable=back_prop,
        jvp_impl=lambda *a: impl(*a, plain=True),
    )
    fns.write_back(out[nx:])
    return _pack_vars(structure, out[:nx], flat)


def init_inputs(loop_vars: Any) -> list[Any]:
    """The loop vars as op inputs: Tensors and Variables themselves (tapes follow them), a
    TensorArray's elements Tensor, else arrays."""
    return [
        x._dense() if _is_tensor_array(x) else x if isinstance(x, (TensorBase, VariableBase)) else _array(x)
        for x in nest.flatten(loop_vars)
    ]


def _dtype_name(a: Any) -> str:
    from tapejax._src import dtypes as dtypes_lib

    return f"<dtype: '{dtypes_lib.from_numpy(np.dtype(a.dtype)).name}'>"


def _shape_str(a: Any) -> str:
    from tapejax._src.tensor import TensorShape

    return str(TensorShape(np.shape(a)))


def _bind(
    name: str,
    impl: Callable[..., Any],
    inputs: list[Any],
    consts: list[Any],
    differentiable: bool = True,
    jvp_impl: Callable[..., Any] | None = None,
    variables: dict[int, Any] | None = None,
) -> list[Any]:
    """Runs traced control flow as ONE op of ``inputs`` and the closed-over ``consts`` (a const that is
    a Variable's value, ``variables`` by id, goes in as that Variable, one a tape watches as that
    Tensor, so that tapes see the read and the gradient reaches it)."""
    known: dict[int, Any] = dict(variables or {})
    for tape in tape_state.tapes:
        for t in getattr(tape, "_watched", {}).values():
            known.setdefault(id(t._v), t)
    args = [*inputs, *[known.get(id(c), c) for c in consts]]
    op = Op(
        name,
        impl,
        multiple_results=True,
        runs_user_code=True,
        differentiable=differentiable,
        jvp_impl=jvp_impl,
        deps=dataflow.vjp_deps_of(impl),
    )
    return list(bind(op, *args))


# -- the older machinery recompute_grad / vectorized_map use (functional_ops._as_op) --------------


class _Reads(_ReadLogger):
    """A stand-in tape noting the Variables that traced control flow's functions read, and the concrete
    Tensors that active tapes record (``tensors``, by id)."""

    def __init__(self) -> None:
        super().__init__()
        self.tracked = recorded_tensors()
        self.tensors: dict[int, Any] = {}

    def _record(self, op: Op, params: Any, args: tuple[Any, ...], vals: Any, result: Any, reads: Any) -> None:
        super()._record(op, params, args, vals, result, reads)
        if not self.tracked:
            return
        for a, v in zip(args, vals, strict=False):
            if (
                isinstance(a, TensorBase)
                and not isinstance(v, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]
                and any(id(a) in w for w in self.tracked)
            ):
                self.tensors.setdefault(id(a), a)


def _reads() -> _Reads:
    """A new :class:`_Reads`."""
    return _Reads()


def _untaped(fn: Callable[..., Any], reads: Any) -> Callable[..., Any]:
    """``fn`` run with no gradient tape recording (the op built from it is what tapes record);
    ``reads`` notes the Variables it reads, and tf.function's discovery still sees them."""

    def run(*args: Any) -> Any:
        saved = tape_state.tapes
        tape_state.tapes = [reads, *[t for t in saved if isinstance(t, _Discovery)]]  # type: ignore[list-item]
        try:
            return fn(*args)
        finally:
            tape_state.tapes = saved

    return run


def _traced_op(
    name: str, impl: Callable[..., Any], inputs: list[Any], consts: list[Any], reads: Any, captures: bool = True
) -> list[Any]:
    """Runs traced control flow as ONE op (``impl`` of ``inputs``, then the values its functions
    close over, from ``jax.closure_convert``), so that active tapes record it: a closed-over value a
    tape knows (a watched Tensor, a Variable read) goes in as that Tensor or Variable, and the
    gradient flows through the op (``captures`` False: not for Tensors, TF's ``custom_gradient`` rule)."""
    known: dict[int, Any] = {id(v._v): v for v in reads.variables.values()}
    for tape in tape_state.tapes:
        if captures:
            for t in getattr(tape, "_watched", {}).values():
                known.setdefault(id(t._v), t)
        for v in getattr(tape, "_vars", {}).values():
            known.setdefault(id(v._v), v)
    args = [*inputs, *[known.get(id(c), c) for c in consts]]
    op = Op(name, impl, multiple_results=True, runs_user_code=True, deps=dataflow.vjp_deps_of(impl))
    return list(bind(op, *args))


def _as_args(loop_vars: Any) -> tuple[Any, ...]:
    return tuple(loop_vars) if isinstance(loop_vars, (list, tuple)) else (loop_vars,)
