"""``model.fit`` of the suite's MLP on NumPy arrays: one epoch of fixed batches; time per training step.

The model is bench_keras_mlp's ``tf.keras.Sequential`` (bench_mlp's 784-512-512-10, batch 128, Adam
1e-3, ``CategoricalCrossentropy(from_logits=True)``), compiled and trained by ``model.fit(x, y,
batch_size, epochs=1, shuffle=False, verbose=0)`` on ``STEPS`` batches of NumPy arrays: the data
adapter's slicing, the compiled train step, the callbacks and the logs, per step. Side by side:

- the baseline: a hand-written loop over the same NumPy batches calling ``jax.jit`` of
  ``value_and_grad`` plus an ``optax.adam`` update (one compiled call per batch);
- tapejax's ``fit``;
- Keras 3 on its JAX backend (``fit``), in a subprocess (``python -m benchmarks.bench_keras_fit
  --keras-jax``) importing keras with ``KERAS_BACKEND=jax``, timed interleaved with tapejax's ``fit``
  and its own JAX baseline, so that the target comparing the two is a paired ratio of one process;
- TensorFlow's ``tf.keras`` ``fit`` (Keras 3 on TF, ``jit_compile`` as Keras resolves it), where
  TensorFlow is installed.

Every ``fit`` ends its epoch by reading its logs (Python floats), so its work is done when it returns.
The rows are not cross-checked against the baseline: one epoch leaves different states (Keras' Adam
and ``optax.adam`` drift apart by ~1e-3 within a few steps; bench_keras_mlp checks the step itself).

Target: tapejax's ``fit`` at most 1.05x Keras 3 on JAX's ``fit`` per step (same subprocess).

Run alone: ``python -m benchmarks.bench_keras_fit [--quick]`` from the repository root (with Keras
installed for its rows, e.g. ``/tmp/tfenv/bin/python``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks import _frameworks, _keras_jax, _suite, bench_keras_mlp, bench_mlp

LR = bench_mlp.LR
BASELINE = "jax (loop of jit(value_and_grad) + optax.adam over the batches)"
FIRST = "jax loop (the baseline's loop again)"
TAPEJAX_FIT = "tapejax model.fit"
KERAS_JAX = "Keras 3 on JAX: model.fit (subprocess)"
TAPEJAX_FIT_SUB = "tapejax model.fit (same subprocess)"
TF_FIT = "TF tf.keras model.fit"


def _problem(config: _suite.Config) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, int, int]:
    """Initial parameters, ``steps * batch`` samples (inputs, one-hot labels), the batch size and steps."""
    sizes = config.pick((784, 512, 512, 10), (32, 16, 16, 10))
    batch, steps = config.pick(128, 8), config.pick(STEPS, 4)
    params, x, y = bench_mlp.problem(sizes, batch * steps)
    return params, x, y, batch, steps


def make_jax_loop(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, batch: int) -> Callable[[], Any]:
    """The hand-written epoch: NumPy batches sliced as ``fit`` slices them, one jitted step each."""
    tx = optax.adam(LR, eps=1e-7)
    state = {"params": [jnp.asarray(p) for p in params]}
    state["opt"] = tx.init(state["params"])
    value_and_grad = jax.value_and_grad(bench_mlp.jax_loss)

    @jax.jit
    def train_step(p: Any, opt_state: Any, xb: Any, yb: Any) -> Any:
        loss, g = value_and_grad(p, xb, yb)
        updates, opt_state = tx.update(g, opt_state, p)
        return optax.apply_updates(p, updates), opt_state, loss

    def epoch() -> Any:
        losses = []
        for start in range(0, len(x), batch):
            xb, yb = x[start : start + batch], y[start : start + batch]
            state["params"], state["opt"], loss = train_step(state["params"], state["opt"], xb, yb)
            losses.append(loss)
        return float(jnp.mean(jnp.stack(losses))), state["params"]  # (read, as fit reads its logs)

    return epoch


def make_fit(keras: Any, params: list[np.ndarray], x: np.ndarray, y: np.ndarray, batch: int) -> Callable[[], Any]:
    """One epoch of ``model.fit`` of the MLP over ``keras`` (tapejax's, Keras 3's, TF's tf.keras)."""
    model = bench_keras_mlp.build_model(SimpleNamespace(keras=keras), params)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LR),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    )

    def epoch() -> Any:
        history = model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        return history.history["loss"][-1], model.trainable_weights

    return epoch


