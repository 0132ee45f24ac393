"""How a new queue structure runs while structures keep changing (lazy._call): one-off ops compile as one program.

Ops never seen before (a notebook cell, new shapes) make one program: their per-op kernels would
each compile once for nothing. A changing structure of ops seen before runs op by op (their kernels
serve every structure of a changing loop), as before.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy


@pytest.fixture
def changing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Structures have kept changing (the record the op-by-op decision reads), no program cached."""
    if not lazy.ENABLED:
        pytest.skip("deferred execution is off (TAPEJAX_DEFER=0): no queue structures")
    monkeypatch.setattr(lazy, "_recent", lazy.Recent([True] * lazy.RECENT))
    monkeypatch.setattr(lazy, "_PROGRAMS", type(lazy._PROGRAMS)())
    monkeypatch.setattr(lazy, "_SEEN", set())


def _cell(x: np.ndarray, order: int) -> np.ndarray:
    t = tf.constant(x)
    y = tf.sin(t) * 2.0 + tf.exp(-t) if order == 0 else tf.exp(-t) + tf.sin(t) * 2.0
    return (tf.reduce_sum(y, axis=-1) - 1.0).numpy()


def _expected(x: np.ndarray) -> np.ndarray:
    return (np.sin(x) * 2 + np.exp(-x)).sum(-1) - 1


@pytest.mark.usefixtures("changing")
def test_new_ops_compile_as_one_program_then_recurring_ones_run_op_by_op() -> None:
    x = np.linspace(-1, 1, 3 * 19, dtype=np.float32).reshape(3, 19)  # shapes no other test uses
    np.testing.assert_allclose(_cell(x, 0), _expected(x), rtol=1e-5)
    assert len(lazy._PROGRAMS) == 1  # new ops: one compiled program
    np.testing.assert_allclose(_cell(x, 1), _expected(x), rtol=1e-5)
    assert len(lazy._PROGRAMS) == 1  # a new structure of the same ops and shapes: op by op
    np.testing.assert_allclose(_cell(x, 1), _expected(x), rtol=1e-5)
    assert len(lazy._PROGRAMS) == 2  # and compiled when it comes back (as before)
