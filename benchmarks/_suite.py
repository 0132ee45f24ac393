"""What a workload module declares, and how the suite runs it.

Each ``bench_*.py`` module lists ``BENCHMARKS``: :class:`Benchmark` objects whose ``build`` yields one
:class:`Impl` per implementation (tapejax, the hand-written JAX baseline, TF eager, ``tf.function``,
PyTorch eager), or a :class:`Skipped` line when a framework or a tapejax feature is missing. The
suite warms every implementation up, times them side by side (interleaved repeats, median,
``block_until_ready``), checks their results agree, and asks the benchmark which targets were met.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import _timing

# Each timed repeat lasts at least this long: fast calls are looped (see run()).
MIN_REPEAT_SECONDS = 0.02


@dataclass(frozen=True)
class Config:
    quick: bool = False  # tiny sizes, few repeats (the smoke test)
    repeats: int | None = None  # overrides every benchmark's repeats

    def pick(self, full: Any, quick: Any) -> Any:
        return quick if self.quick else full


@dataclass
class Impl:
    """One implementation of a workload.

    Args:
      label: row label, e.g. ``"TF eager"``.
      framework: ``"tapejax"``, ``"jax"``, ``"tensorflow"`` or ``"torch"`` (colours the chart).
      fn: the work of one timed repeat; returns what must be ready when the clock stops.
      per: operations per ``fn()`` call; reported times are per operation.
      baseline: the row ratios are taken against (the hand-written JAX version).
      output: turns ``fn()``'s result into numpy for the cross-check against the baseline
        (None: not comparable, e.g. a training step whose state moves on).
      note: shown in the table.
    """

    label: str
    framework: str
    fn: Callable[[], Any]
    per: int = 1
    baseline: bool = False
    output: Callable[[Any], Any] | None = None
    note: str = ""


@dataclass(frozen=True)
class Skipped:
    label: str
    reason: str


@dataclass
class Row:
    label: str
    framework: str
    timing: _timing.Timing | None = None
    ratio: float | None = None  # median over rounds of (time / the baseline's time in that round)
    value: str = ""  # for rows that are not times (memory)
    note: str = ""
    baseline: bool = False
    first: float | None = None  # seconds of the first (cold) call, per operation
    min_ratio: float | None = None  # min / baseline min: the ratio with the least load noise in it


@dataclass(frozen=True)
class Target:
    description: str
    measured: str
    met: bool | None  # None: could not be measured here


@dataclass
class Result:
    benchmark: Benchmark
    rows: list[Row] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # numbers a custom benchmark's targets read
    errors: list[str] = field(default_factory=list)  # exceptions raised by the workload's code

    def median(self, label: str) -> float | None:
        t = self.timing(label)
        return t.median if t else None

    def timing(self, label: str) -> _timing.Timing | None:
        for r in self.rows:
            if r.label == label and r.timing is not None:
                return r.timing
        return None


@dataclass(frozen=True)
class Benchmark:
    """One row group of the results table.

    Args:
      name: what ``--only`` matches (also the module's group name matches).
      title: one line saying what is measured, per what.
      build: ``build(config)`` yields Impl / Skipped / str (a note for RESULTS.md).
      targets: ``targets(result)`` returns the targets to mark met/missed.
      repeats, warmup: defaults for full runs (quick runs use 2 and 1).
      custom: instead of timing Impls, ``custom(config, progress)`` fills a Result itself (memory).
    """

    name: str
    title: str
    build: Callable[[Config], Iterator[Any]] | None = None
    targets: Callable[[Result], list[Target]] | None = None
    repeats: int = 15
    warmup: int = 2
    custom: Callable[[Config, Callable[[str], None]], Result] | None = None


def run(bench: Benchmark, config: Config, progress: Callable[[str], None]) -> Result:
    """Builds, warms up, times and cross-checks one benchmark."""
    if bench.custom is not None:
        try:
            result = bench.custom(config, progress)
        except Exception as e:
            result = Result(bench, errors=[f"{type(e).__name__}: {e}"])
            progress(f"ERROR: {type(e).__name__}: {e}")
            return result
        if bench.targets is not None:
            result.targets = bench.targets(result)
        return result
    if bench.build is None:
        raise ValueError(f"benchmark {bench.name!r} has neither build nor custom")
    result = Result(bench)
    impls: list[Impl] = []
    progress("building")
    try:
        for item in bench.build(config):
            if isinstance(item, Skipped):
                result.skipped.append(item)
                progress(f"{item.label}: skipped ({item.reason})")
            elif isinstance(item, str):
                result.notes.append(item)
            else:
                impls.append(item)
    except Exception as e:  # a broken workload must not take the rest of the suite down
        result.errors.append(f"building: {type(e).__name__}: {e}")
        progress(f"ERROR while building: {type(e).__name__}: {e}")
    repeats = config.repeats or (2 if config.quick else bench.repeats)
    warmup = 1 if config.quick else bench.warmup
    ok = []
    outputs: dict[str, Any] = {}  # the last warm-up result of each, for the cross-check
    first: dict[str, float] = {}  # the first call's time: compilation included (per operation)
    last: dict[str, float] = {}  # a warm-up call's time, to size the timed repeats
    for impl in impls:
        progress(f"{impl.label} (warm-up)")
        try:
            for i in range(max(warmup, 1)):
                t0 = time.perf_counter()
                out = _timing.block(impl.fn())
                last[impl.label] = time.perf_counter() - t0
                if i == 0:
                    first[impl.label] = last[impl.label] / impl.per
            # Two more calls size the timed repeats, by the faster: a warm-up call may still compile
            # (tapejax compiles a structure the second time it runs it, and runs what was queued before
            # it, e.g. by building the next implementation, with its first step, a structure of its own).
            sizing = []
            for _ in range(2):
                t0 = time.perf_counter()
                out = _timing.block(impl.fn())
                sizing.append(time.perf_counter() - t0)
            last[impl.label] = min(sizing)
            if impl.output is not None:
                outputs[impl.label] = impl.output(out)
        except Exception as e:
            msg = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            result.errors.append(f"{impl.label}: {msg}")
            result.skipped.append(Skipped(impl.label, f"ERROR {msg}"))
            progress(f"{impl.label}: ERROR {msg}")
        else:
            ok.append(impl)
    impls = ok
    if not impls:
        return result
    if not config.quick:
        # Calls much shorter than a scheduler tick are repeated back to back within one timed repeat.
        for impl in impls:
            k = min(1000, max(1, math.ceil(MIN_REPEAT_SECONDS / max(last[impl.label], 1e-9))))
            impl.fn, impl.per = _timing.calls(impl.fn, k), impl.per * k
    timings = _timing.compare(
        {i.label: i.fn for i in impls},
        warmup=0,
        repeats=repeats,
        per={i.label: i.per for i in impls},
        progress=progress,
    )
    base = next((i for i in impls if i.baseline), None)
    base_t = timings[base.label] if base else None
    for impl in impls:
        t = timings[impl.label]
        # Paired: each round's time over the baseline's time in the same round, then the median. Rounds
        # are adjacent in time, so load that comes and goes between rounds cancels out.
        ratio = statistics.median(a / b for a, b in zip(t.times, base_t.times, strict=True)) if base_t else None
        min_ratio = t.min / base_t.min if base_t else None
        result.rows.append(
            Row(
                impl.label,
                impl.framework,
                t,
                ratio,
                note=impl.note,
                baseline=impl.baseline,
                first=first[impl.label],
                min_ratio=min_ratio,
            )
        )
    _cross_check(impls, base, outputs, result)
    if bench.targets is not None:
        result.targets = bench.targets(result)
    return result


def _cross_check(impls: list[Impl], base: Impl | None, outputs: dict[str, Any], result: Result) -> None:
    """Compares each comparable implementation's (warm-up) output with the baseline's."""
    if base is None or base.label not in outputs:
        return
    ref = [np.asarray(a, np.float64) for a in _as_list(outputs[base.label])]
    for impl in impls:
        if impl is base or impl.label not in outputs:
            continue
        got = [np.asarray(a, np.float64) for a in _as_list(outputs[impl.label])]
        bad = len(got) != len(ref) or any(
            g.shape != r.shape or not np.allclose(g, r, rtol=2e-3, atol=2e-4) for g, r in zip(got, ref, strict=True)
        )
        if bad:
            err = max(
                (float(np.max(np.abs(g - r))) for g, r in zip(got, ref, strict=True) if g.shape == r.shape),
                default=float("nan"),
            )
            msg = f"result differs from {base.label} (max abs diff {err:.3g})"
            result.notes.append(f"{impl.label}: {msg}")
            for row in result.rows:
                if row.label == impl.label:
                    row.note = f"{row.note}; {msg}" if row.note else msg


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


# -- helpers for targets ---------------------------------------------------------------------------
def paired_ratio(result: Result, label: str, base: str) -> tuple[float, float] | None:
    """(median over rounds of label's time / base's time in the same round, ratio of minimums), or None."""
    a, b = result.timing(label), result.timing(base)
    if a is None or b is None:
        return None
    return statistics.median(x / y for x, y in zip(a.times, b.times, strict=True)), a.min / b.min


def _not_run(result: Result, *labels: str) -> str:
    missing = next(lab for lab in labels if result.timing(lab) is None)
    return f"not measured ({missing} not run)"


def speedup_target(result: Result, fast: str, slow: str, at_least: float, what: str) -> Target:
    """``slow`` / ``fast`` >= ``at_least`` (e.g. tapejax at least 10x faster than TF eager)."""
    desc = f"{result.benchmark.name}: {what}"
    r = paired_ratio(result, slow, fast)
    if r is None:
        return Target(desc, _not_run(result, fast, slow), None)
    return Target(desc, f"{r[0]:.2f}x faster (median of paired rounds; {r[1]:.2f}x on minimums)", r[0] >= at_least)


def ratio_target(result: Result, label: str, base: str, at_most: float, what: str, strict: bool = False) -> Target:
    """``label`` / ``base`` <= ``at_most`` (< when ``strict``)."""
    desc = f"{result.benchmark.name}: {what}"
    r = paired_ratio(result, label, base)
    if r is None:
        return Target(desc, _not_run(result, label, base), None)
    met = r[0] < at_most if strict else r[0] <= at_most
    return Target(desc, f"{r[0]:.2f}x (median of paired rounds; {r[1]:.2f}x on minimums)", met)
