"""Element-wise and order-keeping stages: ``map``, ``filter``, ``flat_map``, ``interleave``, ``repeat``,
``take``, ``skip``, ``take_while``, ``scan``, ``reduce``, ``unique``, ``cache``."""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.core import tape_state
from tapejax._src.data import structure
from tapejax._src.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset, as_int
from tapejax._src.data.functions import StructuredFunction, call_with_element, scalar_bool
from tapejax._src.data.iterator import check_eager
from tapejax._src.tensor import Tensor, convert_python
from tapejax._src.tensor_spec import TensorSpec


def cpu_count() -> int:
    """The number of CPUs this process may run on (TF's default parallelism for AUTOTUNE)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def parallelism(num_parallel_calls: Any, what: str) -> int | None:
    """``num_parallel_calls`` as a thread count (None: sequential; AUTOTUNE: the CPU count)."""
    if num_parallel_calls is None:
        return None
    n = as_int(num_parallel_calls, "num_parallel_calls")
    if n == AUTOTUNE:
        return cpu_count()
    if n <= 0:
        raise errors.invalid_argument("num_parallel_calls must be greater than zero.")
    return n


_RUN_AHEAD = 8  # calls of a pure map function in flight at once


class _UnaryDataset(Dataset):
    def __init__(self, input_dataset: Dataset, element_spec: Any) -> None:
        super().__init__(element_spec, (input_dataset,))
        self._input = input_dataset

    def _cardinality(self) -> int:
        return self._input._cardinality()


class MapDataset(_UnaryDataset):
    def __init__(
        self, input_dataset: Dataset, fn: Callable[..., Any], num_parallel_calls: Any, deterministic: Any
    ) -> None:
        self._parallel = parallelism(num_parallel_calls, "map")
        self._tf_name = "_MapDataset" if num_parallel_calls is None else "_ParallelMapDataset"
        self._fn = StructuredFunction(fn, input_dataset.element_spec, "Dataset.map")
        super().__init__(input_dataset, self._fn.output_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        fn = self._fn
        if fn.pure:
            # Calls run ahead of the consumer: JAX dispatches a compiled call without waiting, so a
            # window of calls in flight hides XLA's per-call latency (no threads needed).
            window = max(_RUN_AHEAD, self._parallel or 1)
            pending: collections.deque[Any] = collections.deque()
            for flat in self._input._iter():
                pending.append(fn.dispatch(flat))
                if len(pending) >= window:
                    yield fn.result(pending.popleft())
            while pending:
                yield fn.result(pending.popleft())
            return
        if not self._parallel or self._parallel == 1:
            for flat in self._input._iter():
                yield fn(flat)
            return
        # Up to `n` calls in flight on a thread pool (XLA releases the GIL while it runs); results in
        # input order, so `deterministic=False` gives the same (allowed) order as True.
        n = self._parallel
        pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="tf.data.map")
        in_flight: collections.deque[Any] = collections.deque()
        try:
            for flat in self._input._iter():
                in_flight.append(pool.submit(fn, flat))
                if len(in_flight) >= n:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


class FilterDataset(_UnaryDataset):
    _tf_name = "_FilterDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable[..., Any]) -> None:
        self._fn = StructuredFunction(predicate, input_dataset.element_spec, "Dataset.filter")
        scalar_bool(self._fn.output_spec, "filter")
        super().__init__(input_dataset, input_dataset.element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        fn = self._fn
        for flat in self._input._iter():
            if fn(flat)[0]:
                yield flat

    def _cardinality(self) -> int:
        return UNKNOWN


class TakeWhileDataset(_UnaryDataset):
    _tf_name = "_TakeWhileDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable[..., Any]) -> None:
        self._fn = StructuredFunction(predicate, input_dataset.element_spec, "Dataset.take_while")
        scalar_bool(self._fn.output_spec, "take_while")
        super().__init__(input_dataset, input_dataset.element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        fn = self._fn
        for flat in self._input._iter():
            if not fn(flat)[0]:
                return
            yield flat

    def _cardinality(self) -> int:
        return UNKNOWN


# -- functions returning datasets ----------------------------------------------------------------------
def _dummy(spec: Any, size: int) -> Any:
    """A stand-in argument of ``spec`` (None dims of ``size``) for learning a dataset function's result."""
    from tapejax._src.data.sources import ElementsDataset

    if isinstance(spec, structure.DatasetSpec):
        return ElementsDataset([], spec.element_spec)
    dims = [size] if spec.shape.rank is None else [size if d is None else d for d in spec.shape.as_list()]
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
    for size in (2, 3) if unknown else (2,):
        element = structure.pack(input_spec, [_dummy(s, size) for s in specs]) if args is None else args
        spec = call_dataset_fn(fn, element, what).element_spec
        result = spec if result is None else relax_specs(result, spec, what)
    return result


