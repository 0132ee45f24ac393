"""Distributed datasets: ``tf.data`` batches split into per-replica batches (``PerReplica`` elements)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import jax

from tapejax._src import errors
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.ops import array_ops, shape_ops
from tapejax._src.tensor import Tensor

if TYPE_CHECKING:
    from tapejax._src.distribute.strategy import InputContext, Strategy


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase))


class DistributedDataset:
    """What ``experimental_distribute_dataset`` / ``distribute_datasets_from_function`` return
    (``tf.distribute.DistributedDataset``): iterate it (``for x in dist_dataset``, ``iter``) for per-replica
    elements, each tensor of the dataset's element a ``PerReplica`` value."""

    def __init__(
        self,
        strategy: Strategy,
        dataset: Any = None,
        dataset_fn: Callable[[InputContext], Any] | None = None,
    ) -> None:
        self._strategy = strategy
        self._dataset = dataset
        self._dataset_fn = dataset_fn

    def __iter__(self) -> DistributedIterator:
        from tapejax._src.distribute.strategy import InputContext

        n = self._strategy.num_replicas_in_sync
        if self._dataset_fn is not None:
            dataset = self._dataset_fn(InputContext(1, 0, n))
            return DistributedIterator(self._strategy, iter(dataset), per_replica=True)
        return DistributedIterator(self._strategy, iter(self._dataset), per_replica=False)

    @property
    def element_spec(self) -> Any:
        """The element spec of the underlying dataset (each replica's element has it, batch dims unknown)."""
        if self._dataset is None:
            raise ValueError("element_spec of a dataset from distribute_datasets_from_function: iterate it first.")
        return self._dataset.element_spec


class DistributedIterator:
    """An iterator over a :class:`DistributedDataset` (``tf.distribute.DistributedIterator``)."""

    def __init__(self, strategy: Strategy, iterator: Iterator[Any], per_replica: bool) -> None:
        self._strategy = strategy
        self._iterator = iterator
        self._per_replica = per_replica

    def __iter__(self) -> DistributedIterator:
        return self

    def __next__(self) -> Any:
        strategy = self._strategy
        n = strategy.num_replicas_in_sync
        if self._per_replica:
            # One element per replica, in turn (TF's single input pipeline feeding every replica).
            rows = [next(self._iterator)]
            for _ in range(n - 1):
                try:
                    rows.append(next(self._iterator))
                except StopIteration:
                    raise errors.OutOfRangeError(
                        None,
                        None,
                        f"distribute_datasets_from_function: the dataset ended after {len(rows)} of the {n} "
                        "per-replica elements of a step; make its length a multiple of num_replicas_in_sync "
                        "(or repeat it).",
                    ) from None
            if n == 1:
                return rows[0]
            flat = [jax.tree_util.tree_flatten(r, is_leaf=_is_tensor)[0] for r in rows]
            tree = jax.tree_util.tree_structure(rows[0], is_leaf=_is_tensor)
            leaves = []
            for col in zip(*flat, strict=True):
                shapes = {tuple(x.shape) for x in col}
                if len(shapes) != 1:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"distribute_datasets_from_function: the replicas' elements differ in shape {sorted(shapes)}.",
                    )
                leaves.append(strategy._per_replica(shape_ops.stack(list(col))))
            return jax.tree_util.tree_unflatten(tree, leaves)
        element = next(self._iterator)
        if n == 1:
            return element
        return jax.tree_util.tree_map(lambda x: self._split(x), element, is_leaf=_is_tensor)

    def _split(self, x: Any) -> Any:
        n = self._strategy.num_replicas_in_sync
        x = x if _is_tensor(x) else Tensor(x)
        shape = tuple(x.shape)
        if not shape or shape[0] % n:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"experimental_distribute_dataset: a batch of shape {list(shape)} does not split evenly over "
                f"{n} replicas (tapejax gives every replica the same batch size). Fix: batch with a global "
                "batch size divisible by num_replicas_in_sync and drop_remainder=True.",
            )
        return self._strategy._per_replica(array_ops.reshape(x, (n, shape[0] // n, *shape[1:])))

    def get_next(self) -> Any:
        """The next per-replica element; ``OutOfRangeError`` at the end (TF's ``get_next``)."""
        try:
            return next(self)
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None
