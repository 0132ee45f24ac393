"""Deferred execution (tapejax/_src/lazy.py): ops are queued and run as one compiled program."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import backward, lazy
from tapejax._src.lazy import Pending

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def programs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Records (nodes, outputs) of every queue run (lazy._call), compiled or op by op."""
    calls: list[tuple[int, int]] = []
    orig = lazy._call

    def spy(key, leaves, roots):
        calls.append((len(key[0]), len(roots)))
        return orig(key, leaves, roots)

    monkeypatch.setattr(lazy, "_call", spy)
    lazy.flush()
    calls.clear()
    return calls


def _tutorial_steps(n: int) -> tuple[tf.Variable, tf.Variable, list[float]]:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal(n).astype(np.float32)
    x_data = tf.constant(xs)
    y_data = tf.constant(3 * xs + 1)
    w = tf.Variable(-1.0)
    b = tf.Variable(-1.0)
    losses = []
    for x, y in zip(x_data, y_data):  # noqa: B905 - the tutorial's code
        with tf.GradientTape() as tape:
            predictions = x * w + b
            loss = tf.pow((predictions - y), 2)
        gradients = tape.gradient(loss, [w, b])
        losses.append(float(loss))
        w = tf.Variable(w - 0.01 * gradients[0])
        b = tf.Variable(b - 0.01 * gradients[1])
    return w, b, losses


def test_ops_are_deferred_until_a_value_is_needed() -> None:
    x = tf.constant([1.0, 2.0])
    y = x * 3.0 + 1.0
    assert type(y._v) is Pending
    assert y.shape == (2,) and y.dtype == tf.float32  # known without computing
    assert type(y._v) is Pending
    np.testing.assert_array_equal(y.numpy(), [4.0, 7.0])
    assert type(y._v) is not Pending


def test_training_step_is_one_program_call(programs: list[tuple[int, int]]) -> None:
    """The tutorial step (forward, gradient, Variable update) runs as ONE XLA program per step."""
    _tutorial_steps(3)
    programs.clear()
    _tutorial_steps(20)
    # 20 steps, one program each: the previous update, the forward and the pullback together.
    assert len(programs) == 20
    # Every output is a value something still holds: w, b, predictions, loss (gradients: extra).
    assert max(outs for _, outs in programs) <= 4


def test_a_loops_first_steps_compile_at_once_while_its_tape_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop's first queue runs are new structures (the data, a step with no update yet, then one)
    while its tape repeats: they are compiled at once, not run op by op (which compiles a kernel per
    op first: the tutorial's first loop took twice as long)."""
    lazy.flush()
    for module, cache in ((backward, "_PULLBACKS"), (backward, "_BY_SIGNATURE"), (lazy, "_PROGRAMS")):
        monkeypatch.setattr(module, cache, OrderedDict())  # structures new to this test, whatever ran before
    monkeypatch.setattr(lazy, "_SEEN", set())
    compiled: list[bool] = []  # per queue run: its program compiled (not run op by op)
    orig = lazy._call
    monkeypatch.setattr(
        lazy, "_call", lambda key, leaves, roots: (orig(key, leaves, roots), compiled.append(key in lazy._PROGRAMS))[0]
    )
    x_data = tf.constant(np.linspace(-1.0, 1.0, 6, dtype=np.float32))
    y_data = 3 * x_data + 1
    w, b = tf.Variable(-1.0), tf.Variable(-1.0)
    for x, y in zip(x_data, y_data):  # noqa: B905 - the tutorial's code
        with tf.GradientTape() as tape:
            loss = tf.pow(x * w + b - y, 2)
        g = tape.gradient(loss, [w, b])
        w.numpy(), b.numpy()
        w, b = tf.Variable(w - 0.01 * g[0]), tf.Variable(b - 0.01 * g[1])
    assert sum(lazy._recent.runs) >= lazy.DYNAMIC_AT  # new queue structures, as many as in a dynamic loop
    assert not lazy.tape_structures.dynamic
    assert len(compiled) == 7 and all(compiled)  # the data, then one run per step


def test_deferred_results_match_eager_mode() -> None:
    w, b, losses = _tutorial_steps(50)
    previous = lazy.set_enabled(False)
    try:
        assert not lazy.ENABLED
        w_e, b_e, losses_e = _tutorial_steps(50)
        assert type((tf.constant(1.0) * 2.0)._v) is not Pending
    finally:
        lazy.set_enabled(previous)
    # Equal up to rounding: XLA fuses the step (a loss near 0 is a difference of close numbers).
    np.testing.assert_allclose(losses, losses_e, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose([w.numpy(), b.numpy()], [w_e.numpy(), b_e.numpy()], rtol=1e-5)


def test_shape_errors_raise_at_the_call_not_later() -> None:
    v = tf.Variable([1.0, 2.0])
    a = v * 2.0  # pending
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"AddV2.*float32\[2\].*float32\[3\]"):
        a + tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="different dtypes"):
        a + tf.constant([1, 2])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(a.numpy(), [2.0, 4.0])


