"""``tf.autodiff.ForwardAccumulator``: forward-mode autodiff (``jax.jvp`` over the recorded subgraph)."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from tapejax._src import backward
from tapejax._src.core import TensorBase, VariableBase, bind, tape_state
from tapejax._src.tape import Tape, UnconnectedGradients, _check_unconnected, _is_inexact, flatten, unflatten
from tapejax._src.tensor import Tensor, convert_python


class ForwardAccumulator(Tape):
    """Computes Jacobian-vector products with forward-mode autodiff (``tf.autodiff.ForwardAccumulator``).

    Ops run inside the ``with`` block on the primals are recorded; ``jvp(t)`` gives ``J·tangents``
    for any tensor ``t`` computed there. Around a ``GradientTape`` it gives Hessian-vector products.

    Args:
      primals: a Tensor or Variable, or a nest of them.
      tangents: same structure and shapes as ``primals``.

    >>> import tapejax as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
    ...     y = tf.reduce_sum(x * x)
    >>> print(acc.jvp(y))
    tf.Tensor(2.0, shape=(), dtype=float32)

    Differences from TensorFlow: tangents are computed when ``jvp()`` is called (one compiled program
    over the recorded ops), not eagerly op by op; the values are the same.
    """

    def __init__(self, primals: Any, tangents: Any) -> None:
        super().__init__(persistent=True, watch_accessed_variables=False)
        p_leaves, p_tree = flatten(primals)
        t_leaves, t_tree = flatten(tangents)
        if p_tree != t_tree:
            raise ValueError(f"ForwardAccumulator: primals {p_tree} and tangents {t_tree} have different structures.")
        self._tangents: list[tuple[Any, Any]] = []
        for p, t in zip(p_leaves, t_leaves, strict=True):
            if not isinstance(p, (TensorBase, VariableBase)):
                raise TypeError(f"ForwardAccumulator: primal {p!r} is not a Tensor or Variable.")
            t_arr = t._value if isinstance(t, (TensorBase, VariableBase)) else convert_python(t, p._v.dtype)
            if tuple(np.shape(t_arr)) != tuple(p._v.shape):
                raise ValueError(
                    f"ForwardAccumulator: tangent shape {tuple(np.shape(t_arr))} does not match primal shape "
                    f"{tuple(p._v.shape)}."
                )
            self._watch_one(p)
            self._tangents.append((p, t if isinstance(t, (TensorBase, VariableBase)) else Tensor(t_arr)))

    def __enter__(self) -> ForwardAccumulator:
        if self in tape_state.tapes:
            raise ValueError("ForwardAccumulator is already active.")
        tape_state.tapes = [*tape_state.tapes, self]
        return self

    def __exit__(self, *exc: Any) -> None:
        tape_state.tapes = [t for t in tape_state.tapes if t is not self]

    def jvp(self, primals: Any, unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """The Jacobian-vector product of ``primals`` (a Tensor or nest computed inside the block).

        Returns ``None`` (or zeros with ``UnconnectedGradients.ZERO``) where a value does not depend
        on the accumulator's primals.
        """
        unconnected = _check_unconnected(unconnected_gradients)
        leaves, tree = flatten(primals)
        results = [self._jvp_one(t, unconnected) for t in leaves]
        return unflatten(tree, results, primals)

    def _jvp_one(self, target: Any, unconnected: UnconnectedGradients) -> Any:
        if target is None:
            return None
        if not isinstance(target, (TensorBase, VariableBase)):
            raise TypeError(f"jvp: expected a Tensor, got {type(target).__name__}")
        source_ids = []
        tangents = []
        for p, t in self._tangents:
            if isinstance(p, VariableBase):
                ids: list[Any] = [id(r) for r in self._reads.get(id(p), ())]
            else:
                ids = [id(p)]
            source_ids.append(ids)
            tangents.append(t)
        v = target._value
        tid = id(target) if _is_inexact(v) and isinstance(target, TensorBase) else None
        # A primal asked for directly: its tangent.
        for p, t in self._tangents:
            if p is target:
                return t
        pruned = backward.prune(self._nodes, [tid], [(tuple(v.shape), v.dtype)], source_ids, [False], "jvp")
        if not any(pruned.connected):
            if unconnected is UnconnectedGradients.ZERO:
                return Tensor(jax.numpy.zeros(v.shape, v.dtype))
            return None
        op = backward.pullback_op(pruned.structure)
        connected_tangents = [t for t, c in zip(tangents, pruned.connected, strict=True) if c]
        (out,) = bind(op, *pruned.residuals, *connected_tangents)
        return out
