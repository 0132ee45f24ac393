"""tf.data sources, element structure and specs, cardinality and iteration (tapejax/_src/data/sources.py,
structure.py, iterator.py, dataset.py). Expected values are NumPy references or TF 2.21's (see
tests/test_data_parity.py, which runs the same pipelines through TensorFlow)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import tapejax as tf

Dataset = tf.data.Dataset
Point = collections.namedtuple("Point", "x y")


def test_from_tensor_slices_tuple_elements_specs_and_cardinality() -> None:
    ds = Dataset.from_tensor_slices(([1, 2, 3], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert ds.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32))
    assert int(ds.cardinality()) == 3 and ds.cardinality().dtype == tf.int64 and len(ds) == 3
    a, b = next(iter(ds))
    assert isinstance(a, tf.Tensor) and a.dtype == tf.int32 and a.shape == [] and int(a) == 1
    np.testing.assert_array_equal(b.numpy(), np.array([1.0, 2.0], np.float32))
    assert repr(ds).startswith("<_TensorSliceDataset element_spec=(TensorSpec(shape=(), dtype=tf.int32")


def test_from_tensor_slices_keeps_numpy_dtypes_and_dict_key_order() -> None:
    ds = Dataset.from_tensor_slices({"b": np.array([1, 2], np.int64), "a": np.zeros((2, 3))})
    assert list(ds.element_spec) == ["b", "a"]
    assert ds.element_spec["a"] == tf.TensorSpec([3], tf.float64)
    first = next(ds.as_numpy_iterator())
    assert list(first) == ["b", "a"] and first["b"] == np.int64(1) and isinstance(first["b"], np.int64)


def test_namedtuple_element_is_one_argument_and_tuple_is_spread() -> None:
    ds = Dataset.from_tensor_slices(Point([1, 2], [10, 20]))
    assert type(ds.element_spec) is Point
    assert list(ds.map(lambda p: p.x + p.y).as_numpy_iterator()) == [11, 22]
    assert list(Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: a * b).as_numpy_iterator()) == [3, 8]


def test_lists_are_components_not_structure() -> None:
    assert Dataset.from_tensor_slices([[1, 2], [3, 4]]).element_spec == tf.TensorSpec([2], tf.int32)
    assert Dataset.from_tensors([1, 2]).element_spec == tf.TensorSpec([2], tf.int32)
    assert Dataset.from_tensor_slices([]).element_spec == tf.TensorSpec([], tf.float32)


def test_from_tensor_slices_errors_are_tf_value_errors() -> None:
    with pytest.raises(ValueError, match="Dimensions 3 and 2 are not compatible"):
        Dataset.from_tensor_slices(([1, 2, 3], [1.0, 2.0]))
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(1)
    with pytest.raises(TypeError):
        Dataset.from_tensors(None)


def test_from_tensors_one_element() -> None:
    ds = Dataset.from_tensors((tf.constant([1.0, 2.0]), 3))
    assert ds.element_spec == (tf.TensorSpec([2], tf.float32), tf.TensorSpec([], tf.int32))
    assert int(ds.cardinality()) == 1
    (a, b), *rest = list(ds)
    assert rest == [] and a.numpy().tolist() == [1.0, 2.0] and int(b) == 3


@pytest.mark.parametrize("args", [(5,), (2, 11, 3), (5, 0, -2), (3, 3)])
def test_range_matches_python_range_as_int64(args: tuple[int, ...]) -> None:
    ds = Dataset.range(*args)
    assert ds.element_spec == tf.TensorSpec([], tf.int64)
    got = list(ds.as_numpy_iterator())
    assert got == list(range(*args)) and all(type(x) is np.int64 for x in got)
    assert int(ds.cardinality()) == len(range(*args))


def test_range_output_type_and_counter() -> None:
    assert Dataset.range(3, output_type=tf.int32).element_spec.dtype == tf.int32
    c = Dataset.counter(3, 2)
    assert int(c.cardinality()) == tf.data.INFINITE_CARDINALITY == -1
    assert list(c.take(3).as_numpy_iterator()) == [3, 5, 7]


def test_iterator_protocols_and_end_of_sequence() -> None:
    it = iter(Dataset.range(2))
    assert isinstance(it, tf.data.Iterator)
    assert int(next(it)) == 0 and int(it.get_next()) == 1
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        it.get_next()
    with pytest.raises(StopIteration):
        next(it)
    assert it.element_spec == tf.TensorSpec([], tf.int64)


def test_each_iteration_starts_over() -> None:
    ds = Dataset.range(3)
    assert list(ds.as_numpy_iterator()) == list(ds.as_numpy_iterator()) == [0, 1, 2]
    assert [int(x) for x in ds] == [0, 1, 2]


def test_len_of_infinite_and_unknown_datasets_raise_type_error() -> None:
    with pytest.raises(TypeError, match=r"The dataset is infinite\."):
        len(Dataset.range(3).repeat())
    with pytest.raises(TypeError, match=r"The dataset length is unknown\."):
        len(Dataset.range(3).filter(lambda x: x > 0))


def test_get_single_element() -> None:
    assert int(Dataset.range(1).get_single_element()) == 0
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one element"):
        Dataset.range(2).get_single_element()
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dataset was empty"):
        Dataset.range(0).get_single_element()


def test_from_generator_output_signature_calls_the_generator_each_pass() -> None:
    calls = []

    def gen():
        calls.append(1)
        yield 1, [1.0, 2.0]
        yield 2, [3.0]

    ds = Dataset.from_generator(gen, output_signature=(tf.TensorSpec([], tf.int64), tf.TensorSpec([None], tf.float32)))
    assert ds.element_spec == (tf.TensorSpec([], tf.int64), tf.TensorSpec([None], tf.float32))
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY == -2
    first = list(ds.as_numpy_iterator())
    assert first[0][0] == np.int64(1) and first[1][1].dtype == np.float32 and first[1][1].tolist() == [3.0]
    list(ds.as_numpy_iterator())
    assert len(calls) == 2


def test_from_generator_deprecated_types_shapes_and_args() -> None:
    ds = Dataset.from_generator(lambda: iter([1.5, 2.0]), output_types=tf.float64)
    assert ds.element_spec.shape.rank is None and ds.element_spec.dtype == tf.float64
    assert list(ds.as_numpy_iterator()) == [1.5, 2.0]
    ds = Dataset.from_generator(lambda: iter([(1, [2])]), (tf.float32, tf.int32), ((), [None]))
    assert ds.element_spec == (tf.TensorSpec([], tf.float32), tf.TensorSpec([None], tf.int32))
    ds = Dataset.from_generator(
        lambda a, b: iter([a, b, a + b]), args=(1, 2), output_signature=tf.TensorSpec([], tf.int32)
    )
    assert list(ds.as_numpy_iterator()) == [1, 2, 3]
    # TF converts to the declared dtype (truncating a float for an int)
    ds = Dataset.from_generator(lambda: iter([1.5]), output_signature=tf.TensorSpec([], tf.int32))
    assert list(ds.as_numpy_iterator()) == [1]


def test_from_generator_errors() -> None:
    with pytest.raises(TypeError, match="either the `output_signature` argument or the `output_types`"):
        Dataset.from_generator(lambda: iter([1]))
    with pytest.raises(TypeError, match="can not be used together"):
        Dataset.from_generator(lambda: iter([1]), tf.int32, output_signature=tf.TensorSpec([], tf.int32))
    with pytest.raises(TypeError, match="must be a Python callable"):
        Dataset.from_generator(1, tf.int32)
    with pytest.raises(TypeError, match=r"subclass of `tf\.TypeSpec`"):
        Dataset.from_generator(lambda: iter([1]), output_signature=tf.int32)
    bad_shape = Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_signature=tf.TensorSpec([2], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"yielded an element of shape \(3,\) where .* \(2,\)"):
        list(bad_shape)
    bad_structure = Dataset.from_generator(
        lambda: iter([[1, 2]]), output_signature=(tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32))
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="did not match the expected structure"):
        list(bad_structure)


def test_reading_a_dataset_on_the_host_inside_tf_function_raises_instead_of_freezing_the_data() -> None:
    ds = Dataset.range(3)

    @tf.function
    def first():
        return tf.constant(next(ds.as_numpy_iterator()))

    with pytest.raises(NotImplementedError, match="frozen into the compiled program"):
        first()


def test_iteration_and_map_functions_are_not_recorded_on_a_tape() -> None:
    v = tf.Variable(2.0)
    ds = Dataset.from_tensor_slices([1.0, 2.0]).map(lambda x: x * v)
    with tf.GradientTape() as tape:
        y = v * 3.0
        for e in ds:
            y = y + e
    assert float(y) == 6.0 + 2.0 + 4.0
    assert float(tape.gradient(y, v)) == 3.0  # the dataset's reads of v are not on the tape, as in TF


def test_structure_with_no_string_tensors() -> None:
    with pytest.raises(TypeError, match="string"):
        Dataset.from_tensors("abc")
    with pytest.raises(TypeError, match="string"):
        Dataset.from_tensor_slices(np.array(["a", "b"]))


def test_datasets_own_their_data() -> None:
    x = np.array([1.0, 2.0, 3.0], np.float32)
    ds = Dataset.from_tensor_slices(x)
    x[0] = 100.0  # TF copies the input: the dataset does not change
    assert list(ds.as_numpy_iterator()) == [1.0, 2.0, 3.0]
    rows = Dataset.from_tensors(np.zeros((2, 2)))
    got = next(rows.as_numpy_iterator())
    got[0, 0] = 5.0  # the user's array is the user's: the dataset hands out a fresh one next time
    assert next(rows.as_numpy_iterator())[0, 0] == 0.0
    cached = Dataset.range(3).map(lambda i: tf.fill([2], i)).cache()
    first = list(cached.as_numpy_iterator())
    first[0][0] = 9
    assert [a.tolist() for a in cached.as_numpy_iterator()] == [[0, 0], [1, 1], [2, 2]]
