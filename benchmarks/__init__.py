"""tapejax's side-by-side benchmark suite: ``python -m benchmarks [--quick] [--only NAME] [--out DIR]``.

One module per workload (``bench_*.py``), each comparing tapejax with the hand-written JAX baseline
and, where installed, TensorFlow (eager and ``tf.function``) and PyTorch eager. All share one timing
helper (``_timing``: warm-up, interleaved repeats, median, ``block_until_ready``). The suite prints a
table and writes ``RESULTS.md`` and ``results.png`` (time / JAX baseline per workload and framework).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# First calls are measured compiling, whatever earlier runs left in the persistent compilation cache
# (the cold workload gives its processes their own cache directories).
os.environ.setdefault("TAPEJAX_COMPILATION_CACHE", "0")

# In the order they run and are reported.
WORKLOAD_MODULES = (
    "bench_tutorial",
    "bench_mlp",
    "bench_keras_mlp",
    "bench_keras_fit",
    "bench_jacobian",
    "bench_hvp",
    "bench_dynamic",
    "bench_op_overhead",
    "bench_budgets",
    "bench_optimizers",
    "bench_memory",
    "bench_cold",
    "bench_distribute",
    "bench_data",
)


def all_benchmarks() -> list[tuple[str, Any]]:
    """(group, Benchmark) for every workload; the group is the module name without ``bench_``."""
    out = []
    for mod_name in WORKLOAD_MODULES:
        mod = importlib.import_module(f"benchmarks.{mod_name}")
        out.extend((mod_name.removeprefix("bench_"), b) for b in mod.BENCHMARKS)
    return out