def test_queue_is_bounded() -> None:
    x = tf.constant(1.0)
    for _ in range(3 * lazy.MAX_QUEUE + 5):
        x = x + 1.0
        assert len(lazy._queue.batch.nodes) <= lazy.MAX_QUEUE
    assert float(x) == 3 * lazy.MAX_QUEUE + 6


def test_only_values_still_held_are_outputs(programs: list[tuple[int, int]]) -> None:
    x = tf.constant(2.0)
    a = x * 3.0
    b = a + 1.0
    c = b * b
    del a, b
    gc.collect()
    assert float(c) == 49.0
    assert programs == [(3, 1)]  # three nodes, one output: c


def test_value_kept_only_by_a_persistent_tape_is_recomputed() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = tf.sin(y)
    del y
    g1 = tape.gradient(z, x)
    lazy.flush()
    g2 = tape.gradient(z, x)
    expected = np.cos(9.0) * 6.0
    np.testing.assert_allclose([float(g1), float(g2)], [expected, expected], rtol=1e-5)


def test_residual_of_an_earlier_batch_nothing_holds_is_recomputed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-watched Variable's pending value, recorded raw by the tape, outlives its Variable."""
    evaluated = []
    evaluate = lazy.evaluate
    monkeypatch.setattr(lazy, "evaluate", lambda roots: (evaluated.append(len(roots)), evaluate(roots))[1])
    x = tf.constant(3.0)
    v = tf.Variable(tf.constant(2.0) * 1.5, trainable=False)  # holds a pending 3.0
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.sin(x * v)
    del v
    gc.collect()
    lazy.flush()  # runs the batch; nothing holds the Variable's value any more, so it is not computed
    g = tape.gradient(y, x)
    assert evaluated == [1]  # computed on its own, from its node
    np.testing.assert_allclose(float(g), 3.0 * np.cos(9.0), rtol=1e-5)


def test_pending_value_used_inside_a_function_trace() -> None:
    c = tf.constant(2.0) * 3.0  # pending when the trace reads it

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return x * c + tf.constant(1.0) * 2.0

    assert float(f(tf.constant(1.0))) == 8.0
    assert float(f(tf.constant(2.0))) == 14.0
    assert not isinstance(c._value, jax.core.Tracer)
    assert float(c) == 6.0


def test_pending_value_read_from_another_thread() -> None:
    made: list[tf.Tensor] = []
    t = threading.Thread(target=lambda: made.append(tf.constant(4.0) * 5.0))
    t.start()
    t.join()
    assert type(made[0]._v) is Pending
    assert float(made[0] + 1.0) == 21.0


def test_variable_holds_a_pending_value_until_read() -> None:
    x = tf.constant([1.0, 2.0])
    v = tf.Variable(x * 2.0)
    assert type(v._v) is Pending
    assert v.shape == (2,) and v.dtype == tf.float32
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(v.numpy(), [3.0, 5.0])


