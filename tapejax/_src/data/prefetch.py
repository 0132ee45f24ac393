"""``prefetch``: a background thread filling a bounded queue, so input work overlaps the training step."""

from __future__ import annotations

import collections
import os
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
    """The bounded buffer between a prefetch thread and its consumer, and the input they both read
    (the thread holds only this, so dropping the :class:`Prefetcher` stops it).

    The thread fills it as long as there is room (as TF's prefetch: the input runs at most the
    buffer's size ahead of the consumer); the consumer wakes it only when it waits. (Refilling
    only from half, one wake-up per half buffer, made the thread's runs longer: a consumer coming
    back from the program it dispatched waits for the interpreter lock while the thread runs.)

    A consumer that finds the buffer empty does not wait for the thread: it reads the next element
    of the input itself (an element the thread is making is finished first: the input is read
    under ``source_lock`` and its element appended before the lock is let go, so elements keep
    their order). A thread that cannot keep up (a loaded machine: the consumer would sleep, be
    woken, then wait for the interpreter lock) then costs the consumer no more than no prefetch.

    The signalling is two C-level primitives, not a ``threading.Condition`` (whose ``notify`` and
    ``with`` run ~40 bytecodes of Python a hand-off on the consumer's thread): ``items`` is a deque
    (its append and popleft are atomic), and a waiting thread blocks on ``wake``, a lock held while
    nobody wakes it, which the consumer (or ``reserve``, ``close``) releases once it sees
    ``waiting``. A wake-up that comes after the thread stopped waiting leaves the lock free: the
    thread's next wait returns at once and finds the buffer still full (it waits again).
    """

    def __init__(self, source: Iterator[structure.Flat], size: int) -> None:
        self.items: collections.deque[tuple[int, Any]] = collections.deque()
        self.size = size
        self.wake = threading.Lock()
        self.wake.acquire()  # (held: the thread's wait blocks until someone lets it go)
        self.waiting = False  # the thread waits for room (or is about to)
        self.stopped = False  # the consumer let go
        self.source = source
        self.source_lock = threading.Lock()
        self.finished = False  # the input ended or raised (its end or error is handed out next)
        self.copy = True  # to_arrays copies an element (False: the input's arrays are new and its own)

    def wake_up(self) -> None:
        """Lets a waiting thread go (it checks for room again)."""
        self.waiting = False
        try:  # noqa: SIM105 (contextlib.suppress: a context manager's Python on every hand-off)
            self.wake.release()
        except RuntimeError:  # (already free: a wake-up the thread has not taken yet)
            pass

    def _room(self) -> bool:
        """Waits for room in the buffer; False once the consumer let go."""
        items = self.items
        while len(items) >= self.size and not self.stopped:
            self.waiting = True
            if len(items) < self.size or self.stopped:  # (room made before the consumer could see waiting)
                self.waiting = False
                break
            self.wake.acquire(timeout=0.05)
        return not self.stopped

    def pull(self, to_device: bool) -> tuple[int, Any]:
        """The input's next element (or its end, or its error), under ``source_lock``."""
        try:
            flat = next(self.source)
            if to_device and all(isinstance(a, np.ndarray) for a in flat):
                flat = to_arrays(flat, self.copy)
        except StopIteration:
            self.finished = True
            return _END, None
        except BaseException as e:
            self.finished = True
            return _ERROR, e
        return _ITEM, flat

    def get(self, to_device: bool) -> tuple[int, Any]:
        items = self.items
        while True:
            if items:  # (one consumer at a time: only the thread adds items meanwhile)
                item = items.popleft()
                if self.waiting:
                    self.wake_up()
                return item
            with self.source_lock:  # (waits for an element the thread is making)
                if items:
                    continue
                if self.finished:  # (not reached: the end or error was handed out already)
                    return _END, None
                return self.pull(to_device)  # the buffer is empty: the consumer makes the element

    def produce(self, to_device: bool) -> None:
        while self._room():  # the input's stages run on this thread
            with self.source_lock:
                if self.finished:
                    return
                item = self.pull(to_device)
                self.items.append(item)
            if item[0] != _ITEM:
                return


