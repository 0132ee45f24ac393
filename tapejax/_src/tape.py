"""``tf.GradientTape``: records ops on watched values; ``gradient()`` runs one compiled pullback."""

from __future__ import annotations

import collections
import contextlib
import enum
import functools
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import jax
import numpy as np

from tapejax._src import backward, check_numerics_mode, errors, lazy
from tapejax._src import core as _core
from tapejax._src.core import Op, TensorBase, VariableBase, _wrap, bind, tape_state
from tapejax._src.lazy import Pending
from tapejax._src.tensor import Tensor

logger = logging.getLogger("tapejax")


class UnconnectedGradients(enum.Enum):
    """What ``gradient()`` returns for a source the target does not depend on.

    ``NONE`` (the default) gives ``None``; ``ZERO`` gives zeros of the source's shape and dtype.
    """

    NONE = "none"
    ZERO = "zero"


class Node:
    """One recorded op: its inputs (Tensors, or constant arrays) and output Tensors."""

    __slots__ = ("inputs", "op", "outputs", "params", "sig")

    def __init__(
        self, op: Op, params: tuple[tuple[str, Any], ...], inputs: tuple[Any, ...], outputs: tuple[Any, ...]
    ) -> None:
        self.op = op
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
        # Position-based structure of this node on its tape (set by Tape._append).
        self.sig: Any = None

    # Ids of inputs and outputs (the node keeps them alive, so ids are unique); not built while
    # recording (pruning, on every new structure, takes the ids inline).
    @property
    def in_ids(self) -> tuple[int, ...]:
        return tuple(map(id, self.inputs))

    @property
    def out_ids(self) -> tuple[int, ...]:
        return tuple(map(id, self.outputs))


_INEXACT = frozenset(
    np.dtype(d) for d in (jax.numpy.float16, jax.numpy.bfloat16, np.float32, np.float64, np.complex64, np.complex128)
)


def _is_inexact(x: Any) -> bool:
    """Floating or complex: only these carry gradients (a set lookup: this runs for every recorded op)."""
    return x.dtype in _INEXACT


def is_leaf(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase)) or x is None


_LEAF = jax.tree_util.tree_structure(0)


@functools.lru_cache(maxsize=64)
def _list_of(n: int) -> Any:
    return jax.tree_util.tree_structure([0] * n)


def flatten(tree: Any) -> tuple[list[Any], Any]:
    """Flattens a nest of Tensors/Variables (lists, tuples, dicts), Tensors kept whole."""
    # Fast paths for the common single tensor and flat list (every training step takes them).
    if isinstance(tree, (TensorBase, VariableBase)):
        return [tree], _LEAF
    if type(tree) is list:
        for t in tree:
            if not isinstance(t, (TensorBase, VariableBase)):
                break
        else:
            return list(tree), _list_of(len(tree))
    return jax.tree_util.tree_flatten(tree, is_leaf=is_leaf)


def unflatten(treedef: Any, leaves: list[Any], like: Any = None) -> Any:
    """The inverse of :func:`flatten`; dicts get the key order of ``like`` (the flattened nest)."""
    if treedef is _LEAF:
        return leaves[0]
    if len(leaves) < 64 and treedef is _list_of(len(leaves)):
        return list(leaves)
    out = jax.tree_util.tree_unflatten(treedef, leaves)
    return out if like is None else in_order_of(like, out)


def recorded_tensors() -> list[dict[int, Any]]:
    """The Tensors the active tapes record (watched, or computed from watched values), by id: one
    dict per tape that records any."""
    return [w for tape in tape_state.tapes if (w := getattr(tape, "_watched", None))]


def in_order_of(like: Any, tree: Any) -> Any:
    """``tree`` (as ``tree_unflatten`` rebuilt it, dict keys sorted) with the dict key order of
    ``like``, a nest of the same structure: TF's ``nest.pack_sequence_as`` keeps the caller's order."""
    if not _is_nest(like) or type(tree) is not type(like):
        return tree
    if isinstance(like, dict):
        return _same_nest(like, [(k, in_order_of(like[k], tree[k])) for k in like])
    return _same_nest(like, [in_order_of(a, b) for a, b in zip(like, tree, strict=True)])


def order_skeleton(tree: Any) -> Any:
    """The dicts, lists and tuples of ``tree`` with None for everything else: a ``like`` for
    :func:`in_order_of` that keeps no values alive."""
    if not _is_nest(tree):
        return None
    if isinstance(tree, dict):
        return _same_nest(tree, [(k, order_skeleton(v)) for k, v in tree.items()])
    return _same_nest(tree, [order_skeleton(v) for v in tree])


