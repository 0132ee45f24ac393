"""Cold start, issue 18 part 2: kernels run at the call saved on disk, and a short loop's last read.

``executable_cache.Kernel``: the ops that always run at the call (a pullback on computed inputs,
``unstack``) get their executables from the executable cache, so a later process neither traces nor
lowers them. ``lazy._by_op``: a new structure met while structures keep changing runs op by op only
where its kernels are reused; a short loop's final read (its last update's ops, seen only inside
the loop's compiled programs) compiles as one program instead of a kernel per op.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache, lazy
from tapejax._src.ops import array_ops


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The executable cache on in ``tmp_path`` (JAX's own stays off), its counters at zero."""
    monkeypatch.setattr(compile_cache, "cache_dir", str(tmp_path))
    monkeypatch.delenv(executable_cache.ENABLE_ENV, raising=False)
    monkeypatch.setattr(executable_cache, "stats", dict.fromkeys(executable_cache.stats, 0))
    executable_cache.reset()
    yield tmp_path / executable_cache.SUBDIR
    executable_cache.reset()


def _unstack_kernel() -> executable_cache.Kernel:
    """A new ``Kernel`` of ``unstack`` (as a new process makes it: nothing loaded yet)."""
    op, params = array_ops._unstack, (("num", 3), ("axis", 0))
    fn = functools.partial(op.impl, **dict(params))
    return executable_cache.Kernel(fn, jax.jit(fn), ("kernel", op, params))


def test_a_kernel_run_at_the_call_is_saved_then_loaded_with_the_same_values(cache: Path) -> None:
    x = jax.device_put(np.arange(6, dtype=np.float32).reshape(3, 2) / 7)
    start = jax.device_put(np.int32(0))
    first = _unstack_kernel()(x, start)
    assert executable_cache.stats["misses"] == 1 and len(list(cache.iterdir())) == 1
    second = _unstack_kernel()(x, start)  # a later process: loaded, not traced
    assert executable_cache.stats["hits"] == 1
    plain = np.asarray(x)  # (unstack's rows: exact copies)
    for a, b, c in zip(first, second, plain, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)
    # Other shapes: another executable; tracers and host values take the jitted kernel.
    kernel = _unstack_kernel()
    kernel(jax.device_put(np.ones((4, 2), np.float32)), start)
    assert executable_cache.stats["misses"] == 2
    traced = jax.jit(lambda v: kernel(v, start)[2])(x)
    np.testing.assert_array_equal(traced, plain[2])
    np.testing.assert_array_equal(kernel(np.asarray(x), start)[1], plain[1])
    assert executable_cache.stats["misses"] == 2  # (neither compiled through the cache)


def test_a_persistent_tapes_second_gradient_runs_a_saved_kernel(cache: Path) -> None:
    x = tf.constant([0.5, -1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x * 3.0)
        z = tf.reduce_sum(tf.exp(x) * 0.25)
    gy = tape.gradient(y, x)  # with the queue: one program
    saved = executable_cache.stats["misses"]
    gz = tape.gradient(z, x)  # its inputs computed: the pullback's kernel at the call
    assert executable_cache.stats["misses"] == saved + 1
    np.testing.assert_allclose(gy.numpy(), 6 * x.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gz.numpy(), np.exp(x.numpy()) * 0.25, rtol=1e-6)


@pytest.fixture
def fresh_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """No kernel run op by op yet, no program cached (what ``lazy._by_op`` reads)."""
    if not lazy.ENABLED:
        pytest.skip("deferred execution is off (TAPEJAX_DEFER=0): no queue structures")
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    monkeypatch.setattr(lazy, "_SEEN", set())
    monkeypatch.setattr(lazy, "_KERNELS_RAN", set())
    monkeypatch.setattr(lazy, "_CHANGING_OPS", set())


@pytest.mark.usefixtures("fresh_kernels")
def test_a_short_loops_final_read_runs_as_one_program() -> None:
    # The cold set's linear regression: two new structures (no update queued, then one), three
    # repeats, then the final read of the last update's ops: new, while 3 of the last runs were new.
    xs = tf.constant(np.linspace(-1, 1, 11, dtype=np.float32))
    ys = 3 * xs + 1
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((xs * w + b - ys) ** 2)
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.2 * dw)
        b.assign_sub(0.2 * db)
    programs = len(lazy._PROGRAMS)
    got = [w.numpy(), b.numpy()]
    assert lazy._recent.dynamic  # (the case: structures counted as changing)
    assert len(lazy._PROGRAMS) == programs + 1 and lazy._queue.last is not None  # one program, not op by op
    x, y, wn, bn = xs.numpy().astype(np.float64), ys.numpy().astype(np.float64), 0.0, 0.0
    for _ in range(5):
        r = x * wn + bn - y
        wn, bn = wn - 0.2 * np.mean(2 * r * x), bn - 0.2 * np.mean(2 * r)
    np.testing.assert_allclose(got, [wn, bn], rtol=1e-5)


@pytest.mark.usefixtures("fresh_kernels")
def test_a_new_structure_runs_op_by_op_where_its_kernels_are_reused() -> None:
    # (a wiring's entries are (op, params, refs); any hashable op stands in here)
    wiring = (("Sin", (), (0,)), ("Cos", (), (0,)))
    assert not lazy._by_op(wiring)  # two ops lacking kernels, in no changing structure: one program
    assert lazy._by_op(wiring[:1])  # one lacking: op by op (one kernel compile, as the program's)
    assert lazy._by_op(wiring)  # Sin's kernel ran: Cos alone lacks one
    other = (("Exp", (), (0,)), ("Tanh", (), (0,)))
    lazy._note_changing(other[:1])  # compiled while structures kept changing: its ops recur
    assert lazy._by_op(other)
    assert lazy._by_op((("Exp", (("axis", 1),), (0,)), ("Abs", (), (0,)))) is False  # other params


def test_a_saved_program_is_named_after_its_key(cache: Path) -> None:
    # JAX's persistent cache keys the module with its name: a program compiled for a new key here
    # (after an upgrade or edit of tapejax) is compiled afresh and saved, never served by JAX's cache
    # under the old key (an executable it serves cannot be saved: see executable_cache._compiled).
    x = [np.arange(3, dtype=np.float32)]

    def fn(leaves: list) -> tuple:
        return [leaves[0] * 2.0], None

    exe = executable_cache.compiled(fn, (("named", 1),), x)
    (path,) = cache.iterdir()
    assert f"tapejax_{path.name[:24]}" in exe.as_text()
    np.testing.assert_array_equal(exe(x)[0][0], x[0] * 2.0)
