"""The backward engine: prune a tape's node list, key its structure, run one cached compiled pullback.

``gradient()`` never differentiates op by op in Python. It prunes the recorded nodes to the paths
from the sources to the targets, describes that subgraph as a hashable structure key (ops, params,
wiring) and looks up a pure pullback function for it. The pullback is itself an ``Op``: calling it
goes through ``bind`` like any op, so it runs as ONE jitted XLA call, and an outer tape that watches
its inputs records it as one node and can differentiate it again (higher order for free).

The saved op inputs are passed to the pullback as residuals, so the forward pass is not recomputed:
each node's VJP is taken at its saved inputs and XLA drops the forward values the VJP does not use.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dataflow, lazy
from tapejax._src.core import Op

# Compiled pullbacks kept at once; the least recently used one is dropped beyond this.
CACHE_SIZE = 512
# Larger subgraphs are differentiated in segments of this many nodes, one compiled pullback per
# segment structure: a long chain of repeated ops compiles once instead of as one huge program.
SEGMENT = 200


# One node of a pruned subgraph, by position (no Tensors, only hashable structure):
# (op, params, inputs as (residual index, local index or -1 if off the path), output local indices or -1).
NodeSpec = tuple[Op, tuple[tuple[str, Any], ...], tuple[tuple[int, int], ...], tuple[int, ...]]


class Structure(NamedTuple):
    """The structure key of one gradient / jacobian computation."""

    mode: str  # "grad", "jacobian", "batch_jacobian" or "jvp"
    nodes: tuple[NodeSpec, ...]
    n_residuals: int
    # Per target: (local index or -1, shape, numpy dtype, seeded by output_gradients).
    targets: tuple[tuple[int, tuple[int, ...], Any, bool], ...]
    # Per connected source: the local indices whose cotangents sum to its gradient.
    sources: tuple[tuple[int, ...], ...]


class Pruned(NamedTuple):
    structure: Structure
    residuals: list[Any]  # Tensors (so outer tapes see them) or constant arrays
    connected: list[bool]  # per requested source
    plan: list[tuple[Any, int]]  # where each residual comes from: (node, input position)


def prune(
    nodes: Sequence[Any],
    target_ids: Sequence[Any],
    target_avals: Sequence[tuple[tuple[int, ...], Any]],
    source_ids: Sequence[Sequence[Any]],
    seeded: Sequence[bool],
    mode: str = "grad",
) -> Pruned:
    """Keeps the nodes on a path from a source to a target and numbers what they touch.

    Args:
      nodes: the tape's nodes in execution order (reverse order is topological).
      target_ids: ``id()`` of each target tensor (None for targets that cannot carry a gradient).
      target_avals: shape and numpy dtype of each target.
      source_ids: per source, the ids standing for it (a Variable has one per recorded read).
      seeded: per target, whether an output gradient is passed for it.
      mode: "grad", "jacobian", "batch_jacobian" or "jvp".
    """
    kept, needed = select(nodes, target_ids, source_ids)
    return number(kept, needed, target_ids, target_avals, source_ids, seeded, mode)


def select(
    nodes: Sequence[Any], target_ids: Sequence[Any], source_ids: Sequence[Sequence[Any]]
) -> tuple[list[Any], set[Any]]:
    """The nodes on a path from a source to a target (in order), and the ids on those paths."""
    # Ids of a node's inputs and outputs: the node keeps them alive, so they are unique (a constant
    # input's id never collides with a tensor's). Plain loops: a new structure is selected on every
    # step of a dynamic loop.
    reach: set[Any] = set()
    for ids in source_ids:
        reach.update(ids)
    fwd = []
    for node in nodes:
        for t in node.inputs:
            if id(t) in reach:
                if node.op.deps is None:
                    fwd.append(node)
                    for o in node.outputs:
                        reach.add(id(o))
                else:  # (a recorded pullback: only the outputs that depend on what is reached)
                    outs = reached_outputs(node, reach)
                    if outs:
                        fwd.append(node)
                        reach.update(map(id, outs))
                break
    needed: set[Any] = {tid for tid in target_ids if tid is not None and tid in reach}
    kept = []
    for node in reversed(fwd):
        for o in node.outputs:
            if id(o) in needed:
                kept.append(node)
                if node.op.deps is None:
                    for t in node.inputs:
                        k = id(t)
                        if k in reach:
                            needed.add(k)
                else:
                    deps = node_deps(node)
                    used = frozenset().union(*[d for o, d in zip(node.outputs, deps, strict=True) if id(o) in needed])
                    for j, t in enumerate(node.inputs):
                        if j in used and id(t) in reach:
                            needed.add(id(t))
                break
    kept.reverse()
    return kept, needed


def _aval(x: Any) -> tuple[tuple[int, ...], Any]:
    v = getattr(x, "_v", x)  # a Tensor's value (an array, a tracer or a Pending), or a constant array
    return tuple(v.shape), np.dtype(v.dtype)


def node_deps(node: Any) -> tuple[frozenset[int], ...]:
    """Per output of a recorded node whose op has ``deps``: the input positions a gradient reaches."""
    return node.op.deps(node.params, tuple([_aval(x) for x in node.inputs]))


def reached_outputs(node: Any, reach: set[Any]) -> list[Any]:
    """The outputs of ``node`` through which a gradient reaches one of its inputs in ``reach`` (ids)."""
    if node.op.deps is None:
        return list(node.outputs) if any(id(t) in reach for t in node.inputs) else []
    hit = {j for j, t in enumerate(node.inputs) if id(t) in reach}
    return [o for o, d in zip(node.outputs, node_deps(node), strict=True) if not d.isdisjoint(hit)]


def number(
    kept: Sequence[Any],
    needed: set[Any],
    target_ids: Sequence[Any],
    target_avals: Sequence[tuple[tuple[int, ...], Any]],
    source_ids: Sequence[Sequence[Any]],
    seeded: Sequence[bool],
    mode: str,
) -> Pruned:
    """Numbers the selected nodes' tensors by position: the hashable structure and its residuals."""
    local: dict[Any, int] = {}
    residuals: list[Any] = []
    res_index: dict[int, int] = {}
    specs = []
    plan: list[tuple[Any, int]] = []
    for node in kept:  # (plain loops: a new structure is numbered on every step of a dynamic loop)
        ins = []
        for j, t in enumerate(node.inputs):
            key = id(t)
            r = res_index.get(key)
            if r is None:
                r = res_index[key] = len(residuals)
                residuals.append(t)
                plan.append((node, j))
            ins.append((r, local.setdefault(key, len(local)) if key in needed else -1))
        outs = []
        for o in node.outputs:
            key = id(o)
            outs.append(local.setdefault(key, len(local)) if key in needed else -1)
        specs.append((node.op, node.params, tuple(ins), tuple(outs)))

    targets = []
    for tid, (shape, dtype), s in zip(target_ids, target_avals, seeded, strict=True):
        loc = local.setdefault(tid, len(local)) if tid is not None and tid in needed else -1
        targets.append((loc, shape, dtype, s))
    sources = []
    connected = []
    for ids in source_ids:
        locs = tuple(local[i] for i in ids if i in needed and i in local)
        connected.append(bool(locs))
        if locs:
            sources.append(locs)
    structure = Structure(mode, tuple(specs), len(residuals), tuple(targets), tuple(sources))
    return Pruned(structure, residuals, connected, plan)


