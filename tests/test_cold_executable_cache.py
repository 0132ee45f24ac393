"""Queue programs saved whole on disk (``_src/executable_cache.py``): hit, miss, corrupt files, keys, off switches.

The test suite runs with the caches off (conftest.py); each test turns this one on in its own
directory. (A real second process loading them is checked in test_cold_cache.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache, lazy


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This cache on in ``tmp_path`` (JAX's own persistent cache stays off), its counters at zero."""
    monkeypatch.setattr(compile_cache, "cache_dir", str(tmp_path))
    monkeypatch.delenv(executable_cache.ENABLE_ENV, raising=False)
    monkeypatch.setattr(executable_cache, "stats", dict.fromkeys(executable_cache.stats, 0))
    executable_cache.reset()
    yield tmp_path / executable_cache.SUBDIR
    executable_cache.reset()


def _fn(leaves: list[Any]) -> Any:
    return [jnp.sin(leaves[0]) * 2.0], None


def _key(tag: str) -> Any:
    return (("test-program", tag), (0,), (), None)


def test_a_program_is_saved_then_loaded(cache: Path) -> None:
    x = [np.arange(3, dtype=np.float32)]
    first = executable_cache.compiled(_fn, _key("a"), x)
    assert executable_cache.stats["misses"] == 1 and len(list(cache.iterdir())) == 1
    second = executable_cache.compiled(_fn, _key("a"), x)  # as a new process would: from the file
    assert executable_cache.stats["hits"] == 1 and second is not first
    np.testing.assert_allclose(second(x)[0][0], np.sin(x[0]) * 2, rtol=1e-6)
    # Another key, or other leaf shapes: another file.
    executable_cache.compiled(_fn, _key("b"), x)
    executable_cache.compiled(_fn, _key("a"), [np.arange(4, dtype=np.float32)])
    assert executable_cache.stats["misses"] == 3 and len(list(cache.iterdir())) == 3


