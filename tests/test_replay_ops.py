"""The per-step paths a replayed training step takes: ``tf.Variable(tensor)``'s inline construction,
``gradient()``'s signature hit, and the tape stack's exit.

Each program runs three ways and must agree: with step replay (the default), with replay off
(``lazy.set_replay(False)``) and with deferred execution off (``lazy.set_enabled(False)``: op by op).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy
from tapejax._src.core import tape_state

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


def _same_in_every_mode(fn: Callable[[], list[Any]]) -> list[Any]:
    """Runs ``fn`` in every mode; its results (numpy values or None) must agree. Returns replay's."""
    results = {mode: _in_mode(mode, fn) for mode in MODES}
    for mode in ("no replay", "eager"):
        assert len(results[mode]) == len(results["replay"]), mode
        for a, b in zip(results["replay"], results[mode], strict=True):
            assert (a is None) == (b is None), mode
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=mode)
                assert np.asarray(a).dtype == np.asarray(b).dtype, mode
    return results["replay"]


def _values(grads: Any) -> list[Any]:
    leaves = list(grads.values()) if isinstance(grads, dict) else grads if isinstance(grads, (list, tuple)) else [grads]
    return [None if g is None else g.numpy() for g in leaves]


def test_variable_from_a_tensor_has_the_general_paths_attributes() -> None:
    t = tf.constant([1.0, 2.0]) * 3.0  # deferred: the Variable holds the pending value
    v = tf.Variable(t)
    assert type(v._v) is lazy.Pending
    assert v.name == "Variable:0" and v.trainable and v.shape == (2,) and v.dtype == tf.float32
    np.testing.assert_array_equal(v.numpy(), [3.0, 6.0])
    frozen = tf.Variable(tf.constant(2.0), trainable=False)  # a computed array
    assert not frozen.trainable and frozen.name == "Variable:0"
    named = tf.Variable(t, name="w")  # (the general path)
    assert named.name == "w:0"
    np.testing.assert_array_equal(named.numpy(), [3.0, 6.0])
    # The Variable's value is its own: assigning it leaves the Tensor it was made from alone.
    v.assign([0.0, 0.0])
    np.testing.assert_array_equal(t.numpy(), [3.0, 6.0])


def test_variables_from_tensors_keep_creation_order_for_watched_variables() -> None:
    a = tf.Variable(tf.constant(1.0) + 0.0)  # inline path
    b = tf.Variable(2.0)  # general path (a Python float)
    c = tf.Variable(tf.constant(3.0))  # inline path, a computed array
    with tf.GradientTape() as tape:
        y = c * b * a
        d = tf.Variable(y)  # made inside the tape: the general path
    assert tape.watched_variables() == (a, b, c)
    assert d.name == "Variable:0"
    np.testing.assert_allclose(d.numpy(), 6.0)
    np.testing.assert_allclose([g.numpy() for g in tape.gradient(y, [a, b, c])], [6.0, 3.0, 2.0])


def test_variable_from_a_traced_tensor_still_raises() -> None:
    with pytest.raises(ValueError, match="traced value"):
        jax.jit(lambda x: tf.Variable(tf.constant(x)).read_value()._value)(np.float32(1.0))


def test_tutorial_loop_with_rebound_variables_matches_in_every_mode() -> None:
    def run() -> list[Any]:
        xs = np.linspace(-1.0, 1.0, 4).astype(np.float32)
        x_data = tf.constant(xs)
        y_data = 3 * x_data + 1
        w, b = tf.Variable(-1.0), tf.Variable(-1.0)
        out = []
        for x, y in zip(x_data, y_data):  # noqa: B905 - the tutorial's code
            with tf.GradientTape() as tape:
                loss = tf.pow(x * w + b - y, 2)
            gw, gb = tape.gradient(loss, [w, b])
            out += [w.numpy(), b.numpy(), loss.numpy()]
            w = tf.Variable(w - 0.1 * gw)
            b = tf.Variable(b - 0.1 * gb, trainable=True)
        assert w.name == "Variable:0" and w.trainable
        return [*out, w.numpy(), b.numpy()]

    _same_in_every_mode(run)


@pytest.mark.parametrize(
    "form",
    ["list", "tuple", "single", "dict", "unconnected", "zero", "repeated", "seeded", "variable target"],
)
def test_repeated_gradient_calls_match_in_every_mode(form: str) -> None:
    """Three steps of one tape structure (the later ones find their pullback by signature)."""

    def run() -> list[Any]:
        w, b, u = tf.Variable(2.0), tf.Variable([1.0, -1.0]), tf.Variable(5.0)
        out: list[Any] = []
        for step in range(3):
            x = tf.constant([0.5, 1.5]) + float(step)
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(x * w + b)
            if form == "list":
                g = tape.gradient(y, [w, b])
                assert type(g) is list
            elif form == "tuple":
                g = tape.gradient(y, (w, b))
                assert type(g) is tuple
            elif form == "single":
                g = tape.gradient(y, w)
            elif form == "dict":
                g = tape.gradient(y, {"w": w, "b": b})
                assert list(g) == ["w", "b"]
            elif form == "unconnected":
                g = tape.gradient(y, [w, u, b])
                assert g[1] is None
            elif form == "zero":
                g = tape.gradient(y, [u, w], unconnected_gradients=tf.UnconnectedGradients.ZERO)
            elif form == "repeated":
                g = tape.gradient(y, [w, w, b])
            elif form == "seeded":
                g = tape.gradient(y, [w, b], output_gradients=tf.constant(0.5))
            else:  # the target a Variable: no signature is kept for it
                with tf.GradientTape() as tape:
                    u.assign(w * 3.0)
                g = tape.gradient(u, [w])
                assert g == [None]  # assign is not differentiable
            out += _values(g)
            w.assign_sub(0.1)
        return out

    _same_in_every_mode(run)


