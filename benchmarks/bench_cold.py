"""Workload: cold start. Small programs run once each, in a fresh process, tapejax against TF eager.

Exploratory code (notebooks, tests, short scripts) runs many small programs once, and on XLA each
new program is a compile. The set is ``_cold_programs.PROGRAMS`` (52 TF programs: ops, reductions,
linear algebra, convolutions, gradients, optimizer steps, ``tf.function``, small Keras models),
written once as TF code. Each runs in its own fresh process (``python -m benchmarks.bench_cold``),
timed inside the process after the import (TF's import of several seconds would otherwise hide
every compile); the whole process's wall time is reported beside. tapejax runs each program twice:
with an empty persistent compilation cache (cold: every program compiles) and again with the cache
the first run left (warm: a script's second run). The first-call times of the MLP step (bench_mlp)
and of the tutorial's step (bench_tutorial) are measured the same way. The values each program
returns are compared between the frameworks.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import _suite

ROOT = Path(__file__).resolve().parent.parent
FIRST_STEPS = ("mlp_first_step", "tutorial_first_step")
QUICK_PROGRAMS = ("gradient_variables",)  # --quick: one program, no first steps (a smoke test)


def _mlp_first_step(tf: Any) -> list[Any]:
    from benchmarks import bench_mlp

    params, x, y = bench_mlp.problem((784, 512, 512, 10), 128)
    m = bench_mlp.tf_namespace(tf)
    step, _, _ = bench_mlp.make_tape_step(m, params, x, y)
    return [float(step())]


def _tutorial_first_step(tf: Any) -> list[Any]:
    from benchmarks import bench_tutorial

    xs, ys = bench_tutorial.data(1)
    _, _, w, b = bench_tutorial.tutorial_loop(tf, tf.constant(xs), tf.constant(ys))
    return [float(w.numpy()), float(b.numpy())]


def _program(name: str) -> Callable[[Any], list[Any]]:
    # The first steps' benchmark modules are imported here, before the timing starts (bench_mlp imports
    # jax and optax for its own JAX baseline: no part of either framework's first step).
    if name == "mlp_first_step":
        from benchmarks import bench_mlp  # noqa: F401

        return _mlp_first_step
    if name == "tutorial_first_step":
        from benchmarks import bench_tutorial  # noqa: F401

        return _tutorial_first_step
    from benchmarks._cold_programs import PROGRAMS

    return PROGRAMS[name]


def _plain(value: Any) -> Any:
    """A program's value as JSON: numbers as nested lists, strings and shapes as they are."""
    if isinstance(value, (str, bool, int, float)) or (isinstance(value, list) and not value):
        return value
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return value
    arr = np.asarray(value)
    return {"dtype": arr.dtype.name, "value": arr.astype(np.float64).tolist() if arr.dtype != bool else arr.tolist()}


def child(framework: str, name: str) -> dict[str, Any]:
    """Runs one program in this (fresh) process; returns its import and run times and its values."""
    t0 = time.perf_counter()
    if framework == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    else:
        import tapejax as tf
    program = _program(name)  # (the MLP and tutorial steps import their benchmark module here: not timed)
    compiles = _count_compiles() if framework == "tapejax" else None
    t1 = time.perf_counter()
    values = program(tf)
    plain = [_plain(v) for v in values]  # (reading the values is part of the program's time)
    t2 = time.perf_counter()
    out = {"import_s": t1 - t0, "run_s": t2 - t1, "values": plain}
    if compiles is not None:
        out["compiles"] = compiles[0]
    return out


def _count_compiles() -> list[int]:
    """A counter of the XLA compiles (JAX's backend compile events) that follow: ``[count]``."""
    import jax

    count = [0]

    def listen(event: str, duration: float, **kwargs: Any) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            count[0] += 1

    jax.monitoring.register_event_duration_secs_listener(listen)
    return count


def _spawn(framework: str, name: str, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("TAPEJAX_COMPILATION_CACHE")}
    full.update(env)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_cold", framework, name],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{framework} {name}: {tail[0]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def _same(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, dict) and isinstance(y, dict):
            xa, ya = np.asarray(x["value"], np.float64), np.asarray(y["value"], np.float64)
            if xa.shape != ya.shape or not np.allclose(xa, ya, rtol=1e-4, atol=1e-5, equal_nan=True):
                return False
        elif x != y:
            return False
    return True


