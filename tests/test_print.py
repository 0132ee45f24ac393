"""Printing tensors: the symbolic form of traced tensors, and ``tf.print`` (``_src/ops/logging_ops.py``).

Every expected text below is what TensorFlow 2.21 prints for the same call.
"""

from __future__ import annotations

import collections
import logging
import sys
from typing import Any

import jax
import numpy as np
import pytest

import tapejax as tf


def _out(*inputs: Any, **kwargs: Any) -> None:
    tf.print(*inputs, output_stream=sys.stdout, **kwargs)


# -- str / repr of traced tensors ------------------------------------------------------------------------
def test_print_of_traced_tensor_gives_symbolic_form(capsys: pytest.CaptureFixture[str]) -> None:
    @tf.function
    def f(x: Any, m: Any) -> Any:
        y = x * 2
        print(x)
        print(y, tf.matmul(m, m), tf.cast(m, tf.int32))
        print(f"{x}|{y}")
        return y

    f(tf.constant(1.0), tf.ones([2, 3]) @ tf.ones([3, 2]))
    assert capsys.readouterr().out == (
        'Tensor("traced:0", shape=(), dtype=float32)\n'
        'Tensor("traced:0", shape=(), dtype=float32) Tensor("traced:0", shape=(2, 2), dtype=float32) '
        'Tensor("traced:0", shape=(2, 2), dtype=int32)\n'
        'Tensor("traced:0", shape=(), dtype=float32)|Tensor("traced:0", shape=(), dtype=float32)\n'
    )


def test_repr_of_traced_tensor_gives_symbolic_form() -> None:
    seen = []

    @tf.function
    def f(x: Any) -> Any:
        seen.append((repr(x), repr(x[0] + 1), str(x)))
        return x

    f(tf.constant([[1, 2]], dtype=tf.int64))
    assert seen == [
        (
            "<tf.Tensor 'traced:0' shape=(1, 2) dtype=int64>",
            "<tf.Tensor 'traced:0' shape=(2,) dtype=int64>",
            'Tensor("traced:0", shape=(1, 2), dtype=int64)',
        )
    ]


def test_print_of_traced_tensor_under_jax_transformations_gives_symbolic_form() -> None:
    seen = []

    def f(t: Any) -> Any:
        seen.append(str(t))
        return t

    jax.jit(f)(tf.constant([1.0, 2.0]))
    jax.vmap(f)(tf.constant([[True, False]]))
    jax.grad(lambda a: f(tf.constant(1.0) * a)._value)(np.float32(2.0))
    assert seen == [
        'Tensor("traced:0", shape=(2,), dtype=float32)',
        'Tensor("traced:0", shape=(2,), dtype=bool)',  # a row: vmap maps the leading dim away
        'Tensor("traced:0", shape=(), dtype=float32)',
    ]


def test_format_spec_of_traced_tensor_raises_type_error() -> None:
    @tf.function
    def f(x: Any) -> Any:
        with pytest.raises(TypeError, match=r"unsupported format string passed to Tensor.__format__.*tf\.print"):
            f"{x:.2f}"
        return x

    f(tf.constant(1.0))
    assert f"{tf.constant(1.0):.2f}" == "1.00"  # eager: the value's format, as before


def test_name_of_traced_tensor_is_the_placeholder_and_eager_name_still_raises() -> None:
    names = []

    @tf.function
    def f(x: Any) -> Any:
        names.append(x.name)
        return x

    f(tf.constant(1.0))
    assert names == ["traced:0"]
    with pytest.raises(AttributeError, match="eager execution"):
        tf.constant(1.0).name  # noqa: B018


def test_eager_str_and_repr_are_unchanged() -> None:
    t = tf.constant([1.0, 2.0])
    assert str(t) == "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"
    assert repr(t) == "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"


# -- tf.print: when it prints ----------------------------------------------------------------------------
def test_tf_print_inside_function_prints_values_when_run(capsys: pytest.CaptureFixture[str]) -> None:
    @tf.function
    def f(x: Any) -> Any:
        print("tracing")
        y = x * 2
        tf.print("x", x, "y", y, [y, "s"], output_stream=sys.stdout)
        return y

    f(tf.constant([1.0, 2.0]))
    f(tf.constant([3.0, 4.0]))
    assert capsys.readouterr().out == "tracing\nx [1 2] y [2 4] [[2 4], 's']\nx [3 4] y [6 8] [[6 8], 's']\n"


