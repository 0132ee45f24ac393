"""GradientTape: what is recorded and watched, what ``gradient()`` returns, persistence and recording
control, and the errors of misuse (TF_SEMANTICS.md §2, §3, §4, §6 control flow/assign, §10).

Expected values are derived by hand; each test pins one rule of TensorFlow's behaviour.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import tapejax as tf

NONPERSISTENT_MSG = "A non-persistent GradientTape can only be used to compute one set of gradients"


def _np(t):
    return np.asarray(t.numpy())


def _close(t, expected, rtol=1e-6, atol=1e-6):
    np.testing.assert_allclose(_np(t), np.asarray(expected), rtol=rtol, atol=atol)


def _same_objects(got, expected):
    """Variables compare element-wise like Tensors in TF, so identity is checked explicitly."""
    assert isinstance(got, tuple)
    assert len(got) == len(expected)
    assert all(a is b for a, b in zip(got, expected, strict=True))


# -- §1 API surface -----------------------------------------------------------------------------------


def test_autodiff_gradient_tape_is_the_same_class():
    assert tf.autodiff.GradientTape is tf.GradientTape


def test_enter_returns_the_tape_itself():
    tape = tf.GradientTape()
    with tape as entered:
        pass
    assert entered is tape


def test_gradient_accepts_all_four_arguments_as_keywords():
    x = tf.constant([1.0, 2.0])
    other = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch([x, other])
        y = x * x
    gx, gother = tape.gradient(
        target=y,
        sources=[x, other],
        output_gradients=tf.constant([1.0, 10.0]),
        unconnected_gradients=tf.UnconnectedGradients.ZERO,
    )
    _close(gx, [2.0, 40.0])
    _close(gother, 0.0)


# -- §2 what gets watched / recorded ------------------------------------------------------------------


def test_ops_on_unwatched_inputs_are_not_recorded():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_trainable_variable_read_inside_tape_is_watched_automatically():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
    _close(tape.gradient(y, v), 6.0)


def test_variable_created_inside_tape_is_watched_when_read():
    with tf.GradientTape() as tape:
        v = tf.Variable(2.0)
        y = v * v * v
    _close(tape.gradient(y, v), 12.0)


def test_nontrainable_variable_is_not_watched_automatically():
    v = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_watch_makes_nontrainable_variable_differentiable():
    v = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = v * v
    _close(tape.gradient(y, v), 6.0)


def test_constant_is_not_watched_automatically():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * 2.0
    assert tape.gradient(y, x) is None


def test_watched_constant_gets_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    _close(tape.gradient(y, x), 6.0)


def test_watch_accessed_variables_false_only_differentiates_explicit_watches():
    a = tf.Variable(2.0)
    b = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    _close(ga, 5.0)
    assert gb is None
    _same_objects(tape.watched_variables(), (a,))


def test_value_computed_before_the_tape_has_no_gradient():
    x = tf.constant(3.0)
    y = x * x
    with tf.GradientTape() as tape:
        tape.watch(x)
    assert tape.gradient(y, x) is None


def test_variable_rebound_to_a_tensor_is_no_longer_watched():
    # The guide's loop: `x = x + 1` turns the Variable into a plain tensor.
    x = tf.Variable(2.0)
    grads = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = x + 1
        grads.append(tape.gradient(y, x))
        x = x + 1
    _close(grads[0], 1.0)
    assert grads[1] is None


def test_computation_through_numpy_cuts_the_path():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        x2 = x * x
        y = tf.constant(np.mean(x2.numpy(), axis=0)) * 2.0
    assert tape.gradient(y, x) is None


def test_two_equal_valued_constants_are_distinct_sources():
    x1 = tf.constant(1.0)
    x2 = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch([x1, x2])
        y = x1 * x1 * 3.0 + x2
    g1, g2 = tape.gradient(y, [x1, x2])
    _close(g1, 6.0)
    _close(g2, 1.0)


def test_outer_tape_does_not_see_what_inner_tape_watches():
    x = tf.constant(3.0)
    with tf.GradientTape() as outer, tf.GradientTape() as inner:
        inner.watch(x)
        y = x * x
    assert outer.gradient(y, x) is None
    _close(inner.gradient(y, x), 6.0)


def test_inner_tape_does_not_see_what_outer_tape_watches():
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            y = x * x
    assert inner.gradient(y, x) is None
    _close(outer.gradient(y, x), 6.0)


def test_watched_variables_is_a_tuple_ordered_by_creation():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    c = tf.Variable(3.0, name="c")
    with tf.GradientTape() as tape:
        tape.watch(c)
        _ = b * 1.0
        _ = a * 1.0
    _same_objects(tape.watched_variables(), (a, b, c))


def test_watched_variables_includes_explicitly_watched_nontrainable_variable():
    frozen = tf.Variable(1.0, trainable=False)
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(frozen)
        _ = w * frozen
    _same_objects(tape.watched_variables(), (frozen, w))


def test_watched_variables_is_empty_until_a_variable_is_read():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        before = tape.watched_variables()
        _ = w * 2.0
        after = tape.watched_variables()
    assert before == ()
    _same_objects(after, (w,))


def test_watched_variables_remain_after_nonpersistent_gradient():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = w * w
    tape.gradient(y, w)
    _same_objects(tape.watched_variables(), (w,))


def test_reset_empties_watched_variables():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        _ = w * w
        tape.reset()
        assert tape.watched_variables() == ()


@pytest.mark.parametrize("value", [1.0, "x", None, np.array([1.0, 2.0])], ids=["float", "str", "None", "ndarray"])
def test_watch_of_non_tensor_raises_value_error(value):
    with tf.GradientTape() as tape, pytest.raises(ValueError, match=r"not tf\.Tensor or tf\.Variable"):
        tape.watch(value)


def test_watch_non_tensor_message_names_the_type():
    with tf.GradientTape() as tape, pytest.raises(ValueError, match="float"):
        tape.watch(1.0)


def test_watch_accepts_a_nest_of_tensors_and_variables():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    v = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch([a, (b, {"v": v})])
        y = a * b * v
    ga, gb, gv = tape.gradient(y, [a, b, v])
    _close(ga, 6.0)
    _close(gb, 3.0)
    _close(gv, 2.0)


def test_watch_of_int_tensor_logs_warning_and_gradient_is_none(caplog):
    i = tf.constant(3)
    with caplog.at_level(logging.WARNING, logger="tapejax"), tf.GradientTape() as tape:
        tape.watch(i)
        y = i * i
    assert "dtype of the watched tensor must be floating" in caplog.text
    assert tape.gradient(y, i) is None


# -- §3 gradient() results ------------------------------------------------------------------------------


def test_single_source_gives_a_single_tensor_not_a_list():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x)
    assert isinstance(g, tf.Tensor)
    _close(g, 4.0)


def test_gradient_mirrors_list_tuple_dict_and_nested_sources():
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    c = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * b * c
    as_list = tape.gradient(y, [a, b])
    as_tuple = tape.gradient(y, (a, b))
    as_dict = tape.gradient(y, {"a": a, "c": c})
    nested = tape.gradient(y, {"x": [a, (b, c)], "y": {"z": c}})
    assert isinstance(as_list, list) and len(as_list) == 2
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 2
    assert isinstance(as_dict, dict) and set(as_dict) == {"a", "c"}
    _close(as_list[0], 6.0)
    _close(as_tuple[1], 3.0)
    _close(as_dict["c"], 2.0)
    assert isinstance(nested["x"], list) and isinstance(nested["x"][1], tuple)
    _close(nested["x"][0], 6.0)
    _close(nested["x"][1][0], 3.0)
    _close(nested["x"][1][1], 2.0)
    _close(nested["y"]["z"], 2.0)


def test_dict_sources_keep_their_key_order():
    # TF's nest keeps the caller's order; jax's tree_unflatten sorts keys, which paired
    # zip(g.values(), p.values()) wrongly without an error.
    p = {"w": tf.Variable(1.0), "b": tf.Variable(2.0), "a": {"z": tf.Variable(0.5), "y": tf.Variable(0.25)}}
    with tf.GradientTape() as tape:
        y = p["w"] * 3.0 + p["b"] * 5.0 + p["a"]["z"] * 7.0 + p["a"]["y"] * 11.0
    g = tape.gradient(y, p)
    assert list(g) == ["w", "b", "a"] and list(g["a"]) == ["z", "y"]
    assert [float(v.numpy()) for v in (g["w"], g["b"], g["a"]["z"], g["a"]["y"])] == [3.0, 5.0, 7.0, 11.0]


def test_a_target_given_as_source_gets_ones_even_unwatched():
    x = tf.constant([1.0, 2.0])
    y = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        pass
    _close(tape.gradient(x, x), [1.0, 1.0])
    gx, gy = tape.gradient([x, y], [x, y])
    _close(gx, [1.0, 1.0])
    _close(gy, 1.0)
    assert tape.gradient(y, x) is None


def test_list_target_differentiates_the_sum_of_targets():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y1 = x * x
        y2 = x * 5.0
    _close(tape.gradient([y1, y2], x), 11.0)


def test_dict_and_nested_targets_differentiate_the_sum_of_targets():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        targets = {"sq": x * x, "more": [x * 3.0, (x * x * x,)]}
    _close(tape.gradient(targets, x), 4.0 + 3.0 + 12.0)


def test_nonscalar_target_is_implicitly_summed():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    _close(tape.gradient(y, x), [2.0, 4.0, 6.0])


def test_target_containing_the_source_contributes_ones():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    _close(tape.gradient([x, y], x), [3.0, 5.0])


def test_gradient_of_a_source_with_respect_to_itself_is_ones():
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    with tf.GradientTape() as tape:
        tape.watch(x)
    g = tape.gradient(x, x)
    assert g.shape == (2, 3)
    _close(g, np.ones((2, 3)))


def test_variable_target_with_respect_to_itself_is_one():
    v = tf.Variable(4.0)
    with tf.GradientTape() as tape:
        _ = v * 2.0
    _close(tape.gradient(v, v), 1.0)


def test_source_listed_twice_gets_the_full_gradient_each_time():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g1, g2 = tape.gradient(y, [x, x])
    _close(g1, 6.0)
    _close(g2, 6.0)


def test_intermediate_tensor_can_be_a_source_without_watch():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * y * 3.0
    # dz/dy = 6y = 24 at y = 4.
    _close(tape.gradient(z, y), 24.0)


def test_output_gradients_weight_the_target():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 0.5, -1.0]))
    _close(g, [2.0, 2.0, -6.0])


def test_output_gradients_are_given_per_target_for_list_targets():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y1 = x * x
        y2 = x * 3.0
    g = tape.gradient([y1, y2], x, output_gradients=[tf.constant([1.0, 2.0]), tf.constant([10.0, 0.0])])
    _close(g, [2.0 * 1.0 * 1.0 + 30.0, 2.0 * 2.0 * 2.0 + 0.0])


def test_output_gradients_accept_python_floats():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    _close(tape.gradient(y, x, output_gradients=2.0), 12.0)


def test_output_gradients_shape_mismatch_raises_invalid_argument():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(tf.errors.InvalidArgumentError):
        tape.gradient(y, x, output_gradients=tf.constant([1.0, 2.0]))


def test_unconnected_source_gives_none_by_default():
    x = tf.constant(1.0)
    z = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([x, z])
        y = x * 2.0
    gx, gz = tape.gradient(y, [x, z])
    _close(gx, 2.0)
    assert gz is None


@pytest.mark.parametrize("mode", [tf.UnconnectedGradients.ZERO, "zero"], ids=["enum", "string"])
def test_unconnected_zero_gives_zeros_of_source_shape_and_dtype(mode):
    x = tf.constant(1.0)
    z = tf.constant(np.ones((2, 3), dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch([x, z])
        y = x * 2.0
    gz = tape.gradient(y, z, unconnected_gradients=mode)
    assert gz.shape == (2, 3)
    assert gz.dtype == tf.float64
    _close(gz, np.zeros((2, 3)))


def test_unconnected_none_string_is_accepted():
    x = tf.constant(1.0)
    z = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([x, z])
        y = x * 2.0
    assert tape.gradient(y, z, unconnected_gradients="none") is None


def test_unknown_unconnected_gradients_raises_value_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: 'nonsense'"):
        tape.gradient(y, x, unconnected_gradients="nonsense")


def test_integer_variable_gets_none_without_error_and_is_watched():
    i = tf.Variable(3)
    assert i.trainable
    with tf.GradientTape() as tape:
        y = i * i
    assert tape.gradient(y, i) is None
    _same_objects(tape.watched_variables(), (i,))


def test_cast_to_int_in_the_path_gives_none():
    x = tf.constant(2.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2.0
    assert tape.gradient(y, x) is None


def test_bool_target_gives_none():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x > 1.0
    assert tape.gradient(y, x) is None


def test_int_target_gives_none():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.int32)
    assert tape.gradient(y, x) is None


def test_gradient_dtype_is_the_source_dtype_through_a_cast():
    x = tf.constant(3.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y32 = tf.cast(x, tf.float32)
        y = y32 * y32
    g = tape.gradient(y, x)
    assert g.dtype == tf.float64
    _close(g, 6.0)


@pytest.mark.parametrize("dtype_name", ["float16", "float64", "complex64"])
def test_gradient_dtype_matches_source_dtype(dtype_name):
    dtype = getattr(tf, dtype_name)
    x = tf.constant([1.0, 2.0], dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x)
    assert g.dtype == dtype
    np.testing.assert_allclose(_np(g), [2.0, 4.0], rtol=1e-3)


def test_gradient_of_none_target_raises_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
    with pytest.raises(TypeError, match="Argument `target` should be a list or nested structure"):
        tape.gradient(None, x)


# -- §4 persistence and recording control -------------------------------------------------------------


def test_nonpersistent_tape_raises_on_second_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=NONPERSISTENT_MSG):
        tape.gradient(y, x)


def test_nonpersistent_tape_raises_on_jacobian_after_gradient():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=NONPERSISTENT_MSG):
        tape.jacobian(y, x)


def test_nonpersistent_tape_raises_on_gradient_after_jacobian():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)
    with pytest.raises(RuntimeError, match=NONPERSISTENT_MSG):
        tape.gradient(y, x)


def test_nonpersistent_tape_raises_on_second_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.batch_jacobian(y, x)
    with pytest.raises(RuntimeError, match=NONPERSISTENT_MSG):
        tape.batch_jacobian(y, x)


def test_gradient_on_a_tape_never_entered_raises_runtime_error():
    x = tf.constant(1.0)
    tape = tf.GradientTape()
    with pytest.raises(RuntimeError, match=NONPERSISTENT_MSG):
        tape.gradient(x * 2.0, x)


def test_gradient_inside_nonpersistent_context_works_and_stops_recording():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        g = tape.gradient(y, x)
        z = y * x
        # The tape no longer records: stop_recording()/reset() see an inactive tape.
        with pytest.raises(RuntimeError, match="not recording"), tape.stop_recording():
            pass
        with pytest.raises(ValueError, match="Tape is not recording"):
            tape.reset()
        with pytest.raises(RuntimeError, match=NONPERSISTENT_MSG):
            tape.gradient(z, x)
    _close(g, 6.0)


def test_persistent_tape_allows_repeated_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    _close(tape.gradient(y, x), 6.0)
    _close(tape.gradient(z, x), 108.0)
    _close(tape.gradient(z, y), 18.0)
    _close(tape.gradient(y, x), 6.0)


def test_persistent_gradient_inside_context_is_recorded_for_second_order(caplog):
    x = tf.constant(2.0)
    with caplog.at_level(logging.WARNING, logger="tapejax"):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x * x
            dy = tape.gradient(y, x)
        d2y = tape.gradient(dy, x)
    assert "persistent tape inside its context" in caplog.text
    _close(dy, 12.0)
    _close(d2y, 12.0)


def test_persistent_gradient_outside_context_logs_no_warning(caplog):
    x = tf.constant(2.0)
    with caplog.at_level(logging.WARNING, logger="tapejax"):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x
        tape.gradient(y, x)
        tape.gradient(y, x)
    assert [r for r in caplog.records if r.name.startswith("tapejax")] == []


def test_reentering_an_exited_tape_resumes_recording():
    x = tf.constant(2.0)
    tape = tf.GradientTape(persistent=True)
    with tape:
        tape.watch(x)
        y = x * x
    between = y * 3.0  # not taped: the tape is not active
    with tape:
        w = y * 2.0
        u = between * 1.0
    _close(tape.gradient(w, x), 8.0)
    assert tape.gradient(u, x) is None


def test_entering_an_active_tape_raises_value_error():
    tape = tf.GradientTape()
    with tape, pytest.raises(ValueError, match="Tape is still recording"), tape:
        pass


def test_stop_recording_makes_results_constants_and_recording_resumes():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            y = x * x
        z = x * 4.0
    assert tape.gradient(y, x) is None
    _close(tape.gradient(z, x), 4.0)


def test_stop_recording_after_exit_or_nested_raises_value_error():
    # TF 2.21: "Tape is not recording." (ValueError) once the tape has a recording but is not active.
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
    with pytest.raises(ValueError, match=r"Tape is not recording\."), tape.stop_recording():
        pass
    with (
        tf.GradientTape() as tape,
        tape.stop_recording(),
        pytest.raises(ValueError, match=r"Tape is not recording\."),
        tape.stop_recording(),
    ):
        pass


@pytest.mark.parametrize("access", ["assign", "assign_add", "numpy", "float"])
def test_a_variable_assigned_or_read_to_numpy_is_watched(access):
    # TF's variable_accessed: watched_variables() lists it (not for untrainable, nor without auto-watch).
    v = tf.Variable(1.0)
    do = {
        "assign": lambda: v.assign(2.0),
        "assign_add": lambda: v.assign_add(1.0),
        "numpy": v.numpy,
        "float": lambda: float(v),
    }[access]
    with tf.GradientTape() as tape:
        do()
    assert tape.watched_variables() == (v,)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        do()
    assert tape.watched_variables() == ()
    frozen = tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as tape:
        frozen.numpy()
    assert tape.watched_variables() == ()


def test_a_none_source_raises_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(TypeError, match="None"):
        tape.gradient(y, [x, None])


def test_stop_recording_on_inactive_tape_raises_runtime_error():
    tape = tf.GradientTape()
    with (
        pytest.raises(RuntimeError, match=r"Trying to stop recording a tape which is not recording\."),
        tape.stop_recording(),
    ):
        pass


def test_reset_discards_recorded_ops_and_keeps_recording():
    v = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = v * v
        tape.reset()
        z = v * 5.0
    assert tape.gradient(y, v) is None
    _close(tape.gradient(z, v), 5.0)


def test_reset_discards_explicit_watches():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.reset()
        y = x * x
    assert tape.gradient(y, x) is None


def test_reset_outside_context_raises_value_error():
    tape = tf.GradientTape()
    with pytest.raises(ValueError, match=r"Tape is not recording\."):
        tape.reset()


def test_several_tapes_in_one_with_record_independently():
    x0 = tf.constant(2.0)
    x1 = tf.constant(3.0)
    with tf.GradientTape() as t0, tf.GradientTape() as t1:
        t0.watch(x0)
        t1.watch(x1)
        y0 = x0 * x0
        y1 = x1 * x1
    g00, g01 = t0.gradient([y0, y1], [x0, x1])
    g10, g11 = t1.gradient([y0, y1], [x0, x1])
    _close(g00, 4.0)
    assert g01 is None
    assert g10 is None
    _close(g11, 6.0)


# -- §6 Python control flow and Variable assignment ----------------------------------------------------


def test_python_control_flow_records_only_the_branch_that_ran():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x if x > 0.0 else x * 3.0
        z = x * 3.0 if x < 0.0 else x * x * x
    _close(tape.gradient(y, x), 4.0)
    _close(tape.gradient(z, x), 12.0)


def test_python_max_over_variables_gives_gradient_only_to_the_winner():
    a = tf.Variable(2.0)
    b = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        m = max(a, b)
        y = m * 2.0
    ga, gb = tape.gradient(y, [a, b])
    assert ga is None
    _close(gb, 2.0)


def test_python_loop_accumulates_every_iteration():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(4):
            y = y * x
    _close(tape.gradient(y, x), 5.0 * 2.0**4)


def test_assign_add_passes_no_gradient_to_the_assigned_value():
    x0 = tf.Variable(3.0)
    x1 = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        x1.assign_add(x0)
        y = x1 * x1
    g0, g1 = tape.gradient(y, [x0, x1])
    assert g0 is None
    _close(g1, 6.0)


def test_reads_after_assign_see_the_new_value():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        a = v * 1.0
        v.assign(5.0)
        b = v * v
    _close(tape.gradient([a, b], v), 1.0 + 10.0)


def test_sliced_variable_reads_are_differentiable():
    v = tf.Variable([2.0, 3.0, 5.0])
    with tf.GradientTape() as tape:
        y = v[0] * v[1]
    _close(tape.gradient(y, v), [3.0, 2.0, 0.0])


def test_unconnected_zero_for_a_variable_source_has_its_shape():
    v = tf.Variable(np.ones((2, 2), np.float32))
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        _ = v * 1.0
        y = x * 2.0
    g = tape.gradient(y, v, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert g.shape == (2, 2)
    _close(g, np.zeros((2, 2)))


def test_gradient_wrt_variable_sums_over_all_its_reads():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * 3.0 + v * v + v
    _close(tape.gradient(y, v), 3.0 + 4.0 + 1.0)


def test_tf_cond_is_differentiable_under_an_eager_tape():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        taken = tf.cond(x > 0.0, lambda: x * x, lambda: x * 3.0)
        other = tf.cond(x < 0.0, lambda: x * x, lambda: x * 3.0)
    _close(tape.gradient(taken, x), 4.0)
    _close(tape.gradient(other, x), 3.0)


def test_tf_function_is_differentiable_under_an_eager_tape():
    w = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x * x * w

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gw = tape.gradient(y, [x, w])
    _close(y, 12.0)
    _close(gx, 12.0)
    _close(gw, 4.0)


# -- §10 the remaining misuse errors (values a tape would record) --------------------------------------


def test_variable_assign_with_wrong_shape_raises_value_error():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1.0, 2.0, 3.0])
    _close(v, [1.0, 2.0])


def test_variable_assign_with_wrong_dtype_raises_value_error():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError):
        v.assign(tf.constant([1, 2]))


def test_variable_without_initial_value_raises_value_error():
    with pytest.raises(ValueError):
        tf.Variable()


def test_tensor_item_assignment_raises_type_error():
    t = tf.constant([1.0, 2.0])
    with pytest.raises(TypeError):
        t[0] = 5.0


@pytest.mark.parametrize(
    ("a", "b"),
    [(tf.constant(1), tf.constant(1.0)), (tf.constant(1.0, dtype=tf.float64), tf.constant(1.0))],
    ids=["int32_plus_float32", "float64_times_float32"],
)
def test_mixed_dtypes_raise_invalid_argument_error(a, b):
    with pytest.raises(tf.errors.InvalidArgumentError):
        _ = a + b
    with pytest.raises(tf.errors.InvalidArgumentError):
        _ = a * b


def test_shape_incompatible_matmul_raises_invalid_argument_error():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)


def test_no_gradient_flows_into_pad_constant_values() -> None:
    # TF's PadV2 gradient is None for constant_values, even when watched; x's gradient is unchanged.
    x = tf.constant([1.0, 2.0])
    c = tf.constant(5.0)
    v = tf.Variable(5.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, c])
        y = tf.reduce_sum(tf.pad(x, [[1, 2]], constant_values=c) * tf.range(5.0))
        z = tf.reduce_sum(tf.pad(x, [[1, 0]], constant_values=v))
    gx, gc = tape.gradient(y, [x, c])
    np.testing.assert_allclose(gx.numpy(), [1.0, 2.0])
    assert gc is None
    assert tape.gradient(z, v) is None
    assert v in tape.watched_variables()  # read inside the tape, so watched, as TF
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [1.0, 1.0])
    # Nothing else on the path: the pad's output does not depend on a watched value.
    with tf.GradientTape() as tape:
        tape.watch(c)
        w = tf.pad(tf.constant([1.0]), [[1, 1]], constant_values=c)
    assert tape.gradient(w, c) is None


def test_ordered_and_default_dict_sources_keep_their_key_order_and_type():
    import collections

    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * 3.0 + b * 5.0
    g = tape.gradient(y, collections.OrderedDict(z={"b": b, "a": a}))
    assert isinstance(g, collections.OrderedDict) and list(g["z"]) == ["b", "a"]
    dd = collections.defaultdict(list, b=b, a=a)
    g = tape.gradient(y, dd)
    assert isinstance(g, collections.defaultdict) and list(g) == ["b", "a"] and g.default_factory is list
    assert float(g["b"].numpy()) == 5.0


def test_the_target_as_source_rule_is_for_gradient_only():
    # TF: jacobian(x, x) of an unwatched x is None, batch_jacobian(x, x) zeros; gradient(x, x) ones.
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as tape:
        pass
    assert tape.jacobian(x, x) is None
    np.testing.assert_array_equal(tape.batch_jacobian(x, x).numpy(), np.zeros((1, 2, 2)))
    np.testing.assert_array_equal(tape.gradient(x, x).numpy(), [[1.0, 1.0]])


def test_assign_without_read_value_does_not_watch_the_variable():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        v.assign(2.0, read_value=False)
        v.assign_add(1.0, read_value=False)
    assert tape.watched_variables() == ()
    with tf.GradientTape() as tape:
        np.asarray(v)
    assert tape.watched_variables() == (v,)