class _Worker(threading.Thread):
    """A daemon thread running prefetch producers one after another (named ``tf.data.prefetch`` while
    it runs one): a pass's producer starts on an idle worker without starting a thread, which
    waits until the new thread runs (a few hundred us on an idle 2-core machine, milliseconds on a
    loaded one), once per pass of a training loop."""

    def __init__(self) -> None:
        super().__init__(name=_RUNNING, daemon=True)
        self._cv = threading.Condition(threading.Lock())
        self._task: tuple[Any, tuple[Any, ...]] | None = None

    def assign(self, fn: Any, args: tuple[Any, ...]) -> None:
        with self._cv:
            self.name = _RUNNING
            self._task = (fn, args)
            self._cv.notify()

    def run(self) -> None:
        while True:
            with self._cv:
                while self._task is None:
                    if not self._cv.wait(_IDLE_SECONDS) and self._task is None and _retire(self):
                        return
                fn, args = self._task
            try:
                fn(*args)
            except BaseException:
                self._task = None
                raise  # (the thread ends, out of the pool; the consumer makes the elements)
            with self._cv:
                self._task = None
                self.name = _IDLE
            fn = args = None  # (holds nothing of the pass while idle)
            with _workers_lock:
                _idle_workers.append(self)


_RUNNING, _IDLE = "tf.data.prefetch", "tf.data.idle"
_IDLE_SECONDS = 30.0  # an idle worker ends after this long
_workers_lock = threading.Lock()
_idle_workers: list[_Worker] = []


def _retire(worker: _Worker) -> bool:
    """Takes an idle worker out of the pool (False: it was just given a task)."""
    with _workers_lock:
        if worker in _idle_workers:
            _idle_workers.remove(worker)
            return True
    return False


def _run_in_worker(fn: Any, *args: Any) -> None:
    with _workers_lock:
        worker = _idle_workers.pop() if _idle_workers else None
    if worker is not None:
        worker.assign(fn, args)
        return
    worker = _Worker()
    worker.assign(fn, args)
    worker.start()


def _after_fork() -> None:
    global _workers_lock
    _workers_lock = threading.Lock()
    _idle_workers.clear()  # (the parent's threads do not run in the child)


os.register_at_fork(after_in_child=_after_fork)


def _new_arrays(ds: Dataset) -> bool:
    """Whether each element of ``ds`` is arrays it just allocated and holds no more (a ``batch``:
    rows gathered or stacked; not one fused with a ``map``, whose function may return anything):
    moved into JAX arrays without a copy, they are never changed."""
    from tapejax._src.data.batching import BatchDataset

    return type(ds) is BatchDataset and not ds._map_fused()


class Prefetcher:
    """A pass over a dataset whose elements a thread prepares ahead into a bounded buffer.

    ``ready()`` tells whether the next element is already there (a block read takes those without
    waiting); ``reserve(n)`` lets an AUTOTUNE buffer grow to ``n`` elements for a consumer that reads
    ``n`` at a time. ``close()`` (or dropping it) lets the thread go.
    """

    def __init__(self, source: Dataset, size: int, to_device: bool, autotune: bool) -> None:
        self._buffer = _Buffer(source._iter(), size)
        self._buffer.copy = not _new_arrays(source)
        self._autotune = autotune
        self._to_device = to_device
        self._done = False
        _run_in_worker(self._buffer.produce, to_device)

    def __iter__(self) -> Prefetcher:
        return self

    def __next__(self) -> structure.Flat:
        if self._done:
            raise StopIteration
        kind, value = self._buffer.get(self._to_device)
        if kind == _ITEM:
            return value
        self._done = True
        self.close()
        if kind == _END:
            raise StopIteration
        raise value

    def ready(self) -> bool:
        """Whether ``next()`` returns an element the thread has made (without waiting or reading the input)."""
        return self._done or bool(self._buffer.items)

    def reserve(self, n: int) -> None:
        """An AUTOTUNE buffer holds at least ``n`` elements from now on (a fixed size stays)."""
        buffer = self._buffer
        if self._autotune and n > buffer.size:
            buffer.size = n
            if buffer.waiting:
                buffer.wake_up()

    def close(self) -> None:
        """Lets the thread go, and drops the input (a prefetch under it lets its own thread go)."""
        buffer = self._buffer
        buffer.stopped = True
        buffer.source = iter(())
        buffer.wake_up()

    def __del__(self) -> None:
        self._buffer.stopped = True  # (the thread sees it within one wait timeout)
