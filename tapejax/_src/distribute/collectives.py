"""Cross-replica ops inside ``strategy.run``: XLA's all-reduce and all-gather over the replica axis.

``strategy.run`` runs the replica function under ``jax.vmap`` with the axis name :data:`AXIS` and the
mesh's data axis as ``spmd_axis_name``; inside the one compiled program, ``lax.psum`` over that axis
is what XLA's SPMD partitioner turns into an all-reduce between the devices. Each collective is an op
of the op table, so tapes record it and JAX supplies its gradient.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from tapejax._src.core import Op, bind
from tapejax._src.tensor import Tensor

AXIS = "tapejax_replica"  # the vmap axis name of the replicas (kept apart from user axis names)


def _all_reduce_impl(x: Any, *, reduce_op: str) -> Any:
    if reduce_op == "SUM":
        return jax.lax.psum(x, AXIS)
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF's integer mean divides as integers
        return jax.lax.psum(x, AXIS) // jax.lax.psum(jnp.ones((), x.dtype), AXIS)
    return jax.lax.pmean(x, AXIS)


def _all_gather_impl(x: Any, *, axis: int) -> Any:
    return jax.lax.all_gather(x, AXIS, axis=axis, tiled=True)


# (defer=False: a collective only means something inside the replicas' program, never queued outside it)
_all_reduce = Op("CollectiveReduceV2", _all_reduce_impl, defer=False)
_all_gather = Op("CollectiveGatherV2", _all_gather_impl, defer=False)


def all_reduce(value: Any, reduce_op: str) -> Tensor:
    """``value`` summed (``"SUM"``) or averaged (``"MEAN"``) over the replicas of the running step."""
    return bind(_all_reduce, value, reduce_op=reduce_op)


def all_gather(value: Any, axis: int) -> Tensor:
    """The replicas' ``value``\\s concatenated along ``axis``."""
    return bind(_all_gather, value, axis=axis)


def replica_id() -> Tensor:
    """This replica's index (int32) in the running step."""
    return Tensor(jax.lax.axis_index(AXIS).astype(jnp.int32))
