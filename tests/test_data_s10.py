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
