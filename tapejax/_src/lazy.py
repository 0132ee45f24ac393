"""Deferred execution: eager ops queued and run as one compiled XLA program when a value is needed.

An eager op outside any JAX trace does not dispatch its kernel. ``bind`` checks its arguments
against the op's output shapes and dtypes (``jax.eval_shape``, cached per op, params and input
avals, so bad input still fails at the call, with the same error) and returns a Tensor holding a
:class:`Pending` value: a :class:`LazyNode` (op, params, inputs) waiting on this thread's queue.

A pending value is computed when something needs it: ``.numpy()``, printing, ``bool()``, a JAX
function, an op that cannot be deferred, ``gradient()``, or a full queue (:data:`MAX_QUEUE` nodes, or
:data:`MAX_QUEUE_BYTES` of input arrays, which the queue keeps alive until it runs).
Then the whole queue runs as ONE ``jax.jit`` program, cached by its structure (ops, params, wiring,
which values are wanted), whose outputs are every pending value still held by a live Tensor or
Variable. A training step therefore costs one XLA call for its forward ops and the update that
follows it, however many ops it has; a loop repeats one structure, so it compiles once. While new
structures keep coming instead (data-dependent Python control flow), a new one runs op by op
through kernels cached per op, and is compiled only if it comes back (see ``_call``); while tape
structures keep coming, the ops tapes record are not queued at all (``tape_structures``).

What each Tensor holds is ``_v``: a JAX array (or tracer), or a :class:`Pending`. ``Tensor._value``
and ``Variable._value`` are properties that compute a pending value first, so every reader outside
the hot paths (``bind`` and the tape read ``_v``) sees an array, as before.

Queues are per thread. A value queued by one thread and read by another is computed on its own
(``evaluate``); a lock orders the storing of computed values. Under a JAX trace (``tf.function``,
``jax.jit`` around tapejax code) nothing traced is ever queued: ops on tracers run their kernels,
queued values read by them are computed with ``ensure_compile_time_eval``, and ``gradient()`` does
not fuse.

Step replay: a loop repeats its step, so each thread keeps the last two compiled programs it ran
(a :class:`Program`: its structure and its jitted function), and each program remembers which one
followed it after a given predecessor (``Program.after``: a step of several runs, a GAN's two
tapes, or a loop whose step reads a value midway, replays each of them). A new queue expects that
one (else the last program again): each op queued is compared with the expected op at its
position (op, params, wiring) as it is recorded, and a run whose every op matched, with the same
outputs wanted, calls the expected program at once: no structure key is built, hashed or looked
up. At the first op that differs the queue tries the last program instead (a loop that starts
again), else gives up expecting and runs as before (nothing is lost: the comparison only decides
which cached program to call, and it picks the one the key would).

Per-op replay: a program whose run matched it op by op gets a plan (``Program.plan``: per position
the op, params, signature, each input's wiring and aval, the output avals). While a new queue
repeats it from its first op, ``core.bind`` queues each op from the plan (``core._replay``): it
checks the call against the plan's position (same op and params; each argument the same batch
output, or a leaf of the same index and aval) and makes the node and its pending outputs without
building avals, looking up output shapes or building a signature, leaving the batch exactly as
:func:`record` would. The first op that differs goes through :func:`record`, and so do the rest
of that queue's ops (``_Batch.plan`` is then None).

``TAPEJAX_DEFER=0`` in the environment (or :func:`set_enabled`) turns deferral off: every op then
dispatches its own kernel at the call. ``TAPEJAX_REPLAY=0`` (or :func:`set_replay`) turns step
replay off: every run builds and looks up its key.
"""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Any, cast

import jax
import numpy as np
from jax._src import core as _core

from tapejax._src import errors, executable_cache

# When the queue holds this many nodes it is run (bounds memory and compile size).
MAX_QUEUE = 256
# ... or when its inputs (kept alive until it runs, even if the caller dropped them) reach this size.
MAX_QUEUE_BYTES = 64 * 2**20

ENABLED = os.environ.get("TAPEJAX_DEFER", "1") not in ("0", "false", "False", "")
REPLAY = os.environ.get("TAPEJAX_REPLAY", "1") not in ("0", "false", "False", "")


