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
