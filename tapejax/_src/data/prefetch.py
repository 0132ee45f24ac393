"""``prefetch``: a background thread filling a bounded queue, so input work overlaps the training step."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.data.dataset import AUTOTUNE, Dataset, as_int
from tapejax._src.data.device import to_arrays

AUTOTUNE_BUFFER = 4  # elements prepared ahead for tf.data.AUTOTUNE (TF tunes it; a few batches cover a step)
_ITEM, _END, _ERROR = 0, 1, 2


class PrefetchDataset(Dataset):
    _tf_name = "_PrefetchDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: Any) -> None:
        self._input = input_dataset
        size = as_int(buffer_size, "buffer_size")
        if size < 0 and size != AUTOTUNE:
            raise errors.invalid_argument("buffer_size must be >= 0 or set buffer_size to be AUTOTUNE.")
        self._size = AUTOTUNE_BUFFER if size == AUTOTUNE else size
        self._autotune = size == AUTOTUNE
        super().__init__(input_dataset.element_spec, (input_dataset,))

    def _cardinality(self) -> int:
        return self._input._cardinality()

    def _iter(self, to_device: bool = False) -> Iterator[structure.Flat]:
        """The input's elements, prepared ahead on a thread; with ``to_device`` (for an iterator that
        hands out Tensors) moved into JAX arrays there too, so the transfer overlaps the consumer's work."""
        if self._size == 0:
            return self._input._iter()
        return Prefetcher(self._input, self._size, to_device, autotune=self._autotune)


class Prefetcher:
    """A pass over a dataset whose elements a thread prepares ahead into a bounded queue.

    ``ready()`` tells whether the next element is already there (a block read takes those without
    waiting); ``reserve(n)`` lets an AUTOTUNE buffer grow to ``n`` elements for a consumer that
    reads ``n`` at a time. ``close()`` (or dropping it) lets the thread go (within one put timeout).
    """

    def __init__(self, source: Dataset, size: int, to_device: bool, autotune: bool) -> None:
        self._queue: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=size)
        self._stop = threading.Event()
        self._autotune = autotune
        self._done = False
        q, stop = self._queue, self._stop

        def put(item: tuple[int, Any]) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                for flat in source._iter():  # the input's stages run on this thread
                    if to_device and all(isinstance(a, np.ndarray) for a in flat):
                        flat = to_arrays(flat)
                    if not put((_ITEM, flat)):
                        return
                put((_END, None))
            except BaseException as e:
                put((_ERROR, e))

        threading.Thread(target=produce, name="tf.data.prefetch", daemon=True).start()

    def __iter__(self) -> Prefetcher:
        return self

    def __next__(self) -> structure.Flat:
        if self._done:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == _ITEM:
            return value
        self._done = True
        self.close()
        if kind == _END:
            raise StopIteration
        raise value

    def ready(self) -> bool:
        """Whether ``next()`` returns without waiting for the thread."""
        return self._done or not self._queue.empty()

    def reserve(self, n: int) -> None:
        """An AUTOTUNE buffer holds at least ``n`` elements from now on (a fixed size stays)."""
        if self._autotune and n > self._queue.maxsize:
            with self._queue.mutex:
                self._queue.maxsize = n
                self._queue.not_full.notify_all()

    def close(self) -> None:
        self._stop.set()  # the producer sees it within one put timeout and lets go of its input

    def __del__(self) -> None:
        self._stop.set()
