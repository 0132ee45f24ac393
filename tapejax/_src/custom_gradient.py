"""``tf.custom_gradient`` and ``tf.stop_gradient``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jex_core

from tapejax._src import dataflow
from tapejax._src.core import Op, TensorBase, VariableBase, _wrap, bind, tape_state
from tapejax._src.tape import _INEXACT, flatten, in_order_of, order_skeleton, unflatten
from tapejax._src.tensor import Tensor, convert_python

_stop_gradient = Op("StopGradient", jax.lax.stop_gradient, differentiable=False)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Identity in the forward pass; blocks the gradient through this path (``tf.stop_gradient``).

    >>> import tapejax as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * tf.stop_gradient(x)
    >>> print(g.gradient(y, x))
    tf.Tensor(3.0, shape=(), dtype=float32)
    """
    return bind(_stop_gradient, input)


class _ReadLogger:
    """A stand-in tape that records nothing but which Variables an op reads."""

    def __init__(self) -> None:
        self.variables: dict[int, VariableBase] = {}
        self._watched: dict[int, Any] = {}
        self._exits: dict[int, Any] = {}

    def _record(self, op: Op, params: Any, args: tuple[Any, ...], vals: Any, result: Any, reads: Any) -> None:
        # Every Variable read is lifted into the compiled gradient (so a later assign is seen);
        # only the trainable ones are passed to grad_fn as ``variables``, as TF.
        for a in args:
            if isinstance(a, VariableBase):
                self.variables.setdefault(id(a), a)


class _Swap:
    """Runs user code on given arrays: Variables temporarily hold traced values, no tape records."""

    def __init__(self, variables: tuple[VariableBase, ...], values: tuple[Any, ...]) -> None:
        self.variables = variables
        self.values = values

    def __enter__(self) -> None:
        self.saved = [v._value for v in self.variables]
        self.tapes = tape_state.tapes
        tape_state.tapes = []
        for v, a in zip(self.variables, self.values, strict=True):
            v._value = a

    def __exit__(self, *exc: Any) -> None:
        for v, a in zip(self.variables, self.saved, strict=True):
            v._value = a
        tape_state.tapes = self.tapes


def _as_tensors(xs: Any) -> list[Any]:
    leaves, _ = flatten(xs)
    return leaves


def _check_grads(grads: Any, n: int) -> list[Any]:
    grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
    if len(grads) != n:
        raise ValueError(
            f"custom_gradient function expected to return {n} gradients, but returned {len(grads)} instead."
        )
    return grads


def _to_ct(g: Any, like: Any) -> Any:
    if g is None:
        return None
    to_dense = getattr(g, "_to_dense", None)  # IndexedSlices
    if to_dense is not None:
        arr = to_dense()._value
    elif isinstance(g, (TensorBase, VariableBase)):
        arr = g._value
    else:
        arr = convert_python(g, like.dtype)
    if np.dtype(like.dtype) not in _INEXACT:  # (not the kind: bfloat16's is "V")
        return None
    return jnp.broadcast_to(arr.astype(like.dtype), like.shape)


