"""tf.data's grouping stages: batch, padded_batch, unbatch, rebatch, window, group_by_window,
bucket_by_sequence_length (tapejax/_src/data/batching.py, grouping.py). Expected values: NumPy or
TF 2.21's (see tests/test_data_parity.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

Dataset = tf.data.Dataset


def _plain(x):
    if isinstance(x, tuple):
        return tuple(_plain(e) for e in x)
    return x.tolist() if isinstance(x, np.ndarray) else x


def values(ds):
    return [_plain(x) for x in ds.as_numpy_iterator()]


def test_batch_stacks_and_keeps_a_partial_last_batch_with_a_none_dim() -> None:
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    ds = Dataset.from_tensor_slices((x, np.arange(10))).batch(4)
    assert ds.element_spec == (tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([None], tf.int64))
    assert int(ds.cardinality()) == 3
    batches = list(ds.as_numpy_iterator())
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    assert [b[1].shape for b in batches] == [(4,), (4,), (2,)]
    dropped = Dataset.range(10).batch(4, drop_remainder=True)
    assert dropped.element_spec == tf.TensorSpec([4], tf.int64) and int(dropped.cardinality()) == 2
    assert values(dropped) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batch_errors() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="Batch size must be greater than zero"):
        Dataset.range(3).batch(0)
    ragged = Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[tensor\]: \[2\], \[batch\]: \[1\]"):
        list(ragged)


def test_padded_batch_pads_to_the_longest_or_to_padded_shapes() -> None:
    seqs = Dataset.range(5).map(lambda x: tf.fill([x], x))
    ds = seqs.padded_batch(2)
    assert ds.element_spec == tf.TensorSpec([None, None], tf.int64) and int(ds.cardinality()) == 3
    assert values(ds) == [[[0], [1]], [[2, 2, 0], [3, 3, 3]], [[4, 4, 4, 4]]]
    pairs = seqs.map(lambda s: (s, tf.size(s))).padded_batch(
        2, padded_shapes=([4], []), padding_values=(tf.constant(-1, tf.int64), 7)
    )
    assert pairs.element_spec == (tf.TensorSpec([None, 4], tf.int64), tf.TensorSpec([None], tf.int32))
    assert values(pairs)[0] == ([[-1, -1, -1, -1], [1, -1, -1, -1]], [0, 1])
    fixed = seqs.padded_batch(2, padded_shapes=[4], drop_remainder=True)
    assert fixed.element_spec == tf.TensorSpec([2, 4], tf.int64) and len(values(fixed)) == 2
    too_small = seqs.padded_batch(2, padded_shapes=[2])
    with pytest.raises(tf.errors.DataLossError, match="smaller size"):
        list(too_small)
    with pytest.raises(TypeError, match=r"values type <dtype: 'int32'> does not match type <dtype: 'int64'>"):
        seqs.padded_batch(2, padding_values=-1)  # a Python int is int32, as TF converts it
    with pytest.raises(ValueError, match="unknown rank"):
        Dataset.from_generator(lambda: iter([[1]]), tf.int32).padded_batch(2)


def test_unbatch_and_rebatch() -> None:
    ds = Dataset.range(10).batch(3).unbatch()
    assert ds.element_spec == tf.TensorSpec([], tf.int64) and values(ds) == list(range(10))
    assert int(ds.cardinality()) == -2
    assert int(Dataset.range(10).batch(3, drop_remainder=True).unbatch().cardinality()) == 9
    with pytest.raises(ValueError, match="scalar components"):
        Dataset.range(3).unbatch()
    re = Dataset.range(10).batch(4).rebatch(3)
    assert re.element_spec == tf.TensorSpec([None], tf.int64)
    assert values(re) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert values(Dataset.range(10).batch(4).rebatch([1, 2])) == [[0], [1, 2], [3], [4, 5], [6], [7, 8], [9]]
    drop = Dataset.range(10).batch(4).rebatch(3, drop_remainder=True)
    assert drop.element_spec == tf.TensorSpec([3], tf.int64) and len(values(drop)) == 3


def test_window_datasets_and_cardinality() -> None:
    ds = Dataset.range(10).window(4, 3, 2)
    assert repr(ds.element_spec) == "DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))"
    assert [values(w) for w in ds] == [[0, 2, 4, 6], [3, 5, 7, 9], [6, 8], [9]]
    assert int(Dataset.range(10).window(3).cardinality()) == 4
    assert int(Dataset.range(10).window(3, drop_remainder=True).cardinality()) == 3
    assert int(Dataset.range(10).window(3, 2).cardinality()) == 5
    assert int(Dataset.range(2).window(3, drop_remainder=True).cardinality()) == 0
    flat = Dataset.range(7).window(3, 2, drop_remainder=True).flat_map(lambda w: w.batch(3))
    assert values(flat) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0])).window(2, 1)
    zipped = pairs.flat_map(lambda a, b: Dataset.zip(a.batch(2), b.batch(2)))
    assert values(zipped) == [([1, 2], [4.0, 5.0]), ([2, 3], [5.0, 6.0]), ([3], [6.0])]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Window size must be greater than zero"):
        Dataset.range(3).window(0)


def test_group_by_window_emits_full_windows_then_the_rest_by_key() -> None:
    ds = Dataset.range(10).group_by_window(lambda x: x % 3, lambda k, w: w.batch(2), window_size=2)
    assert ds.element_spec == tf.TensorSpec([None], tf.int64) and int(ds.cardinality()) == -2
    assert values(ds) == [[0, 3], [1, 4], [2, 5], [6, 9], [7], [8]]
    sized = Dataset.range(12).group_by_window(
        lambda x: x % 2, lambda k, w: w.batch(4), window_size_func=lambda k: k + 2
    )
    assert values(sized) == [[0, 2], [1, 3, 5], [4, 6], [8, 10], [7, 9, 11]]
    with pytest.raises(ValueError, match="Either the `window_size` argument"):
        Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w)
    with pytest.raises(ValueError, match=r"single `tf\.int64` scalar"):
        Dataset.range(3).group_by_window(lambda x: tf.cast(x, tf.float32), lambda k, w: w, window_size=2)


def test_bucket_by_sequence_length() -> None:
    seqs = Dataset.range(1, 9).map(lambda x: tf.fill([x], x))
    ds = seqs.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 6], [2, 2, 2])
    assert ds.element_spec == tf.TensorSpec([None, None], tf.int64)
    got = values(ds)
    # buckets [.., 3), [3, 6), [6, ..): full windows of two as they fill, padded to their longest
    assert got == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]], [[6] * 6 + [0], [7] * 7], [[5] * 5], [[8] * 8]]
    to_boundary = Dataset.range(1, 8).map(lambda x: tf.fill([x], x))
    padded = to_boundary.bucket_by_sequence_length(
        lambda x: tf.shape(x)[0], [3, 9], [2, 3, 1], pad_to_bucket_boundary=True
    )
    assert [np.asarray(b).shape for b in values(padded)] == [(2, 2), (3, 8), (2, 8)]
    plain = Dataset.range(1, 9).bucket_by_sequence_length(lambda x: x, [3, 6], [2, 2, 2], no_padding=True)
    assert values(plain) == [[1, 2], [3, 4], [6, 7], [5], [8]]
    with pytest.raises(ValueError, match="must equal `len\\(bucket_boundaries\\) \\+ 1`"):
        Dataset.range(3).bucket_by_sequence_length(lambda x: x, [2], [1])


def test_map_then_batch_equals_mapping_each_element() -> None:
    x = np.random.default_rng(1).normal(size=(10, 4)).astype(np.float32)

    def f(v):
        return tf.tanh(v) * 2.0 + tf.reduce_sum(v), tf.argmax(v)

    got = list(Dataset.from_tensor_slices(x).map(f).batch(4).as_numpy_iterator())
    assert [g[0].shape for g in got] == [(4, 4), (4, 4), (2, 4)] and got[0][1].dtype == np.int64
    want = np.tanh(x) * 2.0 + x.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(np.concatenate([g[0] for g in got]), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.concatenate([g[1] for g in got]), np.argmax(x, axis=1))


def test_map_then_batch_of_inputs_of_different_shapes_maps_each_element() -> None:
    seqs = Dataset.range(1, 6).map(lambda n: tf.fill([n], n))
    fixed = seqs.map(lambda s: tf.reduce_sum(s) + tf.zeros([2], tf.int64)).batch(2)
    assert values(fixed) == [[[1, 1], [4, 4]], [[9, 9], [16, 16]], [[25, 25]]]


def test_map_then_batch_draws_random_numbers_per_element() -> None:
    ds = Dataset.range(2000).map(lambda x: tf.random.uniform([])).batch(500)
    drawn = np.concatenate(list(ds.as_numpy_iterator()))
    # float32 uniforms have 2**23 values: 2000 draws repeat one with probability ~0.2, so allow a few
    assert len(set(drawn.tolist())) >= 1990 and abs(drawn.mean() - 0.5) < 0.03  # sd of the mean ~0.0065
