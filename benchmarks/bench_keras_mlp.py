"""The suite's MLP as a ``tf.keras.Sequential``, trained by a GradientTape loop; time per training step.

The model is bench_mlp's (784-512-512-10, batch 128, softmax cross-entropy, Adam 1e-3), built from
``tf.keras.layers.Dense`` layers and trained by TF's custom-training-loop idiom, written once and
run with tapejax and with TensorFlow's ``tf.keras`` (eager and under ``tf.function``)::

    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

Side by side, from the same initial weights and data:

- bench_mlp's hand-written-op tapejax step (``tf.matmul``/``tf.nn.relu`` on six Variables), eager and
  under ``tf.function``: what the Keras model's overhead is measured against;
- the baseline: ``jax.jit`` of ``value_and_grad`` plus an ``optax.adam`` update, one compiled call;
- Keras 3 on its JAX backend (``model.train_on_batch`` of the compiled model). Keras chooses its
  backend when it is imported, so this row runs in a subprocess (``python -m
  benchmarks.bench_keras_mlp --keras-jax``) that imports keras with ``KERAS_BACKEND=jax`` and times
  it interleaved with its own JAX baseline and tapejax's Keras ``tf.function`` step, so that the
  target comparing those two is a paired ratio measured in one process;
- TensorFlow's ``tf.keras`` (Keras 3 on TF), eager and ``tf.function``, where TensorFlow is installed;
- the unfused JAX step (``jit(value_and_grad)`` then a jitted update), in no target (see
  :func:`_first_impl`).

Each implementation's losses of its first two steps are cross-checked against the baseline's: the
forward pass, the gradients and one Adam update (see :func:`_impl`).

Targets: the Keras model's step at most 1.05x the hand-written-op tapejax step, eager and under
``tf.function``; tapejax's Keras step under ``tf.function`` at most 1.05x Keras 3 on JAX.

Run alone: ``python -m benchmarks.bench_keras_mlp [--quick]`` from the repository root.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np

from benchmarks import _frameworks, _keras_jax, _suite, _timing, bench_mlp

LR = bench_mlp.LR
BASELINE = "jax (jit(value_and_grad) + optax.adam, fused)"
HAND_EAGER = "tapejax eager tape (hand-written ops)"
HAND_FUNCTION = "tapejax tf.function (hand-written ops)"
KERAS_EAGER = "tapejax Keras eager tape"
KERAS_FUNCTION = "tapejax Keras tf.function"
KERAS_JAX = "Keras 3 on JAX: train_on_batch (subprocess)"
KERAS_FUNCTION_SUB = "tapejax Keras tf.function (same subprocess)"
TF_EAGER = "TF tf.keras eager tape"
TF_FUNCTION = "TF tf.keras tf.function"
FIRST = "jax (jit(value_and_grad), then jit(optax update))"


def _sizes(config: _suite.Config) -> tuple[tuple[int, ...], int]:
    return config.pick((784, 512, 512, 10), (32, 16, 16, 10)), config.pick(128, 8)


def build_model(tf: Any, params: list[np.ndarray]) -> Any:
    """The MLP as ``tf.keras.Sequential`` of Dense layers over namespace ``tf``, holding ``params``."""
    sizes = [params[0].shape[0], *(w.shape[1] for w in params[::2])]
    layers = [tf.keras.layers.Dense(n, activation="relu") for n in sizes[1:-1]]
    model = tf.keras.Sequential([tf.keras.Input((sizes[0],)), *layers, tf.keras.layers.Dense(sizes[-1])])
    model.set_weights(params)
    return model


def make_keras_tape_step(
    tf: Any, params: list[np.ndarray], x_np: np.ndarray, y_np: np.ndarray
) -> tuple[Callable[[], Any], list[Any]]:
    """TF's custom-training-loop step over ``tf`` (tapejax or TensorFlow); returns (step, weights)."""
    model = build_model(tf, params)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(learning_rate=LR)
    x, y = tf.constant(x_np), tf.constant(y_np)

    def step() -> Any:
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))  # noqa: B905 - the TF idiom, verbatim
        return loss

    return step, model.trainable_weights


