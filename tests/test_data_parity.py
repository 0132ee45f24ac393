"""tapejax's tf.data against TensorFlow's on the same pipelines: elements (values, dtypes, shapes),
``element_spec``, cardinality and error classes. Runs only where TensorFlow is installed (/tmp/tfenv)."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tj  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def _flat(element: Any) -> list[Any]:
    if isinstance(element, dict):
        return [v for k in sorted(element) for v in _flat(element[k])]
    if isinstance(element, tuple):
        return [v for x in element for v in _flat(x)]
    return [element]


def _elements(ds: Any) -> list[list[np.ndarray]]:
    return [[np.asarray(x) for x in _flat(e)] for e in ds.as_numpy_iterator()]


PIPELINES: dict[str, Callable[[Any], Any]] = {
    "slices_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2, 3], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])),
    "slices_dict": lambda tf: tf.data.Dataset.from_tensor_slices({"b": [1, 2], "a": np.array([3.0, 4.0])}),
    "slices_namedtuple": lambda tf: tf.data.Dataset.from_tensor_slices(Point([1, 2], [3, 4])).map(lambda p: p.x + p.y),
    "slices_1_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2],)),
    "tensors": lambda tf: tf.data.Dataset.from_tensors(([1, 2], 3.0)),
    "range": lambda tf: tf.data.Dataset.range(2, 11, 3),
    "range_int32": lambda tf: tf.data.Dataset.range(4, output_type=tf.int32),
    "range_negative_step": lambda tf: tf.data.Dataset.range(5, 0, -2),
    "map_tuple_list_python": lambda tf: tf.data.Dataset.range(4).map(lambda x: [x, (x * 2, 2.5), [x, x]]),
    "map_spread": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: a * b),
    "map_dict": lambda tf: tf.data.Dataset.from_tensor_slices({"a": [1.0, 2.0]}).map(lambda d: {"y": d["a"] * 2}),
    "map_batched_none_dim": lambda tf: tf.data.Dataset.range(5).batch(2).map(lambda x: tf.reshape(x, [-1, 1]) * 2),
    "map_value_shape": lambda tf: tf.data.Dataset.range(5).map(lambda x: tf.fill([x], x)),
    "map_parallel": lambda tf: tf.data.Dataset.range(20).map(lambda x: x * x, num_parallel_calls=4),
    "batch": lambda tf: tf.data.Dataset.range(10).batch(4),
    "batch_drop": lambda tf: tf.data.Dataset.range(10).batch(4, drop_remainder=True),
    "batch_nested": lambda tf: tf.data.Dataset.from_tensor_slices({"a": np.eye(5), "b": np.arange(5)}).batch(2),
    "padded_batch": lambda tf: tf.data.Dataset.range(5).map(lambda x: tf.fill([x], x)).padded_batch(2),
    "padded_batch_shapes": lambda tf: (
        tf.data.Dataset.range(5)
        .map(lambda x: (tf.fill([x], x), x))
        .padded_batch(2, padded_shapes=([4], []), padding_values=(tf.constant(-1, tf.int64), tf.constant(7, tf.int64)))
    ),
    "padded_batch_drop": lambda tf: (
        tf.data.Dataset.range(5).map(lambda x: tf.fill([x], x)).padded_batch(2, padded_shapes=[4], drop_remainder=True)
    ),
    "unbatch": lambda tf: tf.data.Dataset.range(10).batch(3).unbatch(),
    "unbatch_drop": lambda tf: tf.data.Dataset.range(10).batch(3, drop_remainder=True).unbatch(),
    "rebatch": lambda tf: tf.data.Dataset.range(10).batch(4).rebatch(3),
    "rebatch_list": lambda tf: tf.data.Dataset.range(10).batch(4).rebatch([1, 2]),
    "rebatch_drop": lambda tf: tf.data.Dataset.range(10).batch(4).rebatch(3, drop_remainder=True),
    "window_flat_map": lambda tf: tf.data.Dataset.range(10).window(4, 3, 2).flat_map(lambda w: w.batch(4)),
    "window_gaps": lambda tf: tf.data.Dataset.range(9).window(2, 4).flat_map(lambda w: w.batch(2)),
    "window_drop": lambda tf: tf.data.Dataset.range(10).window(3, drop_remainder=True).flat_map(lambda w: w.batch(3)),
    "window_tuple": lambda tf: (
        tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0]))
        .window(2, 1)
        .flat_map(lambda a, b: tf.data.Dataset.zip(a.batch(2), b.batch(2)))
    ),
    "filter": lambda tf: tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0),
    "take_skip": lambda tf: tf.data.Dataset.range(10).skip(2).take(5),
    "take_all": lambda tf: tf.data.Dataset.range(4).take(-1),
    "skip_all": lambda tf: tf.data.Dataset.range(4).skip(-1),
    "repeat": lambda tf: tf.data.Dataset.range(3).repeat(2),
    "repeat_forever_take": lambda tf: tf.data.Dataset.range(3).repeat().take(7),
    "take_while": lambda tf: tf.data.Dataset.range(10).take_while(lambda x: x < 4),
    "scan": lambda tf: tf.data.Dataset.range(5).scan(tf.constant(0, tf.int64), lambda s, x: (s + x, s * 2)),
    "scan_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2], [3, 4])).scan(
        0, lambda s, e: (s + e[0], e[1] - s)
    ),
    "enumerate": lambda tf: tf.data.Dataset.from_tensor_slices([5.0, 6.0]).enumerate(start=3),
    "zip": lambda tf: tf.data.Dataset.zip(tf.data.Dataset.range(3), tf.data.Dataset.range(10, 15)),
    "zip_nested": lambda tf: tf.data.Dataset.zip((tf.data.Dataset.range(2), {"a": tf.data.Dataset.range(3)})),
    "concatenate": lambda tf: tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(10, 12)),
    "concatenate_relaxed": lambda tf: tf.data.Dataset.from_tensors(np.zeros([2, 3])).concatenate(
        tf.data.Dataset.from_tensors(np.ones([2, 4]))
    ),
    "unique": lambda tf: tf.data.Dataset.from_tensor_slices([1, 3, 1, 2, 3, 5]).unique(),
    "interleave": lambda tf: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=2
    ),
    "interleave_3": lambda tf: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x), cycle_length=3
    ),
    "flat_map": lambda tf: tf.data.Dataset.range(4).flat_map(lambda x: tf.data.Dataset.range(x)),
    "flat_map_slices": lambda tf: tf.data.Dataset.from_tensors([[1, 2], [3, 4]]).flat_map(
        lambda x: tf.data.Dataset.from_tensor_slices(x)
    ),
    "group_by_window": lambda tf: tf.data.Dataset.range(10).group_by_window(
        lambda x: x % 3, lambda k, w: w.batch(2), window_size=2
    ),
    "group_by_window_size_func": lambda tf: tf.data.Dataset.range(12).group_by_window(
        lambda x: x % 2, lambda k, w: w.batch(4), window_size_func=lambda k: k + 2
    ),
    "bucket": lambda tf: (
        tf.data.Dataset.range(1, 9)
        .map(lambda x: tf.fill([x], x))
        .bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 6], [2, 2, 2])
    ),
    "bucket_pad_to_boundary": lambda tf: (
        tf.data.Dataset.range(1, 8)
        .map(lambda x: tf.fill([x], x))
        .bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 9], [2, 3, 1], pad_to_bucket_boundary=True)
    ),
    "bucket_no_padding": lambda tf: tf.data.Dataset.range(1, 9).bucket_by_sequence_length(
        lambda x: tf.cast(x, tf.int32), [3, 6], [2, 2, 2], no_padding=True
    ),
    "choose": lambda tf: tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.from_tensor_slices(np.array([0, 1, 1, 0, 0, 0, 1], np.int64)),
    ),
    "choose_no_stop": lambda tf: tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.from_tensor_slices(np.array([0, 0, 0, 1, 0, 1], np.int64)),
        stop_on_empty_dataset=False,
    ),
    "generator": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([(1, [1.0, 2.0]), (2, [3.0, 4.0])]),
        output_signature=(tf.TensorSpec([], tf.int64), tf.TensorSpec([None], tf.float32)),
    ),
    "generator_types": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([1.5, 2.0]), output_types=tf.float64, output_shapes=[]
    ),
    "generator_unknown_shape": lambda tf: tf.data.Dataset.from_generator(lambda: iter([[1, 2]]), tf.int32),
    "generator_unknown_shape_batch": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([[1, 2], [3, 4], [5, 6]]), tf.int32
    ).batch(2),
    "generator_unknown_shape_map": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([[1, 2], [3, 4]]), tf.int32
    ).map(lambda v: v * 2),
    "generator_args": lambda tf: tf.data.Dataset.from_generator(
        lambda a, b: iter([a, b, a + b]), args=(1, 2), output_signature=tf.TensorSpec([], tf.int32)
    ),
    "cache": lambda tf: tf.data.Dataset.range(5).map(lambda x: x + 1).cache().repeat(2),
    "prefetch": lambda tf: tf.data.Dataset.range(10).map(lambda x: x * 2).batch(3).prefetch(tf.data.AUTOTUNE),
    "counter": lambda tf: tf.data.Dataset.counter(3, 2).take(3),
    "from_list": lambda tf: tf.data.experimental.from_list([(1, 2.0), (3, 4.0)]),
    "assert_cardinality": lambda tf: (
        tf.data.Dataset.range(5).filter(lambda x: True).apply(tf.data.experimental.assert_cardinality(5))
    ),
    "shuffle_full_buffer_take": lambda tf: tf.data.Dataset.range(5).shuffle(1).take(3),
    "shard": lambda tf: tf.data.Dataset.range(10).shard(3, 1),
    "padded_batch_dict": lambda tf: (
        tf.data.Dataset.range(1, 5)
        .map(lambda x: {"ids": tf.fill([x], x), "n": x})
        .padded_batch(3, padding_values={"ids": tf.constant(-1, tf.int64), "n": tf.constant(0, tf.int64)})
    ),
    "unbatch_dict": lambda tf: tf.data.Dataset.from_tensor_slices({"a": np.arange(6).reshape(3, 2)}).unbatch(),
    "group_by_window_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.arange(8), np.arange(8) * 10)
    ).group_by_window(lambda a, b: a % 2, lambda k, w: w.batch(3), window_size=3),
    "generator_dict": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([{"x": [1.0], "y": 2}]),
        output_signature={"x": tf.TensorSpec([None], tf.float32), "y": tf.TensorSpec([], tf.int32)},
    ),
    "bucket_dict": lambda tf: (
        tf.data.Dataset.range(1, 7)
        .map(lambda x: {"ids": tf.fill([x], x)})
        .bucket_by_sequence_length(lambda d: tf.shape(d["ids"])[0], [3], [2, 2])
    ),
    "with_options": lambda tf: tf.data.Dataset.range(3).with_options(tf.data.Options()),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_matches_tf_data(name: str) -> None:
    ours, theirs = PIPELINES[name](tj), PIPELINES[name](tf_real)
    assert repr(ours.element_spec) == repr(theirs.element_spec)
    assert int(ours.cardinality()) == int(theirs.cardinality())
    got, want = _elements(ours), _elements(theirs)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w)
        for a, b in zip(g, w, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


CARDINALITIES: dict[str, Callable[[Any], Any]] = {
    "filter": lambda tf: tf.data.Dataset.range(10).filter(lambda x: x > 2),
    "repeat_forever": lambda tf: tf.data.Dataset.range(3).repeat(),
    "repeat_unknown": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).repeat(),
    "repeat_zero": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).repeat(0),
    "repeat_empty": lambda tf: tf.data.Dataset.range(0).repeat(),
    "take_infinite": lambda tf: tf.data.Dataset.range(3).repeat().take(5),
    "skip_more": lambda tf: tf.data.Dataset.range(3).skip(7),
    "skip_infinite": lambda tf: tf.data.Dataset.range(3).repeat().skip(7),
    "batch_infinite": lambda tf: tf.data.Dataset.range(3).repeat().batch(2),
    "zip_unknown": lambda tf: tf.data.Dataset.zip(
        tf.data.Dataset.range(3), tf.data.Dataset.range(3).filter(lambda x: x > 0)
    ),
    "zip_infinite": lambda tf: tf.data.Dataset.zip(tf.data.Dataset.range(3).repeat(), tf.data.Dataset.range(2)),
    "concatenate_infinite": lambda tf: tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(3).repeat()),
    "window": lambda tf: tf.data.Dataset.range(10).window(3, 2),
    "window_gaps": lambda tf: tf.data.Dataset.range(9).window(2, 4).flat_map(lambda w: w.batch(2)),
    "window_drop": lambda tf: tf.data.Dataset.range(10).window(3, 2, 2, drop_remainder=True),
    "window_short": lambda tf: tf.data.Dataset.range(2).window(3, drop_remainder=True),
    "shuffle": lambda tf: tf.data.Dataset.range(10).shuffle(3),
    "sample": lambda tf: tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3)] * 2),
    "scan": lambda tf: tf.data.Dataset.range(10).scan(0, lambda s, x: (s, x)),
    "enumerate": lambda tf: tf.data.Dataset.range(10).enumerate(),
    "counter": lambda tf: tf.data.Dataset.counter(),
    "random": lambda tf: tf.data.Dataset.random(seed=1),
    "shard": lambda tf: tf.data.Dataset.range(10).shard(3, 0),
    "shard_infinite": lambda tf: tf.data.Dataset.range(10).repeat().shard(3, 0),
    "unbatch_static": lambda tf: tf.data.Dataset.range(10).batch(5, drop_remainder=True).unbatch(),
}


@pytest.mark.parametrize("name", sorted(CARDINALITIES))
def test_cardinality_matches_tf_data(name: str) -> None:
    assert int(CARDINALITIES[name](tj).cardinality()) == int(CARDINALITIES[name](tf_real).cardinality())


ERRORS: dict[str, Callable[[Any], Any]] = {
    "slices_mismatch": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2, 3], [1.0, 2.0])),
    "slices_scalar": lambda tf: tf.data.Dataset.from_tensor_slices(1),
    "batch_zero": lambda tf: tf.data.Dataset.range(3).batch(0),
    "shuffle_zero": lambda tf: tf.data.Dataset.range(3).shuffle(0),
    "map_parallel_zero": lambda tf: tf.data.Dataset.range(3).map(lambda x: x, num_parallel_calls=0),
    "unbatch_scalar": lambda tf: tf.data.Dataset.range(3).unbatch(),
    "zip_not_dataset": lambda tf: tf.data.Dataset.zip(tf.data.Dataset.range(3), 1),
    "filter_not_bool": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x),
    "filter_not_scalar": lambda tf: tf.data.Dataset.range(3).filter(lambda x: tf.stack([x > 1, x > 2])),
    "concatenate_dtypes": lambda tf: tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.range(3, output_type=tf.int32)
    ),
    "unique_float": lambda tf: tf.data.Dataset.from_tensor_slices([1.0, 2.0]).unique(),
    "generator_no_types": lambda tf: tf.data.Dataset.from_generator(lambda: iter([1])),
    "generator_both": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([1]), output_types=tf.int32, output_signature=tf.TensorSpec([], tf.int32)
    ),
    "generator_not_callable": lambda tf: tf.data.Dataset.from_generator(1, output_types=tf.int32),
    "generator_bad_signature": lambda tf: tf.data.Dataset.from_generator(lambda: iter([1]), output_signature=tf.int32),
    "len_infinite": lambda tf: len(tf.data.Dataset.range(3).repeat()),
    "len_unknown": lambda tf: len(tf.data.Dataset.range(3).filter(lambda x: x > 0)),
    "single_element_many": lambda tf: tf.data.Dataset.range(3).get_single_element(),
    "single_element_empty": lambda tf: tf.data.Dataset.range(0).get_single_element(),
    "batch_shapes_differ": lambda tf: list(tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).batch(2)),
    "generator_shape": lambda tf: list(
        tf.data.Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_signature=tf.TensorSpec([2], tf.int32))
    ),
    "generator_structure": lambda tf: list(
        tf.data.Dataset.from_generator(
            lambda: iter([[1, 2]]), output_signature=(tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32))
        )
    ),
    "get_next_end": lambda tf: [it := iter(tf.data.Dataset.range(0)), it.get_next()],
    "group_by_window_both": lambda tf: tf.data.Dataset.range(3).group_by_window(
        lambda x: x, lambda k, w: w, window_size=2, window_size_func=lambda k: 2
    ),
    "bucket_sizes": lambda tf: tf.data.Dataset.range(3).bucket_by_sequence_length(lambda x: x, [2], [1]),
    "assert_cardinality_short": lambda tf: list(
        tf.data.Dataset.range(3).apply(tf.data.experimental.assert_cardinality(5))
    ),
    "assert_cardinality_long": lambda tf: list(
        tf.data.Dataset.range(7).apply(tf.data.experimental.assert_cardinality(5))
    ),
    "options_unknown": lambda tf: setattr(tf.data.Options(), "foo", 1),
    "options_type": lambda tf: setattr(tf.data.Options(), "deterministic", 3),
    "shard_zero": lambda tf: tf.data.Dataset.range(3).shard(0, 0),
    "shard_index": lambda tf: tf.data.Dataset.range(3).shard(2, 2),
    "padding_value_dtype": lambda tf: (
        tf.data.Dataset.range(1, 4)
        .map(lambda x: (tf.fill([x], x), tf.fill([x], 1.0)))
        .padded_batch(2, padding_values=(-1, -2.0))
    ),
    "padding_value_broadcast": lambda tf: (
        tf.data.Dataset.range(1, 4)
        .map(lambda x: (tf.fill([x], x), tf.fill([x], 1.0)))
        .padded_batch(2, padding_values=tf.constant(-1, tf.int64))
    ),
    "padded_shape_smaller": lambda tf: list(
        tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).padded_batch(2, [1])
    ),
    "padded_shape_rank": lambda tf: tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).padded_batch(2, [2, 3]),
    "apply_not_dataset": lambda tf: tf.data.Dataset.range(3).apply(lambda d: 1),
}


def _error_class(fn: Callable[[], Any]) -> tuple[str, str]:
    try:
        fn()
    except Exception as e:
        return type(e).__name__, str(e)
    return "no error", ""


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_class_matches_tf_data(name: str) -> None:
    ours, ours_msg = _error_class(lambda: ERRORS[name](tj))
    theirs, theirs_msg = _error_class(lambda: ERRORS[name](tf_real))
    assert ours == theirs, (ours_msg, theirs_msg)


def test_assert_cardinality_messages_match_tf_data() -> None:
    for n in (3, 7):
        ds = {m: m.data.Dataset.range(n).apply(m.data.experimental.assert_cardinality(5)) for m in (tj, tf_real)}
        msgs = [_error_class(lambda d=d: list(d))[1] for d in ds.values()]
        assert msgs[1].endswith(msgs[0]) or msgs[0] in msgs[1], msgs
