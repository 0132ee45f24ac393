"""The persistent compilation cache that ``import tapejax`` turns on (``_src/compile_cache.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import pytest

from tapejax._src import compile_cache, executable_cache

ROOT = Path(__file__).resolve().parents[1]

# A small eager program (ops, a gradient, an update); prints how many of its compiles JAX
# asked the persistent cache for and how many it found there.
_PROGRAM = """
import json, sys, jax.monitoring
counts = {"requests": 0, "hits": 0}
def listen(event, **kwargs):
    if event == "/jax/compilation_cache/compile_requests_use_cache":
        counts["requests"] += 1
    elif event == "/jax/compilation_cache/cache_hits":
        counts["hits"] += 1
jax.monitoring.register_event_listener(listen)
import tapejax as tf
from tapejax._src import compile_cache, executable_cache
lazy = [m for m in ("tapejax.keras", "tapejax.data", "tapejax.optimizers", "optax") if m in sys.modules]
w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
x = tf.constant([[0.5, -1.0]])
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
g = tape.gradient(loss, w)
w.assign_sub(0.1 * g)
# (LAPACK: loaded programs that call it need JAX's LAPACK set-up, or crash)
c = tf.linalg.cholesky(tf.matmul(w, w, transpose_b=True) + tf.eye(2))
print(json.dumps({"dir": compile_cache.cache_dir, "w": w.numpy().tolist(), "c": c.numpy().tolist(), "imported": lazy, **counts,
                  "executables": executable_cache.stats}))
"""


def _run(env: dict[str, str]) -> dict[str, object]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TAPEJAX_", "JAX_"))}
    full.update(env)
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_process_compiles_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {"TAPEJAX_COMPILATION_CACHE_DIR": str(cache)}
    first = _run(env)
    assert first["dir"] == str(cache)
    assert first["imported"] == []  # import tapejax leaves tf.keras, tf.data, tf.optimizers and optax for later
    assert first["requests"] > 0 and first["hits"] == 0
    assert any(cache.iterdir())
    # The queued programs were also saved whole (executable_cache.py), the gradient's included.
    saved = first["executables"]["misses"]
    assert saved >= 2 and first["executables"]["hits"] == 0
    files = list((cache / executable_cache.SUBDIR).iterdir())
    assert len(files) == saved
    second = _run(env)
    assert second["w"] == first["w"] and second["c"] == first["c"]
    # The second process loads those programs without tracing them (no request to JAX's cache for
    # them); the per-op kernels it still compiles all come from JAX's cache.
    assert second["executables"]["avals_hits"] > 0  # (each op's output shapes too: no trace)
    assert second["executables"] == {
        **first["executables"],
        "hits": saved,
        "misses": 0,
        "avals_hits": second["executables"]["avals_hits"],
    }
    assert second["requests"] == first["requests"] - saved
    assert second["hits"] == second["requests"]


def test_default_directory_is_per_user() -> None:
    home = os.path.expanduser("~")
    assert compile_cache.resolve_cache_dir({}) == os.path.join(home, ".cache", "tapejax", "jax")
    assert compile_cache.resolve_cache_dir({"XDG_CACHE_HOME": "/x"}) == "/x/tapejax/jax"
    assert compile_cache.resolve_cache_dir({"TAPEJAX_COMPILATION_CACHE_DIR": "~/c"}) == os.path.join(home, "c")


@pytest.mark.parametrize("value", ["0", "false", "OFF", " no "])
def test_environment_turns_it_off(value: str) -> None:
    assert compile_cache.resolve_cache_dir({"TAPEJAX_COMPILATION_CACHE": value}) is None


def test_an_unwritable_directory_leaves_the_cache_off(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where the directory would be: makedirs fails
    assert compile_cache.set_up({"TAPEJAX_COMPILATION_CACHE_DIR": str(blocker / "jax")}) is None
    assert jax.config.jax_compilation_cache_dir is None


def test_the_users_jax_setting_wins(tmp_path: Path) -> None:
    mine = str(tmp_path / "mine")
    jax.config.update("jax_compilation_cache_dir", mine)
    try:
        assert compile_cache.set_up({"TAPEJAX_COMPILATION_CACHE_DIR": str(tmp_path / "theirs")}) is None
        assert jax.config.jax_compilation_cache_dir == mine
    finally:
        jax.config.update("jax_compilation_cache_dir", None)
    assert not (tmp_path / "theirs").exists()


def test_the_test_suite_runs_with_the_cache_off() -> None:
    assert os.environ["TAPEJAX_COMPILATION_CACHE"] == "0"
    assert compile_cache.cache_dir is None
