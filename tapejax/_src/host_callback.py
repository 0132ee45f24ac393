"""Ordered host callbacks inside compiled programs, whose TF errors reach the caller as TF raised them.

A callback (``jax.experimental.io_callback``, ordered: each runs after the previous one of any
program, in program order) is how a running program reads host state, e.g. the next element of a
``tf.data`` pipeline. An exception it raises fails the run with JAX's ``JaxRuntimeError`` holding
the traceback text; :func:`raised_in_callback` gives back the TF error (``OutOfRangeError``,
``InvalidArgumentError``) that the callback raised, so ``tf.function`` can re-raise it as TF
raises its run-time errors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import io_callback

from tapejax._src import errors
from tapejax._src.core import Op, bind

_lock = threading.Lock()
_raised: list[errors.OpError] = []  # TF errors raised by callbacks, not yet reported to a caller


class _Quiet(logging.Filter):
    """JAX logs every exception a callback raises; a TF error re-raised to the caller is not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, errors.OpError)


logging.getLogger("jax._src.callback").addFilter(_Quiet())


def _noting_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        try:
            return fn(*args)
        except errors.OpError as e:
            with _lock:
                _raised.append(e)
                del _raised[:-8]
            raise

    return run


def call(name: str, fn: Callable[..., Any], result: Any, *operands: Any, after: Any = None) -> tuple[Any, ...]:
    """``fn(*operands)`` on the host when the program runs, as ONE non-differentiable op; its results
    (``result``: ``jax.ShapeDtypeStruct``s, or None for none) as Tensors. Operands cost a device-to-host
    move each run (~100 us on a 2-core CPU): read static state where you can.

    ``after``: a value (Tensor) the call waits for, not passed to ``fn``: the callback runs after
    the computation of that value, host callbacks in it included (ordered callbacks are ordered among
    themselves, not with the rest of the program)."""
    wrapped = _noting_errors(fn)
    if after is None:

        def impl(*arrays: Any) -> Any:
            out = io_callback(wrapped, result, *arrays, ordered=True)
            return tuple(out) if result is not None else ()

        op = Op(name, impl, multiple_results=True, differentiable=False, runs_user_code=True)
        return tuple(bind(op, *operands))

    def run_after(_: Any, *args: Any) -> Any:
        return wrapped(*args)

    def impl_after(dep: Any, *arrays: Any) -> Any:
        # A float scalar with no gradient: JAX differentiates no host callback, and an integer operand
        # would still be carried as a tangent where a tape records a loop around the call.
        dep = lax.stop_gradient(lax.convert_element_type(jnp.ravel(dep)[:1].sum(), np.float32))
        out = io_callback(run_after, result, dep, *arrays, ordered=True)
        return tuple(out) if result is not None else ()

    op = Op(name, impl_after, multiple_results=True, differentiable=False, runs_user_code=True)
    return tuple(bind(op, after, *operands))


def raised_in_callback(error: BaseException) -> errors.OpError | None:
    """The TF error a callback raised that made a program run fail with ``error``, or None."""
    text = str(error)
    with _lock:
        for i in range(len(_raised) - 1, -1, -1):
            e = _raised[i]
            if type(e).__name__ in text and e.message in text:
                del _raised[i]
                return e
    return None
