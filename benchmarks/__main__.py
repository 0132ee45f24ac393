"""``python -m benchmarks``: run the workloads side by side, print the table, write RESULTS.md and results.png."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks import _frameworks, _report, _suite, all_benchmarks

DEFAULT_OUT = Path(__file__).resolve().parent


def _select(names: list[str] | None, available: list[tuple[str, Any]]) -> list[Any]:
    """Benchmarks named exactly, else every benchmark of a named group (``budgets``); in suite order."""
    if not names:
        return [b for _, b in available]
    wanted = [n.strip() for arg in names for n in arg.split(",") if n.strip()]
    by_name = {b.name for _, b in available}
    groups = {g for g, _ in available}
    unknown = [n for n in wanted if n not in by_name and n not in groups]
    if unknown:
        choices = ", ".join(sorted(by_name | groups))
        raise SystemExit(f"--only: unknown workload(s) {', '.join(unknown)}; choose from: {choices}")
    return [b for g, b in available if b.name in wanted or (g in wanted and g not in by_name - {b.name})]


def _loadavg() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and two repeats (a smoke test, not a measurement)"
    )
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only these workloads (repeatable, or comma-separated)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="where RESULTS.md and results.png go (default: benchmarks/)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed rounds per workload (default: per workload; 2 with --quick)"
    )
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = parser.parse_args(argv)

    available = all_benchmarks()
    if args.list:
        for group, b in available:
            print(f"{b.name:16s} ({group}) {b.title}")
        return 0
    selected = _select(args.only, available)
    config = _suite.Config(quick=args.quick, repeats=args.repeats)
    started = datetime.datetime.now(datetime.UTC)
    load_start = _loadavg()

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    say(
        f"running {len(selected)} workload(s){' (quick mode)' if args.quick else ''}: {', '.join(b.name for b in selected)}"
    )
    for name, load in (("tensorflow", _frameworks.tensorflow), ("torch", _frameworks.torch)):
        mod = load()
        say(f"{name} {mod.__version__}: found" if mod else f"{_frameworks.missing(name)}: its rows are skipped")

    results = []
    for i, bench in enumerate(selected, 1):
        prefix = f"[{i}/{len(selected)}] {bench.name}"
        results.append(_suite.run(bench, config, lambda msg, p=prefix: say(f"{p}: {msg}")))

    print()
    print(_report.console_table(results))
    print()
    for res in results:
        for t in res.targets:
            print(f"target [{_report.target_status(t).strip('*')}] {t.description}: {t.measured}")
    errors = [f"{r.benchmark.name}: {e}" for r in results for e in r.errors]
    for e in errors:
        print(f"ERROR {e}")

    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "results.png"
    wrote_png = _report.chart(results, png, args.quick)
    if not wrote_png:
        say("matplotlib not installed: no chart")
    md = _report.markdown(results, config, started, (load_start, _loadavg()), png.name if wrote_png else None)
    (args.out / "RESULTS.md").write_text(md)
    say(f"wrote {args.out / 'RESULTS.md'}" + (f" and {png}" if wrote_png else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