def _is_nest(x: Any) -> bool:
    """A container the key-order helpers rebuild: a dict (subclass), list, tuple or namedtuple."""
    return isinstance(x, dict) or type(x) in (list, tuple) or (isinstance(x, tuple) and hasattr(x, "_fields"))


def _same_nest(like: Any, children: list[Any]) -> Any:
    """A container of ``like``'s type holding ``children`` (``(key, value)`` pairs for a dict)."""
    if isinstance(like, collections.defaultdict):
        return type(like)(like.default_factory, children)
    if isinstance(like, tuple) and hasattr(like, "_fields"):  # a namedtuple
        return type(like)(*children)
    return type(like)(children)


_alias_op = Op("Identity", lambda x: x)


class Tape:
    """What GradientTape and ForwardAccumulator share: the recording of watched computation.

    ``_watched`` maps ``id()`` of every watched or derived Tensor to the Tensor (keeping it alive, so
    ids stay unique); ``_reads`` maps a Variable's id to the Variable and the Tensors of its reads.
    """

    def __init__(self, persistent: bool, watch_accessed_variables: bool) -> None:
        self._persistent = persistent
        self._auto = watch_accessed_variables
        self._nodes: list[Node] = []
        self._pos: dict[int, int] = {}  # tensor id -> position on this tape (node signatures)
        self._unsigned = False  # a node was recorded without its signature: no signature for this tape
        self._has_sparse = False  # a gather was recorded: sources may get IndexedSlices
        self._watched: dict[int, Any] = {}
        self._vars: dict[int, VariableBase] = {}  # watched Variables, by id
        self._reads: dict[int, list[Any]] = {}
        # Why gradients may be None, for explain_gradient: outputs of non-differentiable ops on
        # watched values (id -> (op name, tensor kept alive)), and watched values read out to numpy.
        self._cut: dict[int, tuple[str, Any]] = {}
        self._exits: dict[Any, tuple[str, Any]] = {}  # id, or ("var", id) for a Variable

    # -- recording (called by bind for every op while this tape is active) ---------------------------
    def _record(
        self,
        op: Op,
        params: tuple[tuple[str, Any], ...],
        args: tuple[Any, ...],
        vals: list[Any],
        result: Any,
        reads: dict[int, Any],
    ) -> None:
        watched = self._watched
        nondiff = op.nondiff
        hit = False
        inputs = []
        for i, a in enumerate(args):
            if nondiff and i in nondiff:  # TF's gradient for this input is None: a constant here
                if isinstance(a, VariableBase) and self._auto and a._auto_watch:
                    self._vars[id(a)] = a  # still read, so watched (TF's watched_variables lists it)
                inputs.append(vals[i])
            elif isinstance(a, TensorBase):
                if id(a) in watched:
                    hit = True
                inputs.append(a)
            elif isinstance(a, VariableBase):
                var_id = id(a)
                v = vals[i]
                # The read is one Tensor shared by every tape, watched or not here: a pullback of this
                # tape reads it as a residual, and another tape that watches the Variable must see
                # that dependency (the gradient penalty: the inner tape watches only x, the outer w).
                r = reads.get(i)
                if r is None:  # (_wrap(v), inline)
                    r = reads[i] = object.__new__(Tensor)
                    r._v = v
                if var_id in self._vars or (self._auto and a._auto_watch):
                    self._vars[var_id] = a
                    if v.dtype in _INEXACT:
                        watched[id(r)] = r
                        rs = self._reads.get(var_id)
                        if rs is None:
                            self._reads[var_id] = [r]
                        else:
                            rs.append(r)
                        hit = True
                inputs.append(r)
            else:
                inputs.append(vals[i])
        outputs = result if op.multiple_results else (result,)
        if not hit:
            if self._cut:
                for a in args:
                    if isinstance(a, TensorBase) and id(a) in self._cut:
                        reason = self._cut[id(a)][0]
                        for o in outputs:
                            self._cut[id(o)] = (reason, o)
                        break
            return
        if not op.differentiable:
            for o in outputs:
                self._cut[id(o)] = (op.name, o)
            return
        if op.sparse_grad:
            self._has_sparse = True
        # The node and its signature: tensors numbered by first appearance on this tape. While tape
        # structures keep changing no signature is kept (see _differentiate), so none is built.
        node = object.__new__(Node)
        node.op = op
        node.params = params
        node.inputs = tuple(inputs)
        node.outputs = outputs
        if lazy.tape_structures.dynamic:
            self._unsigned = True
            node.sig = None
            for o in outputs:
                if o._v.dtype in _INEXACT:
                    watched[id(o)] = o
        else:
            pos = self._pos
            ins = []
            for x in inputs:
                k = id(x)
                p = pos.get(k)
                if p is None:
                    p = pos[k] = len(pos)
                ins.append(p)
            if op.multiple_results:
                outs = []
                for o in outputs:
                    k = id(o)
                    outs.append(pos.setdefault(k, len(pos)))
                    if o._v.dtype in _INEXACT:
                        watched[k] = o
                node.sig = (op, params, tuple(ins), tuple(outs))
            else:  # (one output: the loop above, unrolled)
                k = id(result)
                node.sig = (op, params, tuple(ins), (pos.setdefault(k, len(pos)),))
                if result._v.dtype in _INEXACT:
                    watched[k] = result
        self._nodes.append(node)

    def _append(self, node: Node) -> None:
        """Appends a node with its signature: tensors numbered by first appearance on this tape."""
        pos = self._pos
        ins = []
        for i in node.in_ids:
            p = pos.get(i)
            if p is None:
                p = pos[i] = len(pos)
            ins.append(p)
        outs = [pos.setdefault(i, len(pos)) for i in node.out_ids]
        node.sig = (node.op, node.params, tuple(ins), tuple(outs))
        self._nodes.append(node)

    def _alias(self, recorded: Any, alias: Any) -> None:
        """Makes ``alias`` (a new Tensor of the same value) stand for ``recorded`` on this tape."""
        if id(recorded) in self._watched:
            self._watched[id(alias)] = alias
            self._append(Node(_alias_op, (), (recorded,), (alias,)))

    def _watch_one(self, t: Any) -> None:
        if isinstance(t, VariableBase):
            self._vars[id(t)] = t
            if not _is_inexact(t._v):
                logger.warning("The dtype of the watched tensor must be floating (e.g. tf.float32), got %s", t._v.dtype)
        elif isinstance(t, TensorBase):
            if not _is_inexact(t._v):
                logger.warning("The dtype of the watched tensor must be floating (e.g. tf.float32), got %s", t._v.dtype)
                return
            self._watched[id(t)] = t
        else:
            raise ValueError(
                f"Passed in object {t!r} of type '{type(t).__name__}', not tf.Tensor or tf.Variable or ExtensionType."
            )

    def _clear(self) -> None:
        self._nodes = []
        self._pos = {}
        self._unsigned = False
        self._has_sparse = False
        self._watched = {}
        self._reads = {}
        self._cut = {}
        self._exits = {}


