"""Which outputs of a function depend on which inputs: a dataflow walk of its jaxpr.

TF decides that a higher-order gradient is ``None`` from the ops its backward pass recorded: a
source is connected only if a gradient flows to it through them. tapejax records a whole backward
pass as one op (a pullback); the same question is answered by walking that op's jaxpr. A
dependency is carried by floating and complex values only: a comparison, a cast to an integer or a
boolean mask cuts it, as TF's non-differentiable ops (``Greater``, ``Cast`` to int, ``Select``'s
condition) do. A loop or branch (``cond``, ``while``, ``scan``) is taken as
depending on all its inputs, so a walk may say "connected" (zeros) where TF says ``None``, never the
other way round: a dependency it drops carries no derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax.extend import core as jex_core

_NONE: frozenset[int] = frozenset()


_INEXACT_DTYPES: dict[Any, bool] = {}


def _inexact(aval: Any) -> bool:
    """Floating or complex (bfloat16 too, whose NumPy kind is "V")."""
    dtype = getattr(aval, "dtype", None)
    if dtype is None:
        return False
    known = _INEXACT_DTYPES.get(dtype)
    if known is None:
        known = _INEXACT_DTYPES[dtype] = bool(jnp.issubdtype(dtype, jnp.inexact))
    return known


# Primitives that call a jaxpr once with their own inputs and outputs 1:1. Loops (scan, while) are not
# among them: their bodies run many times, a carry feeding another, so one walk of the body would miss
# dependencies (a None where the gradient is a value); they count as all-to-all, as cond does.
_CALLS = frozenset(
    ("pjit", "jit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr",
     "checkpoint", "remat", "remat2", "custom_lin")
)  # fmt: skip


def _inner_jaxpr(eqn: Any) -> Any:
    """The jaxpr an equation calls with its own inputs and outputs 1:1 (pjit, custom_jvp/vjp calls,
    remat), or None."""
    if eqn.primitive.name not in _CALLS:
        return None
    for name in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
        inner = eqn.params.get(name)
        if inner is None:
            continue
        inner = getattr(inner, "jaxpr", inner)  # a ClosedJaxpr's open jaxpr
        if len(inner.invars) == len(eqn.invars) and len(inner.outvars) == len(eqn.outvars):
            return inner
    return None


# The zeros of an op whose TF gradient is zeros that read nothing (math_ops.connected_zero, cut=True):
# a walk of a recorded backward pass stops there; a walk of a derivative (vjp_input_deps) does not.
_CUT_ZERO = "tapejax_connected_zero"

# Primitives whose derivative is zero and whose TF ops have no gradient (Round, Rint, Floor, Ceil,
# FloorDiv: None): a forward walk for a 0-size input (vjp_input_deps) stops at them, as the
# derivative's walk does for any other size.
_NO_GRADIENT = frozenset(("stop_gradient", "round", "floor", "ceil"))


def _walk(jaxpr: Any, ins: Sequence[frozenset[int]], cut: bool = False, stops: bool = False) -> list[frozenset[int]]:
    env: dict[Any, frozenset[int]] = {}
    for v, d in zip(jaxpr.invars, ins, strict=True):
        env[v] = d if _inexact(v.aval) else _NONE

    def read(v: Any) -> frozenset[int]:
        return _NONE if isinstance(v, jex_core.Literal) else env.get(v, _NONE)

    for eqn in jaxpr.eqns:
        eqn_ins = [read(v) for v in eqn.invars]
        inner = _inner_jaxpr(eqn)
        name = eqn.primitive.name
        if (cut and name == _CUT_ZERO and eqn.params.get("cut")) or (stops and name in _NO_GRADIENT):
            outs = [_NONE] * len(eqn.outvars)
        elif inner is not None:
            outs = _walk(inner, eqn_ins, cut, stops)
        else:
            union = frozenset().union(*eqn_ins)
            outs = [union] * len(eqn.outvars)
        for v, d in zip(eqn.outvars, outs, strict=True):
            env[v] = d if _inexact(v.aval) else _NONE
    return [read(v) for v in jaxpr.outvars]


def input_deps(fn: Callable[..., Any], avals: Sequence[tuple[tuple[int, ...], Any]]) -> tuple[frozenset[int], ...]:
    """Per flat output of ``fn``, the positions of the inputs (of the given shapes and dtypes) it
    depends on through floating-point dataflow."""
    specs = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in avals]
    closed = jax.make_jaxpr(fn)(*specs)
    return tuple(_walk(closed.jaxpr, [frozenset((i,)) for i in range(len(specs))], cut=True))


Avals = tuple[tuple[tuple[int, ...], Any], ...]


def cached_deps(find: Callable[[Avals], tuple[frozenset[int], ...]]) -> Callable[..., tuple[frozenset[int], ...]]:
    """An ``Op.deps`` (for an op without params) that calls ``find(avals)`` once per input shapes and dtypes."""
    cache: dict[Avals, tuple[frozenset[int], ...]] = {}

    def deps(params: Any, avals: Avals) -> tuple[frozenset[int], ...]:
        found = cache.get(avals)
        if found is None:
            found = cache[avals] = find(avals)
        return found

    return deps


def deps_of(fn: Callable[..., Any]) -> Callable[..., tuple[frozenset[int], ...]]:
    """An ``Op.deps`` for an op whose implementation is ``fn``: the walk of :func:`input_deps`."""
    return cached_deps(lambda avals: input_deps(fn, avals))


def vjp_input_deps(fn: Callable[..., Any], avals: Sequence[tuple[tuple[int, ...], Any]]) -> tuple[frozenset[int], ...]:
    """Per flat output of ``fn``, the positions of the inputs its cotangent reaches in ``fn``'s
    reverse-mode derivative: TF's first-order rule for a whole traced function (an op with no
    gradient, ``round`` or ``stop_gradient``, passes nothing back; ``relu`` passes its mask)."""
    specs = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in avals]
    outs = jax.tree_util.tree_leaves(jax.eval_shape(fn, *specs))
    diff = [k for k, o in enumerate(outs) if _inexact(o)]

    def pullback(primals: Any, cts: Any) -> Any:
        _, vjp = jax.vjp(lambda *p: tuple(jax.tree_util.tree_leaves(fn(*p))[k] for k in diff), *primals)
        return vjp(tuple(cts))

    ct_specs = [jax.ShapeDtypeStruct(outs[k].shape, outs[k].dtype) for k in diff]
    jaxpr = jax.make_jaxpr(pullback)(specs, ct_specs).jaxpr
    labels = [_NONE] * len(specs) + [frozenset((k,)) for k in diff]
    reached = _walk(jaxpr, labels)  # per input: the outputs whose cotangents reach it
    deps = [{i for i, r in enumerate(reached) if k in r} for k in range(len(outs))]
    empty = [i for i, s in enumerate(specs) if s.size == 0 and _inexact(s)]
    if empty:
        # A 0-size input's cotangent holds no values, so JAX's derivative may build it from nothing
        # (reduce_prod's zeros): the forward dataflow, cut at stop_gradient and at the ops without a
        # TF gradient (round: None), says which outputs it feeds (TF: an empty gradient, not None).
        forward = _walk(jax.make_jaxpr(fn)(*specs).jaxpr, [frozenset((i,)) for i in range(len(specs))], stops=True)
        for k in diff:
            deps[k] |= {i for i in empty if i in forward[k]}
    return tuple(frozenset(d) for d in deps)


def vjp_deps_of(fn: Callable[..., Any]) -> Callable[..., tuple[frozenset[int], ...]]:
    """An ``Op.deps`` from :func:`vjp_input_deps`; without reverse mode (``lax.while_loop``), every
    input reaches every output (the gradient itself raises JAX's error later)."""

    def find(avals: Avals) -> tuple[frozenset[int], ...]:
        try:
            return vjp_input_deps(fn, avals)
        except Exception:
            n_out = len(jax.tree_util.tree_leaves(jax.eval_shape(fn, *[jax.ShapeDtypeStruct(*a) for a in avals])))
            return (frozenset(range(len(avals))),) * n_out

    return cached_deps(find)
