"""Workload 3: ``tape.jacobian`` of tanh(W x) (256 -> 256) and ``tape.batch_jacobian`` (batch 64).

Each timed call is what a user runs: the taped forward pass plus the jacobian. The JAX baselines
are ``jax.jit(jax.jacrev(f))`` and ``jax.jit(jax.vmap(jax.jacrev(f)))``; TF uses its tape
(``pfor``), PyTorch ``torch.func.jacrev`` (vectorised, as JAX).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import _frameworks, _suite


def problem(n: int, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    x = rng.standard_normal((n, 1)).astype(np.float32)  # a column: y = tanh(W @ x)
    xb = rng.standard_normal((batch, n)).astype(np.float32)  # rows: y[i] = tanh(xb[i] @ W^T)
    return w, x, xb


def tape_jacobian(tf: Any, tanh: Any, w: Any, x: Any) -> Any:
    """The user's code, for ``tf`` = tapejax or tensorflow."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tanh(tf.matmul(w, x))
    return tape.jacobian(y, x)


def tape_batch_jacobian(tf: Any, tanh: Any, wt: Any, xb: Any) -> Any:
    with tf.GradientTape() as tape:
        tape.watch(xb)
        y = tanh(tf.matmul(xb, wt))
    return tape.batch_jacobian(y, xb)


def _np(out: Any) -> np.ndarray:
    return np.asarray(out.detach() if hasattr(out, "detach") else out)


def build_jacobian(config: _suite.Config) -> Iterator[Any]:
    n = config.pick(256, 16)
    w, x, _ = problem(n, 2)
    yield f"y = tanh(W @ x), W {n}x{n}, x {n}x1; forward + jacobian per call (result {n}x1x{n}x1)."
    import tapejax

    tanh = _frameworks.tapejax_api("tanh")
    if tanh is None:
        yield _suite.Skipped("tapejax tape.jacobian", "tapejax.tanh not available yet")
    else:
        tw, tx = tapejax.constant(w), tapejax.constant(x)
        yield _suite.Impl("tapejax tape.jacobian", "tapejax", lambda: tape_jacobian(tapejax, tanh, tw, tx), output=_np)

    jw, jx = jnp.asarray(w), jnp.asarray(x)
    jac = jax.jit(jax.jacrev(lambda x: jnp.tanh(jw @ x)))
    yield _suite.Impl("jax.jit(jax.jacrev)", "jax", lambda: jac(jx), baseline=True, output=_np)

    tf = _frameworks.tensorflow()
    if tf is None:
        for label in ("TF eager tape.jacobian", "TF tf.function tape.jacobian"):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
    else:
        fw, fx = tf.constant(w), tf.constant(x)
        yield _suite.Impl(
            "TF eager tape.jacobian", "tensorflow", lambda: tape_jacobian(tf, tf.tanh, fw, fx), output=_np
        )
        tf_jac = tf.function(lambda: tape_jacobian(tf, tf.tanh, fw, fx))
        yield _suite.Impl("TF tf.function tape.jacobian", "tensorflow", tf_jac, output=_np)

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch torch.func.jacrev", _frameworks.missing("torch"))
    else:
        pw, px = torch.from_numpy(w.copy()), torch.from_numpy(x.copy())
        pjac = torch.func.jacrev(lambda x: torch.tanh(pw @ x))
        yield _suite.Impl("PyTorch torch.func.jacrev", "torch", lambda: pjac(px), output=_np)


def build_batch_jacobian(config: _suite.Config) -> Iterator[Any]:
    n, batch = config.pick((256, 64), (16, 4))
    w, _, xb = problem(n, batch)
    wt = np.ascontiguousarray(w.T)
    yield f"y[i] = tanh(x[i] @ W^T), batch {batch}, {n} -> {n}; forward + batch_jacobian per call (result {batch}x{n}x{n})."
    import tapejax

    tanh = _frameworks.tapejax_api("tanh")
    if tanh is None:
        yield _suite.Skipped("tapejax tape.batch_jacobian", "tapejax.tanh not available yet")
    else:
        tw, tx = tapejax.constant(wt), tapejax.constant(xb)
        yield _suite.Impl(
            "tapejax tape.batch_jacobian", "tapejax", lambda: tape_batch_jacobian(tapejax, tanh, tw, tx), output=_np
        )

    jw, jx = jnp.asarray(wt), jnp.asarray(xb)
    bjac = jax.jit(jax.vmap(jax.jacrev(lambda r: jnp.tanh(r @ jw))))
    yield _suite.Impl("jax.jit(vmap(jacrev))", "jax", lambda: bjac(jx), baseline=True, output=_np)

    tf = _frameworks.tensorflow()
    if tf is None:
        for label in ("TF eager tape.batch_jacobian", "TF tf.function tape.batch_jacobian"):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
    else:
        fw, fx = tf.constant(wt), tf.constant(xb)
        yield _suite.Impl(
            "TF eager tape.batch_jacobian", "tensorflow", lambda: tape_batch_jacobian(tf, tf.tanh, fw, fx), output=_np
        )
        tf_bjac = tf.function(lambda: tape_batch_jacobian(tf, tf.tanh, fw, fx))
        yield _suite.Impl("TF tf.function tape.batch_jacobian", "tensorflow", tf_bjac, output=_np)

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch vmap(jacrev)", _frameworks.missing("torch"))
    else:
        pw, px = torch.from_numpy(wt.copy()), torch.from_numpy(xb.copy())
        pbjac = torch.func.vmap(torch.func.jacrev(lambda r: torch.tanh(r @ pw)))
        yield _suite.Impl("PyTorch vmap(jacrev)", "torch", lambda: pbjac(px), output=_np)


def targets_jacobian(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.speedup_target(
            result, "tapejax tape.jacobian", "TF eager tape.jacobian", 20.0, "tapejax >= 20x faster than TF eager"
        ),
        _suite.ratio_target(
            result, "tapejax tape.jacobian", "jax.jit(jax.jacrev)", 3.0, "tapejax <= 3x jax.jit(jax.jacrev)"
        ),
    ]


def targets_batch_jacobian(result: _suite.Result) -> list[_suite.Target]:
    # Only the JAX-ratio target carries over: at batch 64 the work is compute-bound (64 x 256 x 256 outputs),
    # so no implementation can be 20x faster than TF's vectorised pfor.
    return [
        _suite.ratio_target(
            result,
            "tapejax tape.batch_jacobian",
            "jax.jit(vmap(jacrev))",
            3.0,
            "tapejax <= 3x jax.jit(vmap(jacrev)) (jacobian's target, applied here too)",
        ),
    ]


BENCHMARKS = [
    _suite.Benchmark("jacobian", "jacobian of tanh(W x), 256 -> 256; time per call", build_jacobian, targets_jacobian),
    _suite.Benchmark(
        "batch_jacobian",
        "batch_jacobian of tanh(x W^T), batch 64, 256 -> 256; time per call",
        build_batch_jacobian,
        targets_batch_jacobian,
    ),
]