def _impl(label: str, framework: str, step: Callable[[], tuple[Any, Any]], **kwargs: Any) -> _suite.Impl:
    """An Impl of a training step returning ``(loss, state)``, cross-checked on its first two losses.

    The losses of the first two steps (the same initial weights and data everywhere) check the forward
    pass, the gradients and one Adam update. Later steps are not compared: Keras' Adam (epsilon-hat,
    ``1e-7``) and the baseline's ``optax.adam(eps=1e-7)`` drift apart by up to ~1e-3 relative within a
    few steps, the size of the suite's tolerance.
    """
    losses: list[Any] = []

    def fn() -> tuple[Any, Any]:
        out = step()
        if len(losses) < 2:
            losses.append(out[0])
        return out

    return _suite.Impl(label, framework, fn, output=lambda _: [np.asarray(v) for v in losses], **kwargs)


def _tapejax_missing() -> str | None:
    for name in (
        "keras.Sequential",
        "keras.Input",
        "keras.layers.Dense",
        "keras.losses.CategoricalCrossentropy",
        "keras.optimizers.Adam",
    ):
        if _frameworks.tapejax_api(name) is None:
            return f"tapejax.{name} not available yet"
    return None


def _tapejax_keras_function_impl(label: str, params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> _suite.Impl:
    import tapejax

    step, weights = make_keras_tape_step(tapejax, params, x, y)
    compiled = tapejax.function(step)
    return _impl(label, "tapejax", lambda: (compiled(), weights), note="the Keras step under tapejax.function")


def _baseline_impl(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> _suite.Impl:
    return _impl(BASELINE, "jax", bench_mlp.make_jax_step(params, x, y), baseline=True)


def _first_impl(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> _suite.Impl:
    """The unfused JAX step: informative, in no target and not the baseline.

    It was timed first in every round, to take the cost that falls on a round's first calls on a
    loaded machine (10 ms more per step at a load average of 12, on whichever implementation came
    first); the suite now rotates each round's order instead (``_timing.round_order``).
    """
    return _impl(
        FIRST,
        "jax",
        bench_mlp.make_jax_step(params, x, y, fused=False),
        note="two compiled calls per step",
    )


def build(config: _suite.Config) -> Iterator[Any]:
    """The in-process rows: tapejax (Keras and hand-written ops), the JAX baseline, TF's tf.keras."""
    sizes, batch = _sizes(config)
    params, x, y = bench_mlp.problem(sizes, batch)
    yield (
        f"sizes {'-'.join(map(str, sizes))}, batch {batch}; times per training step. The Keras rows: "
        "tf.keras.Sequential([Input, Dense(relu), Dense(relu), Dense]), "
        "CategoricalCrossentropy(from_logits=True), Adam; the hand-written rows are bench_mlp's step."
    )
    yield _first_impl(params, x, y)

    missing = _tapejax_missing()
    if missing:
        for label in (KERAS_EAGER, KERAS_FUNCTION):
            yield _suite.Skipped(label, missing)
    else:
        import tapejax

        step, weights = make_keras_tape_step(tapejax, params, x, y)
        yield _impl(KERAS_EAGER, "tapejax", lambda: (step(), weights))
        yield _tapejax_keras_function_impl(KERAS_FUNCTION, params, x, y)

    m = bench_mlp.tapejax_namespace()
    if isinstance(m, str):
        for label in (HAND_EAGER, HAND_FUNCTION):
            yield _suite.Skipped(label, m)
    else:
        import tapejax

        hand_step, hand_vars, _ = bench_mlp.make_tape_step(m, params, x, y)
        yield _impl(HAND_EAGER, "tapejax", lambda: (hand_step(), hand_vars))
        fn_step, fn_vars, _ = bench_mlp.make_tape_step(m, params, x, y)
        compiled = tapejax.function(fn_step)
        yield _impl(HAND_FUNCTION, "tapejax", lambda: (compiled(), fn_vars))

    yield _baseline_impl(params, x, y)

    tf = _frameworks.tensorflow()
    if tf is None:
        for label in (TF_EAGER, TF_FUNCTION):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
    elif os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        for label in (TF_EAGER, TF_FUNCTION):
            yield _suite.Skipped(label, f"KERAS_BACKEND={os.environ['KERAS_BACKEND']}: tf.keras is not on TensorFlow")
    else:
        tf_step, tf_weights = make_keras_tape_step(tf, params, x, y)
        yield _impl(TF_EAGER, "tensorflow", lambda: (tf_step(), tf_weights))
        tf_fn_step, tf_fn_weights = make_keras_tape_step(tf, params, x, y)
        tf_compiled = tf.function(tf_fn_step)
        yield _impl(TF_FUNCTION, "tensorflow", lambda: (tf_compiled(), tf_fn_weights))


# -- Keras 3 on its JAX backend, in a subprocess ---------------------------------------------------------
def build_keras_jax(config: _suite.Config) -> Iterator[Any]:
    """The subprocess's rows: Keras 3 on JAX ``train_on_batch``, tapejax's Keras tf.function step, the baseline
    (and the unfused JAX step, as in :func:`build`).

    Must run in a process where keras was imported with ``KERAS_BACKEND=jax`` (see :func:`_child`).
    """
    import keras

    sizes, batch = _sizes(config)
    params, x, y = bench_mlp.problem(sizes, batch)
    model = build_model(SimpleNamespace(keras=keras), params)  # (keras.* where TF has tf.keras.*)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LR),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    )
    yield _first_impl(params, x, y)
    yield _impl(
        KERAS_JAX,
        "jax",
        lambda: (model.train_on_batch(x, y), model),
        note="model.compile(Adam, CategoricalCrossentropy(from_logits=True)); jit_compile on",
    )
    missing = _tapejax_missing()
    if missing:
        yield _suite.Skipped(KERAS_FUNCTION_SUB, missing)
    else:
        yield _tapejax_keras_function_impl(KERAS_FUNCTION_SUB, params, x, y)
    yield _baseline_impl(params, x, y)


def _child(config: _suite.Config) -> dict[str, Any]:
    """Runs :func:`build_keras_jax`'s rows in this process; what the parent reads back (JSON-able)."""
    return _keras_jax.child("keras_mlp", lambda keras: build_keras_jax, KERAS_MLP_REPEATS, config)


def _run_keras_jax(config: _suite.Config, result: _suite.Result, progress: Callable[[str], None]) -> None:
    """Adds the Keras-on-JAX subprocess's rows (or a Skipped line saying why not) to ``result``."""
    note = "x JAX against the subprocess's own JAX baseline row, timed in the same rounds"
    data = _keras_jax.add_rows("bench_keras_mlp", KERAS_JAX, FIRST, note, config, result, progress)
    sub_base = None if data is None else next((r for r in data["rows"] if r["baseline"]), None)
    if data is not None and sub_base is not None:
        med = _timing.format_seconds(_timing.Timing(tuple(sub_base["times"])).median)
        result.notes.append(
            f"Keras {data['keras']} on JAX ran in a subprocess (KERAS_BACKEND=jax), interleaved with tapejax's Keras "
            f"tf.function step and its own JAX baseline ({med} median there)."
        )


def run(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    """The in-process rows (timed by the suite), then the Keras-on-JAX subprocess's rows."""
    return _keras_jax.run_with_subprocess(_IN_PROCESS, BENCHMARKS[0], KERAS_JAX, _run_keras_jax, config, progress)


def targets(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.ratio_target(
            result,
            KERAS_EAGER,
            HAND_EAGER,
            1.05,
            "tapejax Keras model step <= 1.05x the hand-written-op tapejax step (eager)",
        ),
        _suite.ratio_target(
            result,
            KERAS_FUNCTION,
            HAND_FUNCTION,
            1.05,
            "tapejax Keras model step <= 1.05x the hand-written-op tapejax step (tf.function)",
        ),
        _suite.ratio_target(
            result,
            KERAS_FUNCTION_SUB,
            KERAS_JAX,
            1.05,
            "tapejax Keras step under tf.function <= 1.05x Keras 3 on JAX train_on_batch (same subprocess)",
        ),
    ]


KERAS_MLP_REPEATS = 11
TITLE = "MLP 784-512-512-10 as tf.keras.Sequential, GradientTape loop, batch 128, Adam; time per training step"
_IN_PROCESS = _suite.Benchmark("keras_mlp", TITLE, build, repeats=KERAS_MLP_REPEATS)
BENCHMARKS = [_suite.Benchmark("keras_mlp", TITLE, targets=targets, custom=run, repeats=KERAS_MLP_REPEATS)]


def main(argv: list[str] | None = None) -> int:
    return _keras_jax.main(BENCHMARKS[0], _child, argv)


if __name__ == "__main__":
    sys.exit(main())
