"""Workload 5: per-op overhead, one scalar multiply.

tapejax's ``tf.multiply`` is one ``bind`` (unwrap, cached jitted kernel, wrap), measured without a
tape and while a tape records it. Compared with the raw ``jnp.multiply`` call (the baseline:
eager JAX), a call of ``jax.jit(jnp.multiply)``, TF's eager op and PyTorch's. Each timed call is a
Python loop of N multiplies, blocked at the end; times are per multiply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import _frameworks, _suite


def _loop(op: Callable[[Any, Any], Any], a: Any, b: Any, n: int) -> Callable[[], Any]:
    def run() -> Any:
        r = None
        for _ in range(n):
            r = op(a, b)
        return r

    return run


def build(config: _suite.Config) -> Iterator[Any]:
    n = config.pick(2000, 50)
    a_np, b_np = np.float32(2.0), np.float32(3.0)
    yield f"{n} multiplies of two float32 scalars per timed call; times per multiply."
    import tapejax

    ta, tb = tapejax.constant(a_np), tapejax.constant(b_np)
    yield _suite.Impl("tapejax tf.multiply (no tape)", "tapejax", _loop(tapejax.multiply, ta, tb, n), per=n)

    def tapejax_taped() -> Any:
        with tapejax.GradientTape() as tape:
            tape.watch(ta)
            r = _loop(tapejax.multiply, ta, tb, n)()
        return r

    yield _suite.Impl(
        "tapejax tf.multiply (tape recording)",
        "tapejax",
        tapejax_taped,
        per=n,
        note="a fresh tape per call, watching one input: every multiply is recorded",
    )

    ja, jb = jnp.asarray(a_np), jnp.asarray(b_np)
    yield _suite.Impl("jnp.multiply (eager JAX)", "jax", _loop(jnp.multiply, ja, jb, n), per=n, baseline=True)
    yield _suite.Impl("jax.jit(jnp.multiply)", "jax", _loop(jax.jit(jnp.multiply), ja, jb, n), per=n)

    tf = _frameworks.tensorflow()
    if tf is None:
        for label in ("TF eager tf.multiply", "TF eager tf.multiply (tape recording)"):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
    else:
        fa, fb = tf.constant(a_np), tf.constant(b_np)
        yield _suite.Impl("TF eager tf.multiply", "tensorflow", _loop(tf.multiply, fa, fb, n), per=n)

        def tf_taped() -> Any:
            with tf.GradientTape() as tape:
                tape.watch(fa)
                r = _loop(tf.multiply, fa, fb, n)()
            return r

        yield _suite.Impl("TF eager tf.multiply (tape recording)", "tensorflow", tf_taped, per=n)

    torch = _frameworks.torch()
    if torch is None:
        for label in ("PyTorch torch.mul", "PyTorch torch.mul (requires_grad)"):
            yield _suite.Skipped(label, _frameworks.missing("torch"))
    else:
        pa, pb = torch.tensor(a_np), torch.tensor(b_np)
        yield _suite.Impl("PyTorch torch.mul", "torch", _loop(torch.mul, pa, pb, n), per=n)
        pg = torch.tensor(a_np, requires_grad=True)
        yield _suite.Impl(
            "PyTorch torch.mul (requires_grad)",
            "torch",
            _loop(torch.mul, pg, pb, n),
            per=n,
            note="records the autograd graph, as a tape does",
        )


def targets(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.ratio_target(
            result,
            "tapejax tf.multiply (no tape)",
            "jnp.multiply (eager JAX)",
            1.5,
            "no-tape bind < 1.5x the raw jnp.multiply call",
            strict=True,
        )
    ]


BENCHMARKS = [
    _suite.Benchmark("op_overhead", "Per-op overhead: one float32 scalar multiply; time per op", build, targets)
]
