"""Parity of tf.function's tracing rules with real TF 2.21: trace counts, binding errors, signatures.

Each scenario is written once and run with ``m = tensorflow`` and ``m = tapejax``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax  # noqa: E402


def _counts(m) -> list[int]:
    counts = []
    v = m.Variable(1.0)

    @m.function
    def f(x, scale=1.0):
        return x * v * scale

    for call in (
        lambda: f(m.constant(2.0)),
        lambda: f(m.constant(3.0)),
        lambda: f(x=m.constant(3.0)),
        lambda: f(m.constant(3.0), scale=1.0),
        lambda: f(m.constant([3.0])),
        lambda: f(2.0),
        lambda: f(3.0),
        lambda: f(m.constant(1.0), 2.0),
    ):
        call()
        counts.append(f.experimental_get_tracing_count())

    @m.function
    def g(a, lst):
        return a + float(len(lst))

    for call in (
        lambda: g(m.Variable(1.0), [1]),
        lambda: g(m.Variable(5.0), [1]),
        lambda: g(m.Variable([1.0, 2.0]), [1]),
        lambda: g(m.Variable(1.0), [1, 2]),
        lambda: g(m.Variable(1.0), (1,)),
    ):
        call()
        counts.append(g.experimental_get_tracing_count())

    @m.function(reduce_retracing=True)
    def r(x):
        return x

    for shape in ([2], [3], [4], [2, 2], [3, 3]):
        r(m.ones(shape))
        counts.append(r.experimental_get_tracing_count())
    return counts


def test_trace_counts_match_tf() -> None:
    assert _counts(tapejax) == _counts(tf_real)


def _creation_counts(m) -> list[int]:
    class Scale(m.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = None

        @m.function
        def __call__(self, x):
            if self.w is None:
                self.w = m.Variable(2.0)
            return x * self.w

    a, b = Scale(), Scale()
    a(m.constant(1.0))
    a(m.constant(1.0))
    a(m.constant([1.0]))
    b(m.constant(1.0))
    return [a.__call__.experimental_get_tracing_count(), b.__call__.experimental_get_tracing_count()]


def test_variable_creation_counts_and_error_match_tf() -> None:
    assert _creation_counts(tapejax) == _creation_counts(tf_real)
    messages = []
    for m in (tf_real, tapejax):

        @m.function
        def make(x, m=m):
            return x * m.Variable(1.0)

        with pytest.raises(ValueError) as info:
            make(m.constant(1.0))
        messages.append(re.search(r"tf\.function only supports singleton[^\n]*", str(info.value)).group(0))
    assert messages[0] == messages[1]


@pytest.mark.parametrize(
    "args",
    [
        lambda m: (m.ones([2, 3], m.float64), 1),
        lambda m: (m.ones([2, 4]), 1),
        lambda m: (m.ones([3]), 1),
        lambda m: (m.ones([2, 3]),),
        lambda m: (m.ones([2, 3]), 1, 2),
        lambda m: (m.ones([2, 3]), 1.5),
    ],
    ids=["dtype", "shape", "rank", "missing", "extra", "conversion"],
)
def test_input_signature_errors_match_tf(args) -> None:
    texts = []
    for m in (tf_real, tapejax):

        @m.function(input_signature=[m.TensorSpec([None, 3], m.float32), m.TensorSpec([], m.int32)])
        def f(x, n):
            return x

        with pytest.raises(TypeError) as info:
            f(*args(m))
        text = str(info.value)
        # The received arguments are printed with each library's repr; the rest must be TF's.
        texts.append((text.split("`")[1], text.split(" for signature: ")[1]))
    assert texts[0] == texts[1]


def test_input_signature_traces_once_for_all_lengths_as_tf() -> None:
    counts = []
    for m in (tf_real, tapejax):

        @m.function(input_signature=[m.TensorSpec([None], m.float32)])
        def f(x):
            return x * 2.0

        for n in (1, 2, 5):
            f(np.ones(n, np.float32))
        counts.append(f.experimental_get_tracing_count())
    assert counts[0] == counts[1] == 1


def test_concrete_function_signatures_match_tf() -> None:
    texts = []
    for m in (tf_real, tapejax):

        @m.function
        def f(x, n=2, *, scale=1.0):
            return {"y": x * float(n) * scale, "z": (x, None, 3)}

        c = f.get_concrete_function(m.TensorSpec([None, 3], m.float32, name="inp"))
        c2 = f.get_concrete_function(m.ones([2, 3]), 3)
        texts.append(
            (
                c.pretty_printed_signature(verbose=False),
                repr(c.structured_input_signature),
                repr(c2.structured_input_signature),
                c2.pretty_printed_signature(),
                f.experimental_get_tracing_count(),
            )
        )
    assert texts[0] == texts[1]
