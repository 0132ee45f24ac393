"""Two tf.data-in-tf.function fixes (issue 18): a loop over a dataset beside a ``reduce`` (or any nested
function) whose parameter has the loop target's name; and the TF error class of an exception raised
by a ``from_generator`` generator. Expected values, classes and messages checked in TF 2.21."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

Dataset = tf.data.Dataset


def test_for_loop_and_reduce_whose_lambda_reuses_the_loop_target_name():
    ds = Dataset.range(5)

    @tf.function
    def run():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x
        r = ds.reduce(tf.constant(0, tf.int64), lambda t, x: t + x * 10)
        return s, r

    assert [int(v) for v in run()] == [10, 100]  # TF 2.21: (10, 100)
    assert [int(v) for v in run()] == [10, 100]  # each run reads a fresh pass


def test_loop_target_name_reused_by_a_nested_def_and_a_comprehension():
    ds = Dataset.range(5)

    @tf.function
    def run():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x

        def add(t, x):
            return t + x

        squares = [x * x for x in range(3)]
        return s, ds.reduce(tf.constant(0, tf.int64), add) + sum(squares)

    assert [int(v) for v in run()] == [10, 15]  # TF 2.21: (10, 15)


@pytest.mark.parametrize("after", ["return", "closure"])
def test_loop_target_read_after_a_dataset_loop_is_tf_error(after):
    ds = Dataset.range(3)

    def run():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x
        if after == "return":
            return s, x
        g = lambda: x  # noqa: E731 (a closure reads the loop target)
        return s, g

    # TF 2.21: a dataset loop does not define its target's placeholder as a tf.range loop does.
    with pytest.raises(ValueError, match="'x' must be defined before the loop"):
        tf.function(run)()


def _gen_raising(exc):
    def gen():
        yield np.int32(1)
        yield np.int32(2)
        raise exc

    return Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.int32))


@pytest.mark.parametrize(
    ("exc", "cls", "first_line"),
    [
        (ValueError("bad row"), tf.errors.InvalidArgumentError, "ValueError: bad row"),
        (TypeError("bad type"), tf.errors.InvalidArgumentError, "TypeError: bad type"),
        (KeyError("k"), tf.errors.UnknownError, "KeyError: 'k'"),
        (NotImplementedError("n"), tf.errors.UnimplementedError, "NotImplementedError: n"),
        (MemoryError("m"), tf.errors.ResourceExhaustedError, "MemoryError: m"),
    ],
)
def test_generator_exception_eagerly_is_tf_class(exc, cls, first_line):
    seen = []
    with pytest.raises(cls) as info:
        for x in _gen_raising(exc):
            seen.append(int(x))
    assert type(info.value) is cls
    assert seen == [1, 2]
    assert info.value.message.splitlines()[0] == first_line
    assert "Traceback (most recent call last):" in info.value.message  # TF's message carries it


def test_generator_raising_a_tf_error_is_unknown_error():
    with pytest.raises(tf.errors.UnknownError, match="NotFoundError: nf") as info:
        list(_gen_raising(tf.errors.NotFoundError(None, None, "nf")))
    assert type(info.value) is tf.errors.UnknownError  # TF 2.21: UnknownError, not the NotFoundError


def test_generator_exception_inside_tf_function_is_tf_class():
    ds = _gen_raising(ValueError("bad row"))

    @tf.function
    def loop():
        s = tf.constant(0)
        for x in ds:
            s += x
        return s

    @tf.function
    def reduce():
        return ds.reduce(tf.constant(0), lambda a, b: a + b)

    @tf.function
    def get_next(it):
        return it.get_next()

    for fn in (loop, reduce):
        with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError: bad row"):
            fn()
    it = iter(ds)
    assert [int(get_next(it)), int(get_next(it))] == [1, 2]
    with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError: bad row"):
        get_next(it)


def test_generator_function_raising_when_called_is_tf_class():
    def gen():
        raise RuntimeError("cannot open")

    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.int32))
    with pytest.raises(tf.errors.UnknownError, match="RuntimeError: cannot open"):
        list(ds)


def test_enumerate_and_zip_of_batches_with_a_partial_last_batch_in_tf_function():
    ds = Dataset.range(7).batch(3)  # batches of 3, 3 and 1
    other = Dataset.range(10, 17).batch(3)

    @tf.function
    def run():
        s = tf.constant(0, tf.int64)
        for i, x in enumerate(ds):  # (AutoGraph: ds.enumerate())
            s = s * 10 + i * tf.reduce_sum(x)
        z = Dataset.zip((ds, other)).reduce(
            tf.constant(0, tf.int64), lambda t, e: t * 100 + tf.reduce_sum(e[0]) + tf.reduce_sum(e[1])
        )
        return s, z

    assert [int(v) for v in run()] == [132, 365422]  # TF 2.21
