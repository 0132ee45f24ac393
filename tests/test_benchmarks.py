"""Smoke test of the benchmark suite: ``python -m benchmarks --quick`` runs every workload and writes its outputs.

Run with the test venv, where TensorFlow and PyTorch are absent: their rows must be skipped, not fail.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every workload of the suite (benchmarks/bench_*.py), in the order they run.
WORKLOADS = (
    "tutorial",
    "mlp",
    "keras_mlp",
    "keras_fit",
    "jacobian",
    "batch_jacobian",
    "hvp",
    "dynamic",
    "op_overhead",
    "gradient_cache",
    "optimizer_step",
    "optimizer_overhead",
    "memory",
    "memory_mlp",
    "cold",
    "distribute",
    "data_pipeline",
    "data_training",
)


def test_quick_suite_writes_results_table_and_chart_for_every_workload(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"

    md = (tmp_path / "RESULTS.md").read_text()
    assert "## Machine" in md and "## Targets" in md and "## Results" in md
    for name in WORKLOADS:
        assert f"| {name} |" in md, f"workload {name} missing from the RESULTS.md table"
        assert f"/{len(WORKLOADS)}] {name}:" in proc.stderr, f"no progress line for {name}"
    # Every timed workload (all but memory, memory_mlp, cold and distribute, whose rows are not times
    # against JAX) has its JAX baseline row, the ratios' denominator.
    assert md.count("1.00 (baseline)") == len(WORKLOADS) - 4
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Frameworks that are not installed are skipped with a line saying so.
    for module, label in (("tensorflow", "TensorFlow"), ("torch", "PyTorch")):
        if importlib.util.find_spec(module) is None:
            assert f"{label} not installed" in proc.stderr
            assert f"{label} not installed" in md
    # Keras 3 on JAX runs in a subprocess only where keras is installed; else its row says why not.
    if importlib.util.find_spec("keras") is None:
        assert "keras not installed (Keras 3 with the JAX backend needed)" in md
    # The Keras-model rows' losses agree with the JAX baseline's (the suite's cross-check).
    assert not [line for line in md.splitlines() if line.startswith("| keras_mlp |") and "result differs" in line]


def test_only_selects_workloads_by_name_or_module(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import __main__ as cli
    from benchmarks import all_benchmarks

    available = all_benchmarks()
    assert tuple(b.name for _, b in available) == WORKLOADS
    names = lambda only: [b.name for b in cli._select(only, available)]  # noqa: E731
    assert names(["jacobian"]) == ["jacobian"]
    assert names(["optimizers"]) == ["optimizer_step", "optimizer_overhead"]
    assert names(["budgets"]) == ["gradient_cache"]
    assert names(["memory,tutorial"]) == ["tutorial", "memory"]
    assert names(None) == list(WORKLOADS)


def test_repeated_calls_compute_every_result_even_deferred(monkeypatch) -> None:
    """A timed repeat must do each call's work: tapejax defers ops until a value is read, and a queue
    run computes only the values still held, so an unread result would never be computed."""
    monkeypatch.syspath_prepend(str(ROOT))
    import tapejax as tf
    from benchmarks import _timing
    from tapejax._src import lazy

    x = tf.constant(2.0)
    lazy.flush()
    runs = []
    call = lazy._call
    monkeypatch.setattr(
        lazy, "_call", lambda key, leaves, roots: (runs.append(len(roots)), call(key, leaves, roots))[1]
    )
    out = _timing.calls(lambda: tf.sin(x * 3.0) + 1.0, 3)()
    assert runs == [1, 1, 1]  # one program per call, each computing its result
    assert float(out) == pytest.approx(np.sin(6.0) + 1.0)
