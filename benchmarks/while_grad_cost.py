"""Cost of differentiating a loop with a run-time trip count (``tapejax._src.while_grad``) against the
static-bound ``lax.scan`` it replaces: ``python -m benchmarks.while_grad_cost [--quick]``.

The loop is an RNN step ``h = tanh(h @ W + x)`` (batch 32, width 256) run ``n`` times; each variant
computes ``d sum(h_n) / dW``, jitted. Variants:

* ``while_grad``: tapejax's loop (``tf.while_loop`` inside ``tf.function`` uses it): forward while
  loop storing states, backward while loop of per-step VJPs.
* ``scan, bound = n``: a ``lax.scan`` of exactly ``n`` masked steps (the best a static bound can do;
  what ``maximum_iterations=n`` compiled to before).
* ``scan, bound = 10 n``: the same with a safety bound ten times the trip count.
* ``plain scan``: ``lax.scan`` of ``n`` steps, no mask (the JAX optimum for a known length).
* ``while_grad, thinned``: ``n`` trips with a buffer of ``n // 8`` states (stride 8: recomputation).
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks._timing import compare
from tapejax._src import while_grad

B, D = 32, 256


def _step(h: jax.Array, w: jax.Array, x: jax.Array) -> jax.Array:
    return jnp.tanh(h @ w + x)


def _while(n: int, cap: int | None) -> object:
    def loss(w: jax.Array, h: jax.Array, x: jax.Array, n: jax.Array) -> jax.Array:
        out = while_grad.while_loop(
            lambda s, c: s[0] < c[2],
            lambda s, c: (s[0] + 1, _step(s[1], c[0], c[1])),
            (jnp.int32(0), h),
            (w, x, n),
            capacity=cap,
        )
        return out[1].sum()

    return jax.jit(jax.grad(loss))


def _masked_scan(bound: int) -> object:
    def loss(w: jax.Array, h: jax.Array, x: jax.Array, n: jax.Array) -> jax.Array:
        def f(carry: tuple[jax.Array, jax.Array], _: None) -> tuple[tuple[jax.Array, jax.Array], None]:
            i, h = carry
            go = i < n
            return (i + go, jnp.where(go, _step(h, w, x), h)), None

        (_, h), _ = jax.lax.scan(f, (jnp.int32(0), h), None, length=bound)
        return h.sum()

    return jax.jit(jax.grad(loss))


def _plain_scan(length: int) -> object:
    def loss(w: jax.Array, h: jax.Array, x: jax.Array, n: jax.Array) -> jax.Array:
        h, _ = jax.lax.scan(lambda h, _: (_step(h, w, x), None), h, None, length=length)
        return h.sum()

    return jax.jit(jax.grad(loss))


def run(n: int) -> None:
    """Times the variants for ``n`` trips and prints a table."""
    rng = np.random.default_rng(0)
    w = jnp.asarray(rng.normal(size=(D, D)) / np.sqrt(D), jnp.float32)
    h = jnp.asarray(rng.normal(size=(B, D)), jnp.float32)
    x = jnp.asarray(rng.normal(size=(B, D)), jnp.float32)
    trips = jnp.int32(n)
    variants = {
        "while_grad": _while(n, None),
        "scan, bound = n": _masked_scan(n),
        "scan, bound = 10 n": _masked_scan(10 * n),
        "plain scan": _plain_scan(n),
        "while_grad, thinned": _while(n, max(2, n // 8)),
    }
    compile_s = {}
    grads = {}
    for label, fn in variants.items():
        t0 = time.perf_counter()
        grads[label] = np.asarray(fn(w, h, x, trips))  # type: ignore[operator]
        compile_s[label] = time.perf_counter() - t0
    for label, g in grads.items():
        np.testing.assert_allclose(g, grads["plain scan"], rtol=2e-3, atol=2e-4, err_msg=label)
    timings = compare({k: (lambda f=f: f(w, h, x, trips)) for k, f in variants.items()}, repeats=5)  # type: ignore[misc]
    base = timings["plain scan"].median
    print(f"d sum(h_n)/dW, {n} trips of tanh(h @ W + x), batch {B}, width {D}, {jax.devices()[0].platform}")
    print(f"{'variant':24} {'first call (s)':>15} {'median (ms)':>12} {'/ plain scan':>13}")
    for label, t in timings.items():
        print(f"{label:24} {compile_s[label]:15.2f} {t.median * 1e3:12.2f} {t.median / base:13.2f}")


def main() -> None:
    for n in [20] if "--quick" in sys.argv else [200, 5]:
        run(n)


if __name__ == "__main__":
    main()
