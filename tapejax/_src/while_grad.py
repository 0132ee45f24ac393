"""A while loop that JAX can reverse-differentiate, to any order, with a trip count known only at run time.

``lax.while_loop`` has no reverse mode: its trip count is a run-time value, and reverse mode needs
every iteration's state. TF's ``while_v2`` pushes each iteration's state onto a stack whose size is
the trip count. XLA buffers have static sizes, so :func:`while_loop` keeps the states in a buffer of
a static ``capacity`` and thins it when it fills (the usual online checkpointing):

* forward (only when differentiated): the loop stores its state every ``stride`` iterations
  (``stride`` starts at 1); when the buffer is full it keeps every second state and doubles the
  stride. After ``n`` trips, ``stride`` is the smallest power of two with ``n <= stride * capacity``.
* backward: a second while loop walks the iterations from last to first; the state of iteration
  ``i`` is the stored checkpoint ``i // stride`` advanced ``i % stride`` steps (nothing to advance
  while ``n <= capacity``), and the cotangent goes back through one step's VJP.

Cost: with ``n <= capacity`` one forward pass (plus stores) and one backward pass of ``n`` steps,
each step's forward recomputed once for its VJP, as a checkpointed ``lax.scan``; beyond, about
``n * stride / 2`` extra steps. Memory: ``capacity + 1`` states. The undifferentiated loop is a
plain ``lax.while_loop`` (no stores).

Every loop here is built of the same two ``jax.custom_vjp`` functions (the storing forward pass and
the loop itself), whose backward passes are again such loops, so a gradient of a gradient works
(reverse over reverse, as TF's gradients of ``while_v2``). Forward mode (``jax.jvp``) of a
``custom_vjp`` does not exist: tangents go through the plain loop instead (``jvp_impl``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Arrays = tuple[Any, ...]
Fn = Callable[[Arrays, Arrays], Any]

# The buffer holds at most this many bytes of states (and at least 16, at most 1024 of them). It is
# allocated at every differentiated run, whatever the trip count: on a CPU that costs about as much as
# a few steps of a small loop per MiB (measured: 16 MiB added ~15 ms to a 5-step loop), on an
# accelerator almost nothing.
_BUFFER_BYTES = {"cpu": 4 << 20}
_BUFFER_BYTES_ACCELERATOR = 64 << 20


def default_capacity(state: Arrays) -> int:
    """The number of states the backward pass keeps: an even number fitting the platform's budget."""
    size = sum(int(np.prod(np.shape(a))) * np.dtype(a.dtype).itemsize for a in state)
    budget = _BUFFER_BYTES.get(jax.default_backend(), _BUFFER_BYTES_ACCELERATOR)
    return int(max(16, min(1024, budget // max(size, 1))) // 2 * 2)


def _inexact(a: Any) -> bool:
    return bool(jnp.issubdtype(a.dtype, jnp.inexact))


def _split(xs: Arrays) -> tuple[list[Any], list[Any]]:
    """The differentiable (floating, complex) values of ``xs`` and the others."""
    return [a for a in xs if _inexact(a)], [a for a in xs if not _inexact(a)]


def _merge(floats: Any, others: Any, like: Arrays) -> Arrays:
    it_f, it_o = iter(floats), iter(others)
    return tuple(next(it_f) if _inexact(a) else next(it_o) for a in like)


def _cotangents(floats: Any, like: Arrays) -> Arrays:
    """Cotangents for ``like`` from those of its differentiable values (None: no gradient, for ints)."""
    it = iter(floats)
    return tuple(next(it) if _inexact(a) else None for a in like)


def while_loop(cond: Fn, body: Fn, init: Arrays, consts: Arrays, capacity: int | None = None) -> Arrays:
    """``lax.while_loop`` of ``body(x, consts)`` while ``cond(x, consts)``, reverse-differentiable.

    ``init`` and ``consts`` are tuples of arrays; ``body`` returns a tuple like ``init``.

    >>> import jax, jax.numpy as jnp
    >>> f = lambda x: while_loop(lambda s, c: s[0] < 10.0, lambda s, c: (s[0] * c[0],), (x,), (x,))[0]
    >>> float(f(2.0)), float(jax.jit(jax.grad(f))(2.0))  # 2 -> 4 -> 8 -> 16: x ** 4
    (16.0, 32.0)
    """
    init, consts = tuple(jnp.asarray(a) for a in init), tuple(jnp.asarray(a) for a in consts)
    cap = default_capacity(init) if capacity is None else max(2, int(capacity) + int(capacity) % 2)
    return _loop(cond, body, cap)(init, consts)


def _loop(cond: Fn, body: Fn, cap: int) -> Callable[[Arrays, Arrays], Arrays]:
    @jax.custom_vjp
    def loop(x0: Arrays, consts: Arrays) -> Arrays:
        return jax.lax.while_loop(lambda x: cond(x, consts), lambda x: tuple(body(x, consts)), x0)

    def fwd(x0: Arrays, consts: Arrays) -> tuple[Arrays, Any]:
        xn, buf, n, stride = _store(cond, body, cap)(x0, consts)
        return xn, (buf, n, stride, consts, x0)

    def bwd(res: Any, ct: Arrays) -> tuple[Arrays, Arrays]:
        buf, n, stride, consts, x0 = res
        return _reverse(body, cap, buf, n, stride, consts, x0, ct, None)

    loop.defvjp(fwd, bwd)
    return loop


def _store(cond: Fn, body: Fn, cap: int) -> Callable[[Arrays, Arrays], Any]:
    """The forward pass that keeps checkpoints: ``(x0, consts) -> (x_n, buffer, n, stride)``.

    ``buffer[k]`` is the state before iteration ``k * stride`` (``k < ceil(n / stride)``); slot
    ``cap`` takes the writes of iterations that store nothing.
    """

    @jax.custom_vjp
    def store(x0: Arrays, consts: Arrays) -> Any:
        def full(c: Any) -> Any:
            i, _, _, k, stride = c
            return jnp.logical_and(i % stride == 0, k == cap)

        def step(c: Any) -> Any:
            i, x, buf, k, stride = c
            keep = i % stride == 0
            slot = jnp.where(keep, k, cap)
            buf = tuple(jax.lax.dynamic_update_index_in_dim(b, a, slot, 0) for b, a in zip(buf, x, strict=True))
            return i + 1, tuple(body(x, consts)), buf, k + keep.astype(k.dtype), stride

        def move(j: Any, buf: Any) -> Any:  # slot 2j to slot j, in place
            return tuple(
                jax.lax.dynamic_update_index_in_dim(b, jax.lax.dynamic_index_in_dim(b, 2 * j, 0, False), j, 0)
                for b in buf
            )

        def run_until_full(c: Any) -> Any:
            # The inner loop only writes into the buffer; thinning it (every second state kept) happens
            # out here, once per doubling of the stride. Both update the buffer in place: a lax.cond
            # returning the buffer would copy it.
            c = jax.lax.while_loop(lambda c: jnp.logical_and(cond(c[1], consts), jnp.logical_not(full(c))), step, c)
            i, x, buf, k, stride = c
            thin = jnp.logical_and(full(c), cond(x, consts))
            buf = jax.lax.fori_loop(0, jnp.where(thin, cap // 2, 0), move, buf)
            return i, x, buf, jnp.where(thin, k // 2, k), jnp.where(thin, stride * 2, stride)

        buf0 = tuple(jnp.zeros((cap + 1, *jnp.shape(a)), jnp.result_type(a)) for a in x0)
        one = jnp.ones((), jnp.int32)
        n, xn, buf, _, stride = jax.lax.while_loop(
            lambda c: cond(c[1], consts), run_until_full, (0 * one, tuple(x0), buf0, 0 * one, one)
        )
        return xn, buf, n, stride

    def fwd(x0: Arrays, consts: Arrays) -> tuple[Any, Any]:
        out = store(x0, consts)
        _, buf, n, stride = out
        return out, (buf, n, stride, consts, x0)

    def bwd(res: Any, ct: Any) -> tuple[Arrays, Arrays]:
        buf, n, stride, consts, x0 = res
        ct_xn, ct_buf, _, _ = ct
        return _reverse(body, cap, buf, n, stride, consts, x0, ct_xn, ct_buf)

    store.defvjp(fwd, bwd)
    return store


def _advance(body: Fn, cap: int, x: Arrays, steps: Any, consts: Arrays) -> Arrays:
    """``steps`` iterations of ``body`` from ``x`` (a differentiable loop itself)."""
    t0 = jnp.zeros((), jnp.int32)
    out = _loop(
        lambda c, k: c[0] < k[0],
        lambda c, k: (c[0] + 1, *body(tuple(c[1:]), tuple(k[1:]))),
        cap,
    )((t0, *x), (steps, *consts))
    return tuple(out[1:])


def _reverse(
    body: Fn, cap: int, buf: Arrays, n: Any, stride: Any, consts: Arrays, x0: Arrays, ct_xn: Arrays, ct_buf: Any
) -> tuple[Arrays, Arrays]:
    """Cotangents of ``(x0, consts)``: a loop over the iterations from last to first (``ct_buf``: those
    of the stored checkpoints, injected where they were taken; None when they have none)."""
    ct_x = _split(tuple(ct_xn))[0]
    ct_c = [jnp.zeros_like(a) for a in _split(consts)[0]]
    inject = ct_buf is not None
    ct_b = _split(tuple(ct_buf))[0] if inject else []
    nx, nb, nk = len(ct_x), len(buf), len(consts)

    def back_body(carry: Arrays, k: Arrays) -> Arrays:
        # Everything the loop reads comes in through ``k`` (a custom_vjp function closes over no tracer).
        j, cx, cc = carry[0], carry[1 : 1 + nx], carry[1 + nx :]
        bf, s, cons, cbf = k[:nb], k[nb], tuple(k[nb + 1 : nb + 1 + nk]), k[nb + 1 + nk :]
        i = j - 1
        start = tuple(jax.lax.dynamic_index_in_dim(b, i // s, 0, keepdims=False) for b in bf)
        # (no loop at all while nothing was thinned: the common case)
        x_i = jax.lax.cond(s == 1, lambda: start, lambda: _advance(body, cap, start, i % s, cons))
        xf, xo = _split(x_i)
        kf, ko = _split(cons)
        _, vjp = jax.vjp(lambda xf_, kf_: _split(tuple(body(_merge(xf_, xo, x_i), _merge(kf_, ko, cons))))[0], xf, kf)
        dx, dk = vjp(list(cx))
        if inject:  # the checkpoint taken before iteration i was an output too
            at = i % s == 0
            dx = [
                jnp.where(at, d + jax.lax.dynamic_index_in_dim(b, i // s, 0, keepdims=False), d)
                for d, b in zip(dx, cbf, strict=True)
            ]
        return (i, *dx, *[a + b for a, b in zip(cc, dk, strict=True)])

    out = _loop(lambda c, k: c[0] > 0, back_body, cap)((n, *ct_x, *ct_c), (*buf, stride, *consts, *ct_b))
    return _cotangents(out[1 : 1 + nx], x0), _cotangents(out[1 + nx :], consts)
