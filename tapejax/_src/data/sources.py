"""Datasets built from data: ``from_tensor_slices``, ``from_tensors``, ``range``, ``counter``, ``from_generator``."""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.data.dataset import INFINITE, Dataset, as_int
from tapejax._src.tensor import TensorShape
from tapejax._src.tensor_spec import TensorSpec, TypeSpec

_INDEX_BLOCK = 1 << 16  # row indices per block of TensorSliceDataset._iter_index_blocks


class TensorSliceDataset(Dataset):
    _tf_name = "_TensorSliceDataset"

    def __init__(self, tensors: Any) -> None:
        element, flat = structure.normalize(tensors, "from_tensor_slices")
        n = None
        for a in flat:
            if a.ndim == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            if n is not None and a.shape[0] != n:
                raise ValueError(f"Dimensions {n} and {a.shape[0]} are not compatible")
            n = a.shape[0]
        self._flat = flat
        self._n = n or 0
        spec = structure.pack(element, [TensorSpec(a.shape[1:], dtypes_lib.from_numpy(a.dtype)) for a in flat])
        super().__init__(spec)

    def _iter(self) -> Iterator[structure.Flat]:
        flat = self._flat
        for i in range(self._n):
            yield tuple(np.asarray(a[i]) for a in flat)

    def _cardinality(self) -> int:
        return self._n

    def _index_root(self) -> TensorSliceDataset:
        return self

    def _iter_index_blocks(self) -> Iterator[np.ndarray]:
        """The row indices in order, in int64 blocks (``batch`` gathers rows by them)."""
        for start in range(0, self._n, _INDEX_BLOCK):
            yield np.arange(start, min(start + _INDEX_BLOCK, self._n), dtype=np.int64)

    def gather(self, indices: np.ndarray) -> structure.Flat:
        """The rows ``indices`` of every component, stacked (what ``batch`` of those slices gives)."""
        return tuple([a[indices] for a in self._flat])


class TensorDataset(Dataset):
    _tf_name = "_TensorDataset"

    def __init__(self, tensors: Any) -> None:
        element, flat = structure.normalize(tensors, "from_tensors")
        self._flat = flat
        super().__init__(structure.spec_of(element, flat))

    def _iter(self) -> Iterator[structure.Flat]:
        yield self._flat

    def _cardinality(self) -> int:
        return 1


class ElementsDataset(Dataset):
    """The given flat elements (the inner datasets of ``window`` and ``group_by_window``)."""

    _tf_name = "_VariantDataset"

    def __init__(self, elements: list[structure.Flat], element_spec: Any) -> None:
        self._list = elements
        super().__init__(element_spec)

    def _iter(self) -> Iterator[structure.Flat]:
        return iter(self._list)

    def _cardinality(self) -> int:
        return len(self._list)


class RangeDataset(Dataset):
    _tf_name = "_RangeDataset"

    def __init__(self, args: tuple[Any, ...], output_type: Any) -> None:
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid arguments to RangeDataset: {args}")
        ints = [as_int(a, "range argument") for a in args]
        self._range = range(*ints) if len(ints) > 1 else range(ints[0])
        dtype = dtypes_lib.int64 if output_type is None else dtypes_lib.as_dtype(output_type)
        self._np = dtype._np
        super().__init__(TensorSpec([], dtype))

    def _iter(self) -> Iterator[structure.Flat]:
        dt = self._np
        for i in self._range:
            yield (np.asarray(i, dt),)

    def _cardinality(self) -> int:
        return len(self._range)


class CounterDataset(Dataset):
    _tf_name = "_ScanDataset"

    def __init__(self, start: int, step: int, dtype: Any) -> None:
        self._start, self._step = start, step
        d = dtypes_lib.as_dtype(dtype)
        self._np = d._np
        super().__init__(TensorSpec([], d))

    def _iter(self) -> Iterator[structure.Flat]:
        dt = self._np
        for i in itertools.count(self._start, self._step):
            yield (np.asarray(i, dt),)

    def _cardinality(self) -> int:
        return INFINITE


class RandomDataset(Dataset):
    _tf_name = "_RandomDataset"

    def __init__(self, seed: Any, rerandomize_each_iteration: Any) -> None:
        from tapejax._src.data.shuffling import SeedSequence

        self._seeds = SeedSequence(seed, bool(rerandomize_each_iteration))
        super().__init__(TensorSpec([], dtypes_lib.int64))

    def _iter(self) -> Iterator[structure.Flat]:
        rng = self._seeds.next_rng()
        while True:
            for v in rng.integers(0, 2**32, size=256, dtype=np.int64):  # TF's range: [0, 2**32)
                yield (np.asarray(v),)

    def _cardinality(self) -> int:
        return INFINITE


def counter(start: Any, step: Any, dtype: Any) -> Dataset:
    return CounterDataset(as_int(start, "start"), as_int(step, "step"), dtypes_lib.int64 if dtype is None else dtype)


