"""tf.data's per-step overhead (issue 18, session 9): prefetch's lock-based hand-off (a waiting
producer is woken by the consumer, ``reserve`` and ``close``), an iterator's direct wrap of prefetched
device arrays (and the elements that must keep ``to_tensors``' general path)."""

from __future__ import annotations

import collections
import threading
import time

import jax
import numpy as np

import tapejax as tf
from tapejax._src.data import prefetch

Dataset = tf.data.Dataset


def _wait_for(cond, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.002)
    return cond()


def _counting(n):
    produced = []

    def gen():
        for i in range(n):
            produced.append(i)
            yield i

    return produced, Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))


def test_a_waiting_producer_is_woken_by_each_read_reserve_and_close():
    produced, ds = _counting(100)
    it = prefetch.Prefetcher(ds, 2, False, autotune=True)
    buffer = it._buffer
    assert _wait_for(lambda: len(produced) == 2 and buffer.waiting)  # full: the thread waits
    for k in range(3):  # each read makes room: the thread makes exactly one more element
        assert int(next(it)[0]) == k
        assert _wait_for(lambda k=k: len(produced) == 3 + k and buffer.waiting)
    time.sleep(0.06)  # (past one wait timeout: still no further)
    assert len(produced) == 5
    it.reserve(6)  # an AUTOTUNE buffer grows: the thread fills it at once
    assert _wait_for(lambda: len(produced) == 9 and buffer.waiting)
    it.close()  # the thread lets go (its worker goes idle), the rest is never read
    assert _wait_for(lambda: not buffer.waiting and any(w._task is None for w in prefetch._idle_workers))
    assert len(produced) == 9


def test_a_consumer_faster_and_slower_than_the_producer_keeps_the_order():
    def slow_gen():
        for i in range(60):
            if i % 7 == 0:
                time.sleep(0.002)  # the consumer finds the buffer empty and makes elements itself
            yield i

    fast = Dataset.range(400).prefetch(3)
    slow = Dataset.from_generator(slow_gen, output_signature=tf.TensorSpec([], tf.int64)).prefetch(2)
    got = []
    for i, x in enumerate(fast):
        got.append(int(x))
        if i % 50 == 0:
            time.sleep(0.003)  # the producer fills the buffer and waits
    assert got == list(range(400))
    assert [int(x) for x in slow] == list(range(60))


def test_stale_wake_ups_leave_the_producer_bounded():
    """A wake-up after the producer's wait timed out leaves the lock free: its next wait returns at
    once, finds the buffer full and waits again (it never runs past the buffer's size)."""
    produced, ds = _counting(50)
    it = prefetch.Prefetcher(ds, 3, False, autotune=False)
    buffer = it._buffer
    assert _wait_for(lambda: len(produced) == 3 and buffer.waiting)
    for _ in range(3):
        buffer.wake_up()  # (a release of a free lock is ignored)
    time.sleep(0.12)
    assert len(produced) == 3
    assert [int(x[0]) for x in it] == list(range(50))


def test_threads_reading_one_prefetched_iterator_in_turn_get_each_element_once():
    ds = Dataset.range(3000).prefetch(4)
    it = iter(ds)
    seen = collections.Counter()
    lock = threading.Lock()

    def read():
        while True:
            with lock:  # (as HostReader: one reader at a time)
                x = next(it, None)
            if x is None:
                return
            seen[int(x)] += 1

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(3000)) and set(seen.values()) == {1}


def test_prefetched_elements_are_tensors_of_the_spec():
    images = np.arange(48, dtype=np.float32).reshape(6, 2, 4)
    labels = np.arange(6, dtype=np.int64)
    ds = Dataset.from_tensor_slices((images, labels)).batch(4).prefetch(2)
    (x0, y0), (x1, y1) = list(ds)
    assert type(x0) is type(tf.constant(0.0)) and x0.dtype == tf.float32 and y0.dtype == tf.int64
    assert x0.shape == (4, 2, 4) and x1.shape == (2, 2, 4) and y1.numpy().tolist() == [4, 5]
    np.testing.assert_array_equal(np.concatenate([x0.numpy(), x1.numpy()]), images)
    assert isinstance(x0._value, jax.Array)


def test_elements_that_are_not_a_flat_tuple_keep_their_structure():
    """The iterator's direct wrap applies only to a flat tuple of TensorSpecs: a single component, a
    dict, a namedtuple, a nested tuple and window datasets still go through to_tensors."""
    Point = collections.namedtuple("Point", ["a", "b"])
    x = np.arange(6, dtype=np.float32)
    single = next(iter(Dataset.from_tensor_slices(x).batch(2).prefetch(1)))
    assert single.numpy().tolist() == [0.0, 1.0]
    d = next(iter(Dataset.from_tensor_slices({"b": x, "a": x * 2}).batch(3).prefetch(1)))
    assert list(d) == ["b", "a"] and d["a"].numpy().tolist() == [0.0, 2.0, 4.0]
    p = next(iter(Dataset.from_tensor_slices(Point(x, x + 1)).batch(3).prefetch(1)))
    assert type(p) is Point and p.b.numpy().tolist() == [1.0, 2.0, 3.0]
    nested = next(iter(Dataset.from_tensor_slices((x, (x, x))).batch(2).prefetch(1)))
    assert isinstance(nested[1], tuple) and nested[1][0].numpy().tolist() == [0.0, 1.0]
    window = next(iter(Dataset.range(5).window(2).prefetch(1)))
    assert [int(v) for v in window] == [0, 1]
    empty = list(Dataset.from_tensors(()).prefetch(1))
    assert empty == [()]


