"""A queue program loaded from the on-disk executable cache that cannot run (``NOT_FOUND: Function ...
not found``) compiles instead, and its file is dropped (``executable_cache.failed``, ``lazy._call``).
What a warm-cache process still imports: LAPACK set up without ``scipy.linalg``, Keras without optax."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache, lazy


class _Quiet(lazy.Recent):
    """A run history that never turns dynamic, whatever other threads run meanwhile (an earlier
    test's background thread, e.g. a prefetch worker, records runs into the same global history)."""

    def append(self, new: bool) -> None:
        pass


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The executable cache on in ``tmp_path``, its counters at zero, no queue program in memory."""
    monkeypatch.setattr(compile_cache, "cache_dir", str(tmp_path))
    monkeypatch.delenv(executable_cache.ENABLE_ENV, raising=False)
    monkeypatch.setattr(executable_cache, "stats", dict.fromkeys(executable_cache.stats, 0))
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    # A quiet history (structures not changing): a new structure compiles one program, whatever
    # earlier tests in this process ran (``lazy._call`` runs it op by op while structures change).
    monkeypatch.setattr(lazy, "_recent", _Quiet())
    monkeypatch.setattr(lazy, "_SEEN", set())
    # The sources checked afresh (a check that once saw them edited turns the cache off for good).
    monkeypatch.setattr(executable_cache, "_checked", [0.0, True])
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
    """The test's one-off program, checked against NumPy. Its length is new to this process and to
    JAX's persistent cache (a per-user directory other runs share): an executable that cache serves
    is never saved to this one (see ``executable_cache.compiled``), so a repeated shape would make
    the test depend on what ran before it."""
    xs = np.linspace(-1, 1, _N[0], dtype=np.float32)
    x = tf.constant(xs)
    out = (tf.tanh(x) * 3.0 + tf.exp(x)).numpy()
    np.testing.assert_allclose(out, np.tanh(xs) * 3 + np.exp(xs), rtol=1e-5, atol=1e-6)
    return out


_N = [5]


@pytest.fixture(autouse=True)
def _fresh_length() -> None:
    _N[0] = random.SystemRandom().randrange(16, 1 << 16)


def test_a_loaded_executable_not_found_compiles_and_drops_its_file(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cell()  # compiled, saved
    files = set(cache.iterdir())
    assert executable_cache.stats["misses"] >= 1 and files
    loaded = _broken_loads(monkeypatch, "NOT_FOUND: Function main.1 not found")
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())  # as a new process: loaded
    _cell()
    assert loaded and executable_cache.stats["hits"] >= 1 and executable_cache.stats["errors"] >= 1
    assert not set(cache.iterdir()) & files  # the bad file is gone
    _cell()  # the program, now jitted, runs again
    assert len(loaded) == 1


def test_other_runtime_errors_still_reach_the_user(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cell()
    files = set(cache.iterdir())
    _broken_loads(monkeypatch, "RESOURCE_EXHAUSTED: Out of memory")
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    with pytest.raises(tf.errors.ResourceExhaustedError, match="queued ops: RESOURCE_EXHAUSTED"):
        _cell()
    assert set(cache.iterdir()) == files  # (the program's own error: its file stays)


_FRESH = """
import sys
import numpy as np
import tapejax as tf
from tapejax._src import executable_cache

tf.keras.layers.Dense(2)
assert "optax" not in sys.modules  # (imported when an optimizer first builds its update)
executable_cache.initialize_lapack()  # as loading a saved program that calls LAPACK does
assert "scipy.linalg" not in sys.modules and "scipy.linalg.cython_lapack" not in sys.modules
a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], np.float32)
b = np.array([[1.0], [2.0], [3.0]], np.float32)
np.testing.assert_allclose(tf.linalg.solve(a, b).numpy(), np.linalg.solve(a, b), rtol=1e-5)
np.testing.assert_allclose(tf.linalg.cholesky(a).numpy(), np.linalg.cholesky(a), rtol=1e-5)
np.testing.assert_allclose(tf.linalg.svd(a, compute_uv=False).numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-5)
import scipy.linalg.cython_lapack  # later imports of SciPy work as ever
import scipy.linalg
assert scipy.linalg.cython_lapack is sys.modules["scipy.linalg.cython_lapack"]
np.testing.assert_allclose(scipy.linalg.solve(a, b), np.linalg.solve(a, b), rtol=1e-5)
print("ok")
"""


def test_a_fresh_process_sets_up_lapack_without_scipy_linalg_and_keras_without_optax() -> None:
    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
