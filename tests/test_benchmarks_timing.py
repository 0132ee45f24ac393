"""benchmarks/_timing.compare: each round starts one implementation later, and times stay paired by round."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def timing(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import _timing

    return _timing


def test_compare_rotates_the_order_of_each_round(timing, monkeypatch) -> None:
    calls: list[str] = []
    # Each timed call's "time" is its position in the whole run (1, 2, ...), so a time tells its round.
    monkeypatch.setattr(timing, "_time_once", lambda fn, per: (fn(), float(len(calls)))[1])
    monkeypatch.setattr(timing, "gc", SimpleNamespace(collect=lambda: 0))  # (a full collection costs ~0.1 s)
    fns = {k: (lambda k=k: calls.append(k)) for k in "abc"}
    got = timing.compare(fns, warmup=1, repeats=4)
    assert "".join(calls) == "abc" + "abc" + "bca" + "cab" + "abc"  # the warm-up, then rounds 0-3
    assert list(got) == ["a", "b", "c"]  # labels in the order given
    for label, t in got.items():
        assert len(t.times) == 4
        for r, pos in enumerate(t.times):  # the r-th time of every label was taken in round r
            assert 3 * r + 1 <= pos - 3 <= 3 * r + 3, (label, r, t.times)
    # Every label took the first place of one round of the first three.
    firsts = [calls[3 + 3 * r] for r in range(3)]
    assert sorted(firsts) == ["a", "b", "c"]


def test_round_order(timing) -> None:
    assert timing.round_order(["x"], 5) == ["x"]
    assert timing.round_order([], 3) == []
    assert timing.round_order(["a", "b", "c", "d"], 6) == ["c", "d", "a", "b"]
