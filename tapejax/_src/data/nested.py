"""Stages whose function returns a dataset per element: ``flat_map`` and ``interleave``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.core import tape_state
from tapejax._src.data import structure
from tapejax._src.data.dataset import AUTOTUNE, UNKNOWN, Dataset, as_int
from tapejax._src.data.functions import call_with_element
from tapejax._src.data.transformations import _UnaryDataset, cpu_count, parallelism
from tapejax._src.tensor import Tensor, convert_python


def _dummy(spec: Any, which: int) -> Any:
    """A stand-in argument of ``spec`` (``structure.probe_dims``) for learning a dataset function's result."""
    from tapejax._src.data.sources import ElementsDataset

    if isinstance(spec, structure.DatasetSpec):
        return ElementsDataset([], spec.element_spec)
    dims = structure.probe_dims(spec.shape, which)
    return Tensor(convert_python(np.zeros(dims, spec.dtype._np), None))


def call_dataset_fn(fn: Callable[..., Any], element: Any, what: str) -> Dataset:
    """``fn`` of one element (run eagerly, untaped), checked to return a Dataset."""
    saved = tape_state.tapes
    tape_state.tapes = []
    try:
        out = call_with_element(fn, element)
    finally:
        tape_state.tapes = saved
    if not isinstance(out, Dataset):
        raise TypeError(f"The `map_func` argument of {what} must return a `Dataset` object, got {type(out).__name__}.")
    return out


def dataset_fn_spec(fn: Callable[..., Any], input_spec: Any, what: str, args: Any = None) -> Any:
    """The element_spec of the datasets ``fn`` returns: ``fn`` called on stand-ins of ``input_spec``
    (twice, at two sizes, where a dimension is unknown; the specs relaxed to fit both)."""
    specs = structure.flatten(input_spec)
    unknown = any(
        not isinstance(s, structure.DatasetSpec) and (s.shape.rank is None or None in s.shape.as_list()) for s in specs
    )
    result = None
    for which in (0, 1) if unknown else (0,):
        element = structure.pack(input_spec, [_dummy(s, which) for s in specs]) if args is None else args
        spec = call_dataset_fn(fn, element, what).element_spec
        result = spec if result is None else structure.relax_specs(result, spec, what)
    return result


class FlatMapDataset(_UnaryDataset):
    _tf_name = "_FlatMapDataset"

    def __init__(self, input_dataset: Dataset, fn: Callable[..., Any]) -> None:
        self._fn = fn
        spec = dataset_fn_spec(fn, input_dataset.element_spec, "flat_map")
        super().__init__(input_dataset, spec)

    def _iter(self) -> Iterator[structure.Flat]:
        in_spec = self._input.element_spec
        for flat in self._input._iter():
            yield from call_dataset_fn(self._fn, structure.to_tensors(in_spec, flat), "flat_map")._iter()

    def _cardinality(self) -> int:
        return UNKNOWN


class InterleaveDataset(_UnaryDataset):
    def __init__(
        self,
        input_dataset: Dataset,
        fn: Callable[..., Any],
        cycle_length: Any,
        block_length: Any,
        num_parallel_calls: Any,
    ) -> None:
        self._fn = fn
        parallelism(num_parallel_calls, "interleave")
        self._tf_name = "_InterleaveDataset" if num_parallel_calls is None else "_ParallelInterleaveDataset"
        cycle = AUTOTUNE if cycle_length is None else as_int(cycle_length, "cycle_length")
        self._cycle = cpu_count() if cycle == AUTOTUNE else cycle
        self._block = 1 if block_length is None else as_int(block_length, "block_length")
        if self._cycle <= 0:
            raise errors.invalid_argument("cycle_length must be greater than zero.")
        if self._block <= 0:
            raise errors.invalid_argument("block_length must be greater than zero.")
        spec = dataset_fn_spec(fn, input_dataset.element_spec, "interleave")
        super().__init__(input_dataset, spec)

    def _iter(self) -> Iterator[structure.Flat]:
        # TF's InterleaveDatasetOp: a cycle of open inner iterators, `block` elements from each in turn;
        # an exhausted one frees its slot, refilled from the input when the cycle comes back to it.
        in_spec = self._input.element_spec
        inputs = self._input._iter()
        cycle, block = self._cycle, self._block
        slots: list[Any] = [None] * cycle
        index = taken = opened = 0
        end_of_input = False
        while not end_of_input or opened > 0:
            current = slots[index]
            if current is not None:
                try:
                    element = next(current)
                except StopIteration:
                    slots[index] = None
                    opened -= 1
                    index, taken = (index + 1) % cycle, 0
                    continue
                taken += 1
                if taken == block:
                    index, taken = (index + 1) % cycle, 0
                yield element
            elif not end_of_input:
                try:
                    flat = next(inputs)
                except StopIteration:
                    end_of_input = True
                    continue
                ds = call_dataset_fn(self._fn, structure.to_tensors(in_spec, flat), "interleave")
                slots[index] = ds._iter()
                opened += 1
            else:
                index, taken = (index + 1) % cycle, 0

    def _cardinality(self) -> int:
        return UNKNOWN