def test_tf_print_without_tensors_inside_function_prints_on_every_call(capsys: pytest.CaptureFixture[str]) -> None:
    @tf.function
    def f(x: Any) -> Any:
        tf.print("step", 3, output_stream=sys.stdout)
        return x + 1

    for _ in range(3):
        f(tf.constant(1.0))
    assert capsys.readouterr().out == "step 3\n" * 3


def test_tf_print_inside_function_prints_in_program_order(capsys: pytest.CaptureFixture[str]) -> None:
    @tf.function
    def f(x: Any) -> Any:
        tf.print("first", output_stream=sys.stdout)

        def body(i: Any) -> Any:
            tf.print("i", i, output_stream=sys.stdout)
            return (i + 1,)

        tf.while_loop(lambda i: i < 3, body, (tf.constant(0),))
        tf.cond(x > 0, lambda: (tf.print("positive", output_stream=sys.stdout), x)[1], lambda: x)
        tf.print("last", x, output_stream=sys.stdout)
        return x

    f(tf.constant(5.0))
    assert capsys.readouterr().out == "first\ni 0\ni 1\ni 2\npositive\nlast 5\n"


def test_tf_print_in_custom_gradient_backward_prints_values(capfd: pytest.CaptureFixture[str]) -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def g(dy: Any) -> Any:
            tf.print("dy", dy)
            print(dy)  # traced (JAX traces the backward function): the symbolic form, while traced
            return dy

        return x * 1, g

    x = tf.constant(2.0)
    for _ in range(2):
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x) * 3
        assert float(t.gradient(y, x)) == 3.0
    captured = capfd.readouterr()
    assert captured.err == "dy 3\ndy 3\n"
    assert set(captured.out.splitlines()) == {'Tensor("traced:0", shape=(), dtype=float32)'}  # (traces: 1 or more)


def test_tf_print_in_custom_gradient_backward_prints_during_the_gradient_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x * 1, lambda dy: (tf.print("backward", dy, output_stream=sys.stdout), dy)[1]

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    print("before")
    t.gradient(y, x)  # the result is dropped: the print still happens, here
    print("after")
    assert capsys.readouterr().out == "before\nbackward [1 1]\nafter\n"


def test_tf_print_under_jacobian_prints_once_per_row(capsys: pytest.CaptureFixture[str]) -> None:
    """Documented difference: the vectorised backward pass (jax.vmap) calls the print per row."""

    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x * 1, lambda dy: (tf.print("dy", dy, output_stream=sys.stdout), dy)[1]

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    np.testing.assert_array_equal(t.jacobian(y, x), np.eye(2))
    assert capsys.readouterr().out == "dy [1 0]\ndy [0 1]\n"


def test_tf_print_eager_prints_at_once_in_program_order(capsys: pytest.CaptureFixture[str]) -> None:
    a = tf.constant([1.0, 2.0]) * 3  # deferred (lazy.py): printing computes it
    print("a")
    tf.print("value", a, output_stream=sys.stdout)
    print("b")
    tf.print("no tensor", output_stream=sys.stdout)
    assert capsys.readouterr().out == "a\nvalue [3 6]\nb\nno tensor\n"


def test_tf_print_default_stream_is_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    tf.print("err", tf.constant(1))
    tf.print("also err", output_stream=sys.stderr)
    captured = capsys.readouterr()
    assert captured.err == "err 1\nalso err\n" and captured.out == ""


def test_tf_print_returns_none() -> None:
    assert tf.print("x", output_stream=sys.stdout) is None


def test_tf_print_in_function_that_discovers_variables_prints_once_on_first_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f() -> Any:
        v.assign_add([1.0, 1.0])
        tf.print("v", v, output_stream=sys.stdout)
        return v[0]

    f()
    f()
    assert capsys.readouterr().out == "v [2 3]\nv [3 4]\n"


@pytest.mark.xfail(
    strict=True,
    reason="backward.py: the gradient of a tf.function re-runs its forward program (jax.vjp), and with it "
    "the forward's tf.print; TF prints once per forward call",
)
def test_tf_print_in_differentiated_function_prints_once_per_forward(capsys: pytest.CaptureFixture[str]) -> None:
    @tf.function
    def f(x: Any) -> Any:
        tf.print("forward", x, output_stream=sys.stdout)
        return x * x

    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    assert float(t.gradient(y, x)) == 6.0
    assert capsys.readouterr().out == "forward 3\n"