def relax_specs(a: Any, b: Any, what: str) -> Any:
    """Two element specs relaxed into one (TypeError where structures or dtypes differ)."""
    if not structure.same_structure(a, b):
        raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}")
    out = []
    for x, y in zip(structure.flatten(a), structure.flatten(b), strict=True):
        r = structure.relax(x, y)
        if r is None:
            raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}")
        out.append(r)
    return structure.pack(a, out)


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


# -- counting ----------------------------------------------------------------------------------------
class RepeatDataset(_UnaryDataset):
    _tf_name = "_RepeatDataset"

    def __init__(self, input_dataset: Dataset, count: Any) -> None:
        self._count = -1 if count is None else as_int(count, "count")
        super().__init__(input_dataset, input_dataset.element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        done = 0
        while self._count < 0 or done < self._count:
            produced = False
            for flat in self._input._iter():
                produced = True
                yield flat
            if not produced:  # an empty input repeated forever is empty, as in TF
                return
            done += 1

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count == 0 or n == 0:
            return 0
        if self._count < 0:
            return INFINITE  # TF: even an input of unknown size, repeated forever
        if n in (INFINITE, UNKNOWN):
            return n
        return n * self._count


class TakeDataset(_UnaryDataset):
    _tf_name = "_TakeDataset"

    def __init__(self, input_dataset: Dataset, count: Any) -> None:
        self._count = as_int(count, "count")
        super().__init__(input_dataset, input_dataset.element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        if self._count < 0:
            yield from self._input._iter()
            return
        if self._count == 0:
            return
        for i, flat in enumerate(self._input._iter()):
            yield flat
            if i + 1 >= self._count:
                return

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n == UNKNOWN:
            return UNKNOWN
        if self._count < 0:
            return n
        return self._count if n == INFINITE else min(n, self._count)


class SkipDataset(_UnaryDataset):
    _tf_name = "_SkipDataset"

    def __init__(self, input_dataset: Dataset, count: Any) -> None:
        self._count = as_int(count, "count")
        super().__init__(input_dataset, input_dataset.element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        if self._count < 0:
            for _ in self._input._iter():
                pass
            return
        it = self._input._iter()
        for _ in range(self._count):
            if next(it, None) is None:
                return
        yield from it

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class ShardDataset(_UnaryDataset):
    _tf_name = "_ShardDataset"

    def __init__(self, input_dataset: Dataset, num_shards: Any, index: Any) -> None:
        self._n = as_int(num_shards, "num_shards")
        self._index = as_int(index, "index")
        if self._n <= 0:
            raise errors.invalid_argument(
                f"Number of shards must be greater than zero (currently num_shards = {self._n})."
            )
        if not 0 <= self._index < self._n:
            raise errors.invalid_argument(
                f"Index must be between 0 and {self._n - 1} (currently index = {self._index})."
            )
        super().__init__(input_dataset, input_dataset.element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        for i, flat in enumerate(self._input._iter()):
            if i % self._n == self._index:
                yield flat

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        return n // self._n + (1 if n % self._n > self._index else 0)


# -- stateful functions ------------------------------------------------------------------------------
def _state_function(
    fn: Callable[..., Any], state_spec: Any, element_spec: Any, what: str, pair: bool
) -> tuple[StructuredFunction, Any]:
    """The function of ``(state, element)``, traced until its state spec is stable (TF relaxes a state
    whose shape changes, and rejects one whose structure or dtypes change)."""
    for _ in range(8):
        sf = StructuredFunction(fn, (state_spec, element_spec), what, spread=False)
        out = sf.output_spec
        if pair:
            if not isinstance(out, tuple) or len(out) != 2:
                raise TypeError("The scan function must return a pair comprising the new state and the output value.")
            new_state = out[0]
        else:
            new_state = out
        if not structure.same_structure(state_spec, new_state):
            raise TypeError(
                f"The element structure for the new state must match the initial state. Expected {state_spec}; "
                f"got {new_state}."
            )
        flat_old, flat_new = structure.flatten(state_spec), structure.flatten(new_state)
        if any(a.dtype != b.dtype for a, b in zip(flat_old, flat_new, strict=True)):
            raise TypeError(
                "The element types for the new state must match the initial state. Expected "
                f"{structure.map_structure(lambda s: s.dtype, state_spec)}; got "
                f"{structure.map_structure(lambda s: s.dtype, new_state)}."
            )
        relaxed = structure.pack(state_spec, [structure.relax(a, b) for a, b in zip(flat_old, flat_new, strict=True)])
        if relaxed == state_spec:
            return sf, state_spec
        state_spec = relaxed
    raise ValueError(f"{what}: the state's shape did not settle.")  # pragma: no cover


class ScanDataset(_UnaryDataset):
    _tf_name = "_ScanDataset"

    def __init__(self, input_dataset: Dataset, initial_state: Any, fn: Callable[..., Any]) -> None:
        structure_, self._state = structure.normalize(initial_state, "scan")
        state_spec = structure.spec_of(structure_, self._state)
        self._fn, self._state_spec = _state_function(fn, state_spec, input_dataset.element_spec, "Dataset.scan", True)
        self._n_state = len(self._state)
        super().__init__(input_dataset, self._fn.output_spec[1])

    def _iter(self) -> Iterator[structure.Flat]:
        state, k = self._state, self._n_state
        for flat in self._input._iter():
            out = self._fn(state + flat)
            state = out[:k]
            yield out[k:]


def reduce(dataset: Dataset, initial_state: Any, fn: Callable[..., Any]) -> Any:
    check_eager("Dataset.reduce")
    structure_, state = structure.normalize(initial_state, "reduce")
    sf, state_spec = _state_function(
        fn, structure.spec_of(structure_, state), dataset.element_spec, "Dataset.reduce", False
    )
    for flat in dataset._iter():
        state = sf(state + flat)
    return structure.to_tensors(state_spec, state)


class UniqueDataset(_UnaryDataset):
    _tf_name = "_UniqueDataset"

    def __init__(self, input_dataset: Dataset) -> None:
        spec = input_dataset.element_spec
        if not isinstance(spec, TensorSpec):
            raise TypeError("`tf.data.Dataset.unique` does not support datasets with nested elements.")
        if spec.dtype.name not in ("int32", "int64"):
            raise TypeError(
                f"`tf.data.Dataset.unique` does not support type {spec.dtype!r} -- only `tf.int32`, `tf.int64`, "
                "and `tf.string` are supported."
            )
        super().__init__(input_dataset, spec)

    def _iter(self) -> Iterator[structure.Flat]:
        seen: set[tuple[tuple[int, ...], bytes]] = set()
        for flat in self._input._iter():
            key = (flat[0].shape, flat[0].tobytes())
            if key not in seen:
                seen.add(key)
                yield flat

    def _cardinality(self) -> int:
        return UNKNOWN


class CacheDataset(_UnaryDataset):
    """Replays the first complete pass: from memory, or from ``filename`` (written when that pass ends,
    read back by any later dataset caching to the same file)."""

    _tf_name = "_CacheDataset"

    def __init__(self, input_dataset: Dataset, filename: Any) -> None:
        self._filename = str(filename) if filename else ""
        self._cached: list[structure.Flat] | None = None
        self._lock = threading.Lock()
        super().__init__(input_dataset, input_dataset.element_spec)

    def _path(self) -> str:
        return self._filename + ".tapejax-cache.npz"

    def _iter(self) -> Iterator[structure.Flat]:
        if self._cached is None and self._filename and os.path.exists(self._path()):
            self._cached = _read_cache(self._path())
        if self._cached is not None:
            yield from self._cached
            return
        recorded = []
        for flat in self._input._iter():
            flat = tuple(structure.frozen(a) for a in flat)  # replayed later: nobody may write to it
            recorded.append(flat)
            yield flat
        with self._lock:  # a partial pass (the iterator dropped early) caches nothing, as in TF
            if self._cached is None:
                if self._filename:
                    _write_cache(self._path(), recorded)
                self._cached = recorded


def _write_cache(path: str, elements: list[structure.Flat]) -> None:
    arrays = {f"e{i}_{j}": a for i, flat in enumerate(elements) for j, a in enumerate(flat)}
    tmp = path + ".tmp.npz"
    np.savez(tmp, n=np.asarray([len(elements), len(elements[0]) if elements else 0]), **arrays)
    os.replace(tmp, path)


def _read_cache(path: str) -> list[structure.Flat]:
    with np.load(path) as f:
        n, k = (int(x) for x in f["n"])
        return [tuple(structure.frozen(f[f"e{i}_{j}"]) for j in range(k)) for i in range(n)]
