"""tf.function (tapejax/_src/function.py), and regressions found by review against real TF 2.21."""

from __future__ import annotations

import gc
import traceback
import weakref

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import backward


def test_nested_functions_lift_variables_and_leave_them_concrete() -> None:
    u = tf.Variable(1.0)

    @tf.function
    def inner(x):
        u.assign_add(1.0)
        return x * u

    @tf.function
    def outer(x):
        return inner(x) + 1.0

    assert float(outer(tf.constant(2.0))) == 5.0
    assert float(u.numpy()) == 2.0  # a concrete value, not a leaked tracer
    assert float(outer(tf.constant(2.0))) == 7.0
    assert float(u.numpy()) == 3.0


def test_output_structure_follows_the_input_shape_of_each_call() -> None:
    @tf.function
    def f(x):
        return x * 2.0, int(x.shape[0])

    assert [f(tf.ones([n]))[1] for n in (2, 5, 2)] == [2, 5, 2]


def test_variable_argument_is_passed_by_reference() -> None:
    @tf.function
    def step(v, x):
        v.assign_add(x)
        return v * 2.0

    v = tf.Variable(1.0)
    assert float(step(v, tf.constant(2.0))) == 6.0
    assert float(v.numpy()) == 3.0


def test_assignment_inside_function_passes_no_gradient_to_its_sources() -> None:
    v = tf.Variable(1.0)

    @tf.function
    def step(x):
        v.assign_add(x)
        return v * 2.0

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = step(x)
    dx, dv = tape.gradient(y, [x, v])
    # TF: dy/dv = 2 (reads after an assign differentiate w.r.t. the Variable); dy/dx is None in TF
    # and zeros here (the compiled step is one node, so only its zero gradient shows the cut).
    assert float(dv) == 2.0
    assert dx is None or float(dx) == 0.0


def test_methods_compiled_with_function_do_not_keep_instances_alive() -> None:
    class Model:
        def __init__(self) -> None:
            self.w = tf.Variable(2.0)

        @tf.function
        def __call__(self, x):
            return x * self.w

    m = Model()
    assert float(m(tf.constant(3.0))) == 6.0
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


def test_custom_gradient_sees_a_reassigned_non_trainable_variable() -> None:
    scale = tf.Variable(2.0, trainable=False)

    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy * scale

        return x * scale, grad

    x = tf.constant(1.0)
    for s in (2.0, 5.0):
        scale.assign(s)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        assert float(tape.gradient(y, x)) == s


def test_segmented_gradient_of_an_intermediate_includes_its_own_segment() -> None:
    x = tf.constant(0.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = tf.sin(x)
        a = h * 2.0
        for _ in range(backward.SEGMENT + 100):
            a = a * 1.0
        y = a + h
    gx, gh = tape.gradient(y, [x, h])
    np.testing.assert_allclose([float(gx), float(gh)], [3 * np.cos(0.5), 3.0], rtol=1e-6)


# -- errors raised while tracing: TF 2.21's classes (checked against tensorflow-cpu 2.21) ----------
def test_user_exception_raised_while_tracing_propagates_unchanged() -> None:
    @tf.function
    def f(x):
        raise ValueError("my config")

    with pytest.raises(ValueError, match="my config") as info:
        f(tf.constant(1.0))
    assert type(info.value) is ValueError  # TF: builtins.ValueError, not an OpError
    frames = [frame.f_code.co_name for frame, _ in traceback.walk_tb(info.value.__traceback__)]
    assert frames[-1] == "f"  # the traceback still reaches the user's raise


def test_assign_shape_mismatch_inside_function_is_value_error_as_eagerly() -> None:
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        v.assign([1.0, 2.0, 3.0])
        return x

    with pytest.raises(ValueError, match="Shape mismatch") as info:
        f(tf.constant(1.0))
    assert not isinstance(info.value, tf.errors.OpError)  # TF: ValueError, eagerly and in tf.function


def test_cast_to_unknown_dtype_inside_function_is_type_error_as_eagerly() -> None:
    @tf.function
    def f(x):
        return tf.cast(x, "nope")  # pyright: ignore[reportArgumentType]

    with pytest.raises(TypeError, match="nope") as info:
        f(tf.constant(1.0))
    assert not isinstance(info.value, tf.errors.OpError)


def test_optimizer_without_gradients_inside_function_raises_value_error() -> None:
    opt = tf.keras.optimizers.SGD(0.1)
    w = tf.Variable(1.0)

    @tf.function
    def step(x):
        opt.apply_gradients([(None, w)])
        return x

    with pytest.raises(ValueError, match="No gradients provided for any variable") as info:
        step(tf.constant(1.0))
    assert type(info.value) is ValueError


def test_failed_trace_leaves_variables_and_random_state_as_they_were() -> None:
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        v.assign(5.0)
        tf.random.uniform([2])
        raise ValueError("after assign")

    tf.random.set_seed(3)
    with pytest.raises(ValueError, match="after assign"):
        f(tf.constant(1.0))
    after_failure = tf.random.uniform([2]).numpy()
    tf.random.set_seed(3)
    np.testing.assert_array_equal(after_failure, tf.random.uniform([2]).numpy())
    assert float(v) == 1.0  # TF: 1.0


def test_failed_trace_is_not_counted() -> None:
    @tf.function
    def f(x):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        f(tf.constant(1.0))
    assert f.experimental_get_tracing_count() == 0  # TF: 0


def test_python_if_on_a_tensor_raises_operator_not_allowed_in_graph_error() -> None:
    # TF 2.21 with autograph=False: OperatorNotAllowedInGraphError, a TypeError.
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError, match=r"tf\.function f:.*tf\.cond") as info:
        f(tf.constant(1.0))
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value.__cause__, TypeError)  # JAX's concretization error, kept as the cause