def set_enabled(enabled: bool) -> bool:
    """Turns deferred execution on or off (runs what is queued first); returns the previous setting."""
    global ENABLED
    flush()
    previous, ENABLED = ENABLED, bool(enabled)
    return previous


def set_replay(enabled: bool) -> bool:
    """Turns step replay on or off (runs what is queued first); returns the previous setting.

    Results are the same either way (a replayed run calls the program its key would find).

    >>> import tapejax as tf
    >>> from tapejax._src import lazy
    >>> previous = lazy.set_replay(False)
    >>> print(tf.constant(2.0) * 3.0)
    tf.Tensor(6.0, shape=(), dtype=float32)
    >>> lazy.set_replay(previous)
    False
    """
    global REPLAY
    flush()
    previous, REPLAY = REPLAY, bool(enabled)
    return previous


_seq = itertools.count()  # numbers batches


class LazyNode:
    """One deferred op: its op, params, inputs (arrays, or Pending values) and its Pending outputs.

    ``gen`` identifies the batch it was queued on and ``pos`` is its position there. Made by
    :func:`record` (its attributes set there, without an ``__init__`` call: every deferred op makes one).
    """

    __slots__ = ("gen", "inputs", "key", "op", "outs", "pos")
    op: Any
    key: tuple[Any, ...]
    inputs: list[Any]
    gen: int
    pos: int
    outs: tuple[Pending, ...]


class Pending:
    """A value not computed yet: output ``index`` of ``node``, with its shape and dtype known.

    ``value`` is set (and ``node`` dropped) once computed. ``owner`` (and ``more_owners``, rarely:
    a Variable made from it) are weak references to the Tensors and Variables that hold it: a run
    outputs the values that still have a live owner.
    """

    __slots__ = ("aval", "dtype", "index", "more_owners", "node", "owner", "shape", "value")

    def __init__(self, node: LazyNode, index: int, aval: Any) -> None:
        # (``record`` sets these same attributes inline for a one-output op)
        self.node: LazyNode | None = node
        self.index = index
        self.aval = aval
        self.shape = aval.shape
        self.dtype = aval.dtype
        self.value: Any = None
        self.owner: Any = None
        self.more_owners: list[Any] | None = None

    def __repr__(self) -> str:
        state = "computed" if self.value is not None else self.node.op.name if self.node else "?"
        return f"Pending({np.dtype(self.dtype).name}{list(self.shape)}, {state})"


def hold(p: Pending, owner: Any) -> None:
    """Registers ``owner`` (a Tensor or Variable whose ``_v`` is ``p``) as keeping ``p`` wanted."""
    if p.owner is None:
        p.owner = weakref.ref(owner)
    elif p.more_owners is None:
        p.more_owners = [weakref.ref(owner)]
    else:
        p.more_owners.append(weakref.ref(owner))


def _wanted(p: Pending) -> bool:
    """Whether a live Tensor or Variable still holds ``p``."""
    r = p.owner
    if r is not None:
        h = r()
        if h is not None and h._v is p:
            return True
        if p.more_owners is not None:
            for r in p.more_owners:
                h = r()
                if h is not None and h._v is p:
                    return True
    return False


