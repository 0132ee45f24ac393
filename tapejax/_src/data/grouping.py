"""``group_by_window`` and ``bucket_by_sequence_length``: elements grouped by a key, each group's
windows reduced to a dataset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import TensorBase
from tapejax._src.data import structure
from tapejax._src.data.dataset import UNKNOWN, Dataset, as_int
from tapejax._src.data.functions import StructuredFunction
from tapejax._src.data.nested import call_dataset_fn
from tapejax._src.data.sources import ElementsDataset
from tapejax._src.ops.array_ops import convert_to_tensor
from tapejax._src.tensor import Tensor, TensorShape, convert_python
from tapejax._src.tensor_spec import TensorSpec


def _int64(value: Any) -> Tensor:
    return Tensor(convert_python(np.int64(value), None))


def _key(value: Any) -> Any:
    """A key as TF converts it: Python numbers to int64; a tensor keeps its dtype (checked after)."""
    return value if isinstance(value, TensorBase) else convert_to_tensor(value, dtype=dtypes_lib.int64)


class GroupByWindowDataset(Dataset):
    _tf_name = "_GroupByWindowDataset"

    def __init__(
        self,
        input_dataset: Dataset,
        key_func: Callable[..., Any],
        reduce_func: Callable[..., Any],
        window_size: Any,
        window_size_func: Callable[[Any], Any] | None,
        element_spec: Any = None,
    ) -> None:
        if (window_size is not None and window_size_func) or not (window_size is not None or window_size_func):
            raise ValueError("Either the `window_size` argument or the `window_size_func` argument must be specified.")
        self._input = input_dataset
        self._window_size = None if window_size is None else as_int(window_size, "window_size")
        self._window_size_func = window_size_func
        self._key_fn = StructuredFunction(
            lambda *args: _key(key_func(*args)),
            input_dataset.element_spec,
            "Dataset.group_by_window",
        )
        if self._key_fn.output_spec != TensorSpec([], dtypes_lib.int64):
            raise ValueError(
                "Invalid `key_func`. `key_func` must return a single `tf.int64` scalar tensor but its return type "
                f"is {self._key_fn.output_spec}."
            )
        self._reduce_func = reduce_func
        if element_spec is None:
            out = reduce_func(_int64(0), ElementsDataset([], input_dataset.element_spec))
            if not isinstance(out, Dataset):
                raise TypeError(
                    "Invalid `reduce_func`. `reduce_func` must return a single `tf.data.Dataset` object but its "
                    f"return type is {type(out).__name__}."
                )
            element_spec = out.element_spec
        super().__init__(element_spec, (input_dataset,))

    def _size_of(self, key: int) -> int:
        if self._window_size_func is None:
            size = self._window_size
        else:
            out = self._window_size_func(_int64(key))
            size = as_int(out, "window_size_func result")
        if size is None or size <= 0:
            raise errors.invalid_argument(f"Window size must be greater than zero, but got {size}.")
        return size

    def _reduce(self, key: int, group: list[structure.Flat]) -> Iterator[structure.Flat]:
        window = ElementsDataset(group, self._input.element_spec)
        return call_dataset_fn(lambda k, w: self._reduce_func(k, w), (_int64(key), window), "group_by_window")._iter()

    def _iter(self) -> Iterator[structure.Flat]:
        groups: dict[int, list[structure.Flat]] = {}
        sizes: dict[int, int] = {}
        for flat in self._input._iter():
            key = int(self._key_fn(flat)[0])
            if key not in groups:
                groups[key] = []
                sizes[key] = self._size_of(key)
            groups[key].append(flat)
            if len(groups[key]) == sizes[key]:
                yield from self._reduce(key, groups.pop(key))
        for key in sorted(groups):  # what is left, by key, as TF's ordered map of groups
            yield from self._reduce(key, groups.pop(key))

    def _cardinality(self) -> int:
        return UNKNOWN


def bucket_by_sequence_length(
    dataset: Dataset,
    element_length_func: Callable[..., Any],
    bucket_boundaries: Any,
    bucket_batch_sizes: Any,
    padded_shapes: Any,
    padding_values: Any,
    pad_to_bucket_boundary: bool,
    no_padding: bool,
    drop_remainder: bool,
) -> Dataset:
    import tapejax as tf

    boundaries = [int(b) for b in bucket_boundaries]
    batch_sizes = [int(b) for b in bucket_batch_sizes]
    if len(batch_sizes) != len(boundaries) + 1:
        raise ValueError(
            "`len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1` but "
            f"`len(bucket_batch_sizes)={len(batch_sizes)}` and `len(bucket_boundaries)={len(boundaries)}`."
        )

    def bucket_id(*args: Any) -> Any:
        length = tf.cast(element_length_func(*args), tf.int64)
        # the bucket whose [min, max) holds the length: how many (ascending) boundaries it reaches
        return tf.reduce_sum(tf.cast(tf.constant(boundaries, tf.int64) <= length, tf.int64))

    def batching(key: Any, window: Dataset) -> Dataset:
        k = int(key.numpy())
        size = batch_sizes[k]
        if no_padding:
            return window.batch(size, drop_remainder=drop_remainder)
        filler = None
        if pad_to_bucket_boundary:
            if k >= len(batch_sizes) - 1:
                raise errors.invalid_argument(
                    "When pad_to_bucket_boundary=True, elements must have length < max(bucket_boundaries)."
                )
            filler = boundaries[k] - 1
        shapes = padded_shapes if padded_shapes is not None else _shapes(window.element_spec)
        shapes = _fill(shapes, window.element_spec, filler)
        return window.padded_batch(size, shapes, padding_values, drop_remainder=drop_remainder)

    spec = dataset.element_spec
    if no_padding:
        out_spec = structure.batched(spec, None)
    else:
        given = _fill(padded_shapes, spec, None) if padded_shapes is not None else _shapes(spec)
        out_spec = structure.pack(
            spec,
            [
                TensorSpec(TensorShape([None]).concatenate(TensorShape(p)), s.dtype)
                for s, p in zip(structure.flatten(spec), structure.flatten(given), strict=True)
            ],
        )
    return GroupByWindowDataset(
        dataset, bucket_id, batching, None, lambda key: batch_sizes[int(key.numpy())], element_spec=out_spec
    )


def _shapes(spec: Any) -> Any:
    return structure.map_structure(lambda s: s.shape.as_list(), spec)


def _fill(shapes: Any, spec: Any, filler: int | None) -> Any:
    """``shapes`` (in ``spec``'s structure) with unknown dims as ``filler``."""
    from tapejax._src.data.batching import _shapes_like

    like = _shapes_like(spec, shapes)
    return structure.map_structure(lambda p: [filler if d is None else d for d in p.as_list()], like)
