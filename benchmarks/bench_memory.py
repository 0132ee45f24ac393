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
from typing import Any

import numpy as np

from benchmarks import _suite, bench_tutorial

FLAT_MB = 5.0


def _status_mb(field: str) -> float:
    """``field`` of /proc/self/status in MB, else the process's ``ru_maxrss`` (no /proc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def rss_mb() -> float:
    """Current resident set size in MB (peak RSS if /proc is unavailable)."""
    return _status_mb("VmRSS:")


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
    """This program's peak resident set size in MB: ``VmHWM`` of /proc/self/status, else ``ru_maxrss``.

    Not ``ru_maxrss`` where /proc exists: Linux keeps it across ``exec``, so a child started by the
    suite's process reports at least the parent's RSS at the fork (every loop then read the same
    number: the suite's size). ``VmHWM`` belongs to the program's own address space.
    """
    return _status_mb("VmHWM:")


def _mlp_loop(framework: str, steps: int) -> dict[str, float]:
    """bench_mlp's training step ``steps`` times in this process; peak RSS before and after the loop.

    ``tapejax-function``: the step under ``tapejax.function``. ``big-tapejax-function`` / ``big-jax``:
    instead, a one-layer step with Adam on a 100 MB weight (5000 x 5000 float32), where one extra
    copy of the weight or its two slots shows in the peak.
    """
    if framework.startswith("big-"):
        return _big_loop(framework[4:], steps)
    from benchmarks import bench_mlp

    params, x, y = bench_mlp.problem((784, 512, 512, 10), 128)
    if framework in ("tapejax", "tapejax-function"):
        import tapejax

        step, _, _ = bench_mlp.make_tape_step(bench_mlp.tf_namespace(tapejax), params, x, y)
        output = tapejax.function(step) if framework == "tapejax-function" else step
    else:
        jax_step = bench_mlp.make_jax_step(params, x, y)

        def output() -> object:
            return jax_step()[0]

    before = rss_mb()
    for _ in range(steps):
        loss = output()
    float(loss)  # type: ignore[arg-type]
    return {"rss_before_loop": before, "peak": peak_rss_mb()}


BIG = 5000  # the big weight's side: 5000 x 5000 float32, 100 MB (200 MB of Adam slots)


def _big_loop(framework: str, steps: int) -> dict[str, float]:
    """``steps`` Adam steps on one 100 MB weight: tapejax's tf.function step or the donating jitted JAX step."""
    import jax.numpy as jnp

    w0 = np.zeros((BIG, BIG), np.float32)
    x0 = np.full((8, BIG), 0.01, np.float32)
    if framework == "tapejax-function":
        import tapejax as tf

        w = tf.Variable(w0)
        del w0  # (as in the JAX loop: only the device copy stays)
        x = tf.constant(x0)
        opt = tf.keras.optimizers.Adam(1e-3)

        @tf.function
        def step() -> Any:
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))  # noqa: B905 - the TF idiom
            return loss

        output = step
    else:
        import jax
        import optax

        del w0  # (only the device copy stays, as in the tapejax loop)
        opt = optax.adam(1e-3)
        state = {"w": jnp.zeros((BIG, BIG), jnp.float32)}
        state["s"] = opt.init(state["w"])
        xj = jnp.asarray(x0)

        def update(w: Any, s: Any) -> Any:
            loss, g = jax.value_and_grad(lambda w: jnp.sum(jnp.tanh(xj @ w)))(w)
            u, s = opt.update(g, s, w)
            return optax.apply_updates(w, u), s, loss

        jitted = jax.jit(update, donate_argnums=(0, 1))

        def output() -> object:
            state["w"], state["s"], loss = jitted(state["w"], state["s"])
            return loss

    before = rss_mb()
    for _ in range(steps):
        loss = output()
    float(loss)  # type: ignore[arg-type]
    return {"rss_before_loop": before, "peak": peak_rss_mb()}


_MLP_LOOPS = (
    ("tapejax eager tape", "tapejax"),
    ("tapejax tf.function", "tapejax-function"),
    ("jax (jit(value_and_grad) + optax.adam)", "jax"),
    ("Adam on a 100 MB weight: tapejax tf.function", "big-tapejax-function"),
    ("Adam on a 100 MB weight: jax (jit, donating)", "big-jax"),
)


def run_mlp(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    """Peak RSS of the MLP training loop (tapejax's eager tape and tf.function steps, the jitted JAX step) and of
    an Adam loop on a 100 MB weight (tf.function vs donating JAX), each in a fresh process."""
    steps = config.pick(300, 3)
    big_steps = 20
    result = _suite.Result(BENCHMARKS[1])
    root = Path(__file__).resolve().parent.parent
    peaks = {}
    for label, framework in _MLP_LOOPS:
        if config.quick and framework.startswith("big-"):
            continue  # (the smoke test: no 100 MB weights)
        if config.quick:  # a smoke test: in this process (its peak RSS is the suite's)
            progress(f"{label}: {steps} MLP steps in this process")
            out = _mlp_loop(framework, steps)
        else:
            n = big_steps if framework.startswith("big-") else steps
            progress(f"{label}: {n} steps in a fresh process")
            args = [sys.executable, "-m", "benchmarks.bench_memory", "mlp", framework, str(n)]
            proc = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError(f"{label} MLP loop failed: {proc.stderr.strip().splitlines()[-1:]}")
            out = json.loads(proc.stdout.strip().splitlines()[-1])
        peaks[framework] = out
        result.rows.append(
            _suite.Row(
                f"{label}: peak RSS",
                "tapejax" if "tapejax" in framework else "jax",
                value=f"{out['peak']:.0f} MB",
                note=f"{out['peak'] - out['rss_before_loop']:+.1f} MB over the RSS before the loop",
            )
        )
    result.data["peaks"] = peaks
    result.notes.append(
        f"bench_mlp's step (784-512-512-10, batch 128, Adam; 2.7 MB of weights, 5.4 MB of slots), {steps} steps, "
        "each loop in a fresh process (python -m benchmarks.bench_memory mlp FRAMEWORK STEPS); peak RSS is "
        "the process's VmHWM (its own high-water mark; ru_maxrss would include the suite's RSS at the fork), imports included. The 100 MB rows: one 5000x5000 float32 weight, batch 8, tanh, Adam "
        "(200 MB of slots), 20 steps; tapejax's tf.function donates the old weight and slots as the JAX step does."
    )
    return result


def targets_mlp(result: _suite.Result) -> list[_suite.Target]:
    peaks = result.data["peaks"]
    ratio = peaks["tapejax"]["peak"] / peaks["jax"]["peak"]
    out = [
        _suite.Target(
            "memory: peak RSS of the MLP training loop <= 1.1x the jitted JAX loop's",
            f"{ratio:.2f}x ({peaks['tapejax']['peak']:.0f} MB vs {peaks['jax']['peak']:.0f} MB)",
            ratio <= 1.1,
        )
    ]
    if "big-jax" in peaks:
        mine, jax_peak = peaks["big-tapejax-function"]["peak"], peaks["big-jax"]["peak"]
        out.append(
            _suite.Target(
                "memory: peak RSS of a tf.function Adam loop on a 100 MB weight <= 1.1x the donating JAX loop's",
                f"{mine / jax_peak:.2f}x ({mine:.0f} MB vs {jax_peak:.0f} MB)",
                mine / jax_peak <= 1.1,
            )
        )
    return out


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
