"""Step replay's per-op path (``core.bind``'s ``_replay``, ``lazy.Program.plan``).

A batch that repeats a compiled program queues each op from the program's plan (no avals tuple,
lookup or signature built). These tests pin that the path is taken, and that every way a step can
leave the plan gives what the general path gives: values compared with deferred execution off
(TF's op-by-op eager execution) and with replay off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import core, lazy

MODES = {"replay": (True, True), "no replay": (True, False), "eager": (False, True)}


def _in_mode(mode: str, fn: Callable[[], Any]) -> Any:
    defer, replay = MODES[mode]
    previous_defer = lazy.set_enabled(defer)
    previous_replay = lazy.set_replay(replay)
    try:
        return fn()
    finally:
        lazy.set_replay(previous_replay)
        lazy.set_enabled(previous_defer)


def _check_modes(fn: Callable[[], list[Any]], modes: tuple[str, ...] = ("no replay", "eager")) -> list[Any]:
    """Runs ``fn`` with replay and in ``modes``; the results (numpy values) must agree."""
    results = {mode: _in_mode(mode, fn) for mode in ("replay", *modes)}
    for mode in modes:
        assert len(results[mode]) == len(results["replay"]), mode
        for a, b in zip(results["replay"], results[mode], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=mode)
            assert np.asarray(a).dtype == np.asarray(b).dtype
    return results["replay"]


@pytest.fixture
def replayed(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per op ``bind`` offers to the replay path: whether it was queued there."""
    log: list[bool] = []
    orig = core._replay

    def spy(*args: Any) -> Any:
        out = orig(*args)
        log.append(out is not None)
        return out

    monkeypatch.setattr(core, "_replay", spy)
    lazy.flush()
    # (earlier tests' new structures may have left the queue running new ones op by op)
    monkeypatch.setattr(lazy, "_recent", lazy.Recent())
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent())
    return log


X = np.random.default_rng(0).standard_normal(38).astype(np.float32)


def _tutorial(hook: Callable[[int, int, Any], Any] = lambda step, pos, h: h, lr: Any = 0.01) -> list[Any]:
    """The tutorial's loop; ``hook(step, position, value)`` runs before the op at each position of
    the step's program (0-3: the previous step's updates, 4-7: the forward ops) and returns the
    value that op takes."""
    x_data = tf.constant(X)
    y_data = 3 * x_data + 1
    w, b = tf.Variable(-1.0), tf.Variable(-1.0)
    out = []
    for i, (x, y) in enumerate(zip(x_data, y_data)):  # noqa: B905 - the tutorial's code
        with tf.GradientTape() as tape:
            predictions = hook(i, 6, hook(i, 5, hook(i, 4, x) * w) + b)
            loss = tf.pow(hook(i, 7, predictions - y), 2)
        gradients = tape.gradient(loss, [w, b])
        out += [w.numpy(), b.numpy()]
        rate = lr(i) if callable(lr) else lr
        w = tf.Variable(w - hook(i + 1, 1, rate * hook(i + 1, 0, gradients[0])))
        b = tf.Variable(b - hook(i + 1, 3, rate * hook(i + 1, 2, gradients[1])))
    return [*out, w.numpy(), b.numpy(), loss.numpy()]


def test_repeated_step_queues_every_op_from_the_plan(replayed: list[bool]) -> None:
    _tutorial()
    # The first steps compile and plan the program; then every op of every step replays.
    assert replayed[-8 * 6 :] == [True] * (8 * 6)
    replayed.clear()
    _in_mode("no replay", _tutorial)
    assert replayed == []  # (replay off: never offered)


def _deviates(step: int) -> int | None:
    """The position whose op is preceded by another op at ``step``: every fourth step from step 4
    (the plain steps between bring the replayed program back; new structures stay too rare for the
    queue to take the loop for a dynamic one, which runs them op by op)."""
    return (step - 4) // 4 if step >= 4 and step % 4 == 0 else None


def test_deviation_at_every_position_of_the_tutorial_step(replayed: list[bool]) -> None:
    """At step 4 + 4p another op comes before the op at position p: values as eager; the step's
    ops before it were replayed, and the plain steps after replay again."""
    starts: dict[int, int] = {}  # step -> where its program's ops start in ``replayed``

    def hook(step: int, pos: int, h: Any) -> Any:
        if pos == 0:
            starts[step] = len(replayed)
        return h / 1.0 if _deviates(step) == pos else h

    got = _check_modes(lambda: _tutorial(hook), ("eager",))
    assert len(got) == 2 * len(X) + 3
    replayed.clear()
    _tutorial(hook)
    for p in range(8):
        first = starts[4 + 4 * p]
        assert replayed[first : first + p + 1] == [True] * p + [False], p  # (the op before p's: not the plan's)
    assert replayed[-8 * 2 :] == [True] * 8 * 2


def test_python_scalars_of_changing_value_and_type(replayed: list[bool]) -> None:
    """A learning-rate schedule: a new scalar value each step is a new leaf of the same program."""
    _check_modes(lambda: _tutorial(lr=lambda i: 0.02 * 0.9**i))
    _check_modes(lambda: _tutorial(lr=lambda i: 0.01 if i % 3 else 1))  # an int among the floats
    replayed.clear()
    _tutorial(lr=lambda i: 0.03 * 0.8**i)
    assert replayed[-8 * 4 :] == [True] * 8 * 4


def test_python_scalar_that_tf_refuses_raises_as_without_replay() -> None:
    """A float where the plan had an int, for an integer op: TF's TypeError, from bind's general path."""

    def run() -> list[Any]:
        out = []
        for i in range(6):
            try:
                out.append((tf.constant([1, 2]) * (0.5 if i == 4 else 3)).numpy())
            except TypeError as e:
                assert "cannot convert 0.5" in str(e)
                out.append(np.array([-1, -1], np.int32))
        return out

    got = _check_modes(run)
    assert got[4].tolist() == [-1, -1]


