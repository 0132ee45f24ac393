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
        super().__init__(input_dataset.element_spec, (input_dataset,))

    def _cardinality(self) -> int:
        return self._input._cardinality()

    def _iter(self, to_device: bool = False) -> Iterator[structure.Flat]:
        """The input's elements, prepared ahead on a thread; with ``to_device`` (for an iterator that
        hands out Tensors) moved into JAX arrays there too, so the transfer overlaps the consumer's work."""
        if self._size == 0:
            yield from self._input._iter()
            return
        q: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=self._size)
        stop = threading.Event()
        source = self._input

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

        thread = threading.Thread(target=produce, name="tf.data.prefetch", daemon=True)
        thread.start()
        try:
            while True:
                kind, value = q.get()
                if kind == _ITEM:
                    yield value
                elif kind == _END:
                    return
                else:
                    raise value
        finally:
            stop.set()  # the producer sees it within one put timeout and lets go of its input