class _Batch:
    """The queued nodes of one thread, with their wiring built as they are recorded.

    ``sigs`` holds one ``(op, params, refs)`` per node, a ref being a leaf index (``int``, into
    ``leaves``: the computed arrays the batch reads, each once) or ``(node position, output index)``.
    ``expect`` is the program this batch is expected to repeat (step replay), None once it differs;
    ``alt`` the one to try instead at the first difference.
    """

    __slots__ = ("alt", "expect", "gen", "leaf_at", "leaf_bytes", "leaves", "nodes", "plan", "sigs")

    def __init__(self) -> None:
        self.expect: Program | None = None
        self.alt: Program | None = None
        # ``expect.plan`` while every op of this batch was queued by ``core.bind``'s replay path
        # (see Program.plan); None from the first op queued by ``record``.
        self.plan: tuple[Any, ...] | None = None
        self.gen = next(_seq)
        self.nodes: list[LazyNode] = []
        self.sigs: list[tuple[Any, ...]] = []
        self.leaves: list[Any] = []
        self.leaf_at: dict[int, int] = {}
        self.leaf_bytes = 0  # of the non-scalar leaves: the batch keeps them alive until it runs

    def ref(self, v: Any) -> Any:
        """``(node position, output index)`` for a value pending in this batch, else a leaf index.

        A value pending in an earlier batch (run while nothing held it, yet kept by a tape) is
        computed on its own first (rare) and becomes a leaf.
        """
        if type(v) is Pending:
            n = v.node  # read before value: another thread may compute it meanwhile (value, then node)
            if n is not None and v.value is None:
                if n.gen == self.gen:
                    return (n.pos, v.index)
                evaluate([v])
            v = v.value
        j = self.leaf_at.get(id(v))
        if j is None:
            j = self.leaf_at[id(v)] = len(self.leaves)
            self.leaves.append(v)
            if v.shape:  # (an array, or a numpy row: see core.HOST_TYPES)
                self.leaf_bytes += v.size * v.dtype.itemsize
        return j

    def wire(self, vals: Sequence[Any]) -> tuple[Any, ...]:
        """The refs of ``vals`` (see :meth:`ref`), the two common cases inline (every op takes this)."""
        gen = self.gen
        leaf_at = self.leaf_at
        refs = []
        for v in vals:
            if type(v) is Pending:
                n = v.node
                if n is not None and n.gen == gen and v.value is None:
                    refs.append((n.pos, v.index))
                else:
                    refs.append(self.ref(v))
                continue
            k = id(v)
            j = leaf_at.get(k)
            if j is None:  # a new leaf (as ``ref``, inline: a step's data are new leaves every step)
                j = leaf_at[k] = len(self.leaves)
                self.leaves.append(v)
                if v.shape:
                    self.leaf_bytes += v.size * v.dtype.itemsize
            refs.append(j)
        return tuple(refs)


class _Queue(threading.local):
    def __init__(self) -> None:
        self.batch = _Batch()
        self.last: Program | None = None  # the program this thread ran last (step replay)
        self.prev: Program | None = None  # and the one before it
        self.hit: Program | None = None  # the program step replay found for the run in progress
        self.ran: Program | None = None  # the program the run in progress ran (None: op by op)


_queue = _Queue()

# Output avals per (op, params, input avals): the shape check of a deferred op is a dict lookup.
_AVALS: dict[tuple[Any, ...], Any] = {}
# Ops recorded with an (op, params, input avals) never seen before, since the last run (all threads:
# it only steers how a new structure runs, see ``_call``).
novel_ops = 0


def out_avals(k: tuple[Any, ...], kern: Callable[..., Any]) -> Any:
    """The output aval (or tuple of them) for ``k = (op, params, input avals)``, cached in ``_AVALS``.

    Raises what the kernel would raise on such inputs.
    """
    global novel_ops
    novel_ops += 1
    saved = executable_cache.load_avals(k)  # (a later process: no trace)
    if saved is not None:
        _AVALS[k] = saved
        return saved
    op, _, in_avals = k
    shaped = jax.eval_shape(kern, *[jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in in_avals])
    r = (
        tuple(_core.ShapedArray(s.shape, s.dtype, weak_type=s.weak_type) for s in shaped)
        if op.multiple_results
        else _core.ShapedArray(shaped.shape, shaped.dtype, weak_type=shaped.weak_type)
    )
    if len(_AVALS) > 8192:
        _AVALS.clear()
    _AVALS[k] = r
    executable_cache.save_avals(k, r)
    return r


