"""Parity with TensorFlow itself (skipped where TF is not installed): the array, scatter and functional
ops of issue 14, each program written once and run with ``m = tensorflow`` and ``m = tapejax``;
values, dtypes and shapes must agree, and so must tape gradients where TF has them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax

tf_real = pytest.importorskip("tensorflow")

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7.0

PROGRAMS: dict[str, Callable[[Any], Any]] = {
    "scatter_nd": lambda m: m.scatter_nd([[1, 0], [0, 2], [1, 0]], [1.0, 2.0, 3.0], [2, 3]),
    "tensor_scatter_nd_update": lambda m: m.tensor_scatter_nd_update(m.constant(X), [[0, 1]], [[9.0] * 4]),
    "tensor_scatter_nd_max": lambda m: m.tensor_scatter_nd_max(m.constant(X[0]), [[1, 2], [0, 0]], [5.0, -1.0]),
    "strided_slice": lambda m: m.strided_slice(
        m.constant(X), [1, 0, 3], [0, 3, 0], [-1, 2, -2], begin_mask=0, end_mask=1, shrink_axis_mask=0
    ),
    "strided_slice_masks": lambda m: m.strided_slice(
        m.constant(X), [0, 0, 1], [0, 0, 3], [1, 1, 1], ellipsis_mask=1, new_axis_mask=2
    ),
    "roll": lambda m: m.roll(m.constant(X), [2, -1], [2, 1]),
    "repeat": lambda m: m.repeat(m.constant(X), [1, 0, 2], axis=1),
    "meshgrid": lambda m: m.meshgrid([1.0, 2.0, 3.0], [4.0, 5.0], [6.0, 7.0]),
    "searchsorted": lambda m: m.searchsorted([[0.0, 1.0, 1.0, 3.0]], [[1.0, 2.0, -1.0, 4.0]], side="left"),
    "sequence_mask": lambda m: m.sequence_mask([[0, 2], [3, 1]], 4, dtype=m.float32),
    "reverse_sequence": lambda m: m.reverse_sequence(m.constant(X), [3, 1, 0, 2], seq_axis=1, batch_axis=2),
    "unique": lambda m: m.unique_with_counts(m.constant([2.0, -1.0, 2.0, 0.5, -1.0])),
    "unravel_index": lambda m: m.unravel_index(m.constant([0, 7, 11, 5], m.int64), [3, 4]),
    "dynamic_partition": lambda m: m.dynamic_partition(m.constant(X), [[0, 1, 1], [2, 0, 1]], 3),
    "dynamic_stitch": lambda m: m.dynamic_stitch([[4, 0], [1, 4]], [X[0, :2], X[1, :2]]),
    "histogram": lambda m: m.histogram_fixed_width(m.constant(X).numpy().ravel() * 2 - 1, [0.0, 4.0], nbins=6),
    "space_to_batch": lambda m: m.space_to_batch(m.constant(X[..., None]), [2, 2], [[1, 0], [0, 2]]),
    "map_fn": lambda m: m.map_fn(
        lambda r: (m.reduce_sum(r), r * 2), m.constant(X), fn_output_signature=(m.float32,) * 2
    ),
    "scan": lambda m: m.scan(lambda a, r: a * 0.5 + r, m.constant(X), reverse=True),
    "foldr": lambda m: m.foldr(lambda a, r: a - r, m.constant(X), initializer=m.zeros([3, 4])),
    "vectorized_map": lambda m: m.vectorized_map(lambda r: m.matmul(r, r, transpose_b=True), m.constant(X)),
}


def _numpy(out: Any) -> list[np.ndarray]:
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in leaves]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_match_tensorflow(name: str) -> None:
    want = _numpy(PROGRAMS[name](tf_real))
    got = _numpy(PROGRAMS[name](tapejax))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


GRADIENTS: dict[str, Callable[[Any, Any], Any]] = {
    "tensor_scatter_nd_min": lambda m, x: m.tensor_scatter_nd_min(x[0], [[1, 2], [0, 0]], x[1, :2, 0] * 0 + 0.5),
    "strided_slice": lambda m, x: m.strided_slice(x, [1, 2], [0, 0], [-1, -2], end_mask=1),
    "reverse_sequence": lambda m, x: m.reverse_sequence(x, [3, 1, 0, 2], seq_axis=1, batch_axis=2) * x,
    "dynamic_partition": lambda m, x: m.concat(m.dynamic_partition(x, [[0, 1, 1], [2, 0, 1]], 3), 0) ** 2,
    "scan": lambda m, x: m.scan(lambda a, r: a * r + r, x, initializer=m.ones([3, 4])),
    "batch_to_space": lambda m, x: m.batch_to_space(m.reshape(x, [4, 1, 3, 2]), [2, 2], [[0, 1], [1, 0]]) ** 2,
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_match_tensorflow(name: str) -> None:
    def grad(m: Any) -> np.ndarray:
        x = m.constant(X)
        with m.GradientTape() as tape:
            tape.watch(x)
            y = m.reduce_sum(GRADIENTS[name](m, x))
        return tape.gradient(y, x).numpy()

    np.testing.assert_allclose(grad(tapejax), grad(tf_real), rtol=1e-5, atol=1e-6)