def test_gradient_does_not_compute_values_only_the_tape_held() -> None:
    """The intermediate x * w only the (non-persistent) tape held is no output of the step's program."""
    outputs: list[int] = []
    orig = lazy._call

    def spy(key: Any, leaves: Any, roots: Any) -> Any:
        outputs.append(len(key[1]))
        return orig(key, leaves, roots)

    w = tf.Variable(1.0)
    lazy.flush()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lazy, "_call", spy)
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.square(tf.constant(2.0) * w + 1.0)
            (g,) = tape.gradient(loss, [w])
            np.testing.assert_allclose(g.numpy(), 2 * (2 * w.numpy() + 1) * 2)
            w.assign_sub(0.01 * g)
    assert outputs and max(outputs) <= 2  # loss (held) and w's updated value; the gradient is extra


def test_a_tape_exited_out_of_order_leaves_the_others_recording() -> None:
    w = tf.Variable(3.0)
    outer, inner = tf.GradientTape(), tf.GradientTape()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # not the innermost
    assert tape_state.tapes == [inner]
    y = w * w
    inner.__exit__(None, None, None)
    assert tape_state.tapes == []
    np.testing.assert_allclose(inner.gradient(y, w).numpy(), 6.0)
    assert outer.gradient(y, w) is None  # recorded before y was computed: no path
    inner.__enter__()
    with pytest.raises(ValueError, match="still recording"):
        inner.__enter__()
    inner.__exit__(None, None, None)
    assert tape_state.tapes == []


def test_a_repeated_training_step_takes_the_short_path_and_a_changed_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The short path is taken once a tape signature was seen; a step whose structure changes (an
    extra op every third step) takes the general path, with the same values in every mode."""
    general: list[int] = []
    orig = tf.GradientTape._differentiate

    def spy(self: Any, *args: Any) -> Any:
        general.append(1)
        return orig(self, *args)

    monkeypatch.setattr(tf.GradientTape, "_differentiate", spy)
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent())  # (not left dynamic by other tests)

    def run() -> list[Any]:
        w, b = tf.Variable([1.0, -2.0]), tf.Variable(0.5)
        out = []
        for step in range(7):
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(w * w * w) * b
                if step % 3 == 2:
                    y = y + tf.reduce_sum(tf.cos(w)) * 0.25
            gw, gb = tape.gradient(y, [w, b])
            out += [gw.numpy(), gb.numpy()]
            w.assign_sub(0.1 * gw)
        return out

    run()
    assert len(general) <= 2  # each structure's first gradient at most, not all 7 steps
    _same_in_every_mode(run)


def test_bad_sources_still_raise_from_the_general_path() -> None:
    w, v = tf.Variable(1.0), tf.Variable(2.0)
    for _ in range(2):  # (the second tape's signature was seen)
        with tf.GradientTape() as tape:
            y = w * 2.0
        assert [g.numpy() if g is not None else None for g in tape.gradient(y, [w, v])] == [2.0, None]
    with tf.GradientTape() as tape:
        y = w * 2.0
    with pytest.raises(ValueError, match=r"not a tf\.Tensor or tf\.Variable"):
        tape.gradient(y, [w, 3.0])
    with tf.GradientTape() as tape:
        y = w * 2.0
    assert tape.gradient(y, [w])[0].numpy() == 2.0
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, [w])


@pytest.mark.parametrize(
    "case", ["tutorial", "repeated source", "unread source", "untaped target", "read twice", "watched only", "frozen"]
)
def test_the_short_paths_key_is_the_general_paths(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``_training_signature`` builds the key ``_differentiate`` builds (through ``_signature``)."""
    keys: list[Any] = []
    orig = tf.GradientTape._signature

    def spy(self: Any, *args: Any) -> Any:
        keys.append(orig(self, *args))
        return keys[-1]

    monkeypatch.setattr(tf.GradientTape, "_signature", spy)
    w, b, u = tf.Variable(2.0), tf.Variable(-1.0), tf.Variable(4.0, trainable=case != "frozen")
    x = tf.constant(3.0)
    with tf.GradientTape(watch_accessed_variables=case != "watched only") as tape:
        if case == "watched only":
            tape.watch(b)
        y = x * w + b
        if case == "read twice":
            y = y * w + u
        elif case == "frozen":
            y = y + u
    target = tf.constant(1.0) if case == "untaped target" else y
    sources = {"repeated source": [w, b, w], "unread source": [w, u, b]}.get(case, [w, u, b])
    short = tape._training_signature(target, sources)
    grads = tape._differentiate("grad", target, sources, None, tf.UnconnectedGradients.NONE)
    assert keys == [short]
    assert len(grads) == len(sources)


def test_the_short_path_refuses_integer_targets_and_sources() -> None:
    w, n = tf.Variable(2.0), tf.Variable(3)
    with tf.GradientTape() as tape:
        y = w * 2.0
        k = n * 2
    assert tape._training_signature(k, [w]) is None
    assert tape._training_signature(y, [w, n]) is None
    assert tape._training_signature(y, [w, y]) is None  # a Tensor source: the general path
    assert tape._training_signature(y, [w]) is not None