def record(op: Any, key: tuple[Any, ...], avals: Any, vals: list[Any]) -> tuple[Pending, ...]:
    """Queues ``op`` on ``vals`` (arrays or Pending values); returns its Pending outputs."""
    batch = _queue.batch
    nodes = batch.nodes
    if len(nodes) >= MAX_QUEUE or batch.leaf_bytes > MAX_QUEUE_BYTES:
        # Full: run it first (its values the arguments hold are computed), then queue this op.
        flush()
        batch = _queue.batch
        nodes = batch.nodes
    # The wiring (``batch.wire``, inline: every deferred op takes this).
    gen = batch.gen
    leaf_at = batch.leaf_at
    refs = []
    for v in vals:
        if type(v) is Pending:
            n = v.node
            if n is not None and n.gen == gen and v.value is None:
                refs.append((n.pos, v.index))
            else:
                refs.append(batch.ref(v))
            continue
        k = id(v)
        j = leaf_at.get(k)
        if j is None:  # a new leaf (a step's data are new leaves every step)
            leaves = batch.leaves
            j = leaf_at[k] = len(leaves)
            leaves.append(v)
            if v.shape:  # (an array, or a numpy row: see core.HOST_TYPES)
                batch.leaf_bytes += v.size * v.dtype.itemsize
        refs.append(j)
    sig = (op, key, tuple(refs))
    sigs = batch.sigs
    pos = len(sigs)
    batch.plan = None  # (the replay path's avals hold only for a batch it queued from the start)
    expect = batch.expect
    if expect is not None:
        # Step replay: still the expected program's op at this position? (an identical tuple: the
        # same op object, equal params and wiring; tuple comparison checks identity first)
        esigs = expect.sigs
        if pos >= len(esigs) or esigs[pos] != sig:
            batch.expect = _switch(batch, pos, sig)
    node = object.__new__(LazyNode)
    node.op = op
    node.key = key
    node.inputs = vals
    node.gen = gen
    node.pos = pos
    if op.multiple_results:
        outs = tuple([Pending(node, i, a) for i, a in enumerate(avals)])
    else:  # Pending(node, 0, avals), without the call
        p = object.__new__(Pending)
        p.node = node
        p.index = 0
        p.aval = avals
        p.shape = avals.shape
        p.dtype = avals.dtype
        p.value = p.owner = p.more_owners = None
        outs = (p,)
    node.outs = outs
    sigs.append(sig)
    nodes.append(node)
    return outs


def flush(extra: Sequence[Pending] = ()) -> None:
    """Runs this thread's queue: every pending value still owned, plus ``extra``, is computed."""
    _run_batch(extra, (), None)


def force(p: Pending) -> Any:
    """The value of ``p``, computing it (with the rest of the queue) if needed."""
    n = p.node
    if p.value is None and n is not None:
        if n.gen == _queue.batch.gen:
            flush((p,))
        else:
            evaluate([p])
    return p.value


def concrete(v: Any) -> Any:
    """``v`` with a Pending replaced by its value."""
    return force(v) if type(v) is Pending else v


def run_with(then: Any, args: Sequence[Any]) -> Any:
    """``then``'s kernel on ``args`` (arrays or Pending values), computed in one program with the queue.

    ``then`` is an Op (part of the key; its jitted ``kernel(())`` is only made when a program is
    compiled; a run op by op uses ``by_op(then)`` when there is one, see ``_call``).
    """
    if type(_core.trace_ctx.trace) is not _core.EvalTrace:
        # Inside a JAX trace some arguments may be tracers: the queue must not take them as inputs
        # (its outputs would be tracers, stored in Tensors made outside the trace).
        return then.kernel(())(*[concrete(v) for v in args])
    return _run_batch((), args, then)


class Program:
    """A compiled queue structure: its key ``(sigs, outs, arg_refs, then)`` (see ``_run_batch``), its
    jitted function, and which program ran after it, per predecessor (step replay).

    ``cache`` is the dict that holds it (``_PROGRAMS``); None, and ``fn`` too, once dropped from it.
    """

    __slots__ = ("after", "cache", "fn", "key", "plan", "plan_misses", "sigs")

    def __init__(self, key: tuple[Any, ...], fn: Callable[..., Any]) -> None:
        self.key = key
        self.sigs = key[0]
        self.fn: Callable[..., Any] | None = fn
        # The program that ran next, per program that ran before this one (None: none or op by op).
        self.after: dict[Program | None, Program] = {}
        self.cache: Any = None
        # Per position, what ``core.bind``'s replay path checks a call against and what it makes:
        # ``(op, params, sig, per input (ref, aval, leaf bytes), output aval(s))`` (see ``make_plan``).
        # None until a run matched this program op by op.
        self.plan: tuple[tuple[Any, ...], ...] | None = None
        self.plan_misses = 0  # runs in a row that matched this program but not its plan


