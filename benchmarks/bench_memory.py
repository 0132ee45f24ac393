"""Workload 7: memory over 10,000 tutorial tape steps (is the resident set flat?).

Runs the tutorial's step (tape, gradient, ``w.numpy()``, Variable rebinding) 10,000 times, ten
epochs over the tutorial's 1000 samples, and reads the process's resident set size (``VmRSS`` in
/proc/self/status; ``ru_maxrss`` where there is no /proc) and the number of live Python objects after
1k, 5k and 10k steps. The logged values are not kept (a growing ``w_list`` would be the script's
memory, not the library's). Flat means the RSS grows by less than 5 MB from step 1k to step 10k (the
first 1k steps include one-time compilation and caches). The JAX baseline loop runs after it, for
reference.
"""

from __future__ import annotations

import gc
import json
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import _suite, bench_tutorial

FLAT_MB = 5.0


def rss_mb() -> float:
    """Current resident set size in MB (peak RSS if /proc is unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _tapejax_steps(total: int, n_data: int, on_step: Callable[[int], None]) -> None:
    """The tutorial's step, ``total`` times over the tutorial's data set (epochs of ``n_data`` samples)."""
    import tapejax as tf

    xs, _ = bench_tutorial.data(n_data)
    x_data = tf.constant(xs)
    y_data = 3 * x_data + 1
    w = tf.Variable(-1.0)
    b = tf.Variable(-1.0)
    step = 0
    while step < total:
        for x, y in zip(x_data, y_data):  # noqa: B905 - the tutorial's code
            with tf.GradientTape() as tape:
                predictions = x * w + b
                loss = tf.pow((predictions - y), 2)
            gradients = tape.gradient(loss, [w, b])
            w.numpy()
            b.numpy()
            w = tf.Variable(w - bench_tutorial.LR * gradients[0])
            b = tf.Variable(b - bench_tutorial.LR * gradients[1])
            step += 1
            on_step(step)
            if step == total:
                return


def _jax_steps(total: int, n_data: int, on_step: Callable[[int], None]) -> None:
    import jax.numpy as jnp
    import numpy as np

    xs, ys = bench_tutorial.data(n_data)
    w = jnp.asarray(-1.0, jnp.float32)
    b = jnp.asarray(-1.0, jnp.float32)
    step = 0
    while step < total:
        for x, y in zip(xs, ys, strict=True):
            np.asarray(w)
            np.asarray(b)
            w, b = bench_tutorial.jax_step(w, b, x, y)
            step += 1
            on_step(step)
            if step == total:
                return


def _measure(framework: str, total: int, n_data: int, checkpoints: tuple[int, ...]) -> list[tuple[int, float, int]]:
    """Runs one loop in this process; (step, RSS MB, live Python objects) at each checkpoint."""
    samples: list[tuple[int, float, int]] = []

    def on_step(step: int) -> None:
        if step in checkpoints:
            samples.append((step, rss_mb(), len(gc.get_objects())))

    {"tapejax": _tapejax_steps, "jax": _jax_steps}[framework](total, n_data, on_step)
    return samples


def peak_rss_mb() -> float:
    """The process's peak resident set size in MB (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _mlp_loop(framework: str, steps: int) -> dict[str, float]:
    """bench_mlp's training step ``steps`` times in this process; peak RSS before and after the loop."""
    from benchmarks import bench_mlp

    params, x, y = bench_mlp.problem((784, 512, 512, 10), 128)
    if framework == "tapejax":
        import tapejax

        step, _, _ = bench_mlp.make_tape_step(bench_mlp.tf_namespace(tapejax), params, x, y)
        output = step
    else:
        jax_step = bench_mlp.make_jax_step(params, x, y)

        def output() -> object:
            return jax_step()[0]

    before = rss_mb()
    for _ in range(steps):
        loss = output()
    float(loss)  # type: ignore[arg-type]
    return {"rss_before_loop": before, "peak": peak_rss_mb()}


