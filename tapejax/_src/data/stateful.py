"""Stages that keep state across elements: ``scan``, ``reduce``, ``unique``, ``cache``."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapejax._src.data import structure
from tapejax._src.data.dataset import UNKNOWN, Dataset
from tapejax._src.data.functions import StructuredFunction
from tapejax._src.data.transformations import _UnaryDataset
from tapejax._src.function import in_trace
from tapejax._src.tensor_spec import TensorSpec


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
    if in_trace():
        return _traced_reduce(dataset, initial_state, fn)
    structure_, state = structure.normalize(initial_state, "reduce")
    sf, state_spec = _state_function(
        fn, structure.spec_of(structure_, state), dataset.element_spec, "Dataset.reduce", False
    )
    for flat in dataset._iter():
        state = sf(state + flat)
    return structure.to_tensors(state_spec, state)


def _traced_reduce(dataset: Dataset, initial_state: Any, fn: Callable[..., Any]) -> Any:
    """``reduce`` inside tf.function: a loop pulling the elements from the host, ``fn`` traced in its body
    (its state must keep its shapes: the loop is compiled)."""
    from tapejax._src.data import graph
    from tapejax._src.data.functions import _normalize_output
    from tapejax._src.ops.array_ops import convert_to_tensor

    init = structure.map_structure(convert_to_tensor, initial_state)

    def step(element: Any, state: tuple[Any, ...]) -> tuple[Any, ...]:
        new = _normalize_output(fn(structure.pack(init, state), element), "Dataset.reduce")
        if not structure.same_structure(init, new):
            raise TypeError(
                f"The element structure for the new state must match the initial state. Expected {init}; got {new}."
            )
        return tuple(structure.flatten(new))

    it = graph.dataset_iterator(dataset, "Dataset.reduce")
    out = it.loop(tuple(structure.flatten(init)), lambda e, st: step(e, st), block=True)
    graph.release(it)
    return structure.pack(init, list(out))


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
