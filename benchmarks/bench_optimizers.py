"""Optimizer step cost: Keras ``apply_gradients`` vs one jitted raw optax update.

The model is an MLP's 6 Variables (784-512-512-10 weights and biases). Timed per update:

- ``tapejax Adam.apply_gradients``: Keras-exact Adam over 6 Variables (one compiled call + writes);
- ``tapejax Optax(optax.adam).apply_gradients``: the optax wrapper, same machinery;
- ``jax.jit(optax.adam update)``: the baseline, one jitted ``update`` + ``apply_updates`` over the
  same six arrays, no donation (tapejax donates nothing either);
- TF eager Keras Adam and PyTorch ``Adam.step`` where installed.

A second group does the same with tiny Variables (6 of 8 elements), where compute vanishes and
what remains is per-call overhead: validation, the compiled call's dispatch and the write-back.

Target: ``apply_gradients`` at most 1.5x the jitted optax update (784-512-512-10).

Run alone: ``python -m benchmarks.bench_optimizers [--quick]`` from the repository root.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks import _frameworks, _suite

LR = 1e-3
SHAPES_FULL = [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)]
SHAPES_QUICK = [(32, 16), (16,), (16, 16), (16,), (16, 10), (10,)]
SHAPES_TINY = [(8,)] * 6


def _problem(shapes: list[tuple[int, ...]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    grads = [(rng.standard_normal(s) * 1e-2).astype(np.float32) for s in shapes]
    return params, grads


def _builder(shapes_full: list[tuple[int, ...]], n_full: int) -> Any:
    def build(config: _suite.Config) -> Iterator[Any]:
        shapes = config.pick(shapes_full, SHAPES_QUICK if shapes_full is SHAPES_FULL else shapes_full)
        n = config.pick(n_full, 3)
        params, grads = _problem(shapes)
        total = sum(int(np.prod(s)) for s in shapes)
        yield f"Adam over 6 Variables ({total} parameters); {n} updates per timed repeat; times per update."
        import tapejax

        tvars = [tapejax.Variable(p) for p in params]
        tgrads = [tapejax.constant(g) for g in grads]
        opt = tapejax.keras.optimizers.Adam(learning_rate=LR)

        def tj_apply() -> Any:
            for _ in range(n):
                opt.apply_gradients(zip(tgrads, tvars, strict=True))
            return tvars

        yield _suite.Impl("tapejax Adam.apply_gradients", "tapejax", tj_apply, per=n)

        ovars = [tapejax.Variable(p) for p in params]
        oopt = tapejax.keras.optimizers.Optax(optax.adam(LR, eps=1e-7))

        def tj_optax() -> Any:
            for _ in range(n):
                oopt.apply_gradients(zip(tgrads, ovars, strict=True))
            return ovars

        yield _suite.Impl("tapejax Optax(optax.adam).apply_gradients", "tapejax", tj_optax, per=n)

        tx = optax.adam(LR, eps=1e-7)
        state: dict[str, Any] = {"p": [jnp.asarray(p) for p in params]}
        state["s"] = tx.init(state["p"])
        jgrads = [jnp.asarray(g) for g in grads]

        @jax.jit
        def update(p: Any, s: Any, g: Any) -> Any:
            updates, s = tx.update(g, s, p)
            return optax.apply_updates(p, updates), s

        def jax_apply() -> Any:
            for _ in range(n):
                state["p"], state["s"] = update(state["p"], state["s"], jgrads)
            return state["p"]

        yield _suite.Impl("jax.jit(optax.adam update)", "jax", jax_apply, per=n, baseline=True)

        tf = _frameworks.tensorflow()
        if tf is None:
            yield _suite.Skipped("TF eager Keras Adam", _frameworks.missing("tensorflow"))
        else:
            fvars = [tf.Variable(p) for p in params]
            fgrads = [tf.constant(g) for g in grads]
            fopt = tf.keras.optimizers.Adam(learning_rate=LR)

            def tf_apply() -> Any:
                for _ in range(n):
                    fopt.apply_gradients(zip(fgrads, fvars, strict=True))
                return None

            yield _suite.Impl("TF eager Keras Adam", "tensorflow", tf_apply, per=n)

        torch = _frameworks.torch()
        if torch is None:
            yield _suite.Skipped("PyTorch Adam.step", _frameworks.missing("torch"))
        else:
            ps = [torch.tensor(p, requires_grad=True) for p in params]
            for p, g in zip(ps, grads, strict=True):
                p.grad = torch.from_numpy(g.copy())
            popt = torch.optim.Adam(ps, lr=LR, eps=1e-7)

            def torch_apply() -> Any:
                for _ in range(n):
                    popt.step()
                return None

            yield _suite.Impl("PyTorch Adam.step", "torch", torch_apply, per=n)

    return build


def _targets(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.ratio_target(
            result,
            "tapejax Adam.apply_gradients",
            "jax.jit(optax.adam update)",
            1.5,
            "Adam apply_gradients (6 Variables) <= 1.5x one jitted optax update",
        )
    ]


BENCHMARKS = [
    _suite.Benchmark(
        "optimizer_step",
        "Adam apply_gradients over an MLP's 6 Variables (784-512-512-10) vs jitted optax; time per update",
        _builder(SHAPES_FULL, 30),
        _targets,
        repeats=9,
    ),
    _suite.Benchmark(
        "optimizer_overhead",
        "Adam apply_gradients over 6 tiny Variables (per-call overhead) vs jitted optax; time per update",
        _builder(SHAPES_TINY, 500),
        None,
        repeats=9,
    ),
]


def main(argv: list[str] | None = None) -> int:
    from benchmarks import _report

    args = sys.argv[1:] if argv is None else argv
    config = _suite.Config(quick="--quick" in args)
    results = [_suite.run(b, config, lambda msg: print(msg, file=sys.stderr, flush=True)) for b in BENCHMARKS]
    print(_report.console_table(results))
    for res in results:
        for note in res.notes:
            print(f"note: {note}")
        for t in res.targets:
            print(f"target [{_report.target_status(t).strip('*')}] {t.description}: {t.measured}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