def run_mlp(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    """Peak RSS of the MLP training loop, tapejax's eager tape step and the jitted JAX step, each in a fresh process."""
    steps = config.pick(300, 3)
    result = _suite.Result(BENCHMARKS[1])
    root = Path(__file__).resolve().parent.parent
    peaks = {}
    for label, framework in (("tapejax eager tape", "tapejax"), ("jax (jit(value_and_grad) + optax.adam)", "jax")):
        if config.quick:  # a smoke test: in this process (its peak RSS is the suite's)
            progress(f"{label}: {steps} MLP steps in this process")
            out = _mlp_loop(framework, steps)
        else:
            progress(f"{label}: {steps} MLP steps in a fresh process")
            args = [sys.executable, "-m", "benchmarks.bench_memory", "mlp", framework, str(steps)]
            proc = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError(f"{label} MLP loop failed: {proc.stderr.strip().splitlines()[-1:]}")
            out = json.loads(proc.stdout.strip().splitlines()[-1])
        peaks[framework] = out
        result.rows.append(
            _suite.Row(
                f"{label}: peak RSS",
                framework,
                value=f"{out['peak']:.0f} MB",
                note=f"{out['peak'] - out['rss_before_loop']:+.1f} MB over the RSS before the loop",
            )
        )
    result.data["peaks"] = peaks
    result.notes.append(
        f"bench_mlp's step (784-512-512-10, batch 128, Adam; 2.7 MB of weights, 5.4 MB of slots), {steps} steps, "
        "each loop in a fresh process (python -m benchmarks.bench_memory mlp FRAMEWORK STEPS); peak RSS is "
        "ru_maxrss, imports included."
    )
    return result


def targets_mlp(result: _suite.Result) -> list[_suite.Target]:
    peaks = result.data["peaks"]
    ratio = peaks["tapejax"]["peak"] / peaks["jax"]["peak"]
    return [
        _suite.Target(
            "memory: peak RSS of the MLP training loop <= 1.1x the jitted JAX loop's",
            f"{ratio:.2f}x ({peaks['tapejax']['peak']:.0f} MB vs {peaks['jax']['peak']:.0f} MB)",
            ratio <= 1.1,
        )
    ]


def run(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    """Each loop runs in a fresh Python process, so that its RSS is not hidden in the suite's free heap."""
    total = config.pick(10_000, 500)
    n_data = config.pick(1000, 50)
    checkpoints = (config.pick(1000, 50), config.pick(5000, 250), total)
    result = _suite.Result(BENCHMARKS[0])
    root = Path(__file__).resolve().parent.parent
    for label, framework in (("tapejax", "tapejax"), ("jax (jitted step)", "jax")):
        progress(f"{label}: {total} tutorial steps in a fresh process")
        args = [
            sys.executable,
            "-m",
            "benchmarks.bench_memory",
            framework,
            str(total),
            str(n_data),
            *map(str, checkpoints),
        ]
        proc = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"{label} memory loop failed: {proc.stderr.strip().splitlines()[-1:]}")
        samples = json.loads(proc.stdout.strip().splitlines()[-1])
        step0, mb0, objs0 = samples[0]
        for step, mb, objs in samples:
            progress(f"{label}: step {step}: RSS {mb:.1f} MB")
            note = (
                f"{mb - mb0:+.1f} MB, {objs - objs0:+d} live Python objects since step {step0}" if step != step0 else ""
            )
            result.rows.append(
                _suite.Row(f"{label}: RSS after {step} steps", framework, value=f"{mb:.1f} MB", note=note)
            )
        result.data[label] = (step0, samples[-1][0], samples[-1][1] - mb0)
    result.notes.append(
        f"{total} steps, epochs over the tutorial's {n_data} samples, each loop in a fresh process "
        "(python -m benchmarks.bench_memory); RSS read from /proc/self/status (VmRSS)."
    )
    return result


def targets(result: _suite.Result) -> list[_suite.Target]:
    step0, step1, growth = result.data["tapejax"]
    return [
        _suite.Target(
            f"memory: RSS flat over the tape loop (growth from step {step0} to {step1} < {FLAT_MB:g} MB)",
            f"{growth:+.1f} MB",
            growth < FLAT_MB,
        )
    ]


BENCHMARKS = [
    _suite.Benchmark("memory", "Memory: RSS over 10,000 tutorial tape steps", targets=targets, custom=run),
    _suite.Benchmark("memory_mlp", "Memory: peak RSS of the MLP training loop", targets=targets_mlp, custom=run_mlp),
]


if __name__ == "__main__":
    if sys.argv[1] == "mlp":
        # python -m benchmarks.bench_memory mlp FRAMEWORK STEPS -> JSON peak RSS on stdout.
        print(json.dumps(_mlp_loop(sys.argv[2], int(sys.argv[3]))))
    else:
        # python -m benchmarks.bench_memory FRAMEWORK TOTAL N_DATA CHECKPOINT... -> JSON samples on stdout.
        fw, n_total, n_samples, *points = sys.argv[1:]
        print(json.dumps(_measure(fw, int(n_total), int(n_samples), tuple(map(int, points)))))