def test_a_corrupt_or_truncated_file_is_ignored_and_rewritten(cache: Path) -> None:
    x = [np.arange(3, dtype=np.float32)]
    executable_cache.compiled(_fn, _key("c"), x)
    (path,) = cache.iterdir()
    good = path.read_bytes()
    for bad in (b"not a pickle", good[: len(good) // 2]):
        path.write_bytes(bad)
        exe = executable_cache.compiled(_fn, _key("c"), x)
        np.testing.assert_allclose(exe(x)[0][0], np.sin(x[0]) * 2, rtol=1e-6)
        assert path.read_bytes() != bad  # compiled again and saved again
    assert executable_cache.stats["errors"] == 2 and executable_cache.stats["hits"] == 0


def test_a_corrupt_file_is_removed_when_its_program_is_not_saved_again(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (JAX's persistent cache serving the compile: an executable it gives back is not saved)
    x = [np.arange(3, dtype=np.float32)]
    executable_cache.compiled(_fn, _key("e"), x)
    (path,) = cache.iterdir()
    path.write_bytes(b"not a pickle")
    monkeypatch.setattr(executable_cache, "_save", lambda *args: None)
    exe = executable_cache.compiled(_fn, _key("e"), x)
    np.testing.assert_allclose(exe(x)[0][0], np.sin(x[0]) * 2, rtol=1e-6)
    assert not path.exists() and executable_cache.stats["errors"] == 1


def test_another_jax_version_or_setting_is_another_key(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    x = [np.arange(3, dtype=np.float32)]
    fp = executable_cache.fingerprint(_key("d"), x)
    assert fp is not None and fp == executable_cache.fingerprint(_key("d"), x)
    monkeypatch.setattr(jax, "__version__", "0.0.1")
    executable_cache.reset()
    assert executable_cache.fingerprint(_key("d"), x) != fp
    with jax.default_matmul_precision("highest"):
        assert executable_cache.fingerprint(_key("d"), x) != fp


def test_fingerprints_follow_closures_and_refuse_unstable_parts() -> None:
    def make(c: Any) -> Any:
        return lambda v: v * c

    fp = executable_cache.fingerprint
    assert fp((make(2.0),), []) == fp((make(2.0),), []) != fp((make(3.0),), [])
    assert fp((make(np.ones(3)),), []) != fp((make(np.zeros(3)),), [])
    assert fp((np.float32(1),), []) != fp((np.float64(1),), [])
    assert fp((make(object()),), []) is None  # an arbitrary object has no stable description
    assert fp((make(np.zeros(1 << 20)),), []) is None  # nor does a large constant
    assert fp((jnp.sin, tf.math.sin), []) is not None  # module-level names


def test_programs_that_call_back_into_python_are_not_saved(cache: Path) -> None:
    def fn(leaves: list[Any]) -> Any:
        y = jax.pure_callback(lambda a: np.asarray(a) + 1, jax.ShapeDtypeStruct((3,), np.float32), leaves[0])
        return [y], None

    exe = executable_cache.compiled(fn, _key("e"), [np.zeros(3, np.float32)])
    assert exe is not None and executable_cache.stats["misses"] == 1
    assert not any(cache.iterdir())


def test_an_executable_from_jaxs_own_cache_is_not_saved(cache: Path) -> None:
    # On this jaxlib's CPU backend such a copy fails to run in another process.
    def fn(leaves: list[Any]) -> Any:
        jax.monitoring.record_event("/jax/compilation_cache/cache_hits")  # (while it is traced)
        return [leaves[0] + 1.0], None

    assert executable_cache.compiled(fn, _key("f"), [np.zeros(3, np.float32)]) is not None
    assert not any(cache.iterdir())


def test_off_switches(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    x = [np.zeros(3, np.float32)]
    monkeypatch.setenv(executable_cache.ENABLE_ENV, "0")
    executable_cache.reset()
    assert executable_cache.compiled(_fn, _key("g"), x) is None
    monkeypatch.delenv(executable_cache.ENABLE_ENV)
    monkeypatch.setattr(compile_cache, "cache_dir", None)  # TAPEJAX_COMPILATION_CACHE=0, or JAX's own setting
    executable_cache.reset()
    assert executable_cache.compiled(_fn, _key("g"), x) is None
    assert not cache.exists()


def test_a_queue_program_loaded_for_one_shape_runs_others(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lazy, "_recent", lazy.Recent())  # a new structure compiles whole (not op by op)
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    fallbacks = []

    def fallback(run: Any) -> Any:
        fallbacks.append(run)
        return original(run)

    original = executable_cache.fallback
    monkeypatch.setattr(executable_cache, "fallback", fallback)

    def cell(n: int) -> np.ndarray:
        x = tf.constant(np.linspace(-1, 1, n, dtype=np.float32))
        return (tf.tanh(x) * 3.0 + tf.exp(x)).numpy()

    for n in (5, 5, 7):  # a file for n=5; the program, made for n=5, then runs n=7
        expected = np.tanh(np.linspace(-1, 1, n, dtype=np.float32)) * 3 + np.exp(np.linspace(-1, 1, n))
        np.testing.assert_allclose(cell(n), expected, rtol=1e-5)
    assert executable_cache.stats["misses"] >= 1 and len(list(cache.iterdir())) >= 1
    assert len(fallbacks) == 1  # n=7 met the executable made for n=5, and ran jitted
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())  # as a new process: loaded
    np.testing.assert_allclose(cell(5), np.tanh(np.linspace(-1, 1, 5)) * 3 + np.exp(np.linspace(-1, 1, 5)), rtol=1e-5)
    assert executable_cache.stats["hits"] >= 1


def test_output_shapes_are_saved_per_op_and_read_back(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapejax._src.core import Op

    split = Op("TestSplit", lambda x, *, n: tuple(jnp.split(x, n)), multiple_results=True)
    plain = Op("TestScale", lambda x, *, c: x * c)
    f32 = jax.core.ShapedArray((6,), np.dtype(np.float32))
    for op, params in ((split, (("n", 3),)), (plain, (("c", 2.0),))):
        k = (op, params, (f32,))
        first = lazy.out_avals(k, op.kernel(params))
        monkeypatch.setattr(lazy, "_AVALS", {})
        assert isinstance(first, tuple) == op.multiple_results
        assert executable_cache.load_avals(k) == first  # as a later process reads it
    assert executable_cache.stats["avals_hits"] == 2
    for path in (cache.parent / executable_cache.AVALS_SUBDIR).iterdir():
        path.write_bytes(b"garbage")
    assert executable_cache.load_avals((plain, (("c", 2.0),), (f32,))) is None  # corrupt: traced again
    executable_cache.reset()
    monkeypatch.setattr(compile_cache, "cache_dir", None)  # off: nothing read or written
    assert executable_cache.load_avals((plain, (("c", 2.0),), (f32,))) is None