def test_static_shape_error_inside_function_is_value_error_and_invalid_argument() -> None:
    @tf.function
    def f(x):
        return tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])

    with pytest.raises(ValueError, match=r"AddV2.*float32\[2\].*float32\[3\]") as info:  # TF: ValueError
        f(tf.constant(1.0))
    assert isinstance(info.value, tf.errors.InvalidArgumentError)  # the op's eager class, as before


def test_returned_dicts_keep_their_key_order():
    @tf.function
    def f(a):
        return {"b": a * 2.0, "a": a * 3.0, "c": [a, {"z": a, "y": a}]}

    for _ in range(2):  # the first call traces, the second reuses the trace
        r = f(tf.constant(2.0))
        assert list(r) == ["b", "a", "c"] and list(r["c"][1]) == ["z", "y"]
        assert float(r["b"].numpy()) == 4.0 and float(r["a"].numpy()) == 6.0


def test_dict_arguments_keep_their_key_order_inside_the_function():
    @tf.function
    def first(d):
        return next(iter(d.values())) * 1.0

    assert float(first({"b": tf.constant(1.0), "a": tf.constant(2.0)}).numpy()) == 1.0


def test_integer_power_inside_a_function_works():
    # The eager negative-exponent check must not read a traced value (it raised).
    square = tf.function(lambda x: x**2)
    np.testing.assert_array_equal(square(tf.constant([1, 2, 3])).numpy(), [1, 4, 9])


def test_while_loop_maximum_iterations_holds_inside_a_function():
    # It was ignored in the traced loop: the loop ran to its condition (100 instead of 7).
    @tf.function
    def count(n, m):
        return tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)], maximum_iterations=m)

    assert int(count(tf.constant(100), tf.constant(7))[0].numpy()) == 7
    assert int(count(tf.constant(2), tf.constant(7))[0].numpy()) == 2


def test_a_tape_inside_a_function_differentiates_through_cond():
    # The branches' ops were recorded inside lax.cond's own trace, cut off from the tape: None.
    v = tf.Variable(2.0)

    @tf.function
    def grads(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cond(x > 0, lambda: v * v * x, lambda: v + x * x)
        return tape.gradient(y, [x, v])

    gx, gv = grads(tf.constant(3.0))
    assert float(gx.numpy()) == 4.0 and float(gv.numpy()) == 12.0
    gx, gv = grads(tf.constant(-3.0))
    assert float(gx.numpy()) == -6.0 and float(gv.numpy()) == 1.0


def test_python_numbers_returned_by_cond_and_while_loop_branches_get_tfs_dtypes():
    # They became float64/int64 (jnp's defaults under x64); TF gives float32/int32.
    @tf.function
    def f(x):
        a = tf.cond(x > 0, lambda: 1.0, lambda: 2.0)
        b = tf.cond(x > 0, lambda: 1, lambda: 2)
        c = tf.cond(x > 0, lambda: x, lambda: 0.0)  # mixing a float32 tensor and a Python float
        i, _ = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0), [0, x])
        return a, b, c, i

    assert [t.dtype for t in f(tf.constant(1.0))] == [tf.float32, tf.int32, tf.float32, tf.int32]


def test_a_tape_inside_a_function_and_while_loop():
    # A gradient through a traced while_loop with no static bound is TF's (x ** 3 -> 3 * x ** 2: it
    # raised JAX's reverse-mode error before control_flow's differentiable loop); a gradient that
    # does not go through the loop is unaffected.
    @tf.function
    def outside_the_loop(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, tf.constant(1.0)])
            z = x * 5.0
        return y, tape.gradient(z, x)

    y, g = outside_the_loop(tf.constant(2.0))
    assert float(y.numpy()) == 8.0 and float(g.numpy()) == 5.0

    @tf.function
    def through_the_loop(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, tf.constant(1.0)])
        return tape.gradient(y, x)

    assert float(through_the_loop(tf.constant(2.0)).numpy()) == 12.0


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: tf.reshape(x, [tf.shape(x)[0], -1]),
        lambda x: tf.zeros(tf.shape(x)),
        lambda x: tf.fill(tf.shape(x), 2.0),
        lambda x: tf.broadcast_to(tf.constant(1.0), tf.shape(x)),
        lambda x: tf.tile(x, [tf.shape(x)[0], 1, 1]),
        lambda x: tf.range(tf.shape(x)[0]),
        lambda x: tf.reshape(x, [tf.shape(x)[0] * tf.shape(x)[1], -1]),
    ],
    ids=["reshape", "zeros", "fill", "broadcast_to", "tile", "range", "shape_arithmetic"],
)
def test_shapes_from_tf_shape_work_inside_a_function(fn):
    # XLA's shapes are static: tf.shape gives a concrete value there (it raised "symbolic tensor").
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    np.testing.assert_array_equal(tf.function(fn)(x).numpy(), fn(x).numpy())


def test_a_tape_inside_a_function_differentiates_a_bounded_while_loop():
    # With a static maximum_iterations the traced loop is a scan JAX can reverse-differentiate (TF's values).
    @tf.function
    def cube(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(
                lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, tf.constant(1.0)], maximum_iterations=10
            )
        return y, tape.gradient(y, x)

    y, g = cube(tf.constant(2.0))
    assert float(y.numpy()) == 8.0 and float(g.numpy()) == 12.0