def run(config: _suite.Config, progress: Callable[[str], None]) -> _suite.Result:
    from benchmarks._cold_programs import PROGRAMS

    names = list(QUICK_PROGRAMS if config.quick else PROGRAMS)
    first_steps = () if config.quick else FIRST_STEPS
    have_tf = importlib.util.find_spec("tensorflow") is not None
    result = _suite.Result(BENCHMARKS[0])
    totals: dict[str, list[float]] = {}  # label -> [in-process seconds, whole-process seconds]
    per_program: dict[str, dict[str, float]] = {}
    compiles: dict[str, int] = {}  # label -> XLA compiles summed over the programs
    mismatches: list[str] = []
    # An installed package comes with compiled bytecode; a checkout run under PYTHONDONTWRITEBYTECODE
    # has none, and each child would compile tapejax's sources again (about 0.2 s of a first MLP step
    # that imports tf.keras): compiled once here, untimed.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "tapejax"), str(ROOT / "benchmarks")],
        capture_output=True,
        check=False,
    )
    with tempfile.TemporaryDirectory(prefix="tapejax-cold-") as tmp:
        for i, name in enumerate([*names, *first_steps]):
            progress(f"{name} ({i + 1}/{len(names) + len(first_steps)})")
            # (an explicit "1": importing the benchmarks package turns the cache off by default)
            cache = {"TAPEJAX_COMPILATION_CACHE": "1", "TAPEJAX_COMPILATION_CACHE_DIR": str(Path(tmp) / name)}
            runs = {"tapejax, cold cache": ("tapejax", cache), "tapejax, warm cache": ("tapejax", cache)}
            if have_tf:
                runs = {"TF eager": ("tensorflow", {}), **runs}
            outs = {}
            for label, (framework, env) in runs.items():
                out, wall = _spawn(framework, name, env)
                outs[label] = out
                per_program.setdefault(name, {})[label] = out["run_s"]
                if name not in FIRST_STEPS:
                    t = totals.setdefault(label, [0.0, 0.0])
                    t[0] += out["run_s"]
                    t[1] += wall
                    if "compiles" in out:
                        compiles[label] = compiles.get(label, 0) + out["compiles"]
            if have_tf and not _same(outs["TF eager"]["values"], outs["tapejax, cold cache"]["values"]):
                mismatches.append(name)
            progress("  " + ", ".join(f"{label} {out['run_s'] * 1e3:.0f} ms" for label, out in outs.items()))
    for label, (inside, whole) in totals.items():
        result.rows.append(
            _suite.Row(
                f"{len(names)} programs: {label}",
                "tensorflow" if label == "TF eager" else "tapejax",
                value=f"{inside:.2f} s",
                note=f"whole processes (import included): {whole:.1f} s",
            )
        )
    for step in first_steps:
        for label, seconds in per_program[step].items():
            result.rows.append(
                _suite.Row(
                    f"{step.replace('_', ' ')}: {label}",
                    "tensorflow" if label == "TF eager" else "tapejax",
                    value=f"{seconds * 1e3:.0f} ms",
                )
            )
    result.data["totals"] = {label: t[0] for label, t in totals.items()}
    if have_tf:
        slowest = sorted(names, key=lambda n: per_program[n]["TF eager"] - per_program[n]["tapejax, cold cache"])[:5]
        result.notes.append(
            "Programs where tapejax (cold cache) loses most to TF eager: "
            + ", ".join(
                f"{n} ({per_program[n]['tapejax, cold cache'] * 1e3:.0f} vs {per_program[n]['TF eager'] * 1e3:.0f} ms)"
                for n in slowest
            )
        )
        result.notes.append(
            "Values equal to TF's (rtol 1e-4) in every program."
            if not mismatches
            else f"Values that differ from TF's: {', '.join(mismatches)}."
        )
    if compiles:
        result.notes.append(
            "XLA compiles in the programs' processes (JAX's backend compiles; a program loaded from the cache "
            "compiles nothing): " + ", ".join(f"{label} {n}" for label, n in compiles.items())
        )
    result.notes.append(
        "Each program in a fresh process (python -m benchmarks.bench_cold FRAMEWORK PROGRAM), timed after the "
        "import; cold: an empty TAPEJAX_COMPILATION_CACHE_DIR; warm: the same directory, second run; "
        "tapejax's sources byte-compiled first, as an installed package's are."
    )
    return result


def targets(result: _suite.Result) -> list[_suite.Target]:
    t = result.data.get("totals", {})
    tf_s, cold, warm = t.get("TF eager"), t.get("tapejax, cold cache"), t.get("tapejax, warm cache")
    if tf_s is None or cold is None or warm is None:
        why = "not measured (TensorFlow not installed)"
        return [_suite.Target("cold: the set no slower than TF eager (cold cache)", why, None)]
    return [
        _suite.Target(
            "cold: the set, in-process, no slower than TF eager with a cold cache",
            f"{cold:.2f} s vs TF {tf_s:.2f} s ({tf_s / cold:.2f}x)",
            cold <= tf_s,
        ),
        _suite.Target(
            "cold: the set, in-process, >= 3x faster than TF eager with a warm cache",
            f"{warm:.2f} s vs TF {tf_s:.2f} s ({tf_s / warm:.2f}x)",
            tf_s / warm >= 3,
        ),
    ]


BENCHMARKS = [
    _suite.Benchmark(
        "cold",
        "Cold start: 52 small TF programs, each once in a fresh process (in-process seconds, summed)",
        targets=targets,
        custom=run,
    )
]


if __name__ == "__main__":
    # python -m benchmarks.bench_cold FRAMEWORK PROGRAM -> one JSON line on stdout.
    print(json.dumps(child(sys.argv[1], sys.argv[2])))
