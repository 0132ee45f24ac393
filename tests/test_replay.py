"""Step replay (tapejax/_src/lazy.py): a repeated step calls its compiled program without a key.

Every program here is checked three ways: with replay (the default), with replay off
(``set_replay(False)``: each run builds and looks up its key, the path before replay) and with
deferred execution off (``set_enabled(False)``: TF's eager op-by-op execution).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import core, lazy
from tapejax.keras import optimizers as keras_optimizers

MODES = {"replay": (True, True), "no replay": (True, False), "eager": (False, True)}


def _in_mode(mode: str, fn: Callable[[], Any]) -> Any:
    defer, replay = MODES[mode]
    lazy.flush()
    previous_defer = lazy.set_enabled(defer)
    previous_replay = lazy.set_replay(replay)
    try:
        return fn()
    finally:
        lazy.set_replay(previous_replay)
        lazy.set_enabled(previous_defer)


def _check_modes(fn: Callable[[], list[Any]], rtol: float = 1e-5) -> list[Any]:
    """Runs ``fn`` in every mode; its results (numpy values) must agree. Returns replay's."""
    results = {mode: _in_mode(mode, fn) for mode in MODES}
    for mode in ("no replay", "eager"):
        assert len(results[mode]) == len(results["replay"])
        for a, b in zip(results["replay"], results[mode], strict=True):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6, err_msg=mode)
            assert np.asarray(a).dtype == np.asarray(b).dtype
    return results["replay"]


