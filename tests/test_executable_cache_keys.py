"""What the executable cache's keys must hold (tapejax/_src/executable_cache.py): XLA's flags, the code
the process imported, and in-process settings that change what XLA compiles."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache, lazy


@pytest.fixture
def fresh_environment(monkeypatch: pytest.MonkeyPatch):
    executable_cache.reset()
    yield
    executable_cache.reset()


def test_xla_flags_are_part_of_the_key(monkeypatch: pytest.MonkeyPatch, fresh_environment: None) -> None:
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    plain = executable_cache._environment_key()
    executable_cache.reset()
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_enable_fast_math=true --xla_cpu_fast_math_honor_nans=false")
    assert executable_cache._environment_key() != plain  # (fast math compiles is_nan to False)


def test_nothing_is_saved_once_the_sources_differ_from_the_imported_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike
) -> None:
    monkeypatch.setattr(executable_cache, "_checked", [0.0, True])
    monkeypatch.setattr(compile_cache, "source_digest_at", 0.0)  # (the import's digest is not recent)
    monkeypatch.setattr(compile_cache, "source_digest", compile_cache.sources_digest())
    kept = os.path.join(tmp_path, "kept")
    executable_cache._write(kept, b"program")
    with open(kept, "rb") as f:
        assert f.read() == b"program"

    # A file edited after the import: this process runs the old code; saving its programs under the
    # edited files' key would give them to a later process running the new code.
    monkeypatch.setattr(compile_cache, "source_digest", "the digest at import")
    monkeypatch.setattr(executable_cache, "_checked", [0.0, True])
    dropped = os.path.join(tmp_path, "dropped")
    executable_cache._write(dropped, b"program")
    assert not os.path.exists(dropped)
    assert executable_cache._source_digest() == "the digest at import"  # (the key keeps the import's)


def test_sources_digest_follows_size_and_mtime(monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike) -> None:
    # On a copy: touching the package's own files would make every other process importing tapejax
    # meanwhile (pytest-xdist's other workers) see edited sources and stop using its executable cache.
    package = os.path.join(tmp_path, "tapejax")
    os.makedirs(os.path.join(package, "_src"))
    for name in ("__init__.py", os.path.join("_src", "core.py")):
        with open(os.path.join(package, name), "w") as f:
            f.write("x = 1\n")
    monkeypatch.setattr(compile_cache, "_PACKAGE_DIR", package)
    before = compile_cache.sources_digest()
    assert compile_cache.sources_digest() == before
    path = os.path.join(package, "_src", "core.py")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert compile_cache.sources_digest() != before
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert compile_cache.sources_digest() == before
    with open(path, "a") as f:
        f.write("y = 2\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert compile_cache.sources_digest() != before  # (the size)


def test_tensor_float_32_setting_drops_compiled_queue_programs() -> None:
    a = tf.constant(np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal((tf.matmul(a, a) * 2.0).numpy(), 2 * np.eye(3))
    programs = list(lazy._PROGRAMS.values())
    assert programs
    try:
        tf.config.experimental.enable_tensor_float_32_execution(False)
        assert not lazy._PROGRAMS and all(p.cache is None and p.fn is None for p in programs)
        np.testing.assert_array_equal((tf.matmul(a, a) * 2.0).numpy(), 2 * np.eye(3))
        assert not tf.config.experimental.tensor_float_32_execution_enabled()
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(True)
    assert tf.config.experimental.tensor_float_32_execution_enabled()
