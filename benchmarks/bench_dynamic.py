"""Workload: a tape loop whose structure changes every step (data-dependent Python control flow).

Each step draws a fresh sequence of 24 ops (sin, scale, shift) on a 32-vector Variable, records it
on a tape and takes the gradient: no structure ever repeats, so nothing compiled for one step can be
reused by the next. This is where a compile-per-structure design falls off a cliff (tapejax before
2026-11-26: about 50 ms a step, compiling each one). tapejax now notices that new structures keep
coming and runs each new one op by op with kernels cached per op (lazy.py, ``DYNAMIC_AT``),
compiling only a structure it sees again. The JAX baseline is what a JAX user writes for such a
step: ``jax.grad`` called eagerly (it re-traces every call).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import _frameworks, _suite

STEPS = 10  # steps per timed call
LENGTH = 24  # ops per step


def sequences(seed: int) -> Iterator[list[int]]:
    """An endless stream of op sequences (0: sin, 1: scale, 2: shift); 3**24 possible, none repeats."""
    rng = np.random.default_rng(seed)
    while True:
        yield rng.integers(0, 3, LENGTH).tolist()


def forward(sin: Callable[[Any], Any], w: Any, ops: list[int]) -> Any:
    y = w
    for op in ops:
        y = sin(y) if op == 0 else y * 1.01 if op == 1 else y + 0.5
    return y


def tape_steps(tf: Any, w: Any, stream: Iterator[list[int]]) -> Any:
    """The user's code, for ``tf`` = tapejax or tensorflow: STEPS steps, each a new structure."""
    g = None
    for _ in range(STEPS):
        ops = next(stream)
        with tf.GradientTape() as tape:
            y = forward(tf.sin, w, ops)
        g = tape.gradient(y, w)
    return g


def _np(out: Any) -> np.ndarray:
    return np.asarray(out.detach() if hasattr(out, "detach") else out)


def build(config: _suite.Config) -> Iterator[Any]:
    w0 = np.linspace(-1.0, 1.0, 32, dtype=np.float32)
    yield (
        f"{STEPS} tape steps per call, each a new random sequence of {LENGTH} ops (sin, *1.01, +0.5) on a "
        "32-vector; time per step. Every implementation draws the same sequences."
    )
    import tapejax

    tw = tapejax.Variable(w0)
    t_stream = sequences(0)
    yield _suite.Impl("tapejax", "tapejax", lambda: tape_steps(tapejax, tw, t_stream), per=STEPS, output=_np)

    jw = jnp.asarray(w0)
    j_stream = sequences(0)

    def jax_steps() -> Any:
        g = None
        for _ in range(STEPS):
            ops = next(j_stream)
            g = jax.grad(lambda w, ops=ops: jnp.sum(forward(jnp.sin, w, ops)))(jw)
        return g

    yield _suite.Impl(
        "jax.grad, eager", "jax", jax_steps, per=STEPS, baseline=True, output=_np, note="re-traced every call"
    )

    tf = _frameworks.tensorflow()
    if tf is None:
        yield _suite.Skipped("TF eager", _frameworks.missing("tensorflow"))
    else:
        fw = tf.Variable(w0)
        f_stream = sequences(0)
        yield _suite.Impl("TF eager", "tensorflow", lambda: tape_steps(tf, fw, f_stream), per=STEPS, output=_np)

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch eager", _frameworks.missing("torch"))
    else:
        pw = torch.from_numpy(w0.copy()).requires_grad_()
        p_stream = sequences(0)

        def torch_steps() -> Any:
            g = None
            for _ in range(STEPS):
                (g,) = torch.autograd.grad(forward(torch.sin, pw, next(p_stream)).sum(), pw)
            return g

        yield _suite.Impl("PyTorch eager", "torch", torch_steps, per=STEPS, output=_np)


def targets(result: _suite.Result) -> list[_suite.Target]:
    return [_suite.speedup_target(result, "tapejax", "TF eager", 1.0, "tapejax faster than TF eager")]


BENCHMARKS = [
    _suite.Benchmark(
        "dynamic",
        "Tape loop whose structure changes every step (24 random ops on a 32-vector), time per step",
        build,
        targets,
    )
]
