"""``tf.function`` on ``jax.jit`` (``tf.cond`` / ``tf.while_loop`` are in ``control_flow``).

A call finds its trace by TF's rules (tensors by shape and dtype, Variable arguments by shape and
dtype, Python values by value; a signature's None dims admit every length), tracing the Python body
once into a jaxpr when none fits (concrete_function.py). The Variables it reads or assigns are
discovered while tracing and lifted to explicit inputs and outputs of the compiled program, never
baked in as constants; assignments are written back after each call. A NumPy argument is handed to
the compiled program as a private host copy (JAX transfers it within the call), not made a Tensor first.
The old values of the Variables a call overwrites are donated to XLA when nothing else holds them
(see ``Function._run``), so a training step keeps one copy of each weight and optimizer slot.
Tensors the body captures are constants of the program, inputs of a variant traced for calls under a
tape that records them (``Function._lifting_recorded``).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax._src import core as _jax_core

from tapejax._src import config, core, errors, function_type
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.concrete_function import (
    Ambiguous,
    ConcreteFunction,
    Program,
    check_error,
    detach_from_trace,
    trace_body,
)
from tapejax._src.core import Op, TensorBase, VariableBase, _wrap, concrete, tape_state
from tapejax._src.tape import _INEXACT, in_order_of, order_skeleton, recorded_tensors
from tapejax._src.tensor import (
    GRAPH_ADVICE,
    SymbolicArrayError,
    SymbolicAttributeError,
    SymbolicTypeError,
    Tensor,
    convert_python,
)
from tapejax._src.tensor_spec import TensorSpec


class _Discovery:
    """Stands in for the tape stack while tracing: notes every Variable an op reads or assigns."""

    def __init__(self) -> None:
        self.variables: dict[int, Any] = {}
        self.originals: dict[int, Any] = {}  # values before the trace, restored after it
        self.tensor_ids: set[int] = set()  # the concrete arrays of other op arguments (captured Tensors)
        self.tensors: dict[int, Any] = {}  # the floating Tensors among them (a tape may watch them), by id
        self._watched: dict[int, Any] = {}
        self._exits: dict[int, Any] = {}

    def _record(self, op: Op, params: Any, args: tuple[Any, ...], vals: Any, result: Any, reads: Any) -> None:
        for a, v in zip(args, vals, strict=False):
            if isinstance(a, VariableBase):
                self._on_assign(a)
            elif not isinstance(v, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
                self.tensor_ids.add(id(v))
                if isinstance(a, TensorBase) and v.dtype in _INEXACT and id(a) not in self.tensors:
                    self.tensors[id(a)] = a

    def _on_assign(self, var: Any) -> None:
        if id(var) not in self.variables:
            self.variables[id(var)] = var
            self.originals[id(var)] = var._value


def in_trace() -> bool:
    """Whether a tf.function is being traced (its body runs on symbolic values)."""
    return any(isinstance(t, _Discovery) for t in tape_state.tapes)


class _XlaTraces(threading.local):
    def __init__(self) -> None:
        self.depth = 0


_xla_traces = _XlaTraces()


def in_xla_compiled_trace() -> bool:
    """Whether a ``jit_compile=True`` function is being traced (TF compiles its body, and the
    functions it calls, with XLA: a float cast to an integer saturates there, NaN giving 0)."""
    return _xla_traces.depth > 0


def lifted_states() -> list[Any]:
    """Global mutable states lifted like Variables (the random generator's key)."""
    from tapejax._src import random_state

    return [random_state.GLOBAL]


def _is_tensor_leaf(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase, np.ndarray, np.generic, jax.Array, TensorSpec))


# JAX's errors for reading a traced value in Python: TF's OperatorNotAllowedInGraphError case.
_TRACER_VALUE_ERRORS = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
)


class InaccessibleTensorError(ValueError):
    """A tensor made in a loop, branch or other nested trace was used outside it (TF's
    ``InaccessibleTensorError``, a ``ValueError``; ``list.append`` in an AutoGraph loop is the usual cause)."""


_OUT_OF_SCOPE = (
    "A tensor defined inside a loop, branch or other nested function is out of scope and cannot be used here. "
    "Use return values, explicit Python locals or TensorFlow collections to access it.\nPlease see "
    "https://www.tensorflow.org/guide/function#all_outputs_of_a_tffunction_must_be_return_values for more "
    "information."
)
_SYMBOLIC_ERRORS = (SymbolicTypeError, SymbolicAttributeError, SymbolicArrayError)


def _already_tf(e: Exception) -> bool:
    """Whether a conversion error from the body passes out as it is (all but ``bool()``'s, which gets a hint)."""
    if isinstance(e, errors.OperatorNotAllowedInGraphError):
        text = str(e)
        return not text.startswith("Using a symbolic `tf.Tensor` as a Python `bool`") or "(tf.function " in text
    return isinstance(e, _SYMBOLIC_ERRORS)


class _TracingInvalidArgumentError(errors.InvalidArgumentError, ValueError):
    """An op's InvalidArgumentError raised while tracing, also a ValueError.

    TF finds static shape errors while building the graph and raises ValueError there (InvalidArgumentError
    when eager); tapejax's ops raise InvalidArgumentError in both modes, so inside ``tf.function`` the
    error is both: ``except ValueError`` (TF graph code) and ``except tf.errors.InvalidArgumentError``
    (eager code) each catch it.
    """


_TENSOR_CONVERSIONS = {"__bool__": "bool", "__float__": "float", "__int__": "int", "__index__": "int", "numpy": "numpy"}


def _conversion_of(e: Exception) -> str:
    """Which Python conversion of a symbolic Tensor raised JAX's error ``e``: the innermost Tensor or
    Variable method among its frames (``bool``, ``float``, ``int``, ``numpy``), else JAX's own words."""
    found = ""
    tb = e.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in _TENSOR_CONVERSIONS and code.co_filename.endswith(("tensor.py", "variable.py")):
            found = _TENSOR_CONVERSIONS[code.co_name]
        tb = tb.tb_next
    if found:
        return found
    text = str(e)
    if isinstance(e, jax.errors.TracerArrayConversionError):
        return "array"
    if "`float` function" in text:
        return "float"
    if isinstance(e, jax.errors.TracerIntegerConversionError) or "`int` function" in text:
        return "int"
    return "bool"