def segmented_gradient(
    kept: Sequence[Any],
    needed: set[Any],
    seeds: dict[Any, Any],
    bind: Callable[..., Any],
    add: Callable[[Any, Any], Any],
    requested: set[Any] | frozenset[Any] = frozenset(),
) -> dict[Any, Any]:
    """Backpropagates ``seeds`` (id -> cotangent Tensor) through ``kept`` one segment at a time.

    Each segment is pruned and keyed like a whole gradient (its outputs carrying cotangents are the
    seeded targets, its inputs from earlier segments the sources), so identical segments share one
    compiled pullback. Returns the cotangent of every id reached. A ``requested`` id produced inside
    a segment (an intermediate asked for as a source) is also a source of its segment, so that its
    cotangent includes the consumers inside that segment.
    """
    cts = dict(seeds)
    for start in range(((len(kept) - 1) // SEGMENT) * SEGMENT, -1, -SEGMENT):
        seg = kept[start : start + SEGMENT]
        produced = dict.fromkeys(i for node in seg for i in node.out_ids)  # ordered, deduplicated
        outs = [i for i in produced if i in cts]
        ins = [i for i in dict.fromkeys(i for node in seg for i in node.in_ids) if i in needed and i not in produced]
        inner = [i for i in produced if i in requested and i in needed]
        if not outs or not (ins or inner):
            continue
        avals = [(cts[i]._value.shape, cts[i]._value.dtype) for i in outs]
        sources = ins + inner
        pruned = number(seg, needed, outs, avals, [[i] for i in sources], [True] * len(outs), "grad")
        grads = bind(pullback_op(pruned.structure), *pruned.residuals, *[cts[i] for i in outs])
        it = iter(grads)
        for k, (i, c) in enumerate(zip(sources, pruned.connected, strict=True)):
            if c:
                g = next(it)
                if k >= len(ins) or i not in cts:
                    # An intermediate's total: its seed (from later segments) is already inside g.
                    cts[i] = g
                else:
                    cts[i] = add(cts[i], g)
    return cts


def _input_cts(op: Op, params_key: tuple[Any, ...], diff: tuple[int, ...], primals: Any, out_cts: Any) -> Any:
    """The cotangents of inputs ``diff`` of ``op`` at ``primals``, from its outputs' (None: zero)."""
    params = dict(params_key)
    # Only the outputs that carry a cotangent are differentiated: a zero cotangent times another
    # output's infinite derivative would be NaN (f(x) = [log(x), 2x] at 0: d sum(2x)/dx is 2, as TF).
    keep = [k for k, c in enumerate(out_cts) if c is not None]

    def f(*d: Any) -> Any:
        p = list(primals)
        for j, x in zip(diff, d, strict=True):
            p[j] = x
        out = op.impl(*p, **params)
        return tuple(out[k] for k in keep) if op.multiple_results else out

    _, vjp = jax.vjp(f, *[primals[j] for j in diff])
    if op.multiple_results:
        return vjp(tuple(out_cts[k] for k in keep))
    return vjp(out_cts[0])


def _node_vjp(
    spec: NodeSpec, res: Sequence[Any], cts: dict[int, Any], input_cts: Callable[..., Any] = _input_cts
) -> None:
    """Adds one node's input cotangents to ``cts`` (traced inside the compiled pullback; run eagerly,
    once per node, by the op-by-op pullback: hence plain loops, no generator expressions)."""
    op, params_key, inputs, outputs = spec
    out_cts = tuple([cts.get(o) if o >= 0 else None for o in outputs])
    for c in out_cts:
        if c is not None:
            break
    else:
        return
    diff = []
    primals = []
    for j, (r, loc) in enumerate(inputs):
        primals.append(res[r])
        if loc >= 0:
            diff.append(j)
    diff_t = tuple(diff)
    grads = input_cts(op, params_key, diff_t, tuple(primals), out_cts)
    for j, c in zip(diff_t, grads, strict=True):
        _accumulate(cts, inputs[j][1], c)


# Per-node VJP kernels for the op-by-op pullback (see ``pullback_op``): ``_input_cts`` jitted per op,
# params and differentiated inputs; jit caches them per input avals and which cotangents are None.
_VJP_KERNELS: dict[tuple[Any, ...], Callable[..., Any]] = {}


def _input_cts_by_kernel(op: Op, params_key: tuple[Any, ...], diff: tuple[int, ...], primals: Any, out_cts: Any) -> Any:
    k = (op, params_key, diff)
    kernel = _VJP_KERNELS.get(k)
    if kernel is None:
        if len(_VJP_KERNELS) > 4 * CACHE_SIZE:
            _VJP_KERNELS.clear()
        kernel = _VJP_KERNELS[k] = jax.jit(functools.partial(_input_cts, op, params_key, diff))
    return kernel(primals, out_cts)


def _node_vjp_by_kernel(spec: NodeSpec, res: Sequence[Any], cts: dict[int, Any]) -> None:
    """:func:`_node_vjp` run as one cached jitted kernel per node (the op-by-op pullback)."""
    _node_vjp(spec, res, cts, _input_cts_by_kernel)


def _accumulate(cts: dict[int, Any], loc: int, c: Any) -> None:
    prev = cts.get(loc)
    cts[loc] = c if prev is None else prev + c


def _pullback_core(
    structure: Structure, res: Sequence[Any], seeds: Sequence[Any], node_vjp: Callable[..., None] = _node_vjp
) -> tuple[Any, ...]:
    cts: dict[int, Any] = {}
    for (loc, _, _, _), s in zip(structure.targets, seeds, strict=True):
        if loc >= 0 and s is not None:
            _accumulate(cts, loc, s)
    for spec in reversed(structure.nodes):
        node_vjp(spec, res, cts)
    out = []
    for locs in structure.sources:
        parts = [cts[loc] for loc in locs if loc in cts]
        out.append(sum(parts[1:], parts[0]) if parts else None)
    return tuple(out)


def _conj_if_complex(x: Any) -> Any:
    return jnp.conj(x) if jnp.iscomplexobj(x) else x


def _make_pullback(structure: Structure, by_node: bool = False) -> Callable[..., Any]:
    """The pure pullback of ``structure``; ``by_node``: run eagerly, each node a cached VJP kernel (grad mode)."""
    n_res = structure.n_residuals
    node_vjp = _node_vjp_by_kernel if by_node else _node_vjp

    ones = np.ones if by_node else jnp.ones  # by node: eager, where numpy is cheaper and kernels take it

    def seeds_of(extra: Sequence[Any]) -> list[Any]:
        it = iter(extra)
        seeds = []
        for _, shape, dtype, seeded in structure.targets:
            # TF's complex convention is the conjugate of JAX's: conjugate seeds and results.
            seeds.append(_conj_if_complex(next(it)) if seeded else ones(shape, dtype))
        return seeds

    def finish(grads: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(_conj_if_complex(g) for g in grads)

    def rows(res: Sequence[Any], basis: Any) -> tuple[Any, ...]:
        """The pullback of every seed in ``basis`` (vectorised): one jacobian row each."""
        return jax.vmap(lambda s: finish(_pullback_core(structure, res, [s])))(basis)

    if structure.mode == "jvp":
        return _make_jvp(structure)

    if structure.mode == "grad":

        def pullback(*args: Any) -> tuple[Any, ...]:
            res, extra = args[:n_res], args[n_res:]
            return finish(_pullback_core(structure, res, seeds_of(extra), node_vjp))

        return pullback

    ((_loc, shape, dtype, _),) = structure.targets
    size = int(np.prod(shape, dtype=np.int64))

    if structure.mode == "jacobian":

        def jacobian(*args: Any) -> tuple[Any, ...]:
            basis = jnp.eye(size, dtype=dtype).reshape((size, *shape))
            return tuple(r.reshape(tuple(shape) + r.shape[1:]) for r in rows(args[:n_res], basis))

        return jacobian

    # batch_jacobian: examples are independent, so seeding position i of every example at once
    # gives row i of each example's jacobian.
    batch, inner = shape[0], tuple(shape[1:])
    m = int(np.prod(inner, dtype=np.int64))

    def batch_jacobian(*args: Any) -> tuple[Any, ...]:
        basis = jnp.broadcast_to(jnp.eye(m, dtype=dtype).reshape((m, 1, *inner)), (m, batch, *inner))
        return tuple(jnp.moveaxis(r, 0, 1).reshape((batch, *inner, *r.shape[2:])) for r in rows(args[:n_res], basis))

    return batch_jacobian


def _make_jvp(structure: Structure) -> Callable[..., Any]:
    """Forward mode: replay the pruned subgraph from the sources and push tangents through it."""
    n_res = structure.n_residuals
    # The residual holding each source local's value (a source local is some node's input).
    res_of: dict[int, int] = {}
    for _, _, inputs, _ in structure.nodes:
        for r, loc in inputs:
            if loc >= 0:
                res_of.setdefault(loc, r)
    source_locs = list(structure.sources)

    def replay(res: Sequence[Any], *src_vals: Any) -> tuple[Any, ...]:
        env: dict[int, Any] = {}
        for locs, vals in zip(source_locs, src_vals, strict=True):
            for loc, v in zip(locs, vals, strict=True):
                env[loc] = v
        for op, params, inputs, outputs in structure.nodes:
            ins = [env[loc] if loc in env else res[r] for r, loc in inputs]
            out = (op.jvp_impl or op.impl)(*ins, **dict(params))
            outs = out if op.multiple_results else (out,)
            for loc, o in zip(outputs, outs, strict=True):
                if loc >= 0 and loc not in env:
                    env[loc] = o
        return tuple(env[loc] for loc, _, _, _ in structure.targets)

    def jvp(*args: Any) -> tuple[Any, ...]:
        res, tangents = args[:n_res], args[n_res:]
        primals = tuple(tuple(res[res_of[loc]] if loc in res_of else None for loc in locs) for locs in source_locs)
        tans = tuple(
            tuple(jnp.broadcast_to(t, res[res_of[loc]].shape).astype(res[res_of[loc]].dtype) for loc in locs)
            for locs, t in zip(source_locs, tangents, strict=True)
        )
        _, out = jax.jvp(lambda *p: replay(res, *p), primals, tans)
        return out

    return jvp


_PULLBACKS: OrderedDict[Structure, Op] = OrderedDict()

# Tape signature -> (pullback op, residual plan as (node index, input position), connected): a hit
# skips pruning and numbering (a training loop records the same signature every step).
_BY_SIGNATURE: OrderedDict[Any, tuple[Op, tuple[tuple[int, int], ...], tuple[bool, ...]]] = OrderedDict()


def lookup_signature(key: Any) -> tuple[Op, tuple[tuple[int, int], ...], tuple[bool, ...]] | None:
    return _BY_SIGNATURE.get(key)


def store_signature(key: Any, nodes: Sequence[Any], pruned: Pruned, op: Op) -> None:
    """Keeps ``op``, the pullback of ``pruned``, for tape signature ``key`` (see :func:`lookup_signature`)."""
    index = {id(node): k for k, node in enumerate(nodes)}
    plan = tuple((index[id(node)], j) for node, j in pruned.plan)
    _BY_SIGNATURE[key] = (op, plan, tuple(pruned.connected))
    if len(_BY_SIGNATURE) > CACHE_SIZE:
        _BY_SIGNATURE.popitem(last=False)


# The op-by-op form of each cached gradient pullback: per-node VJP kernels, compiled once per op and
# shapes and shared by every structure. While new structures keep coming (``lazy.tape_structures``: a
# tape that changes every step, data-dependent Python control flow), a new pullback runs in this form, as
# lazy.py runs a new queue structure op by op, and is compiled only when it runs again: no compile
# per step. Otherwise a pullback is compiled on its first run, as a repeated loop wants.
_BY_NODE: dict[Op, Callable[..., Any]] = {}
_NOT_RUN: set[Op] = set()  # pullbacks not run yet (see first_run)


def pullback_op(structure: Structure) -> Op:
    """The (cached) Op whose implementation is the pullback of ``structure`` (noted in
    ``lazy.tape_structures``: new or seen before)."""
    op = _PULLBACKS.get(structure)
    lazy.tape_structures.append(op is None)
    if op is None:
        name = {"grad": "Gradient", "jacobian": "Jacobian", "batch_jacobian": "BatchJacobian", "jvp": "Jvp"}[
            structure.mode
        ]
        impl = _make_pullback(structure)
        op = Op(name, impl, multiple_results=True, runs_user_code=True, deps=dataflow.deps_of(impl))
        _PULLBACKS[structure] = op
        if structure.mode == "grad":
            _BY_NODE[op] = _make_pullback(structure, by_node=True)
            _NOT_RUN.add(op)
        if len(_PULLBACKS) > CACHE_SIZE:
            _, dropped = _PULLBACKS.popitem(last=False)
            _BY_NODE.pop(dropped, None)
            _NOT_RUN.discard(dropped)
    else:
        _PULLBACKS.move_to_end(structure)
    return op


def by_node(op: Op) -> Callable[..., Any] | None:
    """The op-by-op form of gradient pullback ``op`` (None for other ops), for a queue run op by op:
    that is the pullback's first run, so a run outside a queue compiles it (see :func:`first_run`)."""
    _NOT_RUN.discard(op)
    return _BY_NODE.get(op)


lazy.by_op = by_node  # a queue run op by op runs a pullback node by node


def first_run(op: Op) -> Callable[..., Any] | None:
    """The op-by-op form of pullback ``op`` for a run outside a queue: on its first run while new
    tape structures are frequent (``lazy.tape_structures``), else None (run it compiled)."""
    if op in _NOT_RUN:
        _NOT_RUN.discard(op)
        by_node = _BY_NODE.get(op) if lazy.tape_structures.dynamic else None
        lazy.note_run(True)
        return by_node
    lazy.note_run(False)
    return None


def cache_info() -> dict[str, int]:
    """Number of cached compiled pullbacks (for tests and benchmarks)."""
    return {"pullbacks": len(_PULLBACKS), "signatures": len(_BY_SIGNATURE), "max": CACHE_SIZE}
