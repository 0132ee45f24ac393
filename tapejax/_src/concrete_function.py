"""One trace of a ``tf.function``: the Python body run once into a jaxpr, and ``ConcreteFunction``.

The body runs once under ``jax.make_jaxpr`` on abstract tensor arguments. The Variables it reads
are not known before it runs, so they are first captured as constants of the jaxpr, as TF captures
a Variable's handle into its graph; after the trace each captured Variable's constant is found by
identity among the jaxpr's constants and becomes an input of the compiled program, so its current
value is passed on every call and never baked in. Variables it assigns become outputs, written
back after each call. The jaxpr is then compiled with ``jax.jit`` (no second Python run).
"""

from __future__ import annotations

import collections
import functools
import gc
import re
import sys
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core as jex
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify

from tapejax._src import core, dataflow, errors, lazy
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, TensorBase, VariableBase, _wrap, tape_state
from tapejax._src.tape import in_order_of, order_skeleton
from tapejax._src.tensor import TensorShape, convert_python
from tapejax._src.tensor_spec import TensorSpec


class Program:
    """A traced body compiled: ``jitted(xs, lifted_vals, read_vals, rng)`` -> (outs, assigned vals, rng).

    The lifted Variables are passed in as inputs from the start: the Variable arguments of the call,
    then ``extra`` (captured Variables the identity match could not tell apart). ``read``: the
    Variables found among the jaxpr's constants; ``assigned_lifted`` (positions among the lifted) and
    ``assigned``: those whose new value is an output. ``out_meta``: (tree, which leaves are tensors,
    the other leaves, dict order, the output structure with TensorSpecs).

    ``donating()`` is the same program compiled to donate the old buffers of the Variables it
    overwrites (see :meth:`plan_donation`); the caller decides per call that nothing else holds them.
    """

    def __init__(
        self,
        name: str,
        closed: Any,
        read_const_pos: list[int],
        n_xs: int,
        n_lifted: int,
        assigned_lifted: list[int],
        n_assigned: int,
        out_meta: tuple[Any, ...],
    ) -> None:
        self.name = name
        self.jaxpr = closed.jaxpr
        consts = list(closed.consts)
        for i in read_const_pos:
            consts[i] = None  # supplied on each call: the old value is not kept alive
        self.consts = consts
        self.read_const_pos = read_const_pos
        self.n_xs = n_xs
        self.n_lifted = n_lifted
        self.assigned_lifted = assigned_lifted
        self.n_assigned = n_assigned
        self.out_meta = out_meta
        self.extra: list[Any] = []
        # The floating Tensors its trace read as concrete values (made outside it: captured), weakly;
        # a call under a tape that records one of them runs ``variants[ids]``: the body traced again
        # with those Tensors lifted to inputs (``extra``), as TF's captures are inputs of its call.
        self.captured: list[Any] = []
        self.variants: dict[tuple[int, ...], Program] = {}
        # Variables declared with unknown dims (``shape=[None]``) that it reads, positions among the
        # Variable arguments then captured ones, and their values' shapes it was traced for (None when
        # it reads none): a call where one changed runs ``reshaped[shapes]``, traced for them.
        self.shaped_args: list[int] = []
        self.shaped_vars: list[Any] = []
        self.shapes: tuple[Any, ...] | None = None
        self.reshaped: dict[tuple[Any, ...], Program] = {}
        self.read: list[Any] = []
        self.assigned: list[Any] = []
        self.n_outs = sum(out_meta[1])
        found = _scan_program(self.jaxpr)
        # checkify's division check fires for every division, floats included (TF gives inf/NaN there):
        # integer divisions are checked only in a program without float divisions.
        int_div = found["div"] and not found["float_div"]
        self.check_errors = checkify.index_checks | (checkify.div_checks if int_div else frozenset())
        self.checks = (found["gather"] or int_div) and not found["scatter"]
        self.callbacks = found["callback"]
        self.jitted = (
            _checked(jax.jit(self._run), self._run, name, self.check_errors) if self.checks else jax.jit(self._run)
        )
        self.donation: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None  # plan_donation()
        self._donating: Callable[..., Any] | None = None
        self.first_run = True
        n_in = n_xs + n_lifted

        def impl(*a: Any) -> Any:  # the op a tape records: (xs, lifted, read, rng) -> outputs
            return self._run(a[:n_xs], a[n_xs:n_in], a[n_in:-1], a[-1])[0]

        self.impl_op = Op(
            f"function[{name}]", impl, multiple_results=True, runs_user_code=True, deps=dataflow.vjp_deps_of(impl)
        )

    def variable_shapes(self, argvars: Sequence[Any]) -> tuple[Any, ...]:
        """The shapes of the values of the Variables whose shape may change (see ``shapes``)."""
        return (*[argvars[i]._value.shape for i in self.shaped_args], *[v._value.shape for v in self.shaped_vars])

    def _run(self, xs: Sequence[Any], lifted: Sequence[Any], read: Sequence[Any], rng: Any) -> Any:
        consts = list(self.consts)
        for i, v in zip(self.read_const_pos, read, strict=True):
            consts[i] = v
        flat = jax.core.eval_jaxpr(self.jaxpr, consts, *xs, *lifted, rng)
        n = self.n_outs
        n_new = len(self.assigned_lifted) + self.n_assigned
        return tuple(flat[:n]), tuple(flat[n : n + n_new]), flat[n + n_new]

    def plan_donation(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """Which inputs hold old values of Variables the program overwrites, and may be donated to XLA.

        Returns (positions among the lifted inputs, positions among the read inputs, the index of each
        one's new value among the assigned outputs), each () when none; stored in ``donation``. An
        input qualifies where its new value is computed by the program (not an input passed through,
        not also another output) with the same shape and dtype, so XLA can write it into the donated
        buffer (a donation XLA cannot use would warn). A program with host callbacks donates nothing:
        a callback's exception (``tf.data``'s end of input, a ``py_function``'s error) fails the run
        after the inputs were given up, and TF leaves the Variables as they were.
        """
        if self.donation is not None:
            return self.donation
        lifted_pos: list[int] = []
        read_pos: list[int] = []
        new_index: list[int] = []
        if not self.callbacks:
            jaxpr = self.jaxpr
            outvars = jaxpr.outvars
            uses = collections.Counter(id(v) for v in outvars)
            inputs = {id(v) for v in (*jaxpr.constvars, *jaxpr.invars)}
            new_vars = outvars[self.n_outs : self.n_outs + len(self.assigned_lifted) + self.n_assigned]

            def usable(out: Any, old: Any) -> bool:
                return (
                    isinstance(out, jex.Var)
                    and id(out) not in inputs
                    and uses[id(out)] == 1
                    and out.aval.shape == old.aval.shape
                    and out.aval.dtype == old.aval.dtype
                )

            for k, i in enumerate(self.assigned_lifted):
                if usable(new_vars[k], jaxpr.invars[self.n_xs + i]):
                    lifted_pos.append(i)
                    new_index.append(k)
            read_index = {id(v): j for j, v in enumerate(self.read)}
            base = len(self.assigned_lifted)
            for t, v in enumerate(self.assigned):
                j = read_index.get(id(v))
                if j is not None and usable(new_vars[base + t], jaxpr.constvars[self.read_const_pos[j]]):
                    read_pos.append(j)
                    new_index.append(base + t)
        self.donation = (tuple(lifted_pos), tuple(read_pos), tuple(new_index))
        return self.donation

    def donating(self) -> Callable[..., Any]:
        """The program compiled to donate the inputs of :meth:`plan_donation` (compiled on first use).

        Called as ``(xs, lifted, read, rng, donated)``: ``lifted`` and ``read`` hold None at the donated
        positions, ``donated`` their arrays (lifted ones first); returns ``(error message or None,
        (outs, assigned vals, rng))``. With run-time checks, a failed check's assigned values are the
        donated old ones (write them back, then raise: no Variable changes, as without donation).
        """
        if self._donating is None:
            self._donating = _donating(self)
        return self._donating


def _donating(program: Program) -> Callable[..., Any]:
    lifted_pos, read_pos, new_index = program.plan_donation()
    n_lifted = len(lifted_pos)

    def run(xs: Any, lifted: Any, read: Any, rng: Any, donated: Any) -> Any:
        lifted, read = list(lifted), list(read)
        for p, a in zip(lifted_pos, donated[:n_lifted], strict=True):
            lifted[p] = a
        for p, a in zip(read_pos, donated[n_lifted:], strict=True):
            read[p] = a
        return program._run(xs, lifted, read, rng)

    plain = jax.jit(run, donate_argnums=4)
    if not program.checks:
        return lambda *args: (None, plain(*args))

    def run_checked(*args: Any) -> Any:
        err, (outs, new, new_rng) = checkify.checkify(run, errors=program.check_errors)(*args)
        # checkify.Error's boolean leaves are its predicates: any set, the check failed.
        failed = functools.reduce(
            jnp.logical_or, [x for x in jax.tree_util.tree_leaves(err) if x.dtype == np.bool_], np.bool_(False)
        )
        new = list(new)
        for k, old in zip(new_index, args[4], strict=True):
            new[k] = jnp.where(failed, old, new[k])
        return err, (outs, tuple(new), new_rng)

    checked = _unless_untransformable(jax.jit(run_checked, donate_argnums=4), plain)

    def call(*args: Any) -> Any:
        err, out = checked(*args)
        return (err.get() if err is not None else None), out

    return call


def _unless_untransformable(checked: Callable[..., Any], plain: Callable[..., Any]) -> Callable[..., Any]:
    """``checked`` (returning checkify's error and the outputs), or from its first call on, when that
    raises because checkify cannot transform a primitive or effect of the program, ``plain`` (the
    outputs with error None)."""
    state = {"first": True}

    def call(*args: Any) -> Any:
        if state.pop("first", False):
            try:
                return checked(*args)
            except jax.errors.JaxRuntimeError:
                raise
            except Exception:
                state["plain"] = True
                return None, plain(*args)
        if "plain" in state:
            return None, plain(*args)
        return checked(*args)

    return call


def _scan_program(jaxpr: Any) -> dict[str, bool]:
    """What the program does that matters to how it runs: gathers (indices TF checks at run time),
    integer and float divisions, scatters (a program that scatters is left unchecked: tapejax's ops
    scatter out of range on purpose, ``bincount``'s dropped values, CTC's collapsed labels), host
    callbacks."""
    found = {"gather": False, "div": False, "float_div": False, "scatter": False, "callback": False}
    _scan(jaxpr, found)
    return found


def _scan(jaxpr: Any, found: dict[str, bool]) -> None:
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name == "gather":
            found["gather"] = True
        elif name.startswith("scatter"):
            found["scatter"] = True
        elif name in ("div", "rem") and np.issubdtype(eqn.outvars[0].aval.dtype, np.integer):
            found["div"] = True
        elif name == "div":
            found["float_div"] = True
        elif "callback" in name:
            found["callback"] = True
        for p in eqn.params.values():
            for sub in p if isinstance(p, (tuple, list)) else (p,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    _scan(inner, found)


_OUT_OF_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")


def _checked(plain: Callable[..., Any], run: Callable[..., Any], name: str, errors: Any) -> Callable[..., Any]:
    """``run`` compiled with JAX's index and integer-division checks (``checkify``): a call raises
    TF's ``InvalidArgumentError`` when the program gathers out of range or divides an integer by
    zero, as TF's kernels do at run time, before any Variable is written (``errors``: the checks,
    see ``Program.check_errors``). ``plain`` where checkify cannot transform the program."""
    checked = _unless_untransformable(jax.jit(checkify.checkify(run, errors=errors)), plain)

    def call(*args: Any) -> Any:
        err, out = checked(*args)
        message = err.get() if err is not None else None
        if message is not None:
            raise check_error(message, name)
        return out

    return call


def check_error(message: str, name: str) -> errors.InvalidArgumentError:
    """TF's run-time error for a failed check of the program ``name`` (checkify's ``message``)."""
    first = message.strip().splitlines()[0]
    m = _OUT_OF_BOUNDS.search(first)
    if m is not None:
        text = f"indices = {m.group(1)} is not in [0, {m.group(3)}) (axis {m.group(2)})"
    elif "division by zero" in first:
        text = "Integer division by zero"
    else:
        text = first
    return errors.InvalidArgumentError(None, None, f"Graph execution error: tf.function {name}: {text}")


class Ambiguous(Exception):
    """Two captured values share one array: the trace is redone with these Variables lifted."""

    def __init__(self, variables: list[Any]) -> None:
        super().__init__()
        self.variables = variables


def convert_output(x: Any, fn: Any = None) -> Any:
    """A returned leaf as the program returns it: Python numbers, numpy values and a fully defined
    ``TensorShape`` become Tensors, as TF's ``convert_to_tensor``; None, a string and tapejax's own
    objects (datasets) are returned as they are (IndexedSlices and TensorArrays arrive here as
    their component Tensors: :func:`expand_composites`).

    Raises:
      TypeError: TF's, for a value TF cannot convert (a DType, a partly known TensorShape, a
        TensorSpec, Ellipsis, a function, a set, an object without a registered conversion).
    """
    try:
        if isinstance(x, (bool, int, float, complex, np.generic, np.ndarray)):
            return _wrap(convert_python(x, None, "tf.function"))
        if x is None or isinstance(x, (TensorBase, VariableBase, jax.Array, str, bytes)):
            return x
        if isinstance(x, TensorShape) and x.is_fully_defined():
            dims = x.as_list()
            return _wrap(convert_python(np.array(dims, np.int64 if any(d >= 2**31 for d in dims) else np.int32), None))
        if type(x).__module__.startswith("tapejax.") and not isinstance(x, (TensorShape, dtypes_lib.DType, TensorSpec)):
            return x
        from tapejax._src import conversion_registry

        converted = None if isinstance(x, (TensorShape, dtypes_lib.DType)) else conversion_registry.convert(x)
    except (TypeError, ValueError) as e:
        raise _not_a_tensor(x, fn) from e
    if converted is None:
        raise _not_a_tensor(x, fn)
    return converted


def _not_a_tensor(x: Any, fn: Any) -> TypeError:
    return TypeError(
        "To be compatible with tf.function, Python functions must return zero or more Tensors or ExtensionTypes "
        f"or None values; in compilation of {fn!r}, found return value of type {type(x).__name__}, which is not "
        "a Tensor or ExtensionType."
    )


class _Composite:
    """A returned composite value as its component Tensors (a pytree node): the program returns the
    components and rebuilds the value from them, so no traced value leaks into the result."""

    __slots__ = ("parts", "rebuild")

    def __init__(self, parts: tuple[Any, ...], rebuild: Callable[..., Any]) -> None:
        self.parts = parts
        self.rebuild = rebuild


jax.tree_util.register_pytree_node(_Composite, lambda c: (c.parts, c.rebuild), lambda rebuild, parts: rebuild(*parts))


def _is_output_leaf(x: Any) -> bool:
    from tapejax._src.indexed_slices import IndexedSlices
    from tapejax._src.tensor_array import TensorArray

    return isinstance(x, (TensorBase, VariableBase, IndexedSlices, TensorArray, range))


def expand_composites(out: Any) -> Any:
    """``out`` with each IndexedSlices and TensorArray as a :class:`_Composite` of its Tensors, and
    each ``range`` as a list of its ints (TF: a list of int32 Tensors). Its dicts' keys come out
    sorted (``order_skeleton`` of ``out`` keeps the returned order)."""
    from tapejax._src.indexed_slices import IndexedSlices
    from tapejax._src.ops.array_ops import convert_to_tensor
    from tapejax._src.tensor_array import TensorArray

    def expand(x: Any) -> Any:
        if isinstance(x, IndexedSlices):
            parts = [None if p is None else convert_to_tensor(p) for p in (x.values, x.indices, x.dense_shape)]
            return _Composite(tuple(parts), IndexedSlices)
        if isinstance(x, TensorArray):
            if x._buf is None and not x._tensors:  # empty (its element shape may be unknown): no Tensors
                settings = (x.dtype, 0, x.dynamic_size, x._clear_after_read, None, None, None, x._infer_shape)
                return _Composite((), functools.partial(TensorArray, *settings, element_shape=x.element_shape))
            dense = x._dense()
            skeleton = x._like(dense)  # the array's settings (its elements come back as the output)
            skeleton._buf = None
            return _Composite((dense,), skeleton._like)
        if isinstance(x, range):
            return list(x)
        return x

    return jax.tree_util.tree_map(expand, out, is_leaf=_is_output_leaf)


def output_spec(x: Any) -> Any:
    """``TensorSpec`` of a traced output leaf, the leaf itself otherwise."""
    if isinstance(x, (TensorBase, VariableBase)):
        v = x._v
        return TensorSpec(tuple(v.shape), dtypes_lib.from_numpy(np.dtype(v.dtype)))
    return x


def trace_body(
    fn: Callable[..., Any],
    name: str,
    arg_tree: Any,
    static: Sequence[Any],
    tensor_pos: Sequence[int],
    arg_order: Any,
    x_avals: Sequence[Any],
    argvars: list[Any],
    extra: list[Any],
    allow_create: bool,
    call_arrays: Sequence[Any] | None = None,
) -> tuple[Program, int]:
    """Runs ``fn`` once on abstract tensors of ``x_avals`` and compiles what it did (see module doc).

    ``static`` holds the non-tensor leaves of the arguments (the Variable arguments ``argvars``
    among them, which read their traced input while the body runs). Returns the program and how
    many Variables the body created (``allow_create`` False: creating one raises TF's ValueError).
    ``call_arrays``: the call's concrete tensor arguments, for a Variable created from a value computed
    from them (``function.lift_initial_value``).

    Raises:
      Ambiguous: captured Variables share an array with each other or a captured Tensor; trace
        again with them in ``extra``.
    """
    from tapejax._src.function import (
        LIFT_KEY,
        _Discovery,
        concrete_key_of_trace,
        lifted_states,
        watch_creation,
    )

    lifted = [*argvars, *extra]

    lazy.flush()  # Variables hold concrete arrays, not pending ones, when their values are captured
    states = lifted_states()
    rng0 = states[0]._value
    meta: list[Any] = []
    found: list[Any] = []

    def body(xs: tuple[Any, ...], lifted_vals: tuple[Any, ...], rng: Any) -> Any:
        leaves = list(static)
        for p, x in zip(tensor_pos, xs, strict=True):
            leaves[p] = _wrap(x)
        args, kwargs = in_order_of(arg_order, jax.tree_util.tree_unflatten(arg_tree, leaves))
        saved = [v._v for v in lifted]
        lifted_ids = {id(v) for v in lifted}
        discovery = _Discovery()
        saved_tapes = tape_state.tapes
        tape_state.tapes = [discovery]  # type: ignore[list-item]
        try:
            for v, a in zip(lifted, lifted_vals, strict=True):
                core.put_tracer(v, a)  # (other threads keep its real value: core.traced_values)
            states[0]._value = rng
            inputs = [*(call_arrays or [None] * len(xs)), *saved, LIFT_KEY] if allow_create else None
            with concrete_key_of_trace(rng0), watch_creation(allow_create, inputs, len(xs)) as made:
                out = fn(*args, **kwargs)
            created[0] = made[0]
            first_run[0] = made[6]
            out_leaves, out_tree = jax.tree_util.tree_flatten(
                expand_composites(out), is_leaf=lambda x: isinstance(x, (TensorBase, VariableBase))
            )
            for x in out_leaves:
                if isinstance(x, VariableBase):  # a returned Variable is read: its value is captured
                    discovery._on_assign(x)
            out_leaves = [convert_output(x, fn) for x in out_leaves]
            new_lifted = [v._v for v in lifted]
            new_rng = states[0]._value
            others = [(v, discovery.originals[k], v._v) for k, v in discovery.variables.items() if k not in lifted_ids]
            found.extend((v, orig) for v, orig, _ in others)
            found_tensor_ids = discovery.tensor_ids
            captured.extend(t for k, t in discovery.tensors.items() if k not in lifted_ids)
            is_tensor = [isinstance(x, (TensorBase, VariableBase, jax.Array)) for x in out_leaves]
            out_static = [None if t else x for x, t in zip(out_leaves, is_tensor, strict=True)]
            specs = [output_spec(x) for x in out_leaves]
            arrays = [x._value if isinstance(x, (TensorBase, VariableBase)) else x for x in out_leaves]
            arrays = [a for a, t in zip(arrays, is_tensor, strict=True) if t]
        finally:
            tape_state.tapes = saved_tapes
            for k, v in discovery.variables.items():
                if k not in lifted_ids:
                    core.end_trace(v, discovery.originals[k])
            for v, a in zip(lifted, saved, strict=True):
                core.put_back(v, a)
            states[0]._value = rng0
        # Captured Variables are told apart by their arrays' identity: where two of them (or one and a
        # captured Tensor) share an array, the trace is redone with those passed in as inputs.
        by_id: dict[int, list[Any]] = {}
        for v, orig, _ in others:
            by_id.setdefault(id(orig), []).append(v)
        clash = [v for vs in by_id.values() if len(vs) > 1 for v in vs]
        clash += [v for v, orig, _ in others if id(orig) in found_tensor_ids and all(v is not w for w in clash)]
        if clash:
            raise Ambiguous(clash)
        assigned_lifted = [
            i for i, (new, old) in enumerate(zip(new_lifted, lifted_vals, strict=True)) if new is not old
        ]
        # (assigned: holding a tracer of this trace; a concrete value other than the one read is another
        # thread's update made meanwhile, or an eager one of the body's init_scope, not the program's)
        assigned = [(v, new) for v, orig, new in others if new is not orig and isinstance(new, jax.core.Tracer)]  # pyright: ignore[reportAttributeAccessIssue]
        assigned_box.append([v for v, _ in assigned])
        meta.append(
            (out_tree, is_tensor, out_static, order_skeleton(out), jax.tree_util.tree_unflatten(out_tree, specs))
        )
        return (
            tuple(arrays),
            tuple([new_lifted[i] for i in assigned_lifted] + [new for _, new in assigned]),
            new_rng,
            assigned_lifted,
        )

    structs = [jax.ShapeDtypeStruct(s, d) for s, d in x_avals]
    lifted_structs = [jax.ShapeDtypeStruct(v._value.shape, v._value.dtype) for v in lifted]
    rng_struct = jax.ShapeDtypeStruct(rng0.shape, rng0.dtype)
    assigned_lifted_box: list[Any] = []
    assigned_box: list[Any] = []
    created = [0]
    first_run = [False]
    captured: list[Any] = []

    def traced(xs: Any, lv: Any, rng: Any) -> Any:
        outs, new, new_rng, assigned_lifted = body(xs, lv, rng)
        assigned_lifted_box.append(assigned_lifted)
        return outs, new, new_rng

    # An op reading a captured Variable must be staged into the jaxpr (so that the Variable's array is
    # one of its constants), not deferred and computed now as ops on other concrete values are.
    core.staging_variable_reads += 1
    try:
        closed = jax.make_jaxpr(traced)(tuple(structs), tuple(lifted_structs), rng_struct)
    finally:
        core.staging_variable_reads -= 1
    const_pos = {id(c): i for i, c in enumerate(closed.consts)}
    read = [(v, const_pos[id(orig)]) for v, orig in found if id(orig) in const_pos]
    program = Program(
        name,
        closed,
        [i for _, i in read],
        len(structs),
        len(lifted),
        assigned_lifted_box[0],
        len(assigned_box[0]),
        meta[0],
    )
    program.extra = list(extra)
    program.initializes = first_run[0]  # its first call initializes Variables (see function.lift_initial_value)
    program.captured = [weakref.ref(t) for t in captured]
    program.read = [v for v, _ in read]
    program.assigned = assigned_box[0]
    program.shaped_args = [i for i, v in enumerate(argvars) if _shape_may_change(v)]
    program.shaped_vars = [v for v in (*extra, *program.read) if _shape_may_change(v)]
    if program.shaped_args or program.shaped_vars:
        program.shapes = program.variable_shapes(argvars)
    return program, created[0]


def _shape_may_change(v: Any) -> bool:
    """Whether ``v`` is a Variable whose declared shape admits values of other shapes (``shape=None``)."""
    return isinstance(v, VariableBase) and v._shape is not None and not v._shape.is_fully_defined()  # type: ignore[attr-defined]


# References to a captured Variable's array after its trace when nothing else holds it: the
# Variable, the list ``_detach_from_trace`` reads, its local name and ``sys.getrefcount``'s argument.
_AFTER_TRACE_REFS = 4

# The same buffer in a new array object; the old object is deleted (donated, no copy).
_moved: Callable[[Any], Any] = jax.jit(lambda a: a, donate_argnums=0)


def detach_from_trace(variables: list[Any]) -> None:
    """Moves the arrays of ``variables`` that only finished traces still hold into new array objects.

    Called at a program's first run. Its trace captured each Variable's array as a constant, and JAX
    keeps that trace's table of constants (a dict from jaxpr variables to values) alive as long as
    the program's jaxpr, through the JVP rule it keeps in each ``custom_jvp`` call (a tape's gradient
    in the body makes some): without this, every weight's value at trace time stayed alive for good
    (and the first step could not donate it). Those tables never read the arrays again: the buffer
    moves to a new object the Variable holds, and the table keeps a deleted one. Only where the
    arrays reach 1 MiB (the search visits every object), on one device.
    """
    variables = list({id(v): v for v in variables}.values())
    arrays = [v._value for v in variables]
    if sum(a.nbytes for a in arrays) < 1 << 20 or not _one_device():
        return
    ids = {id(a) for a in arrays}
    counts = _trace_table_references(arrays, ids)
    for i, v in enumerate(variables):
        a = arrays[i]
        n = counts.get(id(a), 0)
        if n and sys.getrefcount(a) == _AFTER_TRACE_REFS + n and type(a.sharding) is jax.sharding.SingleDeviceSharding:
            v._v = _moved(a)
    del a


def _trace_table_references(arrays: list[Any], ids: set[int]) -> dict[int, int]:
    """Per array id among ``ids``: how many trace constant tables (dicts keyed by jaxpr variables) hold it."""
    counts: dict[int, int] = {}
    for r in gc.get_referrers(*arrays):
        if type(r) is dict and r and all(isinstance(k, jex.Var) for k in r):
            for key in [id(val) for val in r.values()]:
                if key in ids:
                    counts[key] = counts.get(key, 0) + 1
    return counts


@functools.cache
def _one_device() -> bool:
    return jax.device_count() == 1


class ConcreteFunction:
    """A ``tf.function`` traced for one input signature (``tf.types.experimental.ConcreteFunction``).

    Made by ``Function.get_concrete_function``; calling it runs its compiled program on tensors of
    its signature (Python values are those it was traced with).

    >>> import tapejax as tf
    >>> f = tf.function(lambda x: x * 2.0)
    >>> c = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    >>> c.structured_input_signature
    ((TensorSpec(shape=(None,), dtype=tf.float32, name='x'),), {})
    >>> c.structured_outputs
    TensorSpec(shape=(None,), dtype=tf.float32, name=None)
    >>> print(c(tf.constant([1.0, 2.0])))
    tf.Tensor([2. 4.], shape=(2,), dtype=float32)

    Differences from TensorFlow: there is no graph: ``structured_outputs``, ``inputs`` and ``outputs``
    hold ``TensorSpec``s (TF: symbolic graph tensors), ``inputs`` lists the captured Variables as
    specs of their values (TF: resource handles), ``graph`` does not exist.
    """

    def __init__(self, function: Any, entry: Any) -> None:
        self._function = function
        self._entry = entry

    @property
    def name(self) -> str:
        return self._function.__name__

    @property
    def function_type(self) -> Any:
        return self._entry.signature

    @property
    def structured_input_signature(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments as ``(args, kwargs)``, tensors as ``TensorSpec``s (named after the parameters)."""
        return self._entry.structured_input_signature()

    @property
    def structured_outputs(self) -> Any:
        """The returned structure with ``TensorSpec``s for tensors (None dims where the input had them)."""
        return self._entry.structured_outputs()

    @property
    def inputs(self) -> list[TensorSpec]:
        """Flat specs of the tensor arguments, then of the captured Variables' values."""
        sis = self.structured_input_signature
        flat = [s for s in jax.tree_util.tree_leaves(sis) if isinstance(s, TensorSpec)]
        return flat + [TensorSpec(tuple(v.shape), v.dtype) for v in self._entry.captured_variables()]

    @property
    def outputs(self) -> list[TensorSpec]:
        """Flat specs of the tensor outputs."""
        return [s for s in jax.tree_util.tree_leaves(self.structured_outputs) if isinstance(s, TensorSpec)]

    @property
    def output_shapes(self) -> Any:
        return jax.tree_util.tree_map(
            lambda s: s.shape if isinstance(s, TensorSpec) else TensorShape(None),
            self.structured_outputs,
            is_leaf=lambda s: s is None,
        )

    @property
    def output_dtypes(self) -> Any:
        return jax.tree_util.tree_map(
            lambda s: s.dtype if isinstance(s, TensorSpec) else None,
            self.structured_outputs,
            is_leaf=lambda s: s is None,
        )

    @property
    def variables(self) -> tuple[Any, ...]:
        """The Variables the function reads or assigns (TF: those it captures)."""
        return tuple(self._entry.captured_variables())

    @property
    def trainable_variables(self) -> tuple[Any, ...]:
        return tuple(v for v in self.variables if v._auto_watch)

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        """The signature as TF prints it (``verbose``: one parameter a line, outputs and captures)."""
        return self._entry.pretty(verbose)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function._call_entry(self._entry, args, kwargs)

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.pretty_printed_signature(verbose=False)} at 0x{id(self):X}>"

    def __str__(self) -> str:
        return f"ConcreteFunction {self.pretty_printed_signature()}"