def _tapejax_missing() -> str | None:
    for name in ("keras.Sequential", "keras.Model.fit"):
        if _frameworks.tapejax_api(name) is None:
            return f"tapejax.{name} not available yet"
    return None


def _rows(config: _suite.Config, keras_jax: Any = None) -> Iterator[Any]:
    params, x, y, batch, steps = _problem(config)
    yield (
        f"sizes {'-'.join(str(p.shape[0]) for p in params[::2])}-{params[-1].shape[0]}, batch {batch}, {steps} "
        "batches per epoch; times per training step (one fit epoch / its batches). The model: "
        "tf.keras.Sequential([Input, Dense(relu), Dense(relu), Dense]), Adam, "
        "CategoricalCrossentropy(from_logits=True); fit(shuffle=False, verbose=0) on NumPy arrays."
    )
    # A second instance of the baseline's loop: its x JAX is the noise between two identical rows.
    note = "the baseline's loop again: its x JAX shows the noise between two identical rows"
    yield _suite.Impl(FIRST, "jax", make_jax_loop(params, x, y, batch), per=steps, note=note)
    if keras_jax is not None:
        yield _suite.Impl(KERAS_JAX, "jax", make_fit(keras_jax, params, x, y, batch), per=steps)
    missing = _tapejax_missing()
    label = TAPEJAX_FIT if keras_jax is None else TAPEJAX_FIT_SUB
    if missing:
        yield _suite.Skipped(label, missing)
    else:
        import tapejax

        yield _suite.Impl(label, "tapejax", make_fit(tapejax.keras, params, x, y, batch), per=steps)
    yield _suite.Impl(BASELINE, "jax", make_jax_loop(params, x, y, batch), per=steps, baseline=True)
    if keras_jax is not None:
        return
    tf = _frameworks.tensorflow()
    if tf is None:
        yield _suite.Skipped(TF_FIT, _frameworks.missing("tensorflow"))
    elif os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        yield _suite.Skipped(TF_FIT, f"KERAS_BACKEND={os.environ['KERAS_BACKEND']}: tf.keras is not on TensorFlow")
    else:
        yield _suite.Impl(TF_FIT, "tensorflow", make_fit(tf.keras, params, x, y, batch), per=steps)


def build(config: _suite.Config) -> Iterator[Any]:
    """The in-process rows: tapejax's fit, the JAX loop baseline, TF's tf.keras fit."""
    return _rows(config)


def _child(config: _suite.Config) -> dict[str, Any]:
    """Runs the Keras-on-JAX rows in this process; what the parent reads back (JSON-able)."""
    return _keras_jax.child("keras_fit", lambda keras: lambda c: _rows(c, keras), REPEATS, config, notes_from=1)


def _run_keras_jax(config: _suite.Config, result: _suite.Result, progress: Callable[[str], None]) -> None:
    """Adds the Keras-on-JAX subprocess's rows (or a Skipped line saying why not) to ``result``."""
    note = "x JAX against the subprocess's own JAX loop baseline, timed in the same rounds"
    data = _keras_jax.add_rows("bench_keras_fit", KERAS_JAX, FIRST, note, config, result, progress)
    if data is not None:
        result.notes.append(f"Keras {data['keras']} on JAX ran in a subprocess (KERAS_BACKEND=jax).")


def run(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    """The in-process rows (timed by the suite), then the Keras-on-JAX subprocess's rows."""
    return _keras_jax.run_with_subprocess(_IN_PROCESS, BENCHMARKS[0], KERAS_JAX, _run_keras_jax, config, progress)


def targets(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.ratio_target(
            result,
            TAPEJAX_FIT_SUB,
            KERAS_JAX,
            1.05,
            "tapejax model.fit step <= 1.05x Keras 3 on JAX model.fit step (same subprocess)",
        ),
    ]


STEPS = 20
REPEATS = 11
TITLE = "model.fit of the MLP 784-512-512-10 on NumPy arrays, batch 128, Adam; time per training step"
_IN_PROCESS = _suite.Benchmark("keras_fit", TITLE, build, repeats=REPEATS)
BENCHMARKS = [_suite.Benchmark("keras_fit", TITLE, targets=targets, custom=run, repeats=REPEATS)]


def main(argv: list[str] | None = None) -> int:
    return _keras_jax.main(BENCHMARKS[0], _child, argv)


if __name__ == "__main__":
    sys.exit(main())