def make_plan(program: Program, nodes: Sequence[LazyNode]) -> tuple[tuple[Any, ...], ...] | None:
    """The replay plan of ``program`` from ``nodes``, a batch whose ops matched its ``sigs`` one by
    one (their outputs not yet computed); None if an op's output avals are no longer cached."""
    from tapejax._src.core import aval_of

    plan = []
    for n, sig in zip(nodes, program.sigs, strict=True):
        in_avals = tuple([aval_of(v) for v in n.inputs])
        outs = _AVALS.get((n.op, n.key, in_avals))
        if outs is None:
            return None
        # Per input: its ref, aval, and the bytes a new leaf of that aval adds (``_Batch.leaf_bytes``).
        spec = tuple(
            [(r, a, a.size * a.dtype.itemsize if a.shape else 0) for r, a in zip(sig[2], in_avals, strict=True)]
        )
        plan.append((n.op, n.key, sig, spec, outs))
    return tuple(plan)


def _switch(batch: _Batch, n: int, sig: tuple[Any, ...]) -> Program | None:
    """At the first op (position ``n``, signature ``sig``) that differs from the expected program:
    ``batch.alt`` if its first ``n + 1`` ops are the batch's, else None (no more expectation)."""
    alt = batch.alt
    batch.alt = None
    if alt is not None and len(alt.sigs) > n and alt.sigs[n] == sig and alt.sigs[:n] == tuple(batch.sigs):
        return alt
    return None


def _follow(queue: _Queue, ran: Program | None) -> None:
    """Notes that ``ran`` ran on this thread (None: a structure run op by op) and sets what the
    next queue expects (step replay)."""
    last, prev = queue.last, queue.prev
    if last is not None and ran is not None and last.cache is not None:
        after = last.after
        if len(after) >= 8:  # (bounded: a program followed by ever new ones)
            after.clear()
        after[prev] = ran  # (a race between threads only costs a replay miss: every hit is checked)
    queue.prev, queue.last = last, ran
    if ran is not None and REPLAY:
        batch = queue.batch
        nxt = ran.after.get(last)
        if nxt is not None and nxt is not ran and nxt.cache is _PROGRAMS:
            batch.expect, batch.alt = nxt, ran
        else:
            batch.expect = nxt = ran
        if not batch.nodes:
            batch.plan = nxt.plan


# Compiled programs per batch structure (bounded, least recently used dropped).
_PROGRAMS: OrderedDict[Any, Program] = OrderedDict()
_MAX_PROGRAMS = 128  # each holds an XLA executable (about 2 MB)

# Held while computed values are stored (and by evaluate, which reads other threads' nodes).
_lock = threading.RLock()


def drop_programs() -> None:
    """Forgets every compiled queue program (a setting that changes what XLA compiles changed, e.g.
    ``tf.config.experimental.enable_tensor_float_32_execution``: an executable loaded or compiled by
    ``executable_cache`` would keep the old setting, where ``jax.jit`` compiles anew)."""
    flush()
    with _lock:
        for program in _PROGRAMS.values():
            program.cache = program.fn = None  # (never called again, step replay included)
            program.after = {}
        _PROGRAMS.clear()


def _run_batch(extra: Sequence[Pending], args: Sequence[Any], then: Any) -> Any:
    batch = _queue.batch
    if not batch.nodes and then is None:
        return None
    queue = _queue
    queue.batch = _Batch()
    expect = batch.expect
    if expect is not None:
        if batch.plan is not None:
            expect.plan_misses = 0
        elif len(batch.nodes) == len(expect.sigs):
            # Every op matched the expected program's (step replay), not all from its plan (it has
            # none, or one made for other input avals: the program's key holds none). Its plan is
            # made from this run, so that the next steps' ops take ``core.bind``'s replay path; an
            # existing one only after two such runs in a row (steps alternating between two input
            # shapes keep one plan instead of making one every run).
            misses = expect.plan_misses = expect.plan_misses + 1
            if expect.plan is None or misses >= 2:
                expect.plan = make_plan(expect, batch.nodes)
                expect.plan_misses = 0
    roots = []
    outs = []
    for n in batch.nodes:
        for p in n.outs:
            if p.value is None:
                r = p.owner  # _wanted(p), its common case inline: this scans every queued output
                h = r() if r is not None else None
                if (h is None or h._v is not p) and not (p.more_owners and _wanted(p)) and p not in extra:
                    continue
                roots.append(p)
                outs.append((n.pos, p.index))
        n.outs = ()  # no node <-> Pending cycle left for the garbage collector
    outs_t = tuple(outs)
    arg_refs = batch.wire(args)
    if expect is not None:
        # Step replay: every op matched the expected program's, in number too; so does the rest of
        # its key? Then it is the program the key would find: called without building the key.
        k = expect.key
        if (
            expect.cache is _PROGRAMS
            and len(batch.sigs) == len(expect.sigs)
            and k[3] is then
            and k[1] == outs_t
            and k[2] == arg_refs
        ):
            queue.hit = expect
            key = k
        else:
            key = (tuple(batch.sigs), outs_t, arg_refs, then)
    else:
        key = (tuple(batch.sigs), outs_t, arg_refs, then)
    queue.ran = None
    try:
        return _call(key, batch.leaves, roots)
    finally:
        queue.hit = None
        _follow(queue, queue.ran)


