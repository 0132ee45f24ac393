"""AutoGraph parity with TensorFlow 2.21: the same Python functions (one source, ``m`` bound to TF or to
tapejax) give the same values and TF's error classes and messages. Run in /tmp/tfenv."""

from __future__ import annotations

import types

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax  # noqa: E402

m = None  # the module under test, bound per copy of each function


def _in(module, fn):
    return types.FunctionType(fn.__code__, {**fn.__globals__, "m": module}, fn.__name__, fn.__defaults__)


def loops(x, n):
    s = m.constant(0.0)
    for i in m.range(n):
        if x[i] < 0:
            continue
        if x[i] > 10:
            break
        s += x[i]
    k = 0
    while s > 1.0 and k < 100:
        s = s / 2.0
        k += 1
    return s, k


def rows(a):
    out = m.zeros([2])
    for r in a:
        out = out + r if m.reduce_sum(r) > 0 else out - r
    return out


def early(x):
    if x > 0 and not x > 5:
        return x * 2
    y = x - 1
    return y


def one_branch(x):
    if x > 0:
        y = x
    return y


def dtype_change(x):
    i = 0
    while x > 0:
        x = x - 1
        i = m.constant(1.0)
    return x, i


def shape_change(x):
    while m.reduce_sum(x) > 0:
        x = m.concat([x, x], 0)
    return x


def not_bool(x):
    if x:
        x = x + 1
    return x


def branch_dtypes(x):
    if x > 0:  # noqa: SIM108
        y = 1
    else:
        y = 2.0
    return y


def loop_return(x):
    for i in m.range(3):
        if x[i] > 1:
            return x[i]
    return -1.0


@pytest.mark.parametrize(
    "fn, args",
    [
        (loops, ([1.0, -2.0, 30.0, 3.0], 4)),
        (loops, ([4.0, 5.0, 6.0, 7.0], 3)),
        (rows, ([[1.0, 2.0], [-3.0, 1.0], [2.0, 2.0]],)),
        (early, (3.0,)),
        (early, (7.0,)),
        (early, (-1.0,)),
    ],
)
def test_values_equal_tf(fn, args):
    def run(module):
        conv = [module.constant(a) for a in args]
        return module.function(_in(module, fn))(*conv)

    want, got = run(tf_real), run(tapejax)
    for w, g in zip(np.atleast_1d(want), np.atleast_1d(got), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6)


@pytest.mark.parametrize(
    "fn, arg",
    [
        (one_branch, 1.0),
        (dtype_change, 1.0),
        (shape_change, [1.0]),
        (not_bool, 1.0),
        (branch_dtypes, 1.0),
        (loop_return, [0.0, 2.0, 3.0]),
    ],
)
def test_errors_equal_tf(fn, arg):
    def error(module):
        with pytest.raises(Exception) as info:
            module.function(_in(module, fn))(module.constant(arg))
        return info.value

    want, got = error(tf_real), error(tapejax)
    assert isinstance(got, type(want)), (type(got), type(want))
    # TF prefixes its frames ("in user code: ..."); the message proper is its last line.
    tf_message = str(want).strip().splitlines()[-1].strip()
    tf_message = tf_message.split(": ", 1)[1] if tf_message.startswith(type(want).__name__) else tf_message
    ours = str(got).splitlines()[0]
    if fn is not_bool:  # TF prints its graph tensor: Tensor("x:0", ...); compare around it
        tf_message, ours = tf_message.split(", got ")[0], ours.split(", got ")[0]
    assert ours == tf_message
