"""``tf.data.experimental``: the transformations under their experimental names (functions for
``Dataset.apply``), ``assert_cardinality``, ``cardinality``, ``Counter``, ``from_list``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.data.dataset import INFINITE, Dataset, as_int
from tapejax._src.data.sources import ElementsDataset

Transformation = Callable[[Dataset], Dataset]


def cardinality(dataset: Dataset) -> Any:
    """``dataset.cardinality()``: an int64 count, ``INFINITE_CARDINALITY`` (-1) or ``UNKNOWN_CARDINALITY`` (-2).

    >>> import tapejax as tf
    >>> print(tf.data.experimental.cardinality(tf.data.Dataset.range(4).repeat()))
    tf.Tensor(-1, shape=(), dtype=int64)
    """
    return dataset.cardinality()


class _AssertCardinalityDataset(Dataset):
    _tf_name = "_AssertCardinalityDataset"

    def __init__(self, input_dataset: Dataset, expected: int) -> None:
        self._input = input_dataset
        self._expected = expected
        super().__init__(input_dataset.element_spec, (input_dataset,))

    def _iter(self) -> Iterator[structure.Flat]:
        n = 0
        for flat in self._input._iter():
            n += 1
            if self._expected != INFINITE and n > self._expected:
                raise errors.FailedPreconditionError(
                    None,
                    None,
                    f"Input dataset was expected to contain {_elements(self._expected)} but contained at least "
                    f"{_elements(n)}.",
                )
            yield flat
        if n != self._expected:
            want = "an infinite number of elements" if self._expected == INFINITE else _elements(self._expected)
            raise errors.FailedPreconditionError(
                None, None, f"Input dataset was expected to contain {want} but contained only {_elements(n)}."
            )

    def _cardinality(self) -> int:
        return self._expected


def _elements(n: int) -> str:
    return f"{n} element" + ("" if n == 1 else "s")


def assert_cardinality(expected_cardinality: Any) -> Transformation:
    """A transformation declaring the dataset's cardinality, checked as it is iterated.

    Raises:
      FailedPreconditionError: (when iterated) the dataset has another number of elements.
    """
    expected = as_int(expected_cardinality, "expected_cardinality")
    return lambda dataset: _AssertCardinalityDataset(dataset, expected)


def bucket_by_sequence_length(
    element_length_func: Callable[..., Any],
    bucket_boundaries: Any,
    bucket_batch_sizes: Any,
    padded_shapes: Any = None,
    padding_values: Any = None,
    pad_to_bucket_boundary: bool = False,
    no_padding: bool = False,
    drop_remainder: bool = False,
) -> Transformation:
    """``Dataset.bucket_by_sequence_length`` as a transformation for ``apply``."""
    return lambda dataset: dataset.bucket_by_sequence_length(
        element_length_func,
        bucket_boundaries,
        bucket_batch_sizes,
        padded_shapes,
        padding_values,
        pad_to_bucket_boundary,
        no_padding,
        drop_remainder,
    )


def choose_from_datasets(datasets: Any, choice_dataset: Dataset, stop_on_empty_dataset: bool = True) -> Dataset:
    """``Dataset.choose_from_datasets``."""
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def sample_from_datasets(
    datasets: Any, weights: Any = None, seed: Any = None, stop_on_empty_dataset: bool = False
) -> Dataset:
    """``Dataset.sample_from_datasets``."""
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def enumerate_dataset(start: Any = 0) -> Transformation:
    """``Dataset.enumerate`` as a transformation."""
    return lambda dataset: dataset.enumerate(start)


def get_single_element(dataset: Dataset) -> Any:
    """``Dataset.get_single_element``."""
    return dataset.get_single_element()


def get_structure(dataset_or_iterator: Any) -> Any:
    """The element_spec of a dataset or iterator."""
    return dataset_or_iterator.element_spec


def group_by_window(
    key_func: Callable[..., Any],
    reduce_func: Callable[..., Any],
    window_size: Any = None,
    window_size_func: Callable[[Any], Any] | None = None,
) -> Transformation:
    """``Dataset.group_by_window`` as a transformation."""
    return lambda dataset: dataset.group_by_window(key_func, reduce_func, window_size, window_size_func)


def map_and_batch(
    map_func: Callable[..., Any],
    batch_size: Any,
    num_parallel_batches: Any = None,
    drop_remainder: bool = False,
    num_parallel_calls: Any = None,
) -> Transformation:
    """``map`` then ``batch``, as a transformation."""
    return lambda dataset: dataset.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)


def scan(initial_state: Any, scan_func: Callable[..., Any]) -> Transformation:
    """``Dataset.scan`` as a transformation."""
    return lambda dataset: dataset.scan(initial_state, scan_func)


def shuffle_and_repeat(buffer_size: Any, count: Any = None, seed: Any = None) -> Transformation:
    """``shuffle`` then ``repeat``, as a transformation (each repetition reshuffled)."""
    return lambda dataset: dataset.shuffle(buffer_size, seed).repeat(count)


def take_while(predicate: Callable[..., Any]) -> Transformation:
    """``Dataset.take_while`` as a transformation."""
    return lambda dataset: dataset.take_while(predicate)


def unbatch() -> Transformation:
    """``Dataset.unbatch`` as a transformation."""
    return lambda dataset: dataset.unbatch()


def unique() -> Transformation:
    """``Dataset.unique`` as a transformation."""
    return lambda dataset: dataset.unique()


def Counter(start: Any = 0, step: Any = 1, dtype: Any = dtypes_lib.int64) -> Dataset:
    """An infinite count from ``start`` by ``step`` (``Dataset.counter``)."""
    return Dataset.counter(start, step, dtype)


def from_list(elements: Any, name: str | None = None) -> Dataset:
    """A dataset of the given elements (each a nested structure; their specs relaxed into one).

    Raises:
      ValueError: an empty list.
      TypeError: elements of different structures or dtypes.
    """
    elements = list(elements)
    if not elements:
        raise ValueError("Invalid `elements`. `elements` should not be empty.")
    flats = []
    spec = None
    for e in elements:
        structure_, flat = structure.normalize(e, "from_list")
        flats.append(flat)
        s = structure.spec_of(structure_, flat)
        spec = s if spec is None else structure.relax_specs(spec, s, "from_list")
    ds = ElementsDataset(flats, spec)
    ds._tf_name = "_ListDataset"
    return ds
