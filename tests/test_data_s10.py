"""tf.data in programs (issue 18, session 10): a loop with ``break`` reads no element past the break."""

from __future__ import annotations

import numpy as np

import tapejax as tf

Dataset = tf.data.Dataset


def _reshuffled():
    """12 rows reshuffled each epoch, 2 epochs, batches of 4: batch 4 starts the second epoch (a seed drawn)."""
    return Dataset.from_tensor_slices(np.arange(12)).shuffle(12, seed=3).repeat(2).batch(4)


def _passes(ds):
    return [[b.numpy().tolist() for b in ds] for _ in range(2)]


def test_a_loop_that_breaks_leaves_the_next_passes_in_the_eager_order():
    """A tf.function's ``for`` loop with ``break`` over a reshuffling dataset takes the batches the eager
    loop takes, and no more: the passes after it come in the order they come after the eager loop (the
    batch after the break is not read, so the second epoch, and its seed, is not started early)."""
    ds, ref = _reshuffled(), _reshuffled()

    @tf.function
    def run(stop):
        total, i = tf.constant(0, tf.int64), tf.constant(0)
        for x in ds:
            total += tf.reduce_sum(x * tf.cast(i + 1, tf.int64))
            i += 1
            if i >= stop:
                break
        return total, i

    for stop in (3, 2):  # (3: the batches of the first epoch exactly)
        want = 0
        for count, x in enumerate(ref, 1):
            want += int(x.numpy().sum()) * count
            if count >= stop:
                break
        total, i = run(tf.constant(stop))
        assert (int(total), int(i)) == (want, stop)
        assert _passes(ds) == _passes(ref)


_P = 2147483647  # a prime: the running hash stays below 2**31, its products below 2**62


def test_a_block_loop_under_prefetch_takes_the_next_block_ahead_on_a_thread(monkeypatch):
    """Under ``prefetch``, a program's loop over gathered batches gets each next block gathered on a
    worker thread while it runs on the current one: the same batches in the same order (reshuffled
    pass after pass, the partial last batch last) as the eager loop."""
    import threading

    from tapejax._src.data import batching, graph

    monkeypatch.setattr(graph, "_BLOCK_MAX", 3)  # (read when traced: blocks of 3 batches)
    threads = []
    take = batching.GatheredBatches.take

    def noted(self, k):
        threads.append(threading.current_thread().name)
        return take(self, k)

    monkeypatch.setattr(batching.GatheredBatches, "take", noted)

    def pipeline():
        return Dataset.from_tensor_slices(np.arange(20) * 3).shuffle(8, seed=5).repeat(2).batch(3).prefetch(1)

    ds, ref = pipeline(), pipeline()

    @tf.function
    def run():
        h = tf.constant(0, tf.int64)
        for x in ds:  # an order-sensitive hash of the batches (their sizes too)
            b = tf.reduce_sum(x * tf.range(1, tf.size(x, out_type=tf.int64) + 1)) + 1000 * tf.size(x, out_type=tf.int64)
            h = tf.math.floormod(h * 1000003 + b, _P)
        return h

    for _ in range(2):
        want = 0
        for x in ref:
            xs = x.numpy()
            want = (want * 1000003 + int((xs * np.arange(1, xs.size + 1)).sum()) + 1000 * xs.size) % _P
        assert int(run()) == want
    assert "tf.data.prefetch" in threads  # blocks were taken on the worker


def test_prefetched_batches_move_to_the_device_without_a_second_copy(monkeypatch):
    """A batch's arrays (gathered or stacked by ``batch``, new and its own) become the Tensors'
    device arrays without a copy; elements the input may still hold or change are copied: a
    generator refilling one buffer keeps its values."""
    from tapejax._src import transfer

    copies = []
    put = transfer._batched_device_put

    def noted(aval, sharding, xs, devices, committed, force_copy):
        copies.append(force_copy)
        return put(aval, sharding, xs, devices, committed, force_copy)

    monkeypatch.setattr(transfer, "_batched_device_put", noted)
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    got = [b.numpy().tolist() for b in Dataset.from_tensor_slices(x).shuffle(6, seed=1).batch(4).prefetch(2)]
    assert sorted(r for b in got for r in b) == x.tolist() and copies == [False, False]
    buffer = np.zeros(2, np.float32)

    def refilled():
        for i in range(3):
            buffer[:] = i  # (the same array each time, changed in place)
            yield buffer

    copies.clear()
    ds = Dataset.from_generator(refilled, output_signature=tf.TensorSpec([2], tf.float32)).prefetch(3)
    assert [b.numpy().tolist() for b in ds] == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]] and copies == [True] * 3