@functools.cache
def _variable_counter() -> Any:
    from tapejax._src.variable import _creation_counter

    return _creation_counter


def _check_unconnected(value: Any) -> UnconnectedGradients:
    if value is UnconnectedGradients.NONE or value is UnconnectedGradients.ZERO:
        return value
    try:
        return UnconnectedGradients(value.value if isinstance(value, UnconnectedGradients) else value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


_NONPERSISTENT = "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"


class GradientTape(Tape):
    """Records operations for automatic differentiation, as TF's ``tf.GradientTape``.

    Operations run inside the ``with`` block on watched values are recorded; ``gradient()`` then
    computes the gradient of a target with respect to sources by reverse-mode differentiation. Trainable
    Variables read inside the block are watched automatically; tensors only via :meth:`watch`.

    Args:
      persistent: allow more than one ``gradient()``/``jacobian()`` call.
      watch_accessed_variables: watch trainable Variables read inside the block automatically.

    >>> import tapejax as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> print(g.gradient(y, x))
    tf.Tensor(6.0, shape=(), dtype=float32)

    Differences from TensorFlow: the gradient is computed by one compiled XLA program per graph
    structure (cached), not op by op; results are the same up to floating-point reassociation. An
    outer tape records that program as one op; which of its outputs depend on which of its inputs
    is read from the program's dataflow, so a higher-order gradient with no path to a source (the
    second derivative of ``3 * x``) is ``None``, as TF's, and zeros where TF's gradient kernels keep
    a zero-valued dependency (relu, abs, sign). Through a traced ``tf.while_loop`` without
    ``maximum_iterations`` (no reverse mode) every output is taken to depend on every input: zeros
    where TF may say ``None``.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        super().__init__(bool(persistent), bool(watch_accessed_variables))
        self._entered = False
        self._used = False
        self._start_uid: int | None = None  # Variables with a larger creation id were made inside

    def __enter__(self) -> GradientTape:
        tapes = tape_state.tapes
        if self in tapes:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an already-active tape.")
        tape_state.tapes = [*tapes, self]
        self._entered = True
        if self._start_uid is None:
            self._start_uid = next(_variable_counter())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pop()

    def _pop(self) -> None:
        tapes = tape_state.tapes
        if tapes and tapes[-1] is self:  # (the innermost: a ``with`` block's exit; a tape is on it once)
            tape_state.tapes = tapes[:-1]
        elif self in tapes:
            tape_state.tapes = [t for t in tapes if t is not self]

    @property
    def _recording(self) -> bool:
        return self in tape_state.tapes

    # -- public API ---------------------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Ensures ``tensor`` (a Tensor, Variable, or nest of them) is traced by this tape.

        Raises:
          ValueError: for values that are not Tensors or Variables (floats, numpy arrays, None).
        """
        leaves, _ = flatten(tensor)
        if tensor is None or any(leaf is None for leaf in leaves):
            raise ValueError("Passed in object None of type 'NoneType', not tf.Tensor or tf.Variable or ExtensionType.")
        for t in leaves:
            self._watch_one(t)

    def watched_variables(self) -> tuple[Any, ...]:
        """The Variables this tape watches, ordered by creation."""
        return tuple(sorted(self._vars.values(), key=lambda v: v._uid))  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Temporarily stops recording: ops inside are constants for this tape.

        Raises:
          RuntimeError: if the tape was never entered, or its (non-persistent) gradient was taken.
          ValueError: if it was exited, or is already inside its own ``stop_recording()`` (as TF).
        """
        if not self._recording:
            if not self._entered or self._used:  # TF: the tape has no recording at all (its _tape is None)
                raise RuntimeError("Trying to stop recording a tape which is not recording.")
            raise ValueError("Tape is not recording.")  # exited, or inside its own stop_recording()
        stack = tape_state.tapes
        pos = stack.index(self)
        tape_state.tapes = [t for t in stack if t is not self]
        try:
            yield
        finally:
            cur = list(tape_state.tapes)
            cur.insert(min(pos, len(cur)), self)
            tape_state.tapes = cur

    def reset(self) -> None:
        """Discards everything recorded and watched; keeps recording.

        Raises:
          ValueError: outside the tape's ``with`` block.
        """
        if not self._recording:
            raise ValueError("Tape is not recording.")
        self._clear()
        self._vars = {}

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
    ) -> Any:
        """Computes the gradient of ``target`` with respect to ``sources``.

        Args:
          target: a Tensor or Variable, or a nest of them (their sum is differentiated).
          sources: a Tensor or Variable, or a nest of them; the result has the same structure.
          output_gradients: per target, the upstream gradient (default: ones).
          unconnected_gradients: ``UnconnectedGradients.NONE`` (``None`` results) or ``ZERO``.

        Returns:
          The gradients, structured as ``sources``; ``None`` where a source is unconnected.

        Raises:
          RuntimeError: on a second call of a non-persistent tape, or a tape never entered.
          TypeError: if ``target`` is None.
          ValueError: for an unknown ``unconnected_gradients``.
        """
        if (
            output_gradients is None
            and unconnected_gradients is UnconnectedGradients.NONE
            and type(target) is Tensor
            and type(sources) is list
        ):
            grads = self._repeated_gradient(target, sources)
            if grads is not None:
                if _core.numerics_check is not None:
                    check_numerics_mode.check_results("GradientTape.gradient", grads)
                return grads
        grads = self._differentiate("grad", target, sources, output_gradients, unconnected_gradients)
        if _core.numerics_check is not None:  # (tf.debugging.enable_check_numerics: one global read)
            check_numerics_mode.check_results("GradientTape.gradient", grads)
        return grads

    def _repeated_gradient(self, target: Tensor, sources: list[Any]) -> list[Any] | None:
        """``gradient(target, sources)``'s most common form, a training step's, when its tape
        signature was seen before: a Tensor target and a list of floating Variables, no options, on
        a non-persistent tape that no other tape watches. None (and nothing done) otherwise: then
        ``_differentiate`` takes it. The same key, pullback and residuals as there, fewer steps."""
        if (
            self._persistent
            or not self._entered
            or self._used
            or self._unsigned
            or self._has_sparse
            or len(self._nodes) > backward.SEGMENT
        ):
            return None
        key = self._training_signature(target, sources)
        if key is None:
            return None
        hit = backward._BY_SIGNATURE.get(key)
        if hit is None:
            return None
        self._pop()  # (TF: a non-persistent tape stops recording when its gradient is taken)
        if tape_state.tapes:  # another tape records the pullback (higher order): the general path
            return None
        self._used = True
        op, plan, connected = hit
        lazy.tape_structures.append(False)  # (not new: see lazy.tape_structures)
        if True not in connected:
            self._clear()
            return [None] * len(connected)
        # ``_pullback``'s path with no tape recording it and no seeds, its residuals' values read
        # straight from the plan (one loop, not a residual list and then a value list).
        nodes = self._nodes
        vals = []
        pending = False  # (a deferred value not computed yet: the usual case)
        for i, j in plan:
            r = nodes[i].inputs[j]
            v = r._v if isinstance(r, TensorBase) else r
            if type(v) is Pending and v.value is None:
                pending = True
            vals.append(v)
        r = v = nodes = None
        # The node list is dropped first, so the values only this tape held are not computed as
        # outputs (see _pullback).
        self._clear()
        return _per_source(_run_pullback(op, vals, pending), connected)

    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """The jacobian of ``target`` with respect to each source: shape ``target.shape + source.shape``.

        Vectorised with ``jax.vmap`` over the same compiled pullback. ``parallel_iterations`` is accepted
        and ignored.

        Raises:
          RuntimeError: with ``experimental_use_pfor=False`` on a non-persistent tape (as TF).
        """
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError(
                "GradientTape must be created with persistent=True to compute the jacobian with "
                "experimental_use_pfor=False."
            )
        return self._differentiate("jacobian", target, sources, None, unconnected_gradients)

    def batch_jacobian(
        self,
        target: Any,
        source: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Per-example jacobians: ``y[i]`` w.r.t. ``x[i]``, shape ``[b] + y.shape[1:] + x.shape[1:]``.

        Assumes, as TF does, that example ``i`` of ``target`` depends only on example ``i`` of ``source``.
        An unconnected source gives zeros of the target's dtype whatever ``unconnected_gradients`` says,
        as TF's.

        Raises:
          ValueError: if either has rank < 2 or their first dimensions differ.
        """
        t_shape = tuple(_value_of(target).shape)
        s_shape = tuple(_value_of(source).shape)
        if len(t_shape) < 2:
            raise ValueError(f"Shape {t_shape} must have rank at least 2")
        if len(s_shape) < 2:
            raise ValueError(f"Shape {s_shape} must have rank at least 2")
        if t_shape[0] != s_shape[0]:
            raise ValueError(f"Need first dimension of target shape ({t_shape}) and source shape ({s_shape}) to match.")
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError(
                "GradientTape must be created with persistent=True to compute the batch_jacobian with "
                "experimental_use_pfor=False."
            )
        return self._differentiate("batch_jacobian", target, source, None, unconnected_gradients)

    # -- the engine ---------------------------------------------------------------------------------
    def _training_signature(self, target: Tensor, sources: list[Any]) -> Any:
        """The key ``_signature`` builds for ``gradient(target, sources)`` (with the ids
        ``_differentiate`` gives it), built directly; None unless the target is floating and every
        source a floating Variable."""
        tv = target._v
        if tv.dtype not in _INEXACT:
            return None
        pos = self._pos
        other: dict[Any, int] = {}  # (see _signature)
        p = pos.get(id(target))
        target_at = p if p is not None else other.setdefault(id(target), -1)
        reads = self._reads
        source_at = []
        for s in sources:
            if not isinstance(s, VariableBase) or s._v.dtype not in _INEXACT:
                return None
            # A Variable's own id, ("var", id), is never a position (they are Tensor ids).
            at = [other.setdefault(("var", id(s)), -1 - len(other))]
            rs = reads.get(id(s))
            if rs is not None:
                for r in rs:
                    p = pos.get(id(r))
                    at.append(p if p is not None else other.setdefault(id(r), -1 - len(other)))
            source_at.append(tuple(at))
        return (
            "grad",
            tuple([n.sig for n in self._nodes]),
            (target_at,),
            ((tv.shape, tv.dtype),),
            tuple(source_at),
            (False,),
        )

    def _differentiate(self, mode: str, target: Any, sources: Any, output_gradients: Any, unconnected: Any) -> Any:
        if not self._entered or self._used:
            raise RuntimeError(_NONPERSISTENT)
        if unconnected is not UnconnectedGradients.NONE and unconnected is not UnconnectedGradients.ZERO:
            unconnected = _check_unconnected(unconnected)
        if target is None:
            raise TypeError(
                "Argument `target` should be a list or nested structure of Tensors, Variables or "
                "CompositeTensors to be differentiated, but received None."
            )
        if self._recording:
            if self._persistent:
                logger.warning(
                    "Calling GradientTape.gradient on a persistent tape inside its context is significantly "
                    "less efficient than calling it outside the context (it causes the gradient ops to be "
                    "recorded on the tape, leading to increased CPU and memory usage). Only call "
                    "GradientTape.gradient inside the context if you actually want to trace the gradient "
                    "in order to compute higher order derivatives."
                )
            else:
                # TF: a non-persistent tape stops recording when its gradient is taken.
                self._pop()
        if type(target) is Tensor:  # (flatten's first case, inline: every training step's target)
            targets = [target]
        else:
            targets, _ = flatten(target)
            if mode != "grad" and len(targets) != 1:
                raise ValueError(f"{mode}: target must be a single Tensor, got {len(targets)}.")
            for t in targets:
                if t is None:
                    raise TypeError("Argument `target` contains None; expected Tensors or Variables.")
        source_leaves, source_tree = flatten(sources)
        for s in source_leaves:
            if s is None:
                raise TypeError("gradient: sources contain None; expected Tensors or Variables.")
        seeds = [None] * len(targets) if output_gradients is None else self._seeds(targets, output_gradients)

        target_ids: list[Any] = []
        avals = []
        all_tensors = True  # (a target Variable's id is not a position on this tape: no signature)
        for t in targets:
            v = t._v
            avals.append((v.shape, v.dtype))
            if type(t) is not Tensor:
                all_tensors = False
            if v.dtype not in _INEXACT:
                target_ids.append(None)
            elif isinstance(t, VariableBase):
                target_ids.append(("var", id(t)))
            else:
                target_ids.append(id(t))
        source_ids: list[list[Any]] = []
        reads = self._reads
        for s in source_leaves:
            if isinstance(s, VariableBase):
                if s._v.dtype in _INEXACT:
                    ids: list[Any] = [("var", id(s))]
                    rs = reads.get(id(s))
                    if rs is not None:
                        for r in rs:
                            ids.append(id(r))
                else:
                    ids = []
            elif isinstance(s, TensorBase):
                # Only a watched tensor, or one computed on this tape, can receive a gradient; or the
                # target itself (TF: gradient(x, x) is ones, watched or not; not so for jacobians).
                ids = [id(s)] if id(s) in self._watched or (mode == "grad" and id(s) in target_ids) else []
                if ids and id(s) not in self._watched and backward.select(self._nodes, target_ids, [ids])[0]:
                    # TF's quirk: an unwatched target-source that a recorded op on the way to a target
                    # consumes gets None (not ones, nor the path through that op).
                    ids = []
            else:
                raise ValueError(
                    f"gradient: source {s!r} of type {type(s).__name__} is not a tf.Tensor or tf.Variable."
                )
            source_ids.append(ids)

        # TF: a source used only as the params of row gathers gets an IndexedSlices gradient. Its
        # gathers' outputs become the differentiated values (one virtual source each).
        sparse = self._sparse_sources(target_ids, source_ids) if mode == "grad" and self._has_sparse else {}
        n = len(source_ids)
        for gathers in sparse.values():
            source_ids.extend([id(g.outputs[0])] for g in gathers)

        seeded = [False] * len(seeds) if output_gradients is None else [s is not None for s in seeds]
        if not self._persistent:
            self._used = True
        key = hit = None
        if all_tensors and not sparse and not self._unsigned and len(self._nodes) <= backward.SEGMENT:
            key = self._signature(mode, target_ids, avals, source_ids, seeded)
            hit = backward._BY_SIGNATURE.get(key)  # (backward.lookup_signature, inline)
        if hit is not None:  # the same tape structure as an earlier call: no pruning
            op, plan, connected = hit
            lazy.tape_structures.append(False)  # (not new: see lazy.tape_structures)
            # (no local name for the node list: the pullback drops it, so that the values only this
            # tape held are not computed as outputs, see _pullback)
            results = self._pullback(op, [self._nodes[i].inputs[j] for i, j in plan], connected, seeds)
        else:
            kept, needed = backward.select(self._nodes, target_ids, source_ids)
            if mode == "grad" and len(kept) > backward.SEGMENT:
                results = self._segmented(kept, needed, targets, target_ids, seeds, source_ids)
            else:
                pruned = backward.number(kept, needed, target_ids, avals, source_ids, seeded, mode)
                del kept  # the pullback may drop this tape's Tensors (see _pullback)
                op = backward.pullback_op(pruned.structure)
                if key is not None and not lazy.tape_structures.dynamic:
                    # (While new structures keep coming, one is seldom seen again: its signature is
                    # not kept. One that comes back is pruned again and finds its pullback by structure.)
                    backward.store_signature(key, self._nodes, pruned, op)
                residuals, connected = pruned.residuals, pruned.connected
                del pruned
                results = self._pullback(op, residuals, connected, seeds)
        if sparse:
            virtual = iter(results[n:])
            results = results[:n]
            for i, gathers in sparse.items():
                results[i] = _indexed_slices(source_leaves[i], gathers, [next(virtual) for _ in gathers])
        return self._finish(mode, results, targets, sources, source_leaves, source_tree, unconnected)

    def _finish(
        self,
        mode: str,
        results: list[Any],
        targets: list[Any],
        sources: Any,
        source_leaves: list[Any],
        source_tree: Any,
        unconnected: Any,
    ) -> Any:
        if not self._persistent and (self._nodes or self._watched or self._cut or self._exits):
            self._clear()  # (unless _pullback already did)
        # TF's batch_jacobian gives zeros (of the target's dtype) for an unconnected source whatever
        # ``unconnected_gradients`` says, "to maintain compatibility with the previous behavior".
        if unconnected is UnconnectedGradients.ZERO or mode == "batch_jacobian":
            for i, s in enumerate(source_leaves):
                if results[i] is None:
                    results[i] = _zeros_for(mode, targets[0] if targets else None, s)
        return unflatten(source_tree, results, sources)

    def _signature(
        self, mode: str, target_ids: list[Any], avals: list[Any], source_ids: list[list[Any]], seeded: list[bool]
    ) -> Any:
        """The cache key of a gradient on this tape: node signatures plus where targets and sources sit."""
        pos = self._pos
        other: dict[Any, int] = {}  # ids on no node, numbered apart (negative) so identity still counts
        targets = []
        for t in target_ids:
            if t is not None:
                p = pos.get(t)
                t = p if p is not None else other.setdefault(t, -1 - len(other))
            targets.append(t)
        sources = []
        for ids in source_ids:
            at = []
            for i in ids:
                p = pos.get(i)
                at.append(p if p is not None else other.setdefault(i, -1 - len(other)))
            sources.append(tuple(at))
        return (
            mode,
            tuple([n.sig for n in self._nodes]),
            tuple(targets),
            tuple(avals),
            tuple(sources),
            tuple(seeded),
        )

    def _segmented(
        self,
        kept: list[Node],
        needed: set[Any],
        targets: list[Any],
        target_ids: list[Any],
        seeds: list[Any],
        source_ids: list[list[Any]],
    ) -> list[Any]:
        """A very long subgraph, differentiated segment by segment (see ``backward.segmented_gradient``)."""
        from tapejax._src.ops.array_ops import constant
        from tapejax._src.ops.math_ops import add

        init: dict[Any, Any] = {}
        for t, tid, s in zip(targets, target_ids, seeds, strict=True):
            if tid is None or tid not in needed:
                continue
            if s is None:
                s = constant(np.ones(t._value.shape, t._value.dtype))
            init[tid] = s if tid not in init else add(init[tid], s)
        requested = {i for ids in source_ids for i in ids}
        cts = backward.segmented_gradient(kept, needed, init, bind, add, requested)
        results: list[Any] = []
        for ids in source_ids:
            acc = None
            for i in ids:
                if i in cts:
                    acc = cts[i] if acc is None else add(acc, cts[i])
            results.append(acc)
        return results

    def _pullback(self, op: Op, residuals: list[Any], connected: Sequence[bool], seeds: list[Any]) -> list[Any]:
        """Runs the compiled pullback ``op``, one result per source (None where unconnected).

        Through ``bind`` when a tape may record it (higher order). Otherwise straight to the
        kernel; when residuals are still deferred (the usual case: the forward ops were queued, see
        lazy.py), the forward queue and the pullback run as one compiled program. A non-persistent
        tape is dropped first, so the intermediate values only it held are not computed as outputs.
        ``residuals`` is emptied.
        """
        if True not in connected:
            return [None] * len(connected)
        if tape_state.tapes:
            out = bind(op, *residuals, *[s for s in seeds if s is not None])
        else:
            vals = []
            pending = False  # (a deferred value not computed yet: the usual case)
            for r in residuals:
                v = r._v if isinstance(r, TensorBase) else r
                if type(v) is Pending and v.value is None:
                    pending = True
                vals.append(v)
            for s in seeds:
                if s is not None:
                    v = s._v
                    if type(v) is Pending and v.value is None:
                        pending = True
                    vals.append(v)
            residuals.clear()
            # (no residual Tensor left held by a local while the queue runs: it would be computed as
            # an output, a value nothing reads)
            r = v = s = None
            if pending and not self._persistent:
                self._clear()
            out = _run_pullback(op, vals, pending)
        return _per_source(out, connected)

    def _sparse_sources(self, target_ids: list[Any], source_ids: list[list[Any]]) -> dict[int, list[Node]]:
        """Sources consumed only as the params of row gathers, with those gather nodes.

        Only uses on a path to a target count, as in TF's backprop (a use the target does not
        depend on contributes no gradient).
        """
        reach = set(target_ids)  # ids of the tensors a target depends on, found walking back
        uses: dict[Any, list[tuple[Node, int]]] = {}
        for node in reversed(self._nodes):
            if not any(id(o) in reach for o in node.outputs):
                continue
            for pos, t in enumerate(node.inputs):
                if isinstance(t, TensorBase):
                    reach.add(id(t))
                    if id(t) in self._watched:
                        uses.setdefault(id(t), []).append((node, pos))
        for found in uses.values():
            found.reverse()  # recording order: the IndexedSlices' rows come in the order gathered
        sparse: dict[int, list[Node]] = {}
        for i, ids in enumerate(source_ids):
            found = [u for tid in ids for u in uses.get(tid, ())]
            if found and all(
                node.op.sparse_grad and pos == 0 and dict(node.params).get("axis") == 0
                and dict(node.params).get("batch_dims", 0) == 0
                for node, pos in found
            ):  # fmt: skip
                sparse[i] = [node for node, _ in found]
                source_ids[i] = []
        return sparse

    def _seeds(self, targets: list[Any], output_gradients: Any) -> list[Any]:
        """Per target, its output gradient as a Tensor, or None for "ones" (TF flattens the nest)."""
        if output_gradients is None:
            return [None] * len(targets)
        grads, _ = flatten(output_gradients)
        if len(grads) != len(targets):
            raise ValueError(
                f"gradient: got {len(grads)} output_gradients for {len(targets)} targets; pass one per target."
            )
        from tapejax._src.ops.array_ops import constant

        seeds: list[Any] = []
        for t, g in zip(targets, grads, strict=True):
            if g is None:
                seeds.append(None)
                continue
            if not isinstance(g, (TensorBase, VariableBase)):
                g = constant(g, dtype=t.dtype)
            if tuple(g._value.shape) != tuple(t._value.shape) or g._value.dtype != t._value.dtype:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"gradient: output_gradients {np.dtype(g._value.dtype).name}{list(g._value.shape)} does not "
                    f"match the target {np.dtype(t._value.dtype).name}{list(t._value.shape)}; pass one gradient "
                    "of the target's shape and dtype per target.",
                )
            seeds.append(g)
        if all(s is None for s in seeds):
            return seeds
        # Once any target is seeded, the others get explicit ones (the pullback's arguments are per target).
        return [
            constant(np.ones(t._value.shape, t._value.dtype)) if s is None else s
            for t, s in zip(targets, seeds, strict=True)
        ]


