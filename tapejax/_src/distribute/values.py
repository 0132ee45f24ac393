"""``PerReplica``: one value per replica, held as ONE array with a leading replica axis.

The replica axis is sharded over the strategy's mesh (replica ``i``'s value lives on device ``i``), so a
program over the stacked array is XLA's data-parallel program (one jit, SPMD-partitioned).
"""

from __future__ import annotations

from typing import Any

import jax

from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.ops import array_ops
from tapejax._src.tensor import Tensor


class PerReplica:
    """A value that differs between replicas (``tf.distribute.DistributedValues`` of ``strategy.run``).

    ``values`` holds one Tensor per replica; ``strategy.experimental_local_results`` returns them, and
    ``strategy.reduce`` combines them. Passed to ``strategy.run``, replica ``i`` gets ``values[i]``.

    Differences from TensorFlow: the values are rows of one array whose leading (replica) axis is
    sharded over the devices (``stacked``), so every replica's value has the same shape.

    >>> import tapejax as tf
    >>> strategy = tf.distribute.MirroredStrategy()
    >>> x = strategy.experimental_distribute_values_from_function(lambda ctx: tf.constant(2.0))
    >>> strategy.experimental_local_results(x)
    (<tf.Tensor: shape=(), dtype=float32, numpy=2.0>,)
    """

    __slots__ = ("_stacked",)

    def __init__(self, stacked: Any) -> None:
        self._stacked = stacked if isinstance(stacked, (TensorBase, VariableBase)) else Tensor(stacked)

    @property
    def stacked(self) -> Tensor:
        """The replicas' values stacked along a leading axis (sharded over the strategy's devices)."""
        return self._stacked

    @property
    def values(self) -> tuple[Tensor, ...]:
        """The value of each replica, in replica order."""
        return tuple(array_ops.unstack(self._stacked))

    def _text(self, show: Any) -> str:
        rows = "".join(f"  {i}: {show(v)},\n" for i, v in enumerate(self.values))
        return f"{type(self).__name__}:{{\n{rows[:-2]}\n}}" if rows else f"{type(self).__name__}:{{}}"

    def __repr__(self) -> str:
        return self._text(repr)

    def __str__(self) -> str:
        return self._text(str)


jax.tree_util.register_pytree_node(PerReplica, lambda p: ((p._stacked,), None), lambda _, c: PerReplica(c[0]))


def is_per_replica(x: Any) -> bool:
    return isinstance(x, PerReplica)
