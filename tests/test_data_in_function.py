"""tf.data read inside tf.function: ``for x in ds`` (AutoGraph and ``_ag_for_stmt``), ``iter``/``next``,
iterators as arguments, ``get_next_as_optional``, ``reduce``. Expected values checked in TF 2.21."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

Dataset = tf.data.Dataset


def _loop_with_state(ds, body_fn, init, extra_test=None):
    """Calls ``ds._ag_for_stmt`` as AutoGraph's ``for_stmt`` does: the loop state lives in a closure."""
    state = list(init)

    def get_state():
        return tuple(state)

    def set_state(values):
        state[:] = list(values)

    def body(x):
        state[:] = list(body_fn(x, *state))

    test = None if extra_test is None else (lambda: extra_test(*state))
    ds._ag_for_stmt(test, body, get_state, set_state, tuple(f"s{i}" for i in range(len(init))), {})
    return tuple(state)


def test_ag_for_stmt_reads_the_pipeline_on_every_run_not_frozen():
    data = [1.0, 2.0, 3.0]
    ds = Dataset.from_generator(lambda: iter(list(data)), output_signature=tf.TensorSpec([], tf.float32))

    @tf.function
    def total():
        return _loop_with_state(ds, lambda x, s, n: (s + x, n + 1), (tf.constant(0.0), tf.constant(0)))

    s, n = total()
    assert (float(s), int(n)) == (6.0, 3)
    data.append(10.0)  # the generator runs again on the next call: the program reads it
    s, n = total()
    assert (float(s), int(n)) == (16.0, 4)
    assert total.experimental_get_tracing_count() == 1


def test_ag_for_stmt_extra_test_stops_the_loop_as_break_does():
    ds = Dataset.range(100)

    @tf.function
    def until():
        return _loop_with_state(ds, lambda x, s: (s + x,), (tf.constant(0, tf.int64),), lambda s: s <= 20)

    assert int(until()[0]) == 21  # 0 + 1 + ... + 6, as the Python loop with `if s > 20: break`


def test_for_over_a_dataset_with_a_partial_last_batch_traces_the_body_for_each_shape():
    ds = Dataset.range(10).batch(4)  # batches of 4, 4 and 2

    @tf.function
    def weighted():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += tf.reduce_sum(x) * tf.cast(tf.shape(x)[0], tf.int64)
        return s

    assert int(weighted()) == 146  # TF 2.21


def test_for_with_break_and_a_python_counter_under_autograph():
    @tf.function
    def until():
        s = tf.constant(0, tf.int64)
        n = 0
        for x in Dataset.range(100):
            if s > 20:
                break
            s += x
            n += 1
        return s, n

    s, n = until()
    assert (int(s), int(n)) == (21, 7)


def test_for_assigns_variables_in_the_loop_body():
    v = tf.Variable(0.0)
    ds = Dataset.from_tensor_slices(np.arange(5, dtype=np.float32)).shuffle(5, seed=1).prefetch(2)

    @tf.function
    def accumulate():
        for x in ds:
            v.assign_add(x * x)
        return v.read_value()

    assert float(accumulate()) == 30.0
    assert float(accumulate()) == 60.0 and float(v.numpy()) == 60.0


def test_a_batch_of_unknown_size_raises_a_clear_error_at_trace_time():
    ds = Dataset.range(10).filter(lambda x: x % 2 == 0).batch(3)

    @tf.function
    def total():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += tf.reduce_sum(x)
        return s

    with pytest.raises(ValueError, match="drop_remainder=True"):
        total()
    dropped = Dataset.range(10).filter(lambda x: x % 2 == 0).batch(3, drop_remainder=True)

    @tf.function
    def total_dropped():
        s = tf.constant(0, tf.int64)
        for x in dropped:
            s += tf.reduce_sum(x)
        return s

    assert int(total_dropped()) == 0 + 2 + 4


def test_iter_and_next_inside_a_function_and_the_end_of_sequence():
    ds = Dataset.range(3)

    @tf.function
    def three():
        it = iter(ds)
        return next(it), it.get_next(), next(it)

    assert [int(t) for t in three()] == [0, 1, 2]
    assert [int(t) for t in three()] == [0, 1, 2]  # each run starts a fresh pass, as TF

    @tf.function
    def four():
        it = iter(ds)
        return next(it), next(it), next(it), next(it)

    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        four()


def test_an_iterator_argument_reads_the_next_element_per_call_with_one_trace():
    ds = Dataset.range(3)

    @tf.function
    def step(iterator):
        return next(iterator) * 10

    it = iter(ds)
    assert int(step(it)) == 0 and int(step(it)) == 10
    assert int(next(it)) == 2  # eager reads and program reads share the iterator, in order
    with pytest.raises(tf.errors.OutOfRangeError):
        step(it)
    other = iter(ds)
    assert int(step(other)) == 0
    assert step.experimental_get_tracing_count() == 1  # TF keys an iterator by its element spec


