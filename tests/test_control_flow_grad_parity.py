"""Gradients through tf.cond / tf.while_loop / tf.function against real TF 2.21 (TF venv only).

Each program is written once against a module ``m`` (tensorflow or tapejax) and run with both,
eagerly and inside ``m.function``; the values (None where TF gives None) must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax  # noqa: E402


def _fmt(g):
    if g is None:
        return None
    if isinstance(g, (list, tuple)):
        return [_fmt(a) for a in g]
    return np.asarray(g, dtype=np.float64)


def _int_loop_var(m):
    x, n = m.constant(2.0), m.constant(3)
    with m.GradientTape() as t:
        t.watch([x, n])
        _, y = m.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), (n - 3, m.constant(1.0)))
    return t.gradient(y, [x, n])


def _unconnected_zero(m):
    x, y = m.constant(2.0), m.constant(3.0)
    z = m.UnconnectedGradients.ZERO
    with m.GradientTape(persistent=True) as t:
        t.watch([x, y])
        c = m.cond(x > 0, lambda: x * 2.0, lambda: x * 3.0)
        _, w = m.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * 2.0), (0, m.constant(1.0)))
    return [t.gradient(c, [x, y], unconnected_gradients=z), t.gradient(w, [x, y], unconnected_gradients=z)]


def _maximum_iterations(m):
    x = m.constant(1.5)
    with m.GradientTape(persistent=True) as t:
        t.watch(x)
        body = lambda i, a: (i + 1, a * x)  # noqa: E731
        a = m.while_loop(lambda i, a: i < 10, body, (0, m.constant(1.0)), maximum_iterations=3)[1]
        b = m.while_loop(lambda i, a: i < 10, body, (0, m.constant(1.0)), maximum_iterations=m.constant(2))[1]
        c = m.while_loop(lambda i, a: i < 10, body, (0, x), maximum_iterations=0, parallel_iterations=1)[1]
    return [a, t.gradient(a, x), b, t.gradient(b, x), c, t.gradient(c, x)]


def _nested_loops_and_cond(m):
    x = m.constant(1.1)
    with m.GradientTape() as t:
        t.watch(x)

        def outer(i, a):
            _, b = m.while_loop(
                lambda j, b: j < i, lambda j, b: (j + 1, m.cond(b > 1.2, lambda: b * x, lambda: b + x)), (0, a)
            )
            return i + 1, b + x

        r = m.while_loop(lambda i, a: i < 3, outer, (0, m.constant(1.0)))[1]
    return [r, t.gradient(r, x)]


_VARIABLES: dict = {}


def _variable(m, name, value):
    """A Variable of ``m`` made once (outside any tf.function), set to ``value``."""
    v = _VARIABLES.get((m.__name__, name))
    if v is None:
        v = _VARIABLES[(m.__name__, name)] = m.Variable(value)
    v.assign(value)
    return v


def _loop_reading_and_assigning_variables(m):
    v, w = _variable(m, "v", 1.2), _variable(m, "w", 1.0)
    x = m.constant(2.0)
    with m.GradientTape() as t:
        t.watch(x)

        def body(i, a):
            w.assign_add(1.0)
            return i + 1, a * x * w + v

        r = m.while_loop(lambda i, a: i < 2, body, (0, m.constant(1.0)))[1]
    return [r, t.gradient(r, [x, v, w])]


def _captured_watched_tensors(m):
    x = m.constant([1.0, 2.0])
    f = m.function(lambda: x * x * 3.0)
    g = m.function(lambda n: m.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * x), (0, m.ones([2])))[1])
    with m.GradientTape(persistent=True) as t:
        t.watch(x)
        y, z = f(), g(m.constant(2))
    with m.autodiff.ForwardAccumulator(x, m.constant([1.0, 0.0])) as acc:
        u = m.reduce_sum(f())
    return [t.gradient(y, x), t.jacobian(z, x), acc.jvp(u)]


_PROGRAMS = [
    _int_loop_var,
    _unconnected_zero,
    _maximum_iterations,
    _nested_loops_and_cond,
    _loop_reading_and_assigning_variables,
    _captured_watched_tensors,
]


def _assert_same(want, got, where):
    if want is None or got is None:
        assert want is None and got is None, (where, want, got)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(want) == len(got), (where, want, got)
        for k, (a, b) in enumerate(zip(want, got, strict=True)):
            _assert_same(a, b, f"{where}[{k}]")
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=where)


@pytest.mark.parametrize("program", _PROGRAMS, ids=lambda p: p.__name__.strip("_"))
@pytest.mark.parametrize("mode", ["eager", "function"])
def test_matches_tensorflow(program, mode):
    def run(m):
        if program is _loop_reading_and_assigning_variables:
            _variable(m, "v", 1.2), _variable(m, "w", 1.0)
        return _fmt(program(m) if mode == "eager" else m.function(lambda: program(m))())

    _assert_same(run(tf_real), run(tapejax), f"{program.__name__} ({mode})")


def test_reduce_retracing_gradient_and_tracing_count_match_tensorflow():
    def run(m):
        @m.function(reduce_retracing=True)
        def f(x):
            return m.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * x), (0, m.ones_like(x)))[1]

        out = []
        for n in (2, 3, 4):
            x = m.range(1.0, n + 1.0)
            with m.GradientTape() as t:
                t.watch(x)
                y = m.reduce_sum(f(x))
            out.append(_fmt(t.gradient(y, x)))
        return out, f.experimental_get_tracing_count()

    want, got = run(tf_real), run(tapejax)
    _assert_same(want[0], got[0], "gradients")
    assert want[1] == got[1]
