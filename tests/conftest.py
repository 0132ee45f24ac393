"""Shared test set-up."""

from __future__ import annotations

import contextlib

import pytest

from tapejax._src import lazy


@pytest.fixture(autouse=True)
def _fresh_structure_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh program does, whatever tests ran before: no ops queued, no recent
    structures, so a new one compiles at once and recorded ops are queued (``lazy._recent``,
    ``lazy.tape_structures``). Tests of loops whose structures keep changing set these records
    themselves.

    Ops an earlier test left queued in this thread (a value it made and never read, e.g. a layer's
    weights) are run first: they would otherwise join this test's first program, whose structure and
    executable-cache key would then depend on which tests ran before it in the same process. (Their
    errors are the earlier test's: not raised here.)"""
    with contextlib.suppress(Exception):
        lazy.flush()
    monkeypatch.setattr(lazy, "_recent", lazy.Recent())
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent())
