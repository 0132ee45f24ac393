"""Stages that group elements: ``batch``, ``padded_batch``, ``unbatch``, ``rebatch``, ``window``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.data.dataset import INFINITE, UNKNOWN, Dataset, as_int
from tapejax._src.tensor import TensorShape
from tapejax._src.tensor_spec import TensorSpec


def _dims(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def stack(elements: list[structure.Flat]) -> structure.Flat:
    """Components of equal shape stacked along a new first dimension (TF's error otherwise)."""
    out = []
    for j, first in enumerate(elements[0]):
        for e in elements[1:]:
            if e[j].shape != first.shape:
                raise errors.invalid_argument(
                    "Cannot add tensor to the batch: number of elements does not match. Shapes are: "
                    f"[tensor]: {_dims(e[j].shape)}, [batch]: {_dims(first.shape)}"
                )
        out.append(np.stack([e[j] for e in elements]))
    return tuple(out)


def batch_size_arg(value: Any) -> int:
    n = as_int(value, "batch_size")
    if n <= 0:
        raise errors.invalid_argument("Batch size must be greater than zero.")
    return n


def batched_cardinality(n: int, size: int, drop_remainder: bool) -> int:
    if n in (INFINITE, UNKNOWN):
        return n
    return n // size if drop_remainder else -(-n // size)


gathered_passes = 0  # passes of a batch of from_tensor_slices rows (through shuffle/repeat/take/skip) gathered at once


class GatheredBatches:
    """A pass of ``batch(size, drop)`` over ``rows`` (an ``_index_root`` dataset: rows of
    ``from_tensor_slices`` through shuffle/repeat/take/skip): each batch gathered at once by its row
    indices, and :meth:`take` gathers several full batches at once (a program's block read).

    >>> from tapejax._src.data.sources import TensorSliceDataset
    >>> it = GatheredBatches(TensorSliceDataset(np.arange(7)), 2, drop=False)
    >>> n, (block,) = it.take(2)
    >>> n, block.tolist(), [b.tolist() for (b,) in it]
    (2, [[0, 1], [2, 3]], [[4, 5], [6]])
    """

    def __init__(self, rows: Dataset, size: int, drop: bool) -> None:
        global gathered_passes
        gathered_passes += 1
        self._root = rows._index_root()
        self._blocks = rows._iter_index_blocks()  # type: ignore[attr-defined]
        self._size = size
        self._drop = drop
        self._rest = np.zeros(0, np.int64)  # row indices read, not batched yet
        self._exhausted = False

    def __iter__(self) -> GatheredBatches:
        return self

    def _indices(self, m: int) -> np.ndarray:
        """The next ``m`` row indices (fewer only at the end of the input)."""
        parts, have = [self._rest], len(self._rest)
        while have < m and not self._exhausted:
            block = next(self._blocks, None)
            if block is None:
                self._exhausted = True
                break
            parts.append(block)
            have += len(block)
        idx = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self._rest = idx[m:]
        return idx[:m]

    def __next__(self) -> structure.Flat:
        rest, size = self._rest, self._size
        if len(rest) >= size:
            self._rest = rest[size:]
            return self._root.gather(rest[:size])
        idx = self._indices(size)
        if len(idx) == size or (len(idx) and not self._drop):
            return self._root.gather(idx)
        raise StopIteration

    def take(self, k: int) -> tuple[int, structure.Flat | None]:
        """Up to ``k`` full batches at once: (their count ``n``, per component an array of ``k`` batches
        whose first ``n`` are them; the rest repeat the first row and are not to be read). A partial
        batch at the end is left for ``next()``; ``n == 0``: no full batch is left."""
        size = self._size
        idx = self._indices(k * size)
        n = len(idx) // size
        if n < k:
            self._rest = idx[n * size :]  # (the input ended: a partial batch, or nothing)
        if n == 0:
            return 0, None
        if n < k:
            idx = np.concatenate([idx[: n * size], np.zeros((k - n) * size, np.int64)])
        return n, tuple([a.reshape(k, size, *a.shape[1:]) for a in self._root.gather(idx)])


class TakesAhead:
    """:class:`GatheredBatches` under a ``prefetch``, read by a program's block loop: once a take
    returns a full block, the next block is gathered on a worker thread (``prefetch``'s), while the
    program runs on the block it has (the host gather, about a copy of the block, leaves the
    program's critical path, as a prefetch thread's work leaves an eager loop's).

    The same batches in the same order: the consumer waits for a take in flight before it reads
    anything else (a block's batches not taken yet are handed out by ``next()`` first), and an error
    the take raised is raised by the consumer's next read. As any prefetch, it reads ahead of the
    consumer: at most one block past what the program took (a program stopped mid-pass, e.g. by an
    error in its loop, has run the pipeline's index stages that much further).

    >>> from tapejax._src.data.sources import TensorSliceDataset
    >>> it = TakesAhead(GatheredBatches(TensorSliceDataset(np.arange(9)), 2, drop=False))
    >>> n, (block,) = it.take(2)  # (the next 2 batches are being gathered meanwhile)
    >>> n, block.tolist(), [b.tolist() for (b,) in it]
    (2, [[0, 1], [2, 3]], [[4, 5], [6, 7], [8]])
    """

    def __init__(self, batches: GatheredBatches) -> None:
        self._batches = batches
        self._done = threading.Lock()  # held while a take runs on the worker
        self._ahead: tuple[int, Any] | None = None  # (k, the take's result or the exception it raised)
        self._left: list[structure.Flat] = []  # batches of a block taken ahead, for next()
        self._closed = False

    def _run(self, k: int) -> None:
        try:
            out: Any = self._batches.take(k)
        except BaseException as e:  # (raised by the consumer's next read)
            out = e
        self._ahead = (k, out)
        self._done.release()

    def _settle(self) -> tuple[int, Any] | None:
        """Waits for the take in flight; its (k, result), or None when there was none."""
        if self._ahead is None and not self._done.locked():
            return None
        with self._done:
            pass
        ahead, self._ahead = self._ahead, None
        if ahead is not None and isinstance(ahead[1], BaseException):
            raise ahead[1]
        return ahead

    def take(self, k: int) -> tuple[int, structure.Flat | None]:
        """As :meth:`GatheredBatches.take` (the block taken ahead when one was)."""
        ahead = self._settle() if not self._left else None
        if ahead is not None and ahead[0] != k:
            self._keep(ahead[1])
        if self._left or ahead is None or ahead[0] != k:
            if self._left:  # (batches of a block of another size: handed out one at a time first)
                return 0, None
            out = self._batches.take(k)
        else:
            out = ahead[1]
        if out[0] == k and not self._closed:  # a full block: the input may have more
            from tapejax._src.data.prefetch import _run_in_worker

            self._done.acquire()
            _run_in_worker(self._run, k)
        return out

    def _keep(self, out: tuple[int, Any]) -> None:
        n, block = out
        self._left = [tuple([a[i] for a in block]) for i in range(n)]

    def __iter__(self) -> TakesAhead:
        return self

    def __next__(self) -> structure.Flat:
        if not self._left:
            ahead = self._settle()
            if ahead is not None:
                self._keep(ahead[1])
        if self._left:
            return self._left.pop(0)
        return next(self._batches)

    def close(self) -> None:
        """No block is taken ahead from now on (one in flight finishes; it is dropped)."""
        self._closed = True


class BatchDataset(Dataset):
    _tf_name = "_BatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, drop_remainder: Any) -> None:
        self._input = input_dataset
        self._size = batch_size_arg(batch_size)
        self._drop = bool(drop_remainder)
        spec = structure.batched(input_dataset.element_spec, self._size if self._drop else None)
        super().__init__(spec, (input_dataset,))

    def _map_fused(self) -> bool:
        from tapejax._src.data.transformations import MapDataset

        return isinstance(self._input, MapDataset) and self._input._fn.pure

    def _iter(self) -> Iterator[structure.Flat]:
        if self._map_fused():
            yield from self._map_and_batch(self._input)
            return
        gathered = self._gathered_pass()
        if gathered is not None:  # rows of from_tensor_slices (shuffled, repeated, ...)
            yield from gathered
            return
        size, buf = self._size, []
        for flat in self._input._iter():
            buf.append(flat)
            if len(buf) == size:
                yield stack(buf)
                buf = []
        if buf and not self._drop:
            yield stack(buf)

    def _gathered_pass(self) -> GatheredBatches | None:
        """A pass of this batch as :class:`GatheredBatches` (which reads several batches at once),
        where it takes the gathered path; else None."""
        if self._map_fused() or self._input._index_root() is None:
            return None
        return GatheredBatches(self._input, self._size, self._drop)

    def _map_and_batch(self, mapped: Any) -> Iterator[structure.Flat]:
        """``map(f).batch(n)`` of an ``f`` that touches no Variable: the batch's inputs stacked and
        ``f`` vectorised over them, one compiled call per batch (TF fuses map and batch too). Equal to
        mapping element by element and stacking, up to float rounding of the vectorised ops (random
        draws: each element its own key, other numbers of the same law); inputs of different shapes
        (or an op with no batching rule) are mapped element by element."""
        fn, size = mapped._fn, self._size
        if mapped._input._index_root() is not None:  # the batch's inputs gathered at once (what emit stacks)
            for inputs in GatheredBatches(mapped._input, self._size, self._drop):
                out = fn.call_batch(inputs)
                if out is None:
                    elements = [tuple([np.asarray(a[i]) for a in inputs]) for i in range(len(inputs[0]))]
                    out = stack([fn.result(fn.dispatch(e)) for e in elements])
                yield out
            return
        buf: list[structure.Flat] = []

        def emit() -> structure.Flat:
            if all(all(e[j].shape == buf[0][j].shape for e in buf) for j in range(len(buf[0]))):
                out = fn.call_batch(tuple(np.stack([e[j] for e in buf]) for j in range(len(buf[0]))))
                if out is not None:
                    return out
            return stack([fn.result(fn.dispatch(e)) for e in buf])

        for flat in mapped._input._iter():
            buf.append(flat)
            if len(buf) == size:
                yield emit()
                buf = []
        if buf and not self._drop:
            yield emit()

    def _cardinality(self) -> int:
        return batched_cardinality(self._input._cardinality(), self._size, self._drop)


def _shapes_like(spec: Any, shapes: Any) -> Any:
    """``shapes`` (lists are shapes here) in the structure of ``spec``."""
    if isinstance(spec, dict):
        return type(spec)((k, _shapes_like(spec[k], shapes[k])) for k in spec)
    if isinstance(spec, tuple):
        if not isinstance(shapes, (tuple, list)) or len(shapes) != len(spec):
            raise ValueError(f"The padded shapes {shapes} do not match the structure of the elements {spec}.")
        return tuple(_shapes_like(s, p) for s, p in zip(spec, shapes, strict=True))
    return TensorShape(_as_dims(shapes))


def _as_dims(shape: Any) -> Any:
    if isinstance(shape, TensorShape):
        return shape
    if hasattr(shape, "numpy"):
        shape = shape.numpy().tolist()
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    return [None if d is None or int(d) == -1 else int(d) for d in shape]


class PaddedBatchDataset(Dataset):
    _tf_name = "_PaddedBatchDataset"

    def __init__(
        self, input_dataset: Dataset, batch_size: Any, padded_shapes: Any, padding_values: Any, drop_remainder: Any
    ) -> None:
        self._input = input_dataset
        self._size = batch_size_arg(batch_size)
        self._drop = bool(drop_remainder)
        spec = input_dataset.element_spec
        specs = structure.flatten(spec)
        if padded_shapes is None:
            for i, s in enumerate(specs):
                if s.shape.rank is None:
                    raise ValueError(
                        f"You must provide `padded_shapes` argument because component {i} has unknown rank."
                    )
            shapes = [s.shape for s in specs]
        else:
            shapes = structure.flatten(_shapes_like(spec, padded_shapes))
            for s, p in zip(specs, shapes, strict=True):
                if not p.is_compatible_with(s.shape) and not _pads(s.shape, p):
                    raise ValueError(
                        f"The padded shape {p} is not compatible with the shape {s.shape} of the corresponding "
                        "input component."
                    )
        self._shapes = [p.as_list() for p in shapes]
        self._values = self._padding(spec, specs, padding_values)
        out = [
            TensorSpec(TensorShape([self._size if self._drop else None]).concatenate(p), s.dtype)
            for s, p in zip(specs, shapes, strict=True)
        ]
        super().__init__(structure.pack(spec, out), (input_dataset,))

    @staticmethod
    def _padding(spec: Any, specs: list[TensorSpec], padding_values: Any) -> list[np.ndarray]:
        if padding_values is None:
            return [np.zeros((), s.dtype._np) for s in specs]
        values = (
            [padding_values] * len(specs)
            if not structure.is_structure(padding_values) and len(specs) > 1
            else structure.flatten(padding_values)
        )
        if len(values) != len(specs):
            raise ValueError(f"The padding values {padding_values} do not match the structure of the elements {spec}.")
        out = []
        for s, v in zip(specs, values, strict=True):
            a = structure.to_numpy(v, "padded_batch")  # TF's conversion: Python ints int32, floats float32
            if a.dtype != s.dtype._np:
                raise TypeError(
                    f"Invalid `padding_values`. `padding_values` values type <dtype: '{a.dtype.name}'> does not "
                    f"match type <dtype: '{s.dtype.name}'> of the corresponding input component."
                )
            if a.ndim != 0:
                raise ValueError(f"Invalid `padding_values`. `padding_values` must be scalars, got shape {a.shape}.")
            out.append(a)
        return out

    def _iter(self) -> Iterator[structure.Flat]:
        size, buf = self._size, []
        for flat in self._input._iter():
            buf.append(flat)
            if len(buf) == size:
                yield self._pad(buf)
                buf = []
        if buf and not self._drop:
            yield self._pad(buf)

    def _pad(self, elements: list[structure.Flat]) -> structure.Flat:
        out = []
        for j, (shape, value) in enumerate(zip(self._shapes, self._values, strict=True)):
            parts = [e[j] for e in elements]
            rank = parts[0].ndim
            if any(p.ndim != rank for p in parts):
                raise errors.invalid_argument("All elements in a batch must have the same rank as the padded shape.")
            target = [
                max(p.shape[k] for p in parts) if d is None else d
                for k, d in enumerate(shape if shape is not None else [None] * rank)
            ]
            batch = np.full([len(parts), *target], value, dtype=value.dtype)
            for i, p in enumerate(parts):
                if any(a > b for a, b in zip(p.shape, target, strict=True)):
                    raise errors.DataLossError(
                        None,
                        None,
                        f"Attempted to pad to a smaller size than the input element. Element shape {list(p.shape)}, "
                        f"padded shape {target}.",
                    )
                batch[(i, *[slice(0, d) for d in p.shape])] = p
            out.append(batch)
        return tuple(out)

    def _cardinality(self) -> int:
        return batched_cardinality(self._input._cardinality(), self._size, self._drop)


def _pads(shape: TensorShape, padded: TensorShape) -> bool:
    """Whether elements of ``shape`` can be padded to ``padded`` (same rank, dims no larger)."""
    if shape.rank is None or padded.rank is None:
        return True
    if shape.rank != padded.rank:
        return False
    return all(a is None or b is None or a <= b for a, b in zip(shape.as_list(), padded.as_list(), strict=True))


class UnbatchDataset(Dataset):
    _tf_name = "_UnbatchDataset"

    def __init__(self, input_dataset: Dataset) -> None:
        self._input = input_dataset
        specs = structure.flatten(input_dataset.element_spec)
        if any(s.shape.rank == 0 for s in specs):
            raise ValueError("Cannot unbatch an input with scalar components.")
        super().__init__(structure.unbatched(input_dataset.element_spec, "unbatch"), (input_dataset,))

    def _iter(self) -> Iterator[structure.Flat]:
        for flat in self._input._iter():
            n = flat[0].shape[0]
            if any(a.shape[0] != n for a in flat):
                raise errors.invalid_argument(
                    f"Input element must have the same batch size in each component. Component 0 had size {n} "
                    f"but another had size {next(a.shape[0] for a in flat if a.shape[0] != n)}."
                )
            for i in range(n):
                yield tuple(a[i] for a in flat)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        dims = {s.shape[0] for s in structure.flatten(self._input.element_spec)}
        if n in (INFINITE, UNKNOWN) or len(dims) != 1 or None in dims:
            return UNKNOWN if n != INFINITE else INFINITE
        return n * dims.pop()


class RebatchDataset(Dataset):
    _tf_name = "_RebatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, drop_remainder: Any) -> None:
        self._input = input_dataset
        sizes = (
            [batch_size_arg(b) for b in _as_dims(batch_size)]
            if isinstance(batch_size, (list, tuple, np.ndarray)) or getattr(batch_size, "ndim", 0) == 1
            else [batch_size_arg(batch_size)]
        )
        self._sizes = sizes
        self._drop = bool(drop_remainder)
        specs = structure.flatten(input_dataset.element_spec)
        if any(s.shape.rank == 0 for s in specs):
            raise ValueError("Cannot rebatch an input with scalar components.")
        static = sizes[0] if self._drop and len(set(sizes)) == 1 else None
        spec = structure.batched(structure.unbatched(input_dataset.element_spec, "rebatch"), static)
        super().__init__(spec, (input_dataset,))

    def _iter(self) -> Iterator[structure.Flat]:
        rows = UnbatchDataset(self._input)._iter()
        k = 0
        while True:
            size = self._sizes[k % len(self._sizes)]
            buf = []
            for flat in rows:
                buf.append(flat)
                if len(buf) == size:
                    break
            if len(buf) < size:
                if buf and not self._drop:
                    yield stack(buf)
                return
            yield stack(buf)
            k += 1

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return n if n == INFINITE else UNKNOWN


class WindowDataset(Dataset):
    _tf_name = "_WindowDataset"

    def __init__(self, input_dataset: Dataset, size: Any, shift: Any, stride: Any, drop_remainder: Any) -> None:
        self._input = input_dataset
        self._size = as_int(size, "size")
        self._shift = self._size if shift is None else as_int(shift, "shift")
        self._stride = as_int(stride, "stride")
        for name, v in (("Window size", self._size), ("Window shift", self._shift), ("Window stride", self._stride)):
            if v <= 0:
                raise errors.invalid_argument(f"{name} must be greater than zero, but got {v}.")
        self._drop = bool(drop_remainder)
        spec = structure.map_structure(structure.DatasetSpec, input_dataset.element_spec)
        super().__init__(spec, (input_dataset,))

    def _iter(self) -> Iterator[structure.Flat]:
        from tapejax._src.data.sources import ElementsDataset

        specs = structure.flatten(self._input.element_spec)
        size, shift, stride = self._size, self._shift, self._stride
        span = (size - 1) * stride + 1
        it = self._input._iter()
        buf: list[structure.Flat] = []  # input elements from the current window's start
        exhausted = False
        while True:
            while not exhausted and len(buf) < span:
                nxt = next(it, None)
                if nxt is None:
                    exhausted = True
                else:
                    buf.append(nxt)
            if not buf:
                return
            window = buf[:span:stride]
            if len(window) < size and self._drop:
                return
            yield tuple(ElementsDataset([(e[j],) for e in window], s) for j, s in enumerate(specs))
            if shift >= len(buf):
                skip = shift - len(buf)
                buf = []
                for _ in range(skip):
                    if next(it, None) is None:
                        exhausted = True
                        break
                if exhausted:
                    return
            else:
                buf = buf[shift:]

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        if self._drop:
            span = (self._size - 1) * self._stride + 1
            return (n - span) // self._shift + 1 if n >= span else 0
        return -(-n // self._shift)