# -- tf.print: TF's text ---------------------------------------------------------------------------------
_ONE_LINE = [
    # scalars: TF's float text is 6 significant digits, 9 when 6 do not read back (17 for float64)
    ((tf.constant(1.5),), {}, "1.5"),
    ((tf.constant(3),), {}, "3"),
    ((tf.constant(True),), {}, "1"),
    ((tf.constant(1.0, tf.float64),), {}, "1"),
    ((tf.constant(1 / 3),), {}, "0.333333343"),
    ((tf.constant(1 / 3, tf.float64),), {}, "0.33333333333333331"),
    ((tf.constant(0.1, tf.float64),), {}, "0.1"),
    ((tf.constant(1e10),), {}, "1e+10"),
    ((tf.constant(1e-7),), {}, "1e-07"),
    ((tf.constant(123456789.0),), {}, "123456792"),
    ((tf.constant(100000.0),), {}, "100000"),
    ((tf.constant(1000000.0),), {}, "1e+06"),
    ((tf.constant(-0.0),), {}, "-0"),
    ((tf.constant(float("nan")),), {}, "nan"),
    ((tf.constant(-float("nan")),), {}, "-nan"),
    ((tf.constant(-float("inf")),), {}, "-inf"),
    ((tf.constant(0.1, tf.float16),), {}, "0.0999755859"),
    ((tf.constant(0.1, tf.bfloat16),), {}, "0.100097656"),
    ((tf.constant(2**40, tf.int64),), {}, "1099511627776"),
    ((tf.constant(2**64 - 1, tf.uint64),), {}, "18446744073709551615"),
    ((tf.constant([-5, 3], tf.int8),), {}, "[-5 3]"),
    ((tf.constant(1 + 2j),), {}, "?"),  # TF has no text for complex elements
    ((tf.constant([1 + 2j, 3j]),), {}, "[? ?]"),
    ((tf.constant(np.zeros(10, np.complex64)),), {}, "[? ? ?...]"),
    # vectors and summarize
    ((tf.constant([1.0, 2.5, 3.0]),), {}, "[1 2.5 3]"),
    ((tf.constant([0.1, 1e6, 123.456]),), {}, "[0.1 1e+06 123.456]"),
    ((tf.constant([True, False]),), {}, "[1 0]"),
    ((tf.range(6),), {}, "[0 1 2 3 4 5]"),
    ((tf.range(7),), {}, "[0 1 2 ... 4 5 6]"),
    ((tf.range(10),), {"summarize": 2}, "[0 1 ... 8 9]"),
    ((tf.range(10),), {"summarize": -1}, "[0 1 2 3 4 5 6 7 8 9]"),
    ((tf.range(10),), {"summarize": None}, "[0 1 2 ... 7 8 9]"),
    ((tf.range(10),), {"summarize": 0}, "[ ...]"),
    ((tf.constant(1.0),), {"summarize": 0}, "..."),
    ((tf.constant([True] * 5),), {"summarize": 0}, ""),
    ((tf.constant([[1, 2, 3], [3, 4, 5]]),), {"summarize": 1}, "[[1 ... 3]\n [3 ... 5]]"),
    ((tf.constant([], tf.float32),), {}, "[]"),
    ((tf.zeros([2, 0]),), {}, "[\n ...]"),
    ((tf.zeros([1, 1, 1]),), {}, "[[[0]]]"),
    # Python values, nests, sep and end
    (
        ("hello", tf.constant(1.0), 3, 2.5, [1, tf.constant(2)], {"a": tf.constant([1, 2])}, None, True),
        {},
        "hello 1 3 2.5 [1, 2] {'a': [1 2]} None True",
    ),
    (("a", "b"), {"sep": ", ", "end": "!\n"}, "a, b"),
    (("x", tf.constant([1.0, 2.0])), {"sep": ""}, "x[1 2]"),
    (({"b": 1, "a": 2},), {}, "{'a': 2, 'b': 1}"),
    (({"k": [1, {"z": tf.constant(3)}]},), {}, "{'k': [1, {'z': 3}]}"),
    (
        ({"b": tf.constant(1), "a": [tf.constant(2), {"y": 3, "x": tf.constant([4, 5])}]},),
        {},
        "{'a': [2, {'x': [4 5], 'y': 3}], 'b': 1}",
    ),
    (
        (np.array([1.0, 2.0]), np.float32(1.5), 1.0 / 3, (1, 2), ("x",)),
        {},
        "array([1., 2.]) np.float32(1.5) 0.3333333333333333 (1, 2) ('x',)",
    ),
    (("%d", 3), {}, "%d 3"),
    (("{}", tf.constant(1)), {}, "{} 1"),  # the placeholder avoids braces in the strings
    (("{}{}", tf.constant(1), "x"), {}, "{}{} 1 x"),
    ((["{}", tf.constant(1)], "{}2", tf.constant(2)), {}, "['{}', 1] {}2 2"),
    ((collections.namedtuple("Pt", "x y")(tf.constant(1), 2),), {}, "Pt(x=1, y=2)"),
    ((tf.Variable([1.0, 2.0]),), {}, "[1 2]"),
    ((), {}, ""),
    (("a\nb", ["a\nb"]), {}, "a\nb ['a\\nb']"),
]


