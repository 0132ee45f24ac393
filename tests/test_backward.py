"""The backward engine (tapejax/_src/backward.py): caches, segmentation, and the forms a new step runs in."""

from __future__ import annotations

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import tapejax as tf
from tapejax._src import backward, lazy


def _step(w: tf.Variable, b: tf.Variable, x: float, y: float) -> list[tf.Tensor]:
    with tf.GradientTape() as tape:
        loss = tf.pow(x * w + b - y, 2)
    return tape.gradient(loss, [w, b])


def test_repeated_structure_reuses_one_signature_and_one_pullback() -> None:
    w, b = tf.Variable(0.5), tf.Variable(-1.0)
    _step(w, b, 2.0, 3.0)
    before = backward.cache_info()
    for x in (1.0, 2.0, 3.0):
        dw, db = _step(w, b, x, 7.0)
        err = x * 0.5 - 1.0 - 7.0
        np.testing.assert_allclose([float(dw), float(db)], [2 * err * x, 2 * err], rtol=1e-6)
    after = backward.cache_info()
    assert after["signatures"] == before["signatures"]
    assert after["pullbacks"] == before["pullbacks"]


def test_same_nodes_with_other_sources_do_not_share_a_cached_result() -> None:
    x, y = tf.constant(3.0), tf.constant(5.0)
    for source, want in ((x, 5.0), (y, 3.0), (x, 5.0)):
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            z = x * y
        assert float(tape.gradient(z, source)) == want


def test_identity_of_tensors_outside_the_nodes_is_part_of_the_key() -> None:
    a, c = tf.constant(2.0), tf.constant(4.0)
    for target, source, want in ((a, a, 1.0), (a, c, None), (a, a, 1.0)):
        with tf.GradientTape() as tape:
            tape.watch([a, c])
            _ = a * c  # the same node every time
        g = tape.gradient(target, source)
        assert (g is None and want is None) or float(g) == want


def test_segmented_backward_matches_jax_grad() -> None:
    n = backward.SEGMENT * 2 + 37
    x = tf.constant(np.float64(0.7))

    def chain(m, v):
        for i in range(n):
            v = m.sin(v) * 1.01 if i % 2 else v + 0.1
        return v

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = chain(tf, x)
    assert len(tape._nodes) > backward.SEGMENT
    got = tape.gradient(y, x)
    want = jax.grad(lambda v: chain(jnp, v))(jnp.float64(0.7))
    np.testing.assert_allclose(float(got), float(want), rtol=1e-10)


def _sin_chain(v: object, n: int, sin: object) -> object:
    for _ in range(n):
        v = sin(v) * 1.5  # pyright: ignore[reportCallIssue, reportOperatorIssue]
    return v


def test_a_tape_whose_structure_changes_every_step_is_differentiated_node_by_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While new tape structures keep coming, a new one runs its step (forward and pullback) node by
    node with per-op kernels: no compile per step. Meanwhile recorded ops run at the call (nothing
    queued). A structure that comes back is compiled, with the same result; once structures stop
    changing, recorded ops are queued again and the step runs as one compiled program."""
    lazy.flush()
    monkeypatch.setattr(lazy, "_recent", lazy.Recent([False] * lazy.RECENT))
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent([False] * lazy.RECENT))
    queue_runs: list[object] = []
    orig = lazy._call
    monkeypatch.setattr(lazy, "_call", lambda key, leaves, roots: (queue_runs.append(key), orig(key, leaves, roots))[1])
    by_node: list[object] = []
    real = backward._node_vjp_by_kernel
    monkeypatch.setattr(backward, "_node_vjp_by_kernel", lambda spec, *a: (by_node.append(spec[0]), real(spec, *a))[1])
    w = tf.Variable(0.5)
    compiled, queued = [], []
    for n in (1, 2, 3, 4, 5, *[3] * 8):  # a different tape each step, then the 3-step one again
        by_node.clear()
        queue_runs.clear()
        with tf.GradientTape() as tape:
            y = _sin_chain(w, n, tf.sin)
        got = float(tape.gradient(y, w))
        compiled.append(not by_node)
        assert len(by_node) in (0, 2 * n)  # node by node: a sin and a mul per step
        queued.append(bool(queue_runs))
        want = jax.grad(lambda v, n=n: _sin_chain(v, n, jnp.sin))(jnp.float32(0.5))
        np.testing.assert_allclose(got, float(want), rtol=1e-6)
    # The first two compile (a loop normally repeats); from the third new one in a row, node by node.
    assert compiled == [True, True, False, False, False, *[True] * 8]
    # From then on the recorded ops run at the call, until fewer than DYNAMIC_AT of the last RECENT
    # tape structures were new (lazy.tape_structures; the 11th step is the 6th with a known one): then
    # queued and fused again.
    assert queued == [True, True, True, *[False] * 8, True, True]
    assert queue_runs[-1] in lazy._PROGRAMS


def test_while_new_structures_keep_coming_their_signatures_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A structure that never comes back leaves nothing in the signature cache (memory, and the
    garbage collector's work: it cost a third of such a loop's time)."""
    monkeypatch.setattr(lazy, "_recent", lazy.Recent([True] * lazy.RECENT))
    monkeypatch.setattr(lazy, "tape_structures", lazy.Recent([True] * lazy.RECENT))
    before = backward.cache_info()["signatures"]
    w = tf.Variable(0.5)
    for n in range(6, 11):
        with tf.GradientTape() as tape:
            y = _sin_chain(w, n, tf.cos)
        want = jax.grad(lambda v, n=n: _sin_chain(v, n, jnp.cos))(jnp.float32(0.5))
        np.testing.assert_allclose(float(tape.gradient(y, w)), float(want), rtol=1e-5)
    assert backward.cache_info()["signatures"] == before


