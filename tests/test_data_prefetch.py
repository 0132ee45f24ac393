"""prefetch's producer (issue 18, tapejax/_src/data/prefetch.py): a consumer that finds the buffer
empty makes the next element itself (order, end and errors kept), the input runs the buffer's size
ahead, and a pass's producer runs on a kept worker thread instead of a new thread per pass."""

from __future__ import annotations

import gc
import threading
import time

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.data import prefetch

Dataset = tf.data.Dataset


def _wait_for(cond, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.005)
    return cond()


def test_without_its_thread_the_consumer_reads_in_order_then_the_error(monkeypatch):
    monkeypatch.setattr(prefetch, "_run_in_worker", lambda fn, *args: None)  # the thread never runs

    def gen():
        yield from range(5)
        raise ValueError("bad record")

    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).prefetch(2)
    it = iter(ds)
    assert [int(next(it)) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError: bad record"):
        next(it)
    with pytest.raises(StopIteration):
        next(it)
    assert [int(x) for x in Dataset.range(7).prefetch(tf.data.AUTOTUNE)] == list(range(7))


def test_consumer_and_thread_together_keep_the_order():
    ds = Dataset.range(3000).batch(3).prefetch(tf.data.AUTOTUNE)
    for _ in range(2):
        got = np.concatenate([x.numpy() for x in ds])
        assert got.tolist() == list(range(3000))


def test_an_autotune_buffer_refills_whenever_there_is_room():
    produced = []

    def gen():
        for i in range(50):
            produced.append(i)
            yield i

    assert prefetch.AUTOTUNE_BUFFER == 4
    it = iter(Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).prefetch(tf.data.AUTOTUNE))
    assert int(next(it)) == 0
    assert _wait_for(lambda: len(produced) == 5)  # 1 taken + 4 buffered
    assert int(next(it)) == 1
    assert _wait_for(lambda: len(produced) == 6)  # one more as soon as there is room
    time.sleep(0.05)
    assert len(produced) == 6  # and no further
    assert [int(x) for x in it] == list(range(2, 50))


def test_passes_reuse_a_worker_thread():
    threads = set()

    def gen():
        for i in range(20):
            if threading.current_thread() is not threading.main_thread():
                threads.add(threading.current_thread())
            yield i

    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).prefetch(2)
    for _ in range(4):
        assert _wait_for(lambda: all(t.name == "tf.data.idle" for t in threads))  # the last pass's worker is back
        assert [int(x) for x in ds] == list(range(20))
    assert len(threads) == 1  # one thread made the elements of every pass


def test_a_program_reading_a_prefetched_pipeline_gets_its_elements_then_its_error(monkeypatch):
    def gen():
        yield from (np.int64(i) for i in range(1, 6))
        raise ValueError("bad record 6")

    ds = Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).prefetch(2).prefetch(1)

    @tf.function
    def total():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s = s * 10 + x
        return s

    with pytest.raises(tf.errors.InvalidArgumentError, match="bad record 6"):
        total()
    good = Dataset.range(1, 6).prefetch(2)
    loop = tf.function(lambda: good.reduce(tf.constant(0, tf.int64), lambda s, x: s * 10 + x))
    assert int(loop()) == 12345
    monkeypatch.setattr(prefetch, "_run_in_worker", lambda fn, *args: None)  # the program's pulls make them
    assert int(loop()) == 12345


def test_dropping_an_iterator_lets_the_threads_of_a_nested_prefetch_go():
    def running():
        return sum(t.name == "tf.data.prefetch" for t in threading.enumerate())

    _wait_for(lambda: running() == 0, 2.0)  # (the producers of passes elsewhere end)
    before = running()
    it = iter(Dataset.range(10**6).prefetch(2).map(lambda x: x + 1).prefetch(2))
    assert [int(next(it)) for _ in range(3)] == [1, 2, 3]
    assert _wait_for(lambda: running() == before + 2)
    del it
    gc.collect()
    assert _wait_for(lambda: running() == before)