def _carries(fn: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> list[bool]:
    """Per output of ``fn``, whether its forward-mode tangent depends on the input tangents at all
    (a dataflow walk of the jvp's jaxpr; a tangent JAX knows to be zero depends on nothing)."""
    specs = [jax.ShapeDtypeStruct(t.shape, t.dtype) for t in tangents]
    jaxpr = jax.make_jaxpr(lambda *t: jax.jvp(fn, primals, t)[1])(*specs).jaxpr
    live = set(jaxpr.invars)
    for eqn in jaxpr.eqns:
        if any(not isinstance(v, jex_core.Literal) and v in live for v in eqn.invars):
            live.update(eqn.outvars)
    return [not isinstance(v, jex_core.Literal) and v in live for v in jaxpr.outvars]


def _captured(fns: tuple[Any, ...], tapes: list[Any], inputs: list[Any]) -> tuple[TensorBase, ...]:
    """The Tensors a tape watches (or computed) that ``f`` or ``grad_fn`` read from outside (closure
    cells, module globals) rather than as arguments: a gradient of ``grad_fn`` depends on them."""
    watched: dict[int, Any] = {}
    for tape in tapes:
        watched.update(getattr(tape, "_watched", {}))
    if not watched:
        return ()
    found: dict[int, TensorBase] = {}
    for fn in fns:
        values = []
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                values.append(cell.cell_contents)
            except ValueError:  # an empty cell
                continue
        code = getattr(fn, "__code__", None)
        if code is not None:
            values += [fn.__globals__[n] for n in code.co_names if n in fn.__globals__]
        for v in values:
            if isinstance(v, TensorBase) and id(v) in watched and all(v is not x for x in inputs):
                found.setdefault(id(v), v)
    return tuple(found.values())


def _build_op(
    f: Callable[..., Any],
    arg_tree: Any,
    tensor_pos: tuple[int, ...],
    static_args: tuple[Any, ...],
    kwargs: dict[str, Any],
    variables: tuple[VariableBase, ...],
    arg_order: Any,
    captured: tuple[TensorBase, ...] = (),
) -> Op:
    n_x = len(tensor_pos)
    swapped = (*variables, *captured)

    def call_f(arrays: tuple[Any, ...]) -> tuple[Any, Any]:
        args = list(static_args)
        for p, a in zip(tensor_pos, arrays[:n_x], strict=True):
            args[p] = _wrap(a)
        with _Swap(swapped, arrays[n_x:]):  # (dicts in the caller's key order: in_order_of)
            y, grad_fn = f(*in_order_of(arg_order, jax.tree_util.tree_unflatten(arg_tree, args)), **kwargs)
        return y, grad_fn

    def flat_out(y: Any) -> tuple[Any, ...]:
        return tuple(t._value if isinstance(t, (TensorBase, VariableBase)) else jnp.asarray(t) for t in _as_tensors(y))

    @jax.custom_vjp
    def impl(*arrays: Any) -> tuple[Any, ...]:
        return flat_out(call_f(arrays)[0])

    def fwd(*arrays: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return flat_out(call_f(arrays)[0]), arrays

    def bwd(arrays: tuple[Any, ...], cts: tuple[Any, ...]) -> tuple[Any, ...]:
        y, grad_fn = call_f(arrays)
        ys = _as_tensors(y)
        upstream = [_wrap(c) for c in cts]
        trainable = [i for i, v in enumerate(variables) if v._auto_watch]
        with _Swap(swapped, arrays[n_x:]):
            if trainable:
                out = grad_fn(*upstream, variables=[_wrap(arrays[n_x + i]) for i in trainable])
                if not isinstance(out, (list, tuple)) or len(out) != 2:
                    raise ValueError(
                        "custom_gradient: with variables, grad_fn must return (input_grads, variable_grads)."
                    )
                x_grads = _check_grads(out[0], n_x)
                given = list(out[1])
                if len(given) != len(trainable):
                    raise ValueError(
                        f"custom_gradient: grad_fn returned {len(given)} variable gradients for "
                        f"{len(trainable)} variables."
                    )
                v_grads: list[Any] = [None] * len(variables)
                for i, g in zip(trainable, given, strict=True):
                    v_grads[i] = g
            else:
                x_grads = _check_grads(grad_fn(*upstream), n_x)
                v_grads = [None] * len(variables)
        del ys
        # Captured tensors get no gradient (f runs unrecorded, as in TF); they are inputs so that the
        # ops of grad_fn that read them are differentiated with respect to them (higher order).
        c_grads = [None] * len(captured)
        cts_in = tuple(_to_ct(g, a) for g, a in zip(x_grads + v_grads + c_grads, arrays, strict=True))
        none_grads[0] = frozenset(i for i, c in enumerate(cts_in) if c is None)
        return cts_in

    impl.defvjp(fwd, bwd)
    none_grads: list[frozenset[int] | None] = [None]  # the inputs grad_fn gave None, on bwd's last trace

    def connected(avals: dataflow.Avals) -> tuple[frozenset[int], ...]:
        """TF's connectivity: a gradient reaches every input grad_fn returns a value for (even zeros),
        through every output; an input it returns None for gets None. Found by tracing the backward
        pass (once per input shapes and dtypes: ``dataflow.cached_deps``)."""

        def probe(*arrays: Any) -> Any:
            outs, vjp = jax.vjp(impl, *arrays)
            return outs, vjp(tuple(jnp.ones_like(o) for o in outs))

        none_grads[0] = None
        outs, _ = jax.eval_shape(probe, *[jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in avals])
        # (if JAX reused an earlier trace of bwd, nothing was noted: every input is connected)
        reached = frozenset(range(len(avals))) - (none_grads[0] or frozenset())
        return (reached,) * len(outs)

    def plain(*arrays: Any) -> tuple[Any, ...]:
        return flat_out(call_f(arrays)[0])

    # Forward mode (ForwardAccumulator), as TF's accumulator: an output's tangent is the forward
    # ops' when they carry one; an output they give none (a straight-through estimator: round,
    # stop_gradient, a cast to int) gets the custom gradient's, transposed (the vjp of the linear
    # vjp is J @ t). jax.jvp cannot go through the custom_vjp itself.
    @jax.custom_jvp
    def forward(*arrays: Any) -> tuple[Any, ...]:
        return plain(*arrays)

    @forward.defjvp
    def forward_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        outs, touts = jax.jvp(plain, primals, tangents)
        carried = _carries(plain, primals, tangents)
        if all(carried):
            return outs, touts
        _, vjp = jax.vjp(impl, *primals)
        _, back = jax.vjp(vjp, tuple(jnp.zeros_like(o) for o in outs))
        (custom,) = back(tuple(tangents))
        return outs, tuple(t if c else tc for t, tc, c in zip(touts, custom, carried, strict=True))

    name = getattr(f, "__name__", "custom_gradient")
    return Op(
        f"CustomGradient[{name}]",
        lambda *a: impl(*a),
        multiple_results=True,
        runs_user_code=True,
        jvp_impl=forward,
        deps=dataflow.cached_deps(connected),
    )


# Built custom-gradient ops by (function, argument structure, static arguments, Variables), so that
# repeated calls share one structure key and one compiled pullback. The Op holds the Variables alive.
_OPS: dict[Any, Op] = {}


def custom_gradient(f: Callable[..., Any] | None = None) -> Any:
    """Decorator to define a function with a custom gradient (``tf.custom_gradient``).

    ``f(*xs)`` returns ``(y, grad_fn)``; ``grad_fn(*upstream)`` returns one gradient per input
    (a single tensor for one input). If ``f`` reads trainable Variables, ``grad_fn`` must accept the
    keyword ``variables`` and return ``(input_grads, variable_grads)``. Ops inside ``grad_fn`` are
    differentiable again, so higher-order gradients work.

    >>> import tapejax as tf
    >>> @tf.custom_gradient
    ... def log1pexp(x):
    ...     e = tf.exp(x)
    ...     def grad(upstream):
    ...         return upstream * (1 - 1 / (1 + e))
    ...     return tf.math.log(1 + e), grad
    >>> x = tf.constant(100.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = log1pexp(x)
    >>> print(g.gradient(y, x))
    tf.Tensor(1.0, shape=(), dtype=float32)

    Raises:
      ValueError: if ``grad_fn`` returns the wrong number of gradients.
      TypeError: if ``f`` reads Variables and ``grad_fn`` lacks the ``variables`` keyword.

    Differences from TensorFlow: ``f`` is run again (traced) when the gradient is computed, so it must
    be a pure function of its inputs and the Variables it reads (no ``.numpy()`` inside).
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tapes = tape_state.tapes
        if not tapes:
            return f(*args, **kwargs)[0]
        logger = _ReadLogger()
        tape_state.tapes = [logger]  # type: ignore[list-item]
        try:
            y, grad_fn = f(*args, **kwargs)
        finally:
            tape_state.tapes = tapes
        leaves, arg_tree = jax.tree_util.tree_flatten(
            list(args), is_leaf=lambda x: isinstance(x, (TensorBase, VariableBase))
        )
        tensor_pos = tuple(i for i, a in enumerate(leaves) if isinstance(a, (TensorBase, VariableBase)))
        xs = [leaves[i] for i in tensor_pos]
        # Variables passed as arguments are inputs (one gradient each from grad_fn), not ``variables``,
        # as TF's: only the other Variables f reads are (keyword arguments are left out too, as TF).
        inputs = [*xs, *kwargs.values()]
        variables = tuple(v for v in logger.variables.values() if all(v is not x for x in inputs))
        trainable = [v for v in variables if v._auto_watch]
        if (
            trainable
            and "variables" not in inspect.signature(grad_fn).parameters
            and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(grad_fn).parameters.values())
        ):
            raise TypeError(
                "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function uses "
                f"variables: {[v.name for v in trainable]}"  # type: ignore[attr-defined]
            )
        static = tuple(None if i in tensor_pos else a for i, a in enumerate(leaves))
        captured = _captured((f, grad_fn), tapes, inputs)
        key = (
            f,
            arg_tree,
            tensor_pos,
            static,
            tuple(sorted(kwargs.items())),
            tuple(id(v) for v in variables),
            tuple(id(c) for c in captured),
        )
        try:
            op = _OPS.get(key)
        except TypeError:  # unhashable Python arguments: build (and compile) afresh
            key, op = None, None
        if op is None:
            op = _build_op(f, arg_tree, tensor_pos, static, kwargs, variables, order_skeleton(list(args)), captured)
            if key is not None:
                if len(_OPS) > 256:
                    _OPS.clear()
                _OPS[key] = op
        rec_args = (*xs, *variables, *captured)
        ys, y_tree = flatten(y)
        values = [t._v for t in (*ys, *rec_args) if isinstance(t, (TensorBase, VariableBase))]
        if any(isinstance(v, jax.core.Tracer) for v in values):  # pyright: ignore[reportAttributeAccessIssue]
            # Under a trace (tf.function, tf.cond, a backward function): the op itself computes the
            # outputs, so that the traced program holds the custom gradient (jax.custom_vjp) for
            # whatever differentiates it later; bind records it on the tapes as any op.
            y_tensors = bind(op, *rec_args)
        else:
            # New Tensors even where f returned one it was given (TF's identity on each output): the
            # output must stand only for this op on the tapes, or its input's own path adds up too.
            y_tensors = tuple(
                _wrap(t._v) if isinstance(t, (TensorBase, VariableBase)) else Tensor(convert_python(t, None))
                for t in ys
            )
            vals = [a._value for a in rec_args]
            reads: dict[int, Any] = {}
            for tape in tapes:
                tape._record(op, (), rec_args, vals, y_tensors, reads)
        return unflatten(y_tree, list(y_tensors), y)

    return wrapper
