"""A script's second run (warm cache): the optimizer's update loaded from the executable cache, no optax import.

The update program of a built-in optimizer (``Optimizer._program_key``, ``executable_cache.compiled_call``)
is saved on disk the first time and loaded, not traced, by a later process. The in-process tests turn
the cache on in their own directory (the suite runs with it off) and load a saved update through a
fresh optimizer, as a new process would; the key must change with anything the trace reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache

ROOT = Path(__file__).resolve().parents[1]

# Trains one Variable with SGD (momentum) and Adam, 3 steps each; prints the values, whether optax
# was imported, how many programs JAX was asked to compile, and the executable cache's counters.
_PROGRAM = """
import json, sys, jax.monitoring
counts = {"requests": 0}
def listen(event, **kwargs):
    if event == "/jax/compilation_cache/compile_requests_use_cache":
        counts["requests"] += 1
jax.monitoring.register_event_listener(listen)
import numpy as np
import tapejax as tf
from tapejax._src import executable_cache
values = []
for opt in (tf.keras.optimizers.SGD(0.1, momentum=0.9), tf.keras.optimizers.Adam(0.05)):
    w = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((w - 1.0) ** 2)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    values.append(w.numpy().tolist())
print(json.dumps({"values": values, "optax": "optax" in sys.modules, "requests": counts["requests"],
                  **executable_cache.stats}))
"""


def _reference() -> list[np.ndarray]:
    """Keras 3's SGD (momentum 0.9, lr 0.1) and Adam (lr 0.05) on ``sum((w - 1)^2)``, 3 steps, in float64."""
    w0 = np.linspace(-1, 1, 6).reshape(2, 3)
    w, m = w0.copy(), np.zeros_like(w0)
    for _ in range(3):
        m = 0.9 * m - 0.1 * 2 * (w - 1)
        w = w + m
    sgd = w
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t in range(1, 4):
        g = 2 * (w - 1)
        m = m + (g - m) * (1 - 0.9)
        v = v + (g * g - v) * (1 - 0.999)
        w = w - m * (0.05 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)) / (np.sqrt(v) + 1e-7)
    return [sgd, w]


