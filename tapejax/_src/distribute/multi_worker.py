"""``tf.distribute.MultiWorkerMirroredStrategy``: the mirrored strategy over several processes (``jax.distributed``)."""

from __future__ import annotations

import json
import os
from typing import Any

import jax

from tapejax._src.distribute.strategy import Strategy, StrategyExtended


def cluster_from_tf_config(environ: Any = None) -> tuple[str, int, int] | None:
    """``(coordinator address, process count, process id)`` from ``TF_CONFIG`` as TF reads it, or None.

    The processes are the ``chief`` (if any), then the ``worker`` tasks, in order; the coordinator is the
    first one's address. None without ``TF_CONFIG`` or with a single task.

    Raises:
      ValueError: a ``TF_CONFIG`` that is not JSON, or a task that is not in the cluster.

    >>> cluster_from_tf_config({"TF_CONFIG": '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}'})
    ('a:1', 2, 1)
    """
    text = (os.environ if environ is None else environ).get("TF_CONFIG", "") or "{}"
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from None
    return _cluster_of(
        config.get("cluster", {}), config.get("task", {}).get("type"), config.get("task", {}).get("index")
    )


def _cluster_of(cluster: dict[str, Any], task_type: Any, task_id: Any) -> tuple[str, int, int] | None:
    chief = list(cluster.get("chief", []))
    workers = list(cluster.get("worker", []))
    tasks = chief + workers
    if len(tasks) <= 1:
        return None
    if task_type == "chief":
        process_id = int(task_id or 0)
    elif task_type == "worker" and task_id is not None and int(task_id) < len(workers):
        process_id = len(chief) + int(task_id)
    else:
        raise ValueError(
            f"MultiWorkerMirroredStrategy: the task {{'type': {task_type!r}, 'index': {task_id!r}}} is not a chief or "
            f"worker of the cluster {cluster}."
        )
    return tasks[0], len(tasks), process_id


class _MultiWorkerExtended(StrategyExtended):
    @property
    def worker_devices(self) -> tuple[str, ...]:
        """This worker's devices (TF's ``/job:worker/replica:0/task:<i>/device:CPU:0``)."""
        index = jax.process_index()
        local = [d for d in self._strategy._devices if d.process_index == index]
        kinds = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}
        return tuple(
            f"/job:worker/replica:0/task:{index}/device:{kinds.get(d.platform, d.platform.upper())}:{i}"
            for i, d in enumerate(local)
        )


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous data parallelism over the devices of several processes (``tf.distribute.MultiWorkerMirroredStrategy``).

    Each process runs the same program. Made first thing in the program, the strategy connects the processes
    with ``jax.distributed.initialize``: the coordinator, process count and this process's id come from
    ``TF_CONFIG`` as TF reads it (``{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker",
    "index": i}}``; the first worker's address is the coordinator), or from ``cluster_resolver``
    (``cluster_spec()``, ``task_type``, ``task_id``); a program that called ``jax.distributed.initialize``
    itself keeps that. The replicas are every process's devices, in one ``jax.sharding.Mesh``: Variables are
    replicated over all of them (initial values broadcast from the first process, as TF), and each step is
    one SPMD program whose all-reduces cross the processes (gloo on CPU, NCCL on GPU).

    ``experimental_distribute_dataset`` gives each process the rows of each global batch that its devices
    hold: every process reads the same dataset (as TF's ``AutoShardPolicy.DATA``).

    Args:
      cluster_resolver: optional, an object with TF's ``cluster_spec()`` (a ``ClusterSpec`` or its dict),
        ``task_type`` and ``task_id``.
      communication_options: accepted and ignored (XLA chooses the collectives).

    Raises:
      RuntimeError: if JAX's backends already started in this process (``jax.distributed.initialize`` must
        come before any computation).

    Differences from TensorFlow: TF gives worker ``w`` the rows ``w, w + n, ...`` of each global batch;
    tapejax gives it a contiguous block. ``experimental_local_results`` returns this process's replicas.
    """

    def __init__(self, cluster_resolver: Any = None, communication_options: Any = None) -> None:
        if cluster_resolver is not None:
            spec = cluster_resolver.cluster_spec()
            spec = spec.as_dict() if hasattr(spec, "as_dict") else dict(spec)
            cluster = _cluster_of(spec, cluster_resolver.task_type, cluster_resolver.task_id)
        else:
            cluster = cluster_from_tf_config()
        if cluster is not None and not jax.distributed.is_initialized():
            coordinator, count, process_id = cluster
            try:
                jax.distributed.initialize(coordinator_address=coordinator, num_processes=count, process_id=process_id)
            except RuntimeError as e:
                raise RuntimeError(
                    "MultiWorkerMirroredStrategy must be created before any computation (JAX's backends started "
                    f"already, and jax.distributed.initialize cannot run after that): {e}"
                ) from None
        super().__init__(jax.devices())
        self._extended = _MultiWorkerExtended(self)
