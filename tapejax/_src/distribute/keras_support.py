"""Keras' ``fit`` / ``evaluate`` / ``predict`` for a model whose weights were made in a strategy's ``scope()``.

As Keras 3 on TF, the model trains with the strategy it was created under: each compiled step splits the
global batch over the replicas and runs the model's ``train_step`` / ``test_step`` / ``predict_step`` in
``strategy.run``; the logs are the replicas' (synchronized) metric results, predictions are concatenated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.distribute import replica_run
from tapejax._src.distribute.strategy import Strategy, strategies_by_mesh
from tapejax._src.distribute.values import PerReplica
from tapejax._src.ops import array_ops


def strategy_of(model: Any) -> Strategy | None:
    """The several-replica strategy whose mesh ``model``'s weights are replicated over, or None."""
    for v in getattr(model, "weights", ()):
        sharding = getattr(v._v, "sharding", None)
        mesh = getattr(sharding, "mesh", None)
        if mesh is not None:
            strategy = strategies_by_mesh.get(mesh)
            if strategy is not None and strategy.num_replicas_in_sync > 1:
                return strategy
        return None
    return None


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase))


def distributed_step(model: Any, step: Callable[[Any], Any], collect: bool) -> Callable[[Any], Any]:
    """``step`` run on each replica's part of a global batch, if ``model`` belongs to a several-replica strategy.

    The gradients the optimizer applies inside are averaged over the replicas (each replica's loss is its
    batch's mean): Keras 3 on TF divides each replica's loss by the replica count and sums, the same
    gradient. ``collect`` (predict): the replicas' outputs concatenated in batch order; otherwise (logs)
    replica 0's, which every replica shares once the metrics' ``sum`` Variables are combined. A batch
    that does not split evenly over the replicas (an epoch's last) runs whole, as one program over the
    replicated weights (TF gives the last replicas fewer examples).
    """
    strategy = strategy_of(model)
    if strategy is None:
        return step
    n = strategy.num_replicas_in_sync

    def split(x: Any) -> Any:
        shape = tuple(x.shape)
        return PerReplica(array_ops.reshape(x, (n, shape[0] // n, *shape[1:])))

    def merge(x: Any) -> Any:
        if not isinstance(x, PerReplica):
            return x
        stacked = x.stacked
        if not collect:
            return stacked[0]
        shape = tuple(stacked.shape)
        return array_ops.reshape(stacked, (shape[0] * shape[1], *shape[2:])) if len(shape) > 1 else stacked

    def run(batch: Any) -> Any:
        leaves = [x for x in jax.tree_util.tree_leaves(batch, is_leaf=_is_tensor) if x is not None]
        if any(not x.shape or x.shape[0] % n for x in leaves):
            # A batch that does not split evenly (the last of an epoch): the step on the whole batch, the
            # replicated weights read where they lie; the same mean gradient and metrics as split.
            return step(batch)
        per_replica = jax.tree_util.tree_map(split, batch, is_leaf=_is_tensor)
        out = replica_run.run_replicas(strategy, step, (per_replica,), {}, gradient_reduce="MEAN")
        return jax.tree_util.tree_map(merge, out, is_leaf=lambda x: isinstance(x, PerReplica) or _is_tensor(x))

    return run
