"""Workload 4: a Hessian-vector product through nested tapes.

f(x) = sum(tanh(W x)) with a 256-d x. The inner tape gives g = df/dx; the outer tape differentiates
sum(g * v), which is H v. The JAX baseline is ``jax.jit`` of forward-over-reverse (``jvp`` of
``grad``); PyTorch uses double backward (``create_graph=True``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import _frameworks, _suite


def problem(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    w = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    x = rng.standard_normal((n, 1)).astype(np.float32)
    v = rng.standard_normal((n, 1)).astype(np.float32)
    return w, x, v


def nested_tape_hvp(tf: Any, tanh: Any, reduce_sum: Any, w: Any, x: Any, v: Any) -> Any:
    """The user's code, for ``tf`` = tapejax or tensorflow."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = reduce_sum(tanh(tf.matmul(w, x)))
        g = inner.gradient(y, x)
        gv = reduce_sum(g * v)
    return outer.gradient(gv, x)


def _np(out: Any) -> np.ndarray:
    return np.asarray(out.detach() if hasattr(out, "detach") else out)


def build(config: _suite.Config) -> Iterator[Any]:
    n = config.pick(256, 16)
    w, x, v = problem(n)
    yield f"f = sum(tanh(W @ x)), W {n}x{n}; forward + inner gradient + outer gradient per call."
    import tapejax

    tanh, reduce_sum = _frameworks.tapejax_api("tanh"), _frameworks.tapejax_api("reduce_sum")
    if tanh is None or reduce_sum is None:
        yield _suite.Skipped("tapejax nested tapes", "tapejax.tanh / tapejax.reduce_sum not available yet")
    else:
        tw, tx, tv = (tapejax.constant(a) for a in (w, x, v))
        yield _suite.Impl(
            "tapejax nested tapes",
            "tapejax",
            lambda: nested_tape_hvp(tapejax, tanh, reduce_sum, tw, tx, tv),
            output=_np,
        )

    jw, jx, jv = (jnp.asarray(a) for a in (w, x, v))

    def f(x: jax.Array) -> jax.Array:
        return jnp.sum(jnp.tanh(jw @ x))

    hvp = jax.jit(lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])
    yield _suite.Impl("jax.jit(jvp of grad)", "jax", lambda: hvp(jx, jv), baseline=True, output=_np)

    tf = _frameworks.tensorflow()
    if tf is None:
        for label in ("TF eager nested tapes", "TF tf.function nested tapes"):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
    else:
        fw, fx, fv = (tf.constant(a) for a in (w, x, v))
        yield _suite.Impl(
            "TF eager nested tapes",
            "tensorflow",
            lambda: nested_tape_hvp(tf, tf.tanh, tf.reduce_sum, fw, fx, fv),
            output=_np,
        )
        tf_hvp = tf.function(lambda: nested_tape_hvp(tf, tf.tanh, tf.reduce_sum, fw, fx, fv))
        yield _suite.Impl("TF tf.function nested tapes", "tensorflow", tf_hvp, output=_np)

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch double backward", _frameworks.missing("torch"))
    else:
        pw, pv = torch.from_numpy(w.copy()), torch.from_numpy(v.copy())
        px = torch.from_numpy(x.copy())

        def torch_hvp() -> Any:
            xr = px.detach().requires_grad_()
            y = torch.tanh(pw @ xr).sum()
            (g,) = torch.autograd.grad(y, xr, create_graph=True)
            (hv,) = torch.autograd.grad((g * pv).sum(), xr)
            return hv

        yield _suite.Impl("PyTorch double backward", "torch", torch_hvp, output=_np)


BENCHMARKS = [
    _suite.Benchmark("hvp", "Hessian-vector product via nested tapes, f = sum(tanh(W x)), 256-d; time per call", build)
]