@pytest.fixture
def hits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per queue run (``lazy._call``): whether step replay found its program."""
    log: list[bool] = []
    orig = lazy._call

    def spy(key: Any, leaves: Any, roots: Any) -> Any:
        log.append(lazy._queue.hit is not None)
        return orig(key, leaves, roots)

    monkeypatch.setattr(lazy, "_call", spy)
    lazy.flush()
    return log


def _tutorial(n: int, seed: int = 0) -> list[Any]:
    xs = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
    x_data = tf.constant(xs)
    y_data = 3 * x_data + 1
    w, b = tf.Variable(-1.0), tf.Variable(-1.0)
    out = []
    for x, y in zip(x_data, y_data):  # noqa: B905 - the tutorial's code
        with tf.GradientTape() as tape:
            predictions = x * w + b
            loss = tf.pow((predictions - y), 2)
        gradients = tape.gradient(loss, [w, b])
        out += [w.numpy(), b.numpy()]
        w = tf.Variable(w - 0.01 * gradients[0])
        b = tf.Variable(b - 0.01 * gradients[1])
    return [*out, w.numpy(), b.numpy(), loss.numpy()]


def test_tutorial_replays_and_matches_replay_off_and_eager(hits: list[bool]) -> None:
    _check_modes(lambda: _tutorial(12))
    hits.clear()
    _tutorial(12)
    assert len(hits) == 1 + 12 + 1  # the data, one run per step, the final values
    assert all(hits[3:-1])  # from the third step on, every step replays


def test_mlp_with_adam_matches(hits: list[bool]) -> None:
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s).astype(np.float32) for s in ((4, 8), (8,), (8, 3), (3,))]
    x = tf.constant(rng.standard_normal((5, 4)).astype(np.float32))
    labels = tf.constant(np.eye(3, dtype=np.float32)[[0, 1, 2, 1, 0]])

    def run() -> list[Any]:
        variables = [tf.Variable(p) for p in init]
        opt = keras_optimizers.Adam(learning_rate=0.01)
        losses = []
        for _ in range(8):
            w1, b1, w2, b2 = variables
            with tf.GradientTape() as tape:
                h = tf.nn.relu(tf.matmul(x, w1) + b1)
                logits = tf.matmul(h, w2) + b2
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            grads = tape.gradient(loss, variables)
            opt.apply_gradients(zip(grads, variables))  # noqa: B905 - the TF idiom
            losses.append(loss)
        return [*[v.numpy() for v in variables], *[t.numpy() for t in losses]]

    _check_modes(run)
    hits.clear()
    run()
    assert sum(hits) >= 5


def test_gan_like_two_tape_step_alternates_two_programs(hits: list[bool]) -> None:
    """Two tapes and two updates a step: the queue runs two structures in turn; both replay."""
    rng = np.random.default_rng(2)
    g0 = rng.standard_normal((2, 3)).astype(np.float32)
    d0 = rng.standard_normal((3, 1)).astype(np.float32)
    noise = tf.constant(rng.standard_normal((4, 2)).astype(np.float32))
    real = tf.constant(rng.standard_normal((4, 3)).astype(np.float32))

    def run() -> list[Any]:
        g, d = tf.Variable(g0), tf.Variable(d0)
        out = []
        for _ in range(8):
            with tf.GradientTape() as d_tape:
                fake = tf.matmul(noise, g)
                d_loss = tf.reduce_mean(tf.matmul(fake, d)) - tf.reduce_mean(tf.matmul(real, d))
            d.assign_sub(0.1 * d_tape.gradient(d_loss, d))
            with tf.GradientTape() as g_tape:
                g_loss = -tf.reduce_mean(tf.matmul(tf.matmul(noise, g), d))
            g.assign_sub(0.1 * g_tape.gradient(g_loss, g))
            out += [d_loss.numpy(), g_loss.numpy()]
        return [*out, g.numpy(), d.numpy()]

    _check_modes(run)
    hits.clear()
    run()
    # the last three steps: both of their runs replayed (the last run is the final reads': the last
    # assign_sub is queued, not run at the call)
    assert sum(hits[-7:-1]) == 6


# Each kind of deviation, at every position of the step (kind, position), each deviating step
# followed by two plain ones. (Not every pair: each new structure compiles, in each mode.)
_PAIRS = [("op", 0), ("shape", 1), ("param", 2), ("constant", 3), ("read", 0), ("dtype", 1), ("read", 3), ("op", 2)]
DEVIATIONS = {3 + 3 * i: pair for i, pair in enumerate(_PAIRS)}


def _deviating_loop(steps: int, marks: Callable[[], None] = lambda: None) -> list[Any]:
    """A four-op tape step; at step i of DEVIATIONS op ``position`` is changed by ``kind``."""
    w, b = tf.Variable(0.5), tf.Variable(-0.5)
    x, y = tf.constant(1.5), tf.constant(2.0)
    ops: list[Callable[[Any], Any]] = [lambda h: h * w, lambda h: h + b, lambda h: h - y, lambda h: tf.pow(h, 2)]
    other: list[Callable[[Any], Any]] = [lambda h: h / w, lambda h: h * b, lambda h: h + y, lambda h: tf.square(h)]
    out = []
    for i in range(steps):
        marks()
        kind, position = DEVIATIONS.get(i, ("", -1))
        with tf.GradientTape() as tape:
            h = x
            for k, f in enumerate(ops):
                if k != position:
                    h = f(h)
                elif kind == "op":  # another op at this position
                    h = other[k](h)
                elif kind == "shape":  # the op's input has another shape (a new op, then the op)
                    h = f(tf.broadcast_to(h, [2]))
                elif kind == "param":  # the same op with another param
                    h = tf.reduce_sum(f(h), keepdims=True) if k == 3 else f(tf.reshape(h, [1]))
                elif kind == "constant":  # a Python constant: another value, another dtype
                    h = f(h) * (2.0 if k % 2 else tf.constant(3, tf.float32))
                elif kind == "dtype":  # the op's input went through another dtype (new ops, then the op)
                    h = f(tf.cast(tf.cast(h, tf.float64), tf.float32))
                elif kind == "read":  # a value read in the middle of the step
                    h = f(h)
                    out.append(h.numpy())
                    out.append(float(w + b))
            loss = tf.reduce_sum(h)
        gw, gb = tape.gradient(loss, [w, b])
        out.append(loss.numpy())
        w = tf.Variable(w - 0.01 * gw)
        b = tf.Variable(b - 0.01 * gb)
    marks()
    return [*out, w.numpy(), b.numpy()]


def test_deviation_at_every_position_falls_back_and_replays_again(hits: list[bool]) -> None:
    steps = max(DEVIATIONS) + 3
    _check_modes(lambda: _deviating_loop(steps))
    starts: list[int] = []  # per step, where its runs start in ``hits``
    hits.clear()
    _deviating_loop(steps, lambda: starts.append(len(hits)))
    for i in DEVIATIONS:
        # The second plain step after a deviation replays (the first may not: a new predecessor).
        assert hits[starts[i + 2] : starts[i + 3]] == [True], (i, DEVIATIONS[i])


def test_same_wiring_with_new_shapes_or_dtypes_is_correct(hits: list[bool]) -> None:
    """Leaves of another shape or dtype keep the queue's wiring: the program runs on them (jit
    specialises it), never returns values of the old shapes."""

    def run() -> list[Any]:
        out = []
        for value in (
            [1.0, 2.0],
            [3.0, 4.0],
            [5.0, 6.0],
            [1.0, 2.0, 3.0],
            np.array([1.0], np.float64),
            np.array([2.0, 3.0], np.float64),
        ):
            a = tf.constant(value)
            r = a * a + a
            out.append(r.numpy())
        return out

    results = _check_modes(run)
    assert [r.shape for r in results] == [(2,), (2,), (2,), (3,), (1,), (2,)]
    assert results[-1].dtype == np.float64
    hits.clear()
    run()
    assert sum(hits) >= 3


def test_exception_mid_step_leaves_variables_as_eager(hits: list[bool]) -> None:
    def run() -> list[Any]:
        w = tf.Variable([1.0, 2.0])
        v = tf.Variable(3.0)
        out = []
        for i in range(8):
            with tf.GradientTape() as tape:
                h = w * v
                v.assign_add(1.0)
                if i == 4:
                    with pytest.raises(tf.errors.InvalidArgumentError, match="AddV2"):
                        h = h + tf.constant([1.0, 2.0, 3.0])
                loss = tf.reduce_sum(h * h)
            g = tape.gradient(loss, w)
            w = tf.Variable(w - 0.01 * g)
            out += [w.numpy(), v.numpy(), loss.numpy()]
        return out

    _check_modes(run)
    hits.clear()
    run()
    assert hits[-1]


def test_nested_persistent_and_unwatched_tapes_match(hits: list[bool]) -> None:
    def run() -> list[Any]:
        w = tf.Variable([0.5, -1.0])
        u = tf.Variable(2.0)
        out = []
        for _ in range(6):
            with tf.GradientTape() as outer:
                with tf.GradientTape(persistent=True) as inner:
                    y = tf.reduce_sum(tf.sin(w) * u)
                    z = y * y
                g = inner.gradient(y, w)
                g2 = inner.gradient(z, u)
                hv = tf.reduce_sum(g * g)
            h = outer.gradient(hv, w)
            with tf.GradientTape(watch_accessed_variables=False) as only_u:
                only_u.watch(u)
                q = w * u * u
            gq = only_u.gradient(q, [w, u])
            assert gq[0] is None
            w = tf.Variable(w - 0.1 * h)
            u.assign_sub(0.01 * (g2 + gq[1]))
            out += [g.numpy(), g2.numpy(), h.numpy(), gq[1].numpy(), w.numpy(), u.numpy()]
        return out

    _check_modes(run)
    hits.clear()
    run()
    assert sum(hits) >= 3


def test_two_threads_stepping_at_once_match_one_thread(hits: list[bool]) -> None:
    expected = [_in_mode("eager", lambda seed=seed: _tutorial(10, seed)) for seed in (3, 4)]
    results: dict[int, list[Any]] = {}
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            results[seed] = _tutorial(10, seed)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in (3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for seed, want in zip((3, 4), expected, strict=True):
        for a, b in zip(results[seed], want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sum(hits) >= 8  # each thread's queue replays its own previous program


def test_replay_off_switch() -> None:
    previous = lazy.set_replay(False)
    try:
        _tutorial(4)
        assert lazy._queue.batch.expect is None
    finally:
        lazy.set_replay(previous)
    _tutorial(4)
    assert lazy._queue.batch.expect is not None


def test_dropped_program_is_not_replayed(monkeypatch: pytest.MonkeyPatch, hits: list[bool]) -> None:
    monkeypatch.setattr(lazy, "_MAX_PROGRAMS", 2)
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    c = tf.constant(2.0)
    first = None
    for n in range(1, 5):  # four structures: each pushes an older one out of the cache
        for _ in range(3):
            r = c
            for _ in range(n):
                r = r * 1.5
            assert float(r) == pytest.approx(2.0 * 1.5**n)
        if first is None:
            first = lazy._queue.last
    assert len(lazy._PROGRAMS) <= 2
    assert all(p.cache is lazy._PROGRAMS for p in lazy._PROGRAMS.values())
    assert first is not None and first.cache is None and first.fn is None  # its executable is let go
    hits.clear()
    for _ in range(3):  # the first structure again: compiled anew, not replayed from the dropped one
        r = c * 1.5
        assert float(r) == pytest.approx(3.0)
    assert not hits[0] and hits[-1]
    assert lazy._queue.last is not first and lazy._queue.last.sigs == first.sigs


def test_no_memory_growth_over_100k_replayed_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    replayed = 0
    orig = lazy._call

    def count(key: Any, leaves: Any, roots: Any) -> Any:
        nonlocal replayed
        replayed += lazy._queue.hit is not None
        return orig(key, leaves, roots)

    monkeypatch.setattr(lazy, "_call", count)
    planned = 0  # ops queued by bind's per-op replay path (core._replay)
    orig_replay = core._replay

    def count_planned(*args: Any) -> Any:
        nonlocal planned
        out = orig_replay(*args)
        planned += out is not None
        return out

    monkeypatch.setattr(core, "_replay", count_planned)
    one = tf.constant(1.0)
    x = tf.constant(0.0)

    def steps(n: int) -> None:
        nonlocal x
        for _ in range(n):
            x = x + one  # the step: one op, run as one replayed program
            lazy.flush()

    steps(500)
    gc.collect()
    blocks = sys.getallocatedblocks()  # Python's allocated memory blocks: every object a step leaves
    replayed = planned = 0
    steps(100_000)  # a leak of one object per step leaves >= 100k blocks: 500x the bound below (~3 s)
    gc.collect()
    grown = sys.getallocatedblocks() - blocks
    assert replayed == planned == 100_000
    assert float(x) == 100_500.0
    assert grown < 200, grown  # (a few cache entries may come and go; a leak would be >= 100k)
