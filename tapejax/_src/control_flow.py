"""``tf.cond`` and ``tf.while_loop``: eagerly Python control flow, traced one ``lax`` op a tape records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from tapejax._src import dataflow
from tapejax._src.core import Op, TensorBase, VariableBase, _wrap, bind, tape_state
from tapejax._src.function import _Discovery, _is_traced
from tapejax._src.tensor import convert_python


def _unwrap_tree(tree: Any) -> tuple[list[Any], Any]:
    leaves, t = jax.tree_util.tree_flatten(tree, is_leaf=lambda x: isinstance(x, (TensorBase, VariableBase)))
    # Python numbers with TF's dtypes (float32, int32), not jnp's 64-bit ones under x64.
    return [
        x._value
        if isinstance(x, (TensorBase, VariableBase))
        else x
        if isinstance(x, jax.Array)
        else convert_python(x, None)
        for x in leaves
    ], t


def cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    name: str | None = None,
) -> Any:
    """Runs ``true_fn()`` if ``pred`` else ``false_fn()`` (``tf.cond``).

    Eagerly only the taken branch runs (and is recorded by tapes, so gradients flow through it, as in
    TF); inside ``tf.function`` both branches are traced into one ``lax.cond``, an op tapes record
    (see :func:`_traced_op`).
    """
    if true_fn is None or false_fn is None:
        raise TypeError("tf.cond: true_fn and false_fn are required.")
    if not _is_traced(pred):
        return true_fn() if bool(pred) else false_fn()
    p = pred._value if isinstance(pred, (TensorBase, VariableBase)) else pred
    trees: list[Any] = []

    def arrays_of(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            arrays, tree = _unwrap_tree(fn())
            trees.append(tree)
            return tuple(arrays)

        return run

    reads = _reads()
    t_fn, t_consts = jax.closure_convert(_untaped(arrays_of(true_fn), reads))
    f_fn, f_consts = jax.closure_convert(_untaped(arrays_of(false_fn), reads))
    n_t = len(t_consts)

    def impl(pred: Any, *consts: Any) -> Any:
        return jax.lax.cond(pred, lambda: t_fn(*consts[:n_t]), lambda: f_fn(*consts[n_t:]))

    out = _traced_op("Cond", impl, [p], [*t_consts, *f_consts], reads)
    return jax.tree_util.tree_unflatten(trees[0], out)


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
    is one ``lax.while_loop``, an op tapes record (see :func:`_traced_op`), which JAX cannot
    reverse-differentiate: a gradient through it raises, unless ``maximum_iterations`` is a Python
    int (then it is a ``lax.scan`` of that many steps, differentiable as TF's loop).
    """
    leaves, tree = jax.tree_util.tree_flatten(loop_vars, is_leaf=lambda x: isinstance(x, (TensorBase, VariableBase)))
    if not any(_is_traced(x) for x in leaves):
        vars_ = loop_vars
        i = 0
        while bool(cond(*_as_args(vars_))) and (maximum_iterations is None or i < int(maximum_iterations)):
            vars_ = body(*_as_args(vars_))
            i += 1
        return vars_

    init = _unwrap_tree(leaves)[0]
    reads = _reads()
    c_fn, c_consts = jax.closure_convert(
        _untaped(lambda *a: _unwrap_tree(cond(*_as_args(_rebuild(tree, a))))[0][0], reads), *init
    )
    b_fn, b_consts = jax.closure_convert(
        _untaped(lambda *a: tuple(_unwrap_tree(body(*_as_args(_rebuild(tree, a))))[0]), reads), *init
    )
    n, n_c = len(init), len(c_consts)
    limit = (
        maximum_iterations._value if isinstance(maximum_iterations, (TensorBase, VariableBase)) else maximum_iterations
    )

    def impl(*args: Any) -> Any:
        state, cc, bc = tuple(args[:n]), args[n : n + n_c], args[n + n_c :]
        if isinstance(limit, int):
            # A static bound: a scan of `limit` steps that stop changing the state once the condition
            # fails, which JAX can reverse-differentiate (as TF differentiates its loop).
            def step(carry: Any, _: Any) -> Any:
                done, st = carry
                go = jnp.logical_and(jnp.logical_not(done), c_fn(*st, *cc))
                new = tuple(b_fn(*st, *bc))
                return (jnp.logical_not(go), tuple(jnp.where(go, a, b) for a, b in zip(new, st, strict=True))), None

            (_, out), _ = jax.lax.scan(step, (jnp.zeros((), bool), state), None, length=limit)
            return out
        if limit is None:
            return jax.lax.while_loop(lambda st: c_fn(*st, *cc), lambda st: tuple(b_fn(*st, *bc)), state)
        _, out = jax.lax.while_loop(  # a tensor bound: a counter beside the loop vars
            lambda st: jnp.logical_and(st[0] < limit, c_fn(*st[1], *cc)),
            lambda st: (st[0] + 1, tuple(b_fn(*st[1], *bc))),
            (jnp.zeros((), jnp.asarray(limit).dtype), state),
        )
        return out

    return jax.tree_util.tree_unflatten(tree, _traced_op("While", impl, leaves, [*c_consts, *b_consts], reads))


def _reads() -> Any:
    """A stand-in tape noting the Variables that traced control flow's functions read."""
    from tapejax._src.custom_gradient import _ReadLogger

    return _ReadLogger()


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


def _traced_op(name: str, impl: Callable[..., Any], inputs: list[Any], consts: list[Any], reads: Any) -> list[Any]:
    """Runs traced control flow as ONE op (``impl`` of ``inputs``, then the values its functions
    close over, from ``jax.closure_convert``), so that active tapes record it: a closed-over value a
    tape knows (a watched Tensor, a Variable read) goes in as that Tensor or Variable, and the
    gradient flows through the op (before, the functions' ops were recorded inside ``lax.cond``'s
    own trace, cut off from the tape: None)."""
    known: dict[int, Any] = {id(v._v): v for v in reads.variables.values()}
    for tape in tape_state.tapes:
        for t in getattr(tape, "_watched", {}).values():
            known.setdefault(id(t._v), t)
        for v in getattr(tape, "_vars", {}).values():
            known.setdefault(id(v._v), v)
    args = [*inputs, *[known.get(id(c), c) for c in consts]]
    op = Op(name, impl, multiple_results=True, runs_user_code=True, deps=dataflow.vjp_deps_of(impl))
    return list(bind(op, *args))


def _rebuild(tree: Any, arrays: Any) -> Any:
    return jax.tree_util.tree_unflatten(tree, [_wrap(a) for a in arrays])


def _as_args(loop_vars: Any) -> tuple[Any, ...]:
    return tuple(loop_vars) if isinstance(loop_vars, (list, tuple)) else (loop_vars,)