@pytest.mark.parametrize(("inputs", "kwargs", "text"), _ONE_LINE)
def test_tf_print_formats_like_tf(
    capsys: pytest.CaptureFixture[str], inputs: tuple[Any, ...], kwargs: dict[str, Any], text: str
) -> None:
    _out(*inputs, **kwargs)
    assert capsys.readouterr().out == text + kwargs.get("end", "\n")


def test_tf_print_summarizes_each_dimension_like_tf(capsys: pytest.CaptureFixture[str]) -> None:
    _out(tf.reshape(tf.range(12), [3, 4]))
    _out(tf.reshape(tf.range(49), [7, 7]))
    _out(tf.reshape(tf.range(24), [2, 3, 4]))
    assert capsys.readouterr().out == (
        "[[0 1 2 3]\n [4 5 6 7]\n [8 9 10 11]]\n"
        "[[0 1 2 ... 4 5 6]\n [7 8 9 ... 11 12 13]\n [14 15 16 ... 18 19 20]\n ...\n"
        " [28 29 30 ... 32 33 34]\n [35 36 37 ... 39 40 41]\n [42 43 44 ... 46 47 48]]\n"
        "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]\n"
    )


def test_tf_print_wraps_long_nests_as_pprint(capsys: pytest.CaptureFixture[str]) -> None:
    _out([tf.constant(1.0)] * 30)
    assert capsys.readouterr().out == "[" + ",\n ".join(["1"] * 30) + "]\n"


def test_tf_print_keeps_each_tensor_under_its_key_in_ordered_dicts(capsys: pytest.CaptureFixture[str]) -> None:
    """Documented difference: TF prints ``OrderedDict([('b', 2), ('a', 1)])`` here."""
    _out(collections.OrderedDict([("b", tf.constant(1)), ("a", tf.constant(2))]))
    assert capsys.readouterr().out == "OrderedDict([('b', 1), ('a', 2)])\n"


def test_tf_print_to_file_appends(tmp_path: Any) -> None:
    path = tmp_path / "log.txt"
    tf.print("to file", tf.constant([1, 2]), output_stream=f"file://{path}")

    @tf.function
    def f(x: Any) -> Any:
        tf.print("again", x, output_stream=f"file://{path}", end="")
        return x

    f(tf.constant(3))
    assert path.read_text() == "to file [1 2]\nagain 3"


def test_tf_print_to_logging_level_logs_through_the_tapejax_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tapejax")
    tf.print("info", tf.constant([1, 2]), output_stream=logging.INFO)
    tf.print("warning", output_stream=logging.warning)
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("tapejax", logging.INFO, "info [1 2]"),
        ("tapejax", logging.WARNING, "warning"),
    ]


def test_tf_print_rejects_an_unsupported_stream_and_unknown_keywords(tmp_path: Any) -> None:
    with open(tmp_path / "f.txt", "w") as f, pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print("x", output_stream=f)
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments for tf\.print"):
        tf.print("x", foo=1)


def test_print_of_variable_inside_function_gives_tf_graph_form(capsys):
    v = tf.Variable(2.0, name="w")

    @tf.function
    def f(x):
        print(v)
        print(repr(v))
        return x + v

    assert float(f(tf.constant(1.0))) == 3.0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines and all(line == "<tf.Variable 'w:0' shape=() dtype=float32>" for line in lines)  # TF 2.21
