"""The same control-flow programs run in TensorFlow and in tapejax give the same values and gradients.

Run with TensorFlow installed: ``cd /work/main && /tmp/tfenv/bin/python -m pytest -q tests/test_control_flow_tf_parity.py``.
"""

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tj  # noqa: E402


def _both(program, *args):
    """``program(tf_module, *args)`` under each module's tf.function, as numpy (None kept)."""

    def run(m):
        out = m.function(lambda *a: program(m, *a))(*[m.constant(a) for a in args])
        return [None if o is None else np.asarray(o) for o in m.nest.flatten(out)]

    return run(tf_real), run(tj)


def _close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)


def test_first_and_second_order_through_a_data_dependent_loop():
    def program(m, x, n):
        with m.GradientTape() as t2:
            t2.watch(x)
            with m.GradientTape() as t1:
                t1.watch(x)
                _, y = m.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, m.sin(y) * x + 0.5 * y), (0, x * 1.0))
            g = t1.gradient(y, x)
        return y, g, t2.gradient(g, x)

    fns = {m: m.function(lambda x, n, m=m: program(m, x, n)) for m in (tf_real, tj)}
    for n in (0, 1, 4, 9):  # one trace per framework for every trip count
        want, got = (
            [np.asarray(o) for o in fns[m](m.constant(np.float32(1.3)), m.constant(np.int32(n)))] for m in (tf_real, tj)
        )
        _close(got, want)


def test_a_loop_whose_condition_reads_the_state():
    def program(m, x):
        with m.GradientTape() as t:
            t.watch(x)
            y = m.while_loop(lambda y: m.reduce_sum(y) < 50.0, lambda y: y * x, [m.ones([2]) + x])[0]
        return y, t.gradient(y, x)

    want, got = _both(program, np.float32(1.7))
    _close(got, want)


def test_variables_assigned_in_branches_and_loop_bodies():
    def run(m):
        a, b = m.Variable(0.5), m.Variable(2.0)  # created outside tf.function, as TF requires

        @m.function
        def program(n):
            with m.GradientTape() as t:

                def body(i, acc):
                    m.cond(i % 2 == 0, lambda: a.assign_add(b * 0.5), lambda: a.assign(a * 0.5))
                    return i + 1, acc + a * b

                _, acc = m.while_loop(lambda i, acc: i < n, body, (0, m.constant(0.0)))
            return acc, t.gradient(acc, [a, b])

        out = m.nest.flatten(program(m.constant(5)))
        return [np.asarray(o) for o in out] + [np.asarray(a.numpy())]

    _close(run(tj), run(tf_real))


def test_gradient_through_a_tensor_array_stacked_after_a_loop():
    def program(m, x, n):
        with m.GradientTape() as t:
            t.watch(x)
            ta = m.TensorArray(m.float32, size=6)
            _, _, ta = m.while_loop(
                lambda i, y, ta: i < n, lambda i, y, ta: (i + 1, y * x, ta.write(i, y * x)), (0, x * 1.0, ta)
            )
            s = m.reduce_sum(ta.stack() * m.range(6, dtype=m.float32))
        return ta.stack(), t.gradient(s, x)

    want, got = _both(program, np.float32(0.9), np.int32(4))
    _close(got, want)