# -- a program's loop over batches of from_tensor_slices rows: blocks gathered at once ----------------
_P = 2147483647  # a prime: the running hash stays below 2**31, its products below 2**62


def _loop_hash(ds):
    """A tf.function whose ``for x, y in ds`` gives an order-sensitive int64 hash of every batch (its
    size and its values: x holds small integers) and the batch count."""

    @tf.function
    def run():
        h, n = tf.constant(0, tf.int64), tf.constant(0, tf.int64)
        for x, y in ds:
            w = tf.range(1, tf.size(x, out_type=tf.int64) + 1)
            b = tf.reduce_sum(tf.cast(tf.reshape(x, [-1]), tf.int64) * w) + tf.reduce_sum(y) * 7
            b += 1000 * tf.shape(x, out_type=tf.int64)[0]
            h = tf.math.floormod(h * 1000003 + tf.math.floormod(b, _P), _P)
            n += 1
        return h, n

    return lambda: tuple(int(v) for v in run())


def _eager_hash(ds):
    h = n = 0
    for x, y in ds:
        xs = x.numpy().astype(np.int64).reshape(-1)
        b = int((xs * np.arange(1, xs.size + 1)).sum() + y.numpy().sum() * 7 + 1000 * x.shape[0])
        h, n = (h * 1000003 + b % _P) % _P, n + 1
    return h, n


def _data(n):
    x = np.random.default_rng(n).integers(0, 50, (n, 3)).astype(np.float32)
    return x, np.arange(n, dtype=np.int64)


def _counting_takes(monkeypatch):
    from tapejax._src.data import batching

    takes = []
    take = batching.GatheredBatches.take
    _take_threads.clear()

    def noted(self, k):
        takes.append(k)
        _take_threads.append(threading.current_thread().name)
        return take(self, k)

    monkeypatch.setattr(batching.GatheredBatches, "take", noted)
    return takes


_take_threads: list[str] = []  # the thread of each take _counting_takes saw


def _gathered_pipeline(n):
    """Rows through repeat/shuffle/take, a partial last batch, under prefetch and options."""
    x, y = _data(n)
    ds = Dataset.from_tensor_slices((x, y)).repeat(2).shuffle(16, seed=3).take(2 * n - 3).batch(7)
    return ds.prefetch(tf.data.AUTOTUNE).with_options(tf.data.Options())


def test_a_loop_over_gathered_batches_reads_blocks_with_the_eager_batches(monkeypatch):
    """Same batches, in order (the last partial one too), pass after pass (reshuffled), as eager
    iteration of an identical dataset; the full batches come in blocks (one take per block), each
    next one taken ahead on a prefetch worker thread (session 10: ``batching.TakesAhead``)."""
    from tapejax._src.data import batching, graph

    monkeypatch.setattr(graph, "_BLOCK_MAX", 3)  # (read when traced: blocks of 3 batches, 11 full ones a pass)
    takes = _counting_takes(monkeypatch)
    before = batching.gathered_passes
    loop, ref = _loop_hash(_gathered_pipeline(43)), _gathered_pipeline(43)
    for _ in range(2):  # (a pass each: reshuffled)
        assert loop() == _eager_hash(ref)
    assert batching.gathered_passes - before == 4  # eager and program passes took the gathered path
    assert len(takes) == 10 and set(takes) == {3}  # blocks of batches, not one pull each
    assert "tf.data.prefetch" in _take_threads  # blocks taken ahead on the worker


def test_loops_over_other_pipelines_keep_reading_elements(monkeypatch):
    """Where the batches are not gathered rows (a map with a Python side effect before batch, a
    generator), the program reads the pipeline's elements: no block take."""
    takes = _counting_takes(monkeypatch)
    x, y = _data(20)
    calls = []

    def noted(a, b):
        calls.append(1)  # a Python side effect: runs when traced, not per element
        return a * 2.0, b

    def gen():
        for i in range(20):
            yield x[i], y[i]

    sig = (tf.TensorSpec([3], tf.float32), tf.TensorSpec([], tf.int64))
    cases = [
        Dataset.from_tensor_slices((x, y)).map(noted).batch(6, drop_remainder=True),
        Dataset.from_generator(gen, output_signature=sig).batch(6, drop_remainder=True).prefetch(2),
    ]
    for ds in cases:
        assert _loop_hash(ds)() == _eager_hash(ds)
    assert takes == []


def test_gathered_batches_take_blocks_then_the_partial_batch():
    from tapejax._src.data.batching import GatheredBatches
    from tapejax._src.data.sources import TensorSliceDataset

    rows = TensorSliceDataset((np.arange(14) * 10, np.arange(14)))
    it = GatheredBatches(rows, 3, drop=False)
    n, (a, b) = it.take(2)
    assert n == 2 and a.shape == (2, 3) and a.tolist() == [[0, 10, 20], [30, 40, 50]] and b.dtype == np.int64
    assert next(it)[0].tolist() == [60, 70, 80]
    n, (a, b) = it.take(4)  # one full batch left; the block's other rows are row 0 (never read)
    assert n == 1 and a.shape == (4, 3) and a[0].tolist() == [90, 100, 110] and b[0].tolist() == [9, 10, 11]
    assert it.take(4) == (0, None)  # only a partial batch is left: for next()
    assert [x.tolist() for x, _ in it] == [[120, 130]]
    dropped = GatheredBatches(rows, 3, drop=True)
    assert dropped.take(8)[0] == 4 and list(dropped) == []
