"""The Keras-3-on-JAX rows of the Keras workloads (bench_keras_mlp, bench_keras_fit), timed in a subprocess.

Keras picks its backend when it is imported, so its JAX backend runs in a child process (``python -m
benchmarks.<workload> --keras-jax``) that times its rows interleaved with tapejax's and its own JAX
baseline, and prints them as JSON on its last stdout line; the parent adds them to its result.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import _frameworks, _suite, _timing

PROGRESS = "progress: "  # the subprocess's stderr lines relayed to the suite's progress


def child(
    name: str,
    make_build: Callable[[Any], Callable[[_suite.Config], Iterator[Any]]],
    repeats: int,
    config: _suite.Config,
    notes_from: int = 0,
) -> dict[str, Any]:
    """In the subprocess: times ``make_build(keras)``'s rows; what the parent reads back (JSON-able).

    ``notes_from``: the result's notes kept from that index (1 drops the workload's description,
    already in the parent's notes).
    """
    os.environ["KERAS_BACKEND"] = "jax"
    try:
        keras = _frameworks._quiet_import("keras")
        backend = keras.backend.backend()
    except Exception as e:
        return {"skipped": f"keras with the JAX backend cannot be imported: {str(e).splitlines()[0]}"}
    if backend != "jax":
        return {"skipped": f"keras {keras.__version__} imported with backend {backend!r}, not 'jax'"}
    bench = _suite.Benchmark(name, "Keras 3 on JAX", make_build(keras), repeats=repeats)
    res = _suite.run(bench, config, lambda msg: print(f"{PROGRESS}{msg}", file=sys.stderr, flush=True))
    rows = [
        {"label": r.label, "times": list(r.timing.times), "per": r.timing.per, "ratio": r.ratio,
         "min_ratio": r.min_ratio, "first": r.first, "note": r.note, "baseline": r.baseline}
        for r in res.rows
        if r.timing is not None
    ]  # fmt: skip
    return {
        "keras": keras.__version__,
        "rows": rows,
        "skipped": [[s.label, s.reason] for s in res.skipped],
        "notes": res.notes[notes_from:],
        "errors": res.errors,
    }


def add_rows(
    module: str,
    label: str,
    first: str,
    note: str,
    config: _suite.Config,
    result: _suite.Result,
    progress: Callable[[str], None],
) -> dict[str, Any] | None:
    """In the parent: runs ``benchmarks.<module> --keras-jax`` and adds its rows to ``result`` (all but
    its baseline and ``first``, reported from this process), each with ``note``; the subprocess's data,
    or None where Keras-on-JAX is unavailable (a Skipped line for ``label`` says why).

    Raises:
      RuntimeError: if the subprocess fails.
    """
    why = next((f"{n} not installed" for n in ("keras", "jax") if importlib.util.find_spec(n) is None), None)
    if why:
        result.skipped.append(_suite.Skipped(label, f"{why} (Keras 3 with the JAX backend needed)"))
        progress(f"{label}: skipped ({why})")
        return None
    progress("Keras 3 on JAX: starting a subprocess with KERAS_BACKEND=jax")
    args = [sys.executable, "-m", f"benchmarks.{module}", "--keras-jax"]
    args += ["--quick"] * config.quick + ([f"--repeats={config.repeats}"] if config.repeats else [])
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.stderr is None or proc.stdout is None:
        raise RuntimeError("the Keras-on-JAX subprocess has no pipes")
    other: list[str] = []
    for line in proc.stderr:  # relayed as it comes: the subprocess runs for a while
        if line.startswith(PROGRESS):
            progress(f"(subprocess) {line[len(PROGRESS) :].rstrip()}")
        else:
            other.append(line.rstrip())
    out = proc.stdout.read()
    if proc.wait() != 0 or not out.strip():
        tail = " ".join(other[-3:]) or f"exit status {proc.returncode}"
        raise RuntimeError(f"the Keras-on-JAX subprocess failed: {tail}")
    data = json.loads(out.strip().splitlines()[-1])
    if isinstance(data.get("skipped"), str):
        result.skipped.append(_suite.Skipped(label, data["skipped"]))
        progress(f"{label}: skipped ({data['skipped']})")
        return None
    for r in data["rows"]:
        if r["baseline"] or r["label"] == first:
            continue
        result.rows.append(
            _suite.Row(
                r["label"],
                "jax" if r["label"] == label else "tapejax",
                _timing.Timing(tuple(r["times"]), r["per"]),
                r["ratio"],
                note=f"{r['note']}; {note}" if r["note"] else note,
                first=r["first"],
                min_ratio=r["min_ratio"],
            )
        )
    result.skipped.extend(_suite.Skipped(lab, reason) for lab, reason in data["skipped"])
    result.errors.extend(f"(Keras-on-JAX subprocess) {e}" for e in data["errors"])
    result.notes.extend(f"(Keras-on-JAX subprocess) {n}" for n in data["notes"])
    return data


def run_with_subprocess(
    in_process: _suite.Benchmark,
    benchmark: _suite.Benchmark,
    label: str,
    add: Callable[[_suite.Config, _suite.Result, Callable[[str], None]], None],
    config: _suite.Config,
    progress: Callable[[str], None],
) -> _suite.Result:
    """The in-process rows (timed by the suite), then ``add``'s subprocess rows; a failing subprocess
    is an error of ``label`` beside the in-process rows."""
    result = _suite.run(in_process, config, progress)
    result.benchmark = benchmark
    try:
        add(config, result, progress)
    except Exception as e:  # the in-process rows stand without it
        result.errors.append(f"{label}: {type(e).__name__}: {e}")
        result.skipped.append(_suite.Skipped(label, f"ERROR {type(e).__name__}: {e}"))
        progress(f"{label}: ERROR {type(e).__name__}: {e}")
    return result


def main(
    benchmark: _suite.Benchmark, child_of: Callable[[_suite.Config], dict[str, Any]], argv: list[str] | None
) -> int:
    """A Keras workload run alone (``python -m benchmarks.<workload> [--quick] [--repeats=N]``), or its
    subprocess (``--keras-jax``: JSON on the last stdout line)."""
    from benchmarks import _report

    args = sys.argv[1:] if argv is None else argv
    repeats = next((int(a.split("=", 1)[1]) for a in args if a.startswith("--repeats=")), None)
    config = _suite.Config(quick="--quick" in args, repeats=repeats)
    if "--keras-jax" in args:
        print(json.dumps(child_of(config)))
        return 0
    res = _suite.run(benchmark, config, lambda msg: print(msg, file=sys.stderr, flush=True))
    print(_report.console_table([res]))
    for note in res.notes:
        print(f"note: {note}")
    for t in res.targets:
        print(f"target [{_report.target_status(t).strip('*')}] {t.description}: {t.measured}")
    for e in res.errors:
        print(f"ERROR {e}")
    return 1 if res.errors else 0
