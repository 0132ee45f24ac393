"""``tf.distribute.Strategy``: the base of the strategies, their replica context, and the default strategy."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.distribute import collectives, context
from tapejax._src.distribute.reduce_util import ReduceOp, as_reduce_op
from tapejax._src.distribute.values import PerReplica
from tapejax._src.ops import array_ops, math_ops, reduction_ops, shape_ops
from tapejax._src.tensor import Tensor

DATA_AXIS = "data"  # the mesh axis the replicas (and the batch) are laid along

# Every strategy made, by its mesh: Keras' fit finds the one a model's weights are replicated over.
strategies_by_mesh: weakref.WeakValueDictionary[Any, Strategy] = weakref.WeakValueDictionary()


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase))


class ReplicaContext:
    """The context of one replica inside ``strategy.run`` (``tf.distribute.ReplicaContext``).

    ``tf.distribute.get_replica_context()`` returns it; outside every scope it is the default
    strategy's (one replica).
    """

    def __init__(self, strategy: Strategy, collective: bool, gradient_reduce: str = "SUM") -> None:
        self._strategy = strategy
        self._collective = collective  # inside the replicas' vmapped program (several replicas)
        # How optimizer.apply_gradients combines the replicas' gradients: TF's SUM; Keras' fit: MEAN.
        self._gradient_reduce = gradient_reduce

    @property
    def strategy(self) -> Strategy:
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        """How many replicas run this step together."""
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Tensor:
        """This replica's index, an int32 Tensor (0 with one replica)."""
        if self._collective:
            return collectives.replica_id()
        return Tensor(np.int32(0))

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        """``value`` (a nested structure of tensors) reduced over the replicas: the same result in each.

        The reduction is XLA's all-reduce inside the step's compiled program; it is differentiable
        (the gradient of a ``SUM`` is the ``SUM`` of the replicas' gradients).
        """
        op = as_reduce_op(reduce_op, "ReplicaContext.all_reduce")
        if not self._collective:
            return value
        return jax.tree_util.tree_map(lambda x: collectives.all_reduce(x, op.value), value, is_leaf=_is_tensor)

    def all_gather(self, value: Any, axis: int, options: Any = None) -> Any:
        """The replicas' ``value``\\s (a nested structure) concatenated along ``axis``, in replica order."""
        if not self._collective:
            return value
        return jax.tree_util.tree_map(lambda x: collectives.all_gather(x, axis), value, is_leaf=_is_tensor)

    def __repr__(self) -> str:
        return f"<tapejax ReplicaContext of {type(self._strategy).__name__}>"


class InputContext:
    """What a ``distribute_datasets_from_function`` dataset function is told (``tf.distribute.InputContext``)."""

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0, num_replicas_in_sync: int = 1) -> None:
        self._num_input_pipelines = num_input_pipelines
        self._input_pipeline_id = input_pipeline_id
        self._num_replicas_in_sync = num_replicas_in_sync

    @property
    def num_input_pipelines(self) -> int:
        return self._num_input_pipelines

    @property
    def input_pipeline_id(self) -> int:
        return self._input_pipeline_id

    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        """``global_batch_size // num_replicas_in_sync``.

        Raises:
          ValueError: if it does not divide evenly (TF's message).
        """
        if global_batch_size % self._num_replicas_in_sync != 0:
            raise ValueError(
                f"The `global_batch_size` {global_batch_size!r} is not divisible by `num_replicas_in_sync` "
                f"{self._num_replicas_in_sync!r}"
            )
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self) -> str:
        return f"tf.distribute.InputContext(input pipeline id {self._input_pipeline_id}, total: {self._num_input_pipelines})"


class StrategyExtended:
    """``strategy.extended``: the strategy's devices."""

    def __init__(self, strategy: Strategy) -> None:
        self._strategy = strategy

    @property
    def worker_devices(self) -> tuple[str, ...]:
        """The replicas' device names, TF's long form."""
        return tuple(_long_name(d) for d in self._strategy._devices)

    @property
    def parameter_devices(self) -> tuple[str, ...]:
        return self.worker_devices


