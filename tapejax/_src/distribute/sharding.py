"""``tapejax.distribute.shard``: a Variable partitioned over a mesh axis (beyond TF: tensor parallelism)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from tapejax._src.distribute import context


def shard(variable: Any, spec: Sequence[str | None], mesh: Mesh | None = None) -> Any:
    """Partitions ``variable`` over mesh axes: dimension ``i`` is split along the axis ``spec[i]`` names.

    The value is laid out as ``NamedSharding(mesh, PartitionSpec(*spec))``: each device holds its block.
    Every later program (ops, ``tf.function``, ``strategy.run``) reads it where it lies, and XLA's SPMD
    partitioner carries the partitioning through the computation, inserting the collectives it needs;
    the optimizer's update keeps the layout. A ``None`` entry (or a missing trailing one) keeps that
    dimension whole.

    Args:
      variable: a ``tf.Variable``.
      spec: one mesh axis name (or None) per leading dimension, e.g. ``("model", None)`` to split the
        rows of a matrix.
      mesh: the ``jax.sharding.Mesh``; default: the current strategy's mesh inside its ``scope()`` (axis
        ``"data"``), else a one-axis mesh over all of this process's devices, named as ``spec``'s one axis.

    Returns:
      ``variable``, now partitioned.

    Raises:
      ValueError: ``spec`` longer than the variable's rank, an axis the mesh lacks, several axis names
        without a mesh, or a dimension the axis's device count does not divide.

    >>> import tapejax as tf
    >>> w = tf.Variable(tf.zeros((4, 2)))
    >>> w = tf.distribute.shard(w, ("model", None))
    >>> w.shape
    TensorShape([4, 2])
    """
    spec = tuple(spec)
    shape = tuple(variable.shape)
    name = getattr(variable, "name", "?")
    if len(spec) > len(shape):
        raise ValueError(f"shard: the spec {spec} has more entries than Variable '{name}' has dimensions {shape}.")
    if mesh is None:
        strategy = context.current_strategy()
        if strategy is not None:
            mesh = strategy._mesh
        else:
            names = {a for a in spec if a is not None}
            if len(names) > 1:
                raise ValueError(
                    f"shard: the spec {spec} names several mesh axes; pass the mesh (a jax.sharding.Mesh)."
                )
            mesh = Mesh(np.array(jax.local_devices()), (names.pop() if names else "model",))
    for dim, axis in zip(shape, spec, strict=False):
        if axis is None:
            continue
        if axis not in mesh.axis_names:
            raise ValueError(f"shard: the mesh has no axis {axis!r} (its axes: {mesh.axis_names}).")
        size = mesh.shape[axis]
        if dim % size:
            raise ValueError(
                f"shard: dimension {dim} of Variable '{name}' {shape} does not split evenly over the {size} devices "
                f"of mesh axis {axis!r}."
            )
    variable._assign_array(jax.device_put(variable._value, NamedSharding(mesh, PartitionSpec(*spec))))
    return variable
