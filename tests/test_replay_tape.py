"""Step replay's tape and gradient half: ``Tape._record`` and ``GradientTape._repeated_gradient``.

A training step's ``gradient(loss, [variables])`` on a tape whose signature was seen before takes a
short form (the pullback's residual values read straight from the stored plan, the tape dropped,
one run with the queue). These tests pin that the short form is taken where it applies and never
where it does not, and that every way a step can leave it gives what the general path gives:
values compared bit for bit with replay off and with the general gradient path
(``_differentiate``), and with deferred execution off (op-by-op eager) up to fused rounding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import backward, lazy
from tapejax._src import tape as tape_lib

ORIGINAL = tape_lib.GradientTape._repeated_gradient


def _general(self: Any, target: Any, sources: Any) -> None:
    return None  # (every gradient through _differentiate)


# mode -> (deferred execution, replay, gradient short form)
MODES = {
    "replay": (True, True, True),
    "no replay": (True, False, True),
    "general": (True, True, False),
    "eager": (False, True, True),
}


def _in_mode(mode: str, fn: Callable[[], Any]) -> Any:
    defer, replay, short = MODES[mode]
    previous_defer = lazy.set_enabled(defer)
    previous_replay = lazy.set_replay(replay)
    current = tape_lib.GradientTape._repeated_gradient  # (the original, or a test's spy of it)
    if not short:
        tape_lib.GradientTape._repeated_gradient = _general  # type: ignore[method-assign]
    try:
        return fn()
    finally:
        tape_lib.GradientTape._repeated_gradient = current  # type: ignore[method-assign]
        lazy.set_replay(previous_replay)
        lazy.set_enabled(previous_defer)


def _check_modes(fn: Callable[[], list[Any]], modes: tuple[str, ...] = ("general", "eager")) -> list[Any]:
    """Runs ``fn`` with replay and in ``modes``: bit for bit equal, except eager (fused rounding)."""
    results = {mode: _in_mode(mode, fn) for mode in ("replay", *modes)}
    for mode in modes:
        assert len(results[mode]) == len(results["replay"]), mode
        for a, b in zip(results["replay"], results[mode], strict=True):
            if a is None or b is None:
                assert a is None and b is None, mode
                continue
            assert np.asarray(a).dtype == np.asarray(b).dtype, mode
            if mode == "eager":
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=mode)
            else:
                np.testing.assert_array_equal(a, b, err_msg=mode)
    return results["replay"]


@pytest.fixture
def short(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per ``gradient()`` call that reached it: whether the short form computed it."""
    log: list[bool] = []

    def spy(self: Any, target: Any, sources: Any) -> Any:
        out = ORIGINAL(self, target, sources)
        log.append(out is not None)
        return out

    monkeypatch.setattr(tape_lib.GradientTape, "_repeated_gradient", spy)
    lazy.flush()
    # (earlier tests' new structures may have left the queue running new ones op by op)
    monkeypatch.setattr(lazy, "_recent", lazy.Recent())
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent())
    return log


X = np.random.default_rng(0).standard_normal(18).astype(np.float32)


def _np(g: Any) -> Any:
    return None if g is None else g.numpy()


def _tutorial(hook: Callable[[int, int, Any], Any] = lambda step, pos, h: h, steps: int = len(X)) -> list[Any]:
    """The tutorial's loop; ``hook(step, position, value)`` runs before the taped op at each position
    (0-3) and returns the value that op takes."""
    x_data = tf.constant(X[:steps])
    y_data = 3 * x_data + 1
    w, b = tf.Variable(-1.0), tf.Variable(-1.0)
    out = []
    for i, (x, y) in enumerate(zip(x_data, y_data)):  # noqa: B905 - the tutorial's code
        with tf.GradientTape() as tape:
            predictions = hook(i, 2, hook(i, 1, hook(i, 0, x) * w) + b)
            loss = tf.pow(hook(i, 3, predictions - y), 2)
        gradients = tape.gradient(loss, [w, b])
        out += [w.numpy(), b.numpy(), gradients[0].numpy()]
        w = tf.Variable(w - 0.01 * gradients[0])
        b = tf.Variable(b - 0.01 * gradients[1])
    return [*out, w.numpy(), b.numpy(), loss.numpy()]


def test_repeated_tutorial_step_takes_the_short_form(short: list[bool]) -> None:
    _check_modes(_tutorial, ("no replay", "general", "eager"))
    short.clear()
    backward._BY_SIGNATURE.clear()  # (signatures stored before: not this run's to find)
    _tutorial()
    assert short[0] is False  # (a new structure: the general path)
    assert short[-8:] == [True] * 8