def _long_name(d: Any) -> str:
    kind = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}.get(d.platform, d.platform.upper())
    index = jax.devices(d.platform).index(d) if d.platform == "cpu" else d.id
    return f"/job:localhost/replica:0/task:{d.process_index}/device:{kind}:{index}"


class Strategy:
    """The interface of the strategies (``tf.distribute.Strategy``); see :class:`MirroredStrategy`.

    A strategy owns a ``jax.sharding.Mesh`` over its devices with one axis, ``"data"``: Variables are
    replicated over it, per-replica values are sharded along it.
    """

    def __init__(self, devices: list[Any]) -> None:
        self._devices = list(devices)
        self._mesh = Mesh(np.array(self._devices), (DATA_AXIS,))
        self._replicated = NamedSharding(self._mesh, PartitionSpec())
        self._split = NamedSharding(self._mesh, PartitionSpec(DATA_AXIS))
        self._extended = StrategyExtended(self)
        self._run_functions: dict[Any, Any] = {}  # fn -> its compiled run (replica_run)
        self._assigned: dict[Any, list[Any]] = {}  # fn -> the Variables it assigns (replica_run)
        strategies_by_mesh[self._mesh] = self

    # -- properties ----------------------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self) -> int:
        """How many replicas run each step."""
        return len(self._devices)

    @property
    def extended(self) -> StrategyExtended:
        return self._extended

    @property
    def mesh(self) -> Mesh:
        """The ``jax.sharding.Mesh`` of the replicas' devices (axis ``"data"``): beyond TF."""
        return self._mesh

    # -- scope ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        """Makes this the current strategy: Variables created inside are replicated on its devices.

        Raises:
          RuntimeError: inside the scope of another strategy (TF's message).
        """
        current = context.current_strategy()
        if current is not None and current is not self:
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {current} is not {self}")
        context.push(self, None)
        try:
            yield self
        finally:
            context.pop()

    def _place_variable(self, value: Any) -> Any:
        if isinstance(value, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
            return value
        with jax.ensure_compile_time_eval():
            if jax.process_count() == 1:
                return jax.device_put(value, self._replicated)
            # Several processes: every one takes the first one's initial value, as TF's multi-worker strategy;
            # a Variable made while a program is traced (an optimizer slot: zeros) cannot broadcast, nor needs to.
            host = np.asarray(value)
            try:
                host = np.asarray(multihost_utils.broadcast_one_to_all(host))
            except ValueError as e:
                if "jax.jit" not in str(e):
                    raise
            return jax.make_array_from_callback(host.shape, self._replicated, lambda index: host[index])

    # -- running -------------------------------------------------------------------------------------
    def run(self, fn: Callable[..., Any], args: Any = (), kwargs: Any = None, options: Any = None) -> Any:
        """Runs ``fn(*args, **kwargs)`` on each replica; returns its outputs as ``PerReplica`` values.

        A ``PerReplica`` argument gives each replica its own value; other arguments are the same for
        all. See :func:`~tapejax._src.distribute.replica_run.run_replicas` for how it compiles.
        """
        from tapejax._src.distribute import replica_run

        return replica_run.run_replicas(self, fn, tuple(args), dict(kwargs or {}))

    def reduce(self, reduce_op: Any, value: Any, axis: Any) -> Any:
        """Combines a per-replica ``value`` (nested structures too) into one value, in cross-replica context.

        Args:
          reduce_op: ``tf.distribute.ReduceOp.SUM`` or ``MEAN`` (or ``"SUM"`` / ``"MEAN"``).
          value: ``PerReplica`` values (from ``run``) or plain tensors (the same on every replica).
          axis: None to combine the replicas' values; an axis to reduce along it as well (``MEAN``:
            over every example of every replica, as TF).

        Raises:
          ValueError: ``SUM`` of a plain tensor over several replicas with ``axis=None`` (TF's message).
        """
        op = as_reduce_op(reduce_op, f"{type(self).__name__}.reduce")
        return jax.tree_util.tree_map(
            lambda v: self._reduce_one(op, v, axis), value, is_leaf=lambda x: isinstance(x, PerReplica) or _is_tensor(x)
        )

    def _reduce_one(self, op: ReduceOp, value: Any, axis: Any) -> Any:
        n = self.num_replicas_in_sync
        if isinstance(value, PerReplica):
            stacked = value.stacked
        else:
            value = value if _is_tensor(value) else array_ops.convert_to_tensor(value)
            if axis is None:
                if op is ReduceOp.MEAN or n == 1:
                    return value
                raise ValueError(
                    f"A non-DistributedValues value {value} cannot be reduced with the given reduce op {op}."
                )
            stacked = shape_ops.stack([value] * n)
        if axis is None:
            return (reduction_ops.reduce_sum if op is ReduceOp.SUM else reduction_ops.reduce_mean)(stacked, axis=0)
        rank = len(stacked.shape)
        axis = int(axis) % (rank - 1) + 1
        total = reduction_ops.reduce_sum(stacked, axis=[0, axis])
        if op is ReduceOp.SUM:
            return total
        return math_ops.divide(total, math_ops.cast(stacked.shape[0] * stacked.shape[axis], total.dtype))

    def gather(self, value: Any, axis: int) -> Any:
        """The replicas' values (``PerReplica``, nested structures too) concatenated along ``axis``, in replica
        order; a plain tensor is returned as it is (``strategy.gather``)."""

        def one(v: Any) -> Any:
            return shape_ops.concat(list(v.values), axis) if isinstance(v, PerReplica) else v

        return jax.tree_util.tree_map(one, value, is_leaf=lambda x: isinstance(x, PerReplica) or _is_tensor(x))

    def experimental_local_results(self, value: Any) -> Any:
        """The per-replica values of ``value`` as a tuple (a plain value: a 1-tuple), nested structures too;
        of this process's replicas only when there are several processes."""
        if isinstance(value, PerReplica):
            array = value.stacked._value
            if getattr(array, "is_fully_addressable", True):
                return value.values
            shards = sorted(array.addressable_shards, key=lambda shard: shard.index[0].start or 0)
            return tuple(Tensor(shard.data[0]) for shard in shards)
        leaves, tree = jax.tree_util.tree_flatten(value, is_leaf=lambda x: isinstance(x, PerReplica) or _is_tensor(x))
        if not any(isinstance(x, PerReplica) for x in leaves):
            return (value,)
        per = [x.values if isinstance(x, PerReplica) else (x,) * self.num_replicas_in_sync for x in leaves]
        return tuple(jax.tree_util.tree_unflatten(tree, list(row)) for row in zip(*per, strict=True))

    def experimental_distribute_values_from_function(self, value_fn: Callable[[Any], Any]) -> Any:
        """``PerReplica`` values made by ``value_fn(ValueContext)`` for each replica."""
        n = self.num_replicas_in_sync
        rows = [value_fn(ValueContext(i, n)) for i in range(n)]
        leaves = [jax.tree_util.tree_flatten(r, is_leaf=_is_tensor)[0] for r in rows]
        tree = jax.tree_util.tree_structure(rows[0], is_leaf=_is_tensor)
        out = [
            self._per_replica(shape_ops.stack([array_ops.convert_to_tensor(x) for x in col]))
            for col in zip(*leaves, strict=True)
        ]
        return jax.tree_util.tree_unflatten(tree, out)

    def _per_replica(self, stacked: Tensor) -> PerReplica:
        """``stacked`` (leading replica axis) placed one replica per device, as a PerReplica."""
        if jax.process_count() == 1:
            return PerReplica(Tensor(jax.device_put(stacked._value, self._split)))
        host = np.asarray(stacked._value)  # (every process has the whole value; each places its devices' rows)
        return PerReplica(Tensor(jax.make_array_from_callback(host.shape, self._split, lambda index: host[index])))

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """The dataset's global batches split into per-replica batches (``PerReplica`` elements).

        Raises:
          InvalidArgumentError: (while iterating) a batch that does not split evenly over the replicas.
        """
        from tapejax._src.distribute.input_lib import DistributedDataset

        return DistributedDataset(self, dataset=dataset)

    def distribute_datasets_from_function(self, dataset_fn: Callable[[InputContext], Any], options: Any = None) -> Any:
        """Per-replica batches from ``dataset_fn(input_context)``: one dataset whose consecutive elements go
        to replicas 0, 1, ... in turn (one input pipeline, as TF on one worker)."""
        from tapejax._src.distribute.input_lib import DistributedDataset

        return DistributedDataset(self, dataset_fn=dataset_fn)

    def __repr__(self) -> str:
        return f"<tapejax.distribute.{type(self).__name__} on {len(self._devices)} device(s)>"


class ValueContext:
    """What ``experimental_distribute_values_from_function`` tells its function (``tf.distribute.experimental.ValueContext``)."""

    def __init__(self, replica_id_in_sync_group: int = 0, num_replicas_in_sync: int = 1) -> None:
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync


class _DefaultDistributionStrategy(Strategy):
    """The strategy in effect outside every scope: one replica, the default device, no mesh sharding."""

    def __init__(self) -> None:
        self._devices_cache: list[Any] | None = None
        self._extended = StrategyExtended(self)
        self._run_functions = {}
        self._assigned = {}

    @property
    def _devices(self) -> list[Any]:  # type: ignore[override]
        if self._devices_cache is None:  # (not at import: that would start JAX's backends)
            self._devices_cache = [jax.devices()[0]]
        return self._devices_cache

    @property
    def mesh(self) -> Mesh:
        return Mesh(np.array(self._devices), (DATA_AXIS,))

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        yield self

    def _place_variable(self, value: Any) -> Any:
        return value

    def run(self, fn: Callable[..., Any], args: Any = (), kwargs: Any = None, options: Any = None) -> Any:
        return fn(*args, **dict(kwargs or {}))  # (the default replica context is already current)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        return dataset

    def distribute_datasets_from_function(self, dataset_fn: Callable[[InputContext], Any], options: Any = None) -> Any:
        return dataset_fn(InputContext())

    def experimental_distribute_values_from_function(self, value_fn: Callable[[Any], Any]) -> Any:
        return value_fn(ValueContext())


_DEFAULT = _DefaultDistributionStrategy()


def get_strategy() -> Strategy:
    """The current strategy: the innermost ``scope()``'s, or the default strategy.

    >>> import tapejax as tf
    >>> tf.distribute.get_strategy().num_replicas_in_sync
    1
    """
    return context.current_strategy() or _DEFAULT


def has_strategy() -> bool:
    """Whether a (non-default) strategy's scope is entered."""
    return context.current_strategy() is not None


def in_cross_replica_context() -> bool:
    """Whether inside a strategy's ``scope()`` but not inside its ``run`` (TF's cross-replica context)."""
    strategy, replica = context.current()
    return strategy is not None and replica is None


def get_replica_context() -> ReplicaContext | None:
    """The replica context inside ``strategy.run`` (or the default one outside every scope); None in
    the cross-replica context (inside ``scope()``, outside ``run``)."""
    strategy, replica = context.current()
    if strategy is None:
        return ReplicaContext(_DEFAULT, collective=False)
    return replica


def get_cross_replica_context() -> Strategy | None:
    """The current strategy in its cross-replica context, the default strategy outside every scope,
    None inside ``run``."""
    strategy, replica = context.current()
    if strategy is None:
        return _DEFAULT
    return strategy if replica is None else None
