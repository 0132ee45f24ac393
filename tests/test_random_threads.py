"""Unseeded draws from several threads at once never share a key (TF's generator kernel advances its
state under a lock): each thread's samples are distinct from every other's."""

from __future__ import annotations

import threading
import time

import numpy as np

import tapejax as tf
from tapejax._src import random_state


def _draw_in_threads(n_threads: int, n_draws: int) -> list[tuple[float, ...]]:
    out: list[tuple[float, ...]] = []
    start = threading.Barrier(n_threads)

    def worker() -> None:
        start.wait()
        for _ in range(n_draws):
            out.append(tuple(tf.random.normal([2]).numpy().tolist()))
            out.append(tuple(tf.random.uniform([3]).numpy().tolist()))

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_draws_are_distinct(monkeypatch):
    # Widen the window between reading the global key and storing the next one (both the host path
    # of the first draws and the deferred path of repeated ones), so that a missing lock shows.
    state = type(random_state.GLOBAL)
    for name in ("host_key", "key_for_draw"):
        original = getattr(state, name)

        def slow(self, _original=original):
            key = _original(self)
            time.sleep(0.001)
            return key

        monkeypatch.setattr(state, name, slow)
    tf.random.set_seed(17)
    draws = _draw_in_threads(4, 6)
    assert len(draws) == 48
    assert len(set(draws)) == len(draws)


def test_concurrent_draws_keep_the_seeded_sequence():
    # One thread's seeded sequence is what the same draws give in order (the lock changes no value).
    tf.random.set_seed(5)
    expected = [tf.random.normal([2]).numpy() for _ in range(4)]
    tf.random.set_seed(5)
    got = []
    t = threading.Thread(target=lambda: got.extend(tf.random.normal([2]).numpy() for _ in range(4)))
    t.start()
    t.join()
    np.testing.assert_array_equal(np.stack(got), np.stack(expected))
