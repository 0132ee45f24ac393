"""tf.data's ordering and pipelining: shuffle (TF's buffered semantics and seeds), prefetch (a
background thread), Options, and tf.data.experimental (tapejax/_src/data/shuffling.py, prefetch.py,
options.py, experimental.py)."""

from __future__ import annotations

import gc
import threading
import time

import numpy as np
import pytest

import tapejax as tf

Dataset = tf.data.Dataset


def values(ds):
    return [x.tolist() if isinstance(x, np.ndarray) else x for x in ds.as_numpy_iterator()]


def test_shuffle_is_a_permutation_drawn_from_a_buffer() -> None:
    n, buffer = 200, 10
    got = values(Dataset.range(n).shuffle(buffer, seed=1))
    assert sorted(got) == list(range(n)) and got != list(range(n))
    # with a buffer of k, the element at output position p was among the first p + k inputs
    assert all(x < p + buffer for p, x in enumerate(got))
    assert values(Dataset.range(20).shuffle(1)) == list(range(20))  # a buffer of one keeps the order
    assert int(Dataset.range(10).shuffle(3).cardinality()) == 10


def test_shuffle_seed_and_reshuffle_each_iteration() -> None:
    ds = Dataset.range(50).shuffle(50, seed=7)
    first, second = values(ds), values(ds)
    assert first != second  # reshuffled each pass by default, as TF
    again = Dataset.range(50).shuffle(50, seed=7)
    assert values(again) == first and values(again) == second  # the same seed: the same sequence of passes
    fixed = Dataset.range(50).shuffle(50, seed=7, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    epochs = values(Dataset.range(5).shuffle(5, seed=3).repeat(3))
    assert [sorted(epochs[i : i + 5]) for i in (0, 5, 10)] == [list(range(5))] * 3  # each repetition a permutation


def test_shuffle_without_an_op_seed_follows_the_global_seed() -> None:
    tf.random.set_seed(11)
    a = values(Dataset.range(30).shuffle(30))
    tf.random.set_seed(11)
    b = values(Dataset.range(30).shuffle(30))
    assert a == b
    with pytest.raises(tf.errors.InvalidArgumentError, match="buffer_size must be greater than zero"):
        Dataset.range(3).shuffle(0)


def test_random_dataset() -> None:
    ds = Dataset.random(seed=4)
    assert ds.element_spec == tf.TensorSpec([], tf.int64) and int(ds.cardinality()) == -1
    got = values(ds.take(500))
    assert values(ds.take(500)) == got and all(0 <= v < 2**32 for v in got) and len(set(got)) == 500
    assert values(Dataset.random().take(20)) != values(Dataset.random().take(20))
    again = Dataset.random(seed=4, rerandomize_each_iteration=True).take(20)
    assert values(again) != values(again)


def test_prefetch_fills_its_buffer_on_a_background_thread() -> None:
    produced = []

    def gen():
        for i in range(20):
            produced.append(i)
            yield i

    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).prefetch(3)
    it = iter(ds)
    assert int(next(it)) == 0
    deadline = time.monotonic() + 10
    while len(produced) < 4 and time.monotonic() < deadline:  # 1 taken + 3 queued (TF 2.21: 4)
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(produced) == 4  # ran ahead of the consumer, and no further than the buffer allows
    assert [int(x) for x in it] == list(range(1, 20))


def test_prefetch_keeps_order_passes_errors_and_stops_its_thread() -> None:
    ds = Dataset.range(50).map(lambda x: x * 2).batch(8).prefetch(tf.data.AUTOTUNE)
    assert ds.element_spec == tf.TensorSpec([None], tf.int64) and int(ds.cardinality()) == 7
    assert np.concatenate(values(ds)).tolist() == [2 * i for i in range(50)]
    pairs = Dataset.from_tensor_slices({"x": np.arange(6.0), "y": np.arange(6)}).batch(4).prefetch(1)
    got = list(pairs)  # Tensors moved to JAX arrays on the prefetch thread
    assert isinstance(got[0]["x"], tf.Tensor) and got[0]["x"].dtype == tf.float64 and got[1]["y"].shape == [2]
    assert got[1]["y"].numpy().tolist() == [4, 5]
    windows = [[int(v) for v in w] for w in Dataset.range(5).window(2).prefetch(1)]
    assert windows == [[0, 1], [2, 3], [4]]

    def bad():
        yield 1
        raise KeyError("boom")

    failing = Dataset.from_generator(bad, output_types=tf.int32).prefetch(2)
    it = iter(failing)
    assert int(next(it)) == 1
    with pytest.raises(tf.errors.UnknownError, match="KeyError: 'boom'"):  # TF's class for a generator's KeyError
        next(it)

    def running() -> int:
        return sum(t.name == "tf.data.prefetch" for t in threading.enumerate())

    deadline = time.monotonic() + 2
    while running() and time.monotonic() < deadline:  # the producers of the passes above end
        time.sleep(0.01)
    before = running()
    it = iter(Dataset.range(10**6).prefetch(2))
    next(it)
    assert running() == before + 1
    del it
    gc.collect()
    deadline = time.monotonic() + 10
    while running() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running() == before  # an abandoned iterator lets its producer go
    with pytest.raises(tf.errors.InvalidArgumentError):
        Dataset.range(3).prefetch(-5)
    assert values(Dataset.range(3).prefetch(0)) == [0, 1, 2]