def _run(cache: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPEJAX_", "JAX_"))}
    env["TAPEJAX_COMPILATION_CACHE_DIR"] = str(cache)
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_the_update_and_compiles_nothing(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert not first["optax"]  # the built-in rules do not need optax
    assert first["misses"] >= 3 and first["hits"] == 0  # the updates (2) and the gradient's queue program
    second = _run(tmp_path)
    assert second["values"] == first["values"]
    for got, want in zip(second["values"], _reference(), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # Nothing traced, lowered or compiled: every program, the two updates included, comes from disk.
    assert second["requests"] == 0
    assert second["hits"] == first["misses"] and second["misses"] == 0
    assert not second["optax"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The executable cache on in ``tmp_path`` (JAX's own persistent cache stays off), counters at zero."""
    monkeypatch.setattr(compile_cache, "cache_dir", str(tmp_path))
    monkeypatch.delenv(executable_cache.ENABLE_ENV, raising=False)
    monkeypatch.setattr(executable_cache, "stats", dict.fromkeys(executable_cache.stats, 0))
    executable_cache.reset()
    yield tmp_path / executable_cache.SUBDIR
    executable_cache.reset()


def _train(opt: Any, grads: Any = (np.float32,) * 2) -> np.ndarray:
    """Two updates of a float32 Variable by ``opt``, the gradients of the dtypes ``grads``."""
    w = tf.Variable(np.linspace(-1, 1, 4, dtype=np.float32))
    for dtype in grads:
        opt.apply_gradients([(tf.constant(np.array([0.5, -1.0, 2.0, 0.25], dtype)), w)])
    return w.numpy()


def _uncached(monkeypatch: pytest.MonkeyPatch, make: Any, grads: Any = (np.float32,) * 2) -> np.ndarray:
    """``_train`` with the executable cache off (the jitted update), the cache turned on again after."""
    monkeypatch.setenv(executable_cache.ENABLE_ENV, "0")
    executable_cache.reset()
    try:
        return _train(make(), grads)
    finally:
        monkeypatch.delenv(executable_cache.ENABLE_ENV)
        executable_cache.reset()


def test_a_fresh_optimizer_loads_the_saved_update_with_the_same_values(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make() -> Any:
        return tf.keras.optimizers.Adam(0.1, amsgrad=True, clipnorm=1.5)

    want = _uncached(monkeypatch, make)
    assert executable_cache.stats["misses"] == 0
    first = _train(make())  # compiled, saved
    saved = executable_cache.stats["misses"]
    assert saved >= 1 and executable_cache.stats["hits"] == 0 and len(list(cache.iterdir())) == saved
    opt = make()
    second = _train(opt)  # a fresh optimizer: its update loaded from the file, as a new process does
    assert executable_cache.stats["hits"] == saved and executable_cache.stats["misses"] == saved
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(second, want)
    (plan,) = opt._plans.values()
    assert plan.exes and all(isinstance(e, jax.stages.Compiled) for e in plan.exes.values())
    # The loaded update still donates: the new weight is written into the old one's buffer.
    w = tf.Variable(np.linspace(-1, 1, 4, dtype=np.float32))
    g = tf.constant(np.ones(4, np.float32))
    opt.apply_gradients([(g, w)])
    before = w._value.unsafe_buffer_pointer()
    opt.apply_gradients([(g, w)])
    assert w._value.unsafe_buffer_pointer() == before
    assert isinstance(opt._plans[(w._uid,)].exes[(0, 2)], jax.stages.Compiled)


def test_a_gradient_of_another_dtype_falls_back_to_the_jitted_update(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make() -> Any:
        return tf.keras.optimizers.SGD(0.1, momentum=0.5)

    grads = (np.float32, np.float64, np.float32)  # (Keras casts a float64 gradient to the Variable's dtype)
    want = _uncached(monkeypatch, make, grads)
    opt = make()
    np.testing.assert_array_equal(_train(opt, grads), want)
    (plan,) = opt._plans.values()
    assert list(plan.exes.values()) == [False]  # (the loaded executable refused the float64 gradient)


class _MySGD(tf.keras.optimizers.SGD):
    """A subclass defined outside tapejax: its code is not in the key, so its update is never saved."""


def _key(opt: Any, wd_mask: tuple[bool, ...] = (False,), mode: str = "variable") -> Any:
    return opt._program_key(wd_mask, mode)


def test_the_key_changes_with_everything_the_update_reads() -> None:
    adam = _key(tf.keras.optimizers.Adam())
    assert adam == _key(tf.keras.optimizers.Adam())  # (Variables and slots are arguments, not key)
    assert executable_cache.fingerprint(adam, []) is not None  # a stable description
    for other in (
        tf.keras.optimizers.Adam(beta_1=0.8),
        tf.keras.optimizers.Adam(epsilon=1e-6),
        tf.keras.optimizers.Adam(clipvalue=1.0),
        tf.keras.optimizers.Adam(use_ema=True),
        tf.keras.optimizers.Adam(weight_decay=0.1),
        tf.keras.optimizers.Adamax(),
    ):
        assert _key(other) != adam
    opt = tf.keras.optimizers.Adam()
    opt.beta_2 = 0.9  # (changing a hyperparameter drops the compiled updates: a new key)
    assert _key(opt) != adam
    assert _key(tf.keras.optimizers.Adam(), (True,)) != adam
    assert _key(tf.keras.optimizers.Adam(), mode="host") != adam


def test_a_schedule_traced_into_the_update_is_keyed_by_its_class_and_settings() -> None:
    decay = tf.keras.optimizers.schedules.ExponentialDecay

    def key(schedule: Any) -> Any:
        return _key(tf.keras.optimizers.SGD(schedule), mode="schedule")

    s = decay(0.1, 2, 0.5)
    first = key(s)
    s(0)  # (its own compiled function, made on a call, is not part of the key)
    assert key(s) == first == key(decay(0.1, 2, 0.5))
    assert key(decay(0.1, 2, 0.25)) != first
    assert key(decay(0.1, 2, 0.5, staircase=True)) != first
    assert key(tf.keras.optimizers.schedules.InverseTimeDecay(0.1, 2, 0.5)) != first


def test_updates_that_cannot_be_keyed_are_not_cached() -> None:
    assert _key(_MySGD()) is None
    opt = tf.keras.optimizers.SGD()
    opt.helper = object()  # an attribute without a stable description: not cached
    assert executable_cache.fingerprint(_key(opt), []) is None


def test_the_invertibility_check_is_loaded_from_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapejax._src.ops import linalg_ops

    monkeypatch.setattr(linalg_ops, "_CHECK_RUNS", {})
    a = np.array([[2.0, 1.0], [1.0, 3.0]], np.float32)
    np.testing.assert_allclose(tf.linalg.inv(tf.constant(a)).numpy(), np.linalg.inv(a), rtol=1e-6)
    saved = executable_cache.stats["misses"]
    assert saved >= 1 and executable_cache.stats["hits"] == 0
    monkeypatch.setattr(linalg_ops, "_CHECK_RUNS", {})  # as a new process: the check's program from the file
    np.testing.assert_allclose(tf.linalg.inv(tf.constant(a)).numpy(), np.linalg.inv(a), rtol=1e-6)
    # (the check's program: inv's own queue program is still in this process's queue cache)
    assert executable_cache.stats["hits"] == 1 and executable_cache.stats["misses"] == saved
    assert all(isinstance(e, jax.stages.Compiled) for e in linalg_ops._CHECK_RUNS.values())
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))  # (the loaded check, same aval)