# How a structure runs the first time. A loop normally repeats one structure: its first run
# compiles it, and every later step is one call. But a program compiled for a structure that never
# comes back is wasted (about 45 ms for a small step, every step of a loop whose structure depends
# on the data). So while new structures keep coming (DYNAMIC_AT of the last RECENT runs were new),
# a new structure runs op by op instead, through kernels cached per op and shape (shared by every
# structure: no compile once they exist), and is compiled only if it runs again. A run that ends a
# gradient also needs the tape structures to keep changing (``tape_structures``, below). And only
# where op by op reuses kernels (``_by_op``): a short loop's final read (two new structures while it
# started, then its last update's ops) compiles one program, not a kernel for each of its ops.
RECENT = 8
DYNAMIC_AT = 3


class Recent:
    """Per recent run (the last RECENT), whether its structure was new; ``new`` counts those that
    were and ``dynamic`` is ``new >= DYNAMIC_AT``."""

    __slots__ = ("dynamic", "new", "runs")

    def __init__(self, runs: Sequence[bool] = ()) -> None:
        self.runs: deque[bool] = deque(maxlen=RECENT)
        self.new = 0
        self.dynamic = False
        for r in runs:
            self.append(r)

    def append(self, new: bool) -> None:
        if not new and not self.new:
            return  # a repeating loop's run: the record holds no new run to push out (hot paths)
        self.runs.append(new)
        n = self.new = sum(self.runs)  # recounted, not updated: threads may append at once
        self.dynamic = n >= DYNAMIC_AT


_recent = Recent()
# The same record for differentiation structures (a tape's pullback: new, or seen before; kept by
# backward.pullback_op). While they keep changing, the ops tapes record are not queued at all: they
# run at the call (see ``core.bind``), since their step would run op by op anyway. Apart from the
# queue's record: a loop's first steps bring new queue structures (no update yet, then one) while
# its tape repeats, and running its tape ops at the call would itself make new queue structures.
tape_structures = Recent()
# Only gradients note tape structures, so a program that records ops but takes no gradient (or
# seldom) would keep running them at the call after a dynamic phase. So every OPS_PER_RUN ops run at
# the call also count as a known structure: a dynamic loop notes a new one far more often.
OPS_PER_RUN = 256
_ops_at_call = 0


def op_at_call() -> None:
    """Counts an op a tape records that runs at the call (see OPS_PER_RUN)."""
    global _ops_at_call
    _ops_at_call += 1
    if _ops_at_call >= OPS_PER_RUN:
        _ops_at_call = 0
        tape_structures.append(False)


# Hashes of the structures run op by op once (hashes, not the keys: nothing of a structure that never
# comes back is kept; a collision only compiles a new structure at once).
_SEEN: set[int] = set()
_MAX_SEEN = 1024
# The (op, params) pairs whose kernels ran op by op in this process (compiled, at least for some
# shapes), and those of the structures compiled as programs while structures kept changing: a new
# structure runs op by op only where that reuses kernels, or its ops recur across changing
# structures (see ``_by_op``). Bounded as ``_SEEN`` (forgetting only changes how a structure runs).
_KERNELS_RAN: set[tuple[Any, Any]] = set()
_CHANGING_OPS: set[tuple[Any, Any]] = set()


def _no_by_op(then: Any) -> Callable[..., Any] | None:
    return None


