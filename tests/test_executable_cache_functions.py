"""Cold start, issue 18 part 2: a ``tf.function``'s compiled program saved on disk whole
(``executable_cache.Jit``), keyed by its jaxpr (``executable_cache.jaxpr_fingerprint``): a later
process traces the body but neither lowers nor compiles it, and a program that differs in anything
(a captured constant, an inner jaxpr's constant, a literal) never runs another's executable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax._src import compile_cache, executable_cache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The executable cache on in ``tmp_path`` (JAX's own stays off), its counters at zero."""
    monkeypatch.setattr(compile_cache, "cache_dir", str(tmp_path))
    monkeypatch.delenv(executable_cache.ENABLE_ENV, raising=False)
    monkeypatch.setattr(executable_cache, "stats", dict.fromkeys(executable_cache.stats, 0))
    executable_cache.reset()
    yield tmp_path / executable_cache.SUBDIR
    executable_cache.reset()


def _scaled_sum(c: tf.Tensor) -> tf.function:
    """A new tf.function capturing the constant ``c`` (a new one per call, as a new process makes it)."""

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(tf.tanh(x) * c)

    return f


def test_a_functions_program_is_saved_then_loaded_and_another_constant_compiles_anew(cache: Path) -> None:
    x = tf.constant([0.5, -1.0, 2.0])
    t = np.tanh(x.numpy().astype(np.float64))
    c1, c2 = [1.0, 2.0, 3.0], [1.0, 2.0, 4.0]
    first = float(_scaled_sum(tf.constant(c1))(x))
    assert executable_cache.stats["misses"] == 1 and len(list(cache.iterdir())) == 1
    again = float(_scaled_sum(tf.constant(c1))(x))  # a later process: loaded, not lowered
    assert executable_cache.stats["hits"] == 1
    # The same program but for its captured constant's value: its own key, never the saved one.
    other = float(_scaled_sum(tf.constant(c2))(x))
    assert executable_cache.stats["misses"] == 2 and executable_cache.stats["hits"] == 1
    np.testing.assert_allclose([first, again, other], [t @ c1, t @ c1, t @ c2], rtol=1e-6)


def test_a_function_assigning_a_variable_is_loaded_with_the_same_values(cache: Path) -> None:
    def run() -> tuple[float, np.ndarray]:
        v = tf.Variable([1.0, -2.0, 0.5])

        @tf.function
        def step(x: tf.Tensor) -> tf.Tensor:
            v.assign(v * x + 1.0)  # (donates the Variable's old buffer: the donating program)
            return tf.reduce_sum(v)

        return float(step(tf.constant(2.0))), v.numpy()

    first = run()
    assert executable_cache.stats["misses"] == 1
    second = run()
    assert executable_cache.stats["hits"] == 1
    for total, value in (first, second):
        np.testing.assert_allclose(value, [3.0, -3.0, 2.0])
        assert total == pytest.approx(2.0)


def test_the_fingerprint_holds_constants_inner_constants_and_literals() -> None:
    def fp(fn: Any, *args: Any) -> str | None:
        closed = jax.make_jaxpr(fn)(*args)
        return executable_cache.jaxpr_fingerprint(closed.jaxpr, closed.consts)

    x = jnp.ones(3)
    a, b = np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 2.0, 5.0], np.float32)

    def branches(c: np.ndarray) -> Any:  # (c: a constant of the cond's inner jaxprs)
        return lambda x: jax.lax.cond(x[0] > 0, lambda y: y * c, lambda y: y - c, x)

    assert fp(branches(a), x) == fp(branches(a.copy()), x) is not None
    assert fp(branches(a), x) != fp(branches(b), x)
    assert fp(lambda y: y * 2.0, x) != fp(lambda y: y * 3.0, x)
    assert fp(lambda y: y * 2.0, x) != fp(lambda y: y * 2.0, jnp.ones(4))
    big = np.ones(1 << 15, np.float32)  # (over the 64 KiB a fingerprint hashes: not cached)
    assert fp(lambda y: y + big, jnp.ones(1 << 15)) is None
    # A host callback (Python state: a tf.data iterator's, a py_function's) is never cached, even
    # one whose description looks stable.
    spec = jax.ShapeDtypeStruct((3,), np.float32)
    assert fp(lambda y: jax.pure_callback(np.sin, spec, y), x) is None
