"""Workload 6a: DESIGN §4's budget "one gradient() of a repeated structure ≈ one XLA call".

A 10-op scalar chain recorded on a tape and differentiated, with the compiled pullback already
cached (warm), against the eager ``jnp`` forward plus one ``jax.jit(jax.grad)`` call.
``gradient()`` alone is also timed on a persistent tape recorded once.

Its twin budget, "one apply_gradients ≈ one XLA call", is ``bench_optimizers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import _frameworks, _suite


def chain(m: Any, x: Any) -> Any:
    """Ten scalar ops; ``m`` provides sin, exp, tanh, cos (tapejax, jnp, tf.math or torch)."""
    y = x * 1.5
    y = y + 0.25
    y = m.sin(y)
    y = y * y
    y = m.exp(y)
    y = y - 1.0
    y = m.tanh(y)
    y = y / 2.0
    y = m.cos(y)
    return y * x


class _Ops:
    """tapejax's sin/exp/tanh/cos, from the public API where it has them."""

    def __init__(self) -> None:
        for name in ("sin", "exp", "tanh", "cos"):
            setattr(self, name, _frameworks.tapejax_api(name))

    def missing(self) -> list[str]:
        return [f"tapejax.{n}" for n in ("sin", "exp", "tanh", "cos") if getattr(self, n) is None]


def _np(out: Any) -> Any:
    """The gradient of a (value, gradient) pair, or the gradient itself."""
    g = out[1] if isinstance(out, tuple) else out
    return np.asarray(g.detach() if hasattr(g, "detach") else g)


def build_gradient(config: _suite.Config) -> Iterator[Any]:
    x0 = np.float32(0.3)
    yield "Times per call (forward + gradient); the compiled pullback is cached during warm-up."
    import tapejax

    ops = _Ops()
    if ops.missing():
        for label in ("tapejax tape + gradient()", "tapejax gradient() only (persistent tape)"):
            yield _suite.Skipped(label, f"{', '.join(ops.missing())} not available yet")
    else:
        tx = tapejax.constant(x0)

        def taped() -> Any:
            with tapejax.GradientTape() as tape:
                tape.watch(tx)
                y = chain(ops, tx)
            return y, tape.gradient(y, tx)

        yield _suite.Impl("tapejax tape + gradient()", "tapejax", taped, output=_np)

        with tapejax.GradientTape(persistent=True) as ptape:
            ptape.watch(tx)
            py = chain(ops, tx)
        yield _suite.Impl(
            "tapejax gradient() only (persistent tape)",
            "tapejax",
            lambda: ptape.gradient(py, tx),
            output=_np,
            note="compare with jax.jit(jax.grad) only",
        )

    jx = jnp.asarray(x0)
    grad = jax.jit(jax.grad(lambda x: chain(jnp, x)))
    yield _suite.Impl(
        "jax eager forward + jax.jit(jax.grad)",
        "jax",
        lambda: (chain(jnp, jx), grad(jx)),
        baseline=True,
        output=_np,
    )
    yield _suite.Impl("jax.jit(jax.grad) only", "jax", lambda: grad(jx), output=_np)

    tf = _frameworks.tensorflow()
    if tf is None:
        yield _suite.Skipped("TF eager tape + gradient()", _frameworks.missing("tensorflow"))
    else:
        fx = tf.constant(x0)

        def tf_taped() -> Any:
            with tf.GradientTape() as tape:
                tape.watch(fx)
                y = chain(tf.math, fx)
            return y, tape.gradient(y, fx)

        yield _suite.Impl("TF eager tape + gradient()", "tensorflow", tf_taped, output=_np)

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch forward + autograd.grad", _frameworks.missing("torch"))
    else:
        px = torch.tensor(x0)

        def torch_grad() -> Any:
            xr = px.detach().requires_grad_()
            y = chain(torch, xr)
            (g,) = torch.autograd.grad(y, xr)
            return y, g

        yield _suite.Impl("PyTorch forward + autograd.grad", "torch", torch_grad, output=_np)


def targets_gradient(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.ratio_target(
            result,
            "tapejax tape + gradient()",
            "jax eager forward + jax.jit(jax.grad)",
            2.0,
            "warm tape + gradient() <= 2x (eager jnp forward + one jax.jit(jax.grad) call)",
        )
    ]


BENCHMARKS = [
    _suite.Benchmark(
        "gradient_cache",
        "gradient() on a warm cache: 10-op scalar chain, forward + gradient; time per call",
        build_gradient,
        targets_gradient,
    ),
]