def test_options_are_typed_merged_and_kept() -> None:
    o = tf.data.Options()
    assert o.deterministic is None and o.threading.private_threadpool_size is None
    with pytest.raises(AttributeError, match="Cannot set the property foo on Options"):
        o.foo = 1
    with pytest.raises(TypeError, match='Property "deterministic" must be of type'):
        o.deterministic = 3
    o.deterministic = False
    o2 = tf.data.Options()
    o2.deterministic = True
    o2.threading.private_threadpool_size = 3
    ds = Dataset.range(3).with_options(o).with_options(o2).map(lambda x: x)
    assert ds.options().deterministic is True and ds.options().threading.private_threadpool_size == 3
    assert ds.options() == o2 and Dataset.range(3).options().deterministic is None
    assert values(ds) == [0, 1, 2]
    with pytest.raises(TypeError):
        Dataset.range(3).with_options(3)


def test_experimental_names() -> None:
    exp = tf.data.experimental
    assert exp.AUTOTUNE == tf.data.AUTOTUNE == -1
    assert (exp.INFINITE_CARDINALITY, exp.UNKNOWN_CARDINALITY) == (-1, -2)
    assert int(exp.cardinality(Dataset.range(4))) == 4
    r = Dataset.range(6)
    assert values(r.batch(2).apply(exp.unbatch())) == list(range(6))
    assert values(r.apply(exp.take_while(lambda x: x < 2))) == [0, 1]
    assert values(r.apply(exp.scan(np.int64(0), lambda s, x: (s + x, s)))) == [0, 0, 1, 3, 6, 10]
    assert values(Dataset.from_tensor_slices([1, 1, 2]).apply(exp.unique())) == [1, 2]
    assert values(r.apply(exp.enumerate_dataset(1)).take(1)) == [(1, 0)]
    assert values(r.apply(exp.map_and_batch(lambda x: x + 1, 4))) == [[1, 2, 3, 4], [5, 6]]
    assert sorted(values(r.apply(exp.shuffle_and_repeat(3, 2, seed=1)))) == sorted(list(range(6)) * 2)
    assert values(exp.Counter(2).take(2)) == [2, 3]
    lst = exp.from_list([(1, 2.0), (3, 4.0)])
    assert lst.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32))
    assert values(lst) == [(1, 2.0), (3, 4.0)] and exp.get_structure(lst) == lst.element_spec
    assert int(exp.get_single_element(Dataset.range(1))) == 0
    grouped = r.apply(exp.group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), 3))
    assert values(grouped) == [[0, 2, 4], [1, 3, 5]]
    asserted = r.filter(lambda x: x >= 0).apply(exp.assert_cardinality(6))
    assert int(asserted.cardinality()) == 6 and values(asserted) == list(range(6))
    with pytest.raises(tf.errors.FailedPreconditionError, match="expected to contain 5 elements but contained only 3"):
        list(Dataset.range(3).apply(exp.assert_cardinality(5)))
    with pytest.raises(tf.errors.FailedPreconditionError, match="contained at least 6 elements"):
        list(Dataset.range(7).apply(exp.assert_cardinality(5)))
    with pytest.raises(AttributeError, match=r"tf\.data\.experimental\.snapshot"):
        exp.snapshot  # noqa: B018


def test_missing_tf_data_names_say_so() -> None:
    with pytest.raises(AttributeError, match=r"tapejax does not implement tf\.data\.TFRecordDataset"):
        tf.data.TFRecordDataset  # noqa: B018