def _spec_from_types(output_types: Any, output_shapes: Any) -> Any:
    if output_shapes is None:
        return structure.map_structure(lambda t: TensorSpec(None, dtypes_lib.as_dtype(t)), output_types)
    if not structure.is_structure(output_types):
        return TensorSpec(TensorShape(output_shapes), dtypes_lib.as_dtype(output_types))
    shapes = _shapes_like(output_types, output_shapes)
    return structure.map_structure(lambda t, s: TensorSpec(s, dtypes_lib.as_dtype(t)), output_types, shapes)


def _shapes_like(types: Any, shapes: Any) -> Any:
    """``shapes`` in the structure of ``types`` (shapes are lists themselves, so the structure is ``types``'s)."""
    if isinstance(types, dict):
        return type(types)((k, _shapes_like(types[k], shapes[k])) for k in types)
    if isinstance(types, tuple):
        return tuple(_shapes_like(t, s) for t, s in zip(types, shapes, strict=True))
    return TensorShape(shapes)


class GeneratorDataset(Dataset):
    _tf_name = "_FlatMapDataset"

    def __init__(self, generator: Any, output_types: Any, output_shapes: Any, args: Any, output_signature: Any) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None:
                raise TypeError(
                    "The `output_types` argument can not be used together with the `output_signature` argument."
                )
            if output_shapes is not None:
                raise TypeError(
                    "The `output_shapes` argument can not be used together with the `output_signature` argument."
                )
            for s in structure.flatten(output_signature):
                if not isinstance(s, TypeSpec):
                    raise TypeError(
                        "`output_signature` must contain objects that are subclass of `tf.TypeSpec` but found "
                        f"{type(s)} which is not."
                    )
            spec = structure.map_structure(lambda s: TensorSpec(s.shape, s.dtype), output_signature)
        else:
            if output_types is None:
                raise TypeError(
                    "To specify the output signature you need to provide either the `output_signature` "
                    "argument or the `output_types` argument."
                )
            spec = _spec_from_types(output_types, output_shapes)
        self._generator = generator
        self._args = () if args is None else tuple(structure.to_numpy(a, "from_generator") for a in args)
        super().__init__(spec)

    def _iter(self) -> Iterator[structure.Flat]:
        spec = self._element_spec
        specs = structure.flatten(spec)
        args = [a[()] if a.ndim == 0 else a for a in self._args]
        try:
            values = iter(self._generator(*args))
        except Exception as e:
            raise generator_error(e) from e
        while True:
            try:
                value = next(values)
            except StopIteration:
                return
            except Exception as e:
                raise generator_error(e) from e
            yield _convert_yielded(value, spec, specs)


def generator_error(e: Exception) -> errors.OpError:
    """The TF error for an exception the ``from_generator`` generator raised, of the class TF's
    ``PyFunc`` gives it (``InvalidArgumentError`` for a ``ValueError``/``TypeError``,
    ``UnimplementedError`` for ``NotImplementedError``, ``ResourceExhaustedError`` for ``MemoryError``,
    ``UnknownError`` for any other), its message TF's: the exception, then its traceback.

    >>> e = generator_error(ValueError("bad row"))
    >>> print(type(e).__name__, e.message.splitlines()[0])
    InvalidArgumentError ValueError: bad row
    """
    if isinstance(e, (ValueError, TypeError)):
        cls: type[errors.OpError] = errors.InvalidArgumentError
    elif isinstance(e, NotImplementedError):
        cls = errors.UnimplementedError
    elif isinstance(e, MemoryError):
        cls = errors.ResourceExhaustedError
    else:
        cls = errors.UnknownError
    head = "".join(traceback.format_exception_only(e))
    return cls(None, None, (head + "".join(traceback.format_exception(e))).rstrip("\n"))


def _convert_yielded(value: Any, spec: Any, specs: list[TensorSpec]) -> structure.Flat:
    """A yielded value converted to the declared dtypes, checked against the declared shapes (TF's messages)."""
    if not _matches(spec, value):
        raise errors.invalid_argument(
            "TypeError: `generator` yielded an element that did not match the expected structure. The expected "
            f"structure was {structure.map_structure(lambda s: s.dtype, spec)}, but the yielded element was {value!r}."
        )
    out = []
    for s, v in zip(specs, structure.flatten(value), strict=True):
        if hasattr(v, "numpy"):
            v = v.numpy()
        try:
            a = np.asarray(v, dtype=s.dtype._np, order="C")
        except (TypeError, ValueError):
            raise errors.invalid_argument(
                "TypeError: `generator` yielded an element that could not be converted to the expected type. "
                f"The expected type was {s.dtype.name}, but the yielded element was {v!r}."
            ) from None
        if not s.shape.is_compatible_with(TensorShape(a.shape)):
            raise errors.invalid_argument(
                f"TypeError: `generator` yielded an element of shape {a.shape} where an element of shape "
                f"{tuple(s.shape.as_list()) if s.shape.rank is not None else s.shape} was expected."
            )
        out.append(a)
    return tuple(out)


def _matches(spec: Any, value: Any) -> bool:
    if isinstance(spec, dict):
        return isinstance(value, dict) and set(value) == set(spec) and all(_matches(spec[k], value[k]) for k in spec)
    if isinstance(spec, tuple):
        return (
            isinstance(value, tuple)
            and len(value) == len(spec)
            and all(_matches(s, v) for s, v in zip(spec, value, strict=True))
        )
    return True
