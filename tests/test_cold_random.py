"""Eager random draws without a compiled hash (random_state's host threefry, random_ops._draw): the
host functions give JAX's keys and bits bit for bit, every draw gives the values JAX's functions give
from the stream's key whichever path computes it, and a draw joins the lazy queue."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy, random_state
from tapejax._src.ops import random_ops, stateless_random_ops


@pytest.fixture(autouse=True)
def _first_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random_state, "_host_draws", {})  # (each test's draws are first draws)


@pytest.mark.parametrize("seed", [0, -3, 2**63 - 1])
def test_host_keys_splits_and_fold_ins_are_jax_s(seed: int) -> None:
    key = jax.random.PRNGKey(seed)
    host = random_state.seed_key_host(seed)
    assert host.dtype == np.uint32 and np.array_equal(host, key)
    for mine, theirs in zip(random_state.host_split(host), jax.random.split(key), strict=True):
        assert np.array_equal(mine, theirs)
    for data in (0, 3, 2**31 - 1):
        assert np.array_equal(random_state.host_fold_in(host, data), jax.random.fold_in(key, data))


def test_a_seed_beyond_int64_raises_as_jax_does() -> None:
    with pytest.raises(OverflowError):
        jax.random.PRNGKey(2**63)
    with pytest.raises(OverflowError):
        random_state.seed_key_host(2**63)


def test_host_bits_are_jax_s() -> None:
    key = jax.random.PRNGKey(11)
    for bits in (8, 16, 32, 64):
        mine = random_state.host_bits(np.asarray(key), bits, (3, 4))
        theirs = jax.random.bits(key, (3, 4), np.dtype(f"uint{bits}"))
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        assert np.array_equal(mine, theirs)
    assert random_state.host_bits(np.asarray(key), 32, (2, 0)).shape == (2, 0)


def _global_stream(seed: int, n: int) -> list[jax.Array]:
    """The subkeys the first ``n`` unseeded draws after ``set_seed(seed)`` use."""
    key, subs = jax.random.PRNGKey(seed), []
    for _ in range(n):
        key, sub = jax.random.split(key)
        subs.append(sub)
    return subs


def _draws() -> list[np.ndarray]:
    r = tf.random
    return [
        r.normal([3, 4]).numpy(),
        r.normal([5], mean=2.0, stddev=3.0, dtype=tf.float64).numpy(),
        r.uniform([2, 3], minval=-1.0, maxval=5.0, dtype=tf.float16).numpy(),
        r.normal([4], dtype=tf.bfloat16).numpy(),
        r.uniform([6], minval=-5, maxval=2**40, dtype=tf.int64).numpy(),
        r.truncated_normal([4], dtype=tf.float16).numpy(),
        r.normal([2], seed=4).numpy(),
        r.normal([2], seed=4).numpy(),
    ]


def _scaled(draw: object, key: jax.Array, shape: tuple[int, ...], dtype: object, a: float, b: float) -> jax.Array:
    """``draw(key) * b + a`` in one program, location and scale as inputs (as the compiled op has them)."""
    return jax.jit(lambda k, a, b: draw(k, shape, dtype) * b + a)(key, np.asarray(a, dtype), np.asarray(b, dtype))


def test_draws_are_jax_s_values_on_the_stream_s_keys() -> None:
    tf.random.set_seed(5)
    got = _draws()
    subs = _global_stream(5, 6)
    f32, bf16 = np.float32, jax.numpy.bfloat16
    want = [
        jax.random.normal(subs[0], (3, 4), f32),
        _scaled(jax.random.normal, subs[1], (5,), np.float64, 2.0, 3.0),
        _scaled(jax.random.uniform, subs[2], (2, 3), np.float16, -1.0, 6.0),
        jax.random.normal(subs[3], (4,), bf16),
        jax.random.randint(subs[4], (6,), -5, 2**40, np.int64),
        jax.jit(lambda k: jax.random.truncated_normal(k, -2.0, 2.0, (4,), np.float16))(subs[5]),
    ]
    for g, w in zip(got, want, strict=False):
        assert g.dtype == w.dtype and np.array_equal(g, np.asarray(w)), (g, w)
    # A seeded draw: its own stream, keyed by the global seed, the op seed, the op and the call count.
    stream = jax.random.fold_in(
        jax.random.fold_in(jax.random.PRNGKey(5), 4), random_ops._STREAM_IDS["RandomStandardNormal"]
    )
    for count, g in enumerate(got[6:]):
        sub = jax.random.split(jax.random.fold_in(stream, count))[1]
        assert np.array_equal(g, jax.random.normal(sub, (2,), f32))


def test_the_host_and_compiled_paths_give_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    def draws() -> list[np.ndarray]:
        tf.random.set_seed(9)
        return [
            tf.random.normal([5], mean=2.0, stddev=3.0, dtype=tf.float64).numpy(),
            tf.random.uniform([6], minval=-5, maxval=2**40, dtype=tf.int64).numpy(),
        ]

    host = draws()
    monkeypatch.setattr(random_state, "HOST_DRAW_MAX", 0)  # every draw's bits from a compiled program
    for h, c in zip(host, draws(), strict=True):
        assert h.dtype == c.dtype and np.array_equal(h, c)


def test_an_eager_draw_joins_the_queue_and_leaves_a_host_key() -> None:
    tf.random.set_seed(1)
    lazy.flush()
    x = tf.random.normal([3])
    y = x * 2.0
    assert type(x._v) is lazy.Pending and type(y._v) is lazy.Pending  # (nothing has run yet)
    assert type(random_state.GLOBAL._v) is np.ndarray
    assert np.array_equal(y.numpy(), np.asarray(jax.random.normal(_global_stream(1, 1)[0], (3,), np.float32)) * 2)


def test_a_repeated_draw_moves_into_the_program_and_continues_the_stream() -> None:
    tf.random.set_seed(4)
    xs, keys = [], []
    for _ in range(4):
        xs.append(tf.random.uniform([3]) + 1.0)
        keys.append(type(random_state.GLOBAL._v))
    # The first draws of a shape and dtype on the host, the rest in the queued program.
    assert keys == [np.ndarray] * random_state.HOST_DRAWS + [lazy.Pending] * (4 - random_state.HOST_DRAWS)
    # A new shape after them: on the host again, from the pending key (computed for it).
    xs.append(tf.random.uniform([2]))
    assert type(random_state.GLOBAL._v) is np.ndarray
    subs = _global_stream(4, 5)
    for x, sub in zip(xs[:4], subs, strict=False):
        assert np.array_equal(x.numpy(), np.asarray(jax.random.uniform(sub, (3,), np.float32)) + np.float32(1.0))
    assert np.array_equal(xs[4].numpy(), jax.random.uniform(subs[4], (2,), np.float32))


def test_a_draw_inside_a_function_continues_the_eager_stream() -> None:
    @tf.function
    def f() -> tf.Tensor:
        return tf.random.uniform([2])

    tf.random.set_seed(3)
    a = tf.random.uniform([2]).numpy()
    b = f().numpy()
    c = tf.random.uniform([2]).numpy()
    subs = _global_stream(3, 3)
    for got, sub in zip((a, b, c), subs, strict=True):
        assert np.array_equal(got, jax.random.uniform(sub, (2,), np.float32))


def test_without_jax_s_default_key_settings_draws_run_in_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random_state, "host_ready", lambda: False)
    tf.random.set_seed(2)
    x = tf.random.normal([3])
    assert type(random_state.GLOBAL._v) is lazy.Pending  # (the next key, queued with the draw)
    y = tf.random.normal([3])
    subs = _global_stream(2, 2)
    assert np.array_equal(x.numpy(), jax.random.normal(subs[0], (3,), np.float32))
    assert np.array_equal(y.numpy(), jax.random.normal(subs[1], (3,), np.float32))


def test_stateless_draws_give_the_same_values_from_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def draws() -> list[np.ndarray]:
        return [
            tf.random.stateless_normal([3, 2], seed=[-7, 2**40 + 3]).numpy(),
            tf.random.stateless_uniform([5], seed=[1, 2], minval=-2.0, maxval=3.0, dtype=tf.bfloat16).numpy(),
            tf.random.stateless_truncated_normal([2, 2], seed=[3, -9], dtype=tf.float64).numpy(),
        ]

    # Op by op: a queue run fused with the scaling ops may round differently (XLA contracts a
    # multiply and add) from one run op by op, whichever path drew the numbers.
    previous = lazy.set_enabled(False)
    try:
        host = draws()
        monkeypatch.setattr(random_state, "HOST_DRAW_MAX", 0)  # the ops' compiled hash
        compiled = draws()
    finally:
        lazy.set_enabled(previous)
    for h, c in zip(host, compiled, strict=True):
        assert h.dtype == c.dtype and np.array_equal(h, c)


def test_a_stateless_draw_s_key_is_key_from_seed_s() -> None:
    seed = np.array([-7, 2**40 + 3], np.int64)
    want = jax.jit(lambda s: jax.random.uniform(stateless_random_ops.key_from_seed(s), (4,), np.float32))(seed)
    assert np.array_equal(tf.random.stateless_uniform([4], seed=seed).numpy(), want)