# -- random programs: every execution form gives jax.grad's gradient -----------------------------
_UNARY = {"sin": (tf.sin, jnp.sin), "tanh": (tf.tanh, jnp.tanh), "square": (tf.square, jnp.square)}
_BINARY = {"add": (tf.add, jnp.add), "mul": (tf.multiply, jnp.multiply), "sub": (tf.subtract, jnp.subtract)}
_FORMS = {  # (the queue's record, the tape record): how a new step runs
    "compiled": ([], []),  # a loop that repeats: ops queued, the step one compiled program
    "queued, op by op": ([True] * lazy.RECENT, [False] * lazy.RECENT),
    "ops at the call, pullback node by node": ([True] * lazy.RECENT, [True] * lazy.RECENT),
}


def _program(ops: list[tuple[str, int, int]], values: list[object], unary: int, binary: int) -> object:
    """Runs ``ops`` over a pool of ``values`` (each op's result joins the pool); the sum of the last two."""
    pool = list(values)
    for name, i, j in ops:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(_UNARY[name][unary](a) if name in _UNARY else _BINARY[name][binary](a, b))
    return pool[-1], pool[-2]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(sorted(_UNARY) + sorted(_BINARY)), st.integers(0, 50), st.integers(0, 50)),
        min_size=1,
        max_size=10,
    ),
    form=st.sampled_from(sorted(_FORMS)),
)
def test_random_programs_have_jax_grads_gradient_in_every_execution_form(
    ops: list[tuple[str, int, int]], form: str
) -> None:
    """Wiring the op table does not test alone: values used twice (cotangents summed), Variables read
    several times, sources the target does not reach (None), in each way a new step can run."""
    x0, w0, v0 = np.float32([0.3, -0.7]), np.float32([0.5, 1.5]), np.float32([-1.2, 0.4])
    saved = lazy._recent, lazy.tape_structures
    lazy._recent, lazy.tape_structures = (lazy.Recent(r) for r in _FORMS[form])
    try:
        x, w, v = tf.constant(x0), tf.Variable(w0), tf.Variable(v0)
        with tf.GradientTape() as tape:
            a, b = _program(ops, [x, w, v], 0, 0)
            loss = tf.reduce_sum(a) + 0.5 * tf.reduce_sum(b)
        got = tape.gradient(loss, [w, v])
    finally:
        lazy._recent, lazy.tape_structures = saved

    def jax_loss(w: jax.Array, v: jax.Array) -> jax.Array:
        a, b = _program(ops, [jnp.asarray(x0), w, v], 1, 1)
        return jnp.sum(a) + 0.5 * jnp.sum(b)

    want = jax.grad(jax_loss, argnums=(0, 1))(jnp.asarray(w0), jnp.asarray(v0))
    for g, wg, reached in zip(got, want, _reaches(ops), strict=True):
        if not reached:
            assert g is None
        else:
            np.testing.assert_allclose(g.numpy(), np.asarray(wg), rtol=2e-5, atol=1e-6)


def _reaches(ops: list[tuple[str, int, int]]) -> list[bool]:
    """Whether w (pool index 1) and v (index 2) reach the loss (the last two pool values)."""
    deps: list[set[int]] = [{0}, {1}, {2}]
    for name, i, j in ops:
        a, b = deps[i % len(deps)], deps[j % len(deps)]
        deps.append(set(a) if name in _UNARY else a | b)
    used = deps[-1] | deps[-2]
    return [1 in used, 2 in used]
