"""Why is my gradient None? ``explain_gradient`` answers from what the tape recorded."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src import backward
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.tape import GradientTape, _is_inexact


def _describe(x: Any) -> str:
    if isinstance(x, VariableBase):
        return f"Variable '{x.name}'"  # type: ignore[attr-defined]
    v = x._value
    return f"tensor {np.dtype(v.dtype).name}{list(v.shape)}"


def _reach(tape: GradientTape, start: set[Any], blocked: list[Any] | None = None) -> set[Any]:
    """The ids a gradient reaches from ``start``; ``blocked`` collects the nodes (recorded pullbacks,
    custom gradients) a path entered but whose outputs do not depend on it."""
    reach = set(start)
    for node in tape._nodes:
        if any(isinstance(t, TensorBase) and id(t) in reach for t in node.inputs):
            outs = backward.reached_outputs(node, reach)
            if not outs and blocked is not None:
                blocked.append(node)
            reach.update(id(o) for o in outs)
    return reach


def explain_gradient(tape: GradientTape, target: Any, source: Any) -> str:
    """Explains, in one sentence, why ``tape.gradient(target, source)`` is (or is not) ``None``.

    Reads what the tape recorded, so call it before a non-persistent tape's ``gradient()`` or use
    ``persistent=True``. Reasons it names: integer dtypes, a source never watched (constants,
    ``trainable=False``, ``watch_accessed_variables=False``), a Variable never read in the block or
    created inside it (``w = tf.Variable(...)`` rebinding), a target computed outside the tape or
    through a non-differentiable op (``tf.round``, ``tf.argmax``, casts to int, ``tf.stop_gradient``),
    a value that left the tape through ``.numpy()``/``float()``, or no path from source to target.

    >>> import tapejax as tf
    >>> from tapejax.debugging import explain_gradient
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     y = x * x
    >>> print(explain_gradient(tape, y, x))
    None: the source tensor float32[] was never watched: constants are not watched automatically; call tape.watch(x) inside the `with` block before using it.
    """
    if tape._used:
        return (
            "cannot explain: this non-persistent tape already computed its gradient and dropped its "
            "records; create it with GradientTape(persistent=True) to explain."
        )
    if not isinstance(source, (TensorBase, VariableBase)):
        return f"not a source: {type(source).__name__} is not a tf.Tensor or tf.Variable."
    if not isinstance(target, (TensorBase, VariableBase)):
        return f"not a target: {type(target).__name__} is not a tf.Tensor or tf.Variable."
    if not _is_inexact(source._value):
        return (
            f"None: the source {_describe(source)} has an integer/bool dtype; only floating and complex "
            "values have gradients (tf.cast it to a float dtype before the tape uses it)."
        )
    if not _is_inexact(target._value):
        return (
            f"None: the target {_describe(target)} has an integer/bool dtype, so nothing flows back from it "
            "(it was likely produced by tf.argmax, a comparison, or a cast to int)."
        )
    # The source's ids on the tape.
    if isinstance(source, VariableBase):
        var_id = id(source)
        exit_ = tape._exits.get(("var", var_id))  # type: ignore[call-overload]
        if exit_ is not None and not tape._reads.get(var_id):  # (a numpy read watches it, records no read)
            return (
                f"None: {_describe(source)} was only read through {exit_[0]} inside the tape; computation done "
                "in numpy/Python is not recorded. Use the Variable in tf ops instead."
            )
        if var_id not in tape._vars:
            if not source._auto_watch:
                return (
                    f"None: {_describe(source)} was created with trainable=False, so the tape did not watch it; call "
                    "tape.watch(v) to differentiate with respect to it."
                )
            if not tape._auto:
                return (
                    f"None: the tape has watch_accessed_variables=False and {_describe(source)} was not "
                    "passed to tape.watch()."
                )
            if tape._start_uid is not None and source._uid >= tape._start_uid:  # type: ignore[attr-defined]
                return (
                    f"None: {_describe(source)} was created inside the tape and never read afterwards; the target "
                    "was computed from other values (a rebinding such as `w = tf.Variable(w - lr * g)` makes a "
                    "new Variable that the recorded ops never used)."
                )
            return (
                f"None: {_describe(source)} was never read inside the tape's `with` block, so the target cannot "
                "depend on it (was the target computed before the block, or from another Variable?)."
            )
        ids = {id(r) for r in tape._reads.get(var_id, ())} | {("var", var_id)}
        if len(ids) == 1:
            return f"None: {_describe(source)} is watched but was never read while the tape was recording."
    else:
        if id(source) not in tape._watched:
            if id(source) in tape._cut:
                return (
                    f"None: the source {_describe(source)} is the output of the non-differentiable op "
                    f"{tape._cut[id(source)][0]}."
                )
            return (
                f"None: the source {_describe(source)} was never watched: constants are not watched "
                "automatically; call tape.watch(x) inside the `with` block before using it."
            )
        ids = {id(source)}
    target_id = None if isinstance(target, VariableBase) else id(target)
    blocked: list[Any] = []
    reach = _reach(tape, ids, blocked)
    if target_id is not None and target_id in reach:
        return "not None: the target depends on the source through recorded ops."
    for node in blocked:
        if node.op.name.startswith("CustomGradient"):
            return (
                f"None: the path from the source goes through the custom gradient {node.op.name[15:-1]!r}, whose "
                "grad_fn returned None for that input, so no gradient flows back through it (as in TF)."
            )
    for node in blocked:
        if node.op.name in ("Gradient", "Jacobian", "BatchJacobian", "Jvp"):
            return (
                f"None: the target depends on the source only through a gradient another tape computed "
                f"({node.op.name}), and that gradient does not depend on the source: its derivative has no "
                "path back (e.g. the derivative of 3 * x is constant, so the second derivative is None, as in TF). "
                "Pass unconnected_gradients=tf.UnconnectedGradients.ZERO to get zeros."
            )
    if blocked:
        return (
            f"None: the path from the source enters {blocked[0].op.name}, whose derivative does not reach that "
            "input (inside, it is only used through ops with no gradient: tf.round, tf.stop_gradient, a "
            "comparison, a cast to an integer), as in TF."
        )
    if target_id is not None and target_id in tape._cut:
        return (
            f"None: the target was computed through the non-differentiable op {tape._cut[target_id][0]} "
            "(e.g. tf.round, tf.floor, tf.argmax, a cast to an integer dtype, tf.stop_gradient), which has "
            "no gradient."
        )
    exits = [f"{_describe(t)} through {how}" for tid, (how, t) in tape._exits.items() if tid in reach]
    if exits:
        return (
            f"None: values computed from the source left the tape ({'; '.join(exits[:3])}); computation "
            "done in numpy/Python is not recorded, so the target no longer depends on the source. Keep it in tf ops."
        )
    if target_id is not None and target_id not in tape._watched:
        return (
            "None: the target was not computed from watched values while the tape was recording (computed "
            "before the `with` block, inside stop_recording(), or only from constants)."
        )
    return "None: the target does not depend on the source: there is no path between them among the recorded ops."
