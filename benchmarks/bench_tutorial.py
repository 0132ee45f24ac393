"""Workload 1: the tutorial's per-sample linear regression, one tape per sample (1000 steps).

The loop is the tutorial's code verbatim (seed 000): a scalar tape per sample, ``w.numpy()`` logged
every step, and the Variables rebound (``w = tf.Variable(w - lr * g)``). It runs unchanged with
``tf = tapejax`` and ``tf = tensorflow``. The JAX baseline is what a JAX user would write instead:
one jitted per-sample step called from the same Python loop (and, for reference, the whole loop as
one ``lax.scan``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import _frameworks, _suite

LR = 0.01


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    return x, (3 * x + 1).astype(np.float32)


def tutorial_loop(tf: Any, x_data: Any, y_data: Any) -> tuple[list[Any], list[Any], Any, Any]:
    """The tutorial, verbatim; ``tf`` is tapejax or tensorflow."""
    w = tf.Variable(-1.0)
    b = tf.Variable(-1.0)
    learning_rata = LR
    w_list, b_list = [], []
    for x, y in zip(x_data, y_data):  # noqa: B905 - the tutorial's code, verbatim
        with tf.GradientTape() as tape:
            predictions = x * w + b
            loss = tf.pow((predictions - y), 2)

        gradients = tape.gradient(loss, [w, b])

        w_list.append(w.numpy())
        b_list.append(b.numpy())

        w = tf.Variable(w - learning_rata * gradients[0])
        b = tf.Variable(b - learning_rata * gradients[1])
    return w_list, b_list, w, b


def _loss(w: Any, b: Any, x: Any, y: Any) -> Any:
    return (x * w + b - y) ** 2


@jax.jit
def jax_step(w: jax.Array, b: jax.Array, x: Any, y: Any) -> tuple[jax.Array, jax.Array]:
    gw, gb = jax.grad(_loss, argnums=(0, 1))(w, b, x, y)
    return w - LR * gw, b - LR * gb


def jax_loop(xs: np.ndarray, ys: np.ndarray) -> tuple[list[Any], list[Any], Any, Any]:
    w = jnp.asarray(-1.0, jnp.float32)
    b = jnp.asarray(-1.0, jnp.float32)
    w_list, b_list = [], []
    for x, y in zip(xs, ys, strict=True):  # numpy float32 scalars: no per-element JAX indexing
        w_list.append(np.asarray(w))
        b_list.append(np.asarray(b))
        w, b = jax_step(w, b, x, y)
    return w_list, b_list, w, b


@jax.jit
def jax_scan(xs: jax.Array, ys: jax.Array) -> tuple[Any, Any]:
    def body(carry: Any, xy: Any) -> tuple[Any, Any]:
        w, b = carry
        gw, gb = jax.grad(_loss, argnums=(0, 1))(w, b, *xy)
        return (w - LR * gw, b - LR * gb), carry

    init = (jnp.asarray(-1.0, jnp.float32), jnp.asarray(-1.0, jnp.float32))
    (w, b), (ws, bs) = jax.lax.scan(body, init, (xs, ys))
    return (ws, bs, w, b)


def torch_loop(torch: Any, x_data: Any, y_data: Any) -> tuple[list[Any], list[Any], Any, Any]:
    """The same loop in PyTorch eager: leaf tensors, ``backward()``, a ``no_grad`` update."""
    w = torch.tensor(-1.0, requires_grad=True)
    b = torch.tensor(-1.0, requires_grad=True)
    w_list, b_list = [], []
    for x, y in zip(x_data, y_data, strict=True):
        predictions = x * w + b
        loss = torch.pow(predictions - y, 2)
        loss.backward()
        w_list.append(w.detach().numpy().copy())
        b_list.append(b.detach().numpy().copy())
        with torch.no_grad():
            w = (w - LR * w.grad).requires_grad_()
            b = (b - LR * b.grad).requires_grad_()
    return w_list, b_list, w, b


def _final(out: Any) -> list[float]:
    """Final (w, b) and the logged trajectory's last entries, as floats."""
    w_list, b_list, w, b = out
    w = w.detach() if hasattr(w, "detach") else w
    b = b.detach() if hasattr(b, "detach") else b
    return [float(np.asarray(w)), float(np.asarray(b)), float(np.asarray(w_list[-1])), float(np.asarray(b_list[-1]))]


def build(config: _suite.Config) -> Iterator[Any]:
    n = config.pick(1000, 50)
    xs, ys = data(n)
    yield f"{n} per-sample steps per run; every implementation logs w and b each step (host sync), as the tutorial does."

    import tapejax

    x_data = tapejax.constant(xs)
    y_data = 3 * x_data + 1
    yield _suite.Impl("tapejax", "tapejax", lambda: tutorial_loop(tapejax, x_data, y_data), output=_final)

    yield _suite.Impl("jax (jitted step, Python loop)", "jax", lambda: jax_loop(xs, ys), baseline=True, output=_final)
    xs_j, ys_j = jnp.asarray(xs), jnp.asarray(ys)
    yield _suite.Impl(
        "jax (lax.scan, 1 call)",
        "jax",
        lambda: jax_scan(xs_j, ys_j),
        output=_final,
        note="whole loop compiled; not an eager loop",
    )

    tf = _frameworks.tensorflow()
    if tf is None:
        yield _suite.Skipped("TF eager", _frameworks.missing("tensorflow"))
        yield _suite.Skipped("TF tf.function step", _frameworks.missing("tensorflow"))
    else:
        tx = tf.constant(xs)
        ty = 3 * tx + 1
        yield _suite.Impl("TF eager", "tensorflow", lambda: tutorial_loop(tf, tx, ty), output=_final)

        @tf.function
        def tf_step(w: Any, b: Any, x: Any, y: Any) -> tuple[Any, Any, Any, Any]:
            with tf.GradientTape() as tape:
                tape.watch([w, b])
                loss = tf.pow(x * w + b - y, 2)
            gw, gb = tape.gradient(loss, [w, b])
            return w - LR * gw, b - LR * gb

        def tf_function_loop() -> Any:
            w, b = tf.constant(-1.0), tf.constant(-1.0)
            w_list, b_list = [], []
            for x, y in zip(tx, ty, strict=True):
                w_list.append(w.numpy())
                b_list.append(b.numpy())
                w, b = tf_step(w, b, x, y)
            return w_list, b_list, w, b

        yield _suite.Impl(
            "TF tf.function step",
            "tensorflow",
            tf_function_loop,
            output=_final,
            note="the step as a tf.function, called from the Python loop",
        )

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch eager", _frameworks.missing("torch"))
    else:
        px = torch.from_numpy(xs.copy())
        py = 3 * px + 1
        yield _suite.Impl("PyTorch eager", "torch", lambda: torch_loop(torch, px, py), output=_final)


def targets(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.speedup_target(result, "tapejax", "TF eager", 20.0, "tapejax >= 20x faster than TF eager (issue 18)"),
        _suite.speedup_target(result, "tapejax", "PyTorch eager", 1.0, "tapejax faster than PyTorch eager"),
    ]


BENCHMARKS = [
    _suite.Benchmark(
        "tutorial",
        "Tutorial per-sample linear regression, time per 1000-step loop",
        build,
        targets,
        repeats=7,
        warmup=1,
    )
]