# The op-by-op form of a ``then`` Op (set by backward.py: a gradient pullback node by node), or None.
by_op: Callable[[Any], Callable[..., Any] | None] = _no_by_op


def _by_op(wiring: tuple[Any, ...]) -> bool:
    """Whether a new structure of ops seen before, met while structures keep changing, runs op by op.

    Op by op pays off where its kernels are reused: at most one of its ops lacks a kernel run op by op
    before (one compile at most, as the program's), or a lacking one was in a structure compiled while
    structures kept changing (its ops recur across them: a changing loop's ops, compiled once each).
    Otherwise (the final read of a short loop: its last update's ops, each seen only in the loop's
    compiled programs) one program compiles instead of a kernel per op, and a later process loads it
    from disk (``executable_cache``), where kernels would be traced and lowered again.
    """
    missing = {(op, params) for op, params, _ in wiring} - _KERNELS_RAN
    if len(missing) > 1 and missing.isdisjoint(_CHANGING_OPS):
        return False
    if len(_KERNELS_RAN) >= _MAX_SEEN:
        _KERNELS_RAN.clear()
    _KERNELS_RAN.update(missing)
    return True


def _note_changing(wiring: tuple[Any, ...]) -> None:
    """Notes the ops of a structure compiled while structures keep changing (see :func:`_by_op`)."""
    if len(_CHANGING_OPS) >= _MAX_SEEN:
        _CHANGING_OPS.clear()
    _CHANGING_OPS.update([(op, params) for op, params, _ in wiring])


def note_run(new: bool) -> None:
    """Counts a run of a pullback on its own in the queue's record (``_recent``), as a queue run is."""
    _recent.append(new)


def _call(key: Any, leaves: list[Any], roots: list[Pending]) -> Any:
    """Runs the program of structure ``key`` on ``leaves`` (compiled, or op by op: see above) and
    stores its results in ``roots``; returns what ``then`` (``key[3]``) returned.

    ``_queue.hit`` is the program of ``key`` when step replay found it (no lookup then);
    ``_queue.ran`` is set to the program run (None: run op by op).
    """
    global novel_ops
    queue = _queue
    with _lock:  # the cache too: another thread may evict what this one moves
        hit = queue.hit
        if hit is not None and hit.key is key and hit.cache is _PROGRAMS:
            program: Program | None = hit
            if len(_PROGRAMS) > _MAX_PROGRAMS // 2:
                _PROGRAMS.move_to_end(key)  # least recently used goes first (only worth it once it fills)
        else:
            program = _PROGRAMS.get(key)
            if program is not None and len(_PROGRAMS) > _MAX_PROGRAMS // 2:
                _PROGRAMS.move_to_end(key)
        if program is None:
            _recent.append(True)
            h = hash(key)
            wiring, outs, arg_refs, then = key
            # A step ending in a gradient (``then``) asks whether tape structures keep changing: a
            # loop's first steps bring new queue structures (data, no update yet, then one) while its
            # tape repeats, and those want compiling at once (op by op, each op compiles its kernel).
            # Mostly ops never seen before (a notebook cell, a script's one-off steps, new shapes):
            # their per-op kernels would each compile once for nothing; one program compiles faster,
            # and a later process loads it from disk (executable_cache). Ops seen before recur: their
            # kernels, each compiled once, serve every structure of a changing loop.
            novel, novel_ops = novel_ops, 0
            if (
                h not in _SEEN
                and _recent.dynamic
                and (then is None or tape_structures.dynamic)
                and novel * 2 <= len(wiring)
                and _by_op(wiring)
            ):
                if len(_SEEN) >= _MAX_SEEN:
                    _SEEN.clear()
                _SEEN.add(h)
                fn = (by_op(then) or then.kernel(())) if then is not None else None
                run = _program(wiring, outs, arg_refs, fn)  # each op its cached kernel
            else:
                _SEEN.discard(h)
                if _recent.dynamic:
                    _note_changing(wiring)
                fn = _program(wiring, outs, arg_refs, then.kernel(()) if then is not None else None)
                # Loaded from disk when an earlier process compiled it (no trace), else compiled now.
                run = executable_cache.compiled(fn, key, leaves) or jax.jit(fn)
                program = Program(key, run)
                program.cache = _PROGRAMS
                _PROGRAMS[key] = program
                if len(_PROGRAMS) > _MAX_PROGRAMS:
                    _, dropped = _PROGRAMS.popitem(last=False)
                    # Another program's ``after`` may still name it: it keeps no executable and no
                    # chain of dropped programs alive, and is never called again (``cache`` is None).
                    dropped.cache = dropped.fn = None
                    dropped.after = {}
        else:
            _recent.append(False)
            run = cast("Callable[..., Any]", program.fn)  # (a cached program's: never None)
        queue.ran = program
        try:
            if type(_core.trace_ctx.trace) is _core.EvalTrace:
                results, extra = run(leaves)
            else:  # forced while some JAX trace runs: compute it now, do not stage it into that trace
                with jax.ensure_compile_time_eval():
                    results, extra = run(leaves)
        except jax.errors.JaxRuntimeError as e:  # (out of memory, ...): TF's class for it
            # An executable loaded from disk that cannot run (executable_cache.failed): its file is
            # dropped, the program becomes a jitted function, and runs.
            jitted = executable_cache.failed(run, e) if program is not None else None
            if jitted is None:
                raise errors.from_runtime(e, f"running {len(key[0])} queued ops") from e
            program.fn = jitted
            return _call(key, leaves, roots)
        except TypeError:
            # An executable of executable_cache, made for other leaf shapes or dtypes (it raises
            # before running anything): the program becomes a jitted function, and runs.
            jitted = executable_cache.fallback(run)
            if jitted is None or program is None:
                raise
            program.fn = jitted
            return _call(key, leaves, roots)
        for p, r in zip(roots, results, strict=True):
            p.value = r  # value first, then node: readers check node, then value
            p.node = None
    return extra