def _run_pullback(op: Op, vals: list[Any], pending: bool) -> list[Tensor]:
    """Runs the pullback ``op`` with no tape recording it on ``vals`` (residuals, then seeds: arrays
    or deferred values), as Tensors: with the queue as one compiled program when a value is still
    ``pending``, else straight to its kernel."""
    if pending:
        out = lazy.run_with(op, vals)
    else:
        out = (backward.first_run(op) or op.kernel(()))(*[lazy.concrete(v) for v in vals])
    return [_wrap(o) for o in out]


def _per_source(out: Sequence[Any], connected: Sequence[bool]) -> list[Any]:
    """A pullback's gradients ``out`` (one per connected source), None at each unconnected one."""
    if False not in connected:
        return out if type(out) is list else list(out)
    it = iter(out)
    return [next(it) if c else None for c in connected]


def _indexed_slices(source: Any, gathers: list[Node], cts: list[Any]) -> Any:
    """TF's gradient of a source read through row gathers: the gathered rows' upstream values."""
    from tapejax._src.indexed_slices import IndexedSlices
    from tapejax._src.ops.array_ops import reshape

    src = source._value
    row_shape = tuple(src.shape[1:])
    values, indices = [], []
    for node, ct in zip(gathers, cts, strict=True):
        if ct is None:
            continue
        values.append(reshape(ct, (-1, *row_shape)))
        idx = node.inputs[1]
        idx = idx._value if isinstance(idx, TensorBase) else idx
        indices.append(jax.numpy.reshape(idx, (-1,)))
    if not values:
        return None
    vals = values[0] if len(values) == 1 else bind(_concat_rows, *values)
    # dense_shape from numpy: a concrete constant even inside a trace (densifying reads it).
    return IndexedSlices(vals, Tensor(jax.numpy.concatenate(indices)), Tensor(np.asarray(src.shape, np.int32)))


_concat_rows = Op("ConcatV2", lambda *xs: jax.numpy.concatenate(xs, axis=0))


def _value_of(x: Any) -> Any:
    if isinstance(x, (TensorBase, VariableBase)):
        return x._value
    raise TypeError(f"Expected a Tensor or Variable, got {type(x).__name__}")


def _zeros_for(mode: str, target: Any, source: Any) -> Tensor:
    src = source._value
    if mode == "grad":
        shape = src.shape
    elif mode == "jacobian":
        shape = tuple(target._value.shape) + tuple(src.shape)
    else:  # batch_jacobian: the target's dtype, as TF's
        shape = tuple(target._value.shape) + tuple(src.shape[1:])
        return Tensor(jax.numpy.zeros(shape, target._value.dtype))
    return Tensor(jax.numpy.zeros(shape, src.dtype))
