"""A queue program loaded from the on-disk executable cache that cannot run (``NOT_FOUND: Function ...
not found``) compiles instead, and its file is dropped (``executable_cache.failed``, ``lazy._call``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache, lazy


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The executable cache on in ``tmp_path``, its counters at zero, no queue program in memory."""
    monkeypatch.setattr(compile_cache, "cache_dir", str(tmp_path))
    monkeypatch.delenv(executable_cache.ENABLE_ENV, raising=False)
    monkeypatch.setattr(executable_cache, "stats", dict.fromkeys(executable_cache.stats, 0))
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    executable_cache.reset()
    yield tmp_path / executable_cache.SUBDIR
    executable_cache.reset()


def _broken_loads(monkeypatch: pytest.MonkeyPatch, message: str) -> list[Any]:
    """Executables loaded from now on raise ``JaxRuntimeError(message)`` when called; returns them."""
    loaded: list[Any] = []
    load = executable_cache._load

    def _load(path: str, fp: str) -> Any:
        exe = load(path, fp)
        if exe is not None:
            loaded.append(exe)
        return exe

    call = jax.stages.Compiled.__call__

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
        if any(self is exe for exe in loaded):
            raise jax.errors.JaxRuntimeError(message)
        return call(self, *args, **kwargs)

    monkeypatch.setattr(executable_cache, "_load", _load)
    monkeypatch.setattr(jax.stages.Compiled, "__call__", __call__)
    return loaded


def _cell() -> np.ndarray:
    x = tf.constant(np.linspace(-1, 1, 5, dtype=np.float32))
    return (tf.tanh(x) * 3.0 + tf.exp(x)).numpy()


_EXPECTED = np.tanh(np.linspace(-1, 1, 5)) * 3 + np.exp(np.linspace(-1, 1, 5))


def test_a_loaded_executable_not_found_compiles_and_drops_its_file(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    np.testing.assert_allclose(_cell(), _EXPECTED, rtol=1e-5)  # compiled, saved
    files = set(cache.iterdir())
    assert executable_cache.stats["misses"] >= 1 and files
    loaded = _broken_loads(monkeypatch, "NOT_FOUND: Function main.1 not found")
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())  # as a new process: loaded
    np.testing.assert_allclose(_cell(), _EXPECTED, rtol=1e-5)
    assert loaded and executable_cache.stats["hits"] >= 1 and executable_cache.stats["errors"] >= 1
    assert not set(cache.iterdir()) & files  # the bad file is gone
    np.testing.assert_allclose(_cell(), _EXPECTED, rtol=1e-5)  # the program, now jitted, runs again
    assert len(loaded) == 1


def test_other_runtime_errors_still_reach_the_user(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cell()
    files = set(cache.iterdir())
    _broken_loads(monkeypatch, "RESOURCE_EXHAUSTED: Out of memory")
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    with pytest.raises(tf.errors.ResourceExhaustedError, match="queued ops: RESOURCE_EXHAUSTED"):
        _cell()
    assert set(cache.iterdir()) == files  # (the program's own error: its file stays)