def _tracer_error(e: Exception, name: str) -> Exception:
    """TF's error for a symbolic tensor used as a Python value, from JAX's (what the tensor was asked for)."""
    how = _conversion_of(e)
    if how == "numpy":
        return AttributeError("'SymbolicTensor' object has no attribute 'numpy'")
    if how == "array":
        return NotImplementedError(
            "Cannot convert a symbolic tf.Tensor to a numpy array. This error may indicate that you're trying to "
            "pass a Tensor to a NumPy call, which is not supported."
        )
    if how == "float":
        return TypeError("float() argument must be a string or a real number, not 'SymbolicTensor'")
    if how == "int":
        return TypeError("int() argument must be a string, a bytes-like object or a real number, not 'SymbolicTensor'")
    return errors.OperatorNotAllowedInGraphError(
        f"Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. {GRAPH_ADVICE} (tf.function {name}: "
        "with autograph=False, a Python `if`/`while` on a tensor needs tf.cond / tf.while_loop.)"
    )


class _Entry:
    """One trace as TF counts it: the argument types (tensors as specs, None dims allowed) and the
    programs compiled for the concrete shapes called so far (one when no dim is None)."""

    def __init__(self, fn: Function, arg_tree: Any, key: tuple[Any, ...], specs: list[Any], arg_order: Any) -> None:
        self.function = fn
        self.arg_tree = arg_tree
        self.key = key  # per leaf: None for a tensor, else its key part; then the Variables' aliasing
        self.specs = specs  # per leaf: a TensorSpec for a tensor, else the leaf (a Variable, a Python value)
        self.arg_order = arg_order
        self.programs: dict[Any, Any] = {}
        self._outputs: Any = None

    def admits(self, arg_tree: Any, key: tuple[Any, ...], specs: list[Any]) -> bool:
        """Whether a call of this static key with tensors of ``specs`` fits (TF: a subtype of this trace)."""
        if arg_tree != self.arg_tree or key != self.key:
            return False
        for mine, spec in zip(self.specs, specs, strict=True):
            if isinstance(spec, TensorSpec) and not _admits(mine, spec):
                return False
        return True

    def _arguments(self, leaves: list[Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return in_order_of(self.arg_order, jax.tree_util.tree_unflatten(self.arg_tree, leaves))

    def structured_input_signature(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        args, kwargs = self._arguments(list(self.specs))
        names = function_type.parameter_names(self.function.python_function, len(args), list(kwargs))

        def named(x: Any, name: str) -> Any:
            if isinstance(x, TensorSpec) and x.name is None:
                return TensorSpec(x.shape, x.dtype, name)
            return x

        args = tuple(named(a, n) for a, (n, _) in zip(args, names, strict=False))
        return args, kwargs

    def captured_variables(self) -> list[Any]:
        program = next(iter(self.programs.values()), None)
        return [] if program is None else [*program.extra, *program.read, *program.assigned]

    def structured_outputs(self) -> Any:
        if self._outputs is None:
            program = next(iter(self.programs.values()), None)
            if program is not None and all(s.shape.is_fully_defined() for s in self._tensor_specs()):
                self._outputs = program.out_meta[4]
            else:
                self._outputs = self._abstract_outputs()
        return self._outputs

    def _tensor_specs(self) -> list[TensorSpec]:
        return [s for s in self.specs if isinstance(s, TensorSpec)]

    def _abstract_outputs(self) -> Any:
        """The output specs for None dims: the body traced abstractly at two sizes (dims that differ: None)."""
        runs = []
        for size in (83, 89):
            avals = [
                (tuple(size if d is None else d for d in (s.shape.as_list() or [])), s.dtype._np)
                for s in self._tensor_specs()
            ]
            if any(s.shape.rank is None for s in self._tensor_specs()):
                raise ValueError("tf.function: the outputs of a signature of unknown rank are not known before a call.")
            runs.append(self.function._trace(self, avals, [], dry=True).out_meta[4])
        first, second = runs
        return jax.tree_util.tree_map(
            lambda a, b: (
                TensorSpec([x if x == y else None for x, y in zip(a.shape, b.shape, strict=True)], a.dtype)
                if isinstance(a, TensorSpec)
                else a
            ),
            first,
            second,
            is_leaf=lambda s: s is None,
        )

    def pretty(self, verbose: bool) -> str:
        args, kwargs = self._arguments(list(self.specs))  # (specs not named after the parameters, as TF)
        names = function_type.parameter_names(self.function.python_function, len(args), list(kwargs))
        values = [*args, *kwargs.values()]
        out = function_type.type_text(self.structured_outputs())
        if not verbose:
            parts = []
            star = False
            for (name, kind), v in zip(names, values, strict=True):
                if kind == "KEYWORD_ONLY" and not star:
                    parts.append("*")
                    star = True
                parts.append(f"{name}: {function_type.type_text(v)}")
            return f"({', '.join(parts)}) -> {out}"
        lines = ["Input Parameters:"]
        lines += [f"  {n} ({k}): {function_type.type_text(v)}" for (n, k), v in zip(names, values, strict=True)]
        lines += ["Output Type:", f"  {out}"]
        captured = self.captured_variables()
        lines.append("Captures:")
        lines += [f"  {id(v)}: {TensorSpec(tuple(v.shape), v.dtype)!r}" for v in captured] or ["  None"]
        return "\n".join(lines)


class Function:
    """A TF-style compiled function (``tf.function``): traced once per input signature, run by XLA.

    TF's tracing rules: a call traces again for new tensor shapes or dtypes, new Python argument
    values (compared by value: ``1``, ``1.0`` and ``True`` share a trace; other objects by ``==``,
    so by identity unless they define it), a new structure (a list stays a Python list inside), a
    Variable argument of a new shape or dtype (two Variables of one shape share a trace).
    ``experimental_get_tracing_count`` counts each trace. Variables read or assigned inside are
    lifted to inputs/outputs of the compiled program and written back after each call; the global
    random generator is lifted too. Under an active ``GradientTape`` a call is recorded as one
    differentiable node. Python constants returned become Tensors.

    >>> import tapejax as tf
    >>> v = tf.Variable(1.0)
    >>> @tf.function
    ... def step(x):
    ...     v.assign_add(x)
    ...     return v * 2.0
    >>> print(step(tf.constant(2.0)))
    tf.Tensor(6.0, shape=(), dtype=float32)
    >>> print(v.numpy())
    3.0
    >>> step(tf.constant(1.0)), step.experimental_get_tracing_count()
    (<tf.Tensor: shape=(), dtype=float32, numpy=8.0>, 1)

    Variables may be created only on the first call (a weight built when first needed, as Keras
    layers do): that call traces twice, as in TF; creating one on a later trace raises TF's ValueError.

    Raises:
      Exception: whatever the function raises while tracing, unchanged (class, message, traceback),
        as in TF: a ``ValueError`` from a mismatched ``assign`` or an optimizer with no gradients, a
        ``TypeError`` from ``tf.cast(x, "nope")``, the user's own errors. No Variable is left assigned.
      OperatorNotAllowedInGraphError: (a ``TypeError``) a Python ``if``/``while`` or ``bool()`` on a
        symbolic tensor; ``float()``/``int()`` raise TF's ``TypeError``, ``.numpy()`` its ``AttributeError``.
      InvalidArgumentError: an op's static shape or dtype error while tracing; it is a ``ValueError`` too.
        When the program runs: an out-of-range gather index or an integer division by zero (TF's
        run-time errors; no Variable is written), in programs that do not also scatter (the division
        check: nor divide floats).
      TypeError: arguments that do not match ``input_signature`` (TF's "Binding inputs to tf.function
        failed ..."), or an unhashable Python argument.

    Differences from TensorFlow: a tensor dimension that is None in ``input_signature`` (or after
    ``reduce_retracing`` generalised it), or in the declared shape of a Variable the function reads
    (``tf.Variable(..., shape=[None])``), is one trace as TF counts traces, but XLA compiles a
    program per concrete shape, so the Python body runs again (uncounted) for each new shape, and
    sees that shape's static dims where TF shows None. An op's static shape error is an
    ``InvalidArgumentError`` that is also a ``ValueError`` (TF: a plain ``ValueError``), and a dtype
    mismatch is the same class (TF: ``TypeError``). A returned string stays a Python ``str`` (or
    ``bytes``: tapejax has no string tensors), and a returned TensorArray is a TensorArray holding the
    computed elements (TF: an opaque variant Tensor). A call that draws random numbers holds the global random state for its run (an
    eager draw in another thread waits), except one with host callbacks (a ``tf.data`` iterator,
    ``py_function``), which may draw on XLA's thread: a draw in another thread meanwhile may then
    repeat its numbers. A call that assigns Variables holds the same lock, so calls on several
    threads each see the others' updates (TF: each assignment is atomic), with the same exception; an
    eager update or read of such a Variable on another thread during the call is not ordered with it
    (an update may be lost, a read of the buffer the call donates fails; TF orders them). A Variable
    created in a first call from a value the body computed gets it as TF's lifted initializer does
    (from the call's arguments, constants, other Variables' values before the call, random draws of
    their own stream), computed at the trace; a value computed inside a loop body or a cond branch,
    or in ``get_concrete_function`` from a TensorSpec, still raises ValueError (TF initializes it in
    the graph). Under a tape, only the outputs a gradient flows from are differentiated:
    for ``f(x) = [log(x), 2 * x]`` the gradient of the second output at ``x = 0`` is 2, where TF 2.21
    gives NaN (zero upstream times the first output's infinite derivative). A Tensor the function
    captures (reads from outside) is folded into the program as a constant; a call under a tape that
    records that Tensor runs the body traced once more with it as an input (uncounted: its Python side
    effects run again), so that the gradient reaches it as TF's.
    """

    def __init__(
        self,
        python_function: Callable[..., Any],
        input_signature: Any = None,
        jit_compile: Any = None,
        reduce_retracing: bool = False,
        autograph: bool = True,
    ) -> None:
        functools.update_wrapper(self, python_function)  # type: ignore[arg-type]
        self.python_function = python_function
        self._input_signature = function_type.check_input_signature(input_signature)
        self._jit_compile = jit_compile
        self._reduce_retracing = bool(reduce_retracing)
        self._autograph = autograph
        self._converted: Callable[..., Any] | None = None  # AutoGraph's conversion, made on first use
        self._entries: list[_Entry] = []
        self._fast: dict[Any, tuple[_Entry, Program]] = {}
        self._count = 0
        self._traced_once = False  # Variables may be created only until the first trace succeeded

    @property
    def input_signature(self) -> Any:
        """The ``input_signature`` given (a tuple of TensorSpecs), or None."""
        return self._input_signature

    @property
    def experimental_reduce_retracing(self) -> bool:
        return self._reduce_retracing

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        # A method: bind `self` as a static argument, one Function (one cache) per instance, stored on
        # the instance (a reference cycle the GC frees with it, not a global table that keeps it alive).
        store = getattr(instance, "__dict__", None)
        if store is None:
            return self._bound(instance)
        bound = store.setdefault("_tapejax_functions", {})
        f = bound.get(id(self))
        if f is None:
            f = bound[id(self)] = self._bound(instance)
        return f

    def _bound(self, instance: Any) -> Function:
        method = functools.partial(self.python_function, instance)
        # (its name only: a __wrapped__ would make inspect.signature show `self` again)
        method.__name__ = getattr(self.python_function, "__name__", "method")  # type: ignore[attr-defined]
        return Function(method, self._input_signature, self._jit_compile, self._reduce_retracing, self._autograph)

    def _arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self._input_signature is not None:
            return function_type.bind_to_signature(self.python_function, self._input_signature, args, kwargs), {}
        if kwargs:
            return function_type.canonical_arguments(self.python_function, args, kwargs)
        return args, kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if config.functions_run_eagerly():  # tf.config.run_functions_eagerly(True): no trace, as TF
            return self.python_function(*args, **kwargs)
        if in_trace():
            # Called while an enclosing tf.function is being traced: run inline, so the enclosing
            # trace sees (and lifts) the Variables this function reads and assigns.
            return self._traced_function()(*args, **kwargs)
        args, kwargs = self._arguments(args, kwargs)
        leaves, arg_tree = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor_leaf)
        if any(_is_traced(x) for x in leaves):  # inside a JAX trace (a gradient's, jax.jit's)
            return self._traced_function()(*args, **kwargs)
        return self._call_flat(None, args, kwargs, leaves, arg_tree)

    def _traced_function(self) -> Callable[..., Any]:
        """What a trace runs: the function converted by AutoGraph once (``autograph=True``), or as written."""
        if self._converted is None:
            from tapejax._src.autograph.api import convert_entity

            self._converted = convert_entity(self.python_function) if self._autograph else self.python_function
        return self._converted

    def _call_entry(self, entry: _Entry, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A ConcreteFunction's call: the arguments must fit ``entry``'s signature."""
        if self._input_signature is not None:
            args, kwargs = self._arguments(args, kwargs)
        leaves, arg_tree = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor_leaf)
        return self._call_flat(entry, args, kwargs, leaves, arg_tree)

    def _call_flat(
        self, entry: _Entry | None, args: Any, kwargs: Any, leaves: list[Any], arg_tree: Any, canonical: bool = False
    ) -> Any:
        xs, arrays, argvars, key = _classify(leaves)
        try:
            hit = self._fast.get((arg_tree, key))
        except TypeError:
            raise _unhashable(leaves) from None
        if hit is None and not canonical and self._input_signature is None:
            # TF binds the call to the parameters, defaults included: f(x) and f(x, training=False) are
            # one trace. Calls that leave defaults out are bound (here and on every later call).
            full = function_type.with_defaults(self.python_function, args, kwargs)
            if full is not None:
                self._fast[(arg_tree, key)] = hit = _WITH_DEFAULTS
        if hit is _WITH_DEFAULTS and canonical:
            hit = None  # binding left the call as it was (same structure): trace it as it is
        if hit is _WITH_DEFAULTS:
            args, kwargs = function_type.with_defaults(self.python_function, args, kwargs) or (args, kwargs)
            leaves, arg_tree = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor_leaf)
            return self._call_flat(entry, args, kwargs, leaves, arg_tree, canonical=True)
        if hit is None or (entry is not None and hit[0] is not entry):
            hit = self._new_program(entry, args, kwargs, leaves, arg_tree, key, argvars)
            first = hit[1].__dict__.pop("first_call", None)
            if first is not None:  # Variables created from the arguments: TF's first call runs the first trace
                return self._run(first, xs, arrays, argvars)
        program = hit[1]
        if program.shapes is not None:
            program = self._reshaped(hit[0], program, arrays, argvars)
        if program.captured and tape_state.tapes:
            program = self._lifting_recorded(hit[0], program, arrays, argvars)
        return self._run(program, xs, arrays, argvars)

    def _reshaped(self, entry: _Entry, program: Program, arrays: list[Any], argvars: list[Any]) -> Program:
        """``program``, or, where a Variable declared with unknown dims it reads now holds a value of
        another shape, the body traced for the new shapes (as for a None dim of a signature: one trace
        as TF counts, a program per concrete shape)."""
        shapes = program.variable_shapes(argvars)
        if shapes == program.shapes:
            return program
        other = program.reshaped.get(shapes)
        if other is None:
            avals = _avals(arrays)
            other = program.reshaped[shapes] = self._trace(entry, avals, argvars, counted=False)
        return other

    def _lifting_recorded(self, entry: _Entry, program: Program, arrays: list[Any], argvars: list[Any]) -> Program:
        """``program``, or where an active tape records Tensors it captured, its variant with those
        lifted to inputs (traced once per such set, not counted as a retrace): the tape records the call
        as reading them, as TF's call reads its captures; ``program`` folds them in as constants."""
        tracked = recorded_tensors()
        if not tracked:
            return program
        lift = [t for r in program.captured if (t := r()) is not None and any(id(t) in w for w in tracked)]
        if not lift:
            return program
        key = tuple(id(t) for t in lift)
        variant = program.variants.get(key)
        if variant is None:
            avals = _avals(arrays)
            variant = program.variants[key] = self._trace(entry, avals, argvars, counted=False, lift=lift)
        return variant

    def _run(self, program: Program, xs: list[Any], arrays: list[Any], argvars: list[Any]) -> Any:
        from tapejax._src.random_state import GLOBAL, LOCK

        lifted = [*argvars, *program.extra] if program.extra else argvars
        if not _one_device():
            _onto_mesh([*lifted, *program.read, GLOBAL])
        elif program.first_run:
            program.first_run = False
            detach_from_trace([*[v for v in lifted if isinstance(v, VariableBase)], *program.read, *program.assigned])
        tapes = tape_state.tapes
        plan = program.donation
        if plan is None:
            plan = program.plan_donation()
        message = None
        # The old values of the Variables the program overwrites are donated to XLA (the new values
        # reuse their buffers: one copy of each weight and slot), except under a tape, which keeps them.
        donate = (plan[0] or plan[1]) and not tapes and _one_device()
        draws = _draws(program)
        # (held from reading the key to storing the program's next one: a thread drawing meanwhile
        # would share it; and from reading the Variables to storing those it assigns: a call on
        # another thread meanwhile would compute from the same old values, losing one's updates, or
        # read a buffer this one donates; not around host callbacks, which may draw or call a
        # function on XLA's thread and wait)
        assigns = donate or program.assigned_lifted or program.assigned
        lock = LOCK if (draws or assigns) and not program.callbacks else None
        if lock is not None:
            lock.acquire()
        try:
            if donate:
                lifted_list = [v._value for v in lifted]
                read_list = [v._value for v in program.read]
                donated = _given(((lifted_list, plan[0]), (read_list, plan[1])))
                lifted_vals, read_vals = tuple(lifted_list), tuple(read_list)
            else:
                donated = []
                lifted_vals = tuple([v._value for v in lifted])
                read_vals = tuple([v._value for v in program.read])
            rng = GLOBAL._value
            if tapes and any(x is None for x in xs):  # NumPy arguments a tape records: as Tensors of device arrays
                arrays = [jax.device_put(a) if x is None else a for x, a in zip(xs, arrays, strict=True)]
                xs = [Tensor(a) if x is None else x for x, a in zip(xs, arrays, strict=True)]
            try:
                if donate:
                    message, (outs, new_vals, new_rng) = program.donating()(
                        tuple(arrays), lifted_vals, read_vals, rng, donated
                    )
                    del donated
                else:
                    outs, new_vals, new_rng = program.jitted(tuple(arrays), lifted_vals, read_vals, rng)
            except jax.errors.JaxRuntimeError as e:
                # A host callback's TF error (past a tf.data iterator's end) raised when the program runs,
                # as TF raises it; the Variables keep their values.
                from tapejax._src.host_callback import raised_in_callback

                raised = raised_in_callback(e)
                if raised is None:
                    raise
                raise raised from None
            except jax.errors.UnexpectedTracerError as e:  # compiled on the first run: a tensor leaked from a loop
                raise InaccessibleTensorError(_OUT_OF_SCOPE) from e
            if message is not None:  # a failed run-time check: the donated Variables get their old values back
                given = [lifted[i] for i in plan[0]] + [program.read[j] for j in plan[1]]
                for v, k in zip(given, plan[2], strict=True):
                    v._value = new_vals[k]
                raise check_error(message, program.name)
            targets = [lifted[i] for i in program.assigned_lifted] + program.assigned
            if not _one_device():
                new_vals = _keep_shardings(targets, new_vals)
            core._acquire()  # (one hold for the stores: as ``v._value = a`` each, ordered with the compare-and-sets)
            try:
                if core.traced_values:  # (a trace on another thread holds some: see core.traced_values)
                    for v, a in zip(targets, new_vals, strict=True):
                        core._put_held(v, a)
                else:
                    for v, a in zip(targets, new_vals, strict=True):
                        v._v = a
            finally:
                core._release()
            if draws:
                GLOBAL._value = new_rng
        finally:
            if lock is not None:
                lock.release()
        out_tensors = tuple([Tensor(o) for o in outs])
        if tapes and out_tensors:
            rec_args = (*xs, *lifted, *program.read, Tensor(rng))
            vals = [*arrays, *lifted_vals, *read_vals, rng]
            reads: dict[int, Any] = {}
            for tape in tapes:
                tape._record(program.impl_op, (), rec_args, vals, out_tensors, reads)
        out_tree, is_tensor, static, order = program.out_meta[:4]
        it = iter(out_tensors)
        out_leaves = [next(it) if t else s for t, s in zip(is_tensor, static, strict=True)]
        return in_order_of(order, jax.tree_util.tree_unflatten(out_tree, out_leaves))  # dicts in returned order

    def _new_program(
        self,
        entry: _Entry | None,
        args: Any,
        kwargs: Any,
        leaves: list[Any],
        arg_tree: Any,
        key: tuple[Any, ...],
        argvars: list[Any],
    ) -> tuple[_Entry, Program]:
        static_key = _static_key(key)
        specs = _specs(leaves, key)
        if entry is None:
            entry = next((e for e in reversed(self._entries) if e.admits(arg_tree, static_key, specs)), None)
        elif not entry.admits(arg_tree, static_key, specs):
            raise TypeError(
                f"ConcreteFunction {self.__name__}: the arguments do not match its signature "
                f"{entry.pretty(verbose=False)}."
            )
        counted = entry is None
        if entry is None:
            entry = self._new_entry(args, kwargs, arg_tree, static_key, specs)
        avals = [(tuple(s.shape.as_list()), s.dtype._np) for s in specs if isinstance(s, TensorSpec)]
        arrays = [
            concrete(x._v) if isinstance(x, TensorBase) else x
            for x, s in zip(leaves, specs, strict=True)
            if isinstance(s, TensorSpec)
        ]
        program = self._trace(entry, avals, argvars, counted=counted, call_arrays=arrays)
        entry.programs[tuple(avals)] = program
        if counted:
            self._entries.append(entry)
        self._fast[(arg_tree, key)] = (entry, program)
        return entry, program

    def _new_entry(
        self, args: Any, kwargs: Any, arg_tree: Any, static_key: tuple[Any, ...], specs: list[Any]
    ) -> _Entry:
        if self._input_signature is not None:
            # One trace for the signature: its specs (None dims admit every length), not the call's shapes.
            signature = jax.tree_util.tree_leaves((tuple(self._input_signature), {}), is_leaf=_is_tensor_leaf)
            if len(signature) == len(specs):
                specs = [g if isinstance(s, TensorSpec) else s for g, s in zip(signature, specs, strict=True)]
        elif self._reduce_retracing:
            # TF traces the most specific type that also admits the earlier ones (a new length: None).
            for e in self._entries:
                if e.arg_tree == arg_tree and e.key == static_key:
                    specs = [
                        s.most_specific_common_supertype([TensorSpec(o.shape, o.dtype, s.name)]) or s
                        if isinstance(s, TensorSpec)
                        else s
                        for s, o in zip(specs, e.specs, strict=True)
                    ]
        return _Entry(self, arg_tree, static_key, specs, order_skeleton((args, kwargs)))

    def _trace(
        self,
        entry: _Entry,
        avals: list[Any],
        argvars: list[Any],
        counted: bool = True,
        dry: bool = False,
        lift: list[Any] | None = None,
        call_arrays: list[Any] | None = None,
    ) -> Program:
        """Traces the body for ``avals`` (see concrete_function.trace_body), with TF's Variable creation
        rule; ``lift``: captured Tensors made inputs (see ``_lifting_recorded``); ``call_arrays``: the
        call's tensor arguments, when a call traces (see ``trace_body``)."""
        from tapejax._src.random_state import LOCK

        it = iter(argvars)
        leaves = [
            None if isinstance(s, TensorSpec) else next(it) if isinstance(s, VariableBase) and argvars else s
            for s in entry.specs
        ]
        tensor_pos = tuple(i for i, s in enumerate(entry.specs) if isinstance(s, TensorSpec))
        extra: list[Any] = list(lift or ())
        allow = not self._traced_once and not dry
        first = None
        for _ in range(8):
            xla = self._jit_compile is True
            if xla:
                _xla_traces.depth += 1
            try:
                with LOCK:  # (the body runs with the global key a tracer: no eager draw meanwhile)
                    program, created = trace_body(
                        self._traced_function(),
                        getattr(self.python_function, "__name__", "fn"),
                        entry.arg_tree,
                        leaves,
                        tensor_pos,
                        entry.arg_order,
                        avals,
                        argvars,
                        extra,
                        allow,
                        call_arrays,
                    )
            except Ambiguous as e:
                extra.extend(v for v in e.variables if all(v is not w for w in extra))
                continue
            except (*_TRACER_VALUE_ERRORS, errors.OperatorNotAllowedInGraphError) as e:
                if _already_tf(e):  # Tensor's conversions raise TF's class; a bool() one gets the hint below
                    raise
                raise _tracer_error(e, getattr(self.python_function, "__name__", "")) from e
            except errors.InvalidArgumentError as e:
                if type(e) is not errors.InvalidArgumentError:
                    raise
                raise _TracingInvalidArgumentError(e.node_def, e.op, e.message) from e
            finally:
                if xla:
                    _xla_traces.depth -= 1
            if dry:
                return program
            if counted:
                self._count += 1
            self._traced_once = True
            if created and allow:
                # TF traces a first call that created Variables again, with creation forbidden (counted).
                allow = False
                extra = list(lift or ())
                first = program if program.initializes else None
                continue
            if first is not None:
                program.first_call = first  # (run by the call that traced: see Function._call_flat)
            return program
        raise RuntimeError("tf.function: Variables kept changing between traces.")

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The trace for these arguments (Tensors, ``TensorSpec``s, Python values), traced if new.

        With ``input_signature`` and no arguments: the trace for the signature. A trace whose
        TensorSpecs have None dims is compiled per concrete shape when called.
        """
        if self._input_signature is not None and not args and not kwargs:
            args = self._input_signature
        elif self._input_signature is not None:
            args, kwargs = self._arguments(args, kwargs)
        else:
            if kwargs:
                args, kwargs = function_type.canonical_arguments(self.python_function, args, kwargs)
            args, kwargs = function_type.with_defaults(self.python_function, args, kwargs) or (args, kwargs)
        leaves, arg_tree = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor_leaf)
        _, _, argvars, key = _classify(leaves)
        static_key = _static_key(key)
        specs = _specs(leaves, key)
        entry = next((e for e in reversed(self._entries) if e.admits(arg_tree, static_key, specs)), None)
        if entry is not None:
            return ConcreteFunction(self, entry)
        if all(s.shape.is_fully_defined() for s in specs if isinstance(s, TensorSpec)):
            entry, _ = self._new_program(None, args, kwargs, leaves, arg_tree, key, argvars)
            return ConcreteFunction(self, entry)
        entry = self._new_entry(args, kwargs, arg_tree, static_key, specs)
        entry.structured_outputs()  # the body is traced now (abstractly), as TF traces its graph here
        self._count += 1
        self._entries.append(entry)
        return ConcreteFunction(self, entry)

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """Every trace's signature as TF prints them, separated by blank lines."""
        return "\n\n".join(e.pretty(verbose) for e in self._entries)

    def experimental_get_tracing_count(self) -> int:
        """How many times the function was traced, as TF counts (shape retraces included)."""
        return self._count

    def __repr__(self) -> str:
        return f"<tapejax.function {getattr(self.python_function, '__name__', 'fn')}>"


_WITH_DEFAULTS: Any = ("<bind the call with its defaults>",)  # a _fast entry: see Function._call_flat
_TENSOR = "<tensor>"  # a tensor's slot in a call key: ("<tensor>", shape, dtype)
_VARIABLE = "<variable>"


# References to a Variable's array when only the Variable holds it, as ``_given`` counts them: the
# Variable, ``_given``'s local name and ``sys.getrefcount``'s argument.
_SOLE_OWNER_REFS = 3


def _avals(arrays: list[Any]) -> list[Any]:
    """The (shape, dtype) of each call array, as ``Function._trace`` takes them."""
    return [(tuple(np.shape(a)), np.dtype(a.dtype)) for a in arrays]


def _given(groups: Any) -> list[Any]:
    """The arrays to donate, taken out of their lists: per ``(values, positions)`` of ``groups``, ``values[i]``.

    XLA may take an array's buffer only if nothing but its Variable references it (the finished trace
    no longer does: ``concrete_function.detach_from_trace``): a Tensor from ``read_value()`` or
    ``tf.identity``, a tape's saved value, a deferred op's input, an IndexedSlices, another Variable,
    the Python-scalar cache or the same Variable met earlier in this call all hold one, and a
    donated buffer is dead. Those arrays are copied (one program for all) and the copies donated:
    the holders keep reading the original. A NumPy view of a buffer holds no reference, but JAX does
    not donate a buffer with external references (it copies it itself). An array placed on a
    sharding (``tf.distribute``) may share its buffer with another array object: copied too.
    """
    donated: list[Any] = []
    shared: list[int] = []
    for values, positions in groups:
        for i in positions:
            a = values[i]
            values[i] = None
            if sys.getrefcount(a) > _SOLE_OWNER_REFS or type(a.sharding) is not jax.sharding.SingleDeviceSharding:
                shared.append(len(donated))
            donated.append(a)
    if shared:
        for k, c in zip(shared, _copies(tuple([donated[k] for k in shared])), strict=True):
            donated[k] = c
    return donated


# Fresh copies of arrays (new buffers), one compiled call for them all.
_copies: Callable[[tuple[Any, ...]], tuple[Any, ...]] = jax.jit(lambda arrays: tuple(jnp.copy(a) for a in arrays))


def _onto_mesh(states: list[Any]) -> None:
    """Replicates the single-device values among ``states`` over the mesh the others lie on, if any.

    A step over a ``tf.distribute`` strategy's Variables also reads state made on one device (an
    optimizer's slots, the random key); its outputs come back on the mesh, so the second call's
    inputs would differ from the first's and the program would compile again. Placed once here,
    they stay there (see :func:`_keep_shardings`). Not across processes (``MultiWorkerMirroredStrategy``):
    each process's one-device state is its own (the random key differs), and ``jax.device_put`` onto
    a mesh spanning processes requires the same value in each.
    """
    if _process_count() > 1:
        return
    mesh = None
    for v in states:
        sharding = getattr(v._value, "sharding", None)
        if type(sharding) is jax.sharding.NamedSharding:
            mesh = sharding.mesh
            break
    if mesh is None:
        return
    replicated = None
    for v in states:
        a = v._value
        if type(a.sharding) is jax.sharding.SingleDeviceSharding:
            if replicated is None:
                replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
            v._value = jax.device_put(a, replicated)


def _keep_shardings(variables: list[Any], arrays: Any) -> list[Any]:
    """``arrays``, the new values of ``variables``, each on its Variable's mesh sharding (``tf.distribute``).

    XLA may hand an assigned value back with another (equivalent) sharding than its Variable's; the
    next call's inputs would then differ from this one's and the program would compile again.
    """
    out = []
    for v, a in zip(variables, arrays, strict=True):
        old = getattr(v._v, "sharding", None)
        if type(old) is jax.sharding.NamedSharding and a.sharding != old:
            a = jax.device_put(a, old)
        out.append(a)
    return out


@functools.cache
def _process_count() -> int:
    return jax.process_count()


@functools.cache
def _one_device() -> bool:
    return jax.device_count() == 1


def _classify(leaves: list[Any]) -> tuple[list[Any], list[Any], list[Any], tuple[Any, ...]]:
    """The call's tensors (as Tensors and arrays), its Variable arguments, and its cache key: per leaf
    a tensor's (shape, dtype), a Variable argument's (shape, dtype), a TensorSpec, or a Python value;
    then which Variable arguments are the same Variable."""
    xs: list[Any] = []
    arrays: list[Any] = []
    argvars: list[Any] = []
    key: list[Any] = []
    for leaf in leaves:
        if type(leaf) is Tensor or isinstance(leaf, TensorBase):
            a = leaf._value
            xs.append(leaf)
            arrays.append(a)
            key.append((_TENSOR, a.shape, a.dtype))
        elif isinstance(leaf, VariableBase):
            a = leaf._value
            argvars.append(leaf)
            declared = leaf._shape  # type: ignore[attr-defined]
            if declared is not None and not declared.is_fully_defined():  # TF: its spec is the declared shape
                key.append((_VARIABLE, declared, a.dtype))
            else:
                key.append((_VARIABLE, a.shape, a.dtype))
        elif isinstance(leaf, (np.ndarray, np.generic)):
            if leaf.dtype not in dtypes_lib._BY_NP:
                convert_python(leaf, None, "tf.function")  # raises the error for an unsupported dtype
            # A private host copy goes straight into the compiled program (JAX transfers it within the
            # call, faster than a device_put per array); the copy because JAX may alias host memory on
            # CPU while the program runs, and the caller may change its array after the call returns.
            a = np.array(leaf)
            xs.append(None)  # made a Tensor only where a tape records the call (Function._run)
            arrays.append(a)
            key.append((_TENSOR, a.shape, a.dtype))
        elif isinstance(leaf, jax.Array):
            t = Tensor(convert_python(leaf, None))
            a = t._value
            xs.append(t)
            arrays.append(a)
            key.append((_TENSOR, a.shape, a.dtype))
        elif isinstance(leaf, TensorSpec):
            key.append((_TENSOR, leaf))
        else:
            key.append(leaf)
    key.append(tuple(next(i for i, w in enumerate(argvars) if w is v) for v in argvars) if len(argvars) > 1 else None)
    return xs, arrays, argvars, tuple(key)


def _static_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(None if type(k) is tuple and k and k[0] is _TENSOR else k for k in key)


def _specs(leaves: list[Any], key: tuple[Any, ...]) -> list[Any]:
    """Per leaf: a TensorSpec for a tensor (or the TensorSpec given), the leaf itself otherwise."""
    out = []
    for leaf, k in zip(leaves, key, strict=False):
        if type(k) is tuple and k and k[0] is _TENSOR:
            out.append(k[1] if len(k) == 2 else TensorSpec(tuple(k[1]), dtypes_lib.from_numpy(np.dtype(k[2]))))
        else:
            out.append(leaf)
    return out


def _admits(general: Any, spec: TensorSpec) -> bool:
    """Whether every tensor of ``spec`` is one of ``general`` (same dtype; its dims None or equal)."""
    if not isinstance(general, TensorSpec) or general.dtype != spec.dtype:
        return False
    if general.shape.rank is None:
        return True
    if spec.shape.rank != general.shape.rank:
        return False
    return all(g is None or g == s for g, s in zip(general.shape.as_list(), spec.shape.as_list(), strict=True))


def _unhashable(leaves: list[Any]) -> TypeError:
    for leaf in leaves:
        try:
            hash(leaf)
        except TypeError:
            return TypeError(
                f"Could not generate a generic TraceType for {leaf!r}.Please verify that it is immutable/hashable. "
                "Otherwise, consider implementing the Tracing Protocol for it."
            )
    return TypeError("tf.function: unhashable arguments.")


def function(
    func: Callable[..., Any] | None = None,
    input_signature: Any = None,
    autograph: bool = True,
    jit_compile: Any = None,
    reduce_retracing: bool = False,
    experimental_implements: Any = None,
    experimental_autograph_options: Any = None,
    experimental_attributes: Any = None,
    experimental_relax_shapes: Any = None,
    experimental_compile: Any = None,
    experimental_follow_type_hints: Any = None,
) -> Any:
    """Compiles a function into a callable XLA program (``tf.function``); usable as a decorator.

    See :class:`Function` for the tracing rules. ``input_signature``: a list of ``tf.TensorSpec``
    (nests allowed) the arguments are converted to and checked against; a None dimension admits
    every length with one trace. ``reduce_retracing`` (or the older ``experimental_relax_shapes``):
    a call of a new shape traces a generalised signature (differing dims None, a new rank: unknown
    shape) that later calls reuse. ``jit_compile`` is accepted: every tapejax function is compiled
    by XLA. ``autograph`` is accepted.
    """
    reduce = bool(reduce_retracing or experimental_relax_shapes)

    def make(f: Callable[..., Any]) -> Function:
        return Function(f, input_signature, jit_compile, reduce, autograph)

    if func is None:
        return make
    return make(func)


def _is_traced(x: Any) -> bool:
    v = x._value if isinstance(x, (TensorBase, VariableBase)) else x
    return isinstance(v, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]


class _EscapeStack(threading.local):
    def __init__(self) -> None:
        self.keys: list[Any] = []  # the concrete random keys of the traces entered (outermost first)
        self.count = 0


_escape = _EscapeStack()


@contextlib.contextmanager
def concrete_key_of_trace(key: Any) -> Iterator[None]:
    """Notes ``key``, the global random key before a trace, for :func:`escape_trace` inside it."""
    _escape.keys.append(key)
    try:
        yield
    finally:
        _escape.keys.pop()


def _draws(program: Program) -> bool:
    """Whether ``program`` draws random numbers (the key it returns is not the key it was given)."""
    draws = program.__dict__.get("draws")
    if draws is None:
        draws = program.draws = program.jaxpr.outvars[-1] is not program.jaxpr.invars[-1]
    return draws


@contextlib.contextmanager
def escape_trace() -> Iterator[None]:
    """Runs its body eagerly even inside a trace (``tf.function``, a symbolic Keras call): state creation.

    TF creates a layer's Variables on the first call of a ``tf.function`` in an ``init_scope``; here the
    body's ops run on concrete values (no tape records them, no trace stages them), and random draws
    come from a key folded from the trace's concrete key, so created Variables hold concrete values.
    Outside any trace it only pauses the tapes.
    """
    from tapejax._src import lazy

    states = lifted_states()
    saved_tapes, saved_key = tape_state.tapes, states[0]._value
    traced = isinstance(saved_key, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]
    tape_state.tapes = []
    if not traced and type(_jax_core.trace_ctx.trace) is _jax_core.EvalTrace:
        # No trace: the body's ops are queued as any eager op (a layer's initial weights are computed
        # with its first call, in one program: forcing them here compiled a program per weight, and
        # compile-time evaluation ran each constant kernel, jnp.ones, as separate eager primitives).
        try:
            yield
        finally:
            tape_state.tapes = saved_tapes
        return
    try:
        with jax.ensure_compile_time_eval():
            if traced:
                _escape.count += 1
                states[0]._value = jax.random.fold_in(_escape.keys[0], 0x5EED0000 + _escape.count)
            yield
            lazy.flush()
    finally:
        tape_state.tapes = saved_tapes
        if traced:
            states[0]._value = saved_key


def output_specs(
    fn: Callable[[list[Any]], Any],
    specs: list[tuple[tuple[int | None, ...], Any]],
    make: Callable[[tuple[int | None, ...], Any], Any] = lambda shape, dtype: (shape, dtype),
) -> Any:
    """Runs ``fn`` on abstract Tensors of ``specs`` (``(shape, numpy dtype)``, None dims allowed) without
    computing anything; returns its output structure with each Tensor as ``make(shape, numpy dtype)``.

    A dimension is None in the result where it follows a None input dimension (``fn`` is traced with
    two sizes for the None dims, as Keras' JAX backend does). Variables ``fn`` assigns and the global
    random key are left as they were; state ``fn`` creates in :func:`escape_trace` (layer weights)
    stays. Used for Keras' symbolic calls (``tf.keras.Input``).
    """
    states = lifted_states()

    def run(size: int) -> tuple[Any, list[Any]]:
        meta: list[Any] = []

        def pure(*arrays: Any) -> list[Any]:
            saved_key = states[0]._value
            discovery = _Discovery()
            saved_tapes = tape_state.tapes
            tape_state.tapes = [discovery]  # type: ignore[list-item]
            try:
                with concrete_key_of_trace(_escape.keys[0] if _escape.keys else saved_key):
                    out = fn([_wrap(a) for a in arrays])
            finally:
                tape_state.tapes = saved_tapes
                for k, v in discovery.variables.items():
                    core.end_trace(v, discovery.originals[k])
                states[0]._value = saved_key
            leaves, tree = jax.tree_util.tree_flatten(out, is_leaf=lambda x: isinstance(x, (TensorBase, VariableBase)))
            is_tensor = [isinstance(x, (TensorBase, VariableBase)) for x in leaves]
            meta.append((tree, is_tensor, [None if t else x for x, t in zip(leaves, is_tensor, strict=True)]))
            return [x._value for x, t in zip(leaves, is_tensor, strict=True) if t]

        structs = [jax.ShapeDtypeStruct(tuple(size if d is None else d for d in shape), dt) for shape, dt in specs]
        arrays = jax.eval_shape(pure, *structs)
        return meta[0], arrays

    (tree, is_tensor, static), first = run(83)
    if any(d is None for shape, _ in specs for d in shape):
        _, second = run(89)
    else:
        second = first
    it = iter(
        make(tuple(a if a == b else None for a, b in zip(x.shape, y.shape, strict=True)), x.dtype)
        for x, y in zip(first, second, strict=True)
    )
    return jax.tree_util.tree_unflatten(tree, [next(it) if t else s for t, s in zip(is_tensor, static, strict=True)])


class _Creation(threading.local):
    def __init__(self) -> None:
        self.watchers: list[list[Any]] = []  # per trace being run: [count, allowed]


_creation = _Creation()


@contextlib.contextmanager
def watch_creation(allowed: bool, inputs: Any = None, n_args: int = 0) -> Iterator[list[Any]]:
    """Counts the Variables created while the body of a trace runs (``[count, allowed, trace, inputs,
    n_args, created, first_run]``); with ``allowed`` False, :func:`note_variable_created` raises TF's
    ValueError instead. ``inputs``: the concrete value of each of the trace's inputs (the call's
    ``n_args`` tensor arguments first), or None where unknown (see :func:`lift_initial_value`)."""
    box = [0, allowed, _jax_core.trace_ctx.trace, inputs, n_args, [], False]
    _creation.watchers.append(box)
    try:
        yield box
    finally:
        _creation.watchers.pop()


LIFT_KEY: Any = ("<the global random key>",)  # its place in a trace's inputs (see lift_initial_value)


def lift_initial_value(value: Any) -> Any:
    """The concrete value of ``value``, a traced initial value of a Variable created in a function's
    first trace, or None where it depends on something unknown now.

    TF lifts such an initializer out of the function (``lift_to_graph``) and runs it once: here the
    equations of the trace that compute ``value`` are evaluated now, on the call's arguments, the
    Variables' values and, for random draws, a key folded from the trace's concrete one (as in
    :func:`escape_trace`); nothing else of the body runs (its host callbacks, its assignments).
    Where the value depends on the call's arguments or on a Variable created in the same trace (TF
    cannot lift it: it initializes in the graph and runs the first trace on the first call), the box
    notes that the call runs this trace's program (``first_run``).

    It reads the trace's equations through ``jax._src`` (``DynamicJaxprTrace.frame``): tests in
    ``tests/test_variable_lift.py`` pin it against JAX upgrades.
    """
    box = _creation.watchers[-1] if _creation.watchers else None
    if box is None or not box[1] or box[3] is None or getattr(value, "_trace", None) is not box[2]:
        return None
    frame = box[2].frame
    var = value.val
    if type(var) is _jax_core.Literal:
        return var.val
    needed: list[Any] = []
    active = {var}
    for eqn in reversed(frame.get_eqns()):
        if not active.isdisjoint(eqn.outvars):
            needed.append(eqn)
            active.difference_update(eqn.outvars)
            active.update(v for v in eqn.invars if type(v) is _jax_core.Var)
    env: dict[Any, Any] = {}
    consts = frame.constvar_to_val
    inputs = box[3]
    if len(inputs) != len(frame.invars):
        return None
    first_run = False
    for i, (v, x) in enumerate(zip(frame.invars, inputs, strict=True)):
        if v in active:
            if x is None:
                return None
            first_run = first_run or i < box[4]
            if x is LIFT_KEY:
                _escape.count += 1
                x = jax.random.fold_in(_escape.keys[0], 0x5EED0000 + _escape.count)
            env[v] = x
    for v in active:
        if v not in env:
            if v not in consts:
                return None
            c = env[v] = consts[v]
            first_run = first_run or any(c is core.concrete(getattr(w, "_v", None)) for w in box[5])
    box[6] = box[6] or first_run
    with jax.ensure_compile_time_eval():  # (as jax.core.eval_jaxpr does)
        for eqn in reversed(needed):
            params = eqn.primitive.get_bind_params(eqn.params)
            with eqn.ctx.manager:
                outs = eqn.primitive.bind(
                    *[env[v] if type(v) is _jax_core.Var else v.val for v in eqn.invars], **params
                )
            env.update(zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs], strict=True))
    return env[var]


def note_variable_created(variable: Any = None) -> None:
    """Called by ``tf.Variable()``: counts it for the innermost trace being run, or raises TF's error
    where that trace may not create Variables (any trace but a function's first)."""
    if _creation.watchers:
        box = _creation.watchers[-1]
        if not box[1]:
            raise ValueError(
                "tf.function only supports singleton tf.Variables created on the first call. Make sure the "
                "tf.Variable is only created once or created outside tf.function. See "
                "https://www.tensorflow.org/guide/function#creating_tfvariables for more information."
            )
        box[0] += 1
        if variable is not None:
            box[5].append(variable)