def test_get_next_as_optional_inside_a_function():
    @tf.function
    def read(iterator):
        opt = iterator.get_next_as_optional()
        return opt.has_value(), opt.get_value()

    it = iter(Dataset.range(1))
    has, value = read(it)
    assert bool(has) and int(value) == 0
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not have a value"):
        read(it)  # TF raises when get_value of an empty optional runs

    @tf.function
    def flag(iterator):
        return iterator.get_next_as_optional().has_value()

    assert not bool(flag(it))


def test_a_captured_iterator_and_a_loop_over_an_iterator():
    it = iter(Dataset.from_tensor_slices(np.arange(5, dtype=np.float32)))

    @tf.function
    def first():
        return next(it)

    assert float(first()) == 0.0

    @tf.function
    def rest(iterator):
        s = tf.constant(0.0)
        for x in iterator:
            s += x
        return s

    assert float(rest(it)) == 10.0 - 0.0


def test_reduce_inside_a_function():
    ds = Dataset.range(10).batch(4)

    @tf.function
    def total():
        return ds.reduce(tf.constant(0, tf.int64), lambda s, x: s + tf.reduce_sum(x))

    assert int(total()) == 45 and int(total()) == 45


def test_optional_eagerly():
    opt = tf.data.experimental.Optional.from_value((tf.constant(1), tf.constant([2.0])))
    assert bool(opt.has_value()) and int(opt.get_value()[0]) == 1
    assert opt.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([1], tf.float32))
    empty = tf.data.experimental.Optional.empty(tf.TensorSpec([], tf.int64))
    assert not bool(empty.has_value())
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not have a value"):
        empty.get_value()
    it = iter(Dataset.range(1))
    assert int(it.get_next_as_optional().get_value()) == 0
    assert not bool(it.get_next_as_optional().has_value())


def test_break_in_a_loop_over_an_iterator_takes_no_element_it_does_not_use():
    @tf.function
    def until_three(iterator):
        s = tf.constant(0, tf.int64)
        for x in iterator:
            s += x
            if s >= 3:
                break
        return s

    it = iter(Dataset.range(10))
    assert int(until_three(it)) == 3 and int(next(it)) == 3  # TF 2.21: 0 + 1 + 2, then 3


def test_shape_classes_follow_a_map_after_a_partial_batch_and_get_next_reads_full_batches():
    ds = Dataset.range(5).batch(2).map(lambda x: tf.concat([x, x], 0))

    @tf.function
    def total():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += tf.reduce_sum(x) * tf.cast(tf.size(x), tf.int64)
        return s

    assert int(total()) == 2 * 4 + 10 * 4 + 8 * 2  # batches [0 1], [2 3], [4], each doubled

    @tf.function
    def read(iterator):
        return iterator.get_next()

    it = iter(Dataset.range(5).batch(2))
    assert read(it).numpy().tolist() == [0, 1] and read(it).numpy().tolist() == [2, 3]
    with pytest.raises(tf.errors.InvalidArgumentError, match="drop_remainder=True"):
        read(it)  # the last batch has another shape than the program's


def test_a_python_loop_unrolling_a_dataset_raises_instead_of_running_forever(monkeypatch):
    from tapejax._src.data import graph

    monkeypatch.setattr(graph, "_MAX_UNROLLED", 5)  # 1000 by default

    @tf.function(autograph=False)
    def unrolled():
        s = tf.constant(0, tf.int64)
        for x in Dataset.range(3):  # without AutoGraph a Python loop: unrolled, never ending
            s += x
        return s

    with pytest.raises(ValueError, match="never ends"):
        unrolled()

    @tf.function
    def compiled():
        s = tf.constant(0, tf.int64)
        for i, x in Dataset.range(3).enumerate():
            s += x * i
        return s

    assert int(compiled()) == 0 + 1 + 4


def test_get_single_element_inside_a_function_checks_when_it_runs():
    @tf.function
    def first():
        return Dataset.range(3).take(1).get_single_element()

    assert int(first()) == 0

    @tf.function
    def many():
        return Dataset.range(3).get_single_element()

    with pytest.raises(tf.errors.InvalidArgumentError, match="Dataset had more than one element"):
        many()

    @tf.function
    def empty():
        return tf.data.experimental.get_single_element(Dataset.range(0))

    with pytest.raises(tf.errors.InvalidArgumentError, match="Dataset was empty"):
        empty()
