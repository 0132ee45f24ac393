"""``tf.distribute.ReduceOp``: how values of replicas combine."""

from __future__ import annotations

import enum
from typing import Any


class ReduceOp(enum.Enum):
    """How values of replicas combine (``tf.distribute.ReduceOp``): ``SUM`` or ``MEAN``.

    >>> import tapejax as tf
    >>> tf.distribute.ReduceOp("MEAN")
    <ReduceOp.MEAN: 'MEAN'>
    """

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation: Any) -> ReduceOp:
        """The reduce op of a ``tf.VariableAggregation`` (``SUM`` or ``MEAN``).

        Raises:
          ValueError: for ``NONE`` and ``ONLY_FIRST_REPLICA`` (TF's message).
        """
        name = getattr(aggregation, "name", None)
        if name == "SUM":
            return ReduceOp.SUM
        if name == "MEAN":
            return ReduceOp.MEAN
        raise ValueError(
            f"Could not convert from `tf.VariableAggregation` {aggregation} to`tf.distribute.ReduceOp` type"
        )


def as_reduce_op(reduce_op: Any, where: str) -> ReduceOp:
    """``reduce_op`` (a ReduceOp or its name, as TF accepts) as a ReduceOp, or TF's ValueError."""
    if isinstance(reduce_op, ReduceOp):
        return reduce_op
    try:
        return ReduceOp(reduce_op)
    except ValueError:
        raise ValueError(
            f"{where}: '{reduce_op}' is not a valid ReduceOp; use tf.distribute.ReduceOp.SUM or MEAN."
        ) from None
