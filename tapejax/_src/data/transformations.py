"""Element-wise and counting stages: ``map`` (sequential, run-ahead or on threads), ``filter``,
``take_while``, ``repeat``, ``take``, ``skip``, ``shard``."""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset, as_int
from tapejax._src.data.functions import StructuredFunction, scalar_bool


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


_RUN_AHEAD = 8  # calls of a compiled map function (StructuredFunction.pure) in flight at once


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

    def _index_root(self) -> Any:
        return self._input._index_root()

    def _iter_index_blocks(self) -> Iterator[Any]:
        """The input's row indices pass after pass (``_iter``'s passes, started as lazily)."""
        done = 0
        while self._count < 0 or done < self._count:
            produced = False
            for block in self._input._iter_index_blocks():
                if len(block):
                    produced = True
                    yield block
            if not produced:
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

    def _index_root(self) -> Any:
        return self._input._index_root()

    def _iter_index_blocks(self) -> Iterator[Any]:
        """The input's first ``count`` row indices (no block read past them)."""
        left = self._count
        if left == 0:
            return
        for block in self._input._iter_index_blocks():
            if left < 0:
                yield block
                continue
            yield block[:left]
            left -= min(left, len(block))
            if left == 0:
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

    def _index_root(self) -> Any:
        return self._input._index_root()

    def _iter_index_blocks(self) -> Iterator[Any]:
        """The input's row indices after the first ``count`` (all read, none given, for a negative count)."""
        left = self._count
        for block in self._input._iter_index_blocks():
            if left < 0:
                continue
            if left:
                dropped = min(left, len(block))
                block, left = block[dropped:], left - dropped
            if len(block):
                yield block

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