def test_all_python_scalar_call_keeps_tf_defaults(replayed: list[bool]) -> None:
    """An op whose arguments are all Python scalars converts them with TF's defaults (int32), not
    with the dtype the plan's Tensor argument had at that position (int64)."""

    def run() -> list[Any]:
        return [tf.math.add(4 if i == 5 else tf.constant(3, tf.int64), 4).numpy() for i in range(6)]

    got = _check_modes(run)
    assert [g.dtype for g in got] == [np.int64] * 5 + [np.int32]
    replayed.clear()
    run()
    assert replayed[-2:] == [True, False]


def test_mlp_step_with_a_deviation_at_every_position(replayed: list[bool]) -> None:
    """An MLP step whose program (the previous step's four update ops, then four forward ops) has
    another op before the op at position p at step 4 + 4p: values as eager; replayed as above."""
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4, 2))]
    x = tf.constant(rng.standard_normal((5, 3)).astype(np.float32))
    positions = 4 + 4
    starts: dict[int, int] = {}

    def run() -> list[Any]:
        variables = [tf.Variable(p) for p in init]
        grads: list[Any] = []
        out = []
        for step in range(4 + 4 * positions + 1):
            starts[step] = len(replayed)
            seen = iter(range(positions))

            def at(h: Any) -> Any:
                return h / 1.0 if next(seen) == _deviates(step) else h  # noqa: B023 - this step's

            if grads:  # (the previous step's updates, queued with this step's ops)
                variables = [tf.Variable(v - at(0.1 * at(g))) for v, g in zip(variables, grads, strict=True)]
            w1, w2 = variables
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(at(tf.matmul(at(tf.nn.relu(at(tf.matmul(at(x), w1)))), w2)))
            grads = tape.gradient(loss, variables)
            out.append(loss.numpy())
        return [*out, *[v.numpy() for v in variables]]

    _check_modes(run, ("eager",))
    replayed.clear()
    run()
    for p in range(positions):
        first = starts[4 + 4 * p]
        assert replayed[first : first + p + 1] == [True] * p + [False], p
    assert replayed[-positions * 2 :] == [True] * positions * 2


def test_exception_mid_step_leaves_variables_as_eager() -> None:
    def run() -> list[Any]:
        w = tf.Variable([1.0, 2.0])
        out = []
        for i in range(8):
            try:
                with tf.GradientTape() as tape:
                    h = w * 2.0
                    if i in (4, 6):
                        raise KeyError(i)
                    loss = tf.reduce_sum(h * h)
                w.assign_sub(0.01 * tape.gradient(loss, w))
            except KeyError:
                out.append(h.numpy())
            out.append(w.numpy())
        return out

    _check_modes(run)


def test_check_numerics_with_a_tape() -> None:
    """A step whose op fails the numerics check raises TF's error; the steps around it are as eager."""

    def run() -> list[Any]:
        w = tf.Variable([1.0, 2.0])
        out = []
        tf.debugging.enable_check_numerics()
        try:
            for i in range(7):
                try:
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_sum(w / tf.constant([0.0 if i == 5 else 1.0, 1.0]))
                    w.assign_sub(0.01 * tape.gradient(loss, w))
                except tf.errors.InvalidArgumentError:
                    out.append(-1.0)
                out.append(w.numpy())
        finally:
            tf.debugging.disable_check_numerics()
        return out

    got = _check_modes(run)
    assert sum(np.ndim(g) == 0 for g in got) == 1  # (step 5's error)


def test_nested_and_persistent_tapes() -> None:
    def run() -> list[Any]:
        w = tf.Variable(0.5)
        out = []
        for i in range(5):
            x = tf.constant(1.0 + i)
            with tf.GradientTape() as outer:
                with tf.GradientTape(persistent=True) as inner:
                    inner.watch(x)
                    y = x * x * w + tf.sin(w)
                dx = inner.gradient(y, x)
                dw = inner.gradient(y, w)
                z = dx * w
            out += [dx.numpy(), dw.numpy(), outer.gradient(z, w).numpy()]
            w.assign_sub(0.01 * dw)
        return [*out, w.numpy()]

    _check_modes(run)


def test_threads_each_replay_their_own_loop() -> None:
    def loop(seed: int, out: dict[int, Any]) -> None:
        xs = np.random.default_rng(seed).standard_normal(10).astype(np.float32)
        w = tf.Variable(float(seed))
        vals = []
        for x in xs:
            with tf.GradientTape() as tape:
                loss = tf.pow(float(x) * w - 1.0, 2)
            w = tf.Variable(w - 0.05 * tape.gradient(loss, w))
            vals.append(w.numpy())
        out[seed] = vals

    def run() -> list[Any]:
        out: dict[int, Any] = {}
        threads = [threading.Thread(target=loop, args=(s, out)) for s in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [v for s in range(3) for v in out[s]]

    _check_modes(run)


def test_a_full_queue_runs_and_the_next_one_replays(replayed: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """An op that finds the queue full runs it (as ``lazy.record`` does) and starts the next queue
    from its plan, instead of leaving the plan for that whole queue."""
    monkeypatch.setattr(lazy, "MAX_QUEUE", 8)
    a, b = tf.constant(1.5), tf.constant(2.0)

    def run() -> list[Any]:
        r = [tf.multiply(a, b) for _ in range(16)]
        return [t.numpy() for t in r[::5]]

    assert _check_modes(run) == [np.float32(3.0)] * 4
    for _ in range(3):
        run()
    replayed.clear()
    run()
    assert replayed == [True] * 16  # two full queues of 8, each from its plan