def evaluate(roots: list[Pending]) -> None:
    """Computes ``roots`` (pending values of earlier batches) in one compiled call, on their own.

    The nodes they depend on are gathered back to computed values, which become the inputs. Holds
    the lock throughout, so no other thread computes these values meanwhile.
    """
    with _lock:
        roots = [p for p in roots if p.value is None and p.node is not None]
        if roots:
            _evaluate(roots)


def _evaluate(roots: list[Pending]) -> None:
    nodes: list[LazyNode] = []
    seen: set[int] = set()
    stack = [p.node for p in roots]
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        nodes.append(n)
        for v in n.inputs:
            if type(v) is Pending and v.value is None:
                stack.append(v.node)
    nodes.sort(key=_by_creation)
    where = {id(n): i for i, n in enumerate(nodes)}
    leaves: list[Any] = []
    leaf_at: dict[int, int] = {}

    def ref(v: Any) -> Any:
        if type(v) is Pending:
            if v.value is None:
                return (where[id(v.node)], v.index)
            v = v.value
        j = leaf_at.get(id(v))
        if j is None:
            j = leaf_at[id(v)] = len(leaves)
            leaves.append(v)
        return j

    wiring = tuple([(n.op, n.key, tuple([ref(v) for v in n.inputs])) for n in nodes])
    outs = tuple([(where[id(p.node)], p.index) for p in roots])
    _call((wiring, outs, (), None), leaves, roots)


def _by_creation(n: LazyNode) -> tuple[int, int]:
    # Topological: batches are numbered as they are made, and a node's pending inputs are always of
    # its own batch (Batch.ref computes any other first).
    return (n.gen, n.pos)


def _program(
    wiring: tuple[Any, ...], outs: tuple[Any, ...], arg_refs: tuple[Any, ...], then: Callable[..., Any] | None
) -> Callable[..., Any]:
    """The pure function that replays ``wiring`` on its leaves (then applies ``then`` to ``arg_refs``)."""

    def run(leaves: list[Any]) -> Any:
        env: list[tuple[Any, ...]] = []

        def get(r: Any) -> Any:
            return leaves[r] if type(r) is int else env[r[0]][r[1]]

        for op, key, refs in wiring:
            out = op.kernel(key)(*[get(r) for r in refs])
            env.append(tuple(out) if op.multiple_results else (out,))
        results = [env[i][j] for i, j in outs]
        return results, (then(*[get(r) for r in arg_refs]) if then is not None else None)

    return run
