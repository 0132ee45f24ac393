"""``prefetch``: a background thread filling a bounded queue, so input work overlaps the training step."""

from __future__ import annotations

import collections
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


class _Buffer:
    """The bounded buffer between a prefetch thread and its consumer (the thread holds only this, so
    dropping the :class:`Prefetcher` stops it).

    The thread fills it as long as there is room (as TF's prefetch: the input runs at most the
    buffer's size ahead of the consumer); each side signals only when the other waits.
    """

    def __init__(self, size: int) -> None:
        self.items: collections.deque[tuple[int, Any]] = collections.deque()
        self.size = size
        self.cv = threading.Condition(threading.Lock())
        self.stop = threading.Event()
        self.getter_waits = self.putter_waits = False

    def put(self, item: tuple[int, Any]) -> bool:
        with self.cv:
            if len(self.items) >= self.size:
                self.putter_waits = True
                while len(self.items) >= self.size and not self.stop.is_set():
                    self.cv.wait(0.05)
                self.putter_waits = False
            if self.stop.is_set():
                return False
            self.items.append(item)
            if self.getter_waits:
                self.cv.notify()
        return True

    def get(self) -> tuple[int, Any]:
        with self.cv:
            while not self.items:
                self.getter_waits = True
                self.cv.wait()
            self.getter_waits = False
            item = self.items.popleft()
            if self.putter_waits:
                self.cv.notify()
        return item

    def produce(self, source: Dataset, to_device: bool) -> None:
        try:
            for flat in source._iter():  # the input's stages run on this thread
                if to_device and all(isinstance(a, np.ndarray) for a in flat):
                    flat = to_arrays(flat)
                if not self.put((_ITEM, flat)):
                    return
            self.put((_END, None))
        except BaseException as e:
            self.put((_ERROR, e))


class Prefetcher:
    """A pass over a dataset whose elements a thread prepares ahead into a bounded buffer.

    ``ready()`` tells whether the next element is already there (a block read takes those without
    waiting); ``reserve(n)`` lets an AUTOTUNE buffer grow to ``n`` elements for a consumer that reads
    ``n`` at a time. ``close()`` (or dropping it) lets the thread go.
    """

    def __init__(self, source: Dataset, size: int, to_device: bool, autotune: bool) -> None:
        self._buffer = _Buffer(size)
        self._autotune = autotune
        self._done = False
        thread = threading.Thread(target=self._buffer.produce, args=(source, to_device), name="tf.data.prefetch")
        thread.daemon = True
        thread.start()

    def __iter__(self) -> Prefetcher:
        return self

    def __next__(self) -> structure.Flat:
        if self._done:
            raise StopIteration
        kind, value = self._buffer.get()
        if kind == _ITEM:
            return value
        self._done = True
        self.close()
        if kind == _END:
            raise StopIteration
        raise value

    def ready(self) -> bool:
        """Whether ``next()`` returns without waiting for the thread."""
        return self._done or bool(self._buffer.items)

    def reserve(self, n: int) -> None:
        """An AUTOTUNE buffer holds at least ``n`` elements from now on (a fixed size stays)."""
        buffer = self._buffer
        if self._autotune and n > buffer.size:
            with buffer.cv:
                buffer.size = n
                buffer.cv.notify_all()

    def close(self) -> None:
        """Lets the thread go (it drops its input)."""
        self._buffer.stop.set()
        with self._buffer.cv:
            self._buffer.cv.notify_all()

    def __del__(self) -> None:
        self._buffer.stop.set()  # (no lock here: the thread sees it within one wait timeout)
