"""The entry of the op-gradient table (tests/test_op_gradients.py and tests/op_cases_*.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    tf_fn: Callable[..., Any]  # f(*tapejax tensors) -> tensor
    jnp_fn: Callable[..., Any]  # the same program on jax arrays
    shapes: tuple[tuple[int, ...], ...]
    domain: str = "any"  # "any", "pos" (0.5..2), "unit" (-0.9..0.9), "spd" (symmetric positive definite)
    # Orders of the float64 numerical check. 0 where TF's gradient is by definition not the true
    # derivative (stop_gradient); 1 where only TF's second derivative is not (moments stops the
    # gradient through the mean inside the variance, as TF does).
    numeric_order: int = 2