def test_gradient_inside_jax_jit_leaks_no_tracer_into_queued_values() -> None:
    """Regression: gradient() under a JAX trace must not fuse the queue with traced residuals."""
    w = tf.constant([1.0, 2.0])
    other = tf.constant([5.0]) * 2.0  # pending, made outside the trace

    @jax.jit
    def h(xa: jax.Array) -> jax.Array:
        x = tf.convert_to_tensor(xa)
        with tf.GradientTape() as t:
            t.watch(w)
            z = tf.reduce_sum(w * x)
            z2 = tf.reduce_sum(tf.cos(w) * 3.0)  # concrete inputs: queued inside the trace
        return t.gradient([z, z2], w)._value

    np.testing.assert_allclose(h(jax.numpy.ones(2, jax.numpy.float32)), 1.0 - 3.0 * np.sin([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_array_equal(other.numpy(), [10.0])


def test_threads_reading_values_another_thread_is_computing() -> None:
    """Regression: a value read by one thread while its own thread runs the queue (no lock: KeyError)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    base = tf.constant(np.ones(20_000, np.float32))
    errs: list[str] = []
    box: list[tf.Tensor] = [base]
    bar = threading.Barrier(3)
    n = 60

    def owner() -> None:
        for i in range(n):
            y = base * float(i) + 1.0
            box[0] = y
            bar.wait()
            y.numpy()
            bar.wait()

    def reader() -> None:
        for i in range(n):
            bar.wait()
            try:
                np.testing.assert_array_equal((box[0] * 2.0).numpy()[:2], [2.0 * i + 2.0] * 2)
            except Exception as e:  # collected and reported below
                errs.append(f"{type(e).__name__}: {e}")
            bar.wait()

    threads = [threading.Thread(target=owner), threading.Thread(target=reader), threading.Thread(target=reader)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errs == []


def test_inputs_the_caller_dropped_are_not_kept_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the queue holds its input arrays; a byte limit runs it before they pile up."""
    monkeypatch.setattr(lazy, "MAX_QUEUE_BYTES", 4 * 2**20)
    lazy.flush()
    gc.collect()
    before = sum(a.nbytes for a in jax.live_arrays())
    res = []
    for i in range(40):
        x = tf.constant(np.full((2**18,), i, np.float32))  # 1 MB, dropped on the next iteration
        res.append(tf.reduce_mean(x))  # kept, not read
    del x
    gc.collect()
    held = sum(a.nbytes for a in jax.live_arrays()) - before
    assert held <= 6 * 2**20  # the limit plus one array, not 40 MB
    assert [float(r) for r in res] == list(range(40))
    gc.collect()
    assert sum(a.nbytes for a in jax.live_arrays()) - before < 2**20


def test_compiled_programs_are_bounded_and_least_recently_used_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lazy, "_MAX_PROGRAMS", 8)
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    monkeypatch.setattr(lazy, "DYNAMIC_AT", lazy.RECENT + 1)  # every new structure compiles at once
    x = tf.constant(1.0)

    def chain(n: int) -> float:
        y = x
        for _ in range(n):
            y = y * 1.5
        return float(y)

    hot = chain(1)
    for n in range(2, 14):  # 12 more structures
        assert chain(n) == 1.5**n
        assert chain(1) == hot  # used again every time: stays cached
        assert len(lazy._PROGRAMS) <= 8
    keys = list(lazy._PROGRAMS)
    assert any(len(k[0]) == 1 for k in keys)  # the hot one-node program survived
    assert not any(len(k[0]) in (2, 3, 4) for k in keys)  # the oldest cold ones were dropped


def test_integer_division_by_zero_still_raises_at_the_call() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        tf.constant([4, 2]) // tf.constant([1, 0])


def test_tape_suite_passes_with_deferral_off() -> None:
    """TAPEJAX_DEFER=0 dispatches every op at its call; the tape tests hold in that mode too."""
    env = {**os.environ, "TAPEJAX_DEFER": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/test_tape.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout


def _spy_runs(monkeypatch: pytest.MonkeyPatch, recent: list[bool]) -> list[object]:
    """Keys of every queue run from now on; the record of recent runs (``lazy._recent``) set to ``recent``."""
    lazy.flush()
    monkeypatch.setattr(lazy, "_recent", lazy.Recent(recent))
    keys: list[object] = []
    orig = lazy._call
    monkeypatch.setattr(lazy, "_call", lambda key, leaves, roots: (keys.append(key), orig(key, leaves, roots))[1])
    return keys


def test_a_new_structure_is_compiled_on_its_first_run_when_structures_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _spy_runs(monkeypatch, [False] * lazy.RECENT)  # a loop repeating its structure
    x = tf.constant([1.0, 2.0])
    for _ in range(2):
        np.testing.assert_allclose((tf.sin(x) * 7.25 + 0.125).numpy(), np.sin([1.0, 2.0]) * 7.25 + 0.125, rtol=1e-6)
        assert keys[-1] in lazy._PROGRAMS
    assert len(set(keys)) == 1


def test_while_new_structures_keep_coming_a_new_one_runs_op_by_op_until_it_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Data-dependent Python control flow: a new structure every step. After DYNAMIC_AT new ones, a new
    structure costs a cached kernel call per op instead of a compile; one that comes back compiles."""
    keys = _spy_runs(monkeypatch, [False] * lazy.RECENT)
    compiled = []
    for n in (1, 2, 3, 4, 5, 6, 7, 4, 4):
        y = tf.constant(0.25)
        total = 0.25
        for _ in range(n):
            y = y * 1.5 - 0.125
            total = total * 1.5 - 0.125
        assert float(y) == pytest.approx(total, rel=1e-6)
        compiled.append(keys[-1] in lazy._PROGRAMS)
    assert lazy.DYNAMIC_AT == 3
    assert compiled == [True, True, False, False, False, False, False, True, True]


def test_the_record_of_recent_runs_counts_new_structures_among_the_last_RECENT() -> None:
    rng = np.random.default_rng(0)
    record, runs = lazy.Recent(), []
    for new in rng.random(200) < 0.35:
        record.append(bool(new))
        runs.append(bool(new))
        assert record.new == sum(runs[-lazy.RECENT :])
        assert record.dynamic == (record.new >= lazy.DYNAMIC_AT)
    assert lazy.Recent([True] * 2).dynamic is False and lazy.Recent([True, False] * 3).dynamic is True


def test_jaxs_persistent_compilation_cache_keeps_a_tape_loops_programs_between_runs(tmp_path: Path) -> None:
    """The README's tip: with JAX's persistent compilation cache on, a second run of the same
    script compiles nothing new (tapejax's programs are the same XLA programs from run to run)."""
    script = (
        "import tapejax as tf\n"
        "w = tf.Variable(-1.0)\n"
        "for x in tf.constant([1.0, 2.0, 3.0, 4.0]):\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.pow(x * w - 2.0, 2)\n"
        "    w = tf.Variable(w - 0.01 * tape.gradient(loss, w))\n"
        "print(float(w))\n"
    )
    cache = tmp_path / "cache"
    env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": str(cache), "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
    outputs, entries = [], []
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        outputs.append(proc.stdout)
        entries.append(sorted(p.name for p in cache.iterdir()))
    assert entries[0] and entries[1] == entries[0]  # the second run found every program there
    assert outputs[1] == outputs[0]


def test_after_a_dynamic_phase_recorded_ops_are_queued_again_without_any_gradient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ops a tape records run at the call while tape structures keep changing; a program that then
    records without taking gradients (the record is only kept by gradients) returns to queueing them
    after OPS_PER_RUN ops per known run, as many as push the new ones out of the record."""
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent([True] * lazy.RECENT))
    monkeypatch.setattr(lazy, "_ops_at_call", 0)
    x = tf.constant(2.0)
    queued = []
    for _ in range(lazy.OPS_PER_RUN * lazy.RECENT):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * 3.0
        queued.append(type(y._v) is Pending)
    back_at = lazy.OPS_PER_RUN * (lazy.RECENT - lazy.DYNAMIC_AT + 1)  # when fewer than DYNAMIC_AT are new
    assert not any(queued[:back_at]) and all(queued[back_at:])
    assert float(y) == 6.0


def test_an_error_xla_raises_while_running_the_queue_gets_tf_class(monkeypatch):
    # Out of memory: TF raises ResourceExhaustedError (at the op; tapejax when the queue runs). A real
    # out-of-memory allocation could take the machine down where memory is overcommitted: simulated.
    def failing_program(*args, **kwargs):
        def run(leaves):
            raise jax.errors.JaxRuntimeError("RESOURCE_EXHAUSTED: Out of memory allocating 400000000000000 bytes.")

        return run

    w = tf.ones([2]) + 1.0
    monkeypatch.setattr(lazy, "_PROGRAMS", OrderedDict())
    monkeypatch.setattr(lazy, "_program", failing_program)
    with pytest.raises(tf.errors.ResourceExhaustedError, match="RESOURCE_EXHAUSTED"):
        w.numpy()
    monkeypatch.undo()
    np.testing.assert_array_equal(w.numpy(), [2.0, 2.0])  # the queue recovers: w alone runs
