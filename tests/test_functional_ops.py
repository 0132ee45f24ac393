"""tf.map_fn, tf.scan, tf.foldl, tf.foldr, tf.vectorized_map, tf.switch_case and tf.case: values
(checked against TF 2.21), the same values inside tf.function (one lax.scan / lax.switch op), errors,
and gradients on a tape in both forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax as tf

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)


def _both(fn: Callable[[tf.Tensor], Any]) -> tuple[Any, Any]:
    """``fn(X)`` eagerly and inside tf.function, as numpy nests."""
    eager = tf.nest.map_structure(lambda t: t.numpy(), fn(tf.constant(X)))
    traced = tf.nest.map_structure(lambda t: t.numpy(), tf.function(fn)(tf.constant(X)))
    return eager, traced


CASES: dict[str, tuple[Callable[[tf.Tensor], Any], Any]] = {
    "map_fn": (lambda x: tf.map_fn(lambda r: r * 2, x), X * 2),
    "map_fn_signature": (
        lambda x: tf.map_fn(lambda r: tf.cast(tf.reduce_sum(r), tf.int32), x, fn_output_signature=tf.int32),
        np.array([3, 7, 11], np.int32),
    ),
    "map_fn_nest": (
        lambda x: tf.map_fn(lambda a: (a[0] + a[1], a[0]), (x, x), fn_output_signature=(tf.float32, tf.float32)),
        (X * 2, X),
    ),
    "map_fn_dict": (
        lambda x: tf.map_fn(lambda a: {"s": a["p"] * 2}, {"p": x}, fn_output_signature={"s": tf.float32}),
        {"s": X * 2},
    ),
    "scan": (lambda x: tf.scan(lambda a, r: a + r, x), np.cumsum(X, 0)),
    "scan_reverse": (lambda x: tf.scan(lambda a, r: a + r, x, reverse=True), np.cumsum(X[::-1], 0)[::-1]),
    "scan_initializer_reverse": (
        lambda x: tf.scan(lambda a, r: a + r, x, initializer=tf.zeros([2]), reverse=True),
        np.cumsum(X[::-1], 0)[::-1],
    ),
    "scan_nested_carry": (
        lambda x: tf.scan(lambda a, r: (a[0] + r, a[1] * 2), x, initializer=(tf.zeros([2]), tf.constant(1.0))),
        (np.cumsum(X, 0), np.array([2.0, 4.0, 8.0], np.float32)),
    ),
    "foldl": (lambda x: tf.foldl(lambda a, r: a + r, x), X.sum(0)),
    "foldr_int": (
        lambda x: tf.foldr(lambda a, r: a * 10 + r, tf.cast(x[:, 0], tf.int32)),
        np.array(531, np.int32),
    ),
    "foldl_initializer": (
        lambda x: tf.foldl(lambda a, r: a * 10 + r, tf.cast(x[:, 0], tf.int32), initializer=5),
        np.array(5135, np.int32),
    ),
    "vectorized_map": (lambda x: tf.vectorized_map(lambda r: tf.reduce_sum(r * r), x), (X * X).sum(1)),
    "switch_case": (
        lambda x: tf.switch_case(tf.cast(x[0, 0], tf.int32), [lambda: x[0], lambda: x[1]]),
        X[1],
    ),
    "switch_case_out_of_range_takes_last": (
        lambda x: tf.switch_case(tf.cast(x[2, 1], tf.int32), [lambda: x[0], lambda: x[1]]),
        X[1],
    ),
    "switch_case_default": (
        lambda x: tf.switch_case(tf.cast(-x[0, 0], tf.int32), {0: lambda: x[0], 1: lambda: x[1]}, default=lambda: x[2]),
        X[2],
    ),
    "case": (
        lambda x: tf.case([(x[0, 0] > 3, lambda: x[0]), (x[0, 0] < 3, lambda: x[1])], default=lambda: x[2]),
        X[1],
    ),
    "case_default": (lambda x: tf.case([(x[0, 0] > 3, lambda: x[0])], default=lambda: x[2]), X[2]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_tf_eagerly_and_in_tf_function(name: str) -> None:
    fn, want = CASES[name]
    eager, traced = _both(fn)
    for got in (eager, traced):
        tf.nest.assert_same_structure(got, want)
        for g, w in zip(tf.nest.flatten(got), tf.nest.flatten(want), strict=True):
            assert g.dtype == np.asarray(w).dtype and g.shape == np.shape(w)
            np.testing.assert_allclose(g, w)


def test_map_fn_errors_as_tf() -> None:
    x = tf.constant(X)
    with pytest.raises(tf.errors.InvalidArgumentError, match="TensorArray dtype is float32 but Op is trying to write"):
        tf.map_fn(lambda r: tf.cast(tf.reduce_sum(r), tf.int32), x)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.map_fn(lambda a: a[0] + a[1], (x, x))
    with pytest.raises(ValueError, match="1\\+ dimensional"):
        tf.map_fn(lambda r: r, tf.constant(1.0))
    empty = tf.map_fn(lambda r: r * 2, tf.zeros([0, 2]))
    assert tuple(empty.shape) == (0,) and empty.dtype == tf.float32


def test_scan_and_fold_of_empty_elems() -> None:
    with pytest.raises(tf.errors.OutOfRangeError):
        tf.foldl(lambda a, r: a + r, tf.zeros([0]))
    with pytest.raises(tf.errors.OutOfRangeError):
        tf.scan(lambda a, r: a + r, tf.zeros([0]))
    assert float(tf.foldl(lambda a, r: a + r, tf.zeros([0]), initializer=2.0)) == 2.0


def test_switch_case_and_case_errors() -> None:
    with pytest.raises(TypeError, match="'branch_index' must be a Tensor"):
        tf.switch_case(1, [lambda: 1])
    with pytest.raises(ValueError, match=r"contiguous range of \[0 to 2\) but found \{0,3\}"):
        tf.switch_case(tf.constant(0), {0: lambda: 1, 3: lambda: 2})
    with pytest.raises(tf.errors.InvalidArgumentError, match="None of conditions evaluated as True"):
        tf.case([(tf.constant(False), lambda: tf.constant(1))])


def _grad(fn: Callable[[tf.Tensor], tf.Tensor], traced: bool) -> np.ndarray:
    x = tf.constant(X)
    f = tf.function(fn) if traced else fn
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    return tape.gradient(y, x).numpy()


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf_function"])
def test_gradients_flow_through_the_loops(traced: bool) -> None:
    w = tf.constant([2.0, 3.0])
    np.testing.assert_allclose(_grad(lambda x: tf.map_fn(lambda r: r * r * w, x), traced), 2 * X * [2.0, 3.0])
    # scan: output i holds x_0 + ... + x_i, so x_j reaches 3 - j outputs
    np.testing.assert_allclose(_grad(lambda x: tf.scan(lambda a, r: a + r, x), traced), [[3, 3], [2, 2], [1, 1]])
    np.testing.assert_allclose(
        _grad(lambda x: tf.foldl(lambda a, r: a * r, x, initializer=tf.ones([2])), traced),
        np.prod(X, 0) / X,
        rtol=1e-6,
    )
    np.testing.assert_allclose(_grad(lambda x: tf.vectorized_map(lambda r: r * r, x), traced), 2 * X)
    np.testing.assert_allclose(
        _grad(lambda x: tf.switch_case(tf.constant(1), [lambda: x * 0, lambda: x * x]), traced), 2 * X
    )


def test_gradient_reaches_a_variable_read_inside_the_traced_loop() -> None:
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(tf.map_fn(lambda r: r * v, x))

    with tf.GradientTape() as tape:
        y = f(tf.constant(X))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), X.sum(0))


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf_function"])
def test_recompute_grad_and_vectorized_map_reach_variables_read_inside(traced: bool) -> None:
    v = tf.Variable(2.0)
    x = tf.constant([1.0, 2.0])
    wrap = tf.function if traced else (lambda h: h)
    for apply in (
        lambda a: tf.recompute_grad(lambda r: tf.sin(r) * r * v)(a),
        lambda a: tf.vectorized_map(lambda r: tf.sin(r) * r * v, a),
    ):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = wrap(lambda a, apply=apply: tf.reduce_sum(apply(a)))(x)
        gx, gv = tape.gradient(y, [x, v])
        xs = np.array([1.0, 2.0])
        np.testing.assert_allclose(gx.numpy(), 2 * (np.cos(xs) * xs + np.sin(xs)), rtol=1e-6)  # TF: 2.7635465 0.1540074
        np.testing.assert_allclose(float(gv), np.sum(np.sin(xs) * xs), rtol=1e-6)  # TF: 2.6600657


def test_grad_pass_through_gives_the_identity_gradient() -> None:
    x = tf.constant([0.2, 0.4])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.grad_pass_through(lambda a: tf.round(a * 3))(x)
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 1.0])


def test_numpy_function_eagerly_as_tf() -> None:
    x = tf.constant([1.0, 2.0])
    seen = []
    y = tf.numpy_function(lambda a: seen.append(type(a)) or a * 2, [x], tf.float32)
    assert seen == [np.ndarray] and y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
    # eagerly TF keeps the dtype func returns (float64 here), and a list Tout gives a list
    assert tf.numpy_function(lambda a: a.astype(np.float64), [x], tf.float32).dtype == tf.float64
    assert len(tf.numpy_function(lambda a: a, [x], [tf.float32])) == 1
    assert tf.numpy_function(lambda a: None, [x], []) is None
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.numpy_function(lambda a: a * 2, [x], tf.float32)
    assert tape.gradient(y, x) is None  # no gradient, as TF


def test_py_function_eagerly_is_differentiable_and_converts_to_tout() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.py_function(lambda a: a * a, [x], tf.float32)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])
    assert tf.py_function(lambda a: 1.5, [x], tf.float32).dtype == tf.float32
    assert tf.py_function(lambda a: None, [x], []) == []
    with pytest.raises(tf.errors.InvalidArgumentError, match="EagerPyFunc"):
        tf.py_function(lambda a: 1.5, [x], tf.int32)


def test_numpy_and_py_function_inside_tf_function_call_back_each_run() -> None:
    calls = []

    @tf.function
    def f(x: tf.Tensor) -> Any:
        y = tf.numpy_function(lambda a: calls.append(1) or a * 2, [x], tf.float32)
        (z,) = tf.py_function(lambda a: a * 3, [x], [tf.float32])
        return y + z

    for k in (1.0, 2.0):
        np.testing.assert_array_equal(f(tf.constant([k, 2 * k])).numpy(), [5 * k, 10 * k])
    assert len(calls) >= 2  # (one more call at trace time learns the output shapes)
