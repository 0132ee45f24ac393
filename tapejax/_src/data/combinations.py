"""Stages that combine datasets: ``zip``, ``concatenate``, ``choose_from_datasets``, ``sample_from_datasets``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.data.dataset import INFINITE, UNKNOWN, Dataset
from tapejax._src.data.shuffling import SeedSequence
from tapejax._src.tensor_spec import TensorSpec


class ZipDataset(Dataset):
    _tf_name = "_ZipDataset"

    def __init__(self, args: tuple[Any, ...], datasets: Any) -> None:
        if datasets is not None and args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        if datasets is None:
            if not args:
                raise TypeError("Must pass at least one dataset to `zip`.")
            datasets = args[0] if len(args) == 1 else tuple(args)
        flat = structure.flatten(datasets)
        for d in flat:
            if not isinstance(d, Dataset):
                raise TypeError(
                    "Invalid input to `zip`. Inputs are expected to be (nested) structures of `tf.data.Dataset` "
                    f"objects but encountered object of type {type(d)}."
                )
        self._datasets = flat
        spec = structure.map_structure(lambda d: d.element_spec, datasets)
        super().__init__(spec, tuple(flat))

    def _iter(self) -> Iterator[structure.Flat]:
        its = [d._iter() for d in self._datasets]
        while True:
            out: tuple[Any, ...] = ()
            for it in its:
                nxt = next(it, None)
                if nxt is None:
                    return
                out += nxt
            yield out

    def _cardinality(self) -> int:
        result = INFINITE
        for d in self._datasets:
            n = d._cardinality()
            if n == UNKNOWN:
                return UNKNOWN
            if n != INFINITE:
                result = n if result == INFINITE else min(result, n)
        return result


class ConcatenateDataset(Dataset):
    _tf_name = "_ConcatenateDataset"

    def __init__(self, first: Dataset, second: Dataset) -> None:
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: expected a tf.data.Dataset, got {type(second).__name__}.")
        spec = structure.relax_specs(first.element_spec, second.element_spec, "concatenate")
        self._pair = (first, second)
        super().__init__(spec, (first, second))

    def _iter(self) -> Iterator[structure.Flat]:
        yield from self._pair[0]._iter()
        yield from self._pair[1]._iter()

    def _cardinality(self) -> int:
        a, b = (d._cardinality() for d in self._pair)
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


def _common_spec(datasets: list[Any], what: str) -> Any:
    if not datasets:
        raise ValueError(f"Invalid `datasets`. `datasets` should not be empty ({what}).")
    spec = None
    for d in datasets:
        if not isinstance(d, Dataset):
            raise TypeError(f"Invalid `datasets`. `datasets` must be a list of `tf.data.Dataset` objects, got {d!r}.")
        spec = d.element_spec if spec is None else structure.relax_specs(spec, d.element_spec, what)
    return spec


class ChooseDataset(Dataset):
    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: Any, choice_dataset: Any, stop_on_empty_dataset: bool) -> None:
        datasets = list(datasets)
        spec = _common_spec(datasets, "choose_from_datasets")
        if not isinstance(choice_dataset, Dataset):
            raise TypeError(
                f"Invalid `choice_dataset`. `choice_dataset` must be a tf.data.Dataset, got {choice_dataset!r}."
            )
        cs = choice_dataset.element_spec
        if not (isinstance(cs, TensorSpec) and cs.dtype.name == "int64" and cs.shape.rank == 0):
            raise TypeError("Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar of type `tf.int64`.")
        self._datasets = datasets
        self._choices = choice_dataset
        self._stop = bool(stop_on_empty_dataset)
        super().__init__(spec, (choice_dataset, *datasets))

    def _iter(self) -> Iterator[structure.Flat]:
        its: list[Any] = [d._iter() for d in self._datasets]
        for (choice,) in self._choices._iter():
            i = int(choice)
            if not 0 <= i < len(its):
                raise errors.invalid_argument(f"Selector index out of range: {i} >= {len(its)}")
            if its[i] is None:
                continue
            nxt = next(its[i], None)
            if nxt is None:
                if self._stop:
                    return
                its[i] = None
                if all(it is None for it in its):
                    return
                continue
            yield nxt


class SampleDataset(Dataset):
    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: list[Dataset], weights: np.ndarray, seeds: SeedSequence, stop: bool) -> None:
        self._datasets = datasets
        self._weights = weights
        self._seeds = seeds
        self._stop = stop
        super().__init__(_common_spec(datasets, "sample_from_datasets"), tuple(datasets))

    def _iter(self) -> Iterator[structure.Flat]:
        rng = self._seeds.next_rng()
        its: list[Any] = [d._iter() for d in self._datasets]
        weights = self._weights.copy()
        while weights.sum() > 0:
            i = int(rng.choice(len(its), p=weights / weights.sum()))
            nxt = next(its[i], None)
            if nxt is None:
                if self._stop:
                    return
                weights[i] = 0.0  # TF drops an exhausted input and samples among the rest
                continue
            yield nxt


def sample_from_datasets(
    datasets: Any, weights: Any, seed: Any, stop_on_empty_dataset: bool, rerandomize_each_iteration: Any
) -> Dataset:
    datasets = list(datasets)
    _common_spec(datasets, "sample_from_datasets")
    if weights is None:
        w = np.ones(len(datasets), np.float64)
    else:
        if isinstance(weights, Dataset):
            raise NotImplementedError("sample_from_datasets: a Dataset of weights is not supported; pass a list.")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, np.float64)
        if w.shape != (len(datasets),):
            raise ValueError(
                f"Invalid `weights`. The shape of `weights` should be compatible with `[len(datasets)]` but is {w.shape}."
            )
        if np.any(w < 0):
            raise errors.invalid_argument("sample_from_datasets: weights must be non-negative.")
    return SampleDataset(datasets, w, SeedSequence(seed, bool(rerandomize_each_iteration)), bool(stop_on_empty_dataset))