def test_tape_deviation_at_every_position(short: list[bool]) -> None:
    """At step 3 + 4p another recorded op comes before the taped op at position p (a new tape
    signature): the general path that step, values as every mode, the short form again after."""

    def deviates(step: int) -> int | None:
        return (step - 3) // 4 if step >= 3 and (step - 3) % 4 == 0 else None

    def hook(step: int, pos: int, h: Any) -> Any:
        return h / 1.0 if deviates(step) == pos else h

    _check_modes(lambda: _tutorial(hook), ("eager",))
    short.clear()
    backward._BY_SIGNATURE.clear()  # (each deviation's signature is new again)
    _tutorial(hook)
    assert short[3] is True  # (position 0's extra op reads no watched value: not recorded, same tape)
    for p in range(1, 4):
        assert short[3 + 4 * p] is False, p
        assert short[3 + 4 * p + 2] is True, p  # (the plain steps after it: the stored signature again)


def _mlp(
    variant: Callable[[int, Any, list[Any], Any], Any] | None = None, steps: int = 5, extra: bool = False
) -> list[Any]:
    """An MLP step; ``variant(step, tape, variables, x)`` may replace the gradient call (returns the
    gradients) or return None for the plain ``tape.gradient(loss, variables)``."""
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (2, 2))]
    x = tf.constant(rng.standard_normal((5, 3)).astype(np.float32))
    variables = [tf.Variable(p) for p in init]
    unused = tf.Variable(np.ones(2, np.float32))
    out: list[Any] = []
    for step in range(steps):
        w1, w2 = variables
        with tf.GradientTape() as tape:
            h, h2 = tf.split(tf.nn.relu(tf.matmul(x, w1)), 2, axis=1)  # (a multiple-result op on the tape)
            loss = tf.reduce_mean(tf.matmul(h * h2, w2))
        grads = variant(step, tape, variables, loss) if variant is not None else None
        if grads is None:
            grads = tape.gradient(loss, [*variables, unused] if extra else variables)
        out += [loss.numpy(), *[_np(g) for g in grads]]
        variables = [tf.Variable(v - 0.1 * g) for v, g in zip(variables, grads, strict=False)]
    return [*out, *[v.numpy() for v in variables]]


def test_mlp_step_with_a_multiple_result_op_and_an_unconnected_source(short: list[bool]) -> None:
    got = _check_modes(lambda: _mlp(extra=True), ("general",))
    assert got[3] is None  # (the unused Variable: TF's None)
    short.clear()
    _mlp(extra=True)
    assert short[-4:] == [True] * 4


def test_every_source_unconnected(short: list[bool]) -> None:
    def run() -> list[Any]:
        a, b = tf.Variable(1.0), tf.Variable(2.0)
        out = []
        for _ in range(4):
            with tf.GradientTape() as tape:
                loss = tf.constant(3.0) * 2.0
                _ = a * 1.0  # (recorded, but the loss does not depend on it)
            out += [_np(g) for g in tape.gradient(loss, [a, b])]
        return out

    assert _check_modes(run) == [None] * 8
    short.clear()
    run()
    assert short[-2:] == [True] * 2


def test_residuals_computed_before_the_gradient(short: list[bool]) -> None:
    """Values read inside the step (``loss.numpy()`` before ``gradient()``): no pending residual,
    the pullback runs on its own."""

    def variant(step: int, tape: Any, variables: list[Any], loss: Any) -> Any:
        loss.numpy()
        return None

    _check_modes(lambda: _mlp(variant), ("general",))
    short.clear()
    _mlp(variant)
    assert short[-4:] == [True] * 4


def test_variable_assigned_between_forward_and_gradient(short: list[bool]) -> None:
    """The gradient uses the values read in the forward pass (TF: the read is a residual), not the
    Variable's value at ``gradient()``."""

    def run() -> list[Any]:
        w = tf.Variable(2.0)
        out = []
        for i in range(6):
            with tf.GradientTape() as tape:
                loss = w * w * 3.0
            w.assign(w + 1.0 + i)
            out += [tape.gradient(loss, [w])[0].numpy(), w.numpy()]
        return out

    got = _check_modes(run)
    assert got[0] == 12.0 and got[2] == 18.0  # d(3 w^2)/dw at the values read: w = 2, then 3
    short.clear()
    run()
    assert short[-3:] == [True] * 3


