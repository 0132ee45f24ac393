"""Shared test set-up."""

from __future__ import annotations

import pytest

from tapejax._src import lazy


@pytest.fixture(autouse=True)
def _fresh_structure_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh program does, whatever tests ran before: no recent structures, so
    a new one compiles at once and recorded ops are queued (``lazy._recent``, ``lazy.tape_structures``).
    Tests of loops whose structures keep changing set these records themselves."""
    monkeypatch.setattr(lazy, "_recent", lazy.Recent())
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent())
