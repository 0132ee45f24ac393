"""Linear algebra (``tf.linalg``)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from tapejax._src.core import Op, bind
from tapejax._src.tensor import Tensor


def _matmul_impl(a: Any, b: Any, *, transpose_a: bool, transpose_b: bool, adjoint_a: bool, adjoint_b: bool) -> Any:
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        if adjoint_a:
            a = jnp.conj(a)
    if transpose_b or adjoint_b:
        b = jnp.swapaxes(b, -1, -2)
        if adjoint_b:
            b = jnp.conj(b)
    return jnp.matmul(a, b)


_matmul = Op("MatMul", _matmul_impl, same_dtype=True)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    name: str | None = None,
) -> Tensor:
    """Matrix product of (batched) matrices ``a @ b`` (``tf.linalg.matmul``).

    Both operands must have rank >= 2 and the same dtype.

    Raises:
      InvalidArgumentError: on rank < 2, mismatched inner dimensions or dtypes.

    >>> import tapejax as tf
    >>> print(tf.matmul(tf.constant([[1.0, 2.0]]), tf.constant([[3.0], [4.0]])))
    tf.Tensor([[11.]], shape=(1, 1), dtype=float32)
    """
    return bind(
        _matmul, a, b,
        transpose_a=bool(transpose_a), transpose_b=bool(transpose_b),
        adjoint_a=bool(adjoint_a), adjoint_b=bool(adjoint_b),
    )  # fmt: skip
