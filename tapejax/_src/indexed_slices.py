"""``tf.IndexedSlices``: the sparse gradient of ``tf.gather``."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from tapejax._src.core import Op, bind
from tapejax._src.tensor import Tensor, TensorShape


def _densify_impl(values: Any, indices: Any, *, rows: int) -> Any:
    return jnp.zeros((rows, *values.shape[1:]), values.dtype).at[indices].add(values)


# TF densifies with unsorted_segment_sum: recorded by tapes, differentiable with respect to the values.
_densify = Op("UnsortedSegmentSum", _densify_impl, nondiff=(1,))


class IndexedSlices:
    """A sparse representation of a tensor's rows: ``dense[indices[i]] += values[i]``.

    TF returns it as the gradient of a source read through ``tf.gather`` on axis 0. Duplicate
    indices are kept (they add up when densified). ``tf.convert_to_tensor`` densifies it (a recorded
    op: a tape differentiates through it), as does every op given one; optimizers accept it.

    Differences from TensorFlow: ``tf.clip_by_norm``, ``tf.identity`` and ``tf.cast`` of an
    IndexedSlices give a dense Tensor (TF keeps those three sparse); the values are the same.

    Args:
      values: Tensor of shape ``[n] + dense_shape[1:]``.
      indices: int Tensor of shape ``[n]``.
      dense_shape: the dense tensor's shape (a 1-D int Tensor), or None.

    >>> import tapejax as tf
    >>> s = tf.IndexedSlices(tf.constant([[1.0], [2.0]]), tf.constant([0, 0]), tf.constant([3, 1]))
    >>> print(tf.convert_to_tensor(s))
    tf.Tensor(
    [[3.]
     [0.]
     [0.]], shape=(3, 1), dtype=float32)
    """

    __slots__ = ("dense_shape", "indices", "values")

    def __init__(self, values: Tensor, indices: Tensor, dense_shape: Tensor | None = None) -> None:
        self.values = values
        self.indices = indices
        self.dense_shape = dense_shape

    @property
    def dtype(self) -> Any:
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        if self.dense_shape is None:
            return TensorShape([None, *self.values.shape.as_list()[1:]])
        return TensorShape([int(d) for d in self.dense_shape.numpy()])

    def _to_dense(self) -> Tensor:
        if self.dense_shape is None:
            raise ValueError("Cannot densify an IndexedSlices without dense_shape.")
        rows = int(self.dense_shape.numpy()[0])
        return bind(_densify, self.values, self.indices, rows=rows)

    def numpy(self) -> Any:
        return self._to_dense().numpy()

    def __repr__(self) -> str:
        return f"IndexedSlices(indices={self.indices!r}, values={self.values!r}, dense_shape={self.dense_shape!r})"
