"""``strategy.run``: the replica function as ONE program over the replicas' stacked values.

The replica function is run under ``jax.vmap`` over the leading (replica) axis of the ``PerReplica``
arguments, with the collectives' axis name (``collectives.AXIS``) and the mesh's data axis as
``spmd_axis_name``; the stacked values are sharded along that axis, so XLA's SPMD partitioner gives
each device its replica and turns the cross-replica sums (``all_reduce``, the optimizer's gradient
sum) into all-reduces. Called eagerly, the vmapped function is compiled once per input signature by
tapejax's ``tf.function``; called inside a ``tf.function``, it is part of that function's program.

Variables the replica function assigns are threaded through the vmap (in and out unmapped): the replicas'
assignments become one value by the Variable's aggregation (see :func:`_aggregate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from tapejax._src.core import TensorBase, VariableBase, _wrap, tape_state
from tapejax._src.distribute import collectives, context
from tapejax._src.distribute.strategy import DATA_AXIS, ReplicaContext, Strategy
from tapejax._src.distribute.values import PerReplica
from tapejax._src.function import Function, in_trace, lifted_states


class _AssignRecorder:
    """Stands beside the tapes while the replica function traces: notes the Variables it assigns."""

    def __init__(self) -> None:
        self.assigned: dict[int, Any] = {}
        self.originals: dict[int, Any] = {}

    def _record(self, op: Any, params: Any, args: Any, vals: Any, result: Any, reads: Any) -> None:
        pass

    def _on_assign(self, var: Any) -> None:
        if id(var) not in self.assigned:
            self.assigned[id(var)] = var
            self.originals[id(var)] = var._value


def _is_leaf(x: Any) -> bool:
    return isinstance(x, (PerReplica, TensorBase, VariableBase))


def _is_traced(x: Any) -> bool:
    v = x.stacked._v if isinstance(x, PerReplica) else getattr(x, "_v", x)
    return isinstance(v, jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]


def run_replicas(
    strategy: Strategy,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    gradient_reduce: str = "SUM",
) -> Any:
    """``strategy.run``: compiled once per signature when called eagerly, inline inside a trace.

    With one replica, ``fn`` is simply called (eagerly, as TF), on the one value of each ``PerReplica``.
    """
    if strategy.num_replicas_in_sync == 1:
        args, kwargs = jax.tree_util.tree_map(
            lambda x: x.values[0] if isinstance(x, PerReplica) else x, (args, kwargs), is_leaf=_is_leaf
        )
        context.push(strategy, ReplicaContext(strategy, collective=False, gradient_reduce=gradient_reduce))
        try:
            return fn(*args, **kwargs)
        finally:
            context.pop()
    leaves = jax.tree_util.tree_leaves((args, kwargs), is_leaf=_is_leaf)
    if in_trace() or any(_is_traced(x) for x in leaves):
        return _run_inline(strategy, fn, gradient_reduce, *args, **kwargs)
    compiled = strategy._run_functions.get((fn, gradient_reduce))
    if compiled is None:

        def replicas(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return _run_inline(strategy, fn, gradient_reduce, *args, **kwargs)

        compiled = Function(replicas)
        strategy._run_functions[(fn, gradient_reduce)] = compiled
    return compiled(args, kwargs)


def _run_inline(strategy: Strategy, fn: Callable[..., Any], gradient_reduce: str, *args: Any, **kwargs: Any) -> Any:
    n = strategy.num_replicas_in_sync
    leaves, tree = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_leaf)
    mapped = [i for i, x in enumerate(leaves) if isinstance(x, PerReplica)]
    stacked = tuple(leaves[i].stacked._value for i in mapped)
    for x in stacked:
        if not x.shape or x.shape[0] != n:
            raise ValueError(
                f"{type(strategy).__name__}.run: a PerReplica argument holds {x.shape[0] if x.shape else 0} values "
                f"for {n} replicas; pass values made by this strategy."
            )
    states = lifted_states()
    threaded: list[Any] = strategy._assigned.setdefault(fn, [])
    for _ in range(8):  # each round threads the Variables the last trace found assigned
        trace = _ReplicaTrace(strategy, fn, leaves, tree, mapped, list(threaded), gradient_reduce)
        var_vals = tuple(v._value for v in trace.held)
        rng = states[0]._value
        try:
            new_vals, new_rng, outs = jax.vmap(
                trace.replica,
                in_axes=(None, None, 0),
                out_axes=(None, None, 0),
                axis_name=collectives.AXIS,
                axis_size=n,
                spmd_axis_name=DATA_AXIS,
            )(var_vals, rng, stacked)
        finally:
            recorder = trace.recorder
            for key, var in recorder.assigned.items():
                var._value = recorder.originals[key]
            for v, a in zip(trace.held, var_vals, strict=True):
                v._value = a
            states[0]._value = rng
        new = [v for v in trace.recorder.assigned.values() if all(v is not w for w in threaded)]
        if not new:
            break
        threaded.extend(new)
    else:
        raise RuntimeError(f"{type(strategy).__name__}.run: the Variables assigned kept changing between traces.")
    for v, a in zip(trace.held, new_vals, strict=True):
        v._value = a
    states[0]._value = new_rng
    out_tree, is_tensor, static = trace.meta[-1]
    it = iter(outs)
    out_leaves = [PerReplica(_wrap(next(it))) if t else s for t, s in zip(is_tensor, static, strict=True)]
    return jax.tree_util.tree_unflatten(out_tree, out_leaves)


class _ReplicaTrace:
    """One trace of the replica function: the pure function ``jax.vmap`` maps over the replicas."""

    def __init__(
        self,
        strategy: Strategy,
        fn: Callable[..., Any],
        leaves: list[Any],
        tree: Any,
        mapped: list[int],
        held: list[Any],
        gradient_reduce: str,
    ) -> None:
        self.gradient_reduce = gradient_reduce
        self.strategy = strategy
        self.fn = fn
        self.leaves = leaves
        self.tree = tree
        self.mapped = mapped
        self.held = held  # the Variables threaded through (assigned by an earlier trace)
        self.recorder = _AssignRecorder()
        self.meta: list[Any] = []

    def replica(self, var_vals: tuple[Any, ...], rng: Any, xs: tuple[Any, ...]) -> Any:
        states = lifted_states()
        for v, a in zip(self.held, var_vals, strict=True):
            v._value = a
        states[0]._value = rng
        new_leaves = list(self.leaves)
        for i, x in zip(self.mapped, xs, strict=True):
            new_leaves[i] = _wrap(x)
        args, kwargs = jax.tree_util.tree_unflatten(self.tree, new_leaves)
        saved_tapes = tape_state.tapes
        tape_state.tapes = [*saved_tapes, self.recorder]  # type: ignore[list-item]
        context.push(
            self.strategy, ReplicaContext(self.strategy, collective=True, gradient_reduce=self.gradient_reduce)
        )
        try:
            out = self.fn(*args, **kwargs)
        finally:
            context.pop()
            tape_state.tapes = saved_tapes
        out_leaves, out_tree = jax.tree_util.tree_flatten(out, is_leaf=_is_leaf)
        is_tensor = [isinstance(x, (TensorBase, VariableBase)) for x in out_leaves]
        self.meta.append((out_tree, is_tensor, [None if t else x for x, t in zip(out_leaves, is_tensor, strict=True)]))
        arrays = tuple(x._value for x, t in zip(out_leaves, is_tensor, strict=True) if t)
        new_vals = tuple(_aggregate(v, old) for v, old in zip(self.held, var_vals, strict=True))
        return new_vals, states[0]._value, arrays


def _aggregate(variable: Any, old: Any) -> Any:
    """The one value of ``variable`` after the replicas' assignments, by its aggregation (as TF's mirrored
    Variables): ``sum`` adds every replica's change, ``mean`` averages the values; ``none`` (TF's default)
    and ``only_first_replica`` keep replica 0's (TF leaves a ``none`` Variable's copies different and reads
    replica 0's; a value the same on every replica, as the optimizer's update, is kept as it is)."""
    new = variable._value
    aggregation = context.aggregation_of(variable)
    if aggregation == "sum":
        return old + jax.lax.psum(new - old, collectives.AXIS)
    if aggregation == "mean" and jax.numpy.issubdtype(new.dtype, jax.numpy.inexact):
        return jax.lax.pmean(new, collectives.AXIS)
    return jax.lax.all_gather(new, collectives.AXIS)[0]
