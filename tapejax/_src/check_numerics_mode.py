"""``tf.debugging.enable_check_numerics``: while on (per thread, as TF's op callback), every eager op
whose floating output holds NaN or Inf raises ``InvalidArgumentError`` naming the op.

The hook sits in :func:`tapejax._src.core.bind` as one global read that is ``None`` while no thread
has the mode on, so the hot path is unchanged when it is off.
"""

from __future__ import annotations

import threading
from typing import Any

import jax
import numpy as np

from tapejax._src import core, errors

# TF skips these frequent, NaN-preserving ops (check_numerics_callback.SAFE_OPS) and FusedBatchNorm's
# statistics outputs, which are NaN for an empty batch (IGNORE_OP_OUTPUTS).
_SAFE_OPS = frozenset(
    {
        "Concat", "ConcatV2", "ExpandDims", "Fill", "Gather", "Maximum", "Minimum", "Reshape", "Slice",
        "Squeeze", "Stack", "StridedSlice", "StridedSliceGrad", "TensorListConcatV2", "TensorListGather",
        "TensorListGetItem", "TensorListPopBack", "TensorListStack", "Transpose", "Unpack",
    }
)  # fmt: skip
_IGNORED_OUTPUTS = frozenset(
    {(f"FusedBatchNorm{v}", i) for v in ("", "V2") for i in range(1, 5)}
    | {("FusedBatchNormV3", i) for i in range(1, 6)}
)


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = False


_state = _State()
_lock = threading.Lock()
_threads_on = 0  # how many threads have the mode on: the hook is installed while > 0


def _message(what: str, slot: int, n_out: int, value: np.ndarray, inputs: tuple[Any, ...]) -> str:
    """TF's message for NaN/Inf in output ``slot`` of ``what`` (``eagerly-executing op "Log"``)."""
    from tapejax._src import dtypes as dtypes_lib

    is_inf = np.isinf(value)
    lines = [
        "",
        "",
        f"!!! Detected Infinity or NaN in output {slot} of {what} (# of outputs: {n_out}) !!!",
        f"  dtype: <dtype: '{dtypes_lib.from_numpy(value.dtype).name}'>",
        f"  shape: {value.shape}",
    ]
    counts = {
        "-Inf": int(np.sum(is_inf & (value < 0))),
        "+Inf": int(np.sum(is_inf & (value > 0))),
        "NaN": int(np.sum(np.isnan(value))),
    }
    for kind, k in counts.items():
        if k:
            lines.append(f"  # of {'+' if kind == 'NaN' else ''}{kind} elements: {k}")
    if len(inputs) > 1:
        lines += ["", f"  Input tensors ({len(inputs)}):"] + [f"         {i}: {x!s}" for i, x in enumerate(inputs)]
    elif len(inputs) == 1:
        lines += ["", f"  Input tensor: {inputs[0]!s}"]
    status = " and ".join(kind for kind, k in counts.items() if k)
    return "\n".join(lines) + f"\n\n : Tensor had {status} values [Op:CheckNumericsV2]"


def _check(op: core.Op, args: tuple[Any, ...], result: Any) -> None:
    if not _state.enabled or op.name in _SAFE_OPS:
        return
    outs = result if isinstance(result, tuple) else (result,)
    for slot, out in enumerate(outs):
        v = out._v
        if isinstance(v, jax.core.Tracer):
            return  # a traced value (inside tf.function): not checked, see enable_check_numerics
        dtype = np.dtype(v.dtype)
        if dtype.kind != "f" and dtype.name != "bfloat16":
            continue
        if (op.name, slot) in _IGNORED_OUTPUTS:
            continue
        value = np.asarray(out._value)
        if not np.isfinite(value.astype(np.float64)).all():
            what = f'eagerly-executing op "{op.name}"'
            raise errors.InvalidArgumentError(None, None, _message(what, slot, len(outs), value, args))


def check_results(where: str, results: Any) -> None:
    """In a thread with the mode on: raises TF's ``InvalidArgumentError`` if a floating Tensor in
    ``results`` (a nest; IndexedSlices by their values) holds NaN or Inf. For computations that run
    as one compiled program, which :func:`_check` (in ``bind``) never sees: ``GradientTape.gradient``."""
    if not _state.enabled:
        return
    from tapejax._src import nest

    leaves = [getattr(x, "values", x) for x in nest.flatten(results, expand_composites=False) if x is not None]
    for slot, out in enumerate(leaves):
        v = getattr(out, "_v", None)
        if v is None or isinstance(v, jax.core.Tracer):
            continue  # (not a Tensor, or traced inside tf.function: not checked)
        dtype = np.dtype(v.dtype)
        if dtype.kind != "f" and dtype.name != "bfloat16":
            continue
        value = np.asarray(out._value)
        if not np.isfinite(value.astype(np.float64)).all():
            message = _message(f'computation "{where}"', slot, len(leaves), value, ())
            raise errors.InvalidArgumentError(None, None, message)


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """Turns on NaN/Inf checking of every eager op's floating outputs in this thread
    (``tf.debugging.enable_check_numerics``).

    While it is on, an op producing NaN or Inf raises ``InvalidArgumentError`` with TF's message
    (the op's name, the output's dtype and shape, the counts of -Inf, +Inf and NaN, the inputs).
    Ops TF considers safe (reshapes, concatenations, ``Maximum``...) are not checked. Calling it
    again while on does nothing.

    Args:
      stack_height_limit, path_length_limit: accepted for TF's signature; they limit the stack
        trace TF prints for ops inside graphs, which tapejax does not print.

    Differences from TensorFlow: ops inside a ``tf.function`` are not checked; TF checks them. A
    gradient computation runs as one compiled program: its results are checked when
    ``GradientTape.gradient`` returns (the message names ``GradientTape.gradient``; TF's names the
    op inside the gradient that made the value), not each of its ops (TF also raises for a NaN or
    Inf that no result shows). Eager ops run at
    the call (not deferred) while the mode is on, so a check costs a device-to-host copy.

    >>> import tapejax as tf
    >>> tf.debugging.enable_check_numerics()
    >>> try:
    ...     tf.math.log(tf.constant([1.0, 0.0]))
    ... except tf.errors.InvalidArgumentError as e:
    ...     print(str(e).splitlines()[2])
    !!! Detected Infinity or NaN in output 0 of eagerly-executing op "Log" (# of outputs: 1) !!!
    >>> tf.debugging.disable_check_numerics()
    >>> print(tf.math.log(tf.constant([1.0, 0.0])))
    tf.Tensor([  0. -inf], shape=(2,), dtype=float32)
    """
    global _threads_on
    if _state.enabled:
        return
    with _lock:
        _state.enabled = True
        _threads_on += 1
        core.numerics_check = _check


def disable_check_numerics() -> None:
    """Turns off the checking :func:`enable_check_numerics` turned on in this thread
    (``tf.debugging.disable_check_numerics``); does nothing if it is off."""
    global _threads_on
    if not _state.enabled:
        return
    with _lock:
        _state.enabled = False
        _threads_on -= 1
        if _threads_on == 0:
            core.numerics_check = None