@pytest.mark.parametrize("form", ["persistent", "nested", "output_gradients", "zero", "watch", "stop_recording"])
def test_other_tape_forms_take_the_general_path(short: list[bool], form: str) -> None:
    def variant(step: int, tape: Any, variables: list[Any], loss: Any) -> Any:
        if form == "output_gradients":
            return tape.gradient(loss, variables, output_gradients=tf.constant(2.0))
        if form == "zero":
            return tape.gradient(loss, variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return None

    def run() -> list[Any]:
        rng = np.random.default_rng(2)
        w = tf.Variable(rng.standard_normal((3, 2)).astype(np.float32))
        x = tf.constant(rng.standard_normal((4, 3)).astype(np.float32))
        out: list[Any] = []
        for step in range(4):
            if form == "persistent":
                with tf.GradientTape(persistent=True) as tape:
                    loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
                out += [_np(tape.gradient(loss, [w])[0]), _np(tape.gradient(loss, [w])[0])]
            elif form == "nested":  # a Hessian-vector product: the inner gradient recorded outside
                with tf.GradientTape() as outer:
                    with tf.GradientTape() as inner:
                        loss = tf.reduce_sum(tf.matmul(x, w) ** 3)
                    (g,) = inner.gradient(loss, [w])
                    gv = tf.reduce_sum(g * tf.ones_like(g))
                out += [_np(g), _np(outer.gradient(gv, [w])[0])]
            elif form == "watch":  # a watched constant beside the Variable
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
                out += [_np(g) for g in tape.gradient(loss, [w])]
            elif form == "stop_recording":  # an op mid-step the tape does not see: a constant
                with tf.GradientTape() as tape:
                    y = tf.matmul(x, w)
                    with tape.stop_recording():
                        scale = tf.reduce_sum(y * w[0, 0])
                    loss = tf.reduce_sum(y * scale)
                out += [_np(g) for g in tape.gradient(loss, [w])]
            else:
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
                out += [_np(g) for g in variant(step, tape, [w], loss)]
            w = tf.Variable(w - 0.01 * out[-1])
        return [*out, w.numpy()]

    # (the forms that never take the short form: the general path either way, so against eager only)
    _check_modes(run, ("eager",) if form in ("persistent", "output_gradients", "zero") else ("general", "eager"))
    short.clear()
    run()
    if form in ("persistent", "output_gradients", "zero"):
        assert True not in short  # (never the short form: another form of gradient())
    elif form == "nested":
        assert short[-2:] == [False, True]  # (the inner gradient is recorded by the outer tape)
    else:
        assert short[-3:] == [True] * 3  # (the same structure each step: the short form)


def test_exception_mid_step_leaves_every_variable_as_eager(short: list[bool]) -> None:
    def run() -> list[Any]:
        w = tf.Variable(np.ones((2, 2), np.float32))
        out: list[Any] = []
        for i in range(7):
            try:
                with tf.GradientTape() as tape:
                    y = tf.matmul(w, w)
                    if i == 3:
                        y = y + tf.ones((3,))  # (incompatible shapes: InvalidArgumentError)
                    loss = tf.reduce_sum(y)
                (g,) = tape.gradient(loss, [w])
                w.assign_sub(0.01 * g)
            except tf.errors.InvalidArgumentError:
                out.append(np.float32(-1))
            out.append(w.numpy())
        return out

    got = _check_modes(run)
    np.testing.assert_array_equal(got[2], got[4])  # (step 3 raised: nothing assigned)
    short.clear()
    run()
    assert short[-3:] == [True] * 3


def test_values_only_the_tape_held_are_not_computed(short: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """The short form drops the tape and its residual Tensors before the run, as the general path:
    the forward's intermediates no one else holds are not outputs of the step's program."""
    outputs: list[int] = []  # per queue run: how many values it computes
    call = lazy._call

    def spy(key: Any, leaves: Any, roots: Any) -> Any:
        outputs.append(len(roots))
        return call(key, leaves, roots)

    monkeypatch.setattr(lazy, "_call", spy)

    def forward(x: Any, w: Any) -> Any:
        h = tf.matmul(x, w)
        return tf.reduce_sum(tf.sin(h) * h)

    def run() -> list[Any]:
        w = tf.Variable(np.ones((3, 2), np.float32))
        x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
        for _ in range(5):
            with tf.GradientTape() as tape:
                loss = forward(x, w)
            (g,) = tape.gradient(loss, [w])
            w = tf.Variable(w - 0.001 * g)
        return [w.numpy()]

    _in_mode("general", run)
    general = outputs[-3:]
    short.clear()
    _in_mode("replay", run)
    assert short[-3:] == [True] * 3
    # (per step: the loss and the new Variable's value; then the last Variable's)
    assert outputs[-3:] == general == [2, 2, 1]


def test_threads_each_replay_their_own_steps(short: list[bool]) -> None:
    expected = _tutorial(steps=12)
    results: dict[int, list[Any]] = {}

    def worker(k: int) -> None:
        results[k] = _tutorial(steps=12)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(3):
        for a, b in zip(results[k], expected, strict=True):
            np.testing.assert_array_equal(a, b)
    assert True in short
