"""``tf.distribute.MirroredStrategy`` and ``OneDeviceStrategy``: synchronous data parallelism on one host."""

from __future__ import annotations

from typing import Any

import jax

from tapejax._src.distribute import devices as devices_lib
from tapejax._src.distribute.strategy import Strategy


class MirroredStrategy(Strategy):
    """Synchronous data parallelism over this host's devices (``tf.distribute.MirroredStrategy``).

    Variables created in ``scope()`` (layers' weights, optimizer slots) are replicated over a
    ``jax.sharding.Mesh`` of the devices (a ``NamedSharding`` with no partitioned axis). ``run(fn, args)``
    runs ``fn`` on each replica's batch as ONE compiled program over the global batch sharded along the
    mesh's ``"data"`` axis; ``optimizer.apply_gradients`` inside it sums the replicas' gradients (XLA's
    all-reduce) and applies one update, as TF. Divide the loss by the global batch size
    (``tf.nn.compute_average_loss``) so that the sum is the global batch's mean gradient.

    Args:
      devices: device names (``["/cpu:0", "/cpu:1"]``, ``"/gpu:0"``); None: every GPU/TPU, else every CPU
        device (``tf.config.set_logical_device_configuration`` makes several).
      cross_device_ops: accepted and ignored: XLA chooses the all-reduce.

    Raises:
      ValueError: an unknown device, a device named twice, or no device.

    Differences from TensorFlow: TF runs ``fn`` once per replica, each in its own thread; tapejax
    traces it once (Python side effects such as ``print`` run once) under ``jax.vmap`` over the replicas
    and compiles it, also when ``run`` is called eagerly. Per-replica batches have equal sizes: a
    global batch that does not split evenly over the replicas raises (TF gives the last replicas fewer
    examples). Random ops draw the same numbers on every replica.

    >>> import tapejax as tf
    >>> strategy = tf.distribute.MirroredStrategy()
    >>> with strategy.scope():
    ...     v = tf.Variable(1.0)
    >>> strategy.num_replicas_in_sync
    1
    """

    def __init__(self, devices: Any = None, cross_device_ops: Any = None) -> None:
        if devices is None:
            chosen = devices_lib.local_devices()
        else:
            names = [devices] if isinstance(devices, str) else list(devices)
            chosen = [devices_lib.jax_device(d) for d in names]
            if not chosen:
                raise ValueError("Must specify at least one device.")
            if len(set(chosen)) != len(chosen):
                raise ValueError(f"No duplicates allowed in `devices` argument: {names}")
        super().__init__(chosen)


class OneDeviceStrategy(Strategy):
    """Everything on one device (``tf.distribute.OneDeviceStrategy``): one replica, Variables placed there.

    >>> import tapejax as tf
    >>> strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> print(strategy.run(lambda x: x * 2.0, args=(tf.constant(3.0),)))
    tf.Tensor(6.0, shape=(), dtype=float32)
    """

    def __init__(self, device: Any) -> None:
        super().__init__([devices_lib.jax_device(device)])


class TPUStrategy(MirroredStrategy):
    """``MirroredStrategy`` over the TPU cores JAX sees (``tf.distribute.TPUStrategy``).

    Args:
      tpu_cluster_resolver: accepted and ignored (JAX finds its TPUs itself).
      experimental_device_assignment, experimental_spmd_xla_partitioning: accepted and ignored.

    Raises:
      ValueError: where JAX has no TPU.

    Differences from TensorFlow: no ``tf.tpu.experimental.initialize_tpu_system`` step is needed, and the
    replica function runs as ``MirroredStrategy``'s does (one SPMD program over the cores).
    """

    def __init__(
        self,
        tpu_cluster_resolver: Any = None,
        experimental_device_assignment: Any = None,
        experimental_spmd_xla_partitioning: bool = False,
    ) -> None:
        tpus = [d for d in jax.devices() if d.platform == "tpu"]
        if not tpus:
            raise ValueError(
                f"TPUStrategy: JAX sees no TPU (its devices: {jax.devices()}); use MirroredStrategy for GPUs and CPUs."
            )
        Strategy.__init__(self, tpus)
