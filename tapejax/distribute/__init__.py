"""``tf.distribute``: strategies on JAX's sharding runtime (meshes, XLA's collectives)."""

from typing import Any as _Any

from tapejax._src.distribute.input_lib import DistributedDataset as DistributedDataset
from tapejax._src.distribute.input_lib import DistributedIterator as DistributedIterator
from tapejax._src.distribute.mirrored import MirroredStrategy as MirroredStrategy
from tapejax._src.distribute.mirrored import OneDeviceStrategy as OneDeviceStrategy
from tapejax._src.distribute.mirrored import TPUStrategy as TPUStrategy
from tapejax._src.distribute.multi_worker import MultiWorkerMirroredStrategy as MultiWorkerMirroredStrategy
from tapejax._src.distribute.reduce_util import ReduceOp as ReduceOp
from tapejax._src.distribute.sharding import shard as shard
from tapejax._src.distribute.strategy import InputContext as InputContext
from tapejax._src.distribute.strategy import ReplicaContext as ReplicaContext
from tapejax._src.distribute.strategy import Strategy as Strategy
from tapejax._src.distribute.strategy import StrategyExtended as StrategyExtended
from tapejax._src.distribute.strategy import get_cross_replica_context as get_cross_replica_context
from tapejax._src.distribute.strategy import get_replica_context as get_replica_context
from tapejax._src.distribute.strategy import get_strategy as get_strategy
from tapejax._src.distribute.strategy import has_strategy as has_strategy
from tapejax._src.distribute.strategy import in_cross_replica_context as in_cross_replica_context
from tapejax._src.distribute.values import PerReplica as PerReplica
from tapejax._src.errors import missing_attribute as _missing_attribute


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.distribute", name)
