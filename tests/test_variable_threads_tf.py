"""Parity with real TF: the same threads updating one Variable give TF's (serial) result in both."""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402


def _race(m: Any) -> np.ndarray:
    """3 threads x 15 steps of assign_add, a sliced assign of the thread's slot and assign_sub."""
    v = m.Variable(np.zeros(5, np.float32))
    add = np.array([0.5, 1.0, 0.0, 0.0, 0.0], np.float32)
    sub = np.array([0.0, 0.5, 0.0, 0.0, 0.0], np.float32)

    def work(k: int) -> None:
        for j in range(15):
            v.assign_add(add)
            v[2 + k].assign(float(j + 1))
            v.assign_sub(sub)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    return v.numpy()


def test_concurrent_updates_match_tf():
    expected = np.array([22.5, 22.5, 15.0, 15.0, 15.0], np.float32)
    np.testing.assert_array_equal(_race(tf_real), expected)
    np.testing.assert_array_equal(_race(tf), expected)


def test_list_key_matches_tf():
    for m in (tf_real, tf):
        w = m.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        w[[1, 2]].assign(9.0)
        np.testing.assert_array_equal(w.numpy(), [[1.0, 2.0, 3.0], [4.0, 5.0, 9.0]])
        with pytest.raises(m.errors.InvalidArgumentError):
            m.Variable([1.0, 2.0, 3.0])[[0, 2]]
