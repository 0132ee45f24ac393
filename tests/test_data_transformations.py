"""tf.data's element-wise and combining stages: map, filter, flat_map, interleave, repeat/take/skip,
take_while, scan, reduce, unique, cache, zip, concatenate, enumerate, choose/sample (tapejax/_src/data/
transformations.py, combinations.py, functions.py). Expected values: NumPy or TF 2.21's (see
tests/test_data_parity.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

Dataset = tf.data.Dataset


def values(ds):
    return [x.tolist() if isinstance(x, np.ndarray) else x for x in ds.as_numpy_iterator()]


def test_map_values_specs_and_tf_output_rules() -> None:
    ds = Dataset.range(4).map(lambda x: [x, (x * 2, 2.5), [x, x]])  # top-level list -> tuple, inner list -> tensor
    assert ds.element_spec == (
        tf.TensorSpec([], tf.int64),
        (tf.TensorSpec([], tf.int64), tf.TensorSpec([], tf.float32)),
        tf.TensorSpec([2], tf.int64),
    )
    assert repr(ds).startswith("<_MapDataset")
    got = list(ds.as_numpy_iterator())
    assert [g[1][0] for g in got] == [0, 2, 4, 6] and got[3][2].tolist() == [3, 3]
    d = Dataset.from_tensor_slices({"a": [1.0, 2.0]}).map(lambda e: {"y": e["a"] * 2})
    assert d.element_spec == {"y": tf.TensorSpec([], tf.float32)} and values(d) == [{"y": 2.0}, {"y": 4.0}]


def test_map_against_numpy_on_batches_with_a_none_dimension() -> None:
    x = np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)
    ds = Dataset.from_tensor_slices(x).batch(3).map(lambda b: tf.reduce_sum(b * b, axis=1, keepdims=True))
    assert ds.element_spec == tf.TensorSpec([None, 1], tf.float32)
    got = np.concatenate(list(ds.as_numpy_iterator()))
    np.testing.assert_allclose(got, np.sum(x * x, axis=1, keepdims=True), rtol=1e-6)


def test_map_on_a_none_dimension_may_index_and_reshape_it() -> None:
    ds = Dataset.range(24).batch(8).map(lambda b: (b[3], tf.reshape(b, [-1, 4])))
    assert ds.element_spec == (tf.TensorSpec([], tf.int64), tf.TensorSpec([None, 4], tf.int64))
    assert [v[0] for v in values(ds)] == [3, 11, 19]


def test_map_function_is_traced_once_per_signature() -> None:
    traces = []

    def f(x):
        traces.append(x.shape)
        return x * 2

    ds = Dataset.range(50).map(f)
    assert len(traces) == 1  # the element_spec trace, when the dataset is built (as TF)
    assert values(ds) == [2 * i for i in range(50)]
    assert values(ds) == [2 * i for i in range(50)]
    assert len(traces) == 2  # plus the compiled program's one trace for the one signature, reused after


def test_map_with_value_dependent_shapes_or_python_control_flow_runs_eagerly() -> None:
    ds = Dataset.range(4).map(lambda x: tf.fill([x], x))
    assert ds.element_spec == tf.TensorSpec([None], tf.int64)
    assert values(ds) == [[], [1], [2, 2], [3, 3, 3]]
    d = Dataset.range(5).map(lambda x: x if x > 2 else -x)
    assert d.element_spec == tf.TensorSpec([], tf.int64) and values(d) == [0, -1, -2, 3, 4]


def test_map_random_draws_differ_per_element_and_repeat_with_the_global_seed() -> None:
    tf.random.set_seed(5)
    ds = Dataset.range(6).map(lambda x: tf.random.uniform([]))
    a = values(ds)
    tf.random.set_seed(5)
    b = values(Dataset.range(6).map(lambda x: tf.random.uniform([])))
    assert a == b and len(set(a)) == 6 and all(0.0 <= v < 1.0 for v in a)
    assert values(ds) != a  # the function's stream goes on in the next pass (TF restarts it: a difference)
    tf.random.set_seed(1)
    x1 = float(tf.random.uniform([]))
    tf.random.set_seed(1)
    values(ds.prefetch(2))
    assert float(tf.random.uniform([])) == x1  # dataset functions draw from their own streams
    par = Dataset.range(40).map(lambda x: tf.random.uniform([]), num_parallel_calls=4)
    assert len(set(values(par))) == 40


def test_map_reads_variables_when_it_runs() -> None:
    v = tf.Variable(3.0)
    ds = Dataset.range(3).map(lambda x: tf.cast(x, tf.float32) * v)
    assert values(ds) == [0.0, 3.0, 6.0]
    v.assign(10.0)
    assert values(ds) == [0.0, 10.0, 20.0]
    par = Dataset.range(30).map(lambda x: tf.cast(x, tf.float32) * v, num_parallel_calls=4).batch(7)
    assert np.concatenate(values(par)).tolist() == [10.0 * i for i in range(30)]


def test_parallel_map_keeps_order_and_checks_num_parallel_calls() -> None:
    ds = Dataset.range(100).map(lambda x: x * x, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    assert repr(ds).startswith("<_ParallelMapDataset") and values(ds) == [i * i for i in range(100)]
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_parallel_calls must be greater than zero"):
        Dataset.range(3).map(lambda x: x, num_parallel_calls=0)


def test_map_errors() -> None:
    with pytest.raises(TypeError, match="None"):
        Dataset.range(3).map(lambda x: None)
    with pytest.raises(TypeError, match="callable"):
        Dataset.range(3).map(3)


def test_filter_and_its_predicate_check() -> None:
    ds = Dataset.range(10).filter(lambda x: x % 3 == 0)
    assert values(ds) == [0, 3, 6, 9] and int(ds.cardinality()) == -2
    with pytest.raises(ValueError, match=r"must return a `tf\.bool` scalar tensor"):
        Dataset.range(3).filter(lambda x: x)
    with pytest.raises(ValueError, match=r"TensorSpec\(shape=\(2,\), dtype=tf.bool"):
        Dataset.range(3).filter(lambda x: tf.stack([x > 1, x > 2]))


def test_flat_map_and_interleave_orders() -> None:
    assert values(Dataset.range(4).flat_map(lambda x: Dataset.range(x))) == [0, 0, 1, 0, 1, 2]
    ds = Dataset.from_tensors([[1, 2], [3, 4]]).flat_map(lambda x: Dataset.from_tensor_slices(x))
    assert ds.element_spec == tf.TensorSpec([2], tf.int32) and values(ds) == [[1, 2], [3, 4]]
    # TF's cycle: two open inner datasets, two elements from each in turn, a freed slot refilled in place
    inter = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=2)
    assert values(inter) == [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5, 5]
    inter3 = Dataset.range(1, 6).interleave(lambda x: Dataset.range(x), cycle_length=3)
    assert values(inter3) == [0, 0, 0, 1, 1, 0, 2, 1, 0, 2, 1, 3, 2, 3, 4]
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        Dataset.range(3).flat_map(lambda x: x)


def test_repeat_take_skip_and_their_cardinalities() -> None:
    r = Dataset.range(3)
    assert values(r.repeat(2)) == [0, 1, 2, 0, 1, 2] and int(r.repeat(2).cardinality()) == 6
    assert values(r.repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0] and int(r.repeat().take(7).cardinality()) == 7
    assert values(Dataset.range(0).repeat()) == [] and int(Dataset.range(0).repeat().cardinality()) == 0
    assert values(r.skip(1)) == [1, 2] and values(r.skip(-1)) == [] and values(r.take(-1)) == [0, 1, 2]
    assert int(r.skip(7).cardinality()) == 0 and int(r.repeat().skip(7).cardinality()) == -1
    assert int(r.filter(lambda x: x > 0).repeat().cardinality()) == -1  # TF: infinite even of an unknown size
    assert values(Dataset.range(10).take_while(lambda x: x < 4)) == [0, 1, 2, 3]


def test_shard() -> None:
    assert values(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert [int(Dataset.range(10).shard(3, i).cardinality()) for i in range(3)] == [4, 3, 3]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index must be between 0 and 1"):
        Dataset.range(3).shard(2, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Number of shards must be greater than zero"):
        Dataset.range(3).shard(0, 0)


def test_scan_and_reduce() -> None:
    ds = Dataset.range(5).scan(tf.constant(0, tf.int64), lambda s, x: (s + x, s * 2))
    assert ds.element_spec == tf.TensorSpec([], tf.int64) and values(ds) == [0, 0, 2, 6, 12]
    pairs = Dataset.from_tensor_slices(([1, 2], [3, 4])).scan(0, lambda s, e: (s + e[0], e[1] - s))
    assert values(pairs) == [3, 3]
    total = Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)
    assert isinstance(total, tf.Tensor) and total.dtype == tf.int64 and int(total) == 10
    # a state whose shape grows is relaxed, as TF does
    grown = Dataset.range(3).reduce(tf.zeros([0], tf.int64), lambda s, x: tf.concat([s, [x]], 0))
    assert grown.numpy().tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="must match the initial state"):
        Dataset.range(3).reduce(tf.constant(0.0), lambda s, x: x)
    with pytest.raises(TypeError, match="pair"):
        Dataset.range(3).scan(0, lambda s, x: s)


def test_unique_and_its_dtype_check() -> None:
    assert values(Dataset.from_tensor_slices([1, 3, 1, 2, 3, 5]).unique()) == [1, 3, 2, 5]
    with pytest.raises(TypeError, match="does not support type"):
        Dataset.from_tensor_slices([1.0, 2.0]).unique()


def test_cache_in_memory_replays_the_first_pass(tmp_path) -> None:
    calls = []
    ds = Dataset.from_generator(lambda: (calls.append(1), iter([1, 2, 3]))[1], output_types=tf.int32).cache()
    assert values(ds) == values(ds) == [1, 2, 3] and len(calls) == 1
    partial = Dataset.from_generator(lambda: (calls.append(1), iter([1, 2, 3]))[1], output_types=tf.int32).cache()
    it = partial.as_numpy_iterator()
    next(it)
    assert values(partial) == [1, 2, 3] and len(calls) == 3  # a partial pass caches nothing


def test_cache_to_a_file_is_read_by_a_later_dataset(tmp_path) -> None:
    path = str(tmp_path / "cache")
    ds = Dataset.range(4).map(lambda x: (x, tf.cast(x, tf.float32) / 2)).cache(path)
    first = values(ds)
    again = Dataset.range(100).map(lambda x: (x, tf.cast(x, tf.float32))).cache(path)
    assert values(again) == first == [(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.5)]


def test_zip_concatenate_enumerate() -> None:
    z = Dataset.zip(Dataset.range(3), Dataset.range(10, 15))
    assert values(z) == [(0, 10), (1, 11), (2, 12)] and int(z.cardinality()) == 3
    nested = Dataset.zip((Dataset.range(2), {"a": Dataset.range(3)}))
    assert values(nested) == [(0, {"a": 0}), (1, {"a": 1})]
    assert values(Dataset.zip(datasets=(Dataset.range(2), Dataset.range(2)))) == [(0, 0), (1, 1)]
    with pytest.raises(TypeError, match="Invalid input to `zip`"):
        Dataset.zip(Dataset.range(3), 1)
    c = Dataset.range(3).concatenate(Dataset.range(10, 12))
    assert values(c) == [0, 1, 2, 10, 11] and int(c.cardinality()) == 5
    relaxed = Dataset.from_tensors(np.zeros([2, 3])).concatenate(Dataset.from_tensors(np.ones([2, 4])))
    assert relaxed.element_spec == tf.TensorSpec([2, None], tf.float64)
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        Dataset.range(3).concatenate(Dataset.range(3, output_type=tf.int32))
    e = Dataset.from_tensor_slices([5.0, 6.0]).enumerate(start=3)
    assert e.element_spec == (tf.TensorSpec([], tf.int64), tf.TensorSpec([], tf.float32))
    assert values(e) == [(3, 5.0), (4, 6.0)]


def test_choose_from_datasets() -> None:
    choices = Dataset.from_tensor_slices(np.array([0, 1, 1, 0, 0, 0, 1], np.int64))
    ds = Dataset.choose_from_datasets([Dataset.range(3), Dataset.range(10, 13)], choices)
    assert values(ds) == [0, 10, 11, 1, 2]  # stops at the first empty choice
    ds = Dataset.choose_from_datasets([Dataset.range(3), Dataset.range(10, 13)], choices, stop_on_empty_dataset=False)
    assert values(ds) == [0, 10, 11, 1, 2, 12]
    with pytest.raises(TypeError, match=r"scalar of type `tf\.int64`"):
        Dataset.choose_from_datasets([Dataset.range(3)], Dataset.range(3, output_type=tf.int32))
    bad = Dataset.choose_from_datasets([Dataset.range(3)], Dataset.from_tensors(np.int64(4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        list(bad)


def test_sample_from_datasets_follows_weights_and_seed() -> None:
    a, b = Dataset.range(0, 1000), Dataset.range(1000, 2000)
    ds = Dataset.sample_from_datasets([a, b], weights=[0.8, 0.2], seed=3, stop_on_empty_dataset=True)
    got = np.array(values(ds.take(500)))
    assert 0.72 < np.mean(got < 1000) < 0.88  # 400 of 500 expected, binomial sd ~9
    assert values(ds.take(50)) == values(ds.take(50))  # one seed: the same draws each pass
    assert np.all(np.diff(got[got < 1000]) > 0)  # each input keeps its order
    unseeded = Dataset.sample_from_datasets([a, b]).take(30)
    assert values(unseeded) == values(unseeded)  # TF: one random sequence, replayed each pass
    rerandomized = Dataset.sample_from_datasets([a, b], seed=3, rerandomize_each_iteration=True).take(30)
    assert values(rerandomized) != values(rerandomized)
    both = values(Dataset.sample_from_datasets([Dataset.range(3), Dataset.range(10, 12)], seed=1))
    assert sorted(both) == [0, 1, 2, 10, 11]  # an exhausted input drops out, the rest is drawn


def test_apply() -> None:
    assert values(Dataset.range(3).apply(lambda d: d.map(lambda x: x + 1))) == [1, 2, 3]
    with pytest.raises(TypeError, match=r"must return a `tf\.data\.Dataset`"):
        Dataset.range(3).apply(lambda d: 1)
