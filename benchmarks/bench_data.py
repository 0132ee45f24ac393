"""Workloads: an input-bound tf.data pipeline (elements per second), and a training loop fed by it.

``from_tensor_slices((images, labels))`` of 28x28 float32 images, ``map`` with a few ops per
element (normalise, flip, flatten, one-hot), ``batch(32)``, ``prefetch(AUTOTUNE)``; one timed call
reads every batch. tapejax's ``tf.data`` against TF's ``tf.data`` in the same run, and a NumPy loop
doing the same work batch by batch (the baseline: what the pipeline costs without a framework).
Times are per element. The second workload trains a small MLP for one epoch with its batches from
``tf.data`` (shuffle, batch, prefetch) and from NumPy slices: what the pipeline adds per step; and
the whole epoch as ONE ``tf.function`` whose ``for x, y in dataset`` loop pulls the batches from the
host pipeline (a host callback per block of the batches the prefetch thread has ready).

Run alone: ``python -m benchmarks.bench_data [--quick]``; part of ``python -m benchmarks``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks import _frameworks, _report, _suite


def _pipeline(tf: Any, images: np.ndarray, labels: np.ndarray, parallel: Any) -> Any:
    def prepare(image: Any, label: Any) -> Any:
        x = (image - 0.5) / 0.25
        x = tf.reverse(x, axis=[1])
        return tf.reshape(x, [784]), tf.one_hot(label, 10)

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    return ds.map(prepare, num_parallel_calls=parallel).batch(32).prefetch(tf.data.AUTOTUNE)


def _read_all(ds: Any) -> Any:
    def run() -> Any:
        total = 0.0
        for x, y in ds:
            total += float(np.asarray(x)[0, 0]) + float(np.asarray(y)[-1, -1])
        return total

    return run


def _numpy_loop(images: np.ndarray, labels: np.ndarray) -> Any:
    def run() -> Any:
        total = 0.0
        for i in range(0, len(images), 32):
            x = ((images[i : i + 32] - 0.5) / 0.25)[:, :, ::-1].reshape(-1, 784)
            y = np.eye(10, dtype=np.float32)[labels[i : i + 32]]
            total += float(x[0, 0]) + float(y[-1, -1])
        return total

    return run


def build(config: _suite.Config) -> Iterator[Any]:
    n = config.pick(8192, 256)
    rng = np.random.default_rng(0)
    images = rng.random((n, 28, 28), dtype=np.float32)
    labels = (np.arange(n) % 10).astype(np.int64)
    yield f"{n} elements (28x28 float32 image, int64 label) per timed call, batches of 32; times per element."
    import tapejax

    output = np.asarray
    for label, parallel in (("tapejax tf.data", None), ("tapejax tf.data (num_parallel_calls=AUTOTUNE)", -1)):
        ds = _pipeline(tapejax, images, labels, parallel)
        yield _suite.Impl(label, "tapejax", _read_all(ds), per=n, output=output)
    yield _suite.Impl("NumPy loop", "jax", _numpy_loop(images, labels), per=n, baseline=True, output=output)
    tf = _frameworks.tensorflow()
    if tf is None:
        for label in ("TF tf.data", "TF tf.data (num_parallel_calls=AUTOTUNE)"):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
        return
    for label, parallel in (("TF tf.data", None), ("TF tf.data (num_parallel_calls=AUTOTUNE)", tf.data.AUTOTUNE)):
        ds = _pipeline(tf, images, labels, parallel)
        yield _suite.Impl(label, "tensorflow", _read_all(ds), per=n, output=output)


def targets(result: _suite.Result) -> list[_suite.Target]:
    ours, theirs = result.median("tapejax tf.data"), result.median("TF tf.data")
    if ours is None or theirs is None:
        return [_suite.Target("tapejax tf.data >= 1x TF tf.data elements/s", "TF not installed", None)]
    return [
        _suite.Target(
            "tapejax tf.data >= 1x TF tf.data elements/s",
            f"{1 / ours:,.0f} vs {1 / theirs:,.0f} elements/s ({theirs / ours:.2f}x)",
            ours <= theirs,
        )
    ]


def _mlp() -> tuple[Any, Any]:
    """A 784-128-10 MLP's SGD training step, plain and as a tf.function (one model for every row, so
    the step is traced and compiled once)."""
    import tapejax as tf

    rng = np.random.default_rng(1)
    w1 = tf.Variable(rng.standard_normal((784, 128)).astype(np.float32) * 0.05)
    w2 = tf.Variable(rng.standard_normal((128, 10)).astype(np.float32) * 0.05)
    opt = tf.keras.optimizers.SGD(0.01)

    def train_step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        opt.apply_gradients(zip(tape.gradient(loss, [w1, w2]), [w1, w2], strict=True))
        return loss

    return train_step, tf.function(train_step)


def _train_epoch(source: str, images: np.ndarray, labels: np.ndarray, model: tuple[Any, Any]) -> Any:
    """One epoch of the MLP fed by tf.data or by NumPy slices."""
    import tapejax as tf

    train_step, step = model
    flat = images.reshape(len(images), 784)
    if source == "tf.data, one tf.function":
        ds = tf.data.Dataset.from_tensor_slices((flat, labels)).shuffle(1024, seed=0).batch(64, drop_remainder=True)
        ds = ds.prefetch(tf.data.AUTOTUNE)

        @tf.function
        def epoch() -> Any:
            loss = tf.constant(0.0)
            for x, y in ds:  # a compiled loop pulling blocks of batches from the host pipeline
                loss = train_step(x, y)
            return loss

        return epoch
    if source == "tf.data":
        ds = tf.data.Dataset.from_tensor_slices((flat, labels)).shuffle(1024, seed=0).batch(64, drop_remainder=True)
        ds = ds.prefetch(tf.data.AUTOTUNE)

        def batches() -> Any:
            return iter(ds)
    else:
        order = np.random.default_rng(0)

        def batches() -> Any:
            idx = order.permutation(len(flat))
            for i in range(0, len(flat) - 63, 64):
                yield flat[idx[i : i + 64]], labels[idx[i : i + 64]]

    def run() -> Any:
        loss = None
        for x, y in batches():
            loss = step(x, y)
        return loss

    return run


def build_training(config: _suite.Config) -> Iterator[Any]:
    n = config.pick(8192, 512)
    rng = np.random.default_rng(0)
    images = rng.random((n, 28, 28), dtype=np.float32)
    labels = (np.arange(n) % 10).astype(np.int64)
    steps = n // 64
    model = _mlp()
    yield f"One epoch of {steps} steps (batch 64) of a 784-128-10 MLP in a tapejax tf.function; times per step."
    yield _suite.Impl(
        "tapejax, batches from NumPy", "jax", _train_epoch("numpy", images, labels, model), per=steps, baseline=True
    )
    yield _suite.Impl(
        "tapejax, batches from tf.data (shuffle, batch, prefetch)",
        "tapejax",
        _train_epoch("tf.data", images, labels, model),
        per=steps,
    )
    label = "tapejax, the epoch in one tf.function reading tf.data"
    if config.quick:  # its compile takes seconds; tests/test_data_in_function.py covers it
        yield _suite.Skipped(label, "not run with --quick (a compile of several seconds)")
    else:
        yield _suite.Impl(label, "tapejax", _train_epoch("tf.data, one tf.function", images, labels, model), per=steps)


def training_targets(result: _suite.Result) -> list[_suite.Target]:
    base = result.median("tapejax, batches from NumPy")
    out = []
    for label, what in (
        ("tapejax, batches from tf.data (shuffle, batch, prefetch)", "tf.data adds <= 5% per training step"),
        (
            "tapejax, the epoch in one tf.function reading tf.data",
            "the epoch in one tf.function reading tf.data: <= 1.05x the steps fed from NumPy",
        ),
    ):
        ours = result.median(label)
        if ours is None or base is None:
            continue
        out.append(
            _suite.Target(
                what,
                f"{ours * 1e6:.0f} vs {base * 1e6:.0f} us per step ({(ours / base - 1) * 100:+.1f}%)",
                ours <= 1.05 * base,
            )
        )
    return out


BENCHMARKS = [
    _suite.Benchmark(
        "data_pipeline",
        "Input-bound tf.data pipeline (map, batch, prefetch); time per element",
        build,
        targets,
        repeats=7,
        warmup=1,
    ),
    _suite.Benchmark(
        "data_training",
        "A training epoch fed by tf.data vs by NumPy slices (tapejax); time per step",
        build_training,
        training_targets,
        repeats=7,
        warmup=1,
    ),
]


def main(argv: list[str]) -> int:
    config = _suite.Config(quick="--quick" in argv)
    results = [_suite.run(b, config, lambda msg: print(msg, file=sys.stderr, flush=True)) for b in BENCHMARKS]
    print(_report.console_table(results))
    for res in results:
        for t in res.targets:
            print(f"target [{_report.target_status(t).strip('*')}] {t.description}: {t.measured}")
        for e in res.errors:
            print(f"ERROR {e}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
