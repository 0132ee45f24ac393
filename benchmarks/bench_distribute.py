"""Workload: data-parallel step time against device count (``tf.distribute.MirroredStrategy``).

The benchmark MLP's training step (784-512-512-10, global batch 128, softmax cross-entropy, Adam; see
bench_mlp) and a small CNN's (28x28x1 images, conv 3x3x16 + ReLU + 2x2 max pool, conv 3x3x32 + ReLU + pool,
dense 10; global batch 64) run as TF's custom-training-loop pattern: ``tf.function`` of
``strategy.reduce(SUM, strategy.run(step, args=(per-replica batch,)))`` with the loss divided by the global
batch (``tf.nn.compute_average_loss``). Each device count runs in a fresh process (JAX's CPU device
count is fixed when its backends start): 1 device without a strategy (the reference), then
``MirroredStrategy`` over 1, 2 and 4 devices made with ``tf.config.set_logical_device_configuration``
(on a GPU machine: its GPUs). The global batch stays the same: the work is split, not grown.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import _suite, _timing, bench_mlp

COUNTS = (1, 2, 4)


def _mlp(tf: Any, batch: int, quick: bool) -> tuple[Callable[[Any, Any], Any], Any, Any, list[Any]]:
    sizes = (32, 16, 16, 10) if quick else (784, 512, 512, 10)
    params, x, y = bench_mlp.problem(sizes, batch)
    variables = [tf.Variable(p) for p in params]

    def loss(x: Any, y: Any) -> Any:
        w1, b1, w2, b2, w3, b3 = variables
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        h = tf.nn.relu(tf.matmul(h, w2) + b2)
        return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(h, w3) + b3)

    return loss, x, y, variables


def _cnn(tf: Any, batch: int, quick: bool) -> tuple[Callable[[Any, Any], Any], Any, Any, list[Any]]:
    import numpy as np

    rng = np.random.default_rng(0)
    side = 8 if quick else 28
    x = rng.standard_normal((batch, side, side, 1)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    flat = (side // 4) * (side // 4) * 32
    shapes = [(3, 3, 1, 16), (16,), (3, 3, 16, 32), (32,), (flat, 10), (10,)]
    variables = [tf.Variable((rng.standard_normal(s) * 0.1).astype(np.float32)) for s in shapes]

    def loss(x: Any, y: Any) -> Any:
        k1, b1, k2, b2, w, b = variables
        h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, k1, 1, "SAME") + b1), 2, 2, "VALID")
        h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(h, k2, 1, "SAME") + b2), 2, 2, "VALID")
        logits = tf.matmul(tf.reshape(h, (-1, flat)), w) + b
        return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)

    return loss, x, y, variables


def _measure_jax(devices: int, quick: bool, repeats: int) -> dict[str, Any]:
    """The hand-written JAX data-parallel MLP step: parameters replicated and the batch sharded over a mesh
    of ``devices`` CPU devices, one ``jax.jit`` of ``value_and_grad`` plus ``optax.adam``."""
    import jax

    jax.config.update("jax_num_cpu_devices", devices)
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(jax.devices()), ("data",))
    params, x, y = bench_mlp.problem((32, 16, 16, 10) if quick else (784, 512, 512, 10), 8 if quick else 128)
    replicated, split = NamedSharding(mesh, PartitionSpec()), NamedSharding(mesh, PartitionSpec("data"))
    step = bench_mlp.make_jax_step(
        [jax.device_put(p, replicated) for p in params], jax.device_put(x, split), jax.device_put(y, split)
    )
    timing = _timing.measure(step, repeats=repeats, warmup=2)
    return {"median": timing.median, "min": timing.min}


def _measure(model: str, devices: int, strategy_kind: str, quick: bool, repeats: int) -> dict[str, Any]:
    """In this (fresh) process: the median step time of ``model`` on ``devices`` devices."""
    if strategy_kind == "jax":
        return _measure_jax(devices, quick, repeats)
    import tapejax as tf

    if devices > 1:
        cpus = tf.config.list_physical_devices("CPU")
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * devices)
    strategy = tf.distribute.MirroredStrategy() if strategy_kind == "mirrored" else None
    batch = {"mlp": 8 if quick else 128, "cnn": 8 if quick else 64}[model]
    make = {"mlp": _mlp, "cnn": _cnn}[model]
    if strategy is None:
        loss_fn, x, y, variables = make(tf, batch, quick)
        opt = tf.keras.optimizers.Adam(bench_mlp.LR)

        @tf.function
        def step(x: Any, y: Any) -> Any:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_fn(x, y))
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))  # noqa: B905 - the TF idiom
            return loss

        args: Any = (tf.constant(x), tf.constant(y))
        call = lambda: step(*args)  # noqa: E731
    else:
        with strategy.scope():
            loss_fn, x, y, variables = make(tf, batch, quick)
            opt = tf.keras.optimizers.Adam(bench_mlp.LR)

        def replica_step(x: Any, y: Any) -> Any:
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(loss_fn(x, y), global_batch_size=batch)
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))  # noqa: B905 - the TF idiom
            return loss

        @tf.function
        def dist_step(inputs: Any) -> Any:
            return strategy.reduce("SUM", strategy.run(replica_step, args=inputs), axis=None)

        inputs = next(iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors((x, y)))))
        call = lambda: dist_step(inputs)  # noqa: E731
    timing = _timing.measure(lambda: (call(), variables), repeats=repeats, warmup=2)
    return {
        "median": timing.median,
        "min": timing.min,
        "devices": [str(d) for d in (strategy.extended.worker_devices if strategy else ["1"])],
    }


def run(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    result = _suite.Result(BENCHMARKS[0])
    root = Path(__file__).resolve().parent.parent
    repeats = config.repeats or config.pick(30, 3)
    # (--quick, the smoke test: the MLP on this process's one device only, no fresh processes.)
    for model in ("mlp",) if config.quick else ("mlp", "cnn"):
        cases = [(1, "none"), *((n, "mirrored") for n in ((1,) if config.quick else COUNTS))]
        if model == "mlp" and not config.quick:
            cases += [(n, "jax") for n in COUNTS]
        for devices, kind in cases:
            setup = {
                "none": "no strategy, 1 device",
                "mirrored": f"MirroredStrategy, {devices} device(s)",
                "jax": f"hand-written JAX, batch sharded over {devices} device(s)",
            }[kind]
            label = f"{model.upper()}: {setup}"
            progress(label)
            if config.quick:
                out = _measure(model, devices, kind, True, repeats)
            else:
                args = [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_distribute",
                    model,
                    str(devices),
                    kind,
                    "0",
                    str(repeats),
                ]
                proc = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=1800)
                if proc.returncode != 0:
                    raise RuntimeError(f"{label} failed: {proc.stderr.strip().splitlines()[-1:]}")
                out = json.loads(proc.stdout.strip().splitlines()[-1])
            result.rows.append(
                _suite.Row(
                    label,
                    "tapejax",
                    value=_timing.format_seconds(out["median"]),
                    note=f"min {_timing.format_seconds(out['min'])}",
                )
            )
            result.data[(model, devices, kind)] = out["median"]
    result.notes.append(
        "Simulated devices share this machine's cores: splitting the same global batch over more CPU devices "
        "adds the all-reduce (one, combining every gradient: XLA's SPMD partitioner) and repeats the replicated "
        "optimizer update on each device without adding cores, so the step time grows with the count, for "
        "the hand-written JAX data-parallel step as for MirroredStrategy; with one accelerator per device the "
        "per-device work shrinks with the count instead."
    )
    return result


BENCHMARKS = [
    _suite.Benchmark(
        "distribute", "tf.distribute: MLP and CNN step time vs simulated device count (MirroredStrategy)", custom=run
    )
]


if __name__ == "__main__":
    # python -m benchmarks.bench_distribute MODEL DEVICES {none|mirrored|jax} QUICK REPEATS -> JSON on stdout.
    model_name, n, strategy_name, quick_flag, n_repeats = sys.argv[1:]
    print(json.dumps(_measure(model_name, int(n), strategy_name, bool(int(quick_flag)), int(n_repeats))))
